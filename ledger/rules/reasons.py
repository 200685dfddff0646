"""The reasons of the checks of a bid's eligibility (资格审查), as codes: one place that lists them.

Each check the rules make for a bid says why in an English sentence (`Check.reason`: what the CLI,
the API and the audit print and compare, and what the centre's receipt of the opening report
signs), and carries the same reason as a stable code with its arguments in `Check.details`
(`{"code": …, "args": {…}}`), for whoever words it in another language (the portal, in Chinese
and English: api/portal/messages.py has `check.reason.<code>` for every code here).

The sentence is made from the code (`said`: `SENTENCES`, filled with the arguments), so a code
and its arguments say exactly the sentence, and anyone can check that they do (`bound`): the
opening report signs only the sentence. `ARGS` names each code's arguments; `coded` refuses any
other set. An argument is a string, a number or a list of strings; times are unix seconds (the
reader writes them in its own zone), amounts are written in 元.

The code and its arguments are words about the check, not part of it: whatever else is hashed or
signed of a check's details leaves them out (`plain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

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
}
"""Each code's English sentence, the check's `reason`: lists are joined with ", " (no qualification
ticked reads "none ticked") and times are written in ISO 8601 (UTC). A code's sentence never
changes: it binds the code to the sentence the opening report signs (`bound`)."""

TIMES = frozenset({"start", "end", "deadline", "validity_end"})
"""The arguments that are unix times."""


def sentence(reason: Reason, args: Mapping[str, Any]) -> str:
    """The English sentence of `reason` with `args`."""
    def word(name: str, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or ("none ticked" if name == "ticked" else "")
        if name in TIMES and isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC).isoformat()
        return str(value)
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
    except (KeyError, ValueError, TypeError, IndexError, OverflowError, OSError):
        return False


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
