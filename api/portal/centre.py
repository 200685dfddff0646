"""The trading centre's desk: publish a tender from a form, amend it with a reason, and the opening
room of a section (the officers' shares released so far, the opening, its result), with the
printable 开标记录表 and 公示 notice.

Nothing that opens a bid passes through the server: the page makes the tender's opening key,
splits it and seals each share to its officer's public key in the browser (static/officer_box.js,
the format of `ledger.crypto.officer_box`), hands the sealed shares out as files and sends only the
public key and the share hashes; an officer opens its own share with its own key in its browser
and releases it with its own transaction. The server checks a form's parameters (`POST
/portal/centre/check`, errors per field in words) and reads the room (`GET …/room`), whose bids it
shows only to a signed request of the centre (or to anyone once the evaluation is published), as
`GET /tenders/…/results` does."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import optional_caller
from api.db.credentials import SqlCredentialFiles
from api.deps import selection_service, tender_service
from api.portal.messages import MESSAGES
from api.portal.names import Names
from api.portal.committee import KIND_NAMES, _step  # the step in words, as the members read it
from api.portal.officials import _config
from api.portal.pages import (
    HERE,
    Page,
    PageError,
    _json_error,
    _section_index,
    _word,
    check_label_text,
    check_reason,
    describe,
    guarded,
    opening_reason,
    static_script,
)
from ledger.documents import Grade, Kind
from ledger.errors import LedgerError, NotFound
from ledger.model.tender import SectionStatus
from ledger.model.selection import CommitteeKind
from ledger.rules.lottery import by_address, draw_id
from ledger.rules.selection import NeedDraw
from ledger.rules.verify import CheckStatus
from ledger.service.credentials import CredentialService
from ledger.service.selection import COMMITTEE_DRAW_ROUND, SELECTION_RESERVES, address_word, as_address
from ledger.tenders import CriterionKind, EvaluationMethod, SelectionMethod, TenderParams, tender_id

router = APIRouter(include_in_schema=False)

# The form a new tender starts from: every parameter, the optional ones empty (their defaults apply).
SKELETON: dict[str, Any] = {
    "project_code": "", "title": "", "tenderer": "", "tenderer_uscc": "",
    "deadline": "", "bid_validity_days": 90, "opening_window_s": 3600, "min_valid_bids": 3,
    "evaluation_method": "综合评分", "shortlist_size": 3,
    "sections": [{"code": "", "name": "", "estimated_price": "", "bid_guarantee": "0",
                  "qualification": [{"category": "", "name_contains": "", "min_grade": "二级"}],
                  "performance": {"count": None, "min_amount_wan": "", "within_years": None},
                  "personnel": [{"registration_type": "", "specialty": "", "count": 1}],
                  "credit_commitment_allowed": False}],
    "evaluation": {"experts": 7, "reserves": 2, "drop_extremes": True, "conflict_years": 3,
                   "criteria": [{"code": "", "name": "", "kind": "judged", "max_score": ""}]},
    "selection": {"method": "票决抽签", "committee_size": 7, "revote_rounds": 2, "lottery_among": None,
                  "price_rule": "", "price_n": None},
}
# Fields that take one of a list (path with * for any position).
CHOICES: dict[str, list[str]] = {
    "evaluation_method": [m.value for m in EvaluationMethod],
    "selection.method": [m.value for m in SelectionMethod],
    "selection.price_rule": ["", "lowest", "second_lowest", "closest_to_average", "nth_lowest"],
    "sections.*.qualification.*.min_grade": [g.value for g in Grade],
    "evaluation.criteria.*.kind": [k.value for k in CriterionKind],
}
NULLABLE = ("performance",)  # an object left empty is "not asked for"
MAX_PARAMS_BYTES = 1_000_000

# pydantic's error types said in the portal's words
_WORDS = {"missing": "centre.err.missing", "string_too_short": "centre.err.missing",
          "int_parsing": "centre.err.int", "int_type": "centre.err.int", "int_from_float": "centre.err.int",
          "decimal_parsing": "centre.err.decimal", "decimal_type": "centre.err.decimal",
          "decimal_max_places": "centre.err.places",
          "greater_than_equal": "centre.err.ge", "greater_than": "centre.err.gt", "less_than_equal": "centre.err.le",
          "enum": "centre.err.choice", "literal_error": "centre.err.choice",
          "datetime_parsing": "centre.err.datetime", "datetime_from_date_parsing": "centre.err.datetime",
          "datetime_type": "centre.err.datetime", "timezone_aware": "centre.err.datetime",
          "extra_forbidden": "centre.err.extra", "string_too_long": "centre.err.long", "too_long": "centre.err.many",
          "too_short": "centre.err.few", "string_pattern_mismatch": "centre.err.pattern",
          "bool_parsing": "centre.err.bool", "list_type": "centre.err.type", "dict_type": "centre.err.type",
          "model_type": "centre.err.type", "string_type": "centre.err.type"}


def field_label(page: Page, path: str) -> str:
    """A parameter's place in words: `sections.0.qualification.0.category` → 第 1 标段 · 资质要求 1 · 资质类别."""
    words: list[str] = []
    parts = [p for p in path.split(".") if p]
    for i, part in enumerate(parts):
        if part.isdigit():
            if i > 0 and parts[i - 1] == "sections":
                words[-1] = page.t("centre.section_n", n=int(part) + 1)
            elif words:
                words[-1] += f" {int(part) + 1}"
            continue
        key = f"param.{part}"
        words.append(page.t(key) if key in MESSAGES else part)
    return " · ".join(words)


