"""评定分离 from the command line: `tender-ledger evaluate …`, `select …`, `award`, `objection …`,
`complaint …` — clients of the running service (TL_API_URL), each step signed on the caller's
machine with the caller's own key:

- an expert or a selection-committee member acts by its **seat key**, derived here from its own
  key (`ledger.crypto.seat_keys`): `evaluate seat-key` prints it for the centre, and every sheet,
  shortlist and vote transaction is signed by it (who sits stays secret until the result);
- sheets and votes are commit–reveal: `commit` writes the salt to a file only its owner reads,
  `reveal` reads it back;
- the trading centre's steps (exclusions, seating, vote rounds, the decision, answers, the
  award) are requests signed by the centre's key (default: the data directory's keys/centre.key);
- anyone objects (异议) or complains (投诉) with its own key and its own transaction.

Output names what people read (firms by USCC, experts by speciality, amounts in 元, local times);
`--json` prints the service's answer. Bad local input (a malformed sheet, ballot or argument) is
one `error:` line and exit 2, a step the service or the chain refuses one `error:` line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.errors import LedgerError, ValidationFailed
from tools.client import (
    Names,
    UsageError,
    address_arg,
    api_default,
    call,
    chain_time,
    client,
    duration,
    key_file,
    read_json,
    short,
    signed,
    text_arg,
    word_arg,
    write_private_json,
    yuan,
)
from tools.display import local_time

EVALUATION, SELECTION = 0, 1
ZERO = "0x" + "00" * 20
SHEET_SCHEMA = """\
Sheet file (JSON, UTF-8), keyed by the bid keys of the section's eligible bids:
  综合评分 (comprehensive scoring): {"scores": {"0xBIDKEY": {"T1": "35.5", "T2": 18}, …}}
      every judged criterion of the tender, 0..its max_score, at most 2 decimals; price criteria
      are computed from the opened prices and are not on the sheet.
  定性评审 (pass/fail):  {"reviews": {"0xBIDKEY": {"Q1": {"passed": true},
                                                  "Q2": {"passed": false, "reason": "…"}}, …}}
      every criterion, a reason for each fail.
  最低价 (lowest price) takes no sheets."""


# ---------------------------------------------------------------------- plumbing


def _tid(args: argparse.Namespace) -> bytes:
    return word_arg(args.tender_id, "TENDER_ID")


def _base(args: argparse.Namespace) -> str:
    return f"/tenders/{args.tender_id}/sections/{args.section}/selection"


def _seat(member: LocalAccount, args: argparse.Namespace, kind: int) -> LocalAccount:
    from ledger.crypto.seat_keys import derive_seat_key

    return derive_seat_key(member, _tid(args), args.section, kind)


def _when_iso(text: str | None) -> str:
    if not text:
        return "—"
    return local_time(int(datetime.fromisoformat(text).timestamp()))


def _sheet(path: str) -> Any:
    from ledger.rules.evaluation import parse_sheet

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the sheet file {path}: {exc.strerror}") from None
    try:
        return parse_sheet(raw)
    except ValidationFailed as exc:
        raise UsageError(f"{path}: {exc}") from None


def _sheet_problems(sheet: Any, tender: dict[str, Any], bids_file: str | None) -> list[str]:
    """The sheet checked on this machine against the tender's method and criteria (and, with the
    centre's results export, against the section's eligible bids) before anything is committed."""
    from pydantic import ValidationError

    from ledger.rules.evaluation import ScoreSheet, sheet_problems
    from ledger.tenders import Criterion, EvaluationMethod

    params = tender["params"]
    try:
        method = EvaluationMethod(params["evaluation_method"])
        criteria = [Criterion.model_validate(c) for c in params.get("evaluation", {}).get("criteria", [])]
    except (ValueError, ValidationError, KeyError) as exc:
        raise UsageError(f"the tender's evaluation parameters cannot be read: {exc}") from None
    marks = sheet.scores if isinstance(sheet, ScoreSheet) else sheet.reviews
    bidders = list(marks)
    if bids_file is not None:
        data = read_json(bids_file, "the bids file")
        try:
            bidders = [b["bidder"] for b in data["bids"] if b.get("eligible")]
        except (KeyError, TypeError):
            raise UsageError(f"{bids_file} is not a results export (`tender-ledger tender results --out`)") from None
    return sheet_problems(sheet, method=method, criteria=criteria, bidders=bidders)


def _step_words(step: dict[str, Any] | None, names: Names) -> str:
    if not step:
        return "—"
    nxt = step["next"]
    if nxt == "vote":
        return f"vote round {step['round']} among {', '.join(names.of(c) for c in step['candidates'])}"
    if nxt == "draw":
        return (f"a {step['purpose']} draw (round {step['round']}): {step['k']} of "
                f"{', '.join(names.of(c) for c in step['candidates'])}  → tender-ledger lottery open … --step")
    if nxt == "views":
        return f"each member's stated view on {', '.join(names.of(c) for c in step['candidates'])}"
    if nxt == "decision":
        return f"the chair's decision among {', '.join(names.of(c) for c in step['candidates'])}"
    return f"decided: {names.of(step['winner'])} ({step['how']}{': ' + step['detail'] if step.get('detail') else ''})"


def _print_state(state: dict[str, Any], names: Names) -> None:
    """The section's 评定分离 as a member or the public reads it, with Chinese and English field names."""
    print(f"评定分离 / selection of tender {state['tender_id']} section {state['section']}")
    print(f"  阶段 stage:                {state['stage']}")
    for c in state["committees"]:
        label = "评标委员会 evaluation committee" if c["kind"] == "EVALUATION" else "定标委员会 selection committee"
        print(f"  {label}: {c['size']} seats (drawn by {c['draw_id']})"
              + (f", sheets committed by {_when_iso(c['commit_deadline'])}, revealed by "
                 f"{_when_iso(c['reveal_deadline'])}" if c["commit_deadline"] else ""))
        for s in c["seats"]:
            print(f"      seat {s['seat']}  held by {names.of(s['holder']) if s['holder'] else '(secret until the result)'}")
    sl = state["shortlist"]
    if sl:
        print(f"  入围候选人 shortlist (unranked, {len(sl['candidates'])} of at most {sl['max_size']}, "
              f"report {sl['report_hash']}):")
        for c in sl["candidates"]:
            print(f"      {names.of(c)}")
    for r in state["rounds"]:
        tallies = ", ".join(f"{names.of(c)}: {t}" for c, t in zip(r["candidates"], r["tallies"], strict=False))
        print(f"  投票 vote round {r['round']} ({'closed' if r['closed'] else 'open'}; commit by "
              f"{_when_iso(r['commit_deadline'])}, reveal by {_when_iso(r['reveal_deadline'])}): {tallies or '—'}"
              f"; abstentions {r['abstentions']}")
        for v in r["votes"]:
            print(f"      seat {v['seat']} voted {names.of(v['candidate']) if v['candidate'] else 'abstain (弃权)'}")
    for d in state["draws"]:
        print(f"  摇号 draw {d}  (tender-ledger lottery verify {d})")
    print(f"  下一步 next step:          {_step_words(state['step'], names)}")
    d = state["decision"]
    if d:
        print(f"  定标结果 decision:          {names.of(d['winner'])}, decided {_when_iso(d['decided_at'])}"
              + (f" by draw {d['draw_id']}" if d["draw_id"] else ""))
        print(f"  公示截止 publicity ends:    {_when_iso(d['publicity_ends'])}; awarded: {'yes' if d['awarded'] else 'no'}")
    for o in state["objections"]:
        answered = f"answered {_when_iso(o['answered_at'])}: {o['answer']}" if o["answered_at"] else "OPEN"
        print(f"  异议 objection {o['id']} by {o['by']} ({_when_iso(o['filed_at'])}): {o['reason']}  → {answered}")
    for c in state["complaints"]:
        ruled = (f"ruled {_when_iso(c['ruled_at'])}: {'upheld, redo ' + str(c['redo']) if c['upheld'] else 'dismissed'}"
                 f"{' — ' + c['ruling'] if c['ruling'] else ''}") if c["ruled_at"] else "awaiting the ruling"
        print(f"  投诉 complaint {c['id']} by {c['by']} ({_when_iso(c['filed_at'])}): {c['reason']}  → {ruled}")
    for w in state["withdrawn_decisions"]:
        print(f"  撤销的定标 withdrawn decision: {names.of(w['winner'])} ({_when_iso(w['decided_at'])})")
    print(f"  中标人 winner:              {names.of(state['winner']) if state['winner'] else '—'}")


