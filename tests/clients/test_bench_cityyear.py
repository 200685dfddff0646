"""The city-year generator at a small scale (10 sections × 10 bids × 15 credentials): the chain state
is built in large steps (many transactions to a block) and its bundle written directly, and the
unmodified audit finds nothing. Durations are never asserted (they depend on the machine)."""

from __future__ import annotations

import json

import pytest

from tools.bench.cityyear import bench_city_year
from tools.cli import main

TIMINGS = ("generation_s", "generation_cpu_s", "replay_s", "checks_s", "audit_wall_s", "audit_cpu_s", "events_per_s")


@pytest.mark.slow
def test_city_year_at_ten_sections_is_audited_with_no_finding() -> None:
    figures = bench_city_year(sections=10)
    for key in (*TIMINGS, "events", "findings", "checks_passed", "bundle_documents", "transactions",
                "blocks_packed", "tenders", "machine_cpus", "machine_cpu"):
        assert key in figures, key
    assert figures["findings"] == 0 and figures["checks_passed"] > 0
    assert figures["tenders"] == 2
    # 100 bids, each opened with its 15 credentials logged: at least that many events
    assert figures["events"] >= 100 * (1 + 1 + 15)
    # many transactions to a block: 100 openings, 10 closings, 4 shares, 2 publications, 1 relay at least
    assert figures["transactions"] >= 117 and figures["blocks_packed"] < figures["transactions"] / 5
    assert figures["bundle_documents"] >= 2 * 100  # every envelope and opening report
    assert all(figures[k] >= 0 for k in TIMINGS)


@pytest.mark.slow
def test_city_year_cli_reports_json_without_progress(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "audit", "--city-year", "--sections", "1", "--bids", "3", "--credentials", "2",
                 "--json"]) == 0
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert figures["findings"] == 0
    assert figures["audit_workload"].startswith("city-year: 1 sections x 3 bids x 2 credentials")
    assert err and all(line.startswith("… ") for line in err.splitlines())  # --json: progress on stderr


@pytest.mark.parametrize("argv", [
    ["bench", "chain", "--city-year"],  # the city-year is the audit area's
    ["bench", "audit", "--city-year", "--faults"],
    ["bench", "audit", "--city-year", "--sections", "0"],
])
def test_city_year_refuses_what_it_cannot_generate(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
