"""评定分离 through the service: one tender section from its opening to the award, every step on
SelectionBook and every figure recomputable from the chain and the documents filed under its hashes.

Who acts:
- the centre (the service's centre key) names the tenderer, excludes conflicted experts, seats each
  committee from a committee draw, opens the vote rounds the fixed rule asks for, records the
  decision the rule gives, answers objections and asks for the award;
- each seat (an expert's or a member's per-tender seat key) signs its own sheet and vote
  transactions, relayed with the relayer as gas sponsor (a seat key holds no funds);
- anyone with a key objects during 公示, with its own transaction.

The service never chooses. The shortlist is `ledger.rules.evaluation.evaluate` of the revealed
sheets (filed here under their hashes, each checked against the hash the chain holds) and of the
opened prices; the rounds, draws and the decision follow `ledger.rules.selection.next_step` over
the recorded history. A seat may only submit the shortlist the rule gives, the centre may only
open the round the rule asks for and record the winner the rule names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain.guarantee_book import GuaranteeBookGateway
from ledger.chain.lottery_book import LotteryBookGateway
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.chain.selection_book import ZERO_WORD, SelectionBookGateway
from ledger.crypto.canonical import canonical_json, keccak
from ledger.crypto.seat_keys import seat_link
from ledger.documents import Kind
from ledger.errors import Conflict, NotFound, StoreMismatch, Unauthorised, ValidationFailed
from ledger.model.guarantee import Released
from ledger.model.lottery import DrawStatus
from ledger.model.receipt import Mined
from ledger.model.selection import (
    Committee,
    CommitteeKind,
    Decision,
    DecisionBasis,
    EvaluationOutcome,
    Exclusion,
    FiledText,
    PoolEntry,
    Replacement,
    RevealedSheet,
    RoundRecord,
    SeatHolder,
    SeatState,
    SelectionState,
    Stage,
)
from ledger.model.tender import OpenedBid, SectionStatus, Tender
from ledger.rules.conflict import personnel_conflict
from ledger.rules.evaluation import (
    Bid,
    EvaluationResult,
    Sheet,
    criteria_of,
    evaluate,
    parse_sheet,
    sheet_hash,
    validate_sheet,
)
from ledger.rules.lottery import Draw, by_address, draw_id, seed_commitment
from ledger.rules.selection import (
    ABSTAIN,
    Decided,
    History,
    NeedDecision,
    NeedDraw,
    NeedViews,
    NeedVote,
    Statement,
    Step,
    VoteRound,
    decisive_draw,
    next_step,
    parse_decision,
    parse_view,
)
from ledger.service.guarantees import record_award
from ledger.service.lottery import audit_draw
from ledger.service.tenders import TenderService, checked_openings
from ledger.tenders import SelectionMethod

SHEET = "selection-sheet"  # a revealed sheet (canonical JSON), under its sheet hash
REPORT = "selection-report"  # the evaluation report (canonical JSON), under its report hash
RECORD = "selection-record"  # the decision record (canonical JSON), under its record hash
EXCLUSION = "selection-exclusion"  # why an expert was excluded (canonical JSON), under its reason hash
OBJECTION = "selection-objection"  # an objection's text (UTF-8), under its reason hash
ANSWER = "selection-answer"  # the centre's answer to an objection (UTF-8), under its answer hash
COMPLAINT = "selection-complaint"  # a complaint's text (UTF-8), under its reason hash
RULING = "selection-ruling"  # the governance's ruling on a complaint (UTF-8), under its ruling hash
REPLACEMENT = "selection-replacement"  # why a seat was replaced (canonical JSON), under its reason hash
VIEW = "selection-view"  # 集体议事: a member's written view (canonical JSON), under its hash (the vote's salt)

MIN_SEATS = 5
"""SelectionBook's MIN_SEATS: the smallest committee, and the quorum of revealed sheets that files the
shortlist after the reveal deadline when a committed sheet was never revealed (that sheet is void)."""

COMMITTEE_DRAW_ROUND = {CommitteeKind.EVALUATION: 1, CommitteeKind.SELECTION: 2}
"""Each committee is drawn by the section's "committee" draw of this round."""

SELECTION_RESERVES = 1
"""Picks the selection committee's draw makes beyond the committee's size (its reserves)."""

DEFAULT_PUBLICITY_DAYS = 3


class SelectionFiles(Protocol):
    """What 评定分离 keeps off chain: documents filed under the hash the chain holds, and the seat
    holders (the centre's secret until the committee is revealed)."""

    def file(self, kind: str, key: bytes, content: bytes) -> None: ...

    def document(self, kind: str, key: bytes) -> bytes | None: ...

    def file_holders(self, tender_id: bytes, section: int, kind: CommitteeKind, holders: Sequence[SeatHolder]
                     ) -> None: ...

    def holders(self, tender_id: bytes, section: int, kind: CommitteeKind) -> list[SeatHolder]: ...


def uscc_word(uscc: str) -> bytes:
    """A tenderer's USCC as SelectionBook keys its pool: the 18 ASCII characters, right-padded to 32 bytes."""
    return uscc.encode("ascii").ljust(32, b"\x00")


def uscc_of_word(word32: bytes) -> str | None:
    """The USCC a pool word names (None unless it is 18 ASCII characters right-padded with zeros)."""
    text = bytes(word32).rstrip(b"\x00")
    try:
        decoded = text.decode("ascii")
    except UnicodeDecodeError:
        return None
    return decoded if len(decoded) == 18 and bytes(word32) == uscc_word(decoded) else None


def speciality_word(text: str) -> bytes:
    """An expert's speciality (专业, e.g. 房屋建筑) as SelectionBook holds it: its UTF-8, right-padded
    to 32 bytes. ValidationFailed if empty or longer than 32 bytes."""
    raw = text.strip().encode()
    if not raw or len(raw) > 32:
        raise ValidationFailed(f"a speciality is 1..32 bytes of UTF-8 (about 10 Chinese characters), got {len(raw)}")
    return raw.ljust(32, b"\x00")


def speciality_text(word32: bytes) -> str:
    """A speciality word in words (its hex when it is not UTF-8 text)."""
    raw = bytes(word32).rstrip(b"\x00")
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return "0x" + bytes(word32).hex()


POOL_FUNCTIONS = ("registerExpert", "removeExpert", "registerMember", "removeMember")


def pool_call_args(function: str, args: Sequence[Any]) -> list[Any]:
    """The arguments of a governed SelectionBook call as a member types them, in ABI terms: a
    speciality in words becomes its word, a tenderer's USCC its pool word (a 0x-word is taken as
    is; anything else is left for the ABI to refuse)."""
    out = list(args)

    def text(value: Any) -> bool:
        return isinstance(value, str) and not value.startswith("0x")

    if function == "registerExpert" and len(out) == 2 and text(out[1]):
        out[1] = speciality_word(out[1])
    if function in ("registerMember", "removeMember") and len(out) == 2 and text(out[0]):
        from ledger.uscc import InvalidUSCC, validate_uscc

        try:
            out[0] = uscc_word(validate_uscc(out[0]))
        except InvalidUSCC as exc:
            raise ValidationFailed(f"the tenderer's pool is named by its USCC: {exc}") from None
    return out


def as_address(word32: bytes) -> str:
    """A draw's candidate or pick (an address in a bytes32 word, left-padded) as an address."""
    return to_checksum_address(bytes(word32)[12:])


def address_word(account: str) -> bytes:
    return bytes(12) + bytes.fromhex(to_checksum_address(account)[2:])


