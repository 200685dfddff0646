"""`tender-ledger`: the trading centre's, issuer's and auditor's command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from ledger.errors import ConfigurationError, ContractRevert, LedgerError  # noqa: E402
from ledger.refusals import readable  # noqa: E402
from tools.errors import UsageError  # noqa: E402
from tools.client import duration as _duration  # noqa: E402
from tools.display import local_time  # noqa: E402

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3


def _progress(quiet: bool) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if not quiet:
            print(f"… {msg}", file=sys.stderr, flush=True)

    return say


def _print_figures(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, sort_keys=True))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")


def _load_options(args: argparse.Namespace) -> dict[str, Any]:
    """`bench load`'s options, checked (UsageError names the first at fault)."""
    try:
        workers = [int(w) for w in args.workers.split(",")]
    except ValueError:
        raise UsageError(f"--workers is a list of worker counts such as 1,2,4, not {args.workers!r}") from None
    if not workers or any(w < 1 or w > 64 for w in workers):
        raise UsageError("--workers: each worker count must be from 1 to 64")
    chains = {"embedded": ("embedded",), "anvil": ("anvil",), "both": ("embedded", "anvil")}[args.chain]
    if args.duration < 10:
        raise UsageError("--duration must be at least 10 seconds")
    if not 4 <= args.clients <= 1024:
        raise UsageError("--clients must be from 4 to 1024 (a quarter of each kind)")
    if not 0 <= args.invalid < 1:
        raise UsageError("--invalid is a share from 0 to below 1, such as 0.1")
    return {"workers": workers, "chains": chains, "duration": float(args.duration), "clients": args.clients,
            "invalid": args.invalid}


LOAD_OPTIONS = ("workers", "chain", "duration", "clients", "invalid")


def cmd_bench(args: argparse.Namespace) -> int:
    from tools.bench import audit, bids, chain, guarantees, load, registry, selection

    areas: dict[str, Callable[..., dict[str, Any]]] = {
        "chain": chain.bench_chain,
        "registry": registry.bench_registry,
        "bids": bids.bench_bids,
        "guarantees": guarantees.bench_guarantees,
        "selection": selection.bench_selection,
        "audit": audit.bench_audit,
        "load": load.bench_load,
    }
    runner = areas.get(args.area)
    if runner is None:
        print(f"error: unknown bench area {args.area!r}; choose from {', '.join(areas)}", file=sys.stderr)
        return EXIT_USAGE
    kwargs: dict[str, Any] = {"progress": _progress(args.quiet)}  # --json too: stdout has the JSON, stderr the progress
    if args.blocks is not None:
        if args.area != "chain":
            print("error: --blocks applies to the chain area only", file=sys.stderr)
            return EXIT_USAGE
        if args.blocks < 300:
            print("error: --blocks must be at least 300 (100 blocks of set-up plus the samples)", file=sys.stderr)
            return EXIT_USAGE
        kwargs["blocks"] = args.blocks
    shape = {k: v for k in ("sections", "bids", "credentials") if (v := getattr(args, k)) is not None}
    if shape and args.area != "audit":
        print("error: --sections, --bids and --credentials apply to the audit area only", file=sys.stderr)
        return EXIT_USAGE
    if any(v < (0 if k == "credentials" else 1) for k, v in shape.items()):
        print("error: --sections and --bids must be at least 1, --credentials at least 0", file=sys.stderr)
        return EXIT_USAGE
    kwargs.update(shape)
    if args.reuse is not None:
        if args.area != "audit" or args.faults:
            print("error: --reuse applies to the audit area only, without --faults", file=sys.stderr)
            return EXIT_USAGE
        kwargs["reuse"] = Path(args.reuse)
    if args.faults:
        if args.area != "audit" or shape:
            print("error: --faults applies to the audit area only, without --sections, --bids or --credentials",
                  file=sys.stderr)
            return EXIT_USAGE
        runner = audit.bench_audit_faults
    if args.city_year:
        if args.area != "audit" or args.faults or args.reuse is not None:
            print("error: --city-year applies to the audit area only, without --faults or --reuse", file=sys.stderr)
            return EXIT_USAGE
        from tools.bench import cityyear

        runner = cityyear.bench_city_year
    given = [name for name in LOAD_OPTIONS if getattr(args, name) is not None]
    if given and args.area != "load":
        print(f"error: --{given[0]} applies to the load area only", file=sys.stderr)
        return EXIT_USAGE
    if args.area == "load":
        defaults = {"workers": "1,2,4", "chain": "embedded", "duration": 600, "clients": 64, "invalid": 0.1}
        for name, value in defaults.items():
            if getattr(args, name) is None:
                setattr(args, name, value)
        kwargs.update(_load_options(args))
    try:
        figures = runner(**kwargs)
    except audit.ReuseError as exc:
        print(f"error: --reuse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print_figures(figures, args.json)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        figures = {
            "chain_id": rt.client.chain_id,
            "backend": "embedded" if rt.client.embedded else rt.settings.rpc_url,
            "clock": rt.client.embedded.clock.value if rt.client.embedded else "node",
            "block_number": rt.client.block_number(),
            "relayer": rt.relayer.address,
            "centre": rt.centre.address,
            "governance_threshold": f"{rt.governance.threshold()} of {len(rt.governance.members())}",
            "governance_keys_held_here": len(rt.governors),
            **{f"contract_{k}": v for k, v in rt.addresses.items()},
        }
    _print_figures(figures, args.json)
    return EXIT_OK


