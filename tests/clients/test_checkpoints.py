"""The store's log and its checkpoints end to end: a real data directory (embedded chain, CheckpointBook,
the centre's key), the service's own writes logged, checkpointed, and audited — then the attacks
a store's administrator could try after a checkpoint, each found and the first changed record
named: edit a logged row, edit its record, delete a record, insert one in the middle, truncate the
log and append others; the service then refuses to checkpoint over the rewritten history.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.db import documents
from api.db.events import UsedNonce
from api.db.journal import Store
from api.deps import checkpoint_service
from ledger.audit.chain import ChainView
from ledger.config import Settings
from ledger.crypto.canonical import store_record
from ledger.errors import StoreMismatch
from ledger.runtime import Runtime, open_runtime
from ledger.service.checkpoints import CheckpointPolicy
from tools.audit_log import run
from tools.cli import main


@dataclass
class Ledger:
    rt: Runtime
    store: Store
    path: Path

    @property
    def db(self) -> Path:
        return self.rt.datadir.store_file

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    def file(self, n: int, start: int = 0) -> None:
        with self.store.session() as s:
            for i in range(start, start + n):
                documents.put(s, chain_key=self.store.chain_key, kind="tender", key=f"0x{i:04x}",
                              content=f"tender file {i}".encode(), received_at=datetime.now(UTC))
            s.commit()

    def checkpoint(self) -> int:
        out = checkpoint_service(self.store).checkpoint()
        assert out.recorded is not None
        return out.recorded.size

    def audit(self, witness: Path | None = None) -> tuple[list[tuple[str, str, str]], int | None]:
        audit, _ = run(ChainView(self.rt.client, dict(self.rt.addresses)), self.url, witness)
        return [(r.status.value, r.name, r.message) for r in audit.results], audit.first_rewritten

    def sql(self, statement: str, *params: object) -> None:
        conn = sqlite3.connect(self.db)
        conn.execute(statement, params)
        conn.commit()
        conn.close()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_runtime(Settings(data_dir=tmp_path / "d")) as rt:
        yield Ledger(rt, Store(rt), tmp_path)


def failed(results: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(name, msg) for status, name, msg in results if status == "fail"]


def test_every_write_of_a_document_or_nonce_is_logged_checkpointed_and_audits_clean(ledger: Ledger) -> None:
    ledger.file(5)
    with ledger.store.session() as s:
        s.add(UsedNonce(signer="0xabc", nonce="1", used_at=datetime.now(UTC)))
        s.commit()
    ledger.file(1, start=2)  # a second upload under a key replaces the first: a new record
    assert ledger.checkpoint() == 7
    ledger.file(3, start=10)
    assert ledger.checkpoint() == 10
    # nothing new: no checkpoint
    assert checkpoint_service(ledger.store).checkpoint().recorded is None
    results, first = ledger.audit(ledger.path / "witness.json")
    assert not failed(results) and first is None
    assert [n for s, n, _ in results if s == "pass"] == ["checkpoint 0", "checkpoint 1", "consistency 0→1"]
    assert len(json.loads((ledger.path / "witness.json").read_text())["leaves"]) == 10


def test_the_service_checkpoints_when_its_policy_says_so(ledger: Ledger) -> None:
    from api.ops import CheckpointWriter

    every3 = CheckpointWriter(ledger.store, CheckpointPolicy(records=3, seconds=0))
    now = time.time()
    ledger.file(2)
    assert every3.tick(now).recorded is None
    ledger.file(1, start=2)
    assert every3.tick(now).recorded.size == 3  # type: ignore[union-attr]
    hourly = CheckpointWriter(ledger.store, CheckpointPolicy(records=0, seconds=3600))
    assert hourly.tick(now + 7200).recorded is None  # nothing waits
    written = time.time()
    ledger.file(1, start=3)
    assert hourly.tick(written + 60).recorded is None  # the oldest waiting record is a minute old
    assert hourly.tick(written + 3601).recorded.size == 4  # type: ignore[union-attr]
    assert hourly.tick(written + 9999).recorded is None  # nothing new


def test_edit_a_logged_row_after_a_checkpoint(ledger: Ledger) -> None:
    ledger.file(6)
    ledger.checkpoint()
    ledger.sql("UPDATE document SET content = ? WHERE key = ?", b"another file", "0x0003")
    results, first = ledger.audit()
    assert [n for n, _ in failed(results)] == ["edited row"]
    assert "document 1337:" in failed(results)[0][1] and "/tender/0x0003" in failed(results)[0][1]
    assert first == 3


def test_edit_a_logged_record_after_a_checkpoint(ledger: Ledger, tmp_path: Path) -> None:
    ledger.file(6)
    ledger.checkpoint()
    witness = tmp_path / "w.json"
    assert not failed(ledger.audit(witness)[0])
    # the administrator edits the row and its record alike: only the root can tell
    ledger.sql("UPDATE document SET content = ? WHERE key = ?", b"forged", "0x0002")
    row = sqlite3.connect(ledger.db).execute("SELECT data FROM storelogentry WHERE position = 2").fetchone()[0]
    fields = json.loads(row)["fields"]
    from ledger.crypto.canonical import keccak

    fields["content_keccak"] = "0x" + keccak(b"forged").hex()
    ledger.sql("UPDATE storelogentry SET data = ? WHERE position = 2", store_record("document", fields))
    results, first = ledger.audit()
    assert ("checkpoint 0" in [n for n, _ in failed(results)]) and first is None  # no witness: a range
    assert "positions 0…5" in dict(failed(results))["first rewritten record"]
    results, first = ledger.audit(witness)
    assert first == 2 and "it was rewritten" in dict(failed(results))["first rewritten record"]


def test_delete_a_logged_record(ledger: Ledger, tmp_path: Path) -> None:
    ledger.file(6)
    ledger.checkpoint()
    witness = tmp_path / "w.json"
    ledger.audit(witness)
    ledger.sql("DELETE FROM storelogentry WHERE position = 4")
    results, first = ledger.audit()
    names = [n for n, _ in failed(results)]
    assert {"log positions", "checkpoint 0"} <= set(names) and first == 4
    # renumbered to hide the gap: the witness names it
    ledger.sql("UPDATE storelogentry SET position = position - 1 WHERE position > 4")
    results, first = ledger.audit(witness)
    assert first == 4 and "record at position 4 was deleted" in dict(failed(results))["first rewritten record"]


def test_insert_a_record_in_the_middle(ledger: Ledger, tmp_path: Path) -> None:
    ledger.file(6)
    ledger.checkpoint()
    witness = tmp_path / "w.json"
    ledger.audit(witness)
    ledger.sql("UPDATE storelogentry SET position = position + 100 WHERE position >= 2")
    ledger.sql("UPDATE storelogentry SET position = position - 99 WHERE position >= 100")
    ledger.sql("INSERT INTO storelogentry (position, kind, key, data, logged_at) VALUES (2, 'usednonce', 'x/1', ?, ?)",
               store_record("usednonce", {"signer": "x", "nonce": "1", "used_at": "2020-01-01T00:00:00.000000Z"}),
               "2020-01-01 00:00:00")
    results, first = ledger.audit(witness)
    assert first == 2 and "was inserted" in dict(failed(results))["first rewritten record"]
    assert "deleted row" in [n for n, _ in failed(results)]  # the inserted record's row is not there


def test_truncate_the_log_and_append_others(ledger: Ledger, tmp_path: Path) -> None:
    ledger.file(8)
    ledger.checkpoint()
    witness = tmp_path / "w.json"
    ledger.audit(witness)
    ledger.sql("DELETE FROM storelogentry WHERE position >= 5")
    results, _ = ledger.audit()
    assert "fewer than the 8" in dict(failed(results))["checkpoint 0"]
    ledger.sql("DELETE FROM document WHERE key >= '0x0005'")
    with ledger.store.session() as s:  # others, written the service's way
        documents.put(s, chain_key=ledger.store.chain_key, kind="tender", key="0x0999", content=b"new",
                      received_at=datetime.now(UTC))
        s.commit()
    from api.db.storelog import sequence

    sequence(ledger.store.engine)
    ledger.file(2, start=20)
    sequence(ledger.store.engine)
    results, first = ledger.audit(witness)
    assert "checkpoint 0" in dict(failed(results)) and first == 5
    # and the service will not launder it with a new checkpoint
    with pytest.raises(StoreMismatch, match="history was rewritten"):
        checkpoint_service(ledger.store).checkpoint()
    assert ledger.rt.checkpoint_book.count() == 1


def test_a_witness_that_is_no_checkpoint_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    ledger.file(3)
    ledger.checkpoint()
    witness = tmp_path / "w.json"
    witness.write_text(json.dumps({"leaves": ["0x" + "11" * 32] * 3}))
    ledger.sql("UPDATE storelogentry SET data = ? WHERE position = 0", b"{}")
    results, first = ledger.audit(witness)
    assert "witness" in dict(failed(results)) and first is None


def test_the_cli_checkpoints_audits_and_proves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    monkeypatch.setenv("TL_DATA_DIR", str(data))
    with open_runtime(Settings(data_dir=data)) as rt:
        Ledger(rt, Store(rt), tmp_path).file(5)
    assert main(["checkpoint", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recorded"] is True and out["size"] == 5 and out["index"] == 0
    assert main(["checkpoint"]) == 0
    assert "nothing to checkpoint" in capsys.readouterr().out
    assert main(["audit", "log", "--data-dir", str(data), "--witness", str(tmp_path / "w.json")]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out
    assert main(["audit", "prove", "3", "--data-dir", str(data), "--json"]) == 0
    proof = json.loads(capsys.readouterr().out)
    assert proof["verified"] is True and proof["position"] == 3 and proof["checkpoint"]["size"] == 5
    key = proof["key"]
    assert main(["audit", "prove", f"document/{key}", "--data-dir", str(data)]) == 0
    assert "verified: the path leads" in capsys.readouterr().out
    assert main(["audit", "prove", "9", "--data-dir", str(data)]) == 1
    assert capsys.readouterr().err.startswith("error: the store's log has no record at position 9")
    # a forged record no longer proves
    conn = sqlite3.connect(data / "ledger.sqlite")
    conn.execute("UPDATE storelogentry SET data = ? WHERE position = 3", (b"{}",))
    conn.commit()
    conn.close()
    assert main(["audit", "prove", "3", "--data-dir", str(data)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out
    assert main(["audit", "log", "--data-dir", str(data), "--witness", str(tmp_path / "w.json")]) == 1
    out = capsys.readouterr().out
    assert "FAIL checkpoints: checkpoint 0" in out and "record 3 (document" in out
