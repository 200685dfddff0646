"""Selection (定标) under 评定分离: the tenderer's committee picks the winner from the unranked
shortlist by the method fixed in the tender before any bid (domain.md §4.6).

`next_step` is a step function over the recorded history: the service asks it what comes next
(a vote round, a draw, the members' views, the chair's decision) and records the answer; an
auditor replays the whole history through it and must reach the same `Decided`. Every recorded
act is checked on the way; one that breaks a rule raises `ValidationFailed`.

Votes. The committee has `committee_size` members. In each round every member casts exactly
one vote, for a candidate of that round or an explicit abstention (`None`: a member who does not
reveal its committed vote in time is recorded as abstaining by the service, so a round can always
close). A round is counted once every member has a vote recorded; until then the step is the same
`NeedVote`, naming who has yet to vote. Counts are of votes cast for candidates.

- 直接票决: the most votes wins; a tie at the top is re-voted among the tied, at most
  `revote_rounds` times, then a lottery among those still tied picks the winner.
- 逐轮票决: each round the fewest-voted candidate drops; a tie for fewest is re-voted among those
  tied (the fewest again drops), at most `revote_rounds` times, then a lottery picks which of
  them drops; until one remains.
- 票决抽签: one round keeps the `lottery_among` most-voted (a tie at the cut is re-voted among the
  tied for the places left, at most `revote_rounds` times, then drawn), then a lottery among the
  kept picks the winner. A shortlist no longer than `lottery_among` goes straight to the lottery.
- 价格竞争: lowest, second_lowest, closest_to_average (the mean of the shortlist's prices; the
  smallest absolute difference) or nth_lowest (`price_n`). The n-th lowest counts bids, not
  distinct prices (prices 100, 100, 120: the 2nd lowest is 100); a shortlist of fewer than n
  candidates takes its highest price as the n-th lowest. Candidates sharing the winning price
  are tied: a lottery among them picks the winner.
- 直接抽签: a lottery among the whole shortlist.
- 集体议事: every member states a view (a candidate, or none of them, and a non-empty reason),
  then the chair (a member named on chain before the views) decides (a candidate and a non-empty
  reason). On chain a view is a vote of the section's one view round over the whole shortlist,
  committed then revealed like any vote (no member reacts to another), whose salt is the hash of
  the written view (`view_document`: the candidate, the reason and a random nonce, so the salt
  still hides the candidate); the chair's decision is the chair's own `decide` on CHAIR, its
  record hash the hash of the written decision (`decision_document`, naming every view's hash).
  A member who has not revealed a view when the view round's reveal deadline passes is recorded
  as 未表态 (no view stated): the chair then decides on the views revealed, and the written
  decision names those members under `silent`. SelectionBook enforces the same rule (the chair's
  `decide` before the deadline needs every view; after it, the round's revealed mask shows who
  stated none).

A shortlist of one candidate is decided without a vote or draw. Candidates are always listed
sorted by address (the shortlist is unranked), which is also each draw's candidate order. Each
selection lottery is the section's next "selection" draw: round 1, 2, … in the order they occur
(a selection redone after an upheld complaint goes on from the round after the last one drawn:
`History.first_draw`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_abi.abi import encode as abi_encode

from ledger.crypto.canonical import canonical_json, keccak
from ledger.errors import ValidationFailed
from ledger.model.selection import DecisionBasis
from ledger.rules.lottery import Draw, by_address, check_draw
from ledger.tenders import Selection, SelectionMethod
from ledger.values import address

CENT = Decimal("0.01")


ABSTAIN = "0x" + "00" * 20
"""The candidate of an abstention, as committed and revealed on chain."""


def vote_commitment(*, tender_id: bytes, section: int, round: int, seat: str, candidate: str | None,
                    salt: bytes) -> bytes:
    """keccak256(abi.encode(bytes32 tenderId, uint16 section, uint16 round, address seat,
    address candidate, bytes32 salt)): a member's vote in a round, committed before any is revealed
    (`candidate` None, or the zero address, abstains). SelectionBook checks the same."""
    if len(tender_id) != 32 or len(salt) != 32:
        raise ValidationFailed("the tender id and the salt are 32 bytes each")
    if not 0 <= section < 2**16 or not 0 < round < 2**16:
        raise ValidationFailed(f"the section must be in 0..65535 and the round in 1..65535, got {section}, {round}")
    return keccak(abi_encode(
        ["bytes32", "uint16", "uint16", "address", "address", "bytes32"],
        [tender_id, section, round, address(seat, "the seat"),
         address(candidate or ABSTAIN, "the candidate"), salt],
    ))


# ------------------------------------------------------------------------------ history


@dataclass(frozen=True)
class VoteRound:
    """One round's revealed votes, as recorded: (member, candidate or None for an abstention)."""

    round: int
    votes: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Statement:
    """集体议事: a member's view, or the chair's decision — a candidate (a view may name none:
    None) and the reason for it."""

    member: str
    candidate: str | None
    reason: str


