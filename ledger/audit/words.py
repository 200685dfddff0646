"""The audit's results as codes: one place that lists every check's name and message.

Each result says what it checked (`Result.name`) and why it came out as it did (`Result.message`)
in English: what the CLI prints, the docs quote and the tests compare. It carries the same as a
stable code with its arguments (`Result.code`, `Result.args`), for whoever words it in another
language (the portal, in Chinese and English: api/portal/messages.py has `audit.name.<code>` and
`audit.message.<code>` for every code here).

The English is made from the code (`say`: `WORDS`, filled with the arguments), so a code and its
arguments say exactly the English, and anyone can check that they do (`bound`). `ARGS` names each
code's arguments (the placeholders of its two templates). An argument is a string, an integer (a
boolean for a yes/no), or a list of strings; times are unix seconds (the reader writes them in its
own zone, `TIMES`), amounts are in 元 (`AMOUNTS`). In a template, `{name:SEP}` joins a list with
SEP (", " when no SEP is given), `{name:py}` writes a list as Python does (`['0x…', '0x…']`) and
`{name:kind}` writes a bundle document kind by its English name. Some arguments are English text
the check found (an error, a problem, a reason the rules give): `FREE` lists them; whoever words a
result shows them as they are, or words a reason the rules give by the code it reads back from it
(`ledger.rules.reasons.recognised`).

What the audit does not check yet (`NOT_CHECKED`) and the notes on a result's evidence (`NOTES`)
are fixed sentences with codes of their own, read back from the English (`recognised`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ledger.audit.bundle import KINDS
from ledger.audit.model import Evidence, Result, Status

WORDS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ documents
    "documents.bundle_chain": ("bundle's chain", "the bundle was exported from chain {bundle_chain} ({bundle_genesis}), "
                               "this is chain {chain} ({genesis})"),
    "documents.not_in_bundle": ("{kind:kind} {ident}", "the index lists {file}, which is not in the bundle"),
    "documents.wrong_file": ("{kind:kind} {ident}", "{file} hashes to {actual}: it is not the file its name and index say"),
    "documents.on_chain": ("{kind:kind} {ident}", "hashes to the value on chain"),
    "documents.not_on_chain": ("{kind:kind} {ident}", "{why}"),
    "documents.missing": ("missing {kind:kind} {ident}", "the chain needs it ({why}) and the bundle lacks it"),
    # ------------------------------------------------------------------ time
    "time.bid_period": ("bid period ≥ 20 days", "published at {issued}, deadline {deadline} ({days} days)"),
    "time.params_deadline": ("published parameters' deadline", "the parameters ask {asked}, the chain fixed {deadline}"),
    "time.amendment": ("amendment v{version}", "made at {at} before the deadline {before}; asked {asked}, in force "
                       "{in_force} (rule: max(asked, amendment + 15 days) = {expected})"),
    "time.bid_late": ("{event} by {bidder}", "at {at}, not before the deadline {deadline}"),
    "time.bids_in_time": ("bids before the deadline", "{n} bid step(s), each before the deadline in force"),
    "time.opened_early": ("opening of {bidder}", "opened at {at}, before the deadline"),
    "time.share": ("share of {officer}", "released at {at}, deadline {deadline}"),
    # ------------------------------------------------------------------ opening
    "opening.key_failed": ("opening key from the released shares", "{error}"),
    "opening.key_rebuilt": ("opening key from the released shares",
                            "{n} released share(s) rebuild the published opening public key"),
    "opening.no_live_bid": ("opening of {bidder}", "opened without a live bid on chain"),
    "opening.withdrawn_unproven": ("opening of {bidder}", "撤回 (not the bidder's fault) recorded without proof: it "
                                   "rests on the centre's word (docs/security.md)"),
    "opening.no_envelope": ("opening of {bidder}", "cannot rerun: the bundle lacks the envelope of bid {commitment}"),
    "opening.outcome_differs": ("opening of {bidder}", "recorded {recorded}, the rerun gives {rerun}: {reason}"),
    "opening.decrypts": ("opening of {bidder}", "decrypts; its {n} ticked credential(s) rebuild the commitment and "
                         "are the ones logged"),
    "opening.ticks_differ": ("opening of {bidder}", "the envelope ticks {ticked:py}, the chain logged {logged:py}"),
    "opening.rejected_again": ("opening of {bidder}", "撤销 reruns the same: {reason}"),
    "opening.price": ("price of {bidder}", "the opening report reads {price} 元, as the envelope holds"),
    "opening.price_differs": ("price of {bidder}", "the opening report reads {recorded_price} 元, the envelope holds {price} 元"),
    # ------------------------------------------------------------------ eligibility
    "eligibility.no_params": ("tender parameters", "cannot rerun: the bundle lacks parameters hashing to {params}"),
    "eligibility.store_mismatch": ("bid of {bidder}", "cannot rerun: {what}"),
    "eligibility.unopened_eligible": ("bid of {bidder}", "the opening report calls a bid eligible that did not open"),
    "eligibility.eligible_as_recorded": ("bid of {bidder}", "firm {firm}: eligible as recorded"),
    "eligibility.eligible_as_recorded_why": ("bid of {bidder}", "firm {firm}: eligible as recorded ({failures:; })"),
    "eligibility.ineligible_as_recorded": ("bid of {bidder}", "firm {firm}: ineligible as recorded"),
    "eligibility.ineligible_as_recorded_why": ("bid of {bidder}", "firm {firm}: ineligible as recorded ({failures:; })"),
    "eligibility.differs": ("bid of {bidder}", "the opening report says {recorded} (firm {recorded_firm}), the rerun "
                            "as of the deadline says {rerun} (firm {firm})"),
    "eligibility.differs_checks": ("bid of {bidder}", "the opening report says {recorded} (firm {recorded_firm}), the "
                                   "rerun as of the deadline says {rerun} (firm {firm}); checks that differ: {differ}"),
    "eligibility.differs_why": ("bid of {bidder}", "the opening report says {recorded} (firm {recorded_firm}), the "
                                "rerun as of the deadline says {rerun} (firm {firm}); {failures:; }"),
    "eligibility.differs_checks_why": ("bid of {bidder}", "the opening report says {recorded} (firm {recorded_firm}), "
                                       "the rerun as of the deadline says {rerun} (firm {firm}); checks that differ: "
                                       "{differ}; {failures:; }"),
    "eligibility.valid_bids": ("valid bids (firms) and 流标", "the chain closed the section ({event}) with {chain_valid} "
                               "valid bid(s), the rerun counts {valid} eligible firm(s)"),
    # ------------------------------------------------------------------ guarantees
    "guarantees.contest": ("contest of {guarantee}", "contested at {at}, window ends {end}"),
    "guarantees.payment": ("payment of {guarantee}", "paid at {at}; the contest window ended {end}"),
    "guarantees.payment_governed": ("payment of {guarantee}", "paid at {at}; the contest window ended {end} (decided "
                                    "by the governance)"),
    "guarantees.resolution_governed": ("resolution of {guarantee}", "decided by an executed governance proposal"),
    "guarantees.resolution_ungoverned": ("resolution of {guarantee}",
                                         "a contested claim was resolved without the governance"),
    "guarantees.release_after_signing": ("release of {guarantee}",
                                         "the winner's guarantee released after the contract signing"),
    "guarantees.release_before_signing": ("release of {guarantee}",
                                          "the winner's guarantee released before any contract signing"),
    "guarantees.claim_rejected_bid": ("claim on {guarantee} ({cause})", "the chain records a 撤销 of the bid"),
    "guarantees.claim_no_rejection": ("claim on {guarantee} ({cause})", "no 撤销 of the bid is on chain"),
    "guarantees.claim_withdrawal": ("claim on {guarantee} ({cause})", "filed at {at} after the deadline {deadline}; "
                                    "the bid was live at the deadline"),
    "guarantees.claim_no_withdrawal": ("claim on {guarantee} ({cause})", "filed at {at} (deadline {deadline}); live "
                                       "bid: {live}; 撤回: {withdrawn}"),
    "guarantees.claim_award": ("claim on {guarantee} ({cause})",
                               "the applicant was recorded winner: {won}; contract signed: {signed}"),
    # ------------------------------------------------------------------ draws
    "draws.unfinished": ("draw {draw}", "not finished yet"),
    "draws.follows": ("draw {draw}", "the picks follow from the sealed seeds, the released key and the candidates"),
    "draws.problems": ("draw {draw}", "{problems:; }"),
    # ------------------------------------------------------------------ 履约
    "performance.entry_in_order": ("{entry_kind} {index}", "by a party of the awarded, signed section, in order"),
    "performance.entry_problems": ("{entry_kind} {index}", "{problems:; }"),
    "performance.acknowledgement_in_order": ("acknowledgement of entry {index}",
                                             "by a party of the awarded, signed section, in order"),
    "performance.acknowledgement_problems": ("acknowledgement of entry {index}", "{problems:; }"),
    "performance.credential_no_completion": ("credential {ident}",
                                             "its evaluation_hash names no completion PerformanceBook recorded"),
    "performance.credential_award": ("credential {ident}", "names the completion of the section its award id names"),
    "performance.credential_other_award": ("credential {ident}",
                                           "its award_id is not the award of the section whose completion it names"),
    "performance.ruling_problems": ("ruling on complaint {index}", "{problems:; }"),
    "performance.ruling_upheld_filed": ("ruling on complaint {index}", "upheld (投诉成立) by an executed governance "
                                        "proposal; its text is in the bundle"),
    "performance.ruling_upheld_unfiled": ("ruling on complaint {index}", "upheld (投诉成立) by an executed governance "
                                          "proposal; its text is not in the bundle (filed by anyone, later)"),
    "performance.ruling_dismissed_filed": ("ruling on complaint {index}", "dismissed (投诉不成立) by an executed "
                                           "governance proposal; its text is in the bundle"),
    "performance.ruling_dismissed_unfiled": ("ruling on complaint {index}", "dismissed (投诉不成立) by an executed "
                                             "governance proposal; its text is not in the bundle (filed by anyone, "
                                             "later)"),
    # ------------------------------------------------------------------ roles
    "roles.problem": ("{step}", "{problem}"),
    "roles.checked": ("{step}", "{n} state change(s) checked (a failure above is listed on its own)"),
    # ------------------------------------------------------------------ 评定分离 (ledger.audit.selection)
    "selection.committee_draw": ("{committee} committee: draw", "seated from committee draw {round} ({draw}), which "
                                 "recomputes from the chain"),
    "selection.committee_draw_other": ("{committee} committee: draw", "seated from draw {draw}; the rule's is {due}"),
    "selection.committee_draw_other_problems": ("{committee} committee: draw",
                                                "seated from draw {draw}; the rule's is {due}; {problems:; }"),
    "selection.committee_size": ("{committee} committee: size", "{size} seats; the tender fixed {want}"),
    "selection.exclusion_no_reason": ("{committee} committee: exclusion of {member}",
                                      "the bundle holds no reason hashing to {hash}"),
    "selection.exclusion_unreadable": ("{committee} committee: exclusion of {member}", "its reason cannot be read"),
    "selection.exclusion_conflict": ("{committee} committee: exclusion of {member}",
                                     "conflict of interest: registered personnel of {employer}, a firm that bid"),
    "selection.exclusion_other": ("{committee} committee: exclusion of {member}", "the reason names {named} employed "
                                  "by {employer}; the section's bidding firms are {firms}"),
    "selection.exclusion_other_no_firms": ("{committee} committee: exclusion of {member}", "the reason names {named} "
                                           "employed by {employer}; the section's bidding firms are unknown"),
    "selection.members_secret": ("{committee} committee: members", "not revealed yet: who holds each seat is secret "
                                 "until the result (招标投标法 Art. 37)"),
    "selection.seat_unopened": ("{committee} committee: seat {seat}",
                                "the committee was revealed without opening this seat"),
    "selection.seat_link": ("{committee} committee: seat {seat}",
                            "opened to {member}, whose link {link} is not the seated one"),
    "selection.members": ("{committee} committee: members",
                          "the {size} seated are the draw's first {size} picks not excluded"),
    "selection.members_differ": ("{committee} committee: members",
                                 "seated {seated}; the draw's first {size} picks not excluded are {due}"),
    "selection.replacement": ("{committee} committee: replacement of {seat}",
                              "by {holder}, the next reserve of the committee draw (reason filed)"),
    "selection.replacement_problems": ("{committee} committee: replacement of {seat}", "{problems:; }"),
    "selection.sheet_late": ("sheet of seat {seat}", "committed at {committed_at}, after the commit deadline "
                             "{commit_by}"),
    "selection.sheet_unrevealed": ("sheet of seat {seat}", "committed, never revealed: void (the rest stand if at "
                                   "least {min_seats} revealed)"),
    "selection.sheet": ("sheet of seat {seat}",
                        "opens its commitment, revealed in time, every score within its criterion's range"),
    "selection.sheet_problems": ("sheet of seat {seat}", "{problems:; }"),
    "selection.shortlist_no_rerun": ("shortlist (revision {version})",
                                     "cannot rerun: the tender's parameters or the openings are not in the bundle"),
    "selection.shortlist_ineligible": ("shortlist (revision {version})",
                                       "{stray} did not pass 资格审查 in the rerun of the opening"),
    "selection.shortlist_no_sheets": ("shortlist (revision {version})",
                                      "cannot rerun: the bundle lacks the sheet of {missing}"),
    "selection.shortlist_unranked": ("shortlist (revision {version})",
                                     "the rule cannot be rerun on the revealed sheets: {error}"),
    "selection.shortlist": ("shortlist (revision {version})", "the rule gives the filed shortlist {want} (at most "
                            "{size}) from {sheets} revealed sheet(s)"),
    "selection.shortlist_differs": ("shortlist (revision {version})", "filed {given} (at most {max_size}); the rule on "
                                    "the revealed sheets gives {want} (at most {size})"),
    "selection.shortlist_differs_none": ("shortlist (revision {version})", "filed {given} (at most {max_size}); the "
                                         "rule on the revealed sheets gives none (at most {size})"),
    "selection.report_missing": ("shortlist (revision {version}): report",
                                 "the bundle holds no report hashing to {hash}"),
    "selection.report": ("shortlist (revision {version}): report",
                         "the filed report is the one the rule gives (every figure)"),
    "selection.report_differs": ("shortlist (revision {version}): report",
                                 "the filed report differs from the report the rule gives on the revealed sheets"),
    "selection.vote_revealed": ("vote of seat {seat} in round {round}", "revealed in time and opens its commitment"),
    "selection.vote_abstained": ("vote of seat {seat} in round {round}", "committed, not revealed: an abstention"),
    "selection.vote_problems": ("vote of seat {seat} in round {round}", "{problems:; }"),
    "selection.decision_no_rerun": ("decision for {winner}",
                                    "cannot rerun: no shortlist, selection committee or parameters"),
    "selection.in_shortlist": ("decision for {winner}: in the shortlist", "the shortlist in force is {shortlist}"),
    "selection.round": ("vote round {round}", "the rule asked for this round among {asked}; tallied from the revealed "
                        "votes: {tally}"),
    "selection.round_differs": ("vote round {round}", "opened among {asked}; the rule asked for {step}"),
    "selection.unreplayable": ("decision for {winner}", "the selection cannot be replayed: {error}"),
    "selection.undecided": ("decision for {winner}",
                            "the recorded rounds and draws do not reach a decision: the rule asks for {step}"),
    "selection.decision": ("decision for {winner}", "the fixed rule ({method}) replayed on the revealed votes and draws "
                           "gives {rule_winner}: {detail}"),
    "selection.decision_differs": ("decision for {winner}", "recorded {winner} (draw {draw}); the rule gives "
                                   "{rule_winner} ({how}, draw {want_draw}): {detail}"),
    "selection.record_missing": ("decision for {winner}: record", "the bundle holds no record hashing to {hash}"),
    "selection.record": ("decision for {winner}: record",
                         "the decision record names the rule's winner, rounds, votes and draws"),
    "selection.record_differs": ("decision for {winner}: record",
                                 "the decision record does not say what the chain and the rule give"),
    "selection.views_rounds": ("decision for {winner}: views", "集体议事 takes one view round over the whole "
                               "shortlist; rounds {rounds} were opened"),
    "selection.views": ("decision for {winner}: views", "{n} written view(s), each the one its reveal opens to"),
    "selection.views_problems": ("decision for {winner}: views", "{problems:; }"),
    "selection.chair_decided": ("decision for {winner}",
                                "the chair {chair} decided for {winner} after every member's view: {reason}"),
    "selection.chair_decided_silent": ("decision for {winner}", "the chair {chair} decided for {winner} after the "
                                       "views, {silent} 未表态 past the reveal deadline: {reason}"),
    "selection.chair_differs": ("decision for {winner}", "the rule replayed on the views and the decision gives {step}"),
    "selection.chair_unreplayable": ("decision for {winner}", "the chair's decision cannot be replayed: {error}"),
    "selection.publicity": ("公示 period", "公示 from {start} to {ends} ({days} days; at least {min_days})"),
    "selection.objection": ("objection {n}", "filed at {at}, during 公示 (ends {ends})"),
    "selection.objection_outside": ("objection {n}", "filed at {at}, outside 公示 (ends {ends})"),
    "selection.objection_undecided": ("objection {n}", "filed at {at}, outside 公示 (ends never: no decision in force)"),
    "selection.answer_overdue": ("answer to objection {n}", "not answered, and its 3 days are over"),
    "selection.answer_pending": ("answer to objection {n}", "not answered yet (within 3 days)"),
    "selection.answer": ("answer to objection {n}", "answered at {answered_at}, filed at {at} (within 3 days: "
                         "{in_time})"),
    "selection.complaint": ("complaint {n}", "filed at {at}; the window after 公示 is {ends}..{until}"),
    "selection.ruling_pending": ("ruling on complaint {n}", "not ruled yet: the award waits"),
    "selection.ruling_upheld": ("ruling on complaint {n}", "ruled by an executed governance proposal: upheld"),
    "selection.ruling_not_upheld": ("ruling on complaint {n}", "ruled by an executed governance proposal: not upheld"),
    "selection.ruling_ungoverned": ("ruling on complaint {n}", "ruled without an executed governance proposal"),
    "selection.award": ("award to {winner}", "after 公示 (awarded at {at}), the decision's winner, nothing open"),
    "selection.award_problems": ("award to {winner}", "{problems:; }"),
    "selection.guarantee_award": ("guarantee award", "GuaranteeBook records the selection's winner after the award"),
    "selection.guarantee_award_other": ("guarantee award",
                                        "GuaranteeBook records {recorded} (selection awarded {winner})"),
    # ------------------------------------------------------------------ the store's log (ledger.audit.checkpoints)
    "checkpoints.positions": ("log positions", "the store's log has no record at position {position} (the next is at "
                              "{next}): a record was deleted from it"),
    "checkpoints.short": ("checkpoint {index}", "the store's log holds {records} records, fewer than the {size} "
                          "checkpoint {index} fixed: records were deleted or the log truncated"),
    "checkpoints.root_differs": ("checkpoint {index}", "the root of the store's first {size} records is {held}, not "
                                 "the {root} checkpoint {index} fixed: a record up to position {last} was rewritten, "
                                 "deleted or inserted"),
    "checkpoints.holds": ("checkpoint {index}", "the store's first {size} records have the root checkpoint {index} "
                          "fixed"),
    "checkpoints.consistent": ("consistency {before}→{index}", "checkpoint {before} (size {before_size}) is a prefix "
                               "of checkpoint {index} (size {size}) by the store's consistency proof"),
    "checkpoints.inconsistent": ("consistency {before}→{index}", "the store's log gives no proof that checkpoint "
                                 "{before} (size {before_size}) is a prefix of checkpoint {index} (size {size}): its "
                                 "history between them was rewritten"),
    "checkpoints.first_rewritten": ("first rewritten record", "the first record found changed is {record}, between "
                                    "checkpointed sizes {last_good} and {first_bad}"),
    "checkpoints.rewritten_among": ("first rewritten record", "the rewritten, deleted or inserted record lies among "
                                    "positions {last_good}…{last} (the last checkpoint that holds is of size "
                                    "{last_good}); the auditor's witness of an earlier audit (`--witness`) names it"),
    "checkpoints.pending": ("records not yet placed", "{n} records are written but not yet placed in the log (the "
                            "next checkpoint places them)"),
    "checkpoints.none": ("checkpoints", "no checkpoint of the store's log is on chain yet"),
    "checkpoints.uncovered": ("records after the latest checkpoint",
                              "{n} records follow the latest checkpoint: nothing on chain fixes them yet"),
    "checkpoints.unlogged_row": ("unlogged row", "the store's {table} {ident} has no record in the log: it was inserted "
                                 "around the ledger"),
    "checkpoints.row_logged_deleted": ("row logged as deleted",
                                       "the store's {table} {ident} is there though {record} logs its deletion"),
    "checkpoints.edited_row": ("edited row", "the store's {table} {ident} is not what its newest {record} holds: the row "
                               "or its record was edited"),
    "checkpoints.deleted_row": ("deleted row", "the store's {table} {ident}, logged as {record}, is gone and no "
                                "deletion is logged"),
    "checkpoints.witness_unanchored": ("witness", "the witness of {size} records is not a checkpoint on chain: it "
                                       "cannot name the first rewritten record"),
    "checkpoints.witness_holds": ("first rewritten record", "the store's log holds the {size} records of the witness; "
                                  "the change lies after them"),
    "checkpoints.witness_truncated": ("first rewritten record", "by the witness: the store's log ends at position "
                                      "{position}: the witness's records {position}…{last} were deleted (the log "
                                      "truncated)"),
    "checkpoints.witness_inserted": ("first rewritten record", "by the witness: {record} was inserted before the "
                                     "checkpointed record at that position"),
    "checkpoints.witness_deleted": ("first rewritten record", "by the witness: the checkpointed record at position "
                                    "{position} was deleted ({record} moved up to it)"),
    "checkpoints.witness_rewritten": ("first rewritten record", "by the witness: {record} is not the checkpointed "
                                      "record at that position: it was rewritten"),
    "checkpoints.not_checked": ("store log", "not checked: {error}"),
    # ------------------------------------------------------------------ the store against a rebuild (tools/audit_store.py)
    "store.no_table": ("table {table}", "the store has no {table} table; the chain gives {rows} rows"),
    "store.matches": ("store vs chain", "every row of {tables} tables is the one the chain rebuilds"),
    "store.missing_row": ("missing row {table} ({row})", "the chain gives this row; the store does not have it"),
    "store.extra_row": ("extra row {table} ({row})", "the store has this row; the chain gives no such row"),
    "store.edited_row": ("edited row {table} ({row})", "columns differ — {detail:; }"),
    "store.swapped_document": ("swapped document {document_kind} {ident}",
                               "the store's copy is not the bundle's (which the audit checks against the chain)"),
}
"""Each code: (its English name template, its English message template). A code's English never
changes: a new wording is a new code."""

TIMES = frozenset({"issued", "deadline", "asked", "at", "before", "in_force", "expected", "end", "committed_at",
                   "commit_by", "reveal_by", "start", "ends", "window_start", "window_end", "decided_at",
                   "filed_at", "answered_at", "answer_by"})
"""The arguments that are unix times (when they are integers)."""

AMOUNTS = frozenset({"price", "recorded_price", "amount"})
"""The arguments that are amounts in 元."""

FREE = frozenset({"why", "error", "reason", "what", "problem", "problems", "failures", "detail"})
"""The arguments that are English text the check found, shown as they are in any language (but
where it is a reason the rules give, which a reader may word from its code)."""


NOT_CHECKED: dict[str, str] = {
    "selection.exclusion_conflict": "评定分离: an exclusion's conflict is taken from its filed reason (the employer it "
                                    "names is a bidding firm), the personnel credential behind it is not proven; a "
                                    "ruling's text is not required",
    "guarantees.opening_verification": "guarantee verification at opening is taken from the centre's "
                                       "VerificationRecorded, not rerun from the guarantee documents",
    "guarantees.letters_profiles": "commitment letters and guarantors' profiles are not in the bundle",
    "performance.evaluation": "履约: a 履约评价 credential's subject is not checked to be the winner's firm, nor its "
                              "figures against the filed evaluation (only its evaluation hash and award id against "
                              "PerformanceBook); a ruling's text is checked when the bundle has it, not required",
}
"""What this version of the audit does not check yet (every report lists it, `not_checked`), by a
code: the English, and `audit.unchecked.<code>` in the portal. A report keeps only the English;
whoever words it reads the code back from it (`recognised`)."""

NOTES: dict[str, str] = {
    "checkpoint": "checkpoint {index}: size {size}, root {root}",
}
"""The notes on a result's evidence (`Evidence.note`), by a code: the English template (`note`),
and `audit.note.<code>` in the portal. A report keeps only the English; whoever words it reads the
code and its arguments back from it (`recognised`)."""


def note(code: str, **args: Any) -> str:
    """The English note of `code` with `args` (each written as `str` writes it)."""
    if set(args) != _fields(NOTES[code]):
        raise ValueError(f"the note {code} takes {sorted(_fields(NOTES[code]))}, got {sorted(args)}")
    return NOTES[code].format(**{k: str(v) for k, v in args.items()})


def recognised(text: Any, among: Mapping[str, str]) -> tuple[str, dict[str, str]] | None:
    """The code of `among` (code → English template) and the arguments that say exactly `text`,
    read back from it; None when none does."""
    if not isinstance(text, str):
        return None
    for code, template in among.items():
        found = _pattern(template).fullmatch(text)
        if found is not None and template.format(**found.groupdict()) == text:
            return code, found.groupdict()
    return None


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern[str]:
    """A sentence of `template`, each argument a group of its name."""
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts)),
                      re.DOTALL)


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "kind":
            return KINDS.get(str(value), str(value))
        if isinstance(value, list):
            if format_spec == "py":
                return str(value)
            return (format_spec or ", ").join(str(v) for v in value)
        return format(value, format_spec)


_FORMAT = _Formatter()


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


ARGS: dict[str, tuple[str, ...]] = {code: tuple(sorted(_fields(name) | _fields(message)))
                                    for code, (name, message) in WORDS.items()}
"""Each code's arguments, by name."""


