"""The data directory: format marker, single-process lock, and refusal of anything not ours.

Nothing in a directory is written until it has been recognised as ours (or empty) and of a
format this version can read.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ledger.errors import CorruptDataDir, DataDirInUse, ForeignDataDir, NewerDataDir

FORMAT = 2
"""2: the keys are split (relayer, trading centre, governance members) under keys/; format 1
held one operator key that was admin of everything."""
MARKER = "tender-ledger.json"
LOCK = ".lock"
CHAIN_FILE = "chain.sqlite"
STORE_FILE = "ledger.sqlite"
KEYS = "keys"
DEPLOYMENTS = "deployments.json"


@dataclass
class DataDir:
    path: Path
    _lock: IO[bytes] | None = None

    @property
    def chain_file(self) -> Path:
        return self.path / CHAIN_FILE

    @property
    def store_file(self) -> Path:
        return self.path / STORE_FILE

    @property
    def keys_dir(self) -> Path:
        """The keys this data directory holds: keys/relayer.key, keys/centre.key and, for a
        development consortium, keys/governance/<body>.key."""
        return self.path / KEYS

    @property
    def deployments_file(self) -> Path:
        return self.path / DEPLOYMENTS

    @classmethod
    def open(cls, path: Path) -> DataDir:
        """Recognise (or create) and lock the directory; raise a DataDirError if it is unusable."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ForeignDataDir(f"{path} is a file, not a data directory")
        marker = path / MARKER
        if path.is_dir() and not marker.exists():
            others = [p.name for p in path.iterdir()]
            if others:
                raise ForeignDataDir(
                    f"{path} is not empty and is not a tender-ledger data directory "
                    f"(found {', '.join(sorted(others)[:5])}); choose an empty or new directory"
                )
        path.mkdir(parents=True, exist_ok=True)
        datadir = cls(path)
        datadir._acquire_lock()
        try:
            if marker.exists():
                datadir._check_marker(marker)
                datadir._check_chain_file()
            else:
                _write_json_atomic(marker, {"format": FORMAT, "software": "tender-ledger"})
        except BaseException:
            datadir.close()
            raise
        return datadir

    def _acquire_lock(self) -> None:
        handle = open(self.path / LOCK, "a+b")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DataDirInUse(
                f"{self.path} is in use by another tender-ledger process; stop it first"
            ) from None
        self._lock = handle

    def _check_marker(self, marker: Path) -> None:
        try:
            info = json.loads(marker.read_text())
            fmt = int(info["format"])
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise CorruptDataDir(f"{marker} is unreadable: {exc}") from None
        if fmt < FORMAT:
            raise CorruptDataDir(
                f"{self.path} was written by an older tender-ledger (data format {fmt}: one operator key "
                f"was the admin of every contract); this version splits the keys between a relayer, the "
                f"trading centre and an M-of-N governance and reads format {FORMAT}: start a new data "
                "directory (the old one stays readable by the older version)"
            )
        if fmt > FORMAT:
            raise NewerDataDir(
                f"{self.path} was written by a newer tender-ledger (data format {fmt}; this "
                f"version reads format {FORMAT}); upgrade tender-ledger to open it"
            )

    def _check_chain_file(self) -> None:
        """Read-only sanity check of the chain database before anything opens it for writing."""
        if not self.chain_file.exists():
            return
        try:
            conn = sqlite3.connect(f"file:{self.chain_file}?mode=ro", uri=True)
            try:
                tables = {
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                if not {"meta", "kv", "txs", "logs"} <= tables:
                    raise CorruptDataDir(
                        f"{self.chain_file} is not a tender-ledger chain database "
                        f"(tables: {', '.join(sorted(tables)) or 'none'})"
                    )
                meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
                if "genesis_hash" not in meta or "chain_id" not in meta:
                    raise CorruptDataDir(f"{self.chain_file} has no genesis record")
                (ok,) = conn.execute("PRAGMA quick_check(1)").fetchone()
                if ok != "ok":
                    raise CorruptDataDir(f"{self.chain_file} is damaged: {ok}")
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise CorruptDataDir(f"{self.chain_file} is not a readable database: {exc}") from None

    def read_json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as exc:
            raise CorruptDataDir(f"{path} is unreadable: {exc}") from None

    def write_json(self, path: Path, value: Any) -> None:
        _write_json_atomic(path, value)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _write_json_atomic(path: Path, value: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