def _step_done(args: argparse.Namespace, api: Any, answer: dict[str, Any], what: str) -> int:
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        return 0
    tx = f" (tx {answer['tx_hash']}, block {answer['block_number']})" if answer.get("tx_hash") else ""
    print(f"{what}{tx}")
    state = answer.get("selection")
    if state:
        names = Names(api, args.tender_id, args.section, signed=api.account is not None)
        print(f"  next: {_step_words(state['step'], names)}")
    return 0


# ---------------------------------------------------------------------- evaluate


def cmd_seat_key(args: argparse.Namespace) -> int:
    member = key_file(args.key_file, who="the expert or member")
    kind = EVALUATION if args.committee == "evaluation" else SELECTION
    seat = _seat(member, args, kind)
    data = {"tender_id": "0x" + _tid(args).hex(), "section": args.section, "committee": args.committee,
            "member": member.address, "seat": seat.address}
    text = json.dumps(data, indent=2) + "\n"
    if args.out:
        try:
            Path(args.out).write_text(text)
        except OSError as exc:
            raise UsageError(f"cannot write the seat file {args.out}: {exc.strerror}") from None
        print(f"wrote {args.out}: {member.address} sits by seat key {seat.address} on the {args.committee} committee; "
              "send the file to the trading centre")
    else:
        print(text, end="")
    return 0


def _commitment_path(args: argparse.Namespace) -> Path:
    return Path(args.commitment) if args.commitment else Path(args.sheet + ".commitment.json")


