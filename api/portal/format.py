"""How the portal writes values for people: amounts in 元 with thousands separators, times in the
configured time zone with their offset, hashes shortened (the full value in a title attribute),
and ledger reasons with the hashes in them shortened the same way."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from markupsafe import Markup, escape

WAN = Decimal(10_000)
_HEX = re.compile(r"0x[0-9a-fA-F]{40,}")


def money(value: Decimal | str | int | None) -> str:
    """`12,000,000.00 元`; an amount that is not a number is shown as given."""
    if value is None:
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f} 元"


def wan_to_yuan(value: Decimal | str) -> str:
    """An amount in 万元 written in 元 (`5,000,000.00 元`)."""
    return money(Decimal(str(value)) * WAN)


def _moment(value: int | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # the store's times are UTC
    return datetime.fromtimestamp(value, UTC)


def offset_of(moment: datetime) -> str:
    """`UTC+08:00`."""
    text = moment.strftime("%z")
    return f"UTC{text[:3]}:{text[3:]}"


def when(value: int | datetime | None, zone: tzinfo, lang: str, *, offset: bool = True) -> str:
    """A time in `zone`, with its offset: `2026年12月22日 09:00（UTC+08:00）` / `22 Dec 2026, 09:00 (UTC+08:00)`
    (without it when `offset` is false, for a picture that names the zone once)."""
    if value is None:
        return "—"
    local = _moment(value).astimezone(zone)
    if lang == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" + (f"（{offset_of(local)}）" if offset else "")
    return f"{local.day} {local:%b %Y, %H:%M}" + (f" ({offset_of(local)})" if offset else "")


def day(value: date | datetime | int | None, zone: tzinfo, lang: str) -> str:
    """A calendar date: `2026年12月22日` / `22 Dec 2026` (a time is taken in `zone`)."""
    if value is None:
        return "—"
    if isinstance(value, int | datetime):
        value = _moment(value).astimezone(zone).date()
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value:%b %Y}"


def short(value: str) -> str:
    """`0x1234ab…cdef`: the first 6 and last 4 hex digits of a long hex value."""
    return value if len(value) <= 14 else f"{value[:8]}…{value[-4:]}"


def hash_html(value: str | bytes) -> Markup:
    """A shortened hash with the full value in its title (and copyable from it)."""
    full = value if isinstance(value, str) else "0x" + value.hex()
    return Markup('<code class="hash" title="{0}">{1}</code>').format(full, short(full))


def unbroken(message: str, **values: str) -> Markup:
    """`message` (its `{name}` placeholders left in) escaped, each value set in a nowrap span: a
    time with its offset, `2026年12月22日 09:00（UTC+08:00）`, is never split over two lines."""
    return Markup(escape(message)).format(**{k: Markup('<span class="nowrap">{0}</span>').format(v)
                                             for k, v in values.items()})


def prose(text: str) -> Markup:
    """Ledger text, escaped, with every hash or address in it shortened (`hash_html`)."""
    out, last = [], 0
    for match in _HEX.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(hash_html(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
