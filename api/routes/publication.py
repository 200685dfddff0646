"""Publications anyone reads, rebuilt by the audit's rules from the chain and the public documents:
a tender as Open Contracting Data Standard 1.1, and an opened section's collusion flags."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import PublicationServiceDep
from api.params import Section, TenderId
from api.responses import READ, OcdsPackageDoc, SectionFlagsDoc, answers
from api.views import publication as views
from ledger.values import word

router = APIRouter(tags=["publication"])


@router.get("/tenders/{tender_id}/ocds", **answers(OcdsPackageDoc, READ))
def ocds(tender_id: TenderId, svc: PublicationServiceDep,
         record: Annotated[bool, Query(description="a record package (releases and the compiled release) "
                                                   "instead of a release package")] = False) -> dict[str, Any]:
    """The tender as OCDS 1.1: one release per step the chain recorded (publication, amendments,
    sections closed, 评定分离's decision and award, contract signed), or with `?record=1` the record
    package whose compiledRelease is the tender's state now. Every id is derived from an on-chain
    id; every document's id is the hash the chain holds."""
    return views.ocds(svc.ocds(word(tender_id, "tender id"), record=record))


@router.get("/tenders/{tender_id}/ocds/record", **answers(OcdsPackageDoc, READ))
def ocds_record(tender_id: TenderId, svc: PublicationServiceDep) -> dict[str, Any]:
    """The tender's OCDS 1.1 record package (as `…/ocds?record=1`)."""
    return views.ocds(svc.ocds(word(tender_id, "tender id"), record=True))


@router.get("/tenders/{tender_id}/sections/{section}/flags", **answers(SectionFlagsDoc, READ))
def flags(tender_id: TenderId, section: Section, svc: PublicationServiceDep) -> dict[str, Any]:
    """围标串标 flags of an opened section, for people to review (never a verdict): each names its
    sign in Chinese and English and its evidence (the bids with their commitments and submitting
    transactions, the credentials, hashes, senders, prices). The same function `tender-ledger audit`
    lists them with; the platform's relayer is named public."""
    return views.section_flags(svc.flags(word(tender_id, "tender id"), section))
