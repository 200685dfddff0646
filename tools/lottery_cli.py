"""`tender-ledger lottery …`: verifiable lotteries (摇号) from the command line.

`open` (the centre): the draw key is made on the centre's machine, split k-of-n and each share
sealed to its officer's public key (as `tender publish` deals the opening key); only the sealed
share files are written, the draw's public key and share hashes go on chain with the parties and
the candidates. `seed` (a party): a fresh random seed sealed to the draw key, committed with the
party's own transaction — nothing to keep, nothing to reveal later: the officers' key opens every
sealed seed, so a party that goes away cannot change the outcome. `release-share` (an officer,
after the commit deadline): its sealed share opened with its own key and released on chain.
`finish` (anyone): the contract draws. `show` reads a draw through the service.

`tender-ledger lottery verify DRAW_ID`: recompute a recorded draw from the chain alone.

Anyone with the chain (an embedded data directory, or a node through TL_RPC_URL) can run it:
the parties and candidates come from DrawOpened, the sealed seeds from SeedCommitted, the key
from the officers' released shares; the seeds are opened and the draw rerun with the ledger's
lottery rules, and the result is compared with the picks the contract recorded (and, with
`--expect-pick`, with the picks someone claims the draw gave). Candidates and picks are printed
as the addresses they stand for, with who they are where the chain says (an expert of the pool
and its speciality, a member of the tenderer's pool, a bidder's bid key; the firm's USCC when
the service at TL_API_URL or --api publishes it).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from ledger.service.lottery import DrawAudit, audit_draw
from ledger.values import to_hex, word
from tools.client import (
    UsageError,
    address_arg,
    api_default,
    call,
    candidate_address,
    chain_time,
    client,
    key_file,
)
from tools.client import signed as signed_tx
from tools.display import local_time


def _when(seconds: int) -> str:
    return local_time(seconds)


def _problems(audit: DrawAudit, expected: list[bytes] | None) -> list[str]:
    problems = list(audit.problems)
    if expected is not None and audit.picks is not None and tuple(expected) != audit.picks:
        problems.append("the picks expected (--expect-pick) are not the picks the draw gives: "
                        + ", ".join(to_hex(p) for p in expected))
    return problems


def _label(names: dict[bytes, str], w: bytes) -> str:
    """A candidate or pick as people read it: its address (and who it is) or its word."""
    shown = candidate_address(w) or to_hex(w)
    who = names.get(w)
    return f"{shown} ({who})" if who else shown


def chain_names(rt: Any, tender_id: bytes, section: int, candidates: tuple[bytes, ...], api: str | None) -> dict[bytes, str]:
    """Who each candidate word stands for, as the chain says: an expert of the pool (with its
    speciality), a member of the tender's tenderer pool, a bid key of the section; with `api`,
    the bidding firm's USCC the service publishes (results after 公示)."""
    from ledger.service.selection import speciality_text

    book, tenders = rt.selection_book, rt.tender_book
    experts = {e.lower() for e in book.experts()}
    tenderer = book.tenderer_of(tender_id)
    members = {m.lower() for m in book.members_of(tenderer)} if tenderer else set()
    bidders = {b.lower() for b in tenders.bidders(tender_id, section)}
    firms: dict[str, str] = {}
    if api and bidders & {(candidate_address(c) or "").lower() for c in candidates}:
        from tools.client import Names

        firms = Names(client(api), to_hex(tender_id), section).firms()
    out: dict[bytes, str] = {}
    for c in candidates:
        a = candidate_address(c)
        if a is None:
            continue
        low = a.lower()
        if low in experts:
            out[c] = f"expert, {speciality_text(book.speciality_of(a))}"
        elif low in members:
            out[c] = "member of the tenderer's pool"
        elif low in bidders:
            out[c] = f"bid key of {firms[low]}" if low in firms else "a bid key of the section"
    return out


