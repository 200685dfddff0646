"""The reasons of the checks of a bid's eligibility (资格审查), of a credential's verification
(ledger/rules/verify.py: `VERIFICATION`) and of a bid's opening (ledger/rules/opening.py:
`OPENING`), as codes: one place that lists them.

Each check the rules make for a bid or a credential says why in an English sentence (`Check.reason`: what the CLI,
the API and the audit print and compare, and what the centre's receipt of the opening report
signs), and carries the same reason as a stable code with its arguments in `Check.details`
(`{"code": …, "args": {…}}`), for whoever words it in another language (the portal, in Chinese
and English: api/portal/messages.py has `check.reason.<code>` for every code here).

The sentence is made from the code (`said`: `SENTENCES`, filled with the arguments), so a code
and its arguments say exactly the sentence, and anyone can check that they do (`bound`): the
opening report signs only the sentence. `ARGS` names each code's arguments; `coded` refuses any
other set. An argument is a string, a number or a list of strings (or, for a check that says
several things at once, a list of coded reasons: `PARTS`); times are unix seconds (the reader
writes them in its own zone), amounts are written in 元.

An opening keeps only its sentence (the chain's record, the centre's signed report and an
auditor's rerun compare it): its code and arguments are read back from the sentence
(`recognised`), and bound to it the same way.

The code and its arguments are words about the check, not part of it: whatever else is hashed or
signed of a check's details leaves them out (`plain`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from ledger.crypto.sealing import ALTERED

CODE = "code"
ARGS_KEY = "args"


class Reason(StrEnum):
    # a ticked credential
    TICKED_TWICE = "ticked_twice"
    CREDENTIAL_NOT_VALID = "credential_not_valid"
    PERSONNEL_NOT_BIDDERS = "personnel_not_bidders"
    CREDENTIAL_OWN = "credential_own"
    CREDENTIAL_NOT_ANCHORED = "credential_not_anchored"
    # the section's requirements
    QUALIFICATION_MET = "qualification_met"
    QUALIFICATION_UNMET = "qualification_unmet"
    PERFORMANCE_RECORDS = "performance_records"
    PERSONNEL_MATCHING = "personnel_matching"
    NO_REQUIREMENTS = "no_requirements"
    # credit standing
    BLACKLISTED = "blacklisted"
    NOT_BLACKLISTED = "not_blacklisted"
    # the firm behind the bidder's key
    IDENTITY_LINK_BOUND = "identity_link_bound"
    IDENTITY_LINK_INVALID = "identity_link_invalid"
    IDENTITY_UNKNOWN = "identity_unknown"
    ONE_BID_PER_FIRM = "one_bid_per_firm"
    # the bid guarantee or credit commitment letter
    GUARANTEE_NOT_REQUIRED = "guarantee_not_required"
    GUARANTEE_NONE = "guarantee_none"
    GUARANTEE_NONE_NO_LETTER = "guarantee_none_no_letter"
    LETTER_INVALID = "letter_invalid"
    LETTER_IN_PLACE = "letter_in_place"
    GUARANTEE_NOT_LIVE = "guarantee_not_live"
    GUARANTEE_OTHER_APPLICANT = "guarantee_other_applicant"
    GUARANTEE_OTHER_TENDER = "guarantee_other_tender"
    GUARANTEE_ISSUER_UNAUTHORISED = "guarantee_issuer_unauthorised"
    GUARANTEE_NOT_ISSUED = "guarantee_not_issued"
    GUARANTEE_OTHER_BENEFICIARY = "guarantee_other_beneficiary"
    GUARANTEE_NO_KEY = "guarantee_no_key"
    GUARANTEE_TERMS_MISSING = "guarantee_terms_missing"
    GUARANTEE_TERMS_MISMATCH = "guarantee_terms_mismatch"
    GUARANTEE_TERMS_UNOPENED = "guarantee_terms_unopened"
    GUARANTEE_TERMS_INVALID = "guarantee_terms_invalid"
    GUARANTEE_TERMS_CONTRADICT = "guarantee_terms_contradict"
    GUARANTEE_STARTS_LATE = "guarantee_starts_late"
    GUARANTEE_AMOUNT_LOW = "guarantee_amount_low"
    GUARANTEE_ENDS_EARLY = "guarantee_ends_early"
    GUARANTEE_VALID = "guarantee_valid"
    GUARANTEE_OTHER_FIRM = "guarantee_other_firm"
    LETTER_OTHER_FIRM = "letter_other_firm"
    CHAIN_UNREADABLE = "chain_unreadable"
    # a credential's verification (ledger/rules/verify.py), check by check
    VERIFY_UNHASHABLE = "verify_unhashable"
    VERIFY_ID_MISMATCH = "verify_id_mismatch"
    VERIFY_NOT_IN_ROOT = "verify_not_in_root"
    VERIFY_NOT_ROOT = "verify_not_root"
    VERIFY_IN_ROOT = "verify_in_root"
    VERIFY_IS_ROOT = "verify_is_root"
    VERIFY_NEVER_ANCHORED = "verify_never_anchored"
    VERIFY_ANCHORED_LATER = "verify_anchored_later"
    VERIFY_ANCHORED = "verify_anchored"
    VERIFY_NO_ISSUER = "verify_no_issuer"
    VERIFY_ISSUER_MISMATCH = "verify_issuer_mismatch"
    VERIFY_KIND_WRONG = "verify_kind_wrong"
    VERIFY_KIND_HIDDEN = "verify_kind_hidden"
    VERIFY_KIND_MISSING = "verify_kind_missing"
    VERIFY_ISSUER_WRONG = "verify_issuer_wrong"
    VERIFY_ISSUER_HIDDEN = "verify_issuer_hidden"
    VERIFY_ISSUER_MISSING = "verify_issuer_missing"
    VERIFY_ISSUER_VALID = "verify_issuer_valid"
    VERIFY_STATUS_ANCHOR_UNREAD = "verify_status_anchor_unread"
    VERIFY_STATUS_UNPROVEN = "verify_status_unproven"
    VERIFY_STATUS_UNANCHORED = "verify_status_unanchored"
    VERIFY_STATUS_CONTRADICTED = "verify_status_contradicted"
    VERIFY_STATUS_TOO_EARLY = "verify_status_too_early"
    VERIFY_VALID_AT = "verify_valid_at"
    VERIFY_REVOKED = "verify_revoked"
    VERIFY_SUSPENDED = "verify_suspended"
    VERIFY_SUPERSEDED = "verify_superseded"
    VERIFY_SUPERSEDED_BY = "verify_superseded_by"
    VERIFY_NOT_ANCHORED_AT = "verify_not_anchored_at"
    VERIFY_VALIDITY_HIDDEN = "verify_validity_hidden"
    VERIFY_VALIDITY_MISSING = "verify_validity_missing"
    VERIFY_DATES_UNREADABLE = "verify_dates_unreadable"
    VERIFY_NOT_YET_VALID = "verify_not_yet_valid"
    VERIFY_EXPIRED = "verify_expired"
    VERIFY_WITHIN = "verify_within"
    VERIFY_WITHIN_OPEN = "verify_within_open"
    VERIFY_NO_SUBJECT_GIVEN = "verify_no_subject_given"
    VERIFY_SUBJECT_HIDDEN = "verify_subject_hidden"
    VERIFY_SUBJECT_MISSING = "verify_subject_missing"
    VERIFY_SUBJECT_WRONG = "verify_subject_wrong"
    VERIFY_SUBJECT = "verify_subject"
    VERIFY_CHAIN_ERROR = "verify_chain_error"
    # a sealed bid's opening (ledger/rules/opening.py): what the decryption attempt came to
    OPENING_NOT_HELD = "opening_not_held"
    OPENING_NOT_REBUILT = "opening_not_rebuilt"
    OPENING_MALFORMED = "opening_malformed"
    OPENING_WRONG_KEY = "opening_wrong_key"
    OPENING_UNAUTHENTICATED = "opening_unauthenticated"
    OPENING_INVALID_PACKAGE = "opening_invalid_package"
    OPENING_CREDENTIALS_MISMATCH = "opening_credentials_mismatch"
    OPENING_DECRYPTED = "opening_decrypted"


NOT_HELD = "the platform holds no ciphertext the bidder committed to for this bid"
"""Why a bid is 撤回 (FAILED_OTHER) when what the platform holds does not rebuild the commitment."""

UNAUTHENTICATED = ("the bidder's envelope does not open with the tender's key and context "
                   "(sealed to another key, tender, section or bidder)")
"""Why a bid whose envelope fails authentication is 撤销 (FAILED_BIDDER), before the detail."""

ARGS: dict[Reason, tuple[str, ...]] = {
    Reason.TICKED_TWICE: (),
    Reason.CREDENTIAL_NOT_VALID: ("failed", "detail"),  # the failed verification checks' names, and each with why
    Reason.PERSONNEL_NOT_BIDDERS: ("person", "employer"),
    Reason.CREDENTIAL_OWN: (),
    Reason.CREDENTIAL_NOT_ANCHORED: (),
    Reason.QUALIFICATION_MET: ("certificate_no", "qualification"),
    Reason.QUALIFICATION_UNMET: ("ticked",),  # the names of the qualifications ticked (may be none)
    Reason.PERFORMANCE_RECORDS: ("count",),
    Reason.PERSONNEL_MATCHING: ("count",),
    Reason.NO_REQUIREMENTS: (),
    Reason.BLACKLISTED: ("records",),
    Reason.NOT_BLACKLISTED: (),
    Reason.IDENTITY_LINK_BOUND: ("bid_key", "firm_key", "uscc"),
    Reason.IDENTITY_LINK_INVALID: ("error",),
    Reason.IDENTITY_UNKNOWN: ("error",),
    Reason.ONE_BID_PER_FIRM: ("firm", "others"),
    Reason.GUARANTEE_NOT_REQUIRED: (),
    Reason.GUARANTEE_NONE: (),
    Reason.GUARANTEE_NONE_NO_LETTER: (),
    Reason.LETTER_INVALID: ("error",),
    Reason.LETTER_IN_PLACE: ("letter", "section"),
    Reason.GUARANTEE_NOT_LIVE: ("guarantee", "state"),
    Reason.GUARANTEE_OTHER_APPLICANT: ("guarantee", "applicant"),
    Reason.GUARANTEE_OTHER_TENDER: ("guarantee", "section", "tender"),
    Reason.GUARANTEE_ISSUER_UNAUTHORISED: ("issuer", "issuer_type"),
    Reason.GUARANTEE_NOT_ISSUED: ("guarantee",),
    Reason.GUARANTEE_OTHER_BENEFICIARY: ("beneficiary", "tenderer"),
    Reason.GUARANTEE_NO_KEY: (),
    Reason.GUARANTEE_TERMS_MISSING: ("guarantee",),
    Reason.GUARANTEE_TERMS_MISMATCH: (),
    Reason.GUARANTEE_TERMS_UNOPENED: ("error",),
    Reason.GUARANTEE_TERMS_INVALID: ("error",),
    Reason.GUARANTEE_TERMS_CONTRADICT: ("fields",),
    Reason.GUARANTEE_STARTS_LATE: ("start", "deadline"),
    Reason.GUARANTEE_AMOUNT_LOW: ("amount", "required"),
    Reason.GUARANTEE_ENDS_EARLY: ("end", "validity_end"),
    Reason.GUARANTEE_VALID: ("guarantee", "issuer", "amount", "beneficiary", "start", "end"),
    Reason.GUARANTEE_OTHER_FIRM: ("backer", "firm"),
    Reason.LETTER_OTHER_FIRM: ("backer", "firm"),
    Reason.CHAIN_UNREADABLE: ("error",),
    Reason.VERIFY_UNHASHABLE: ("error",),
    Reason.VERIFY_ID_MISMATCH: ("computed", "claimed"),
    Reason.VERIFY_NOT_IN_ROOT: ("credential_id", "root"),
    Reason.VERIFY_NOT_ROOT: ("credential_id", "root"),
    Reason.VERIFY_IN_ROOT: ("credential_id", "root", "count"),
    Reason.VERIFY_IS_ROOT: ("credential_id", "root"),
    Reason.VERIFY_NEVER_ANCHORED: ("root",),
    Reason.VERIFY_ANCHORED_LATER: ("root", "anchored_at", "at"),
    Reason.VERIFY_ANCHORED: ("issuer", "anchored_at"),
    Reason.VERIFY_NO_ISSUER: (),
    Reason.VERIFY_ISSUER_MISMATCH: ("problems",),  # the problems found, each coded (`PARTS`)
    Reason.VERIFY_KIND_WRONG: ("document_kind", "kind"),
    Reason.VERIFY_KIND_HIDDEN: (),
    Reason.VERIFY_KIND_MISSING: (),
    Reason.VERIFY_ISSUER_WRONG: ("named", "issuer"),
    Reason.VERIFY_ISSUER_HIDDEN: (),
    Reason.VERIFY_ISSUER_MISSING: (),
    Reason.VERIFY_ISSUER_VALID: ("issuer", "kind"),
    Reason.VERIFY_STATUS_ANCHOR_UNREAD: (),
    Reason.VERIFY_STATUS_UNPROVEN: (),
    Reason.VERIFY_STATUS_UNANCHORED: (),
    Reason.VERIFY_STATUS_CONTRADICTED: (),
    Reason.VERIFY_STATUS_TOO_EARLY: (),
    Reason.VERIFY_VALID_AT: ("at",),
    Reason.VERIFY_REVOKED: ("at", "ground", "ground_code"),  # the registry's reason: its name and number
    Reason.VERIFY_SUSPENDED: ("at", "ground", "ground_code"),
    Reason.VERIFY_SUPERSEDED: ("at",),
    Reason.VERIFY_SUPERSEDED_BY: ("at", "successor_id", "successor_root"),
    Reason.VERIFY_NOT_ANCHORED_AT: ("at",),
    Reason.VERIFY_VALIDITY_HIDDEN: ("field",),
    Reason.VERIFY_VALIDITY_MISSING: ("field",),
    Reason.VERIFY_DATES_UNREADABLE: ("error",),
    Reason.VERIFY_NOT_YET_VALID: ("at", "valid_from"),
    Reason.VERIFY_EXPIRED: ("at", "valid_until"),
    Reason.VERIFY_WITHIN: ("at", "valid_from", "valid_until"),
    Reason.VERIFY_WITHIN_OPEN: ("at", "valid_from"),
    Reason.VERIFY_NO_SUBJECT_GIVEN: (),
    Reason.VERIFY_SUBJECT_HIDDEN: (),
    Reason.VERIFY_SUBJECT_MISSING: (),
    Reason.VERIFY_SUBJECT_WRONG: ("subject", "expected"),
    Reason.VERIFY_SUBJECT: ("subject",),
    Reason.VERIFY_CHAIN_ERROR: ("call", "error"),
    Reason.OPENING_NOT_HELD: (),
    Reason.OPENING_NOT_REBUILT: ("ciphertext_hash",),
    Reason.OPENING_MALFORMED: ("detail",),
    Reason.OPENING_WRONG_KEY: (),
    Reason.OPENING_UNAUTHENTICATED: ("detail",),
    Reason.OPENING_INVALID_PACKAGE: ("detail",),
    Reason.OPENING_CREDENTIALS_MISMATCH: (),
    Reason.OPENING_DECRYPTED: (),
}
"""Each code's arguments, by name."""

