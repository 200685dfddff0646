"""How the CLIs show what people read: times in the local zone (TL_TIMEZONE, Asia/Shanghai by
default) with their UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def local_zone() -> tzinfo:
    """The configured zone; UTC if the setting cannot be read (the commands report that elsewhere)."""
    from ledger.config import Settings

    try:
        return Settings().zone
    except Exception:
        return UTC


def local_time(seconds: int) -> str:
    """Unix seconds as a local time, e.g. `2026-12-22 07:56:57 +0800`."""
    return datetime.fromtimestamp(int(seconds), local_zone()).strftime("%Y-%m-%d %H:%M:%S %z")
