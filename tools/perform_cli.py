"""`tender-ledger perform …`: contract performance (履约) of an awarded section, as a client of the
service. The centre records milestones and complaints for the tenderer and the completion
evaluation (履约评价) with its own key (signed requests); the winner records milestones and
complaints and acknowledges the centre's entries with its per-tender bid key (`--winner`, derived
from the firm's key as `tender-bidder` derives it), each its own transaction. A member of the
governance proposes the ruling on a complaint (`perform rule`, PerformanceBook.ruleComplaint through
the governance's M-of-N: the others approve it with `tender-ledger governance approve`), and anyone
files the ruling's text once it is executed (`perform ruling`). Anyone shows the record, each
complaint with its ruling, and an issuer authorised for 履约评价 gets the new 业绩 credential to sign
and anchor.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from eth_account.signers.local import LocalAccount

from tools.client import UsageError, api_default, call, client, key_file, read_json, signed, text_arg, word_arg
from tools.display import local_time

ROUTES = {"milestone": ("milestones", "recordMilestone"), "complaint": ("complaints", "fileComplaint")}


def _base(args: argparse.Namespace) -> str:
    return f"/tenders/{args.tender_id}/sections/{args.section}/performance"


def _tid(args: argparse.Namespace) -> bytes:
    return word_arg(args.tender_id, "TENDER_ID")


def _party(args: argparse.Namespace) -> tuple[LocalAccount, bool]:
    """The acting key and whether it is the winner's bid key (else the centre's own key)."""
    if not getattr(args, "winner", False):
        return key_file(args.key_file, who="centre"), False
    from ledger.crypto.bid_keys import derive_bid_key

    firm = key_file(args.key_file, who="the winning firm")
    return derive_bid_key(firm, _tid(args)), True


def _when(text: str | None) -> str:
    return local_time(int(datetime.fromisoformat(text).timestamp())) if text else "—"


def _print_entry(e: dict[str, Any], verb: str) -> None:
    print(f"{e['kind'].lower()} {e['index']} {verb} by {e['by']} at {_when(e['recorded_at'])} "
          f"(document {e['document_hash']} on chain)")


def cmd_record(args: argparse.Namespace) -> int:
    from ledger.crypto.canonical import keccak

    route, function = ROUTES[args.perform_command]
    text = text_arg(args.text, args.text_file, args.perform_command)
    key, winner = _party(args)
    api = client(args.api, key)
    body: dict[str, Any] = {"text": text}
    if winner:
        body["signed_tx"] = signed(api, "PerformanceBook", function, _tid(args), args.section,
                                   keccak(text.strip().encode()))
    entry = call(api.post, f"{_base(args)}/{route}", body)
    if args.json:
        print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    else:
        _print_entry(entry, "recorded")
    return 0


def cmd_acknowledge(args: argparse.Namespace) -> int:
    key, winner = _party(args)
    api = client(args.api, key)
    body: dict[str, Any] = {}
    if winner:
        body["signed_tx"] = signed(api, "PerformanceBook", "acknowledge", _tid(args), args.section, args.index)
    entry = call(api.post, f"{_base(args)}/entries/{args.index}/acknowledge", body)
    if args.json:
        print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    else:
        print(f"{entry['kind'].lower()} {entry['index']} acknowledged at {_when(entry['acknowledged_at'])}")
    return 0


VERDICT = {True: "upheld (投诉成立)", False: "dismissed (投诉不成立)"}


def _ruling_line(r: dict[str, Any]) -> str:
    words = f"{r['words']['en']} ({r['words']['zh']})"
    text = f": {r['text']}" if r["text"] is not None else " (its text not filed yet)"
    return f"ruled {_when(r['ruled_at'])} by the governance {r['by']}: {words}{text}"


def cmd_rule(args: argparse.Namespace) -> int:
    """A governance member proposes the ruling on complaint INDEX; filed at once when executed."""
    from ledger.crypto.canonical import keccak
    from tools.governance_cli import _key, _show_proposal, propose

    text = text_arg(args.text, args.text_file, "ruling").strip()
    if args.key_file is None:
        raise UsageError("--key-file: the governance member's own private key file is required")
    member = _key(args.key_file)
    api = client(args.api, member)
    ruling_hash = "0x" + keccak(text.encode()).hex()
    step = propose(api, member, "PerformanceBook", "ruleComplaint",
                   [args.tender_id, args.section, args.index, args.upheld, ruling_hash])
    entry = None
    if step["executed_tx"]:
        entry = call(api.post, f"{_base(args)}/complaints/{args.index}/ruling", {"text": text})
    if args.json:
        print(json.dumps({"step": step, "entry": entry}, ensure_ascii=False, sort_keys=True))
        return 0
    print(_show_proposal(step["proposal"]))
    if entry is not None:
        print(f"complaint {args.index} {_ruling_line(entry['ruling'])}")
    else:
        print(f"  the ruling ({VERDICT[args.upheld]}) takes effect once the members approve it "
              f"(tender-ledger governance approve {step['proposal']['proposal_id']}); then file its text: "
              f"tender-ledger perform ruling {args.tender_id} {args.index} --section {args.section} --text-file FILE")
    return 0


def cmd_ruling(args: argparse.Namespace) -> int:
    """File the text of a ruling the governance executed (anyone: it must hash to the ruling hash)."""
    text = text_arg(args.text, args.text_file, "ruling")
    api = client(args.api, key_file(args.key_file, who="centre"))
    entry = call(api.post, f"{_base(args)}/complaints/{args.index}/ruling", {"text": text})
    if args.json:
        print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    else:
        print(f"complaint {args.index} {_ruling_line(entry['ruling'])}")
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    evaluation = read_json(args.evaluation, "the evaluation")
    api = client(args.api, key_file(args.key_file, who="centre"))
    entry = call(api.post, f"{_base(args)}/completion", {"evaluation": evaluation})
    if args.json:
        print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    else:
        _print_entry(entry, "recorded: the completion evaluation (履约评价),")
        print(f"  next: an issuer authorised for 履约评价 anchors the new 业绩: "
              f"tender-ledger perform draft {args.tender_id} --section {args.section} --issuer ADDRESS")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    api = client(args.api)
    record = call(api.get, _base(args))
    if args.json:
        print(json.dumps(record, ensure_ascii=False, sort_keys=True))
        return 0
    print(f"履约 of tender {args.tender_id} section {args.section}")
    print(f"  centre (for the tenderer): {record['centre']}")
    print(f"  winner: {record['winner'] or '(not awarded)'}; contract signed: {_when(record['contract_signed_at'])}")
    for e in record["entries"]:
        seen = f", acknowledged {_when(e['acknowledged_at'])}" if e["acknowledged_at"] else ""
        what = e["text"] if e["text"] is not None else json.dumps(e["evaluation"], ensure_ascii=False)
        print(f"  {e['index']:>3} {e['kind']:<10} {_when(e['recorded_at'])} by {e['by']}{seen}: {what}")
        if e["kind"] == "COMPLAINT":
            print(f"      {_ruling_line(e['ruling']) if e['ruling'] else 'not ruled yet (the governance rules on it)'}")
    if record["completed"]:
        print(f"  completed {_when(record['completed_at'])}: rating {record['evaluation']['rating']} "
              f"(evaluation {record['evaluation_hash']})")
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from tools.client import address_arg

    api = client(args.api)
    issuer = address_arg(args.issuer, "--issuer")
    draft = call(api.get, f"{_base(args)}/credential-draft?issuer={issuer}")
    # a one-document batch, as `tender-ledger anchor FILE --kind contract-performance` reads it
    print(json.dumps([draft["document"]], ensure_ascii=False, indent=2))
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("perform", help="contract performance (履约): milestones, complaints, acknowledgements, "
                                       "the completion evaluation, the record and the new 业绩 credential's draft")
    psub = p.add_subparsers(dest="perform_command", required=True)

    def common(q: argparse.ArgumentParser, *, party: bool) -> None:
        q.add_argument("tender_id", metavar="TENDER_ID")
        q.add_argument("--section", type=int, default=0)
        q.add_argument("--api", default=api_default(), help="the service (default TL_API_URL or 127.0.0.1:8000)")
        q.add_argument("--json", action="store_true", help="print the answer as one JSON object")
        if party:
            q.add_argument("--key-file", default=None,
                           help="the centre's key (default: the data directory's keys/centre.key); with --winner "
                                "the winning firm's own key")
            q.add_argument("--winner", action="store_true",
                           help="act as the winner: with the firm's per-tender bid key, derived from --key-file")

    for name, what in (("milestone", "a milestone reached"), ("complaint", "a performance complaint (履约投诉)")):
        q = psub.add_parser(name, help=f"record {what} (the centre, or the winner with --winner)")
        common(q, party=True)
        q.add_argument("--text", default=None, help=f"the {name}'s text")
        q.add_argument("--text-file", default=None, help=f"the {name}'s text, from a UTF-8 file")
        q.set_defaults(func=cmd_record)

    q = psub.add_parser("acknowledge", help="acknowledge the other party's entry INDEX (seen, not agreed)")
    common(q, party=True)
    q.add_argument("index", type=int, metavar="INDEX")
    q.set_defaults(func=cmd_acknowledge)

    q = psub.add_parser("rule", help="a governance member proposes the ruling on complaint INDEX "
                                     "(PerformanceBook.ruleComplaint, M-of-N); its text filed once executed")
    common(q, party=False)
    q.add_argument("index", type=int, metavar="INDEX")
    verdict = q.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--upheld", dest="upheld", action="store_true", help="the complaint is upheld (投诉成立)")
    verdict.add_argument("--dismissed", dest="upheld", action="store_false",
                         help="the complaint is dismissed (投诉不成立)")
    q.add_argument("--text", default=None, help="the ruling's text")
    q.add_argument("--text-file", default=None, help="the ruling's text, from a UTF-8 file")
    q.add_argument("--key-file", default=None, help="the governance member's own private key file")
    q.set_defaults(func=cmd_rule)

    q = psub.add_parser("ruling", help="file the text of the governance's ruling on complaint INDEX, once "
                                       "executed (it must hash to the ruling hash on chain)")
    common(q, party=False)
    q.add_argument("index", type=int, metavar="INDEX")
    q.add_argument("--text", default=None, help="the ruling's text")
    q.add_argument("--text-file", default=None, help="the ruling's text, from a UTF-8 file")
    q.add_argument("--key-file", default=None, help="the key signing the request (default: the data directory's "
                                                    "keys/centre.key); anyone may file the text")
    q.set_defaults(func=cmd_ruling)

    q = psub.add_parser("complete", help="the centre records the completion evaluation (履约评价), once")
    common(q, party=False)
    q.add_argument("--evaluation", required=True, metavar="FILE",
                   help="JSON: PRJNUM, contract_no, contract_amount_wan, EDATE, rating, score (optional), summary")
    q.add_argument("--key-file", default=None, help="the centre's key (default: the data directory's keys/centre.key)")
    q.set_defaults(func=cmd_complete)

    q = psub.add_parser("show", help="the section's performance record")
    common(q, party=False)
    q.set_defaults(func=cmd_show)

    q = psub.add_parser("draft", help="the new 业绩 (履约评价) credential drafted from the completion, as a JSON "
                                      "batch of one for the issuer to anchor (tender-ledger anchor FILE "
                                      "--kind contract-performance)")
    common(q, party=False)
    q.add_argument("--issuer", required=True, help="the issuer's address")
    q.set_defaults(func=cmd_draft)
