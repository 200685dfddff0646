"""Pictures for what people would rather look at than read, drawn on the server as inline SVG (no
script, no download): a tender's timeline, a firm's credentials' status histories, an audit's summary.

Each picture is one `<svg role="img">` with a `<title>` and a `<desc>` that says in words everything
it shows (what a screen reader reads), an `aria-label`, every mark labelled in text beside it (colour
is never the only sign: shapes and patterns differ too), dark ink on white that prints as it shows.
Times are written in the given time zone, which the picture names once. Every text is escaped.
The labels are the portal's (`api.portal.messages`), in Chinese or English; the audit report
(`tools.audit_report`) draws with the same functions.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from markupsafe import Markup

from api.portal import format as fmt
from api.portal.messages import text
from ledger.model.timeline import (
    CredentialMark,
    CredentialStep,
    CredentialTrack,
    Milestone,
    Phase,
    Step,
)

INK = "#1d2330"
MUTED = "#4b5563"
GRID = "#c9d0da"
STRIPE = "#f3f5f8"
FONT = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
PHASE_COLOUR = {Phase.TENDERING: "#1f4e9c", Phase.OPENING: "#6b3fa0", Phase.SELECTION: "#0b6e4f",
                Phase.PERFORMANCE: "#374151"}
FAILED = "#b3261e"
WIDTH = 1000


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _width(value: str, size: float) -> float:
    """About how wide `value` is set at `size` px: wide (CJK) characters 1 em, others about 0.56 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.56 for c in value)


def _fit(value: str, room: float, size: float) -> str:
    """`value`, cut with an ellipsis to fit `room` px at `size` px."""
    if _width(value, size) <= room:
        return value
    while value and _width(value + "…", size) > room:
        value = value[:-1]
    return value + "…"


def _offset(zone: tzinfo, at: int) -> str:
    return fmt.offset_of(datetime.fromtimestamp(at, zone))


def _zone_name(zone: tzinfo, at: int) -> str:
    return str(getattr(zone, "key", None) or datetime.fromtimestamp(at, zone).tzname() or "")


class _Scale:
    """Block time → x, over [start, end] padded a little so no mark sits on an edge."""

    def __init__(self, times: Iterable[int], left: float, right: float) -> None:
        found = list(times)
        lo, hi = min(found), max(found)
        if hi - lo < 86_400:
            lo, hi = lo - 43_200, hi + 43_200
        pad = (hi - lo) * 0.03
        self.start, self.end, self.left, self.right = lo - pad, hi + pad, left, right

    def x(self, at: float) -> float:
        at = min(max(at, self.start), self.end)
        return self.left + (at - self.start) / (self.end - self.start) * (self.right - self.left)

    def ticks(self, n: int) -> list[int]:
        step = (self.end - self.start) / (n + 1)
        return [int(self.start + step * (i + 1)) for i in range(n)]


def _svg(ident: str, height: float, title: str, desc: str, body: Sequence[str], css_class: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="picture {css_class}" id="{_e(ident)}" role="img" '
        f'aria-label="{_e(title)}" aria-labelledby="{_e(ident)}-title {_e(ident)}-desc" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{_e(FONT)}" font-size="13" fill="{INK}">'
        f'<title id="{_e(ident)}-title">{_e(title)}</title><desc id="{_e(ident)}-desc">{_e(desc)}</desc>'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, value: str, *, size: float = 13, anchor: str = "start", weight: str | None = None,
          fill: str = INK) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{bold}>'
            f"{_e(value)}</text>")