def rule_draw(lottery: LotteryBookGateway, did: bytes, final: dict[tuple[Any, ...], Any] | None = None
              ) -> Draw[str] | None:
    """A finished LotteryBook draw as `ledger.rules.lottery` records one (None while it is not
    finished or was never opened). The seeds are those the audit recovered from the sealed seeds
    with the key rebuilt from the officers' shares, so each one's commitment follows from it; a draw
    that does not recompute from the chain is refused (DrawDoesNotVerify)."""
    audit = audit_draw(lottery, did, final)
    if audit.recorded is None or audit.state is None or audit.state.status is not DrawStatus.FINISHED:
        return None
    if not audit.ok or audit.seeds is None or audit.picks is None:
        raise Conflict("DrawDoesNotVerify", {"drawId": did},
                       f"draw 0x{did.hex()} does not recompute from the chain: {'; '.join(audit.problems)}")
    o = audit.recorded.opened
    return Draw(tender_id=o.tender_id, section=o.section, purpose=audit.recorded.purpose, round=o.round,
                parties=o.parties, commitments=tuple(seed_commitment(did, p, s) for p, s in zip(o.parties, audit.seeds,
                                                                                                strict=True)),
                seeds=audit.seeds, candidates=tuple(as_address(c) for c in o.candidates), k=o.k,
                picks=tuple(as_address(p) for p in audit.picks))


def _json(value: Any) -> bytes:
    return canonical_json(value)


