"""`tender-ledger tender …`: the trading centre publishes, amends and opens tenders, and opening
officers release their shares — all through the running service's HTTP API, signed by the
caller's own key (the centre's defaults to the data directory's keys/centre.key).

Each opening officer first exports its public key (`tender officer-key`) and sends it to the
centre. Publishing makes the tender's opening key in memory, splits it k-of-n and seals each
share to its officer's public key (`ledger.crypto.officer_box.deal`), writes only the sealed
shares and forgets the key: neither the centre's machine nor the service ever holds anything
that opens a bid. After the deadline each officer opens its own share with its own key and
releases it on chain (`tender release-share`); opening needs k of them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError

from ledger.errors import ConfigurationError, LedgerError, ValidationFailed
from tools.display import local_time

if TYPE_CHECKING:
    from ledger.crypto.officer_box import OfficerKey


class RemoteRefused(LedgerError):
    """The service refused the request; the message is the service's."""


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _key(path: str | None) -> LocalAccount:
    if path is None:
        from ledger.config import Settings

        path = str(Settings().data_dir / "keys" / "centre.key")
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
        raise RemoteRefused(exc.said(local_time)) from None


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


def _officer(value: str) -> OfficerKey:
    """An opening officer as `--officer` names it: its public key in hex, or the file that
    `tender officer-key` wrote (the address in it, if any, must be the key's)."""
    return _officer_named(value)[0]


