"""`tender-ledger rebuild-store`: rows a database administrator edited, deleted or invented come
back exactly as the chain and the filed documents say, and the command says what changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from api.db.credentials import AnchorRecord, CredentialRecord, IssuerKind
from api.db.journal import NOT_PROJECTED, Store
from ledger.config import Settings
from ledger.runtime import open_runtime
from tools.cli import EXIT_CONFIG, EXIT_OK, main
from tools.demo import DemoOptions, run_demo


def _snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every projected table's rows, as sorted lists of plain dicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    with store.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in NOT_PROJECTED:
                continue
            rows = [dict(r._mapping) for r in s.execute(select(table))]
            out[table.name] = sorted(rows, key=repr)
    return out


@pytest.fixture
def ledger_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "ledger"
    run_demo(DemoOptions(data_dir=data, scale=0.01, sample=0))
    monkeypatch.setenv("TL_DATA_DIR", str(data))
    for name in ("TL_RPC_URL", "TL_DATABASE_URL", "TL_CHAIN_ID", "TL_SIGNER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return data


def test_edited_deleted_and_invented_rows_are_restored_from_the_chain_and_the_documents(
    ledger_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_runtime(Settings(data_dir=ledger_dir)) as rt:
        store = Store(rt)
        store.reconcile()
        honest = _snapshot(store)
        with store.session() as s:
            record = s.exec(select(CredentialRecord)).first()
            anchor = s.exec(select(AnchorRecord)).first()
            assert record is not None and anchor is not None
            record.subject = "91350100M000100Y43"  # a credential handed to another firm
            s.add(record)
            s.delete(anchor)  # an anchor made to disappear
            s.add(IssuerKind(chain_key=store.chain_key, issuer="0x" + "11" * 20, kind=1, authorised=True,
                             changed_at=anchor.anchored_at))  # an issuer nobody authorised
            s.commit()
        assert _snapshot(store) != honest

    assert main(["rebuild-store", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["events_replayed"] > 0
    assert report["tables"]["anchorrecord"]["rows_after"] == report["tables"]["anchorrecord"]["rows_before"] + 1
    assert report["tables"]["issuerkind"]["rows_after"] == report["tables"]["issuerkind"]["rows_before"] - 1

    with open_runtime(Settings(data_dir=ledger_dir)) as rt:
        assert _snapshot(Store(rt)) == honest


def test_the_table_says_which_tables_changed(ledger_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_runtime(Settings(data_dir=ledger_dir)) as rt:
        store = Store(rt)
        store.reconcile()
        with store.session() as s:
            anchor = s.exec(select(AnchorRecord)).first()
            assert anchor is not None
            s.delete(anchor)
            s.commit()
    assert main(["rebuild-store"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("rebuilt the store from the chain:")
    changed = [line.split()[0] for line in lines if line.endswith("(changed)")]
    assert changed == ["anchorrecord"]


def test_a_store_in_use_by_the_service_is_refused_and_left_alone(
    ledger_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_runtime(Settings(data_dir=ledger_dir)):  # the running service holds the data directory
        assert main(["rebuild-store"]) == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
