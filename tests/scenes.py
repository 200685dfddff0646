"""One scene builder for the suite: the parties, credentials, tenders and bids a test needs, one
call each, over a running service (its Runtime plus a TestClient, or an httpx client of a served
API).

    with Scene.served(tmp_path) as scene:
        issuer = scene.issuer(Kind.QUALIFICATION, Kind.PERFORMANCE)
        firm = scene.firm(issuer)                  # a key, its identity credential, its credentials
        tender = scene.tender(guarantee="0")       # published 3-of-5, shares sealed to the officers
        assert scene.bid(firm, tender).status_code == 201
        scene.after_deadline(tender)
        scene.release(tender)
        scene.open(tender, 0)

For tests of the chain layer without the service, `open_ledger(chain)` is a fresh
CredentialRegistry with its admin and an issuer of qualifications and credit.

Also here: `make_document` (a valid document of every kind), `tender_params` (one realistic
municipal-works tender) and `Actor` (a party using the HTTP API with its own key).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3.contract import Contract

from ledger.chain.client import ChainClient
from ledger.chain.registry import RegistryGateway
from ledger.crypto.bid_keys import FirmLink, derive_bid_key, sign_link
from ledger.crypto.bids import WITHDRAWAL, authorise_bid, seal_bid, sign_bid
from ledger.crypto.officer_box import OfficerKey, SealedShare, deal, open_share
from ledger.crypto.requests import sign_request
from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.crypto.shares import Share, combine
from ledger.documents import Document, Kind, SealedCredential, parse_document
from ledger.model.guarantee import IssuerType
from ledger.runtime import Runtime
from ledger.tenders import tender_id
from ledger.uscc import generate_uscc
from tests.conftest import ChainEnv

FIRM = "91350100M000100Y43"
CLIENT_FIRM = "91130125MA07WJNA83"
FUNDS = 10**21
#: The credentials a firm holds by default: its identity and what a works section asks for.
KINDS = (Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)


# ---------------------------------------------------------------------- documents and parameters


def make_document(
    kind: Kind,
    *,
    issuer: str,
    subject: str = FIRM,
    n: int = 0,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    **overrides: Any,
) -> Document:
    """A valid document of `kind`; `n` varies its values (and which optional fields are set)."""
    start = valid_from or datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n)
    envelope: dict[str, Any] = {
        "kind": int(kind),
        "issuer": issuer,
        "subject": subject,
        "validFrom": start.isoformat(),
        "issued_at": (start + timedelta(hours=8, minutes=n)).isoformat(),
    }
    until = valid_until if valid_until is not None else start + timedelta(days=5 * 365)
    if n % 3 != 2 or valid_until is not None:  # every third sample is open-ended
        envelope["validUntil"] = until.isoformat()
    claims: dict[Kind, dict[str, Any]] = {
        Kind.IDENTITY: {
            "firm_name": f"珠海市第{n}建设工程有限公司",
            "legal_representative": "张三" if n % 2 else "欧阳·娜娜",
            "registered_address": f"广东省珠海市香洲区某某路{n + 1}号（东座）",
            "registration_type": "有限责任公司",
            "signing_address": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
        },
        Kind.QUALIFICATION: {
            "APT_CERTNO": f"D2610{n:05d}",
            "APT_NAME": "市政公用工程施工总承包二级",
            "APT_TYPE_NAME": "建筑业企业资质",
            "APT_CODE": "D261",
            "grade": ["特级", "一级", "二级", "甲级"][n % 4],
            "issue_date": "2024-01-01",
            "APT_EDATE": f"{2028 + n % 3}-12-31",
            "APT_GRANT_UNIT": "广东省住房和城乡建设厅",
        },
        Kind.PERSONNEL: {
            "person_name": "李四" if n % 2 else "𠀋太郎",  # a character outside the BMP
            "registration_type": "一级注册建造师",
            "REG_CERTNO": f"粤14420122{n:08d}",
            "specialty": "市政公用工程",
            "expiry_date": "2027-06-30",
            "registered_employer_uscc": subject,
            **(
                {"id_number": "44040019800101123X", "seal_no": f"粤1442{n:06d}"}
                if n % 2 == 0
                else {}
            ),
        },
        Kind.PERFORMANCE: {
            "PRJNUM": f"44040221010101{n:02d}",
            "project_name": f"珠海市某道路改造工程（第{n}标段）",
            "client_name": "珠海市某某建设单位",
            "client_uscc": CLIENT_FIRM,
            "contract_no": f"HT-2021-{n:03d}",
            "contract_amount_wan": f"{1234 + n}.56",
            "EDATE": "2022-12-20",
            **({"TENDERNUM": f"44040221-BJ-{n:03d}", "investment_wan": "1500"} if n % 2 else {}),
            **({"building_area_m2": "12345.678901"} if n % 3 == 0 else {}),
        },
        Kind.AWARD: {
            "award_name": "鲁班奖" if n % 2 else "“詹天佑奖”",
            "level": ["国家级", "省级", "市级"][n % 3],
            "issuing_body": "中国建筑业协会",
            "certificate_no": f"LB-2023-{n:04d}",
            "award_date": "2023-11-15",
            **({"PRJNUM": "4404022101010101"} if n % 2 == 0 else {}),
        },
        Kind.CREDIT: {
            "record_no": f"XY-2024-{n:04d}",
            "record_type": ["bad", "good", "blacklist", "redlist", "joint-punishment"][n % 5],
            "decision": "因串通投标记不良行为一次\n（见附件）",
            "deciding_body": "珠海市住房和城乡建设局",
            "decision_document_no": f"珠建罚〔2024〕{n + 7}号",
            "listed_date": "2024-01-01",
            **({"removal_date": "2025-01-01"} if n % 2 == 0 else {}),
        },
        Kind.CONTRACT_PERFORMANCE: {
            "PRJNUM": f"44040221010101{n:02d}",
            "project_name": "珠海市某道路改造工程",
            "section_code": f"E32030103190057780010{n:02d}",
            "TENDERNUM": "4404022101010101-BJ-001",
            "client_name": "珠海市某某建设单位",
            "client_uscc": CLIENT_FIRM,
            "contract_no": "HT-2021-001",
            "contract_amount_wan": "0.01",
            "rating": ["优秀", "良好", "合格", "不合格"][n % 4],
            "EDATE": "2022-12-20",
            **({"award_id": "0x" + f"{n:02x}" * 32, "score": "95.5"} if n % 2 == 0 else {}),
        },
    }
    return parse_document({**envelope, **claims[kind], **overrides})


def tender_params(*, guarantee: str = "200000.00", **overrides: Any) -> dict[str, Any]:
    """The tender's parameters; `guarantee` is section 0's bid guarantee in 元 ("0": none required)."""
    issued = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    params: dict[str, Any] = {
        "project_code": "E3203010319005778",
        "title": "珠海市香洲区市政道路改造工程",
        "tenderer": "珠海市香洲区住房和城乡建设局",
        "tenderer_uscc": "91350100M000100Y43",
        "sections": [
            {
                "code": "E3203010319005778001001",
                "name": "一标段",
                "estimated_price": "12000000.00",
                "bid_guarantee": guarantee,
                "qualification": [
                    {"category": "建筑业企业资质", "name_contains": "市政公用工程", "min_grade": "二级"}
                ],
                "performance": {"count": 1, "min_amount_wan": "500", "within_years": 5},
                "personnel": [{"registration_type": "一级注册建造师", "specialty": "市政", "count": 1}],
            }
        ],
        "deadline": (issued + timedelta(days=21)).isoformat(),
        "bid_validity_days": 90,
        "evaluation_method": "定性评审",
        "shortlist_size": 3,
        "selection": {"method": "直接票决", "committee_size": 7},
    }
    params.update(overrides)
    return params


# ---------------------------------------------------------------------- parties


@dataclass
class Actor:
    """A party using the HTTP API the way a real client would: its own key signs its transactions
    (prepared by the service, checked by the party) and every write request (EIP-712 headers)."""

    http: TestClient
    account: LocalAccount
    chain_id: int
    registry: str

    @classmethod
    def of(cls, http: TestClient, account: LocalAccount) -> Actor:
        chain = http.get("/chain").json()
        return cls(http, account, chain["chain_id"], chain["contracts"]["CredentialRegistry"])

    def headers(self, method: str, path: str, body: bytes, **kw: Any) -> dict[str, str]:
        return sign_request(
            self.account, chain_id=self.chain_id, contract=self.registry, method=method,
            path=path, body=body, **kw,
        )

    def post(self, path: str, payload: dict[str, Any], *, signed: bool = True, **kw: Any) -> Any:
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json"}
        if signed:
            headers |= self.headers("POST", path, body, **kw)
        return self.http.post(path, content=body, headers=headers)

    def sign_tx(self, tx: dict[str, Any]) -> str:
        tx = dict(tx)
        tx.pop("from", None)
        for k in ("to",):
            tx[k] = tx[k]
        if isinstance(tx.get("data"), str):
            tx["data"] = bytes.fromhex(tx["data"][2:])
        return "0x" + bytes(self.account.sign_transaction(tx).raw_transaction).hex()

    def prepare(self, function: str, *args: Any) -> str:
        r = self.http.post("/tx/prepare", json={"sender": self.account.address, "function": function, "args": list(args)})
        assert r.status_code == 200, r.text
        return self.sign_tx(r.json()["tx"])

    def prepare_on(self, contract: str, function: str, *args: Any) -> str:
        r = self.http.post("/tx/prepare", json={"sender": self.account.address, "contract": contract,
                                                "function": function, "args": list(args)})
        assert r.status_code == 200, r.text
        return self.sign_tx(r.json()["tx"])

    def anchor(self, sealed: list[Any]) -> Any:
        docs = [s.to_dict() for s in sealed]
        prep = self.http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": self.account.address})
        assert prep.status_code == 200, prep.text
        return self.post("/credentials", {"documents": docs, "signed_tx": self.sign_tx(prep.json()["tx"])})


@dataclass
class Firm:
    """A bidding firm: its key (an Actor), its USCC, and the ids of its anchored credentials."""

    actor: Actor
    uscc: str
    ids: dict[Kind, str] = field(default_factory=dict)
    identity: SealedCredential | None = None

    @property
    def account(self) -> LocalAccount:
        return self.actor.account

    @property
    def address(self) -> str:
        return str(self.actor.account.address)

    @property
    def ticks(self) -> list[str]:
        """The credentials a bid ticks: every one but the identity."""
        return [cid for kind, cid in self.ids.items() if kind is not Kind.IDENTITY]


@dataclass
class Tender:
    """A published tender: the service's view of it, each officer's share sealed to that
    officer's key (as `tender publish` hands them over), and the officers' accounts."""

    view: dict[str, Any]
    sealed: dict[str, SealedShare]
    officers: list[LocalAccount]

    @property
    def shares(self) -> dict[str, Share]:
        """Each officer's share, opened with the officer's own key."""
        return {o.address: open_share(self.sealed[o.address], bytes(o.key)) for o in self.officers}

    @property
    def key(self) -> OpeningKey:
        """The opening key as k officers rebuild it from their shares."""
        view = self.view
        private = combine(list(self.shares.values())[: view["threshold"]], k=view["threshold"],
                          expected_public=bytes.fromhex(view["opening_public_key"][2:]))
        return OpeningKey(private)

    @property
    def tid(self) -> str:
        return str(self.view["tender_id"])

    @property
    def deadline(self) -> int:
        return int(self.view["deadline"])

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.view["params"])


# ---------------------------------------------------------------------- the scene


class Scene:
    """A running service (its Runtime and an HTTP client) and builders of what tests need in it.
    The centre is the data directory's centre key; the governance (every contract's admin) is its
    development consortium, whose member keys the data directory holds; the relayer funds keys."""

    def __init__(self, http: Any, rt: Runtime, *, seed: int = 3) -> None:
        self.http, self.rt = http, rt
        self.centre = Actor.of(http, rt.centre)
        self.members = [Actor.of(http, g.account) for g in rt.governors]
        self.rng = random.Random(seed)
        self.serial = 0  # varies each firm's documents
        self.tenders = 0  # varies each tender's project code (a tender's id is its code's hash)
        self.funds = FUNDS  # what the relayer gives each new key (0 on a zero gas price network)

    @classmethod
    @contextmanager
    def served(cls, data_dir: Path, *, database_url: str | None = None, seed: int = 3,
               checkpoints: bool = False) -> Iterator[Scene]:
        """The service on the embedded chain in `data_dir` (store on SQLite unless `database_url`),
        through a TestClient. Its background checkpoint writer runs only with `checkpoints`: it mines
        a checkpoint whenever 100 records wait, at a moment the test does not choose, which a test
        comparing the chain and the store, or checkpointing itself, must not race with (the writer
        has its own tests, tests/clients/test_checkpoints.py)."""
        from api.app import create_app
        from ledger.config import Settings

        settings = Settings(data_dir=data_dir / "data", **({"database_url": database_url} if database_url else {}),
                            **({} if checkpoints else {"checkpoint_every_records": 0, "checkpoint_every_s": 0}))
        app = create_app(settings)
        with TestClient(app) as http:
            yield cls(http, app.state.runtime, seed=seed)

    @property
    def store(self) -> Any:
        return self.http.app.state.store

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.rt.client.block_timestamp(), UTC)

    # ------------------------------------------------------------------ parties
    def account(self, funds: int | None = None) -> LocalAccount:
        """A new key, funded by the relayer (`funds`, default the scene's `funds`) unless that is 0."""
        account = Account.create()
        funds = self.funds if funds is None else funds
        if funds:
            self.rt.client.fund(self.rt.relayer, account.address, funds)
        return account

    def actor(self, account: LocalAccount | None = None, funds: int | None = None) -> Actor:
        return Actor.of(self.http, account or self.account(funds))

    def issuer(self, *kinds: Kind, funds: int | None = None) -> Actor:
        """A credential issuer the governance authorises for `kinds` through the API."""
        issuer = self.actor(funds=funds)
        for kind in kinds:
            self.govern("CredentialRegistry", "authoriseIssuer", issuer.account.address, int(kind))
        return issuer

    def govern(self, contract: str, function: str, *args: Any, approvals: int | None = None,
               card: dict[str, str] | None = None) -> dict[str, Any]:
        """Have the governance call `function(*args)` on `contract` through the API: the first
        member proposes, the next ones approve (until the threshold, or `approvals` members in
        all), each with its own signed transaction. Returns the proposal as the last step left it.
        With `card` (name, organisation), the proposal carries a pool card naming the person."""
        count = approvals if approvals is not None else self.http.get("/governance").json()["threshold"]
        first, *others = self.members[:count]
        r = self.http.post("/governance/prepare-proposal", json={
            "sender": first.account.address, "contract": contract, "function": function, "args": list(args),
            **({"card": card} if card is not None else {})})
        assert r.status_code == 200, r.text
        pid = r.json()["proposal_id"]
        extra = {"card": r.json()["card"]["content"]} if card is not None else {}
        step = first.post("/governance/steps", {"signed_tx": first.sign_tx(r.json()["tx"]), **extra})
        assert step.status_code == 200, step.text
        for member in others:
            r = self.http.post(f"/governance/proposals/{pid}/prepare",
                               json={"sender": member.account.address, "function": "approve"})
            assert r.status_code == 200, r.text
            step = member.post("/governance/steps", {"signed_tx": member.sign_tx(r.json()["tx"])})
            assert step.status_code == 200, step.text
        proposal: dict[str, Any] = step.json()["proposal"]
        return proposal

    def guarantor(self, kind: IssuerType = IssuerType.BANK, profile: dict[str, Any] | None = None,
                  funds: int | None = None) -> Actor:
        """A guarantee issuer (bank or insurer) the governance authorises, with its published profile."""
        guarantor = self.actor(funds=funds)
        self.govern("GuaranteeBook", "authoriseIssuer", guarantor.account.address, int(kind))
        if profile is not None:
            r = guarantor.post("/guarantee-issuers/profile", profile)
            assert r.status_code == 200, r.text
        return guarantor

    def guarantee_tx(self, actor: Actor, function: str, *args: Any) -> str:
        """`actor`'s own signed GuaranteeBook transaction, prepared by the service."""
        r = self.http.post("/guarantees/tx/prepare", json={"sender": actor.account.address, "function": function,
                                                           "args": list(args)})
        assert r.status_code == 200, r.text
        return actor.sign_tx(r.json()["tx"])

    def firm(self, issuer: Actor, *, kinds: Iterable[Kind] = KINDS, bound: bool = True,
             account: LocalAccount | None = None, uscc: str | None = None) -> Firm:
        """A firm with a funded key, its identity credential naming that key (none if not `bound`)
        and one credential of each other kind in `kinds`, all anchored by `issuer`."""
        firm = Firm(self.actor(account), uscc or generate_uscc(self.rng))
        self.serial += 1
        for kind in kinds:
            if kind is Kind.IDENTITY and not bound:
                continue
            self.credential(firm, kind, issuer=issuer)
        return firm

    def document(self, firm: Firm, kind: Kind, *, issuer: Actor, n: int | None = None, **fields: Any) -> Document:
        """A document about `firm`, valid from 400 days ago for 900 days, meeting the default
        tender's section; `fields` override its values."""
        now, uscc = self.now(), firm.uscc
        # Relative to the chain's clock, which a module's tests move years ahead passing deadlines.
        later = (now + timedelta(days=4 * 365)).date().isoformat()
        defaults: dict[Kind, dict[str, Any]] = {
            Kind.IDENTITY: {"signing_address": firm.address},
            Kind.QUALIFICATION: {"APT_NAME": "市政公用工程施工总承包一级", "grade": "一级",
                                 "APT_EDATE": later},
            Kind.PERFORMANCE: {"contract_amount_wan": "900",
                               "EDATE": (now - timedelta(days=100)).date().isoformat()},
            Kind.PERSONNEL: {"registration_type": "一级注册建造师", "specialty": "市政公用工程",
                             "registered_employer_uscc": uscc, "expiry_date": later},
        }
        return make_document(kind, issuer=issuer.account.address, subject=uscc,
                             n=self.serial - 1 if n is None else n,
                             **{"valid_from": now - timedelta(days=400), "valid_until": now + timedelta(days=900),
                                **defaults.get(kind, {}), **fields})

    def credential(self, firm: Firm, kind: Kind, *, issuer: Actor, n: int | None = None, **fields: Any) -> str:
        """Anchor one credential of `kind` about `firm` (see `document`); returns its id."""
        sealed = SealedCredential.seal(self.document(firm, kind, issuer=issuer, n=n, **fields))
        r = issuer.anchor([sealed])
        assert r.status_code == 201, r.text
        cid = str(r.json()["credentials"][0]["credential_id"])
        firm.ids[kind] = cid
        if kind is Kind.IDENTITY:
            firm.identity = sealed
        return cid

    # ------------------------------------------------------------------ tenders and bids
    def tender(self, *, guarantee: str = "0", sections: list[dict[str, Any]] | None = None,
               deadline_in: timedelta = timedelta(days=21), officers: int = 5, threshold: int = 3,
               **params: Any) -> Tender:
        """A tender the centre publishes now: `tender_params` with `guarantee` for section 0 (or
        `sections`), the opening key made, split and sealed to funded officers' keys as
        `tender publish` does (`ledger.crypto.officer_box.deal`).
        The scene's first tender has the default project code; later ones get their own."""
        now = self.now()
        self.tenders += 1
        if self.tenders > 1:
            params.setdefault("project_code", f"E3203010319005778-{self.tenders}")
        values = tender_params(guarantee=guarantee, deadline=(now + deadline_in).isoformat(), **params)
        if sections is not None:
            values["sections"] = sections
        accounts = [self.account() for _ in range(officers)]
        dealt = deal(tender_id=tender_id(values["project_code"]), threshold=threshold,
                     officers=[OfficerKey.of_private(bytes(o.key)) for o in accounts])
        r = self.centre.post("/tenders", {
            "params": values, "document_b64": base64.b64encode(b"%PDF tender").decode(),
            "opening_public_key": "0x" + dealt.opening_public.hex(),
            "share_hashes": ["0x" + h.hex() for h in dealt.share_hashes],
            "officers": list(dealt.officers), "threshold": threshold,
        })
        assert r.status_code == 201, r.text
        return Tender(r.json(), {s.officer: s for s in dealt.sealed}, accounts)

    def bid_key(self, firm: Firm, tender: Tender, *, link_signer: LocalAccount | None = None
                ) -> tuple[Actor, FirmLink]:
        """`firm`'s per-tender bid key (an Actor) and its firm link (signed by `link_signer` instead
        of the firm key, for an attack)."""
        view = tender.view
        key = derive_bid_key(firm.account, bytes.fromhex(tender.tid[2:]))
        link = sign_link(link_signer or firm.account, chain_id=view["chain_id"], book_address=view["tender_book"],
                         tender_id=bytes.fromhex(tender.tid[2:]), bid_key=key.address)
        if link_signer is not None:
            link = FirmLink(firm=firm.address, signature=link.signature)
        return Actor.of(self.http, key), link

    def bid(self, firm: Firm, tender: Tender, section: int = 0, *, credentials: list[str] | None = None,
            price: str = "11000000", expiry: int | None = None, sealed_to: bytes | None = None,
            bid_key: bool = False, link: FirmLink | None = None, files: dict[str, bytes] | None = None) -> Any:
        """`firm`'s sealed bid, signed by its key and relayed by the service; the response. With
        `sealed_to`, the bid is sealed to that key instead of the tender's (it will not open). With
        `bid_key`, it is made with the firm's per-tender bid key, the firm link (or `link`) sealed inside."""
        actor = firm.actor
        if bid_key:
            actor, own_link = self.bid_key(firm, tender)
            link = link or own_link
        contents = {"bid.pdf": b"x"} if files is None else files
        package = BidPackage.create(
            price=price, files={name: {"sha256": hashlib.sha256(c).hexdigest(), "content": base64.b64encode(c).decode()}
                                for name, c in contents.items()},
            credential_ids=firm.ticks if credentials is None else credentials, salt="0x" + os.urandom(32).hex(),
            firm_link=link,
        )
        view = tender.view
        sealed = seal_bid(
            chain_id=view["chain_id"], book_address=view["tender_book"], tender_id=bytes.fromhex(tender.tid[2:]),
            section=section, bidder=actor.account.address,
            opening_public=sealed_to or bytes.fromhex(view["opening_public_key"][2:]), package=package,
        )
        nonce = self.http.get(f"/tenders/{tender.tid}/nonces/{actor.account.address}").json()["nonce"]
        auth = sign_bid(bidder=actor.account, chain_id=view["chain_id"], book_address=view["tender_book"],
                        sealed=sealed, nonce=nonce, expiry=expiry or tender.deadline)
        return actor.post(f"/tenders/{tender.tid}/sections/{section}/bids", {
            "envelope_b64": base64.b64encode(sealed.envelope).decode(),
            "credential_set_commitment": "0x" + sealed.credential_set_commitment.hex(),
            "commitment": "0x" + sealed.commitment.hex(),
            "nonce": nonce, "expiry": auth["expiry"], "signature": "0x" + auth["signature"].hex(),
        })

    def withdraw(self, firm: Firm | Actor, tender: Tender, section: int = 0) -> Any:
        """Withdraw the live bid of `firm` (or of a bid key's Actor) by a signed zero-commitment Bid."""
        actor = firm.actor if isinstance(firm, Firm) else firm
        view = tender.view
        nonce = self.http.get(f"/tenders/{tender.tid}/nonces/{actor.account.address}").json()["nonce"]
        a = authorise_bid(bidder=actor.account, chain_id=view["chain_id"], book_address=view["tender_book"],
                          tender_id=bytes.fromhex(tender.tid[2:]), section=section, commitment=WITHDRAWAL,
                          nonce=nonce, expiry=tender.deadline)
        return actor.post(f"/tenders/{tender.tid}/sections/{section}/withdraw",
                          {"nonce": nonce, "expiry": tender.deadline, "signature": "0x" + a.signature.hex()})

    def after_deadline(self, tender: Tender) -> None:
        """Move the chain's clock past the tender's current deadline (amendments included)."""
        deadline = self.http.get(f"/tenders/{tender.tid}").json()["deadline"]
        self.rt.client.increase_time(deadline - self.rt.client.block_timestamp() + 1)

    def release(self, tender: Tender, count: int = 3) -> None:
        """The first `count` officers release their shares with their own transactions."""
        for officer in tender.officers[:count]:
            actor = Actor.of(self.http, officer)
            share = open_share(tender.sealed[officer.address], bytes(officer.key))
            tx = actor.prepare_on("TenderBook", "releaseShare", tender.tid, "0x" + share.to_bytes().hex())
            r = actor.post(f"/tenders/{tender.tid}/shares", {"signed_tx": tx})
            assert r.status_code == 200, r.text

    def open(self, tender: Tender, section: int = 0) -> Any:
        """The centre opens `section`'s bids; the response."""
        return self.centre.post(f"/tenders/{tender.tid}/sections/{section}/open", {})

    def get(self, actor: Actor, path: str, **params: Any) -> Any:
        """A GET signed by `actor`."""
        return self.http.get(path, params=params, headers=actor.headers("GET", path, b""))


# ---------------------------------------------------------------------- a registry on the chain alone


STEP = 100  # seconds the clock moves between two status changes


@dataclass
class Ledger:
    """A fresh registry deployed by `admin`; `issuer` may anchor qualifications and credit."""

    chain: ChainEnv
    registry: Contract
    admin: LocalAccount
    issuer: LocalAccount
    now: datetime

    @property
    def client(self) -> ChainClient:
        return self.chain.client

    @property
    def gw(self) -> RegistryGateway:
        """The registry's typed gateway."""
        return RegistryGateway.of(self.client, self.registry.address)

    def seal(
        self, kind: Kind = Kind.QUALIFICATION, n: int = 0, issuer: str | None = None, **changes: Any
    ) -> SealedCredential:
        """A credential valid from a day ago for a year, sealed under a salt fixed by `n`."""
        document = make_document(
            kind,
            issuer=issuer or self.issuer.address,
            n=n,
            valid_from=changes.pop("valid_from", self.now - timedelta(days=1)),
            valid_until=changes.pop("valid_until", self.now + timedelta(days=365)),
            **changes,
        )
        return SealedCredential.seal(document, n.to_bytes(32, "big"))

    def tick(self, seconds: int = STEP) -> None:
        self.chain.increase_time(seconds)

    def head(self) -> tuple[int, int]:
        """Block number and the issuer's nonce: both stay put when nothing was sent."""
        return self.client.block_number(), self.client.w3.eth.get_transaction_count(
            self.issuer.address
        )


def open_ledger(chain: ChainEnv) -> Ledger:
    admin, issuer = chain.accounts[0], chain.accounts[1]
    registry = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    for kind in (Kind.QUALIFICATION, Kind.CREDIT):
        RegistryGateway.of(chain.client, registry.address).authorise_issuer(admin, issuer.address, kind)
    now = datetime.fromtimestamp(chain.client.block_timestamp(), UTC)
    return Ledger(chain, registry, admin, issuer, now)
