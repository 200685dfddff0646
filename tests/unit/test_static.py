"""The Python sources stay ruff- and mypy-clean (both tools pinned in the `test` extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # From the repository root, so that both tools read their settings from pyproject.toml.
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_finds_no_errors_or_undefined_names_in_the_python_sources() -> None:
    result = _run("ruff", "check", "--no-cache", "--select", "F,E9",
                  "ledger", "api", "bidders", "tools", "tests", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # a whole-program type check: ~20 s, so it runs with the slow tier
def test_mypy_finds_no_type_errors_in_ledger_api_and_bidders(tmp_path: Path) -> None:
    result = _run("mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "ledger", "api", "bidders", "tools")
    assert result.returncode == 0, result.stdout + result.stderr
