"""The bids bench at a tiny scale: every figure is present, named with its unit, and sane.

Timings are not asserted (they depend on the machine); counts and consistency are.
"""

from __future__ import annotations

import json

import pytest
import requests

from tools.bench.bids import ANVIL, anvil_node, bench_bids

TINY = {
    "bids": 4,
    "credentials": 3,
    "single_tx_bids": 6,
    "batched_bids": 12,
    "node_single_tx_bids": 6,
    "node_batched_bids": 12,
    "batch": 5,
    "eligibility_repeats": 1,
}


def test_a_tiny_section_is_submitted_opened_checked_and_closed_with_every_figure_reported() -> None:
    figures = bench_bids(node=False, **TINY)  # type: ignore[arg-type]
    json.dumps(figures)  # one JSON object, as `--json` prints it
    assert figures["section_bids"] == 4
    assert figures["section_eligible_bids"] == 4
    assert figures["section_credential_uses_recorded"] == 4 * 3
    parts = ("submission_s", "opening_s", "eligibility_s", "closing_s")
    assert all(figures[p] > 0 for p in parts)
    assert figures["section_end_to_end_s"] == pytest.approx(sum(figures[p] for p in parts), abs=0.005)
    assert figures["eligibility_ms_per_bid_3_credentials"] > 0
    assert figures["eligibility_samples"] == 4 * 2
    assert figures["bid_submissions_per_s_single_tx_embedded"] > 0
    assert figures["bid_submissions_per_s_batched_embedded"] > 0
    assert figures["bid_seal_and_commitment_ms_embedded"] > 0
    assert figures["bid_eip712_sign_ms_embedded"] > 0
    assert "not run" in figures["anvil_note"]
    assert not any(k.endswith("_anvil") for k in figures)
    assert {"machine_cpus", "machine_platform", "machine_python"} <= figures.keys()


@pytest.mark.node
@pytest.mark.slow  # starts its own anvil process: the JSON-RPC path runs in the slow tier
def test_the_node_figures_come_from_an_anvil_process_the_bench_starts_and_stops() -> None:
    if not ANVIL.exists():
        pytest.skip(f"{ANVIL} is missing: run `npm ci`")
    figures = bench_bids(node=True, **TINY)  # type: ignore[arg-type]
    assert figures["bid_submissions_per_s_single_tx_anvil"] > 0
    assert figures["bid_submissions_per_s_batched_anvil"] > 0
    assert figures["anvil_note"].startswith("anvil on 127.0.0.1")
    with anvil_node() as url:
        assert requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=5).ok
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=5)