SENTENCES: dict[Reason, str] = {
    Reason.TICKED_TWICE: "ticked twice",
    Reason.CREDENTIAL_NOT_VALID: "not valid at the deadline — {detail}",
    Reason.PERSONNEL_NOT_BIDDERS: "{person} is registered to {employer}, not to the bidder",
    Reason.CREDENTIAL_OWN: "valid at the deadline and the bidder's own",
    Reason.CREDENTIAL_NOT_ANCHORED: "not an anchored credential",
    Reason.QUALIFICATION_MET: "met by {certificate_no} ({qualification})",
    Reason.QUALIFICATION_UNMET: "no valid qualification meets it (ticked: {ticked})",
    Reason.PERFORMANCE_RECORDS: "{count} qualifying record(s) ticked",
    Reason.PERSONNEL_MATCHING: "{count} matching registered person(s) ticked",
    Reason.NO_REQUIREMENTS: "the section sets no requirements",
    Reason.BLACKLISTED: "black-listed at the deadline ({records})",
    Reason.NOT_BLACKLISTED: "not black-listed at the deadline",
    Reason.IDENTITY_LINK_BOUND: "bid key {bid_key} is {firm_key}'s for this tender (the firm link sealed in the bid), "
                                "bound to {uscc} at the deadline",
    Reason.IDENTITY_LINK_INVALID: "the firm link sealed in the bid does not hold: {error}",
    Reason.IDENTITY_UNKNOWN: "{error}",
    Reason.ONE_BID_PER_FIRM: "firm {firm} also bid in this section with {others}: a firm places one bid per section "
                             "(实施条例 Art. 51), so all of its bids are rejected",
    Reason.GUARANTEE_NOT_REQUIRED: "no guarantee required (the section's bid guarantee is 0)",
    Reason.GUARANTEE_NONE: "no guarantee is bound to the bid",
    Reason.GUARANTEE_NONE_NO_LETTER: "no guarantee is bound to the bid and no credit commitment letter",
    Reason.LETTER_INVALID: "no guarantee is bound to the bid, and the credit commitment letter is not valid: {error}",
    Reason.LETTER_IN_PLACE: "credit commitment letter (信用承诺书) {letter} in place of a guarantee, as section "
                            "{section} allows",
    Reason.GUARANTEE_NOT_LIVE: "guarantee {guarantee} is {state}, not bound to a live bid",
    Reason.GUARANTEE_OTHER_APPLICANT: "guarantee {guarantee} was applied for by {applicant}, not the bidder",
    Reason.GUARANTEE_OTHER_TENDER: "guarantee {guarantee} backs section {section} of tender {tender}",
    Reason.GUARANTEE_ISSUER_UNAUTHORISED: "issued by {issuer}, which was not an authorised {issuer_type} issuer when "
                                          "it issued it",
    Reason.GUARANTEE_NOT_ISSUED: "guarantee {guarantee} has no Issued record",
    Reason.GUARANTEE_OTHER_BENEFICIARY: "the beneficiary is {beneficiary}, not the tenderer {tenderer}",
    Reason.GUARANTEE_NO_KEY: "a 密文 guarantee opens only with the tender's opening key, which was not given",
    Reason.GUARANTEE_TERMS_MISSING: "the sealed terms of 密文 guarantee {guarantee} are not at hand",
    Reason.GUARANTEE_TERMS_MISMATCH: "the sealed terms at hand do not match the guarantee's on-chain commitment",
    Reason.GUARANTEE_TERMS_UNOPENED: "the sealed terms do not open with the tender's key: {error}",
    Reason.GUARANTEE_TERMS_INVALID: "{error}",
    Reason.GUARANTEE_TERMS_CONTRADICT: "the sealed terms contradict the chain in {fields}",
    Reason.GUARANTEE_STARTS_LATE: "the guarantee starts {start}, after the deadline {deadline}",
    Reason.GUARANTEE_AMOUNT_LOW: "the amount {amount} 元 is below the required {required} 元",
    Reason.GUARANTEE_ENDS_EARLY: "the guarantee ends {end}, before the bid validity ends {validity_end}",
    Reason.GUARANTEE_VALID: "guarantee {guarantee} by {issuer} for {amount} 元 to {beneficiary}, in force {start} to "
                            "{end}, covers the bid validity",
    Reason.GUARANTEE_OTHER_FIRM: "the bid's e-guarantee was applied for by firm {backer}, but the bid is firm "
                                 "{firm}'s: it does not back this bid",
    Reason.LETTER_OTHER_FIRM: "the bid's commitment letter was signed by firm {backer}, but the bid is firm {firm}'s: "
                              "it does not back this bid",
    Reason.CHAIN_UNREADABLE: "the chain could not be read: {error}",
    Reason.VERIFY_UNHASHABLE: "the credential cannot be hashed: {error}",
    Reason.VERIFY_ID_MISMATCH: "the fields hash to {computed}, not to the claimed credential id {claimed}: a field "
                               "was changed",
    Reason.VERIFY_NOT_IN_ROOT: "the fields hash to credential id {credential_id}, which the batch proof does not link "
                               "to root {root}: a field was changed, or the proof is for another credential",
    Reason.VERIFY_NOT_ROOT: "the fields hash to credential id {credential_id}, which a one-credential root (empty "
                            "proof) does not link to root {root}: a field was changed, or the proof is for another "
                            "credential",
    Reason.VERIFY_IN_ROOT: "the fields hash to credential id {credential_id}, in root {root} by a Merkle proof of "
                           "{count} hashes",
    Reason.VERIFY_IS_ROOT: "the fields hash to credential id {credential_id}, in root {root} by the root being its leaf",
    Reason.VERIFY_NEVER_ANCHORED: "unknown credential: root {root} has never been anchored",
    Reason.VERIFY_ANCHORED_LATER: "root {root} was anchored at {anchored_at}, after the instant {at}: the credential "
                                  "did not exist yet",
    Reason.VERIFY_ANCHORED: "root anchored by {issuer} at {anchored_at}",
    Reason.VERIFY_NO_ISSUER: "the root is not anchored: no issuer",
    Reason.VERIFY_ISSUER_MISMATCH: "{problems}",
    Reason.VERIFY_KIND_WRONG: "the document is a {document_kind} credential, but the root holds {kind} credentials",
    Reason.VERIFY_KIND_HIDDEN: "the document's kind field is not disclosed, so it cannot be checked against the "
                               "anchored kind",
    Reason.VERIFY_KIND_MISSING: "the document's kind field is missing, so it cannot be checked against the anchored "
                                "kind",
    Reason.VERIFY_ISSUER_WRONG: "wrong issuer: the document names issuer {named}, but the root was anchored by "
                                "{issuer}",
    Reason.VERIFY_ISSUER_HIDDEN: "the document's issuer field is not disclosed, so it cannot be checked against the "
                                 "anchoring issuer",
    Reason.VERIFY_ISSUER_MISSING: "the document's issuer field is missing, so it cannot be checked against the "
                                  "anchoring issuer",
    Reason.VERIFY_ISSUER_VALID: "{issuer} held kind {kind} when it anchored the root (the registry refuses anchors "
                                "from issuers without the kind), and the document names it as issuer",
    Reason.VERIFY_STATUS_ANCHOR_UNREAD: "the anchor could not be read (see anchoring)",
    Reason.VERIFY_STATUS_UNPROVEN: "the credential is not proven to be under the root (see integrity)",
    Reason.VERIFY_STATUS_UNANCHORED: "the root is not anchored (see anchoring)",
    Reason.VERIFY_STATUS_CONTRADICTED: "the credential is not one its root's issuer anchored as its kind (see "
                                       "issuer_authorised)",
    Reason.VERIFY_STATUS_TOO_EARLY: "the root was not anchored yet at the instant",
    Reason.VERIFY_VALID_AT: "valid at {at}",
    Reason.VERIFY_REVOKED: "revoked at {at} (reason {ground}, code {ground_code})",
    Reason.VERIFY_SUSPENDED: "suspended at {at} (reason {ground}, code {ground_code})",
    Reason.VERIFY_SUPERSEDED: "superseded at {at} by a newer version",
    Reason.VERIFY_SUPERSEDED_BY: "superseded at {at} by a newer version: credential {successor_id} under root "
                                 "{successor_root}",
    Reason.VERIFY_NOT_ANCHORED_AT: "not anchored at {at}",
    Reason.VERIFY_VALIDITY_HIDDEN: "the document's {field} field is not disclosed, so it cannot be checked against "
                                   "the instant",
    Reason.VERIFY_VALIDITY_MISSING: "the document's {field} field is missing, so it cannot be checked against the "
                                    "instant",
    Reason.VERIFY_DATES_UNREADABLE: "unreadable validity dates: {error}",
    Reason.VERIFY_NOT_YET_VALID: "not yet valid at {at}: validFrom is {valid_from}",
    Reason.VERIFY_EXPIRED: "expired at {at}: validUntil is {valid_until}",
    Reason.VERIFY_WITHIN: "{at} is within {valid_from} .. {valid_until}",
    Reason.VERIFY_WITHIN_OPEN: "{at} is within {valid_from} .. open-ended",
    Reason.VERIFY_NO_SUBJECT_GIVEN: "no expected subject given",
    Reason.VERIFY_SUBJECT_HIDDEN: "the document's subject field is not disclosed, so it cannot be checked against "
                                  "the expected one",
    Reason.VERIFY_SUBJECT_MISSING: "the document's subject field is missing, so it cannot be checked against the "
                                   "expected one",
    Reason.VERIFY_SUBJECT_WRONG: "wrong subject: the credential is about {subject}, not {expected}",
    Reason.VERIFY_SUBJECT: "the credential is about {subject}",
    Reason.VERIFY_CHAIN_ERROR: "the chain could not be read ({call}): {error}",
    Reason.OPENING_NOT_HELD: NOT_HELD,
    Reason.OPENING_NOT_REBUILT: NOT_HELD + ": the stored ciphertext (keccak {ciphertext_hash}) and credential-set "
                                           "commitment do not rebuild the bidder's on-chain commitment",
    Reason.OPENING_MALFORMED: "the bidder's envelope is malformed: {detail}",
    Reason.OPENING_WRONG_KEY: UNAUTHENTICATED + ": " + ALTERED,
    Reason.OPENING_UNAUTHENTICATED: UNAUTHENTICATED + ": {detail}",
    Reason.OPENING_INVALID_PACKAGE: "the bidder's envelope holds no valid bid package: {detail}",
    Reason.OPENING_CREDENTIALS_MISMATCH: "the credentials ticked inside the bidder's envelope do not hash to the "
                                         "credential-set commitment the bidder signed",
    Reason.OPENING_DECRYPTED: "decrypted; matches the commitment",
}
"""Each code's English sentence, the check's `reason`: lists are joined with ", " (no qualification
ticked reads "none ticked") and times are written in ISO 8601 (UTC). A code's sentence never
changes: it binds the code to the sentence the opening report signs (`bound`)."""

