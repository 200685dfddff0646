"""The web portal: server-rendered pages over the same use cases as the JSON API, for the jobs
anyone does without a key — the tender list and a tender, a firm's credentials, verifying a
credential, a lottery draw. Chinese by default, English with `?lang=en` (kept in a cookie).

Bad input (a malformed USCC or id, an unknown tender, a broken upload) is a page saying so with a
4xx status; a store that disagrees with the chain is the 503 page."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from eth_utils import to_checksum_address
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from hexbytes import HexBytes
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from api.db.credentials import SqlCredentialFiles
from api.deps import draw_service, selection_service, tender_service
from api.db.event_pages import EventFilter, every
from api.portal import format as fmt
from api.portal import pictures
from api.portal.messages import DEFAULT, LANGUAGES, MESSAGES, text
from api.portal.names import Names
from api.portal.refusals import refusal_text
from api.responses import ledger_error_body
from api.routes.catalogue import tender_catalogue
from ledger.documents import (
    AwardCredential,
    ContractPerformanceCredential,
    CreditCredential,
    IdentityCredential,
    Kind,
    PerformanceCredential,
    PersonnelCredential,
    QualificationCredential,
)
from ledger.chain.timeline import TimedEvent, credential_marks, tender_timeline, unix
from ledger.errors import (
    ConfigurationError,
    Conflict,
    InvalidArgument,
    LedgerError,
    NotFound,
    Unauthorised,
    ValidationFailed,
)
from ledger.model.credential import Status
from ledger.model.selection import CommitteeKind, SelectionState, Stage
from ledger.model.tender import SectionStatus
from ledger.model.timeline import CredentialTrack, Milestone
from ledger.rules import reasons
from ledger.rules.verify import CHECK_NAMES, Check, CheckStatus
from ledger.service.credentials import CredentialService
from ledger.uscc import InvalidUSCC, validate_uscc

HERE = Path(__file__).parent
COOKIE = "tl_lang"
PAGE_SIZE = 20

router = APIRouter(include_in_schema=False)
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
templates.filters.update(money=fmt.money, hash=fmt.hash_html, prose=fmt.prose)
templates.globals.update(fmt=fmt, known=frozenset(MESSAGES))


class PageError(Exception):
    """A request the portal answers with an error page: its status and the message in both languages."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


# The statuses of the ledger's refusals, as the JSON API answers them (`api.app.STATUS_OF`), for
# the errors a read can raise.
READ_STATUS: tuple[tuple[type[LedgerError], int], ...] = (
    (ValidationFailed, 422), (Unauthorised, 403), (NotFound, 404), (Conflict, 409), (InvalidArgument, 422),
    (ConfigurationError, 503),
)


def _status_of(exc: LedgerError) -> int:
    return next((status for cls, status in READ_STATUS if isinstance(exc, cls)), 500)


# ---------------------------------------------------------------------- the frame


class Page:
    """What every template gets: the language, the time zone, the label function and the links."""

    def __init__(self, request: Request) -> None:
        self.request = request
        asked = request.query_params.get("lang")
        self.chosen = asked if asked in LANGUAGES else None
        kept = request.cookies.get(COOKIE)
        self.lang = self.chosen or (kept if kept in LANGUAGES else DEFAULT)
        self.zone = request.app.state.runtime.settings.zone

    @property
    def colon(self) -> str:
        return "：" if self.lang == "zh" else ": "

    def t(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)

    def t_unbroken(self, key: str, **values: str) -> Markup:
        """`t`, each value kept on one line (`fmt.unbroken`)."""
        return fmt.unbroken(self.t(key, **{k: "{" + k + "}" for k in values}), **values)

    def when(self, value: Any) -> str:
        return fmt.when(value, self.zone, self.lang)

    def day(self, value: Any) -> str:
        return fmt.day(value, self.zone, self.lang)

    def switch_url(self) -> str:
        """This page in the other language."""
        query = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        query.append(("lang", "en" if self.lang == "zh" else "zh"))
        return f"{self.request.url.path}?{urlencode(query)}"

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(template).render(page=self, t=self.t, **context)
        response = HTMLResponse(html, status_code=status)
        if self.chosen is not None:
            response.set_cookie(COOKIE, self.chosen, max_age=365 * 86_400, path="/", samesite="lax")
        return response

    def error(self, status: int, key: str, **values: object) -> HTMLResponse:
        title = self.t(f"error.{status}") if f"error.{status}" in _ERROR_TITLES else self.t("error.title")
        return self.render("error.html", status=status, title=title, message=self.t(key, **values))


