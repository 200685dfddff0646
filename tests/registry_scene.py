"""A fresh CredentialRegistry for the registry and verification tests: its admin, an issuer of
qualifications and credit, its typed gateway, credentials sealed under fixed salts and a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ledger.chain.client import ChainClient
from ledger.chain.registry import RegistryGateway
from ledger.documents import Kind, SealedCredential
from tests.conftest import ChainEnv
from tests.documents_helpers import make_document

STEP = 100  # seconds the clock moves between two status changes


@dataclass
class Ledger:
    """A fresh registry deployed by `admin`; `issuer` may anchor qualifications and credit."""

    chain: ChainEnv
    registry: Contract
    admin: LocalAccount
    issuer: LocalAccount
    now: datetime

    @property
    def client(self) -> ChainClient:
        return self.chain.client

    @property
    def gw(self) -> RegistryGateway:
        """The registry's typed gateway."""
        return RegistryGateway.of(self.client, self.registry.address)

    def seal(
        self, kind: Kind = Kind.QUALIFICATION, n: int = 0, issuer: str | None = None, **changes: Any
    ) -> SealedCredential:
        """A credential valid from a day ago for a year, sealed under a salt fixed by `n`."""
        document = make_document(
            kind,
            issuer=issuer or self.issuer.address,
            n=n,
            valid_from=changes.pop("valid_from", self.now - timedelta(days=1)),
            valid_until=changes.pop("valid_until", self.now + timedelta(days=365)),
            **changes,
        )
        return SealedCredential.seal(document, n.to_bytes(32, "big"))

    def tick(self, seconds: int = STEP) -> None:
        self.chain.increase_time(seconds)

    def head(self) -> tuple[int, int]:
        """Block number and the issuer's nonce: both stay put when nothing was sent."""
        return self.client.block_number(), self.client.w3.eth.get_transaction_count(
            self.issuer.address
        )


def open_ledger(chain: ChainEnv) -> Ledger:
    admin, issuer = chain.accounts[0], chain.accounts[1]
    registry = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    for kind in (Kind.QUALIFICATION, Kind.CREDIT):
        RegistryGateway.of(chain.client, registry.address).authorise_issuer(admin, issuer.address, kind)
    now = datetime.fromtimestamp(chain.client.block_timestamp(), UTC)
    return Ledger(chain, registry, admin, issuer, now)
