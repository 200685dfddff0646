"""Pages of the event journal: keyset paging on the chain's order (block, log index) with an
opaque cursor, filtered by contract, event name, tender, section and block range.

A cursor is the position of the last entry a client has seen, base64url-encoded (12 bytes: the
block as 8 bytes and the log index as 4, big-endian): the next page starts strictly after it, so
paging never skips or repeats an entry however long the journal grows. A tender filter matches
the events whose `tenderId` argument is the tender (GuaranteeBook events that name only a
guarantee id are not among them); the journal's args are JSON text, so the filter narrows the
scan with a LIKE on the id and checks the argument exactly.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from api.db.events import ChainEvent
from ledger.errors import ValidationFailed

SCAN = 500  # rows read per query while filling a page


def encode_cursor(block_number: int, log_index: int) -> str:
    raw = block_number.to_bytes(8, "big") + log_index.to_bytes(4, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    """(block, log index) of a cursor; ValidationFailed (422) for anything that is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 12 or encode_cursor(int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")) != cursor:
        raise ValidationFailed("cursor is not a cursor this journal gave (take it from an entry's `cursor` or the "
                               "X-Next-Cursor header)")
    return int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")


SQL_INT_MAX = 2**63 - 1  # the largest integer SQLite and PostgreSQL's BIGINT hold


@dataclass(frozen=True)
class EventFilter:
    contract: str | None = None
    event: str | None = None
    tender_id: str | None = None  # 0x-hex, lower case
    section: int | None = None
    from_block: int | None = None
    to_block: int | None = None

    def matches(self, args: dict[str, Any]) -> bool:
        if self.tender_id is not None and str(args.get("tenderId", "")).lower() != self.tender_id:
            return False
        return self.section is None or args.get("section") == self.section


@dataclass(frozen=True)
class EventPage:
    entries: list[tuple[ChainEvent, dict[str, Any]]]  # each with its args decoded
    next_cursor: str | None  # None: nothing after the last entry matches


def page(session: Session, chain_key: str, where: EventFilter, *, after: tuple[int, int] | None,
         limit: int) -> EventPage:
    """Up to `limit` journal entries matching `where`, strictly after `after`, oldest first."""
    query = select(ChainEvent).where(ChainEvent.chain_key == chain_key)
    if where.contract:
        query = query.where(ChainEvent.contract == where.contract)
    if where.event:
        query = query.where(ChainEvent.name == where.event)
    if where.tender_id:
        query = query.where(col(ChainEvent.args).like(f"%{where.tender_id[2:]}%"))
    # Block numbers are uint64 on the API and signed 64-bit integers in SQL: a bound past the SQL range
    # means "beyond every block" (no block reaches it), not an error.
    if where.from_block is not None:
        query = query.where(ChainEvent.block_number >= min(where.from_block, SQL_INT_MAX))
    if where.to_block is not None:
        query = query.where(ChainEvent.block_number <= min(where.to_block, SQL_INT_MAX))
    query = query.order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))
    found: list[tuple[ChainEvent, dict[str, Any]]] = []
    position = after
    while len(found) <= limit:
        q = query
        if position is not None:
            block, index = position
            q = q.where(or_(col(ChainEvent.block_number) > block,
                            and_(col(ChainEvent.block_number) == block, col(ChainEvent.log_index) > index)))
        rows = list(session.exec(q.limit(SCAN)))
        for row in rows:
            args = json.loads(row.args)
            if where.matches(args):
                found.append((row, args))
        if len(rows) < SCAN:
            break
        position = (rows[-1].block_number, rows[-1].log_index)
    more = len(found) > limit
    entries = found[:limit]
    last = entries[-1][0] if entries else None
    return EventPage(entries, encode_cursor(last.block_number, last.log_index) if more and last else None)


def every(session: Session, chain_key: str, where: EventFilter) -> list[tuple[ChainEvent, dict[str, Any]]]:
    """Every journal entry matching `where`, oldest first (page after page)."""
    out: list[tuple[ChainEvent, dict[str, Any]]] = []
    after: tuple[int, int] | None = None
    while True:
        found = page(session, chain_key, where, after=after, limit=SCAN)
        out += found.entries
        if found.next_cursor is None or not found.entries:
            return out
        last = found.entries[-1][0]
        after = (last.block_number, last.log_index)
