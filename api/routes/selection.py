"""评定分离 of a tender section: the centre excludes conflicted experts, seats the committees from
their draws, opens the vote rounds the fixed rule asks for, records the decision the rule reaches
and answers objections; each seat sends its own sheet and vote transactions, anyone objects
during 公示 with its own transaction; the award follows 公示. Every refusal is a 4xx naming the
contract's (or the rule's) error."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from hexbytes import HexBytes
from pydantic import BaseModel, Field

from api.auth import SignedCallerDep
from api.deps import GovernanceServiceDep, SelectionServiceDep
from api.params import Address, Hex32, Section, SignedTransaction, TenderId, UnixTime, Uscc
from api.responses import (
    READ,
    SIGNED,
    DeliberationViewsDoc,
    EvaluationDoc,
    ExclusionDoc,
    PoolDoc,
    ReplacementDoc,
    SelectionDoc,
    SelectionStepDoc,
    answers,
)
from api.routes.tenders import SECTION, tender_key
from api.views import selection as views
from ledger.crypto.canonical import canonical_json, keccak
from ledger.model.receipt import Mined
from ledger.model.selection import CommitteeKind
from ledger.service.selection import SelectionService
from ledger.values import word

router = APIRouter(tags=["selection"])
BASE = SECTION + "/selection"
KindName = Literal["evaluation", "selection"]
ObjectionId = Annotated[int, Path(ge=1, le=2**32 - 1, description="an objection's number in the section, from 1")]
ComplaintId = Annotated[int, Path(ge=1, le=2**32 - 1, description="a complaint's number in the section, from 1")]


def _kind(name: str) -> CommitteeKind:
    return CommitteeKind.EVALUATION if name == "evaluation" else CommitteeKind.SELECTION


class SignedStep(BaseModel):
    signed_tx: SignedTransaction = Field(description="the signer's own SelectionBook transaction")


class ExclusionRequest(BaseModel):
    kind: KindName
    expert: Address
    credential_id: Hex32 = Field(description="the expert's anchored personnel credential (注册人员)")


class SeatRequest(BaseModel):
    member: Address = Field(description="a pick of the committee draw")
    seat: Address = Field(description="the seat key the member derived (ledger.crypto.seat_keys)")


class SeatingRequest(BaseModel):
    seats: list[SeatRequest] = Field(min_length=1, max_length=31)
    commit_deadline: UnixTime = 0
    reveal_deadline: UnixTime = 0


class RevealSheetRequest(BaseModel):
    signed_tx: SignedTransaction = Field(description="the seat's own revealSheet")
    sheet: dict[str, Any] = Field(description="the sheet the reveal opens to: {scores: …} or {reviews: …}")


class RevealVoteRequest(BaseModel):
    signed_tx: SignedTransaction = Field(description="the seat's own revealVote")
    view: dict[str, Any] | None = Field(
        default=None, description="集体议事 only: the member's written view (ledger.rules.selection.view_document), "
                                  "whose keccak256 of its canonical JSON is the reveal's salt")


class ChairRequest(BaseModel):
    seat: Address = Field(description="the selection seat that chairs (集体议事), named before the views")


class ChairDecisionRequest(BaseModel):
    signed_tx: SignedTransaction = Field(description="the chair's own `decide` on CHAIR (basis 6)")
    decision: dict[str, Any] = Field(
        description="the chair's written decision (ledger.rules.selection.decision_document), whose keccak256 "
                    "of its canonical JSON is the decision's record hash")


class RoundRequest(BaseModel):
    commit_deadline: UnixTime
    reveal_deadline: UnixTime


class DecisionRequest(BaseModel):
    winner: Address | None = Field(default=None, description="if given, must be the winner the rule gives")
    publicity_days: int = Field(default=3, ge=3, le=60)


class ObjectionRequest(BaseModel):
    signed_tx: SignedTransaction = Field(description="the objector's own `object`, reason hash = keccak(reason)")
    reason: str = Field(min_length=1, max_length=5000)


class AnswerRequest(BaseModel):
    answer: str = Field(min_length=1, max_length=5000)


class ComplaintRequest(BaseModel):
    signed_tx: SignedTransaction = Field(description="the complainant's own `complain`, reason hash = keccak(reason)")
    reason: str = Field(min_length=1, max_length=5000)


class RulingRequest(BaseModel):
    ruling: str = Field(min_length=1, max_length=5000,
                        description="the text whose keccak is the ruling hash the governance's ruleComplaint recorded")


class ReplacementRequest(BaseModel):
    kind: KindName
    seat: Address = Field(description="the seat that did not act in time")
    reserve: Address = Field(description="the next reserve of the committee draw")
    reserve_seat: Address = Field(description="the seat key the reserve derived (ledger.crypto.seat_keys)")


def _step(svc: SelectionService, tid: bytes, section: int, function: str, m: Mined | None) -> dict[str, Any]:
    return {"function": function, "tx_hash": "0x" + m.tx_hash.hex() if m else None,
            "block_number": m.block_number if m else None, "selection": views.state(svc.state(tid, section))}


def _relayed(svc: SelectionService, tid: bytes, section: int, function: str, signed_tx: str) -> dict[str, Any]:
    """A relayed step whose service call hands back no receipt, named by its signed transaction's
    hash (keccak of the raw bytes: the hash the chain mined it under)."""
    return {**_step(svc, tid, section, function, None), "tx_hash": "0x" + keccak(bytes(HexBytes(signed_tx))).hex()}


@router.get(BASE, **answers(SelectionDoc, READ))
def show(tender_id: TenderId, section: Section, svc: SelectionServiceDep) -> dict[str, Any]:
    """Where the section stands in 评定分离 and what the fixed rule asks for next."""
    return views.state(svc.state(tender_key(tender_id), section))


@router.get(BASE + "/evaluation", **answers(EvaluationDoc, (404, 409, 422, 503)))
def evaluation(tender_id: TenderId, section: Section, svc: SelectionServiceDep) -> dict[str, Any]:
    """The evaluation the rule computes from the revealed sheets and the opened prices: the
    shortlist, its size limit and the report hash a seat submits it under."""
    return views.evaluation(svc.evaluation(tender_key(tender_id), section))


@router.post(BASE + "/exclusions", **answers(ExclusionDoc, SIGNED, status=201))
def exclude(tender_id: TenderId, section: Section, body: ExclusionRequest, caller: SignedCallerDep,
            svc: SelectionServiceDep) -> dict[str, Any]:
    """The centre excludes an expert whose personnel credential names a bidding firm as employer."""
    return views.exclusion(svc.exclude_conflicted(
        signer=caller.signer, tender_id=tender_key(tender_id), section=section, kind=_kind(body.kind),
        expert=body.expert, credential_id=word(body.credential_id, "credential id")))


@router.post(BASE + "/committees/{kind}", **answers(SelectionDoc, SIGNED, status=201))
def seat(tender_id: TenderId, section: Section, kind: KindName, body: SeatingRequest, caller: SignedCallerDep,
         svc: SelectionServiceDep) -> dict[str, Any]:
    """The centre seats a committee: the draw's first picks not excluded, each by its seat key."""
    tid = tender_key(tender_id)
    svc.seat(signer=caller.signer, tender_id=tid, section=section, kind=_kind(kind),
             seats=[(s.member, s.seat) for s in body.seats], commit_deadline=body.commit_deadline,
             reveal_deadline=body.reveal_deadline)
    return views.state(svc.state(tid, section))


