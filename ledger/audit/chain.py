"""The chain as an auditor reads it: a node URL, or an embedded data directory opened read-only;
the contracts' addresses from a deployments file; every event of every contract from genesis,
decoded by the contracts' own gateways and put in chain order.

Nothing here writes: a data directory's chain file is opened with SQLite's read-only mode and no
lock is taken, so an audit can run beside the service (or a `tender-ledger node`) on the same
directory; its store, keys and deployments are not touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from ledger.chain.client import ChainClient
from ledger.chain.embedded import ChainError, EmbeddedChain
from ledger.chain.gateway import ChainLog, Gateway
from ledger.chain.governance import GovernanceGateway
from ledger.chain.guarantee_book import GuaranteeBookGateway
from ledger.chain.lottery_book import LotteryBookGateway
from ledger.chain.performance_book import PerformanceBookGateway
from ledger.chain.registry import RegistryGateway
from ledger.chain.selection_book import SelectionBookGateway
from ledger.chain.store import ChainStore
from ledger.chain.tender_book import TenderBookGateway
from ledger.errors import ConfigurationError, CorruptDataDir

#: The contracts an audit replays, by name, with their gateways (the ones the ledger deploys).
GATEWAYS: dict[str, type[Gateway]] = {
    "Governance": GovernanceGateway, "CredentialRegistry": RegistryGateway, "TenderBook": TenderBookGateway,
    "GuaranteeBook": GuaranteeBookGateway, "LotteryBook": LotteryBookGateway, "SelectionBook": SelectionBookGateway,
    "PerformanceBook": PerformanceBookGateway,
}
REQUIRED = ("Governance", "CredentialRegistry", "TenderBook")
CHAIN_FILE = "chain.sqlite"
DEPLOYMENTS_FILE = "deployments.json"
LOG_CHUNK = 5_000


def open_embedded_readonly(data_dir: Path) -> ChainClient:
    """The embedded chain of `data_dir`, read-only (nothing is written, no lock is taken)."""
    path = Path(data_dir) / CHAIN_FILE
    if not path.is_file():
        raise ConfigurationError(f"{data_dir} holds no embedded chain ({CHAIN_FILE})")
    try:
        store = ChainStore(path, readonly=True)
    except Exception as exc:  # not a database, unreadable
        raise CorruptDataDir(f"{path} cannot be opened read-only: {exc}") from None
    try:
        chain_id = int(store.get_meta("chain_id") or 0)
        chain = EmbeddedChain(store, chain_id)
        genesis = chain.header_at(0)
        if genesis.hash.hex() != store.get_meta("genesis_hash"):
            raise CorruptDataDir(f"{path}: the genesis block does not match the recorded genesis hash")
    except ChainError as exc:
        store.close()
        raise CorruptDataDir(f"{path}: {exc}") from None
    except CorruptDataDir:
        store.close()
        raise
    except Exception as exc:
        store.close()
        raise CorruptDataDir(f"{path} cannot be read: {type(exc).__name__}: {exc}") from None
    return ChainClient.for_embedded(chain)


def read_addresses(path: Path, *, chain_id: int, genesis: str) -> dict[str, str]:
    """The contracts' addresses from a file: a data directory's deployments.json (per chain id and
    genesis hash, `{name: {address, block}}`) or a plain `{name: address}` object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the contracts' addresses from {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} is not a JSON object of contract addresses")
    key = f"{chain_id}:{genesis.removeprefix('0x')}"
    entry = next((v for k, v in data.items() if k.replace("0x", "") == key.replace("0x", "")), None)
    if entry is None and any(isinstance(v, dict) and ":" in k for k, v in data.items()):
        raise ConfigurationError(f"{path} records no deployment on this chain (chain id {chain_id}, genesis {genesis})")
    entry = entry if entry is not None else data
    out: dict[str, str] = {}
    for name, value in entry.items():
        address = value.get("address") if isinstance(value, dict) else value
        if name in GATEWAYS and isinstance(address, str):
            try:
                out[name] = to_checksum_address(address)
            except ValueError:
                raise ConfigurationError(f"{path}: {name}'s address {address!r} is no address") from None
    missing = [n for n in REQUIRED if n not in out]
    if missing:
        raise ConfigurationError(f"{path} names no address for {', '.join(missing)}")
    return out


