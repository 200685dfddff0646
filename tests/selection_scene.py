"""One tender section taken through 评定分离 by its real parties, for the service and API tests.

`Section.make(scene)` publishes a 综合评分 tender (7 experts, shortlist of 3, 票决抽签 with a
5-member committee keeping 2 for the lottery), has 4 firms bid with per-tender bid keys, opens it,
and registers an expert pool and the tenderer's member pool through the governance. The draws are
real LotteryBook draws: two parties commit sealed seeds with their own keys, officers release
their shares, the draw service finishes them. Seats sign their own transactions with their seat
keys (`ledger.crypto.seat_keys`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.crypto.draw_seal import new_draw_key, point_of, seal_seed
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.crypto.seat_keys import derive_seat_key
from ledger.documents import Kind
from ledger.model.lottery import DrawSetup
from ledger.model.selection import CommitteeKind
from ledger.rules.evaluation import ScoreSheet, sheet_commitment, sheet_hash
from ledger.rules.lottery import by_address, draw_id
from ledger.rules.selection import vote_commitment
from ledger.service.lottery import DrawService
from ledger.service.selection import COMMITTEE_DRAW_ROUND, SelectionService, address_word, uscc_word
from tests.scenes import Firm, Scene, Tender

HOUR, DAY = 3600, 86_400
SECTION = 0
PARAMS: dict[str, Any] = {
    "evaluation_method": "综合评分",
    "evaluation": {"experts": 7, "reserves": 2, "criteria": [
        {"code": "T1", "name": "施工组织设计", "max_score": "40"},
        {"code": "T2", "name": "项目管理机构", "max_score": "20"},
        {"code": "price", "name": "投标报价", "kind": "price", "max_score": "40"}]},
    "shortlist_size": 3,
    "selection": {"method": "票决抽签", "committee_size": 5, "lottery_among": 2},
}
PRICES = ["11000000", "10500000", "11800000", "11200000"]


def sign(account: LocalAccount, unsigned: Any) -> str:
    return "0x" + bytes(account.sign_transaction(unsigned.for_signing()).raw_transaction).hex()


@dataclass
class Section:
    scene: Scene
    tender: Tender
    firms: list[Firm]
    bidders: dict[str, Firm]  # bid key → firm
    experts: list[LocalAccount]
    members: list[LocalAccount]
    svc: SelectionService
    draws: DrawService
    issuer: Any
    seats: dict[CommitteeKind, dict[str, LocalAccount]] = field(default_factory=dict)  # seat → seat key
    holders: dict[CommitteeKind, dict[str, LocalAccount]] = field(default_factory=dict)  # seat → member key
    sheets: dict[str, tuple[bytes, ScoreSheet]] = field(default_factory=dict)
    votes: dict[tuple[int, str], tuple[bytes, str | None]] = field(default_factory=dict)

    @classmethod
    def make(cls, scene: Scene, *, firms: int = 4, experts: int = 10, members: int = 7) -> Section:
        from api.deps import draw_service, selection_service

        rt = scene.rt
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        bidding = [scene.firm(issuer) for _ in range(firms)]
        tender = scene.tender(**PARAMS)
        keys: dict[str, Firm] = {}
        for firm, price in zip(bidding, PRICES * 4, strict=False):
            r = scene.bid(firm, tender, price=price, bid_key=True)
            assert r.status_code == 201, r.text
            keys[r.json()["bidder"]] = firm
        scene.after_deadline(tender)
        scene.release(tender)
        opened = scene.open(tender)
        assert opened.status_code == 200, opened.text
        assert all(b["eligible"] for b in opened.json()["bids"]), opened.text
        pool = [Account.create() for _ in range(experts)]
        for e in pool:
            rt.govern(rt.selection_book, "registerExpert", e.address, "房屋建筑".encode().ljust(32, b"\x00"))
        people = [Account.create() for _ in range(members)]
        uscc = tender.params["tenderer_uscc"]
        for m in people:
            rt.govern(rt.selection_book, "registerMember", uscc_word(uscc), m.address)
        return cls(scene, tender, bidding, keys, pool, people, selection_service(scene.store),
                   draw_service(scene.store), issuer)

    # ------------------------------------------------------------------ plumbing
    @property
    def tid(self) -> bytes:
        return bytes.fromhex(self.tender.tid[2:])

    @property
    def rt(self) -> Any:
        return self.scene.rt

    def now(self) -> int:
        return int(self.rt.client.block_timestamp())

    def later(self, seconds: int) -> None:
        self.rt.client.increase_time(seconds)

    def tx(self, account: LocalAccount, function: str, *args: Any) -> str:
        """`account`'s own signed SelectionBook transaction."""
        return sign(account, self.rt.selection_book.prepare(account.address, function, *args))

    # ------------------------------------------------------------------ draws
    def draw(self, purpose: str, round: int, candidates: list[str], k: int) -> bytes:
        """A real draw among `candidates` (addresses), k picks: opened by the centre, two parties'
        sealed seeds, two of three officers' shares, finished by the draw service."""
        rt = self.rt
        did = draw_id(self.tid, SECTION, purpose, round)
        parties = [self.scene.account() for _ in range(2)]
        officers = [self.scene.account() for _ in range(3)]
        dealing = deal(tender_id=did, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers], threshold=2,
                       new_key=new_draw_key)
        setup = DrawSetup(tender_id=self.tid, section=SECTION, purpose=purpose, round=round,
                          parties=tuple(p.address for p in parties),
                          candidates=tuple(address_word(c) for c in by_address(candidates)), k=k,
                          public_key=dealing.opening_public, commit_deadline=self.now() + HOUR,
                          officers=tuple(dealing.officers), share_hashes=tuple(dealing.share_hashes), threshold=2)
        self.draws.open(signer=rt.centre.address, setup=setup)
        for p in parties:
            sealed = seal_seed(os.urandom(32), public=point_of(dealing.opening_public), draw_id=did, party=p.address)
            tx = sign(p, rt.lottery_book.prepare(p.address, "commitSeed", did, sealed.rx, sealed.ry, sealed.ciphertext))
            self.draws.commit(signer=p.address, draw_id=did, signed_tx=tx)
        self.later(HOUR + 1)
        for officer, box in list(zip(officers, dealing.sealed, strict=True))[:2]:
            share = open_share(box, bytes(officer.key))
            tx = sign(officer, rt.lottery_book.prepare(officer.address, "releaseDrawShare", did, share.to_bytes()))
            self.draws.release(signer=officer.address, draw_id=did, signed_tx=tx)
        audit = self.draws.finish(draw_id=did)
        assert audit.ok, audit.problems
        return did

    def picks(self, did: bytes) -> list[str]:
        from ledger.service.selection import as_address

        return [as_address(p) for p in self.rt.lottery_book.picks(did)]

    # ------------------------------------------------------------------ committees
    def committee_draw(self, kind: CommitteeKind) -> list[str]:
        pool = self.experts if kind is CommitteeKind.EVALUATION else self.members
        extra = 2 if kind is CommitteeKind.EVALUATION else 1
        size = 7 if kind is CommitteeKind.EVALUATION else 5
        did = self.draw("committee", COMMITTEE_DRAW_ROUND[kind], [p.address for p in pool], size + extra)
        return self.picks(did)

    def seat(self, kind: CommitteeKind, members: list[str]) -> Any:
        pool = {p.address: p for p in (self.experts if kind is CommitteeKind.EVALUATION else self.members)}
        pairs = []
        self.seats[kind], self.holders[kind] = {}, {}
        for m in members:
            key = derive_seat_key(pool[m], self.tid, SECTION, int(kind))
            self.seats[kind][key.address] = key
            self.holders[kind][key.address] = pool[m]
            pairs.append((m, key.address))
        deadlines = (self.now() + DAY, self.now() + 2 * DAY) if kind is CommitteeKind.EVALUATION else (0, 0)
        return self.svc.seat(signer=self.rt.centre.address, tender_id=self.tid, section=SECTION, kind=kind,
                             seats=pairs, commit_deadline=deadlines[0], reveal_deadline=deadlines[1])

    # ------------------------------------------------------------------ sheets
    def sheet(self, seat: str) -> ScoreSheet:
        """A 综合评分 sheet; the seats agree on an order of the bids, each a little differently."""
        n = int(seat, 16) % 5
        ranked = sorted(self.bidders, key=lambda b: b.lower())
        return ScoreSheet(scores={b: {"T1": Decimal(35 - 3 * i + n % 2), "T2": Decimal(18 - 2 * i)}
                                  for i, b in enumerate(ranked)})

    def commit_sheet(self, seat: str) -> Any:
        key = self.seats[CommitteeKind.EVALUATION][seat]
        sheet, salt = self.sheet(seat), os.urandom(32)
        self.sheets[seat] = (salt, sheet)
        c = sheet_commitment(tender_id=self.tid, section=SECTION, expert=seat, salt=salt, sheet=sheet)
        return self.svc.commit_sheet(signer=seat, tender_id=self.tid, section=SECTION,
                                     signed_tx=self.tx(key, "commitSheet", self.tid, SECTION, c))

    def reveal_sheet(self, seat: str) -> Any:
        key = self.seats[CommitteeKind.EVALUATION][seat]
        salt, sheet = self.sheets[seat]
        return self.svc.reveal_sheet(signer=seat, tender_id=self.tid, section=SECTION,
                                     signed_tx=self.tx(key, "revealSheet", self.tid, SECTION, salt, sheet_hash(sheet)),
                                     sheet=sheet.model_dump_json())

    def submit_shortlist(self, seat: str, candidates: list[str] | None = None) -> Any:
        outcome = self.svc.evaluation(self.tid, SECTION)
        key = self.seats[CommitteeKind.EVALUATION][seat]
        chosen = list(outcome.result.shortlist) if candidates is None else by_address(candidates)  # type: ignore[attr-defined]
        tx = self.tx(key, "submitShortlist", self.tid, SECTION, list(chosen), outcome.max_size, outcome.report_hash)
        return self.svc.submit_shortlist(signer=seat, tender_id=self.tid, section=SECTION, signed_tx=tx)

    # ------------------------------------------------------------------ votes
    def commit_vote(self, round: int, seat: str, candidate: str | None, *, signer: str | None = None) -> Any:
        key = self.seats[CommitteeKind.SELECTION][seat]
        salt = os.urandom(32)
        self.votes[(round, seat)] = (salt, candidate)
        c = vote_commitment(tender_id=self.tid, section=SECTION, round=round, seat=seat, candidate=candidate, salt=salt)
        return self.svc.commit_vote(signer=signer or seat, tender_id=self.tid, section=SECTION,
                                    signed_tx=self.tx(key, "commitVote", self.tid, SECTION, round, c))

    def reveal_vote(self, round: int, seat: str) -> Any:
        key = self.seats[CommitteeKind.SELECTION][seat]
        salt, candidate = self.votes[(round, seat)]
        zero = "0x" + "00" * 20
        return self.svc.reveal_vote(signer=seat, tender_id=self.tid, section=SECTION,
                                    signed_tx=self.tx(key, "revealVote", self.tid, SECTION, round, candidate or zero,
                                                      salt))
