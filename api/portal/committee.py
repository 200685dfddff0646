"""The desk of the experts (评标委员会) and the selection committee (定标委员会).

A member signs in with its own key, opened in the browser; the page derives the member's seat key
for every seated committee (`ledger.crypto.seat_keys`, the same derivation in static/committee.js)
and finds the sections it sits on among the committees the chain seated (`GET
/portal/committee/seatings`: public, the seat addresses are on chain). Everything a seat signs —
its sheet's and its votes' commitments and reveals, the shortlist — is signed in the browser by the
seat key and sent to the JSON API (`…/selection/sheets/commit`, …); the salts stay in the browser.

The server reads a section's desk (`GET …/desk`) for a signed request of one of its seats only:
the tender's criteria, each bid's opening report (资格审查, a badge per check), the seat's own
sheet (综合评分 scores or 定性评审 pass/fail with reasons) and votes as the chain holds them, the
shortlist, the vote rounds, the next step and the draws; under 集体议事 the chair's seat and every
view revealed with its written reasons and hash (what the chair's written decision names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import optional_caller
from api.db.event_pages import EventFilter, page as event_page
from api.deps import selection_service, tender_service
from api.portal.messages import MESSAGES
from api.portal.names import Names
from api.portal.officials import _config
from api.portal.pages import (Page, PageError, _json_error, _section_index, _word, check_badge, check_label_text,
                              check_reason, guarded, opening_reason, static_script)
from ledger.errors import LedgerError
from ledger.model.selection import CommitteeKind
from ledger.model.tender import SectionStatus
from ledger.rules.selection import MAX_REASON, NeedDecision
from ledger.rules.verify import CheckStatus
from ledger.service.tenders import checked_openings
from ledger.tenders import CriterionKind, SelectionMethod

router = APIRouter(include_in_schema=False)
KIND_NAMES = {CommitteeKind.EVALUATION: "evaluation", CommitteeKind.SELECTION: "selection"}
SEATINGS_PAGE = 500


@router.get("/portal/committee")
def committee_page(request: Request) -> Response:
    """The members' desk: sign in with one's own key (in this browser), the sections one sits on."""
    def build(page: Page) -> Response:
        labels = {k: page.t(k) for k in MESSAGES if k.startswith((
            "committee.", "bid.err.", "refusal.", "bid.tx.", "issuer.signin", "badge.", "step.", "col."))}
        return page.render("committee.html", config=_config({"lang": page.lang, "labels": labels,
                                                             "zone": str(page.zone)}))

    return guarded(request, build)


@router.get("/portal/static/committee.js")
def committee_script() -> Response:
    return static_script("committee")


@router.get("/portal/committee/seatings")
async def seatings(request: Request) -> Response:
    """Every committee the chain has seated (JSON): tender, section, kind and its seats now."""
    page = Page(request)

    def build() -> Response:
        store = request.app.state.store
        book = store.runtime.selection_book
        store.reconcile()
        pairs: list[tuple[str, int]] = []
        after = None
        with store.session() as session:
            while True:
                found = event_page(session, store.chain_key, EventFilter(contract="SelectionBook",
                                                                         event="CommitteeSeated"),
                                   after=after, limit=SEATINGS_PAGE)
                for _, args in found.entries:
                    pair = (str(args["tenderId"]).lower(), int(args["section"]))
                    if pair not in pairs:
                        pairs.append(pair)
                if found.next_cursor is None:
                    break
                last = found.entries[-1][0]
                after = (last.block_number, last.log_index)
        tenders = tender_service(store)
        out = []
        try:
            for tid_hex, section in pairs:
                tid = bytes.fromhex(tid_hex[2:])
                params = tenders.tender(tid).params
                for kind, name in KIND_NAMES.items():
                    c = book.committee(tid, section, kind)
                    if not c.seats:
                        continue
                    out.append({"tender_id": tid_hex, "section": section, "kind": name, "seats": list(c.seats),
                                "project_code": params.project_code, "title": params.title,
                                "section_name": params.sections[section].name,
                                "kind_text": page.t(f"committee.kind.{name}")})
        except LedgerError as exc:
            return _json_error(page, exc)
        return JSONResponse({"seatings": out})

    return await run_in_threadpool(build)


@router.get("/portal/committee/tenders/{tender}/sections/{section}/desk")
async def desk(request: Request, tender: str, section: str) -> Response:
    """A section as one of its seats sees it (JSON), for a request signed by that seat's key."""
    page = Page(request)
    try:
        caller = await optional_caller(request)
    except HTTPException as exc:  # the signature check's 401 (429 over the signer's rate)
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    def build() -> Response:
        try:
            return JSONResponse(_desk(page, request, tender, section, caller.signer if caller else None))
        except (PageError, LedgerError) as exc:
            return _json_error(page, exc)

    return await run_in_threadpool(build)