def cmd_clock(args: argparse.Namespace) -> int:
    """The chain's clock mode and time; `--advance` moves a development chain's clock forward."""
    from datetime import UTC, datetime

    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        if args.advance is not None:
            rt.client.increase_time(args.advance)  # ClockLocked (exit 3) unless development
        stamp = rt.client.block_timestamp()
        figures = {
            "clock": rt.client.embedded.clock.value if rt.client.embedded else "node",
            "block_number": rt.client.block_number(),
            "block_time": datetime.fromtimestamp(stamp, UTC).isoformat(),
            "block_timestamp": stamp,
        }
    _print_figures(figures, args.json)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from ledger.config import Settings

    settings = Settings()
    host = args.host or settings.host
    if host not in ("127.0.0.1", "localhost", "::1") and not args.allow_remote:
        print(f"error: refusing to bind {host}: pass --allow-remote behind a TLS proxy", file=sys.stderr)
        return EXIT_USAGE
    from api.ops import OpsSettings, uvicorn_log_options

    ops = OpsSettings()
    if args.workers != 1:
        from tools import serve

        return serve.serve(settings, host=host, port=args.port or settings.port, workers=args.workers,
                           log_options=uvicorn_log_options(ops), preflight=serve.preflight)
    from tools.serve import preflight

    preflight(settings)
    uvicorn.run(create_app(settings, ops), host=host, port=args.port or settings.port, **uvicorn_log_options(ops))
    return EXIT_OK


def cmd_node(args: argparse.Namespace) -> int:
    from tools import node

    return node.main(args)


def cmd_rebuild_store(args: argparse.Namespace) -> int:
    from api.db.journal import NOT_PROJECTED, Store
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        store = Store(rt)
        before = store.row_counts()
        replayed = store.rebuild()
        after = store.row_counts()
    tables = sorted(t for t in after if t not in NOT_PROJECTED)
    if args.json:
        print(json.dumps({"events_replayed": replayed,
                          "tables": {t: {"rows_before": before.get(t, 0), "rows_after": after[t]} for t in tables}},
                         sort_keys=True))
        return EXIT_OK
    print(f"rebuilt the store from the chain: {replayed:,} events replayed")
    width = max(len(t) for t in tables)
    print(f"  {'table':<{width}}  {'before':>9}  {'after':>9}")
    for t in tables:
        changed = "  (changed)" if before.get(t, 0) != after[t] else ""
        print(f"  {t:<{width}}  {before.get(t, 0):>9,}  {after[t]:>9,}{changed}")
    kept = ", ".join(sorted(NOT_PROJECTED))
    print(f"  kept as they were: {kept} (uploaded documents, the signed-request replay memory, the seat "
          "holders and the store's log)")
    return EXIT_OK


