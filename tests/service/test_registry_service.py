"""Registry services: issuer authorisation, anchoring, status changes over time, input validation.

Every test runs on the embedded chain and on a real anvil node.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.model.receipt import Mined
from ledger.documents import Kind
from ledger.errors import Conflict, Unauthorised, ValidationFailed
from ledger.crypto.merkle import leaf_of, verify_proof
from ledger.model.credential import Anchor, ReasonCode, Status, StatusAt
from ledger.rules.anchoring import MAX_BATCH
from tests.conftest import ChainEnv
from tests.scenes import Ledger, open_ledger


@pytest.fixture
def ledger(chain: ChainEnv) -> Ledger:
    return open_ledger(chain)


def status(ledger: Ledger, root: bytes, credential_id: bytes, at: int, proof: list[bytes] | None = None) -> Status:
    """statusAt with the credential's proof (`proof`, or none: a one-credential root)."""
    return ledger.gw.status_at(root=root, credential_id=credential_id, proof=proof or [], at=at).status


# ---------------------------------------------------------------------- anchoring


def test_one_anchored_credential_has_its_leaf_as_root_and_an_empty_proof(ledger: Ledger) -> None:
    sealed = ledger.seal()
    batch = ledger.gw.anchor_batch(ledger.issuer, [sealed])
    credential_id = sealed.credential_id()
    assert batch.root == leaf_of(credential_id)
    assert batch.proof(credential_id) == []
    assert batch.kind is Kind.QUALIFICATION and batch.issuer == ledger.issuer.address
    assert status(ledger, batch.root, credential_id, batch.anchored_at) is Status.VALID


def test_anchor_of_gives_the_issuer_kind_and_block_time_and_none_for_an_unknown_root(
    ledger: Ledger,
) -> None:
    batch = ledger.gw.anchor_batch(ledger.issuer, [ledger.seal(Kind.CREDIT)])
    anchor = ledger.gw.anchor_of(root=batch.root)
    assert anchor == Anchor(ledger.issuer.address, Kind.CREDIT, batch.anchored_at)
    assert batch.anchored_at == ledger.client.block_timestamp(batch.block_number)
    assert ledger.gw.anchor_of(root=b"\x42" * 32) is None


def test_find_anchoring_names_the_transaction_that_anchored_a_root(ledger: Ledger) -> None:
    batch = ledger.gw.anchor_batch(ledger.issuer, [ledger.seal()])
    found = ledger.gw.find_anchoring(root=batch.root)
    assert found == Mined(tx_hash=batch.tx_hash, block_number=batch.block_number, timestamp=batch.anchored_at)
    assert ledger.gw.find_anchoring(root=b"\x42" * 32) is None


def test_a_batch_of_a_thousand_is_one_transaction_and_revoking_one_leaves_the_others_valid(
    ledger: Ledger,
) -> None:
    credentials = [ledger.seal(n=n) for n in range(1000)]
    before = ledger.client.block_number()
    batch = ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=credentials)
    assert ledger.client.block_number() == before + 1
    ids = [c.credential_id() for c in credentials]
    assert batch.credential_ids == ids
    assert all(verify_proof(batch.root, i, batch.proof(i)) for i in ids)

    ledger.tick()
    revoked = ids[500]
    mined = ledger.gw.revoke(
        issuer=ledger.issuer,
        root=batch.root,
        credential_id=revoked,
        proof=batch.proof(revoked),
        reason=ReasonCode.FRAUD,
    )
    found = ledger.gw.status_at(root=batch.root, credential_id=revoked, proof=batch.proof(revoked), at=mined.timestamp)
    assert found == StatusAt(Status.REVOKED, ReasonCode.FRAUD)
    # Every 7th credential, plus the revoked one's neighbours, which share its proof's siblings.
    others = [i for n, i in enumerate(ids) if n != 500 and (n % 7 == 0 or abs(n - 500) <= 2)]
    for credential_id in others:
        assert status(ledger, batch.root, credential_id, mined.timestamp, batch.proof(credential_id)) is Status.VALID


def test_an_unsigned_anchor_transaction_signed_elsewhere_anchors_the_root(ledger: Ledger) -> None:
    root = leaf_of(ledger.seal().credential_id())
    tx = ledger.gw.prepare_anchor(
        issuer_address=ledger.issuer.address, root=root, kind=Kind.QUALIFICATION
    )
    assert tx.sender == ledger.issuer.address and tx.to == ledger.registry.address
    raw = bytes(ledger.issuer.sign_transaction(tx.for_signing()).raw_transaction)
    receipt = ledger.client.send_raw(raw)
    anchor = ledger.gw.anchor_of(root=root)
    assert anchor is not None and anchor.issuer == ledger.issuer.address
    assert anchor.anchored_at == ledger.client.block_timestamp(receipt["blockNumber"])


