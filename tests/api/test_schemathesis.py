"""The whole OpenAPI under schemathesis: every operation, fuzzed and through its links, against a
service over a populated ledger, each request signed by a party that holds the role it needs.

The service runs in-process (uvicorn on 127.0.0.1). `_build` first calls every operation the way
its users do (a credit authority, four firms, a bank, the centre): T1 past its deadline with
guarantees bound, claimed, expired and released by the award and the signing, a commitment
letter and its breach drafted; T3 opened with three valid bids and evaluated; T2 still open
with a bound guarantee, applications rejected, cancelled and pending, a bid and a withdrawal,
an amendment. Each of those answers is checked against the model its operation documents:
they are the 2xx that fuzzing cannot reach without valid signed transactions. Then half of the
positive cases draw their ids (tender, section, guarantee, bidder, credential, firm, bank) from
that world, so they reach what is behind an id, not only its 404.

Who signs: `ROLES` maps each signed operation to the party whose role it needs (the centre for
tender and guarantee-desk steps, the credit authority for anchoring, the bank for issuing, a
firm for bids and applications, an opening officer for shares); `SignedBy` signs the request
as it leaves (method, path as the server reads it, exact body bytes).

Checks: every default check, except that `positive_data_acceptance` is replaced by
`the_schema_is_the_rule`. The default one wants every schema-valid request accepted; here a
schema-valid request may still break a rule no schema states (a transaction that does not
decode, a deadline that passed, a check digit) and gets the ledger's own 422/409 naming it.
What must never happen is that FastAPI's request validation refuses what the schema allows:
then the schema and the rule the API enforces disagree.

Deterministic: a fixed seed and `derandomize`; no example database.
"""
from __future__ import annotations

import base64
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import CheckContext

from api.app import create_app
from api.serving import serving
from ledger.chain.guarantee_book import onchain_terms
from ledger.config import Settings
from ledger.crypto.bids import authorise_bid
from ledger.crypto.canonical import keccak
from ledger.documents import Kind, SealedCredential
from ledger.model.guarantee import CommitmentLetter, Form, GuaranteeTerms, IssuerType
from ledger.rules.guarantee import sign_commitment_letter
from ledger.uscc import generate_uscc
from eth_account import Account

from api.deps import draw_service, selection_service
from ledger.service.selection import uscc_word
from tests.scenes import Actor, Firm, Scene, Tender
from tests.selection_scene import PARAMS as SELECTION
from tools.selection_run import SelectionRun

SEED = 20_261_130
# Examples per operation and phase, and stateful scenarios: the whole run stays within a few
# minutes on 2 cores. TL_SCHEMATHESIS_EXAMPLES raises it for a longer hunt (same seed).
MAX_EXAMPLES = int(os.environ.get("TL_SCHEMATHESIS_EXAMPLES", "20"))
STATEFUL_SCENARIOS = max(25, MAX_EXAMPLES)

pytestmark = pytest.mark.slow  # about two minutes on two cores

CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "checks": {"positive_data_acceptance": {"enabled": False}},
    "phases": {"stateful": {"max-steps": 6}},
})

APP = create_app(Settings(data_dir=Path("/nonexistent")))  # the schema only: no data directory is opened
schema = schemathesis.openapi.from_dict(APP.openapi(), config=CONFIG)


# ---------------------------------------------------------------------- the check that replaces
# positive_data_acceptance