_ERROR_TITLES = {f"error.{code}" for code in (403, 404, 409, 413, 422, 500, 503)}


def static_script(name: str) -> Response:
    """One of the desks' scripts, read afresh each time (no-cache: a redeploy shows at once)."""
    return Response((HERE / "static" / f"{name}.js").read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})


def guarded(request: Request, build: Callable[[Page], Response]) -> Response:
    """The page `build` makes, or the error page of what it refused."""
    page = Page(request)
    try:
        return build(page)
    except PageError as exc:
        return page.error(exc.status, exc.key, **exc.values)
    except LedgerError as exc:
        status = _status_of(exc)
        return page.render("error.html", status=status, title=page.t(f"error.{status}"),
                           message=refusal_text(page.lang, exc, page.zone), ledger_text=True)


def _store(request: Request) -> Any:
    return request.app.state.store


def _word(value: str, key: str) -> bytes:
    """A 32-byte id from a path; a 404 page naming the format when it cannot be one."""
    try:
        raw = bytes(HexBytes(value)) if value.startswith("0x") else b""
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise PageError(404, key, value=value[:80])
    return raw


# ---------------------------------------------------------------------- what the pages say about values


# `performance ≥ {count} × {amount} 万元 within {years} years` (ledger/rules/eligibility.py), the name
# of a performance requirement's check: the opening report signs it as it is, so it is read back here.
_PERFORMANCE_NAME = re.compile(r"performance ≥ (\d+) × ([\d.]+) 万元 within (\d+) years")


def check_label(page: Page, name: str) -> Markup:
    """A check's name in words: the eligibility report's and the verification report's names."""
    if name.startswith("credential 0x"):
        return Markup("{0} {1}").format(page.t("check.credential"), fmt.hash_html(name.split(" ", 1)[1]))
    performance = _PERFORMANCE_NAME.fullmatch(name)
    if performance is not None:
        count, amount, years = performance.groups()
        return Markup("{0}{1}{2}").format(page.t("check.performance"), page.colon, page.t(
            "check.performance.item", count=count, amount=fmt.wan_to_yuan(amount), years=years))
    for prefix in ("qualification", "performance", "personnel"):
        if name.startswith(prefix + " "):
            return Markup("{0}{1}{2}").format(page.t(f"check.{prefix}"), page.colon, name[len(prefix) + 1:])
    key = f"check.{name}"
    try:
        return Markup(escape(page.t(key)))
    except KeyError:
        return fmt.prose(name)


def check_label_text(page: Page, name: str, *, whole: bool = False) -> str:
    """`check_label` as plain text, for a page that sets it as text (a script's data); `whole`
    keeps each hash in it whole (the title of its shortened form)."""
    label = str(check_label(page, name))
    if whole:
        label = re.sub(r'<code class="hash" title="([^"<>]*)">[^<]*</code>', r"\1", label)
    return html.unescape(re.sub(r"<[^>]+>", "", label))


def check_reason(page: Page, check: Check) -> str:
    """Why a check came out as it did, in the page's language: from the reason's code and arguments
    in its details (`ledger.rules.reasons`, worded by `check.reason.<code>`), or the check's own
    English sentence for a check without a code the portal knows or whose code does not say it."""
    return worded(page, reasons.words(check.details), check.reason)


def opening_reason(page: Page, reason: str) -> str:
    """Why a bid's opening came to what it did, in the page's language: an opening keeps only its
    English sentence, whose code and arguments are read back from it (`reasons.recognised`)."""
    return known_reason(page, reason, reasons.OPENING)


def known_reason(page: Page, sentence: str, among: frozenset[reasons.Reason]) -> str:
    """A reason kept only as its English `sentence` in the page's language, when one of the codes
    `among` says it (its code and arguments read back from it, `reasons.recognised`, or a ticked
    credential's failed verification, `_not_valid`); else the sentence itself."""
    return worded(page, read_back(sentence, among), sentence)


def read_back(sentence: str, among: frozenset[reasons.Reason]) -> dict[str, Any]:
    """The code and arguments of a reason kept only as its English `sentence`, read back from it
    ({} when no code `among` says it)."""
    return reasons.recognised(sentence, among) or _not_valid(sentence, among)


_FAILED_CHECKS = re.compile(r"(?:^|; )(" + "|".join(map(re.escape, CHECK_NAMES)) + r"): ")


