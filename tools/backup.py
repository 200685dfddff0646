"""`tender-ledger backup DIR` and `tender-ledger restore DIR`: a consistent copy of a data directory
while the service runs, and a new data directory made from one.

Consistency. The store is copied first, then the chain, so the copy's journal never runs ahead
of the copy's chain. Both SQLite files are copied with SQLite's online backup API, which reads
one committed state under a read transaction while writers go on (WAL): the embedded chain writes
each block — state, receipts, indexes, head — in one SQLite transaction (ledger/chain/store.py),
and the journal each chunk of events with its cursor in one, so each copy holds whole blocks and
whole chunks. A PostgreSQL store is copied with `pg_dump` (one snapshot). The keys, the deployment
records and the format marker are written atomically by the ledger and copied as files. A write
acknowledged before the backup starts is in both copies; one made while it runs may be on the
copied chain but not in the copied store, and the restored journal catches up from the chain
(a document filed with such a write is not in the copy: file it again).

Nothing is half-written: the backup is assembled in a hidden sibling directory and renamed into
place once its manifest (every file's SHA-256) is written; a restore checks the manifest and
every file before it writes anything, into a new or empty data directory, renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from ledger.config import Settings
from ledger.datadir import CHAIN_FILE, CHAIN_LOCK, LOCK, MARKER, NODE_FILE, STORE_FILE
from ledger.errors import ConfigurationError, LedgerError

MANIFEST = "backup.json"
BACKUP_FORMAT = 1
PG_DUMP = "store.pgdump"
# Never copied: locks, the running node's address, SQLite's side files (the online backup reads
# through them), and the two databases (copied through SQLite, not as files).
SKIPPED = {LOCK, CHAIN_LOCK, NODE_FILE, CHAIN_FILE, STORE_FILE}
SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp")


class BackupFailed(LedgerError):
    """A backup or restore could not be made; nothing was left behind."""


@dataclass
class BackupReport:
    path: Path
    store: str
    journal_block: int | None
    chain_block: int | None
    files: int
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- helpers
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_empty_or_missing(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _sqlite_store_path(settings: Settings) -> Path | None:
    """The SQLite file of the store, or None when the store is PostgreSQL."""
    if not settings.database_url:
        return settings.data_dir / STORE_FILE
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigurationError("an in-memory SQLite store cannot be backed up or restored")
        return Path(url.database)
    if url.get_backend_name() == "postgresql":
        return None
    raise ConfigurationError(f"backups handle SQLite and PostgreSQL stores, not {url.get_backend_name()}")


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump/pg_restore, the password passed in the environment
    (never on the command line, where `ps` shows it)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    import glob

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise ConfigurationError(f"{name} is not installed: install the PostgreSQL client tools")


def _online_copy(source: Path, target: Path) -> None:
    """SQLite's online backup of `source` into a new file `target` (one consistent state)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def _journal_block(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute("SELECT MIN(last_block) FROM synccursor").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None or row[0] is None else int(row[0])


