"""A mixed load on a running service, as real clients make it, and the check of what it left.

Four kinds of client share the load (a quarter each):

- anchor: an issuer anchoring batches of five qualification credentials (prepare, sign its own
  transaction, signed request);
- bid: a firm submitting sealed bids on a section that needs no guarantee (sealed to the tender's
  opening key, signed with its key, relayed by the service); each bid replaces the last;
- guarantee: a bank's cycle with a new firm each time: the firm's identity credential anchored,
  the firm's application, the bank's issue, the firm's bind, the firm's bid on the section
  that needs the guarantee;
- verify: verifications of the firms' identity credentials, and reads (a credential, the tender).

With probability `invalid`, a client's next request is an invalid one instead, each of which must
get its own 4xx: a request signed by another key than the signer it names (401; an anchor of new
credentials with a valid transaction, or a new bid, which then must never reach the chain), a
replay of a request the service accepted (401, "replay"), a body that is not JSON or not
the request's shape (422, each with its own message).

`check` then finds, with the chain read directly: every acknowledged write on chain exactly once
and in the store; nothing of a refused request on chain; the store's events those of the chain,
each once; and the store equal to its rebuild from the chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import SQLModel, select

from api.db.credentials import AnchorRecord, CredentialRecord
from api.db.events import ChainEvent
from api.db.guarantees import GuaranteeRecord
from api.db.journal import NOT_PROJECTED, Store
from api.db.tenders import BidEnvelope
from ledger.chain.guarantee_book import onchain_terms
from ledger.crypto.bids import seal_bid, sign_bid
from ledger.crypto.officer_box import OfficerKey, deal
from ledger.crypto.requests import sign_request
from ledger.crypto.sealing import BidPackage
from ledger.documents import Kind, SealedCredential, parse_document
from ledger.model.guarantee import Form, GuaranteeTerms, IssuerType
from ledger.runtime import Runtime
from ledger.tenders import tender_id
from ledger.uscc import generate_uscc

FUNDS = 10**21
BATCH = 5  # credentials per anchored batch
GUARANTEED, OPEN = 0, 1  # the tender's sections: the first needs a bid guarantee, the second none
OPS = ("anchor", "apply", "issue", "bind", "bid", "verify", "read")
INVALID = ("forged", "replay", "not_json", "bad_shape")
EXPECTED = {"forged": 401, "replay": 401, "not_json": 422, "bad_shape": 422}
TIMEOUT_S = 120.0
SETUP_THREADS = 16


# ---------------------------------------------------------------------------------- parties


@dataclass
class Sent:
    """A signed request exactly as it went out: replaying it sends the same bytes."""

    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Party:
    """A client of the HTTP API with its own key: it signs its transactions (prepared by the
    service) and its requests (EIP-712 headers)."""

    http: httpx.Client
    account: LocalAccount
    chain_id: int
    registry: str

    @property
    def address(self) -> str:
        return str(self.account.address)

    def signed(self, method: str, path: str, body: bytes = b"", *, key: LocalAccount | None = None) -> Sent:
        """The request with its signature headers; `key` signs instead (a forgery naming this party)."""
        headers = sign_request(key or self.account, chain_id=self.chain_id, contract=self.registry,
                               method=method, path=path, body=body)
        headers["X-TL-Signer"] = self.address
        if body:
            headers["content-type"] = "application/json"
        return Sent(method, path, body, headers)

    def send(self, sent: Sent, params: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.request(sent.method, sent.path, content=sent.body or None, headers=sent.headers,
                                 params=params)

    def post(self, path: str, payload: dict[str, Any]) -> tuple[httpx.Response, Sent]:
        sent = self.signed("POST", path, json.dumps(payload).encode())
        return self.send(sent), sent

    def get(self, path: str, **params: Any) -> httpx.Response:
        """A signed GET (the signature covers the path, not the query)."""
        return self.send(self.signed("GET", path), params)

    def sign_tx(self, tx: dict[str, Any]) -> str:
        tx = {k: v for k, v in tx.items() if k != "from"}
        if isinstance(tx.get("data"), str):
            tx["data"] = bytes.fromhex(tx["data"][2:])
        return "0x" + bytes(self.account.sign_transaction(tx).raw_transaction).hex()


def _ok(r: httpx.Response, *statuses: int) -> Any:
    if r.status_code not in (statuses or (200,)):
        raise Refused(r)
    return r.json()


class Refused(Exception):
    """A step of a valid operation was refused or failed: the operation counts as refused."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}: {response.text[:300]}")
        self.response = response


