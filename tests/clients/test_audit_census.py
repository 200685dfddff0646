"""The planted-fault census (issue 11): each kind of tamper the auditor's kit must catch, planted in a
copy of an honest world, and `tender-ledger audit run` must fail naming the RIGHT finding — its family
and its subject — not merely fail. The kinds and their planting are `tools.audit_census` (shared with
`tender-ledger bench audit --faults`); the worlds are:

- tests/clients/test_audit.py's (bids, a revoked qualification, an opening, a guarantee claimed), with
  the store's log checkpointed on chain: every kind but the two below;
- the 评定分离 world of tests/clients/test_audit_selection.py (slow): an altered vote or draw;
- a world on an anvil node (slow): a role-less state change, the governance's address impersonated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.deps import checkpoint_service
from tests.clients.test_audit import World, world
from tests.clients.test_audit_selection import selection_world
from tools.audit_census import (
    CENSUS,
    Honest,
    anvil_world,
    audit,
    census,
    failures,
    plant_and_audit,
    summary,
)

__all__ = ["world"]

SELECTION_KINDS = {"altered vote or draw"}
NODE_KINDS = {"role-less state change on a node that allows it"}


@pytest.fixture(scope="module")
def honest(world: World) -> Honest:
    """The audit world, its store's log checkpointed on CheckpointBook by the centre."""
    recorded = checkpoint_service(world.scene.store).checkpoint().recorded
    assert recorded is not None and recorded.size > 0
    rt = world.scene.rt
    return Honest(data=world.data, bundle=world.bundle, centre=rt.centre, chain_id=rt.client.chain_id,
                  tender_book=rt.tender_book.address, tender_id=world.tender.tid,
                  revoked_bidder=str(world.scene.bid_key(world.revoked, world.tender)[0].account.address),
                  bidder=str(world.scene.bid_key(world.firms[0], world.tender)[0].account.address))


@pytest.fixture(scope="module")
def selection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Honest]:
    with selection_world(tmp_path_factory.mktemp("census-selection")) as w:
        rt = w.s.rt
        yield Honest(data=w.data, bundle=w.bundle, centre=rt.centre, chain_id=rt.client.chain_id,
                     tender_book=rt.tender_book.address, tender_id="0x" + w.s.tid.hex())


@pytest.fixture(scope="module")
def on_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Honest]:
    with anvil_world(tmp_path_factory.mktemp("census-node")) as w:
        yield w


def _detected(kind: str, w: Honest, tmp_path: Path) -> None:
    outcome = plant_and_audit(kind, w, tmp_path)
    assert outcome.planted, f"{kind}: not planted: {outcome.what}"
    assert outcome.detected, f"{kind}: not detected with the right finding; found {outcome.found}"


@pytest.mark.parametrize("kind", [k for k in CENSUS if k not in SELECTION_KINDS | NODE_KINDS])
def test_each_planted_fault_is_detected_with_the_right_finding(honest: Honest, tmp_path: Path, kind: str) -> None:
    _detected(kind, honest, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(SELECTION_KINDS))
def test_an_altered_vote_or_draw_in_a_decided_section_is_named(selection: Honest, tmp_path: Path, kind: str) -> None:
    _detected(kind, selection, tmp_path)


@pytest.mark.slow
@pytest.mark.node
@pytest.mark.parametrize("kind", sorted(NODE_KINDS))
def test_a_roleless_change_on_a_node_that_allows_it_is_named(on_node: Honest, tmp_path: Path, kind: str) -> None:
    code, _ = audit(on_node)
    assert code == 0
    _detected(kind, on_node, tmp_path)


def test_the_honest_world_has_no_finding_and_every_price_is_checked(honest: Honest) -> None:
    code, report = audit(honest)
    assert code == 0 and failures(report) == []
    prices = [c for c in report["checks"] if c["family"] == "opening" and c["name"].startswith("price of")]
    assert prices and all(c["status"] == "pass" for c in prices)


def test_the_store_log_is_a_family_of_the_audit_run_with_the_store(honest: Honest, tmp_path: Path) -> None:
    """`audit run --database` checks the store's log against the checkpoint as `audit log` does."""
    from tools.audit_census import backup_store

    copy = tmp_path / "store.sqlite"
    backup_store(honest.data / "ledger.sqlite", copy)
    html = tmp_path / "report.html"
    code, report = audit(honest, "--database", f"sqlite:///{copy}", "--html", str(html))
    assert code == 0 and failures(report) == []
    log = [c for c in report["store"]["checks"] if c["family"] == "checkpoints"]
    assert any(c["name"] == "checkpoint 0" and c["status"] == "pass" for c in log), log
    assert report["store"]["log"]["checked"] is True and report["store"]["log"]["checkpoints"] >= 1  # more if the writer's period came round
    assert "The store&#x27;s log and its checkpoints" in html.read_text(encoding="utf-8") or \
        "The store's log and its checkpoints" in html.read_text(encoding="utf-8")


def test_the_census_counts_a_kind_the_world_cannot_host_as_not_planted(honest: Honest, tmp_path: Path) -> None:
    outcomes = census({"*": honest}, tmp_path, kinds=["altered price", "altered vote or draw"])
    s = summary(outcomes)
    assert (s["census_planted"], s["census_detected"], s["census_detection_rate_pct"]) == (1, 1, 100.0)
    assert "decision record" in s["census_not_planted"]["altered vote or draw"]