def _chain_facts(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        (last,) = conn.execute("SELECT MAX(block_number) FROM txs").fetchone()
    finally:
        conn.close()
    return {"chain_id": meta.get("chain_id"), "genesis_hash": meta.get("genesis_hash"),
            "last_tx_block": None if last is None else int(last)}


def _check_sqlite(path: Path, what: str) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (ok,) = conn.execute("PRAGMA integrity_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"the backup's {what} ({path.name}) is not a readable database: {exc}") from None
    if ok != "ok":
        raise BackupFailed(f"the backup's {what} ({path.name}) is damaged: {ok}")


# ---------------------------------------------------------------------------------- backup
def backup(settings: Settings, dest: Path) -> BackupReport:
    """Copy the data directory (and its store, wherever it is) into the new directory `dest`."""
    source = settings.data_dir
    if not (source / MARKER).is_file():
        raise ConfigurationError(f"{source} is not a tender-ledger data directory (no {MARKER})")
    if dest.exists() and not dest.is_dir():
        raise BackupFailed(f"{dest} is a file: back up into a new or empty directory")
    if not _is_empty_or_missing(dest):
        raise BackupFailed(f"{dest} is not empty: back up into a new or empty directory")
    if dest.resolve() == source.resolve() or source.resolve() in dest.resolve().parents:
        raise BackupFailed(f"{dest} is inside the data directory {source}: back up somewhere else")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)  # it holds the data directory's keys
    try:
        report = _assemble(settings, source, work, dest)
        _fsync_tree(work)
        if dest.exists():
            dest.rmdir()
        os.rename(work, dest)
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report


def _assemble(settings: Settings, source: Path, work: Path, dest: Path) -> BackupReport:
    manifest: dict[str, Any] = {"format": BACKUP_FORMAT, "software": "tender-ledger",
                                "created": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        manifest["data_format"] = json.loads((source / MARKER).read_text())["format"]
    except (ValueError, KeyError, OSError) as exc:
        raise ConfigurationError(f"{source / MARKER} is unreadable: {exc}") from None

    # 1. The store, first: its journal must not run ahead of the chain copied after it.
    store_path = _sqlite_store_path(settings)
    journal_block: int | None = None
    if store_path is not None:
        if store_path.exists():
            _online_copy(store_path, work / STORE_FILE)
            conn = sqlite3.connect(work / STORE_FILE)
            try:
                journal_block = _journal_block(conn)
            finally:
                conn.close()
            manifest["store"] = {"kind": "sqlite", "file": STORE_FILE, "journal_block": journal_block}
        else:
            manifest["store"] = {"kind": "none"}
    else:
        assert settings.database_url is not None
        conninfo, env = _libpq(settings.database_url)
        done = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             f"--file={work / PG_DUMP}", f"--dbname={conninfo}"],
            env=env, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise BackupFailed(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
        manifest["store"] = {"kind": "postgresql", "file": PG_DUMP}

    # 2. The embedded chain (served in-process or by `tender-ledger node`): one committed state.
    chain_facts: dict[str, Any] | None = None
    if (source / CHAIN_FILE).exists():
        _online_copy(source / CHAIN_FILE, work / CHAIN_FILE)
        chain_facts = _chain_facts(work / CHAIN_FILE)
        manifest["chain"] = {"file": CHAIN_FILE, **chain_facts}
    else:
        manifest["chain"] = None  # a node's chain: the node's operators keep it

    # 3. Keys, deployment records, the marker and anything else the directory holds.
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.parts[0] in SKIPPED or path.name.endswith(SKIPPED_SUFFIXES) or not path.is_file():
            continue
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy2(path, target)

    manifest["files"] = {str(p.relative_to(work)): _sha256(p)
                         for p in sorted(work.rglob("*")) if p.is_file()}
    tmp = work / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, work / MANIFEST)
    return BackupReport(dest, manifest["store"]["kind"], journal_block,
                        None if chain_facts is None else chain_facts["last_tx_block"], len(manifest["files"]))


# ---------------------------------------------------------------------------------- restore
def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest after checking every file it lists; BackupFailed says what is wrong."""
    if not source.is_dir():
        raise BackupFailed(f"{source} is not a backup: no such directory")
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        files = manifest["files"]
        fmt = int(manifest["format"])
        if not isinstance(files, dict):
            raise TypeError("files is not an object")
    except FileNotFoundError:
        raise BackupFailed(f"{source} is not a tender-ledger backup (no {MANIFEST}; an interrupted backup "
                           "leaves none)") from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise BackupFailed(f"{source / MANIFEST} is unreadable: {exc}") from None
    if fmt > BACKUP_FORMAT:
        raise BackupFailed(f"{source} was made by a newer tender-ledger (backup format {fmt}; this version "
                           f"reads {BACKUP_FORMAT}): restore it with that version")
    for rel, digest in files.items():
        path = source / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise BackupFailed(f"{source / MANIFEST} lists a file outside the backup: {rel}")
        if not path.is_file():
            raise BackupFailed(f"the backup is incomplete: {rel} is missing")
        if _sha256(path) != digest:
            raise BackupFailed(f"the backup is damaged: {rel} does not match its SHA-256 in {MANIFEST}")
    if MARKER not in files:
        raise BackupFailed(f"the backup holds no {MARKER}: it is not a tender-ledger data directory's")
    if manifest.get("chain"):
        _check_sqlite(source / CHAIN_FILE, "chain")
    if manifest.get("store", {}).get("kind") == "sqlite":
        _check_sqlite(source / STORE_FILE, "store")
    return dict(manifest)


def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Make the data directory (and the store) of `settings` from the backup in `source`; the data
    directory and a SQLite store elsewhere must be new or empty, a PostgreSQL store's database empty."""
    manifest = read_manifest(source)
    target = settings.data_dir
    if target.exists() and not target.is_dir():
        raise BackupFailed(f"{target} is a file: restore into a new or empty data directory")
    if not _is_empty_or_missing(target):
        raise BackupFailed(f"{target} is not empty: restore into a new or empty data directory "
                           "(move the old one aside first)")
    store_kind = manifest.get("store", {}).get("kind")
    store_path = _sqlite_store_path(settings)
    if store_kind == "postgresql" and store_path is not None:
        raise BackupFailed("the backup's store is PostgreSQL: set TL_DATABASE_URL to an empty PostgreSQL database")
    if store_kind == "sqlite" and store_path is None:
        raise BackupFailed("the backup's store is SQLite but TL_DATABASE_URL names PostgreSQL: unset it "
                           "(or restore, then copy the store with `tender-ledger rebuild-store`)")
    outside = store_path is not None and store_path.parent.resolve() != target.resolve()
    if outside and store_path is not None and store_path.exists():
        raise BackupFailed(f"the store {store_path} already exists: restore into a new store")
    if store_kind == "postgresql":
        assert settings.database_url is not None
        _require_empty_postgres(settings.database_url)

    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".{target.name}.restoring-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    try:
        for rel in manifest["files"]:
            if rel in (MANIFEST, PG_DUMP) or (rel == STORE_FILE and outside):
                continue
            (work / rel).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(source / rel, work / rel)
        if store_kind == "postgresql":
            assert settings.database_url is not None
            _pg_restore(settings.database_url, source / PG_DUMP)
        elif outside and store_path is not None and store_kind == "sqlite":
            store_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / STORE_FILE, store_path)
        _fsync_tree(work)
        if target.exists():
            target.rmdir()
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _require_empty_postgres(database_url: str) -> None:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(database_url)
    try:
        tables = inspect(engine).get_table_names()
    except SQLAlchemyError as exc:
        raise ConfigurationError(f"the database at {engine.url!r} cannot be used: {exc}") from None
    finally:
        engine.dispose()
    if tables:
        raise BackupFailed(f"the database at {engine.url!r} is not empty ({len(tables)} tables): restore into "
                           "an empty database")


def _pg_restore(database_url: str, dump: Path) -> None:
    conninfo, env = _libpq(database_url)
    done = subprocess.run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
         f"--dbname={conninfo}", str(dump)],
        env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupFailed(f"pg_restore failed (nothing restored): {done.stderr.strip().splitlines()[-1:]}")


def catch_up(settings: Settings) -> tuple[int, int]:
    """Open the restored data directory and journal what the chain holds beyond the store's copy;
    (events caught up, chain head)."""
    from api.db.journal import Store
    from ledger.runtime import open_runtime

    with open_runtime(settings) as rt:
        added = Store(rt).reconcile()
        return added, rt.client.block_number()
