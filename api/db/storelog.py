"""The store's append-only log of the records the chain does not fix, checkpointed on chain.

The journal's tables are projections of chain events: the chain fixes them (`audit run --database`
rebuilds and compares them). What it does not fix is what the service keeps of its own: the filed
documents (`document`: the chain holds a hash for most, not for every one, and not when or as what
the service received it), the replay memory of signed requests (`usednonce`) and the holders of
committee seats with their salts (`seatholderrow`, secret until the committee is revealed). Every
write of such a row — new, changed or deleted, by any code path of any process — appends one
record to `storelogentry` in the same transaction (a SQLAlchemy flush hook), in the one canonical
form `ledger.crypto.canonical.store_record`, so that the row and its record commit together.

A record is written without a position; `sequence` (under the checkpoint guard) places every
record not yet placed after the last, in the order they were written. Positions never change
afterwards: the log is append-only, and CheckpointBook fixes its size and RFC 6962 root
(`ledger.crypto.transparency`) from time to time. Records of a rolled-back transaction never
exist, and concurrent writers cannot interleave a record below a position already checkpointed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Engine, Index, LargeBinary, event, update
from sqlmodel import Field, Session, SQLModel, col, func, select

from api.db.documents import Document
from api.db.events import UsedNonce
from api.db.selection import SeatHolderRow
from ledger.crypto.canonical import keccak, store_record
from ledger.model.checkpoint import LogRecord

TABLE = "storelogentry"


class StoreLogEntry(SQLModel, table=True):
    """One record of the store's log: what was written (`kind`, `key`), its canonical form, when,
    and its position in the log once sequenced (None until then)."""

    __table_args__ = (Index("ix_storelogentry_position", "position", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    position: int | None = Field(default=None)
    kind: str
    key: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    logged_at: datetime


def _when(value: datetime) -> str:
    """A time as ISO 8601 UTC to the microsecond (a store may hand it back without its zone)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def record_of(row: Any, *, deleted: bool = False) -> tuple[str, str, bytes]:
    """(kind, key, canonical record) of a logged table's row: the one mapping from a row to its
    record. A deleted row's record is `<table>.deleted` with the row's key and nothing else."""
    if isinstance(row, Document):
        kind, key = "document", f"{row.chain_key}/{row.kind}/{row.key}"
        fields: dict[str, Any] = {"chain": row.chain_key, "kind": row.kind, "key": row.key,
                                  "content_keccak": _hex(keccak(bytes(row.content))), "media_type": row.media_type,
                                  "received_at": _when(row.received_at)}
    elif isinstance(row, UsedNonce):
        kind, key = "usednonce", f"{row.signer}/{row.nonce}"
        fields = {"signer": row.signer, "nonce": row.nonce, "used_at": _when(row.used_at)}
    elif isinstance(row, SeatHolderRow):
        kind, key = "seatholder", f"{row.chain_key}/{row.tender_id}/{row.section}/{row.kind}/{row.seat}"
        # the salt stays secret until the committee is revealed: the record holds its hash
        fields = {"chain": row.chain_key, "tender_id": row.tender_id, "section": row.section, "kind": row.kind,
                  "seat": row.seat, "member": row.member, "salt_keccak": _hex(keccak(bytes.fromhex(
                      row.salt.removeprefix("0x")))), "filed_at": _when(row.filed_at)}
    else:
        raise TypeError(f"{type(row).__name__} rows are not logged")
    if deleted:
        kind, fields = f"{kind}.deleted", {"key": key}
    return kind, key, store_record(kind, fields)


LOGGED: tuple[type[SQLModel], ...] = (Document, UsedNonce, SeatHolderRow)
LOGGED_TABLES: frozenset[str] = frozenset({"document", "usednonce", "seatholderrow"})


def _entry(row: Any, *, deleted: bool = False) -> StoreLogEntry:
    kind, key, data = record_of(row, deleted=deleted)
    return StoreLogEntry(kind=kind, key=key, data=data, logged_at=datetime.now(UTC))


