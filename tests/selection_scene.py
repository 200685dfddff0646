"""One tender section taken through 评定分离 by its real parties, for the service and API tests.

`Section.make(scene)` publishes a 综合评分 tender (7 experts, shortlist of 3, 票决抽签 with a
5-member committee keeping 2 for the lottery), has 4 firms bid with per-tender bid keys, opens it,
and registers an expert pool and the tenderer's member pool through the governance. The parties'
steps (real LotteryBook draws, seats signing their own transactions with their seat keys) are
`tools.selection_run.SelectionRun`'s, the same code the demo and the benchmark run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from decimal import Decimal
from typing import Any

from eth_account import Account

from ledger.documents import Kind
from ledger.model.selection import CommitteeKind
from ledger.rules.evaluation import ScoreSheet
from ledger.service.selection import uscc_word
from tests.scenes import Firm, Scene, Tender
from tools.selection_run import DAY, HOUR, SelectionRun
from tools.signing import sign

__all__ = ["DAY", "HOUR", "PARAMS", "PRICES", "SECTION", "Section", "sign"]

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


@dataclass
class Section(SelectionRun):
    """The scene, its tender and bidding firms, and the section's `SelectionRun`."""

    scene: Scene = None  # type: ignore[assignment]
    tender: Tender = None  # type: ignore[assignment]
    firms: list[Firm] = None  # type: ignore[assignment]
    bidders: dict[str, Firm] = None  # type: ignore[assignment]  # bid key → firm
    issuer: Any = None

    @classmethod
    def make(cls, scene: Scene, *, firms: int = 4, experts: int = 10, members: int = 7,
             params: dict[str, Any] | None = None) -> Section:
        from api.deps import draw_service, selection_service

        rt = scene.rt
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        bidding = [scene.firm(issuer) for _ in range(firms)]
        tender = scene.tender(**(PARAMS if params is None else params))
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
        return cls(rt=rt, svc=selection_service(scene.store), draws=draw_service(scene.store),
                   tender_id=bytes.fromhex(tender.tid[2:]), section=SECTION, experts=pool, members=people,
                   scene=scene, tender=tender, firms=bidding, bidders=keys, issuer=issuer)

    def sheet(self, seat: str) -> ScoreSheet:
        """A 综合评分 sheet; the seats agree on an order of the bids, each a little differently."""
        n = int(seat, 16) % 5
        ranked = sorted(self.bidders, key=lambda b: b.lower())
        return ScoreSheet(scores={b: {"T1": Decimal(35 - 3 * i + n % 2), "T2": Decimal(18 - 2 * i)}
                                  for i, b in enumerate(ranked)})


DELIBERATION: dict[str, Any] = {**PARAMS, "selection": {"method": "集体议事", "committee_size": 5}}
"""A section selected by 集体议事 (a chair decides after five members' written views)."""


@contextmanager
def deliberation_section(root: Path, seed: int) -> Iterator[Section]:
    """A served 集体议事 section, evaluated, with its five selection members seated."""
    with Scene.served(root, seed=seed) as scene:
        section = Section.make(scene, params=DELIBERATION)
        section.root = root  # type: ignore[attr-defined]
        section.evaluate()
        kind = CommitteeKind.SELECTION
        section.seat(kind, section.committee_draw(kind)[:5])
        yield section


def selection_seats(section: Section) -> list[str]:
    """The section's selection seats in address order."""
    return sorted(section.seats[CommitteeKind.SELECTION], key=lambda a: int(a, 16))
