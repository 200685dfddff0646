"""An anchored credential as the ledger holds it: the holder's sealed copy, its batch root and proof."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.documents import Kind, SealedCredential


@dataclass(frozen=True)
class StoredCredential:
    """One anchored credential: the document (with its salts), where it is anchored, and about whom."""

    credential_id: bytes
    root: bytes
    kind: Kind
    issuer: str
    subject: str  # the firm's USCC (or the person's employer for registered personnel)
    signing_address: str | None  # identity credentials: the firm's signing key
    proof: tuple[bytes, ...]
    sealed: SealedCredential
    tx_hash: bytes
    block_number: int
    anchored_at: int  # unix seconds, the anchoring block's time