def the_schema_is_the_rule(ctx: CheckContext, response: Any, case: schemathesis.Case) -> bool | None:
    """A request the schema allows passes the framework's validation: a 422 for it, if any,
    comes from the ledger (a rule no schema states), never from a format the schema left out."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = _json(response.content)
    if isinstance(body, dict) and isinstance(body.get("detail"), list):
        real = [e for e in body["detail"] if not _rounded_past_a_bound(e)]
        if real:
            raise AssertionError(f"the schema allows this request but FastAPI refused it: {body.get('message')}")
    return None


def _rounded_past_a_bound(error: dict[str, Any]) -> bool:
    """The generator compares integers with a bound such as 2**64 - 1 as floats, so it may draw
    one a little past it (2**64 + 383 rounds to the same float): not a disagreement of the
    schema and the API, which compare exactly."""
    bound = next(iter((error.get("ctx") or {}).values()), None)
    value = error.get("input")
    return (error.get("type") in ("less_than_equal", "greater_than_equal", "less_than", "greater_than")
            and isinstance(bound, int) and isinstance(value, int) and float(value) == float(bound))


# ---------------------------------------------------------------------- the world


SECTIONS = [  # section 0 asks a 200,000 元 guarantee, section 1 takes a credit commitment letter instead
    {"code": "E3203010319005778001001", "name": "一标段", "estimated_price": "12000000.00",
     "bid_guarantee": "200000.00", "qualification": [], "personnel": []},
    {"code": "E3203010319005778001002", "name": "二标段", "estimated_price": "6000000.00",
     "bid_guarantee": "100000.00", "credit_commitment_allowed": True, "qualification": [], "personnel": []},
]
DAY = 86_400


def signed_get(actor: Actor, path: str, **params: Any) -> Any:
    return actor.http.get(path, params=params, headers=actor.headers("GET", path, b""))


def _ok(response: httpx.Response) -> Any:
    assert 200 <= response.status_code < 300, response.text
    return response.json()


@dataclass
class Parties:
    """The parties, each calling the API with its own key: the centre (its own key), a credit
    authority anchoring the firms' identity credentials, four firms and a bank."""

    scene: Scene
    regulator: Actor
    firms: list[Firm]
    bank: Actor

    @classmethod
    def of(cls, scene: Scene) -> Parties:
        regulator = scene.issuer(Kind.IDENTITY, Kind.CREDIT)
        firms = [scene.firm(regulator, kinds=(Kind.IDENTITY,)) for _ in range(4)]
        bank = scene.guarantor(IssuerType.BANK, profile={"name": "中国银行珠海分行", "uscc": generate_uscc(scene.rng),
                                                         "red_discount": "0.5"})
        return cls(scene, regulator, firms, bank)

    @property
    def centre(self) -> Actor:
        return self.scene.centre

    def actor(self, n: int) -> Actor:
        return self.firms[n].actor

    def gb(self, actor: Actor, function: str, *args: Any) -> str:
        return self.scene.guarantee_tx(actor, function, *args)

    def apply(self, n: int, tender: Tender, section: int = 0) -> str:
        """Firm `n` applies to the bank for the section's guarantee; its id."""
        path = f"/tenders/{tender.tid}/sections/{section}/guarantees/application-template"
        template = _ok(signed_get(self.actor(n), path, issuer=self.bank.account.address))
        return str(_ok(self.actor(n).post("/guarantees", {
            "application": template["application"], "signed_tx": self.actor(n).sign_tx(template["tx"])}))["guarantee_id"])

    def issue(self, gid: str) -> None:
        """The bank issues a 明文 guarantee on the terms its template fills in."""
        filled = _ok(signed_get(self.bank, f"/guarantees/{gid}/issue-template", rate_bps=30))
        terms = GuaranteeTerms.model_validate({**filled["terms"], "guarantee_no": "BH-" + gid[2:10],
                                               "issuer_type": int(IssuerType.BANK), "doc_hash": "0x" + "ab" * 32})
        onchain = onchain_terms(terms, Form.PLAINTEXT)
        tx = self.gb(self.bank, "issue", gid, ["0x" + v.hex() if isinstance(v, bytes) else v for v in onchain])
        _ok(self.bank.post(f"/guarantees/{gid}/issue", {"terms": terms.model_dump(mode="json"), "signed_tx": tx}))

    def bind(self, n: int, gid: str, tender: Tender, section: int = 0, function: str = "bind") -> None:
        _ok(self.actor(n).post(f"/tenders/{tender.tid}/sections/{section}/guarantees/{function}",
                               {"signed_tx": self.gb(self.actor(n), function, gid)}))

    def guarantee(self, n: int, tender: Tender) -> str:
        """Firm `n`'s guarantee for section 0, issued and bound; its id."""
        gid = self.apply(n, tender)
        self.issue(gid)
        self.bind(n, gid, tender)
        return gid

    def bid(self, n: int, tender: Tender, section: int = 0) -> None:
        _ok(self.scene.bid(self.firms[n], tender, section, credentials=[]))


@dataclass
class World:
    """The populated ledger, its parties and the ids a positive case may draw."""

    base_url: str
    parties: Parties
    tenders: list[str]
    guarantees: list[str]
    officer: Actor
    member: Actor  # a governance member (one of the development consortium's four)


