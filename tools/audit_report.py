"""The audit report as JSON (one object) and as a self-contained HTML page (inline CSS, no script).

The page: a summary first (a picture of the checks by family, passed / failed / cannot be proven,
and the collusion flags; the chain, contracts, every finding), then one section per tender (a picture
of its timeline, its sections with amounts in 元, the firms behind the bids by the
names their identity documents give, and every check about it), then the chain-wide checks, then
the transactions the checks cite, each anchored so that a finding links to its transaction and
block. Times are shown in the local time zone, with its offset.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from api.portal import pictures
from ledger.audit.model import AuditReport, Evidence, Result, Status

CSS = """
body{font:14px/1.45 system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:1100px;color:#1d2330}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #dde2ea;padding-bottom:.2em}
h3{margin-top:1.4em}table{border-collapse:collapse;width:100%;margin:.6em 0}
th,td{border:1px solid #dde2ea;padding:.3em .5em;vertical-align:top;text-align:left}th{background:#f3f5f9}
.pass{color:#17693a}.fail{color:#b3261e;font-weight:600}.info{color:#6b5d00}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;font-weight:600}
.ok{background:#dff3e6;color:#17693a}.bad{background:#fbe3e1;color:#b3261e}
code{font:12px ui-monospace,monospace;word-break:break-all}.muted{color:#667085}
li{margin:.2em 0}
svg.picture{display:block;width:100%;height:auto;max-width:1000px;margin:.6em 0}
@media print{svg.picture{break-inside:avoid;print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""


def local_time(ts: int | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


def yuan(value: str | None) -> str:
    try:
        return f"{Decimal(str(value)):,.2f} 元"
    except (InvalidOperation, ValueError):
        return str(value)


def as_json(report: AuditReport, store: dict[str, Any] | None = None) -> dict[str, Any]:
    out = report.as_json()
    if store is not None:
        out["store"] = store
    return out


def _e(text: Any) -> str:
    return html.escape(str(text))


def _evidence(e: Evidence) -> str:
    parts = []
    if e.tx:
        parts.append(f'<a href="#tx-{_e(e.tx)}">tx <code>{_e(e.tx[:18])}…</code></a>')
    if e.block is not None:
        parts.append(f'<a href="#block-{e.block}">block {e.block}</a>')
    if e.time is not None:
        parts.append(_e(local_time(e.time)))
    if e.document:
        parts.append(f"document <code>{_e(e.document)}</code>")
    if e.note:
        parts.append(_e(e.note))
    return " · ".join(parts)


def _rows(results: Iterable[Result]) -> str:
    rows = []
    for r in results:
        ev = "<br>".join(_evidence(e) for e in r.evidence)
        rows.append(f'<tr><td class="{r.status.value}">{r.status.value.upper()}</td><td>{_e(r.family)}</td>'
                    f"<td>{_e(r.name)}{'' if r.section is None else f' <span class=muted>(section {r.section})</span>'}"
                    f"</td><td>{_e(r.message)}</td><td>{ev}</td></tr>")
    if not rows:
        return "<p class=muted>no checks</p>"
    return ("<table><tr><th>status</th><th>family</th><th>check</th><th>what was found</th><th>evidence</th></tr>"
            + "".join(rows) + "</table>")


def _flag_rows(flags: list[dict[str, Any]]) -> str:
    if not flags:
        return "<p class=pass>none</p>"
    rows = []
    for f in flags:
        evidence = "; ".join(f"{k}: {v}" for k, v in f.get("evidence", {}).items())
        tender = f.get("tender")
        where = f'<a href="#tender-{_e(tender)}">{_e(tender[:10])}…</a> §{f.get("section")}' if tender else ""
        rows.append(f"<tr><td>{where}</td><td>{_e(f['sign'])}<br><span class=muted>{_e(f['description'])}</span>"
                    f"</td><td>{_e(f['message'])}</td><td><code>{_e(evidence)}</code></td></tr>")
    return ("<table><tr><th>section</th><th>sign</th><th>what</th><th>evidence</th></tr>" + "".join(rows)
            + "</table>")


def as_html(report: AuditReport, store: dict[str, Any] | None = None, store_results: list[Result] | None = None,
            *, lang: str = "en", zone: tzinfo | None = None) -> str:
    """The page; the pictures' labels in `lang` and their times in `zone` (the local time zone by default,
    as every time of the page)."""
    zone = zone or datetime.now().astimezone().tzinfo or UTC
    results = list(report.results) + list(store_results or [])
    failures = [r for r in results if r.status is Status.FAIL]
    counts = {s: sum(1 for r in results if r.status is s) for s in Status}
    verdict = ('<span class="badge ok">every check passed</span>' if not failures else
               f'<span class="badge bad">{len(failures)} finding(s)</span>')
    out = [f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>审计报告 audit report</title>"
           f"<style>{CSS}</style><body><h1>Audit report — 审计报告</h1>",
           f"<p>{verdict} &nbsp; {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
           f"{counts[Status.INFO]} for information, over {report.events:,} events replayed from genesis to block "
           f"{report.head_block} ({_e(local_time(report.head_time))}) and {report.documents:,} bundle documents.</p>",
           str(pictures.audit_summary_svg(pictures.family_counts(((r.family, r.status.value) for r in results),
                                                                  report.families),
                                          len(report.flags), lang=lang, ident="summary-picture")),
           "<h2>Summary</h2><table>",
           f"<tr><th>chain</th><td>id {report.chain_id}, genesis <code>{_e(report.genesis)}</code></td></tr>",
           *(f"<tr><th>{_e(n)}</th><td><code>{_e(a)}</code></td></tr>" for n, a in sorted(report.addresses.items())),
           f"<tr><th>check families</th><td>{_e(', '.join(report.families))}</td></tr></table>"]
    out.append("<h3>Findings</h3>" + (_rows(failures) if failures else "<p class=pass>none</p>"))
    out.append("<h3>Collusion flags (围标串标), for review</h3><p class=muted>Signs for a person to weigh "
               "(domain §6), not findings: none fails the audit.</p>" + _flag_rows(report.flags))
    out.append("<h3>Not checked by this version</h3><ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.not_checked)
               + "</ul>")
    if report.people:
        out.append("<h3>Experts and committee members, by their pool cards</h3><p class=muted>Each name is on a "
                   "card whose hash is the salt of the executed proposal that registered the address.</p><ul>"
                   + "".join(f"<li><code>{_e(a)}</code> — {_e(n)}</li>" for a, n in sorted(report.people.items()))
                   + "</ul>")
    for n, (tid, t) in enumerate(report.tenders.items()):
        title = f"{t.title} ({t.project_code})" if t.title else "parameters not in the bundle"
        out.append(f'<h2 id="tender-{_e(tid)}">Tender {_e(title)}</h2>'
                   f"<p><code>{_e(tid)}</code> · centre <code>{_e(t.centre)}</code> · published "
                   f"{_e(local_time(t.issued_at))} · deadline {_e(local_time(t.deadline))}</p>")
        out.append(str(pictures.tender_timeline_svg(t.timeline, now=report.head_time, zone=zone, lang=lang,
                                                    ident=f"timeline-{n}", title=t.title or tid)))
        if t.sections:
            out.append("<table><tr><th>section</th><th>code</th><th>estimated price</th><th>bid guarantee</th></tr>"
                       + "".join(f"<tr><td>{i} {_e(s['name'])}</td><td>{_e(s['code'])}</td>"
                                 f"<td>{_e(yuan(s['estimated_price']))}</td><td>{_e(yuan(s['bid_guarantee']))}</td></tr>"
                                 for i, s in enumerate(t.sections)) + "</table>")
        if t.firms:
            out.append("<p>Bidders, by the firms their keys are bound to at the deadline:</p><ul>"
                       + "".join(f"<li><code>{_e(k)}</code> — {_e(v)}</li>" for k, v in sorted(t.firms.items()))
                       + "</ul>")
        out.append(_rows(r for r in results if r.tender == tid))
        mine = [f for f in report.flags if f.get("tender") == tid]
        if mine:
            out.append("<h3>Collusion flags</h3>" + _flag_rows(mine))
    out.append("<h2>Chain-wide checks</h2>" + _rows(r for r in results if r.tender is None
                                                    and r.family not in ("store", "checkpoints")))
    if store is not None:
        out.append("<h2>Store vs chain</h2><table><tr><th>table</th><th>rows in the store</th>"
                   "<th>rows the chain rebuilds</th></tr>"
                   + "".join(f"<tr><td>{_e(n)}</td><td>{c['store']}</td><td>{c['rebuild']}</td></tr>"
                             for n, c in sorted(store.get("tables", {}).items())) + "</table>")
        out.append(_rows(r for r in results if r.family == "store"))
        log = store.get("log") or {}
        out.append("<h2>The store's log and its checkpoints</h2>" + (
            f"<p>{log.get('size', 0):,} records in the log, {log.get('checkpoints', 0)} checkpoint(s) on chain"
            + (f"; the first rewritten record is at position {log['first_rewritten']}"
               if log.get("first_rewritten") is not None else "") + ".</p>" if log.get("checked") else "")
            + _rows(r for r in results if r.family == "checkpoints"))
    cited: dict[str, Evidence] = {}
    for r in results:
        for e in r.evidence:
            if e.tx:
                cited.setdefault(e.tx, e)
    blocks = sorted({e.block for e in cited.values() if e.block is not None})
    out.append("<h2>Transactions cited</h2><p class=muted>Each can be read from any node, e.g. "
               "<code>cast tx HASH --rpc-url URL</code>.</p><table><tr><th>block</th><th>time</th><th>transaction</th></tr>")
    for e in sorted(cited.values(), key=lambda x: (x.block or 0, x.tx or "")):
        anchor = f' id="block-{e.block}"' if e.block in blocks else ""
        blocks = [b for b in blocks if b != e.block]
        out.append(f'<tr{anchor}><td>{e.block}</td><td>{_e(local_time(e.time))}</td>'
                   f'<td id="tx-{_e(e.tx)}"><code>{_e(e.tx)}</code></td></tr>')
    out.append("</table></body></html>")
    return "\n".join(out)


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