def _yuan(price: str | None) -> str:
    if price is None:
        return "—"
    try:
        return f"{Decimal(price):,.2f} 元"
    except ArithmeticError:
        return price


def _desk(page: Page, request: Request, tender: str, section: str, viewer: str | None) -> dict[str, Any]:
    tid = _word(tender, "error.bad_tender")
    store = request.app.state.store
    tenders = tender_service(store)
    params = tenders.tender(tid).params
    index = _section_index(section, len(params.sections))
    if viewer is None:
        raise PageError(401, "committee.err.unsigned")
    book = store.runtime.selection_book
    committees = {kind: book.committee(tid, index, kind) for kind in KIND_NAMES}
    mine = [kind for kind, c in committees.items() if viewer.lower() in {a.lower() for a in c.seats}]
    if not mine:
        raise PageError(403, "committee.err.not_seat", seat=viewer)
    kind = mine[0]
    committee = committees[kind]
    names = Names(store)
    state = tenders.book.section(tid, index)
    bids = []
    firms: dict[str, str] = {}
    for b in checked_openings(tenders.book, tenders.records, chain_id=tenders.chain_id, tender_id=tid,
                              section=index, state=state):
        firm = b.eligibility.firm if b.eligibility is not None else None
        firms[b.bidder] = (names.firm(firm) if firm else None) or names.key(b.bidder) or b.bidder
        checks = [{"label": check_label_text(page, c.name), "status": c.status.name, "badge": check_badge(c.status),
                   "badge_text": page.t(f"badge.{c.status.name}"), "reason": check_reason(page, c)}
                  for c in (b.eligibility.checks if b.eligibility is not None else ())]
        bids.append({"bidder": b.bidder, "firm": firms[b.bidder], "uscc": firm or "", "price": b.price,
                     "price_yuan": _yuan(b.price), "eligible": b.eligible, "reason": opening_reason(page, b.reason),
                     "verdict": page.t("committee.eligible" if b.eligible else "committee.ineligible"),
                     "checks": checks,
                     "failed": sum(1 for c in checks if c["status"] in (CheckStatus.INVALID.name,
                                                                        CheckStatus.ERROR.name))})
    criteria = [{"code": c.code, "name": c.name, "max_score": str(c.max_score),
                 "judged": c.kind is CriterionKind.JUDGED} for c in params.evaluation.criteria]
    out: dict[str, Any] = {
        "tender_id": "0x" + tid.hex(), "section": index, "project_code": params.project_code, "title": params.title,
        "section_code": params.sections[index].code, "section_name": params.sections[index].name,
        "section_status": state.status.name, "seat": viewer, "kind": KIND_NAMES[kind],
        "kind_text": page.t(f"committee.kind.{KIND_NAMES[kind]}"),
        "method": params.evaluation_method.value, "selection_method": params.selection.method.value,
        "criteria": criteria, "bids": bids, "max_reason": MAX_REASON,
        "committee": {"size": committee.size, "committed": bin(committee.committed_mask).count("1"),
                      "revealed": bin(committee.revealed_mask).count("1"),
                      "commit_deadline": committee.commit_deadline,
                      "commit_deadline_text": page.when(committee.commit_deadline) if committee.commit_deadline else "",
                      "reveal_deadline": committee.reveal_deadline,
                      "reveal_deadline_text": page.when(committee.reveal_deadline) if committee.reveal_deadline else ""},
        "now": store.runtime.client.block_timestamp(),
    }
    if kind is CommitteeKind.EVALUATION:
        sheet = book.sheet_of(tid, index, viewer)
        out["sheet"] = {"committed": sheet.committed, "revealed": sheet.revealed,
                        "sheet_hash": "0x" + sheet.sheet_hash.hex() if sheet.sheet_hash else None}
        if sheet.revealed:  # what the seat revealed, shown read-only (its salt is gone from the browser)
            revealed = selection_service(store).revealed_sheet(tid, index, viewer)
            out["sheet"]["content"] = revealed.sheet.model_dump(mode="json") if revealed else None  # type: ignore[attr-defined]
    s = selection_service(store).state(tid, index)
    out["shortlist"] = None if s.shortlist is None else {
        "candidates": [{"bidder": c, "firm": firms.get(c, c)} for c in s.shortlist.candidates],
        "max_size": s.shortlist.max_size, "report_hash": "0x" + s.shortlist.report_hash.hex()}
    rounds = []
    for r in s.rounds:
        st = r.state
        entry: dict[str, Any] = {
            "round": st.round, "closed": r.closed,
            "candidates": [{"bidder": c, "firm": firms.get(c, c)} for c in st.candidates],
            "commit_deadline_text": page.when(st.commit_deadline), "reveal_deadline_text": page.when(st.reveal_deadline),
            "committed": bin(st.committed_mask).count("1"), "revealed": bin(st.revealed_mask).count("1"),
            "tallies": [{"firm": firms.get(c, c), "votes": t} for c, t in zip(st.candidates, st.tallies, strict=False)]
            if r.closed else None}
        if kind is CommitteeKind.SELECTION:
            v = book.vote_of(tid, index, st.round, viewer)
            entry["mine"] = {"committed": v.committed, "revealed": v.revealed,
                             "candidate": v.candidate, "firm": firms.get(v.candidate, v.candidate)
                             if v.candidate else None}
        rounds.append(entry)
    out["rounds"] = rounds
    out["deliberation"] = None
    if kind is CommitteeKind.SELECTION and params.selection.method is SelectionMethod.COLLECTIVE_DELIBERATION:
        out["deliberation"] = _deliberation(page, selection_service(store), tid, index, viewer, s.step, firms)
    out["step"] = _step(page, s.step, firms)
    out["draws"] = ["0x" + d.hex() for d in s.draws]
    d = s.decision
    out["decision"] = None if d is None else {
        "winner": d.winner, "firm": firms.get(d.winner, d.winner) if d.winner else None,
        "decided_at": page.when(d.decided_at), "publicity_ends": page.when(d.publicity_ends),
        "draw": "0x" + d.draw_id.hex() if d.draw_id else None}
    out["evaluated"] = state.status is SectionStatus.EVALUATED
    return out


