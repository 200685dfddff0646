"""`tender-ledger key …`: a person's own signing key, for every role that signs with a key file
(opening and draw officers, experts, selection committee members, governance members, parties to a
draw, objectors): `key new` makes one on this machine (never sent anywhere), `key show` tells its
address. A key file holds the private key as 0x and 64 hex digits, readable by its owner only.
A firm's key is the bidder client's (`tender-bidder key create`, an encrypted keystore).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from pathlib import Path
from typing import Any

from eth_account import Account

from ledger.errors import ConfigurationError, ValidationFailed


def cmd_new(args: argparse.Namespace) -> int:
    out = Path(args.out)
    key = "0x" + secrets.token_hex(32)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationFailed(f"{out} exists: a key file is never overwritten (it may be someone's only copy)") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot write {out}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    address = Account.from_key(key).address
    if args.json:
        print(json.dumps({"address": address, "key_file": str(out)}))
    else:
        print(f"wrote {out} (address {address}); keep it on this machine, readable by you only")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from tools.tender_cli import _key

    account = _key(args.key_file)
    print(json.dumps({"address": account.address}) if args.json else account.address)
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("key", help="a person's own key file: make one (officers, experts, members, governance "
                                   "members), or show its address")
    ksub = p.add_subparsers(dest="key_command", required=True)
    q = ksub.add_parser("new", help="make a new key file (0600, never overwritten) and print its address")
    q.add_argument("--out", required=True, help="the new key file")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_new)
    q = ksub.add_parser("show", help="the address of a key file")
    q.add_argument("--key-file", required=True, help="the key file (0x and 64 hex digits)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_show)