VIEW_KIND = "集体议事 view"
DECISION_KIND = "集体议事 decision"
MAX_REASON = 20_000
"""The longest reason a view or a decision may give, in characters."""


def _reason(reason: str, what: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed(f"{what} gives no reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"{what}'s reason is longer than {MAX_REASON} characters")
    return reason


def view_document(*, tender_id: bytes, section: int, round: int, seat: str, candidate: str | None, reason: str,
                  nonce: bytes) -> bytes:
    """A member's written view (集体议事), canonical JSON; its keccak256 is the salt of the member's
    vote in the view round, so the chain holds the hash of every view's reasons. `nonce` (32 random
    bytes) keeps the salt unguessable: without it the candidate could be found from the commitment."""
    if len(tender_id) != 32 or len(nonce) != 32:
        raise ValidationFailed("the tender id and the nonce are 32 bytes each")
    return canonical_json({
        "kind": VIEW_KIND, "tender_id": "0x" + tender_id.hex(), "section": section, "round": round,
        "seat": address(seat, "the seat"), "candidate": None if candidate in (None, ABSTAIN) else address(candidate, "the view"),
        "reason": _reason(reason, "the view"), "nonce": "0x" + nonce.hex(),
    })


def decision_document(*, tender_id: bytes, section: int, chair: str, winner: str, reason: str,
                      views: Mapping[str, bytes], silent: Sequence[str] = ()) -> bytes:
    """The chair's written decision (集体议事), canonical JSON, naming the hash of every view it was
    taken on (seat → view hash) and, under `silent` (only when there are any), the seats recorded as
    未表态: no view revealed by the view round's reveal deadline. Its keccak256 is the record hash of
    the chair's `decide`."""
    if len(tender_id) != 32:
        raise ValidationFailed("the tender id is 32 bytes")
    named = {address(k, "a view's seat"): "0x" + bytes(v).hex() for k, v in sorted(views.items())}
    quiet = sorted({address(m, "a silent seat") for m in silent})
    if len(quiet) != len(silent) or set(quiet) & set(named):
        raise ValidationFailed("a seat is named twice: as silent (未表态) and with a view, or silent twice")
    document: dict[str, Any] = {
        "kind": DECISION_KIND, "tender_id": "0x" + tender_id.hex(), "section": section,
        "chair": address(chair, "the chair"), "winner": address(winner, "the winner"),
        "reason": _reason(reason, "the chair's decision"), "views": named,
    }
    if quiet:
        document["silent"] = quiet
    return canonical_json(document)


def _json_object(document: bytes, kind: str) -> dict[str, Any]:
    try:
        value = json.loads(document)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValidationFailed(f"a {kind} is canonical JSON: {e}") from None
    if not isinstance(value, dict) or value.get("kind") != kind:
        raise ValidationFailed(f"the document is not a {kind}")
    if canonical_json(value) != bytes(document):
        raise ValidationFailed(f"a {kind} is canonical JSON (RFC 8785)")
    return value


@dataclass(frozen=True)
class WrittenView:
    """A view document read back: who, in which round, for whom (None: none), why."""

    tender_id: bytes
    section: int
    round: int
    seat: str
    candidate: str | None
    reason: str


def parse_view(document: bytes) -> WrittenView:
    """Read a view document (`view_document`), checking its form; ValidationFailed otherwise."""
    v = _json_object(document, VIEW_KIND)
    try:
        nonce = bytes.fromhex(str(v["nonce"]).removeprefix("0x"))
        rebuilt = view_document(tender_id=bytes.fromhex(str(v["tender_id"]).removeprefix("0x")),
                                section=int(v["section"]), round=int(v["round"]), seat=str(v["seat"]),
                                candidate=v["candidate"], reason=v["reason"], nonce=nonce)
    except (KeyError, TypeError, ValueError) as e:
        raise ValidationFailed(f"a malformed view: {e}") from None
    if rebuilt != bytes(document):
        raise ValidationFailed("a view holds fields other than a view's")
    return WrittenView(bytes.fromhex(v["tender_id"][2:]), v["section"], v["round"], address(v["seat"], "the seat"),
                       None if v["candidate"] is None else address(v["candidate"], "the view"), v["reason"])


@dataclass(frozen=True)
class WrittenDecision:
    """The chair's decision document read back."""

    tender_id: bytes
    section: int
    chair: str
    winner: str
    reason: str
    views: Mapping[str, bytes]
    silent: tuple[str, ...] = ()  # 未表态


def parse_decision(document: bytes) -> WrittenDecision:
    """Read the chair's decision document (`decision_document`); ValidationFailed otherwise."""
    v = _json_object(document, DECISION_KIND)
    try:
        tender_id = bytes.fromhex(str(v["tender_id"]).removeprefix("0x"))
        views = {str(k): bytes.fromhex(str(h).removeprefix("0x")) for k, h in dict(v["views"]).items()}
        silent = [str(m) for m in v.get("silent", [])]
        rebuilt = decision_document(tender_id=tender_id, section=int(v["section"]), chair=str(v["chair"]),
                                    winner=str(v["winner"]), reason=v["reason"], views=views, silent=silent)
    except (KeyError, TypeError, ValueError) as e:
        raise ValidationFailed(f"a malformed decision: {e}") from None
    if rebuilt != bytes(document):
        raise ValidationFailed("a decision holds fields other than a decision's")
    return WrittenDecision(tender_id, v["section"], address(v["chair"], "the chair"), address(v["winner"], "the winner"),
                           v["reason"], {address(k, "a view's seat"): h for k, h in views.items()},
                           tuple(address(m, "a silent seat") for m in silent))


@dataclass(frozen=True)
class History:
    """Everything recorded for one section's selection so far."""

    tender_id: bytes
    section: int
    members: tuple[str, ...]
    rounds: tuple[VoteRound, ...] = ()
    draws: tuple[Draw[str], ...] = ()
    first_draw: int = 1  # the round of `draws[0]`: a selection redone after an upheld complaint draws on
    chair: str | None = None  # 集体议事
    views: tuple[Statement, ...] = ()  # 集体议事
    decision: Statement | None = None  # 集体议事
    # 集体议事: the view round's reveal deadline has passed (or every view is revealed): a member
    # with no view is 未表态 and the chair decides without it.
    views_closed: bool = False


# ------------------------------------------------------------------------------ steps


@dataclass(frozen=True)
class NeedVote:
    round: int
    candidates: tuple[str, ...]
    waiting: tuple[str, ...] = ()  # members with no vote recorded yet this round


@dataclass(frozen=True)
class NeedDraw:
    purpose: str
    round: int
    candidates: tuple[str, ...]
    k: int


@dataclass(frozen=True)
class NeedViews:
    candidates: tuple[str, ...]
    waiting: tuple[str, ...]


@dataclass(frozen=True)
class NeedDecision:
    candidates: tuple[str, ...]
    chair: str
    silent: tuple[str, ...] = ()  # members recorded as 未表态: no view revealed by the deadline


@dataclass(frozen=True)
class Decided:
    winner: str
    how: str  # "sole_candidate" | "vote" | "lottery" | "price" | "decision"
    detail: str = ""
    figures: Mapping[str, str] = field(default_factory=dict)  # e.g. the average price
    # What SelectionBook checks the decision on (`decide`'s basis), and n for the n-th lowest price.
    basis: DecisionBasis = DecisionBasis.VOTE
    n: int = 0


Step = NeedVote | NeedDraw | NeedViews | NeedDecision | Decided


def decisive_draw(decided: Decided, draws: Sequence[Draw[str]]) -> Draw[str] | None:
    """The draw a decision is recorded with on chain: the last selection draw when the decision
    took one (a lottery: 直接抽签, 票决抽签, a vote or price tie; or the draw that dropped the last
    of 逐轮票决's final two), else None."""
    took = decided.how == "lottery" or decided.basis is DecisionBasis.ELIMINATION_DRAW
    return draws[-1] if took and draws else None


METHOD_CODES: Mapping[SelectionMethod, int] = {
    SelectionMethod.DIRECT_VOTE: 1,
    SelectionMethod.ROUND_ELIMINATION: 2,
    SelectionMethod.VOTE_THEN_LOTTERY: 3,
    SelectionMethod.PRICE_COMPETITION: 4,
    SelectionMethod.DIRECT_LOTTERY: 5,
    SelectionMethod.COLLECTIVE_DELIBERATION: 6,
}
"""Each selection method's code in the low byte of its on-chain word (`SelectionRule.sol`)."""


def price_n(selection: Selection) -> int:
    """价格竞争's n as SelectionBook checks it: the n-th lowest (1 lowest, 2 second-lowest, capped at
    255, SelectionBook's uint8: a shortlist is never longer), or 0 for the price closest to the
    average."""
    rule = selection.price_rule
    if rule == "closest_to_average":
        return 0
    nth = {"lowest": 1, "second_lowest": 2, "nth_lowest": selection.price_n}[rule or ""]
    assert nth is not None  # Selection requires price_n for nth_lowest
    return min(nth, 255)


def selection_code(selection: Selection) -> int:
    """The selection word TenderBook fixes with the tender's terms before any bid and SelectionBook
    checks every decision's basis against: the method's code (`METHOD_CODES`) in the low byte and,
    for 价格竞争 only, its n (`price_n`) in the high byte. The bases a method may end on are the
    ones `next_step` gives for it (`decisive_draw` names the draw that goes with them)."""
    code = METHOD_CODES[selection.method]
    if selection.method is SelectionMethod.PRICE_COMPETITION:
        code |= price_n(selection) << 8
    return code


class _Pending(Exception):  # control flow only: never leaves this module
    def __init__(self, step: Step) -> None:
        self.step = step


class _Replay:
    """Walks the recorded rounds and draws in order, checking each as the method consumes it."""

    def __init__(self, selection: Selection, history: History) -> None:
        self.selection = selection
        self.history = history
        self.members = tuple(address(m, "a committee member") for m in history.members)
        if len(set(self.members)) != len(self.members):
            raise ValidationFailed("a member is listed twice in the selection committee")
        if len(self.members) != selection.committee_size:
            raise ValidationFailed(f"the selection committee has {selection.committee_size} members, "
                                   f"the history lists {len(self.members)}")
        self.next_round = 0
        self.next_draw = 0

    def vote(self, candidates: tuple[str, ...]) -> Counter[str]:
        rounds = self.history.rounds
        number = self.next_round + 1
        if self.next_round == len(rounds):
            raise _Pending(NeedVote(number, candidates, self.members))
        recorded = rounds[self.next_round]
        if recorded.round != number:
            raise ValidationFailed(f"vote round {recorded.round} is recorded where round {number} comes")
        voted: set[str] = set()
        tally: Counter[str] = Counter({c: 0 for c in candidates})
        for member, choice in recorded.votes:
            who = address(member, "a voter")
            if who not in self.members:
                raise ValidationFailed(f"round {number}: {who} is not a member of the selection committee")
            if who in voted:
                raise ValidationFailed(f"round {number}: member {who} voted a second time")
            voted.add(who)
            if choice is None:
                continue
            pick = address(choice, "a vote")
            if pick not in candidates:
                raise ValidationFailed(f"round {number}: member {who} voted for {pick}, not a candidate of "
                                       f"this round ({', '.join(candidates)})")
            tally[pick] += 1
        if len(voted) < len(self.members):
            if self.next_round + 1 < len(rounds):
                raise ValidationFailed(f"round {number} is incomplete, yet later rounds are recorded")
            raise _Pending(NeedVote(number, candidates, tuple(m for m in self.members if m not in voted)))
        self.next_round += 1
        return tally

    def lottery(self, candidates: tuple[str, ...], k: int) -> tuple[str, ...]:
        number = self.history.first_draw + self.next_draw
        if self.next_draw == len(self.history.draws):
            raise _Pending(NeedDraw("selection", number, candidates, k))
        record = self.history.draws[self.next_draw]
        picks = check_draw(record, tender_id=self.history.tender_id, section=self.history.section,
                           purpose="selection", round=number, candidates=candidates, k=k)
        self.next_draw += 1
        return tuple(address(p, "a pick") for p in picks)

    def done(self, decided: Decided) -> Decided:
        extra = len(self.history.rounds) - self.next_round
        if extra:
            raise ValidationFailed(f"the selection was decided, yet {extra} more vote round(s) are recorded")
        extra = len(self.history.draws) - self.next_draw
        if extra:
            raise ValidationFailed(f"the selection was decided, yet {extra} more draw(s) are recorded")
        return decided


def _top(tally: Counter[str], among: tuple[str, ...]) -> tuple[str, ...]:
    best = max(tally[c] for c in among)
    return tuple(c for c in among if tally[c] == best)


def _bottom(tally: Counter[str], among: tuple[str, ...]) -> tuple[str, ...]:
    worst = min(tally[c] for c in among)
    return tuple(c for c in among if tally[c] == worst)


def next_step(selection: Selection, shortlist: Sequence[str], prices: Mapping[str, Decimal] | None,
              history: History) -> Step:
    """What comes next in this section's selection, given everything recorded so far, or the
    decision when the history reaches it. `prices` (元, by bidder) is needed by 价格竞争 only."""
    candidates = by_address([address(c, "a shortlisted bidder") for c in shortlist])
    if len(set(candidates)) != len(candidates):
        raise ValidationFailed("a bidder is on the shortlist twice")
    if not candidates:
        raise ValidationFailed("the shortlist is empty: there is no one to select")
    replay = _Replay(selection, history)
    method = selection.method
    if method is not SelectionMethod.COLLECTIVE_DELIBERATION and (history.views or history.decision):
        raise ValidationFailed(f"{method.value} records no views or chair's decision")
    try:
        if len(candidates) == 1:
            decided = Decided(candidates[0], "sole_candidate", "the shortlist holds one candidate",
                              basis=DecisionBasis.SOLE_CANDIDATE)
        elif method is SelectionMethod.DIRECT_VOTE:
            decided = _direct_vote(replay, candidates)
        elif method is SelectionMethod.ROUND_ELIMINATION:
            decided = _elimination(replay, candidates)
        elif method is SelectionMethod.VOTE_THEN_LOTTERY:
            decided = _vote_then_lottery(replay, candidates)
        elif method is SelectionMethod.PRICE_COMPETITION:
            decided = _price(replay, candidates, prices)
        elif method is SelectionMethod.DIRECT_LOTTERY:
            winner = replay.lottery(candidates, 1)[0]
            decided = Decided(winner, "lottery", "直接抽签 among the shortlist (selection draw 1)",
                              basis=DecisionBasis.LOTTERY)
        else:
            decided = _deliberation(replay, candidates)
    except _Pending as pending:
        return pending.step
    if decided.how == "sole_candidate" and (history.views or history.decision):
        raise ValidationFailed("the sole candidate needs no views or decision, yet some are recorded")
    return replay.done(decided)


def _direct_vote(replay: _Replay, candidates: tuple[str, ...]) -> Decided:
    voting, revotes = candidates, 0
    while True:
        tally = replay.vote(voting)
        tied = _top(tally, voting)
        if len(tied) == 1:
            return Decided(tied[0], "vote", f"most votes in round {replay.next_round}")
        if revotes < replay.selection.revote_rounds:
            voting, revotes = tied, revotes + 1
            continue
        winner = replay.lottery(tied, 1)[0]
        return Decided(winner, "lottery", f"still tied after {revotes} re-vote(s): selection draw {replay.next_draw}",
                       basis=DecisionBasis.LOTTERY)


def _elimination(replay: _Replay, candidates: tuple[str, ...]) -> Decided:
    remaining = candidates
    basis = DecisionBasis.VOTE
    while len(remaining) > 1:
        voting, revotes = remaining, 0
        basis = DecisionBasis.VOTE
        while True:
            tally = replay.vote(voting)
            fewest = _bottom(tally, voting)
            if len(fewest) == 1:
                drop = fewest[0]
                break
            if revotes < replay.selection.revote_rounds:
                voting, revotes = fewest, revotes + 1
                continue
            drop = replay.lottery(fewest, 1)[0]
            basis = DecisionBasis.ELIMINATION_DRAW  # stands if this drop leaves the last one
            break
        remaining = tuple(c for c in remaining if c != drop)
    return Decided(remaining[0], "vote", f"last remaining after round {replay.next_round}", basis=basis)


def _vote_then_lottery(replay: _Replay, candidates: tuple[str, ...]) -> Decided:
    k = replay.selection.lottery_among
    assert k is not None  # Selection requires it for 票决抽签
    kept: list[str] = []
    if len(candidates) <= k:
        kept = list(candidates)
    else:
        voting, places, revotes = candidates, k, 0
        while True:
            tally = replay.vote(voting)
            ranked = sorted(voting, key=lambda c: -tally[c])
            edge = tally[ranked[places - 1]]
            above = [c for c in voting if tally[c] > edge]
            at = tuple(c for c in voting if tally[c] == edge)
            if len(above) + len(at) == places:
                kept += above + list(at)
                break
            kept += above
            places -= len(above)
            if revotes < replay.selection.revote_rounds:
                voting, revotes = at, revotes + 1
                continue
            kept += replay.lottery(at, places)
            break
    winner = replay.lottery(by_address(kept), 1)[0]
    return Decided(winner, "lottery", f"票决抽签: lottery among {len(kept)} (selection draw {replay.next_draw})",
                   basis=DecisionBasis.LOTTERY)


def _price(replay: _Replay, candidates: tuple[str, ...], prices: Mapping[str, Decimal] | None) -> Decided:
    if replay.history.rounds:
        raise ValidationFailed("价格竞争 takes no votes, yet vote rounds are recorded")
    given = {address(b, "a priced bidder"): p for b, p in (prices or {}).items()}
    missing = [c for c in candidates if c not in given]
    if missing:
        raise ValidationFailed(f"价格竞争 needs every shortlisted bid's price; {missing[0]} has none")
    price = {c: given[c] for c in candidates}
    for c, p in price.items():
        if not isinstance(p, Decimal) or not p.is_finite() or p <= 0:
            raise ValidationFailed(f"bid {c}'s price must be a positive amount in 元, got {p!r}")
    rule = replay.selection.price_rule
    figures: dict[str, str] = {}
    basis, on_chain_n = DecisionBasis.CLOSEST_TO_AVERAGE, 0
    if rule == "closest_to_average":
        total, n = sum(price.values(), Decimal(0)), len(price)
        # |p - total/n| compared exactly as |n·p - total|: no rounding decides a winner.
        distance = {c: abs(n * p - total) for c, p in price.items()}
        best = min(distance.values())
        tied = tuple(c for c in candidates if distance[c] == best)
        figures["average"] = str((total / n).quantize(CENT))
        detail = f"closest to the average price {figures['average']}"
    else:
        nth = {"lowest": 1, "second_lowest": 2, "nth_lowest": replay.selection.price_n}[rule or ""]
        assert nth is not None
        # A shortlist is never longer than 255 (SelectionBook's uint8 size): any n beyond it means its highest.
        basis, on_chain_n = DecisionBasis.NTH_LOWEST_PRICE, price_n(replay.selection)
        ordered = sorted(price.values())
        target = ordered[min(nth, len(ordered)) - 1]
        tied = tuple(c for c in candidates if price[c] == target)
        figures["price"] = str(target)
        detail = f"{rule} (n = {nth}) price {target}"
    if len(tied) == 1:
        return Decided(tied[0], "price", detail, figures, basis, on_chain_n)
    winner = replay.lottery(tied, 1)[0]
    return Decided(winner, "lottery", f"{detail}, tied among {len(tied)}: selection draw {replay.next_draw}", figures,
                   basis, on_chain_n)


def _deliberation(replay: _Replay, candidates: tuple[str, ...]) -> Decided:
    history = replay.history
    if history.rounds or history.draws:
        raise ValidationFailed("集体议事 takes no votes or draws, yet some are recorded")
    if history.chair is None:
        if history.views or history.decision:
            raise ValidationFailed("集体议事 needs the chair named in the history (before any view)")
        raise _Pending(NeedViews(candidates, replay.members))  # the chair is named before the views open
    chair = address(history.chair, "the chair")
    if chair not in replay.members:
        raise ValidationFailed(f"the chair {chair} is not a member of the selection committee")
    stated: set[str] = set()
    for view in history.views:
        who = address(view.member, "a member stating a view")
        if who not in replay.members:
            raise ValidationFailed(f"{who} is not a member of the selection committee")
        if who in stated:
            raise ValidationFailed(f"member {who} stated a view a second time")
        _statement(view, candidates, f"member {who}'s view")
        stated.add(who)
    waiting = tuple(m for m in replay.members if m not in stated)
    decision = history.decision
    if waiting and not history.views_closed:
        if decision is not None:
            raise ValidationFailed("the chair decides after every member has stated a view, or after the view "
                                   "round's reveal deadline")
        raise _Pending(NeedViews(candidates, waiting))
    silent = waiting  # past the reveal deadline: 未表态
    if decision is None:
        raise _Pending(NeedDecision(candidates, chair, silent))
    if address(decision.member, "the decider") != chair:
        raise ValidationFailed(f"only the chair {chair} decides under 集体议事")
    winner = _statement(decision, candidates, "the chair's decision")
    if winner is None:
        raise ValidationFailed("the chair's decision names no candidate")
    detail = f"the chair's decision: {decision.reason.strip()}"
    if silent:
        detail += f" (未表态: {', '.join(silent)})"
    return Decided(winner, "decision", detail, basis=DecisionBasis.CHAIR)


def _statement(statement: Statement, candidates: tuple[str, ...], what: str) -> str | None:
    _reason(statement.reason, what)
    if statement.candidate is None or statement.candidate == ABSTAIN:
        return None
    pick = address(statement.candidate, what)
    if pick not in candidates:
        raise ValidationFailed(f"{what} names {pick}, who is not on the shortlist")
    return pick
