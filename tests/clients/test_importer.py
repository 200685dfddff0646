"""`tender-ledger anchor FILE`: JSON and CSV batches anchored with the issuer's key; one bad row
rejects the whole file, with a message naming each row and field, and nothing is anchored."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import func, select

from api.db.credentials import CredentialRecord
from api.db.journal import Store
from api.views import credentials as views
from ledger.config import Settings
from ledger.documents import Kind
from ledger.runtime import open_runtime
from tools import synthetic
from tools.cli import main
from ledger.service.credentials import CredentialService
from tools.demo import ISSUER_FUNDS, credential_service


@dataclass
class Ledger:
    settings: Settings
    issuer: LocalAccount
    key_file: Path
    dataset: synthetic.Dataset

    def state(self) -> tuple[int, int]:
        """(block number, credential records): unchanged means nothing was anchored."""
        with open_runtime(self.settings) as rt:
            store = Store(rt)
            with store.session() as s:
                records = s.exec(select(func.count()).select_from(CredentialRecord)).one()
            return rt.client.block_number(), int(records)

    def documents(self, kind: Kind, n: int, seed: int = 1) -> list[dict[str, Any]]:
        docs = synthetic.new_documents(self.dataset, kind, n, seed=seed)
        return [d.to_json_dict() | {"issuer": self.issuer.address} for d in docs]


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    """A ledger (TL_DATA_DIR) with one issuer authorised for qualifications by the admin."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("TL_DATA_DIR", str(data_dir))
    for name in ("TL_RPC_URL", "TL_DATABASE_URL", "TL_SIGNER_KEY", "TL_CHAIN_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    issuer = Account.create()
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        rt.client.fund(rt.relayer, issuer.address, ISSUER_FUNDS)
        rt.govern(rt.registry, "authoriseIssuer", issuer.address, int(Kind.QUALIFICATION))
    key_file = tmp_path / "issuer.key"
    key_file.write_text("0x" + bytes(issuer.key).hex() + "\n")
    yield Ledger(settings, issuer, key_file, synthetic.generate(scale=0.02))


def _anchor(ledger: Ledger, path: Path, kind: str = "qualification", *extra: str) -> int:
    return main(["anchor", str(path), "--kind", kind, "--issuer-key", str(ledger.key_file), *extra])


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    names: list[str] = []
    for row in rows:
        names.extend(n for n in row if n not in names)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)


