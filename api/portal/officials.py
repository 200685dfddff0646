"""The portal for officials who sign: an issuer (资质、业绩、获奖、资信、市场监管) anchors, imports,
revokes, suspends and reinstates credentials; a guarantor (a bank) issues, rejects and releases
guarantees. The key is opened in the browser and never sent: the pages sign the same EIP-712
requests and the same transactions the JSON API takes from any client (static/issuer.js,
static/guarantor.js on static/signer.js). A member of the consortium's governance proposes and
approves its calls at its own desk (static/governance.js). The server serves the pages, checks a document's fields
(`POST /portal/issuer/check`, errors per field in words) and lists an issuer's credentials."""

from __future__ import annotations

import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from eth_utils import to_checksum_address
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup
from pydantic import AwareDatetime, ValidationError
from starlette.concurrency import run_in_threadpool

from api.db.credentials import SqlCredentialFiles
from api.portal.messages import MESSAGES
from api.portal.names import Names
from api.portal.pages import Page, PageError, _json_error, badge, describe, grade_of, guarded
from ledger.documents import MODEL_OF_KIND, DocumentError, Kind, parse_document
from ledger.errors import LedgerError
from ledger.model.credential import ReasonCode
from ledger.rules.anchoring import MAX_BATCH
from ledger.service.credentials import CredentialService
from ledger.uscc import InvalidUSCC, validate_uscc

router = APIRouter(include_in_schema=False)

ENVELOPE_FIXED = ("kind", "issuer")  # set by the page: the chosen kind, the signed-in issuer
MAX_CHECKED = 500  # rows one check request validates (the page sends a big file in slices)
REASONS = tuple(r for r in ReasonCode if r is not ReasonCode.NONE)
MAX_NAMES = 100  # USCCs one names request looks up


def _input_type(annotation: Any) -> tuple[str, list[str]]:
    """The form input of a field's type: text, date, datetime, decimal or a choice (with its options)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and args:
        annotation = args[0]
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return "choice", [str(m.value) for m in annotation]
        if issubclass(annotation, datetime | AwareDatetime):
            return "datetime", []
        if issubclass(annotation, date):
            return "date", []
        if issubclass(annotation, Decimal):
            return "decimal", []
    return "text", []


def field_specs(kind: Kind) -> list[dict[str, Any]]:
    """The fields a form asks for a credential of `kind`: JSON name, input type, required, options."""
    model = MODEL_OF_KIND[kind]
    out = []
    for name, info in model.model_fields.items():
        if name in ENVELOPE_FIXED:
            continue
        typed, options = _input_type(info.annotation)
        default = info.default if not info.is_required() and isinstance(info.default, str) else ""
        out.append({"name": info.serialization_alias or name, "type": typed, "required": info.is_required(),
                    "options": options, "default": default})
    return out


def _label(page: Page, name: str) -> str:
    key = f"field.{name}"
    return page.t(key) if key in MESSAGES else name


def _values(page: Page, kind: Kind, issuer: str, raw: Any, specs: list[dict[str, Any]]) -> dict[str, Any]:
    """A form's values as a document's JSON: empty optional fields left out, a local date-time given the
    portal's time zone (TL_TIMEZONE), a date kept as typed."""
    if not isinstance(raw, dict):
        raise PageError(422, "issuer.err.row", reason=type(raw).__name__)
    out: dict[str, Any] = {"kind": int(kind), "issuer": issuer}
    typed = {s["name"]: s["type"] for s in specs}
    for name, value in raw.items():
        if name in ENVELOPE_FIXED:
            continue
        text = value.strip() if isinstance(value, str) else value
        if text is None or text == "":
            continue
        if typed.get(name) == "datetime" and isinstance(text, str):
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                pass  # left as typed: the document's own validation names the field
            else:
                text = (moment if moment.tzinfo else moment.replace(tzinfo=page.zone)).isoformat()
        out[name] = text
    return out


