"""`tender-ledger audit`: the auditor's kit.

    tender-ledger audit export --out DIR [--data-dir DIR] [--database URL]
    tender-ledger audit run --bundle DIR (--rpc-url URL | --data-dir DIR) [--addresses FILE]
                            [--database URL] [--json OUT] [--html OUT] [--family NAME …]
    tender-ledger audit ocds --bundle DIR (--rpc-url URL | --data-dir DIR) [--record] [--out FILE]
    tender-ledger audit log (--rpc-url URL | --data-dir DIR) [--database URL] [--witness FILE] [--json OUT]
    tender-ledger audit prove RECORD (--rpc-url URL | --data-dir DIR) [--database URL] [--json]

`export` is the trading centre's: it writes the audit bundle from its data directory (read-only).
`run` is the auditor's: it replays the chain from genesis (a node, or a data directory opened
read-only), checks every bundle document against its on-chain hash and reruns the recorded
decisions (`ledger.audit`); with `--database` it also compares the centre's operational database
with a rebuild from the chain, and the store's log with the checkpoints CheckpointBook holds (as
`audit log` does, family `checkpoints`). Exit 0 when every check passes, 1 when any fails, 3 when the chain,
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
            log, log_summary = _store_log(chain, args.database)
            store_results = diff.results + log
            store = {"tables": diff.tables, "log": log_summary, "checks": [r.as_json() for r in store_results]}
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
    counts["info"] += sum(1 for r in store_results if r.status is Status.INFO)
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


def _store_log(chain: ChainView, database: str) -> tuple[list[Any], dict[str, Any]]:
    """The store's log against the on-chain checkpoints (`audit log`'s checks, family `checkpoints`),
    as part of `audit run --database`; a store or deployment without checkpoints is one `info`."""
    from ledger.audit.model import Status
    from ledger.audit.words import said
    from tools.audit_log import run

    try:
        audit, checkpoints = run(chain, database, None)
    except ConfigurationError as exc:
        return [said("checkpoints.not_checked", error=str(exc)).result(Status.INFO)], {"checked": False}
    return audit.results, {"checked": True, "size": audit.size, "checkpoints": len(checkpoints),
                           "first_rewritten": audit.first_rewritten}


def cmd_ocds(args: argparse.Namespace) -> int:
    """Every tender on chain as an OCDS 1.1 release package (or record package), from the chain and
    the bundle alone."""
    import json

    from ledger.audit import publication_context
    from ledger.audit.bundle import Bundle
    from ledger.audit.ocds import record_package, release_package

    bundle = Bundle.load(Path(args.bundle))
    chain, _ = _open_chain(args)
    try:
        ctx, names = publication_context(chain, bundle)
        build = record_package if args.record else release_package
        package = build(ctx, names=names, prefix=args.ocid_prefix)
    finally:
        chain.close()
    text = json.dumps(package, ensure_ascii=False, indent=1) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        what = ("record(s)", "record package") if args.record else ("release(s)", "release package")
        print(f"wrote {len(package['records' if args.record else 'releases'])} {what[0]} to {args.out} "
              f"(OCDS {package['version']} {what[1]})")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    """The store's log against every on-chain checkpoint; exit 1 on any finding."""
    from ledger.audit.model import Status
    from tools.audit_log import run
    from tools.audit_report import dumps

    chain, data_dir = _open_chain(args)
    try:
        database = _database(args, data_dir)
        if database is None:
            raise ConfigurationError("--database URL is needed: the centre's store")
        audit, checkpoints = run(chain, database, Path(args.witness) if args.witness else None)
    finally:
        chain.close()
    failures = audit.failures
    if args.json:
        Path(args.json).write_text(dumps({
            "ok": not failures, "size": audit.size, "checkpoints": len(checkpoints),
            "first_rewritten": audit.first_rewritten, "checks": [r.as_json() for r in audit.results]}) + "\n",
            encoding="utf-8")
    passed = sum(1 for r in audit.results if r.status is Status.PASS)
    print(f"store log: {audit.size} records, {len(checkpoints)} checkpoint(s) on chain; {passed} passed, "
          f"{len(failures)} failed")
    for r in audit.results:
        if r.status is Status.FAIL:
            tx = next((e.tx for e in r.evidence if e.tx), None)
            print(f"FAIL {r.family}: {r.name}: {r.message}" + (f" (tx {tx})" if tx else ""))
    return 1 if failures else 0


def cmd_prove(args: argparse.Namespace) -> int:
    """A record's inclusion proof in the latest checkpoint; exit 1 when it does not verify."""
    import json

    from ledger.audit.checkpoints import NotCheckpointed
    from tools.audit_log import proof_json, prove_record

    chain, data_dir = _open_chain(args)
    try:
        database = _database(args, data_dir)
        if database is None:
            raise ConfigurationError("--database URL is needed: the centre's store")
        try:
            proof = prove_record(chain, database, args.record)
        except NotCheckpointed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    finally:
        chain.close()
    if args.json:
        print(json.dumps(proof_json(proof), ensure_ascii=False, sort_keys=True))
    else:
        cp = proof.checkpoint
        print(f"record {proof.record.position} ({proof.record.kind} {proof.record.key}), leaf 0x{proof.leaf.hex()}")
        print(f"checkpoint {cp.index}: size {cp.size}, root 0x{cp.root.hex()} (tx {cp.tx})")
        for h in proof.path:
            print(f"  0x{h.hex()}")
        print("verified: the path leads to the checkpoint's root" if proof.verified else
              "NOT VERIFIED: the path does not lead to the checkpoint's root")
    return 0 if proof.verified else 1


def _chain_source(q: Any) -> None:
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("--rpc-url", default=None, help="any Ethereum JSON-RPC node serving the chain")
    src.add_argument("--data-dir", default=None, help="an embedded data directory, opened read-only")
    q.add_argument("--addresses", default=None, help="the contracts' addresses (as for `audit run`)")
    q.add_argument("--database", default=None,
                   help="the centre's store (SQLAlchemy URL; default the data directory's), only read")


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
                        "from a rebuild from the chain, and check the store's log against its checkpoints")
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
    q.add_argument("--record", action="store_true", help="a record package (each tender's releases and its "
                                                         "compiled release) instead of a release package")
    q.add_argument("--out", default="-", help="file to write the release package to (default standard output)")
    q.add_argument("--quiet", action="store_true", help="no progress on stderr")
    q.set_defaults(func=cmd_ocds)
    q = asub.add_parser("log", help="check the store's log against every checkpoint on chain (roots, consistency, "
                                    "rows); exit 1 on any finding")
    _chain_source(q)
    q.add_argument("--witness", default=None, metavar="FILE",
                   help="the auditor's copy of the leaves it last verified: read if present (names the first "
                        "rewritten record), rewritten after a clean audit")
    q.add_argument("--json", default=None, metavar="OUT", help="write the result as one JSON object")
    q.set_defaults(func=cmd_log)
    q = asub.add_parser("prove", help="a record's RFC 6962 inclusion proof in the latest checkpoint")
    q.add_argument("record", help="the record's position in the log, or its key (kind/key or key)")
    _chain_source(q)
    q.add_argument("--json", action="store_true", help="print the proof as one JSON object")
    q.set_defaults(func=cmd_prove)
