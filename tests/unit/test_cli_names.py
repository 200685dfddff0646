"""The CLI names an address by what the service shows: an expert or pool member by the name on its
pool card (with the speciality), else by its role alone. Against a fake of the service's answers."""

from __future__ import annotations

from typing import Any

from tools.client import Names

EXPERT, NAMELESS, MEMBER = "0x" + "a1" * 20, "0x" + "b2" * 20, "0x" + "c3" * 20


class Answers:
    def get(self, path: str, *, signed: bool = False) -> Any:
        if path == "/selection/experts":
            return {"entries": [{"address": EXPERT, "speciality": "房屋建筑", "name": "张三"},
                                {"address": NAMELESS, "speciality": "市政", "name": None}]}
        if path.startswith("/tenders/0xT/sections"):
            return {"bids": []}
        if path == "/tenders/0xT":
            return {"params": {"tenderer_uscc": "91350100M000100Y43"}}
        if path == "/selection/pools/91350100M000100Y43":
            return {"entries": [{"address": MEMBER, "speciality": None, "name": "李四"}]}
        raise AssertionError(path)


def test_pool_people_are_named_by_their_cards() -> None:
    names = Names(Answers(), "0xT", 0)
    assert names.of(EXPERT) == f"{EXPERT} (张三, expert, 房屋建筑)"
    assert names.of(NAMELESS) == f"{NAMELESS} (expert, 市政)"
    assert names.of(MEMBER) == f"{MEMBER} (李四, member of the tenderer's pool)"
    assert names.of("0x" + "dd" * 20) == "0x" + "dd" * 20 and names.of(None) == "(none)"
