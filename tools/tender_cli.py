"""`tender-ledger tender …`: the trading centre publishes, amends and opens tenders, and opening
officers release their shares — all through the running service's HTTP API, signed by the
caller's own key (the centre's defaults to the data directory's operator key).

Publishing makes the tender's opening key here, splits it k-of-n, writes one share file per
opening officer and forgets the key: the service only ever learns the public key and the share
hashes. Opening needs k shares released on chain by the officers themselves.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError

from ledger.errors import ConfigurationError, LedgerError, ValidationFailed


class RemoteRefused(LedgerError):
    """The service refused the request; the message is the service's."""


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _key(path: str | None) -> LocalAccount:
    if path is None:
        from ledger.config import Settings

        path = str(Settings().data_dir / "operator.key")
    try:
        account: LocalAccount = Account.from_key(Path(path).read_text().strip())
        return account
    except OSError as exc:
        raise ConfigurationError(f"cannot read the key file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigurationError(f"{path} does not hold a private key: {exc}") from None


def _api(args: argparse.Namespace, key: LocalAccount) -> Any:
    from bidders.http import LedgerAPI

    return LedgerAPI(args.api, key)


def _call(fn: Any, *a: Any, **kw: Any) -> Any:
    from bidders.http import APIError, APIUnreachable

    try:
        return fn(*a, **kw)
    except APIUnreachable as exc:
        raise ConfigurationError(str(exc)) from None
    except APIError as exc:
        raise RemoteRefused(str(exc)) from None


def _params_file(path: str) -> dict[str, Any]:
    from ledger.tenders import TenderParams

    try:
        data = json.loads(Path(path).read_text())
        TenderParams.model_validate(data)  # refuse locally, before anything is sent
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(f"{path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return data  # type: ignore[no-any-return]


def _document(path: str) -> str:
    try:
        return base64.b64encode(Path(path).read_bytes()).decode()
    except OSError as exc:
        raise ValidationFailed(f"{path}: {exc.strerror}") from None


def cmd_publish(args: argparse.Namespace) -> int:
    from ledger.crypto.sealing import OpeningKey
    from ledger.crypto.shares import share_hash, split

    params = _params_file(args.params)
    document = _document(args.document)
    shares_dir = Path(args.shares_dir)
    if shares_dir.exists() and any(shares_dir.iterdir()):
        raise ValidationFailed(f"{shares_dir} is not empty: share files are never overwritten")
    if not 2 <= args.threshold <= len(args.officer):
        raise ValidationFailed(f"threshold must be between 2 and the number of officers ({len(args.officer)})")
    key = OpeningKey.generate()
    shares = split(key.private, args.threshold, len(args.officer))
    public = key.public
    del key  # from here on only the shares can rebuild it
    # Write the share files first: a published tender whose shares were lost could never open.
    shares_dir.mkdir(parents=True, exist_ok=True)
    from ledger.tenders import tender_id

    tid = "0x" + tender_id(params["project_code"]).hex()
    for officer, share in zip(args.officer, shares, strict=True):
        _write_private(shares_dir / f"share-{officer}.json", json.dumps(
            {"tender_id": tid, "officer": officer, "share": "0x" + share.to_bytes().hex()}, indent=2))
    api = _api(args, _key(args.key_file))
    view = _call(api.post, "/tenders", {
        "params": params, "document_b64": document, "opening_public_key": "0x" + public.hex(),
        "share_hashes": ["0x" + share_hash(s).hex() for s in shares], "officers": args.officer,
        "threshold": args.threshold,
    })
    print(json.dumps({"tender_id": view["tender_id"], "deadline": view["deadline"], "tx_hash": view["tx_hash"],
                      "shares_dir": str(shares_dir)}, indent=None if args.json else 2))
    return 0


def _when(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(seconds), UTC).isoformat()


def cmd_amend(args: argparse.Namespace) -> int:
    api = _api(args, _key(args.key_file))
    params = _params_file(args.params)
    view = _call(api.post, f"/tenders/{args.tender_id}/amendments", {
        "params": params, "document_b64": _document(args.document), "reason": args.reason})
    deadline = int(view["deadline"])
    print(f"tender {view['tender_id']} is now version {view['version']} (deadline {_when(deadline)}, {deadline})")
    from ledger.tenders import TenderParams

    asked = int(TenderParams.model_validate(params).deadline.timestamp())
    if deadline > asked:
        print(f"the deadline asked for, {_when(asked)}, was less than 15 days after this amendment: TenderBook "
              f"postponed it to {_when(deadline)} (招标投标法 Art. 23)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from bidders.http import LedgerAPI

    print(json.dumps(_call(LedgerAPI(args.api).tender, args.tender_id), ensure_ascii=False, indent=2))
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    api = _api(args, _key(args.key_file))
    result = _call(api.post, f"/tenders/{args.tender_id}/sections/{args.section}/open", {})
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"section {result['section']}: {result['status']} with {result['valid_bids']} valid bid(s)")
    for b in result["bids"]:
        flag = "eligible" if b["eligible"] else "not eligible"
        print(f"  {b['bidder']}  {b['outcome']:<13} {flag:<13} {b['reason']}")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    api = _api(args, _key(args.key_file))
    data = _call(api.get, f"/tenders/{args.tender_id}/sections/{args.section}/results", signed=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({'public' if data['public'] else 'not yet public: evaluation unpublished'})")
    else:
        sys.stdout.write(text)
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    try:
        share_file = json.loads(Path(args.share_file).read_text())
        share = bytes.fromhex(str(share_file["share"]).removeprefix("0x"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"cannot read the share file: {exc}") from None
    key = _key(args.key_file)
    if key.address.lower() != str(share_file.get("officer", "")).lower():
        raise ValidationFailed(f"this share belongs to officer {share_file.get('officer')}, the key is {key.address}")
    result = _call(_api(args, key).release_share, share_file["tender_id"], share)
    print(f"share released for tender {share_file['tender_id']} (tx {result['tx_hash']})")
    return 0


def add_commands(sub: Any) -> None:
    api_default = os.environ.get("TL_API_URL", "http://127.0.0.1:8000")
    p = sub.add_parser("tender", help="publish, amend, open tenders and release shares (through the API)")
    tsub = p.add_subparsers(dest="tender_command", required=True)

    def common(q: argparse.ArgumentParser, key_help: str) -> None:
        q.add_argument("--api", default=api_default, help="the service (default TL_API_URL or 127.0.0.1:8000)")
        q.add_argument("--key-file", default=None, help=key_help)

    centre_key = "centre's private key file (default: the data directory's operator.key)"
    q = tsub.add_parser("publish", help="publish a tender; writes one share file per opening officer")
    q.add_argument("params", help="tender parameters (JSON)")
    q.add_argument("--document", required=True, help="the tender documents (PDF/OFD)")
    q.add_argument("--officer", action="append", required=True, help="opening officer address (repeat)")
    q.add_argument("--threshold", type=int, required=True, help="shares needed to open (k of n)")
    q.add_argument("--shares-dir", required=True, help="new directory for the officers' share files")
    q.add_argument("--json", action="store_true")
    common(q, centre_key)
    q.set_defaults(func=cmd_publish)
    q = tsub.add_parser("amend", help="amend a tender before its deadline (a new version with a reason; "
                                      "less than 15 days before the deadline, the chain postpones it)")
    q.add_argument("tender_id")
    q.add_argument("params")
    q.add_argument("--document", required=True)
    q.add_argument("--reason", required=True)
    common(q, centre_key)
    q.set_defaults(func=cmd_amend)
    q = tsub.add_parser("show", help="a tender as the chain holds it")
    q.add_argument("tender_id")
    q.add_argument("--api", default=api_default)
    q.set_defaults(func=cmd_show)
    q = tsub.add_parser("open", help="open a section after k officers released their shares")
    q.add_argument("tender_id")
    q.add_argument("--section", type=int, default=0)
    q.add_argument("--json", action="store_true")
    common(q, centre_key)
    q.set_defaults(func=cmd_open)
    q = tsub.add_parser("results", help="export what each bidder used and how it verified (JSON)")
    q.add_argument("tender_id")
    q.add_argument("--section", type=int, default=0)
    q.add_argument("--out", default=None, help="file to write (default: stdout)")
    common(q, centre_key)
    q.set_defaults(func=cmd_results)
    q = tsub.add_parser("release-share", help="an opening officer releases its share after the deadline")
    q.add_argument("share_file", help="the officer's share file written at publication")
    common(q, "the officer's private key file (hex)")
    q.set_defaults(func=cmd_release)
