"""`tender-ledger tender …`: the trading centre publishes and opens tenders on its own ledger.

Publishing makes the tender's opening key here, splits it k-of-n, writes one share file per
opening officer and forgets the key: the service only ever learns the public key and the share
hashes. Opening needs k shares released on chain by the officers themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ledger.errors import ValidationFailed


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def cmd_publish(args: argparse.Namespace) -> int:
    from api import tenders as svc
    from api.store import Store
    from ledger.config import Settings
    from ledger.runtime import open_runtime
    from ledger.sealing import OpeningKey
    from ledger.shares import share_hash, split
    from ledger.tenders import TenderParams

    try:
        params = TenderParams.model_validate(json.loads(Path(args.params).read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"{args.params}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(f"{args.params}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    try:
        document = Path(args.document).read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"{args.document}: {exc.strerror}") from None
    shares_dir = Path(args.shares_dir)
    if shares_dir.exists() and any(shares_dir.iterdir()):
        raise ValidationFailed(f"{shares_dir} is not empty: share files are never overwritten")
    if not 2 <= args.threshold <= len(args.officer):
        raise ValidationFailed(f"threshold must be between 2 and the number of officers ({len(args.officer)})")
    key = OpeningKey.generate()
    shares = split(key.private, args.threshold, len(args.officer))
    public = key.public
    del key  # from here on only the shares can rebuild it
    with open_runtime(Settings()) as rt:
        store = Store(rt)
        store.reconcile()
        view = svc.publish(
            store, signer=rt.operator.address, params=params, document=document,
            opening_public=public,
            share_hashes=[share_hash(s) for s in shares], officers=args.officer, threshold=args.threshold,
        )
    shares_dir.mkdir(parents=True, exist_ok=True)
    for officer, share in zip(view["officers"], shares, strict=True):
        _write_private(shares_dir / f"share-{officer}.json", json.dumps(
            {"tender_id": view["tender_id"], "officer": officer, "share": "0x" + share.to_bytes().hex()}, indent=2))
    print(json.dumps({"tender_id": view["tender_id"], "deadline": view["deadline"], "tx_hash": view["tx_hash"],
                      "shares_dir": str(shares_dir)}, indent=None if args.json else 2))
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from api import tenders as svc
    from api.store import Store
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        store = Store(rt)
        store.reconcile()
        result = svc.open_section(store, signer=rt.operator.address, tender_id=args.tender_id, section=args.section)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"section {result['section']}: {result['status']} with {result['valid_bids']} valid bid(s)")
    for b in result["bids"]:
        flag = "eligible" if b["eligible"] else "not eligible"
        print(f"  {b['bidder']}  {b['outcome']:<13} {flag:<13} {b['reason']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from api import tenders as svc
    from api.store import Store
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        store = Store(rt)
        print(json.dumps(svc.tender_view(store, svc._tender(store, args.tender_id)), ensure_ascii=False, indent=2))
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from api import tenders as svc
    from api.store import Store
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    with open_runtime(Settings()) as rt:
        store = Store(rt)
        store.reconcile()
        data = svc.results(store, tender_id=args.tender_id, section=args.section, viewer=rt.operator.address)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({'public' if data['public'] else 'not yet public: evaluation unpublished'})")
    else:
        sys.stdout.write(text)
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("tender", help="publish, show and open tenders (trading centre)")
    tsub = p.add_subparsers(dest="tender_command", required=True)
    q = tsub.add_parser("publish", help="publish a tender; writes one share file per opening officer")
    q.add_argument("params", help="tender parameters (JSON)")
    q.add_argument("--document", required=True, help="the tender documents (PDF/OFD)")
    q.add_argument("--officer", action="append", required=True, help="opening officer address (repeat)")
    q.add_argument("--threshold", type=int, required=True, help="shares needed to open (k of n)")
    q.add_argument("--shares-dir", required=True, help="new directory for the officers' share files")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_publish)
    q = tsub.add_parser("show", help="a tender's published parameters")
    q.add_argument("tender_id")
    q.set_defaults(func=cmd_show)
    q = tsub.add_parser("open", help="open a section after k officers released their shares")
    q.add_argument("tender_id")
    q.add_argument("--section", type=int, default=0)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_open)
    q = tsub.add_parser("results", help="export what each bidder used and how it verified (JSON)")
    q.add_argument("tender_id")
    q.add_argument("--section", type=int, default=0)
    q.add_argument("--out", default=None, help="file to write (default: stdout)")
    q.set_defaults(func=cmd_results)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run through `tender-ledger tender …`")
