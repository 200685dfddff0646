"""The list of tenders anyone may read: search by project code, title or tenderer, in pages.

The store's index says which tenders match; each tender on the page is then read as the store
holds it and checked against TenderBook (`verified_tender`), with its sections' status read from
the chain, so a page never shows a tender row the chain does not back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ledger.model.tender import SectionState, StoredTender
from ledger.service.ports import TenderRecords
from ledger.service.tenders import TenderReads, verified_tender

MAX_PAGE = 100
MAX_QUERY = 200


@dataclass(frozen=True)
class TenderListing:
    """One tender as the store's index lists it (what a search matches on)."""

    tender_id: bytes
    project_code: str
    title: str
    tenderer: str
    published_at: datetime


class TenderIndex(Protocol):
    """The store's list of the tenders it holds."""

    def listings(self) -> Sequence[TenderListing]:
        """Every tender the store holds, newest publication first."""
        ...


class SectionReads(TenderReads, Protocol):
    def section(self, tender_id: bytes, section: int) -> SectionState: ...


@dataclass(frozen=True)
class ListedTender:
    """A tender on a page: as the store holds it, checked against the chain, and each section's state."""

    stored: StoredTender
    sections: tuple[SectionState, ...]


@dataclass(frozen=True)
class TenderPage:
    """One page of a search: the tenders on it, how many match in all, and where the page starts."""

    query: str
    offset: int
    limit: int
    total: int
    tenders: tuple[ListedTender, ...]


def matches(listing: TenderListing, query: str) -> bool:
    """Every word of `query` appears (case-insensitively) in the project code, title or tenderer."""
    text = f"{listing.project_code} {listing.title} {listing.tenderer}".casefold()
    return all(word in text for word in query.casefold().split())


class TenderCatalogue:
    """Search the tenders the ledger holds, each checked against TenderBook."""

    def __init__(self, book: SectionReads, records: TenderRecords, index: TenderIndex) -> None:
        self.book, self.records, self.index = book, records, index

    def search(self, query: str = "", *, offset: int = 0, limit: int = 20) -> TenderPage:
        query = query.strip()[:MAX_QUERY]
        offset, limit = max(offset, 0), min(max(limit, 1), MAX_PAGE)
        found = [listing for listing in self.index.listings() if matches(listing, query)]
        page = []
        for listing in found[offset:offset + limit]:
            stored = verified_tender(self.book, self.records, listing.tender_id)  # StoreMismatch if the chain disagrees
            count = len(stored.tender.params.sections)
            page.append(ListedTender(stored, tuple(self.book.section(listing.tender_id, i) for i in range(count))))
        return TenderPage(query=query, offset=offset, limit=limit, total=len(found), tenders=tuple(page))
