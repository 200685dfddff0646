"""`tender-ledger serve --workers N`: refused on SQLite with one `error:` line; the data directory
shared by the workers and by no one else; the store's guards (in-process on SQLite, re-entrant).
The four workers on PostgreSQL under load: tests/slow/test_workers.py."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlmodel import create_engine

from api.db.locks import GUARANTEE_WRITES, advisory_key, nonce_guard_name, shared_across_processes, store_lock
from ledger.config import Settings
from ledger.datadir import DataDir
from ledger.errors import ConfigurationError, DataDirInUse
from ledger.runtime import open_runtime
from tests.nodes import tender_ledger
from tools.serve import refusal

EXIT_USAGE = 2


@pytest.mark.parametrize("url", [None, "sqlite:///x.sqlite"])
def test_several_workers_on_sqlite_are_refused_with_one_error_line(tmp_path: Path, url: str | None) -> None:
    env = {"TL_DATA_DIR": str(tmp_path / "data")} | ({"TL_DATABASE_URL": url} if url else {})
    r = tender_ledger("serve", "--workers", "2", env=env)
    assert r.returncode == EXIT_USAGE
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --workers 2 needs the store on PostgreSQL"), r.stderr
    assert not (tmp_path / "data").exists()  # refused before anything is made


def test_workers_refusals_name_the_reason() -> None:
    assert refusal(Settings(database_url=None), 1) is None
    assert refusal(Settings(database_url="postgresql+psycopg://u@127.0.0.1/db"), 4) is None
    assert "at least 1" in (refusal(Settings(), 0) or "")
    assert "not a database URL" in (refusal(Settings(database_url="::nonsense::"), 2) or "")


def test_a_worker_needs_a_node_for_the_embedded_chain(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    open_runtime(settings).close()  # made, deployed
    with pytest.raises(ConfigurationError, match="through a `tender-ledger node`"):
        open_runtime(settings, shared=True)


def test_workers_share_the_directory_and_hold_off_a_process_that_needs_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "data"
    DataDir.open(path).close()
    serving = DataDir.open(path, shared=True)
    serving.hold_serving()
    worker = DataDir.open(path, shared=True)
    try:
        with pytest.raises(DataDirInUse):
            DataDir.open(path)  # rebuild-store, clock --advance, a single-process serve
        second = DataDir.open(path, shared=True)
        with pytest.raises(DataDirInUse, match="already served"):
            second.hold_serving()  # a second `serve --workers` on the directory
        second.close()
    finally:
        worker.close()
        serving.close()
    DataDir.open(path).close()  # free again


def test_a_shared_worker_is_refused_while_a_process_holds_the_directory_alone(tmp_path: Path) -> None:
    path = tmp_path / "data"
    alone = DataDir.open(path)
    try:
        with pytest.raises(DataDirInUse):
            DataDir.open(path, shared=True)
    finally:
        alone.close()


def test_a_sqlite_guard_is_the_in_process_lock_and_reentrant(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert not shared_across_processes(engine)
    guard = store_lock(engine, GUARANTEE_WRITES)
    assert store_lock(create_engine(f"sqlite:///{tmp_path / 's.sqlite'}"), GUARANTEE_WRITES) is guard
    entered = threading.Event()
    with guard, guard:  # re-entrant in its thread
        other = threading.Thread(target=lambda: (guard.__enter__(), entered.set(), guard.__exit__(None, None, None)))
        other.start()
        assert not entered.wait(0.2)  # another thread waits
    other.join(5)
    assert entered.is_set()


def test_guard_keys_are_one_per_name_and_a_nonce_guard_per_address() -> None:
    assert advisory_key("reconcile") == advisory_key("reconcile") != advisory_key("schema")
    assert -(2**63) <= advisory_key("x") < 2**63
    address = "0x" + "Ab" * 20
    assert nonce_guard_name(address) == nonce_guard_name(address.lower())


@pytest.mark.parametrize("workers", [2, 4, 8, 16])
def test_the_workers_pools_stay_within_postgresqls_default_connections(workers: int) -> None:
    """Each worker's pool (and as many again at peaks) times the workers stays well under
    PostgreSQL's default max_connections of 100, leaving room for the preflight and the tools."""
    from tools.serve import worker_pool_size

    assert workers * 2 * worker_pool_size(workers) <= 80
    assert worker_pool_size(workers) >= 2


@pytest.mark.postgres
def test_the_pool_size_setting_reaches_the_stores_engine(postgres: object) -> None:
    from api.db.journal import make_engine

    engine = make_engine(postgres.new_database("pool"), pool_size=3)  # type: ignore[attr-defined]
    try:
        assert engine.pool.size() == 3 and engine.pool._max_overflow == 3  # type: ignore[attr-defined]
    finally:
        engine.dispose()