def verification_failures(detail: str) -> list[tuple[str, str]] | None:
    """The failed verification checks a ticked credential's `detail` lists (`name: reason; …`, in
    the verification's order, `ledger.rules.eligibility`), as (name, reason); None when it is not
    such a list."""
    parts = _FAILED_CHECKS.split(detail)
    if len(parts) < 3 or parts[0]:
        return None
    found = list(zip(parts[1::2], parts[2::2], strict=True))
    order = [CHECK_NAMES.index(name) for name, _ in found]
    return found if order == sorted(set(order)) else None


def _not_valid(sentence: str, among: frozenset[reasons.Reason]) -> dict[str, Any]:
    """A ticked credential that failed verification, read back from its sentence: the names of the
    failed checks are in its detail ({} when `sentence` is not such a reason)."""
    code = reasons.Reason.CREDENTIAL_NOT_VALID
    prefix = reasons.SENTENCES[code].removesuffix("{detail}")
    if code not in among or not sentence.startswith(prefix):
        return {}
    detail = sentence[len(prefix):]
    failed = verification_failures(detail)
    return reasons.coded(code, failed=[name for name, _ in failed], detail=detail) if failed else {}


def worded(page: Page, found: dict[str, Any], sentence: str) -> str:
    """The English `sentence` of a reason in the page's language, from its code and arguments
    (`found`, as `reasons.words` gives them) worded by `check.reason.<code>`; the sentence itself
    when there is no code, the portal does not know it, or it does not say the sentence."""
    key = f"check.reason.{found.get('code')}"
    if not found or key not in MESSAGES or not reasons.bound(found, sentence):
        return sentence  # no code, or one that does not say the sentence (which is what is signed)
    try:
        return page.t(key, **{name: _reason_arg(page, name, value) for name, value in found["args"].items()})
    except (KeyError, IndexError, ValueError, TypeError, OverflowError, OSError):
        return sentence  # arguments the message does not fit: the sentence says it


def _reason_arg(page: Page, name: str, value: Any) -> str:
    if name in reasons.PARTS and isinstance(value, list):  # several reasons at once, each coded
        return ("；" if page.lang == "zh" else "; ").join(
            page.t(f"check.reason.{part['code']}", **{n: _reason_arg(page, n, v) for n, v in part["args"].items()})
            for part in value)
    if name == "detail" and isinstance(value, str) and (failed := verification_failures(value)) is not None:
        return ("；" if page.lang == "zh" else "; ").join(  # each failed verification check, with why
            check_label_text(page, check) + page.colon + known_reason(page, why, reasons.VERIFICATION)
            for check, why in failed)
    if name == "failed" and isinstance(value, list):  # the names of verification checks
        value = [check_label_text(page, str(v)) for v in value]
    if isinstance(value, list):
        return ("、" if page.lang == "zh" else ", ").join(str(v) for v in value) or page.t("check.list.none")
    if (name in reasons.TIMES or name in reasons.INSTANTS) and isinstance(value, int):
        return page.when(value)
    if (name in reasons.TIMES or name in reasons.INSTANTS) and isinstance(value, str):  # read back from a sentence
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value  # a time past the calendar, written as its number
        return page.when(moment) if moment.tzinfo else value
    if name in ("valid_from", "valid_until") and isinstance(value, str):  # a document's own ISO 8601 time
        moment = datetime.fromisoformat(value)
        return page.when(moment) if moment.tzinfo else value
    if name in ("amount", "required"):
        return fmt.money(value)
    if page.lang == "zh":  # the ledger's names of kinds, registry reasons and document fields, in Chinese
        label = {"kind": "kind", "document_kind": "kind", "ground": "reason", "field": "field"}.get(name)
        if label is not None and f"{label}.{value}" in MESSAGES:
            return page.t(f"{label}.{value}")
    return str(value)


def describe(document: Any) -> str:
    """A credential in a few words (its name, number or project), whatever its kind."""
    d = document
    if isinstance(d, IdentityCredential):
        return f"{d.firm_name}（{d.registration_type}）"
    if isinstance(d, QualificationCredential):
        return f"{d.qualification_name} · {d.certificate_no}"
    if isinstance(d, PersonnelCredential):
        return f"{d.person_name} · {d.registration_type} {d.specialty} · {d.certificate_no}"
    if isinstance(d, PerformanceCredential):
        return f"{d.project_name} · {fmt.wan_to_yuan(d.contract_amount_wan)}"
    if isinstance(d, AwardCredential):
        return f"{d.award_name} · {d.certificate_no}"
    if isinstance(d, CreditCredential):
        return f"{d.decision_document_no} · {d.decision}"
    if isinstance(d, ContractPerformanceCredential):
        return f"{d.project_name} · {d.section_code}"
    return ""