WORLD: list[World] = []
STATS: dict[str, Counter[str]] = defaultdict(Counter)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _outcome(status: int, content: bytes) -> str:
    """How far a request got: `2xx`; `422-schema` (the framework's request validation);
    `401-http`, `400-http`, `404-http`, `405-http` (the signature check, an unparsable body, the
    router); or the ledger's own refusal of the request, by its status."""
    if 200 <= status < 300:
        return "2xx"
    body = _json(content)
    framework = isinstance(body, dict) and "detail" in body
    if status == 422 and framework:
        return "422-schema"
    return f"{status}-http" if framework else str(status)


def _check_against_schema(response: httpx.Response) -> None:
    """The scene's own requests: each answer has a documented status and matches its model."""
    request = response.request
    path = urlsplit(str(request.url)).path
    operation = schema.find_operation_by_path(request.method, path)
    assert operation is not None, f"{request.method} {path} is not in the schema"
    response.read()
    documented = operation.definition.raw["responses"]
    assert str(response.status_code) in documented, (operation.label, response.status_code, response.text)
    schema.validate_response(operation, schemathesis.Response.from_any(response))
    STATS[operation.label][_outcome(response.status_code, response.content) + " (scene)"] += 1


def _build(base_url: str, rt: Any, store: Any) -> World:
    """Every operation once the way its users call it (each answer checked against the schema
    by the client's hook), leaving T1 awarded, T3 evaluated and T2 open for bids."""
    http = httpx.Client(base_url=base_url, timeout=60, event_hooks={"response": [_check_against_schema]})
    scene = Scene(http, rt)
    p = Parties.of(scene)
    centre, bank, regulator, firms = p.centre, p.bank, p.regulator, [f.actor for f in p.firms]
    # T1 (21 days), section 0: three bids, each with a bound guarantee, and an application left
    # unanswered; section 1: a commitment letter and a bid
    t1 = scene.tender(sections=SECTIONS, **SELECTION)
    g_claimed, g_won, g_expired = (p.guarantee(n, t1) for n in (0, 2, 3))
    for n in (0, 2, 3):
        p.bid(n, t1)
    g_applied = p.apply(1, t1)
    s1 = f"/tenders/{t1.tid}/sections/1/guarantees"
    letter = _ok(signed_get(firms[1], s1 + "/commitment-letter-template"))["letter"]
    signed = sign_commitment_letter(CommitmentLetter.model_validate(letter), firms[1].account)
    _ok(firms[1].post(s1 + "/commitment-letter", {"letter": signed.model_dump(mode="json")}))
    p.bid(1, t1, section=1)
    # T3: no requirements, three bids, so that it opens with three valid bids and is evaluated
    t3 = scene.tender(sections=[{**SECTIONS[0], "bid_guarantee": "0"}])
    for n in (0, 1, 2):
        p.bid(n, t3)
    # a credit record anchored, revoked and verified; a firm's own bid read back
    sealed = SealedCredential.seal(scene.document(p.firms[2], Kind.CREDIT, issuer=regulator, record_type="good"))
    batch = _ok(regulator.anchor([sealed]))
    record = batch["credentials"][0]
    tx = regulator.prepare("revoke", batch["root"], record["credential_id"], record["proof"], 1)
    _ok(regulator.post(f"/credentials/{record['credential_id']}/revoke", {"signed_tx": tx}))
    identity = p.firms[0].identity
    assert identity is not None
    _ok(http.post("/verify", json={"document": identity.to_dict()}))
    _ok(signed_get(firms[0], f"/tenders/{t1.tid}/sections/0/bids/mine"))
    # past T1's and T3's deadlines: shares, the guarantee check, openings, a claim, an
    # evaluation, public results, a broken commitment letter drafted as a credit record
    for tender in (t1, t3):
        scene.after_deadline(tender)
        scene.release(tender)
    s0 = f"/tenders/{t1.tid}/sections/0/guarantees"
    _ok(centre.post(s0 + "/verify", {}))
    _ok(scene.open(t1, 0))
    _ok(scene.open(t3, 0))
    evidence = base64.b64encode(b"%PDF withdrawal letter").decode()
    _ok(centre.post(f"/guarantees/{g_claimed}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE", "evidence_b64": evidence}))
    _ok(centre.post(f"/tenders/{t3.tid}/sections/0/evaluation", {"report_b64": base64.b64encode(b"%PDF report").decode()}))
    _ok(signed_get(firms[0], f"/tenders/{t3.tid}/sections/0/results"))
    _ok(centre.post(s1 + "/commitment-letter/breach", {
        "bidder": firms[1].account.address, "breach": "中标后拒绝签订合同", "evidence_b64": evidence,
        "issuer": regulator.account.address, "record_no": "XY-2026-0042", "deciding_body": "珠海市公共资源交易中心",
        "decision_document_no": "珠交〔2026〕42号"}))
    # past every guarantee's end: one expires, then the award and the signing release the rest
    rt.client.increase_time(400 * DAY)
    _ok(centre.post(f"/guarantees/{g_expired}/expire", {}))
    # section 0 through 评定分离 (the award follows SelectionBook's winner): experts and the
    # tenderer's members registered, committees drawn, sheets, shortlist, vote, draw, 公示, award
    # (which records the guarantee award too); the guarantee award route then refuses a second
    experts, members = [Account.create() for _ in range(10)], [Account.create() for _ in range(7)]
    for e in experts:
        rt.govern(rt.selection_book, "registerExpert", e.address, "房屋建筑".encode().ljust(32, b"\x00"))
    for m in members:
        rt.govern(rt.selection_book, "registerMember", uscc_word(t1.params["tenderer_uscc"]), m.address)
    SelectionRun(rt=rt, svc=selection_service(store), draws=draw_service(store), tender_id=bytes.fromhex(t1.tid[2:]),
                 section=0, experts=experts, members=members).run()
    again = centre.post(s0 + "/award", {})
    assert again.status_code == 409 and again.json()["contract_error"] == "AlreadyAwarded", again.text
    _ok(centre.post(s0 + "/contract-signed", {"signed_at": rt.client.block_timestamp()}))
    # T2, open: a bound guarantee unbound and bound again, an application rejected, one
    # cancelled, one left for the bank, a bid, another bid withdrawn by signature, an amendment
    t2 = scene.tender(sections=SECTIONS, deadline_in=timedelta(days=60))
    g_bound = p.guarantee(3, t2)
    p.bid(3, t2)
    p.bind(3, g_bound, t2, function="unbind")
    p.bind(3, g_bound, t2)
    g_open = p.apply(1, t2)
    rejected, reason = p.apply(2, t2), "申请人资信审核未通过"
    _ok(bank.post(f"/guarantees/{rejected}/reject", {"reason": reason, "signed_tx": p.gb(
        bank, "reject", rejected, "0x" + keccak(reason.encode()).hex())}))
    cancelled = p.apply(0, t2)
    _ok(firms[0].post(f"/guarantees/{cancelled}/cancel", {"signed_tx": p.gb(firms[0], "cancel", cancelled)}))
    p.bid(0, t2)
    view = t2.view
    nonce = _ok(http.get(f"/tenders/{t2.tid}/nonces/{firms[0].account.address}"))["nonce"]
    auth = authorise_bid(bidder=firms[0].account, chain_id=view["chain_id"], book_address=view["tender_book"],
                         tender_id=bytes.fromhex(t2.tid[2:]), section=0, commitment=b"\x00" * 32, nonce=nonce,
                         expiry=t2.deadline)
    _ok(firms[0].post(f"/tenders/{t2.tid}/sections/0/withdraw", {
        "nonce": nonce, "expiry": auth.expiry, "signature": "0x" + auth.signature.hex()}))
    params = {**t2.params, "deadline": datetime.fromtimestamp(t2.deadline + 7 * DAY, UTC).isoformat()}
    _ok(centre.post(f"/tenders/{t2.tid}/amendments", {
        "params": params, "document_b64": base64.b64encode(b"%PDF amended").decode(), "reason": "答疑澄清：延长投标截止时间"}))
    return World(base_url, p, [t1.tid, t2.tid, t3.tid],
                 [g_claimed, g_won, g_expired, g_applied, g_bound, g_open, rejected, cancelled],
                 Actor.of(http, t2.officers[0]), scene.members[0])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("schemathesis") / "data"))
    with serving(app, name="tl-schemathesis") as url:
        WORLD.append(_build(url, app.state.runtime, app.state.store))
        yield WORLD[-1]
        WORLD.clear()


