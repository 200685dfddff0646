"""What the 评定分离 and lottery commands share as clients of the service: each party's own
transaction prepared by the service, checked here against the call asked for and signed with the
party's own key (`LedgerAPI.sign_tx`); the chain's time (deadlines are block time, not this
machine's); names for the addresses people read (firms by USCC, experts by speciality, pool
members, seats); and the refusal of bad local input (exit 2) apart from a refused step (exit 1).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.errors import LedgerError
from tools.errors import UsageError as UsageError  # where the command modules find it


def duration(text: str) -> int:
    """Seconds from `90`, `90s`, `45m`, `36h` or `21d` (an argparse type)."""
    import argparse

    units = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    if not number.isdigit() or int(number) == 0:
        raise argparse.ArgumentTypeError(f"not a duration (e.g. 21d, 36h, 90m, 3600): {text!r}")
    return int(number) * units[unit]


def api_default() -> str:
    return os.environ.get("TL_API_URL", "http://127.0.0.1:8000")


def client(url: str, key: LocalAccount | None = None) -> Any:
    from bidders.http import LedgerAPI

    return LedgerAPI(url, key)


def call(fn: Any, *a: Any, **kw: Any) -> Any:
    """`fn(*a, **kw)` against the service: unreachable → configuration error (exit 3), refused →
    `RemoteRefused` with the service's own message (exit 1)."""
    from tools.tender_cli import _call

    return _call(fn, *a, **kw)


def key_file(path: str | None, *, who: str) -> LocalAccount:
    """The caller's own key; `who` names it in the error when the option is missing. Without a
    path, the centre's key of the data directory (the centre's commands only pass None)."""
    from tools.tender_cli import _key

    if path is None and who != "centre":
        raise UsageError(f"--key-file: {who}'s own private key file is required")
    return _key(path)


def chain_time(api: Any) -> int:
    """The latest block's time: what every contract deadline is measured against."""
    return int(call(api.get, "/chain")["block_timestamp"])


def _wire(value: Any) -> Any:
    """An argument as JSON carries it to /tx/prepare (bytes as 0x-hex)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def signed(api: Any, contract: str, function: str, *args: Any) -> str:
    """The caller's own `contract.function(*args)` transaction: the service prepares it (nonce,
    gas, fees), this machine checks it calls exactly that and signs it with the caller's key."""
    from ledger.chain.governance import encode_offline

    data = encode_offline(contract, function, list(args))
    tx = call(api.prepare, contract, function, _wire(list(args)))
    result: str = call(api.sign_tx, tx, contract=contract, data=data)
    return result


def word_arg(value: str, what: str) -> bytes:
    from ledger.values import word

    try:
        return word(value, what)
    except LedgerError as exc:
        raise UsageError(str(exc)) from None


def address_arg(value: str, what: str) -> str:
    from ledger.values import address

    try:
        return address(value, what)
    except LedgerError as exc:
        raise UsageError(str(exc)) from None


def read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {getattr(exc, 'strerror', None) or exc}") from None


def read_json(path: str, what: str) -> Any:
    try:
        return json.loads(read_text(path, what))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} {path} is not JSON: {exc}") from None


def write_private_json(path: Path, data: dict[str, Any], what: str) -> None:
    """Write a file only its owner reads, never over an existing one."""
    from tools.tender_cli import _write_private

    try:
        _write_private(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except FileExistsError:
        raise UsageError(f"{path} exists: {what} is never overwritten") from None
    except OSError as exc:
        raise UsageError(f"cannot write {what} {path}: {exc.strerror}") from None


def text_arg(text: str | None, file: str | None, what: str) -> str:
    """A text given inline or as a UTF-8 file (exactly one of them)."""
    if (text is None) == (file is None):
        raise UsageError(f"give the {what} either inline or as a file (one of the two)")
    value = text if text is not None else read_text(str(file), f"the {what} file")
    if not value.strip():
        raise UsageError(f"the {what} is empty")
    return value


# ---------------------------------------------------------------------- names


def yuan(amount: Any) -> str:
    """An amount in 元 as people write it: `11,000,000.00 元`."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(amount)):,.2f} 元"
    except (InvalidOperation, ValueError):
        return f"{amount} 元"


def short(address: str) -> str:
    return f"{address[:8]}…{address[-4:]}" if len(address) == 42 else address


class Names:
    """Who an address stands for, from what the service shows the caller: a bid key's firm (its
    USCC, from the section's results: public after 公示, to the centre after opening), an expert
    of the pool with its speciality, a member of the tenderer's pool, and the seats. Unknown
    addresses stay addresses."""

    def __init__(self, api: Any, tender_id: str, section: int, *, signed: bool = False) -> None:
        self.api, self.tender_id, self.section, self.signed = api, tender_id, section, signed
        self._firms: dict[str, str] | None = None
        self._experts: dict[str, tuple[str, str]] | None = None  # address → (speciality, name)
        self._members: dict[str, str] | None = None  # address → name ("" when no pool card names it)

    def _quiet(self, path: str, *, signed: bool = False) -> Any:
        from bidders.http import APIError

        try:
            return self.api.get(path, signed=signed)
        except APIError:
            return None

    def firms(self) -> dict[str, str]:
        """bid key (lower case) → `firm USCC`."""
        if self._firms is None:
            results = self._quiet(f"/tenders/{self.tender_id}/sections/{self.section}/results", signed=self.signed)
            self._firms = {}
            for b in (results or {}).get("bids", []):
                firm = (b.get("eligibility") or {}).get("firm")
                if firm:
                    self._firms[b["bidder"].lower()] = f"firm {firm}"
        return self._firms

    def experts(self) -> dict[str, tuple[str, str]]:
        if self._experts is None:
            pool = self._quiet("/selection/experts") or {"entries": []}
            self._experts = {e["address"].lower(): (e.get("speciality") or "", e.get("name") or "")
                             for e in pool["entries"]}
        return self._experts

    def members(self) -> dict[str, str]:
        if self._members is None:
            self._members = {}
            tender = self._quiet(f"/tenders/{self.tender_id}")
            uscc = ((tender or {}).get("params") or {}).get("tenderer_uscc")
            if uscc:
                pool = self._quiet(f"/selection/pools/{uscc}") or {"entries": []}
                self._members = {e["address"].lower(): e.get("name") or "" for e in pool["entries"]}
        return self._members

    def of(self, address: str | None) -> str:
        """`address (who)` where the ledger knows who, else the address alone."""
        if not address:
            return "(none)"
        low = address.lower()
        if low in self.firms():
            return f"{self.firms()[low]} (bid key {address})"
        if low in self.experts():
            speciality, name = self.experts()[low]
            who = f"{name}, " if name else ""
            return f"{address} ({who}expert{', ' + speciality if speciality else ''})"
        if low in self.members():
            name = self.members()[low]
            return f"{address} ({name + ', ' if name else ''}member of the tenderer's pool)"
        return address


def candidate_address(word32: str | bytes) -> str | None:
    """The address a draw candidate word stands for (the top 12 bytes zero), else None."""
    from eth_utils import to_checksum_address

    raw = word32 if isinstance(word32, bytes) else bytes.fromhex(word32[2:])
    if len(raw) != 32 or any(raw[:12]):
        return None
    return str(to_checksum_address(raw[12:]))
