"""Durable storage of the embedded chain: py-evm's key-value data plus our own indexes, in SQLite.

Everything one block changes (trie nodes, header, body, receipts, the transaction, receipt and
log indexes, the head pointer) is written in ONE SQLite transaction, so a crash at any point
leaves either the whole block or none of it on disk.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS txs (
    hash BLOB PRIMARY KEY,
    block_number INTEGER NOT NULL,
    tx_index INTEGER NOT NULL,
    receipt TEXT NOT NULL,
    tx TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    address BLOB NOT NULL,
    topic0 BLOB, topic1 BLOB, topic2 BLOB, topic3 BLOB,
    log TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS logs_by_address ON logs (address, block_number);
CREATE INDEX IF NOT EXISTS logs_by_topic0 ON logs (topic0, block_number);
CREATE INDEX IF NOT EXISTS logs_by_topic1 ON logs (topic1, block_number);
CREATE INDEX IF NOT EXISTS logs_by_topic2 ON logs (topic2, block_number);
"""

_TOMBSTONE = None
_CACHE_LIMIT = 400_000


class SQLiteKV(BaseAtomicDB):
    """py-evm database whose writes stay in memory until `ChainStore.commit_block` flushes them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pending: dict[bytes, bytes | None] = {}
        self._cache: dict[bytes, bytes] = {}

    def __getitem__(self, key: bytes) -> bytes:
        if key in self._pending:
            value = self._pending[key]
            if value is _TOMBSTONE:
                raise KeyError(key)
            return value
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        value = bytes(row[0])
        self._cache_put(key, value)
        return value

    def _cache_put(self, key: bytes, value: bytes) -> None:
        cache = self._cache
        if len(cache) >= _CACHE_LIMIT:
            # Drop the older half (dicts keep insertion order): no cliff where every read misses.
            for old in list(itertools.islice(cache, _CACHE_LIMIT // 2)):
                del cache[old]
        cache[key] = value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[key] = value

    def __delitem__(self, key: bytes) -> None:
        if not self._exists(key):
            raise KeyError(key)
        self._pending[key] = _TOMBSTONE

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        with AtomicDBWriteBatch._commit_unless_raises(self) as batch:
            yield batch

    # --- used by ChainStore ---
    def take_pending(self) -> dict[bytes, bytes | None]:
        pending, self._pending = self._pending, {}
        return pending

    def discard_pending(self) -> None:
        self._pending = {}

    def remember(self, pending: dict[bytes, bytes | None]) -> None:
        for key, value in pending.items():
            if value is _TOMBSTONE:
                self._cache.pop(key, None)
            else:
                self._cache_put(key, value)


class ChainStore:
    """The SQLite file of one embedded chain: kv data, indexes and metadata."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL", readonly: bool = False) -> None:
        self.path = path
        if readonly:
            uri = f"file:{path}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        else:
            self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(f"PRAGMA synchronous={synchronous}")
            self.conn.executescript(SCHEMA)
        self.conn.execute("PRAGMA cache_size=-65536")
        self.kv = SQLiteKV(self.conn)

    def close(self) -> None:
        self.conn.close()

    # --- metadata ---
    def get_meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, items: dict[str, str]) -> None:
        """Write metadata together with any pending kv data, atomically."""
        self.commit_block(meta=items)

    def tables(self) -> set[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        return {r[0] for r in rows}

    # --- writes ---
    def commit_block(
        self,
        *,
        txs: Sequence[tuple[bytes, int, int, str, str]] = (),
        logs: Iterable[tuple[Any, ...]] = (),
        meta: dict[str, str] | None = None,
    ) -> None:
        """Flush pending kv writes plus index rows in one transaction; all or nothing."""
        pending = self.kv.take_pending()
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            puts = [(k, v) for k, v in pending.items() if v is not _TOMBSTONE]
            dels = [(k,) for k, v in pending.items() if v is _TOMBSTONE]
            if puts:
                conn.executemany("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", puts)
            if dels:
                conn.executemany("DELETE FROM kv WHERE key = ?", dels)
            if txs:
                conn.executemany(
                    "INSERT INTO txs (hash, block_number, tx_index, receipt, tx) VALUES (?,?,?,?,?)",
                    txs,
                )
            conn.executemany(
                "INSERT INTO logs (block_number, log_index, address, topic0, topic1, topic2, "
                "topic3, log) VALUES (?,?,?,?,?,?,?,?)",
                logs,
            )
            if meta:
                conn.executemany(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", meta.items()
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.kv.remember(pending)

    def discard(self) -> None:
        self.kv.discard_pending()

    # --- index reads ---
    def tx_record(self, tx_hash: bytes) -> tuple[int, int, str, str] | None:
        row = self.conn.execute(
            "SELECT block_number, tx_index, receipt, tx FROM txs WHERE hash = ?", (tx_hash,)
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]), row[2], row[3])

    def logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[bytes],
        topics: Sequence[Sequence[bytes] | None],
    ) -> list[str]:
        sql = ["SELECT log FROM logs WHERE block_number BETWEEN ? AND ?"]
        args: list[Any] = [from_block, to_block]
        if addresses:
            sql.append(f"AND address IN ({','.join('?' * len(addresses))})")
            args.extend(addresses)
        for i, options in enumerate(topics[:4]):
            if not options:
                continue
            sql.append(f"AND topic{i} IN ({','.join('?' * len(options))})")
            args.extend(options)
        sql.append("ORDER BY block_number, log_index")
        return [r[0] for r in self.conn.execute(" ".join(sql), args)]
