"""Slither finds no high or medium issue in contracts/ that docs/contracts.md does not explain.

scripts/slither.sh runs slither in its own virtual environment, compiling through forge and the
pinned solc-js (offline). Each accepted finding is a row of the "Static analysis" table in
docs/contracts.md: `| impact | detector | Contract.element | reason |`. A new high or medium finding
fails this test until it is fixed or explained there; a row that no longer matches a finding
fails it too (the explanation is stale).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "contracts.md"


def _accepted() -> set[tuple[str, str, str]]:
    text = DOC.read_text()
    section = text.split("## Static analysis", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(
        r"^\| (High|Medium) \| `([\w-]+)` \| `([\w.]+)` \|", section, flags=re.MULTILINE
    )
    return {(impact, check, element) for impact, check, element in rows}


def _key(finding: dict) -> tuple[str, str, str]:
    element = finding["elements"][0]
    parent = element.get("type_specific_fields", {}).get("parent", {}).get("name")
    name = f"{parent}.{element['name']}" if parent else element["name"]
    return (finding["impact"], finding["check"], name)


def test_the_static_analysis_section_lists_accepted_findings() -> None:
    assert _accepted(), (
        "docs/contracts.md has no accepted-findings table under '## Static analysis'"
    )


@pytest.mark.slow
def test_slither_reports_no_unexplained_high_or_medium_finding(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("`node` is not on PATH: slither compiles through forge and solc-js")
    report = tmp_path / "slither.json"
    proc = subprocess.run(
        ["bash", "scripts/slither.sh", "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    # slither exits 255 when it reports anything (low and informational findings included).
    assert proc.returncode in (0, 255) and report.exists(), (
        proc.stdout[-3000:] + proc.stderr[-3000:]
    )
    result = json.loads(report.read_text())
    assert result["success"], result.get("error")
    findings = {
        _key(f) for f in result["results"].get("detectors", []) if f["impact"] in ("High", "Medium")
    }
    accepted = _accepted()
    assert not findings - accepted, (
        f"unexplained high/medium findings: {sorted(findings - accepted)}"
    )
    assert not accepted - findings, (
        f"explained findings slither no longer reports: {sorted(accepted - findings)}"
    )