# ---------------------------------------------------------------------- who signs what

CENTRE, ISSUER, BANK, FIRM, OFFICER, MEMBER = "centre", "issuer", "bank", "firm", "officer", "member"
ROLES: dict[str, str] = {
    "POST /credentials": ISSUER,
    "POST /credentials/{credential_id}/{action}": ISSUER,
    "POST /credentials/revocations": ISSUER,
    "POST /governance/steps": MEMBER,
    "POST /guarantee-issuers/profile": BANK,
    "POST /tenders": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/draws": CENTRE,
    "POST /draws/{draw_id}/seeds": FIRM,
    "POST /draws/{draw_id}/shares": OFFICER,
    "POST /tenders/{tender_id}/amendments": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/bids": FIRM,
    "GET /tenders/{tender_id}/sections/{section}/bids/mine": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/withdraw": FIRM,
    "POST /tenders/{tender_id}/shares": OFFICER,
    "POST /tenders/{tender_id}/sections/{section}/open": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/evaluation": CENTRE,
    "GET /tenders/{tender_id}/sections/{section}/results": CENTRE,
    "GET /tenders/{tender_id}/sections/{section}/guarantees/application-template": FIRM,
    "POST /guarantees": FIRM,
    "POST /guarantees/{guarantee_id}/cancel": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/bind": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/unbind": FIRM,
    "GET /tenders/{tender_id}/sections/{section}/guarantees/commitment-letter-template": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/commitment-letter": FIRM,
    "GET /guarantees/{guarantee_id}/issue-template": BANK,
    "POST /guarantees/{guarantee_id}/issue": BANK,
    "POST /guarantees/{guarantee_id}/reject": BANK,
    "POST /guarantees/{guarantee_id}/release": BANK,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/verify": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/award": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/contract-signed": CENTRE,
    "POST /guarantees/{guarantee_id}/claims": CENTRE,
    "POST /guarantees/{guarantee_id}/claims/contest": FIRM,
    "POST /guarantees/{guarantee_id}/claims/settle": CENTRE,
    "POST /guarantees/{guarantee_id}/expire": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/guarantees/commitment-letter/breach": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/exclusions": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/committees/{kind}": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/sheets/commit": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/sheets/reveal": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/shortlist": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/rounds": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/votes/commit": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/votes/reveal": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/decision": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/objections": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/objections/{objection_id}/answer": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/award": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/complaints": FIRM,
    "POST /tenders/{tender_id}/sections/{section}/selection/complaints/{complaint_id}/ruling": MEMBER,
    "POST /tenders/{tender_id}/sections/{section}/selection/replacements": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/chair": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/selection/decision/chair": MEMBER,
    "POST /tenders/{tender_id}/sections/{section}/performance/milestones": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/performance/complaints": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/performance/entries/{index}/acknowledge": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/performance/completion": CENTRE,
    "POST /tenders/{tender_id}/sections/{section}/performance/complaints/{index}/ruling": MEMBER,  # anyone files it
}


