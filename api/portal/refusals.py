"""The ledger's refusals as a page shows them (the wordings: `ledger.refusals`).

An API error body names the refusal (`contract_error`) and carries its arguments (`args`);
`refusal.<Name>` words it in the page's language, moments in the portal's time zone. A refusal
with no wording is shown as the API's message. The portal's script does the same from the same
entries (static/desk.js `refusal`), which the pages hand it among their labels; `sentence` is the
server's side, for the pages it renders itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from api.portal import format as fmt
from api.responses import ledger_error_body
from ledger.errors import LedgerError
from ledger.refusals import MISSING, PREFIX, REFUSALS, TIMES, placeholders, worded

__all__ = ["MISSING", "PREFIX", "REFUSALS", "TIMES", "api_message", "placeholders", "refusal_text", "sentence"]

_BEIJING = ZoneInfo("Asia/Shanghai")


def api_message(body: Mapping[str, Any], status: int | None = None) -> str:
    """What the API said: its message, or the framework's detail, or the status."""
    detail = body.get("message") or body.get("detail")
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        return "; ".join(str(d.get("msg", d)) if isinstance(d, Mapping) else str(d) for d in detail)
    return f"HTTP {status}" if status is not None else ""


def sentence(lang: str, body: Mapping[str, Any], zone: tzinfo = _BEIJING, status: int | None = None) -> str:
    """An API error body as a page shows it in `lang`: the refusal in words when it is worded,
    else the API's message."""
    said = worded(body.get("contract_error"), body.get("args"), lang, lambda t: fmt.when(t, zone, lang))
    return said if said is not None else api_message(body, status)


def refusal_text(lang: str, exc: LedgerError, zone: tzinfo = _BEIJING) -> str:
    """A ledger error as a page shows it in `lang` (`sentence` of the body the API answers for it)."""
    return sentence(lang, ledger_error_body(exc), zone)
