"""The embedded chain: a real py-evm (Cancun) chain that lives in a data directory.

Every transaction is mined into its own block as soon as it arrives (automine) and the block
is on disk before the caller hears "accepted"; in-process, a few transactions that belong
together (a gas top-up and the step it pays for) may be mined in one block, in their order
(`send_raw_transactions`). Our own indexes answer receipt, transaction and
log look-ups in time independent of chain length.

Block time follows the wall clock and never runs backwards: a block's timestamp is at least its
parent's, so at least the highest time the chain has ever shown, across restarts and whatever
the wall clock does. Whether the clock may also be moved forward (`increase_time`,
`set_next_block_timestamp`, for tests and demos that need to pass a 20-day deadline) is the
chain's clock mode, fixed at creation in the genesis block's extra data, which the genesis hash
covers: a production chain refuses both, and a time offset found in its file is refused as an
edit.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from eth.abc import BlockHeaderAPI, SignedTransactionAPI
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH, CREATE_CONTRACT_ADDRESS, ZERO_ADDRESS
from eth.exceptions import HeaderNotFound, Revert
from eth.typing import AccountState, HeaderParams
from eth_utils import ValidationError as EVMValidationError
from eth.vm.forks import CancunVM
from eth.vm.spoof import SpoofTransaction
from eth_typing import BlockNumber, Hash32
from eth_utils import encode_hex, to_canonical_address, to_checksum_address
import rlp  # type: ignore[import-untyped]  # pyrlp ships no type information

from ledger.chain.store import ChainStore

EVM_VERSION = "cancun"
GENESIS_GAS_LIMIT = 60_000_000
CHAIN_FILE = "chain.sqlite"
_TIMESTAMP = 11  # a block header's timestamp field: parent, uncles, coinbase, state, txs, receipts, bloom,
# difficulty, number, gas limit, gas used, timestamp, … (every fork keeps these first twelve)
GENESIS_TAG = b"tender-ledger"  # the genesis extra data of chains made before clock modes


class ClockMode(StrEnum):
    """Whether an embedded chain's clock may be moved forward; fixed when the chain is created."""

    PRODUCTION = "production"  # block time is the wall clock (never earlier than the head's)
    DEVELOPMENT = "development"  # tests and demos may also move it forward


def genesis_extra_data(mode: ClockMode) -> bytes:
    """The genesis block's extra data, recording the clock mode under the genesis hash."""
    return GENESIS_TAG + b" clock=" + mode.value.encode()


def clock_mode_of(extra_data: bytes) -> ClockMode | None:
    """The clock mode a genesis block's extra data records; None if it is not one of ours. A chain
    made before clock modes (extra data `tender-ledger` alone) has a production clock."""
    if bytes(extra_data) == GENESIS_TAG:
        return ClockMode.PRODUCTION
    for mode in ClockMode:
        if bytes(extra_data) == genesis_extra_data(mode):
            return mode
    return None

T = TypeVar("T")