# pydantic's error types the portal says in its own words (the others keep the ledger's message)
_WORDS = {"missing": "issuer.err.missing", "extra_forbidden": "issuer.err.extra", "date_from_datetime_parsing":
          "issuer.err.date", "date_parsing": "issuer.err.date", "datetime_from_date_parsing": "issuer.err.datetime",
          "datetime_parsing": "issuer.err.datetime", "timezone_aware": "issuer.err.datetime", "enum": "issuer.err.choice",
          "decimal_parsing": "issuer.err.decimal", "greater_than_equal": "issuer.err.decimal",
          "decimal_max_places": "issuer.err.decimal", "string_too_short": "issuer.err.missing"}


def _errors(page: Page, exc: Exception, kind: Kind) -> list[dict[str, str]]:
    """A refused document's errors, one per field, the field named in words."""
    if isinstance(exc, ValidationError):
        errors = []
        for e in exc.errors(include_url=False):
            loc = [str(p) for p in e["loc"]]
            field = loc[0] if loc else ""
            model = MODEL_OF_KIND[kind]
            try:
                field = model.serialised_name(field) if field else ""
            except DocumentError:
                pass
            message = str(e["msg"]).removeprefix("Value error, ")
            kind_of_error = str(e["type"])
            if kind_of_error in _WORDS:
                message = page.t(_WORDS[kind_of_error], **{k: str(v) for k, v in (e.get("ctx") or {}).items()
                                                          if k == "expected"})
            if " is not a valid USCC: " in message:
                message = page.t("error.bad_uscc", reason=message.split(" is not a valid USCC: ", 1)[1])
            errors.append({"field": field, "label": _label(page, field) if field else "", "message": message})
        return errors
    return [{"field": "", "label": "", "message": str(exc)}]


@router.post("/portal/issuer/check")
async def check(request: Request) -> Response:
    """Validate rows of a form or of an imported file as documents of one kind issued by `issuer`:
    each row's document as the ledger will hash it (normalised), or its errors field by field."""
    page = Page(request)
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):
        return JSONResponse({"message": page.t("error.bad_json", reason="body")}, status_code=422)

    def build() -> Response:
        try:
            if not isinstance(body, dict):
                raise PageError(422, "issuer.err.row", reason="body")
            try:
                kind = Kind(int(body.get("kind")))  # type: ignore[arg-type]
                issuer = to_checksum_address(str(body.get("issuer")))
            except (TypeError, ValueError):
                raise PageError(422, "issuer.err.kind_issuer") from None
            rows = body.get("rows")
            if not isinstance(rows, list) or not rows or len(rows) > MAX_CHECKED:
                raise PageError(422, "issuer.err.rows", most=MAX_CHECKED)
            specs = field_specs(kind)
            documents: list[dict[str, Any] | None] = []
            problems: list[Any] = []
            for i, raw in enumerate(rows):
                try:
                    document = parse_document(_values(page, kind, issuer, raw, specs))
                except (ValidationError, DocumentError) as exc:
                    documents.append(None)
                    problems.extend({"row": i, **e} for e in _errors(page, exc, kind))
                    continue
                documents.append(document.to_json_dict())
            return JSONResponse({"documents": documents, "errors": problems},
                                status_code=422 if problems else 200)
        except PageError as exc:
            return _json_error(page, exc)

    return await run_in_threadpool(build)


@router.get("/portal/issuer")
def issuer_page(request: Request) -> Response:
    """The issuer's desk: sign in with the issuer key (in this browser), anchor, import, change status."""
    def build(page: Page) -> Response:
        kinds = {k.name: {"value": int(k), "label": page.t(f"kind.{k.name}"), "fields": [
            {**s, "label": _label(page, s["name"])} for s in field_specs(k)]} for k in Kind}
        labels = {k: page.t(k) for k in MESSAGES
                  if k.startswith(("issuer.", "bid.err.", "refusal.", "bid.tx.", "credstatus.", "reason.", "col.", "kind."))}
        config = {"lang": page.lang, "zone": str(page.zone), "kinds": kinds, "labels": labels, "max_batch": MAX_BATCH,
                  "now": datetime.now(page.zone).strftime("%Y-%m-%dT%H:%M"),
                  "reasons": [{"value": int(r), "label": page.t(f"reason.{r.name}")} for r in REASONS]}
        return page.render("issuer.html", config=_config(config))

    return guarded(request, build)


