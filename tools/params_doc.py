"""`tender-ledger tender template`: a complete, valid `params.json` to start from, and the reference
of every field (docs/params.md is this module's output, checked by a test so it cannot drift).

The fields, their types, limits and descriptions come from `ledger.tenders.TenderParams` itself
(its JSON schema), so the reference names exactly what publishing accepts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ledger.tenders import TenderParams

CHINA = timezone(timedelta(hours=8))

INTRO = """# Tender parameters (`params.json`)

Everything in `params.json` is fixed on chain before the first bid: TenderBook stores the Keccak
hash of its canonical JSON (RFC 8785) at publication, and every rule that decides an outcome —
requirements, deadline, evaluation method and criteria, shortlist size, the selection rule — is
read from these parameters, by the service and by an auditor alike. An amendment before the
deadline publishes a new version with its reason; nothing can change after it.

`tender-ledger tender template --out params.json` writes a complete example to edit (a valid
tender with one section, 综合评分 and 票决抽签); `tender-ledger tender publish params.json …`
checks the file against the rules below before anything is sent and names the field at fault.

Amounts are in 元 as decimal strings (`"12000000.00"`); times are ISO 8601 with their UTC offset
(`2026-12-21T09:00:00+08:00`); a USCC is the 18-character 统一社会信用代码 with its check digit.

This page is generated from the parameters' own definitions (`tender-ledger tender template
--explain > docs/params.md`); a test fails if it falls behind.

| field | type | required / default | limits | meaning |
|---|---|---|---|---|
"""


# What the models leave unsaid, in the reader's words (the models' own descriptions come first).
NOTES: dict[str, str] = {
    "project_code": "项目编号; the tender's on-chain id is its Keccak hash, so it is unique across the ledger",
    "title": "项目名称, as published",
    "tenderer_uscc": "the 招标人's USCC; its selection committee is drawn from the members registered under it",
    "sections": "标段, in order; a section is addressed by its index from 0",
    "sections[].name": "标段名称",
    "sections[].qualification": "资质 requirements: a ticked qualification credential must match each",
    "sections[].performance": "业绩 requirement: how many completed projects of what size, how recently",
    "sections[].performance.count": "how many performance records must be ticked",
    "sections[].performance.min_amount_wan": "each record's contract amount, in 万元",
    "sections[].personnel": "注册人员 requirements: registered personnel the bidder must name",
    "sections[].personnel[].specialty": "专业, e.g. 市政公用工程; empty = any",
    "sections[].personnel[].count": "how many such people",
    "sections[].credit_commitment_allowed": "a 信用承诺书 may replace the bid guarantee",
    "bid_validity_days": "投标有效期",
    "opening_window_s": "how long after the deadline the opening officers have to release their shares",
    "evaluation_method": "评标办法: pass/fail per criterion, weighted scores, or lowest evaluated price",
    "shortlist_size": "N unranked candidates the evaluation committee recommends (all qualified if fewer)",
    "selection.method": "定标方法, fixed before any bid",
    "selection.committee_size": "定标委员会 members drawn from the tenderer's pool (odd)",
    "selection.price_rule": "价格竞争: which price wins among the shortlisted bids",
    "selection.price_n": "price_rule nth_lowest: which n",
    "evaluation.criteria": "综合评分/定性评审 criteria; 综合评分's maximum scores sum to 100",
    "evaluation.criteria[].kind": "`price` scores are computed from the opened prices, not typed by experts",
    "evaluation.criteria[].max_score": "the most a criterion can score",
    "min_valid_bids": "fewer valid bids than this and the section fails (流标)",
}


@dataclass(frozen=True)
class FieldDoc:
    path: str
    type: str
    required: str
    limits: str
    description: str


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    variants = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if not ref and len(variants) == 1:
        ref = variants[0].get("$ref")
    found: dict[str, Any] = defs[ref.split("/")[-1]] if ref else schema
    return found


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    ref = schema.get("$ref")
    if ref:
        target = defs[ref.split("/")[-1]]
        return _type(target, defs) if "enum" in target else "object"
    if "anyOf" in schema:
        parts = [_type(s, defs) for s in schema["anyOf"]]
        if parts == ["number", "string"]:
            return "decimal (a string such as `\"12000000.00\"`)"
        return " or ".join(p for p in parts if p != "null") + (" or null" if "null" in parts else "")
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), defs)}"
    if kind == "string" and schema.get("format") == "date-time":
        return "time (ISO 8601 with offset)"
    return str(kind)


