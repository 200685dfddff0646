"""Registry functions over a `ChainClient` and the deployed `CredentialRegistry` contract.

The keyword-only functions of the library's first API, kept for its callers: each is one call of
the typed gateway (`ledger.chain.registry.RegistryGateway`), which new code uses directly. The
types live in `ledger.model.credential`, the batch rules in `ledger.rules.anchoring`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ledger.chain.client import ChainClient
from ledger.chain.registry import RegistryGateway
from ledger.documents import Kind, SealedCredential
from ledger.model.credential import Anchor, Batch, ReasonCode, Status, StatusAt
from ledger.model.receipt import Mined
from ledger.rules.anchoring import MAX_BATCH, check_batch

__all__ = [
    "MAX_BATCH", "Anchor", "Batch", "ReasonCode", "Status", "StatusAt", "anchor_batch", "anchor_of",
    "anchor_one", "authorise_issuer", "build_anchor_tx", "check_batch", "find_anchoring", "reinstate",
    "revoke", "status_at", "successor_of", "supersede", "suspend", "withdraw_issuer",
]


def _gw(client: ChainClient, registry: Contract) -> RegistryGateway:
    return RegistryGateway.of(client, registry.address)


def authorise_issuer(*, client: ChainClient, registry: Contract, admin: LocalAccount, issuer: str, kind: Kind) -> Mined:
    return _gw(client, registry).authorise_issuer(admin, issuer, kind)


def withdraw_issuer(*, client: ChainClient, registry: Contract, admin: LocalAccount, issuer: str, kind: Kind) -> Mined:
    return _gw(client, registry).withdraw_issuer(admin, issuer, kind)


def anchor_one(*, client: ChainClient, registry: Contract, issuer: LocalAccount, sealed: SealedCredential) -> Batch:
    """A batch of one, whose root is the credential's leaf (empty proof)."""
    return _gw(client, registry).anchor_batch(issuer, [sealed])


def anchor_batch(*, client: ChainClient, registry: Contract, issuer: LocalAccount,
                 credentials: Sequence[SealedCredential], kind: Kind | None = None) -> Batch:
    return _gw(client, registry).anchor_batch(issuer, credentials, kind)


def build_anchor_tx(*, client: ChainClient, registry: Contract, issuer_address: str, root: bytes,
                    kind: Kind) -> dict[str, Any]:
    return _gw(client, registry).prepare_anchor(issuer_address, root, kind)


def revoke(*, client: ChainClient, registry: Contract, issuer: LocalAccount, root: bytes, credential_id: bytes,
           proof: Sequence[bytes], reason: ReasonCode) -> Mined:
    return _gw(client, registry).revoke(issuer, root, credential_id, proof, reason)


def suspend(*, client: ChainClient, registry: Contract, issuer: LocalAccount, root: bytes, credential_id: bytes,
            proof: Sequence[bytes], reason: ReasonCode) -> Mined:
    return _gw(client, registry).suspend(issuer, root, credential_id, proof, reason)


def reinstate(*, client: ChainClient, registry: Contract, issuer: LocalAccount, root: bytes, credential_id: bytes,
              proof: Sequence[bytes]) -> Mined:
    return _gw(client, registry).reinstate(issuer, root, credential_id, proof)


def supersede(*, client: ChainClient, registry: Contract, issuer: LocalAccount, old_root: bytes, old_id: bytes,
              old_proof: Sequence[bytes], new_root: bytes, new_id: bytes, new_proof: Sequence[bytes]) -> Mined:
    return _gw(client, registry).supersede(issuer, old_root, old_id, old_proof, new_root, new_id, new_proof)


def anchor_of(*, client: ChainClient, registry: Contract, root: bytes) -> Anchor | None:
    return _gw(client, registry).anchor_of(root)


def status_at(*, client: ChainClient, registry: Contract, root: bytes, credential_id: bytes, at: int) -> StatusAt:
    return _gw(client, registry).status_at(root, credential_id, at)


def successor_of(*, client: ChainClient, registry: Contract, root: bytes,
                 credential_id: bytes) -> tuple[bytes, bytes] | None:
    return _gw(client, registry).successor_of(root, credential_id)


def find_anchoring(*, client: ChainClient, registry: Contract, root: bytes, from_block: int = 0) -> Mined | None:
    return _gw(client, registry).find_anchoring(root, from_block)
