"""The base of the typed contract gateways: the only code that builds calldata, calls and decodes logs.

Each deployed contract has one gateway (`ledger.chain.registry`, `ledger.chain.tender_book`,
`ledger.chain.guarantee_book`) whose methods take and return model objects. They all stand on
this class: the contract's ABI parsed once, sends signed by the acting party's own key, reads,
dry runs, unsigned transactions for a party to sign itself, and logs decoded into `ChainLog`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, ClassVar, TypeVar

from eth_abi.exceptions import DecodingError, EncodingError
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils import is_checksum_address, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3._utils.method_formatters import log_entry_formatter
from web3.contract.contract import ContractFunction
from web3.exceptions import MismatchedABI, Web3ValidationError
from web3.types import TxReceipt

from ledger.chain.client import ChainClient
from ledger.chain.contracts import load_artifact
from ledger.errors import DeploymentMissing, LedgerError, ValidationFailed, abi_type
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
_CHECKED_CODE: weakref.WeakKeyDictionary[Any, set[tuple[str, str]]] = weakref.WeakKeyDictionary()
"""Per embedded chain or storage source (weakly held), the (contract, address) pairs whose code was checked, so a
gateway made for each request checks once per chain, not once per request."""


@cache
def _deployed_code(name: str) -> bytes:
    return bytes.fromhex(load_artifact(name)["deployedBytecode"][2:])


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


# ---------------------------------------------------------------------- the direct ABI path
# web3's contract objects find the function, normalise every argument and result through generic
# data-tree maps, and decode logs the same way: most of a read's cost on the embedded chain. A
# gateway encodes and decodes with eth-abi directly instead, with web3's own strict codec and its
# conventions (addresses checksummed; arrays as lists; structs as tuples in results, as dicts
# keyed by component name in logs). Arguments the direct path does not take exactly as given
# (a non-checksummed address, a struct as a dict, a hex string for bytes, an overloaded name)
# go through web3, so web3 still accepts or refuses them with its own error.

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _converter(item: Mapping[str, Any], *, named: bool) -> Convert:
    """What turns eth-abi's decoded value of ABI item `item` into web3's form (see above)."""
    kind = str(item["type"])
    if kind.endswith("]"):
        inner = _converter({**item, "type": kind[: kind.rindex("[")]}, named=named)
        if inner is _identity:
            return list
        return lambda values: [inner(v) for v in values]
    if kind == "tuple":
        parts = [(str(c["name"]), _converter(c, named=named)) for c in item["components"]]
        if named:
            return lambda values: {name: convert(v) for (name, convert), v in zip(parts, values, strict=True)}
        return lambda values: tuple(convert(v) for (_n, convert), v in zip(parts, values, strict=True))
    if kind == "address":
        return _checksummed
    return _identity


@lru_cache(maxsize=65_536)
def _checksummed(address: str) -> str:
    """`to_checksum_address`, remembered: logs and results name the same few addresses again and again."""
    return to_checksum_address(address)


def _address_check(item: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    """For an input with addresses in it: does a value hold only checksummed ones (as web3 asks)?"""
    kind = str(item["type"])
    if kind.endswith("]"):
        inner = _address_check({**item, "type": kind[: kind.rindex("[")]})
        return None if inner is None else (
            lambda values: isinstance(values, list | tuple) and all(inner(v) for v in values))
    if kind == "tuple":
        parts = [_address_check(c) for c in item["components"]]
        if all(p is None for p in parts):
            return None
        return lambda values: isinstance(values, list | tuple) and len(values) == len(parts) and all(
            p is None or p(v) for p, v in zip(parts, values, strict=True))
    if kind == "address":
        return lambda value: isinstance(value, bytes) or (isinstance(value, str) and is_checksum_address(value))
    return None


@dataclass(frozen=True)
class _Function:
    name: str
    selector: bytes
    inputs: tuple[str, ...]
    input_names: tuple[str, ...]
    outputs: tuple[str, ...]
    checks: tuple[Callable[[Any], bool] | None, ...]
    in_convert: tuple[Convert, ...]
    out_convert: tuple[Convert, ...]

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> _Function:
        inputs = tuple(abi_type(i) for i in entry["inputs"])
        return cls(
            name=str(entry["name"]),
            selector=bytes(Web3.keccak(text=f"{entry['name']}({','.join(inputs)})")[:4]),
            inputs=inputs, input_names=tuple(str(i["name"]) for i in entry["inputs"]),
            outputs=tuple(abi_type(o) for o in entry.get("outputs", ())),
            checks=tuple(_address_check(i) for i in entry["inputs"]),
            in_convert=tuple(_converter(i, named=True) for i in entry["inputs"]),  # as web3 decodes calls
            out_convert=tuple(_converter(o, named=False) for o in entry.get("outputs", ())),
        )


@dataclass(frozen=True)
class _Event:
    name: str
    topic_types: tuple[str, ...]  # indexed inputs (a dynamic one is logged as its hash)
    topic_names: tuple[str, ...]
    topic_convert: tuple[Convert, ...]
    data_types: tuple[str, ...]
    data_names: tuple[str, ...]
    data_convert: tuple[Convert, ...]
    topic_words: tuple[Callable[[bytes], Any], ...] | None = None  # one-word readers, when all are static
    data_words: tuple[Callable[[bytes], Any], ...] | None = None

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> _Event:
        indexed = [i for i in entry["inputs"] if i["indexed"]]
        data = [i for i in entry["inputs"] if not i["indexed"]]

        def topic_type(item: Mapping[str, Any]) -> str:
            kind = abi_type(dict(item))
            dynamic = kind in ("bytes", "string") or kind.endswith("]") or kind.startswith("(")
            return "bytes32" if dynamic else kind

        return cls(
            name=str(entry["name"]),
            topic_types=tuple(topic_type(i) for i in indexed), topic_names=tuple(str(i["name"]) for i in indexed),
            topic_convert=tuple(_converter({"type": topic_type(i)}, named=True) for i in indexed),
            data_types=tuple(abi_type(i) for i in data), data_names=tuple(str(i["name"]) for i in data),
            data_convert=tuple(_converter(i, named=True) for i in data),
            topic_words=_word_readers([topic_type(i) for i in indexed]),
            data_words=_word_readers([abi_type(i) for i in data]),
        )


def _word_readers(types: Sequence[str]) -> tuple[Callable[[bytes], Any], ...] | None:
    """For ABI types that are each one word (bytes32, address, uintN, bool), readers of a 32-byte word
    that give what eth-abi's strict decoder gives and refuse what it refuses (DecodingError: bad
    padding, a value out of range); None if some type is not one of them."""
    readers = [_WORD_READERS.get(t) for t in types]
    if any(r is None for r in readers):
        return None
    return tuple(r for r in readers if r is not None)


def _read_uint(bits: int) -> Callable[[bytes], int]:
    def read(word: bytes) -> int:
        value = int.from_bytes(word, "big")
        if value >> bits:
            raise DecodingError(f"a uint{bits} word holds {value}")
        return value
    return read


def _read_address(word: bytes) -> bytes:
    if any(word[:12]):
        raise DecodingError("an address word has nonzero padding")
    return word[12:]


def _read_bool(word: bytes) -> bool:
    value = int.from_bytes(word, "big")
    if value > 1:
        raise DecodingError(f"a bool word holds {value}")
    return value == 1


_WORD_READERS: dict[str, Callable[[bytes], Any]] = {
    "bytes32": bytes, "address": lambda w: "0x" + _read_address(w).hex(), "bool": _read_bool,
    **{f"uint{n}": _read_uint(n) for n in range(8, 257, 8)},
}


def _int(value: Any) -> int:
    """A log's number as web3 gives it (int) or as JSON-RPC does (0x-hex)."""
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith(("0x", "0X")) else value)
    return bytes(value)