@event.listens_for(Session, "before_flush")
def _log_writes(session: Session, _context: Any, _instances: Any) -> None:
    """Append a record for every logged row this flush inserts, changes or deletes."""
    entries = [_entry(obj) for obj in session.new if isinstance(obj, LOGGED)]
    entries += [_entry(obj) for obj in session.dirty
                if isinstance(obj, LOGGED) and session.is_modified(obj, include_collections=False)]
    entries += [_entry(obj, deleted=True) for obj in session.deleted if isinstance(obj, LOGGED)]
    for entry in entries:
        session.add(entry)


# ---------------------------------------------------------------------------------- the log
def sequence(engine: Engine) -> int:
    """Place every record not yet placed after the last, in the order written; the log's size.
    Call under the checkpoint guard (one sequencer at a time)."""
    with Session(engine) as session:
        size = int(session.exec(select(func.count()).select_from(StoreLogEntry)
                                .where(col(StoreLogEntry.position).is_not(None))).one())
        waiting = list(session.exec(select(StoreLogEntry.id).where(col(StoreLogEntry.position).is_(None))
                                    .order_by(col(StoreLogEntry.id))))
        for offset, entry_id in enumerate(waiting):
            session.execute(update(StoreLogEntry).where(col(StoreLogEntry.id) == entry_id)
                            .values(position=size + offset))
        session.commit()
    return size + len(waiting)


def records(engine: Engine, *, upto: int | None = None) -> list[LogRecord]:
    """The placed records, by position (the first `upto` positions with `upto`)."""
    with Session(engine) as session:
        query = select(StoreLogEntry).where(col(StoreLogEntry.position).is_not(None))
        if upto is not None:
            query = query.where(col(StoreLogEntry.position) < upto)
        return [LogRecord(int(e.position), e.kind, e.key, bytes(e.data))  # type: ignore[arg-type]
                for e in session.exec(query.order_by(col(StoreLogEntry.position)))]


def waiting(engine: Engine) -> list[LogRecord]:
    """The records written but not yet placed in the log, in the order written (position -1)."""
    with Session(engine) as session:
        return [LogRecord(-1, e.kind, e.key, bytes(e.data)) for e in session.exec(
            select(StoreLogEntry).where(col(StoreLogEntry.position).is_(None)).order_by(col(StoreLogEntry.id)))]


def live_records(engine: Engine) -> dict[tuple[str, str], bytes]:
    """The record each logged row has now, by (kind, key): what the log's newest record of the row
    must be."""
    out: dict[tuple[str, str], bytes] = {}
    with Session(engine) as session:
        for model in LOGGED:
            for row in session.exec(select(model)):
                kind, key, data = record_of(row)
                out[(kind, key)] = data
    return out


def log_existing(engine: Engine, rows: Iterable[Any]) -> None:
    """Log rows written before the log existed (the store's upgrade to it), in one transaction."""
    with Session(engine) as session:
        for row in rows:
            session.add(_entry(row))
        session.commit()


class SqlStoreLog:
    """`ledger.service.checkpoints.StoreLog` over this table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sequence(self) -> int:
        return sequence(self.engine)

    def records(self, upto: int | None = None) -> list[LogRecord]:
        return records(self.engine, upto=upto)

    def written(self) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(StoreLogEntry)).one())

    def written_at(self, position: int) -> float | None:
        with Session(self.engine) as session:
            entry = session.exec(select(StoreLogEntry).where(col(StoreLogEntry.position) == position)).first()
            if entry is None:  # not placed yet: the first written of those waiting
                entry = session.exec(select(StoreLogEntry).where(col(StoreLogEntry.position).is_(None))
                                     .order_by(col(StoreLogEntry.id))).first()
            if entry is None:
                return None
            at = entry.logged_at if entry.logged_at.tzinfo else entry.logged_at.replace(tzinfo=UTC)
            return at.timestamp()