def zoned(page: Page, raw: dict[str, Any]) -> dict[str, Any]:
    """The parameters with a deadline typed without an offset read in the portal's time zone."""
    out = dict(raw)
    deadline = out.get("deadline")
    if isinstance(deadline, str) and deadline.strip():
        try:
            moment = datetime.fromisoformat(deadline.strip())
        except ValueError:
            return out  # the model names it
        out["deadline"] = (moment if moment.tzinfo else moment.replace(tzinfo=page.zone)).isoformat()
    return out


def param_errors(page: Page, exc: ValidationError) -> list[dict[str, str]]:
    """A refused tender's errors, one per field, named in words."""
    errors = []
    for e in exc.errors(include_url=False):
        path = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "tagged-union")))
        kind = str(e["type"])
        ctx = {k: str(v) for k, v in (e.get("ctx") or {}).items()}
        if kind in _WORDS:
            message = page.t(_WORDS[kind], **{k: ctx.get(k, "") for k in ("ge", "gt", "le", "expected",
                                                                              "max_length", "min_length")})
        else:
            message = str(e["msg"]).removeprefix("Value error, ")
        errors.append({"field": path, "label": field_label(page, path) if path else "", "message": message})
    return errors


@router.post("/portal/centre/check")
async def check(request: Request) -> Response:
    """A form's tender parameters as the API will take them (the deadline given the portal's time
    zone when typed without one), with the tender id and parameters hash; or the errors field by field."""
    page = Page(request)
    body = await request.body()
    if len(body) > MAX_PARAMS_BYTES:
        return JSONResponse({"message": page.t("centre.err.too_big")}, status_code=413)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return JSONResponse({"message": page.t("error.bad_json", reason="body")}, status_code=422)

    def build() -> Response:
        raw = data.get("params") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            return JSONResponse({"message": page.t("centre.err.params")}, status_code=422)
        params = zoned(page, raw)
        try:
            model = TenderParams.model_validate(params)
        except ValidationError as exc:
            return JSONResponse({"message": page.t("centre.err.fix"), "errors": param_errors(page, exc)},
                                status_code=422)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"message": str(exc), "errors": [{"field": "", "label": "", "message": str(exc)}]},
                                status_code=422)
        return JSONResponse({"params": params, "tender_id": "0x" + tender_id(model.project_code).hex(),
                             "params_hash": "0x" + model.params_hash().hex(), "errors": []})

    return await run_in_threadpool(build)