@dataclass(frozen=True)
class Said:
    """A result's name and message as a code says them with its arguments."""

    code: str
    args: dict[str, Any]
    name: str
    message: str

    @property
    def family(self) -> str:
        return self.code.split(".", 1)[0]

    def result(self, status: Status, *evidence: Evidence, tender: str | None = None,
               section: int | None = None) -> Result:
        """The result these words say: its family the code's first part, its name and message the
        English, the code and arguments beside them."""
        return Result(self.family, self.name, status, self.message, tender, section, evidence, code=self.code,
                      args=self.args)


def _valid(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, str | int)


def say(code: str, **args: Any) -> tuple[str, str]:
    """(the English name, the English message) of `code` with `args`."""
    if code not in WORDS:
        raise ValueError(f"no audit result has the code {code!r}")
    if set(args) != set(ARGS[code]) or not all(_valid(v) for v in args.values()):
        raise ValueError(f"the audit result {code} takes {ARGS[code]}, got {sorted(args)}")
    name, message = WORDS[code]
    return _FORMAT.format(name, **args), _FORMAT.format(message, **args)


def said(code: str, **args: Any) -> Said:
    """The code, its arguments and the English they say, for a `Result`. An argument of another
    type is written as the check's f-string wrote it (`str`), so the English is the same and a
    check never fails for the words of its result."""
    plain = {k: v if _valid(v) else [str(x) for x in v] if isinstance(v, list | tuple) else str(v)
             for k, v in args.items()}
    name, message = say(code, **plain)
    return Said(code, plain, name, message)


def bound(code: Any, args: Any, name: str, message: str) -> bool:
    """Whether `code` with `args` says exactly the English `name` and `message`: only then do words
    made from them in another language say what the result said."""
    if not isinstance(code, str) or not isinstance(args, Mapping):
        return False
    try:
        return say(code, **dict(args)) == (name, message)
    except (ValueError, KeyError, IndexError, TypeError):
        return False