def _deliberation(page: Page, svc: Any, tid: bytes, index: int, viewer: str, step: Any,
                  firms: dict[str, str]) -> dict[str, Any]:
    """集体议事 as a member sees it: the chair's seat, every view revealed so far with its hash and
    written reasons (what the chair's written decision names), and, once the chair is to decide,
    the seats recorded as 未表态 (no view by the deadline)."""
    chair, found = svc.views(tid, index)
    return {
        "chair": chair, "is_chair": bool(chair) and chair.lower() == viewer.lower(),
        "views": [{"seat": seat, "view_hash": "0x" + h.hex(), "candidate": v.candidate,
                   "firm": firms.get(v.candidate, v.candidate) if v.candidate else page.t("committee.view.none"),
                   "reason": v.reason, "mine": seat.lower() == viewer.lower()} for seat, h, v in found],
        "silent": list(step.silent) if isinstance(step, NeedDecision) else [],
        "deciding": isinstance(step, NeedDecision) and bool(chair) and chair.lower() == viewer.lower()}


def _step(page: Page, step: Any, firms: dict[str, str]) -> dict[str, Any] | None:
    """What the fixed rule asks for next, in words."""
    from api.views.selection import step as step_json

    found = step_json(step)
    if found is None:
        return None
    nxt = found["next"]
    among = "、".join(firms.get(c, c) for c in found.get("candidates", ()))
    if nxt == "vote":
        words = page.t("step.vote", round=found["round"], among=among)
    elif nxt == "draw":
        words = page.t("step.draw", k=found["k"], among=among)
    elif nxt == "views":
        words = page.t("step.views", among=among)
    elif nxt == "decision":
        words = page.t("step.decision", among=among)
    else:
        words = page.t("step.decided", winner=firms.get(found["winner"], found["winner"]))
    return {**found, "words": words}
