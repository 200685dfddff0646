"""Named guards across every process on one store: PostgreSQL advisory locks, or, on SQLite (one
process's store), the in-process lock alone.

A guard is taken in two steps: first a re-entrant lock of this process (so that at most one thread
per process waits at the database and holds a connection for it), then, on PostgreSQL, a
session-level advisory lock on a connection of its own, held until the guard is left. A process
that dies mid-guard loses its connection and with it the lock, so nothing stays locked.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from sqlalchemy import Connection, Engine, text

GUARANTEE_WRITES = "guarantee-writes"
"""Guarantee and selection writes: "check the store → file → relay → project" never interleave."""
CREDENTIAL_WRITES = "credential-writes"
"""Anchors and status changes: two uploads of one credential never both pass the store check."""
RECONCILE = "reconcile"
"""The journal's catch-up: one process at a time projects the chain's new events."""
CHECKPOINT = "checkpoint"
"""Placing the store log's new records and checkpointing it on chain: one sequencer at a time."""
SCHEMA = "schema"
"""Creating, stamping or upgrading the store's schema."""


FILING_STRIPES = 64
"""How many guards the documents filed before a relay are spread over (a bounded set of names)."""


def filing_guard_name(kind: str, key: str) -> str:
    """The guard under which a document of `kind` is filed under `key` and its write relayed: one
    of `FILING_STRIPES`, the same for the same document in every process."""
    stripe = int.from_bytes(hashlib.sha256(f"{kind}:{key.lower()}".encode()).digest()[:4], "big") % FILING_STRIPES
    return f"filing:{stripe}"


def nonce_guard_name(address: str) -> str:
    """The guard under which the next nonce of `address` is read from the node and used."""
    return f"nonce:{address.lower()}"


def advisory_key(name: str) -> int:
    """The 64-bit signed key of guard `name` (one per name, the same in every process)."""
    return int.from_bytes(hashlib.sha256(f"tender-ledger:{name}".encode()).digest()[:8], "big", signed=True)


def shared_across_processes(engine: Engine) -> bool:
    """Whether processes other than this one may write to the store (PostgreSQL, not SQLite)."""
    return engine.dialect.name == "postgresql"


class StoreLock:
    """Guard `name` on the store behind `engine`: re-entrant in the thread holding it."""

    def __init__(self, engine: Engine, name: str, local: threading.RLock) -> None:
        self.engine = engine
        self.name = name
        self.key = advisory_key(name)
        self._local = local
        self._depth = 0  # touched only by the thread holding `_local`
        self._conn: Connection | None = None

    def __enter__(self) -> StoreLock:
        self._local.acquire()
        try:
            if self._depth == 0 and shared_across_processes(self.engine):
                conn = self.engine.connect()
                try:
                    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self.key})
                    conn.commit()
                except BaseException:
                    conn.close()
                    raise
                self._conn = conn
            self._depth += 1
        except BaseException:
            self._local.release()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                    conn.commit()
                finally:
                    conn.close()  # a broken connection ends its session, and the lock with it
        finally:
            self._local.release()


_LOCKS: dict[tuple[str, str], StoreLock] = {}
_LOCKS_GUARD = threading.Lock()


def store_lock(engine: Engine, name: str) -> StoreLock:
    """The one guard `name` of the store at `engine`'s URL in this process: two engines on one
    database share it, so its in-process half holds for both (a disposed engine still connects)."""
    key = (engine.url.render_as_string(hide_password=True), name)
    with _LOCKS_GUARD:
        found = _LOCKS.get(key)
        if found is None:
            found = _LOCKS[key] = StoreLock(engine, name, threading.RLock())
        return found
