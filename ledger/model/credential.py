"""Credentials as the ledger holds them: the holder's sealed copy with its batch root and proof,
anchored batches, statuses and reason codes, and the outcomes of the registry's use cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from ledger.documents import Kind, SealedCredential
from ledger.errors import ValidationFailed
from ledger.model.receipt import Mined


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


class ReasonCode(IntEnum):
    """Why a credential was revoked or suspended (the contract's `uint16 reason`).

    0 is what `statusAt` answers when there is no reason (valid or superseded); it cannot be given
    to `revoke` or `suspend`.
    """

    NONE = 0
    ISSUED_IN_ERROR = 1  # 错误颁发: wrong data or wrong subject
    FRAUD = 2  # 弄虚作假: obtained by false documents
    EXPIRED_EARLY = 3  # ended before validUntil: qualification cancelled, firm dissolved
    COURT_ORDER = 4  # 法院裁定 / administrative decision
    UNDER_INVESTIGATION = 5  # 调查中: the usual ground for a suspension
    SUPERSEDED = 6  # replaced by a document not anchored through `supersede`
    OTHER = 255


class Status(IntEnum):
    """Status of a credential under a root at an instant (the contract's `Status`)."""

    NOT_ANCHORED = 0
    VALID = 1
    REVOKED = 2
    SUSPENDED = 3
    SUPERSEDED = 4


@dataclass(frozen=True)
class Batch:
    """An anchored batch: its root, the anchoring transaction and each credential's proof."""

    root: bytes
    kind: Kind
    issuer: str
    tx_hash: bytes
    block_number: int
    anchored_at: int
    proofs: Mapping[bytes, tuple[bytes, ...]]

    @property
    def credential_ids(self) -> list[bytes]:
        return list(self.proofs)

    def proof(self, credential_id: bytes) -> list[bytes]:
        """The Merkle proof of one credential of the batch (empty for a one-credential batch)."""
        try:
            return list(self.proofs[credential_id])
        except KeyError:
            raise ValidationFailed(
                f"credential 0x{credential_id.hex()} is not in batch 0x{self.root.hex()}"
            ) from None


@dataclass(frozen=True)
class Anchor:
    """Who anchored a root, the kind of its credentials and when (block timestamp)."""

    issuer: str
    kind: Kind | int
    anchored_at: int


@dataclass(frozen=True)
class AnchoredRoot:
    """One `Anchored` event as the chain logged it: the root, its issuer and kind, and where."""

    root: bytes
    issuer: str
    kind: Kind | int
    block_number: int
    tx_hash: bytes


@dataclass(frozen=True)
class StatusAt:
    """Status of a credential at an instant, with the revocation or suspension reason."""

    status: Status
    reason: ReasonCode | int


@dataclass(frozen=True)
class CredentialStatus:
    """A stored credential with its status at an instant."""

    credential: StoredCredential
    status: StatusAt


@dataclass(frozen=True)
class StatusChange:
    """A relayed revoke, suspend, reinstate or supersede of one credential."""

    credential_id: bytes
    action: str
    mined: Mined


@dataclass(frozen=True)
class BulkRevocation:
    """A relayed revocation, by leaf position, of several credentials of one batch (`revokeAt_Fni`):
    the credentials in position order, their positions, the one reason and the transaction."""

    root: bytes
    reason: ReasonCode
    credential_ids: tuple[bytes, ...]
    positions: tuple[int, ...]
    mined: Mined


@dataclass(frozen=True)
class IssuerGrant:
    """Whether an issuer holds a kind now, and since when."""

    issuer: str
    kind: int
    authorised: bool
    since: datetime


@dataclass(frozen=True)
class RegistryEvent:
    """One journalled CredentialRegistry event; `args` as JSON values (bytes as 0x-hex)."""

    name: str
    block_number: int
    tx_hash: str
    time: datetime
    args: Mapping[str, Any]