@cache
def _abi_tables(name: str) -> tuple[dict[HexBytes, str], dict[str, _Function], dict[bytes, _Function],
                                    dict[bytes, _Event]]:
    """What the direct path reads from contract `name`'s ABI, parsed once per process and shared
    (read-only) by its gateways: event name by topic, functions by name (overloaded names are left
    to web3, which picks by the arguments) and by selector, and event shapes by topic."""
    abi = load_artifact(name)["abi"]
    events = {Web3.keccak(text=event_signature(e)): str(e["name"]) for e in abi if e["type"] == "event"}
    names = [e["name"] for e in abi if e["type"] == "function"]
    functions = {e["name"]: _Function.of(e) for e in abi if e["type"] == "function" and names.count(e["name"]) == 1}
    by_selector = {f.selector: f for f in functions.values()}
    shapes = {bytes(Web3.keccak(text=event_signature(e))): _Event.of(e)
              for e in abi if e["type"] == "event" and not e.get("anonymous")}
    return events, functions, by_selector, shapes


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
        self._codec = client.w3.codec
        self._events, self._functions, self._by_selector, self._event_shapes = _abi_tables(self.NAME)

    @property
    def _contract(self) -> Contract:
        """web3's contract object, built on first use: only the paths the direct one leaves to web3
        need it, and building it is most of a gateway's cost (an audit makes eight gateways)."""
        found: Contract | None = self.__dict__.get("_web3_contract")
        if found is None:
            found = self.__dict__["_web3_contract"] = self.client.contract(self.NAME, self.address)
        return found

    # ------------------------------------------------------------------ storage (embedded chain)
    IMMUTABLES: ClassVar[tuple[str, ...]] = ()
    """Views answering the contract's immutable addresses (its code holds them where the compiled
    artifact has zeros)."""

    _reads: Any = None
    """Where `_storage` reads instead of the embedded chain: a `code(address)` and `storage(address,
    slot)` source (e.g. a snapshot of a node's storage at one block, `ledger.audit.chain`), read by
    the same storage rules the embedded chain is; None: the client's embedded chain, if any."""

    def _storage(self) -> Any:
        """The embedded chain (or `_reads`) to read this contract's storage from, once the code at
        the address is known to be this contract's (checked once per source); None on a node, which
        is asked."""
        source = self._reads if self._reads is not None else self.client.embedded
        checked = _CHECKED_CODE.setdefault(source, set()) if source is not None else set()
        if source is None or (self.NAME, self.address) in checked:
            return source
        code = source.code(self.address)
        try:
            for view in self.IMMUTABLES if code else ():
                code = code.replace(bytes(12) + bytes.fromhex(str(self._call(view))[2:]), bytes(32))
        except LedgerError:  # not this contract: it has no such view
            code = b""
        if not code or code != _deployed_code(self.NAME):
            raise DeploymentMissing(f"{self.address} holds no {self.NAME}: no contract there, or another one")
        checked.add((self.NAME, self.address))
        return source

    # ------------------------------------------------------------------ calls and sends
    def _fn(self, name: str, *args: Any) -> ContractFunction:
        try:
            return self._contract.functions[name](*args)
        except ARGUMENT_ERRORS as exc:
            raise _unfit(self.NAME, name, exc) from None

    def _direct(self, name: str, args: tuple[Any, ...]) -> tuple[_Function, bytes] | None:
        """`name(*args)` encoded by the direct path; None when web3 must take it (see above)."""
        fn = self._functions.get(name)
        if fn is None or len(args) != len(fn.inputs):
            return None
        for check, value in zip(fn.checks, args, strict=True):
            if check is not None and not check(value):
                return None
        try:
            return fn, fn.selector + self._codec.encode(fn.inputs, args)
        except Exception:  # noqa: BLE001 - web3 takes it from here, and says what does not fit
            return None

    def _call(self, name: str, *args: Any, block: Any = "latest") -> Any:
        direct = self._direct(name, args)
        if direct is None:
            return self.client.call(self._fn(name, *args), block)
        fn, data = direct
        try:
            raw = self.client._rpc(lambda: self.client.w3.eth.call({"to": self.address, "data": data}, block))
        except Exception as exc:
            raise self.client.translate_error(exc) from None
        try:
            values = self._codec.decode(fn.outputs, raw)
        except DecodingError:  # e.g. no contract there: web3's own error says so
            return self.client.call(self._fn(name, *args), block)
        out = [convert(v) for convert, v in zip(fn.out_convert, values, strict=True)]
        return out[0] if len(out) == 1 else out

    def _send(self, account: LocalAccount, name: str, *args: Any, gas: int | None = None,
              timestamp: bool = False) -> Mined:
        """Sign `name(*args)` with `account`'s own key and send it. With `gas`, no estimate is run
        (for callers that have checked the step); a reverting transaction still raises its error."""
        tx: dict[str, Any] = {"to": self.address, "data": self.calldata(name, *args)}
        if gas is not None:
            tx["gas"] = gas
        elif extra := self.headroom(name, args):
            tx["gas"] = self.client.estimate_gas({**tx, "from": account.address}) + extra
        receipt = self.client.send(account, tx)
        stamp = self.client.block_timestamp(int(receipt["blockNumber"])) if timestamp else None
        return mined(receipt, timestamp=stamp)

    def calldata(self, name: str, *args: Any) -> bytes:
        """The ABI-encoded call `name(*args)`; ValidationFailed when the arguments do not fit."""
        direct = self._direct(name, args)
        if direct is not None:
            return direct[1]
        try:
            return bytes(HexBytes(self._contract.encode_abi(name, args=list(args))))
        except ARGUMENT_ERRORS as exc:
            raise _unfit(self.NAME, name, exc) from None

    def prepare(self, sender: str, name: str, *args: Any) -> UnsignedTx:
        """An unsigned transaction calling `name(*args)` for `sender` to sign with its own key."""
        tx = self.client.build(Web3.to_checksum_address(sender),
                               {"to": self.address, "data": self.calldata(name, *args)})
        tx["gas"] += self.headroom(name, args)
        return UnsignedTx.from_built(tx)

    def headroom(self, name: str, args: tuple[Any, ...]) -> int:
        """Gas added to the estimate of `name(*args)`: what the call may cost beyond the estimate
        when it lands in a later block than the pending one estimated (a cost that depends on the
        block's time). None of a contract's functions by default."""
        return 0

    def dry_run(self, sender: str, data: bytes) -> None:
        """Execute `data` as `sender` without mining it; raise the contract's error if it reverts."""
        try:
            self.client.w3.eth.call({"from": Web3.to_checksum_address(sender), "to": self.address,
                                     "data": HexBytes(data)})
        except Exception as exc:
            raise self.client.translate_error(exc) from None

    def decode_call(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """The function and arguments `data` calls on this contract; ValidationFailed if none."""
        fn_ = self._by_selector.get(bytes(data[:4]))
        if fn_ is not None:
            try:
                values = self._codec.decode(fn_.inputs, bytes(data[4:]))
            except DecodingError:
                pass  # web3's error below
            else:
                return fn_.name, {n: convert(v) for n, convert, v in
                                  zip(fn_.input_names, fn_.in_convert, values, strict=True)}
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
        if self.client.embedded is not None:  # the chain's own log index, without web3's formatters
            return self.client.embedded.logs(query)
        return list(self.client._rpc(lambda: self.client.w3.eth.get_logs(query)))  # type: ignore[arg-type]

    def logs_call(self, from_block: int, to_block: int) -> tuple[str, list[Any]]:
        """The JSON-RPC `eth_getLogs` call for every event of this contract in a block range, for a
        reader that sends many in one batch (`ChainClient.batch`) and decodes the answers, as the
        node gives them, with `decode_log` (web3's log formatters skipped)."""
        return "eth_getLogs", [{"address": self.address, "fromBlock": hex(from_block), "toBlock": hex(to_block)}]

    def topic(self, event: str) -> HexBytes:
        for topic, name in self._events.items():
            if name == event:
                return topic
        raise LookupError(f"{self.NAME} has no event {event}")

    def decode_log(self, log: Mapping[str, Any]) -> ChainLog:
        topics = [_hex_bytes(t) for t in log["topics"]]
        shape = self._event_shapes.get(topics[0])
        args = None if shape is None else self._decode_args(shape, topics[1:], _hex_bytes(log["data"]))
        if args is None:
            name = self._events[HexBytes(topics[0])]
            if isinstance(log.get("blockNumber"), str):  # as the embedded chain's index holds it
                log = log_entry_formatter(log)
            args = _plain(dict(self._contract.events[name]().process_log(log)["args"]))
        else:
            name = shape.name  # type: ignore[union-attr]
        return ChainLog(
            contract=self.NAME, event=name, args=args,
            block_number=_int(log["blockNumber"]), log_index=_int(log["logIndex"]),
            tx_hash=_hex_bytes(log["transactionHash"]), block_hash=_hex_bytes(log.get("blockHash") or b""),
        )


    def _decode_args(self, shape: _Event, topics: list[bytes], data: bytes) -> dict[str, Any] | None:
        """A log's arguments by the direct path, as `_plain` gives web3's; None: let web3 decode it."""
        if len(topics) != len(shape.topic_types):
            return None
        try:
            words = shape.data_words
            if words is not None and len(data) == 32 * len(words):  # every value one word: sliced
                values: Sequence[Any] = [read(data[32 * i:32 * i + 32]) for i, read in enumerate(words)]
            else:
                values = self._codec.decode(shape.data_types, data)
            readers = shape.topic_words
            if readers is not None and all(len(t) == 32 for t in topics):
                indexed = [read(topic) for read, topic in zip(readers, topics, strict=True)]
            else:
                indexed = [self._codec.decode([t], topic)[0] for t, topic in zip(shape.topic_types, topics, strict=True)]
        except DecodingError:
            return None
        args = {n: convert(v) for n, convert, v in zip(shape.topic_names, shape.topic_convert, indexed, strict=True)}
        args.update((n, convert(v)) for n, convert, v in zip(shape.data_names, shape.data_convert, values, strict=True))
        return args


def block_time(unix: int) -> datetime:
    """A block's time as the store's journal holds it: UTC, without an offset."""
    return datetime.fromtimestamp(unix, UTC).replace(tzinfo=None)


def json_arg(value: Any) -> Any:
    """An event argument as the journal keeps it: bytes as 0x-hex, numbers and addresses as they are."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value
