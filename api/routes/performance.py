"""Contract performance (履约) of an awarded section, after the contract signing: the centre (for the
tenderer) and the winner record milestones and complaints, each acknowledges the other's entries,
the centre records the completion evaluation (履约评价) once; the governance rules on a complaint
(PerformanceBook.ruleComplaint, proposed and approved by its members: POST /governance/...) and
anyone files the ruling's text; anyone reads the record, and an issuer authorised for 履约评价 gets
the new 业绩 credential to sign and anchor (POST /credentials).

The centre's steps are signed requests (its key sends them); the winner's are its own
transactions (prepare them with POST /tx/prepare, contract PerformanceBook), relayed with the text
their document hash names."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.auth import SignedCallerDep
from api.deps import PerformanceServiceDep
from api.params import Address, Section, SignedTransaction, TenderId
from api.responses import READ, SIGNED, PerformanceCredentialDraft, PerformanceDoc, PerformanceEntryDoc, answers
from api.views import performance as views
from ledger.model.performance import CompletionEvaluation, EntryKind
from ledger.values import word

router = APIRouter(tags=["performance"])
BASE = "/tenders/{tender_id}/sections/{section}/performance"


class EntryRequest(BaseModel):
    text: str = Field(min_length=1, max_length=20_000, description="what is recorded; its keccak goes on chain")
    signed_tx: SignedTransaction | None = Field(default=None, description=(
        "the winner's own recordMilestone / fileComplaint, document hash = keccak(text); the centre sends none"))


class AcknowledgeRequest(BaseModel):
    signed_tx: SignedTransaction | None = Field(default=None, description=(
        "the winner's own acknowledge transaction; the centre sends none"))


class CompletionRequest(BaseModel):
    evaluation: dict[str, Any] = Field(description=(
        "the completion evaluation (履约评价): PRJNUM, contract_no, contract_amount_wan, EDATE, rating "
        "(优秀/良好/合格/不合格), score (optional) and summary; its canonical JSON's keccak goes on chain"))


class RulingRequest(BaseModel):
    text: str = Field(min_length=1, max_length=20_000, description=(
        "the ruling's text, whose keccak is the ruling hash the governance's ruleComplaint recorded"))


Index = Path(ge=0, le=2**32 - 1, description="an entry's number in the section's record, from 0")


def _tid(tender_id: str) -> bytes:
    return word(tender_id, "tender id")


@router.get(BASE, **answers(PerformanceDoc, READ))
def show(tender_id: TenderId, section: Section, svc: PerformanceServiceDep) -> dict[str, Any]:
    """The section's performance record: parties, every entry with its text, the completion."""
    return views.record(svc.record_of(_tid(tender_id), section))


@router.post(BASE + "/milestones", **answers(PerformanceEntryDoc, SIGNED, status=201))
def milestone(tender_id: TenderId, section: Section, body: EntryRequest, caller: SignedCallerDep,
              svc: PerformanceServiceDep) -> dict[str, Any]:
    """A milestone reached (the centre, or the winner with its own transaction); not after completion."""
    return views.entry(svc.record(signer=caller.signer, tender_id=_tid(tender_id), section=section,
                                  kind=EntryKind.MILESTONE, text=body.text, signed_tx=body.signed_tx))


@router.post(BASE + "/complaints", **answers(PerformanceEntryDoc, SIGNED, status=201))
def complaint(tender_id: TenderId, section: Section, body: EntryRequest, caller: SignedCallerDep,
              svc: PerformanceServiceDep) -> dict[str, Any]:
    """A performance complaint (履约投诉) by either party (the winner with its own transaction)."""
    return views.entry(svc.record(signer=caller.signer, tender_id=_tid(tender_id), section=section,
                                  kind=EntryKind.COMPLAINT, text=body.text, signed_tx=body.signed_tx))


@router.post(BASE + "/entries/{index}/acknowledge", **answers(PerformanceEntryDoc, SIGNED))
def acknowledge(tender_id: TenderId, section: Section, body: AcknowledgeRequest, caller: SignedCallerDep,
                svc: PerformanceServiceDep, index: int = Index) -> dict[str, Any]:
    """The other party acknowledges an entry (seen, not agreed), once."""
    return views.entry(svc.acknowledge(signer=caller.signer, tender_id=_tid(tender_id), section=section,
                                       index=index, signed_tx=body.signed_tx))


@router.post(BASE + "/completion", **answers(PerformanceEntryDoc, SIGNED, status=201))
def complete(tender_id: TenderId, section: Section, body: CompletionRequest, caller: SignedCallerDep,
             svc: PerformanceServiceDep) -> dict[str, Any]:
    """The completion evaluation (履约评价), by the centre for the tenderer, once per section."""
    evaluation = CompletionEvaluation.parse(body.evaluation)
    return views.entry(svc.complete(signer=caller.signer, tender_id=_tid(tender_id), section=section,
                                    evaluation=evaluation))


@router.post(BASE + "/complaints/{index}/ruling", **answers(PerformanceEntryDoc, SIGNED))
def file_ruling(tender_id: TenderId, section: Section, body: RulingRequest, caller: SignedCallerDep,
                svc: PerformanceServiceDep, index: int = Index) -> dict[str, Any]:
    """File the text of the governance's ruling on complaint `index` (ruleComplaint, proposed and
    approved by its members): accepted only once ruled and only if it hashes to the ruling hash."""
    return views.entry(svc.file_ruling(tender_id=_tid(tender_id), section=section, index=index, text=body.text))


@router.get(BASE + "/credential-draft", **answers(PerformanceCredentialDraft, READ))
def credential_draft(tender_id: TenderId, section: Section, svc: PerformanceServiceDep,
                     issuer: Annotated[Address, Query(description="the issuer that will sign and anchor it")]
                     ) -> dict[str, Any]:
    """The 履约评价 credential (a new 业绩) of the winner's firm, made from the recorded completion, for
    an issuer authorised for 履约评价 to sign and anchor (POST /credentials/prepare-anchor, /credentials)."""
    draft = svc.credential_draft(tender_id=_tid(tender_id), section=section, issuer=issuer)
    return {"document": draft.to_json_dict()}
