"""The consortium's governance: members and proposals for anyone to read; members propose,
approve, take back approvals and cancel with their own signed transactions, which the service
relays (and executes a proposal the moment it has its approvals)."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import SignedCallerDep
from api.deps import GovernanceServiceDep
from api.encoding import address, word
from api.params import Address, Hex32, SignedTransaction
from api.responses import (
    PREPARE,
    READ,
    SIGNED,
    GovernanceOverview,
    GovernanceStepDoc,
    PreparedGovernanceTx,
    ProposalDoc,
    answers,
)
from api.views import governance as views

router = APIRouter(tags=["governance"])


class ProposeRequest(BaseModel):
    sender: Address = Field(description="the member's address, which will sign the propose transaction")
    contract: Literal["CredentialRegistry", "TenderBook", "GuaranteeBook", "SelectionBook", "PerformanceBook",
                      "Governance"]
    function: str = Field(description="e.g. authoriseIssuer, withdrawIssuer, authoriseCentre, addMember, "
                                      "registerExpert, registerMember, ruleComplaint (SelectionBook's 投诉, "
                                      "PerformanceBook's 履约投诉)")
    args: list[Any] = Field(description="the function's arguments in order (addresses, numbers, 0x-words; "
                                        "for SelectionBook a speciality in words and a tenderer's USCC)")


class CardRequest(BaseModel):
    name: str = Field(description="the person's name (姓名), 1..64 characters")
    organisation: str = Field(default="", description="where the person works (工作单位), optional")


class ProposeCardRequest(ProposeRequest):
    card: CardRequest | None = Field(default=None, description="for registerExpert / registerMember: who the "
                                                               "person is; the proposal's salt is then the "
                                                               "hash of a pool card naming them")


class StepRequest(BaseModel):
    sender: Address = Field(description="the member's address, which will sign the transaction")
    function: Literal["approve", "revokeApproval", "cancel"]


class SignedStep(BaseModel):
    signed_tx: SignedTransaction = Field(description="the member's own signed propose / approve / revokeApproval / cancel")
    card: str | None = Field(default=None, max_length=2000,
                             description="with a propose that carries a pool card: the card's content, as prepared")


class FiledCard(BaseModel):
    content: str = Field(max_length=2000, description="the pool card's exact JSON, as its proposal was prepared")


@router.get("/governance", **answers(GovernanceOverview, (503,)))
def overview(svc: GovernanceServiceDep) -> dict[str, Any]:
    """The governance's members (named bodies) and how many approvals a call needs."""
    return views.overview(svc.members(), svc.threshold(), svc.governance.address)


@router.get("/governance/proposals", **answers(list[ProposalDoc], (503,)))
def proposals(svc: GovernanceServiceDep) -> list[dict[str, Any]]:
    """Every proposal, newest first, with its call in words and who approved it."""
    names = {m.address: m.name for m in svc.members()}
    proposals = svc.proposals()
    cards = svc.cards_of(proposals)
    return [views.proposal(p, names, cards.get(p.proposal_id)) for p in reversed(proposals)]


@router.get("/governance/proposals/{proposal_id}", **answers(ProposalDoc, READ))
def proposal(proposal_id: Hex32, svc: GovernanceServiceDep) -> dict[str, Any]:
    names = {m.address: m.name for m in svc.members()}
    p = svc.proposal(word(proposal_id, "proposal id"))
    return views.proposal(p, names, svc.card_of(p))


@router.post("/governance/proposals/{proposal_id}/card", **answers(ProposalDoc, (400, 404, 413, 422, 503)))
def file_card(proposal_id: Hex32, body: FiledCard, svc: GovernanceServiceDep) -> dict[str, Any]:
    """File the pool card a proposal carries (anyone may, e.g. from an audit bundle: only the card
    whose hash is the proposal's salt and that names the person it registers is taken)."""
    pid = word(proposal_id, "proposal id")
    card = svc.file_card(pid, body.content.encode())
    names = {m.address: m.name for m in svc.members()}
    return views.proposal(svc.proposal(pid), names, card)


@router.post("/governance/prepare-proposal", **answers(PreparedGovernanceTx, (*PREPARE, 403)))
def prepare_proposal(body: ProposeCardRequest, svc: GovernanceServiceDep) -> dict[str, Any]:
    """An unsigned `propose` transaction for the member to sign, with a fresh salt and the id the
    proposal will have. With `card` (registerExpert / registerMember), the salt is the hash of a
    new pool card naming the person, returned to be sent with the signed step."""
    sender = address(body.sender, "sender")
    call = svc.call_of(body.contract, body.function, body.args)
    card = svc.new_card(call, body.card.name, body.card.organisation) if body.card is not None else None
    salt = card.card_hash if card is not None else secrets.token_bytes(32)
    tx = svc.governance.prepare(sender, "propose", call.target, call.data, salt)
    return views.prepared(tx, svc.governance.proposal_id(call, salt), call, card)


@router.post("/governance/proposals/{proposal_id}/prepare", **answers(PreparedGovernanceTx, (*PREPARE, 403)))
def prepare_step(proposal_id: Hex32, body: StepRequest, svc: GovernanceServiceDep) -> dict[str, Any]:
    """An unsigned approve / revokeApproval / cancel of a proposal for the member to sign."""
    pid = word(proposal_id, "proposal id")
    p = svc.proposal(pid)
    tx = svc.governance.prepare(address(body.sender, "sender"), body.function, pid)
    return views.prepared(tx, pid, p.call)


@router.post("/governance/steps", **answers(GovernanceStepDoc, SIGNED))
def relay_step(body: SignedStep, caller: SignedCallerDep, svc: GovernanceServiceDep) -> dict[str, Any]:
    """Relay a member's own signed step; a proposal that reaches its approvals is executed."""
    names = {m.address: m.name for m in svc.members()}
    card = body.card.encode() if body.card is not None else None
    return views.step(svc.relay(signer=caller.signer, signed_tx=body.signed_tx, card=card), names)