def _officer_named(value: str) -> tuple[OfficerKey, str | None]:
    """`_officer`, with the name the officer's file gives (`tender officer-key --name`), if any."""
    from ledger.crypto.officer_box import MalformedOfficerKey, OfficerKey

    path = Path(value)
    if not os.path.isfile(path):  # never raises, unlike Path.is_file on some errors
        try:
            return OfficerKey.from_hex(value), None
        except MalformedOfficerKey as exc:
            if value.startswith("0x"):
                raise ValidationFailed(f"--officer {value[:80]}: {exc}") from None
            raise ValidationFailed(f"--officer {value[:80]}: neither an officer's public key (0x04…) "
                                   "nor a file written by `tender officer-key`") from None
    try:
        data = json.loads(path.read_text())
        officer = OfficerKey.from_hex(data["public_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"{value} is not an officer key file (`tender officer-key` writes one): "
                               f"{exc}") from None
    named = data.get("address")
    if named is not None and str(named).lower() != officer.address.lower():
        raise ValidationFailed(f"{value}: the public key is {officer.address}'s, not {named}'s")
    name = data.get("name")
    return officer, (name.strip() or None) if isinstance(name, str) else None


def cmd_officer_key(args: argparse.Namespace) -> int:
    """An officer's public key and address (and name, with --name), to send to the centre once."""
    from ledger.crypto.officer_box import OfficerKey

    if args.key_file is None:
        raise ValidationFailed("--key-file: the officer's own private key file is required")
    officer = OfficerKey.of_private(bytes(_key(args.key_file).key))
    card = {"address": officer.address, "public_key": officer.to_hex()}
    if args.name is not None:
        from ledger.values import one_line

        card["name"] = one_line(args.name, "--name (the officer's name)")
    text = json.dumps(card, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out} (officer {officer.address}): send it to the trading centre")
    else:
        sys.stdout.write(text)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from bidders.http import APIError, APIUnreachable
    from ledger.crypto.officer_box import deal
    from ledger.tenders import tender_id

    params = _params_file(args.params)
    document = _document(args.document)
    keyed = [_officer_named(o) for o in args.officer]
    officers = [o for o, _ in keyed]
    # The officers' names their key files give go into the parameters (so the params hash binds
    # them), unless the parameters name the officer already.
    named = {o.address: name for o, name in keyed if name is not None}
    if named and isinstance(params, dict):
        given = params.get("officer_names") or {}
        mentioned = {str(a).lower() for a in given}
        params = {**params, "officer_names": {**{a: n for a, n in named.items() if a.lower() not in mentioned},
                                              **given}}
    shares_dir = Path(args.shares_dir)
    if shares_dir.exists() and any(shares_dir.iterdir()):
        raise ValidationFailed(f"{shares_dir} is not empty: share files are never overwritten")
    if not 2 <= args.threshold <= len(officers):
        raise ValidationFailed(f"threshold must be between 2 and the number of officers ({len(officers)})")
    centre = _key(args.key_file)
    if centre.address in {o.address for o in officers}:
        raise ValidationFailed(f"the centre's own key ({centre.address}) cannot be an opening officer: "
                               "it is on the machine that publishes")
    # The opening key lives only inside `deal`: out come its public key, the share hashes and
    # each share sealed to its officer's key. Nothing written here can open a bid.
    dealt = deal(tender_id=tender_id(params["project_code"]), officers=officers, threshold=args.threshold)
    # Write the sealed shares first: a published tender whose shares were lost could never open.
    created = not shares_dir.exists()
    shares_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for sealed in dealt.sealed:
        files.append(shares_dir / f"share-{sealed.officer}.json")
        _write_private(files[-1], sealed.to_json() + "\n")
    body = {"params": params, "document_b64": document, "opening_public_key": "0x" + dealt.opening_public.hex(),
            "share_hashes": ["0x" + h.hex() for h in dealt.share_hashes], "officers": list(dealt.officers),
            "threshold": args.threshold}
    try:
        view = _api(args, centre).post("/tenders", body)
    except APIError as exc:
        if 400 <= exc.status < 500:
            # Refused, so not published: these shares belong to a key no tender uses.
            for f in files:
                f.unlink(missing_ok=True)
            if created:
                shares_dir.rmdir()
            raise RemoteRefused(str(exc)) from None
        kept = (f"{exc}; the sealed shares are kept in {shares_dir}: `tender show "
                f"0x{dealt.tender_id.hex()}` tells whether the tender was published")
        raise (ConfigurationError(kept) if isinstance(exc, APIUnreachable) else RemoteRefused(kept)) from None
    print(json.dumps({"tender_id": view["tender_id"], "deadline": view["deadline"], "tx_hash": view["tx_hash"],
                      "shares_dir": str(shares_dir), "share_files": {s.officer: str(f) for s, f in
                                                                       zip(dealt.sealed, files, strict=True)}},
                     indent=None if args.json else 2))
    return 0


def _when(seconds: int) -> str:
    from tools.display import local_time

    return local_time(seconds)


def cmd_amend(args: argparse.Namespace) -> int:
    api = _api(args, _key(args.key_file))
    params = _params_file(args.params)
    if "officer_names" not in params:  # the officers stay as named unless the new parameters say otherwise
        current = (_call(api.tender, args.tender_id).get("params") or {}).get("officer_names")
        if current:
            params = {**params, "officer_names": current}
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
    from ledger.crypto.officer_box import SealedShare, open_share

    try:
        text = Path(args.share_file).read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"cannot read the share file {args.share_file}: {exc.strerror}") from None
    sealed = SealedShare.from_json(text)
    if args.key_file is None:
        raise ValidationFailed("--key-file: the officer's own private key file is required")
    key = _key(args.key_file)
    share = open_share(sealed, bytes(key.key))
    tid = "0x" + sealed.tender_id.hex()
    result = _call(_api(args, key).release_share, tid, share.to_bytes())
    print(f"share released for tender {tid} (tx {result['tx_hash']})")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    """A complete params.json to edit (or, with --explain, the reference of every field)."""
    from tools.errors import UsageError
    from tools.params_doc import markdown, template

    text = markdown() if args.explain else json.dumps(template(), ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    try:
        with open(out, "x", encoding="utf-8") as f:  # never over an existing file
            f.write(text)
    except FileExistsError:
        raise UsageError(f"{out} exists: choose another file or remove it first") from None
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    print(f"wrote {out}" + ("" if args.explain else "; edit it, then `tender-ledger tender publish "
                                                     f"{out} --document … --officer … --threshold …`"))
    return 0


def add_commands(sub: Any) -> None:
    api_default = os.environ.get("TL_API_URL", "http://127.0.0.1:8000")
    p = sub.add_parser("tender", help="publish, amend, open tenders and release shares (through the API)")
    tsub = p.add_subparsers(dest="tender_command", required=True)

    def common(q: argparse.ArgumentParser, key_help: str) -> None:
        q.add_argument("--api", default=api_default, help="the service (default TL_API_URL or 127.0.0.1:8000)")
        q.add_argument("--key-file", default=None, help=key_help)

    centre_key = "centre's private key file (default: the data directory's keys/centre.key)"
    officer_key = "the officer's own private key file (hex)"
    q = tsub.add_parser("officer-key", help="an opening officer's public key and address, to send to the centre")
    q.add_argument("--key-file", default=None, help=officer_key + " (required)")
    q.add_argument("--name", default=None, help="the officer's name (姓名), which `tender publish` puts into the "
                                                 "tender's parameters (officer_names)")
    q.add_argument("--out", default=None, help="file to write (default: stdout)")
    q.set_defaults(func=cmd_officer_key)
    q = tsub.add_parser("template", help="write a complete params.json to edit (--explain: every field, docs/params.md)")
    q.add_argument("--out", default=None, help="new file to write (default: stdout); never overwrites")
    q.add_argument("--explain", action="store_true", help="the reference of every field instead of the template")
    q.set_defaults(func=cmd_template)
    q = tsub.add_parser("publish", help="publish a tender; writes each opening officer its share, sealed to its key")
    q.add_argument("params", help="tender parameters (JSON)")
    q.add_argument("--document", required=True, help="the tender documents (PDF/OFD)")
    q.add_argument("--officer", action="append", required=True,
                   help="opening officer: its public key (0x04…) or the file `tender officer-key` wrote (repeat)")
    q.add_argument("--threshold", type=int, required=True, help="shares needed to open (k of n)")
    q.add_argument("--shares-dir", required=True, help="new directory for the officers' sealed share files")
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
    q = tsub.add_parser("release-share", help="an opening officer opens its sealed share and releases it after the deadline")
    q.add_argument("share_file", help="the officer's sealed share file written at publication")
    common(q, officer_key + " (required)")
    q.set_defaults(func=cmd_release)
