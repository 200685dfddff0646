"""The audit bench at a tiny scale (2 sections × 3 bids × 2 credentials): the workload is generated
through the service, exported and audited with no finding, and every figure is named with its
unit. Durations and rates are never asserted (they depend on the machine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.bench.audit import ReuseError, bench_audit
from tools.cli import main

TINY = {"sections": 2, "bids": 3, "credentials": 2}
TIMINGS = ("generation_s", "export_s", "replay_s", "checks_s", "audit_total_s", "events_per_s", "audit_cpu_s",
           "events_per_cpu_s")


def test_bench_audit_audits_a_tiny_workload_with_no_finding(tmp_path: Path) -> None:
    kept = tmp_path / "workload"
    figures = bench_audit(**TINY, node=False, reuse=kept)
    assert "workload_reused" not in figures and (kept / "workload.json").is_file()
    again = bench_audit(**TINY, node=False, reuse=kept)  # the kept workload, audited as it is
    assert again["workload_reused"] is True
    for key in ("events", "checks_passed", "findings", "generation_s", "export_s", "bundle_documents"):
        assert again[key] == figures[key], key
    for key in (*TIMINGS, "events", "findings", "checks_passed", "bundle_documents", "machine_cpus",
                "machine_platform", "machine_python", "machine_cpu"):
        assert key in figures, key
    assert figures["findings"] == 0 and figures["checks_passed"] > 0
    # Two opened sections of three bids: at least a publication, six bids, six openings, two closings.
    assert figures["events"] >= 1 + 6 + 6 + 2
    assert figures["bundle_documents"] >= 6  # at least every opened envelope
    assert all(figures[k] >= 0 for k in TIMINGS)
    assert figures["node_note"].startswith("not run")
    assert figures["city_year"] == "--sections 2000 --bids 10 --credentials 15"


@pytest.mark.node
def test_bench_audit_cli_audits_through_a_node_process_too(capsys: pytest.CaptureFixture[str]) -> None:
    args = [f"--{k}={v}" for k, v in TINY.items()]
    assert main(["bench", "audit", "--json", *args]) == 0
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert figures["findings"] == 0 and figures["findings_node"] == 0
    for key in ("events_per_s_node", "replay_s_node", "checks_s_node", "audit_total_s_node"):
        assert key in figures, key
    assert figures["audit_workload"].startswith("2 sections x 3 bids x 2 credentials")
    assert err and all(line.startswith("… ") for line in err.splitlines())  # --json: progress on stderr


def test_bench_audit_reuses_only_a_workload_of_the_same_shape(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "workload.json").write_text(json.dumps({"shape": {"sections": 9, "bids": 9, "credentials": 9,
                                                                "seed": 1}}), encoding="utf-8")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a workload", encoding="utf-8")
    for kept in (other, foreign):
        with pytest.raises(ReuseError):
            bench_audit(**TINY, node=False, reuse=kept)
        assert main(["bench", "audit", "--json", "--reuse", str(kept), *[f"--{k}={v}" for k, v in TINY.items()]]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --reuse: ") and err.count("\n") == 1
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]  # nothing written into it


@pytest.mark.parametrize("argv", [
    ["bench", "chain", "--reuse", "x"],  # a kept workload is the audit area's
    ["bench", "audit", "--faults", "--reuse", "x"],  # the census plants in its own world
    ["bench", "chain", "--sections", "3"],  # the shape flags are the audit area's
    ["bench", "audit", "--bids", "0"],
    ["bench", "audit", "--sections", "-1"],
    ["bench", "audit", "--credentials", "-2"],
    ["bench", "chain", "--faults"],  # the census is the audit area's
    ["bench", "audit", "--faults", "--sections", "3"],  # the census plants in its own world
])
def test_bench_audit_refuses_a_shape_it_cannot_generate(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