def test_building_an_anchor_transaction_for_a_kind_the_issuer_lacks_fails_before_signing(
    ledger: Ledger,
) -> None:
    with pytest.raises(Unauthorised) as info:
        ledger.gw.prepare_anchor(
            issuer_address=ledger.issuer.address, root=b"\x01" * 32, kind=Kind.AWARD
        )
    assert info.value.error == "NotAuthorised"


def test_anchoring_the_same_batch_twice_is_a_conflict(ledger: Ledger) -> None:
    sealed = ledger.seal()
    ledger.gw.anchor_batch(ledger.issuer, [sealed])
    with pytest.raises(Conflict) as info:
        ledger.gw.anchor_batch(ledger.issuer, [sealed])
    assert info.value.error == "AlreadyAnchored"


# ---------------------------------------------------------------------- issuers


def test_withdrawing_an_issuer_keeps_its_earlier_credentials_valid_but_blocks_new_anchors(
    ledger: Ledger,
) -> None:
    earlier = ledger.seal(n=1)
    batch = ledger.gw.anchor_batch(ledger.issuer, [earlier])
    ledger.tick()
    withdrawn = ledger.gw.withdraw_issuer(
        admin=ledger.admin, issuer=ledger.issuer.address, kind=Kind.QUALIFICATION
    )
    ledger.tick()
    later = ledger.client.block_timestamp()
    assert withdrawn.timestamp < later
    assert status(ledger, batch.root, earlier.credential_id(), later) is Status.VALID
    with pytest.raises(Unauthorised) as info:
        ledger.gw.anchor_batch(ledger.issuer, [ledger.seal(n=2)])
    assert info.value.error == "NotAuthorised"
    # Its other kind is untouched.
    ledger.gw.anchor_batch(ledger.issuer, [ledger.seal(Kind.CREDIT, n=3)])


def test_only_the_admin_authorises_issuers(ledger: Ledger) -> None:
    with pytest.raises(Unauthorised) as info:
        ledger.gw.authorise_issuer(
            admin=ledger.issuer, issuer=ledger.issuer.address, kind=Kind.AWARD
        )
    assert info.value.error == "NotAdmin"


def test_only_the_anchoring_issuer_revokes_its_credentials(ledger: Ledger) -> None:
    other = ledger.chain.accounts[2]
    ledger.gw.authorise_issuer(
        admin=ledger.admin, issuer=other.address, kind=Kind.QUALIFICATION
    )
    sealed = ledger.seal()
    batch = ledger.gw.anchor_batch(ledger.issuer, [sealed])
    with pytest.raises(Unauthorised) as info:
        ledger.gw.revoke(
            issuer=other,
            root=batch.root,
            credential_id=sealed.credential_id(),
            proof=[],
            reason=ReasonCode.FRAUD,
        )
    assert info.value.error == "NotIssuerOf"


# ---------------------------------------------------------------------- status over time


def test_status_before_at_and_after_a_suspension_and_its_reinstatement(ledger: Ledger) -> None:
    credentials = [ledger.seal(n=n) for n in range(3)]
    batch = ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=credentials)
    target = credentials[1].credential_id()
    member: dict[str, Any] = {
        "root": batch.root,
        "credential_id": target,
        "proof": batch.proof(target),
    }
    ledger.tick()
    suspended = ledger.gw.suspend(
        issuer=ledger.issuer, **member, reason=ReasonCode.UNDER_INVESTIGATION
    )
    ledger.tick()
    reinstated = ledger.gw.reinstate(issuer=ledger.issuer, **member)
    t0, t1, t2 = batch.anchored_at, suspended.timestamp, reinstated.timestamp
    assert t0 < t1 < t2

    def at(t: int, credential_id: bytes = target) -> Status:
        return status(ledger, batch.root, credential_id, t, batch.proof(credential_id))

    assert at(t0 - 1) is Status.NOT_ANCHORED
    assert at(t0) is Status.VALID
    assert at(t1 - 1) is Status.VALID
    during = ledger.gw.status_at(root=batch.root, credential_id=target, proof=batch.proof(target), at=t1)
    assert during == StatusAt(Status.SUSPENDED, ReasonCode.UNDER_INVESTIGATION)
    assert at(t2 - 1) is Status.SUSPENDED
    assert at(t2) is Status.VALID
    assert at(t2 + 10**6) is Status.VALID
    sibling = credentials[0].credential_id()
    assert at(t1, sibling) is Status.VALID
    # An id that is not in the batch is not anchored under its root, whatever proof comes with it.
    stranger = ledger.seal(n=9).credential_id()
    assert status(ledger, batch.root, stranger, t1, batch.proof(target)) is Status.NOT_ANCHORED
    assert status(ledger, batch.root, stranger, t1) is Status.NOT_ANCHORED


