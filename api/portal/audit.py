"""The auditor's desk: open an audit report (the JSON `tender-ledger audit --json` writes) and read
it — the summary first (a picture of the checks by family and the flags; chain, head block, checks
passed / failed / unprovable, every finding), then each tender with a picture of its timeline and its checks, each check's evidence linked to its transaction and block in the list
of transactions the report cites, then the chain-wide checks and the 围标串标 flags to review.
Wherever a bid shows by its bid key, the firm the report established behind it (a tender's `firms`:
bid key → name and USCC) shows beside it; a key the report names no firm for stays a key alone.

Each check's name and message read in the page's language when the report gives the check's code
and arguments (`ledger.audit.words`, worded by `audit.name.<code>` and `audit.message.<code>`) and
they say exactly the check's English; a check without a code (an older report) or whose code and
arguments do not say its English (a report edited by hand) reads in the report's English. An
argument that is English text the check found (`words.FREE`) reads as it is, but where it is a
reason the rules give (why a bid's opening came to what it did; each check a bid failed): that
reason is read back from it (`ledger.rules.reasons.recognised`) and worded as the other pages word
it. What the report says it does not check and its evidence's notes read in the page's language
when they are the sentences the audit writes (`words.NOT_CHECKED`, `words.NOTES`).

The report is read as given (nothing is fetched: the firms are the report's, never looked up); a
file that is not such a report is a 422 page saying what is wrong with it."""

from __future__ import annotations

import json
import string
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from api.portal import format as fmt
from api.portal import pictures
from api.portal.messages import MESSAGES
from api.portal.pages import Page, PageError, _form, check_label_text, guarded, known_reason, read_back
from ledger.audit import words
from ledger.model.timeline import Milestone
from ledger.rules import reasons

router = APIRouter(include_in_schema=False)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class EvidenceRow(_Open):
    tx: str | None = None
    block: int | None = None
    time: int | None = None
    document: str | None = None
    note: str | None = None


class CheckRow(_Open):
    family: str
    name: str
    status: Literal["pass", "fail", "info"]
    message: str
    tender: str | None = None
    section: int | None = None
    evidence: list[EvidenceRow] = Field(default_factory=list)
    code: str | None = None  # absent from reports written before checks had codes
    args: dict[str, Any] = Field(default_factory=dict)


class TenderRow(_Open):
    tender_id: str
    title: str | None = None
    project_code: str | None = None
    centre: str | None = None
    issued_at: int | None = None
    deadline: int | None = None
    sections: list[dict[str, Any]] = Field(default_factory=list)
    firms: dict[str, str] = Field(default_factory=dict)
    timeline: list[dict[str, Any]] = Field(default_factory=list)


class ReportDoc(_Open):
    """An audit report as `ledger.audit.model.AuditReport.as_json` writes it."""

    ok: bool
    chain_id: int
    genesis: str
    head_block: int
    head_time: int
    addresses: dict[str, str] = Field(default_factory=dict)
    events_replayed: int = 0
    bundle_documents: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    families: list[str] = Field(default_factory=list)
    not_checked: list[str] = Field(default_factory=list)
    tenders: dict[str, TenderRow] = Field(default_factory=dict)
    checks: list[CheckRow]
    flags: list[dict[str, Any]] = Field(default_factory=list)
    people: dict[str, str] = Field(default_factory=dict)  # absent from reports written before pool cards


def read_report(raw: str) -> ReportDoc:
    """The report in `raw`, or a 422 naming what is wrong with it."""
    if not raw.strip():
        raise PageError(422, "error.empty")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise PageError(422, "error.bad_json", reason=str(exc)[:200]) from None
    try:
        return ReportDoc.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "report"
        raise PageError(422, "audit.err.not_report", where=where, reason=str(first["msg"])[:200]) from None


def _timeline(tid: str, summary: TenderRow | None) -> tuple[Milestone, ...]:
    """The tender's steps in the report, or a 422 naming the first that is not one."""
    out = []
    for i, step in enumerate(summary.timeline if summary is not None else ()):
        try:
            out.append(Milestone.from_json(step))
        except ValueError as exc:
            raise PageError(422, "audit.err.not_report", where=f"tenders.{tid}.timeline.{i}",
                            reason=str(exc)[:200]) from None
    return tuple(out)


# a 20-byte key (a bid key) in a check's words, not the start of a 32-byte hash
KEY = re.compile(r"(?<![0-9a-fA-Fx])0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")


