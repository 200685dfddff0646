"""评定分离 of one opened tender section, driven by its real parties through the service.

One implementation for the demo (`tender-ledger demo`), the benchmark (`tender-ledger bench
selection`) and the service and API tests (`tests/selection_scene.py`): every party acts with its
own key — the centre through the service's centre key, each committee seat with its per-tender
seat key (`ledger.crypto.seat_keys`), draw parties with their own keys sealing their seeds to a
draw key that k-of-n officers hold (dealt as `tender-ledger lottery open` deals it), the objector
with its own key. Nothing is mocked: the draws are LotteryBook draws, the sheets and votes are
commit–reveal transactions on SelectionBook, the shortlist and the winner are the rules'.

`SelectionRun.run()` takes the section from its committee draws to the award.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.crypto.canonical import keccak
from ledger.crypto.draw_seal import new_draw_key, point_of, seal_seed
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.crypto.seat_keys import derive_seat_key
from ledger.documents.pool_card import PoolCard
from ledger.errors import Conflict
from ledger.model.lottery import DrawSetup
from ledger.model.selection import CommitteeKind
from ledger.rules.evaluation import ScoreSheet, sheet_commitment, sheet_hash
from ledger.rules.lottery import by_address, draw_id
from ledger.rules.selection import Decided, NeedDraw, NeedVote, vote_commitment
from ledger.service.governance import POOL_CARD, CardFiles
from ledger.service.lottery import DrawService
from ledger.service.selection import (
    COMMITTEE_DRAW_ROUND,
    SELECTION_RESERVES,
    SelectionService,
    address_word,
    as_address,
)
from ledger.tenders import CriterionKind, EvaluationMethod
from tools.signing import sign
from tools.synthetic import person_name

HOUR, DAY = 3600, 86_400
DRAW_PARTIES = 2  # who commit seeds to each draw (e.g. the centre's clerk and the supervisor)
DRAW_OFFICERS, DRAW_THRESHOLD = 3, 2
ZERO = "0x" + "00" * 20
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
Say = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


def random_bytes(rng: random.Random | None, n: int) -> bytes:
    """`n` random bytes: from `rng` when given (a seeded run), else from the system."""
    return rng.randbytes(n) if rng is not None else os.urandom(n)


def new_account(rng: random.Random | None = None) -> LocalAccount:
    """A new key: from `rng` when given (a seeded run), else from the system."""
    if rng is None:
        return cast(LocalAccount, Account.create())
    while True:  # a 32-byte string is a valid secp256k1 key unless 0 or ≥ the group order
        key = rng.randbytes(32)
        if 0 < int.from_bytes(key, "big") < SECP256K1_N:
            return cast(LocalAccount, Account.from_key(key))


@dataclass
class SelectionRun:
    """The parties of one section's 评定分离 and what each has committed to (salts it keeps)."""

    rt: Any  # ledger.runtime.Runtime
    svc: SelectionService
    draws: DrawService
    tender_id: bytes
    section: int
    experts: list[LocalAccount]  # the expert pool (专家库), each with its own key
    members: list[LocalAccount]  # the tenderer's member pool
    seats: dict[CommitteeKind, dict[str, LocalAccount]] = field(default_factory=dict)  # seat → seat key
    holders: dict[CommitteeKind, dict[str, LocalAccount]] = field(default_factory=dict)  # seat → member key
    sheets: dict[str, tuple[bytes, ScoreSheet]] = field(default_factory=dict)
    votes: dict[tuple[int, str], tuple[bytes, str | None]] = field(default_factory=dict)
    draw_ids: list[bytes] = field(default_factory=list)  # every draw this run opened, in order
    rng: random.Random | None = None  # seeded: the draws' parties, officers and seeds, the salts, the objector
    vote_rounds: int = 0  # vote rounds this run opened
    _params: Any = field(default=None, repr=False)
    _eligible: list[str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ plumbing
    @property
    def tid(self) -> bytes:
        return self.tender_id

    @property
    def params(self) -> Any:
        """The tender's parameters (fixed before any bid: read once)."""
        if self._params is None:
            self._params = self.svc.tenders.tender(self.tender_id).params
        return self._params

    def now(self) -> int:
        return int(self.rt.client.block_timestamp())

    def later(self, seconds: int) -> None:
        self.rt.client.increase_time(seconds)

    def tx(self, account: LocalAccount, function: str, *args: Any) -> str:
        """`account`'s own signed SelectionBook transaction."""
        return sign(account, self.rt.selection_book.prepare(account.address, function, *args))

    @property
    def centre(self) -> str:
        return str(self.rt.centre.address)

    # ------------------------------------------------------------------ draws
    def draw(self, purpose: str, round: int, candidates: Sequence[str], k: int) -> bytes:
        """A real draw among `candidates` (addresses), k picks: its key dealt to three officers'
        keys (two rebuild it), opened by the centre, two parties' seeds sealed to it, two officers'
        shares released after the commit deadline, finished by the draw service."""
        rt = self.rt
        did = draw_id(self.tid, self.section, purpose, round)
        parties = [new_account(self.rng) for _ in range(DRAW_PARTIES)]
        officers = [new_account(self.rng) for _ in range(DRAW_OFFICERS)]
        dealing = deal(tender_id=did, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers],
                       threshold=DRAW_THRESHOLD, new_key=new_draw_key)
        setup = DrawSetup(tender_id=self.tid, section=self.section, purpose=purpose, round=round,
                          parties=tuple(p.address for p in parties),
                          candidates=tuple(address_word(c) for c in by_address(list(candidates))), k=k,
                          public_key=dealing.opening_public, commit_deadline=self.now() + HOUR,
                          officers=tuple(dealing.officers), share_hashes=tuple(dealing.share_hashes),
                          threshold=DRAW_THRESHOLD)
        self.draws.open(signer=rt.centre.address, setup=setup)
        for p in parties:
            sealed = seal_seed(random_bytes(self.rng, 32), public=point_of(dealing.opening_public), draw_id=did, party=p.address)
            tx = sign(p, rt.lottery_book.prepare(p.address, "commitSeed", did, sealed.rx, sealed.ry, sealed.ciphertext))
            self.draws.commit(signer=p.address, draw_id=did, signed_tx=tx)
        self.later(HOUR + 1)
        for officer, box in list(zip(officers, dealing.sealed, strict=True))[:DRAW_THRESHOLD]:
            share = open_share(box, bytes(officer.key))
            tx = sign(officer, rt.lottery_book.prepare(officer.address, "releaseDrawShare", did, share.to_bytes()))
            self.draws.release(signer=officer.address, draw_id=did, signed_tx=tx)
        audit = self.draws.finish(draw_id=did)
        if not audit.ok:
            raise Conflict("DrawDoesNotVerify", {"drawId": did}, "; ".join(audit.problems))
        self.draw_ids.append(did)
        return did

    def picks(self, did: bytes) -> list[str]:
        return [as_address(p) for p in self.rt.lottery_book.picks(did)]

    # ------------------------------------------------------------------ committees
    def committee_size(self, kind: CommitteeKind) -> int:
        p = self.params
        return int(p.evaluation.experts if kind is CommitteeKind.EVALUATION else p.selection.committee_size)

    def committee_draw(self, kind: CommitteeKind) -> list[str]:
        """The committee draw of `kind` from its pool, the committee's size plus its reserves."""
        pool = self.experts if kind is CommitteeKind.EVALUATION else self.members
        extra = self.params.evaluation.reserves if kind is CommitteeKind.EVALUATION else SELECTION_RESERVES
        k = min(len(pool), self.committee_size(kind) + extra)
        did = self.draw("committee", COMMITTEE_DRAW_ROUND[kind], [p.address for p in pool], k)
        return self.picks(did)

    def seat(self, kind: CommitteeKind, members: Sequence[str]) -> Any:
        """The centre seats `members` (draw picks), each by the seat key it derives from its own key."""
        pool: dict[str, LocalAccount] = {
            str(p.address): p for p in (self.experts if kind is CommitteeKind.EVALUATION else self.members)}
        pairs = []
        self.seats[kind], self.holders[kind] = {}, {}
        for m in members:
            key = derive_seat_key(pool[m], self.tid, self.section, int(kind))
            self.seats[kind][key.address] = key
            self.holders[kind][key.address] = pool[m]
            pairs.append((m, key.address))
        deadlines = (self.now() + DAY, self.now() + 2 * DAY) if kind is CommitteeKind.EVALUATION else (0, 0)
        return self.svc.seat(signer=self.centre, tender_id=self.tid, section=self.section, kind=kind,
                             seats=pairs, commit_deadline=deadlines[0], reveal_deadline=deadlines[1])

    # ------------------------------------------------------------------ sheets
    def eligible_bids(self) -> list[str]:
        """The eligible bids (their bid keys), which every sheet scores (fixed at opening: read once)."""
        if self._eligible is None:
            self._eligible = [b.bidder for b in self.svc._eligible(self.tid, self.section)]
        return self._eligible

    def sheet(self, seat: str) -> ScoreSheet:
        """A 综合评分 sheet over every judged criterion: the experts broadly agree on an order of the
        bids, each seat a little differently (scores in half points, within each criterion's range)."""
        params = self.params
        if params.evaluation_method is not EvaluationMethod.COMPREHENSIVE_SCORING:
            raise ValueError(f"the scripted experts fill 综合评分 sheets only, not {params.evaluation_method}")
        judged = [c for c in params.evaluation.criteria if c.kind is CriterionKind.JUDGED]
        bids = sorted(self.eligible_bids(), key=lambda b: hashlib.sha256(b.lower().encode()).digest())
        jitter = int(seat, 16) % 3
        scores: dict[str, dict[str, Decimal]] = {}
        for rank, bidder in enumerate(bids):
            share = Decimal("0.95") - Decimal("0.03") * rank + Decimal("0.02") * ((rank + jitter) % 3)
            share = max(Decimal("0.30"), min(Decimal(1), share))
            scores[bidder] = {c.code: (c.max_score * share * 2).quantize(Decimal(1)) / 2 for c in judged}
        return ScoreSheet(scores=scores)

    def commit_sheet(self, seat: str, sheet: ScoreSheet | None = None) -> Any:
        key = self.seats[CommitteeKind.EVALUATION][seat]
        sheet, salt = sheet or self.sheet(seat), random_bytes(self.rng, 32)
        self.sheets[seat] = (salt, sheet)
        c = sheet_commitment(tender_id=self.tid, section=self.section, expert=seat, salt=salt, sheet=sheet)
        return self.svc.commit_sheet(signer=seat, tender_id=self.tid, section=self.section,
                                     signed_tx=self.tx(key, "commitSheet", self.tid, self.section, c))

    def reveal_sheet(self, seat: str) -> Any:
        key = self.seats[CommitteeKind.EVALUATION][seat]
        salt, sheet = self.sheets[seat]
        return self.svc.reveal_sheet(
            signer=seat, tender_id=self.tid, section=self.section, sheet=sheet.model_dump_json(),
            signed_tx=self.tx(key, "revealSheet", self.tid, self.section, salt, sheet_hash(sheet)))

    def submit_shortlist(self, seat: str, candidates: list[str] | None = None) -> Any:
        outcome = self.svc.evaluation(self.tid, self.section)
        key = self.seats[CommitteeKind.EVALUATION][seat]
        chosen = list(outcome.result.shortlist) if candidates is None else by_address(candidates)  # type: ignore[attr-defined]
        tx = self.tx(key, "submitShortlist", self.tid, self.section, list(chosen), outcome.max_size,
                     outcome.report_hash)
        return self.svc.submit_shortlist(signer=seat, tender_id=self.tid, section=self.section, signed_tx=tx)

    # ------------------------------------------------------------------ votes
    def commit_vote(self, round: int, seat: str, candidate: str | None, *, signer: str | None = None) -> Any:
        key = self.seats[CommitteeKind.SELECTION][seat]
        salt = random_bytes(self.rng, 32)
        self.votes[(round, seat)] = (salt, candidate)
        c = vote_commitment(tender_id=self.tid, section=self.section, round=round, seat=seat, candidate=candidate,
                            salt=salt)
        return self.svc.commit_vote(signer=signer or seat, tender_id=self.tid, section=self.section,
                                    signed_tx=self.tx(key, "commitVote", self.tid, self.section, round, c))

    def reveal_vote(self, round: int, seat: str) -> Any:
        key = self.seats[CommitteeKind.SELECTION][seat]
        salt, candidate = self.votes[(round, seat)]
        return self.svc.reveal_vote(
            signer=seat, tender_id=self.tid, section=self.section,
            signed_tx=self.tx(key, "revealVote", self.tid, self.section, round, candidate or ZERO, salt))

    def choice(self, seat: str, candidates: Sequence[str]) -> str:
        """A member's vote: the scripted members split over the candidates by their seats."""
        ordered = sorted(candidates)
        return ordered[int(seat, 16) % len(ordered)]

    # ------------------------------------------------------------------ the whole run
    def evaluate(self, say: Say = _quiet) -> list[str]:
        """Draw and seat the evaluation committee, commit then reveal every sheet, file the
        shortlist the rule gives (a tie at its cut drawn first); the shortlist."""
        ev = CommitteeKind.EVALUATION
        size = self.committee_size(ev)
        say(f"evaluation committee: {size} experts (+{self.params.evaluation.reserves} reserves) drawn "
            f"from a pool of {len(self.experts)}")
        self.seat(ev, self.committee_draw(ev)[:size])
        seats = list(self.seats[ev])
        say(f"evaluation: {len(seats)} sheets committed, then revealed")
        for seat in seats:
            self.commit_sheet(seat)
        for seat in seats:
            self.reveal_sheet(seat)
        try:
            filed = self.submit_shortlist(seats[0])
        except Conflict as exc:
            if exc.error != "ShortlistDrawNeeded":
                raise
            raise Conflict(exc.error, {}, f"{exc} (the scripted run does not break shortlist ties)") from None
        return list(filed.filed.candidates)

    def select(self, say: Say = _quiet) -> Decided:
        """Draw and seat the selection committee, then each step the fixed rule asks for (vote
        rounds, committed then revealed; draws) until it decides."""
        sel = CommitteeKind.SELECTION
        size = self.committee_size(sel)
        say(f"selection committee: {size} members drawn from the tenderer's pool of {len(self.members)}")
        self.seat(sel, self.committee_draw(sel)[:size])
        while True:
            step = self.svc.step(self.tid, self.section)
            if isinstance(step, Decided):
                return step
            if isinstance(step, NeedVote):
                say(f"selection: vote round {step.round} among {len(step.candidates)} candidates")
                self.vote_rounds += 1
                self.svc.open_round(signer=self.centre, tender_id=self.tid, section=self.section,
                                    commit_deadline=self.now() + HOUR, reveal_deadline=self.now() + 2 * HOUR)
                waiting = list(step.waiting) or list(self.seats[sel])
                for seat in waiting:
                    self.commit_vote(step.round, seat, self.choice(seat, step.candidates))
                for seat in waiting:
                    self.reveal_vote(step.round, seat)
            elif isinstance(step, NeedDraw):
                say(f"selection: {step.purpose} draw {step.round}, {step.k} among {len(step.candidates)}")
                self.draw(step.purpose, step.round, step.candidates, step.k)
            else:
                raise Conflict("NotScripted", {}, f"the scripted run cannot take the step {type(step).__name__}")

    def object_and_answer(self, reason: str, answer: str) -> Any:
        """A bidder-side objector files an objection during 公示 with its own key; the centre answers."""
        objector = new_account(self.rng)
        tx = self.tx(objector, "object", self.tid, self.section, keccak(reason.encode()))
        filed = self.svc.object(signer=objector.address, tender_id=self.tid, section=self.section, signed_tx=tx,
                                reason=reason)
        return self.svc.answer(signer=self.centre, tender_id=self.tid, section=self.section,
                               objection_id=filed.filing.id, answer=answer)

    def run(self, say: Say = _quiet, *, objection: bool = True, publicity_days: int = 3) -> RunResult:
        """The whole of 评定分离 from the committee draws to the award."""
        shortlist = self.evaluate(say)
        decided = self.select(say)
        say("decision recorded; 公示 starts and both committees are revealed")
        self.svc.decide(signer=self.centre, tender_id=self.tid, section=self.section, winner=decided.winner,
                        publicity_days=publicity_days)
        answered = None
        if objection:
            say("an objection during 公示, answered by the centre")
            answered = self.object_and_answer("第二候选人的项目经理注册证书在截标时已过期，请核查。",
                                              "经核查，该证书在截标时有效（注册人员凭证链上状态为有效），异议不成立。")
        self.later(publicity_days * DAY + 1)
        say("award after 公示")
        state, _ = self.svc.award(signer=self.centre, tender_id=self.tid, section=self.section)
        return RunResult(shortlist=shortlist, decided=decided, winner=str(state.winner), draws=list(self.draw_ids),
                         objection=answered, vote_rounds=self.vote_rounds)