def _as_json(audit: DrawAudit, problems: list[str], names: dict[bytes, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"draw_id": to_hex(audit.draw_id), "ok": not problems, "problems": problems}
    r = audit.recorded
    if r is not None:
        o = r.opened
        out.update({
            "tender_id": to_hex(o.tender_id), "section": o.section, "purpose": r.purpose, "round": o.round,
            "commit_deadline": o.commit_deadline, "k": o.k, "threshold": o.threshold,
            "parties": [{"address": p, "committed": p in r.sealed,
                         "seed": to_hex(audit.seeds[i]) if audit.seeds else None}
                        for i, p in enumerate(o.parties)],
            "officers_released": sorted(r.shares), "candidates": [to_hex(c) for c in o.candidates],
            "recorded_picks": [to_hex(p) for p in r.picks] if r.picks is not None else None,
            "recomputed_picks": [to_hex(p) for p in audit.picks] if audit.picks is not None else None,
            "candidate_names": {to_hex(c): {"address": candidate_address(c), "who": (names or {}).get(c)}
                                for c in o.candidates},
        })
    return out


def _show(audit: DrawAudit, problems: list[str], names: dict[bytes, str] | None = None) -> None:
    names = names or {}
    r = audit.recorded
    print(f"draw {to_hex(audit.draw_id)}")
    if r is not None:
        o = r.opened
        print(f"  {r.purpose} draw, round {o.round}, of tender {to_hex(o.tender_id)} section {o.section}")
        print(f"  seeds sealed until {_when(o.commit_deadline)}; {o.k} of {len(o.candidates)} candidates drawn")
        print("parties (their seeds combine in this order; one that did not commit gives 0x00…00):")
        for i, p in enumerate(o.parties):
            seed = to_hex(audit.seeds[i]) if audit.seeds else "(not recomputed)"
            print(f"  {i + 1}. {p}  {'committed' if p in r.sealed else 'did not commit':<15} seed {seed}")
        released = ", ".join(sorted(r.shares)) or "none"
        print(f"officers: {len(r.shares)} of {len(o.officers)} released their key shares "
              f"({o.threshold} rebuild the key): {released}")
        print("candidates (in their fixed order):")
        for i, c in enumerate(o.candidates):
            print(f"  {i:>3}. {_label(names, c)}")
        if r.picks is not None:
            print("picks recorded by the contract, in draw order:")
            for i, pick in enumerate(r.picks):
                print(f"  {i + 1}. {_label(names, pick)}")
        if audit.picks is not None:
            same = audit.picks == r.picks
            shown = ", ".join(_label(names, p) for p in audit.picks)
            print(f"picks recomputed from the chain: {'the same' if same else shown}")
    if problems:
        for problem in problems:
            print(f"FAIL: {problem}")
    else:
        print("OK: the picks follow from the sealed seeds, the released key and the candidates fixed at opening")


def cmd_verify(args: argparse.Namespace) -> int:
    from ledger.config import Settings
    from ledger.runtime import open_runtime

    did = word(args.draw_id, "DRAW_ID")
    expected = [word(p, "--expect-pick") for p in args.expect_pick] if args.expect_pick else None
    with open_runtime(Settings()) as rt:
        audit = audit_draw(rt.lottery_book, did)
        names = {}
        if audit.recorded is not None:
            o = audit.recorded.opened
            names = chain_names(rt, o.tender_id, o.section, o.candidates, args.api or os.environ.get("TL_API_URL"))
    problems = _problems(audit, expected)
    if args.json:
        print(json.dumps(_as_json(audit, problems, names), sort_keys=True, ensure_ascii=False))
    else:
        _show(audit, problems, names)
    return 1 if problems else 0


# ---------------------------------------------------------------------- running a draw (through the service)

PURPOSES = ("committee", "reserve", "shortlist", "selection")


def _draw_names(api: Any, draw: dict[str, Any], *, signed: bool = False) -> dict[str, str]:
    """candidate word → `address (who)` as the service tells the caller."""
    from tools.client import Names

    names = Names(api, draw["tender_id"], int(draw["section"]), signed=signed)
    out = {}
    for c in draw["candidates"]:
        a = candidate_address(c)
        out[c] = names.of(a) if a else c
    return out


def _print_draw(api: Any, draw: dict[str, Any], *, signed: bool = False) -> None:
    names = _draw_names(api, draw, signed=signed)
    status = {"OPEN": "open for seeds", "FINISHED": "drawn"}.get(draw["status"], draw["status"])
    from datetime import datetime

    deadline = int(datetime.fromisoformat(draw["commit_deadline"]).timestamp())
    print(f"draw {draw['draw_id']}: {draw['purpose']} draw, round {draw['round']}, of tender {draw['tender_id']} "
          f"section {draw['section']}: {status}")
    print(f"  {draw['k']} of {len(draw['candidates'])} candidates; seeds sealed until {local_time(deadline)}")
    print("  parties (their seeds combine in this order):")
    for n, p in enumerate(draw["parties"], start=1):
        print(f"    {n}. {p['address']}  {'committed' if p['committed'] else 'not committed'}")
    released = sum(1 for o in draw["officers"] if o["released"])
    print(f"  officers: {released} of {len(draw['officers'])} released their shares ({draw['threshold']} rebuild "
          "the draw key)")
    for o in draw["officers"]:
        print(f"    {o['address']}  {'released' if o['released'] else 'not released'}")
    print("  candidates (in their fixed order):")
    for n, c in enumerate(draw["candidates"]):
        print(f"    {n:>3}. {names[c]}")
    if draw["picks"] is not None:
        print("  picks, in draw order:")
        for n, pick in enumerate(draw["picks"], start=1):
            print(f"    {n}. {names.get(pick, pick)}")
        verdict = "recomputes from the chain: OK" if draw["verified"] else "DOES NOT recompute: " + "; ".join(
            draw["problems"])
        print(f"  {verdict} (anyone: tender-ledger lottery verify {draw['draw_id']})")


def _show_json(draw: dict[str, Any], api: Any, *, signed: bool = False) -> None:
    names = _draw_names(api, draw, signed=signed)
    print(json.dumps(draw | {"candidate_names": names}, ensure_ascii=False, sort_keys=True))


def _candidates(api: Any, args: argparse.Namespace, tender: dict[str, Any]) -> tuple[str, int, list[str], int]:
    """purpose, round, candidate addresses, k: from --committee (the pool, the committee's size plus
    its reserves), --step (the draw the fixed rule asks for) or given one by one."""
    from ledger.model.selection import CommitteeKind
    from ledger.service.selection import COMMITTEE_DRAW_ROUND, SELECTION_RESERVES

    chosen = [bool(args.committee), bool(args.step), bool(args.candidate)]
    if sum(chosen) != 1:
        raise UsageError("name the candidates one way: --committee evaluation|selection, --step, or --candidate "
                         "(repeat) with --purpose, --round and --k")
    params = tender["params"]
    if args.committee:
        kind = CommitteeKind.EVALUATION if args.committee == "evaluation" else CommitteeKind.SELECTION
        if kind is CommitteeKind.EVALUATION:
            pool = call(api.get, "/selection/experts")["entries"]
            size, extra = int(params["evaluation"]["experts"]), int(params["evaluation"].get("reserves", 0))
        else:
            pool = call(api.get, f"/selection/pools/{params['tenderer_uscc']}")["entries"]
            size, extra = int(params["selection"]["committee_size"]), SELECTION_RESERVES
        if args.reserves is not None:
            extra = args.reserves
        people = [e["address"] for e in pool]
        if len(people) < size:
            raise UsageError(f"the {args.committee} committee has {size} seats but its pool holds {len(people)}")
        return "committee", COMMITTEE_DRAW_ROUND[kind], people, min(len(people), size + extra)
    if args.step:
        state = call(api.get, f"/tenders/{args.tender_id}/sections/{args.section}/selection")
        step = state.get("step") or {}
        if step.get("next") != "draw":
            raise UsageError(f"the fixed rule asks for no draw now (next: {step.get('next') or 'nothing'}); "
                             "`tender-ledger select show` says what it asks for")
        return step["purpose"], int(step["round"]), list(step["candidates"]), int(step["k"])
    if args.purpose is None or args.round is None or args.k is None:
        raise UsageError("--candidate needs --purpose, --round and --k")
    return args.purpose, args.round, [address_arg(c, "--candidate") for c in args.candidate], args.k


def cmd_open(args: argparse.Namespace) -> int:
    from ledger.crypto.draw_seal import new_draw_key
    from ledger.crypto.officer_box import deal
    from ledger.rules.lottery import by_address, draw_id
    from ledger.service.selection import address_word
    from tools.tender_cli import RemoteRefused, _officer, _write_private

    centre = key_file(args.key_file, who="centre")
    api = client(args.api, centre)
    tender = call(api.tender, args.tender_id)
    purpose, round_, people, k = _candidates(api, args, tender)
    parties = [address_arg(p, "--party") for p in args.party]
    if len(parties) < 2 or len({p.lower() for p in parties}) != len(parties):
        raise UsageError("a draw needs at least two different parties (--party, repeat)")
    officers = [_officer(o) for o in args.officer]
    if not 2 <= args.threshold <= len(officers):
        raise UsageError(f"--threshold must be between 2 and the number of officers ({len(officers)})")
    if centre.address in {o.address for o in officers}:
        raise UsageError(f"the centre's own key ({centre.address}) cannot be a draw officer")
    shares_dir = Path(args.shares_dir)
    if shares_dir.exists() and any(shares_dir.iterdir()):
        raise UsageError(f"{shares_dir} is not empty: share files are never overwritten")
    tid = bytes.fromhex(tender["tender_id"][2:])
    did = draw_id(tid, args.section, purpose, round_)
    deadline = chain_time(api) + args.commit_window
    # The draw key lives only inside `deal`: out come its public key, the share hashes and each
    # share sealed to its officer. Nothing written here opens a sealed seed.
    dealt = deal(tender_id=did, officers=officers, threshold=args.threshold, new_key=new_draw_key)
    created = not shares_dir.exists()
    shares_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for sealed in dealt.sealed:
        files.append(shares_dir / f"draw-share-{sealed.officer}.json")
        _write_private(files[-1], sealed.to_json() + "\n")
    body = {"purpose": purpose, "round": round_, "parties": parties,
            "candidates": ["0x" + address_word(c).hex() for c in by_address(people)], "k": k,
            "public_key": "0x" + dealt.opening_public.hex(), "commit_deadline": deadline,
            "officers": list(dealt.officers), "share_hashes": ["0x" + h.hex() for h in dealt.share_hashes],
            "threshold": args.threshold}
    try:
        draw = call(api.post, f"/tenders/{args.tender_id}/sections/{args.section}/draws", body)
    except RemoteRefused:
        for f in files:  # not opened: these shares belong to a key no draw uses
            f.unlink(missing_ok=True)
        if created:
            shares_dir.rmdir()
        raise
    if args.json:
        print(json.dumps(draw | {"share_files": {s.officer: str(f) for s, f in zip(dealt.sealed, files, strict=True)}},
                         ensure_ascii=False, sort_keys=True))
        return 0
    _print_draw(api, draw, signed=True)
    print(f"sealed draw shares in {shares_dir}: hand each officer its own file "
          f"(`tender-ledger lottery release-share FILE --key-file OFFICER.key` after {local_time(deadline)})")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from ledger.crypto.draw_seal import point_of, seal_seed

    party = key_file(args.key_file, who="the party")
    did = word_or_usage(args.draw_id)
    api = client(args.api, party)
    draw = call(api.get, f"/draws/{args.draw_id}")
    if party.address.lower() not in {p["address"].lower() for p in draw["parties"]}:
        raise UsageError(f"{party.address} is not a party of draw {args.draw_id}")
    sealed = seal_seed(os.urandom(32), public=point_of(bytes.fromhex(draw["public_key"][2:])), draw_id=did,
                       party=party.address)
    tx = signed_tx(api, "LotteryBook", "commitSeed", did, sealed.rx, sealed.ry, sealed.ciphertext)
    draw = call(api.post, f"/draws/{args.draw_id}/seeds", {"signed_tx": tx})
    if args.json:
        _show_json(draw, api)
        return 0
    committed = sum(1 for p in draw["parties"] if p["committed"])
    print(f"{party.address} committed its seed to draw {args.draw_id}, sealed to the draw key "
          f"({committed} of {len(draw['parties'])} parties have); the officers' key opens it at the draw: "
          "there is nothing to keep or reveal")
    return 0


def word_or_usage(value: str) -> bytes:
    from tools.client import word_arg

    return word_arg(value, "DRAW_ID")


def cmd_release(args: argparse.Namespace) -> int:
    from ledger.crypto.officer_box import OfficerBoxError, SealedShare, open_share

    officer = key_file(args.key_file, who="the officer")
    try:
        sealed = SealedShare.from_json(Path(args.share_file).read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read the share file {args.share_file}: {exc.strerror}") from None
    except OfficerBoxError as exc:
        raise UsageError(f"{args.share_file} is not a sealed share file: {exc}") from None
    share = open_share(sealed, bytes(officer.key))  # WrongOfficerKey / does not open: exit 1, nothing sent
    did = sealed.tender_id
    api = client(args.api, officer)
    tx = signed_tx(api, "LotteryBook", "releaseDrawShare", did, share.to_bytes())
    draw = call(api.post, f"/draws/0x{did.hex()}/shares", {"signed_tx": tx})
    if args.json:
        _show_json(draw, api)
        return 0
    released = sum(1 for o in draw["officers"] if o["released"])
    print(f"share {share.index} of draw 0x{did.hex()} released by {officer.address} ({released} of "
          f"{draw['threshold']} needed are out)")
    return 0


def cmd_finish(args: argparse.Namespace) -> int:
    word_or_usage(args.draw_id)
    api = client(args.api)
    draw = call(api.post, f"/draws/{args.draw_id}/finish", {}, signed=False)
    if args.json:
        _show_json(draw, api)
    else:
        _print_draw(api, draw)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    word_or_usage(args.draw_id)
    api = client(args.api)
    draw = call(api.get, f"/draws/{args.draw_id}")
    if args.json:
        _show_json(draw, api)
    else:
        _print_draw(api, draw)
    return 0


def add_commands(sub: Any) -> None:
    from tools.client import duration as _duration

    p = sub.add_parser("lottery", help="verifiable lotteries (摇号): open a draw, commit seeds, release shares, "
                                       "finish, show; recompute a recorded draw from the chain")
    lsub = p.add_subparsers(dest="lottery_command", required=True)

    def api_option(q: argparse.ArgumentParser) -> None:
        q.add_argument("--api", default=api_default(), help="the service (default TL_API_URL or 127.0.0.1:8000)")
        q.add_argument("--json", action="store_true", help="print the draw as one JSON object")

    q = lsub.add_parser("open", help="the centre opens a draw: its key dealt k-of-n to the officers' public keys")
    q.add_argument("tender_id", metavar="TENDER_ID")
    q.add_argument("--section", type=int, default=0)
    q.add_argument("--committee", choices=("evaluation", "selection"), default=None,
                   help="a committee draw: the expert pool (evaluation) or the tenderer's pool (selection), "
                        "as many picks as seats plus the reserves")
    q.add_argument("--reserves", type=int, default=None,
                   help="with --committee: picks beyond the seats (default: the tender's evaluation reserves; 1 "
                        "for the selection committee)")
    q.add_argument("--step", action="store_true",
                   help="the draw the fixed selection rule asks for now (purpose, round, candidates, k)")
    q.add_argument("--candidate", action="append", default=None, metavar="ADDRESS",
                   help="a candidate (repeat; with --purpose, --round, --k)")
    q.add_argument("--purpose", choices=PURPOSES, default=None)
    q.add_argument("--round", type=int, default=None)
    q.add_argument("--k", type=int, default=None, help="how many picks")
    q.add_argument("--party", action="append", required=True, metavar="ADDRESS",
                   help="who commits a seed, in a fixed order (repeat; at least two)")
    q.add_argument("--officer", action="append", required=True,
                   help="a draw officer: its public key (0x04…) or the file `tender officer-key` wrote (repeat)")
    q.add_argument("--threshold", type=int, required=True, help="shares that rebuild the draw key (k of n)")
    q.add_argument("--shares-dir", required=True, help="new directory for the officers' sealed share files")
    q.add_argument("--commit-window", type=_duration, default=3600, metavar="DURATION",
                   help="how long the parties have to commit their seeds, from the chain's time (default 1h)")
    q.add_argument("--key-file", default=None, help="the centre's key (default: the data directory's keys/centre.key)")
    api_option(q)
    q.set_defaults(func=cmd_open)

    q = lsub.add_parser("seed", help="a party commits a fresh seed, sealed to the draw key, with its own key")
    q.add_argument("draw_id", metavar="DRAW_ID")
    q.add_argument("--key-file", default=None, help="the party's own private key file (required)")
    api_option(q)
    q.set_defaults(func=cmd_seed)

    q = lsub.add_parser("release-share", help="a draw officer opens its sealed share and releases it after the "
                                              "commit deadline")
    q.add_argument("share_file", help="the officer's sealed share file written by `lottery open`")
    q.add_argument("--key-file", default=None, help="the officer's own private key file (required)")
    api_option(q)
    q.set_defaults(func=cmd_release)

    q = lsub.add_parser("finish", help="anyone: the contract draws with the key rebuilt from the released shares")
    q.add_argument("draw_id", metavar="DRAW_ID")
    api_option(q)
    q.set_defaults(func=cmd_finish)

    q = lsub.add_parser("show", help="a draw through the service: parties, officers, candidates by name, picks")
    q.add_argument("draw_id", metavar="DRAW_ID")
    api_option(q)
    q.set_defaults(func=cmd_show)

    q = lsub.add_parser("verify", help="recompute draw DRAW_ID from the chain alone; exit 1 unless it verifies")
    q.add_argument("draw_id", metavar="DRAW_ID", help="the draw id (0x + 64 hex digits)")
    q.add_argument("--expect-pick", action="append", default=None, metavar="WORD",
                   help="a pick someone claims the draw gave, in draw order (repeat for each)")
    q.add_argument("--api", default=None,
                   help="a service to ask for bidding firms' USCCs (labels only; default TL_API_URL if set)")
    q.add_argument("--json", action="store_true", help="print the recomputation as one JSON object")
    q.set_defaults(func=cmd_verify)
