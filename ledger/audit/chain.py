"""The chain as an auditor reads it: a node URL, or an embedded data directory opened read-only;
the contracts' addresses from a deployments file; every event of every contract from genesis,
decoded by the contracts' own gateways and put in chain order.

Nothing here writes: a data directory's chain file is opened with SQLite's read-only mode and no
lock is taken, so an audit can run beside the service (or a `tender-ledger node`) on the same
directory; its store, keys and deployments are not touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from ledger.chain.checkpoint_book import CheckpointBookGateway
from ledger.chain.client import ChainClient
from ledger.chain.embedded import ChainError, EmbeddedChain
from ledger.chain.gateway import ChainLog, Gateway
from ledger.chain.governance import GovernanceGateway
from ledger.chain.guarantee_book import GuaranteeBookGateway
from ledger.chain.lottery_book import LotteryBookGateway
from ledger.chain.performance_book import PerformanceBookGateway
from ledger.chain.registry import RegistryGateway, anchored_root
from ledger.chain.selection_book import SelectionBookGateway
from ledger.chain.store import ChainStore
from ledger.chain.tender_book import TenderBookGateway
from ledger.errors import ConfigurationError, CorruptDataDir
from ledger.model.credential import AnchoredRoot

#: The contracts an audit replays, by name, with their gateways (the ones the ledger deploys).
GATEWAYS: dict[str, type[Gateway]] = {
    "Governance": GovernanceGateway, "CredentialRegistry": RegistryGateway, "TenderBook": TenderBookGateway,
    "GuaranteeBook": GuaranteeBookGateway, "LotteryBook": LotteryBookGateway, "SelectionBook": SelectionBookGateway,
    "PerformanceBook": PerformanceBookGateway, "CheckpointBook": CheckpointBookGateway,
}
REQUIRED = ("Governance", "CredentialRegistry", "TenderBook")
CHAIN_FILE = "chain.sqlite"
DEPLOYMENTS_FILE = "deployments.json"
LOG_CHUNK = 5_000
BATCH = 500
"""Reads per JSON-RPC batch when the replay fetches the blocks' times and the transactions' senders."""


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


@lru_cache(maxsize=65_536)
def checksum(address: str) -> str:
    """`to_checksum_address`, remembered: a replay meets the same few hundred addresses again and again."""
    return to_checksum_address(address)


class StorageSnapshot:
    """The contracts' storage at one block, each word read once: an audit judges the chain at the
    head it replayed, and the credentials' statuses as of each deadline are read by the registry's
    own storage rules (`ledger.chain.registry_state`) from these words instead of one `statusesIn`
    run (or node round trip) per bid and batch."""

    def __init__(self, client: ChainClient, block: int) -> None:
        self.client, self.block = client, block
        self._words: dict[tuple[str, int], int] = {}

    def code(self, address: str, block: object = None) -> bytes:
        if self.client.embedded is not None:
            return self.client.embedded.code(address, self.block)
        return bytes(self.client._rpc(lambda: self.client.w3.eth.get_code(address, self.block)))  # type: ignore[arg-type]

    def storage(self, address: str, slot: int, block: object = None) -> int:
        key = (address, slot)
        word = self._words.get(key)
        if word is None:
            if self.client.embedded is not None:
                word = self.client.embedded.storage(address, slot, self.block)
            else:  # the JSON-RPC call itself: web3's request formatters cost more than the round trip
                answer = self.client.batch([("eth_getStorageAt", [address, hex(slot), hex(self.block)])])[0]
                word = int(answer, 16)
            self._words[key] = word
        return word

    def prefetch(self, address: str, slots: Iterable[int]) -> int:
        """Read the words of `slots` not read yet, in batches of JSON-RPC requests on a node (one
        request per word otherwise); nothing on the embedded chain, whose reads cost no round trip.
        Returns how many words were fetched."""
        if self.client.embedded is not None:
            return 0
        wanted = sorted({s for s in slots if (address, s) not in self._words})
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i:i + BATCH]
            answers = self.client.batch([("eth_getStorageAt", [address, hex(s), hex(self.block)]) for s in chunk])
            for s, answer in zip(chunk, answers, strict=True):
                self._words[(address, s)] = int(answer, 16)
        return len(wanted)


class RegistryAtHead(RegistryGateway):
    """The registry as an audit judges it, at the head it replayed: its views answered from the
    storage words at that block (`StorageSnapshot`, read by the registry's own storage rules), and
    the roots anchored up to it taken from the replayed `Anchored` events (decoded by this same
    gateway) instead of a log query each time a decision asks for them."""

    def __init__(self, base: RegistryGateway, chain: ChainView) -> None:
        self.__dict__.update(base.__dict__)  # the contract, its parsed ABI and address, shared
        self._reads = chain._storage
        self._replayed = chain

    def anchored_roots(self, from_block: int = 0) -> tuple[list[AnchoredRoot], int]:
        head = self._replayed.head
        if from_block > head:
            return [], head
        return [anchored_root(e) for e in self._replayed.of("CredentialRegistry", "Anchored")
                if e.block_number >= from_block], head


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
    _storage: StorageSnapshot | None = field(default=None)
    _gateways: dict[str, Any] = field(default_factory=dict)

    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    @property
    def genesis(self) -> str:
        return "0x" + bytes(self.client.w3.eth.get_block(0)["hash"]).hex()

    def gateway(self, name: str) -> Any:
        found = self._gateways.get(name)
        if found is None:
            found = self._gateways[name] = GATEWAYS[name].of(self.client, self.addresses[name])
        return found

    @property
    def registry(self) -> RegistryGateway:
        """The registry as of the replayed head (`RegistryAtHead`), once replayed."""
        if self._storage is None:
            return self.gateway("CredentialRegistry")  # type: ignore[no-any-return]
        found = self._gateways.get("registry@head")
        if found is None:
            found = self._gateways["registry@head"] = RegistryAtHead(self.gateway("CredentialRegistry"), self)
        return found

    @property
    def storage_snapshot(self) -> StorageSnapshot | None:
        """The contracts' storage words at the replayed head, once replayed."""
        return self._storage

    @property
    def tender_book(self) -> TenderBookGateway:
        return self.gateway("TenderBook")  # type: ignore[no-any-return]

    @property
    def guarantee_book(self) -> GuaranteeBookGateway | None:
        return self.gateway("GuaranteeBook") if "GuaranteeBook" in self.addresses else None

    @property
    def checkpoint_book(self) -> CheckpointBookGateway | None:
        return self.gateway("CheckpointBook") if "CheckpointBook" in self.addresses else None

    @property
    def lottery_book(self) -> LotteryBookGateway | None:
        return self.gateway("LotteryBook") if "LotteryBook" in self.addresses else None

    def replay(self, progress: Callable[[str], None] | None = None) -> int:
        """Read every event of every contract from genesis to the head, in chain order (one log
        query per contract and `LOG_CHUNK` blocks); then the times of their blocks and the senders
        of their transactions, in batches."""
        self.head = self.client.block_number()
        found: list[ChainLog] = []
        for name in self.addresses:
            gateway = self.gateway(name)
            if not self.client.w3.eth.get_code(gateway.address):
                raise ConfigurationError(f"{name} at {gateway.address} has no code on this chain: wrong addresses "
                                         "or another chain")
            chunks = [(start, min(self.head, start + LOG_CHUNK - 1)) for start in range(0, self.head + 1, LOG_CHUNK)]
            if self.client.embedded is not None:  # the chain's own log index
                for start, end in chunks:
                    found.extend(gateway.logs(from_block=start, to_block=end))
            else:  # one batch of log queries per contract, the answers decoded as the node gives them
                for i in range(0, len(chunks), BATCH):
                    answers = self.client.batch([gateway.logs_call(start, end) for start, end in chunks[i:i + BATCH]])
                    found.extend(gateway.decode_log(log) for logs in answers for log in logs)
            if progress:
                progress(f"{name}: events read")
        found.sort(key=lambda log: log.position)
        self.events = found
        self._by_tx = {}
        by_name: dict[tuple[str, str | None], list[ChainLog]] = {}
        for e in self.events:
            self._by_tx.setdefault(e.tx_hash, []).append(e)
            by_name.setdefault((e.contract, e.event), []).append(e)
            by_name.setdefault((e.contract, None), []).append(e)
        self._by_name = by_name
        self._fetch_times([self.head, *(e.block_number for e in self.events)])
        self._fetch_transactions(self._by_tx)
        self._storage = StorageSnapshot(self.client, self.head)
        self._gateways.pop("registry@head", None)
        if progress:
            progress("block times and senders read")
        return len(self.events)

    def _fetch_times(self, blocks: Iterable[int]) -> None:
        wanted = sorted(set(blocks) - self._times.keys())
        if self.client.embedded is not None:
            self._times.update(self.client.embedded.timestamps(wanted))
            return
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i:i + BATCH]
            got = self.client.batch([("eth_getBlockByNumber", [hex(b), False]) for b in chunk])
            for b, block in zip(chunk, got, strict=True):
                if block is None:
                    raise ConfigurationError(f"the node has no block {b} below its head {self.head}")
                self._times[b] = int(block["timestamp"], 16)

    def _fetch_transactions(self, hashes: Iterable[bytes]) -> None:
        wanted = [h for h in hashes if h not in self._senders]
        embedded = self.client.embedded
        if embedded is not None:
            for h in wanted:
                tx = embedded.transaction(h)
                if tx is not None:
                    self._remember_tx(h, tx)
            return
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i:i + BATCH]
            got = self.client.batch([("eth_getTransactionByHash", ["0x" + h.hex()]) for h in chunk])
            for h, tx in zip(chunk, got, strict=True):
                if tx is not None:
                    self._remember_tx(h, tx)

    def _remember_tx(self, tx_hash: bytes, tx: dict[str, Any]) -> None:
        data = tx["input"]
        self._senders[tx_hash] = checksum(tx["from"])
        self._inputs[tx_hash] = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)

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