TIMES = frozenset({"start", "end", "deadline", "validity_end"})
"""The arguments that are unix times, written in ISO 8601 with "+00:00"."""

INSTANTS = frozenset({"at", "anchored_at"})
"""The arguments that are unix times of a verification, written in ISO 8601 with "Z" (a time too
far for a calendar as its number)."""

PARTS = frozenset({"problems"})
"""The arguments that are lists of reasons, each coded (`{"code": …, "args": {…}}`): a check that
says several things at once. Their sentences are joined with "; "."""

VERIFICATION = frozenset(r for r in Reason if r.value.startswith("verify_"))
"""The reasons of the checks of a credential's verification."""

OPENING = frozenset(r for r in Reason if r.value.startswith("opening_"))
"""The reasons of an opening: what the attempt to decrypt a sealed bid came to."""

ELIGIBILITY = frozenset(r for r in Reason if r not in VERIFICATION and r not in OPENING)
"""The reasons of the checks of a bid's eligibility (资格审查): its ticked credentials, the
section's requirements, its credit standing, the firm behind its key and its guarantee."""


@lru_cache(maxsize=65_536)  # pure; a deadline is written into every check of every bid judged at it
def instant(t: int) -> str:
    """A verification's unix time in ISO 8601 (UTC, "Z"), or the bare number past the calendar."""
    try:
        return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return str(t)


