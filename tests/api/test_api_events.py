"""GET /events a page at a time: an opaque cursor (block and log index) carried by every entry and by
the X-Next-Cursor header, filters by contract, event, tender, section and block range, and a
malformed cursor refused with 422. Paging past 10,000 entries runs the same query on a journal of
10,050 rows."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, create_engine

from api.db.event_pages import EventFilter, decode_cursor, encode_cursor, page
from api.db.events import ChainEvent
from ledger.documents import Kind
from ledger.errors import ValidationFailed
from tests.scenes import Scene, Tender


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scene, Tender, Tender]]:
    with Scene.served(tmp_path_factory.mktemp("events"), seed=71) as scene:
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        firms = [scene.firm(issuer) for _ in range(2)]
        first, second = scene.tender(), scene.tender()
        for firm in firms:
            assert scene.bid(firm, first).status_code == 201
        assert scene.bid(firms[0], second).status_code == 201
        yield scene, first, second


def get(scene: Scene, **params: Any) -> Any:
    return scene.http.get("/events", params=params)


def walk(scene: Scene, **params: Any) -> list[dict[str, Any]]:
    """Every entry, following X-Next-Cursor page by page."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = get(scene, **params, **({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200, r.text
        out += r.json()
        cursor = r.headers.get("X-Next-Cursor")
        if cursor is None:
            return out
        assert 'rel="next"' in r.headers["Link"] and f"cursor={cursor}" in r.headers["Link"]


def test_paging_by_cursor_gives_every_entry_once_in_chain_order(world: tuple[Scene, Tender, Tender]) -> None:
    scene, _, _ = world
    everything = get(scene).json()
    assert len(everything) > 10
    paged = walk(scene, limit=3)
    assert paged == everything
    positions = [(e["block_number"], e["log_index"]) for e in paged]
    assert positions == sorted(set(positions))
    after = get(scene, cursor=everything[4]["cursor"], limit=2).json()
    assert after == everything[5:7]


def test_filters_by_tender_section_contract_event_and_blocks(world: tuple[Scene, Tender, Tender]) -> None:
    scene, first, second = world
    mine = walk(scene, tender_id=first.tid, limit=2)
    assert mine and all(e["args"]["tenderId"] == first.tid for e in mine)
    assert not any(e["args"].get("tenderId") == second.tid for e in mine)
    bids = get(scene, tender_id=first.tid.upper().replace("0X", "0x"), section=0, event="BidSubmitted").json()
    assert len(bids) == 2 and {e["event"] for e in bids} == {"BidSubmitted"}
    assert get(scene, tender_id=first.tid, section=1).json() == []
    books = get(scene, contract="TenderBook").json()
    assert books and {e["contract"] for e in books} == {"TenderBook"}
    assert get(scene, name="BidSubmitted").json() == get(scene, event="BidSubmitted").json()
    block = bids[0]["block_number"]
    ranged = get(scene, from_block=block, to_block=block).json()
    assert ranged and {e["block_number"] for e in ranged} == {block}
    # uint64 bounds past SQL's signed 64-bit integers: every block is below them, none above
    top = 2**64 - 2
    assert get(scene, from_block=block, to_block=top).json()[0]["block_number"] == block
    beyond = get(scene, from_block=2**63 + 5, to_block=top)
    assert beyond.status_code == 200 and beyond.json() == []


@pytest.mark.parametrize("params", [
    {"cursor": "not a cursor"}, {"cursor": base64.urlsafe_b64encode(b"short").decode()}, {"cursor": ""},
    {"limit": 0}, {"limit": 1001}, {"section": 0}, {"tender_id": "0x1234"}, {"event": "A", "name": "B"},
])
def test_a_malformed_cursor_or_filter_is_a_422(world: tuple[Scene, Tender, Tender], params: dict[str, Any]) -> None:
    r = get(world[0], **params)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "ValidationFailed" and r.json()["message"]


def test_a_cursor_is_opaque_but_round_trips() -> None:
    assert decode_cursor(encode_cursor(12_345, 7)) == (12_345, 7)
    with pytest.raises(ValidationFailed):
        decode_cursor(encode_cursor(1, 2) + "A")


def test_paging_goes_past_ten_thousand_entries(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    SQLModel.metadata.create_all(engine, tables=[ChainEvent.__table__])  # type: ignore[list-item]
    tid = "0x" + "ab" * 32
    now = datetime.now(UTC)
    with Session(engine) as s:
        for n in range(10_050):
            args = f'{{"tenderId": "{tid if n % 2 else "0x" + "cd" * 32}", "section": {n % 3}}}'
            s.add(ChainEvent(chain_key="k", block_number=n // 4, log_index=n % 4, tx_hash="0x" + "00" * 32,
                             contract="TenderBook", name="BidSubmitted", args=args, block_time=now))
        s.commit()
        seen, after = [], None
        while True:
            got = page(s, "k", EventFilter(), after=after, limit=1000)
            seen += [(e.block_number, e.log_index) for e, _ in got.entries]
            if got.next_cursor is None:
                break
            after = decode_cursor(got.next_cursor)
        assert len(seen) == 10_050 and seen == sorted(set(seen))
        mine, after = [], None
        while True:
            got = page(s, "k", EventFilter(tender_id=tid, section=1), after=after, limit=1000)
            mine += [args for _, args in got.entries]
            if got.next_cursor is None:
                break
            after = decode_cursor(got.next_cursor)
        assert len(mine) == len([n for n in range(10_050) if n % 2 and n % 3 == 1])