@dataclass
class ChainView:
    """One chain, its contracts, and every event they logged, oldest first."""

    client: ChainClient
    addresses: dict[str, str]
    events: list[ChainLog] = field(default_factory=list)
    head: int = 0
    _senders: dict[bytes, str] = field(default_factory=dict)
    _times: dict[int, int] = field(default_factory=dict)
    _inputs: dict[bytes, bytes] = field(default_factory=dict)
    _by_tx: dict[bytes, list[ChainLog]] = field(default_factory=dict)
    _by_name: dict[tuple[str, str | None], list[ChainLog]] | None = field(default=None)

    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    @property
    def genesis(self) -> str:
        return "0x" + bytes(self.client.w3.eth.get_block(0)["hash"]).hex()

    def gateway(self, name: str) -> Any:
        return GATEWAYS[name].of(self.client, self.addresses[name])

    @property
    def registry(self) -> RegistryGateway:
        return self.gateway("CredentialRegistry")  # type: ignore[no-any-return]

    @property
    def tender_book(self) -> TenderBookGateway:
        return self.gateway("TenderBook")  # type: ignore[no-any-return]

    @property
    def guarantee_book(self) -> GuaranteeBookGateway | None:
        return self.gateway("GuaranteeBook") if "GuaranteeBook" in self.addresses else None

    @property
    def lottery_book(self) -> LotteryBookGateway | None:
        return self.gateway("LotteryBook") if "LotteryBook" in self.addresses else None

    def replay(self, progress: Callable[[str], None] | None = None) -> int:
        """Read every event of every contract from genesis to the head, in chain order."""
        self.head = self.client.block_number()
        found: list[ChainLog] = []
        for name in self.addresses:
            gateway = self.gateway(name)
            if not self.client.w3.eth.get_code(gateway.address):
                raise ConfigurationError(f"{name} at {gateway.address} has no code on this chain: wrong addresses "
                                         "or another chain")
            start = 0
            while start <= self.head:
                end = min(self.head, start + LOG_CHUNK - 1)
                found.extend(gateway.logs(from_block=start, to_block=end))
                start = end + 1
            if progress:
                progress(f"{name}: events read")
        self.events = sorted(found, key=lambda log: log.position)
        self._by_tx = {}
        self._by_name = {}
        for e in self.events:
            self._by_tx.setdefault(e.tx_hash, []).append(e)
            self._by_name.setdefault((e.contract, e.event), []).append(e)
            self._by_name.setdefault((e.contract, None), []).append(e)
        return len(self.events)

    def of(self, contract: str, *names: str) -> list[ChainLog]:
        """The replayed events of `contract` (of the events `names` only, if given), in chain order."""
        index = self._by_name
        if index is None:
            return [e for e in self.events if e.contract == contract and (not names or e.event in names)]
        if not names:
            return list(index.get((contract, None), []))
        if len(names) == 1:
            return list(index.get((contract, names[0]), []))
        return sorted((e for n in set(names) for e in index.get((contract, n), [])), key=lambda log: log.position)

    def time(self, block: int) -> int:
        t = self._times.get(block)
        if t is None:
            t = self._times[block] = self.client.block_timestamp(block)
        return t

    def sender(self, tx_hash: bytes) -> str:
        """Who signed the transaction (its `from`)."""
        s = self._senders.get(tx_hash)
        if s is None:
            tx = self.client.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            s = self._senders[tx_hash] = to_checksum_address(tx["from"])
            self._inputs[tx_hash] = bytes(tx["input"])
        return s

    def tx_input(self, tx_hash: bytes) -> bytes:
        if tx_hash not in self._inputs:
            self.sender(tx_hash)
        return self._inputs[tx_hash]

    def in_tx(self, tx_hash: bytes, contract: str, name: str) -> list[ChainLog]:
        return [e for e in self._by_tx.get(tx_hash, ()) if e.contract == contract and e.event == name]

    def close(self) -> None:
        self.client.close()
