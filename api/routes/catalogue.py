"""The tender list anyone may read: search by project code, title or tenderer, in pages; each tender
on a page checked against TenderBook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from api.db.catalogue import SqlTenderIndex
from api.db.journal import Store
from api.db.tenders import SqlTenderRecords
from api.deps import get_store
from api.params import Hex32
from api.responses import IsoTime, SectionStatusName, _Doc, answers
from api.views import catalogue as views
from ledger.service.catalogue import MAX_PAGE, MAX_QUERY, TenderCatalogue

router = APIRouter(tags=["tenders"])


def tender_catalogue(store: Store) -> TenderCatalogue:
    """The tender list over the store's index and tender records, checked against the store's TenderBook."""
    return TenderCatalogue(store.runtime.tender_book, SqlTenderRecords(store), SqlTenderIndex(store))


def get_tender_catalogue(request: Request) -> TenderCatalogue:
    return tender_catalogue(get_store(request))


TenderCatalogueDep = Annotated[TenderCatalogue, Depends(get_tender_catalogue)]


class ListedSection(_Doc):
    code: str
    name: str
    status: SectionStatusName


class ListedTender(_Doc):
    tender_id: Hex32
    project_code: str
    title: str
    tenderer: str
    deadline: int = Field(description="the deadline in force on chain (unix seconds)")
    version: int
    published_at: IsoTime
    sections: list[ListedSection]


class TenderList(_Doc):
    query: str
    offset: int
    limit: int
    total: int = Field(description="how many tenders match the query in all")
    tenders: list[ListedTender]


@router.get("/tenders", **answers(TenderList, (422, 503)))
def list_tenders(
    catalogue: TenderCatalogueDep,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="words each found in the project code, title or "
                                                              "tenderer (case-insensitive)")] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
) -> dict[str, Any]:
    """The tenders the ledger holds, newest first, each checked against the chain."""
    return views.tender_page(catalogue.search(q, offset=offset, limit=limit))
