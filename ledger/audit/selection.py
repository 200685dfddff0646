"""The 评定分离 family: every section that went through SelectionBook, replayed from its events and
the bundle's documents and rerun with the service's own rules code.

Per section, in chain order:
- committees: seated from the section's committee draw (recomputed, `audit_draw`), of the size the
  tender fixed; once revealed, every seat's link opens to a pick of its draw, the first seated are
  the draw's first picks not excluded, each replacement is the next reserve, and every exclusion
  and replacement has its reason in the bundle (an exclusion names the registered employer of a
  bidding firm);
- sheets: each revealed sheet is the bundle's document, opens its commitment, was committed and
  revealed inside the windows in force, and fits the tender (every eligible bid, every judged
  criterion, scores within range: `ledger.rules.evaluation.sheet_problems`);
- shortlist: `ledger.rules.evaluation.evaluate` over the revealed sheets and the eligible bids'
  prices (eligibility and prices from the audit's own rerun of the openings) gives the filed
  shortlist, size limit and report (byte for byte);
- selection: each vote opens its commitment inside its round's windows; each round is the one
  `ledger.rules.selection.next_step` asks for; replaying the revealed votes and draws reaches the
  recorded winner (in the shortlist), by the recorded draw, and the decision record says so;
  under 集体议事 the one view round is over the whole shortlist, every view revealed is the
  bundle's written view under its salt (same seat, round and candidate, with a reason), the chair
  is the seat named on chain (or its replacement), and the chair's written decision under the
  record hash names the chair, the winner and exactly the views revealed (and, past the view
  round's reveal deadline, the members with none as silent, 未表态), and the rule replayed on
  them reaches it;
- 公示: at least 3 days; objections only during it, each answered within 3 days; complaints within
  10 days after it, each ruled by the governance; the award after 公示 with nothing open, both
  committees revealed, and the guarantee award naming the same winner.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address

from ledger.audit import bundle as kinds
from ledger.audit.facts import TenderFacts
from ledger.audit.model import Evidence, Result, Status
from ledger.audit.words import Said, said
from ledger.chain.gateway import ChainLog
from ledger.crypto.canonical import canonical_json, keccak
from ledger.crypto.seat_keys import seat_link
from ledger.errors import LedgerError, ValidationFailed
from ledger.model.selection import ANSWER_PERIOD, COMPLAINT_PERIOD, MIN_PUBLICITY_DAYS, CommitteeKind, RevealedSheet
from ledger.rules.evaluation import (
    Bid,
    Sheet,
    criteria_of,
    evaluate,
    parse_sheet,
    sheet_commitment,
    sheet_hash,
    sheet_problems,
)
from ledger.rules.lottery import Draw, by_address, draw_id
from ledger.rules.selection import (
    Decided,
    History,
    NeedVote,
    Statement,
    VoteRound,
    decisive_draw,
    next_step,
    parse_decision,
    parse_view,
    vote_commitment,
)
from ledger.service.lottery import audit_draw
from ledger.service.selection import COMMITTEE_DRAW_ROUND, MIN_SEATS, SelectionService, as_address, rule_draw
from ledger.tenders import SelectionMethod, TenderParams

FAMILY = "selection"
DAY = 86_400
ZERO_WORD = bytes(32)


def _hx(value: bytes | str) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def _addr(value: Any) -> str:
    return to_checksum_address(value)


@dataclass
class CommitteeRecord:
    kind: CommitteeKind
    seated: ChainLog | None = None
    draw: bytes = b""
    commit_deadline: int = 0
    reveal_deadline: int = 0
    windows: list[tuple[tuple[int, int], int, int]] = field(default_factory=list)  # (from, commit, reveal)
    seats: list[str] = field(default_factory=list)  # every seat ever held, in seating order
    links: dict[str, bytes] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    replaced: list[ChainLog] = field(default_factory=list)
    opened: dict[str, ChainLog] = field(default_factory=dict)  # seat -> SeatOpened
    revealed: ChainLog | None = None
    exclusions: dict[str, ChainLog] = field(default_factory=dict)  # member -> ExpertExcluded

    def window_at(self, position: tuple[int, int]) -> tuple[int, int]:
        """The (commit, reveal) deadlines in force at a point of the chain."""
        out = (self.commit_deadline, self.reveal_deadline)
        for at, commit, reveal in self.windows:
            if at < position:
                out = (commit, reveal)
        return out

    def active_at(self, position: tuple[int, int]) -> list[str]:
        """The seats active just before `position` (a replaced seat is inactive from its replacement)."""
        if self.seated is None or self.seated.position >= position:
            return []
        gone = {_addr(r.args["oldSeat"]) for r in self.replaced if r.position < position}
        came = [_addr(r.args["newSeat"]) for r in self.replaced if r.position < position]
        return [s for s in [*self.seats[: len(self.seated.args["seats"])], *came] if s not in gone]


@dataclass
class SectionRecord:
    tender: TenderFacts
    section: int
    committees: dict[CommitteeKind, CommitteeRecord] = field(default_factory=dict)
    sheet_commits: dict[str, ChainLog] = field(default_factory=dict)
    sheet_reveals: dict[str, ChainLog] = field(default_factory=dict)
    shortlists: list[ChainLog] = field(default_factory=list)
    rounds: dict[int, ChainLog] = field(default_factory=dict)
    vote_commits: dict[tuple[int, str], ChainLog] = field(default_factory=dict)
    vote_reveals: dict[tuple[int, str], ChainLog] = field(default_factory=dict)
    decisions: list[ChainLog] = field(default_factory=list)
    objections: dict[int, ChainLog] = field(default_factory=dict)
    answers: dict[int, ChainLog] = field(default_factory=dict)
    complaints: dict[int, ChainLog] = field(default_factory=dict)
    rulings: dict[int, ChainLog] = field(default_factory=dict)
    awards: list[ChainLog] = field(default_factory=list)
    chair: ChainLog | None = None  # 集体议事: ChairNamed

    def committee(self, kind: CommitteeKind) -> CommitteeRecord:
        return self.committees.setdefault(kind, CommitteeRecord(kind))

    def decision_at(self, position: tuple[int, int]) -> ChainLog | None:
        """The decision in force just before `position` (None when none, or an upheld ruling withdrew it)."""
        decided = [d for d in self.decisions if d.position < position]
        if not decided:
            return None
        withdrawn = any(r.args["upheld"] and decided[-1].position < r.position < position for r in self.rulings.values())
        return None if withdrawn else decided[-1]

    def last_upheld_before(self, position: tuple[int, int]) -> ChainLog | None:
        upheld = [r for r in self.rulings.values() if r.args["upheld"] and r.position < position]
        return max(upheld, key=lambda r: r.position) if upheld else None


def sections(ctx: Any) -> dict[tuple[bytes, int], SectionRecord]:
    """Every section SelectionBook logged an event for, its events indexed."""
    out: dict[tuple[bytes, int], SectionRecord] = {}
    for e in ctx.chain.of("SelectionBook"):
        a = e.args
        if "tenderId" not in a or "section" not in a:
            continue
        t = ctx.tenders.get(bytes(a["tenderId"]))
        if t is None:
            continue
        key = (t.tender_id, int(a["section"]))
        s = out.setdefault(key, SectionRecord(t, key[1]))
        name = e.event
        if name == "ExpertExcluded":
            s.committee(CommitteeKind(int(a["kind"]))).exclusions[_addr(a["expert"])] = e
        elif name == "CommitteeSeated":
            c = s.committee(CommitteeKind(int(a["kind"])))
            c.seated, c.draw = e, bytes(a["drawId"])
            c.commit_deadline, c.reveal_deadline = int(a["commitDeadline"]), int(a["revealDeadline"])
            c.seats = [_addr(x) for x in a["seats"]]
            c.links = {seat: bytes(link) for seat, link in zip(c.seats, a["seatLinks"], strict=True)}
            c.active = {seat: True for seat in c.seats}
        elif name == "SeatReplaced":
            c = s.committee(CommitteeKind(int(a["kind"])))
            new = _addr(a["newSeat"])
            c.replaced.append(e)
            c.seats.append(new)
            c.links[new] = bytes(a["newLink"])
            c.active[_addr(a["oldSeat"])], c.active[new] = False, True
        elif name == "WindowReopened":
            s.committee(CommitteeKind(int(a["kind"]))).windows.append(
                (e.position, int(a["commitDeadline"]), int(a["revealDeadline"])))
        elif name == "SeatOpened":
            s.committee(CommitteeKind(int(a["kind"]))).opened[_addr(a["seat"])] = e
        elif name == "CommitteeRevealed":
            s.committee(CommitteeKind(int(a["kind"]))).revealed = e
        elif name == "SheetCommitted":
            s.sheet_commits[_addr(a["seat"])] = e
        elif name == "SheetRevealed":
            s.sheet_reveals[_addr(a["seat"])] = e
        elif name == "ShortlistFiled":
            s.shortlists.append(e)
        elif name == "RoundOpened":
            s.rounds[int(a["round"])] = e
        elif name == "VoteCommitted":
            s.vote_commits[(int(a["round"]), _addr(a["seat"]))] = e
        elif name == "VoteRevealed":
            s.vote_reveals[(int(a["round"]), _addr(a["seat"]))] = e
        elif name == "Decided":
            s.decisions.append(e)
        elif name == "ObjectionFiled":
            s.objections[int(a["id"])] = e
        elif name == "ObjectionAnswered":
            s.answers[int(a["id"])] = e
        elif name == "ComplaintFiled":
            s.complaints[int(a["id"])] = e
        elif name == "ComplaintRuled":
            s.rulings[int(a["id"])] = e
        elif name == "Awarded":
            s.awards.append(e)
        elif name == "ChairNamed":
            s.chair = e
    return out


class _Run:
    """One section's checks, with the context's evidence helpers."""

    def __init__(self, ctx: Any, s: SectionRecord, params: TenderParams | None,
                 eligible: dict[str, Decimal] | None) -> None:
        self.ctx, self.s, self.params, self.eligible = ctx, s, params, eligible
        self.t = s.tender

    # -------------------------------------------------------------- plumbing
    def r(self, words: Said, ok: bool, *evidence: Evidence, status: Status | None = None) -> Result:
        return words.result(status or (Status.PASS if ok else Status.FAIL), *evidence, tender=self.t.tid,
                            section=self.s.section)

    def ev(self, log: ChainLog, document: bytes | str | None = None) -> Evidence:
        return self.ctx.ev(log, document=document)  # type: ignore[no-any-return]

    def at(self, log: ChainLog) -> int:
        return int(self.ctx.chain.time(log.block_number))

    def doc(self, kind: str, key: bytes) -> bytes | None:
        """The bundle's document of `kind` under `key`, only if it hashes to it (else None: the
        documents family names the mismatch)."""
        content = self.ctx.bundle.content(kind, key)
        return content if content is not None and keccak(content) == key else None

    @property
    def bids(self) -> list[Bid]:
        return [Bid(b, p) for b, p in sorted((self.eligible or {}).items())]

    # -------------------------------------------------------------- committees
    def committees(self) -> Iterator[Result]:
        for kind, c in sorted(self.s.committees.items()):
            what = "evaluation" if kind is CommitteeKind.EVALUATION else "selection"
            for member, e in c.exclusions.items():
                yield from self.exclusion(what, member, e)
            if c.seated is None:
                continue
            due_draw = draw_id(self.t.tender_id, self.s.section, "committee", COMMITTEE_DRAW_ROUND[kind])
            audit = audit_draw(self.ctx.chain.lottery_book, c.draw) if self.ctx.chain.lottery_book else None
            ok = c.draw == due_draw and audit is not None and audit.ok
            problems = [str(p) for p in audit.problems] if audit is not None and audit.problems else []
            yield self.r(said("selection.committee_draw", committee=what, round=COMMITTEE_DRAW_ROUND[kind],
                              draw=f"0x{c.draw.hex()}") if ok else
                         said("selection.committee_draw_other_problems", committee=what, draw=f"0x{c.draw.hex()}",
                              due=f"0x{due_draw.hex()}", problems=problems) if problems else
                         said("selection.committee_draw_other", committee=what, draw=f"0x{c.draw.hex()}",
                              due=f"0x{due_draw.hex()}"), ok, self.ev(c.seated))
            size = len(c.seated.args["seats"])
            if self.params is not None:
                want = (self.params.evaluation.experts if kind is CommitteeKind.EVALUATION
                        else self.params.selection.committee_size)
                yield self.r(said("selection.committee_size", committee=what, size=size, want=want), size == want,
                             self.ev(c.seated))
            if audit is None or audit.picks is None:
                continue
            picks = [as_address(p) for p in audit.picks]
            yield from self.membership(what, c, picks, size)

    def exclusion(self, what: str, member: str, e: ChainLog) -> Iterator[Result]:
        reason_hash = bytes(e.args["reasonHash"])
        content = self.doc(kinds.SELECTION_EXCLUSION, reason_hash)
        if content is None:
            yield self.r(said("selection.exclusion_no_reason", committee=what, member=member,
                              hash=f"0x{reason_hash.hex()}"), False, self.ev(e, reason_hash))
            return
        try:
            reason = json.loads(content)
            employer = str(reason.get("registered_employer_uscc"))
            named = _addr(reason.get("expert"))
        except (ValueError, AttributeError, TypeError):
            yield self.r(said("selection.exclusion_unreadable", committee=what, member=member), False,
                         self.ev(e, reason_hash))
            return
        firms = set(self.ctx.summaries.get(self.t.tid, {}).values())
        ok = named == member and employer in firms
        who = {"committee": what, "member": member, "employer": employer}
        yield self.r(said("selection.exclusion_conflict", **who) if ok else
                     said("selection.exclusion_other", **who, named=str(named), firms=sorted(firms)) if firms else
                     said("selection.exclusion_other_no_firms", **who, named=str(named)), ok, self.ev(e, reason_hash))

    def membership(self, what: str, c: CommitteeRecord, picks: list[str], size: int) -> Iterator[Result]:
        assert c.seated is not None
        if c.revealed is None:
            yield self.r(said("selection.members_secret", committee=what), True, self.ev(c.seated),
                         status=Status.INFO)
            return
        holders: dict[str, str] = {}
        for seat in c.seats:
            opened = c.opened.get(seat)
            if opened is None:
                yield self.r(said("selection.seat_unopened", committee=what, seat=seat), False, self.ev(c.revealed))
                continue
            member, salt = _addr(opened.args["expert"]), bytes(opened.args["salt"])
            holders[seat] = member
            link = seat_link(tender_id=self.t.tender_id, section=self.s.section, kind=int(c.kind), seat=seat,
                             member=member, salt=salt)
            if link != c.links.get(seat):
                yield self.r(said("selection.seat_link", committee=what, seat=seat, member=member,
                                  link=f"0x{link.hex()}"), False, self.ev(opened))
        first = [holders.get(s) for s in c.seats[:size]]
        excluded = {m for m, e in c.exclusions.items() if e.position < c.seated.position}
        due = [p for p in picks if p not in excluded][:size]
        ok = sorted(m or "" for m in first) == sorted(due)
        yield self.r(said("selection.members", committee=what, size=size) if ok else
                     said("selection.members_differ", committee=what, size=size, seated=[m or "?" for m in first],
                          due=list(due)), ok, self.ev(c.seated), self.ev(c.revealed))
        held = set(m for m in first if m)
        for rep in c.replaced:
            new = _addr(rep.args["newSeat"])
            holder = holders.get(new)
            reserves = [p for p in picks if p not in held and p not in c.exclusions]
            rep_draw = bytes(rep.args["drawId"])
            reason_hash = bytes(rep.args["reasonHash"])
            reason = self.doc(kinds.SELECTION_REPLACEMENT, reason_hash)
            problems = []
            if rep_draw not in (ZERO_WORD, c.draw):
                problems.append(f"replaced from another draw 0x{rep_draw.hex()}")
            if not reserves or holder != reserves[0]:
                problems.append(f"opened to {holder}, the next reserve of the draw is "
                                f"{reserves[0] if reserves else 'none'}")
            if reason is None:
                problems.append(f"the bundle holds no reason hashing to 0x{reason_hash.hex()}")
            if holder:
                held.add(holder)
            old = _addr(rep.args["oldSeat"])
            yield self.r(said("selection.replacement_problems", committee=what, seat=old, problems=problems)
                         if problems else said("selection.replacement", committee=what, seat=old, holder=str(holder)),
                         not problems, self.ev(rep, reason_hash))

    # -------------------------------------------------------------- sheets
    def sheets(self) -> Iterator[Result]:
        c = self.s.committees.get(CommitteeKind.EVALUATION)
        if c is None or c.seated is None:
            return
        bidders = [b.bidder for b in self.bids]
        for seat, committed in sorted(self.s.sheet_commits.items()):
            commit_by, _ = c.window_at(committed.position)
            if self.at(committed) >= commit_by:
                yield self.r(said("selection.sheet_late", seat=seat, committed_at=self.at(committed),
                                  commit_by=commit_by), False, self.ev(committed))
            revealed = self.s.sheet_reveals.get(seat)
            if revealed is None:
                yield self.r(said("selection.sheet_unrevealed", seat=seat, min_seats=MIN_SEATS), True,
                             self.ev(committed), status=Status.INFO)
                continue
            digest, salt = bytes(revealed.args["sheetHash"]), bytes(revealed.args["salt"])
            _, reveal_by = c.window_at(revealed.position)
            problems: list[str] = []
            if self.at(revealed) >= reveal_by:
                problems.append(f"revealed at {self.at(revealed)}, after the reveal deadline {reveal_by}")
            sheet = self.sheet(digest)
            if sheet is None:
                problems.append(f"the bundle holds no sheet hashing to 0x{digest.hex()}")
            else:
                opens = sheet_commitment(tender_id=self.t.tender_id, section=self.s.section, expert=seat, salt=salt,
                                         sheet=sheet)
                if opens != bytes(committed.args["commitment"]):
                    problems.append("the sheet and salt do not open the seat's commitment")
                if self.params is not None and self.eligible is not None:
                    problems += sheet_problems(sheet, method=self.params.evaluation_method,
                                               criteria=criteria_of(self.params), bidders=bidders)
            yield self.r(said("selection.sheet_problems", seat=seat, problems=problems) if problems else
                         said("selection.sheet", seat=seat), not problems, self.ev(committed), self.ev(revealed, digest))

    def sheet(self, digest: bytes) -> Sheet | None:
        content = self.ctx.bundle.content(kinds.SELECTION_SHEET, digest)
        if content is None:
            return None
        try:
            sheet = parse_sheet(content)
        except LedgerError:
            return None
        return sheet if sheet_hash(sheet) == digest else None

    # -------------------------------------------------------------- shortlist
    def shortlist(self) -> Iterator[Result]:
        c = self.s.committees.get(CommitteeKind.EVALUATION)
        for filed in self.s.shortlists:
            version = int(filed.args["version"])
            given = tuple(_addr(x) for x in filed.args["candidates"])
            report_hash = bytes(filed.args["reportHash"])
            if self.params is None or self.eligible is None or c is None:
                yield self.r(said("selection.shortlist_no_rerun", version=version), False, self.ev(filed))
                continue
            stray = [b for b in given if b not in self.eligible]
            if stray:
                yield self.r(said("selection.shortlist_ineligible", version=version, stray=stray), False,
                             self.ev(filed))
            sheets: dict[str, Sheet] = {}
            hashes: dict[str, bytes] = {}
            missing = []
            for seat in c.active_at(filed.position):
                revealed = self.s.sheet_reveals.get(seat)
                if revealed is None or revealed.position > filed.position:
                    continue
                digest = bytes(revealed.args["sheetHash"])
                sheet = self.sheet(digest)
                if sheet is None:
                    missing.append(seat)
                    continue
                sheets[seat], hashes[seat] = sheet, digest
            if missing:
                yield self.r(said("selection.shortlist_no_sheets", version=version, missing=missing), False,
                             self.ev(filed))
                continue
            try:
                result = evaluate(self.params, self.s.section, self.bids, sheets)
                if result.needs_draw:
                    did = draw_id(self.t.tender_id, self.s.section, "shortlist", 1)
                    tie = rule_draw(self.ctx.chain.lottery_book, did)
                    if tie is None:
                        raise LedgerError(f"a tie at the cut needs shortlist draw 0x{did.hex()}, which is not finished")
                    result = evaluate(self.params, self.s.section, self.bids, sheets, tie)
            except LedgerError as exc:
                yield self.r(said("selection.shortlist_unranked", version=version, error=str(exc)), False,
                             self.ev(filed))
                continue
            want = tuple(result.shortlist or ())
            size = self.params.shortlist_size
            ok = by_address(given) == want and int(filed.args["maxSize"]) == size
            yield self.r(said("selection.shortlist", version=version, want=list(want), size=size, sheets=len(sheets))
                         if ok else said("selection.shortlist_differs" if want else "selection.shortlist_differs_none",
                                         version=version, given=list(given), max_size=int(filed.args["maxSize"]),
                                         size=size, **({"want": list(want)} if want else {})), ok, self.ev(filed))
            report = self.doc(kinds.SELECTION_REPORT, report_hash)
            if report is None:
                yield self.r(said("selection.report_missing", version=version, hash=f"0x{report_hash.hex()}"), False,
                             self.ev(filed, report_hash))
                continue
            counted = [RevealedSheet(seat, None, hashes[seat], sheets[seat]) for seat in c.active_at(filed.position) if seat in sheets]
            body = SelectionService._report(self.t.tender_id, self.s.section, size, counted,
                                            result)
            void = [seat for seat in c.active_at(filed.position) if seat not in sheets]
            if void:
                body["void"] = void
            same = canonical_json(body) == report
            yield self.r(said("selection.report" if same else "selection.report_differs", version=version), same,
                         self.ev(filed, report_hash))

    # -------------------------------------------------------------- selection
    def selection(self) -> Iterator[Result]:
        sel = self.s.committees.get(CommitteeKind.SELECTION)
        for (rnd, seat), committed in sorted(self.s.vote_commits.items()):
            opened = self.s.rounds.get(rnd)
            revealed = self.s.vote_reveals.get((rnd, seat))
            problems = []
            if opened is None:
                problems.append("no such round was opened")
            elif self.at(committed) >= int(opened.args["commitDeadline"]):
                problems.append("committed after the round's commit deadline")
            if revealed is not None:
                candidate = _addr(revealed.args["candidate"])
                choice = None if int(candidate, 16) == 0 else candidate
                opens = vote_commitment(tender_id=self.t.tender_id, section=self.s.section, round=rnd, seat=seat,
                                        candidate=choice, salt=bytes(revealed.args["salt"]))
                if opens != bytes(committed.args["commitment"]):
                    problems.append("the revealed vote does not open its commitment")
                if opened is not None and self.at(revealed) >= int(opened.args["revealDeadline"]):
                    problems.append("revealed after the round's reveal deadline")
            vote = {"seat": seat, "round": rnd}
            yield self.r(said("selection.vote_problems", **vote, problems=problems) if problems else
                         said("selection.vote_revealed" if revealed is not None else "selection.vote_abstained", **vote),
                         not problems, self.ev(committed), *((self.ev(revealed),) if revealed is not None else ()))
        for decided in self.s.decisions:
            yield from self.decision(decided, sel)

    def _draws(self, before: tuple[int, int], after: tuple[int, int] | None) -> tuple[int, list[Draw[str]]]:
        """The selection draws of the selection being decided: from the first opened after the last
        upheld ruling (`after`), each opened before `before`."""
        lottery = self.ctx.chain.lottery_book
        opened = {bytes(e.args["drawId"]): e for e in self.ctx.chain.of("LotteryBook", "DrawOpened")}
        first = 1
        if after is not None:
            while True:
                e = opened.get(draw_id(self.t.tender_id, self.s.section, "selection", first))
                if e is None or e.position > after:
                    break
                first += 1
        draws: list[Draw[str]] = []
        while True:
            did = draw_id(self.t.tender_id, self.s.section, "selection", first + len(draws))
            e = opened.get(did)
            if e is None or e.position > before or lottery is None:
                return first, draws
            found = rule_draw(lottery, did)
            if found is None:
                return first, draws
            draws.append(found)

    def decision(self, decided: ChainLog, sel: CommitteeRecord | None) -> Iterator[Result]:
        winner = _addr(decided.args["winner"])
        shortlists = [f for f in self.s.shortlists if f.position < decided.position]
        if not shortlists or sel is None or self.params is None:
            yield self.r(said("selection.decision_no_rerun", winner=winner), False, self.ev(decided))
            return
        shortlist = by_address(_addr(x) for x in shortlists[-1].args["candidates"])
        yield self.r(said("selection.in_shortlist", winner=winner, shortlist=list(shortlist)), winner in shortlist,
                     self.ev(decided), self.ev(shortlists[-1]))
        ruled = self.s.last_upheld_before(decided.position)
        first_round = 1
        if ruled is not None:
            first_round = 1 + max((n for n, r in self.s.rounds.items() if r.position < ruled.position), default=0)
        members = sel.active_at(decided.position)
        numbers = sorted(n for n, r in self.s.rounds.items() if n >= first_round and r.position < decided.position)
        if self.params.selection.method is SelectionMethod.COLLECTIVE_DELIBERATION and len(shortlist) > 1:
            yield from self.deliberation(decided, winner, sel, shortlist, members, numbers)
            return
        rounds: list[VoteRound] = []
        for n in numbers:
            votes: list[tuple[str, str | None]] = []
            for seat in members:
                rev = self.s.vote_reveals.get((n, seat))
                cand = _addr(rev.args["candidate"]) if rev is not None and rev.position < decided.position else None
                votes.append((seat, None if cand is None or int(cand, 16) == 0 else cand))
            rounds.append(VoteRound(len(rounds) + 1, tuple(votes)))
        try:
            first_draw, draws = self._draws(decided.position, ruled.position if ruled else None)
            prices = dict(self.eligible or {})
            # each round opened is the one the rule asked for at that point
            for i, n in enumerate(numbers):
                opened = self.s.rounds[n]
                _, before = self._draws(opened.position, ruled.position if ruled else None)
                step = next_step(self.params.selection, shortlist, prices, History(
                    self.t.tender_id, self.s.section, tuple(members), tuple(rounds[:i]), tuple(before), first_draw))
                asked = tuple(_addr(x) for x in opened.args["candidates"])
                ok = isinstance(step, NeedVote) and by_address(step.candidates) == by_address(asked)
                yield self.r(said("selection.round", round=n, asked=list(asked), tally=_tally(rounds[i])) if ok else
                             said("selection.round_differs", round=n, asked=list(asked), step=str(step)), ok,
                             self.ev(opened))
            step = next_step(self.params.selection, shortlist, prices, History(
                self.t.tender_id, self.s.section, tuple(members), tuple(rounds), tuple(draws), first_draw))
        except LedgerError as exc:
            yield self.r(said("selection.unreplayable", winner=winner, error=str(exc)), False, self.ev(decided))
            return
        if not isinstance(step, Decided):
            yield self.r(said("selection.undecided", winner=winner, step=str(step)), False, self.ev(decided))
            return
        recorded_draw = bytes(decided.args["drawId"])
        decisive = decisive_draw(step, draws)
        want_draw = decisive.draw_id if decisive is not None else ZERO_WORD
        ok = (step.winner == winner and recorded_draw == want_draw
              and int(decided.args["basis"]) == int(step.basis) and int(decided.args["n"]) == step.n)
        yield self.r(said("selection.decision", winner=winner, method=str(self.params.selection.method.value),
                          rule_winner=str(step.winner), detail=str(step.detail)) if ok else
                     said("selection.decision_differs", winner=winner, draw=f"0x{recorded_draw.hex()}",
                          rule_winner=str(step.winner), how=str(step.how), want_draw=f"0x{want_draw.hex()}",
                          detail=str(step.detail)), ok, self.ev(decided))
        record_hash = bytes(decided.args["recordHash"])
        content = self.doc(kinds.SELECTION_RECORD, record_hash)
        if content is None:
            yield self.r(said("selection.record_missing", winner=winner, hash=f"0x{record_hash.hex()}"), False,
                         self.ev(decided, record_hash))
            return
        try:
            record = json.loads(content)
            same = (record.get("winner") == step.winner and record.get("how") == step.how
                    and record.get("draws") == ["0x" + d.draw_id.hex() for d in draws]
                    and [r.get("votes") for r in record.get("rounds", [])]
                    == [{s: c for s, c in r.votes} for r in rounds])
        except (ValueError, AttributeError, TypeError):
            same = False
        yield self.r(said("selection.record" if same else "selection.record_differs", winner=winner), same,
                     self.ev(decided, record_hash))

    def deliberation(self, decided: ChainLog, winner: str, sel: CommitteeRecord, shortlist: tuple[str, ...],
                     members: list[str], numbers: list[int]) -> Iterator[Result]:
        """集体议事: the views, the chair and the chair's written decision, replayed through the rule."""
        assert self.params is not None  # `decision` checked it
        if len(numbers) != 1 or by_address(_addr(x) for x in self.s.rounds[numbers[0]].args["candidates"]) != shortlist:
            yield self.r(said("selection.views_rounds", winner=winner, rounds=str(numbers)), False, self.ev(decided))
            return
        n = numbers[0]
        views: list[Statement] = []
        problems: list[str] = []
        salts: dict[str, bytes] = {}
        for seat in members:
            rev = self.s.vote_reveals.get((n, seat))
            if rev is None or rev.position > decided.position:
                continue
            salt = bytes(rev.args["salt"])
            salts[seat] = salt
            cand = _addr(rev.args["candidate"])
            content = self.doc(kinds.SELECTION_VIEW, salt)
            try:
                if content is None:
                    raise ValidationFailed(f"the bundle holds no view hashing to 0x{salt.hex()}")
                view = parse_view(content)
                choice = None if int(cand, 16) == 0 else cand
                if (view.tender_id, view.section, view.round, view.seat, view.candidate) != (
                        self.t.tender_id, self.s.section, n, seat, choice):
                    raise ValidationFailed("it is not the view the reveal opens to")
                views.append(Statement(seat, view.candidate, view.reason))
            except LedgerError as exc:
                problems.append(f"seat {seat}: {exc}")
        yield self.r(said("selection.views_problems", winner=winner, problems=problems) if problems else
                     said("selection.views", winner=winner, n=len(views)), not problems, self.ev(decided))
        chair = None
        if self.s.chair is not None and self.s.chair.position < self.s.rounds[n].position:
            chair = _addr(self.s.chair.args["seat"])
            for r in sel.replaced:  # the chair's seat passes to its replacement
                if r.position < decided.position and _addr(r.args["oldSeat"]) == chair:
                    chair = _addr(r.args["newSeat"])
        record_hash = bytes(decided.args["recordHash"])
        content = self.doc(kinds.SELECTION_RECORD, record_hash)
        try:
            if chair is None:
                raise ValidationFailed("no chair was named on chain before the views")
            if content is None:
                raise ValidationFailed(f"the bundle holds no decision hashing to 0x{record_hash.hex()}")
            written = parse_decision(content)
            if (written.tender_id, written.section, written.chair, written.winner) != (
                    self.t.tender_id, self.s.section, chair, winner):
                raise ValidationFailed("the written decision names another tender, section, chair or winner")
            if dict(written.views) != salts:
                raise ValidationFailed("the written decision does not name exactly the views revealed")
            # Past the view round's reveal deadline a member with no view is 未表态.
            closed = self.at(decided) >= int(self.s.rounds[n].args["revealDeadline"])
            silent = tuple(m for m in members if m not in salts)
            if sorted(written.silent) != sorted(silent if closed else ()):
                raise ValidationFailed("the written decision does not name as silent (未表态) exactly the members "
                                       "with no view revealed by the deadline")
            step = next_step(self.params.selection, shortlist, dict(self.eligible or {}), History(
                self.t.tender_id, self.s.section, tuple(members), chair=chair, views=tuple(views),
                decision=Statement(chair, written.winner, written.reason), views_closed=closed))
            ok = isinstance(step, Decided) and step.winner == winner and int(decided.args["basis"]) == int(step.basis)
            words = (said("selection.chair_decided_silent", chair=chair, winner=winner, silent=list(silent),
                          reason=str(written.reason)) if ok and silent else
                     said("selection.chair_decided", chair=chair, winner=winner, reason=str(written.reason)) if ok else
                     said("selection.chair_differs", winner=winner, step=str(step)))
        except LedgerError as exc:
            ok, words = False, said("selection.chair_unreplayable", winner=winner, error=str(exc))
        yield self.r(words, ok, self.ev(decided, record_hash))

    # -------------------------------------------------------------- 公示, objections, complaints, award
    def publicity(self) -> Iterator[Result]:
        for decided in self.s.decisions:
            start, ends = self.at(decided), int(decided.args["publicityEnds"])
            yield self.r(said("selection.publicity", start=start, ends=ends, days=f"{(ends - start) / DAY:.2f}",
                              min_days=MIN_PUBLICITY_DAYS), ends - start >= MIN_PUBLICITY_DAYS * DAY, self.ev(decided))
        head = int(self.ctx.chain.time(self.ctx.chain.head))
        for n, filed in sorted(self.s.objections.items()):
            decision = self.s.decision_at(filed.position)
            at = self.at(filed)
            ends = int(decision.args["publicityEnds"]) if decision is not None else 0
            yield self.r(said("selection.objection", n=n, at=at, ends=ends) if decision is not None and at < ends else
                         said("selection.objection_outside", n=n, at=at, ends=ends) if ends else
                         said("selection.objection_undecided", n=n, at=at), decision is not None and at < ends,
                         self.ev(filed, bytes(filed.args["reasonHash"])))
            answered = self.s.answers.get(n)
            if answered is None:
                late = head > at + ANSWER_PERIOD
                yield self.r(said("selection.answer_overdue" if late else "selection.answer_pending", n=n), not late,
                             self.ev(filed), status=None if late else Status.INFO)
            else:
                ok = self.at(answered) <= at + ANSWER_PERIOD and not answered.args["late"]
                yield self.r(said("selection.answer", n=n, answered_at=self.at(answered), at=at, in_time=bool(ok)), ok,
                             self.ev(answered, bytes(answered.args["answerHash"])))
        for n, filed in sorted(self.s.complaints.items()):
            earlier = [d for d in self.s.decisions if d.position < filed.position]
            at = self.at(filed)
            ends = int(earlier[-1].args["publicityEnds"]) if earlier else 0
            ok = bool(earlier) and ends <= at < ends + COMPLAINT_PERIOD
            yield self.r(said("selection.complaint", n=n, at=at, ends=ends, until=ends + COMPLAINT_PERIOD), ok,
                         self.ev(filed, bytes(filed.args["reasonHash"])))
            ruled = self.s.rulings.get(n)
            if ruled is None:
                yield self.r(said("selection.ruling_pending", n=n), True, self.ev(filed), status=Status.INFO)
                continue
            governed = bool(self.ctx.chain.in_tx(ruled.tx_hash, "Governance", "Executed"))
            upheld = bool(ruled.args["upheld"])
            yield self.r(said("selection.ruling_ungoverned" if not governed else "selection.ruling_upheld" if upheld
                              else "selection.ruling_not_upheld", n=n), governed, self.ev(ruled))
        for awarded in self.s.awards:
            yield from self.award(awarded)

    def award(self, awarded: ChainLog) -> Iterator[Result]:
        winner = _addr(awarded.args["winner"])
        decision = self.s.decision_at(awarded.position)
        at = self.at(awarded)
        problems = []
        if decision is None:
            problems.append("no decision in force")
        else:
            if _addr(decision.args["winner"]) != winner:
                problems.append(f"the decision in force names {_addr(decision.args['winner'])}")
            if at < int(decision.args["publicityEnds"]):
                problems.append(f"awarded at {at}, before 公示 ends at {decision.args['publicityEnds']}")
        open_objections = [n for n, f in self.s.objections.items() if f.position < awarded.position
                           and not (n in self.s.answers and self.s.answers[n].position < awarded.position)]
        pending = [n for n, f in self.s.complaints.items() if f.position < awarded.position
                   and not (n in self.s.rulings and self.s.rulings[n].position < awarded.position)]
        if open_objections:
            problems.append(f"objection(s) {open_objections} still open")
        if pending:
            problems.append(f"complaint(s) {pending} not ruled")
        hidden = [k.name.lower() for k in CommitteeKind if (c := self.s.committees.get(k)) is None
                  or c.revealed is None or c.revealed.position > awarded.position]
        if hidden:
            problems.append(f"committee(s) {', '.join(hidden)} not revealed")
        yield self.r(said("selection.award_problems", winner=winner, problems=problems) if problems else
                     said("selection.award", winner=winner, at=at), not problems, self.ev(awarded), *((self.ev(decision),) if decision is not None else ()))
        # GuaranteeBook's record of this award: those before the next award (an upheld complaint
        # withdrew this one; the next is recorded anew, replacing it).
        later = [a.position for a in self.s.awards if a.position > awarded.position]
        until = min(later) if later else None
        recorded = [g for g in self.ctx.chain.of("GuaranteeBook", "AwardRecorded")
                    if bytes(g.args["tenderId"]) == self.t.tender_id and int(g.args["section"]) == self.s.section
                    and (until is None or g.position < until)]
        previous = [a.position for a in self.s.awards if a.position < awarded.position]
        since = max(previous) if previous else None
        for g in recorded:
            if since is not None and g.position < awarded.position:
                continue  # the previous award's record
            ok = _addr(g.args["winner"]) == winner and g.position > awarded.position
            yield self.r(said("selection.guarantee_award") if ok else
                         said("selection.guarantee_award_other", recorded=_addr(g.args["winner"]), winner=winner), ok,
                         self.ev(g))


def _tally(r: VoteRound) -> str:
    counts: dict[str, int] = {}
    for _, c in r.votes:
        key = c or "abstain"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


def check_selection(ctx: Any, eligible: dict[tuple[bytes, int], dict[str, Decimal]]) -> Iterator[Result]:
    """Every 评定分离 section's checks (see the module's docstring)."""
    for (tid, n), s in sections(ctx).items():
        run = _Run(ctx, s, ctx.params.get(tid), eligible.get((tid, n)))
        yield from run.committees()
        yield from run.sheets()
        yield from run.shortlist()
        yield from run.selection()
        yield from run.publicity()