def _limits(schema: dict[str, Any]) -> str:
    keys = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<",
            "minLength": "length ≥", "maxLength": "length ≤", "minItems": "items ≥", "maxItems": "items ≤"}
    parts = [f"{sign} {schema[key]}" for key, sign in keys.items() if key in schema]
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`")
    for variant in schema.get("anyOf", []):
        parts += [f"{sign} {variant[key]}" for key, sign in keys.items() if key in variant]
    return ", ".join(parts)


def reference() -> list[FieldDoc]:
    """Every field of `params.json`, depth first, with its type, default and limits."""
    root = TenderParams.model_json_schema()
    defs: dict[str, Any] = root.get("$defs", {})
    rows: list[FieldDoc] = []

    def walk(model: dict[str, Any], prefix: str) -> None:
        required = set(model.get("required", []))
        for name, prop in model.get("properties", {}).items():
            path = f"{prefix}{name}"
            default = "required" if name in required else (
                f"default `{json.dumps(prop['default'], ensure_ascii=False)}`" if "default" in prop else "optional")
            target = _resolve(prop, defs)
            said = str(prop.get("description") or target.get("description") or "").replace("\n", " ")
            description = "; ".join(t for t in (said, NOTES.get(path, "")) if t)
            rows.append(FieldDoc(path, _type(prop, defs), default, _limits(prop), description.replace("|", "\\|")))
            if target is not prop and "properties" in target:
                walk(target, path + ".")
            elif prop.get("type") == "array":
                item = _resolve(prop.get("items", {}), defs)
                if "properties" in item:
                    walk(item, path + "[].")

    walk(root, "")
    return rows


def markdown() -> str:
    lines = [INTRO.rstrip("\n")]
    for row in reference():
        lines.append(f"| `{row.path}` | {row.type} | {row.required} | {row.limits} | {row.description} |")
    return "\n".join(lines) + "\n"


def template(now: datetime | None = None) -> dict[str, Any]:
    """A complete tender to edit: one 市政 section with qualification, performance and personnel
    requirements and a 200,000 元 bid guarantee, 综合评分 by 7 experts, a shortlist of 3 and 票决抽签;
    the deadline 21 days (the legal minimum is 20) from `now`, at 09:00 China time."""
    start = (now or datetime.now(UTC)).astimezone(CHINA) + timedelta(days=21)
    deadline = start.replace(hour=9, minute=0, second=0, microsecond=0)
    data: dict[str, Any] = {
        "project_code": f"E4404000120{deadline:%Y%m%d}01",
        "title": "香洲区市政道路改造工程",
        "tenderer": "珠海市香洲区城市管理和综合执法局",
        "tenderer_uscc": "11440402MB2C41207G",
        "sections": [{
            "code": f"E4404000120{deadline:%Y%m%d}01001", "name": "一标段",
            "estimated_price": "12000000.00", "bid_guarantee": "200000.00",
            "qualification": [{"category": "建筑业企业资质", "name_contains": "市政公用工程", "min_grade": "二级"}],
            "performance": {"count": 1, "min_amount_wan": "500", "within_years": 5},
            "personnel": [{"registration_type": "一级注册建造师", "count": 1}],
        }],
        "deadline": deadline.isoformat(),
        "bid_validity_days": 90,
        "evaluation_method": "综合评分",
        "evaluation": {"experts": 7, "reserves": 2, "criteria": [
            {"code": "T1", "name": "施工组织设计", "max_score": "40"},
            {"code": "T2", "name": "项目管理机构", "max_score": "20"},
            {"code": "price", "name": "投标报价", "kind": "price", "max_score": "40"}]},
        "shortlist_size": 3,
        "selection": {"method": "票决抽签", "committee_size": 7, "lottery_among": 2},
    }
    TenderParams.model_validate(data)  # the template is always a tender that publishes
    return data
