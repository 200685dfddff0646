"""Verification reports: each way a credential can fail is named by its check and reason.

Every test runs on the embedded chain and on a real anvil node.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from ledger.chain.registry import RegistryGateway
from ledger.documents import Disclosure, Kind, RevealedField, SealedCredential
from ledger.errors import ValidationFailed
from ledger.crypto.merkle import leaf_of
from ledger.model.credential import Batch, ReasonCode
from ledger.rules.reasons import VERIFICATION, Reason, bound, plain, words
from ledger.rules.verify import (
    ANCHORING,
    CHECK_NAMES,
    INTEGRITY,
    ISSUER_AUTHORISED,
    STATUS_AT,
    SUBJECT,
    VALIDITY_WINDOW,
    CheckStatus,
    VerificationReport,
)
from ledger.rules.verify import verify as verify_now
from tests.conftest import ChainEnv
from tests.scenes import FIRM, Ledger, open_ledger

VALID, INVALID = CheckStatus.VALID, CheckStatus.INVALID
ERROR, NOT_CHECKED = CheckStatus.ERROR, CheckStatus.NOT_CHECKED
OTHER_FIRM = "91130125750281817B"


def verify(*args: Any, **kwargs: Any) -> VerificationReport:
    """`verify`, and every check of its report says its reason as a verification's code with the
    arguments that make its very sentence (what the portal words in Chinese)."""
    report = verify_now(*args, **kwargs)
    for c in report.checks:
        assert Reason(words(c.details)["code"]) in VERIFICATION and bound(c.details, c.reason), (c.name, c.reason)
    return report


@pytest.fixture
def ledger(chain: ChainEnv) -> Ledger:
    return open_ledger(chain)


def issue(
    ledger: Ledger, count: int = 3, **changes: object
) -> tuple[list[SealedCredential], Batch]:
    credentials = [ledger.seal(n=n, **changes) for n in range(count)]  # type: ignore[arg-type]
    batch = ledger.gw.anchor_batch(issuer=ledger.issuer, credentials=credentials)
    return credentials, batch


def check(
    ledger: Ledger,
    credential: SealedCredential | Disclosure,
    batch: Batch,
    at: int,
    *,
    proof_of: SealedCredential | None = None,
    expected_subject: str | None = FIRM,
) -> VerificationReport:
    holder = proof_of or credential
    assert isinstance(holder, SealedCredential)
    return verify(
        ledger.gw,
        credential,
        root=batch.root,
        proof=batch.proof(holder.credential_id()),
        at=at,
        expected_subject=expected_subject,
    )


def statuses(report: VerificationReport) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in report.checks}


def only_failure(report: VerificationReport) -> str:
    """The one failing check's name, asserting there is exactly one."""
    failures = report.failures
    assert len(failures) == 1, [(c.name, c.reason) for c in failures]
    assert not report.ok
    return failures[0].name


# ---------------------------------------------------------------------- passing


