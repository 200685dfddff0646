"""`tender-ledger lottery verify DRAW_ID`: recompute a recorded draw from the chain alone.

Anyone with the chain (an embedded data directory, or a node through TL_RPC_URL) can run it:
the parties and candidates come from DrawOpened, the sealed seeds from SeedCommitted, the key
from the officers' released shares; the seeds are opened and the draw rerun with the ledger's
lottery rules, and the result is compared with the picks the contract recorded (and, with
`--expect-pick`, with the picks someone claims the draw gave).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from tools.display import local_time
from ledger.service.lottery import DrawAudit, audit_draw
from ledger.values import to_hex, word


def _when(seconds: int) -> str:
    return local_time(seconds)


def _problems(audit: DrawAudit, expected: list[bytes] | None) -> list[str]:
    problems = list(audit.problems)
    if expected is not None and audit.picks is not None and tuple(expected) != audit.picks:
        problems.append("the picks expected (--expect-pick) are not the picks the draw gives: "
                        + ", ".join(to_hex(p) for p in expected))
    return problems


def _as_json(audit: DrawAudit, problems: list[str]) -> dict[str, Any]:
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
        })
    return out


def _show(audit: DrawAudit, problems: list[str]) -> None:
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
            print(f"  {i:>3}. {to_hex(c)}")
        if r.picks is not None:
            print("picks recorded by the contract, in draw order:")
            for i, pick in enumerate(r.picks):
                print(f"  {i + 1}. {to_hex(pick)}")
        if audit.picks is not None:
            same = audit.picks == r.picks
            print(f"picks recomputed from the chain: {'the same' if same else ', '.join(map(to_hex, audit.picks))}")
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
    problems = _problems(audit, expected)
    if args.json:
        print(json.dumps(_as_json(audit, problems), sort_keys=True))
    else:
        _show(audit, problems)
    return 1 if problems else 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("lottery", help="verifiable lotteries (摇号): recompute a recorded draw from the chain")
    lsub = p.add_subparsers(dest="lottery_command", required=True)
    q = lsub.add_parser("verify", help="recompute draw DRAW_ID from the chain alone; exit 1 unless it verifies")
    q.add_argument("draw_id", metavar="DRAW_ID", help="the draw id (0x + 64 hex digits)")
    q.add_argument("--expect-pick", action="append", default=None, metavar="WORD",
                   help="a pick someone claims the draw gave, in draw order (repeat for each)")
    q.add_argument("--json", action="store_true", help="print the recomputation as one JSON object")
    q.set_defaults(func=cmd_verify)
