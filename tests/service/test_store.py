"""The off-chain store journals every chain event exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

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