# ---------------------------------------------------------------------------------- documents


def qualification(issuer: str, subject: str, now: datetime, n: int) -> SealedCredential:
    later = (now + timedelta(days=4 * 365)).date().isoformat()
    return SealedCredential.seal(parse_document({
        "kind": int(Kind.QUALIFICATION), "issuer": issuer, "subject": subject,
        "validFrom": (now - timedelta(days=400)).isoformat(), "validUntil": (now + timedelta(days=900)).isoformat(),
        "issued_at": (now - timedelta(days=400)).isoformat(),
        "APT_CERTNO": f"D2610{n:08d}", "APT_NAME": "市政公用工程施工总承包一级", "APT_TYPE_NAME": "建筑业企业资质",
        "APT_CODE": "D261", "grade": "一级", "issue_date": (now - timedelta(days=400)).date().isoformat(),
        "APT_EDATE": later, "APT_GRANT_UNIT": "广东省住房和城乡建设厅"}))


def identity(issuer: str, subject: str, firm_key: str, now: datetime, n: int) -> SealedCredential:
    return SealedCredential.seal(parse_document({
        "kind": int(Kind.IDENTITY), "issuer": issuer, "subject": subject,
        "validFrom": (now - timedelta(days=400)).isoformat(), "validUntil": (now + timedelta(days=900)).isoformat(),
        "issued_at": (now - timedelta(days=400)).isoformat(),
        "firm_name": f"珠海市第{n}建设工程有限公司", "legal_representative": "张三",
        "registered_address": f"广东省珠海市香洲区某某路{n + 1}号", "registration_type": "有限责任公司",
        "signing_address": firm_key}))


def tender_params(now: datetime, code: str) -> dict[str, Any]:
    """A tender with a section that needs a 200,000 元 bid guarantee and one that needs none."""
    return {
        "project_code": code, "title": "珠海市香洲区市政道路改造工程", "tenderer": "珠海市香洲区住房和城乡建设局",
        "tenderer_uscc": "91350100M000100Y43",
        "sections": [
            {"code": f"{code}001", "name": "一标段", "estimated_price": "12000000.00", "bid_guarantee": "200000.00",
             "qualification": [], "personnel": []},
            {"code": f"{code}002", "name": "二标段", "estimated_price": "6000000.00", "bid_guarantee": "0",
             "qualification": [], "personnel": []},
        ],
        "deadline": (now + timedelta(days=21)).isoformat(), "bid_validity_days": 90,
        "evaluation_method": "定性评审", "shortlist_size": 3, "selection": {"method": "直接票决", "committee_size": 7},
    }


# ---------------------------------------------------------------------------------- what happened


@dataclass
class Outcome:
    """One operation (valid: its steps, end to end) or one invalid request, and its answer."""

    op: str  # an OPS name, or "invalid:<kind>"
    status: int  # the final status (599: no answer)
    started: float  # monotonic seconds
    seconds: float
    ok: bool  # valid: accepted; invalid: refused with its own 4xx
    note: str = ""


@dataclass
class Tally:
    """Everything the clients did, and what the check must find on chain and in the store."""

    outcomes: list[Outcome] = field(default_factory=list)
    anchored: list[tuple[str, list[str]]] = field(default_factory=list)  # (root, credential ids) acknowledged
    bids: list[tuple[str, str, int, str]] = field(default_factory=list)  # (tender, bidder, section, commitment)
    guarantees: dict[str, set[str]] = field(default_factory=dict)  # id -> steps acknowledged
    refused_credentials: list[str] = field(default_factory=list)  # sent in forged requests only
    refused_commitments: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # every HTTP answer of every request
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class CountingTransport(httpx.HTTPTransport):
    """Counts every answer's status, the steps of operations included."""

    def __init__(self, tally: Tally) -> None:
        super().__init__()
        self.tally = tally

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        with self.tally.lock:
            self.tally.statuses[response.status_code] += 1
        return response


