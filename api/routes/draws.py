"""Lotteries (摇号) that no one can steer: the centre opens a draw for a tender section (the draw
key made and split to the officers on its own machine), each party commits its seed sealed to
the draw key with its own transaction, the officers release their shares after the commit
deadline, and anyone asks for the finish; the contract decrypts the seeds and draws. Anyone reads
a draw, recomputed from the chain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import SignedCallerDep
from api.deps import DrawServiceDep
from api.params import Address, Hex32, Section, SignedTransaction, TenderId, UnixTime
from api.responses import READ, SIGNED, DrawDoc, answers
from api.views import draws as views
from ledger.errors import ValidationFailed
from ledger.model.lottery import DrawSetup
from ledger.values import word

router = APIRouter(tags=["draws"])


class OpenDrawRequest(BaseModel):
    purpose: str = Field(description="committee, reserve, shortlist or selection")
    round: int = Field(ge=1, le=2**16 - 1, description="1 for a purpose's first draw in the section, then 2, …")
    parties: list[Address] = Field(min_length=2, max_length=32, description="who commits seeds, in a fixed order")
    candidates: list[Hex32] = Field(min_length=1, max_length=256, description="ascending")
    k: int = Field(ge=1, le=256)
    public_key: str = Field(pattern=r"^0x[0-9a-fA-F]{128}$", description="the draw key (alt_bn128, x ‖ y)")
    commit_deadline: UnixTime
    officers: list[Address] = Field(min_length=2, max_length=16)
    share_hashes: list[Hex32]
    threshold: int = Field(ge=2, le=16)


class SignedStep(BaseModel):
    signed_tx: SignedTransaction = Field(description="the signer's own commitSeed / releaseDrawShare")


def _did(value: str) -> bytes:
    return word(value, "draw id")


@router.post("/tenders/{tender_id}/sections/{section}/draws", **answers(DrawDoc, SIGNED, status=201))
def open_draw(tender_id: TenderId, section: Section, body: OpenDrawRequest, caller: SignedCallerDep,
              svc: DrawServiceDep) -> dict[str, Any]:
    """The publishing centre opens a draw (`tender-ledger lottery open` makes and splits its key)."""
    if len(body.share_hashes) != len(body.officers):
        raise ValidationFailed("one share hash per officer")
    setup = DrawSetup(
        tender_id=word(tender_id, "tender id"), section=section, purpose=body.purpose, round=body.round,
        parties=tuple(body.parties), candidates=tuple(word(c, "candidate") for c in body.candidates), k=body.k,
        public_key=bytes.fromhex(body.public_key[2:]), commit_deadline=body.commit_deadline,
        officers=tuple(body.officers), share_hashes=tuple(word(h, "share hash") for h in body.share_hashes),
        threshold=body.threshold)
    return views.draw(svc.open(signer=caller.signer, setup=setup))


@router.get("/draws/{draw_id}", **answers(DrawDoc, READ))
def show(draw_id: Hex32, svc: DrawServiceDep) -> dict[str, Any]:
    """A draw as recorded, and whether it recomputes from the chain alone."""
    return views.draw(svc.show(_did(draw_id)))


@router.post("/draws/{draw_id}/seeds", **answers(DrawDoc, SIGNED))
def commit(draw_id: Hex32, body: SignedStep, caller: SignedCallerDep, svc: DrawServiceDep) -> dict[str, Any]:
    """A party commits its seed, sealed to the draw key, with its own commitSeed transaction."""
    return views.draw(svc.commit(signer=caller.signer, draw_id=_did(draw_id),
                                                   signed_tx=body.signed_tx))


@router.post("/draws/{draw_id}/shares", **answers(DrawDoc, SIGNED))
def release(draw_id: Hex32, body: SignedStep, caller: SignedCallerDep, svc: DrawServiceDep) -> dict[str, Any]:
    """An officer releases its share of the draw key (after the commit deadline), its own transaction."""
    return views.draw(svc.release(signer=caller.signer, draw_id=_did(draw_id),
                                                    signed_tx=body.signed_tx))


@router.post("/draws/{draw_id}/finish", **answers(DrawDoc, (404, 409, 422, 503)))
def finish(draw_id: Hex32, svc: DrawServiceDep) -> dict[str, Any]:
    """Anyone: rebuild the draw key from the released shares and have the contract draw."""
    return views.draw(svc.finish(draw_id=_did(draw_id)))
