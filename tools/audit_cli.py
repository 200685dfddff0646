"""`tender-ledger audit`: the auditor's kit.

    tender-ledger audit export --out DIR [--data-dir DIR] [--database URL]
    tender-ledger audit run --bundle DIR (--rpc-url URL | --data-dir DIR) [--addresses FILE]
                            [--database URL] [--json OUT] [--html OUT] [--family NAME …]
    tender-ledger audit ocds --bundle DIR (--rpc-url URL | --data-dir DIR) [--out FILE]

`export` is the trading centre's: it writes the audit bundle from its data directory (read-only).
`run` is the auditor's: it replays the chain from genesis (a node, or a data directory opened
read-only), checks every bundle document against its on-chain hash and reruns the recorded
decisions (`ledger.audit`); with `--database` it also compares the centre's operational database
with a rebuild from the chain. Exit 0 when every check passes, 1 when any fails, 3 when the chain,
addresses or bundle cannot be used. docs/audit.md says what each check proves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from ledger.audit.chain import DEPLOYMENTS_FILE, ChainView, open_embedded_readonly, read_addresses
from ledger.errors import ConfigurationError

STORE_FILE = "ledger.sqlite"


def _open_chain(args: argparse.Namespace) -> tuple[ChainView, Path | None]:
    """The chain (node or read-only data directory) and the contracts' addresses on it."""
    from ledger.chain.client import ChainClient

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else None
    if getattr(args, "rpc_url", None):
        client = ChainClient.for_node(args.rpc_url, expected_chain_id=None)
    else:
        if data_dir is None:
            from ledger.config import Settings

            data_dir = Settings().data_dir
        client = open_embedded_readonly(data_dir)
    try:
        genesis = "0x" + bytes(client.w3.eth.get_block(0)["hash"]).hex()
        source = Path(args.addresses) if getattr(args, "addresses", None) else (
            data_dir / DEPLOYMENTS_FILE if data_dir is not None else None)
        if source is None:
            raise ConfigurationError("--addresses FILE is needed with --rpc-url: the contracts' addresses "
                                     "(a deployments.json or {name: address})")
        addresses = read_addresses(source, chain_id=client.chain_id, genesis=genesis)
    except BaseException:
        client.close()
        raise
    return ChainView(client, addresses), data_dir


def _database(args: argparse.Namespace, data_dir: Path | None) -> str | None:
    if args.database:
        return str(args.database)
    if data_dir is not None:
        return f"sqlite:///{data_dir / STORE_FILE}"
    return None


def cmd_export(args: argparse.Namespace) -> int:
    from tools.audit_export import export

    chain, data_dir = _open_chain(args)
    try:
        database = _database(args, data_dir)
        if database is None:
            raise ConfigurationError("--database URL is needed: the centre's store")
        n = export(chain, database, Path(args.out))
    finally:
        chain.close()
    print(f"wrote {n} documents to {args.out} (index.json lists them; addresses.json the contracts)")
    return 0


def _say(quiet: bool) -> Any:
    def say(msg: str) -> None:
        if not quiet:
            print(f"… {msg}", file=sys.stderr, flush=True)

    return say


def cmd_run(args: argparse.Namespace) -> int:
    from ledger.audit import run_audit
    from ledger.audit.bundle import Bundle
    from ledger.audit.checks import FAMILIES
    from ledger.audit.model import Status
    from tools.audit_report import as_html, as_json, dumps

    unknown = [f for f in args.family or [] if f not in FAMILIES]
    if unknown:
        print(f"error: unknown check family {unknown[0]!r}; choose from {', '.join(FAMILIES)}", file=sys.stderr)
        return 2
    bundle = Bundle.load(Path(args.bundle))
    chain, _ = _open_chain(args)
    store: dict[str, Any] | None = None
    store_results = []
    try:
        from ledger.rules.collusion import FlagParams

        try:
            relayers = frozenset(to_checksum_address(r).lower() for r in args.relayer or [])
        except ValueError:
            print(f"error: --relayer takes addresses, not {args.relayer}", file=sys.stderr)
            return 2
        report = run_audit(chain, bundle, families=args.family, progress=_say(args.quiet),
                           flags=FlagParams(public_relayers=relayers))
        if args.database:
            from tools.audit_store import diff_store

            diff = diff_store(chain, args.database, bundle)
            store = {"tables": diff.tables, "checks": [r.as_json() for r in diff.results]}
            store_results = diff.results
    finally:
        chain.close()
    failures = report.failures + [r for r in store_results if r.status is Status.FAIL]
    if args.json:
        data = as_json(report, store)
        data["ok"] = not failures
        Path(args.json).write_text(dumps(data) + "\n", encoding="utf-8")
    if args.html:
        Path(args.html).write_text(as_html(report, store, store_results), encoding="utf-8")
    counts = report.counts()
    counts["fail"] += sum(1 for r in store_results if r.status is Status.FAIL)
    counts["pass"] += sum(1 for r in store_results if r.status is Status.PASS)
    print(f"audited chain {report.chain_id} to block {report.head_block}: {report.events} events, "
          f"{report.documents} bundle documents; {counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['info']} for information")
    if report.flags:
        print(f"{len(report.flags)} collusion flag(s) for review (not findings): see the report")
    for r in failures:
        where = f" [tender {r.tender}{'' if r.section is None else f' section {r.section}'}]" if r.tender else ""
        tx = next((e.tx for e in r.evidence if e.tx), None)
        print(f"FAIL {r.family}: {r.name}{where}: {r.message}" + (f" (tx {tx})" if tx else ""))
    return 1 if failures else 0