def _axis(scale: _Scale, top: float, bottom: float, zone: tzinfo, lang: str) -> list[str]:
    """Dotted lines at a few dates, as many as their labels have room for (about 110 px each)."""
    ticks = max(2, int((scale.right - scale.left) // 110))
    out = []
    year = None
    for t in scale.ticks(ticks):
        x = scale.x(t)
        local = datetime.fromtimestamp(t, zone)
        words = (f"{local.month}月{local.day}日" if lang == "zh" else f"{local.day} {local:%b}")
        if local.year != year:  # the year on the first tick and where it changes
            words = f"{local.year}年{words}" if lang == "zh" else f"{words} {local.year}"
            year = local.year
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{GRID}" '
                   'stroke-width="1" stroke-dasharray="2 3"/>')
        out.append(_text(x, top - 6, words, size=11, anchor="middle", fill=MUTED))
    return out


def _now(scale: _Scale, at: int, top: float, bottom: float, label: str, when: str) -> list[str]:
    x = scale.x(at)
    return [f'<g class="now"><title>{_e(label)} {_e(when)}</title>'
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{FAILED}" stroke-width="1.5" '
            'stroke-dasharray="5 3"/>'
            f'<rect x="{x - 22:.1f}" y="{bottom + 2:.1f}" width="44" height="17" rx="3" fill="#ffffff" '
            f'stroke="{FAILED}"/>' + _text(x, bottom + 15, label, size=11.5, anchor="middle", weight="600",
                                           fill=FAILED) + "</g>"]


# ---------------------------------------------------------------------- a tender's timeline


def milestone_label(m: Milestone, lang: str) -> str:
    """A step in words: what, which section, its number and its flag (`修改（第 2 版） · 已顺延`)."""
    key = f"pic.step.{m.step.value}"
    if m.step is Step.SELECTION and m.number is not None:
        key = "pic.step.vote"
    parts = [text(lang, key, n=m.number if m.number is not None else "")]
    if m.step in (Step.REPORT, Step.SHORTLIST) and m.number is not None and m.number > 1:
        parts.append(text(lang, "pic.revision", n=m.number))
    if m.section is not None:
        parts.append(text(lang, "pic.section", n=m.section + 1))
    if m.flag:
        parts.append(text(lang, f"pic.flag.{m.flag}"))
    return " · ".join(parts)


def _span(start: int, end: int, zone: tzinfo, lang: str) -> str:
    return text(lang, "pic.span", start=fmt.when(start, zone, lang, offset=False),
                end=fmt.when(end, zone, lang, offset=False))


def tender_timeline_svg(milestones: Sequence[Milestone], *, now: int, zone: tzinfo, lang: str, ident: str,
                        title: str) -> Markup:
    """A tender's timeline: one row per step in time order (its label on the left, a diamond at its
    time or a bar over its span in the middle, its date on the right), a dashed line at `now`."""
    label_w, left, right, date_x = 330.0, 342.0, 690.0, 706.0
    top, row = 34.0, 24.0
    rows = list(milestones)
    zone_text = text(lang, "pic.zone", zone=_zone_name(zone, now), offset=_offset(zone, now))
    name = text(lang, "pic.timeline", title=title)
    if not rows:
        desc = text(lang, "pic.timeline.none")
        return _svg(ident, 40, name, desc, [_text(0, 24, desc, fill=MUTED)], "timeline")
    scale = _Scale([now, *(m.at for m in rows), *(m.until for m in rows if m.until)], left, right)
    bottom = top + row * len(rows)
    body = [f'<rect x="0" y="0" width="{WIDTH}" height="{bottom + 48:.0f}" fill="#ffffff"/>']
    body += _axis(scale, top, bottom, zone, lang)
    lines = []
    for i, m in enumerate(rows):
        y = top + row * i
        mid = y + row / 2
        colour = FAILED if m.flag == "failed" else PHASE_COLOUR[m.phase]
        label = milestone_label(m, lang)
        when = fmt.when(m.at, zone, lang, offset=False) if m.until is None else _span(m.at, m.until, zone, lang)
        lines.append(f"{label}{'：' if lang == 'zh' else ': '}{when}")
        parts = [f'<g class="step step-{m.step.value}" data-phase="{m.phase.value}">',
                 f'<title>{_e(label)} — {_e(when)}</title>']
        if i % 2 == 0:
            parts.append(f'<rect x="0" y="{y:.1f}" width="{WIDTH}" height="{row}" fill="{STRIPE}"/>')
        parts.append(_text(6, mid + 4.5, _fit(label, label_w - 10, 13)))
        x = scale.x(m.at)
        if m.until is not None:
            end = scale.x(m.until)
            dash = ' stroke-dasharray="4 2"' if m.flag == "open" else ""
            parts.append(f'<rect class="span" x="{x:.1f}" y="{mid - 5:.1f}" width="{max(end - x, 3):.1f}" height="10" '
                         f'rx="2" fill="{colour}" fill-opacity="0.85" stroke="{INK}" stroke-width="0.8"{dash}/>')
        else:
            parts.append(f'<path class="point" d="M{x:.1f} {mid - 7:.1f} l7 7 l-7 7 l-7 -7 z" fill="{colour}" '
                         f'stroke="{INK}" stroke-width="0.8"/>')
        if m.flag == "failed":
            parts.append(f'<path d="M{x - 4:.1f} {mid - 4:.1f} l8 8 m0 -8 l-8 8" stroke="#ffffff" stroke-width="1.6"/>')
        parts.append(_text(date_x, mid + 4.5, _fit(when, WIDTH - date_x - 4, 12), size=12))
        parts.append("</g>")
        body.append("".join(parts))
    body.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
    now_label = text(lang, "pic.now")
    now_when = fmt.when(now, zone, lang, offset=False)
    body += _now(scale, now, top - 2, bottom, now_label, now_when)
    legend_y = bottom + 40
    x = 6.0
    for phase in Phase:
        body.append(f'<rect x="{x:.1f}" y="{legend_y - 10:.1f}" width="12" height="12" fill="{PHASE_COLOUR[phase]}" '
                    f'stroke="{INK}" stroke-width="0.6"/>')
        words = text(lang, f"pic.phase.{phase.value}")
        body.append(_text(x + 17, legend_y, words, size=12))
        x += 17 + _width(words, 12) + 18
    body.append(_text(WIDTH - 4, legend_y, zone_text, size=12, anchor="end", fill=MUTED))
    desc = "; ".join([zone_text, *lines, f"{now_label}{'：' if lang == 'zh' else ': '}{now_when}"])
    return _svg(ident, legend_y + 8, name, desc, body, "timeline")


# ---------------------------------------------------------------------- credentials' status histories


@dataclass(frozen=True)
class _Segment:
    state: str  # VALID, SUSPENDED, REVOKED, SUPERSEDED, EXPIRED, NOT_YET_VALID (the credstatus.* labels)
    start: int
    end: int


SEGMENT_STYLE = {  # fill, stroke, ink
    "VALID": ("#1e7b3c", "#14532d", "#ffffff"),
    "SUSPENDED": ("url(#{p}-hatch)", "#8a5a00", "#4a3000"),
    "REVOKED": ("url(#{p}-cross)", "#b3261e", "#6d1510"),
    "SUPERSEDED": ("url(#{p}-dots)", "#4b5563", "#1f2933"),
    "EXPIRED": ("#ffffff", "#4b5563", "#1f2933"),
    "NOT_YET_VALID": ("#ffffff", "#1f4e9c", "#1f2933"),
}


def segments(track: CredentialTrack, now: int) -> list[_Segment]:
    """The states a credential went through from its anchoring to `now`, as the marks and its document's
    validity give them: suspended until reinstated, revoked or superseded for good, expired after
    its document's end of validity."""
    changes: list[tuple[int, str]] = []
    state = "VALID"
    for m in track.marks:
        if state in ("REVOKED", "SUPERSEDED"):
            break
        new = {CredentialStep.SUSPENDED: "SUSPENDED", CredentialStep.REINSTATED: "VALID",
               CredentialStep.REVOKED: "REVOKED", CredentialStep.SUPERSEDED: "SUPERSEDED"}.get(m.step)
        if new is not None and new != state and m.at >= track.anchored_at:
            changes.append((m.at, new))
            state = new
    end = max(now, track.anchored_at)
    cuts = sorted({track.anchored_at, end, *(t for t, _ in changes),
                   *(t for t in (track.valid_from, track.valid_until) if t is not None
                     and track.anchored_at < t < end)})
    out: list[_Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        held = "VALID"
        for t, s in changes:
            if t <= a:
                held = s
        if held == "VALID" and a < track.valid_from:
            held = "NOT_YET_VALID"
        elif held in ("VALID", "SUSPENDED") and track.valid_until is not None and a >= track.valid_until:
            held = "EXPIRED"
        if out and out[-1].state == held:
            out[-1] = _Segment(held, out[-1].start, b)
        else:
            out.append(_Segment(held, a, b))
    return out


def _patterns(p: str) -> str:
    return ("<defs>"
            f'<pattern id="{_e(p)}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="#fde7b0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a5a00" '
            'stroke-width="2"/></pattern>'
            f'<pattern id="{_e(p)}-cross" width="7" height="7" patternUnits="userSpaceOnUse">'
            '<rect width="7" height="7" fill="#f9d9d6"/><path d="M0 0 L7 7 M7 0 L0 7" stroke="#b3261e" '
            'stroke-width="1.2"/></pattern>'
            f'<pattern id="{_e(p)}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
            '<rect width="5" height="5" fill="#e5e7eb"/><circle cx="2.5" cy="2.5" r="1" fill="#374151"/></pattern>'
            "</defs>")


def _use_label(m: CredentialMark, lang: str) -> str:
    tender = fmt.short(m.tender or "")
    if m.section is None:
        return text(lang, "pic.cred.used", tender=tender).strip()
    return text(lang, "pic.cred.used_in", tender=tender, n=m.section + 1)


def credential_history_svg(tracks: Sequence[CredentialTrack], *, now: int, zone: tzinfo, lang: str, ident: str,
                           title: str, at: int | None = None) -> Markup:
    """One lane per credential on a shared time axis: a bar from its anchoring to `now` cut into the
    states it was in (valid solid, suspended hatched, revoked crossed, superseded dotted, expired
    or not yet valid outlined — each named inside the bar where it fits, and in the legend), a
    triangle under the bar for each use in a tender, the status at the end of the lane in words;
    a dashed line at `now` and, when given, a second one at `at` (a date asked about)."""
    label_w, left, right, end_x = 300.0, 312.0, 760.0, 774.0
    top, lane = 34.0, 34.0
    zone_text = text(lang, "pic.zone", zone=_zone_name(zone, now), offset=_offset(zone, now))
    if not tracks:
        desc = text(lang, "pic.cred.none")
        return _svg(ident, 40, title, desc, [_text(0, 24, desc, fill=MUTED)], "credentials")
    times = [now, *(t.anchored_at for t in tracks), *(m.at for t in tracks for m in t.marks)]
    if at is not None:
        times.append(at)
    scale = _Scale(times, left, right)
    bottom = top + lane * len(tracks)
    body = [_patterns(ident), f'<rect x="0" y="0" width="{WIDTH}" height="{bottom + 70:.0f}" fill="#ffffff"/>']
    body += _axis(scale, top, bottom, zone, lang)
    colon = "：" if lang == "zh" else ": "
    lines = [zone_text]
    for i, track in enumerate(tracks):
        y = top + lane * i
        mid = y + lane / 2 - 3
        parts = [f'<g class="lane" data-lane="{i}">']
        if i % 2 == 0:
            parts.append(f'<rect x="0" y="{y:.1f}" width="{WIDTH}" height="{lane}" fill="{STRIPE}"/>')
        parts.append(_text(6, mid + 4.5, _fit(track.label, label_w - 10, 13)))
        said = []
        segs = segments(track, now)
        for s in segs:
            x0, x1 = scale.x(s.start), scale.x(s.end)
            fill, stroke, ink = SEGMENT_STYLE[s.state]
            word = text(lang, f"credstatus.{s.state}")
            span = _span(s.start, s.end, zone, lang)
            dash = ' stroke-dasharray="3 2"' if s.state in ("EXPIRED", "NOT_YET_VALID") else ""
            parts.append(f'<g class="segment state-{s.state.lower()}"><title>{_e(word)} — {_e(span)}</title>'
                         f'<rect x="{x0:.1f}" y="{mid - 8:.1f}" width="{max(x1 - x0, 2):.1f}" height="16" '
                         f'fill="{fill.format(p=_e(ident))}" stroke="{stroke}" stroke-width="1"{dash}/>')
            if x1 - x0 >= _width(word, 11) + 10:
                if s.state in ("SUSPENDED", "REVOKED", "SUPERSEDED"):
                    w = _width(word, 11) + 6
                    parts.append(f'<rect x="{(x0 + x1) / 2 - w / 2:.1f}" y="{mid - 6.5:.1f}" width="{w:.1f}" '
                                 'height="13" rx="2" fill="#ffffff"/>')
                parts.append(_text((x0 + x1) / 2, mid + 4, word, size=11, anchor="middle", weight="600", fill=ink))
            parts.append("</g>")
            said.append(f"{word} {span}")
        if track.valid_until is not None and scale.start <= track.valid_until <= scale.end:
            x = scale.x(track.valid_until)
            until = text(lang, "pic.cred.valid_until", end=fmt.day(track.valid_until, zone, lang))
            parts.append(f'<g class="expiry"><title>{_e(until)}</title><line x1="{x:.1f}" y1="{mid - 12:.1f}" '
                         f'x2="{x:.1f}" y2="{mid + 12:.1f}" stroke="{INK}" stroke-width="2.5"/></g>')
        for m in track.marks:
            if m.step is not CredentialStep.USED:
                continue
            x = scale.x(m.at)
            words = f"{_use_label(m, lang)} {fmt.when(m.at, zone, lang, offset=False)}"
            parts.append(f'<g class="use"><title>{_e(words)}</title><path d="M{x:.1f} {mid + 9:.1f} l5 8 h-10 z" '
                         f'fill="{INK}"/></g>')
            said.append(words)
        last = segs[-1].state if segs else "VALID"
        state_now = text(lang, f"credstatus.{last}")
        until = (text(lang, "pic.cred.valid_until", end=fmt.day(track.valid_until, zone, lang))
                 if track.valid_until is not None else text(lang, "pic.cred.open_ended"))
        parts.append(_text(end_x, mid, state_now, size=12, weight="600"))
        parts.append(_text(end_x, mid + 13, _fit(until, WIDTH - end_x - 4, 11), size=11, fill=MUTED))
        parts.append("</g>")
        body.append("".join(parts))
        anchored = text(lang, "pic.cred.anchored", at=fmt.when(track.anchored_at, zone, lang, offset=False))
        lines.append(f"{track.label}{colon}{anchored}; " + "; ".join(said) + f"; {until}")
    body.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
    if at is not None:
        x = scale.x(at)
        asked = text(lang, "pic.cred.asked", at=fmt.day(at, zone, lang))
        body.append(f'<g class="asked"><title>{_e(asked)}</title><line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" '
                    f'y2="{bottom:.1f}" stroke="#1f4e9c" stroke-width="1.5" stroke-dasharray="1 3"/>'
                    + _text(x, bottom + 32, asked, size=11, anchor="middle", fill="#1f4e9c") + "</g>")
        lines.append(asked)
    body += _now(scale, now, top - 2, bottom, text(lang, "pic.now"), fmt.when(now, zone, lang, offset=False))
    legend_y = bottom + 56
    x = 6.0
    for state in ("VALID", "SUSPENDED", "REVOKED", "SUPERSEDED", "EXPIRED"):
        fill, stroke, _ = SEGMENT_STYLE[state]
        dash = ' stroke-dasharray="3 2"' if state == "EXPIRED" else ""
        body.append(f'<rect x="{x:.1f}" y="{legend_y - 11:.1f}" width="22" height="13" fill="{fill.format(p=_e(ident))}" '
                    f'stroke="{stroke}"{dash}/>')
        words = text(lang, f"credstatus.{state}")
        body.append(_text(x + 27, legend_y, words, size=12))
        x += 27 + _width(words, 12) + 16
    body.append(f'<path d="M{x + 5:.1f} {legend_y - 10:.1f} l5 8 h-10 z" fill="{INK}"/>')
    words = text(lang, "pic.cred.use_legend")
    body.append(_text(x + 15, legend_y, words, size=12))
    x += 15 + _width(words, 12) + 16
    body.append(f'<line x1="{x + 2:.1f}" y1="{legend_y - 12:.1f}" x2="{x + 2:.1f}" y2="{legend_y + 2:.1f}" '
                f'stroke="{INK}" stroke-width="2.5"/>')
    body.append(_text(x + 9, legend_y, text(lang, "pic.cred.expiry_legend"), size=12))
    body.append(_text(WIDTH - 4, legend_y + 18, zone_text, size=11, anchor="end", fill=MUTED))
    lines.append(f"{text(lang, 'pic.now')}{colon}{fmt.when(now, zone, lang, offset=False)}")
    return _svg(ident, legend_y + 26, title, "; ".join(lines), body, "credentials")


# ---------------------------------------------------------------------- an audit's summary


@dataclass(frozen=True)
class FamilyCount:
    family: str
    passed: int = 0
    failed: int = 0
    info: int = 0
    label: str | None = None  # the family's name in the page's language; `family` stays the key

    @property
    def shown(self) -> str:
        return self.label or self.family

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.info


def family_counts(checks: Iterable[tuple[str, str]], families: Sequence[str] = ()) -> list[FamilyCount]:
    """(family, status) of every check → the passed / failed / info count of each family: `families`
    first in their order (one that ran no check shows as none), then the others as they first appear."""
    counts: dict[str, list[int]] = {f: [0, 0, 0] for f in families}
    for family, status in checks:
        row = counts.setdefault(family, [0, 0, 0])
        row[{"pass": 0, "fail": 1, "info": 2}[status]] += 1
    return [FamilyCount(f, row[0], row[1], row[2]) for f, row in counts.items()]


def audit_summary_svg(families: Sequence[FamilyCount], flags: int, *, lang: str, ident: str) -> Markup:
    """One bar per check family on a common scale (passed solid, failed crossed, cannot-be-proven dotted),
    its counts in words beside it, then the total and the number of 围标串标 flags to review."""
    label_w, left, right, count_x = 200.0, 212.0, 640.0, 656.0
    top, row = 12.0, 24.0
    colon = "：" if lang == "zh" else ": "
    passed, failed, info = (text(lang, f"audit.status.{s}") for s in ("pass", "fail", "info"))
    total = FamilyCount(text(lang, "pic.audit.total"), sum(f.passed for f in families),
                        sum(f.failed for f in families), sum(f.info for f in families))
    rows = [*families, total]
    widest = max((f.total for f in families), default=0) or 1
    body = [_patterns(ident), f'<rect x="0" y="0" width="{WIDTH}" height="{top + row * (len(rows) + 3):.0f}" '
            'fill="#ffffff"/>']
    lines = []
    styles = ((passed, "#1e7b3c", "#14532d"), (failed, f"url(#{_e(ident)}-cross)", "#b3261e"),
              (info, f"url(#{_e(ident)}-hatch)", "#8a5a00"))
    for i, f in enumerate(rows):
        y = top + row * i + (8 if f is total else 0)
        mid = y + row / 2
        is_total = f is total
        words = f"{f.passed} {passed} · {f.failed} {failed} · {f.info} {info}"
        lines.append(f"{f.shown}{colon}{words}")
        parts = [f'<g class="family{" total" if is_total else ""}" data-family="{_e(f.family)}">'
                 f"<title>{_e(f.shown)}{_e(colon)}{_e(words)}</title>"]
        if is_total:
            parts.append(f'<line x1="0" y1="{y - 4:.1f}" x2="{WIDTH}" y2="{y - 4:.1f}" stroke="{INK}" stroke-width="1"/>')
        elif i % 2 == 0:
            parts.append(f'<rect x="0" y="{y:.1f}" width="{WIDTH}" height="{row}" fill="{STRIPE}"/>')
        parts.append(_text(6, mid + 4.5, _fit(f.shown, label_w - 10, 13), weight="600" if is_total else None))
        x = left
        scale = (right - left) / (total.total or 1) if is_total else (right - left) / widest
        for n, (_, fill, stroke) in zip((f.passed, f.failed, f.info), styles, strict=True):
            if n:
                w = max(n * scale, 3)
                parts.append(f'<rect x="{x:.1f}" y="{mid - 7:.1f}" width="{w:.1f}" height="14" fill="{fill}" '
                             f'stroke="{stroke}" stroke-width="1"/>')
                x += w
        parts.append(_text(count_x, mid + 4.5, words, size=12, weight="600" if f.failed else None,
                           fill="#b3261e" if f.failed else INK))
        parts.append("</g>")
        body.append("".join(parts))
    y = top + row * len(rows) + 8
    flag_words = text(lang, "pic.audit.flags", n=flags)
    lines.append(flag_words)
    body.append(f'<g class="flags"><title>{_e(flag_words)}</title>'
                + _text(6, y + row / 2 + 4.5, flag_words, weight="600" if flags else None)
                + "</g>")
    legend_y = y + row + 14
    x = 6.0
    for words, fill, stroke in styles:
        body.append(f'<rect x="{x:.1f}" y="{legend_y - 11:.1f}" width="22" height="13" fill="{fill}" stroke="{stroke}"/>')
        body.append(_text(x + 27, legend_y, words, size=12))
        x += 27 + _width(words, 12) + 18
    title = text(lang, "pic.audit.title")
    return _svg(ident, legend_y + 8, title, "; ".join(lines), body, "audit-summary")