def grade_of(page: Page, document: Any) -> str:
    d = document
    if isinstance(d, QualificationCredential):
        return str(d.grade.value)
    if isinstance(d, AwardCredential):
        return str(d.level.value)
    if isinstance(d, ContractPerformanceCredential):
        return str(d.rating.value)
    if isinstance(d, CreditCredential):
        return page.t(f"credit.{d.record_type.value}")
    return "—"


def badge(page: Page, status: Status, document: Any, at: int) -> tuple[str, str]:
    """(css class, words) of a credential's status at `at`: the chain's status, and for a valid one
    whether `at` is inside the document's validity period."""
    if status is Status.VALID:
        moment = datetime.fromtimestamp(at, UTC)
        if moment < document.valid_from:
            return "warn", page.t("credstatus.NOT_YET_VALID")
        if document.valid_until is not None and moment > document.valid_until:
            return "bad", page.t("credstatus.EXPIRED")
        return "ok", page.t("credstatus.VALID")
    return ("warn" if status is Status.SUSPENDED else "bad"), page.t(f"credstatus.{status.name}")


def check_badge(status: CheckStatus) -> str:
    return {CheckStatus.VALID: "ok", CheckStatus.INVALID: "bad", CheckStatus.ERROR: "bad"}.get(status, "muted")


# ---------------------------------------------------------------------- pages


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/portal", status_code=307)


