"""The pictures (api/portal/pictures.py) as documents: each parses as XML, is one accessible image
(role, aria-label, a title and a desc that says in words what it shows), labels every mark in text
in both languages with times in the given zone, escapes what it is given (names with < & > and
quotes), and the rules it draws by: a credential's states over time, the counts by check family."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from api.portal.pictures import (
    FamilyCount,
    audit_summary_svg,
    credential_history_svg,
    family_counts,
    milestone_label,
    segments,
    tender_timeline_svg,
)
from ledger.model.timeline import CredentialMark, CredentialStep, CredentialTrack, Milestone, Step

SVG = "{http://www.w3.org/2000/svg}"
DAY = 86_400
T0 = 1_790_000_000  # 2026-09-21 14:13 UTC, 22:13 in Shanghai
ZONE = ZoneInfo("Asia/Shanghai")
HOSTILE = '<script>alert("x")</script> & 工程 \'q\''

STEPS = (
    Milestone(Step.PUBLISHED, T0, number=1),
    Milestone(Step.AMENDED, T0 + 8 * DAY, number=2, flag="postponed"),
    Milestone(Step.DEADLINE, T0 + 23 * DAY, flag="postponed"),
    Milestone(Step.OPENED, T0 + 23 * DAY + 60, 0),
    Milestone(Step.OPENED, T0 + 23 * DAY + 90, 1, flag="failed"),
    Milestone(Step.SELECTION, T0 + 26 * DAY, 0, until=T0 + 26 * DAY + 7200, number=1),
    Milestone(Step.PUBLICITY, T0 + 27 * DAY, 0, until=T0 + 30 * DAY),
    Milestone(Step.OBJECTION, T0 + 28 * DAY, 0, number=2, flag="open"),
    Milestone(Step.AWARD, T0 + 30 * DAY + 1, 0),
    Milestone(Step.COMPLETED, T0 + 200 * DAY, 0, number=3),
)


def parse(svg: object) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("aria-label")
    ident = root.get("id")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None and title.text and desc.text
    assert root.get("aria-labelledby") == f"{ident}-title {ident}-desc"
    assert title.get("id") == f"{ident}-title" and desc.get("id") == f"{ident}-desc"
    assert root.get("aria-label") == title.text
    assert not list(root.iter(f"{SVG}script"))
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_a_tender_timeline_names_every_step_with_its_local_time_in_chinese() -> None:
    root = parse(tender_timeline_svg(STEPS, now=T0 + 210 * DAY, zone=ZONE, lang="zh", ident="t", title="道路工程"))
    shown = texts(root)
    for words in ("发布招标公告", "澄清修改（第 2 版） · 已顺延", "投标截止 · 已顺延", "开标 · 第 1 标段",
                  "开标 · 第 2 标段 · 流标", "定标投票第 1 轮 · 第 1 标段", "中标候选人公示期 · 第 1 标段",
                  "异议 2 · 第 1 标段 · 待处理", "确定中标人 · 第 1 标段", "履约评价 · 第 1 标段", "现在"):
        assert words in shown, words
    assert "2026年9月21日 22:13" in shown  # T0 in Shanghai, without the offset on every row…
    assert "时区：Asia/Shanghai（UTC+08:00）" in shown  # …which the picture names once
    assert "2026年10月18日 22:13 至 2026年10月21日 22:13" in shown  # the 公示 window as a span
    assert len(list(root.iter(f"{SVG}g"))) >= len(STEPS)
    assert len([g for g in root.iter(f"{SVG}g") if "step" in (g.get("class") or "").split()]) == len(STEPS)
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "道路工程" in (root.find(f"{SVG}title").text or "")  # type: ignore[union-attr]
    assert all(milestone_label(m, "zh") in desc for m in STEPS) and "现在：" in desc


def test_a_tender_timeline_in_english() -> None:
    root = parse(tender_timeline_svg(STEPS, now=T0, zone=ZONE, lang="en", ident="t", title="Road"))
    shown = texts(root)
    for words in ("Notice published", "Amended (version 2) · postponed", "Opening · section 2 · failed (流标)",
                  "Selection vote, round 1 · section 1", "Objection 2 · section 1 · pending", "Now",
                  "21 Sep 2026, 22:13", "Time zone: Asia/Shanghai (UTC+08:00)"):
        assert words in shown, words


def test_the_now_marker_sits_where_now_is() -> None:
    early = parse(tender_timeline_svg(STEPS, now=T0 + 10 * DAY, zone=ZONE, lang="en", ident="a", title="x"))
    late = parse(tender_timeline_svg(STEPS, now=T0 + 400 * DAY, zone=ZONE, lang="en", ident="b", title="x"))

    def now_x(root: ET.Element) -> float:
        g = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "now")
        return float(g.find(f"{SVG}line").get("x1"))  # type: ignore[union-attr, arg-type]

    assert now_x(early) < now_x(late)


def test_a_tender_with_no_steps_says_so() -> None:
    root = parse(tender_timeline_svg((), now=T0, zone=ZONE, lang="zh", ident="t", title="x"))
    assert texts(root) == ["链上尚无该项目的记录。"]


def test_names_and_titles_are_escaped_in_every_picture() -> None:
    svgs = [
        tender_timeline_svg(STEPS, now=T0, zone=ZONE, lang="zh", ident="t", title=HOSTILE),
        credential_history_svg([CredentialTrack(HOSTILE, T0, T0, None, ())], now=T0 + DAY, zone=ZONE, lang="zh",
                               ident="c", title=HOSTILE),
        audit_summary_svg([FamilyCount(HOSTILE, 1, 1, 1)], 0, lang="en", ident="a"),
    ]
    for svg in svgs:
        root = parse(svg)  # parses: nothing broke out of its text or attribute
        assert "<script" not in str(svg) and not list(root.iter(f"{SVG}script"))
        everything = "".join(root.itertext()) + " ".join(v for e in root.iter() for v in e.attrib.values())
        assert '<script>alert("x")</script>' in everything or "<script>alert" in everything


def test_a_hostile_ident_cannot_break_out_of_its_attribute() -> None:
    root = parse(tender_timeline_svg(STEPS, now=T0, zone=ZONE, lang="zh", ident='x" onload="alert(1)', title="t"))
    assert root.get("onload") is None and root.get("id") == 'x" onload="alert(1)'


# ---------------------------------------------------------------------- credentials


def mark(step: CredentialStep, day: int, **kw: object) -> CredentialMark:
    return CredentialMark(step, T0 + day * DAY, **kw)  # type: ignore[arg-type]


def test_a_credentials_states_over_time() -> None:
    track = CredentialTrack("x", T0, T0 - 10 * DAY, T0 + 100 * DAY, (
        mark(CredentialStep.ANCHORED, 0), mark(CredentialStep.SUSPENDED, 10, reason=5),
        mark(CredentialStep.USED, 12, tender="0x" + "ab" * 32, section=0),
        mark(CredentialStep.REINSTATED, 20), mark(CredentialStep.REVOKED, 50, reason=2),
        mark(CredentialStep.REINSTATED, 60)))  # nothing comes back from a revocation
    assert [(s.state, (s.start - T0) // DAY, (s.end - T0) // DAY) for s in segments(track, T0 + 70 * DAY)] == [
        ("VALID", 0, 10), ("SUSPENDED", 10, 20), ("VALID", 20, 50), ("REVOKED", 50, 70)]


def test_a_credential_expires_at_the_end_of_its_validity_and_may_start_later() -> None:
    track = CredentialTrack("x", T0, T0 + 5 * DAY, T0 + 30 * DAY, (mark(CredentialStep.SUSPENDED, 20),))
    assert [(s.state, (s.start - T0) // DAY) for s in segments(track, T0 + 40 * DAY)] == [
        ("NOT_YET_VALID", 0), ("VALID", 5), ("SUSPENDED", 20), ("EXPIRED", 30)]
    superseded = CredentialTrack("y", T0, T0, T0 + 30 * DAY, (mark(CredentialStep.SUPERSEDED, 10),))
    assert [s.state for s in segments(superseded, T0 + 40 * DAY)] == ["VALID", "SUPERSEDED"]


def test_the_credential_picture_labels_states_uses_expiry_and_the_date_asked() -> None:
    tracks = [
        CredentialTrack("资质 · 建筑工程施工总承包一级", T0, T0 - DAY, T0 + 300 * DAY,
                        (mark(CredentialStep.USED, 22, tender="0x" + "ab" * 32, section=0),)),
        CredentialTrack("业绩 · 珠海市某桥梁维修工程", T0, T0 - DAY, None,
                        (mark(CredentialStep.SUSPENDED, 10, reason=5),)),
        CredentialTrack("人员 · 张三", T0, T0, T0 + 40 * DAY, ()),
    ]
    root = parse(credential_history_svg(tracks, now=T0 + 100 * DAY, zone=ZONE, lang="zh", ident="h", title="历史",
                                        at=T0 + 30 * DAY))
    lanes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert len(lanes) == 3
    first, second, third = (texts(lane) for lane in lanes)
    assert "资质 · 建筑工程施工总承包一级" in first and "有效" in first and "有效期至 2027年7月18日" in first
    assert "已暂停" in second and "长期有效" in second
    assert "已过有效期" in third
    uses = [g for g in root.iter(f"{SVG}g") if g.get("class") == "use"]
    assert len(uses) == 1 and "用于投标 0xababab…abab 第 1 标段" in (uses[0].findtext(f"{SVG}title") or "")
    assert [g.get("class") for g in root.iter(f"{SVG}g") if g.get("class") in ("asked", "now")] == ["asked", "now"]
    shown = texts(root)
    assert "查询日 2026年10月21日" in shown and "现在" in shown
    for legend in ("有效", "已暂停", "已撤销", "已被替代", "已过有效期", "用于投标（已开标）", "有效期截止"):
        assert legend in shown, legend
    desc = root.findtext(f"{SVG}desc") or ""
    assert "人员 · 张三：2026年9月21日 22:13 存证" in desc and "已暂停 2026年10月1日 22:13 至" in desc
    # the patterns that tell suspended from revoked without colour are this picture's own
    assert {p.get("id") for p in root.iter(f"{SVG}pattern")} == {"h-hatch", "h-cross", "h-dots"}


def test_the_credential_picture_in_english() -> None:
    tracks = [CredentialTrack("Qualification", T0, T0, None, (mark(CredentialStep.REVOKED, 5, reason=2),))]
    shown = texts(parse(credential_history_svg(tracks, now=T0 + 50 * DAY, zone=ZONE, lang="en", ident="h",
                                               title="History")))
    assert "Revoked" in shown and "no end of validity" in shown and "Now" in shown


# ---------------------------------------------------------------------- the audit summary


def test_checks_are_counted_by_family_in_the_order_they_come() -> None:
    counts = family_counts([("time", "pass"), ("documents", "fail"), ("time", "info"), ("time", "pass")])
    assert counts == [FamilyCount("time", 2, 0, 1), FamilyCount("documents", 0, 1, 0)]
    with pytest.raises(KeyError):
        family_counts([("time", "maybe")])
    listed = family_counts([("time", "pass"), ("store", "fail")], families=["documents", "time"])
    assert listed == [FamilyCount("documents"), FamilyCount("time", 1), FamilyCount("store", 0, 1)]


@pytest.mark.parametrize("lang, words", [
    ("zh", ["time", "2 通过 · 0 不通过 · 1 无法证明", "合计", "2 通过 · 1 不通过 · 1 无法证明",
            "围标串标提示：3 条，需人工复核（不是结论）"]),
    ("en", ["2 Passed · 0 Failed · 1 Cannot be proven", "All checks", "Collusion flags: 3, for people to review "
            "(not findings)"]),
])
def test_the_audit_summary_shows_each_family_the_total_and_the_flags(lang: str, words: list[str]) -> None:
    counts = family_counts([("time", "pass"), ("documents", "fail"), ("time", "info"), ("time", "pass")])
    root = parse(audit_summary_svg(counts, 3, lang=lang, ident="s"))
    shown = texts(root)
    for w in words:
        assert w in shown, w
    rows = [g for g in root.iter(f"{SVG}g") if "family" in (g.get("class") or "").split()]
    assert [g.get("data-family") for g in rows][:2] == ["time", "documents"] and len(rows) == 3
    bars = [r for r in rows[0].iter(f"{SVG}rect") if r.get("height") == "14"]
    assert len(bars) == 2  # passed and cannot-be-proven; no empty bar for none failed
    assert re.search(r"3", root.findtext(f"{SVG}desc") or "")
