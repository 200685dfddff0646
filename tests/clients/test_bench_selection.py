"""`tender-ledger bench selection`, run small: one whole 评定分离 run end to end on the embedded chain,
its figures named with their units and the gas of every step (no duration is asserted)."""

from __future__ import annotations

import json

import pytest

from tools.cli import main

pytestmark = pytest.mark.slow


def test_bench_selection_runs_small_and_names_its_figures(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from tools.bench import selection

    real = selection.bench_selection

    def small(**kwargs):  # type: ignore[no-untyped-def]
        return real(**kwargs, bids=5, pool=12, shortlist=3, node=False)

    monkeypatch.setattr(selection, "bench_selection", small)
    assert main(["bench", "selection", "--json"]) == 0
    out, err = capsys.readouterr()
    figures = json.loads(out)
    for key in ("bid_and_open_s_embedded", "pool_registration_s_embedded", "selection_end_to_end_s_embedded",
                "selection_cpu_s_embedded", "selection_gas_total", "selection_transactions",
                "gas_max_SelectionBook_commitSheet", "gas_max_SelectionBook_revealSheet",
                "gas_max_SelectionBook_commitVote", "gas_max_SelectionBook_revealVote",
                "gas_max_SelectionBook_award", "gas_max_SelectionBook_object",
                "gas_max_SelectionBook_answerObjection", "gas_max_LotteryBook_commitSeed", "machine_cpus",
                "selection_vote_rounds_embedded"):
        assert key in figures, key
    assert figures["selection_shortlist_size"] == 3 and figures["selection_draws"] >= 2
    assert figures["gas_count_SelectionBook_commitSheet"] == 7 and figures["gas_count_SelectionBook_answerObjection"] == 1
    assert figures["anvil_note"].startswith("not run")
    assert figures["selection_vote_rounds_embedded"] >= 1
    assert err and all(line.startswith("… ") for line in err.splitlines())  # --json: progress on stderr