def _signer(world: World, label: str) -> Actor | None:
    p = world.parties
    return {None: None, CENTRE: p.centre, ISSUER: p.regulator, BANK: p.bank, FIRM: p.actor(0),
            OFFICER: world.officer, MEMBER: world.member}[ROLES.get(label)]


class SignedBy(requests.auth.AuthBase):
    """Signs the request as it goes out (method, path as the server reads it, exact body bytes)."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path = unquote(urlsplit(str(r.url)).path).replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        body = r.body or b""
        r.headers.update(self.actor.headers(str(r.method), path, body.encode() if isinstance(body, str) else body))
        return r


def call_kwargs(case: schemathesis.Case, signing: str = "role") -> dict[str, Any]:
    """Where to send `case`, and (`signing` "role") the signature of the party its operation needs."""
    world = WORLD[-1]
    kwargs: dict[str, Any] = {"base_url": world.base_url}
    signer = _signer(world, case.operation.label) if signing == "role" else None
    if signer is not None:
        kwargs["auth"] = SignedBy(signer)
    return kwargs


# ---------------------------------------------------------------------- ids from the world


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> st.SearchStrategy[schemathesis.Case]:
    """Half the positive cases name real objects: a tender, a section, a guarantee, a bidder, a
    credential, a firm and the bank, drawn from the world (negative cases stay as generated, so
    what they break is still broken)."""
    if not WORLD or case.meta is None or not case.meta.generation.mode.is_positive:
        return st.just(case)
    world = WORLD[-1]
    firms = world.parties.firms
    real = {
        "tender_id": st.sampled_from(world.tenders),
        "section": st.sampled_from([0, 1]),
        "guarantee_id": st.sampled_from(world.guarantees),
        "bidder": st.sampled_from([f.address for f in firms]),
        "credential_id": st.sampled_from([cid for f in firms for cid in f.ids.values()]),
        "uscc": st.sampled_from([f.uscc for f in firms]),
        "issuer": st.just(world.parties.bank.account.address),
        "applicant": st.sampled_from([f.address for f in firms]),
    }
    path = {k: real[k] for k in (case.path_parameters or {}) if k in real}
    query = {k: real[k] for k in (case.query or {}) if k in real}

    def _with(chosen: tuple[bool, dict[str, Any], dict[str, Any]]) -> schemathesis.Case:
        use, path_values, query_values = chosen
        if use:
            case.path_parameters = {**(case.path_parameters or {}), **path_values}
            if query_values:
                case.query = {**(case.query or {}), **query_values}
        return case

    return st.tuples(st.booleans(), st.fixed_dictionaries(path), st.fixed_dictionaries(query)).map(_with)


# ---------------------------------------------------------------------- the runs


# The signing policy is a parameter (one value: each request signed by the holder of the role it
# needs) also so that each operation gets its own node id: schemathesis 4.32 under pytest 9
# names the items of an unparametrized test alike, and pytest-xdist would then run only one.
@schema.parametrize()
@pytest.mark.parametrize("signing", ["role"], ids=["signed by role"])
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_no_operation_answers_a_5xx_or_breaks_its_documented_schema(case: schemathesis.Case, world: World,
                                                                    signing: str) -> None:
    kwargs = call_kwargs(case, signing)
    response = case.call(**kwargs)
    STATS[case.operation.label][_outcome(response.status_code, response.content)] += 1
    case.validate_response(response, additional_checks=[the_schema_is_the_rule], transport_kwargs=kwargs)


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Chains of operations through the schema's links (the ids one answer gives the next)."""

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return call_kwargs(case)

    def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
        super().after_call(response, case)
        STATS[case.operation.label][_outcome(response.status_code, response.content) + " (stateful)"] += 1

    def validate_response(self, response: schemathesis.Response, case: schemathesis.Case,
                          additional_checks: Any = None, **kwargs: Any) -> None:
        super().validate_response(response, case, additional_checks=[the_schema_is_the_rule], **kwargs)