@router.get("/portal/centre")
def centre_page(request: Request) -> Response:
    """The centre's desk: sign in with the centre's key (in this browser), publish, amend, open."""
    def build(page: Page) -> Response:
        labels = {k: page.t(k) for k in MESSAGES if k.startswith((
            "centre.", "param.", "bid.err.", "refusal.", "bid.tx.", "issuer.signin", "check.", "outcome.", "status.", "committee.",
            "step.")) and not k.startswith("check.reason.")}  # reasons come worded in the room's JSON
        config = {"lang": page.lang, "labels": labels, "skeleton": SKELETON, "choices": CHOICES,
                  "nullable": list(NULLABLE), "zone": str(page.zone),
                  "tender": request.query_params.get("tender", "")[:80]}
        return page.render("centre.html", config=_config(config))

    return guarded(request, build)


def _guarantee(page: Page, bid: Any) -> dict[str, str]:
    checks = bid.eligibility.checks if bid.eligibility is not None else ()
    found = next((c for c in checks if c.name == "guarantee"), None)
    if found is None:
        return {"css": "muted", "words": page.t("centre.guarantee.none"), "reason": ""}
    css = {CheckStatus.VALID: "ok", CheckStatus.INVALID: "bad", CheckStatus.ERROR: "bad"}.get(found.status, "muted")
    return {"css": css, "words": page.t(f"centre.guarantee.{found.status.name}"),
            "reason": check_reason(page, found)}


def _yuan(price: str | None) -> str:
    if price is None:
        return "—"
    try:
        return f"{Decimal(price):,.2f} 元"
    except ArithmeticError:
        return price


@router.get("/portal/centre/tenders/{tender}/sections/{section}/room")
async def room(request: Request, tender: str, section: str) -> Response:
    """The opening room of a section (JSON): the tender, the officers and whether each released its
    share, the section's status; and the bids (firm, price in 元, guarantee, credentials used,
    eligibility) for a signed request of the centre, or for anyone once the evaluation is published."""
    page = Page(request)
    try:
        caller = await optional_caller(request)
    except HTTPException as exc:  # the signature check's 401 (429 over the signer's rate), as the API says it
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    def build() -> Response:
        try:
            return JSONResponse(_room(page, request, tender, section, caller.signer if caller else None))
        except (PageError, LedgerError) as exc:
            return _json_error(page, exc)

    return await run_in_threadpool(build)


