"""How the API spells bytes: 0x-hex out, and 32-byte words and addresses in with a clear error
(the ledger's own readers, `ledger.values`, so the API and the use cases refuse alike)."""

from __future__ import annotations

from ledger.values import address, to_hex, word

__all__ = ["address", "to_hex", "word"]
