"""Collusion flags in `tender-ledger audit run`: after opening, a registered person ticked by two
bidders (one of them another firm's), prices in arithmetic progression and submissions clustered in
time are listed with their evidence, and none of them fails the audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.documents import Kind
from tests.scenes import Firm, Scene, Tender
from tools.cli import main


@dataclass
class World:
    data: Path
    bundle: Path
    tender: Tender
    firms: list[Firm]
    relayer: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("flags")
    with Scene.served(root, seed=17) as scene:
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        firms = [scene.firm(issuer) for _ in range(3)]
        tender = scene.tender()
        shared = firms[0].ids[Kind.PERSONNEL]
        prices = ["10000000.00", "10200000.00", "10400000.00"]
        for n, firm in enumerate(firms):
            ticks = firm.ticks if n != 1 else [*(t for t in firm.ticks if t != firm.ids[Kind.PERSONNEL]), shared]
            assert scene.bid(firm, tender, bid_key=True, credentials=ticks, price=prices[n]).status_code == 201
        scene.after_deadline(tender)
        scene.release(tender)
        assert scene.open(tender, 0).status_code == 200
        data, bundle = root / "data", root / "bundle"
        assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
        yield World(data, bundle, tender, firms, scene.rt.relayer.address)


def run(world: World, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    out, page = tmp_path / "report.json", tmp_path / "report.html"
    code = main(["audit", "run", "--bundle", str(world.bundle), "--data-dir", str(world.data), "--json", str(out),
                 "--html", str(page), "--quiet", *extra])
    return code, json.loads(out.read_text(encoding="utf-8")), page.read_text(encoding="utf-8")


def test_flags_are_listed_with_evidence_and_fail_nothing(world: World, tmp_path: Path) -> None:
    code, report, page = run(world, tmp_path, "--relayer", world.relayer)
    signs = {f["sign"]: f for f in report["flags"]}
    assert code == 0 and report["ok"]  # flags are no findings
    shared = world.firms[0].ids[Kind.PERSONNEL].lower()
    assert signs["same-person"]["evidence"]["credential_ids"] == [shared]
    assert len(signs["same-person"]["bidders"]) == 2
    assert signs["foreign-personnel"]["evidence"]["credential_ids"] == [shared]
    assert signs["price-pattern"]["evidence"]["pattern"] == "arithmetic progression"
    assert all(f["tender"] == world.tender.tid and f["section"] == 0 for f in report["flags"])
    assert "same-relayer" not in signs  # the platform's relayer is named public
    assert "Collusion flags" in page and "same-person" in page


def test_an_unnamed_relayer_is_itself_a_flag(world: World, tmp_path: Path) -> None:
    _, report, _ = run(world, tmp_path)
    relayed = [f for f in report["flags"] if f["sign"] == "same-relayer"]
    assert relayed and relayed[0]["evidence"]["sender"] == world.relayer.lower()


def test_a_relayer_that_is_no_address_is_a_usage_error(world: World, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "run", "--bundle", str(world.bundle), "--data-dir", str(world.data), "--quiet",
                 "--relayer", "0xnot"])
    assert code == 2 and capsys.readouterr().err.startswith("error:")