def test_linked_operations_keep_to_the_schema(world: World) -> None:
    Workflow.run(settings=hypothesis.settings(
        max_examples=STATEFUL_SCENARIOS, stateful_step_count=6, derandomize=True, database=None, deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck)))


def test_every_operation_reached_the_logic_behind_it(world: World) -> None:
    """Each operation answered at least once (fuzzed or through a link, the scene's own calls
    aside) with a 2xx or the ledger's own refusal of the request, not only with a refused
    signature, the framework's validation or the router's 404/405."""
    labels = {op.ok().label for op in schema.get_all_operations()}
    summary = {label: dict(STATS[label]) for label in sorted(labels)}
    print("\nschemathesis: outcomes per operation")
    for label, counts in summary.items():
        print(f"  {label}: {', '.join(f'{k} ×{v}' for k, v in sorted(counts.items()))}")
    runs: Counter[str] = Counter()
    for counts in summary.values():
        for key, n in counts.items():
            runs[key.split(" ")[-1].strip("()") if "(" in key else "fuzzed"] += n
    print(f"  {len(summary)} operations; requests: {', '.join(f'{n} {k}' for k, n in sorted(runs.items()))}")
    reached = {label for label, counts in summary.items() for key in counts
               if "(scene)" not in key and "-" not in key.split(" ")[0]}
    unreached = sorted(set(summary) - reached)
    assert not unreached, f"operations that never got past the signature, the schema or the router: {unreached}"
