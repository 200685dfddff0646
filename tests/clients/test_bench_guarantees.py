"""The guarantees bench at a tiny scale: every figure is present, named with its unit, and sane.

Timings are not asserted beyond being positive (they depend on the machine); counts, gas and
the arithmetic between figures are.
"""

from __future__ import annotations

import json

import pytest

from tools.bench.guarantees import REFERENCE_VOLUME, bench_guarantees
from tools.cli import EXIT_USAGE, main


def test_a_tiny_run_issues_every_guarantee_and_reports_every_figure() -> None:
    figures = bench_guarantees(guarantees=12, latency_samples=3, bidders=4, sections=3)
    json.dumps(figures)  # one JSON object, as `--json` prints it
    assert figures["throughput_guarantees"] == 12
    assert figures["throughput_issued_on_chain"] == 12
    for form in ("plaintext", "sealed"):
        assert 0 < figures[f"issue_{form}_median_ms"] <= figures[f"issue_{form}_p95_ms"]
        assert figures[f"guarantees_per_s_{form}_gas_estimated"] > 0
    # applyFor + issue: about 144,700 gas 明文; the sealed commitment is only logged, so 密文
    # costs the same give or take its calldata (it used to cost one more slot)
    assert 100_000 < figures["gas_per_guarantee_plaintext"] <= 120_000
    assert abs(figures["gas_per_guarantee_sealed"] - figures["gas_per_guarantee_plaintext"]) < 1_000
    assert figures["gas_per_guarantee_throughput"] == pytest.approx(figures["gas_per_guarantee_plaintext"], rel=0.01)
    rate = figures["guarantees_per_s"]
    assert rate == pytest.approx(12 / figures["throughput_elapsed_s"])
    assert figures["reference_volume_guarantees"] == REFERENCE_VOLUME
    assert figures["reference_volume_minutes"] == pytest.approx(REFERENCE_VOLUME / rate / 60)
    assert {"machine_cpus", "machine_platform", "machine_python"} <= figures.keys()


def test_the_cli_offers_the_guarantees_area(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "no-such-area"]) == EXIT_USAGE
    assert "guarantees" in capsys.readouterr().err
