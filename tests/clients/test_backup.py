"""`tender-ledger backup` while the service writes, `restore`, and the refusals of bad input: a
non-empty target, a missing, incomplete or damaged backup, a data directory already in use."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from ledger.documents import Kind
from tests.scenes import Firm, Scene
from tools.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


class Writer(threading.Thread):
    """Anchors one credential after another through the API, noting each acknowledged id."""

    def __init__(self, scene: Scene) -> None:
        super().__init__(daemon=True)
        self.scene = scene
        self.issuer = scene.issuer(Kind.QUALIFICATION)
        self.firm = Firm(scene.actor(), "91350100M000100Y43")
        self.acked: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        n = 0
        try:
            while not self.stop.is_set() and n < 400:
                cid = self.scene.credential(self.firm, Kind.QUALIFICATION, issuer=self.issuer, n=1000 + n)
                n += 1
                with self.lock:
                    self.acked.append(cid)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def acknowledged(self) -> list[str]:
        with self.lock:
            return list(self.acked)


def _wait_for(writer: Writer, count: int) -> None:
    deadline = time.monotonic() + 120
    while len(writer.acknowledged()) < count:
        assert writer.error is None, writer.error
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.01)


def test_a_backup_taken_during_writes_restores_every_write_acknowledged_before_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    backup_dir = tmp_path / "backup"
    with Scene.served(tmp_path / "live") as scene:
        writer = Writer(scene)
        writer.start()
        _wait_for(writer, 3)
        before = writer.acknowledged()
        monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "live" / "data"))
        code, out, err = _run(capsys, "backup", str(backup_dir), "--json")
        assert code == 0, err
        _wait_for(writer, len(before) + 2)  # writes go on after the backup
        writer.stop.set()
        writer.join(timeout=120)
        assert writer.error is None, writer.error
        everything = writer.acknowledged()
    report = json.loads(out)
    assert report["store"] == "sqlite" and report["journal_block"] <= report["chain_last_tx_block"]
    manifest = json.loads((backup_dir / "backup.json").read_text())
    assert {"chain.sqlite", "ledger.sqlite", "tender-ledger.json", "deployments.json", "keys/relayer.key",
            "keys/centre.key"} <= manifest["files"].keys()
    assert not any(name.endswith(("-wal", "-shm", ".lock")) for name in manifest["files"])
    assert (backup_dir.stat().st_mode & 0o077) == 0  # it holds keys

    restored = tmp_path / "restored" / "data"
    monkeypatch.setenv("TL_DATA_DIR", str(restored))
    code, out, err = _run(capsys, "restore", str(backup_dir), "--json")
    assert code == 0, err
    assert json.loads(out)["events_caught_up"] >= 0

    with Scene.served(tmp_path / "restored") as again:
        for cid in before:
            assert again.http.get(f"/credentials/{cid}").status_code == 200, cid
        on_restored_chain = [cid for cid in everything if again.http.get(f"/credentials/{cid}").status_code == 200]
        assert on_restored_chain[: len(before)] == before  # acknowledged in order, a prefix of all writes
        assert again.http.get("/readyz").json()["checks"]["journal"]["lag_blocks"] == 0
        store = again.store
        counts = store.row_counts()
        store.rebuild()
        assert store.row_counts() == counts  # the journal caught up: nothing the chain has is missing


@pytest.fixture
def backed_up(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    with Scene.served(tmp_path / "live"):
        pass
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "live" / "data"))
    code, _, err = _run(capsys, "backup", str(tmp_path / "backup"))
    assert code == 0, err
    return tmp_path / "backup"


def test_a_backup_into_a_non_empty_directory_is_refused_and_leaves_it_alone(
        backed_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, _, err = _run(capsys, "backup", str(target))
    assert code == 1 and "is not empty" in _one_error(err)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_a_backup_of_a_directory_that_is_not_a_data_directory_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "nothing-here"))
    code, _, err = _run(capsys, "backup", str(tmp_path / "b"))
    assert code == 3 and "not a tender-ledger data directory" in _one_error(err)
    assert not (tmp_path / "b").exists()


def _restore_fails(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, source: Path,
                   target: Path) -> str:
    monkeypatch.setenv("TL_DATA_DIR", str(target))
    code, _, err = _run(capsys, "restore", str(source))
    assert code == 1, err
    assert not target.exists() or not any(target.iterdir())  # nothing half-written
    assert not target.parent.exists() or not [p for p in target.parent.iterdir() if ".restoring-" in p.name]
    return _one_error(err)


def test_restore_from_a_missing_backup_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no such directory" in _restore_fails(capsys, monkeypatch, tmp_path / "none", tmp_path / "r" / "data")


def test_restore_from_an_interrupted_backup_without_its_manifest_is_refused(
        backed_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (backed_up / "backup.json").unlink()
    assert "no backup.json" in _restore_fails(capsys, monkeypatch, backed_up, tmp_path / "r" / "data")


def test_restore_from_a_backup_with_a_flipped_byte_is_refused(
        backed_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    chain = backed_up / "chain.sqlite"
    raw = bytearray(chain.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    chain.write_bytes(bytes(raw))
    message = _restore_fails(capsys, monkeypatch, backed_up, tmp_path / "r" / "data")
    assert "chain.sqlite does not match its SHA-256" in message


def test_restore_from_a_backup_missing_a_file_is_refused(
        backed_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (backed_up / "keys" / "relayer.key").unlink()
    assert "keys/relayer.key is missing" in _restore_fails(capsys, monkeypatch, backed_up, tmp_path / "r" / "data")


def test_restore_from_a_backup_whose_manifest_was_edited_to_match_a_damaged_store_is_refused(
        backed_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    store = backed_up / "ledger.sqlite"
    store.write_bytes(b"not a database" * 100)
    manifest = json.loads((backed_up / "backup.json").read_text())
    manifest["files"]["ledger.sqlite"] = hashlib.sha256(store.read_bytes()).hexdigest()
    (backed_up / "backup.json").write_text(json.dumps(manifest))
    assert "not a readable database" in _restore_fails(capsys, monkeypatch, backed_up, tmp_path / "r" / "data")


def test_restore_over_an_existing_data_directory_is_refused(
        backed_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    live = tmp_path / "live" / "data"
    before = sorted(p.name for p in live.iterdir())
    monkeypatch.setenv("TL_DATA_DIR", str(live))
    code, _, err = _run(capsys, "restore", str(backed_up))
    assert code == 1 and "is not empty" in _one_error(err)
    assert sorted(p.name for p in live.iterdir()) == before


@pytest.mark.slow
@pytest.mark.postgres
def test_a_postgresql_store_is_backed_up_with_pg_dump_and_restored_into_an_empty_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        postgres: Any) -> None:
    live_url = postgres.new_database(f"t_{uuid.uuid4().hex[:12]}")
    with Scene.served(tmp_path / "live", database_url=live_url) as scene:
        issuer = scene.issuer(Kind.QUALIFICATION)
        firm = Firm(scene.actor(), "91350100M000100Y43")
        ids = [scene.credential(firm, Kind.QUALIFICATION, issuer=issuer, n=500 + i) for i in range(3)]
        monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "live" / "data"))
        monkeypatch.setenv("TL_DATABASE_URL", live_url)
        code, out, err = _run(capsys, "backup", str(tmp_path / "backup"), "--json")
        assert code == 0, err
    assert json.loads(out)["store"] == "postgresql"
    assert (tmp_path / "backup" / "store.pgdump").is_file()

    new_url = postgres.new_database(f"t_{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "restored" / "data"))
    monkeypatch.setenv("TL_DATABASE_URL", new_url)
    code, _, err = _run(capsys, "restore", str(tmp_path / "backup"))
    assert code == 0, err
    with Scene.served(tmp_path / "restored", database_url=new_url) as again:
        for cid in ids:
            assert again.http.get(f"/credentials/{cid}").status_code == 200
    # A second restore into the now non-empty database is refused.
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "again" / "data"))
    code, _, err = _run(capsys, "restore", str(tmp_path / "backup"))
    assert code == 1 and "is not empty" in _one_error(err)
    assert not (tmp_path / "again" / "data").exists()


def test_the_backed_up_chain_is_one_committed_state(backed_up: Path) -> None:
    conn = sqlite3.connect(backed_up / "chain.sqlite")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
