"""The off-chain store: SQLModel tables (SQLite by default, PostgreSQL in production).

The chain is the source of truth. Every contract event is journalled here exactly once, keyed
by (chain, block, log index), and the tables the API reads are projections of that journal.
`reconcile` brings the store up to the chain head at start-up and after every write, so a crash
between a transaction and its database write loses nothing and applies nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from eth_typing import ChecksumAddress
from sqlalchemy import Engine, event
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlmodel import Session, SQLModel, col, create_engine, func, select

from api.db import credentials as credentials_db
from api.db import guarantees as guarantees_db
from api.db import schema
from api.db.locks import RECONCILE, StoreLock, store_lock
from api.db import selection as selection_db  # noqa: F401  (its tables)
from api.db import tenders as tenders_db

# Imported so that their tables exist in the metadata `make_engine` creates.
from api.db.documents import Document  # noqa: F401
from api.db.events import ChainEvent, Projector, SyncCursor, UsedNonce, jsonable  # noqa: F401
from ledger.chain.gateway import Gateway
from ledger.errors import ConfigurationError
from ledger.runtime import Runtime

LOG_CHUNK = 2_000


def make_engine(url: str) -> Engine:
    """Engine for `url`; SQLite gets WAL and a busy timeout so API threads do not collide."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    try:
        schema.prepare(engine)  # create and stamp an empty store; refuse an older or newer one
    except DatabaseError as exc:  # unreachable, locked, or not a database at all
        raise ConfigurationError(f"the database at {engine.url!r} cannot be used: {exc.orig}") from None
    return engine


def database_url(runtime: Runtime) -> str:
    return runtime.settings.database_url or f"sqlite:///{runtime.datadir.store_file}"


def chain_key(runtime: Runtime) -> str:
    genesis = runtime.client.w3.eth.get_block(0)["hash"].hex()
    return f"{runtime.client.chain_id}:{genesis}"


# Every contract's projectors, in the order they run for each of its events.
PROJECTORS: dict[str, tuple[Projector, ...]] = {
    "CredentialRegistry": (credentials_db.project_registry,),
    "TenderBook": (tenders_db.project_tender_book,),
    "GuaranteeBook": (guarantees_db.project_guarantee_book,),
}

# Tables that are not projections of the chain: uploaded documents and the request-replay memory.
NOT_PROJECTED: frozenset[str] = frozenset({"document", "usednonce", "seatholderrow"})


class Store:
    """The off-chain store bound to one runtime (chain + deployed contracts)."""

    def __init__(self, runtime: Runtime, engine: Engine | None = None) -> None:
        self.runtime = runtime
        self.engine = engine or make_engine(database_url(runtime))
        self.chain_key = chain_key(runtime)
        self._block_times: dict[int, datetime] = {}
        # one catch-up at a time across every process on this store (an advisory lock on PostgreSQL)
        self._reconcile_lock = store_lock(self.engine, RECONCILE)
        # chain facts that can no longer change, once checked (see SelectionService.final)
        self.final_reads: dict[tuple[Any, ...], Any] = {}

    def lock(self, name: str) -> StoreLock:
        """The guard `name` (see `api.db.locks`) across every process on this store."""
        return store_lock(self.engine, name)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def reconcile(self) -> int:
        """Journal and project every event up to the chain head; return how many were new.

        One catch-up at a time across the processes on this store (the reconcile guard); should
        another writer have journalled the same events anyway (its insert wins the primary key),
        the chunk is read again from its cursor.
        """
        with self._reconcile_lock:
            try:
                return self._reconcile()
            except IntegrityError:
                return self._reconcile()

    def _reconcile(self) -> int:
        head = self.runtime.client.block_number()
        added = 0
        for name, address in self.runtime.addresses.items():
            gateway = self.runtime.gateway(name)
            with self.session() as session:
                cursor = session.get(SyncCursor, (self.chain_key, name))
                start = 0 if cursor is None or cursor.address != address else cursor.last_block + 1
            while start <= head:
                end = min(head, start + LOG_CHUNK - 1)
                added += self._ingest(name, gateway, address, start, end)
                start = end + 1
        return added

    def _ingest(self, name: str, gateway: Gateway, address: ChecksumAddress, start: int, end: int) -> int:
        logs = gateway.logs(from_block=start, to_block=end)
        projectors = PROJECTORS.get(name, ())
        added = 0
        # One DB transaction per chunk: the events, their projections and the cursor together.
        with self.session() as session:
            for log in logs:
                pk = (self.chain_key, log.block_number, log.log_index)
                if session.get(ChainEvent, pk) is not None:
                    continue
                args = {k: jsonable(v) for k, v in log.args.items()}
                ev = ChainEvent(
                    chain_key=self.chain_key, block_number=log.block_number,
                    log_index=log.log_index, tx_hash="0x" + log.tx_hash.hex(),
                    contract=name, name=log.event, args=json.dumps(args),
                    block_time=self._block_time(log.block_number),
                )
                session.add(ev)
                for project in projectors:
                    project(session, self.chain_key, ev, args)
                added += 1
            cursor = session.get(SyncCursor, (self.chain_key, name))
            if cursor is None:
                cursor = SyncCursor(chain_key=self.chain_key, contract=name, address=address, last_block=end)
            cursor.address, cursor.last_block = address, end
            session.add(cursor)
            session.commit()
        return added

    def _block_time(self, number: int) -> datetime:
        cached = self._block_times.get(number)
        if cached is None:
            ts = self.runtime.client.block_timestamp(number)
            cached = datetime.fromtimestamp(ts, UTC)
            if len(self._block_times) > 10_000:
                self._block_times.clear()
            self._block_times[number] = cached
        return cached

    def rebuild(self) -> int:
        """Drop the journal and every projection, then replay the chain: the store is a cache.

        Uploaded documents and the request-replay memory stay; everything else is made again
        from the chain's events (and the documents filed under their on-chain hashes).
        """
        with self._reconcile_lock:  # no catch-up of this process runs between the drop and the replay
            with self.session() as session:
                for table in reversed(SQLModel.metadata.sorted_tables):
                    if table.name not in NOT_PROJECTED:
                        session.execute(table.delete())
                session.commit()
            self._block_times.clear()
            return self.reconcile()

    def row_counts(self) -> dict[str, int]:
        """Rows per table of this store (every chain's), by table name."""
        counts: dict[str, int] = {}
        with self.session() as session:
            for table in SQLModel.metadata.sorted_tables:
                counts[table.name] = int(session.exec(select(func.count()).select_from(table)).one())
        return counts

    def events(self, name: str | None = None) -> list[ChainEvent]:
        with self.session() as session:
            query = select(ChainEvent).where(ChainEvent.chain_key == self.chain_key)
            if name:
                query = query.where(ChainEvent.name == name)
            return list(session.exec(query.order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))))
