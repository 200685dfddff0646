"""Journal entries (GET /events) as the API's JSON, and the link to the next page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from api.db.event_pages import EventFilter, encode_cursor
from api.db.events import ChainEvent


def journal_entry(e: ChainEvent, args: dict[str, Any]) -> dict[str, Any]:
    return {"block_number": e.block_number, "log_index": e.log_index, "tx_hash": e.tx_hash, "contract": e.contract,
            "event": e.name, "args": args, "block_time": e.block_time.isoformat(),
            "cursor": encode_cursor(e.block_number, e.log_index)}


def next_link(where: EventFilter, cursor: str, limit: int) -> str:
    """`Link` header value of the next page: the same filters, from `cursor`."""
    query = {k: v for k, v in (("contract", where.contract), ("event", where.event), ("tender_id", where.tender_id),
                               ("section", where.section), ("from_block", where.from_block),
                               ("to_block", where.to_block)) if v is not None}
    return f'</events?{urlencode({**query, "limit": limit, "cursor": cursor})}>; rel="next"'