def cmd_commit(args: argparse.Namespace) -> int:
    from ledger.rules.evaluation import sheet_commitment, sheet_hash

    member = key_file(args.key_file, who="the expert")
    tid = _tid(args)
    seat = _seat(member, args, EVALUATION)
    sheet = _sheet(args.sheet)
    api = client(args.api, seat)
    tender = call(api.tender, args.tender_id)
    problems = _sheet_problems(sheet, tender, args.bids)
    if problems:
        raise UsageError(f"{args.sheet}: " + "; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""))
    salt = os.urandom(32)
    commitment = sheet_commitment(tender_id=tid, section=args.section, expert=seat.address, salt=salt, sheet=sheet)
    path = _commitment_path(args)
    # The salt is written before anything is sent: a commitment on chain whose salt was lost could
    # never be revealed. Refused, nothing was committed and the file goes.
    write_private_json(path, {"tender_id": "0x" + tid.hex(), "section": args.section, "seat": seat.address,
                              "expert": member.address, "salt": "0x" + salt.hex(),
                              "sheet_hash": "0x" + sheet_hash(sheet).hex(), "commitment": "0x" + commitment.hex()},
                       "a sheet's commitment")
    try:
        tx = signed(api, "SelectionBook", "commitSheet", tid, args.section, commitment)
        answer = call(api.post, f"{_base(args)}/sheets/commit", {"signed_tx": tx})
    except LedgerError:
        path.unlink(missing_ok=True)
        raise
    return _step_done(args, api, answer, f"sheet committed by seat {seat.address}; its salt is in {path} "
                                         "(keep it until the reveal)")


def cmd_reveal(args: argparse.Namespace) -> int:
    from ledger.rules.evaluation import sheet_hash

    member = key_file(args.key_file, who="the expert")
    tid = _tid(args)
    seat = _seat(member, args, EVALUATION)
    path = _commitment_path(args)
    kept = read_json(str(path), "the commitment file")
    try:
        salt = word_arg(kept["salt"], "the commitment file's salt")
        committed = word_arg(kept["sheet_hash"], "the commitment file's sheet hash")
        if (kept["tender_id"].lower(), int(kept["section"]), kept["seat"].lower()) != (
                "0x" + tid.hex(), args.section, seat.address.lower()):
            raise UsageError(f"{path} is the commitment of seat {kept['seat']} in tender {kept['tender_id']} section "
                             f"{kept['section']}, not of this key's seat in this section")
    except (KeyError, TypeError, AttributeError, ValueError):
        raise UsageError(f"{path} is not a commitment file written by `evaluate commit`") from None
    sheet = _sheet(args.sheet)
    if sheet_hash(sheet) != committed:
        raise ValidationFailed(f"the sheet in {args.sheet} is not the sheet committed (its hash is 0x"
                               f"{sheet_hash(sheet).hex()}, the commitment's 0x{committed.hex()}): a sheet cannot "
                               "change after its commitment")
    api = client(args.api, seat)
    tx = signed(api, "SelectionBook", "revealSheet", tid, args.section, salt, sheet_hash(sheet))
    answer = call(api.post, f"{_base(args)}/sheets/reveal", {"signed_tx": tx, "sheet": sheet.model_dump(mode="json")})
    return _step_done(args, api, answer, f"sheet revealed by seat {seat.address}")


def cmd_shortlist(args: argparse.Namespace) -> int:
    member = key_file(args.key_file, who="the expert")
    tid = _tid(args)
    seat = _seat(member, args, EVALUATION)
    api = client(args.api, seat)
    e = call(api.get, f"{_base(args)}/evaluation")
    tx = signed(api, "SelectionBook", "submitShortlist", tid, args.section, list(e["shortlist"]), int(e["max_size"]),
                word_arg(e["report_hash"], "report hash"))
    answer = call(api.post, f"{_base(args)}/shortlist", {"signed_tx": tx})
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        return 0
    names = Names(api, args.tender_id, args.section)
    print(f"shortlist filed by seat {seat.address}: {len(e['shortlist'])} unranked candidates, report "
          f"{e['report_hash']} (tx {answer['tx_hash']})")
    for c in e["shortlist"]:
        print(f"  {names.of(c)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    key = key_file(args.key_file, who="centre") if args.key_file else None
    api = client(args.api, key)
    e = call(api.get, f"{_base(args)}/evaluation")
    if args.json:
        print(json.dumps(e, ensure_ascii=False, sort_keys=True))
        return 0
    names = Names(api, args.tender_id, args.section, signed=key is not None)
    report = e["report"]
    shortlisted = {c.lower() for c in e["shortlist"]}
    print(f"评标报告 evaluation report of tender {e['tender_id']} section {e['section']}: {e['method']}, "
          f"{len(e['sheets'])} sheets revealed")
    print(f"  report hash {e['report_hash']}: {'filed on chain' if e['filed'] else 'not filed yet'}")
    print(f"入围候选人 shortlist: {len(e['shortlist'])} unranked candidates (the tender allows at most {e['max_size']}):")
    for c in e["shortlist"]:
        print(f"  {names.of(c)}")
    bids = report.get("bids", [])
    scored = [b for b in bids if b.get("score") is not None]
    cut = min((Decimal(b["score"]) for b in scored if b["bidder"].lower() in shortlisted), default=None)
    print("why, bid by bid:")
    for b in sorted(bids, key=lambda b: (b["bidder"].lower() not in shortlisted, b["bidder"].lower())):
        inside = b["bidder"].lower() in shortlisted
        print(f"  {names.of(b['bidder'])}: price {yuan(b['price'])}")
        if b.get("score") is not None:
            kept = [t for t in b["totals"] if not t["dropped"]]
            dropped = [f"{t['dropped']} {t['total']}" for t in b["totals"] if t["dropped"]]
            price = f"price score {b['price_score']}; " if b.get("price_score") is not None else ""
            print(f"      {price}score {b['score']} = mean of {len(kept)} expert totals"
                  + (f" ({', '.join(dropped)} dropped)" if dropped else ""))
            why = (f"among the {len(e['shortlist'])} highest scores" if inside
                   else f"below the shortlist's lowest score {cut}" if cut is not None else "not shortlisted")
        elif b.get("verdicts"):
            failed = [v["code"] for v in b["verdicts"] if not v["passed"]]
            for v in b["verdicts"]:
                print(f"      {v['code']}: {'passed' if v['passed'] else 'FAILED'} ({v['passes']} pass, {v['fails']} fail)")
            why = ("qualified on every criterion" if not failed else f"failed {', '.join(failed)}")
        else:
            why = "by the lowest evaluated prices" if inside else "a higher price"
        print(f"      → {'SHORTLISTED' if inside else 'not shortlisted'}: {why}")
        reasons = [(s["seat"], code, r["reason"]) for s in e["sheets"] for bid, codes in
                   (s["sheet"].get("reviews") or {}).items() if bid.lower() == b["bidder"].lower()
                   for code, r in codes.items() if r.get("reason")]
        for seat, code, reason in reasons:
            print(f"        seat {short(seat)} on {code}: {reason}")
    if report.get("draw"):
        print(f"a tie at the cut was drawn: tender-ledger lottery verify {report['draw']}")
    return 0


# ---------------------------------------------------------------------- select (centre steps and votes)


def _centre(args: argparse.Namespace) -> Any:
    return client(args.api, key_file(args.key_file, who="centre"))


def cmd_exclude(args: argparse.Namespace) -> int:
    api = _centre(args)
    body = {"kind": args.committee, "expert": address_arg(args.expert, "--expert"),
            "credential_id": "0x" + word_arg(args.credential, "--credential").hex()}
    x = call(api.post, f"{_base(args)}/exclusions", body)
    if args.json:
        print(json.dumps(x, ensure_ascii=False, sort_keys=True))
        return 0
    reason = x["reason"]
    print(f"{x['expert']} excluded from the {args.committee} committee: {json.dumps(reason, ensure_ascii=False)} "
          f"(reason {x['reason_hash']} on chain)")
    return 0


def _seat_files(args: argparse.Namespace) -> list[dict[str, str]]:
    tid = "0x" + _tid(args).hex()
    seats = []
    for f in args.seat:
        data = read_json(f, "the seat file")
        try:
            if (str(data["tender_id"]).lower(), int(data["section"]), data["committee"]) != (
                    tid, args.section, args.committee):
                raise UsageError(f"{f} is a seat of tender {data['tender_id']} section {data['section']} "
                                 f"({data['committee']} committee), not of this one")
            seats.append({"member": address_arg(data["member"], f"{f}: member"),
                          "seat": address_arg(data["seat"], f"{f}: seat")})
        except (KeyError, TypeError, ValueError):
            raise UsageError(f"{f} is not a seat file written by `evaluate seat-key --out`") from None
    return seats


def cmd_seat(args: argparse.Namespace) -> int:
    api = _centre(args)
    seats = _seat_files(args)
    body: dict[str, Any] = {"seats": seats}
    if args.committee == "evaluation":
        now = chain_time(api)
        body |= {"commit_deadline": now + args.commit_window,
                 "reveal_deadline": now + args.commit_window + args.reveal_window}
    state = call(api.post, f"{_base(args)}/committees/{args.committee}", body)
    if args.json:
        print(json.dumps(state, ensure_ascii=False, sort_keys=True))
        return 0
    committee = next(c for c in state["committees"] if c["kind"] == args.committee.upper())
    print(f"the {args.committee} committee is seated: {committee['size']} seats from draw {committee['draw_id']}"
          + (f"; sheets committed by {_when_iso(committee['commit_deadline'])}, revealed by "
             f"{_when_iso(committee['reveal_deadline'])}" if committee["commit_deadline"] else ""))
    names = Names(api, args.tender_id, args.section, signed=True)
    print(f"  next: {_step_words(state['step'], names)}")
    return 0


def cmd_round(args: argparse.Namespace) -> int:
    api = _centre(args)
    now = chain_time(api)
    body = {"commit_deadline": now + args.commit_window,
            "reveal_deadline": now + args.commit_window + args.reveal_window}
    answer = call(api.post, f"{_base(args)}/rounds", body)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        return 0
    r = answer["selection"]["rounds"][-1]
    names = Names(api, args.tender_id, args.section, signed=True)
    print(f"vote round {r['round']} opened (tx {answer['tx_hash']}, block {answer['block_number']}): votes committed "
          f"by {_when_iso(r['commit_deadline'])}, revealed by {_when_iso(r['reveal_deadline'])}; candidates:")
    for c in r["candidates"]:
        print(f"  {names.of(c)}")
    return 0


def _ballot_path(args: argparse.Namespace, seat: str, round_: int) -> Path:
    if args.ballot:
        return Path(args.ballot)
    return Path(f"ballot-{args.tender_id[2:10]}-s{args.section}-r{round_}-{seat[2:10]}.json")


def _open_round(state: dict[str, Any], wanted: int | None) -> dict[str, Any]:
    rounds = [r for r in state["rounds"] if wanted is None or r["round"] == wanted]
    if not rounds:
        raise UsageError(f"no vote round {wanted} is open in this section" if wanted else
                         "no vote round is open in this section")
    last: dict[str, Any] = rounds[-1]
    return last


def _commit_vote(args: argparse.Namespace, api: Any, tid: bytes, round_: int, commitment: bytes,
                 kept: Path) -> Any:
    """Send the seat's own commitVote (a vote, or a 集体议事 view); the file `kept` holding what
    opens it is removed if the commitment is refused, so no stale ballot is left behind."""
    try:
        tx = signed(api, "SelectionBook", "commitVote", tid, args.section, round_, commitment)
        return call(api.post, f"{_base(args)}/votes/commit", {"signed_tx": tx})
    except LedgerError:
        kept.unlink(missing_ok=True)
        raise


def cmd_vote_commit(args: argparse.Namespace) -> int:
    from ledger.rules.selection import vote_commitment

    member = key_file(args.key_file, who="the member")
    tid = _tid(args)
    seat = _seat(member, args, SELECTION)
    api = client(args.api, seat)
    state = call(api.get, _base(args))
    r = _open_round(state, args.round)
    names = Names(api, args.tender_id, args.section)
    if args.candidate.lower() in ("abstain", "弃权"):
        candidate = None
    else:
        candidate = address_arg(args.candidate, "--candidate")
        if candidate.lower() not in {c.lower() for c in r["candidates"]}:
            raise UsageError(f"{candidate} is not a candidate of vote round {r['round']}: "
                             + ", ".join(names.of(c) for c in r["candidates"]))
    if not args.json:
        print(f"投票 vote, round {r['round']} (轮次) — 候选人 candidates:")
        for c in r["candidates"]:
            print(f"  {'→' if candidate and c.lower() == candidate.lower() else ' '} {names.of(c)}")
        print(f"  您的选择 your vote: {names.of(candidate) if candidate else '弃权 abstain'}")
    salt = os.urandom(32)
    commitment = vote_commitment(tender_id=tid, section=args.section, round=r["round"], seat=seat.address,
                                 candidate=candidate, salt=salt)
    path = _ballot_path(args, seat.address, r["round"])
    write_private_json(path, {"tender_id": "0x" + tid.hex(), "section": args.section, "round": r["round"],
                              "seat": seat.address, "candidate": candidate, "salt": "0x" + salt.hex()},
                       "a ballot")
    answer = _commit_vote(args, api, tid, r["round"], commitment, path)
    return _step_done(args, api, answer, f"vote committed by seat {seat.address}; the ballot is in {path} "
                                         "(keep it until the reveal)")


def cmd_vote_reveal(args: argparse.Namespace) -> int:
    member = key_file(args.key_file, who="the member")
    tid = _tid(args)
    seat = _seat(member, args, SELECTION)
    api = client(args.api, seat)
    round_ = args.round if args.round is not None else _open_round(call(api.get, _base(args)), None)["round"]
    path = _ballot_path(args, seat.address, round_)
    kept = read_json(str(path), "the ballot")
    try:
        salt = word_arg(kept["salt"], "the ballot's salt")
        candidate = kept["candidate"]
        if (kept["tender_id"].lower(), int(kept["section"]), int(kept["round"]), kept["seat"].lower()) != (
                "0x" + tid.hex(), args.section, round_, seat.address.lower()):
            raise UsageError(f"{path} is a ballot of seat {kept['seat']} for round {kept['round']} of tender "
                             f"{kept['tender_id']} section {kept['section']}, not of this key's seat in round {round_}")
    except (KeyError, TypeError, AttributeError, ValueError):
        raise UsageError(f"{path} is not a ballot written by `select vote commit`") from None
    chosen = address_arg(candidate, "the ballot's candidate") if candidate else ZERO
    tx = signed(api, "SelectionBook", "revealVote", tid, args.section, round_, chosen, salt)
    answer = call(api.post, f"{_base(args)}/votes/reveal", {"signed_tx": tx})
    names = Names(api, args.tender_id, args.section)
    return _step_done(args, api, answer, f"vote revealed by seat {seat.address}: "
                                         f"{names.of(candidate) if candidate else 'abstain'} (round {round_})")


def _reason(args: argparse.Namespace) -> str:
    if args.reason_file:
        try:
            text = Path(args.reason_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {args.reason_file}: {exc}") from None
    else:
        text = args.reason or ""
    if not text.strip():
        raise UsageError("集体议事: give the reasons (--reason TEXT or --reason-file FILE)")
    return text


def cmd_chair(args: argparse.Namespace) -> int:
    api = _centre(args)
    state = call(api.post, f"{_base(args)}/chair", {"seat": address_arg(args.seat, "--seat")})
    if args.json:
        print(json.dumps(state, ensure_ascii=False, sort_keys=True))
        return 0
    print(f"chair named: selection seat {args.seat} chairs 集体议事 (named before the views)")
    return 0


def cmd_view_commit(args: argparse.Namespace) -> int:
    from ledger.crypto.canonical import keccak
    from ledger.rules.selection import view_document, vote_commitment

    member = key_file(args.key_file, who="the member")
    tid = _tid(args)
    seat = _seat(member, args, SELECTION)
    api = client(args.api, seat)
    r = _open_round(call(api.get, _base(args)), None)
    names = Names(api, args.tender_id, args.section)
    candidate = None
    if args.candidate.lower() not in ("none", "无"):
        candidate = address_arg(args.candidate, "--candidate")
        if candidate.lower() not in {c.lower() for c in r["candidates"]}:
            raise UsageError(f"{candidate} is not on the shortlist: " + ", ".join(names.of(c) for c in r["candidates"]))
    reason = _reason(args)
    try:
        view = view_document(tender_id=tid, section=args.section, round=r["round"], seat=seat.address,
                             candidate=candidate, reason=reason, nonce=os.urandom(32))
    except ValidationFailed as exc:
        raise UsageError(str(exc)) from None
    salt = keccak(view)
    commitment = vote_commitment(tender_id=tid, section=args.section, round=r["round"], seat=seat.address,
                                 candidate=candidate, salt=salt)
    path = _ballot_path(args, seat.address, r["round"])
    write_private_json(path, {"tender_id": "0x" + tid.hex(), "section": args.section, "round": r["round"],
                              "seat": seat.address, "candidate": candidate, "salt": "0x" + salt.hex(),
                              "view": json.loads(view)}, "a view")
    answer = _commit_vote(args, api, tid, r["round"], commitment, path)
    return _step_done(args, api, answer, f"意见 view committed by seat {seat.address}: "
                                         f"{names.of(candidate) if candidate else '无 none'}; kept in {path} "
                                         "(keep it until the reveal)")


def cmd_view_reveal(args: argparse.Namespace) -> int:
    from ledger.crypto.canonical import canonical_json, keccak

    member = key_file(args.key_file, who="the member")
    tid = _tid(args)
    seat = _seat(member, args, SELECTION)
    api = client(args.api, seat)
    round_ = _open_round(call(api.get, _base(args)), None)["round"]
    path = _ballot_path(args, seat.address, round_)
    kept = read_json(str(path), "the view")
    try:
        salt = word_arg(kept["salt"], "the view's salt")
        candidate = kept["candidate"]
        view = kept["view"]
        if (kept["seat"].lower(), int(kept["round"])) != (seat.address.lower(), round_) or not isinstance(view, dict):
            raise UsageError(f"{path} is a view of seat {kept['seat']} in round {kept['round']}, not this key's")
        if salt != keccak(canonical_json(view)):
            raise UsageError(f"{path}: the view does not hash to its salt")
    except (KeyError, TypeError, AttributeError, ValueError):
        raise UsageError(f"{path} is not a view written by `select view commit`") from None
    chosen = address_arg(candidate, "the view's candidate") if candidate else ZERO
    tx = signed(api, "SelectionBook", "revealVote", tid, args.section, round_, chosen, salt)
    answer = call(api.post, f"{_base(args)}/votes/reveal", {"signed_tx": tx, "view": view})
    return _step_done(args, api, answer, f"意见 view revealed by seat {seat.address} (round {round_})")


def cmd_chair_decide(args: argparse.Namespace) -> int:
    from ledger.crypto.canonical import keccak
    from ledger.rules.selection import decision_document

    if not args.key_file or not args.winner:
        raise UsageError("--basis chair: the chair decides with its own --key-file and names the --winner")
    member = key_file(args.key_file, who="the chair")
    tid = _tid(args)
    seat = _seat(member, args, SELECTION)
    api = client(args.api, seat)
    winner = address_arg(args.winner, "--winner")
    found = call(api.get, f"{_base(args)}/views")
    if (found.get("chair") or "").lower() != seat.address.lower():
        raise UsageError(f"this key's seat {seat.address} is not the chair ({found.get('chair')})")
    views = {v["seat"]: bytes.fromhex(v["view_hash"][2:]) for v in found["views"]}
    try:
        decision = decision_document(tender_id=tid, section=args.section, chair=seat.address, winner=winner,
                                     reason=_reason(args), views=views)
    except ValidationFailed as exc:
        raise UsageError(str(exc)) from None
    tx = signed(api, "SelectionBook", "decide", tid, args.section, 6, 0, winner, bytes(32), keccak(decision),
                args.publicity_days)
    state = call(api.post, f"{_base(args)}/decision/chair", {"signed_tx": tx, "decision": json.loads(decision)})
    if args.json:
        print(json.dumps(state, ensure_ascii=False, sort_keys=True))
        return 0
    names = Names(api, args.tender_id, args.section)
    d = state["decision"]
    print(f"组长决定 the chair's decision: {names.of(d['winner'])} after {len(views)} view(s); 公示 until "
          f"{_when_iso(d['publicity_ends'])}; both committees are revealed")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    if args.basis == "chair":
        return cmd_chair_decide(args)
    api = _centre(args)
    body: dict[str, Any] = {"publicity_days": args.publicity_days}
    if args.winner:
        body["winner"] = address_arg(args.winner, "--winner")
    state = call(api.post, f"{_base(args)}/decision", body)
    if args.json:
        print(json.dumps(state, ensure_ascii=False, sort_keys=True))
        return 0
    names = Names(api, args.tender_id, args.section, signed=True)
    d = state["decision"]
    print(f"decision recorded: {names.of(d['winner'])}; 公示 until {_when_iso(d['publicity_ends'])}; both committees "
          "are revealed")
    if d["record"]:
        print(f"  record {d['record_hash']}: {json.dumps(d['record'], ensure_ascii=False)[:400]}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    key = key_file(args.key_file, who="centre") if args.key_file else None
    api = client(args.api, key)
    state = call(api.get, _base(args))
    if args.json:
        print(json.dumps(state, ensure_ascii=False, sort_keys=True))
        return 0
    _print_state(state, Names(api, args.tender_id, args.section, signed=key is not None))
    return 0


# ---------------------------------------------------------------------- after the decision


def cmd_award(args: argparse.Namespace) -> int:
    api = _centre(args)
    answer = call(api.post, f"{_base(args)}/award", {})
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        return 0
    names = Names(api, args.tender_id, args.section, signed=True)
    winner = answer["selection"]["winner"]
    print(f"awarded to {names.of(winner)}, the winner the selection record holds (tx {answer['tx_hash']}); "
          "the losing bid guarantees are released")
    return 0


def _filed(args: argparse.Namespace, kind: str, contract_fn: str, route: str) -> int:
    from ledger.crypto.canonical import keccak

    who = key_file(args.key_file, who="the " + ("objector" if kind == "objection" else "complainant"))
    reason = text_arg(args.reason, args.reason_file, "reason")
    tid = _tid(args)
    api = client(args.api, who)
    tx = signed(api, "SelectionBook", contract_fn, tid, args.section, keccak(reason.encode("utf-8")))
    answer = call(api.post, f"{_base(args)}/{route}", {"signed_tx": tx, "reason": reason})
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        return 0
    filed = [f for f in answer["selection"][route] if f["by"].lower() == who.address.lower()][-1]
    print(f"{kind} {filed['id']} filed by {who.address} at {_when_iso(filed['filed_at'])} (tx {answer['tx_hash']})")
    if kind == "objection":
        print("  the award waits until it is answered")
    return 0


def cmd_object(args: argparse.Namespace) -> int:
    return _filed(args, "objection", "object", "objections")


def cmd_answer(args: argparse.Namespace) -> int:
    api = _centre(args)
    text = text_arg(args.answer, args.answer_file, "answer")
    answer = call(api.post, f"{_base(args)}/objections/{args.objection_id}/answer", {"answer": text})
    return _step_done(args, api, answer, f"objection {args.objection_id} answered")


def cmd_complain(args: argparse.Namespace) -> int:
    return _filed(args, "complaint", "complain", "complaints")


def cmd_rule(args: argparse.Namespace) -> int:
    api = _centre(args)
    text = text_arg(args.ruling, args.ruling_file, "ruling")
    answer = call(api.post, f"{_base(args)}/complaints/{args.complaint_id}/ruling", {"ruling": text})
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        return 0
    c = next(c for c in answer["selection"]["complaints"] if c["id"] == args.complaint_id)
    verdict = f"upheld: redo {c['redo']}" if c["upheld"] else "dismissed"
    print(f"ruling on complaint {args.complaint_id} filed ({verdict}); it hashes to {c['ruling_hash']} on chain")
    names = Names(api, args.tender_id, args.section, signed=True)
    print(f"  next: {_step_words(answer['selection']['step'], names)}")
    return 0


# ---------------------------------------------------------------------- the parser


def add_commands(sub: Any) -> None:
    centre_key = "the centre's private key file (default: the data directory's keys/centre.key)"

    def section(q: argparse.ArgumentParser) -> None:
        q.add_argument("tender_id", metavar="TENDER_ID")
        q.add_argument("--section", type=int, default=0, help="the section (default 0)")
        q.add_argument("--api", default=api_default(), help="the service (default TL_API_URL or 127.0.0.1:8000)")
        q.add_argument("--json", action="store_true", help="print the service's answer as one JSON object")

    def own_key(q: argparse.ArgumentParser, who: str) -> None:
        q.add_argument("--key-file", default=None, help=f"{who} own private key file (hex; required)")

    def centre(q: argparse.ArgumentParser) -> None:
        q.add_argument("--key-file", default=None, help=centre_key)

    fmt = argparse.RawDescriptionHelpFormatter

    # evaluate
    p = sub.add_parser("evaluate", help="评标: an expert's seat key, sheets committed then revealed, the shortlist, "
                                        "the evaluation report")
    esub = p.add_subparsers(dest="evaluate_command", required=True)
    q = esub.add_parser("seat-key", help="an expert or member derives its seat key for one tender section and "
                                         "committee (to send to the centre)")
    section(q)
    q.add_argument("--committee", choices=("evaluation", "selection"), default="evaluation")
    q.add_argument("--out", default=None, help="write the seat file for the centre (default: stdout)")
    own_key(q, "the expert's or member's")
    q.set_defaults(func=cmd_seat_key)
    q = esub.add_parser("commit", help="commit a sheet (its hash, salted) by the expert's seat key",
                        description=SHEET_SCHEMA, formatter_class=fmt)
    section(q)
    q.add_argument("--sheet", required=True, help="the sheet file (JSON; schema above)")
    q.add_argument("--bids", default=None,
                   help="the section's results export (`tender results --out`) to check the sheet covers every "
                        "eligible bid")
    q.add_argument("--commitment", default=None, help="where to keep the salt (default: SHEET.commitment.json)")
    own_key(q, "the expert's")
    q.set_defaults(func=cmd_commit)
    q = esub.add_parser("reveal", help="reveal the committed sheet (after every seat committed)",
                        description=SHEET_SCHEMA, formatter_class=fmt)
    section(q)
    q.add_argument("--sheet", required=True, help="the sheet file committed")
    q.add_argument("--commitment", default=None, help="the file `evaluate commit` wrote (default: SHEET.commitment.json)")
    own_key(q, "the expert's")
    q.set_defaults(func=cmd_reveal)
    q = esub.add_parser("shortlist", help="an evaluation seat files the unranked shortlist the rule gives")
    section(q)
    own_key(q, "the expert's")
    q.set_defaults(func=cmd_shortlist)
    q = esub.add_parser("report", help="the evaluation report: who is shortlisted and why")
    section(q)
    q.add_argument("--key-file", default=None,
                   help="sign the read with this key (the centre's: bidders named by firm before 公示)")
    q.set_defaults(func=cmd_report)

    # select
    p = sub.add_parser("select", help="定标: exclusions, seating the committees, vote rounds, votes, the decision")
    ssub = p.add_subparsers(dest="select_command", required=True)
    q = ssub.add_parser("exclude", help="the centre excludes an expert with a conflict (a personnel credential "
                                        "naming a bidding firm)")
    section(q)
    q.add_argument("--committee", choices=("evaluation", "selection"), default="evaluation")
    q.add_argument("--expert", required=True, help="the expert's (or member's) address")
    q.add_argument("--credential", required=True, help="the anchored personnel credential id (0x…)")
    centre(q)
    q.set_defaults(func=cmd_exclude)
    q = ssub.add_parser("seat", help="the centre seats a committee from its draw by the members' seat keys")
    section(q)
    q.add_argument("--committee", choices=("evaluation", "selection"), required=True)
    q.add_argument("--seat", action="append", required=True, metavar="FILE",
                   help="a seat file from `evaluate seat-key --out` (repeat, one per seat)")
    q.add_argument("--commit-window", type=duration, default=86_400, metavar="DURATION",
                   help="evaluation: time to commit sheets, from the chain's time (default 1d)")
    q.add_argument("--reveal-window", type=duration, default=86_400, metavar="DURATION",
                   help="evaluation: time to reveal after the commit deadline (default 1d)")
    centre(q)
    q.set_defaults(func=cmd_seat)
    q = ssub.add_parser("round", help="the centre opens the vote round the fixed rule asks for")
    section(q)
    q.add_argument("--commit-window", type=duration, default=3_600, metavar="DURATION", help="default 1h")
    q.add_argument("--reveal-window", type=duration, default=3_600, metavar="DURATION",
                   help="after the commit deadline (default 1h)")
    centre(q)
    q.set_defaults(func=cmd_round)
    q = ssub.add_parser("vote", help="a member's vote, committed then revealed, by its seat key")
    vsub = q.add_subparsers(dest="vote_command", required=True)
    v = vsub.add_parser("commit", help="commit a vote for a shortlisted candidate (or abstain)")
    section(v)
    v.add_argument("--candidate", required=True, help="the candidate's bid key, or `abstain`")
    v.add_argument("--round", type=int, default=None, help="default: the open round")
    v.add_argument("--ballot", default=None, help="where to keep the salt (default: ./ballot-…-rROUND-SEAT.json)")
    own_key(v, "the member's")
    v.set_defaults(func=cmd_vote_commit)
    v = vsub.add_parser("reveal", help="reveal the committed vote")
    section(v)
    v.add_argument("--round", type=int, default=None, help="default: the last round")
    v.add_argument("--ballot", default=None, help="the file `vote commit` wrote")
    own_key(v, "the member's")
    v.set_defaults(func=cmd_vote_reveal)
    q = ssub.add_parser("chair", help="集体议事: the centre names the selection seat that chairs, before the views")
    section(q)
    q.add_argument("--seat", required=True, help="the chair's selection seat key address")
    centre(q)
    q.set_defaults(func=cmd_chair)
    q = ssub.add_parser("view", help="集体议事: a member's view (a candidate or none, with written reasons), "
                                     "committed then revealed, by its seat key")
    vsub = q.add_subparsers(dest="view_command", required=True)
    v = vsub.add_parser("commit", help="commit a view on the shortlist (its salt is the hash of the written view)")
    section(v)
    v.add_argument("--candidate", required=True, help="the candidate's bid key, or `none`")
    v.add_argument("--reason", default=None, help="the reasons, in words")
    v.add_argument("--reason-file", default=None, help="or a UTF-8 file holding them")
    v.add_argument("--ballot", default=None, help="where to keep the view (default: ./ballot-…-rROUND-SEAT.json)")
    own_key(v, "the member's")
    v.set_defaults(func=cmd_view_commit)
    v = vsub.add_parser("reveal", help="reveal the committed view with its written reasons")
    section(v)
    v.add_argument("--ballot", default=None, help="the file `view commit` wrote")
    own_key(v, "the member's")
    v.set_defaults(func=cmd_view_reveal)
    q = ssub.add_parser("decide", help="the centre records the winner the fixed rule gives; 公示 starts "
                                       "(--basis chair: 集体议事, the chair's own decision with its reasons)")
    section(q)
    q.add_argument("--basis", choices=("rule", "chair"), default="rule",
                   help="rule: the centre records the rule's winner (default); chair: the chair decides (集体议事)")
    q.add_argument("--winner", default=None, help="if given, must be the rule's winner; the chair's pick for chair")
    q.add_argument("--reason", default=None, help="--basis chair: the chair's reasons")
    q.add_argument("--reason-file", default=None, help="--basis chair: a UTF-8 file holding them")
    q.add_argument("--publicity-days", type=int, default=3, help="公示 period in days (≥ 3)")
    centre(q)
    q.set_defaults(func=cmd_decide)
    q = ssub.add_parser("show", help="where the section stands: committees, shortlist, rounds, draws, next step, "
                                     "decision, objections, winner (中英文 field names)")
    section(q)
    q.add_argument("--key-file", default=None, help="sign reads with this key (the centre's: firms named before 公示)")
    q.set_defaults(func=cmd_show)

    # award
    q = sub.add_parser("award", help="the centre records the award after 公示 with no objection open (the winner "
                                     "comes from the selection record)")
    section(q)
    centre(q)
    q.set_defaults(func=cmd_award)

    # objections and complaints
    p = sub.add_parser("objection", help="异议 during 公示: file one (anyone, own key) or answer it (the centre)")
    osub = p.add_subparsers(dest="objection_command", required=True)
    q = osub.add_parser("file", help="object to the decision during 公示, with your own key")
    section(q)
    q.add_argument("--reason", default=None, help="the objection's text")
    q.add_argument("--reason-file", default=None, help="… or a UTF-8 file holding it")
    own_key(q, "the objector's")
    q.set_defaults(func=cmd_object)
    q = osub.add_parser("answer", help="the centre answers an objection (within 3 days)")
    section(q)
    q.add_argument("objection_id", type=int, metavar="ID")
    q.add_argument("--answer", default=None, help="the answer's text")
    q.add_argument("--answer-file", default=None, help="… or a UTF-8 file holding it")
    centre(q)
    q.set_defaults(func=cmd_answer)
    p = sub.add_parser("complaint", help="投诉 within 10 days after 公示: file one (anyone, own key) or file the "
                                         "governance's ruling text")
    csub = p.add_subparsers(dest="complaint_command", required=True)
    q = csub.add_parser("file", help="complain, with your own key; the award waits for the ruling")
    section(q)
    q.add_argument("--reason", default=None, help="the complaint's text")
    q.add_argument("--reason-file", default=None, help="… or a UTF-8 file holding it")
    own_key(q, "the complainant's")
    q.set_defaults(func=cmd_complain)
    q = csub.add_parser("rule", help="file the text of the governance's ruling (`governance propose SelectionBook "
                                     "ruleComplaint …`, approved): accepted only if it hashes to the ruling on chain")
    section(q)
    q.add_argument("complaint_id", type=int, metavar="ID")
    q.add_argument("--ruling", default=None, help="the ruling's text")
    q.add_argument("--ruling-file", default=None, help="… or a UTF-8 file holding it")
    centre(q)
    q.set_defaults(func=cmd_rule)

