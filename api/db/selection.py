"""评定分离 off chain: the documents whose hashes SelectionBook holds, and the seat holders.

Documents (api/db/documents.py), by kind and the on-chain value each is filed under:
  selection-sheet      a revealed score or review sheet (canonical JSON), under its sheet hash
                       (SheetRevealed.sheetHash)
  selection-report     the evaluation report (canonical JSON), under ShortlistFiled.reportHash
  selection-record     the decision record (canonical JSON), under Decided.recordHash
  selection-exclusion  why an expert was excluded, under ExpertExcluded.reasonHash
  selection-objection  an objection's text, under ObjectionFiled.reasonHash
  selection-answer     the centre's answer, under ObjectionAnswered.answerHash
  selection-view       集体议事: a member's written view (canonical JSON), under its VoteRevealed.salt

`SeatHolderRow` is the centre's secret until the committee is revealed: which pool member holds
each seat and the salt of its link. The service never serves it before `revealCommittee`, after
which the chain publishes the same (SeatOpened).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlmodel import Field, Session, SQLModel, select

from api.db import documents
from ledger.model.selection import CommitteeKind, SeatHolder


class Store(Protocol):
    chain_key: str
    runtime: Any

    def session(self) -> AbstractContextManager[Session]: ...


class SeatHolderRow(SQLModel, table=True):
    """Who holds a committee seat, and its link's salt (secret until the committee is revealed)."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)  # 0x-hex
    section: int = Field(primary_key=True)
    kind: int = Field(primary_key=True)
    seat: str = Field(primary_key=True)
    member: str
    salt: str  # 0x-hex
    filed_at: datetime


class SqlSelectionFiles:
    """`ledger.service.selection.SelectionFiles` over the documents table and the seat holders."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def file(self, kind: str, key: bytes, content: bytes) -> None:
        with self.store.session() as s:
            documents.put(s, chain_key=self.store.chain_key, kind=kind, key="0x" + key.hex(), content=content,
                          received_at=datetime.now(UTC), media_type="application/json")
            s.commit()

    def document(self, kind: str, key: bytes) -> bytes | None:
        with self.store.session() as s:
            row = documents.get(s, chain_key=self.store.chain_key, kind=kind, key="0x" + key.hex())
            return bytes(row.content) if row is not None else None

    def documents(self, kind: str, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The documents of `kind` filed under any of `keys`, by key (one query per 500 keys)."""
        with self.store.session() as s:
            rows = documents.get_many(s, chain_key=self.store.chain_key, kind=kind, keys=["0x" + k.hex() for k in keys])
        return {bytes.fromhex(k[2:]): bytes(row.content) for k, row in rows.items()}

    def file_holders(self, tender_id: bytes, section: int, kind: CommitteeKind, holders: Sequence[SeatHolder]) -> None:
        now = datetime.now(UTC)
        with self.store.session() as s:
            for h in holders:
                s.merge(SeatHolderRow(chain_key=self.store.chain_key, tender_id="0x" + tender_id.hex(),
                                      section=section, kind=int(kind), seat=h.seat, member=h.member,
                                      salt="0x" + h.salt.hex(), filed_at=now))
            s.commit()

    def holders(self, tender_id: bytes, section: int, kind: CommitteeKind) -> list[SeatHolder]:
        with self.store.session() as s:
            rows = s.exec(select(SeatHolderRow).where(
                SeatHolderRow.chain_key == self.store.chain_key, SeatHolderRow.tender_id == "0x" + tender_id.hex(),
                SeatHolderRow.section == section, SeatHolderRow.kind == int(kind)))
            return [SeatHolder(r.seat, r.member, bytes.fromhex(r.salt[2:])) for r in rows]