def test_a_json_file_is_anchored_and_its_holder_copies_verify(ledger, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    docs = ledger.documents(Kind.QUALIFICATION, 4)
    # The issuer and the kind may be left to the command; issued_at defaults to now.
    del docs[1]["issuer"], docs[2]["kind"], docs[3]["issued_at"]
    path = tmp_path / "quals.json"
    path.write_text(json.dumps(docs, ensure_ascii=False))
    before = ledger.state()
    assert _anchor(ledger, path) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "anchored 4 qualification credential(s)" in out
    holder_file = tmp_path / "quals.sealed.json"
    assert str(holder_file) in out
    assert holder_file.stat().st_mode & 0o077 == 0  # the salts are the holder's secret
    holder = json.loads(holder_file.read_text())
    assert holder["status"] == "anchored" and holder["kind"] == "QUALIFICATION"
    assert [c["row"] for c in holder["credentials"]] == [f"document {i}" for i in range(4)]
    assert ledger.state() == (before[0] + 1, before[1] + 4)
    with open_runtime(ledger.settings) as rt:
        service = credential_service(Store(rt))
        for entry in holder["credentials"]:
            report = service.verify_document(entry["sealed"], at=None, expected_subject=None)
            assert report.ok, views.report(report)
            record = service.get(bytes.fromhex(entry["credential_id"][2:]))
            assert "0x" + record.root.hex() == holder["root"]
            assert entry["sealed"]["document"]["issuer"] == ledger.issuer.address


def test_a_csv_file_is_anchored_with_empty_cells_as_unset_fields(ledger, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    rows = ledger.documents(Kind.QUALIFICATION, 3)
    for row in rows:
        del row["kind"], row["issuer"]
    rows[0].pop("validUntil")
    rows[1]["validUntil"] = ""  # an empty cell: no end date
    path = tmp_path / "quals.csv"
    _write_csv(path, rows)
    assert _anchor(ledger, path, "QUALIFICATION", "--json") == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert result["anchored"] == 3 and result["gas_used"] > 0
    holder = json.loads(Path(result["output"]).read_text())
    assert [c["row"] for c in holder["credentials"]] == ["line 2", "line 3", "line 4"]
    assert "validUntil" not in holder["credentials"][1]["sealed"]["document"]


def test_a_csv_exported_with_a_byte_order_mark_and_python_field_names_is_read(
    ledger, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    row = ledger.documents(Kind.QUALIFICATION, 1)[0]
    row["certificate_no"] = row.pop("APT_CERTNO")
    del row["kind"], row["issuer"]
    path = tmp_path / "excel.csv"
    _write_csv(path, [row])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert _anchor(ledger, path, "1") == 0, capsys.readouterr().err


def test_one_bad_row_rejects_the_whole_file_naming_each_row_and_field(
    ledger, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    rows = ledger.documents(Kind.QUALIFICATION, 4)
    for row in rows:
        del row["kind"], row["issuer"]
    rows[1]["subject"] = "911301257502818178"  # wrong check digit
    rows[3]["APT_EDATE"] = "2025-13-40"
    rows[3]["grade"] = "五级"
    path = tmp_path / "quals.csv"
    _write_csv(path, rows)
    before = ledger.state()
    assert _anchor(ledger, path) == 1
    err = capsys.readouterr().err
    assert "3 problem(s), nothing was anchored" in err
    assert "line 3: subject" in err and "check digit" in err
    assert "line 5: APT_EDATE" in err and "'2025-13-40'" in err
    assert "line 5: grade" in err
    assert "line 2" not in err and "line 4" not in err
    assert ledger.state() == before
    assert not (tmp_path / "quals.sealed.json").exists()


def test_rows_that_name_another_issuer_or_kind_or_repeat_are_rejected(
    ledger, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    docs = ledger.documents(Kind.QUALIFICATION, 3)
    docs[0]["issuer"] = Account.create().address
    docs[1]["kind"] = int(Kind.AWARD)
    docs.append(dict(docs[2]))
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(docs, ensure_ascii=False))
    before = ledger.state()
    assert _anchor(ledger, path) == 1
    err = capsys.readouterr().err
    assert "document 0: issuer is" in err and "its own credentials" in err
    assert "document 1: kind is 4" in err
    assert "document 3: repeats document 2" in err
    assert ledger.state() == before


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("{not json", "not valid JSON"),
        ('{"kind": 1}', "expected a JSON list"),
        ("[]", "holds no documents"),
        ('[1, "x"]', "document 0: expected a JSON object"),
    ],
)
def test_a_malformed_json_file_is_rejected(ledger, tmp_path, capsys, content, phrase) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.json"
    path.write_text(content)
    before = ledger.state()
    assert _anchor(ledger, path) == 1
    assert phrase in capsys.readouterr().err
    assert ledger.state() == before


def test_a_csv_row_with_too_many_cells_is_rejected(ledger, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ragged.csv"
    path.write_text("subject,validFrom\n91350100M000100Y43,2024-01-01T00:00:00+08:00,extra\n")
    assert _anchor(ledger, path) == 1
    assert "line 2: 3 cells, but the header has 2" in capsys.readouterr().err


def test_an_issuer_not_authorised_for_the_kind_is_refused_and_nothing_is_written(
    ledger, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    docs = ledger.documents(Kind.AWARD, 2)
    path = tmp_path / "awards.json"
    path.write_text(json.dumps(docs, ensure_ascii=False))
    before = ledger.state()
    assert _anchor(ledger, path, "award") == 1
    err = capsys.readouterr().err
    assert "may not anchor award credentials" in err and "NotAuthorised" in err
    assert ledger.state() == before
    assert not (tmp_path / "awards.sealed.json").exists()


def test_an_existing_holder_file_is_never_overwritten(ledger, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "quals.json"
    path.write_text(json.dumps(ledger.documents(Kind.QUALIFICATION, 1), ensure_ascii=False))
    earlier = tmp_path / "quals.sealed.json"
    earlier.write_text("salts of an earlier import")
    before = ledger.state()
    assert _anchor(ledger, path) == 1
    assert "exists already" in capsys.readouterr().err
    assert earlier.read_text() == "salts of an earlier import"
    assert ledger.state() == before
    assert _anchor(ledger, path, "qualification", "--out", str(tmp_path / "other.json")) == 0
    assert json.loads((tmp_path / "other.json").read_text())["status"] == "anchored"


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--kind", "diploma"], "unknown kind 'diploma'"),
        (["--kind", "9"], "unknown kind '9'"),
        (["--issuer-key", "/nonexistent/key"], "cannot read the issuer key"),
    ],
)
def test_an_unknown_kind_or_unreadable_key_is_a_usage_error(
    ledger, tmp_path, capsys, args, phrase
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "quals.json"
    path.write_text(json.dumps(ledger.documents(Kind.QUALIFICATION, 1), ensure_ascii=False))
    argv = ["anchor", str(path), "--kind", "qualification", "--issuer-key", str(ledger.key_file)]
    for flag, value in zip(args[::2], args[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    assert main(argv) == 2
    assert phrase in capsys.readouterr().err


def test_a_key_file_without_a_key_and_a_file_of_another_type_are_usage_errors(
    ledger, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("not a key")
    path = tmp_path / "quals.json"
    path.write_text("[]")
    assert main(["anchor", str(path), "--kind", "qualification", "--issuer-key", str(bad_key)]) == 2
    assert "does not hold a private key" in capsys.readouterr().err
    other = tmp_path / "quals.xlsx"
    other.write_text("")
    assert _anchor(ledger, other) == 2
    assert "expected a .json or .csv file" in capsys.readouterr().err


def test_if_recording_fails_after_the_chain_took_the_batch_the_salts_are_kept(
    ledger, tmp_path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tools import importer

    real = CredentialService.relay_anchor

    def relay_then_crash(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError("the store went away")

    monkeypatch.setattr(importer.CredentialService, "relay_anchor", relay_then_crash)
    path = tmp_path / "quals.json"
    path.write_text(json.dumps(ledger.documents(Kind.QUALIFICATION, 2), ensure_ascii=False))
    assert _anchor(ledger, path) == 1
    assert "the store went away" in capsys.readouterr().err
    holder = json.loads((tmp_path / "quals.sealed.json").read_text())
    assert holder["status"] == "pending" and len(holder["credentials"]) == 2
    assert all("masterSalt" in c["sealed"] for c in holder["credentials"])


def test_if_the_relay_refuses_the_batch_no_holder_file_is_left(
    ledger, tmp_path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from ledger.errors import ValidationFailed
    from tools import importer

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ValidationFailed("refused before relaying")

    monkeypatch.setattr(importer.CredentialService, "relay_anchor", refuse)
    path = tmp_path / "quals.json"
    path.write_text(json.dumps(ledger.documents(Kind.QUALIFICATION, 2), ensure_ascii=False))
    before = ledger.state()
    assert _anchor(ledger, path) == 1
    assert "refused before relaying" in capsys.readouterr().err
    assert not (tmp_path / "quals.sealed.json").exists()
    assert ledger.state() == before
