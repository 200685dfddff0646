"""`tender-ledger governance …`: a member of the consortium's governance (住建局, 市场监管局, 信用办,
交易中心…) reads the proposals, proposes a call, approves, takes back or cancels — each step a
transaction signed by the member's own key on this machine, prepared by the service, checked
here before signing, and relayed by the service (which executes a call once it has its approvals).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes

from ledger.errors import ConfigurationError, ValidationFailed

CONTRACTS = ("CredentialRegistry", "TenderBook", "GuaranteeBook", "SelectionBook", "PerformanceBook", "Governance")


def _key(path: str) -> LocalAccount:
    try:
        account: LocalAccount = Account.from_key(Path(path).read_text().strip())
        return account
    except OSError as exc:
        raise ConfigurationError(f"cannot read the key file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigurationError(f"{path} does not hold a private key: {exc}") from None


def _arg(text: str) -> Any:
    """An argument as typed: a whole number becomes an int, true/false a bool, anything else stays
    text (addresses, 0x-words, names)."""
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.isdigit() else text


def _sign_checked(api: Any, tx: dict[str, Any], *, function: str, expect: dict[str, Any]) -> str:
    """Sign the prepared Governance transaction only if it calls `function` with `expect` (the
    service chose the salt; everything else is what the member asked for). The address, chain id,
    value and data checks are `LedgerAPI.sign_tx`'s."""
    from ledger.chain.governance import decode_offline

    data = bytes(HexBytes(tx.get("data", "0x")))
    fn, args = decode_offline("Governance", data)
    problems = [] if fn == function else [f"it calls {fn}, not {function}"]
    for name, value in expect.items():
        got = args.get(name)
        if (bytes(got) if isinstance(got, bytes | bytearray) else str(got).lower()) != (
                value if isinstance(value, bytes) else str(value).lower()):
            problems.append(f"its {name} is not the one asked for")
    if problems:
        raise ValidationFailed("refusing to sign the prepared transaction: " + "; ".join(problems))
    from tools.tender_cli import _call

    signed: str = _call(api.sign_tx, tx, contract="Governance", data=data)
    return signed


def _arg_words(contract: str, name: str, value: Any) -> str:
    """An argument as a person reads it: credential kinds and guarantor types by name."""
    from ledger.documents import Kind
    from ledger.model.guarantee import IssuerType

    try:
        if name == "kind":
            return f"{Kind(int(value)).name} ({value})"
        if name == "issuerType":
            return f"{IssuerType(int(value)).name} ({value})"
    except ValueError:
        pass
    return str(value)


def _show_proposal(p: dict[str, Any]) -> str:
    call = p["call"]
    args = ", ".join(f"{k}={_arg_words(call['contract'], k, v)}" for k, v in call["args"].items())
    who = ", ".join(a["name"] or a["address"] for a in p["approvals"])
    expires = datetime.fromisoformat(p["expires_at"]).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    card = p.get("card")
    person = (f"\n    registers {card['name']}" + (f" ({card['organisation']})" if card["organisation"] else "")
              + f", pool card {card['card_hash']}") if card else ""
    return (f"{p['proposal_id']}  {p['state']}  {call['contract']}.{call['function']}({args})\n"
            f"    proposed by {p['proposer_name'] or p['proposer']}; approvals {len(p['approvals'])} of "
            f"{p['threshold']} needed ({who}); lapses {expires}{person}")


def cmd_show(args: argparse.Namespace) -> int:
    from bidders.http import LedgerAPI
    from tools.tender_cli import _call

    api = LedgerAPI(args.api)
    overview = _call(api.get, "/governance")
    proposals = _call(api.get, "/governance/proposals")
    if args.json:
        print(json.dumps({"governance": overview, "proposals": proposals}, ensure_ascii=False))
        return 0
    print(f"governance {overview['address']}: {overview['threshold']} of {len(overview['members'])} members decide")
    for m in overview["members"]:
        print(f"  {m['name']}  {m['address']}")
    print(f"{len(proposals)} proposals, newest first")
    for p in proposals:
        print(_show_proposal(p))
    return 0


def propose(api: Any, key: LocalAccount, contract: str, function: str, values: list[Any],
            card: dict[str, str] | None = None) -> dict[str, Any]:
    """Propose (and so approve) `contract.function(*values)` with the member's `key`: the service
    prepares the propose transaction, this machine checks it names that call and signs it, the
    service relays it (and executes the call at once when one approval is enough). With `card`
    (name, organisation) for registerExpert / registerMember, the salt is the hash of the pool card
    the service made, checked here to name that person before signing."""
    from ledger.chain.governance import encode_offline
    from tools.tender_cli import _call

    data = encode_offline(contract, function, values)
    body: dict[str, Any] = {"sender": key.address, "contract": contract, "function": function, "args": values}
    if card is not None:
        body["card"] = card
    prepared = _call(api.post, "/governance/prepare-proposal", body, signed=False)
    target = api.chain()["contracts"][contract]
    expect: dict[str, Any] = {"target": target, "data": data}
    step_body: dict[str, Any] = {}
    if card is not None:
        made = _checked_card(prepared.get("card"), card)
        expect["salt"] = made.card_hash
        step_body["card"] = made.content().decode()
    signed = _sign_checked(api, prepared["tx"], function="propose", expect=expect)
    step: dict[str, Any] = _call(api.post, "/governance/steps", {"signed_tx": signed, **step_body})
    return step


