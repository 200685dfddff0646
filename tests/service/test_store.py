"""The off-chain store journals every chain event exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

from api.db.credentials import AnchorRecord, IssuerKind
from api.db.journal import Store, make_engine
from ledger.config import Settings
from ledger.runtime import open_runtime


def test_reconcile_journals_each_event_once_and_projects_anchors(
    tmp_path: Path, database_url: str
) -> None:
    with open_runtime(Settings(data_dir=tmp_path / "data", database_url=database_url)) as rt:
        store = Store(rt, make_engine(database_url))
        reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, 1)
        roots = [os.urandom(32) for _ in range(3)]
        for r in roots:
            rt.client.send(rt.centre, reg.functions.anchor_wU2(r, 1))
        # The governance's deployment (4 MemberAdded, ThresholdChanged), 4 AdminTransferred, two
        # governed calls (Proposed, 3 Approved, the call's event, Executed: 6 each), 3 anchors.
        assert store.reconcile() == 5 + 4 + 2 * 6 + 3
        assert store.reconcile() == 0  # nothing is applied twice
        with store.session() as s:
            anchored = {a.root for a in s.exec(select(AnchorRecord))}
            kinds = list(s.exec(select(IssuerKind)))
        assert anchored == {"0x" + r.hex() for r in roots}
        assert [(k.issuer, k.kind, k.authorised) for k in kinds] == [(rt.centre.address, 1, True)]


def test_writes_made_while_the_store_was_down_are_picked_up_at_start_up(
    tmp_path: Path, database_url: str
) -> None:
    data = tmp_path / "data"
    with open_runtime(Settings(data_dir=data)) as rt:
        store = Store(rt, make_engine(database_url))
        reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, 1)
        store.reconcile()
        # The chain moves on without the store (a crash between transaction and DB write).
        rt.client.send(rt.centre, reg.functions.anchor_wU2(b"\x42" * 32, 1))
        rt.govern(rt.registry, "withdrawIssuer", rt.centre.address, 1)
    with open_runtime(Settings(data_dir=data)) as rt:
        store = Store(rt, make_engine(database_url))
        assert store.reconcile() == 1 + 6  # the anchor, the governed withdrawal (6 events)
        with store.session() as s:
            assert s.get(AnchorRecord, (store.chain_key, "0x" + "42" * 32)) is not None
            kind = s.get(IssuerKind, (store.chain_key, rt.centre.address, 1))
            assert kind is not None and kind.authorised is False
        assert [e.name for e in store.events() if e.contract == "CredentialRegistry"] == [
            "AdminTransferred",
            "IssuerAuthorised",
            "Anchored",
            "IssuerWithdrawn",
        ]


def test_an_anchors_reservation_holds_its_credentials_across_processes_until_released_or_lapsed(
    tmp_path: Path, database_url: str
) -> None:
    """Two stores on one database (two workers): of two anchors sharing a credential, reserved at
    the same moment, exactly one holds it; a release or the lapse frees it."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    from api.db.credentials import RESERVATION_S, AnchorReservation, SqlCredentialFiles

    with open_runtime(Settings(data_dir=tmp_path / "data", database_url=database_url)) as rt:
        mine, theirs = (SqlCredentialFiles(Store(rt, make_engine(database_url))) for _ in range(2))
        shared, a, b = os.urandom(32), os.urandom(32), os.urandom(32)
        root_a, root_b = os.urandom(32), os.urandom(32)
        for _ in range(5):
            with ThreadPoolExecutor(2) as pool:
                held = list(pool.map(lambda job: job[0].reserve(job[1], job[2]),
                                     [(mine, root_a, [a, shared]), (theirs, root_b, [shared, b])]))
            assert sorted(bool(h) for h in held) == [False, True]  # exactly one anchor holds them
            winner = root_a if not held[0] else root_b
            loser_files, loser_root = (theirs, root_b) if winner == root_a else (mine, root_a)
            loser_files.release(loser_root, [shared])  # another root's release frees nothing
            assert mine.reserve(os.urandom(32), [shared]) == [shared]
            (mine if winner == root_a else theirs).release(winner, [a, shared, b])
            assert theirs.reserve(root_b, [shared]) == [] and mine.reserve(root_a, [shared]) == [shared]
            theirs.release(root_b, [shared])

        assert mine.reserve(root_a, [shared]) == []
        with mine.store.session() as s:  # the reserving process died: its row ages past the lapse
            row = s.get(AnchorReservation, (mine.store.chain_key, "0x" + shared.hex()))
            assert row is not None
            row.reserved_at = row.reserved_at - timedelta(seconds=RESERVATION_S + 1)
            s.add(row)
            s.commit()
        assert theirs.reserve(root_b, [shared]) == []


def test_a_catch_up_that_finds_the_journal_already_through_its_head_reads_nothing_at_the_node(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers catch up one after another under the guard: one whose events a catch-up before it
    already journalled does not read every contract's logs again; one with new blocks does."""
    with open_runtime(Settings(data_dir=tmp_path / "data", database_url=database_url)) as rt:
        mine, theirs = Store(rt, make_engine(database_url)), Store(rt, make_engine(database_url))
        reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, 1)
        mine.reconcile()
        reads: list[str] = []
        for name in rt.addresses:
            gateway = rt.gateway(name)
            original = gateway.logs
            monkeypatch.setattr(gateway, "logs", lambda *a, _o=original, _n=name, **k: (reads.append(_n), _o(*a, **k))[1])
        assert theirs.reconcile() == 0 and reads == []  # another worker's catch-up read that far
        rt.client.send(rt.centre, reg.functions.anchor_wU2(os.urandom(32), 1))
        assert theirs.reconcile() == 1 and "CredentialRegistry" in reads
        with theirs.session() as s:
            assert len(list(s.exec(select(AnchorRecord)))) == 1
