"""Documents whose hashes are on chain: tender files and parameters, sealed bids, holders' copies.

The chain holds a hash; the document itself is uploaded by the party that made it and kept here,
keyed by the on-chain value it is filed under (`key`: a hash, a credential id, a commitment) and
by what kind of document it is. Projections read documents from here, so dropping every
projection and replaying the chain rebuilds the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

# Keys per IN (...) query: well below SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 500


class Document(SQLModel, table=True):
    """One uploaded document, filed under the on-chain value it belongs to."""

    chain_key: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)  # e.g. "tender", "params", "envelope", "sealed-credential"
    key: str = Field(primary_key=True)  # the on-chain value it is filed under, 0x-hex
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    media_type: str = "application/octet-stream"
    received_at: datetime


def put(session: Session, *, chain_key: str, kind: str, key: str, content: bytes, received_at: datetime,
        media_type: str = "application/octet-stream") -> Document:
    """File `content` under (`kind`, `key`); a second upload under the same key replaces the first."""
    row = Document(chain_key=chain_key, kind=kind, key=key.lower(), content=content,
                   media_type=media_type, received_at=received_at)
    return session.merge(row)


def put_many(session: Session, *, chain_key: str, kind: str, items: Sequence[tuple[str, bytes]],
             received_at: datetime, media_type: str = "application/octet-stream") -> None:
    """File many (key, content) pairs of one kind: one query for those already filed (replaced),
    one insert for the rest (a batch of thousands of credentials files in milliseconds)."""
    existing = get_many(session, chain_key=chain_key, kind=kind, keys=[k for k, _ in items])
    for key, content in items:
        row = existing.get(key.lower())
        if row is None:
            session.add(Document(chain_key=chain_key, kind=kind, key=key.lower(), content=content,
                                 media_type=media_type, received_at=received_at))
        else:
            row.content, row.media_type, row.received_at = content, media_type, received_at
            session.add(row)


def get_many(session: Session, *, chain_key: str, kind: str, keys: Iterable[str]) -> dict[str, Document]:
    """The documents of one kind filed under any of `keys`, by key (lower-case 0x-hex)."""
    wanted = sorted({k.lower() for k in keys})
    found: dict[str, Document] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        query = select(Document).where(Document.chain_key == chain_key, Document.kind == kind,
                                       col(Document.key).in_(chunk))
        found.update({d.key: d for d in session.exec(query)})
    return found


def get(session: Session, *, chain_key: str, kind: str, key: str) -> Document | None:
    return session.get(Document, (chain_key, kind, key.lower()))


def of_kind(session: Session, *, chain_key: str, kind: str) -> list[Document]:
    return list(session.exec(select(Document).where(Document.chain_key == chain_key, Document.kind == kind)))