def sentence(reason: Reason, args: Mapping[str, Any]) -> str:
    """The English sentence of `reason` with `args`."""
    def word(name: str, value: Any) -> str:
        if name in PARTS:
            if not isinstance(value, list):
                raise TypeError(f"{name} is a list of coded reasons")
            return "; ".join(part(v) for v in value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or ("none ticked" if name == "ticked" else "")
        if name in TIMES and isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC).isoformat()
        if name in INSTANTS and isinstance(value, int) and not isinstance(value, bool):
            return instant(value)
        return str(value)

    def part(value: Any) -> str:
        code = Reason(value[CODE])
        if set(value[ARGS_KEY]) != set(ARGS[code]):
            raise KeyError(code.value)
        return sentence(code, value[ARGS_KEY])
    return SENTENCES[reason].format(**{name: word(name, value) for name, value in args.items()})


def said(reason: Reason, **args: Any) -> tuple[str, dict[str, Any]]:
    """(the sentence, the details with the code) of a check that says `reason`."""
    details = coded(reason, **args)
    return sentence(reason, details[ARGS_KEY]), details


def bound(details: Mapping[str, Any], reason: str) -> bool:
    """Whether the code and arguments in `details` say the English sentence `reason` (which the
    opening report signs): only then do words made from them say what the check said."""
    found = words(details)
    try:
        code = Reason(found[CODE])
        return set(found[ARGS_KEY]) == set(ARGS[code]) and sentence(code, found[ARGS_KEY]) == reason
    except (KeyError, ValueError, TypeError, IndexError, OverflowError, OSError, AttributeError):
        return False


