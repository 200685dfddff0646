"""A guarantee step files its document and relays it under the guard of that document's key only:
two steps filing one document never overlap (one's put-back after a failure would otherwise undo
the other's filing), steps filing different documents do."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from api.db.guarantees import REJECTION, SqlGuaranteeFiles
from api.db.journal import Store, make_engine
from api.db.locks import FILING_STRIPES, filing_guard_name
from ledger.config import Settings
from ledger.runtime import open_runtime


def _key_in_another_stripe(kind: str, key: str) -> str:
    return next(k for k in (f"0x{n:064x}" for n in range(FILING_STRIPES * 4))
                if filing_guard_name(kind, k) != filing_guard_name(kind, key))


def test_a_failed_step_never_removes_the_document_a_concurrent_step_filed_under_the_same_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_runtime(Settings(data_dir=tmp_path / "data", database_url=url)) as rt:
        files = SqlGuaranteeFiles(Store(rt, make_engine(url)))
        key, content = "0x" + "ab" * 32, b"the reasons"
        other = _key_in_another_stripe(REJECTION, key)
        inside, release = threading.Event(), threading.Event()
        order: list[str] = []

        def failing() -> None:
            with pytest.raises(RuntimeError), files.filing((REJECTION, key, content)):
                inside.set()
                release.wait(10)
                order.append("failed")
                raise RuntimeError("the chain refused it")

        def succeeding(k: str, label: str) -> None:
            with files.filing((REJECTION, k, content)):
                order.append(label)

        first = threading.Thread(target=failing)
        first.start()
        assert inside.wait(10)
        same = threading.Thread(target=succeeding, args=(key, "same key"))
        same.start()
        succeeding(other, "other key")  # another document's step goes ahead while the first is in flight
        assert order == ["other key"]
        release.set()
        first.join(10)
        same.join(10)
        assert order == ["other key", "failed", "same key"]  # the same key waited for the failure's put-back
        with files.store.session() as s:
            from api.db import documents
            kept = documents.get(s, chain_key=files.chain_key, kind=REJECTION, key=key)
        assert kept is not None and kept.content == content  # the step that succeeded keeps its document


def test_the_guard_of_a_document_is_one_of_a_bounded_set_and_the_same_in_every_process() -> None:
    names = {filing_guard_name("guarantee-terms", f"0x{n:064x}") for n in range(2_000)}
    assert len(names) == FILING_STRIPES
    assert filing_guard_name("k", "0xAB") == filing_guard_name("k", "0xab")