# ---------------------------------------------------------------------------------- the world


@dataclass
class World:
    """What the clients work in: the chain's and the tender's particulars and each client's parties."""

    url: str
    rt: Runtime
    chain: dict[str, Any]
    tender: dict[str, Any]
    issuers: list[LocalAccount]  # anchor clients
    banks: list[LocalAccount]  # guarantee clients: each a bank and its firms' identity issuer
    firms: list[tuple[LocalAccount, str]]  # bid clients: key and USCC
    identities: list[SealedCredential]  # the bid clients' identity credentials, verified by the verify clients
    now: datetime
    fund_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tid(self) -> str:
        return str(self.tender["tender_id"])

    def party(self, http: httpx.Client, account: LocalAccount) -> Party:
        return Party(http, account, self.chain["chain_id"], self.chain["contracts"]["CredentialRegistry"])

    def fund(self, address: str) -> None:
        with self.fund_lock:  # this process's sends with the relayer, one after another
            self.rt.client.fund(self.rt.relayer, address, FUNDS)


def split(clients: int) -> dict[str, int]:
    """How many clients of each kind: a quarter each, the rest verifying."""
    quarter = max(1, clients // 4)
    return {"anchor": quarter, "guarantee": quarter, "bid": quarter, "verify": max(1, clients - 3 * quarter)}


def prepare(url: str, rt: Runtime, *, clients: int, say: Callable[[str], None] = lambda _m: None) -> World:
    """Fund and authorise each client's keys (the governance's keys held in the data directory;
    several at once, as the nonce guards allow), publish the tender through the API, and anchor
    the bidding firms' identity credentials (one batch)."""
    kinds = split(clients)
    http = httpx.Client(base_url=url, timeout=TIMEOUT_S)
    chain = http.get("/chain").json()
    now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
    rng = random.Random(clients)
    world = World(url, rt, chain, {}, [], [], [], [], now)
    regulator = Account.create()
    issuers = [Account.create() for _ in range(kinds["anchor"])]
    banks = [Account.create() for _ in range(kinds["guarantee"])]
    firms = [Account.create() for _ in range(kinds["bid"])]
    grants: list[tuple[LocalAccount, Any, int]] = [
        (regulator, rt.registry, int(Kind.IDENTITY)), *((a, rt.registry, int(Kind.QUALIFICATION)) for a in issuers),
        *((a, rt.registry, int(Kind.IDENTITY)) for a in banks),
        *((a, rt.guarantee_book, int(IssuerType.BANK)) for a in banks)]
    say(f"funding {1 + len(issuers) + len(banks) + len(firms)} keys and making {len(grants)} governance grants")
    with ThreadPoolExecutor(max_workers=SETUP_THREADS) as pool:  # each key's nonces under its guard
        funded = [pool.submit(rt.client.fund, rt.relayer, a.address, FUNDS) for a in (regulator, *issuers, *banks, *firms)]
        for receipt in funded:
            receipt.result()
        granted = [pool.submit(rt.govern, target, "authoriseIssuer", a.address, kind) for a, target, kind in grants]
        for mined in granted:
            mined.result()
    world.issuers, world.banks = issuers, banks
    code = f"E44040{rng.randrange(10**12):012d}"
    officers = [Account.create() for _ in range(5)]
    dealt = deal(tender_id=tender_id(code), threshold=3, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers])
    centre = world.party(http, rt.centre)
    r, _ = centre.post("/tenders", {
        "params": tender_params(now, code), "document_b64": base64.b64encode(b"%PDF tender").decode(),
        "opening_public_key": "0x" + dealt.opening_public.hex(),
        "share_hashes": ["0x" + h.hex() for h in dealt.share_hashes],
        "officers": list(dealt.officers), "threshold": 3})
    world.tender = _ok(r, 201)
    say(f"anchoring the identity credentials of {len(firms)} firms")
    issuer = world.party(http, regulator)
    world.firms = [(firm, generate_uscc(rng)) for firm in firms]
    world.identities = [identity(regulator.address, uscc, firm.address, now, n)
                        for n, (firm, uscc) in enumerate(world.firms)]
    _anchor(issuer, world.identities)
    return world


