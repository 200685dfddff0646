"""The off-chain store: SQLModel tables (SQLite by default, PostgreSQL in production).

The chain is the source of truth. Every contract event is journalled here exactly once, keyed
by (chain, block, log index), and the tables the API reads are projections of that journal.
`reconcile` brings the store up to the chain head at start-up and after every write, so a crash
between a transaction and its database write loses nothing and applies nothing twice.

Finality: with `confirmations` = N (TL_CONFIRMATIONS) the journal reads only blocks at least N
below the head. It keeps the hash of every journalled event's block and of each cursor's last
block; when the node's block at a cursor has another hash (a reorg deeper than N, or any reorg
with N = 0), the journal is rolled back to the newest journalled block the node still has: the
events above it are deleted, this chain's projections are emptied and replayed from the events
kept (no chain reads), and the blocks above are read again. Where no kept hash matches (or the
events have none, journalled before hashes were kept), everything of this chain is dropped and
read again from block 0 (a warning says so).

Several nodes (TL_RPC_URL with fail-over): a node failed over to may lag, so blocks the journal
already read are missing there for a while. That is not a reorg: while the node answering is
behind a head another node served, the catch-up waits (nothing is read or rolled back), and goes
on once that node has caught up — a reorg is only a block the node has with another hash, or a
node's own head going back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from eth_typing import ChecksumAddress
from sqlalchemy import Engine, event
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlmodel import Session, SQLModel, col, create_engine, delete, func, select

from api.db import credentials as credentials_db
from api.db import guarantees as guarantees_db
from api.db import performance as performance_db
from api.db import schema
from api.db.locks import RECONCILE, StoreLock, store_lock
from api.db import selection as selection_db  # noqa: F401  (its tables)
from api.db import tenders as tenders_db

# Imported so that their tables exist in the metadata `make_engine` creates.
from api.db.documents import Document  # noqa: F401
from api.db.events import ChainEvent, Projector, SyncCursor, UsedNonce, jsonable  # noqa: F401
from api.db.storelog import StoreLogEntry  # noqa: F401  (its table, and the hook that fills it)
from ledger.chain.gateway import Gateway
from ledger.errors import ConfigurationError
from ledger.runtime import Runtime

LOG_CHUNK = 2_000
REORG_SEARCH = 256
"""How many journalled blocks a reorg's rollback looks back through for one the node still has;
beyond, this chain's journal is read again from block 0."""

log = logging.getLogger("tender_ledger.journal")


class _ChainMoved(Exception):
    """The node's chain changed while a chunk was read: nothing of the chunk was written."""


DEFAULT_POOL = 10  # PostgreSQL connections a process keeps open (as many again at peaks)


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """Engine for `url`; SQLite gets WAL and a busy timeout so API threads do not collide; PostgreSQL
    a pool of `pool_size` connections (and as many again at peaks: TL_DB_POOL_SIZE)."""
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
        size = pool_size or DEFAULT_POOL
        engine = create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=size)
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
    "PerformanceBook": (performance_db.project_performance_book,),
}

# Tables that are not projections of the chain: uploaded documents, the request-replay memory, the
# seat holders, the log of their writes that CheckpointBook checkpoints (api/db/storelog.py), and
# anchors' reservations of credential ids while in flight.
NOT_PROJECTED: frozenset[str] = frozenset({"document", "usednonce", "seatholderrow", "storelogentry",
                                           "anchorreservation"})
