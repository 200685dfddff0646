"""The reasons of a credential's verification and of a bid's opening as codes (ledger/rules/reasons.py):
each code makes the very sentence the rules wrote before codes were kept (the CLI, the tests and the
signed opening reports compare them), each is worded in Chinese and English by the portal, and a
code whose arguments were changed no longer says the sentence."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from api.portal.messages import MESSAGES
from ledger.crypto.sealing import ALTERED
from ledger.rules.reasons import (
    ARGS,
    ELIGIBILITY,
    OPENING,
    SENTENCES,
    VERIFICATION,
    Reason,
    bound,
    coded,
    recognised,
    said,
    sentence,
)

ROOT = "0x" + "ab" * 32
CID = "0x" + "cd" * 32
OTHER = "0x" + "ef" * 32
ISSUER = "0x842dc4c43FCCC168345c21233640051D9B8A4C5E"
AT = 1_800_000_000  # 2027-01-15T08:00:00Z
ANCHORED = 1_799_000_000


def _iso(t: int) -> str:
    """How verify.py wrote an instant before codes were kept."""
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def _undisclosed(name: str, hidden: bool, against: str) -> str:
    state = "is not disclosed" if hidden else "is missing"
    return f"the document's {name} field {state}, so it cannot be checked against {against}"


NOT_HELD = "the platform holds no ciphertext the bidder committed to for this bid"
UNAUTHENTICATED = ("the bidder's envelope does not open with the tender's key and context "
                   "(sealed to another key, tender, section or bidder)")

# Each new code with sample arguments, and the sentence verify.py and opening.py wrote for them
# before codes were kept (their f-strings, copied).
SAMPLES: dict[Reason, tuple[dict[str, Any], str]] = {
    Reason.VERIFY_UNHASHABLE: ({"error": "bad kind 9"}, "the credential cannot be hashed: bad kind 9"),
    Reason.VERIFY_ID_MISMATCH: ({"computed": CID, "claimed": OTHER},
                                f"the fields hash to {CID}, not to the claimed credential id {OTHER}: a field was changed"),
    Reason.VERIFY_NOT_IN_ROOT: ({"credential_id": CID, "root": ROOT},
                                f"the fields hash to credential id {CID}, which the batch proof does not link "
                                f"to root {ROOT}: a field was changed, or the proof is for another credential"),
    Reason.VERIFY_NOT_ROOT: ({"credential_id": CID, "root": ROOT},
                             f"the fields hash to credential id {CID}, which a one-credential root (empty proof) does "
                             f"not link to root {ROOT}: a field was changed, or the proof is for another credential"),
    Reason.VERIFY_IN_ROOT: ({"credential_id": CID, "root": ROOT, "count": 3},
                            f"the fields hash to credential id {CID}, in root {ROOT} by a Merkle proof of 3 hashes"),
    Reason.VERIFY_IS_ROOT: ({"credential_id": CID, "root": ROOT},
                            f"the fields hash to credential id {CID}, in root {ROOT} by the root being its leaf"),
    Reason.VERIFY_NEVER_ANCHORED: ({"root": ROOT}, f"unknown credential: root {ROOT} has never been anchored"),
    Reason.VERIFY_ANCHORED_LATER: ({"root": ROOT, "anchored_at": AT, "at": ANCHORED},
                                   f"root {ROOT} was anchored at {_iso(AT)}, after the instant {_iso(ANCHORED)}: "
                                   "the credential did not exist yet"),
    Reason.VERIFY_ANCHORED: ({"issuer": ISSUER, "anchored_at": ANCHORED},
                             f"root anchored by {ISSUER} at {_iso(ANCHORED)}"),
    Reason.VERIFY_NO_ISSUER: ({}, "the root is not anchored: no issuer"),
    Reason.VERIFY_ISSUER_MISMATCH: (
        {"problems": [coded(Reason.VERIFY_KIND_WRONG, document_kind="PERSONNEL", kind="QUALIFICATION"),
                      coded(Reason.VERIFY_ISSUER_HIDDEN)]},
        "the document is a PERSONNEL credential, but the root holds QUALIFICATION credentials; "
        + _undisclosed("issuer", True, "the anchoring issuer")),
    Reason.VERIFY_KIND_WRONG: ({"document_kind": "PERSONNEL", "kind": "QUALIFICATION"},
                               "the document is a PERSONNEL credential, but the root holds QUALIFICATION credentials"),
    Reason.VERIFY_KIND_HIDDEN: ({}, _undisclosed("kind", True, "the anchored kind")),
    Reason.VERIFY_KIND_MISSING: ({}, _undisclosed("kind", False, "the anchored kind")),
    Reason.VERIFY_ISSUER_WRONG: ({"named": OTHER, "issuer": ISSUER},
                                 f"wrong issuer: the document names issuer {OTHER}, but the root was anchored by {ISSUER}"),
    Reason.VERIFY_ISSUER_HIDDEN: ({}, _undisclosed("issuer", True, "the anchoring issuer")),
    Reason.VERIFY_ISSUER_MISSING: ({}, _undisclosed("issuer", False, "the anchoring issuer")),
    Reason.VERIFY_ISSUER_VALID: ({"issuer": ISSUER, "kind": "QUALIFICATION"},
                                 f"{ISSUER} held kind QUALIFICATION when it anchored the root (the registry refuses "
                                 "anchors from issuers without the kind), and the document names it as issuer"),
    Reason.VERIFY_STATUS_ANCHOR_UNREAD: ({}, "the anchor could not be read (see anchoring)"),
    Reason.VERIFY_STATUS_UNPROVEN: ({}, "the credential is not proven to be under the root (see integrity)"),
    Reason.VERIFY_STATUS_UNANCHORED: ({}, "the root is not anchored (see anchoring)"),
    Reason.VERIFY_STATUS_CONTRADICTED: ({}, "the credential is not one its root's issuer anchored as its kind "
                                            "(see issuer_authorised)"),
    Reason.VERIFY_STATUS_TOO_EARLY: ({}, "the root was not anchored yet at the instant"),
    Reason.VERIFY_VALID_AT: ({"at": AT}, f"valid at {_iso(AT)}"),
    Reason.VERIFY_REVOKED: ({"at": AT, "ground": "FRAUD", "ground_code": 2},
                            f"revoked at {_iso(AT)} (reason FRAUD, code 2)"),
    Reason.VERIFY_SUSPENDED: ({"at": AT, "ground": "UNDER_INVESTIGATION", "ground_code": 5},
                              f"suspended at {_iso(AT)} (reason UNDER_INVESTIGATION, code 5)"),
    Reason.VERIFY_SUPERSEDED: ({"at": AT}, f"superseded at {_iso(AT)} by a newer version"),
    Reason.VERIFY_SUPERSEDED_BY: ({"at": AT, "successor_id": OTHER, "successor_root": ROOT},
                                  f"superseded at {_iso(AT)} by a newer version: credential {OTHER} under root {ROOT}"),
    Reason.VERIFY_NOT_ANCHORED_AT: ({"at": AT}, f"not anchored at {_iso(AT)}"),
    Reason.VERIFY_VALIDITY_HIDDEN: ({"field": "validUntil"}, _undisclosed("validUntil", True, "the instant")),
    Reason.VERIFY_VALIDITY_MISSING: ({"field": "validFrom"}, _undisclosed("validFrom", False, "the instant")),
    Reason.VERIFY_DATES_UNREADABLE: ({"error": "'2026-01-01' has no UTC offset"},
                                     "unreadable validity dates: '2026-01-01' has no UTC offset"),
    Reason.VERIFY_NOT_YET_VALID: ({"at": AT, "valid_from": "2028-01-01T00:00:00+08:00"},
                                  f"not yet valid at {_iso(AT)}: validFrom is 2028-01-01T00:00:00+08:00"),
    Reason.VERIFY_EXPIRED: ({"at": AT, "valid_until": "2026-01-01T00:00:00+08:00"},
                            f"expired at {_iso(AT)}: validUntil is 2026-01-01T00:00:00+08:00"),
    Reason.VERIFY_WITHIN: ({"at": AT, "valid_from": "2025-01-06T00:00:00+08:00",
                            "valid_until": "2030-01-06T00:00:00+08:00"},
                           f"{_iso(AT)} is within 2025-01-06T00:00:00+08:00 .. 2030-01-06T00:00:00+08:00"),
    Reason.VERIFY_WITHIN_OPEN: ({"at": AT, "valid_from": "2025-01-06T00:00:00+08:00"},
                                f"{_iso(AT)} is within 2025-01-06T00:00:00+08:00 .. open-ended"),
    Reason.VERIFY_NO_SUBJECT_GIVEN: ({}, "no expected subject given"),
    Reason.VERIFY_SUBJECT_HIDDEN: ({}, _undisclosed("subject", True, "the expected one")),
    Reason.VERIFY_SUBJECT_MISSING: ({}, _undisclosed("subject", False, "the expected one")),
    Reason.VERIFY_SUBJECT_WRONG: ({"subject": "91440400AY4CL12T29", "expected": "91110000100000000A"},
                                  "wrong subject: the credential is about 91440400AY4CL12T29, not 91110000100000000A"),
    Reason.VERIFY_SUBJECT: ({"subject": "91440400AY4CL12T29"}, "the credential is about 91440400AY4CL12T29"),
    Reason.VERIFY_CHAIN_ERROR: ({"call": "statusAt", "error": "ConnectionError: refused"},
                                "the chain could not be read (statusAt): ConnectionError: refused"),
    Reason.OPENING_NOT_HELD: ({}, NOT_HELD),
    Reason.OPENING_NOT_REBUILT: ({"ciphertext_hash": CID},
                                 f"{NOT_HELD}: the stored ciphertext (keccak {CID}) and credential-set commitment do not "
                                 "rebuild the bidder's on-chain commitment"),
    Reason.OPENING_MALFORMED: ({"detail": "an envelope is at least 61 bytes, got 3"},
                               "the bidder's envelope is malformed: an envelope is at least 61 bytes, got 3"),
    Reason.OPENING_WRONG_KEY: ({}, f"{UNAUTHENTICATED}: {ALTERED}"),
    Reason.OPENING_UNAUTHENTICATED: ({"detail": "something else"}, f"{UNAUTHENTICATED}: something else"),
    Reason.OPENING_INVALID_PACKAGE: ({"detail": "price: Field required"},
                                     "the bidder's envelope holds no valid bid package: price: Field required"),
    Reason.OPENING_CREDENTIALS_MISMATCH: ({}, "the credentials ticked inside the bidder's envelope do not hash to the "
                                              "credential-set commitment the bidder signed"),
    Reason.OPENING_DECRYPTED: ({}, "decrypted; matches the commitment"),
}


def test_every_verification_and_opening_code_has_a_sample() -> None:
    assert set(SAMPLES) == VERIFICATION | OPENING
    assert not VERIFICATION & OPENING
    assert ALTERED == "the envelope was altered, sealed to another key, or belongs to another bid"


@pytest.mark.parametrize("code", sorted(VERIFICATION | OPENING), ids=lambda c: c.value)
def test_a_code_says_the_sentence_the_rules_wrote_before_codes(code: Reason) -> None:
    args, before = SAMPLES[code]
    text, details = said(code, **args)
    assert text == before
    assert details == {"code": code.value, "args": args}
    assert bound(details, before)


@pytest.mark.parametrize("code", sorted(VERIFICATION | OPENING), ids=lambda c: c.value)
def test_every_new_code_is_worded_in_chinese_and_english_with_the_same_placeholders(code: Reason) -> None:
    zh, en = MESSAGES[f"check.reason.{code.value}"]
    assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)) == set(ARGS[code])
    assert re.search(r"[\u4e00-\u9fff]", zh) or zh == "{problems}", zh  # Chinese, not English left in place
    assert set(re.findall(r"{(\w+)}", SENTENCES[code])) == set(ARGS[code])


def test_the_new_codes_messages_are_one_block_after_the_eligibility_reasons() -> None:
    keys = [k for k in MESSAGES if k.startswith("check.reason.")]
    new = [f"check.reason.{c.value}" for c in Reason if c in VERIFICATION | OPENING]
    assert keys[-len(new):] == new


def test_tampered_arguments_are_not_bound() -> None:
    text, details = said(Reason.VERIFY_REVOKED, at=AT, ground="FRAUD", ground_code=2)
    assert bound(details, text)
    for args in ({"at": AT + 1, "ground": "FRAUD", "ground_code": 2},       # another instant
                 {"at": AT, "ground": "COURT_ORDER", "ground_code": 2},     # another reason
                 {"at": AT, "ground": "FRAUD"},                             # an argument dropped
                 {"at": AT, "ground": "FRAUD", "ground_code": 2, "x": 1}):  # one added
        assert not bound({"code": details["code"], "args": args}, text), args
    assert not bound({"code": Reason.VERIFY_SUSPENDED.value, "args": details["args"]}, text)  # another code
    assert not bound({"code": "verify_nothing", "args": {}}, text)
    # a part of a check that says several things at once
    text, details = said(Reason.VERIFY_ISSUER_MISMATCH, **SAMPLES[Reason.VERIFY_ISSUER_MISMATCH][0])
    assert bound(details, text)
    for parts in ([coded(Reason.VERIFY_KIND_WRONG, document_kind="IDENTITY", kind="QUALIFICATION"),
                   coded(Reason.VERIFY_ISSUER_HIDDEN)],
                  [{"code": Reason.VERIFY_KIND_WRONG.value, "args": {"document_kind": "PERSONNEL"}},
                   coded(Reason.VERIFY_ISSUER_HIDDEN)],
                  [details["args"]["problems"][0]], ["a sentence"], "not a list"):
        assert not bound({"code": details["code"], "args": {"problems": parts}}, text), parts
    with pytest.raises(ValueError):
        coded(Reason.VERIFY_VALID_AT)


@pytest.mark.parametrize("code", sorted(OPENING), ids=lambda c: c.value)
def test_an_openings_code_is_read_back_from_its_sentence(code: Reason) -> None:
    args, before = SAMPLES[code]
    assert recognised(before, OPENING) == {"code": code.value, "args": args}
    assert sentence(code, args) == before


def test_a_sentence_no_opening_code_says_is_not_recognised() -> None:
    assert recognised("decrypted; matches the commitment.", OPENING) == {}
    assert recognised("the bidder's envelope is malformed", OPENING) == {}
    assert recognised(SAMPLES[Reason.VERIFY_NO_ISSUER][1], OPENING) == {}


def test_eligibility_verification_and_opening_reasons_are_every_reason_once() -> None:
    assert ELIGIBILITY | VERIFICATION | OPENING == set(Reason)
    assert not ELIGIBILITY & (VERIFICATION | OPENING)


def test_a_sentence_that_is_its_argument_alone_reads_back_as_nothing() -> None:
    """`{error}` says any sentence: a sentence of another code, or none, is not read back as it."""
    every = frozenset(Reason)
    assert recognised("a sentence no code says", every) == {}
    late = sentence(Reason.GUARANTEE_STARTS_LATE, {"start": 1_789_000_000, "deadline": 1_788_000_000})
    assert recognised(late, every) == {"code": Reason.GUARANTEE_STARTS_LATE.value,
                                       "args": {"start": "2026-09-10T00:26:40+00:00",
                                                "deadline": "2026-08-29T10:40:00+00:00"}}
    assert recognised("the chain could not be read: gone", ELIGIBILITY) == \
        {"code": Reason.CHAIN_UNREADABLE.value, "args": {"error": "gone"}}