@router.get("/portal/issuer/{address}/credentials")
def issued(request: Request, address: str, q: str = "", offset: str = "0") -> Response:
    """The credentials `address` anchored, newest first, by name (JSON for the issuer's page)."""
    page = Page(request)
    try:
        try:
            issuer = to_checksum_address(address)
        except ValueError:
            raise PageError(422, "error.bad_address", value=address[:60]) from None
        start = int(offset) if offset.isdigit() and len(offset) < 8 else 0
        store = request.app.state.store
        service = CredentialService(store.runtime.registry, SqlCredentialFiles(store))
        now = store.runtime.registry.now()
        found = service.list_by_issuer(issuer, query=q[:100], offset=start, limit=20)
        names = Names(store)
        rows = []
        for s in found.credentials:
            c, document = s.credential, s.credential.sealed.document
            rows.append({"id": "0x" + c.credential_id.hex(), "root": "0x" + c.root.hex(),
                         "proof": ["0x" + p.hex() for p in c.proof], "kind": Kind(c.kind).name,
                         "kind_label": page.t(f"kind.{Kind(c.kind).name}"), "what": describe(document),
                         "grade": grade_of(page, document), "subject": c.subject,
                         "firm": names.firm(c.subject) or "", "anchored": page.when(c.anchored_at),
                         "status": s.status.status.name, "now": list(badge(page, s.status.status, document, now))})
        return JSONResponse({"total": found.total, "offset": found.offset, "credentials": rows})
    except (PageError, LedgerError) as exc:
        return _json_error(page, exc)


@router.get("/portal/names/firms")
def firm_names(request: Request) -> Response:
    """The firms' names behind USCCs (JSON, `?uscc=…` repeated, at most MAX_NAMES): the name on each
    firm's latest identity credential, null where the ledger holds none. Public, as each firm's
    credentials page is; the guarantor's list shows its applicants by name with it."""
    page = Page(request)
    codes = request.query_params.getlist("uscc")
    try:
        if not codes or len(codes) > MAX_NAMES:
            raise PageError(422, "names.err.count", most=MAX_NAMES)
        checked = []
        for code in codes:
            try:
                checked.append(validate_uscc(code))
            except InvalidUSCC as exc:
                raise PageError(422, "error.bad_uscc", reason=str(exc)[:160]) from None
        names = Names(request.app.state.store)
        return JSONResponse({"names": {code: names.firm(code) for code in checked}})
    except (PageError, LedgerError) as exc:
        return _json_error(page, exc)


@router.get("/portal/guarantor")
def guarantor_page(request: Request) -> Response:
    """The guarantor's desk: the applications addressed to it; issue, reject, release (signed here)."""
    def build(page: Page) -> Response:
        labels = {k: page.t(k) for k in MESSAGES if k.startswith(("guarantor.", "bid.err.", "refusal.", "bid.tx.", "issuer.signin"))}
        return page.render("guarantor.html", config=_config({"lang": page.lang, "labels": labels,
                                                             "zone": str(page.zone)}))

    return guarded(request, build)


# The governed calls the governance desk proposes, each with the contract it is made on.
GOVERNED_ACTIONS = ("authoriseIssuer", "withdrawIssuer", "authoriseGuarantor", "withdrawGuarantor", "authoriseCentre",
                    "withdrawCentre", "registerExpert", "removeExpert", "registerMember", "removeMember")


@router.get("/portal/governance")
def governance_page(request: Request) -> Response:
    """The governance members' desk: every proposal with its call in words and who approved it;
    propose a common call (with a pool card naming an expert or member), approve, take back, cancel,
    each transaction signed here with the member's own key once checked."""
    from ledger.model.guarantee import IssuerType

    def build(page: Page) -> Response:
        labels = {k: page.t(k) for k in MESSAGES if k.startswith(("gov.", "bid.", "refusal.", "kind."))}
        return page.render("governance.html", actions=GOVERNED_ACTIONS, kinds=list(Kind), issuer_types=list(IssuerType),
                           config=_config({"lang": page.lang, "labels": labels, "zone": str(page.zone)}))

    return guarded(request, build)


def _config(value: dict[str, Any]) -> Markup:
    return Markup(json.dumps(value, ensure_ascii=False).replace("</", "<\\/"))