@router.get("/portal/static/portal.css")
def stylesheet() -> Response:
    return Response((HERE / "static" / "portal.css").read_text(encoding="utf-8"), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/portal/static/portal.js")
def script() -> Response:
    return Response((HERE / "static" / "portal.js").read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=3600"})


# The browser signer and the two libraries it is built on, vendored unchanged (vendor/README.md).
_SCRIPTS = {"signer.js", "bid.js", "desk.js", "issuer.js", "guarantor.js", "governance.js"}
_VENDOR = HERE / "static" / "vendor"


@router.get("/portal/static/{name}.js")
def module(name: str) -> Response:
    if f"{name}.js" not in _SCRIPTS:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response((HERE / "static" / f"{name}.js").read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})


@router.get("/portal/static/vendor/{package}/{name}")
def vendored(package: str, name: str) -> Response:
    folder = _VENDOR / package
    if package not in {p.name for p in _VENDOR.iterdir() if p.is_dir()} or name not in {
            f.name for f in folder.iterdir() if f.suffix == ".js"}:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response((folder / name).read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/portal")
@router.get("/portal/tenders")
def tenders(request: Request, q: str = "", offset: str = "0") -> Response:
    def build(page: Page) -> Response:
        start = int(offset) if offset.isdigit() and len(offset) < 8 else 0
        result = tender_catalogue(_store(request)).search(q, offset=start, limit=PAGE_SIZE)
        now = request.app.state.runtime.client.block_timestamp()
        rows = []
        for listed in result.tenders:
            t = listed.stored.tender
            if now <= t.deadline:
                states = [("ok", page.t("tender.open_for_bids"))]
            else:
                states = sorted({_section_state(page, s.status, past=True) for s in listed.sections})
            rows.append({"tender": t, "params": t.params, "published": listed.stored.published_at, "states": states})

        def at(offset: int) -> str:
            return "/portal?" + urlencode({"q": result.query, "offset": offset} if result.query else {"offset": offset})

        return page.render(
            "tenders.html", result=result, rows=rows,
            previous=at(max(result.offset - PAGE_SIZE, 0)) if result.offset > 0 else None,
            next=at(result.offset + PAGE_SIZE) if result.offset + PAGE_SIZE < result.total else None)

    return guarded(request, build)


def _section_state(page: Page, status: SectionStatus, *, past: bool) -> tuple[str, str]:
    css = {SectionStatus.PENDING: "muted", SectionStatus.CLOSED: "warn", SectionStatus.FAILED: "bad",
           SectionStatus.EVALUATED: "ok"}[status]
    key = "status.PENDING.past" if status is SectionStatus.PENDING and past else f"status.{status.name}"
    return css, page.t(key)


@router.get("/portal/tenders/{tender_id}")
def tender(request: Request, tender_id: str) -> Response:
    def build(page: Page) -> Response:
        tid = _word(tender_id, "error.bad_tender")
        store = _store(request)
        service = tender_service(store)
        details = service.details(tid)
        versions = service.versions(tid)
        names = Names(store)
        selection = selection_service(store)
        stored, terms = details.stored, details.on_chain.terms
        params = stored.tender.params
        now = request.app.state.runtime.client.block_timestamp()
        past = now > terms.deadline
        sections = []
        for i, section in enumerate(params.sections):
            state = store.runtime.tender_book.section(tid, i)
            bids = None
            if state.status is SectionStatus.EVALUATED:
                results = service.results(tender_id=tid, section=i, viewer=None)
                bids = [_bid_row(page, names, b) for b in results.bids]
            chosen = selection.state(tid, i) if state.status in (SectionStatus.CLOSED, SectionStatus.EVALUATED) \
                else None  # 评定分离 follows the opening
            sections.append({"index": i, "section": section, "state": state,
                             "status": _section_state(page, state.status, past=past), "bids": bids,
                             "award": _award(page, names, chosen, bids) if chosen else None,
                             "selection": _selection_record(page, names, chosen, bids) if chosen else None})
        timeline = pictures.tender_timeline_svg(tender_milestones(store, tid), now=now, zone=page.zone,
                                                lang=page.lang, ident="timeline", title=params.title)
        return page.render("tender.html", params=params, details=details, terms=terms, versions=versions,
                           sections=sections, past=past, stored=stored, timeline=timeline,
                           officers=[(o, names.officer(params, o)) for o in terms.officers])

    return guarded(request, build)


def _award(page: Page, names: Names, state: SelectionState, bids: list[dict[str, Any]] | None
           ) -> dict[str, Any] | None:
    """The section's 评定分离 outcome once public (公示 started): the winning bidder by its firm's name,
    its price, and whether 公示 still runs or the award is final. None before."""
    decision = state.decision
    if state.status.stage < Stage.PUBLICITY or decision is None or decision.winner is None:
        return None
    row = next((b for b in bids or () if b["bidder"].lower() == decision.winner.lower()), None)
    return {"name": row["name"] if row else names.key(decision.winner), "uscc": row["uscc"] if row else None,
            "bidder": decision.winner, "price": row["price"] if row else None, "awarded": decision.awarded,
            "decided_at": page.when(decision.decided_at), "publicity_ends": page.when(decision.publicity_ends)}


def _selection_record(page: Page, names: Names, state: SelectionState, bids: list[dict[str, Any]] | None
                      ) -> dict[str, Any] | None:
    """What the public may read of the section's 评定分离 once the shortlist is filed: the unranked
    shortlist by firm name (in the order of their USCCs, which ranks nobody), each committee's
    members by name once the committee is revealed (secret until then), the draws used, and the
    objections with their answers. None before the shortlist."""
    if state.shortlist is None:
        return None
    by_key = {b["bidder"].lower(): b for b in bids or ()}

    def firm(key: str) -> dict[str, Any]:
        row = by_key.get(key.lower())
        return {"name": row["name"] if row else None, "uscc": row["uscc"] if row else None, "bidder": key}

    shortlist = sorted((firm(c) for c in state.shortlist.candidates), key=lambda f: f["uscc"] or f["bidder"])
    committees = []
    for c in state.committees:
        if not c.seated:
            continue
        people = [state.holders[s] for s in c.seats if s in state.holders] if c.revealed else []
        committees.append({"kind": c.kind.name.lower(), "size": c.size, "revealed": c.revealed,
                           "members": sorted(({"address": a, "name": names.key(a)} for a in people),
                                             key=lambda m: str(m["name"] or m["address"]))})
    chosen = {c.kind: c for c in state.committees}
    voters = chosen.get(CommitteeKind.SELECTION)
    rounds = []
    if voters is not None and voters.revealed:  # each member's vote by name, once the committee is public
        for r in state.rounds:
            votes = []
            for seat, candidate in r.votes:
                holder = state.holders.get(seat)
                votes.append({"member": (names.key(holder) if holder else None) or holder or seat,
                              "candidate": None if candidate is None else (firm(candidate)["name"] or candidate)})
            rounds.append({"round": r.state.round, "votes": votes})
    objections = [{"by": names.key(o.filing.by) or o.filing.by, "filed_at": page.when(o.filing.filed_at),
                   "reason": o.reason, "answer": o.answer,
                   "answered_at": page.when(o.filing.closed_at) if o.filing.closed_at else None}
                  for o in state.objections]
    return {"shortlist": shortlist if bids is not None else None, "shortlisted": len(shortlist),
            "committees": committees, "objections": objections, "rounds": rounds,
            "draws": ["0x" + d.hex() for d in state.draws]}


def tender_milestones(store: Any, tid: bytes) -> tuple[Milestone, ...]:
    """The tender's steps, from the journal of its contract events (reconciled with the chain first)."""
    store.reconcile()
    with store.session() as session:
        found = every(session, store.chain_key, EventFilter(tender_id="0x" + tid.hex()))
    return tender_timeline(tid, (TimedEvent(e.contract, e.name, args, unix(e.block_time)) for e, args in found))


def _bid_row(page: Page, names: Names, bid: Any) -> dict[str, Any]:
    firm = bid.eligibility.firm if bid.eligibility is not None else None
    name = names.firm(firm) if firm else names.key(bid.bidder)
    checks = bid.eligibility.checks if bid.eligibility is not None else ()
    failed = [{"label": check_label(page, c.name), "reason": check_reason(page, c), "status": c.status}
              for c in checks if c.status in (CheckStatus.INVALID, CheckStatus.ERROR)]
    return {"name": name, "uscc": firm, "bidder": bid.bidder, "price": bid.price, "outcome": bid.outcome.name,
            "reason": opening_reason(page, bid.reason), "eligible": bid.eligible, "failed": failed}


@router.get("/portal/firms")
def firm_form(request: Request, uscc: str = "", at: str = "") -> Response:
    def build(page: Page) -> Response:
        if uscc.strip():
            query = {k: v for k, v in (("at", at), ("lang", page.chosen)) if v}
            suffix = f"?{urlencode(query)}" if query else ""
            return RedirectResponse(f"/portal/firms/{uscc.strip()}{suffix}", status_code=303)
        return page.render("firm.html", uscc="", rows=None, at_value=at)

    return guarded(request, build)


def credential_track(service: CredentialService, credential: Any, label: str) -> CredentialTrack:
    """A credential's history from the chain (status changes and uses in opened bids), as its picture draws it."""
    document = credential.sealed.document
    marks = credential_marks((e.name, unix(e.time), e.args) for e in service.history(credential.credential_id))
    return CredentialTrack(label=label, anchored_at=credential.anchored_at, valid_from=unix(document.valid_from),
                           valid_until=unix(document.valid_until) if document.valid_until is not None else None,
                           marks=marks)


def _end_of_day(value: str, page: Page) -> int:
    try:
        chosen = date.fromisoformat(value.strip())
    except ValueError:
        raise PageError(422, "error.bad_date", value=value[:40]) from None
    return int(datetime.combine(chosen, time(23, 59, 59), page.zone).timestamp())


@router.get("/portal/firms/{uscc}")
def firm(request: Request, uscc: str, at: str = "") -> Response:
    def build(page: Page) -> Response:
        try:
            code = validate_uscc(uscc)
        except InvalidUSCC as exc:
            raise PageError(422, "error.bad_uscc", reason=str(exc)) from None
        store = _store(request)
        service = CredentialService(store.runtime.registry, SqlCredentialFiles(store), uses=store.runtime.tender_book)
        now = store.runtime.registry.now()
        chosen = _end_of_day(at, page) if at.strip() else None
        current = service.list_for_subject(code)
        then = {s.credential.credential_id: s for s in service.list_for_subject(code, at=chosen)} if chosen else {}
        names = Names(store)
        rows = []
        tracks = []
        for s in sorted(current, key=lambda s: (int(s.credential.kind), -s.credential.anchored_at)):
            c, document = s.credential, s.credential.sealed.document
            tracks.append(credential_track(service, c, f"{page.t(f'kind.{Kind(c.kind).name}')} · {describe(document)}"))
            rows.append({
                "kind": page.t(f"kind.{Kind(c.kind).name}"), "what": describe(document),
                "grade": grade_of(page, document), "issuer": names.issuer(c.issuer, document),
                "issuer_address": c.issuer, "id": c.credential_id, "document": document,
                "now": badge(page, s.status.status, document, now),
                "then": badge(page, then[c.credential_id].status.status, document, chosen)
                if chosen is not None and c.credential_id in then else None,
            })
        firm_name = names.firm(code) or code
        history = pictures.credential_history_svg(
            tracks, now=now, zone=page.zone, lang=page.lang, ident="history", at=chosen,
            title=page.t("pic.cred.title", name=firm_name)) if tracks else None
        return page.render("firm.html", uscc=code, name=names.firm(code), rows=rows, chosen=chosen,
                           at_value=at.strip(), history=history)

    return guarded(request, build)


# ---------------------------------------------------------------------- bidding, signed in the browser


@router.get("/portal/tenders/{tender_id}/bid")
def bid_page(request: Request, tender_id: str, section: str = "0") -> Response:
    """The bidder's page: the firm opens its keystore here, and everything it signs is signed in this
    browser (static/signer.js); the server only serves the page, reads and relays."""
    def build(page: Page) -> Response:
        tid = _word(tender_id, "error.bad_tender")
        details = tender_service(_store(request)).details(tid)
        params = details.stored.tender.params
        index = _section_index(section, len(params.sections))
        labels = {k: page.t(k) for k in MESSAGES
                  if k.startswith(("bid.", "kind.", "credstatus.", "check.", "col.", "refusal."))
                  and not k.startswith("check.reason.")}  # reasons come worded in the preview's JSON
        config = {"tender": "0x" + tid.hex(), "section": index, "deadline": details.on_chain.terms.deadline,
                  "chain_id": details.chain_id, "book": details.book, "lang": page.lang, "zone": str(page.zone),
                  "labels": labels}
        return page.render("bid.html", params=params, sec=params.sections[index], index=index,
                           tender_id="0x" + tid.hex(), deadline=details.on_chain.terms.deadline,
                           config=Markup(json.dumps(config, ensure_ascii=False).replace("</", "<\\/")))

    return guarded(request, build)


def _section_index(value: str, count: int) -> int:
    if not value.isdigit() or int(value) >= count:
        raise PageError(404, "error.bad_section", value=value[:20])
    return int(value)


def _json_error(page: Page, exc: Exception) -> JSONResponse:
    if isinstance(exc, PageError):
        return JSONResponse({"message": page.t(exc.key, **exc.values)}, status_code=exc.status)
    assert isinstance(exc, LedgerError)
    # The API's body, its message in the page's words (a refusal worded, `api.portal.refusals`).
    body = {**ledger_error_body(exc), "message": refusal_text(page.lang, exc, page.zone)}
    return JSONResponse(body, status_code=_status_of(exc))


@router.get("/portal/tenders/{tender_id}/sections/{section}/credentials")
def bid_credentials(request: Request, tender_id: str, section: str, uscc: str = "") -> Response:
    """A firm's credentials for the bid page (JSON): name, grade, issuer, status now and at the deadline."""
    page = Page(request)
    try:
        tid = _word(tender_id, "error.bad_tender")
        store = _store(request)
        details = tender_service(store).details(tid)
        _section_index(section, len(details.stored.tender.params.sections))
        try:
            code = validate_uscc(uscc)
        except InvalidUSCC as exc:
            raise PageError(422, "error.bad_uscc", reason=str(exc)) from None
        deadline = details.on_chain.terms.deadline
        service = CredentialService(store.runtime.registry, SqlCredentialFiles(store))
        now = store.runtime.registry.now()
        then = {s.credential.credential_id: s for s in service.list_for_subject(code, at=deadline)}
        names = Names(store)
        rows = []
        for s in sorted(service.list_for_subject(code), key=lambda s: (int(s.credential.kind), -s.credential.anchored_at)):
            c, document = s.credential, s.credential.sealed.document
            at_deadline = badge(page, then[c.credential_id].status.status, document, deadline) \
                if c.credential_id in then else ("bad", page.t("credstatus.NOT_ANCHORED"))
            rows.append({"id": _hex_id(c.credential_id), "kind": Kind(c.kind).name, "kind_label": page.t(f"kind.{Kind(c.kind).name}"),
                         "what": describe(document), "grade": grade_of(page, document),
                         "issuer": names.issuer(c.issuer, document) or c.issuer,
                         "now": list(badge(page, s.status.status, document, now)), "deadline": list(at_deadline)})
        return JSONResponse({"uscc": code, "name": names.firm(code), "credentials": rows})
    except (PageError, LedgerError) as exc:
        return _json_error(page, exc)


@router.get("/portal/tenders/{tender_id}/sections/{section}/preview")
def bid_preview(request: Request, tender_id: str, section: str, firm: str = "", ids: str = "") -> Response:
    """资格审查 as the opening will run it at the deadline, for the credentials ticked so far (JSON)."""
    page = Page(request)
    try:
        tid = _word(tender_id, "error.bad_tender")
        service = tender_service(_store(request))
        details = service.details(tid)
        index = _section_index(section, len(details.stored.tender.params.sections))
        try:
            key = to_checksum_address(firm)
        except ValueError:
            raise PageError(422, "error.bad_address", value=firm[:60]) from None
        ticked = [_word(i, "error.bad_credential") for i in ids.split(",") if i]
        result = service.eligibility(details.stored.tender, index, key, ticked)
        checks = [{"label": re.sub(r"<[^>]+>", "", str(check_label(page, c.name))), "status": c.status.name, "badge": check_badge(c.status),
                   "reason": check_reason(page, c)} for c in result.checks]
        return JSONResponse({"eligible": result.eligible, "firm": result.firm, "checks": checks})
    except (PageError, LedgerError) as exc:
        return _json_error(page, exc)


@router.get("/portal/verify")
def verify_form(request: Request) -> Response:
    return guarded(request, lambda page: page.render("verify.html", report=None, form={}))


def _form(content_type: str, body: bytes) -> dict[str, str]:
    """The fields of an url-encoded or multipart form (a file field's content as text)."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if not content_type.startswith("multipart/form-data"):
        raise PageError(415 if body else 422, "error.bad_form", reason=content_type or "no content type")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
                                                   + body)
    if not message.is_multipart():
        raise PageError(422, "error.bad_form", reason="not a multipart body")
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8-sig", "replace")
    return fields


@router.post("/portal/verify")
async def verify(request: Request) -> Response:
    body = await request.body()
    content_type = request.headers.get("content-type", "")

    def build(page: Page) -> Response:
        form = _form(content_type, body)
        raw = (form.get("file") or "").strip() or (form.get("document") or "").strip()
        if not raw:
            raise PageError(422, "error.empty")
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise PageError(422, "error.bad_json", reason=str(exc)[:200]) from None
        if isinstance(document, dict) and not {"masterSalt", "revealed"} & document.keys() \
                and isinstance(document.get("document"), dict):
            document = document["document"]  # the body of POST /verify
        at = None
        if (form.get("at") or "").strip():
            try:
                local = datetime.fromisoformat(form["at"].strip())
            except ValueError:
                raise PageError(422, "error.bad_date", value=form["at"][:40]) from None
            at = int((local if local.tzinfo else local.replace(tzinfo=page.zone)).timestamp())
        subject = (form.get("subject") or "").strip() or None
        if subject is not None:
            try:
                subject = validate_uscc(subject)
            except InvalidUSCC as exc:
                raise PageError(422, "error.bad_uscc", reason=str(exc)) from None
        store = _store(request)
        service = CredentialService(store.runtime.registry, SqlCredentialFiles(store))
        report = service.verify_document(document, at=at, expected_subject=subject)
        checks = [{"label": check_label(page, c.name), "status": c.status, "css": check_badge(c.status),
                   "reason": check_reason(page, c)} for c in report.checks]
        return page.render("verify.html", report=report, checks=checks,
                           form={"document": raw if len(raw) < 200_000 else "", "at": form.get("at", ""),
                                 "subject": form.get("subject", "")})

    return await run_in_threadpool(guarded, request, build)


@router.get("/portal/draws/{draw_id}")
def draw(request: Request, draw_id: str) -> Response:
    def build(page: Page) -> Response:
        did = _word(draw_id, "error.bad_draw")
        store = _store(request)
        audit = draw_service(store).show(did)
        recorded, state = audit.recorded, audit.state
        assert recorded is not None and state is not None
        opened = recorded.opened
        names = Names(store)
        picks = set(recorded.picks or ())
        return page.render(
            "draw.html", audit=audit, recorded=recorded, state=state, opened=opened,
            parties=[{"address": p, "name": names.key(p), "committed": p in recorded.sealed} for p in opened.parties],
            officers=[{"address": o, "name": names.key(o), "released": o in recorded.shares} for o in opened.officers],
            candidates=[{"value": c, "picked": c in picks} for c in opened.candidates],
            picks=list(recorded.picks) if recorded.picks is not None else None)

    return guarded(request, build)


@router.api_route("/portal/{rest:path}", methods=["GET", "HEAD", "POST"])
def unknown(request: Request, rest: str) -> Response:
    return guarded(request, lambda page: page.error(404, "error.no_page", path="/portal/" + rest[:200]))



def _hex_id(value: bytes | str) -> str:
    return value if isinstance(value, str) else "0x" + bytes(value).hex()
