"""Memory tracing for a long-running process (a service worker, the embedded chain's node).

With TL_TRACEMALLOC set to a path prefix, `install_from_env(role)` starts tracemalloc and, on each
SIGUSR1, writes a snapshot of the live allocations to `<prefix>.<role>.<pid>.<n>.snap`
(n = 1, 2, …). `tender-ledger bench load` sends the signal when it samples the processes' memory
(after the warm-up and at the end), and `top_growth` compares two snapshots: the allocation sites
whose live memory grew most between them. Off (nothing imported or started) without the variable.
"""

from __future__ import annotations

import os
import signal
import threading
import tracemalloc
from pathlib import Path
from typing import Any

VARIABLE = "TL_TRACEMALLOC"
FRAMES = 12
"""Frames kept per allocation: enough to reach the project's own code from inside a library."""

_count = 0
_lock = threading.Lock()


def snapshot_path(prefix: str, role: str, pid: int, n: int) -> Path:
    return Path(f"{prefix}.{role}.{pid}.{n}.snap")


def install_from_env(role: str) -> bool:
    """Start tracing and dump a snapshot on each SIGUSR1 when TL_TRACEMALLOC is set (from the main
    thread only: elsewhere no signal handler can be installed, and nothing is done)."""
    prefix = os.environ.get(VARIABLE)
    if not prefix or threading.current_thread() is not threading.main_thread():
        return False
    if not tracemalloc.is_tracing():
        tracemalloc.start(FRAMES)

    def dump(_signum: int, _frame: Any) -> None:
        global _count
        with _lock:
            _count += 1
            n = _count
        path = snapshot_path(prefix, role, os.getpid(), n)
        path.parent.mkdir(parents=True, exist_ok=True)
        tracemalloc.take_snapshot().dump(str(path))

    signal.signal(signal.SIGUSR1, dump)
    return True


def top_growth(before: Path, after: Path, *, limit: int = 25, key: str = "traceback") -> list[str]:
    """The `limit` allocation sites whose live memory grew most from `before` to `after`, as lines
    (size change, count change, then the site's frames, innermost last)."""
    filters = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(filters)
    new = tracemalloc.Snapshot.load(str(after)).filter_traces(filters)
    lines = []
    for stat in new.compare_to(old, key)[:limit]:
        lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks "
                     f"(now {stat.size / 1024:.1f} KiB)")
        lines.extend(f"    {line}" for line in stat.traceback.format(most_recent_first=True)[:2 * FRAMES])
    return lines