def test_statuses_of_a_batch_read_in_one_call_are_each_members_status_and_none_for_a_stranger(
    ledger: Ledger,
) -> None:
    credentials = [ledger.seal(n=n) for n in range(4)]
    batch = ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=credentials)
    ids = [c.credential_id() for c in credentials]
    ledger.tick()
    revoked = ledger.gw.revoke(issuer=ledger.issuer, root=batch.root, credential_id=ids[2],
                               proof=batch.proof(ids[2]), reason=ReasonCode.FRAUD)
    stranger = ledger.seal(n=9).credential_id()
    members = [(i, batch.proof(i)) for i in ids] + [(stranger, batch.proof(ids[0]))]
    found = ledger.gw.statuses_in(batch.root, members, revoked.timestamp)
    assert found == [ledger.gw.status_at(batch.root, i, p, revoked.timestamp) for i, p in members]
    assert [f.status for f in found] == [Status.VALID, Status.VALID, Status.REVOKED, Status.VALID,
                                         Status.NOT_ANCHORED]


def test_a_revocation_counts_from_its_block_time_for_good_with_its_reason(ledger: Ledger) -> None:
    sealed = ledger.seal()
    batch = ledger.gw.anchor_batch(ledger.issuer, [sealed])
    member: dict[str, Any] = {
        "root": batch.root,
        "credential_id": sealed.credential_id(),
        "proof": [],
    }
    ledger.tick()
    ledger.gw.suspend(issuer=ledger.issuer, **member, reason=ReasonCode.UNDER_INVESTIGATION)
    ledger.tick()
    revoked = ledger.gw.revoke(issuer=ledger.issuer, **member, reason=ReasonCode.COURT_ORDER)
    t = revoked.timestamp
    assert status(ledger, batch.root, sealed.credential_id(), t - 1) is Status.SUSPENDED
    for at in (t, t + 1, t + 10**6):
        found = ledger.gw.status_at(
            root=batch.root, credential_id=member["credential_id"], proof=[], at=at
        )
        assert found == StatusAt(Status.REVOKED, ReasonCode.COURT_ORDER)
    with pytest.raises(Conflict) as info:
        ledger.gw.reinstate(issuer=ledger.issuer, **member)
    assert info.value.error == "AlreadyRevoked"


def test_a_superseded_credential_reads_superseded_from_then_and_names_its_successor(
    ledger: Ledger,
) -> None:
    old, new = ledger.seal(n=1), ledger.seal(n=2)
    old_batch = ledger.gw.anchor_batch(ledger.issuer, [old])
    new_batch = ledger.gw.anchor_batch(ledger.issuer, [new])
    ledger.tick()
    mined = ledger.gw.supersede(
        issuer=ledger.issuer,
        old_root=old_batch.root,
        old_id=old.credential_id(),
        old_proof=[],
        new_root=new_batch.root,
        new_id=new.credential_id(),
        new_proof=[],
    )
    assert status(ledger, old_batch.root, old.credential_id(), mined.timestamp - 1) is Status.VALID
    assert status(ledger, old_batch.root, old.credential_id(), mined.timestamp) is Status.SUPERSEDED
    assert status(ledger, new_batch.root, new.credential_id(), mined.timestamp) is Status.VALID
    successor = ledger.gw.successor_of(
        root=old_batch.root, credential_id=old.credential_id()
    )
    assert successor == (new_batch.root, new.credential_id())


# ---------------------------------------------------------------------- validation


def _refused(ledger: Ledger, action: Any, *words: str) -> str:
    """Run `action`, expect ValidationFailed naming `words`, and check that nothing was sent."""
    head = ledger.head()
    with pytest.raises(ValidationFailed) as info:
        action()
    assert ledger.head() == head
    message = str(info.value)
    for word in words:
        assert word in message, message
    return message