def _room(page: Page, request: Request, tender: str, section: str, viewer: str | None) -> dict[str, Any]:
    tid = _word(tender, "error.bad_tender")
    store = request.app.state.store
    service = tender_service(store)
    details = service.details(tid)
    params = details.stored.tender.params
    index = _section_index(section, len(params.sections))
    terms = details.on_chain.terms
    book = store.runtime.tender_book
    state = book.section(tid, index)
    released = {s.index for s in book.released_shares(tid)}
    names = Names(store)
    now = store.runtime.client.block_timestamp()
    out: dict[str, Any] = {
        "tender_id": "0x" + tid.hex(), "project_code": params.project_code, "title": params.title,
        "tenderer": params.tenderer, "section": index, "section_code": params.sections[index].code,
        "section_name": params.sections[index].name,
        "estimated_price": _yuan(str(params.sections[index].estimated_price)),
        "deadline": terms.deadline, "deadline_text": page.when(terms.deadline), "now": now,
        "past_deadline": now > terms.deadline, "threshold": terms.threshold, "version": details.on_chain.version,
        "status": state.status.name, "status_text": page.t(f"status.{state.status.name}"
                                                           + (".past" if state.status is SectionStatus.PENDING
                                                              and now > terms.deadline else "")),
        "counts": {"bids": state.bids, "opened": state.opened, "valid": state.valid_bids},
        "officers": [{"address": o, "name": names.officer(params, o) or "", "index": i + 1,
                      "released": i + 1 in released}
                     for i, o in enumerate(terms.officers)],
        "released": len(released), "printed_at": page.when(now), "bids": None, "selection": None,
    }
    if state.status is SectionStatus.PENDING:
        return out
    is_centre = viewer is not None and book.is_centre(viewer)
    if state.status is not SectionStatus.EVALUATED and not is_centre:
        return out
    results = service.results(tender_id=tid, section=index, viewer=viewer)
    credentials = CredentialService(store.runtime.registry, SqlCredentialFiles(store))
    bids = []
    for b in results.bids:
        firm = b.eligibility.firm if b.eligibility is not None else None
        used = []
        for cid in b.credential_ids:
            try:
                c = credentials.get(cid)
            except NotFound:
                used.append({"id": "0x" + cid.hex(), "kind": "", "what": page.t("credstatus.NOT_ANCHORED")})
                continue
            used.append({"id": "0x" + cid.hex(), "kind": page.t(f"kind.{Kind(c.kind).name}"),
                         "what": describe(c.sealed.document)})
        failed = [{"label": check_label_text(page, c.name), "reason": check_reason(page, c)} for c in (b.eligibility.checks if b.eligibility else ())
                  if c.status in (CheckStatus.INVALID, CheckStatus.ERROR)]
        bids.append({"bidder": b.bidder, "uscc": firm or "", "firm": (names.firm(firm) if firm else None)
                     or names.key(b.bidder) or "", "price": b.price, "price_yuan": _yuan(b.price),
                     "outcome": b.outcome.name, "outcome_text": page.t(f"outcome.{b.outcome.name}")
                     if f"outcome.{b.outcome.name}" in MESSAGES else b.outcome.name,
                     "reason": opening_reason(page, b.reason), "eligible": b.eligible, "guarantee": _guarantee(page, b),
                     "credentials": used, "failed": failed})
    out["bids"] = bids
    selection = selection_service(store)
    if selection.published(tid, index):
        s = selection.state(tid, index)
        d = s.decision
        winner = s.winner or (d.winner if d else None)
        winner_bid = next((b for b in bids if b["bidder"] == winner), None)
        out["selection"] = {
            "shortlist": [next((b["firm"] for b in bids if b["bidder"] == c), c)
                          for c in (s.shortlist.candidates if s.shortlist else ())],
            "winner": winner, "winner_firm": winner_bid["firm"] if winner_bid else (names.key(winner) or winner),
            "winner_price": winner_bid["price_yuan"] if winner_bid else "—",
            "decided_at": page.when(d.decided_at) if d else "", "publicity_ends": page.when(d.publicity_ends)
            if d else "", "draw": "0x" + d.draw_id.hex() if d and d.draw_id else None,
            "record_hash": "0x" + d.record_hash.hex() if d else None}
    return out


@router.get("/portal/centre/tenders/{tender}/sections/{section}/selection")
async def selection_desk(request: Request, tender: str, section: str) -> Response:
    """A section's 评定分离 as the centre steps it (JSON): the committees with their seats and
    progress, each seat's holder for a signed request of the centre (it seated them) or for anyone
    once the committee is revealed (the membership is secret until then), the shortlist, the rounds, the step the fixed rule asks for in words, the chair, the
    decision, the objections with their texts. Bids are named by firm for a signed request of the
    centre (or for anyone once the evaluation is published), by bid key otherwise."""
    page = Page(request)
    try:
        caller = await optional_caller(request)
    except HTTPException as exc:
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    def build() -> Response:
        try:
            return JSONResponse(_selection(page, request, tender, section, caller.signer if caller else None))
        except (PageError, LedgerError) as exc:
            return _json_error(page, exc)

    return await run_in_threadpool(build)