def _anchor(party: Party, sealed: list[SealedCredential]) -> tuple[str, list[str], Sent]:
    """Anchor `sealed` as `party` (an authorised issuer): the root, the credential ids and the request."""
    docs = [s.to_dict() for s in sealed]
    prep = _ok(party.http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": party.address}))
    r, sent = party.post("/credentials", {"documents": docs, "signed_tx": party.sign_tx(prep["tx"])})
    body = _ok(r, 201)
    return body["root"], [c["credential_id"] for c in body["credentials"]], sent


# ---------------------------------------------------------------------------------- clients


class Client:
    """One client's loop: `step` does its next operation, or with probability `invalid` an
    invalid request instead."""

    kind = ""

    def __init__(self, world: World, tally: Tally, n: int, invalid: float, timeout: float = TIMEOUT_S) -> None:
        self.world, self.tally, self.n, self.invalid = world, tally, n, invalid
        self.http = httpx.Client(base_url=world.url, timeout=timeout, transport=CountingTransport(tally))
        self.rng = random.Random(f"{self.kind}/{n}")
        self.accepted: tuple[Party, Sent] | None = None  # the last signed request the service accepted
        self.serial = 0

    def step(self) -> None:
        if self.invalid and self.rng.random() < self.invalid:
            self.attempt_invalid(self.rng.choice(self.invalid_kinds()))
        else:
            self.operate()

    def invalid_kinds(self) -> tuple[str, ...]:
        return INVALID if self.accepted else ("not_json", "bad_shape")

    def operate(self) -> None:
        raise NotImplementedError

    def timed(self, op: str, run: Callable[[], Any]) -> Any:
        """Run one operation's steps; note its outcome (refused if a step was)."""
        t0 = time.monotonic()
        try:
            result = run()
        except Refused as exc:
            self.tally.note(Outcome(op, exc.response.status_code, t0, time.monotonic() - t0, False, str(exc)))
            return None
        except httpx.HTTPError as exc:
            self.tally.note(Outcome(op, 599, t0, time.monotonic() - t0, False, f"no answer: {exc!r}"))
            return None
        self.tally.note(Outcome(op, 200, t0, time.monotonic() - t0, True))
        return result

    def keep(self, party: Party, sent: Sent) -> None:
        self.accepted = (party, sent)

    # ---------------------------------------------------------------- invalid requests
    def attempt_invalid(self, kind: str) -> None:
        t0 = time.monotonic()
        try:
            r, why = self.send_invalid(kind)
        except httpx.HTTPError as exc:
            self.tally.note(Outcome(f"invalid:{kind}", 599, t0, time.monotonic() - t0, False, repr(exc)))
            return
        message = _message(r)
        ok = r.status_code == EXPECTED[kind] and why(message)
        self.tally.note(Outcome(f"invalid:{kind}", r.status_code, t0, time.monotonic() - t0, ok,
                                "" if ok else f"HTTP {r.status_code}: {r.text[:300]}"))

    def send_invalid(self, kind: str) -> tuple[httpx.Response, Callable[[str], bool]]:
        if kind == "replay":
            assert self.accepted is not None
            party, sent = self.accepted
            return party.send(sent), lambda m: "replay" in m
        if kind == "forged":
            return self.forge(), lambda m: m.startswith("unauthenticated") and "replay" not in m
        if kind == "not_json":
            party = self.world.party(self.http, Account.create())
            return party.send(party.signed("POST", self.write_path(), b'{"documents": [{"kind": 2,')), \
                lambda m: "not JSON" in m
        return self.http.post("/verify", json={"document": "not a credential"}), lambda m: m.startswith("document")

    def write_path(self) -> str:
        return "/credentials"

    def forge(self) -> httpx.Response:
        """The last accepted request's body under a new nonce, signed by another key than the one it names."""
        assert self.accepted is not None
        party, sent = self.accepted
        return party.send(party.signed(sent.method, sent.path, sent.body, key=Account.create()))


def _message(r: httpx.Response) -> str:
    try:
        return str(r.json().get("message", ""))
    except (ValueError, AttributeError):
        return ""


class Anchoring(Client):
    kind = "anchor"

    def __init__(self, world: World, tally: Tally, n: int, invalid: float, timeout: float = TIMEOUT_S) -> None:
        super().__init__(world, tally, n, invalid, timeout)
        self.party = world.party(self.http, world.issuers[n])

    def batch(self) -> list[SealedCredential]:
        self.serial += 1
        subject = self.world.firms[(self.n + self.serial) % len(self.world.firms)][1]
        return [qualification(self.party.address, subject, self.world.now, 10**6 * self.n + 10 * self.serial + i)
                for i in range(BATCH)]

    def operate(self) -> None:
        def run() -> None:
            root, ids, sent = _anchor(self.party, self.batch())
            with self.tally.lock:
                self.tally.anchored.append((root, ids))
            self.keep(self.party, sent)

        self.timed("anchor", run)

    def forge(self) -> httpx.Response:
        """New credentials with the issuer's own valid transaction, the request signed by another key."""
        sealed = self.batch()
        docs = [s.to_dict() for s in sealed]
        prep = _ok(self.http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": self.party.address}))
        body = json.dumps({"documents": docs, "signed_tx": self.party.sign_tx(prep["tx"])}).encode()
        with self.tally.lock:
            self.tally.refused_credentials.extend(_hex(s.credential_id()) for s in sealed)
        return self.party.send(self.party.signed("POST", "/credentials", body, key=Account.create()))


class Bidding(Client):
    kind = "bid"

    def __init__(self, world: World, tally: Tally, n: int, invalid: float, timeout: float = TIMEOUT_S) -> None:
        super().__init__(world, tally, n, invalid, timeout)
        account, _ = world.firms[n]
        self.party = world.party(self.http, account)

    def write_path(self) -> str:
        return f"/tenders/{self.world.tid}/sections/{OPEN}/bids"

    def operate(self) -> None:
        self.timed("bid", lambda: bid(self.world, self.tally, self.party, OPEN, self))

    def forge(self) -> httpx.Response:
        """A new bid, signed for the chain by the firm, the request signed by another key."""
        path, body, commitment = bid_request(self.world, self.party, OPEN)
        with self.tally.lock:
            self.tally.refused_commitments.append(commitment)
        return self.party.send(self.party.signed("POST", path, body, key=Account.create()))


def bid_request(world: World, party: Party, section: int) -> tuple[str, bytes, str]:
    """A sealed bid of `party` on `section`, signed for TenderBook: its path, body and commitment."""
    view = world.tender
    package = BidPackage.create(
        price="11000000", files={"bid.pdf": {"sha256": hashlib.sha256(b"x").hexdigest(),
                                             "content": base64.b64encode(b"x").decode()}},
        credential_ids=[], salt="0x" + os.urandom(32).hex())
    sealed = seal_bid(chain_id=view["chain_id"], book_address=view["tender_book"],
                      tender_id=bytes.fromhex(world.tid[2:]), section=section, bidder=party.address,
                      opening_public=bytes.fromhex(view["opening_public_key"][2:]), package=package)
    nonce = _ok(party.http.get(f"/tenders/{world.tid}/nonces/{party.address}"))["nonce"]
    auth = sign_bid(bidder=party.account, chain_id=view["chain_id"], book_address=view["tender_book"],
                    sealed=sealed, nonce=nonce, expiry=int(view["deadline"]))
    body = json.dumps({
        "envelope_b64": base64.b64encode(sealed.envelope).decode(),
        "credential_set_commitment": "0x" + sealed.credential_set_commitment.hex(),
        "commitment": "0x" + sealed.commitment.hex(),
        "nonce": nonce, "expiry": auth["expiry"], "signature": "0x" + auth["signature"].hex()}).encode()
    return f"/tenders/{world.tid}/sections/{section}/bids", body, "0x" + sealed.commitment.hex()


def bid(world: World, tally: Tally, party: Party, section: int, client: Client) -> None:
    path, body, commitment = bid_request(world, party, section)
    sent = party.signed("POST", path, body)
    _ok(party.send(sent), 201)
    with tally.lock:
        tally.bids.append((world.tid, party.address.lower(), section, commitment))
    client.keep(party, sent)


class Guaranteeing(Client):
    """A bank's cycle with a new firm: identity, apply, issue, bind, bid; one operation a step."""

    kind = "guarantee"

    def __init__(self, world: World, tally: Tally, n: int, invalid: float, timeout: float = TIMEOUT_S) -> None:
        super().__init__(world, tally, n, invalid, timeout)
        self.bank = world.party(self.http, world.banks[n])
        self.stage = "anchor"
        self.firm: Party | None = None
        self.gid = ""

    def operate(self) -> None:
        stage = self.stage
        done = self.timed(stage, getattr(self, f"_{stage}"))
        if done is not None:
            self.stage = {"anchor": "apply", "apply": "issue", "issue": "bind", "bind": "bid", "bid": "anchor"}[stage]
        elif stage != "anchor":
            self.stage = "anchor"  # a refused step: the next cycle starts with a new firm

    def _anchor(self) -> bool:
        account = Account.create()
        self.world.fund(account.address)
        self.serial += 1
        uscc = generate_uscc(self.rng)
        sealed = identity(self.bank.address, uscc, account.address, self.world.now, 10**6 * self.n + self.serial)
        root, ids, sent = _anchor(self.bank, [sealed])
        with self.tally.lock:
            self.tally.anchored.append((root, ids))
        self.keep(self.bank, sent)
        self.firm = self.world.party(self.http, account)
        return True

    def _section(self, rest: str) -> str:
        return f"/tenders/{self.world.tid}/sections/{GUARANTEED}/guarantees/{rest}"

    def _tx(self, party: Party, function: str, *args: Any) -> str:
        prep = _ok(self.http.post("/guarantees/tx/prepare", json={"sender": party.address, "function": function,
                                                                   "args": list(args)}))
        return party.sign_tx(prep["tx"])

    def _apply(self) -> bool:
        firm = self.firm
        assert firm is not None
        template = _ok(firm.get(self._section("application-template"), issuer=self.bank.address))
        r, sent = firm.post("/guarantees", {"application": template["application"],
                                            "signed_tx": firm.sign_tx(template["tx"])})
        self.gid = _ok(r, 201)["guarantee_id"]
        self._acknowledged("apply", firm, sent)
        return True

    def _issue(self) -> bool:
        filled = _ok(self.bank.get(f"/guarantees/{self.gid}/issue-template", rate_bps=30))
        terms = GuaranteeTerms.model_validate({
            **filled["terms"], "guarantee_no": "BH" + os.urandom(4).hex(), "issuer_type": int(IssuerType.BANK),
            "doc_hash": "0x" + hashlib.sha256(b"%PDF guarantee " + self.gid.encode()).hexdigest()})
        onchain = onchain_terms(terms, Form.PLAINTEXT)
        tx = self._tx(self.bank, "issue", self.gid, ["0x" + v.hex() if isinstance(v, bytes) else v for v in onchain])
        r, sent = self.bank.post(f"/guarantees/{self.gid}/issue", {"terms": terms.model_dump(mode="json"),
                                                                    "signed_tx": tx})
        _ok(r)
        self._acknowledged("issue", self.bank, sent)
        return True

    def _bind(self) -> bool:
        firm = self.firm
        assert firm is not None
        r, sent = firm.post(self._section("bind"), {"signed_tx": self._tx(firm, "bind", self.gid)})
        _ok(r)
        self._acknowledged("bind", firm, sent)
        return True

    def _bid(self) -> bool:
        assert self.firm is not None
        bid(self.world, self.tally, self.firm, GUARANTEED, self)
        return True

    def _acknowledged(self, step: str, party: Party, sent: Sent) -> None:
        with self.tally.lock:
            self.tally.guarantees.setdefault(self.gid, set()).add(step)
        self.keep(party, sent)


class Verifying(Client):
    """Verifications of the firms' identity credentials, every other operation a read."""

    kind = "verify"

    def invalid_kinds(self) -> tuple[str, ...]:
        return ("not_json", "bad_shape")  # it signs nothing

    def operate(self) -> None:
        self.serial += 1
        sealed = self.world.identities[(self.n + self.serial) % len(self.world.identities)]
        if self.serial % 2:
            def verify() -> None:
                report = _ok(self.http.post("/verify", json={"document": sealed.to_dict()}))
                if not report["ok"]:
                    raise Refused(httpx.Response(200, text=f"verification failed: {report}"))

            self.timed("verify", verify)
        else:
            path = f"/credentials/{_hex(sealed.credential_id())}" if self.serial % 4 else f"/tenders/{self.world.tid}"
            self.timed("read", lambda: _ok(self.http.get(path)))


KINDS: dict[str, type[Client]] = {"anchor": Anchoring, "guarantee": Guaranteeing, "bid": Bidding,
                                  "verify": Verifying}


# ---------------------------------------------------------------------------------- the run


def run(world: World, tally: Tally, *, clients: int, invalid: float, until: float | None = None,
        steps: int | None = None, timeout: float = TIMEOUT_S) -> None:
    """`clients` clients at once, each until the monotonic time `until` or for `steps` steps;
    a request unanswered after `timeout` seconds counts as refused (a client that gives up on
    its own write may then find its next transaction's nonce taken: it is refused too)."""
    if (until is None) == (steps is None):
        raise ValueError("give until or steps")
    made = [KINDS[kind](world, tally, n, invalid, timeout) for kind, count in split(clients).items() for n in range(count)]

    def loop(client: Client) -> None:
        done = 0
        while (until is None or time.monotonic() < until) and (steps is None or done < steps):
            client.step()
            done += 1
        client.http.close()

    with ThreadPoolExecutor(max_workers=len(made)) as pool:
        for future in [pool.submit(loop, c) for c in made]:
            future.result()


# ---------------------------------------------------------------------------------- the check


@dataclass
class Findings:
    """What `check` found; all counts are 0 (and `store_equals_rebuild` true) when nothing went wrong."""

    errors_5xx: int
    no_answer: int
    valid_refused: int
    invalid_sent: int
    invalid_rejected: int
    invalid_misanswered: int
    lost: int
    duplicated: int
    refused_but_applied: int
    events_missing_or_doubled: int
    store_equals_rebuild: bool
    problems: list[str]

    @property
    def clean(self) -> bool:
        return (not (self.errors_5xx or self.no_answer or self.valid_refused or self.invalid_misanswered
                     or self.lost or self.duplicated or self.refused_but_applied or self.events_missing_or_doubled)
                and self.store_equals_rebuild)


def projection(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the chain gives back, sorted."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in NOT_PROJECTED:
                found[table.name] = sorted(tuple(map(repr, row)) for row in s.execute(table.select()))
    return found


def check(tally: Tally, rt: Runtime, store: Store) -> Findings:
    """Compare what the clients were told with the chain (read directly) and the store."""
    problems: list[str] = []
    valid = [o for o in tally.outcomes if not o.op.startswith("invalid:")]
    invalid = [o for o in tally.outcomes if o.op.startswith("invalid:")]
    problems += [f"{o.op}: {o.note}" for o in tally.outcomes if not o.ok][:10]
    # The chain's head first, then the store brought up to it: the service still runs (its checkpoint
    # writer may mine while this reads), so both sides are compared up to that head only.
    head = store.confirmed_head()
    store.reconcile()
    key = store.chain_key

    def logs(gateway: Any, event: str) -> list[Any]:
        return list(gateway.logs(from_block=0, to_block=head, event=event))

    lost = duplicated = applied = 0
    roots = Counter("0x" + bytes(e.args["root"]).hex() for e in logs(rt.registry, "Anchored"))
    with store.session() as s:
        stored_ids = set(s.exec(select(CredentialRecord.credential_id).where(CredentialRecord.chain_key == key)))
        stored_roots = set(s.exec(select(AnchorRecord.root).where(AnchorRecord.chain_key == key)))
        envelopes = set(s.exec(select(BidEnvelope.tender_id, BidEnvelope.bidder, BidEnvelope.section,
                                      BidEnvelope.commitment).where(BidEnvelope.chain_key == key)))
        issued = {gid for gid, tx in s.exec(select(GuaranteeRecord.guarantee_id, GuaranteeRecord.issued_tx)
                                            .where(GuaranteeRecord.chain_key == key)) if tx}
        applied_rows = set(s.exec(select(GuaranteeRecord.guarantee_id).where(GuaranteeRecord.chain_key == key)))
        events = list(s.exec(select(ChainEvent).where(ChainEvent.chain_key == key, ChainEvent.block_number <= head)))
    for root, ids in tally.anchored:
        if roots[root] == 0 or root not in stored_roots or not set(ids) <= stored_ids:
            lost += 1
            problems.append(f"anchored batch {root} missing on chain or in the store")
        duplicated += roots[root] > 1
    applied += len(set(tally.refused_credentials) & stored_ids)
    submitted = Counter((_hex(e.args["tenderId"]), e.args["bidder"].lower(), int(e.args["section"]),
                         _hex(e.args["commitment"])) for e in logs(rt.tender_book, "BidSubmitted"))
    envelope_keys = {(t, b.lower(), sec, c) for t, b, sec, c in envelopes}
    for key4 in tally.bids:
        if submitted[key4] == 0 or key4 not in envelope_keys:
            lost += 1
            problems.append(f"bid {key4} missing on chain or in the store")
        duplicated += submitted[key4] > 1
    refused = set(tally.refused_commitments)
    applied += sum(1 for k in submitted if k[3] in refused)
    steps = {"apply": "Applied", "issue": "Issued", "bind": "Bound"}
    on_chain = {name: Counter(_hex(e.args["guaranteeId"]) for e in logs(rt.guarantee_book, name))
                for name in steps.values()}
    in_store = {name: Counter(json.loads(e.args)["guaranteeId"].lower() for e in events if e.name == name)
                for name in steps.values()}
    for gid, done in tally.guarantees.items():
        for step in done:
            name = steps[step]
            stored = {"apply": gid in applied_rows, "issue": gid in issued, "bind": in_store[name][gid] == 1}[step]
            if on_chain[name][gid] == 0 or not stored:
                lost += 1
                problems.append(f"{step} of guarantee {gid} missing on chain or in the store")
            duplicated += on_chain[name][gid] > 1
    chain_logs = sum(gw.log_count(from_block=0, to_block=head) for gw in (rt.gateway(n) for n in rt.addresses))
    positions = {(e.block_number, e.log_index) for e in events}
    doubled = abs(len(events) - chain_logs) + (len(events) - len(positions))
    if doubled:
        problems.append(f"the store holds {len(events)} events ({len(positions)} positions), the chain {chain_logs}")
    before = projection(store)
    store.rebuild()
    after = projection(store)
    equal = after == before
    if not equal:
        for table in sorted(set(before) | set(after)):
            old, new = set(before.get(table, [])), set(after.get(table, []))
            if old != new:
                problems.append(f"the store differs from its rebuild in {table}: "
                                f"only before {sorted(old - new)[:2]}, only after {sorted(new - old)[:2]}")
    return Findings(
        errors_5xx=sum(c for status, c in tally.statuses.items() if status >= 500),
        no_answer=sum(1 for o in tally.outcomes if o.status == 599),
        valid_refused=sum(1 for o in valid if not o.ok),
        invalid_sent=len(invalid), invalid_rejected=sum(1 for o in invalid if o.ok),
        invalid_misanswered=sum(1 for o in invalid if not o.ok),
        lost=lost, duplicated=duplicated, refused_but_applied=applied, events_missing_or_doubled=doubled,
        store_equals_rebuild=equal, problems=problems)


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def latencies(outcomes: list[Outcome], since: float = 0.0) -> Iterator[tuple[str, list[float]]]:
    """Each operation's accepted durations (seconds), for the operations started at `since` or later."""
    for op in OPS:
        times = sorted(o.seconds for o in outcomes if o.op == op and o.ok and o.started >= since)
        if times:
            yield op, times