def cmd_ocds(args: argparse.Namespace) -> int:
    """Every tender on chain as an OCDS 1.1 release package, from the chain and the bundle alone."""
    import json

    from ledger.audit import _firm_names
    from ledger.audit.bundle import Bundle
    from ledger.audit.checks import build_context, check_eligibility, check_selection
    from ledger.audit.ocds import release_package

    bundle = Bundle.load(Path(args.bundle))
    chain, _ = _open_chain(args)
    try:
        chain.replay(_say(args.quiet))
        ctx = build_context(chain, bundle)
        for _ in (*check_eligibility(ctx), *check_selection(ctx)):
            pass  # the firms behind the bids and the opened prices, rerun
        package = release_package(ctx, names=_firm_names(bundle), prefix=args.ocid_prefix)
    finally:
        chain.close()
    text = json.dumps(package, ensure_ascii=False, indent=1) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(package['releases'])} release(s) to {args.out} (OCDS {package['version']} release package)")
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("audit", help="the auditor's kit: export the audit bundle, or replay the chain and rerun "
                                     "the decisions")
    asub = p.add_subparsers(dest="audit_command", required=True)
    q = asub.add_parser("export", help="write the audit bundle (the centre: from its data directory, read-only)")
    q.add_argument("--out", required=True, help="directory to write the bundle into")
    q.add_argument("--data-dir", default=None, help="the centre's data directory (default TL_DATA_DIR)")
    q.add_argument("--database", default=None, help="the store's SQLAlchemy URL (default the data directory's)")
    q.set_defaults(func=cmd_export)
    q = asub.add_parser("run", help="replay the chain from genesis and rerun every check; exit 1 on any finding")
    q.add_argument("--bundle", required=True, help="the audit bundle directory")
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("--rpc-url", default=None, help="any Ethereum JSON-RPC node serving the chain")
    src.add_argument("--data-dir", default=None, help="an embedded data directory, opened read-only")
    q.add_argument("--addresses", default=None,
                   help="the contracts' addresses (deployments.json or {name: address}); default the data "
                        "directory's deployments.json")
    q.add_argument("--database", default=None,
                   help="the centre's operational database (SQLAlchemy URL): report every row that differs "
                        "from a rebuild from the chain")
    q.add_argument("--json", default=None, metavar="OUT", help="write the report as one JSON object")
    q.add_argument("--html", default=None, metavar="OUT", help="write the report as a self-contained HTML page")
    q.add_argument("--family", action="append", default=None, help="run only this check family (repeatable)")
    q.add_argument("--relayer", action="append", default=None, metavar="ADDRESS",
                   help="a public relay service's key (the platform's relayer): bids it relays are no collusion "
                        "flag (repeatable)")
    q.add_argument("--quiet", action="store_true", help="no progress on stderr")
    q.set_defaults(func=cmd_run)
    q = asub.add_parser("ocds", help="publish every tender as an OCDS 1.1 release package (from the chain and "
                                     "the bundle alone)")
    q.add_argument("--bundle", required=True, help="the audit bundle directory")
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("--rpc-url", default=None, help="any Ethereum JSON-RPC node serving the chain")
    src.add_argument("--data-dir", default=None, help="an embedded data directory, opened read-only")
    q.add_argument("--addresses", default=None, help="the contracts' addresses (as for `audit run`)")
    q.add_argument("--ocid-prefix", default="ocds-tl0001", help="the publisher's registered ocid prefix")
    q.add_argument("--out", default="-", help="file to write the release package to (default standard output)")
    q.add_argument("--quiet", action="store_true", help="no progress on stderr")
    q.set_defaults(func=cmd_ocds)