def _selection(page: Page, request: Request, tender: str, section: str, viewer: str | None) -> dict[str, Any]:
    tid = _word(tender, "error.bad_tender")
    store = request.app.state.store
    service = tender_service(store)
    params = service.tender(tid).params
    index = _section_index(section, len(params.sections))
    book = store.runtime.tender_book
    state = book.section(tid, index)
    names = Names(store)
    firms: dict[str, str] = {}
    if state.status is not SectionStatus.PENDING and (
            state.status is SectionStatus.EVALUATED or (viewer is not None and book.is_centre(viewer))):
        for b in service.results(tender_id=tid, section=index, viewer=viewer).bids:
            firm = b.eligibility.firm if b.eligibility is not None else None
            firms[b.bidder] = (names.firm(firm) if firm else None) or names.key(b.bidder) or b.bidder
    svc = selection_service(store)
    s = svc.state(tid, index)
    now = store.runtime.client.block_timestamp()

    def named(bidder: str | None) -> str:
        return firms.get(bidder, bidder) if bidder else page.t("committee.view.none")

    committees = []
    chair = store.runtime.selection_book.chair(tid, index) if s.committees else None
    specialities: dict[str, str | None] | None = None
    for c in s.committees:
        # who holds each seat: for the centre (it seated them), for anyone else once the committee is revealed
        held = dict(s.holders)
        if viewer is not None and c.seated and not c.revealed:
            try:
                held = svc.seat_holders(signer=viewer, tender_id=tid, section=index, kind=c.kind)
            except LedgerError:  # not the centre: the membership is secret until the reveal
                pass
        if specialities is None and c.kind is CommitteeKind.EVALUATION and any(a in held for a in c.seats):
            specialities = {e.address: e.speciality for e in svc.experts()}
        known = (specialities or {}) if c.kind is CommitteeKind.EVALUATION else {}
        holders = [None if a not in held else {"member": held[a], "name": names.key(held[a]) or "",
                                               "speciality": known.get(held[a]) or ""}
                   for a in c.seats]
        committees.append({
            "kind": KIND_NAMES[c.kind], "kind_text": page.t(f"committee.kind.{KIND_NAMES[c.kind]}"),
            "seated": c.seated, "size": c.size, "seats": list(c.seats), "holders": holders,
            "draw_id": "0x" + c.draw_id.hex(),
            "committed": bin(c.committed_mask).count("1"), "revealed_sheets": bin(c.revealed_mask).count("1"),
            "commit_deadline_text": page.when(c.commit_deadline) if c.commit_deadline else "",
            "reveal_deadline_text": page.when(c.reveal_deadline) if c.reveal_deadline else "",
            "commit_deadline": c.commit_deadline, "opened": c.revealed})
    d = s.decision
    method = params.selection.method
    seated_kinds = {c.kind for c in s.committees if c.seated}
    return {
        "tender_id": "0x" + tid.hex(), "section": index, "project_code": params.project_code, "title": params.title,
        "section_name": params.sections[index].name, "section_status": state.status.name,
        "section_status_text": page.t(f"status.{state.status.name}"), "now": now, "now_text": page.when(now),
        "stage": s.status.stage.name, "stage_text": page.t(f"centre.stage.{s.status.stage.name}"),
        "evaluation_method": params.evaluation_method.value, "selection_method": method.value,
        "deliberation": method is SelectionMethod.COLLECTIVE_DELIBERATION, "chair": chair,
        "committees": committees,
        "shortlist": None if s.shortlist is None else [{"bidder": c, "firm": named(c)} for c in s.shortlist.candidates],
        "rounds": [{"round": r.state.round, "closed": r.closed,
                    "candidates": [{"bidder": c, "firm": named(c)} for c in r.state.candidates],
                    "committed": bin(r.state.committed_mask).count("1"), "revealed": bin(r.state.revealed_mask).count("1"),
                    "commit_deadline_text": page.when(r.state.commit_deadline),
                    "reveal_deadline_text": page.when(r.state.reveal_deadline),
                    "tallies": [{"firm": named(c), "votes": t} for c, t in zip(r.state.candidates, r.state.tallies,
                                                                            strict=False)] if r.closed else None}
                   for r in s.rounds],
        "step": _step(page, s.step, firms),
        "draws": ["0x" + x.hex() for x in s.draws],
        "decision": None if d is None else {
            "winner": d.winner, "firm": named(d.winner), "decided_at": page.when(d.decided_at),
            "publicity_ends": page.when(d.publicity_ends), "publicity_over": now >= d.publicity_ends,
            "awarded": d.awarded},
        "objections": [{"id": o.filing.id, "by": o.filing.by, "filed_at": page.when(o.filing.filed_at),
                        "reason": o.reason, "answered": bool(o.filing.closed_at),
                        "answered_at": page.when(o.filing.closed_at) if o.filing.closed_at else "", "answer": o.answer}
                       for o in s.objections],
        "winner": s.winner, "winner_firm": named(s.winner) if s.winner else None,
        "draws_due": _draws_due(page, store, svc, tid, index, params, seated_kinds, s.step, named)
        if state.status in (SectionStatus.CLOSED, SectionStatus.EVALUATED) else [],
    }


