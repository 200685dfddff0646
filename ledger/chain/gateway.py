"""The base of the typed contract gateways: the only code that builds calldata, calls and decodes logs.

Each deployed contract has one gateway (`ledger.chain.registry`, `ledger.chain.tender_book`,
`ledger.chain.guarantee_book`) whose methods take and return model objects. They all stand on
this class: the contract's ABI parsed once, sends signed by the acting party's own key, reads,
dry runs, unsigned transactions for a party to sign itself, and logs decoded into `ChainLog`.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from eth_abi.exceptions import EncodingError
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import MismatchedABI, Web3ValidationError
from web3.types import TxReceipt

from ledger.chain.client import ChainClient
from ledger.errors import ValidationFailed, abi_type
from ledger.model.receipt import Mined, UnsignedTx


G = TypeVar("G", bound="Gateway")

# What web3 and eth-abi raise for arguments that do not fit a function's ABI types (web3 takes a
# non-hex string for an address to be an ENS name, and its name normaliser can raise AttributeError).
ARGUMENT_ERRORS: tuple[type[Exception], ...] = (MismatchedABI, Web3ValidationError, EncodingError, TypeError,
                                                ValueError, OverflowError, AttributeError)


def _unfit(contract: str, function: str, exc: Exception) -> ValidationFailed:
    """The arguments of `contract.function` do not fit its ABI: say which, in one line."""
    detail = " ".join(line.strip() for line in str(exc).splitlines() if "not compatible" in line)
    return ValidationFailed(f"arguments do not fit {contract}.{function}: "
                            f"{detail or type(exc).__name__}")

# Gateways already made, per client (a client that is dropped takes its gateways with it).
_MADE: weakref.WeakKeyDictionary[ChainClient, dict[tuple[type, str], Gateway]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ChainLog:
    """One decoded contract event: which contract, which event, its arguments and where it is."""

    contract: str
    event: str
    args: dict[str, Any]  # bytes stay bytes, addresses are checksummed, structs are dicts
    block_number: int
    log_index: int
    tx_hash: bytes
    block_hash: bytes = b""  # of the block the node logged it in (a reorg changes it)

    @property
    def position(self) -> tuple[int, int]:
        return (self.block_number, self.log_index)


def mined(receipt: TxReceipt, *, timestamp: int | None = None) -> Mined:
    return Mined(bytes(receipt["transactionHash"]), int(receipt["blockNumber"]),
                 int(receipt.get("gasUsed", 0) or 0), timestamp)


def event_signature(entry: Mapping[str, Any]) -> str:
    return f"{entry['name']}({','.join(abi_type(i) for i in entry['inputs'])})"


def _plain(value: Any) -> Any:
    """web3's AttributeDicts and tuples as plain dicts and lists; HexBytes as bytes."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class Gateway:
    """One deployed contract, spoken to in Python terms. Subclasses name the contract."""

    NAME: ClassVar[str]

    @classmethod
    def of(cls: type[G], client: ChainClient, address: str) -> G:
        """The gateway of this kind for `address` on `client`, made once per client: building one
        parses the ABI and hashes every event signature, which the hot paths must not repeat."""
        made = _MADE.setdefault(client, {})
        key = (cls, Web3.to_checksum_address(address))
        gateway = made.get(key)
        if gateway is None:
            gateway = made[key] = cls(client, address)
        return gateway  # type: ignore[return-value]

    def __init__(self, client: ChainClient, address: str) -> None:
        self.client = client
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self._contract: Contract = client.contract(self.NAME, self.address)
        self._events = {
            Web3.keccak(text=event_signature(e)): e["name"]
            for e in self._contract.abi if e["type"] == "event"
        }

    # ------------------------------------------------------------------ calls and sends
    def _fn(self, name: str, *args: Any) -> ContractFunction:
        try:
            return self._contract.functions[name](*args)
        except ARGUMENT_ERRORS as exc:
            raise _unfit(self.NAME, name, exc) from None

    def _call(self, name: str, *args: Any, block: Any = "latest") -> Any:
        return self.client.call(self._fn(name, *args), block)

    def _send(self, account: LocalAccount, name: str, *args: Any, gas: int | None = None,
              timestamp: bool = False) -> Mined:
        """Sign `name(*args)` with `account`'s own key and send it. With `gas`, no estimate is run
        (for callers that have checked the step); a reverting transaction still raises its error."""
        fn = self._fn(name, *args)
        tx: dict[str, Any] | ContractFunction = fn if gas is None else {
            "to": self.address, "data": self.calldata(name, *args), "gas": gas}
        receipt = self.client.send(account, tx)
        stamp = self.client.block_timestamp(int(receipt["blockNumber"])) if timestamp else None
        return mined(receipt, timestamp=stamp)

    def calldata(self, name: str, *args: Any) -> bytes:
        """The ABI-encoded call `name(*args)`; ValidationFailed when the arguments do not fit."""
        try:
            return bytes(HexBytes(self._contract.encode_abi(name, args=list(args))))
        except ARGUMENT_ERRORS as exc:
            raise _unfit(self.NAME, name, exc) from None

    def prepare(self, sender: str, name: str, *args: Any) -> UnsignedTx:
        """An unsigned transaction calling `name(*args)` for `sender` to sign with its own key."""
        return UnsignedTx.from_built(self.client.build(Web3.to_checksum_address(sender),
                                                       {"to": self.address, "data": self.calldata(name, *args)}))

    def dry_run(self, sender: str, data: bytes) -> None:
        """Execute `data` as `sender` without mining it; raise the contract's error if it reverts."""
        try:
            self.client.w3.eth.call({"from": Web3.to_checksum_address(sender), "to": self.address,
                                     "data": HexBytes(data)})
        except Exception as exc:
            raise self.client.translate_error(exc) from None

    def decode_call(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """The function and arguments `data` calls on this contract; ValidationFailed if none."""
        try:
            fn, args = self._contract.decode_function_input(HexBytes(data))
        except ValueError as exc:
            raise ValidationFailed(f"the call data does not call a {self.NAME} function: {exc}") from None
        return str(fn.fn_name), dict(args)

    # ------------------------------------------------------------------ events
    def logs(self, *, from_block: int = 0, to_block: int | str = "latest",
             event: str | None = None, topics: Sequence[Any] | None = None) -> list[ChainLog]:
        """Every event of this contract in the range (one event kind with `event`), oldest first."""
        return [self.decode_log(log) for log in self._raw_logs(from_block, to_block, event, topics)]

    def log_count(self, *, from_block: int = 0, to_block: int | str = "latest") -> int:
        """How many events of this contract the node returns for the range (nothing decoded):
        what a log query costs the node, as the chain benchmark measures it."""
        return len(self._raw_logs(from_block, to_block, None, None))

    def _raw_logs(self, from_block: int, to_block: int | str, event: str | None,
                  topics: Sequence[Any] | None) -> list[Any]:
        query: dict[str, Any] = {"address": self.address, "fromBlock": from_block, "toBlock": to_block}
        if event is not None or topics:
            first = None if event is None else self.topic(event)
            query["topics"] = [first, *(topics or [])]
        return list(self.client._rpc(lambda: self.client.w3.eth.get_logs(query)))  # type: ignore[arg-type]

    def topic(self, event: str) -> HexBytes:
        for topic, name in self._events.items():
            if name == event:
                return topic
        raise LookupError(f"{self.NAME} has no event {event}")

    def decode_log(self, log: Mapping[str, Any]) -> ChainLog:
        name = self._events[HexBytes(log["topics"][0])]
        decoded = self._contract.events[name]().process_log(log)
        return ChainLog(
            contract=self.NAME, event=name, args=_plain(dict(decoded["args"])),
            block_number=int(log["blockNumber"]), log_index=int(log["logIndex"]),
            tx_hash=bytes(log["transactionHash"]), block_hash=bytes(log.get("blockHash") or b""),
        )


def block_time(unix: int) -> datetime:
    """A block's time as the store's journal holds it: UTC, without an offset."""
    return datetime.fromtimestamp(unix, UTC).replace(tzinfo=None)


def json_arg(value: Any) -> Any:
    """An event argument as the journal keeps it: bytes as 0x-hex, numbers and addresses as they are."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value
