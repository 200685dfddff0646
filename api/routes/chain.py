"""Health, chain status and the audit journal of contract events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.db.event_pages import EventFilter, decode_cursor, page
from api.deps import RuntimeDep, StoreDep
from api.params import Section, TenderId, Uint64
from api.responses import ChainStatus, Health, JournalEntry, answers
from api.views.events import journal_entry, next_link
from ledger.errors import ValidationFailed

PAGE_MAX = 1000
PageLimit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"at most this many entries (1..{PAGE_MAX:,})")]

router = APIRouter(tags=["chain"])


@router.get("/health", **answers(Health, (503,)))
def health(runtime: RuntimeDep) -> dict[str, Any]:
    """Liveness: the chain answers."""
    return {"ok": True, "block_number": runtime.client.block_number()}


@router.get("/chain", **answers(ChainStatus, (503,)))
def chain_status(runtime: RuntimeDep) -> dict[str, Any]:
    """Which chain, which contracts, how far it has got and the latest block's time (what the
    contracts' deadlines are measured against); `clock` is the embedded chain's clock mode
    (`production`, or `development`: its time may be moved forward), null on a node."""
    embedded = runtime.client.embedded
    return {
        "chain_id": runtime.client.chain_id,
        "backend": "embedded" if embedded else "json-rpc",
        "clock": embedded.clock.value if embedded else None,
        "block_number": runtime.client.block_number(),
        "block_timestamp": runtime.client.block_timestamp(),
        "contracts": runtime.addresses,
    }


@router.get("/events", **answers(list[JournalEntry], (422, 503)))
def events(store: StoreDep, response: Response, cursor: str | None = None, limit: PageLimit = PAGE_MAX,
           contract: str | None = None, event: str | None = None, name: str | None = None,
           tender_id: TenderId | None = None, section: Section | None = None, from_block: Uint64 | None = None,
           to_block: Uint64 | None = None) -> list[dict[str, Any]]:
    """The journal of contract events, oldest first (after reconciling with the chain), a page at a
    time: each entry carries its `cursor`; pass the last one (or the `X-Next-Cursor` header, also
    given as a `Link: rel="next"`, present while more entries match) as `cursor` for the next
    page. Filters: `contract`, `event` (`name` is its older spelling), `tender_id` (events whose
    tenderId argument is the tender), `section` (with `tender_id`), `from_block`..`to_block`."""
    if section is not None and tender_id is None:
        raise ValidationFailed("section filters the events of one tender: give tender_id as well")
    if event and name and event != name:
        raise ValidationFailed("event and name are the same filter: give one")
    where = EventFilter(contract=contract, event=event or name, tender_id=tender_id.lower() if tender_id else None,
                        section=section, from_block=from_block, to_block=to_block)
    after = decode_cursor(cursor) if cursor is not None else None
    store.reconcile()
    with store.session() as session:
        found = page(session, store.chain_key, where, after=after, limit=limit)
    if found.next_cursor is not None:
        response.headers["X-Next-Cursor"] = found.next_cursor
        response.headers["Link"] = next_link(where, found.next_cursor, limit)
    return [journal_entry(e, args) for e, args in found.entries]