def cmd_checkpoint(args: argparse.Namespace) -> int:
    """Record the store log's tree head on chain now (when it grew since the latest checkpoint)."""
    from api.db.journal import Store
    from api.deps import checkpoint_service
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        store = Store(rt)
        outcome = checkpoint_service(store).checkpoint()
    cp = outcome.recorded
    if args.json:
        print(json.dumps({"size": outcome.size, "root": "0x" + outcome.root.hex(), "recorded": cp is not None,
                          "index": cp.index if cp else None, "tx": cp.tx if cp else None,
                          "block": cp.block if cp else None,
                          "previous_size": outcome.previous.size if outcome.previous else 0}, sort_keys=True))
    elif cp is None:
        print(f"the store's log holds {outcome.size:,} records, all in checkpoint "
              f"{outcome.previous.index if outcome.previous else '-'}: nothing to checkpoint")
    else:
        print(f"checkpoint {cp.index}: the store's log of {cp.size:,} records has root 0x{cp.root.hex()} "
              f"(tx {cp.tx}, block {cp.block})")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from tools import demo

    return demo.main(args)


def cmd_anchor(args: argparse.Namespace) -> int:
    from tools import importer

    return importer.main(args)


def cmd_revoke(args: argparse.Namespace) -> int:
    from tools import revoke

    return revoke.main(args)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tender-ledger",
        description="Tender credential ledger: anchor, verify and audit firm credentials on chain.",
        epilog="Configuration comes from TL_* environment variables; see the README.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("status", help="open the data directory (or node) and show the chain")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "clock",
        help="show the chain's clock; --advance moves a development chain's clock (the service must be stopped)",
    )
    p.add_argument("--advance", type=_duration, default=None, metavar="DURATION",
                   help="move the clock forward by DURATION (21d, 36h, 90m, 3600): development chains only")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_clock)

    p = sub.add_parser("serve", help="serve the HTTP API (OpenAPI at /docs)")
    p.add_argument("--host", default=None, help="default 127.0.0.1 (TL_HOST)")
    p.add_argument("--port", type=int, default=None, help="default 8000 (TL_PORT)")
    p.add_argument("--allow-remote", action="store_true", help="allow binding a non-loopback address")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="N worker processes (default 1); N > 1 needs PostgreSQL (TL_DATABASE_URL), and "
                   "with the embedded chain a node process is started for the workers to share")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "node",
        help="serve the data directory's embedded chain as an Ethereum JSON-RPC node (cast, web3, "
        "and `serve` on the same data directory use it)",
    )
    p.add_argument("--data-dir", default=None, help="the data directory (default TL_DATA_DIR)")
    p.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    p.add_argument("--port", type=int, default=8545, help="default 8545; 0 picks a free port")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a non-loopback address (no authentication, no TLS: put a proxy in front)")
    p.set_defaults(func=cmd_node)

    p = sub.add_parser(
        "rebuild-store",
        help="drop every row the chain can give back and replay the chain (the service must be stopped)",
    )
    p.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    p.set_defaults(func=cmd_rebuild_store)

    p = sub.add_parser(
        "demo", help="a synthetic deployment end to end on a new ledger (never an existing one)"
    )
    p.add_argument(
        "--data-dir", default=None,
        help="new or empty directory for the demo ledger (default: a new temporary directory)",
    )
    p.add_argument("--scale", type=float, default=1.0, help="dataset size; 1 = reference (3,158)")
    p.add_argument("--seed", type=int, default=20260731, help="dataset seed")
    p.add_argument("--as-of", type=_iso_date, default=None, help="dataset's reference date")
    p.add_argument("--batch-size", type=int, default=500, help="most credentials per batch")
    p.add_argument("--sample", type=int, default=40, help="untouched credentials to verify")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("checkpoint", help="record the store log's size and root on chain now (the service "
                                          "also does every TL_CHECKPOINT_EVERY_RECORDS records or _S seconds)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=cmd_checkpoint)

    p = sub.add_parser("anchor", help="anchor a batch of credentials from a JSON or CSV file")
    p.add_argument("file", help="a .json list of documents or a .csv with field names as header")
    p.add_argument("--kind", required=True, help="credential kind: qualification, award, credit, …")
    p.add_argument("--issuer-key", required=True, help="file holding the issuer's private key (hex)")
    p.add_argument("--out", default=None, help="holder copies (default: FILE.sealed.json next to it)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=cmd_anchor)

    p = sub.add_parser("revoke", help="revoke many credentials of one of the issuer's batches in one transaction")
    p.add_argument("ids", nargs="*", help="credential ids (0x-hex), besides those of --file")
    p.add_argument("--file", default=None, help="credential ids, one a line (# comments and blank lines skipped)")
    p.add_argument("--reason", required=True,
                   help="issued_in_error, fraud, expired_early, court_order, under_investigation, superseded, "
                        "other (or its code)")
    p.add_argument("--issuer-key", required=True, help="file holding the issuer's private key (hex)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=cmd_revoke)

    from tools.tender_cli import add_commands as add_tender_commands

    add_tender_commands(sub)

    from tools.key_cli import add_commands as add_key_commands

    add_key_commands(sub)

    from tools.governance_cli import add_commands as add_governance_commands

    add_governance_commands(sub)

    from tools.lottery_cli import add_commands as add_lottery_commands

    add_lottery_commands(sub)

    from tools.selection_cli import add_commands as add_selection_commands

    add_selection_commands(sub)

    from tools.perform_cli import add_commands as add_perform_commands

    add_perform_commands(sub)

    from tools.audit_cli import add_commands as add_audit_commands

    add_audit_commands(sub)

    from tools.ops_cli import add_commands as add_ops_commands

    add_ops_commands(sub)

    p = sub.add_parser("bench", help="measure an area's figures (chain, registry, bids, guarantees, selection, "
                                     "audit, load)")
    p.add_argument("area", help="chain, registry, bids, guarantees, selection, audit or load")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--blocks", type=int, default=None, help="chain: history length to grow to")
    p.add_argument("--sections", type=int, default=None, help="audit: sections generated (default 20; city-year 2000)")
    p.add_argument("--bids", type=int, default=None, help="audit: bids per section (default 10)")
    p.add_argument("--credentials", type=int, default=None, help="audit: credentials per bid (default 15)")
    p.add_argument("--reuse", default=None, metavar="DIR",
                   help="audit: keep the generated workload in DIR and audit the one already there (same shape)")
    p.add_argument("--city-year", action="store_true",
                   help="audit: the city-year generated in large steps (default 2000 x 10 x 15), audited once")
    p.add_argument("--faults", action="store_true",
                   help="audit: the planted-fault census instead (kinds planted, detected, detection rate)")
    p.add_argument("--workers", default=None, help="load: worker counts, one run each (default 1,2,4)")
    p.add_argument("--chain", choices=("embedded", "anvil", "both"), default=None,
                   help="load: the embedded chain's node process, anvil, or both (default embedded)")
    p.add_argument("--duration", type=int, default=None, help="load: seconds of traffic per run (default 600)")
    p.add_argument("--clients", type=int, default=None, help="load: concurrent clients (default 64)")
    p.add_argument("--invalid", type=float, default=None, help="load: share of invalid requests (default 0.1)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func not in (cmd_serve, cmd_node) and not args.debug:
        # A one-shot command says what failed in its one `error:` line; the service's own log lines
        # (a node failed over to another) are for the service's log, not for this command's stderr.
        quiet = logging.getLogger("tender_ledger")
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
            quiet.propagate = False
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ContractRevert as exc:  # refused on this machine's own chain: in words, not as the raw error
        print(f"error: {readable(exc.error, exc.plain_args(), str(exc), local_time)}", file=sys.stderr)
        return EXIT_FAILED
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