def test_an_empty_batch_is_refused_before_any_transaction(ledger: Ledger) -> None:
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=[]),
        "at least one credential",
    )


def test_a_batch_over_the_size_limit_is_refused_before_any_transaction(ledger: Ledger) -> None:
    too_many = [ledger.seal()] * (MAX_BATCH + 1)
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=too_many),
        "at most 10,000",
        "10,001",
        "split it",
    )


def test_a_batch_mixing_kinds_is_refused_before_any_transaction(ledger: Ledger) -> None:
    mixed = [ledger.seal(Kind.QUALIFICATION), ledger.seal(Kind.CREDIT, n=1)]
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=mixed),
        "credential 1 is of kind CREDIT, not QUALIFICATION",
    )


def test_a_document_whose_kind_is_not_the_batch_kind_is_refused_before_any_transaction(
    ledger: Ledger,
) -> None:
    credentials = [ledger.seal(Kind.QUALIFICATION)]
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(
            issuer=ledger.issuer, credentials=credentials, kind=Kind.CREDIT
        ),
        "credential 0 is of kind QUALIFICATION, not CREDIT",
    )


def test_the_same_credential_twice_in_a_batch_is_refused_before_any_transaction(
    ledger: Ledger,
) -> None:
    a, b = ledger.seal(n=1), ledger.seal(n=2)
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=[a, b, a]),
        "credentials 0 and 2 are the same credential",
        a.credential_id().hex(),
    )


def test_a_document_naming_another_issuer_is_refused_before_any_transaction(
    ledger: Ledger,
) -> None:
    foreign = ledger.seal(issuer=ledger.admin.address)
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(ledger.issuer, [foreign]),
        f"names issuer {ledger.admin.address}",
    )


def test_something_that_is_not_a_sealed_credential_is_refused_before_any_transaction(
    ledger: Ledger,
) -> None:
    disclosure = ledger.seal().disclose([])
    _refused(
        ledger,
        lambda: ledger.gw.anchor_batch(
            issuer=ledger.issuer,
            credentials=[disclosure],  # type: ignore[list-item]
        ),
        "item 0 is a Disclosure, not a SealedCredential",
    )


def test_a_revocation_whose_proof_does_not_reach_the_root_is_refused_before_any_transaction(
    ledger: Ledger,
) -> None:
    credentials = [ledger.seal(n=n) for n in range(4)]
    batch = ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=credentials)
    wrong_proof = batch.proof(credentials[0].credential_id())
    target = credentials[1].credential_id()
    _refused(
        ledger,
        lambda: ledger.gw.revoke(
            issuer=ledger.issuer,
            root=batch.root,
            credential_id=target,
            proof=wrong_proof,
            reason=ReasonCode.FRAUD,
        ),
        "proof does not show credential",
        target.hex(),
    )


@pytest.mark.parametrize(
    ("reason", "words"),
    [(ReasonCode.NONE, "other than NONE"), (77, "unknown reason code 77"), ("fraud", "ReasonCode")],
)
def test_a_suspension_without_a_known_reason_is_refused_before_any_transaction(
    ledger: Ledger, reason: Any, words: str
) -> None:
    sealed = ledger.seal()
    batch = ledger.gw.anchor_batch(ledger.issuer, [sealed])
    _refused(
        ledger,
        lambda: ledger.gw.suspend(
            issuer=ledger.issuer,
            root=batch.root,
            credential_id=sealed.credential_id(),
            proof=[],
            reason=reason,
        ),
        words,
    )


def test_malformed_ids_and_kinds_are_refused_before_any_transaction(ledger: Ledger) -> None:
    _refused(
        ledger,
        lambda: ledger.gw.prepare_anchor(
            issuer_address=ledger.issuer.address, root=b"\x01" * 31, kind=Kind.CREDIT
        ),
        "root must be 32 bytes, got 31 bytes",
    )
    _refused(
        ledger,
        lambda: ledger.gw.authorise_issuer(
            admin=ledger.admin,
            issuer=ledger.issuer.address,
            kind=9,  # type: ignore[arg-type]
        ),
        "unknown credential kind 9",
    )
    _refused(
        ledger,
        lambda: ledger.gw.authorise_issuer(
            admin=ledger.admin, issuer="0x1234", kind=Kind.AWARD
        ),
        "issuer is not an Ethereum address",
    )