def _draws_due(page: Page, store: Any, svc: Any, tid: bytes, index: int, params: Any, seated: set[Any],
               step: Any, named: Any) -> list[dict[str, Any]]:
    """The draws the centre may open now, each as `tender-ledger lottery open` would: a committee
    not seated yet (its pool, its size plus reserves; `--committee`) and the draw the fixed rule
    asks for (`--step`); each with its draw id and, once opened, where it stands."""
    from api.deps import draw_service

    due = []
    for kind in (CommitteeKind.EVALUATION, CommitteeKind.SELECTION):
        if kind in seated:
            continue
        if kind is CommitteeKind.EVALUATION:
            people = [e.address for e in svc.experts()]
            size, extra = params.evaluation.experts, params.evaluation.reserves
        else:
            people = [e.address for e in svc.pool(params.tenderer_uscc)]
            size, extra = params.selection.committee_size, SELECTION_RESERVES
        due.append({"what": page.t(f"committee.kind.{kind.name.lower()}"), "purpose": "committee",
                    "round": COMMITTEE_DRAW_ROUND[kind], "candidates": people, "k": min(len(people), size + extra),
                    "pool_short": len(people) < size, "size": size})
    if isinstance(step, NeedDraw):
        due.append({"what": page.t("step.draw", k=step.k, among="、".join(named(c) for c in step.candidates)),
                    "purpose": step.purpose, "round": step.round, "candidates": list(step.candidates), "k": step.k,
                    "pool_short": False, "size": step.k})
    draws = draw_service(store)
    for entry in due:
        did = draw_id(tid, index, entry["purpose"], entry["round"])
        entry["draw_id"] = "0x" + did.hex()
        entry["candidates"] = ["0x" + address_word(c).hex() for c in by_address(entry["candidates"])]
        try:
            audit = draws.show(did)
        except NotFound:
            entry["opened"], entry["finished"] = False, False
            continue
        entry["opened"] = True
        entry["finished"] = bool(audit.picks)
        entry["picks"] = [as_address(p) for p in audit.picks or ()]
        state = audit.state
        entry["progress"] = "" if state is None else page.t(
            "centre.draw.progress", commits=state.commits, shares=state.shares_released, threshold=state.threshold,
            deadline=page.when(state.commit_deadline))
    return due


@router.get("/portal/static/centre.js")
def centre_script() -> Response:
    return static_script("centre")


@router.get("/portal/static/officer_box.js")
def officer_box_script() -> Response:
    return static_script("officer_box")


@router.get("/portal/static/desks.css")
def desks_stylesheet() -> Response:
    return Response((HERE / "static" / "desks.css").read_text(encoding="utf-8"), media_type="text/css",
                    headers={"Cache-Control": "no-cache"})
