"""SelectionBook, spoken to in Python terms: pools, committees, sheets, the shortlist, vote rounds,
the decision, 公示, objections, complaints and the award.

Sends are signed by the acting party's own key (the centre, a seat key, the governance through
`Runtime.govern`); reads answer `ledger.model.selection` objects. The only module that knows the
contract's ABI, its calldata and its logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain import selection_state as state_
from ledger.chain.gateway import ChainLog, Gateway
from ledger.model.receipt import Mined
from ledger.model.selection import (
    Committee,
    CommitteeKind,
    Decision,
    DecisionBasis,
    Filing,
    Seat,
    SeatState,
    SelectionStatus,
    SheetState,
    Shortlist,
    Stage,
    VoteRoundState,
    VoteState,
)

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_WORD = b"\x00" * 32


def _addresses(values: Sequence[str]) -> list[str]:
    return [to_checksum_address(v) for v in values]


def _or_none(value: str) -> str | None:
    return None if int(value, 16) == 0 else to_checksum_address(value)


class SelectionBookGateway(Gateway):
    NAME: ClassVar[str] = "SelectionBook"
    IMMUTABLES: ClassVar[tuple[str, ...]] = ("tenderBook", "lotteryBook")

    # ------------------------------------------------------------------ wiring
    def admin(self) -> str:
        return str(self._call("admin"))

    def tender_book(self) -> str:
        return str(self._call("tenderBook"))

    def lottery_book(self) -> str:
        return str(self._call("lotteryBook"))

    # ------------------------------------------------------------------ pools (the governance sends these)
    def experts(self) -> list[str]:
        return _addresses(self._call("experts"))

    def speciality_of(self, expert: str) -> bytes:
        return bytes(self._call("specialityOf", to_checksum_address(expert)))

    def members_of(self, uscc_word: bytes) -> list[str]:
        return _addresses(self._call("membersOf", uscc_word))

    # ------------------------------------------------------------------ committees (the centre)
    def name_tenderer(self, centre: LocalAccount, tender_id: bytes, uscc_word: bytes) -> Mined:
        return self._send(centre, "nameTenderer", tender_id, uscc_word)

    def tenderer_of(self, tender_id: bytes) -> bytes | None:
        word = bytes(self._call("tendererOf", tender_id))
        return None if word == ZERO_WORD else word

    def exclude(self, centre: LocalAccount, tender_id: bytes, section: int, kind: CommitteeKind, expert: str,
                reason_hash: bytes) -> Mined:
        return self._send(centre, "exclude", tender_id, section, int(kind), to_checksum_address(expert), reason_hash)

    def seat(self, centre: LocalAccount, tender_id: bytes, section: int, kind: CommitteeKind, draw_id: bytes,
             seats: Sequence[str], links: Sequence[bytes], commit_deadline: int = 0, reveal_deadline: int = 0
             ) -> Mined:
        """Seat the committee: `seats` ascending, one link each (`ledger.crypto.seat_keys.seat_link`)."""
        return self._send(centre, "seat", tender_id, section, int(kind), draw_id, _addresses(seats), list(links),
                          commit_deadline, reveal_deadline)

    def replace_seat(self, centre: LocalAccount, tender_id: bytes, section: int, kind: CommitteeKind,
                     old_seat: str, new_seat: str, draw_id: bytes | None, link: bytes, reason_hash: bytes) -> Mined:
        return self._send(centre, "replaceSeat", tender_id, section, int(kind), to_checksum_address(old_seat),
                          to_checksum_address(new_seat), draw_id or ZERO_WORD, link, reason_hash)

    def reveal_committee(self, centre: LocalAccount, tender_id: bytes, section: int, kind: CommitteeKind,
                         holders: Sequence[str], salts: Sequence[bytes]) -> Mined:
        """Open every seat's link, in the committee's seating order (`committee(...).seats`)."""
        return self._send(centre, "revealCommittee", tender_id, section, int(kind), _addresses(holders), list(salts))

    def committee(self, tender_id: bytes, section: int, kind: CommitteeKind) -> Committee:
        draw, commit, reveal, size, committed, revealed, opened, seats, chair = self._call(
            "committeeOf", tender_id, section, int(kind))
        return Committee(CommitteeKind(kind), bytes(draw), int(commit), int(reveal), int(size), int(committed),
                         int(revealed), bool(opened), tuple(_addresses(seats)), int(chair) - 1 if chair else None)

    def name_chair(self, centre: LocalAccount, tender_id: bytes, section: int, seat: str) -> Mined:
        """Name selection seat `seat` the chair (集体议事), before the section's first round."""
        return self._send(centre, "nameChair", tender_id, section, to_checksum_address(seat))

    def chair(self, tender_id: bytes, section: int) -> str | None:
        """The seat holding the chair now (the named seat, or its replacement), None until named."""
        committee = self.committee(tender_id, section, CommitteeKind.SELECTION)
        if committee.chair_index is None:
            return None
        for seat in committee.seats:
            held = self.seat_of(tender_id, section, CommitteeKind.SELECTION, seat)
            if held.state is SeatState.ACTIVE and held.index == committee.chair_index:
                return held.address
        return None

    def seat_of(self, tender_id: bytes, section: int, kind: CommitteeKind, seat: str) -> Seat:
        """`seatOf`; on the embedded chain read from the contract's storage (`selection_state`)."""
        embedded = self._storage() if int(kind) <= state_.MAX_KIND else None
        if embedded is not None:
            state, index, link, draw, expert = state_.seat_of(embedded, self.address, bytes(tender_id), section,
                                                               int(kind), seat)
            return Seat(to_checksum_address(seat), SeatState(state), index, link, draw,
                        to_checksum_address(expert.to_bytes(20, "big")) if expert else None)
        state, index, link, draw, holder = self._call("seatOf", tender_id, section, int(kind),
                                                      to_checksum_address(seat))
        return Seat(to_checksum_address(seat), SeatState(state), int(index), bytes(link), bytes(draw),
                    _or_none(holder))

    def exclusion_of(self, tender_id: bytes, section: int, kind: CommitteeKind, expert: str) -> bytes | None:
        word = bytes(self._call("exclusionOf", tender_id, section, int(kind), to_checksum_address(expert)))
        return None if word == ZERO_WORD else word

    # ------------------------------------------------------------------ sheets and shortlist (evaluation seats)
    def commit_sheet(self, seat: LocalAccount, tender_id: bytes, section: int, commitment: bytes) -> Mined:
        return self._send(seat, "commitSheet", tender_id, section, commitment)

    def reveal_sheet(self, seat: LocalAccount, tender_id: bytes, section: int, salt: bytes, sheet_hash: bytes
                     ) -> Mined:
        return self._send(seat, "revealSheet", tender_id, section, salt, sheet_hash)

    def submit_shortlist(self, seat: LocalAccount, tender_id: bytes, section: int, candidates: Sequence[str],
                         max_size: int, report_hash: bytes) -> Mined:
        ordered = sorted(_addresses(candidates), key=lambda a: int(a, 16))
        return self._send(seat, "submitShortlist", tender_id, section, ordered, max_size, report_hash)

    def sheet_of(self, tender_id: bytes, section: int, seat: str) -> SheetState:
        committed, revealed, word = self._call("sheetOf", tender_id, section, to_checksum_address(seat))
        word = bytes(word)
        return SheetState(to_checksum_address(seat), bool(committed), bool(revealed),
                          word if committed and not revealed else None, word if revealed else None)

    def shortlist(self, tender_id: bytes, section: int) -> Shortlist:
        candidates, max_size, report, version = self._call("shortlistOf", tender_id, section)
        return Shortlist(tuple(_addresses(candidates)), int(max_size), bytes(report), int(version))

    # ------------------------------------------------------------------ votes
    def open_round(self, centre: LocalAccount, tender_id: bytes, section: int, round: int,
                   candidates: Sequence[str], commit_deadline: int, reveal_deadline: int) -> Mined:
        ordered = sorted(_addresses(candidates), key=lambda a: int(a, 16))
        return self._send(centre, "openRound", tender_id, section, round, ordered, commit_deadline, reveal_deadline)

    def commit_vote(self, seat: LocalAccount, tender_id: bytes, section: int, round: int, commitment: bytes
                    ) -> Mined:
        return self._send(seat, "commitVote", tender_id, section, round, commitment)

    def reveal_vote(self, seat: LocalAccount, tender_id: bytes, section: int, round: int, candidate: str | None,
                    salt: bytes) -> Mined:
        return self._send(seat, "revealVote", tender_id, section, round,
                          to_checksum_address(candidate or ZERO_ADDRESS), salt)

    def round_of(self, tender_id: bytes, section: int, round: int) -> VoteRoundState:
        candidates, tallies, abstentions, commit, reveal, committed, revealed = self._call(
            "roundOf", tender_id, section, round)
        return VoteRoundState(round, tuple(_addresses(candidates)), tuple(int(t) for t in tallies),
                              int(abstentions), int(commit), int(reveal), int(committed), int(revealed))

    def vote_of(self, tender_id: bytes, section: int, round: int, seat: str) -> VoteState:
        """`voteOf`; on the embedded chain read from the contract's storage (`selection_state`)."""
        embedded = self._storage()
        if embedded is not None:
            committed, revealed, commitment, chosen = state_.vote_of(embedded, self.address, bytes(tender_id), section,
                                                                     round, seat)
            return VoteState(to_checksum_address(seat), committed, revealed, commitment if committed and not revealed
                             else None, to_checksum_address(chosen.to_bytes(20, "big")) if chosen else None)
        committed, revealed, commitment, candidate = self._call("voteOf", tender_id, section, round,
                                                                to_checksum_address(seat))
        return VoteState(to_checksum_address(seat), bool(committed), bool(revealed),
                         bytes(commitment) if committed and not revealed else None, _or_none(candidate))

    # ------------------------------------------------------------------ decision, 公示, award, complaints
    def decide(self, centre: LocalAccount, tender_id: bytes, section: int, winner: str, draw_id: bytes | None,
               record_hash: bytes, publicity_days: int, *, basis: DecisionBasis = DecisionBasis.VOTE,
               n: int = 0) -> Mined:
        """Record the decision on `basis` (with `n` for the n-th lowest price), which the contract
        checks: the tally, the draw's first pick, the shortlist of one, or the opened prices; on
        CHAIR (集体议事) `centre` is the chair's seat key and `record_hash` its reasons."""
        return self._send(centre, "decide", tender_id, section, int(basis), n, to_checksum_address(winner),
                          draw_id or ZERO_WORD, record_hash, publicity_days, timestamp=True)

    def object(self, by: LocalAccount, tender_id: bytes, section: int, reason_hash: bytes) -> Mined:
        return self._send(by, "object", tender_id, section, reason_hash, timestamp=True)

    def answer_objection(self, centre: LocalAccount, tender_id: bytes, section: int, objection_id: int,
                         answer_hash: bytes) -> Mined:
        return self._send(centre, "answerObjection", tender_id, section, objection_id, answer_hash)

    def award(self, by: LocalAccount, tender_id: bytes, section: int) -> Mined:
        return self._send(by, "award", tender_id, section)

    def complain(self, by: LocalAccount, tender_id: bytes, section: int, reason_hash: bytes) -> Mined:
        return self._send(by, "complain", tender_id, section, reason_hash, timestamp=True)

    def decision(self, tender_id: bytes, section: int) -> Decision:
        winner, draw, record, decided, ends, awarded = self._call("decisionOf", tender_id, section)
        draw = bytes(draw)
        return Decision(_or_none(winner), None if draw == ZERO_WORD else draw, bytes(record), int(decided),
                        int(ends), bool(awarded))

    def _filing(self, function: str, tender_id: bytes, section: int, filing_id: int) -> Filing:
        by, filed, closed, late, upheld, redo, reason, answer = self._call(function, tender_id, section, filing_id)
        return Filing(filing_id, to_checksum_address(by), int(filed), int(closed), bool(late), bool(upheld),
                      Stage(redo), bytes(reason), bytes(answer))

    def objection(self, tender_id: bytes, section: int, objection_id: int) -> Filing:
        return self._filing("objectionOf", tender_id, section, objection_id)

    def complaint(self, tender_id: bytes, section: int, complaint_id: int) -> Filing:
        return self._filing("complaintOf", tender_id, section, complaint_id)

    def status(self, tender_id: bytes, section: int) -> SelectionStatus:
        stage, version, first, last, open_obj, objections, pending, complaints = self._call(
            "sectionOf", tender_id, section)
        return SelectionStatus(Stage(stage), int(version), int(first), int(last), int(open_obj), int(objections),
                               int(pending), int(complaints))

    def winner_of(self, tender_id: bytes, section: int) -> str | None:
        """The awarded winner of the section, None until the award (or after an upheld complaint)."""
        return _or_none(self._call("winnerOf", tender_id, section))

    # ------------------------------------------------------------------ hashing rules (for agreement tests)
    def sheet_commitment(self, tender_id: bytes, section: int, expert: str, salt: bytes, sheet_hash: bytes) -> bytes:
        return bytes(self._call("sheetCommitment", tender_id, section, to_checksum_address(expert), salt, sheet_hash))

    def vote_commitment(self, tender_id: bytes, section: int, round: int, seat: str, candidate: str | None,
                        salt: bytes) -> bytes:
        return bytes(self._call("voteCommitment", tender_id, section, round, to_checksum_address(seat),
                                to_checksum_address(candidate or ZERO_ADDRESS), salt))

    def seat_link(self, tender_id: bytes, section: int, kind: CommitteeKind, seat: str, holder: str,
                  salt: bytes) -> bytes:
        return bytes(self._call("seatLink", tender_id, section, int(kind), to_checksum_address(seat),
                                to_checksum_address(holder), salt))

    # ------------------------------------------------------------------ events
    def section_logs(self, tender_id: bytes, section: int, *, from_block: int = 0) -> list[ChainLog]:
        """Every event of the section, oldest first (pool events name no tender and are left out)."""
        logs = self.logs(from_block=from_block, topics=[tender_id])
        return [e for e in logs if int(e.args.get("section", -1)) == section]


    def revealed_salts(self, tender_id: bytes, section: int, round: int) -> dict[str, bytes]:
        """The salt each seat revealed its vote of `round` with (集体议事: the hash of its view)."""
        return {to_checksum_address(g.args["seat"]): bytes(g.args["salt"]) for g in self.section_logs(tender_id, section)
                if g.event == "VoteRevealed" and int(g.args["round"]) == round}

    def last_upheld(self, tender_id: bytes, section: int) -> tuple[int, int] | None:
        """Where (block, log index) the last ruling that upheld a complaint of the section is, None
        if none did."""
        upheld = [g for g in self.section_logs(tender_id, section) if g.event == "ComplaintRuled" and g.args["upheld"]]
        return upheld[-1].position if upheld else None

    def decisions_before(self, tender_id: bytes, section: int, position: tuple[int, int]) -> list[Decision]:
        """The section's decisions recorded before `position` (block, log index), oldest first, as
        their Decided events hold them (each withdrawn since, if a later ruling upheld a complaint)."""
        out = []
        for g in self.section_logs(tender_id, section):
            if g.event == "Decided" and g.position < position:
                a, draw = g.args, bytes(g.args["drawId"])
                out.append(Decision(to_checksum_address(a["winner"]), None if draw == ZERO_WORD else draw,
                                    bytes(a["recordHash"]), self.client.block_timestamp(g.block_number),
                                    int(a["publicityEnds"]), False))
        return out