@dataclass(frozen=True)
class RunResult:
    shortlist: list[str]
    decided: Decided
    winner: str
    draws: list[bytes]
    objection: Any
    vote_rounds: int = 0


# ---------------------------------------------------------------------- gas, per step


def gas_by_step(rt: Any, first_block: int, last_block: int | None = None) -> dict[str, list[int]]:
    """Gas used by each SelectionBook and LotteryBook transaction mined in blocks
    `first_block`..`last_block`, by `Contract.function` (the relayer's gas top-ups are not counted)."""
    w3 = rt.client.w3
    books = {g.address.lower(): g for g in (rt.selection_book, rt.lottery_book)}
    out: dict[str, list[int]] = {}
    last = rt.client.block_number() if last_block is None else last_block
    for number in range(first_block, last + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            book = books.get(str(tx.get("to") or "").lower())
            if book is None:
                continue
            function, _ = book.decode_call(bytes(tx["input"]))
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            out.setdefault(f"{book.NAME}.{function}", []).append(int(receipt["gasUsed"]))
    return out


# ---------------------------------------------------------------------- a section to run it on


@dataclass(frozen=True)
class Bidder:
    """A bidding firm: its own key (the one its identity credential names), USCC and name."""

    account: LocalAccount
    uscc: str
    name: str


@dataclass
class OpenedSection:
    """A published, bid and opened tender section, ready for 评定分离."""

    tender_id: bytes
    section: int
    names: dict[str, str]  # bid key → firm name
    prices: dict[str, Decimal]  # bid key → opened price (eligible bids)
    valid_bids: int
    first_block: int  # the tender's publication block
    problems: list[str] = field(default_factory=list)  # why a bid was not eligible, one line each
    checks: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # bid key → (check, status, reason)


def selection_params(*, project_code: str, tenderer_uscc: str, deadline: str, bidders: int = 15, criteria: int = 8,
                     experts: int = 7, shortlist: int = 5, members: int = 7, lottery_among: int = 2) -> dict[str, Any]:
    """A municipal-works tender of one section under 综合评分 (`criteria` criteria, the last the
    computed price score) and 票决抽签; no credential requirements (the eligibility of each bid is
    its firm's identity)."""
    judged = criteria - 1
    price_score = 40
    each, rest = divmod(100 - price_score, judged)
    names = ["施工组织设计", "项目管理机构", "质量管理体系与措施", "安全管理体系与措施", "环境保护管理体系与措施",
             "工程进度计划与措施", "资源配备计划", "技术重点难点分析", "新技术应用", "信用评价", "企业业绩", "售后服务"]
    rows = [{"code": f"T{i + 1}", "name": names[i % len(names)], "max_score": str(each + (1 if i < rest else 0))}
            for i in range(judged)]
    rows.append({"code": "price", "name": "投标报价", "kind": "price", "max_score": str(price_score)})
    return {
        "project_code": project_code,
        "title": "珠海市香洲区市政道路改造工程（评定分离）",
        "tenderer": "珠海市香洲区住房和城乡建设局",
        "tenderer_uscc": tenderer_uscc,
        "sections": [{"code": f"{project_code}001", "name": "一标段", "estimated_price": "12000000.00",
                      "bid_guarantee": "0"}],
        "deadline": deadline,
        "bid_validity_days": 90,
        "evaluation_method": "综合评分",
        "evaluation": {"experts": experts, "reserves": 2, "criteria": rows},
        "shortlist_size": shortlist,
        "selection": {"method": "票决抽签", "committee_size": members, "lottery_among": lottery_among},
    }


def publish_bid_open(store: Any, params: dict[str, Any], bidders: Sequence[Bidder], prices: Sequence[Decimal],
                     say: Say = _quiet, *, ticks: Sequence[Sequence[str]] | None = None,
                     rng: random.Random | None = None) -> OpenedSection:
    """The centre publishes `params` (opening key dealt to three officers' keys, two to open), each
    firm bids with its per-tender bid key (its firm link sealed inside) and the credentials `ticks`
    names for it (ids, 0x…; none by default), the officers release their shares after the deadline
    and the centre opens the section: all through the service's use cases. With `rng`, the
    officers' keys and the bids' salts come from it (the same work on every run)."""
    import base64

    from api.deps import bid_relayer, guarantee_check, tender_service
    from ledger.crypto.bid_keys import derive_bid_key, sign_link
    from ledger.crypto.bids import seal_bid, sign_bid
    from ledger.crypto.sealing import BidPackage
    from ledger.tenders import TenderParams, tender_id

    rt = store.runtime
    tenders = tender_service(store)
    first_block = rt.client.block_number() + 1
    officers = [new_account(rng) for _ in range(3)]
    for o in officers:
        rt.client.fund(rt.relayer, o.address, 10**18)
    tid = tender_id(params["project_code"])
    dealt = deal(tender_id=tid, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers], threshold=2)
    say(f"tender {params['project_code']}: published, {len(bidders)} firms bid with their own bid keys")
    details = tenders.publish(signer=rt.centre.address, params=TenderParams.model_validate(params),
                              document=f"%PDF-1.7 招标文件 {params['project_code']}".encode(),
                              opening_public=dealt.opening_public, share_hashes=dealt.share_hashes,
                              officers=dealt.officers, threshold=2)
    deadline = int(details.on_chain.terms.deadline)
    chain_id, book = rt.client.chain_id, rt.tender_book.address
    names: dict[str, str] = {}
    relayer = bid_relayer(store)
    ticked = [list(t) for t in ticks] if ticks is not None else [[] for _ in bidders]
    try:
        for firm, price, ids in zip(bidders, prices, ticked, strict=True):
            key = derive_bid_key(firm.account, tid)
            link = sign_link(firm.account, chain_id=chain_id, book_address=book, tender_id=tid, bid_key=key.address)
            letter = f"投标函：{firm.name}愿以人民币{price:,.2f}元承包本标段。".encode()
            package = BidPackage.create(
                price=str(price), credential_ids=ids, salt="0x" + random_bytes(rng, 32).hex(), firm_link=link,
                files={"投标函.pdf": {"sha256": hashlib.sha256(letter).hexdigest(),
                                      "content": base64.b64encode(letter).decode()}})
            sealed = seal_bid(chain_id=chain_id, book_address=book, tender_id=tid, section=0, bidder=key.address,
                              opening_public=dealt.opening_public, package=package)
            nonce = rt.tender_book.nonce(key.address)
            auth = sign_bid(bidder=key, chain_id=chain_id, book_address=book, sealed=sealed, nonce=nonce,
                            expiry=deadline)
            tenders.submit_bid(relayer, signer=key.address, tender_id=tid, section=0, envelope=sealed.envelope,
                               credential_set_commitment=sealed.credential_set_commitment,
                               auth={"bidder": key.address, "commitment": sealed.commitment, "nonce": nonce,
                                     "expiry": auth["expiry"], "signature": auth["signature"]})
            names[key.address] = firm.name
    finally:
        relayer.stop()
    rt.client.increase_time(deadline - rt.client.block_timestamp() + 1)
    for officer, box in list(zip(officers, dealt.sealed, strict=True))[:2]:
        share = open_share(box, bytes(officer.key))
        tx = sign(officer, rt.tender_book.prepare(officer.address, "releaseShare", tid, share.to_bytes()))
        tenders.relay_signed(signer=officer.address, signed_tx=tx, functions=("releaseShare",))
    say("opening: two of three officers released their shares; the centre opens every bid")
    opened = tenders.open_section(guarantee_check(store), signer=rt.centre.address, tender_id=tid, section=0)
    eligible = {b.bidder: Decimal(str(b.price)) for b in opened.bids if b.eligible}
    problems = [f"{names.get(b.bidder, b.bidder)}: {b.reason or 'not eligible'}"
                + "".join(f"; {c.name}: {c.reason}" for c in (b.eligibility.checks if b.eligibility else ())
                          if c.status.name not in ("VALID", "PASS", "OK"))
                for b in opened.bids if not b.eligible]
    checks = {b.bidder: [(c.name, c.status.name, str(c.reason or "")) for c in b.eligibility.checks]
              for b in opened.bids if b.eligibility is not None}
    return OpenedSection(tid, 0, names, eligible, opened.valid_bids, first_block, problems, checks)