def _checked_card(prepared: Any, asked: dict[str, str]) -> Any:
    """The pool card the service made, when it names the person asked for (else ValidationFailed)."""
    from ledger.documents.pool_card import PoolCard

    if not isinstance(prepared, dict) or not isinstance(prepared.get("content"), str):
        raise ValidationFailed("refusing to sign: the service made no pool card for this proposal")
    card = PoolCard.parse(prepared["content"].encode())
    if card.name != asked["name"].strip() or card.organisation != asked.get("organisation", "").strip():
        raise ValidationFailed("refusing to sign: the pool card the service made names someone else")
    return card


def cmd_propose(args: argparse.Namespace) -> int:
    from bidders.http import LedgerAPI

    key = _key(args.key_file)
    api = LedgerAPI(args.api, key)
    values = [_arg(a) for a in args.arg]
    if args.contract == "SelectionBook":  # a speciality in words, a tenderer's USCC: their words
        from ledger.service.selection import pool_call_args

        values = ["0x" + v.hex() if isinstance(v, bytes) else v for v in pool_call_args(args.function, values)]
    card = {"name": args.name, "organisation": args.organisation or ""} if args.name else None
    if card is None and args.organisation:
        raise ValidationFailed("--organisation goes with --name (the person's pool card)")
    step = propose(api, key, args.contract, args.function, values, card)
    print(json.dumps(step, ensure_ascii=False) if args.json else _show_proposal(step["proposal"]))
    return 0


def _step(args: argparse.Namespace, function: str) -> int:
    from bidders.http import LedgerAPI
    from tools.tender_cli import _call

    key = _key(args.key_file)
    api = LedgerAPI(args.api, key)
    pid = bytes(HexBytes(args.proposal_id))
    prepared = _call(api.post, f"/governance/proposals/{args.proposal_id}/prepare",
                     {"sender": key.address, "function": function}, signed=False)
    signed = _sign_checked(api, prepared["tx"], function=function, expect={"id": pid})
    step = _call(api.post, "/governance/steps", {"signed_tx": signed})
    if args.json:
        print(json.dumps(step, ensure_ascii=False))
    else:
        print(_show_proposal(step["proposal"]))
        if step["executed_tx"]:
            print(f"    executed in {step['executed_tx']}")
    return 0


def add_commands(sub: Any) -> None:
    import os

    api_default = os.environ.get("TL_API_URL", "http://127.0.0.1:8000")
    p = sub.add_parser("governance", help="the consortium's M-of-N governance: proposals and approvals (members)")
    gsub = p.add_subparsers(dest="governance_command", required=True)

    def common(q: argparse.ArgumentParser, *, key: bool = True) -> None:
        q.add_argument("--api", default=api_default, help="the service (default TL_API_URL or 127.0.0.1:8000)")
        if key:
            q.add_argument("--key-file", required=True, help="the member's own private key file (hex)")
        q.add_argument("--json", action="store_true")

    q = gsub.add_parser("show", help="members, threshold and every proposal")
    common(q, key=False)
    q.set_defaults(func=cmd_show)
    q = gsub.add_parser("propose", help="propose a call (and approve it): e.g. authoriseIssuer ADDRESS 1")
    q.add_argument("contract", choices=CONTRACTS)
    q.add_argument("function", help="authoriseIssuer, withdrawIssuer, authoriseCentre, withdrawCentre, addMember, "
                                       "registerExpert, registerMember, ruleComplaint…")
    q.add_argument("arg", nargs="*", help="the function's arguments in order")
    q.add_argument("--name", default=None, help="registerExpert / registerMember: the person's name (姓名), "
                                                 "put on the pool card the proposal's salt commits to")
    q.add_argument("--organisation", default=None, help="with --name: where the person works (工作单位)")
    common(q)
    q.set_defaults(func=cmd_propose)
    for name, function, text in (("approve", "approve", "approve a proposal"),
                                 ("revoke", "revokeApproval", "take back your approval"),
                                 ("cancel", "cancel", "cancel your own proposal")):
        q = gsub.add_parser(name, help=text)
        q.add_argument("proposal_id")
        common(q)
        q.set_defaults(func=lambda a, f=function: _step(a, f))
