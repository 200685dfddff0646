"""The data directory: format marker, single-process locks, and refusal of anything not ours.

Nothing in a directory is written until it has been recognised as ours (or empty) and of a
format this version can read.

Two locks: `.lock` is the directory's (store, keys, deployment records), `.chain.lock` its embedded
chain's. A process that opens the directory takes both, unless a running `tender-ledger node`
holds the chain lock: the node serves the chain over JSON-RPC and says where in `node.json`, and
the process then reaches the chain through that URL (`DataDir.node_url`) as it would any node.

The workers of one `tender-ledger serve --workers N` share the directory: each holds `.lock`
shared (so every command that needs the directory alone is refused while they run), never the
chain lock (they reach the chain through a node), and the serving process holds `.serve.lock`
so that no second set of workers starts on the directory.
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
CHAIN_LOCK = ".chain.lock"
SERVE_LOCK = ".serve.lock"
NODE_FILE = "node.json"
CHAIN_FILE = "chain.sqlite"
STORE_FILE = "ledger.sqlite"
KEYS = "keys"
DEPLOYMENTS = "deployments.json"


@dataclass
class DataDir:
    path: Path
    _lock: IO[bytes] | None = None
    _chain_lock: IO[bytes] | None = None
    _serve_lock: IO[bytes] | None = None
    node_url: str | None = None
    """The JSON-RPC URL of the running `tender-ledger node` that holds this directory's chain, if one
    does (then this process holds the directory lock only and must not open the chain file)."""
    node_genesis: str | None = None

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

    @property
    def node_file(self) -> Path:
        """Where a running `tender-ledger node` says which URL serves this directory's chain."""
        return self.path / NODE_FILE

    @classmethod
    def open(cls, path: Path, *, shared: bool = False) -> DataDir:
        """Recognise (or create) and lock the directory; raise a DataDirError if it is unusable.

        `shared` (a worker of a service with several): the directory must exist; `.lock` is held
        shared with the other workers and the chain lock is left alone (`node_url` says whether a
        node serves the chain)."""
        path = Path(path)
        if shared:
            return cls._open_shared(path)
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
            else:
                _write_json_atomic(marker, {"format": FORMAT, "software": "tender-ledger"})
            if datadir._acquire_chain_lock():
                datadir._check_chain_file()
                datadir.node_file.unlink(missing_ok=True)  # left by a node that did not stop cleanly
            else:
                datadir._find_node()
        except BaseException:
            datadir.close()
            raise
        return datadir

    @classmethod
    def _open_shared(cls, path: Path) -> DataDir:
        marker = path / MARKER
        if not marker.exists():
            raise ForeignDataDir(f"{path} is not a tender-ledger data directory (a worker opens an existing one)")
        datadir = cls(path)
        datadir._lock = _flock(path / LOCK, fcntl.LOCK_SH, f"{path} is in use by another tender-ledger process "
                               "that needs it alone; stop it first")
        try:
            datadir._check_marker(marker)
            try:  # a node holds the chain lock exclusively; a shared probe only fails then
                _flock(path / CHAIN_LOCK, fcntl.LOCK_SH, "").close()
            except DataDirInUse:
                datadir._find_node()
        except BaseException:
            datadir.close()
            raise
        return datadir

    def hold_serving(self) -> None:
        """Take `.serve.lock` (the process that starts a service's workers): one set of workers per
        directory. Held until `close`."""
        assert self._lock is not None
        self._serve_lock = _flock(self.path / SERVE_LOCK, fcntl.LOCK_EX,
                                  f"{self.path} is already served by a tender-ledger serve with several workers")

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

    def _acquire_chain_lock(self) -> bool:
        """Take the chain lock; False if a `tender-ledger node` holds it (whoever else could hold it
        would hold the directory lock too, which this process has)."""
        handle = open(self.path / CHAIN_LOCK, "a+b")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._chain_lock = handle
        return True

    def _find_node(self) -> None:
        info = self.read_json(self.node_file)
        if not isinstance(info, dict) or not isinstance(info.get("url"), str):
            raise DataDirInUse(
                f"{self.path}'s chain is held by a tender-ledger node that is starting or stopping; "
                "try again in a moment"
            )
        self.node_url = info["url"]
        self.node_genesis = info.get("genesis_hash")

    def publish_node(self, url: str, *, chain_id: int, genesis_hash: str) -> None:
        """Say that this process serves the directory's chain at `url` (a `tender-ledger node`)."""
        assert self._chain_lock is not None, "only the holder of the chain lock serves the chain"
        _write_json_atomic(self.node_file, {"url": url, "pid": os.getpid(), "chain_id": chain_id,
                                            "genesis_hash": genesis_hash})

    def release_directory(self) -> None:
        """Keep the chain lock only, so that other processes can use the directory (and reach the
        chain through the URL published with `publish_node`)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

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
        if self._serve_lock is not None:
            self._serve_lock.close()
            self._serve_lock = None
        if self._chain_lock is not None:
            try:
                if json.loads(self.node_file.read_text()).get("pid") == os.getpid():
                    self.node_file.unlink()
            except (OSError, ValueError, AttributeError):
                pass
            self._chain_lock.close()
            self._chain_lock = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _flock(path: Path, mode: int, busy: str) -> IO[bytes]:
    """`path` opened and flock-ed with `mode` (not waiting); DataDirInUse(`busy`) if it is held."""
    handle = open(path, "a+b")  # noqa: SIM115 - held by the caller
    try:
        fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DataDirInUse(busy) from None
    return handle


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
