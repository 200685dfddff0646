"""Store schema migrations: a store made by the release before migrations (a checked-in fixture at
revision 0001) upgrades to the head with every row intact; the migrations build exactly the
schema the models declare; a store from a newer release is refused and left untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from api.db import schema
from api.db.journal import make_engine
from tools.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "store-0001.sqlite"


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('alembic_version') ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def _indexes(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=?", (table,))}
    finally:
        conn.close()


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, store)
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "no-data-dir"))
    monkeypatch.setenv("TL_DATABASE_URL", f"sqlite:///{store}")
    return store


def _schema_differences(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), SQLModel.metadata))
    finally:
        engine.dispose()


def test_the_migrations_build_exactly_the_schema_the_models_declare(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    engine = create_engine(url)
    assert schema.upgrade(engine) == (None, schema.head())
    engine.dispose()
    assert _schema_differences(url) == []


def test_a_new_store_is_created_at_the_head_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    current = schema.state(engine)
    assert current.stamped and current.current and current.revision == schema.head()


def test_the_previous_release_store_is_refused_at_start_up_until_upgraded(old_store: Path) -> None:
    with pytest.raises(schema.StoreOutdated, match="tender-ledger db upgrade"):
        make_engine(f"sqlite:///{old_store}")


def test_db_upgrade_brings_the_previous_release_store_to_the_head_with_its_data_intact(
        old_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _rows(old_store)
    assert sum(len(rows) for rows in before.values()) > 50 and before["credentialrecord"]
    assert "ix_chainevent_contract" not in _indexes(old_store, "chainevent")

    code, out, _ = _cli(capsys, "db", "current", "--json")
    assert code == 0
    assert json.loads(out) == {"revision": "0001", "head": schema.head(), "up_to_date": False, "known": True}

    code, out, err = _cli(capsys, "db", "upgrade", "--json")
    assert code == 0, err
    assert json.loads(out) == {"revision_before": "0001", "revision": schema.head(), "changed": True}
    # 0004's block hashes: none for what was journalled before (a reorg below it reads the chain again)
    hashless = {t: sorted((row + (None,) for row in before[t]), key=repr) for t in ("chainevent", "synccursor")}
    after = _rows(old_store)
    # 0006's log: one record, not yet placed, for each filed document, used nonce and seat holder
    logged = after.pop("storelogentry")
    assert len(logged) == sum(len(before.get(t, [])) for t in ("document", "usednonce", "seatholderrow")) > 0
    assert {row[1] for row in logged} == {None}
    assert {row[2] for row in logged} <= {"document", "usednonce", "seatholder"}
    # 0003: the journal holds no revocation; 0005: no anchor is in flight; 0007: no PerformanceBook event
    assert after == before | hashless | {"revocationrecord": [], "anchorreservation": [], "performanceentryrecord": [],
                                         "performancerulingrecord": [], "performancecompletionrecord": []}
    assert "ix_chainevent_contract" in _indexes(old_store, "chainevent")
    assert _schema_differences(f"sqlite:///{old_store}") == []
    make_engine(f"sqlite:///{old_store}").dispose()  # the service accepts it now

    code, out, _ = _cli(capsys, "db", "upgrade", "--json")  # again: nothing to do
    assert code == 0 and json.loads(out)["changed"] is False


def test_db_upgrade_refuses_a_store_from_a_newer_release_and_leaves_it_untouched(
        old_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(old_store)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES ('9001')")
    conn.commit()
    conn.close()
    digest = hashlib.sha256(old_store.read_bytes()).hexdigest()
    code, _, err = _cli(capsys, "db", "upgrade")
    lines = err.strip().splitlines()
    assert code == 3 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "revision 9001" in lines[0] and "newer release" in lines[0]
    assert hashlib.sha256(old_store.read_bytes()).hexdigest() == digest
    with pytest.raises(schema.NewerStore):
        make_engine(f"sqlite:///{old_store}")
    code, out, _ = _cli(capsys, "db", "current", "--json")
    assert code == 0 and json.loads(out)["known"] is False


def test_db_upgrade_of_a_data_directory_without_a_store_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "none"))
    monkeypatch.delenv("TL_DATABASE_URL", raising=False)
    code, _, err = _cli(capsys, "db", "upgrade")
    assert code == 3 and err.startswith("error: ") and "holds no store" in err
    assert not (tmp_path / "none" / "ledger.sqlite").exists()


def test_0007_projects_the_performance_events_a_store_already_journalled(tmp_path: Path) -> None:
    """A store at 0006 journalled PerformanceBook's events without projecting them: the upgrade
    projects each (an entry, its acknowledgement, a complaint, its ruling, the completion)."""
    from alembic import command
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'at-0006.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(schema._config(conn), "0006")
    tid, by, winner, gov = "0x" + "ab" * 32, "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20
    events = [
        ("PerformanceRecorded", {"tenderId": tid, "section": 0, "index": 0, "kind": 0, "by": by, "winner": winner,
                                 "documentHash": "0x" + "01" * 32, "recordedAt": 1000}),
        ("PerformanceAcknowledged", {"tenderId": tid, "section": 0, "index": 0, "by": winner, "acknowledgedAt": 1010}),
        ("PerformanceRecorded", {"tenderId": tid, "section": 0, "index": 1, "kind": 1, "by": winner,
                                 "winner": winner, "documentHash": "0x" + "02" * 32, "recordedAt": 1020}),
        ("PerformanceComplaintRuled", {"tenderId": tid, "section": 0, "index": 1, "upheld": True,
                                       "rulingHash": "0x" + "03" * 32, "by": gov}),
        ("PerformanceRecorded", {"tenderId": tid, "section": 0, "index": 2, "kind": 2, "by": by, "winner": winner,
                                 "documentHash": "0x" + "04" * 32, "recordedAt": 1040}),
    ]
    with engine.begin() as conn:
        for n, (name, args) in enumerate(events):
            conn.execute(text(
                "INSERT INTO chainevent (chain_key, block_number, log_index, tx_hash, contract, name, args, "
                "block_time) VALUES ('c', :n, 0, :tx, 'PerformanceBook', :name, :args, '1970-01-01 00:17:10')"),
                {"n": n + 1, "tx": f"0x{n:064x}", "name": name, "args": json.dumps(args)})
    assert schema.upgrade(engine) == ("0006", schema.head())
    with engine.connect() as conn:
        entries = conn.execute(text("SELECT entry_index, kind, acknowledged_at, acknowledged_by "
                                    "FROM performanceentryrecord ORDER BY entry_index")).all()
        rulings = conn.execute(text("SELECT entry_index, upheld, ruled_at, by FROM performancerulingrecord")).all()
        completions = conn.execute(text("SELECT entry_index, completed_at FROM performancecompletionrecord")).all()
    engine.dispose()
    assert [tuple(r) for r in entries] == [(0, 0, 1010, winner), (1, 1, 0, None), (2, 2, 0, None)]
    assert [tuple(r) for r in rulings] == [(1, 1, 1030, gov)] and [tuple(r) for r in completions] == [(2, 1040)]
