"""The machine a bench ran on, reported with its figures."""

from __future__ import annotations

import os
import platform
from typing import Any


def machine() -> dict[str, Any]:
    return {
        "machine_cpus": os.cpu_count(),
        "machine_platform": platform.platform(),
        "machine_python": platform.python_version(),
    }


def cpu_model() -> str:
    """The processor's name from /proc/cpuinfo (Linux), or the platform's answer elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
