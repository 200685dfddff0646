"""Credential tables: issuer authorisations and anchored roots, projected from CredentialRegistry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, Session, SQLModel

from api.db.events import ChainEvent


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