def register_pools(rt: Any, *, experts: int, members: int, tenderer_uscc: str, say: Say = _quiet,
                   rng: random.Random | None = None, files: CardFiles | None = None
                   ) -> tuple[list[LocalAccount], list[LocalAccount]]:
    """New expert and member pools, each person with its own key (from `rng` when given),
    registered by the governance (the member keys held in a development data directory). With
    `files`, each person gets a (synthetic) name on a pool card, the salt of its registration."""
    from ledger.service.selection import uscc_word

    say(f"pools: {experts} experts and {members} tenderer members registered by the governance")
    names = random.Random(f"pool names/{tenderer_uscc}")  # apart from `rng`: the keys stay as they were

    def register(function: str, *args: Any) -> None:
        if files is None:
            rt.govern(rt.selection_book, function, *args)
            return
        card = PoolCard.for_call(rt.governance.call_of(rt.selection_book, function, *args), person_name(names))
        rt.govern(rt.selection_book, function, *args, salt=card.card_hash)
        files.file(POOL_CARD, card.card_hash, card.content())

    pool = [new_account(rng) for _ in range(experts)]
    for e in pool:
        register("registerExpert", e.address, "市政公用工程".encode().ljust(32, b"\x00"))
    people = [new_account(rng) for _ in range(members)]
    for m in people:
        register("registerMember", uscc_word(tenderer_uscc), m.address)
    return pool, people