@router.post(BASE + "/sheets/commit", **answers(SelectionStepDoc, SIGNED))
def commit_sheet(tender_id: TenderId, section: Section, body: SignedStep, caller: SignedCallerDep,
                 svc: SelectionServiceDep) -> dict[str, Any]:
    """An evaluation seat commits its sheet (its own commitSheet)."""
    tid = tender_key(tender_id)
    m = svc.commit_sheet(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx)
    return _step(svc, tid, section, "commitSheet", m)


@router.post(BASE + "/sheets/reveal", **answers(SelectionStepDoc, SIGNED))
def reveal_sheet(tender_id: TenderId, section: Section, body: RevealSheetRequest, caller: SignedCallerDep,
                 svc: SelectionServiceDep) -> dict[str, Any]:
    """An evaluation seat reveals its sheet: its own revealSheet, with the sheet it opens to."""
    tid = tender_key(tender_id)
    svc.reveal_sheet(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx,
                     sheet=body.sheet)
    return _relayed(svc, tid, section, "revealSheet", body.signed_tx)


@router.post(BASE + "/shortlist", **answers(SelectionStepDoc, SIGNED))
def shortlist(tender_id: TenderId, section: Section, body: SignedStep, caller: SignedCallerDep,
              svc: SelectionServiceDep) -> dict[str, Any]:
    """An evaluation seat files the shortlist the rule gives (its own submitShortlist)."""
    tid = tender_key(tender_id)
    svc.submit_shortlist(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx)
    return _relayed(svc, tid, section, "submitShortlist", body.signed_tx)