def marked(words: str, firms: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """`words` in parts, each bid key that `firms` (lower-case key → firm) names a firm for a part of
    its own with that firm; the other parts with None."""
    out: list[tuple[str, str | None]] = []
    at = 0
    for m in KEY.finditer(words):
        firm = firms.get(m.group().lower())
        if not firm:
            continue
        if m.start() > at:
            out.append((words[at:m.start()], None))
        out.append((m.group(), firm))
        at = m.end()
    if at < len(words):
        out.append((words[at:], None))
    return out


def _firms(report: ReportDoc) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The firms behind the bid keys as the report gives them: by tender (lower-case id), and for
    what no tender is named for, every key whose firm the report gives one way only."""
    by_tender = {tid.lower(): {k.lower(): v for k, v in row.firms.items() if v} for tid, row in report.tenders.items()}
    seen: dict[str, set[str]] = {}
    for firms in by_tender.values():
        for k, v in firms.items():
            seen.setdefault(k, set()).add(v)
    return by_tender, {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def family_name(page: Page, family: str) -> str:
    """A check family's name in the page's language (a name this version does not know, as given)."""
    key = f"audit.family.{family}"
    return page.t(key) if key in MESSAGES else family


_WORDED = {"committee": "audit.committee", "recorded": "audit.word", "rerun": "audit.word",
           "entry_kind": "audit.word"}  # arguments that are words, by the message keys that word them


# the English text a check found that is a reason the rules give (ledger.rules.reasons), by the
# check's family and the argument: why a bid's opening came to what it did, and each check a bid
# failed (as `name: reason`)
_REASONS = {("opening", "reason"): reasons.OPENING,
            ("eligibility", "failures"): reasons.ELIGIBILITY | reasons.VERIFICATION}
_NAMED = frozenset({"failures"})


def _free(page: Page, code: str, name: str, text: str) -> str:
    """English text a check found (`words.FREE`) in the page's language where it is a reason the
    rules give, worded as the other pages word it (`check.reason.<code>`); else as it is."""
    among = _REASONS.get((code.split(".", 1)[0], name))
    if among is None or page.lang == "en":
        return text
    if name not in _NAMED:
        return known_reason(page, text, among)
    at = text.find(": ")
    while at > 0:  # `name: reason`, the check's name having no ": " of its own or some
        sentence = text[at + 2:]
        if read_back(sentence, among):
            return check_label_text(page, text[:at], whole=True) + page.colon + known_reason(page, sentence, among)
        at = text.find(": ", at + 1)
    return text


def _arg(page: Page, code: str, name: str, value: Any) -> str:
    """One argument of a check's code as the page's language writes it."""
    if isinstance(value, bool):
        return page.t(f"audit.word.{str(value).lower()}")
    if isinstance(value, list):
        if page.lang == "en":  # as the English joins it
            template = " ".join(words.WORDS[code])
            spec = next((s for _, n, s, _ in string.Formatter().parse(template) if n == name), "")
            return str(value) if spec == "py" else (spec or ", ").join(str(v) for v in value)
        if name in words.FREE:
            return "；".join(_free(page, code, name, str(v)) for v in value)
        return "、".join(str(v) for v in value)
    if name in words.FREE and isinstance(value, str):
        return _free(page, code, name, value)
    if name in words.TIMES and isinstance(value, int):
        return page.when(value)
    if name in words.AMOUNTS:
        return fmt.money(value)
    if name == "kind" and f"audit.kind.{value}" in MESSAGES:
        return page.t(f"audit.kind.{value}")
    key = f"{_WORDED[name]}.{value}" if name in _WORDED else ""
    return page.t(key) if key in MESSAGES else str(value)


def worded(page: Page, check: CheckRow) -> tuple[str, str]:
    """A check's name and message in the page's language: from its code and arguments when the
    portal knows the code and they say exactly the check's English, else the report's English."""
    code = check.code
    name_key, message_key = f"audit.name.{code}", f"audit.message.{code}"
    if code is None or name_key not in MESSAGES or message_key not in MESSAGES or \
            not words.bound(code, check.args, check.name, check.message):
        return check.name, check.message
    try:
        values = {k: _arg(page, code, k, v) for k, v in check.args.items()}
        return page.t(name_key, **values), page.t(message_key, **values)
    except (KeyError, IndexError, ValueError, TypeError, OverflowError, OSError):
        return check.name, check.message


def said_as(page: Page, text: str, among: Mapping[str, str], prefix: str) -> str:
    """A fixed English sentence of the audit's (`among`: code → template, `ledger.audit.words`) in
    the page's language, by `<prefix>.<code>` with the arguments read back from it; on an English
    page, or when no code says exactly it, as it is."""
    found = words.recognised(text, among) if page.lang != "en" else None
    if found is None or f"{prefix}.{found[0]}" not in MESSAGES:
        return text
    try:
        return page.t(f"{prefix}.{found[0]}", **found[1])
    except (KeyError, IndexError, ValueError):
        return text


def view(report: ReportDoc, page: Page) -> dict[str, Any]:
    """What the page shows: the picture of the checks and the findings first, the checks by tender
    with a picture of its timeline, the transactions they cite."""
    def noted(c: CheckRow) -> list[EvidenceRow]:
        return [e.model_copy(update={"note": said_as(page, e.note, words.NOTES, "audit.note")}) if e.note else e
                for e in c.evidence]

    report = report.model_copy(update={
        "checks": [c.model_copy(update={**dict(zip(("name", "message"), worded(page, c), strict=True)),
                                        "evidence": noted(c)}) for c in report.checks],
        "not_checked": [said_as(page, n, words.NOT_CHECKED, "audit.unchecked") for n in report.not_checked]})
    by_tender: dict[str, list[CheckRow]] = {}
    chain_wide = []
    for c in report.checks:
        if c.tender:
            by_tender.setdefault(c.tender.lower(), []).append(c)
        else:
            chain_wide.append(c)
    tenders: list[dict[str, Any]] = []
    for tid in sorted({*report.tenders.keys(), *by_tender.keys()}, key=str.lower):
        summary = report.tenders.get(tid) or next((v for k, v in report.tenders.items() if k.lower() == tid.lower()),
                                                  None)
        checks = by_tender.get(tid.lower(), [])
        steps = _timeline(tid, summary)
        title = summary.title if summary is not None and summary.title else tid
        timeline = pictures.tender_timeline_svg(steps, now=report.head_time, zone=page.zone, lang=page.lang,
                                                ident=f"timeline-{len(tenders)}", title=title) if steps else None
        tenders.append({"id": tid, "summary": summary, "checks": checks, "timeline": timeline,
                        "failed": sum(c.status == "fail" for c in checks)})
    txs: dict[str, dict[str, Any]] = {}
    for c in report.checks:
        for e in c.evidence:
            if e.tx:
                cited = txs.setdefault(e.tx, {"tx": e.tx, "block": e.block, "time": e.time, "checks": []})["checks"]
                if (c.name, c.tender) not in cited:
                    cited.append((c.name, c.tender))
    counts = {k: report.counts.get(k, 0) for k in ("pass", "fail", "info")}
    families = [replace(f, label=family_name(page, f.family)) for f in pictures.family_counts(
        ((c.family, c.status) for c in report.checks), report.families)]
    picture = pictures.audit_summary_svg(families, len(report.flags), lang=page.lang, ident="summary-picture")
    firms, anywhere = _firms(report)

    people = {a.lower(): n for a, n in report.people.items()}

    def said(words: Any, tender: str | None = None) -> list[tuple[str, str | None]]:
        """A check's or a flag's words, the firm beside each bid key the report names one for, the
        name beside each expert's or member's address its pool card gives."""
        known = firms.get(tender.lower(), {}) if isinstance(tender, str) else anywhere
        return marked(str(words), {**people, **known})

    def flag_bidders(flag: Mapping[str, Any]) -> list[tuple[str, str | None]]:
        tender = flag.get("tender")
        known = firms.get(tender.lower(), {}) if isinstance(tender, str) else anywhere
        bidders = flag.get("bidders")
        return [(str(b), known.get(str(b).lower())) for b in bidders] if isinstance(bidders, list) else []

    def family(name: str) -> str:
        return family_name(page, name)

    return {"report": report, "counts": counts, "picture": picture, "said": said, "family": family,
            "flag_bidders": flag_bidders,
            "findings": [c for c in report.checks if c.status == "fail"],
            "tenders": tenders, "chain_wide": chain_wide,
            "txs": sorted(txs.values(), key=lambda t: (t["block"] is None, t["block"] or 0, t["tx"]))}


@router.get("/portal/audit")
def audit_form(request: Request) -> Response:
    return guarded(request, lambda page: page.render("audit.html", shown=None))


@router.post("/portal/audit")
async def audit(request: Request) -> Response:
    body = await request.body()
    content_type = request.headers.get("content-type", "")

    def build(page: Page) -> Response:
        form = _form(content_type, body)
        raw = (form.get("file") or "").strip() or (form.get("report") or "").strip()
        return page.render("audit.html", shown=view(read_report(raw), page))

    return await run_in_threadpool(guarded, request, build)
