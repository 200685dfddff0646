"""评定分离 as SelectionBook holds it: committees and their seats, sheets, the unranked shortlist,
vote rounds, the decision, objections and complaints, and where a section stands.

Plain typed classes; the hashes are in `ledger.rules.evaluation`, `ledger.rules.selection` and
`ledger.crypto.seat_keys`, the chain calls in `ledger.chain.selection_book`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

DAY = 86_400
MIN_SEATS = 5  # SelectionBook.MIN_SEATS: committees are odd, of at least 5
MAX_SEATS = 31  # SelectionBook.MAX_SEATS
MAX_CANDIDATES = 15  # SelectionBook.MAX_CANDIDATES: candidates of one vote round
MIN_PUBLICITY_DAYS = 3  # 公示 lasts at least 3 days
ANSWER_PERIOD = 3 * DAY  # an objection answered later is recorded as late
COMPLAINT_PERIOD = 10 * DAY  # complaints within 10 days after 公示 ends


class CommitteeKind(IntEnum):
    EVALUATION = 0  # 评标委员会
    SELECTION = 1  # 定标委员会


class Stage(IntEnum):
    EVALUATION = 0  # no shortlist yet
    SELECTION = 1  # shortlist filed, no decision
    PUBLICITY = 2  # decided: 公示 running or over, not awarded
    AWARDED = 3  # the winner is final


class SeatState(IntEnum):
    NONE = 0
    ACTIVE = 1
    REPLACED = 2


@dataclass(frozen=True)
class Committee:
    """A committee: its draw, sheet deadlines (0 for the selection committee), active seat count,
    every seat ever held in seating order, the sheet masks (bit = seat index), whether opened."""

    kind: CommitteeKind
    draw_id: bytes
    commit_deadline: int
    reveal_deadline: int
    size: int
    committed_mask: int
    revealed_mask: int
    revealed: bool
    seats: tuple[str, ...]
    chair_index: int | None = None  # 集体议事: the index of the chair's seat, once named

    @property
    def seated(self) -> bool:
        return bool(self.seats)


@dataclass(frozen=True)
class Seat:
    """One seat: its state, index, link, the draw its holder must be a pick of, and the holder
    once the committee is revealed (None before)."""

    address: str
    state: SeatState
    index: int
    link: bytes
    draw_id: bytes
    holder: str | None


@dataclass(frozen=True)
class SheetState:
    """A seat's sheet: committed, revealed, and the sheet hash once revealed."""

    seat: str
    committed: bool
    revealed: bool
    commitment: bytes | None  # until revealed (afterwards in the SheetCommitted event)
    sheet_hash: bytes | None


@dataclass(frozen=True)
class Shortlist:
    """The unranked shortlist in force (ascending), its size limit, the report's hash, revision."""

    candidates: tuple[str, ...]
    max_size: int
    report_hash: bytes
    version: int


@dataclass(frozen=True)
class VoteRoundState:
    """A vote round as counted on chain: candidates (ascending) with their tallies, abstentions."""

    round: int
    candidates: tuple[str, ...]
    tallies: tuple[int, ...]
    abstentions: int
    commit_deadline: int
    reveal_deadline: int
    committed_mask: int
    revealed_mask: int

    @property
    def opened(self) -> bool:
        return self.commit_deadline != 0


@dataclass(frozen=True)
class VoteState:
    seat: str
    committed: bool
    revealed: bool
    commitment: bytes | None
    candidate: str | None  # None for an abstention, or while unrevealed


class DecisionBasis(IntEnum):
    """What a decision rests on, as SelectionBook checks it (`ISelectionBook.Basis`)."""

    VOTE = 0  # strictly most votes in the last round
    LOTTERY = 1  # the selection draw's first pick
    SOLE_CANDIDATE = 2  # a shortlist of one
    NTH_LOWEST_PRICE = 3  # 价格竞争: the n-th lowest opened price (a tie drawn)
    CLOSEST_TO_AVERAGE = 4  # 价格竞争: closest to the shortlist's average price (a tie drawn)
    ELIMINATION_DRAW = 5  # 逐轮票决: the last two tied; the draw's first pick drops
    CHAIR = 6  # 集体议事: the chair's own decision once every member revealed its view