# The journal's own tables: what it read and how far.
JOURNAL: frozenset[str] = frozenset({"chainevent", "synccursor"})


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class Store:
    """The off-chain store bound to one runtime (chain + deployed contracts)."""

    def __init__(self, runtime: Runtime, engine: Engine | None = None) -> None:
        self.runtime = runtime
        self.engine = engine or make_engine(database_url(runtime), pool_size=runtime.settings.db_pool_size)
        self.chain_key = chain_key(runtime)
        self.confirmations = runtime.settings.confirmations
        self._block_times: dict[int, datetime] = {}
        self._waiting_for_node = False
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

        One catch-up at a time across the processes on this store (the reconcile guard); one that
        finds, once it holds the guard, the journal already through the head it was called at
        returns at once; should another writer have journalled the same events anyway (its insert
        wins the primary key), the chunk is read again from its cursor.
        """
        wanted = self.confirmed_head()  # what the caller needs journalled: the chain as of this call
        with self._reconcile_lock:
            if wanted >= 0 and self._journalled_through() >= wanted:
                return 0  # a catch-up that ran while this one waited for the guard read that far
            for _ in range(2):
                try:
                    return self._reconcile()
                except (IntegrityError, _ChainMoved):
                    pass
            return self._reconcile()

    def _journalled_through(self) -> int:
        """The block every contract's events are journalled through, when all the cursors stand at
        that one block and the node still has it as they read it; else -1 (a contract not yet read
        or read at another address, cursors apart, or a reorg to follow). Writers that catch up one
        after another under the guard — one per write, from every worker — so find most of their
        wait already done by the one before them, and go with one read at the node."""
        with self.session() as session:
            cursors = {c.contract: c for c in session.exec(
                select(SyncCursor).where(SyncCursor.chain_key == self.chain_key))}
        marks = {(cursors[name].last_block, cursors[name].block_hash)
                 if name in cursors and cursors[name].address == address else None
                 for name, address in self.runtime.addresses.items()}
        if len(marks) != 1:
            return -1
        (mark,) = marks
        if mark is None or mark[1] is None or self._node_hash(mark[0]) != mark[1]:
            return -1
        return mark[0]

    def confirmed_head(self) -> int:
        """The newest block the journal projects: the head less `confirmations` (-1: none yet)."""
        return self.runtime.client.block_number() - self.confirmations

    def _reconcile(self) -> int:
        if self._node_behind():
            return 0
        self._follow_reorg()
        head = self.confirmed_head()
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
        # The cursor's hash is read before the logs: should the chain move between the two, the
        # hash is the older branch's and the next catch-up rolls the chunk back.
        end_hash = self.runtime.client.block_hash(end)
        logs = gateway.logs(from_block=start, to_block=end)
        if end_hash is None or any(lg.block_number == end and lg.block_hash != end_hash for lg in logs):
            raise _ChainMoved(f"block {end} changed while blocks {start}..{end} were read")
        projectors = PROJECTORS.get(name, ())
        added = 0
        # One DB transaction per chunk: the events, their projections and the cursor together.
        with self.session() as session:
            # What is journalled already, read once for the chunk: a look-up per event would flush
            # the previous event's insert before it, one statement at a time.
            known = set(session.exec(select(ChainEvent.block_number, ChainEvent.log_index).where(
                ChainEvent.chain_key == self.chain_key, col(ChainEvent.block_number) >= start,
                col(ChainEvent.block_number) <= end)).all()) if logs else set()
            for log in logs:
                if (log.block_number, log.log_index) in known:
                    continue
                args = {k: jsonable(v) for k, v in log.args.items()}
                ev = ChainEvent(
                    chain_key=self.chain_key, block_number=log.block_number,
                    log_index=log.log_index, tx_hash="0x" + log.tx_hash.hex(),
                    contract=name, name=log.event, args=json.dumps(args),
                    block_time=self._block_time(log.block_number),
                    block_hash=_hex(log.block_hash) if log.block_hash else None,
                )
                session.add(ev)
                for project in projectors:
                    project(session, self.chain_key, ev, args)
                added += 1
            cursor = session.get(SyncCursor, (self.chain_key, name))
            if cursor is None:
                cursor = SyncCursor(chain_key=self.chain_key, contract=name, address=address, last_block=end)
            cursor.address, cursor.last_block, cursor.block_hash = address, end, _hex(end_hash)
            session.add(cursor)
            session.commit()
        return added

    def _node_behind(self) -> bool:
        """Whether the node answering now lags a head another configured node served (the catch-up
        then waits for it); logged once per spell."""
        number, behind = self.runtime.client.head()
        if behind and not self._waiting_for_node:
            log.warning("the node answering is %d blocks behind a head another node served (at block %d): "
                        "the journal waits for it to catch up", behind, number)
        elif not behind and self._waiting_for_node:
            log.warning("the node answering has caught up (block %d): the journal reads on", number)
        self._waiting_for_node = behind > 0
        return self._waiting_for_node

    # ------------------------------------------------------------------ reorgs
    def _node_hash(self, number: int) -> str | None:
        found = self.runtime.client.block_hash(number)
        return None if found is None else _hex(found)

    def _follow_reorg(self) -> None:
        """Roll the journal back should the node no longer have a block it read (see the module)."""
        with self.session() as session:
            marks = {(c.last_block, c.block_hash) for c in session.exec(
                select(SyncCursor).where(SyncCursor.chain_key == self.chain_key)) if c.block_hash is not None}
        moved = [(n, h) for n, h in sorted(marks, reverse=True) if self._node_hash(n) != h]
        if not moved or self._node_behind():  # missing on a lagging node: not a reorg
            return
        number, was = moved[0]
        ancestor = self._common_ancestor()
        if ancestor is None:
            log.warning("chain reorg: block %d is no longer %s and no journalled block below it is known to "
                        "be on the node's chain: this chain's store is read again from block 0", number, was)
            self._roll_back(-1, None)
        else:
            log.warning("chain reorg: block %d is no longer %s; the journal is rolled back to block %d, "
                        "its projections replayed, and the blocks above read again", number, was, ancestor[0])
            self._roll_back(*ancestor)

    def _common_ancestor(self) -> tuple[int, str] | None:
        """The newest journalled event block the node still has, with its hash; (-1, "") when no
        journalled event is on the node's chain any more; None when that cannot be told (events
        without a hash, or more than REORG_SEARCH blocks to look through)."""
        with self.session() as session:
            blocks = session.exec(
                select(ChainEvent.block_number, ChainEvent.block_hash).where(ChainEvent.chain_key == self.chain_key)
                .distinct().order_by(col(ChainEvent.block_number).desc()).limit(REORG_SEARCH + 1)).all()
        for i, (number, known) in enumerate(blocks):
            if known is None or i == REORG_SEARCH:
                return None
            if self._node_hash(number) == known:
                return number, known
        return -1, ""

    def _roll_back(self, ancestor: int, ancestor_hash: str | None) -> None:
        """In one transaction: drop this chain's events above `ancestor`, empty its projections and
        replay them from the events kept; cursors above `ancestor` move back to it."""
        key = self.chain_key
        with self.session() as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                if table.name not in NOT_PROJECTED | JOURNAL:
                    session.execute(table.delete().where(table.c.chain_key == key))
            session.execute(delete(ChainEvent).where(col(ChainEvent.chain_key) == key,
                                                     col(ChainEvent.block_number) > ancestor))
            for cursor in session.exec(select(SyncCursor).where(SyncCursor.chain_key == key)):
                if cursor.last_block > ancestor:
                    cursor.last_block, cursor.block_hash = ancestor, ancestor_hash or None
                    session.add(cursor)
            kept = list(session.exec(select(ChainEvent).where(ChainEvent.chain_key == key)
                                     .order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))))
            # contract by contract, in the order a catch-up reads them
            order = {name: i for i, name in enumerate(self.runtime.addresses)}
            for ev in sorted(kept, key=lambda e: order.get(e.contract, len(order))):
                args = json.loads(ev.args)
                for project in PROJECTORS.get(ev.contract, ()):
                    project(session, key, ev, args)
            session.commit()
        # what this process read from the chain as settled may be of the dropped blocks
        self._block_times.clear()
        self.final_reads.clear()
        credentials_db.forget_proofs(self)

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