@router.post(BASE + "/rounds", **answers(SelectionStepDoc, SIGNED, status=201))
def open_round(tender_id: TenderId, section: Section, body: RoundRequest, caller: SignedCallerDep,
               svc: SelectionServiceDep) -> dict[str, Any]:
    """The centre opens the vote round the fixed rule asks for."""
    tid = tender_key(tender_id)
    _, m = svc.open_round(signer=caller.signer, tender_id=tid, section=section,
                          commit_deadline=body.commit_deadline, reveal_deadline=body.reveal_deadline)
    return _step(svc, tid, section, "openRound", m)


@router.post(BASE + "/votes/commit", **answers(SelectionStepDoc, SIGNED))
def commit_vote(tender_id: TenderId, section: Section, body: SignedStep, caller: SignedCallerDep,
                svc: SelectionServiceDep) -> dict[str, Any]:
    """A selection seat commits its vote (its own commitVote)."""
    tid = tender_key(tender_id)
    m = svc.commit_vote(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx)
    return _step(svc, tid, section, "commitVote", m)


@router.post(BASE + "/votes/reveal", **answers(SelectionStepDoc, SIGNED))
def reveal_vote(tender_id: TenderId, section: Section, body: RevealVoteRequest, caller: SignedCallerDep,
                svc: SelectionServiceDep) -> dict[str, Any]:
    """A selection seat reveals its vote (its own revealVote); under 集体议事 its view, with the
    written view the salt is the hash of."""
    tid = tender_key(tender_id)
    m = svc.reveal_vote(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx,
                        view=canonical_json(body.view) if body.view is not None else None)
    return _step(svc, tid, section, "revealVote", m)


@router.get(BASE + "/views", **answers(DeliberationViewsDoc, (*READ, 409)))
def deliberation_views(tender_id: TenderId, section: Section, svc: SelectionServiceDep) -> dict[str, Any]:
    """集体议事: the chair's seat and every view revealed so far, each with its hash (the reveal's
    salt) and its written reasons: what the chair's written decision names."""
    chair, found = svc.views(tender_key(tender_id), section)
    return {"chair": chair, "views": [{"seat": seat, "view_hash": "0x" + h.hex(), "candidate": v.candidate,
                                       "reason": v.reason} for seat, h, v in found]}


@router.post(BASE + "/chair", **answers(SelectionDoc, SIGNED, status=201))
def name_chair(tender_id: TenderId, section: Section, body: ChairRequest, caller: SignedCallerDep,
               svc: SelectionServiceDep) -> dict[str, Any]:
    """集体议事: the centre names the selection seat that chairs, before the views."""
    return views.state(svc.name_chair(signer=caller.signer, tender_id=tender_key(tender_id), section=section,
                                      seat=body.seat))


@router.post(BASE + "/decision/chair", **answers(SelectionDoc, SIGNED))
def chair_decide(tender_id: TenderId, section: Section, body: ChairDecisionRequest, caller: SignedCallerDep,
                 svc: SelectionServiceDep) -> dict[str, Any]:
    """集体议事: the chair's own decision, once every member's view is revealed, with its written
    reasons; 公示 starts, the committees are revealed."""
    return views.state(svc.chair_decide(signer=caller.signer, tender_id=tender_key(tender_id), section=section,
                                        signed_tx=body.signed_tx, decision=canonical_json(body.decision)))


@router.post(BASE + "/decision", **answers(SelectionDoc, SIGNED))
def decide(tender_id: TenderId, section: Section, body: DecisionRequest, caller: SignedCallerDep,
           svc: SelectionServiceDep) -> dict[str, Any]:
    """The centre records the decision the rule reached; 公示 starts, the committees are revealed."""
    return views.state(svc.decide(signer=caller.signer, tender_id=tender_key(tender_id), section=section,
                                  winner=body.winner, publicity_days=body.publicity_days))