class ChainError(Exception):
    """A JSON-RPC level error raised by the embedded chain (mirrors what a node answers)."""

    def __init__(self, message: str, code: int = -32000, data: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class FixedClockError(ChainError):
    """The chain's clock cannot be moved: it was created with a production clock."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=-32601)


class RevertError(ChainError):
    """Execution reverted; `data` carries the raw revert bytes as hex, like a node's error."""

    def __init__(self, data: bytes) -> None:
        super().__init__("execution reverted", code=3, data=encode_hex(data))


class LedgerCancunVM(CancunVM):
    """Cancun, except that a block may share its parent's timestamp.

    Hardhat allows this too (allowBlocksWithSameTimestamp); it keeps block time on the wall
    clock when hundreds of blocks are mined a second, so deadlines mean what they say.
    """

    @classmethod
    def validate_header(cls, header: BlockHeaderAPI, parent_header: BlockHeaderAPI) -> None:
        if parent_header is not None and header.timestamp == parent_header.timestamp:
            parent_header = parent_header.copy(timestamp=parent_header.timestamp - 1)
        super().validate_header(header, parent_header)


class _LedgerChain(MiningChain):
    vm_configuration = ((BlockNumber(0), LedgerCancunVM),)

    def create_header_from_parent(self, parent_header: BlockHeaderAPI, **params: Any) -> BlockHeaderAPI:
        # py-evm would walk the gas limit down towards its own default block after block;
        # a private chain keeps the limit it was created with.
        params.setdefault("gas_limit", parent_header.gas_limit)
        return super().create_header_from_parent(parent_header, **params)


def _chain_class(chain_id: int) -> type[MiningChain]:
    return type("TenderLedgerChain", (_LedgerChain,), {"chain_id": chain_id})


CALL_CACHE_ENTRIES = 20_000  # eth_call and estimate results kept per state (see EmbeddedChain.call)


@dataclass(frozen=True)
class _Run:
    """What one execution on the shared pending state gave: the output or the error, the gas it
    used (intrinsic gas included) and whether its sub-calls made sub-calls (see `estimate_gas`)."""

    output: bytes
    error: Callable[[], Exception] | None
    used: int
    nested_calls: bool
    """A sub-call (to a contract, not a precompile) made sub-calls of its own."""


def _run_key(tx: dict[str, Any], gas: int | None) -> tuple[bytes, bytes, bytes, int, int | None]:
    """A call's identity on one state, however the caller spelt it (hex or bytes, any case)."""
    data = tx.get("data") or tx.get("input") or b""
    value = tx.get("value")
    return (_as_bytes(tx["from"]) if tx.get("from") else b"", _as_bytes(tx["to"]) if tx.get("to") else b"",
            _as_bytes(data), int(value, 16) if isinstance(value, str) else int(value or 0), gas)


def _hex(value: int) -> str:
    return hex(value)


class EmbeddedChain:
    """A durable, single-writer py-evm chain. All methods are thread-safe."""

    def __init__(self, store: ChainStore, chain_id: int) -> None:
        self.store = store
        self.chain_id = chain_id
        self._lock = threading.RLock()
        self._chain = _chain_class(chain_id)(store.kv)
        # eth_call on one state (parent hash, pending time): its pending state and results (`call`)
        self._call_state: tuple[Any, Any, BlockHeaderAPI] | None = None
        self._calls: dict[tuple[Any, ...], _Run] = {}
        self._calls_on: tuple[bytes, int] | None = None
        genesis = self._chain.get_canonical_block_header_by_number(BlockNumber(0))
        mode = clock_mode_of(genesis.extra_data)
        if mode is None:
            raise ChainError(f"the genesis block's extra data {genesis.extra_data!r} names no clock mode")
        self.clock = mode
        offset = int(store.get_meta("time_offset") or 0)
        if offset and mode is ClockMode.PRODUCTION:
            raise ChainError(
                f"the chain file records a clock shift of {offset} s (meta time_offset), but the chain "
                "was created with a production clock, which is never shifted: the file was edited; "
                "restore it from a backup"
            )
        self._time_offset = offset
        self._next_timestamp: int | None = None

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls, path: Path, *, chain_id: int, alloc: dict[str, int], synchronous: str = "NORMAL",
        clock: ClockMode | str = ClockMode.PRODUCTION,
    ) -> EmbeddedChain:
        """Write a new genesis block with `alloc` (address → wei) into a new file at `path`. The
        clock mode goes into the genesis block: `development` lets the clock be moved forward."""
        mode = ClockMode(clock)
        store = ChainStore(path, synchronous=synchronous)
        genesis_state: AccountState = {
            to_canonical_address(addr): {"balance": wei, "nonce": 0, "code": b"", "storage": {}}
            for addr, wei in alloc.items()
        }
        params: dict[str, HeaderParams] = {
            "coinbase": ZERO_ADDRESS,
            "difficulty": 0,
            "gas_limit": GENESIS_GAS_LIMIT,
            "extra_data": genesis_extra_data(mode),
            "nonce": b"\x00" * 8,
            "mix_hash": b"\x00" * 32,
            "receipt_root": BLANK_ROOT_HASH,
            "transaction_root": BLANK_ROOT_HASH,
            "timestamp": int(time.time()),
        }
        chain = _chain_class(chain_id).from_genesis(store.kv, params, genesis_state)
        genesis = chain.get_canonical_block_header_by_number(BlockNumber(0))
        meta = {"chain_id": str(chain_id), "genesis_hash": genesis.hash.hex(), "evm_version": EVM_VERSION}
        if mode is ClockMode.DEVELOPMENT:
            meta["time_offset"] = "0"
        store.set_meta(meta)
        return cls(store, chain_id)

    @classmethod
    def open(cls, path: Path, *, synchronous: str = "NORMAL") -> EmbeddedChain:
        """Open the chain at `path`; ChainError if its genesis is not the recorded one (an edited
        genesis, clock mode included) or a production chain's file records a clock shift."""
        store = ChainStore(path, synchronous=synchronous)
        try:
            chain_id = int(store.get_meta("chain_id") or 0)
            chain = _chain_class(chain_id)(store.kv)
            genesis = chain.get_canonical_block_header_by_number(BlockNumber(0))
            if genesis.hash.hex() != store.get_meta("genesis_hash"):
                raise ChainError("genesis block does not match the recorded genesis hash")
            if chain.get_canonical_head().block_number > 0:
                first = chain.get_canonical_block_header_by_number(BlockNumber(1))
                if first.parent_hash != genesis.hash:
                    raise ChainError("block 1 does not descend from the genesis block")
            return cls(store, chain_id)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        with self._lock:
            self.store.close()

    # ------------------------------------------------------------------ clock
    def now(self) -> int:
        """The clock: wall time, plus the offset moved forward in development mode."""
        return int(time.time()) + self._time_offset

    def _require_development(self, operation: str) -> None:
        if self.clock is not ClockMode.DEVELOPMENT:
            raise FixedClockError(
                f"{operation} is a development-only operation: this chain was created with a "
                "production clock, whose block time is the wall clock and cannot be shifted "
                "(only a data directory created with TL_CHAIN_CLOCK=development can)"
            )

    def increase_time(self, seconds: int) -> int:
        """Move the clock forward by `seconds` (development chains only; never backwards)."""
        with self._lock:
            self._require_development("evm_increaseTime")
            if int(seconds) < 0:
                raise ChainError(f"the clock only moves forward, not by {seconds} s", code=-32602)
            self._time_offset += int(seconds)
            self.store.set_meta({"time_offset": str(self._time_offset)})
            return self._time_offset

    def set_next_block_timestamp(self, timestamp: int) -> None:
        """Stamp the next block with `timestamp` (development chains only; not before the head)."""
        with self._lock:
            self._require_development("evm_setNextBlockTimestamp")
            if timestamp < self.head().timestamp:
                raise ChainError(
                    f"timestamp {timestamp} is before the head block's {self.head().timestamp}"
                )
            self._next_timestamp = timestamp

    def _pending_timestamp(self, parent: BlockHeaderAPI) -> int:
        """The time of a block on `parent`: the clock (or the timestamp set for the next block),
        never before the parent's. Equal timestamps are allowed (as on Hardhat with
        allowBlocksWithSameTimestamp): block time then tracks the wall clock even at hundreds of
        blocks per second."""
        ts = self.now() if self._next_timestamp is None else self._next_timestamp
        return max(ts, int(parent.timestamp))

    def _block_timestamp(self, parent: BlockHeaderAPI) -> int:
        ts = self._pending_timestamp(parent)
        if self._next_timestamp is not None:
            self._next_timestamp = None
            if ts > self.now():  # the clock goes on from the time set (saved with the block)
                self._time_offset = ts - int(time.time())
        return ts

    # ------------------------------------------------------------------ reads
    def head(self) -> BlockHeaderAPI:
        return self._chain.get_canonical_head()

    def block_number(self) -> int:
        return int(self.head().block_number)

    def header_at(self, block: Any) -> BlockHeaderAPI:
        if block in (None, "latest", "pending", "safe", "finalized"):
            return self.head()
        if block == "earliest":
            return self._chain.get_canonical_block_header_by_number(BlockNumber(0))
        number = int(block, 16) if isinstance(block, str) else int(block)
        try:
            return self._chain.get_canonical_block_header_by_number(BlockNumber(number))
        except HeaderNotFound as exc:
            raise ChainError(f"block {number} not found") from exc

    def timestamp(self, block: Any = "latest") -> int:
        with self._lock:
            return int(self.header_at(block).timestamp)

    def timestamps(self, blocks: Iterable[int]) -> dict[int, int]:
        """The times of canonical blocks by number, as `timestamp` gives them, for a replay that
        needs hundreds: each stored header is read as a plain RLP list and only its timestamp field
        (12th in every header shape) is taken, without building a header object (most of
        `timestamp`'s cost). ChainError for a block the chain does not have."""
        out: dict[int, int] = {}
        with self._lock:
            chaindb = self._chain.chaindb
            for number in blocks:
                try:
                    raw = chaindb.db[chaindb.get_canonical_block_hash(BlockNumber(number))]
                except (HeaderNotFound, KeyError):
                    raise ChainError(f"block {number} not found") from None
                fields = rlp.decode(raw)
                if not isinstance(fields, list) or len(fields) <= _TIMESTAMP or not isinstance(fields[_TIMESTAMP], bytes):
                    raise ChainError(f"block {number}: its stored header is not an RLP list of fields")
                out[number] = int.from_bytes(fields[_TIMESTAMP], "big")
        return out

    def _state_at(self, block: Any) -> Any:
        """The state after `block`: the shared pending state on it (`_shared_state`), whose values
        at rest are the block's own and whose trie reads stay cached between reads."""
        return self._shared_state(self.header_at(block))[1]

    def balance(self, address: str, block: Any = "latest") -> int:
        with self._lock:
            return int(self._state_at(block).get_balance(to_canonical_address(address)))

    def nonce(self, address: str, block: Any = "latest") -> int:
        with self._lock:
            return int(self._state_at(block).get_nonce(to_canonical_address(address)))

    def code(self, address: str, block: Any = "latest") -> bytes:
        with self._lock:
            return bytes(self._state_at(block).get_code(to_canonical_address(address)))

    def storage(self, address: str, slot: int, block: Any = "latest") -> int:
        with self._lock:
            return int(self._state_at(block).get_storage(to_canonical_address(address), slot))

    def base_fee(self) -> int:
        parent = self.head()
        with self._lock:
            pending = self._chain.create_header_from_parent(parent)
        return _cancun_field(pending.base_fee_per_gas, "base fee")

    # ------------------------------------------------------------------ execution
    @staticmethod
    def _unsigned(tx: dict[str, Any], vm: Any, state: Any, gas: int) -> SpoofTransaction:
        sender = to_canonical_address(tx["from"]) if tx.get("from") else ZERO_ADDRESS
        to = to_canonical_address(tx["to"]) if tx.get("to") else CREATE_CONTRACT_ADDRESS
        data = tx.get("data") or tx.get("input") or "0x"
        unsigned = vm.create_unsigned_transaction(
            nonce=state.get_nonce(sender),
            gas_price=0,
            gas=gas,
            to=to,
            value=int(tx.get("value", "0x0"), 16) if isinstance(tx.get("value"), str) else int(tx.get("value") or 0),
            data=bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data),
        )
        return SpoofTransaction(unsigned, from_=sender)

    def _pending_state(self, parent: BlockHeaderAPI) -> tuple[Any, Any, BlockHeaderAPI]:
        """The VM and state a call on `parent` runs in, as the next block would: its number, and
        the time the next block would get (py-evm's `in_costless_state` would run it one block
        and a second later); calls pay no gas price."""
        header = self._chain.create_header_from_parent(parent, timestamp=self._pending_timestamp(parent))
        vm = self._chain.get_vm(header)
        free = header.copy(base_fee_per_gas=0)
        state = vm.build_state(vm.chaindb.db, free, vm.chain_context, vm.previous_hashes)  # type: ignore[attr-defined,arg-type]
        return vm, state, header

    @classmethod
    def _run(cls, vm: Any, state: Any, tx: dict[str, Any], gas: int) -> Any:
        """Execute `tx` in `state` and undo every change it made (the state's read caches stay)."""
        spoof = cls._unsigned(tx, vm, state, gas)
        snapshot = state.snapshot()
        try:
            # SpoofTransaction stands in for a signed one (py-evm's own estimator casts it so).
            return state.costless_execute_transaction(spoof), spoof
        finally:
            state.revert(snapshot)

    def _shared_state(self, parent: BlockHeaderAPI) -> tuple[Any, Any, BlockHeaderAPI]:
        """The pending state on `parent` that calls and estimates share while it is the state asked
        for (its trie reads cached; each run's changes, warm accounts and slots included, undone by
        its snapshot), with the call results made on it (see `call`)."""
        on = (bytes(parent.hash), self._pending_timestamp(parent))
        if on != self._calls_on or self._call_state is None:
            self._calls, self._calls_on, self._call_state = {}, on, self._pending_state(parent)
        return self._call_state

    def _result(self, tx: dict[str, Any], block: Any, gas: int | None) -> _Run:
        """Run `tx` on top of `block` in the shared pending state, at `gas` (None: the block gas
        limit), or take the result of the same run made there since the state was built: a
        repeated read, the dry run of a transaction just estimated, the estimate of one just dry
        run. The results are dropped as soon as that state stops being the one asked for."""
        vm, state, header = self._shared_state(self.header_at(block))
        key = _run_key(tx, gas)
        cached = self._calls.get(key)
        if cached is None:
            computation, spoof = self._run(vm, state, tx, gas if gas is not None else int(header.gas_limit))
            cached = _Run(
                output=b"" if computation.is_error else bytes(computation.output),
                # the same revert for the same call on the same state
                error=_computation_error(computation) if computation.is_error else None,
                used=int(spoof.intrinsic_gas) + int(computation.get_gas_used()),
                nested_calls=any(child.children for child in computation.children
                                 if not _is_precompile(child.msg.code_address)),
            )
            if len(self._calls) < CALL_CACHE_ENTRIES:
                self._calls[key] = cached
        return cached

    def call(self, tx: dict[str, Any], block: Any = "latest") -> bytes:
        """eth_call. A repeated read between two blocks (a use case checking the same record
        several times, or dry-running the transaction it has just estimated) is answered from the
        results kept with the shared state, without running the EVM again (see `_result`)."""
        with self._lock:
            gas = int(tx["gas"], 16) if isinstance(tx.get("gas"), str) else tx.get("gas")
            run = self._result(tx, block, gas)
        if run.error is not None:
            raise run.error()
        return run.output

    def estimate_gas(self, tx: dict[str, Any], block: Any = "latest") -> int:
        """Execute once at the block gas limit (or take that run from a call just made on the same
        state); confirm the estimate executes too when sub-calls made sub-calls of their own.

        A call passes at most 63/64 of the gas left to a sub-call (EIP-150). With the estimate
        E = used·64/63 + 5,000, a sub-call made directly by the transaction still gets at least
        63/64 of (its own use·64/63 + 5,000), i.e. its use and over 4,900 to spare, and the caller
        keeps what it needs after it; our contracts never branch on `gasleft()`, so the run is
        the same. One level further down the 1/64 is taken twice and a large sub-sub-call can
        come short: only then is the estimate run once more at E (and the block gas limit
        taken if that fails). Precompiles (ecrecover) run on fixed gas wherever they are."""
        with self._lock:
            run = self._result({k: v for k, v in tx.items() if k != "gas"}, block, None)
            if run.error is not None:
                raise run.error()
            estimate = run.used * 64 // 63 + 5_000
            if run.nested_calls and self._result(tx, block, estimate).error is not None:
                estimate = int(self.head().gas_limit)
        return estimate

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Validate, mine and persist one transaction; return its hash once it is on disk."""
        return self.send_raw_transactions([raw])[0]

    def send_raw_transactions(self, raws: list[bytes]) -> list[bytes]:
        """Validate, mine and persist transactions in one block, in their order (a later one may
        spend what an earlier one paid it); their hashes once the block is on disk. One already
        mined is left out (resubmission is idempotent); one that would not be included (nonce,
        fee, funds at its turn) fails the whole block, which is then not mined at all."""
        with self._lock:
            vm = self._chain.get_vm()
            txs, hashes = [], []
            for raw in raws:
                try:
                    tx = vm.get_transaction_builder().decode(raw)
                    tx.validate()
                except Exception as exc:  # malformed RLP, bad signature, …
                    raise ChainError(f"invalid raw transaction: {exc}", code=-32602) from exc
                if getattr(tx, "chain_id", self.chain_id) not in (None, self.chain_id):
                    raise ChainError(
                        f"transaction chain id {tx.chain_id} does not match chain id {self.chain_id}"
                    )
                hashes.append(bytes(tx.hash))
                if self.store.tx_record(tx.hash) is None:
                    txs.append(tx)
            if txs:
                self._mine(txs)
            return hashes

    def mine_empty(self) -> None:
        with self._lock:
            self._mine([])

    def _mine(self, txs: list[SignedTransactionAPI]) -> None:
        chain = self._chain
        parent = chain.get_canonical_head()
        header = chain.create_header_from_parent(
            parent,
            timestamp=self._block_timestamp(parent),
            mix_hash=os.urandom(32),
            coinbase=ZERO_ADDRESS,
        )
        try:
            vm = chain.get_vm(header)
            new_header, receipts = header, list[Any]()
            for tx in txs:  # each checked on the state the ones before it left
                _precheck(vm, tx, new_header)
                new_header, (receipt,), _ = vm.apply_all_transactions([tx], new_header)
                receipts.append(receipt)
            block = vm.set_block_transactions_and_withdrawals(
                vm.get_block(), new_header, txs, tuple(receipts), withdrawals=()
            )
            mined = vm.mine_block(block).block
            chain.chaindb.persist_block(mined)
            tx_rows, log_rows = _index_rows(mined, txs, receipts, self.chain_id)
            meta = {"head": str(mined.number)}
            if self.clock is ClockMode.DEVELOPMENT:
                meta["time_offset"] = str(self._time_offset)
            self.store.commit_block(txs=tx_rows, logs=log_rows, meta=meta)
        except EVMValidationError as exc:
            self.store.discard()
            raise ChainError(str(exc).splitlines()[0]) from exc
        except BaseException:
            self.store.discard()
            raise
        finally:
            chain.header = chain.create_header_from_parent(chain.get_canonical_head())

    # ------------------------------------------------------------------ index reads
    def receipt(self, tx_hash: bytes) -> dict[str, Any] | None:
        record = self.store.tx_record(tx_hash)
        return None if record is None else json.loads(record[2])

    def transaction(self, tx_hash: bytes) -> dict[str, Any] | None:
        record = self.store.tx_record(tx_hash)
        return None if record is None else json.loads(record[3])

    def logs(self, flt: dict[str, Any]) -> list[dict[str, Any]]:
        head = self.block_number()
        from_block = _block_param(flt.get("fromBlock", "latest"), head)
        to_block = _block_param(flt.get("toBlock", "latest"), head)
        if flt.get("blockHash"):
            try:
                block = self._chain.get_block_header_by_hash(Hash32(_as_bytes(flt["blockHash"])))
            except HeaderNotFound:
                raise ChainError(f"unknown block {flt['blockHash']}") from None
            from_block = to_block = int(block.block_number)
        address = flt.get("address") or []
        addresses = [address] if isinstance(address, str) else list(address)
        topics: list[list[bytes] | None] = []
        for t in flt.get("topics") or []:
            if t is None:
                topics.append(None)
            elif isinstance(t, str | bytes):
                topics.append([_as_bytes(t)])
            else:
                topics.append([_as_bytes(x) for x in t])
        rows = self.store.logs(
            from_block, to_block, [to_canonical_address(a) for a in addresses], topics
        )
        return [json.loads(r) for r in rows]

    def block(self, block: Any, full: bool) -> dict[str, Any] | None:
        with self._lock:
            try:
                header = (
                    self._chain.get_block_header_by_hash(Hash32(block))
                    if isinstance(block, bytes)
                    else self.header_at(block)
                )
            except (ChainError, HeaderNotFound):
                return None
            body = self._chain.get_block_by_header(header)
        txs: list[Any] = []
        for tx in body.transactions:
            txs.append(self.transaction(tx.hash) if full else encode_hex(tx.hash))
        return {
            "number": _hex(header.block_number),
            "hash": encode_hex(header.hash),
            "parentHash": encode_hex(header.parent_hash),
            "nonce": encode_hex(header.nonce),
            "sha3Uncles": encode_hex(header.uncles_hash),
            "logsBloom": _hex_bytes(header.bloom.to_bytes(256, "big")),
            "transactionsRoot": encode_hex(header.transaction_root),
            "stateRoot": encode_hex(header.state_root),
            "receiptsRoot": encode_hex(header.receipt_root),
            "miner": to_checksum_address(header.coinbase),
            "difficulty": "0x0",
            "totalDifficulty": "0x0",
            "extraData": encode_hex(header.extra_data),
            "size": _hex(len(body.transactions)),
            "gasLimit": _hex(header.gas_limit),
            "gasUsed": _hex(header.gas_used),
            "timestamp": _hex(header.timestamp),
            "mixHash": encode_hex(header.mix_hash),
            "baseFeePerGas": _hex(_cancun_field(header.base_fee_per_gas, "base fee")),
            "withdrawalsRoot": encode_hex(_cancun_field(header.withdrawals_root, "withdrawals root")),
            "withdrawals": [],
            "blobGasUsed": _hex(header.blob_gas_used),
            "excessBlobGas": _hex(header.excess_blob_gas),
            "parentBeaconBlockRoot": encode_hex(
                _cancun_field(header.parent_beacon_block_root, "parent beacon block root")
            ),
            "transactions": txs,
            "uncles": [],
        }


def _cancun_field(value: T | None, name: str) -> T:
    """A header field py-evm types as optional (older forks lack it) but every block here has."""
    if value is None:
        raise ChainError(f"the block header has no {name}: not a Cancun block")
    return value


def _is_precompile(address: bytes) -> bool:
    return int.from_bytes(address, "big") <= 0x100


def _as_bytes(value: str | bytes) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    return bytes(value)


def _hex_bytes(value: bytes) -> str:
    return "0x" + value.hex()


def _block_param(value: Any, head: int) -> int:
    if value in (None, "latest", "pending", "safe", "finalized"):
        return head
    if value == "earliest":
        return 0
    return int(value, 16) if isinstance(value, str) else int(value)


def _computation_error(computation: Any) -> Callable[[], Exception]:
    """What a failed execution raises, as a maker of fresh exceptions (a cached call raises anew)."""
    error = computation.error
    if isinstance(error, Revert):
        return partial(RevertError, bytes(error.args[0]) if error.args else b"")
    return partial(ChainError, f"execution failed: {type(error).__name__} {error}")


def _precheck(vm: Any, tx: SignedTransactionAPI, header: BlockHeaderAPI) -> None:
    """Reject what a node would refuse to include, with a node-like message."""
    state = vm.state
    sender = tx.sender
    nonce = state.get_nonce(sender)
    if tx.nonce < nonce:
        raise ChainError(f"nonce too low: next nonce {nonce}, tx nonce {tx.nonce}")
    if tx.nonce > nonce:
        raise ChainError(f"nonce too high: next nonce {nonce}, tx nonce {tx.nonce}")
    max_fee = getattr(tx, "max_fee_per_gas", None) or tx.gas_price
    base_fee = _cancun_field(header.base_fee_per_gas, "base fee")
    if max_fee < base_fee:
        raise ChainError(f"max fee per gas less than block base fee: {max_fee} < {base_fee}")
    cost = tx.gas * max_fee + tx.value
    balance = state.get_balance(sender)
    if balance < cost:
        raise ChainError(
            f"insufficient funds for gas * price + value: address "
            f"{to_checksum_address(sender)} have {balance} want {cost}"
        )
    if tx.gas > header.gas_limit:
        raise ChainError(f"exceeds block gas limit: {tx.gas} > {header.gas_limit}")


def _index_rows(
    block: Any, txs: list[SignedTransactionAPI], receipts: Any, chain_id: int
) -> tuple[list[tuple[bytes, int, int, str, str]], list[tuple[Any, ...]]]:
    tx_rows = []
    log_rows: list[tuple[Any, ...]] = []
    header = block.header
    block_hash = encode_hex(header.hash)
    base_fee = int(header.base_fee_per_gas)
    log_index = 0
    prev_cumulative = 0
    for index, (tx, receipt) in enumerate(zip(txs, receipts, strict=True)):
        tx_hash = encode_hex(tx.hash)
        sender = to_checksum_address(tx.sender)
        if hasattr(tx, "max_fee_per_gas"):
            price = min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)
        else:
            price = tx.gas_price
        contract = None
        if not tx.to:
            from eth._utils.address import generate_contract_address

            contract = to_checksum_address(generate_contract_address(tx.sender, tx.nonce))
        logs = []
        for log in receipt.logs:
            entry = {
                "address": to_checksum_address(log.address),
                "topics": [encode_hex(t.to_bytes(32, "big")) for t in log.topics],
                "data": encode_hex(log.data),
                "blockNumber": _hex(header.block_number),
                "blockHash": block_hash,
                "transactionHash": tx_hash,
                "transactionIndex": _hex(index),
                "logIndex": _hex(log_index),
                "removed": False,
            }
            logs.append(entry)
            topics = [t.to_bytes(32, "big") for t in log.topics] + [None] * 4
            log_rows.append(
                (header.block_number, log_index, bytes(log.address), *topics[:4], json.dumps(entry))
            )
            log_index += 1
        gas_used = receipt.gas_used - prev_cumulative
        prev_cumulative = receipt.gas_used
        receipt_json = {
            "transactionHash": tx_hash,
            "transactionIndex": _hex(index),
            "blockHash": block_hash,
            "blockNumber": _hex(header.block_number),
            "from": sender,
            "to": to_checksum_address(tx.to) if tx.to else None,
            "cumulativeGasUsed": _hex(receipt.gas_used),
            "gasUsed": _hex(gas_used),
            "effectiveGasPrice": _hex(price),
            "contractAddress": contract,
            "logs": logs,
            "logsBloom": _hex_bytes(receipt.bloom.to_bytes(256, "big")),
            "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
            "type": _hex(getattr(tx, "type_id", None) or 0),
        }
        tx_json: dict[str, Any] = {
            "hash": tx_hash,
            "nonce": _hex(tx.nonce),
            "blockHash": block_hash,
            "blockNumber": _hex(header.block_number),
            "transactionIndex": _hex(index),
            "from": sender,
            "to": to_checksum_address(tx.to) if tx.to else None,
            "value": _hex(tx.value),
            "gas": _hex(tx.gas),
            "gasPrice": _hex(price),
            "input": encode_hex(tx.data),
            "type": _hex(getattr(tx, "type_id", None) or 0),
            "chainId": _hex(chain_id),
            # legacy transactions report v as signed (27/28 or EIP-155), typed ones y-parity
            "v": _hex(getattr(tx, "v") if not getattr(tx, "type_id", None) else tx.y_parity),  # noqa: B009
            "r": _hex(tx.r),
            "s": _hex(tx.s),
        }
        if hasattr(tx, "max_fee_per_gas"):
            tx_json["maxFeePerGas"] = _hex(tx.max_fee_per_gas)
            tx_json["maxPriorityFeePerGas"] = _hex(tx.max_priority_fee_per_gas)
            tx_json["accessList"] = []
        tx_rows.append(
            (bytes(tx.hash), header.block_number, index, json.dumps(receipt_json), json.dumps(tx_json))
        )
    return tx_rows, log_rows
