"""What a service process keeps per write stays bounded, and its memory can be traced.

- the sealed copies a worker files for its projector (`api.db.credentials.JustFiled`) are kept at
  most `max_entries` and `max_age_s`, whoever projects the anchor (often another worker);
- `tender-ledger serve` starts its workers and node with few malloc arenas, unless the operator
  chose a number;
- with TL_TRACEMALLOC a process snapshots its allocations on SIGUSR1 (`ledger.memtrace`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from api.db.credentials import JustFiled
from ledger import memtrace
from tools import serve

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _filed(n: int, tag: str) -> list[tuple[bytes, tuple[object, bytes]]]:
    return [(f"{tag}-{i}".encode(), (object(), bytes(32))) for i in range(n)]


def test_copies_never_projected_here_stay_at_most_max_entries() -> None:
    table = JustFiled(max_entries=50, max_age_s=3600, clock=Clock())
    for batch in range(40):  # 200 copies whose anchors another worker projects: never taken here
        table.put(_filed(5, f"b{batch}"))  # type: ignore[arg-type]
        assert len(table) <= 50
    assert len(table) == 50
    assert table.take(b"b39-4") is not None  # the newest are the ones kept
    assert table.take(b"b0-0") is None


def test_copies_older_than_max_age_are_forgotten_at_the_next_filing() -> None:
    clock = Clock()
    table = JustFiled(max_entries=10_000, max_age_s=120, clock=clock)
    table.put(_filed(5, "old"))  # type: ignore[arg-type]
    clock.now = 121
    table.put(_filed(1, "new"))  # type: ignore[arg-type]
    assert len(table) == 1
    assert table.take(b"old-0") is None
    assert table.take(b"new-0") is not None
    assert table.take(b"new-0") is None  # taken once: the projector's hit empties it


def test_a_copy_taken_by_the_projector_is_the_one_filed() -> None:
    table = JustFiled(clock=Clock())
    parsed = (object(), b"\x01" * 32)
    table.put([(b"{copy}", parsed)])  # type: ignore[list-item]
    assert table.take(b"{copy}") is parsed


def test_serve_starts_its_processes_with_few_malloc_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    with serve.few_malloc_arenas():
        started = subprocess.run([sys.executable, "-c", "import os; print(os.environ['MALLOC_ARENA_MAX'])"],
                                 capture_output=True, text=True, check=True)
    assert started.stdout.strip() == serve.MALLOC_ARENAS
    assert "MALLOC_ARENA_MAX" not in os.environ  # restored


def test_an_operators_malloc_arena_setting_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    with serve.few_malloc_arenas():
        assert os.environ["MALLOC_ARENA_MAX"] == "8"
    assert os.environ["MALLOC_ARENA_MAX"] == "8"


def test_a_traced_process_snapshots_on_sigusr1_and_the_growth_is_named(tmp_path: Path) -> None:
    prefix = tmp_path / "trace"
    script = textwrap.dedent("""
        import os, signal
        from ledger import memtrace
        assert memtrace.install_from_env("worker")
        os.kill(os.getpid(), signal.SIGUSR1)
        kept = [bytearray(1000) for _ in range(2000)]  # what this process keeps between the two
        os.kill(os.getpid(), signal.SIGUSR1)
        print(os.getpid())
    """)
    env = {**os.environ, memtrace.VARIABLE: str(prefix), "PYTHONPATH": str(ROOT)}
    program = tmp_path / "traced.py"
    program.write_text(script)
    done = subprocess.run([sys.executable, str(program)], env=env, capture_output=True, text=True, check=True,
                          cwd=ROOT)
    pid = int(done.stdout.strip())
    first, second = (memtrace.snapshot_path(str(prefix), "worker", pid, n) for n in (1, 2))
    assert first.exists() and second.exists()
    growth = memtrace.top_growth(first, second, limit=1)
    assert float(growth[0].split("KiB")[0]) >= 2000 * 1000 / 1024  # the 2,000 kept kilobytes, at least
    assert any("bytearray(1000)" in line for line in growth)


def test_without_the_variable_nothing_is_traced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(memtrace.VARIABLE, raising=False)
    before = signal.getsignal(signal.SIGUSR1)
    assert memtrace.install_from_env("worker") is False
    assert signal.getsignal(signal.SIGUSR1) is before
