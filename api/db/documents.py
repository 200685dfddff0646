"""Documents whose hashes are on chain: tender files and parameters, sealed bids, holders' copies.

The chain holds a hash; the document itself is uploaded by the party that made it and kept here,
keyed by the on-chain value it is filed under (`key`: a hash, a credential id, a commitment) and
by what kind of document it is. Projections read documents from here, so dropping every
projection and replaying the chain rebuilds the same rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, select


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


def get(session: Session, *, chain_key: str, kind: str, key: str) -> Document | None:
    return session.get(Document, (chain_key, kind, key.lower()))


def of_kind(session: Session, *, chain_key: str, kind: str) -> list[Document]:
    return list(session.exec(select(Document).where(Document.chain_key == chain_key, Document.kind == kind)))
