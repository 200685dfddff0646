"""Opening the ledger: data directory, chain (embedded or node), operator key, deployed contracts."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress

from ledger.chain.embedded import ChainError, EmbeddedChain
from ledger.chain.client import ChainClient
from ledger.chain.gateway import Gateway
from ledger.chain.guarantee_book import GuaranteeBookGateway
from ledger.chain.registry import RegistryGateway
from ledger.chain.tender_book import TenderBookGateway
from ledger.config import EMBEDDED_CHAIN_ID, Settings
from ledger.datadir import DataDir
from ledger.errors import (
    ConfigurationError,
    CorruptDataDir,
    DeploymentMissing,
    OperatorUnfunded,
    WrongChain,
)

# Contracts the ledger deploys, in order; each takes its admin (the operator) as first
# constructor argument, then the addresses of the contracts it reads. The operator runs the
# trading centre, so it is also TenderBook's first centre.
CONTRACTS: tuple[str, ...] = ("CredentialRegistry", "TenderBook", "GuaranteeBook")
DEPENDS_ON: dict[str, tuple[str, ...]] = {"GuaranteeBook": ("TenderBook",)}
EMBEDDED_OPERATOR_FUNDS = 10**30


@dataclass
class Runtime:
    """Everything a command or the API needs to act on the chain."""

    settings: Settings
    datadir: DataDir
    client: ChainClient
    operator: LocalAccount
    addresses: dict[str, ChecksumAddress] = field(default_factory=dict)

    def gateway(self, name: str) -> Gateway:
        """The typed gateway of the deployed contract `name` (one of CONTRACTS)."""
        gateways: dict[str, Callable[[], Gateway]] = {
            "CredentialRegistry": lambda: self.registry, "TenderBook": lambda: self.tender_book,
            "GuaranteeBook": lambda: self.guarantee_book}
        return gateways[name]()

    @property
    def registry(self) -> RegistryGateway:
        return RegistryGateway.of(self.client, self.addresses["CredentialRegistry"])

    @property
    def tender_book(self) -> TenderBookGateway:
        return TenderBookGateway.of(self.client, self.addresses["TenderBook"])

    @property
    def guarantee_book(self) -> GuaranteeBookGateway:
        return GuaranteeBookGateway.of(self.client, self.addresses["GuaranteeBook"])

    def close(self) -> None:
        self.client.close()
        self.datadir.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_runtime(settings: Settings | None = None) -> Runtime:
    """Open (creating if new) the data directory and connect; raise ConfigurationError if unusable."""
    settings = settings or Settings()
    datadir = DataDir.open(settings.data_dir)
    client: ChainClient | None = None
    try:
        if settings.embedded:
            operator = _embedded_operator(datadir)
            chain = _open_embedded(datadir, settings, operator.address)
            client = ChainClient.for_embedded(chain)
        else:
            assert settings.rpc_url is not None
            if settings.signer_key is None:
                raise ConfigurationError(
                    "TL_SIGNER_KEY is required with TL_RPC_URL: the operator's funded private key"
                )
            try:
                operator = Account.from_key(settings.signer_key.get_secret_value())
            except (ValueError, TypeError) as exc:
                raise ConfigurationError(f"TL_SIGNER_KEY is not a valid private key: {exc}") from None
            client = ChainClient.for_node(
                settings.rpc_url, expected_chain_id=settings.chain_id, timeout=settings.rpc_timeout_s
            )
        runtime = Runtime(settings=settings, datadir=datadir, client=client, operator=operator)
        runtime.addresses = _ensure_deployed(runtime)
        return runtime
    except BaseException:
        if client is not None:
            client.close()
        datadir.close()
        raise


def _embedded_operator(datadir: DataDir) -> LocalAccount:
    path = datadir.operator_key_file
    if path.exists():
        try:
            existing: LocalAccount = Account.from_key(path.read_text().strip())
            return existing
        except (ValueError, TypeError) as exc:
            raise CorruptDataDir(f"{path} does not hold a private key: {exc}") from None
    if datadir.chain_file.exists():
        raise CorruptDataDir(f"{path} is missing but the chain exists; restore it from backup")
    account: LocalAccount = Account.create()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(account.key.hex() + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return account


def _open_embedded(datadir: DataDir, settings: Settings, operator: str) -> EmbeddedChain:
    sync = settings.durability.upper()
    path: Path = datadir.chain_file
    if path.exists():
        try:
            chain = EmbeddedChain.open(path, synchronous=sync)
        except ChainError as exc:
            raise CorruptDataDir(f"{path}: {exc}") from None
        except Exception as exc:  # a damaged trie or header surfaces as py-evm's own errors
            raise CorruptDataDir(f"{path} cannot be read: {type(exc).__name__}: {exc}") from None
        if settings.chain_id is not None and chain.chain_id != settings.chain_id:
            chain.close()
            raise WrongChain(
                f"{path} holds chain id {chain.chain_id}, but chain id {settings.chain_id} is configured"
            )
        if "chain_clock" in settings.model_fields_set and chain.clock != settings.chain_clock:
            chain.close()
            raise ConfigurationError(
                f"TL_CHAIN_CLOCK is {settings.chain_clock}, but {path} was created with a {chain.clock} "
                "clock: the clock mode is fixed when the chain is created (unset TL_CHAIN_CLOCK, or "
                "use a new data directory)"
            )
        return chain
    return EmbeddedChain.create(
        path,
        chain_id=settings.chain_id or EMBEDDED_CHAIN_ID,
        alloc={operator: EMBEDDED_OPERATOR_FUNDS},
        synchronous=sync,
        clock=settings.chain_clock,
    )


def _ensure_deployed(runtime: Runtime) -> dict[str, ChecksumAddress]:
    """Deploy missing contracts once per chain; check recorded ones still have code."""
    client, datadir = runtime.client, runtime.datadir
    genesis = client.w3.eth.get_block(0)["hash"].hex()
    key = f"{client.chain_id}:{genesis}"
    records: dict[str, Any] = datadir.read_json(datadir.deployments_file) or {}
    mine: dict[str, Any] = dict(records.get(key, {}))
    for name in CONTRACTS:
        if name in mine:
            address = mine[name]["address"]
            if not client.w3.eth.get_code(address):
                raise DeploymentMissing(
                    f"{name} is recorded at {address} on chain {client.chain_id}, but there is no "
                    "code there: the node's chain was reset or replaced"
                )
            continue
        if client.balance(runtime.operator.address) == 0:
            raise OperatorUnfunded(
                f"the operator account {runtime.operator.address} has no funds on chain "
                f"{client.chain_id}; fund it before the first start"
            )
        extra = [mine[dep]["address"] for dep in DEPENDS_ON.get(name, ())]
        contract, receipt = client.deploy(name, runtime.operator.address, *extra, sender=runtime.operator)
        if name == "TenderBook":
            TenderBookGateway(client, contract.address).authorise_centre(runtime.operator, runtime.operator.address)
        mine[name] = {"address": contract.address, "block": receipt["blockNumber"]}
        records[key] = mine
        datadir.write_json(datadir.deployments_file, records)
    return {name: mine[name]["address"] for name in CONTRACTS}
