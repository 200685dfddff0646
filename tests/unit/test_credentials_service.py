"""Credential use cases and verification against an in-memory registry and store: no chain, no SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account

from ledger.crypto.merkle import MerkleTree
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.errors import Conflict, NotFound, Unauthorised, ValidationFailed
from ledger.model.credential import ReasonCode, Status
from ledger.rules.anchoring import check_batch
from ledger.rules.verify import CheckStatus, verify
from ledger.service.credentials import CredentialService, parse_presented, parse_sealed
from tests.fakes import FakeCredentialFiles, FakeRegistry

FIRM = "91350100M000100Y43"
ADMIN = Account.create().address
ISSUER = Account.create().address
RIVAL = Account.create().address


def qualification(n: int, issuer: str = ISSUER, **overrides: Any) -> SealedCredential:
    document = parse_document({
        "kind": int(Kind.QUALIFICATION), "issuer": issuer, "subject": FIRM,
        "validFrom": datetime(2020, 1, 1, tzinfo=UTC).isoformat(),
        "validUntil": datetime(2040, 1, 1, tzinfo=UTC).isoformat(), "issued_at": "2020-01-01T08:00:00+08:00",
        "APT_CERTNO": f"D2610{n:05d}", "APT_NAME": "市政公用工程施工总承包二级", "APT_TYPE_NAME": "建筑业企业资质",
        "APT_CODE": "D261", "grade": "二级", "issue_date": "2020-01-01", "APT_EDATE": "2039-12-31",
        "APT_GRANT_UNIT": "广东省住房和城乡建设厅", **overrides,
    })
    return SealedCredential.seal(document, bytes([n + 1]) * 32)


@pytest.fixture
def chain() -> FakeRegistry:
    registry = FakeRegistry(ADMIN)
    registry.relay(registry.decode_signed(registry.sign(ADMIN, "authoriseIssuer", issuer=ISSUER,
                                                        kind=int(Kind.QUALIFICATION))))
    return registry


@pytest.fixture
def service(chain: FakeRegistry) -> CredentialService:
    files = FakeCredentialFiles(chain)
    files.catch_up()
    return CredentialService(chain, files)


def anchor(service: CredentialService, chain: FakeRegistry, docs: list[SealedCredential], signer: str = ISSUER) -> Any:
    root = MerkleTree.build([d.credential_id() for d in docs]).root
    tx = chain.sign(signer, "anchor_wU2", root=root, kind=int(docs[0].document.kind))
    return service.relay_anchor(signer=signer, documents=docs, signed_tx=tx)


def test_an_anchored_batch_is_filed_projected_and_verifies(service: CredentialService, chain: FakeRegistry) -> None:
    docs = [qualification(n) for n in range(3)]
    batch = anchor(service, chain, docs)
    assert batch.credential_ids == [d.credential_id() for d in docs] and batch.issuer == ISSUER
    stored = service.get(docs[1].credential_id())
    assert stored.sealed == docs[1] and list(stored.proof) == batch.proof(docs[1].credential_id())
    listed = service.list_for_subject(FIRM)
    assert {c.credential.credential_id for c in listed} == set(batch.credential_ids)
    assert {c.status.status for c in listed} == {Status.VALID}
    report = service.verify_document(docs[2].disclose_public().to_dict(), at=None, expected_subject=FIRM)
    assert report.ok and [c.status for c in report.checks] == [CheckStatus.VALID] * 6


def test_a_batch_anchored_twice_is_a_conflict_and_nothing_is_relayed(service: CredentialService,
                                                                      chain: FakeRegistry) -> None:
    docs = [qualification(n) for n in range(2)]
    anchor(service, chain, docs)
    relayed = len(chain.relayed)
    with pytest.raises(Conflict, match="anchored already"):
        anchor(service, chain, [docs[1], qualification(9)])
    assert len(chain.relayed) == relayed


def test_documents_that_do_not_hash_to_the_signed_root_are_refused_before_anything_is_filed(
        service: CredentialService, chain: FakeRegistry) -> None:
    tx = chain.sign(ISSUER, "anchor_wU2", root=b"\x01" * 32, kind=int(Kind.QUALIFICATION))
    with pytest.raises(ValidationFailed, match="the documents hash to"):
        service.relay_anchor(signer=ISSUER, documents=[qualification(0)], signed_tx=tx)
    assert service.files.filed == {} and chain.anchors == {}  # type: ignore[attr-defined]


def test_a_transaction_signed_by_another_key_is_refused(service: CredentialService, chain: FakeRegistry) -> None:
    docs = [qualification(0)]
    tx = chain.sign(RIVAL, "anchor_wU2", root=MerkleTree.build([docs[0].credential_id()]).root, kind=1)
    with pytest.raises(Unauthorised, match="each party signs its own transaction"):
        service.relay_anchor(signer=ISSUER, documents=docs, signed_tx=tx)


def test_only_the_issuer_changes_a_status_and_the_history_shows_it(service: CredentialService,
                                                                    chain: FakeRegistry) -> None:
    docs = [qualification(n) for n in range(2)]
    batch = anchor(service, chain, docs)
    cid = docs[0].credential_id()
    args = {"root": batch.root, "credentialId": cid, "proof": batch.proof(cid), "reason": ReasonCode.FRAUD}
    with pytest.raises(Unauthorised, match="only the issuer"):
        service.relay_status_change(signer=RIVAL, credential_id=cid, action="revoke",
                                    signed_tx=chain.sign(RIVAL, "revoke", **args))
    with pytest.raises(NotFound):
        service.relay_status_change(signer=ISSUER, credential_id=b"\x09" * 32, action="revoke",
                                    signed_tx=chain.sign(ISSUER, "revoke", **args))
    with pytest.raises(ValidationFailed, match="calls revoke, expected suspend"):
        service.relay_status_change(signer=ISSUER, credential_id=cid, action="suspend",
                                    signed_tx=chain.sign(ISSUER, "revoke", **args))
    change = service.relay_status_change(signer=ISSUER, credential_id=cid, action="revoke",
                                         signed_tx=chain.sign(ISSUER, "revoke", **args))
    assert change.credential_id == cid and change.action == "revoke"
    assert [e.name for e in service.history(cid)] == ["Anchored", "Revoked"]
    assert [e.name for e in service.history(docs[1].credential_id())] == ["Anchored"]
    status = {c.credential.credential_id: c.status for c in service.list_for_subject(FIRM)}
    assert status[cid].status is Status.REVOKED and status[cid].reason == ReasonCode.FRAUD
    report = service.verify_document(docs[0].to_dict(), at=None, expected_subject=None)
    assert not report.ok and "revoked" in report.check("status_at").reason


def test_a_tampered_field_fails_integrity_against_the_claimed_id(service: CredentialService,
                                                                  chain: FakeRegistry) -> None:
    docs = [qualification(n) for n in range(2)]
    anchor(service, chain, docs)
    forged = SealedCredential(qualification(0, grade="特级").document, docs[0].master_salt)
    report = service.verify_document(forged.to_dict(), at=None, expected_subject=None,
                                     credential_id=docs[0].credential_id())
    assert report.check("integrity").status is CheckStatus.INVALID and "a field was changed" in report.check("integrity").reason


def test_verification_reports_anchoring_after_the_instant_supersession_and_an_unreadable_chain(
        service: CredentialService, chain: FakeRegistry) -> None:
    docs = [qualification(n) for n in range(2)]
    batch = anchor(service, chain, docs)
    old, new = docs
    proof = batch.proof(old.credential_id())
    early = verify(chain, old, root=batch.root, proof=proof, at=batch.anchored_at - 1)
    assert early.check("anchoring").status is CheckStatus.INVALID
    assert early.check("status_at").status is CheckStatus.NOT_CHECKED
    chain.relay(chain.decode_signed(chain.sign(ISSUER, "supersede", oldRoot=batch.root, oldId=old.credential_id(),
                                               newRoot=batch.root, newId=new.credential_id())))
    later = verify(chain, old, root=batch.root, proof=proof, at=chain.now())
    assert later.check("status_at").details["successor_id"] == "0x" + new.credential_id().hex()
    chain.unreadable = True
    down = verify(chain, old, root=batch.root, proof=proof, at=chain.now())
    assert [down.check(n).status for n in ("anchoring", "issuer_authorised", "status_at")] == [
        CheckStatus.ERROR, CheckStatus.ERROR, CheckStatus.NOT_CHECKED]


def test_batch_rules_and_parsing_name_each_problem() -> None:
    a, b = qualification(0), qualification(1, issuer=RIVAL)
    with pytest.raises(ValidationFailed, match="credential 1 names issuer"):
        check_batch(ISSUER, [a, b])
    with pytest.raises(ValidationFailed, match="credentials 0 and 1 are the same credential"):
        check_batch(ISSUER, [a, a])
    with pytest.raises(ValidationFailed, match="at least one"):
        check_batch(ISSUER, [])
    assert check_batch(ISSUER, [a]) == (Kind.QUALIFICATION, [a.credential_id()])
    with pytest.raises(ValidationFailed, match="document 1:"):
        parse_sealed([a.to_dict(), {"document": {}}])
    assert parse_presented(a.to_dict()) == a
    with pytest.raises(ValidationFailed, match="must be a JSON object"):
        parse_presented([1])
    with pytest.raises(ValidationFailed, match="neither a sealed credential nor a disclosure"):
        parse_presented({"document": {}})


def test_a_batch_naming_two_keys_of_one_firm_is_refused() -> None:
    """One identity per firm: a batch cannot bind two keys to one USCC (rotation is a newer
    identity credential, anchored later, which supersedes the old key)."""
    from tests.scenes import make_document

    def identity(n: int, subject: str = FIRM) -> SealedCredential:
        return SealedCredential.seal(make_document(Kind.IDENTITY, issuer=ISSUER, subject=subject, n=n,
                                                   signing_address=Account.create().address))

    with pytest.raises(ValidationFailed, match="credentials 0 and 2 are both identity credentials of"):
        check_batch(ISSUER, [identity(0), identity(1, "91130125MA07WJNA83"), identity(2)])
    kind, ids = check_batch(ISSUER, [identity(0), identity(1, "91130125MA07WJNA83")])
    assert kind is Kind.IDENTITY and len(ids) == 2


# ---------------------------------------------------------------------- bulk revocation by leaf position


def _bulk(service: CredentialService, chain: FakeRegistry, ids: list[bytes], signer: str = ISSUER,
          reason: Any = "fraud") -> Any:
    prepared = service.prepare_bulk_revoke(signer, ids, reason)
    tx = chain.sign(signer, "revokeAt_Fni", root=prepared.root, positions=list(prepared.positions),
                    reason=int(prepared.reason))
    return service.relay_bulk_revoke(signer=signer, credential_ids=ids, reason=reason, signed_tx=tx)


def test_a_bulk_revocation_revokes_each_named_credential_at_its_position(
        service: CredentialService, chain: FakeRegistry) -> None:
    from ledger.crypto.merkle import position_of

    docs = [qualification(n) for n in range(9)]
    batch = anchor(service, chain, docs)
    named = [docs[7].credential_id(), docs[2].credential_id(), docs[5].credential_id()]
    done = _bulk(service, chain, named)
    assert sorted(done.credential_ids) == sorted(named) and list(done.positions) == sorted(done.positions)
    assert done.positions == tuple(position_of(c, batch.proof(c)) for c in done.credential_ids)
    for d in docs:
        cid = d.credential_id()
        status = chain.status_at(batch.root, cid, batch.proof(cid), chain.now())
        assert status.status is (Status.REVOKED if cid in named else Status.VALID)
        assert chain.status_at(batch.root, cid, batch.proof(cid), done.mined.timestamp - 1).status is Status.VALID
    assert [e.name for e in service.history(named[0])] == ["Anchored", "RevokedAt"]
    assert [e.name for e in service.history(docs[0].credential_id())] == ["Anchored"]


def test_a_bulk_revocation_is_refused_for_another_issuer_a_second_batch_or_a_revoked_credential(
        service: CredentialService, chain: FakeRegistry) -> None:
    docs = [qualification(n) for n in range(4)]
    anchor(service, chain, docs[:3])
    anchor(service, chain, docs[3:])
    ids = [d.credential_id() for d in docs]
    with pytest.raises(Unauthorised):
        service.prepare_bulk_revoke(RIVAL, ids[:2], "fraud")
    with pytest.raises(ValidationFailed, match="one batch"):
        service.prepare_bulk_revoke(ISSUER, [ids[0], ids[3]], "fraud")
    with pytest.raises(NotFound):
        service.prepare_bulk_revoke(ISSUER, [ids[0], b"\x01" * 32], "fraud")
    with pytest.raises(ValidationFailed, match="reason"):
        service.prepare_bulk_revoke(ISSUER, ids[:1], ReasonCode.NONE)
    _bulk(service, chain, ids[:1])
    with pytest.raises(Conflict, match="revoked already"):
        service.prepare_bulk_revoke(ISSUER, ids[:2], "court_order")
    relayed = len(chain.relayed)
    wrong = chain.sign(ISSUER, "revokeAt_Fni", root=service.get(ids[1]).root, positions=[1], reason=2)
    with pytest.raises(ValidationFailed, match="positions"):
        service.relay_bulk_revoke(signer=ISSUER, credential_ids=ids[1:2], reason=2, signed_tx=wrong)
    assert len(chain.relayed) == relayed


class _Pausing(FakeRegistry):
    """A registry whose relay first runs `during` (another request arriving while this one is on
    its way to the chain), or fails as a node that went away mid-relay."""

    during: Any = None
    node_gone = False

    def relay(self, relayed: Any, *, sponsor: Any = None) -> Any:
        if self.during is not None:
            during, self.during = self.during, None
            during()
        if self.node_gone:
            raise OSError("the node stopped answering mid-relay")
        return super().relay(relayed, sponsor=sponsor)


@pytest.fixture
def pausing() -> tuple[CredentialService, _Pausing]:
    registry = _Pausing(ADMIN)
    registry.relay(registry.decode_signed(registry.sign(ADMIN, "authoriseIssuer", issuer=ISSUER,
                                                        kind=int(Kind.QUALIFICATION))))
    files = FakeCredentialFiles(registry)
    files.catch_up()
    return CredentialService(registry, files), registry


def test_a_batch_sharing_a_credential_with_one_in_flight_is_refused_and_never_relayed(
        pausing: tuple[CredentialService, _Pausing]) -> None:
    service, chain = pausing
    first, second = [qualification(0), qualification(1)], [qualification(1), qualification(2)]
    refused: list[Exception] = []

    def meanwhile() -> None:
        with pytest.raises(Conflict, match="in another anchor being relayed") as caught:
            anchor(service, chain, second)
        refused.append(caught.value)

    chain.during = meanwhile
    anchor(service, chain, first)
    assert refused and len(chain.anchors) == 1  # only the first batch's root reached the chain
    assert service.files.reserved == {}  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="anchored already"):  # and once mined, it is simply anchored
        anchor(service, chain, second)


def test_a_batch_of_other_credentials_is_relayed_while_one_is_in_flight(
        pausing: tuple[CredentialService, _Pausing]) -> None:
    service, chain = pausing
    chain.during = lambda: anchor(service, chain, [qualification(5)])
    anchor(service, chain, [qualification(0)])
    assert len(chain.anchors) == 2 and service.files.reserved == {}  # type: ignore[attr-defined]


def test_a_refused_anchor_frees_its_credentials_for_a_retry(pausing: tuple[CredentialService, _Pausing]) -> None:
    service, chain = pausing
    docs = [qualification(0)]
    root = MerkleTree.build([docs[0].credential_id()]).root
    chain.relay(chain.decode_signed(chain.sign(ISSUER, "anchor_wU2", root=root, kind=1)))  # on chain, not filed
    with pytest.raises(Conflict, match="root anchored already"):  # the chain refuses the service's relay
        anchor(service, chain, docs)
    assert service.files.reserved == {}  # type: ignore[attr-defined]
    anchor(service, chain, [docs[0], qualification(1)])  # so another batch holding it goes through
    assert service.get(docs[0].credential_id()).issuer == ISSUER


def test_an_anchor_whose_node_went_away_keeps_its_credentials_held(
        pausing: tuple[CredentialService, _Pausing]) -> None:
    service, chain = pausing
    docs = [qualification(0)]
    chain.node_gone = True
    with pytest.raises(OSError):
        anchor(service, chain, docs)
    # the transaction may still be mined: another batch with the credential must wait for the lapse
    chain.node_gone = False
    with pytest.raises(Conflict, match="in another anchor being relayed"):
        anchor(service, chain, [docs[0], qualification(1)])