@dataclass(frozen=True)
class Decision:
    """The decision in force (winner None when none): by draw `draw_id`, or by vote (None)."""

    winner: str | None
    draw_id: bytes | None
    record_hash: bytes
    decided_at: int
    publicity_ends: int
    awarded: bool


@dataclass(frozen=True)
class Filing:
    """An objection (异议) or a complaint (投诉): filer, times, reason, answer or ruling."""

    id: int
    by: str
    filed_at: int
    closed_at: int
    late: bool
    upheld: bool
    redo: Stage
    reason_hash: bytes
    answer_hash: bytes

    @property
    def open(self) -> bool:
        return self.closed_at == 0


@dataclass(frozen=True)
class SelectionStatus:
    """Where a section stands in 评定分离."""

    stage: Stage
    shortlist_version: int
    first_round: int
    last_round: int
    open_objections: int
    objections: int
    pending_complaints: int
    complaints: int


# ------------------------------------------------------------------------------ the service's answers


@dataclass(frozen=True)
class SeatHolder:
    """Who holds a seat, as the centre keeps it until the committee is revealed (never served
    before): the seat key's address, the pool member, and the salt of the seat's link."""

    seat: str
    member: str
    salt: bytes


@dataclass(frozen=True)
class Exclusion:
    """An expert excluded from a committee for a conflict of interest, with the reason filed under
    its hash on chain."""

    tender_id: bytes
    section: int
    kind: CommitteeKind
    expert: str
    reason: str
    reason_hash: bytes


@dataclass(frozen=True)
class RevealedSheet:
    """A seat's revealed sheet: the hash on chain and the sheet filed under it (JSON), checked."""

    seat: str
    holder: str | None  # the pool member, once the committee is revealed
    sheet_hash: bytes
    sheet: object  # ledger.rules.evaluation.Sheet


@dataclass(frozen=True)
class EvaluationOutcome:
    """The evaluation as the rule computes it from the revealed sheets and the opened prices: the
    full result (`ledger.rules.evaluation.EvaluationResult`), the report and its hash, and the
    shortlist on chain (None before it is filed)."""

    tender_id: bytes
    section: int
    sheets: tuple[RevealedSheet, ...]
    result: object  # ledger.rules.evaluation.EvaluationResult
    max_size: int
    report: bytes  # canonical JSON
    report_hash: bytes
    filed: Shortlist | None


@dataclass(frozen=True)
class RoundRecord:
    """A vote round of the current selection: the chain's state and each seat's revealed vote
    (seat, candidate or None for an abstention), in seat order."""

    state: VoteRoundState
    votes: tuple[tuple[str, str | None], ...]
    closed: bool


@dataclass(frozen=True)
class FiledText:
    """An objection (or a complaint) with its reason, and the answer (or the governance's ruling)
    once given (texts filed under their hashes)."""

    filing: Filing
    reason: str | None
    answer: str | None


@dataclass(frozen=True)
class PoolEntry:
    """A registered expert (with its speciality in words) or a tenderer's pool member."""

    address: str
    speciality: str | None = None


@dataclass(frozen=True)
class Replacement:
    """A seat replaced by the next reserve of its committee draw, for the reason filed under its hash."""

    tender_id: bytes
    section: int
    kind: CommitteeKind
    old_seat: str
    new_seat: str
    reason: str  # canonical JSON
    reason_hash: bytes


@dataclass(frozen=True)
class SelectionState:
    """Where a section stands in 评定分离, everything the chain and the filed documents hold of it:
    status, committees, the shortlist, the rounds, the step the fixed rule asks for next
    (`ledger.rules.selection` Step, None before the shortlist), the draws used, the decision,
    objections and the awarded winner."""

    tender_id: bytes
    section: int
    status: SelectionStatus
    tenderer: bytes | None
    committees: tuple[Committee, ...]
    holders: dict[str, str]  # seat → pool member, for revealed committees
    shortlist: Shortlist | None
    rounds: tuple[RoundRecord, ...]
    step: object | None
    draws: tuple[bytes, ...]  # selection draw ids used so far, in order
    decision: Decision | None
    record: str | None  # the decision record (JSON) filed under the decision's record hash
    objections: tuple[FiledText, ...]
    winner: str | None
    complaints: tuple[FiledText, ...] = ()  # each with its ruling (answer) once the governance ruled
    withdrawn: tuple[Decision, ...] = ()  # decisions an upheld complaint withdrew, oldest first