class SelectionService:
    """The 评定分离 use cases (see the module's docstring). Writes run one at a time under `lock`."""

    def __init__(self, book: SelectionBookGateway, lottery: LotteryBookGateway, tenders: TenderService,
                 guarantees: GuaranteeBookGateway, files: SelectionFiles, *, centre: LocalAccount,
                 relayer: LocalAccount, lock: AbstractContextManager[Any] | None = None,
                 final: dict[tuple[Any, ...], Any] | None = None) -> None:
        self.book, self.lottery, self.tenders, self.guarantees, self.files = book, lottery, tenders, guarantees, files
        self.centre, self.relayer = centre, relayer
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()
        # what can no longer change, checked once: tenders past their deadline (`_section`) and the
        # eligible bids of sections whose every bid is opened (`_eligible`); the service's owner
        # may share it between instances
        self.final: dict[tuple[Any, ...], Any] = final if final is not None else {}

    # ------------------------------------------------------------------ helpers
    def now(self) -> int:
        return self.book.client.block_timestamp()

    def _require_centre(self, signer: str) -> None:
        if not self.tenders.book.is_centre(signer):
            raise Unauthorised("NotCentre", {"caller": signer}, f"{signer} is not an authorised trading centre")
        if to_checksum_address(signer) != self.centre.address:
            raise Unauthorised("NotCentre", {"caller": signer},
                               f"{signer} is not the centre that runs this ledger's tenders")

    def _section(self, tender_id: bytes, section: int) -> Tender:
        tender = self.final.get(("tender", tender_id))
        if tender is None:
            tender = self.tenders.tender(tender_id)
            if tender.deadline < self.now():  # no amendment after the deadline: final
                self.final[("tender", tender_id)] = tender
        count = len(tender.params.sections)
        if not 0 <= section < count:
            raise NotFound("UnknownSection", {"tenderId": tender_id, "section": section},
                           f"tender {tender.params.project_code} has sections 0..{count - 1}")
        return tender

    def _openings(self, tender_id: bytes, section: int) -> list[OpenedBid]:
        state = self.tenders.book.section(tender_id, section)
        return checked_openings(self.tenders.book, self.tenders.records, chain_id=self.tenders.chain_id,
                                tender_id=tender_id, section=section, state=state)

    def _eligible(self, tender_id: bytes, section: int) -> list[Bid]:
        """The eligible bids and their prices, from the opened bids checked against the chain. Once
        the section is closed with every bid opened they cannot change, so they are checked once
        and kept (in `final`)."""
        known = self.final.get(("eligible", tender_id, section))
        if known is not None:
            return list(known)
        state = self.tenders.book.section(tender_id, section)
        final = state.status in (SectionStatus.CLOSED, SectionStatus.EVALUATED) and state.opened == state.bids
        bids = []
        for b in checked_openings(self.tenders.book, self.tenders.records, chain_id=self.tenders.chain_id,
                                  tender_id=tender_id, section=section, state=state):
            if not b.eligible:
                continue
            try:
                price = Decimal(str(b.price))
            except (InvalidOperation, ValueError):
                raise StoreMismatch(f"the opened price of {b.bidder}'s bid is not an amount: {b.price!r}") from None
            bids.append(Bid(b.bidder, price))
        if final:
            self.final[("eligible", tender_id, section)] = list(bids)
        return bids

    def _relay(self, signer: str, signed_tx: str, functions: tuple[str, ...], tender_id: bytes, section: int,
               filing: Sequence[tuple[str, bytes, bytes]] = ()) -> tuple[RelayedTx, Mined]:
        """A party's own SelectionBook transaction for this section: decoded, checked to be the
        signer's and to call one of `functions`, dry-run, its documents filed, relayed (gas topped
        up by the relayer)."""
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, functions)
        args = relayed.args
        if bytes(args["tenderId"]) != tender_id or int(args["section"]) != section:
            raise ValidationFailed(f"signed_tx is for tender 0x{bytes(args['tenderId']).hex()} section "
                                   f"{args['section']}, not 0x{tender_id.hex()} section {section}")
        with self.lock:
            self.book.dry_run(relayed.sender, relayed.data)  # refused before anything is filed
            for kind, key, content in filing:
                self.files.file(kind, key, content)
            mined = relay(self.book, relayed, sponsor=self.relayer)
        return relayed, mined

    # ------------------------------------------------------------------ committees (the centre)
    def name_tenderer(self, *, signer: str, tender_id: bytes) -> bytes:
        """Name the tender's tenderer (its USCC from the published parameters): whose pool the
        selection committee is drawn from."""
        self._require_centre(signer)
        tender = self.tenders.tender(tender_id)
        word32 = uscc_word(tender.params.tenderer_uscc)
        named = self.book.tenderer_of(tender_id)
        if named is None:
            with self.lock:
                self.book.name_tenderer(self.centre, tender_id, word32)
        elif named != word32:
            raise Conflict("TendererSet", {"tenderId": tender_id}, "the tender's tenderer is named otherwise")
        return word32

    def exclude_conflicted(self, *, signer: str, tender_id: bytes, section: int, kind: CommitteeKind, expert: str,
                           credential_id: bytes) -> Exclusion:
        """Exclude `expert` from the committee for a conflict of interest: its personnel credential
        (注册人员, anchored) names as registered employer a firm whose bid the opening recorded, and
        the registration was in force within the tender's `conflict_years` before the bid deadline
        (`ledger.rules.conflict`). A credential that shows no such conflict is refused (NoConflict):
        the centre cannot exclude an expert at will."""
        self._require_centre(signer)
        tender = self._section(tender_id, section)
        expert = to_checksum_address(expert)
        stored = self.tenders.credentials.credential(credential_id)
        if stored is None or stored.kind is not Kind.PERSONNEL:
            raise NotFound("UnknownCredential", {"credentialId": credential_id},
                           f"0x{credential_id.hex()} is not an anchored personnel credential (注册人员)")
        document: Any = stored.sealed.document
        employer = str(document.registered_employer_uscc)
        firms = {b.eligibility.firm for b in self._openings(tender_id, section)
                 if b.eligibility is not None and b.eligibility.firm}
        years = tender.params.evaluation.conflict_years
        until = document.valid_until
        finding = personnel_conflict(
            employer=employer, bidders=firms, valid_from=int(document.valid_from.timestamp()),
            valid_until=int(until.timestamp()) if until is not None else None, anchored_at=stored.anchored_at,
            deadline=tender.deadline, years=years,
            status_at=lambda t: self.tenders.registry.status_at(stored.root, credential_id, list(stored.proof),
                                                                t).status)
        if not finding.conflicted:
            raise Conflict("NoConflict", {"expert": expert},
                           f"the personnel credential 0x{credential_id.hex()} shows no conflict of interest to "
                           f"exclude for: {finding.reason}")
        reason = {"rule": "registered personnel of a bidding firm (personnel credential's registered employer) "
                          "within conflict_years before the bid deadline",
                  "expert": expert, "credential_id": "0x" + credential_id.hex(),
                  "person_name": str(document.person_name), "registered_employer_uscc": employer,
                  "conflict_years": years, "cutoff": finding.cutoff, "in_force_at": finding.probe,
                  "committee": kind.name.lower(), "tender_id": "0x" + tender_id.hex(), "section": section}
        content = _json(reason)
        digest = keccak(content)
        with self.lock:
            self.files.file(EXCLUSION, digest, content)
            self.book.exclude(self.centre, tender_id, section, kind, expert, digest)
        return Exclusion(tender_id, section, kind, expert, content.decode(), digest)

    def seat(self, *, signer: str, tender_id: bytes, section: int, kind: CommitteeKind,
             seats: Sequence[tuple[str, str]], commit_deadline: int = 0, reveal_deadline: int = 0) -> Committee:
        """Seat committee `kind` from its committee draw (finished or still open): `seats` pairs
        each drawn pool member with the seat key it derived (`ledger.crypto.seat_keys`). The salts
        of the seat links are made here and kept as the centre's secret until the result."""
        self._require_centre(signer)
        tender = self._section(tender_id, section)
        params = tender.params
        size = params.evaluation.experts if kind is CommitteeKind.EVALUATION else params.selection.committee_size
        if len(seats) != size:
            raise ValidationFailed(f"the {kind.name.lower()} committee of this tender has {size} seats, got {len(seats)}")
        if kind is CommitteeKind.SELECTION:
            self.name_tenderer(signer=signer, tender_id=tender_id)
        did = draw_id(tender_id, section, "committee", COMMITTEE_DRAW_ROUND[kind])
        recorded = self.lottery.recorded(did)
        if recorded is None:
            raise Conflict("NoCommitteeDraw", {"drawId": did},
                           f"no committee draw (round {COMMITTEE_DRAW_ROUND[kind]}) of this section was opened")
        members = [to_checksum_address(m) for m, _ in seats]
        keys = [to_checksum_address(s) for _, s in seats]
        if len(set(members)) != len(members) or len(set(keys)) != len(keys):
            raise ValidationFailed("a member or a seat is named twice")
        for m in members:
            if self.book.exclusion_of(tender_id, section, kind, m) is not None:
                raise Conflict("ExcludedExpert", {"expert": m}, f"{m} is excluded from this committee")
        if recorded.picks is not None:
            # The committee is the draw's first `size` picks, in draw order, an excluded one's place
            # taken by the next pick (the draw is made with reserves): nobody chooses who sits.
            due = [p for p in (as_address(w) for w in recorded.picks)
                   if self.book.exclusion_of(tender_id, section, kind, p) is None][:size]
            strangers = sorted(set(members) - set(due))
            if strangers or len(due) < size:
                who = strangers[0] if strangers else "the draw"
                raise Conflict("NotDrawn", {"member": who},
                               f"the committee is the draw's first {size} picks not excluded ({', '.join(due)}); "
                               f"{who} is not one of them")
        holders = sorted((SeatHolder(s, m, os.urandom(32)) for m, s in zip(members, keys, strict=True)),
                         key=lambda h: int(h.seat, 16))
        links = [seat_link(tender_id=tender_id, section=section, kind=int(kind), seat=h.seat, member=h.member,
                           salt=h.salt) for h in holders]
        with self.lock:
            self.files.file_holders(tender_id, section, kind, holders)
            self.book.seat(self.centre, tender_id, section, kind, did, [h.seat for h in holders], links,
                           commit_deadline, reveal_deadline)
        return self.book.committee(tender_id, section, kind)

    # ------------------------------------------------------------------ sheets (evaluation seats)
    def commit_sheet(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str) -> Mined:
        """A seat's own commitSheet, relayed."""
        self._section(tender_id, section)
        return self._relay(signer, signed_tx, ("commitSheet",), tender_id, section)[1]

    def reveal_sheet(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str,
                     sheet: bytes | str | Mapping[str, Any]
                     ) -> RevealedSheet:
        """A seat's own revealSheet, relayed with the sheet it opens to: the sheet must hash to the
        transaction's sheet hash and fit the tender (every eligible bid, every judged criterion,
        scores within range); it is filed under its hash before the reveal is sent."""
        tender = self._section(tender_id, section)
        parsed = parse_sheet(sheet)
        digest = sheet_hash(parsed)
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, ("revealSheet",))
        if bytes(relayed.args["sheetHash"]) != digest:
            raise ValidationFailed(f"the sheet hashes to 0x{digest.hex()}, the transaction reveals "
                                   f"0x{bytes(relayed.args['sheetHash']).hex()}")
        validate_sheet(parsed, method=tender.params.evaluation_method, criteria=criteria_of(tender.params),
                       bidders=[b.bidder for b in self._eligible(tender_id, section)], expert=signer)
        self._relay(signer, signed_tx, ("revealSheet",), tender_id, section,
                    [(SHEET, digest, _json(parsed.model_dump(mode="json")))])
        return RevealedSheet(to_checksum_address(signer), None, digest, parsed)

    def _sheets(self, tender_id: bytes, section: int, committee: Committee) -> list[RevealedSheet]:
        """The revealed sheets of the active seats, each read from the store and shown to hash to
        the value the chain holds (StoreMismatch otherwise)."""
        out = []
        for seat in committee.seats:
            if self.book.seat_of(tender_id, section, CommitteeKind.EVALUATION, seat).state is not SeatState.ACTIVE:
                continue
            found = self.revealed_sheet(tender_id, section, seat)
            if found is not None:
                out.append(found)
        return out

    def revealed_sheet(self, tender_id: bytes, section: int, seat: str) -> RevealedSheet | None:
        """The sheet `seat` revealed (None before its reveal), read from the store and shown to hash
        to the value the chain holds (StoreMismatch otherwise)."""
        state = self.book.sheet_of(tender_id, section, seat)
        if not state.revealed or state.sheet_hash is None:
            return None
        content = self.files.document(SHEET, state.sheet_hash)
        if content is None:
            raise StoreMismatch(f"the sheet seat {seat} revealed (0x{state.sheet_hash.hex()}) is not in the store")
        try:
            parsed = parse_sheet(content)
        except ValidationFailed as exc:
            raise StoreMismatch(f"the stored sheet of seat {seat} cannot be read: {exc}") from None
        if sheet_hash(parsed) != state.sheet_hash:
            raise StoreMismatch(f"the stored sheet of seat {seat} hashes to 0x{sheet_hash(parsed).hex()}, the "
                                f"chain holds 0x{state.sheet_hash.hex()}")
        return RevealedSheet(seat, self.book.seat_of(tender_id, section, CommitteeKind.EVALUATION, seat).holder,
                             state.sheet_hash, parsed)

    def evaluation(self, tender_id: bytes, section: int) -> EvaluationOutcome:
        """The evaluation the rule gives from the revealed sheets and the opened prices, with the
        report a seat submits the shortlist under. Conflict while sheets are missing, or while a
        tie at the shortlist's cut waits for its draw (ShortlistDrawNeeded)."""
        tender = self._section(tender_id, section)
        params = tender.params
        committee = self.book.committee(tender_id, section, CommitteeKind.EVALUATION)
        if not committee.seated:
            raise Conflict("NotSeated", {"section": section}, "the evaluation committee is not seated")
        sheets = self._sheets(tender_id, section, committee)
        if len(sheets) != committee.size and (self.now() < committee.reveal_deadline or len(sheets) < MIN_SEATS):
            raise Conflict("SheetsMissing", {"revealed": len(sheets)},
                           f"{len(sheets)} of the {committee.size} seats revealed their sheets; a sheet not "
                           f"revealed by the reveal deadline is void, and the rest stand if at least {MIN_SEATS} "
                           "revealed")
        bids = self._eligible(tender_id, section)
        counted: dict[str, Sheet] = {s.seat: s.sheet for s in sheets}  # type: ignore[misc]
        result = evaluate(params, section, bids, counted)
        if result.needs_draw:
            assert result.tie is not None
            did = draw_id(tender_id, section, "shortlist", 1)
            recorded = rule_draw(self.lottery, did, self.final)
            if recorded is None:
                raise Conflict("ShortlistDrawNeeded", {"drawId": did},
                               f"a tie at the shortlist's cut: {result.tie.places} place(s) among "
                               f"{', '.join(result.tie.candidates)} are drawn by shortlist draw 1 (0x{did.hex()})")
            result = evaluate(params, section, bids, counted, recorded)
        body = self._report(tender_id, section, params.shortlist_size, sheets, result)
        if len(sheets) != committee.size:  # the rule for a sheet never revealed, recorded with the report
            shown = {x.seat for x in sheets}
            body["void"] = [seat for seat in committee.seats if seat not in shown and self.book.seat_of(
                tender_id, section, CommitteeKind.EVALUATION, seat).state is SeatState.ACTIVE]
        report = _json(body)
        filed = self.book.shortlist(tender_id, section)
        return EvaluationOutcome(tender_id, section, tuple(sheets), result, params.shortlist_size, report,
                                 keccak(report), filed if filed.candidates else None)

    @staticmethod
    def _report(tender_id: bytes, section: int, max_size: int, sheets: Sequence[RevealedSheet],
                result: EvaluationResult) -> dict[str, Any]:
        return {
            "tender_id": "0x" + tender_id.hex(), "section": section, "method": result.method.value,
            "max_size": max_size, "shortlist": list(result.shortlist or ()),
            "sheets": {s.seat: "0x" + s.sheet_hash.hex() for s in sheets},
            "draw": "0x" + result.draw.draw_id.hex() if result.draw is not None else None,
            "bids": [{"bidder": b.bidder, "price": str(b.price),
                      "price_score": None if b.price_score is None else str(b.price_score),
                      "score": None if b.score is None else str(b.score), "qualified": b.qualified,
                      "totals": [{"seat": t.expert, "total": str(t.total), "dropped": t.dropped} for t in b.totals],
                      "verdicts": [{"code": v.code, "passes": v.passes, "fails": v.fails, "passed": v.passed}
                                   for v in b.verdicts]}
                     for b in result.bids],
        }

    def submit_shortlist(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str) -> EvaluationOutcome:
        """A seat's own submitShortlist, relayed only if it files exactly the shortlist, size limit
        and report hash the rule gives; the report is filed under its hash."""
        outcome = self.evaluation(tender_id, section)
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, ("submitShortlist",))
        result: Any = outcome.result
        given = tuple(to_checksum_address(c) for c in relayed.args["candidates"])
        if by_address(given) != tuple(result.shortlist) or int(relayed.args["maxSize"]) != outcome.max_size:
            raise ValidationFailed(f"the shortlist submitted ({', '.join(given) or 'none'}, at most "
                                   f"{relayed.args['maxSize']}) is not the one the rule gives "
                                   f"({', '.join(result.shortlist)}, at most {outcome.max_size})")
        if bytes(relayed.args["reportHash"]) != outcome.report_hash:
            raise ValidationFailed(f"the report hash submitted is not the evaluation report's 0x{outcome.report_hash.hex()}")
        self._relay(signer, signed_tx, ("submitShortlist",), tender_id, section,
                    [(REPORT, outcome.report_hash, outcome.report)])
        return self.evaluation(tender_id, section)

    # ------------------------------------------------------------------ selection
    def _selection_seats(self, tender_id: bytes, section: int) -> list[str]:
        committee = self.book.committee(tender_id, section, CommitteeKind.SELECTION)
        return [s for s in committee.seats
                if self.book.seat_of(tender_id, section, CommitteeKind.SELECTION, s).state is SeatState.ACTIVE]

    def _rounds(self, tender_id: bytes, section: int, seats: Sequence[str]) -> list[RoundRecord]:
        status = self.book.status(tender_id, section)
        now = self.now()
        out = []
        for number in range(status.first_round, status.last_round + 1):
            state = self.book.round_of(tender_id, section, number)
            closed = state.revealed_mask == (1 << len(seats)) - 1 or now >= state.reveal_deadline
            votes = []
            for seat in seats:
                vote = self.book.vote_of(tender_id, section, number, seat)
                if vote.revealed:
                    votes.append((seat, vote.candidate))
                elif closed:  # not revealed in time: recorded as an abstention
                    votes.append((seat, None))
            out.append(RoundRecord(state, tuple(votes), closed))
        return out

    def _draws(self, tender_id: bytes, section: int) -> tuple[int, list[Draw[str]]]:
        """The current selection's draws and the round of its first: a selection redone after an
        upheld complaint goes on from the first selection draw opened after the ruling (on the
        chain's order of events), the earlier ones belonging to the withdrawn decisions."""
        ruled = self.book.last_upheld(tender_id, section)
        first = 1
        if ruled is not None:
            while True:
                opened = self.lottery.opened_at(draw_id(tender_id, section, "selection", first))
                if opened is None or opened > ruled:
                    break
                first += 1
        draws: list[Draw[str]] = []
        while True:
            found = rule_draw(self.lottery, draw_id(tender_id, section, "selection", first + len(draws)), self.final)
            if found is None:
                return first, draws
            draws.append(found)

    def _step(self, tender: Tender, section: int) -> tuple[Step, list[RoundRecord], list[Draw[str]]]:
        tid = tender.tender_id
        shortlist = self.book.shortlist(tid, section)
        if not shortlist.candidates:
            raise Conflict("NoShortlist", {"section": section}, "no shortlist is filed yet")
        seats = self._selection_seats(tid, section)
        if not seats:
            raise Conflict("NotSeated", {"section": section}, "the selection committee is not seated")
        rounds = self._rounds(tid, section, seats)
        first_draw, draws = self._draws(tid, section)
        prices = {b.bidder: b.price for b in self._eligible(tid, section)}
        if tender.params.selection.method is SelectionMethod.COLLECTIVE_DELIBERATION:
            history = self._deliberation(tid, section, seats, rounds)
        else:
            history = History(tender_id=tid, section=section, members=tuple(seats),
                              rounds=tuple(VoteRound(n, r.votes) for n, r in enumerate(rounds, start=1)),
                              draws=tuple(draws), first_draw=first_draw)
        return next_step(tender.params.selection, shortlist.candidates, prices, history), rounds, draws

    def _deliberation(self, tid: bytes, section: int, seats: Sequence[str], rounds: Sequence[RoundRecord]
                      ) -> History:
        """集体议事's history: the chair named on chain, the views (the revealed votes of the one view
        round, each with the written view its salt is the hash of) and the chair's decision once
        recorded (the decision document under the record hash)."""
        views: list[Statement] = []
        if len(rounds) > 1:
            raise StoreMismatch(f"集体议事 takes one view round; the chain holds {len(rounds)} in this selection")
        if rounds:
            number = rounds[0].state.round
            salts = self.book.revealed_salts(tid, section, number)
            for seat, choice in rounds[0].votes:
                if seat not in salts:
                    continue  # a view never revealed is missing, not an abstention
                view = self._view(tid, section, number, seat, choice, salts[seat])
                views.append(Statement(seat, view.candidate, view.reason))
        decision = self.book.decision(tid, section)
        decided = None
        if decision.winner is not None:
            document = self.files.document(RECORD, decision.record_hash)
            if document is None:
                raise StoreMismatch(f"the store holds no decision under 0x{decision.record_hash.hex()}")
            written = parse_decision(document)
            if written.winner != decision.winner or keccak(document) != decision.record_hash:
                raise StoreMismatch("the chair's decision filed differs from the one on chain")
            decided = Statement(written.chair, written.winner, written.reason)
        # Past the view round's reveal deadline a member with no view is 未表态: the chair decides.
        closed = bool(rounds) and rounds[0].closed
        return History(tender_id=tid, section=section, members=tuple(seats), chair=self.book.chair(tid, section),
                       views=tuple(views), decision=decided, views_closed=closed)

    def _view(self, tid: bytes, section: int, round: int, seat: str, choice: str | None, salt: bytes) -> Any:
        document = self.files.document(VIEW, salt)
        if document is None:
            raise StoreMismatch(f"the store holds no view of seat {seat} under its salt 0x{salt.hex()}")
        view = parse_view(document)
        if (keccak(document) != salt or (view.tender_id, view.section, view.round, view.seat) != (tid, section, round, seat)
                or view.candidate != choice):
            raise StoreMismatch(f"the view filed for seat {seat} is not the one its reveal opens to")
        return view

    def step(self, tender_id: bytes, section: int) -> Step:
        """What the fixed selection rule asks for next (or the decision it reaches)."""
        return self._step(self._section(tender_id, section), section)[0]

    def open_round(self, *, signer: str, tender_id: bytes, section: int, commit_deadline: int,
                   reveal_deadline: int) -> tuple[RoundRecord, Mined]:
        """Open the vote round the rule asks for, among the candidates it names: the round, and
        the openRound transaction as mined."""
        self._require_centre(signer)
        tender = self._section(tender_id, section)
        step, rounds, _ = self._step(tender, section)
        if isinstance(step, NeedViews):  # 集体议事: the one view round, over the whole shortlist
            if rounds:
                raise Conflict("RoundOpen", {"round": rounds[0].state.round},
                               f"the view round is open or over, waiting for {len(step.waiting)} view(s)")
            if self.book.chair(tender_id, section) is None:
                raise Conflict("NoChair", {"section": section}, "集体议事: name the chair before the views")
        elif not isinstance(step, NeedVote):
            raise Conflict("NoRoundDue", {"section": section}, f"the selection rule asks for no vote round now: {_say(step)}")
        elif step.round <= len(rounds):
            raise Conflict("RoundOpen", {"round": step.round}, f"vote round {step.round} is open, waiting for "
                           f"{len(step.waiting)} vote(s)")
        number = self.book.status(tender_id, section).last_round + 1
        with self.lock:
            mined = self.book.open_round(self.centre, tender_id, section, number, step.candidates,
                                         commit_deadline, reveal_deadline)
        return self._rounds(tender_id, section, self._selection_seats(tender_id, section))[-1], mined

    def commit_vote(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str) -> Mined:
        """A seat's own commitVote, relayed."""
        self._section(tender_id, section)
        return self._relay(signer, signed_tx, ("commitVote",), tender_id, section)[1]

    def reveal_vote(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str,
                    view: bytes | None = None) -> Mined:
        """A seat's own revealVote, relayed. Under 集体议事 it reveals a view: `view` is the written
        view (`ledger.rules.selection.view_document`) whose hash the reveal's salt must be, filed
        under it; other methods take none."""
        tender = self._section(tender_id, section)
        deliberation = tender.params.selection.method is SelectionMethod.COLLECTIVE_DELIBERATION
        if not deliberation:
            if view is not None:
                raise ValidationFailed(f"{tender.params.selection.method.value} takes votes, not written views")
            return self._relay(signer, signed_tx, ("revealVote",), tender_id, section)[1]
        if view is None:
            raise ValidationFailed("集体议事: a reveal carries the member's written view")
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, ("revealVote",))
        written = parse_view(view)
        args = relayed.args
        candidate = to_checksum_address(args["candidate"])
        if keccak(view) != bytes(args["salt"]):
            raise ValidationFailed("the reveal's salt is not the hash of the written view")
        if (written.tender_id, written.section, written.round, written.seat) != (
                tender_id, section, int(args["round"]), relayed.sender):
            raise ValidationFailed("the written view is for another tender, section, round or seat than the reveal")
        if written.candidate != (None if candidate == ABSTAIN else candidate):
            raise ValidationFailed("the written view names another candidate than the reveal")
        return self._relay(signer, signed_tx, ("revealVote",), tender_id, section, [(VIEW, keccak(view), view)])[1]

    def views(self, tender_id: bytes, section: int) -> tuple[str | None, list[tuple[str, bytes, Any]]]:
        """集体议事: the chair's seat and every revealed view — (seat, view hash, written view) —
        of the current selection's view round (what the chair's written decision names)."""
        tender = self._section(tender_id, section)
        if tender.params.selection.method is not SelectionMethod.COLLECTIVE_DELIBERATION:
            raise Conflict("NotDeliberation", {"section": section},
                           f"the tender selects by {tender.params.selection.method.value}: it has no views")
        seats = self._selection_seats(tender_id, section)
        rounds = self._rounds(tender_id, section, seats)
        out = []
        if rounds:
            number = rounds[-1].state.round
            for seat, salt in sorted(self.book.revealed_salts(tender_id, section, number).items()):
                choice = self.book.vote_of(tender_id, section, number, seat).candidate
                out.append((seat, salt, self._view(tender_id, section, number, seat, choice, salt)))
        return self.book.chair(tender_id, section), out

    def name_chair(self, *, signer: str, tender_id: bytes, section: int, seat: str) -> SelectionState:
        """集体议事: the centre names the selection seat that chairs, before the views."""
        self._require_centre(signer)
        tender = self._section(tender_id, section)
        if tender.params.selection.method is not SelectionMethod.COLLECTIVE_DELIBERATION:
            raise Conflict("NotDeliberation", {"section": section},
                           f"the tender selects by {tender.params.selection.method.value}: it has no chair")
        with self.lock:
            self.book.name_chair(self.centre, tender_id, section, seat)
        return self.state(tender_id, section)

    def chair_decide(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str,
                     decision: bytes) -> SelectionState:
        """集体议事: the chair's own `decide` on CHAIR, relayed with the written decision
        (`ledger.rules.selection.decision_document`) its record hash names, which must name every
        view's hash, the members with none past the reveal deadline as silent (未表态), and the
        winner of the transaction; then, as for any decision, both committees
        are revealed and the evaluation published."""
        tender = self._section(tender_id, section)
        step, rounds, _ = self._step(tender, section)
        if not isinstance(step, NeedDecision):
            raise Conflict("NoDecisionDue", {"section": section},
                           f"the selection rule asks for no chair's decision now: {_say(step)}")
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, ("decide",))
        if relayed.sender != step.chair:
            raise Unauthorised("NotChair", {"caller": relayed.sender}, f"{relayed.sender} is not the chair {step.chair}")
        args = relayed.args
        written = parse_decision(decision)
        if int(args["basis"]) != DecisionBasis.CHAIR or bytes(args["recordHash"]) != keccak(decision):
            raise ValidationFailed("the chair decides on CHAIR, its record hash the hash of the written decision")
        if (written.tender_id, written.section, written.chair) != (tender_id, section, step.chair):
            raise ValidationFailed("the written decision is for another tender, section or chair")
        if written.winner != to_checksum_address(args["winner"]) or written.winner not in step.candidates:
            raise ValidationFailed("the written decision names another winner than the transaction, or one off "
                                   "the shortlist")
        salts = self.book.revealed_salts(tender_id, section, rounds[0].state.round)
        if dict(written.views) != salts:
            raise ValidationFailed("the written decision does not name exactly the views revealed")
        if sorted(written.silent) != sorted(step.silent):
            raise ValidationFailed("the written decision does not name as silent (未表态) exactly the members who "
                                   f"revealed no view by the deadline: {', '.join(step.silent) or 'none'}")
        self._require_revealable(tender_id, section, name=False)  # the chair must not learn who holds a seat
        shortlist = self.book.shortlist(tender_id, section)
        self._relay(signer, signed_tx, ("decide",), tender_id, section, [(RECORD, keccak(decision), decision)])
        with self.lock:
            for kind in (CommitteeKind.EVALUATION, CommitteeKind.SELECTION):
                self._reveal_committee(tender_id, section, kind)
        self._publish_report(tender_id, section, shortlist.report_hash)
        return self.state(tender_id, section)

    def _publish_report(self, tender_id: bytes, section: int, report_hash: bytes) -> None:
        report = self.files.document(REPORT, report_hash)
        if report is not None and self.tenders.book.section(tender_id, section).status is SectionStatus.CLOSED:
            self.tenders.publish_evaluation(signer=self.centre.address, tender_id=tender_id, section=section,
                                            report=report)

    def needed_draw(self, tender_id: bytes, section: int) -> NeedDraw:
        """The selection draw the rule asks for now (the centre opens it through the draw service)."""
        step = self.step(tender_id, section)
        if not isinstance(step, NeedDraw):
            raise Conflict("NoDrawDue", {"section": section}, f"the selection rule asks for no draw now: {_say(step)}")
        return step

    def decide(self, *, signer: str, tender_id: bytes, section: int, winner: str | None = None,
               publicity_days: int = DEFAULT_PUBLICITY_DAYS) -> SelectionState:
        """Record the decision the rule reached (a `winner` given must be the rule's: the service
        never picks one), with its record filed under the record hash; then open both committees'
        seat links (the membership is published with the result) and publish the evaluation report,
        so the section's results are public from 公示 on."""
        self._require_centre(signer)
        tender = self._section(tender_id, section)
        step, rounds, draws = self._step(tender, section)
        if not isinstance(step, Decided):
            raise Conflict("SelectionNotDecided", {"section": section},
                           f"the selection rule has not reached a decision: {_say(step)}")
        if winner is not None and to_checksum_address(winner) != step.winner:
            raise Conflict("NotTheRulesWinner", {"winner": winner},
                           f"{to_checksum_address(winner)} is not the winner the selection rule gives ({step.winner})")
        self._require_revealable(tender_id, section)
        decisive = decisive_draw(step, draws)  # SelectionBook checks it on `step.basis`
        did = decisive.draw_id if decisive is not None else None
        withdrawn = self.withdrawn(tender_id, section)
        record = _json({"tender_id": "0x" + tender_id.hex(), "section": section, "winner": step.winner,
                        "how": step.how, "basis": step.basis.name, "n": step.n, "detail": step.detail,
                        "figures": dict(step.figures),
                        "rounds": [{"round": r.state.round, "votes": {s: c for s, c in r.votes}} for r in rounds],
                        "draws": ["0x" + d.draw_id.hex() for d in draws],
                        **({"redone_after": [{"winner": w.winner, "record_hash": "0x" + w.record_hash.hex()}
                                             for w in withdrawn],
                            "complaints": [{"id": c.filing.id, "redo": c.filing.redo.name,
                                            "ruling_hash": "0x" + c.filing.answer_hash.hex()}
                                           for c in (self.complaint(tender_id, section, n) for n in
                                                     range(1, self.book.status(tender_id, section).complaints + 1))
                                           if c.filing.upheld]} if withdrawn else {})})
        record_hash = keccak(record)
        shortlist = self.book.shortlist(tender_id, section)
        with self.lock:
            self.files.file(RECORD, record_hash, record)
            self.book.decide(self.centre, tender_id, section, step.winner, did, record_hash, publicity_days,
                             basis=step.basis, n=step.n)
            for kind in (CommitteeKind.EVALUATION, CommitteeKind.SELECTION):
                self._reveal_committee(tender_id, section, kind)
        report = self.files.document(REPORT, shortlist.report_hash)
        if report is not None and self.tenders.book.section(tender_id, section).status is SectionStatus.CLOSED:
            self.tenders.publish_evaluation(signer=signer, tender_id=tender_id, section=section, report=report)
        return self.state(tender_id, section)

    def seat_holders(self, *, signer: str, tender_id: bytes, section: int, kind: CommitteeKind) -> dict[str, str]:
        """Who holds each seat of committee `kind`, replaced seats too (seat → pool member): the
        centre's own record of its seating, for the centre only (NotCentre otherwise). To anyone
        else the membership is secret until the committee is revealed (`state().holders`)."""
        self._require_centre(signer)
        return {h.seat: h.member for h in self.files.holders(tender_id, section, kind)}

    def removed_holders(self, tender_id: bytes, section: int, kind: CommitteeKind) -> list[tuple[str, str]]:
        """The seats of committee `kind` not yet revealed, replaced ones too, whose holder is no
        longer in its pool (the governance removed it after the seating): (seat, holder), in seating
        order. SelectionBook opens every seat ever held only to a member of the pool at the reveal
        (NotInPool), so while one is listed the committee cannot be revealed and the section
        cannot be awarded."""
        committee = self.book.committee(tender_id, section, kind)
        if not committee.seated or committee.revealed:
            return []
        if kind is CommitteeKind.EVALUATION:
            pool = set(self.book.experts())
        else:
            tenderer = self.book.tenderer_of(tender_id)
            pool = set(self.book.members_of(tenderer)) if tenderer is not None else set()
        held = {h.seat: h.member for h in self.files.holders(tender_id, section, kind)}
        return [(s, held[s]) for s in committee.seats if s in held and held[s] not in pool]

    def _require_revealable(self, tender_id: bytes, section: int, *, name: bool = True) -> None:
        """Conflict (HolderRemoved), before a decision is recorded, if a committee could not be
        revealed with it because the governance removed a seat's holder from its pool. With `name`
        (the centre asks: it holds the seat holders) the seat and the member are named; without (the
        chair asks, and membership is secret until the reveal) neither is."""
        for kind in (CommitteeKind.EVALUATION, CommitteeKind.SELECTION):
            removed = self.removed_holders(tender_id, section, kind)
            if not removed:
                continue
            seat, member = removed[0]
            pool = "expert pool" if kind is CommitteeKind.EVALUATION else "tenderer's member pool"
            again = "registerExpert" if kind is CommitteeKind.EVALUATION else "registerMember"
            if not name:
                raise Conflict("HolderRemoved", {"committee": kind.name.lower()},
                               f"a seat of the {kind.name.lower()} committee is held by a member the governance "
                               f"removed from the {pool} after the committee was seated: SelectionBook would refuse "
                               "the reveal that goes with the decision (NotInPool), and the section could not be "
                               "awarded. The centre sees which seat; the decision is recorded once the member is in "
                               f"the pool again ({again} by the governance)")
            state = self.book.seat_of(tender_id, section, kind, seat).state
            raise Conflict("HolderRemoved", {"seat": seat, "member": member},
                           f"{kind.name.lower()} seat {seat}{' (replaced)' if state is SeatState.REPLACED else ''} "
                           f"is held by {member}, whom the governance removed from the {pool} after the "
                           f"committee was seated. SelectionBook opens every seat ever held, a replaced one too, "
                           f"only to a member of the pool at the reveal (NotInPool): the committee could not be "
                           f"revealed with the decision, nor the section awarded. Replacing the seat by the next "
                           f"reserve does not help (a seat that scored or voted cannot be replaced, and a replaced "
                           f"seat is still opened to {member}). The decision is recorded once {member} is in the "
                           f"pool again ({again} by the governance)"
                           + (f"; {len(removed) - 1} more seat(s) of this committee likewise" if len(removed) > 1
                              else ""))

    def _reveal_committee(self, tender_id: bytes, section: int, kind: CommitteeKind) -> None:
        committee = self.book.committee(tender_id, section, kind)
        if committee.revealed:
            return
        held = {h.seat: h for h in self.files.holders(tender_id, section, kind)}
        missing = [s for s in committee.seats if s not in held]
        if missing:
            raise StoreMismatch(f"the store holds no holder of {kind.name.lower()} seat {missing[0]}")
        self.book.reveal_committee(self.centre, tender_id, section, kind, [held[s].member for s in committee.seats],
                                   [held[s].salt for s in committee.seats])

    # ------------------------------------------------------------------ 公示, objections, award
    def object(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str, reason: str) -> FiledText:
        """An objection (异议) during 公示: the objector's own `object` transaction, relayed with
        the text its reason hash names (filed under it)."""
        self._section(tender_id, section)
        text = reason.strip()
        if not text:
            raise ValidationFailed("an objection states its reason")
        content = text.encode()
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, ("object",))
        if bytes(relayed.args["reasonHash"]) != keccak(content):
            raise ValidationFailed("the transaction's reason hash is not the keccak of the reason given")
        self._relay(signer, signed_tx, ("object",), tender_id, section, [(OBJECTION, keccak(content), content)])
        count = self.book.status(tender_id, section).objections
        return self._filed(tender_id, section, count)

    def answer(self, *, signer: str, tender_id: bytes, section: int, objection_id: int,
               answer: str) -> tuple[FiledText, Mined]:
        """The centre answers objection `objection_id` (the text filed under its hash): the
        objection with its answer, and the answerObjection transaction as mined."""
        self._require_centre(signer)
        self._section(tender_id, section)
        text = answer.strip()
        if not text:
            raise ValidationFailed("an answer states its reasons")
        content = text.encode()
        with self.lock:
            self.book.dry_run(self.centre.address,
                              self.book.calldata("answerObjection", tender_id, section, objection_id, keccak(content)))
            self.files.file(ANSWER, keccak(content), content)
            mined = self.book.answer_objection(self.centre, tender_id, section, objection_id, keccak(content))
        return self._filed(tender_id, section, objection_id), mined

    def _filed(self, tender_id: bytes, section: int, objection_id: int) -> FiledText:
        filing = self.book.objection(tender_id, section, objection_id)
        reason = self._text(OBJECTION, filing.reason_hash)
        answer = self._text(ANSWER, filing.answer_hash) if filing.closed_at else None
        return FiledText(filing, reason, answer)

    def _text(self, kind: str, digest: bytes) -> str | None:
        content = self.files.document(kind, digest)
        if content is None:
            return None
        if keccak(content) != digest:
            raise StoreMismatch(f"the stored {kind} filed under 0x{digest.hex()} does not hash to it")
        return content.decode()

    def award(self, *, signer: str, tender_id: bytes, section: int) -> tuple[SelectionState, Released]:
        """The award after 公示 (SelectionBook refuses it during 公示, with an objection open or a
        complaint unruled); then the guarantee award with the same winner, which releases every
        other bound guarantee of the section."""
        self._require_centre(signer)
        self._section(tender_id, section)
        with self.lock:
            self.book.dry_run(self.centre.address, self.book.calldata("award", tender_id, section))
            self.book.award(self.centre, tender_id, section)
            winner = self.book.winner_of(tender_id, section)
            released = record_award(self.guarantees, centre=self.centre, tender_id=tender_id, section=section,
                                    winner=winner)
        return self.state(tender_id, section), released

    # ------------------------------------------------------------------ complaints (投诉)
    def complain(self, *, signer: str, tender_id: bytes, section: int, signed_tx: str, reason: str) -> FiledText:
        """A complaint (投诉) within 10 days after 公示 ends: the complainant's own `complain`
        transaction, relayed with the text its reason hash names (filed under it). SelectionBook
        refuses it outside the window (ComplaintWindowClosed); the award waits until it is ruled."""
        self._section(tender_id, section)
        text = reason.strip()
        if not text:
            raise ValidationFailed("a complaint states its reason")
        content = text.encode()
        relayed = decode_signed_tx(self.book, signed_tx)
        relayed.require(signer, ("complain",))
        if bytes(relayed.args["reasonHash"]) != keccak(content):
            raise ValidationFailed("the transaction's reason hash is not the keccak of the reason given")
        self._relay(signer, signed_tx, ("complain",), tender_id, section, [(COMPLAINT, keccak(content), content)])
        return self.complaint(tender_id, section, self.book.status(tender_id, section).complaints)

    def file_ruling(self, *, tender_id: bytes, section: int, complaint_id: int, ruling: str) -> FiledText:
        """File the text of the governance's ruling on a complaint: accepted only once the ruling is
        on chain and only if the text hashes to its ruling hash (so anyone may file it)."""
        self._section(tender_id, section)
        filing = self._complaint(tender_id, section, complaint_id)
        if filing.open:
            raise Conflict("NotRuled", {"complaint": complaint_id},
                           f"complaint {complaint_id} is not ruled yet: the governance rules on it (ruleComplaint)")
        content = ruling.strip().encode()
        if keccak(content) != filing.answer_hash:
            raise ValidationFailed(f"the ruling text hashes to 0x{keccak(content).hex()}, the ruling on chain is "
                                   f"0x{filing.answer_hash.hex()}")
        with self.lock:
            self.files.file(RULING, filing.answer_hash, content)
        return self.complaint(tender_id, section, complaint_id)

    def _complaint(self, tender_id: bytes, section: int, complaint_id: int) -> Any:
        count = self.book.status(tender_id, section).complaints
        if not 1 <= complaint_id <= count:
            raise NotFound("UnknownFiling", {"complaint": complaint_id},
                           f"the section has complaints 1..{count}" if count else "the section has no complaint")
        return self.book.complaint(tender_id, section, complaint_id)

    def complaint(self, tender_id: bytes, section: int, complaint_id: int) -> FiledText:
        """A complaint with its text and the ruling's text once filed (upheld or not, and the stage
        redone, are on the filing)."""
        filing = self._complaint(tender_id, section, complaint_id)
        reason = self._text(COMPLAINT, filing.reason_hash)
        ruling = self._text(RULING, filing.answer_hash) if filing.closed_at else None
        return FiledText(filing, reason, ruling)

    def withdrawn(self, tender_id: bytes, section: int) -> tuple[Decision, ...]:
        """The decisions upheld complaints withdrew, oldest first (from the Decided events before the
        last upheld ruling)."""
        ruled = self.book.last_upheld(tender_id, section)
        return () if ruled is None else tuple(self.book.decisions_before(tender_id, section, ruled))

    # ------------------------------------------------------------------ a missing seat (the centre)
    def reserves(self, tender_id: bytes, section: int, kind: CommitteeKind) -> list[str]:
        """The committee draw's picks not excluded and not yet holding a seat, in draw order: the
        reserves, the first of which replaces the next missing seat."""
        recorded = self.lottery.recorded(draw_id(tender_id, section, "committee", COMMITTEE_DRAW_ROUND[kind]))
        if recorded is None or recorded.picks is None:
            return []
        held = {h.member for h in self.files.holders(tender_id, section, kind)}
        return [p for p in (as_address(w) for w in recorded.picks)
                if p not in held and self.book.exclusion_of(tender_id, section, kind, p) is None]

    def replace_no_show(self, *, signer: str, tender_id: bytes, section: int, kind: CommitteeKind, seat: str,
                        reserve: str, reserve_seat: str) -> Replacement:
        """Replace a seat that did not act in time by the next reserve (`reserve`, with the seat key
        `reserve_seat` it derived), by the rule fixed in advance: an evaluation seat with no sheet
        committed by the commit deadline (SelectionBook reopens the commit window, and refuses once
        a sheet is shown: SheetsShown), a selection seat with no vote committed by the last round's
        commit deadline (it votes from the next round; the missed vote counts as an abstention). The
        reason (rule, seat, deadline, the reserve's place in the draw) is filed under its hash."""
        self._require_centre(signer)
        self._section(tender_id, section)
        seat, reserve, reserve_seat = (to_checksum_address(a) for a in (seat, reserve, reserve_seat))
        committee = self.book.committee(tender_id, section, kind)
        if not committee.seated:
            raise Conflict("NotSeated", {"section": section}, f"the {kind.name.lower()} committee is not seated")
        if self.book.seat_of(tender_id, section, kind, seat).state is not SeatState.ACTIVE:
            raise NotFound("NotSeat", {"seat": seat}, f"{seat} holds no seat on the {kind.name.lower()} committee")
        now = self.now()
        if kind is CommitteeKind.EVALUATION:
            deadline = committee.commit_deadline
            if self.book.sheet_of(tender_id, section, seat).committed:
                raise Conflict("SeatActed", {"seat": seat}, f"seat {seat} committed its sheet: it is not missing")
            missed = "no sheet committed by the commit deadline"
        else:
            last = self.book.status(tender_id, section).last_round
            if last == 0:
                raise Conflict("NoRoundDue", {"seat": seat}, "no vote round was opened: no seat has missed one")
            deadline = self.book.round_of(tender_id, section, last).commit_deadline
            if self.book.vote_of(tender_id, section, last, seat).committed:
                raise Conflict("SeatActed", {"seat": seat}, f"seat {seat} committed its vote in round {last}")
            missed = f"no vote committed in round {last} by its commit deadline"
        if now < deadline:
            raise Conflict("CommitPeriodOpen", {"seat": seat},
                           f"seat {seat} may still commit until {deadline}: it is not missing yet")
        reserves = self.reserves(tender_id, section, kind)
        if not reserves:
            raise Conflict("NoReserveLeft", {"section": section},
                           f"the {kind.name.lower()} committee draw has no reserve left")
        if reserve != reserves[0]:
            raise Conflict("NotNextReserve", {"reserve": reserve},
                           f"the next reserve of the committee draw is {reserves[0]}, not {reserve}")
        picks = [as_address(w) for w in self.lottery.picks(committee.draw_id)]
        reason = {"rule": "a seat that did not act in time is replaced by the next reserve of its committee draw",
                  "missed": missed, "seat": seat, "deadline": deadline, "committee": kind.name.lower(),
                  "reserve_place": picks.index(reserve) + 1, "tender_id": "0x" + tender_id.hex(), "section": section}
        content = _json(reason)
        digest = keccak(content)
        holder = SeatHolder(reserve_seat, reserve, os.urandom(32))
        link = seat_link(tender_id=tender_id, section=section, kind=int(kind), seat=reserve_seat, member=reserve,
                         salt=holder.salt)
        with self.lock:
            self.book.dry_run(self.centre.address, self.book.calldata(
                "replaceSeat", tender_id, section, int(kind), seat, reserve_seat, ZERO_WORD, link, digest))
            self.files.file(REPLACEMENT, digest, content)
            self.files.file_holders(tender_id, section, kind, [holder])
            self.book.replace_seat(self.centre, tender_id, section, kind, seat, reserve_seat, None, link, digest)
        return Replacement(tender_id, section, kind, seat, reserve_seat, content.decode(), digest)

    # ------------------------------------------------------------------ pools
    def experts(self) -> list[PoolEntry]:
        """The expert pool (专家库), each expert with its speciality in words."""
        return [PoolEntry(e, speciality_text(self.book.speciality_of(e))) for e in self.book.experts()]

    def pool(self, uscc: str) -> list[PoolEntry]:
        """A tenderer's selection pool (定标委员会 members it may be drawn from)."""
        from ledger.uscc import InvalidUSCC, validate_uscc

        try:
            code = validate_uscc(uscc)
        except InvalidUSCC as exc:
            raise ValidationFailed(str(exc)) from None
        return [PoolEntry(m) for m in self.book.members_of(uscc_word(code))]

    # ------------------------------------------------------------------ reads
    def state(self, tender_id: bytes, section: int) -> SelectionState:
        """Everything recorded of the section's 评定分离 (seat holders only once revealed)."""
        tender = self._section(tender_id, section)
        book = self.book
        status = book.status(tender_id, section)
        committees = tuple(book.committee(tender_id, section, k) for k in CommitteeKind)
        holders: dict[str, str] = {}
        for c in committees:
            if c.revealed:
                for s in c.seats:
                    holder = book.seat_of(tender_id, section, c.kind, s).holder
                    if holder is not None:
                        holders[s] = holder
        shortlist = book.shortlist(tender_id, section)
        step: Step | None = None
        rounds: list[RoundRecord] = []
        draws: list[Draw[str]] = []
        if shortlist.candidates and committees[CommitteeKind.SELECTION].seated:
            step, rounds, draws = self._step(tender, section)
        decision = book.decision(tender_id, section)
        record = self._text(RECORD, decision.record_hash) if decision.winner is not None else None
        objections = tuple(self._filed(tender_id, section, n) for n in range(1, status.objections + 1))
        complaints = tuple(self.complaint(tender_id, section, n) for n in range(1, status.complaints + 1))
        return SelectionState(
            tender_id=tender_id, section=section, status=status, tenderer=book.tenderer_of(tender_id),
            committees=committees, holders=holders, shortlist=shortlist if shortlist.candidates else None,
            rounds=tuple(rounds), step=step, draws=tuple(d.draw_id for d in draws),
            decision=decision if decision.winner is not None else None, record=record, objections=objections,
            winner=book.winner_of(tender_id, section), complaints=complaints,
            withdrawn=self.withdrawn(tender_id, section) if status.complaints else ())

    def published(self, tender_id: bytes, section: int) -> bool:
        """Whether 公示 has started (from then on the selection is public)."""
        return self.book.status(tender_id, section).stage >= Stage.PUBLICITY


def _say(step: Step) -> str:
    if isinstance(step, NeedVote):
        return f"vote round {step.round} among {', '.join(step.candidates)}"
    if isinstance(step, NeedDraw):
        return f"{step.purpose} draw {step.round}: {step.k} among {', '.join(step.candidates)}"
    if isinstance(step, Decided):
        return f"decided: {step.winner} ({step.how})"
    return type(step).__name__


def describe_step(step: Step) -> str:
    """One line saying what the rule asks for next."""
    return _say(step)