@router.post(BASE + "/objections", **answers(SelectionStepDoc, SIGNED, status=201))
def object_(tender_id: TenderId, section: Section, body: ObjectionRequest, caller: SignedCallerDep,
            svc: SelectionServiceDep) -> dict[str, Any]:
    """Anyone objects during 公示 (its own `object` transaction, with the reason's text)."""
    tid = tender_key(tender_id)
    svc.object(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx, reason=body.reason)
    return _relayed(svc, tid, section, "object", body.signed_tx)


@router.post(BASE + "/objections/{objection_id}/answer", **answers(SelectionStepDoc, SIGNED))
def answer(tender_id: TenderId, section: Section, objection_id: ObjectionId, body: AnswerRequest, caller: SignedCallerDep,
           svc: SelectionServiceDep) -> dict[str, Any]:
    """The centre answers an objection."""
    tid = tender_key(tender_id)
    _, m = svc.answer(signer=caller.signer, tender_id=tid, section=section, objection_id=objection_id,
                      answer=body.answer)
    return _step(svc, tid, section, "answerObjection", m)


@router.post(BASE + "/award", **answers(SelectionStepDoc, SIGNED))
def award(tender_id: TenderId, section: Section, caller: SignedCallerDep, svc: SelectionServiceDep) -> dict[str, Any]:
    """After 公示 with no objection open: the award, then the guarantee award with the same winner."""
    tid = tender_key(tender_id)
    _, released = svc.award(signer=caller.signer, tender_id=tid, section=section)
    return _step(svc, tid, section, "award", released.mined)



@router.post(BASE + "/complaints", **answers(SelectionStepDoc, SIGNED, status=201))
def complain(tender_id: TenderId, section: Section, body: ComplaintRequest, caller: SignedCallerDep,
             svc: SelectionServiceDep) -> dict[str, Any]:
    """Anyone complains (投诉) within 10 days after 公示 ends (its own `complain`, with the text); the
    award waits for the governance's ruling."""
    tid = tender_key(tender_id)
    svc.complain(signer=caller.signer, tender_id=tid, section=section, signed_tx=body.signed_tx, reason=body.reason)
    return _relayed(svc, tid, section, "complain", body.signed_tx)


@router.post(BASE + "/complaints/{complaint_id}/ruling", **answers(SelectionStepDoc, SIGNED))
def file_ruling(tender_id: TenderId, section: Section, complaint_id: ComplaintId, body: RulingRequest,
                caller: SignedCallerDep, svc: SelectionServiceDep) -> dict[str, Any]:
    """File the text of the governance's ruling (ruleComplaint, proposed and approved by its members):
    accepted only if it hashes to the ruling hash on chain."""
    tid = tender_key(tender_id)
    svc.file_ruling(tender_id=tid, section=section, complaint_id=complaint_id, ruling=body.ruling)
    return _step(svc, tid, section, "fileRuling", None)


@router.post(BASE + "/replacements", **answers(ReplacementDoc, SIGNED, status=201))
def replace(tender_id: TenderId, section: Section, body: ReplacementRequest, caller: SignedCallerDep,
            svc: SelectionServiceDep) -> dict[str, Any]:
    """The centre replaces a seat that did not act in time by the next reserve of the committee draw."""
    return views.replacement(svc.replace_no_show(
        signer=caller.signer, tender_id=tender_key(tender_id), section=section, kind=_kind(body.kind),
        seat=body.seat, reserve=body.reserve, reserve_seat=body.reserve_seat))


@router.get("/selection/experts", **answers(PoolDoc, READ))
def experts(svc: SelectionServiceDep, governance: GovernanceServiceDep) -> dict[str, Any]:
    """The expert pool (专家库) the governance keeps, each expert with its speciality and the name
    on its pool card."""
    return views.pool(svc.experts(), governance.cards())


@router.get("/selection/pools/{uscc}", **answers(PoolDoc, READ))
def pool(uscc: Uscc, svc: SelectionServiceDep, governance: GovernanceServiceDep) -> dict[str, Any]:
    """A tenderer's selection pool (定标委员会 members) the governance keeps, with their cards' names."""
    return views.pool(svc.pool(uscc), governance.cards())