def recognised(reason: str, among: frozenset[Reason]) -> dict[str, Any]:
    """The code and arguments (`words`) of a sentence said by one of the codes `among` whose
    arguments are all strings, read back from the sentence itself ({} when none says it): for a
    reason kept only as its sentence, as an opening's is. A code whose sentence is its argument
    alone (`{error}`) says any sentence, so nothing is read back as it."""
    for code in sorted(among, key=lambda c: (len(ARGS[c]), c.value)):  # the most particular first
        if _BARE.fullmatch(SENTENCES[code]):
            continue
        found = _pattern(code).fullmatch(reason)
        if found is not None:
            details = {CODE: code.value, ARGS_KEY: found.groupdict()}
            if bound(details, reason):
                return details
    return {}


_BARE = re.compile(r"\{\w+\}")


@lru_cache(maxsize=None)
def _pattern(code: Reason) -> re.Pattern[str]:
    """A sentence of `code`, each argument a group of its name."""
    parts = re.split(r"\{(\w+)\}", SENTENCES[code])
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*)" for i, p in enumerate(parts)),
                      re.DOTALL)


def coded(reason: Reason, **args: Any) -> dict[str, Any]:
    """The details that say `reason` as a code: `{"code": …, "args": {…}}`."""
    if set(args) != set(ARGS[reason]):
        raise ValueError(f"reason {reason.value} takes {ARGS[reason]}, got {sorted(args)}")
    return {CODE: reason.value, ARGS_KEY: dict(args)}


def words(details: Mapping[str, Any]) -> dict[str, Any]:
    """Only the code and its arguments of a check's details ({} when it has no code)."""
    if not isinstance(details.get(CODE), str):
        return {}
    args = details.get(ARGS_KEY)
    return {CODE: details[CODE], ARGS_KEY: dict(args) if isinstance(args, Mapping) else {}}


def plain(details: Mapping[str, Any]) -> dict[str, Any]:
    """A check's details without its code and arguments: what is hashed or signed of them."""
    return {k: v for k, v in details.items() if k not in (CODE, ARGS_KEY)}
