"""Credential tables: issuer authorisations, anchored roots and anchored credentials, projected
from CredentialRegistry (plus the holders' sealed copies filed as documents); and the repository
the use cases read credentials through (`SqlCredentialLookup`, the `CredentialLookup` port)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from hexbytes import HexBytes
from sqlmodel import Field, Session, SQLModel, col, select

from api.db.events import ChainEvent
from ledger.documents import Kind, SealedCredential
from ledger.model.credential import StoredCredential


class IssuerKind(SQLModel, table=True):
    """Projection: which issuer holds which credential kind, and since when."""

    chain_key: str = Field(primary_key=True)
    issuer: str = Field(primary_key=True)
    kind: int = Field(primary_key=True)
    authorised: bool
    changed_at: datetime


class AnchorRecord(SQLModel, table=True):
    """Projection: one anchored root (a batch or a single credential)."""

    chain_key: str = Field(primary_key=True)
    root: str = Field(primary_key=True)
    issuer: str = Field(index=True)
    kind: int
    block_number: int
    tx_hash: str
    anchored_at: datetime


class CredentialRecord(SQLModel, table=True):
    """An anchored credential: the holder's sealed document, its batch root and proof."""

    chain_key: str = Field(primary_key=True)
    credential_id: str = Field(primary_key=True)
    root: str = Field(index=True)
    kind: int
    issuer: str = Field(index=True)
    subject: str = Field(index=True)
    signing_address: str | None = Field(default=None, index=True)  # identity credentials: the firm's key
    proof: str  # JSON list of 0x hashes
    sealed: str  # SealedCredential JSON (document + master salt)
    tx_hash: str
    block_number: int
    anchored_at: datetime


def stored(r: CredentialRecord) -> StoredCredential:
    """The row as the model the use cases work with."""
    return StoredCredential(
        credential_id=bytes(HexBytes(r.credential_id)), root=bytes(HexBytes(r.root)), kind=Kind(r.kind),
        issuer=r.issuer, subject=r.subject, signing_address=r.signing_address,
        proof=tuple(bytes(HexBytes(p)) for p in json.loads(r.proof)),
        sealed=SealedCredential.from_json(r.sealed), tx_hash=bytes(HexBytes(r.tx_hash)),
        block_number=r.block_number, anchored_at=_unix(r.anchored_at),
    )


def _unix(moment: datetime) -> int:
    """Unix seconds of a stored time (SQLite hands back naive datetimes: they are UTC)."""
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


class SessionSource(Protocol):
    """What a repository needs of the store: its chain key and sessions (the `Store` has both)."""

    chain_key: str

    def session(self) -> AbstractContextManager[Session]: ...


class SqlCredentialLookup:
    """The `CredentialLookup` port over the store's CredentialRecord projection."""

    def __init__(self, store: SessionSource) -> None:
        self.store = store

    def _rows(self, *where: Any, newest_first: bool = False) -> list[StoredCredential]:
        query = select(CredentialRecord).where(CredentialRecord.chain_key == self.store.chain_key, *where)
        if newest_first:
            query = query.order_by(col(CredentialRecord.block_number).desc())
        with self.store.session() as s:
            return [stored(r) for r in s.exec(query)]

    def credential(self, credential_id: bytes) -> StoredCredential | None:
        with self.store.session() as s:
            row = s.get(CredentialRecord, (self.store.chain_key, "0x" + credential_id.hex()))
        return None if row is None else stored(row)

    def identities_bound_to(self, address: str) -> Sequence[StoredCredential]:
        return self._rows(CredentialRecord.kind == int(Kind.IDENTITY), CredentialRecord.signing_address == address)

    def credit_records_of(self, uscc: str) -> Sequence[StoredCredential]:
        return self._rows(CredentialRecord.subject == uscc, CredentialRecord.kind == int(Kind.CREDIT))

    def of_subject(self, uscc: str) -> Sequence[StoredCredential]:
        return self._rows(CredentialRecord.subject == uscc, newest_first=True)

    def known(self, credential_ids: Sequence[bytes]) -> list[bytes]:
        """Which of `credential_ids` the store holds already."""
        hexes = ["0x" + i.hex() for i in credential_ids]
        with self.store.session() as s:
            found = s.exec(select(CredentialRecord.credential_id).where(
                CredentialRecord.chain_key == self.store.chain_key, col(CredentialRecord.credential_id).in_(hexes)
            )).all()
        return [bytes(HexBytes(h)) for h in found]


def project_registry(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    if ev.name in ("IssuerAuthorised", "IssuerWithdrawn"):
        row = session.get(IssuerKind, (key, args["issuer"], args["kind"]))
        authorised = ev.name == "IssuerAuthorised"
        if row is None:
            session.add(
                IssuerKind(chain_key=key, issuer=args["issuer"], kind=args["kind"],
                           authorised=authorised, changed_at=ev.block_time)
            )
        else:
            row.authorised, row.changed_at = authorised, ev.block_time
            session.add(row)
    elif ev.name == "Anchored":
        session.add(
            AnchorRecord(chain_key=key, root=args["root"], issuer=args["issuer"], kind=args["kind"],
                         block_number=ev.block_number, tx_hash=ev.tx_hash, anchored_at=ev.block_time)
        )