def test_a_genuine_credential_in_a_batch_passes_every_check(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    report = check(ledger, credentials[1], batch, batch.anchored_at)
    assert report.ok
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert all(c.status is VALID for c in report.checks), [
        (c.name, c.reason) for c in report.checks
    ]
    assert report.credential_id == credentials[1].credential_id()
    assert report.root == batch.root and report.at == batch.anchored_at
    anchoring = report.check(ANCHORING).details
    assert anchoring["issuer"] == ledger.issuer.address
    assert anchoring["anchored_at"] == batch.anchored_at
    issuer = plain(report.check(ISSUER_AUTHORISED).details)  # without the reason's code and arguments
    assert issuer == {
        "issuer": ledger.issuer.address,
        "kind": "QUALIFICATION",
        "document_kind": "QUALIFICATION",
        "document_issuer": ledger.issuer.address,
    }


def test_a_single_credential_verifies_with_an_empty_proof(ledger: Ledger) -> None:
    sealed = ledger.seal()
    batch = ledger.gw.anchor_batch(ledger.issuer, [sealed])
    report = check(ledger, sealed, batch, batch.anchored_at)
    assert report.ok
    assert report.check(INTEGRITY).details["proof_length"] == 0


def test_a_partial_disclosure_verifies_like_the_full_credential(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    disclosure = credentials[0].disclose(["kind", "issuer", "subject", "validFrom", "validUntil"])
    assert disclosure.hidden
    report = check(ledger, disclosure, batch, batch.anchored_at, proof_of=credentials[0])
    assert report.ok and all(s is VALID for s in statuses(report).values())
    assert report.credential_id == credentials[0].credential_id()
    assert "APT_CERTNO" in report.check(INTEGRITY).details["hidden"]


def test_without_an_expected_subject_the_subject_is_reported_not_checked_and_the_report_is_ok(
    ledger: Ledger,
) -> None:
    credentials, batch = issue(ledger)
    report = check(ledger, credentials[0], batch, batch.anchored_at, expected_subject=None)
    assert report.ok
    subject = report.check(SUBJECT)
    assert subject.status is NOT_CHECKED and subject.reason == "no expected subject given"


# ---------------------------------------------------------------------- each failure


def test_a_tampered_field_fails_integrity_and_the_status_is_not_read(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    genuine = credentials[0]
    upgraded = genuine.document.model_copy(
        update={"qualification_name": "市政公用工程施工总承包一级"}
    )
    assert upgraded != genuine.document
    forged = dataclasses.replace(genuine, document=upgraded)
    report = check(ledger, forged, batch, batch.anchored_at, proof_of=genuine)
    assert not report.ok
    integrity = report.check(INTEGRITY)
    assert integrity.status is INVALID and "a field was changed" in integrity.reason
    assert report.check(STATUS_AT).status is NOT_CHECKED
    assert report.check(ANCHORING).status is VALID


def test_a_tampered_disclosed_value_fails_integrity(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    disclosure = credentials[0].disclose(["kind", "issuer", "subject", "validFrom", "APT_NAME"])
    salt = disclosure.revealed["APT_NAME"].salt
    forged = Disclosure(
        revealed={
            **disclosure.revealed,
            "APT_NAME": RevealedField("市政公用工程施工总承包一级", salt),
        },
        hidden=disclosure.hidden,
    )
    report = check(ledger, forged, batch, batch.anchored_at, proof_of=credentials[0])
    integrity = report.check(INTEGRITY)
    assert integrity.status is INVALID and "does not link" in integrity.reason
    assert report.credential_id != credentials[0].credential_id()


def test_a_claimed_id_the_fields_do_not_hash_to_fails_integrity(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    report = verify(
        ledger.gw,
        credentials[0],
        root=batch.root,
        proof=batch.proof(credentials[0].credential_id()),
        at=batch.anchored_at,
        credential_id=credentials[1].credential_id(),
    )
    assert only_failure(report) == INTEGRITY
    assert "not to the claimed credential id" in report.check(INTEGRITY).reason


def test_a_credential_naming_another_issuer_than_the_anchoring_one_fails_issuer_authorised(
    ledger: Ledger,
) -> None:
    # The services refuse to anchor it, so anchor its leaf with the contract directly.
    claimed = ledger.admin.address
    sealed = ledger.seal(issuer=claimed)
    root = leaf_of(sealed.credential_id())
    ledger.chain.transact(
        ledger.registry.functions.anchor_wU2(root, int(Kind.QUALIFICATION)), ledger.issuer
    )
    anchored_at = ledger.client.block_timestamp()
    batch = Batch(
        root,
        Kind.QUALIFICATION,
        ledger.issuer.address,
        b"",
        0,
        anchored_at,
        {sealed.credential_id(): ()},
    )
    report = check(ledger, sealed, batch, anchored_at)
    assert only_failure(report) == ISSUER_AUTHORISED
    failed = report.check(ISSUER_AUTHORISED)
    assert failed.reason.startswith("wrong issuer")
    assert failed.details["document_issuer"] == claimed
    assert failed.details["issuer"] == ledger.issuer.address


def test_a_credential_under_a_root_of_another_kind_fails_issuer_authorised(ledger: Ledger) -> None:
    sealed = ledger.seal(Kind.QUALIFICATION)
    root = leaf_of(sealed.credential_id())
    ledger.chain.transact(ledger.registry.functions.anchor_wU2(root, int(Kind.CREDIT)), ledger.issuer)
    anchored_at = ledger.client.block_timestamp()
    batch = Batch(
        root, Kind.CREDIT, ledger.issuer.address, b"", 0, anchored_at, {sealed.credential_id(): ()}
    )
    report = check(ledger, sealed, batch, anchored_at)
    assert only_failure(report) == ISSUER_AUTHORISED
    assert (
        "QUALIFICATION credential, but the root holds CREDIT"
        in report.check(ISSUER_AUTHORISED).reason
    )


def test_a_revoked_credential_fails_status_at_from_the_revocation_on_with_its_reason(
    ledger: Ledger,
) -> None:
    credentials, batch = issue(ledger)
    target = credentials[2]
    ledger.tick()
    revoked = ledger.gw.revoke(
        issuer=ledger.issuer,
        root=batch.root,
        credential_id=target.credential_id(),
        proof=batch.proof(target.credential_id()),
        reason=ReasonCode.FRAUD,
    )
    assert check(ledger, target, batch, revoked.timestamp - 1).ok
    report = check(ledger, target, batch, revoked.timestamp)
    assert only_failure(report) == STATUS_AT
    failed = report.check(STATUS_AT)
    assert failed.reason.startswith("revoked") and "FRAUD" in failed.reason
    assert plain(failed.details) == {"status": "REVOKED", "reason_code": 2, "reason": "FRAUD"}
    assert words(failed.details) == {"code": "verify_revoked",
                                     "args": {"at": failed.details["args"]["at"], "ground": "FRAUD", "ground_code": 2}}
    assert bound(failed.details, failed.reason)
    assert check(ledger, credentials[0], batch, revoked.timestamp).ok


def test_a_credential_suspended_at_the_instant_fails_status_at_and_passes_after_reinstatement(
    ledger: Ledger,
) -> None:
    credentials, batch = issue(ledger)
    target = credentials[0]
    member: dict[str, Any] = {
        "root": batch.root,
        "credential_id": target.credential_id(),
        "proof": batch.proof(target.credential_id()),
    }
    ledger.tick()
    suspended = ledger.gw.suspend(
        issuer=ledger.issuer, **member, reason=ReasonCode.UNDER_INVESTIGATION
    )
    ledger.tick()
    reinstated = ledger.gw.reinstate(issuer=ledger.issuer, **member)
    assert check(ledger, target, batch, suspended.timestamp - 1).ok
    for at in (suspended.timestamp, reinstated.timestamp - 1):
        report = check(ledger, target, batch, at)
        assert only_failure(report) == STATUS_AT
        assert report.check(STATUS_AT).reason.startswith("suspended")
        assert "UNDER_INVESTIGATION" in report.check(STATUS_AT).reason
    assert check(ledger, target, batch, reinstated.timestamp).ok


def test_a_superseded_credential_fails_status_at_and_names_its_successor(ledger: Ledger) -> None:
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
    report = check(ledger, old, old_batch, mined.timestamp)
    assert only_failure(report) == STATUS_AT
    failed = report.check(STATUS_AT)
    assert failed.reason.startswith("superseded")
    assert failed.details["successor_id"] == "0x" + new.credential_id().hex()
    assert check(ledger, new, new_batch, mined.timestamp).ok


def test_a_credential_past_its_valid_until_fails_the_validity_window(ledger: Ledger) -> None:
    until = ledger.now + timedelta(days=30)
    credentials, batch = issue(ledger, valid_until=until)
    last = int(until.timestamp()) - 1
    assert check(ledger, credentials[0], batch, last).ok
    report = check(ledger, credentials[0], batch, int(until.timestamp()))
    assert only_failure(report) == VALIDITY_WINDOW
    assert report.check(VALIDITY_WINDOW).reason.startswith("expired")


def test_a_credential_before_its_valid_from_fails_the_validity_window(ledger: Ledger) -> None:
    start = ledger.now - timedelta(seconds=10)
    credentials, batch = issue(ledger, valid_from=start + timedelta(days=10))
    ledger.tick()
    report = check(ledger, credentials[0], batch, batch.anchored_at + 1)
    assert only_failure(report) == VALIDITY_WINDOW
    assert report.check(VALIDITY_WINDOW).reason.startswith("not yet valid")


def test_an_unknown_credential_fails_anchoring_without_raising(ledger: Ledger) -> None:
    sealed = ledger.seal()
    never = Batch(
        leaf_of(sealed.credential_id()),
        Kind.QUALIFICATION,
        "",
        b"",
        0,
        0,
        {sealed.credential_id(): ()},
    )
    report = check(ledger, sealed, never, ledger.client.block_timestamp())
    assert statuses(report) == {
        INTEGRITY: VALID,
        ANCHORING: INVALID,
        ISSUER_AUTHORISED: NOT_CHECKED,
        STATUS_AT: NOT_CHECKED,
        VALIDITY_WINDOW: VALID,
        SUBJECT: VALID,
    }
    assert report.check(ANCHORING).reason.startswith("unknown credential")


def test_a_credential_anchored_after_the_instant_fails_anchoring(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    report = check(ledger, credentials[0], batch, batch.anchored_at - 1)
    assert only_failure(report) == ANCHORING
    assert "after the instant" in report.check(ANCHORING).reason


def test_a_credential_about_another_firm_fails_the_subject_check(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    report = check(ledger, credentials[0], batch, batch.anchored_at, expected_subject=OTHER_FIRM)
    assert only_failure(report) == SUBJECT
    failed = report.check(SUBJECT)
    assert failed.reason.startswith("wrong subject") and OTHER_FIRM in failed.reason


def test_fields_kept_hidden_fail_the_checks_that_need_them(ledger: Ledger) -> None:
    credentials, batch = issue(ledger)
    disclosure = credentials[0].disclose(["kind", "APT_NAME"])
    report = check(ledger, disclosure, batch, batch.anchored_at, proof_of=credentials[0])
    assert statuses(report) == {
        INTEGRITY: VALID,
        ANCHORING: VALID,
        ISSUER_AUTHORISED: INVALID,
        STATUS_AT: VALID,
        VALIDITY_WINDOW: INVALID,
        SUBJECT: INVALID,
    }
    for name in (ISSUER_AUTHORISED, VALIDITY_WINDOW, SUBJECT):
        assert "is not disclosed" in report.check(name).reason


def test_a_registry_that_cannot_be_read_gives_error_entries_not_an_exception(
    ledger: Ledger,
) -> None:
    credentials, batch = issue(ledger)
    nowhere = RegistryGateway.of(ledger.client, "0x000000000000000000000000000000000000dEaD")
    report = verify(
        nowhere,
        credentials[0],
        root=batch.root,
        proof=batch.proof(credentials[0].credential_id()),
        at=batch.anchored_at,
    )
    assert not report.ok
    assert statuses(report)[ANCHORING] is ERROR and statuses(report)[ISSUER_AUTHORISED] is ERROR
    assert "could not be read" in report.check(ANCHORING).reason
    assert "DeploymentMissing" in report.check(ANCHORING).reason
    assert statuses(report)[STATUS_AT] is NOT_CHECKED
    assert report.check(INTEGRITY).status is VALID


def test_malformed_arguments_raise_validation_failed(ledger: Ledger) -> None:
    sealed = ledger.seal()
    with pytest.raises(ValidationFailed, match="root must be 32 bytes"):
        verify(ledger.gw, sealed, root=b"\x01", proof=[], at=0)
    with pytest.raises(ValidationFailed, match="uint64"):
        verify(ledger.gw, sealed, root=b"\x01" * 32, proof=[], at=-1)
