"""`tender-ledger backup`, `restore` and `db upgrade|current`: the operator's commands for copies
and upgrades of a data directory and its store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EXIT_OK = 0


def cmd_backup(args: argparse.Namespace) -> int:
    from ledger.config import Settings
    from tools.backup import backup

    report = backup(Settings(), Path(args.dir))
    figures = {"backup": str(report.path), "store": report.store, "journal_block": report.journal_block,
               "chain_last_tx_block": report.chain_block, "files": report.files}
    _print(figures, args.json)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from ledger.config import Settings
    from tools.backup import catch_up, restore

    settings = Settings()
    manifest = restore(settings, Path(args.dir))
    figures: dict[str, Any] = {"restored_into": str(settings.data_dir), "backup_created": manifest.get("created"),
                               "store": manifest.get("store", {}).get("kind")}
    if not args.no_catch_up:
        added, head = catch_up(settings)
        figures.update(events_caught_up=added, chain_head=head)
    _print(figures, args.json)
    return EXIT_OK


def _store_engine(settings: Any) -> Any:
    """The store's engine without the start-up schema check (that is what these commands deal with)."""
    from sqlalchemy import create_engine

    from ledger.errors import ConfigurationError

    url = settings.database_url or f"sqlite:///{settings.data_dir / 'ledger.sqlite'}"
    if url.startswith("sqlite") and not settings.database_url and not (settings.data_dir / "ledger.sqlite").exists():
        raise ConfigurationError(f"{settings.data_dir} holds no store (ledger.sqlite): nothing to upgrade")
    return create_engine(url)


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DatabaseError

    from api.db import schema
    from ledger.config import Settings
    from ledger.datadir import DataDir
    from ledger.errors import ConfigurationError

    settings = Settings()
    # The service must be stopped: hold the data directory's lock while the schema changes.
    upgrading = args.db_command == "upgrade"
    datadir = DataDir.open(settings.data_dir) if upgrading and settings.data_dir.exists() else None
    try:
        engine = _store_engine(settings)
        try:
            current = schema.state(engine)
            if args.db_command == "current":
                figures: dict[str, Any] = {"revision": current.revision or "empty", "head": current.head,
                                           "up_to_date": current.current, "known": current.known}
            else:
                before, after = schema.upgrade(engine)
                figures = {"revision_before": before or "empty", "revision": after,
                           "changed": before != after}
        except DatabaseError as exc:
            raise ConfigurationError(f"the store at {engine.url!r} cannot be used: {exc.orig}") from None
        finally:
            engine.dispose()
    finally:
        if datadir is not None:
            datadir.close()
    _print(figures, args.json)
    return EXIT_OK


def _print(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, sort_keys=True))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


def add_commands(sub: Any) -> None:
    p = sub.add_parser(
        "backup",
        help="copy the data directory and its store into a new directory, consistently, while the service runs",
    )
    p.add_argument("dir", help="a new or empty directory (it will hold the data directory's keys: keep it safe)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="make the data directory (TL_DATA_DIR, new or empty) and its store from a backup, then catch the "
             "journal up with the chain",
    )
    p.add_argument("dir", help="a directory written by `tender-ledger backup`")
    p.add_argument("--no-catch-up", action="store_true", help="do not open the chain after restoring")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("db", help="the store's schema: its revision, and upgrades (the service must be stopped)")
    dsub = p.add_subparsers(dest="db_command", required=True)
    q = dsub.add_parser("current", help="the store's schema revision and this version's newest")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=cmd_db)
    q = dsub.add_parser("upgrade", help="upgrade the store's schema to this version's newest revision")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=cmd_db)
