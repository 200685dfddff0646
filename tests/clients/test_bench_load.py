"""`tender-ledger bench load`, run briefly: one and two workers on PostgreSQL with the embedded
chain's node process, a mixed load with a tenth of invalid requests; only what must hold is
asserted (no 5xx, nothing lost or applied twice, every invalid request refused with its own 4xx,
the store equal to its rebuild), never a rate or a duration. Its options' refusals: exit 2 and one
`error:` line, before anything starts."""

from __future__ import annotations

import json

import pytest

from tools.cli import main
from tools.localnet import find_bindir


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_load_briefly_with_one_and_two_workers_loses_nothing_and_refuses_every_invalid_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    assert main(["bench", "load", "--workers", "1,2", "--chain", "embedded", "--duration", "20",
                 "--clients", "16", "--invalid", "0.1", "--json"]) == 0
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert err and all(line.startswith("… ") for line in err.splitlines())  # --json: progress on stderr
    # Not asserted: operations without an answer (a client's timeout, or a worker uvicorn replaced
    # when it missed a health check on a busy machine), which are availability, not correctness.
    for key in ("soak_5xx_count", "soak_lost_writes", "soak_duplicated_writes", "soak_invalid_misanswered",
                "soak_refused_but_applied", "soak_events_missing_or_doubled"):
        assert figures[key] == 0, (key, figures["soak_problems"])
    assert figures["soak_store_equals_rebuild"] is True, figures["soak_problems"]
    assert figures["soak_invalid_sent"] > 0
    assert figures["soak_invalid_rejected_4xx"] == figures["soak_invalid_sent"]
    for workers in (1, 2):
        suffix = f"_{workers}_workers_embedded"
        assert figures[f"acknowledged_writes{suffix}"] > 0
        for key in ("throughput_ops_per_s", "rss_growth_pct", "worker_restarts", "p50_ms_verify", "p99_ms_verify"):
            assert f"{key}{suffix}" in figures, key  # recorded, whatever its value
    assert "p99_ms_anchor" in figures and figures["machine_cpus"]


@pytest.mark.parametrize(("args", "says"), [
    (["--workers", "0"], "--workers: each worker count must be from 1 to 64"),
    (["--workers", "one,two"], "--workers is a list of worker counts"),
    (["--duration", "5"], "--duration must be at least 10 seconds"),
    (["--clients", "2"], "--clients must be from 4 to 1024"),
    (["--invalid", "1.5"], "--invalid is a share from 0 to below 1"),
])
def test_bench_load_refuses_bad_options_with_one_error_line(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "load", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().splitlines() == [f"error: {err.strip()[7:]}"] and says in err


def test_load_options_apply_to_the_load_area_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "chain", "--workers", "2"]) == 2
    assert capsys.readouterr().err == "error: --workers applies to the load area only\n"
