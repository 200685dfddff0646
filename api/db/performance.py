"""履约 off chain: the tables projected from PerformanceBook's events, and the repository the
performance use cases read and file documents through (`SqlPerformanceFiles`).

Tables (one row per event, keyed by tender, section and entry index):
  performanceentryrecord       PerformanceRecorded (milestones, complaints, the completion), and its
                               PerformanceAcknowledged
  performancerulingrecord      PerformanceComplaintRuled: the governance's ruling on a complaint
  performancecompletionrecord  the section's completion (a PerformanceRecorded of kind COMPLETION)

Documents (api/db/documents.py), by kind and the on-chain value each is filed under:
  performance-milestone   a milestone's text (UTF-8), under its PerformanceRecorded.documentHash
  performance-complaint   a complaint's text, under its documentHash
  performance-evaluation  the completion evaluation (canonical JSON), under its documentHash
  performance-ruling      the governance's ruling on a complaint (UTF-8), under
                          PerformanceComplaintRuled.rulingHash

The rows are a cache: the use cases compare each row they serve with the chain's own entry,
ruling and completion (`ledger.service.performance`), and a row that differs is refused.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlmodel import Field, Session, SQLModel, col, select

from api.db.events import ChainEvent
from api.db.selection import SqlSelectionFiles
from ledger.model.performance import Completion, Entry, EntryKind, Ruling


class Store(Protocol):
    chain_key: str
    runtime: Any
    confirmations: int

    def session(self) -> AbstractContextManager[Session]: ...

    def reconcile(self) -> int: ...


class PerformanceEntryRecord(SQLModel, table=True):
    """One entry of a section's performance record, as PerformanceRecorded logged it, with its
    acknowledgement (PerformanceAcknowledged) once the other party gave it."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)  # 0x-hex
    section: int = Field(primary_key=True)
    entry_index: int = Field(primary_key=True)
    kind: int  # EntryKind
    by: str
    winner: str
    document_hash: str  # 0x-hex
    recorded_at: int  # block time, as the contract records it
    tx_hash: str
    acknowledged_at: int = 0
    acknowledged_by: str | None = None
    acknowledged_tx: str | None = None


class PerformanceRulingRecord(SQLModel, table=True):
    """The governance's ruling on complaint `entry_index` (PerformanceComplaintRuled)."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    entry_index: int = Field(primary_key=True)
    upheld: bool
    ruling_hash: str
    by: str
    ruled_at: int  # block time
    tx_hash: str


class PerformanceCompletionRecord(SQLModel, table=True):
    """A section's completion: its entry, the evaluation's hash, when, and the winner evaluated."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    entry_index: int
    evaluation_hash: str
    completed_at: int
    winner: str


def _seconds(moment: datetime) -> int:
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def project_performance_book(session: Session, chain_key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    """A PerformanceBook event into its rows."""
    key = (chain_key, str(args.get("tenderId", "")).lower(), int(args.get("section", 0)), int(args.get("index", 0)))
    if ev.name == "PerformanceRecorded":
        session.add(PerformanceEntryRecord(
            chain_key=key[0], tender_id=key[1], section=key[2], entry_index=key[3], kind=int(args["kind"]),
            by=args["by"], winner=args["winner"], document_hash=args["documentHash"],
            recorded_at=int(args["recordedAt"]), tx_hash=ev.tx_hash))
        if int(args["kind"]) == EntryKind.COMPLETION:
            session.add(PerformanceCompletionRecord(
                chain_key=key[0], tender_id=key[1], section=key[2], entry_index=key[3],
                evaluation_hash=args["documentHash"], completed_at=int(args["recordedAt"]), winner=args["winner"]))
    elif ev.name == "PerformanceAcknowledged":
        row = session.get(PerformanceEntryRecord, key)
        if row is not None:
            row.acknowledged_at, row.acknowledged_by = int(args["acknowledgedAt"]), args["by"]
            row.acknowledged_tx = ev.tx_hash
            session.add(row)
    elif ev.name == "PerformanceComplaintRuled":
        session.add(PerformanceRulingRecord(
            chain_key=key[0], tender_id=key[1], section=key[2], entry_index=key[3], upheld=bool(args["upheld"]),
            ruling_hash=args["rulingHash"], by=args["by"], ruled_at=_seconds(ev.block_time), tx_hash=ev.tx_hash))


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


class SqlPerformanceFiles(SqlSelectionFiles):
    """`ledger.service.performance.PerformanceFiles` and `PerformanceRows` over the documents table
    and the projected tables."""

    store: Store

    def __init__(self, store: Store) -> None:
        super().__init__(store)

    @property
    def confirmations(self) -> int:
        return self.store.confirmations

    def catch_up(self) -> None:
        self.store.reconcile()

    def _where(self, model: Any, tender_id: bytes, section: int) -> Any:
        return select(model).where(model.chain_key == self.store.chain_key, model.tender_id == "0x" + tender_id.hex(),
                                   model.section == section)

    def entries(self, tender_id: bytes, section: int) -> list[Entry]:
        with self.store.session() as s:
            rows = s.exec(self._where(PerformanceEntryRecord, tender_id, section)
                          .order_by(col(PerformanceEntryRecord.entry_index)))
            return [Entry(r.entry_index, EntryKind(r.kind), r.by, r.recorded_at, r.acknowledged_at,
                          _bytes(r.document_hash)) for r in rows]

    def rulings(self, tender_id: bytes, section: int) -> dict[int, Ruling]:
        with self.store.session() as s:
            return {r.entry_index: Ruling(r.upheld, r.ruled_at, r.by, _bytes(r.ruling_hash))
                    for r in s.exec(self._where(PerformanceRulingRecord, tender_id, section))}

    def completion(self, tender_id: bytes, section: int) -> Completion | None:
        with self.store.session() as s:
            r = s.exec(self._where(PerformanceCompletionRecord, tender_id, section)).first()
            return None if r is None else Completion(_bytes(r.evaluation_hash), r.completed_at, r.winner, r.entry_index)
