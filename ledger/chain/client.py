"""Chain access for the whole ledger: one web3 connection, local signing, nonces, revert translation.

The same class drives the embedded py-evm chain (in-process provider) and any Ethereum
JSON-RPC node (HTTP provider); callers never see which.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import BlockNotFound, TransactionNotFound, Web3RPCError
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, TxReceipt

from ledger.chain.contracts import load_artifact
from ledger.chain.embedded import ChainError, EmbeddedChain
from ledger.chain.nodes import NodeSet, parse_urls
from ledger.chain.provider import EmbeddedProvider
from ledger.errors import (
    ClockLocked,
    ContractRevert,
    LedgerError,
    NodeUnavailable,
    TransactionRejected,
    WrongChain,
    decode_revert,
    translate,
)

T = TypeVar("T")
PRIORITY_FEE = 1
RECENT_BLOCKS = 64
"""How far back a transaction's fee may have been prepared: the relayer sponsors up to twice the
highest fee of these last blocks (`ChainClient.recent_max_fee`)."""

# What nodes answer when handed a transaction they already hold (geth, Besu, anvil, Nethermind):
# for a transaction of the same hash, it was sent.
ALREADY_KNOWN = ("already known", "known transaction", "already imported", "alreadyknown")
NONCE_TOO_LOW = ("nonce too low", "nonce_too_low", "oldnonce")


class ChainClient:
    """A connection to one chain plus the rules for sending transactions on it."""

    def __init__(self, w3: Web3, *, embedded: EmbeddedChain | None = None) -> None:
        self.w3 = w3
        self.embedded = embedded
        self.chain_id = int(self._rpc(lambda: w3.eth.chain_id))
        self._nonce_lock = threading.Lock()
        self._nonces: dict[str, int] = {}
        self._sender_locks: dict[str, threading.Lock] = {}
        self._fee_cache: tuple[float, int | None] = (0.0, None)
        self.nonce_guard: Callable[[str], AbstractContextManager[Any]] | None = None
        """Set when other processes send with the same keys (the workers of one service): each
        transaction signed here then takes its nonce from the node's pending count under
        `nonce_guard(address)` and is handed to the node before the guard is left, so no two
        processes ever sign one nonce. Unset, nonces are counted in this process."""
        self.on_mined: list[Callable[[bool], None]] = []
        """Called with `relayed` after each transaction this client sent is mined: True for one a
        party signed itself (`send_raw`), False for one signed here with the service's own keys."""

    # ------------------------------------------------------------------ construction
    @classmethod
    def for_embedded(cls, chain: EmbeddedChain) -> ChainClient:
        return cls(Web3(EmbeddedProvider(chain), middleware=[]), embedded=chain)

    @classmethod
    def for_node(cls, url: str, *, expected_chain_id: int | None, timeout: float = 10.0) -> ChainClient:
        """A client of the node at `url`, or of the nodes of a comma-separated list of URLs (one
        chain; requests go to the first healthy one, see `ledger.chain.nodes`). Every node that
        answers must serve `expected_chain_id` (WrongChain) and the same genesis block.

        web3's proof-of-authority middleware is always in: Clique and QBFT/IBFT blocks carry more
        than 32 bytes of `extraData` (the validators' seals), which web3 otherwise refuses to read;
        on other chains it only renames the field, which the ledger does not read."""
        nodes = NodeSet(parse_urls(url), timeout=timeout, expected_chain_id=expected_chain_id)
        nodes.check_all()
        client = cls(Web3(nodes, middleware=[ExtraDataToPOAMiddleware]))
        if expected_chain_id is not None and client.chain_id != expected_chain_id:  # NodeSet checked it
            raise WrongChain(f"the nodes at {url} serve chain id {client.chain_id}, "
                             f"but chain id {expected_chain_id} is configured")
        return client

    def _rpc(self, fn: Callable[[], T]) -> T:
        """Run a read against the node, turning transport failures into NodeUnavailable."""
        try:
            return fn()
        except (requests.exceptions.RequestException, OSError) as exc:
            uri = getattr(self.w3.provider, "endpoint_uri", "the node")
            raise NodeUnavailable(f"{uri} does not answer: {type(exc).__name__}") from None

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.close()

    # ------------------------------------------------------------------ contracts
    def contract(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_artifact(name)["abi"])

    def deploy(self, name: str, *args: Any, sender: LocalAccount) -> tuple[Contract, TxReceipt]:
        art = load_artifact(name)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        data = factory.constructor(*args).data_in_transaction
        receipt = self.send(sender, {"data": data})
        address = receipt["contractAddress"]
        if address is None:  # send() has already raised for a failed deployment
            raise TransactionRejected(f"the {name} deployment receipt names no contract address")
        return self.contract(name, address), receipt

    # ------------------------------------------------------------------ reads
    def call(self, fn: ContractFunction, block: Any = "latest") -> Any:
        try:
            return self._rpc(lambda: fn.call(block_identifier=block))
        except Exception as exc:
            raise self.translate_error(exc) from None

    def balance(self, address: str) -> int:
        return int(self._rpc(lambda: self.w3.eth.get_balance(Web3.to_checksum_address(address))))

    def block_number(self) -> int:
        return int(self._rpc(lambda: self.w3.eth.block_number))

    def head(self) -> tuple[int, int]:
        """The head block's number, and how many blocks the node that told it is behind a head
        another of the configured nodes served before (0 with one node or the embedded chain):
        after a fail-over to a node that lags, blocks already read are missing there for a while."""
        provider = self.w3.provider
        if isinstance(provider, NodeSet):
            return provider.head()
        return self.block_number(), 0

    def nodes(self) -> list[dict[str, Any]]:
        """Each configured node's URL, whether requests go to it now, its last failure and the
        highest head it served; empty for the embedded chain."""
        provider = self.w3.provider
        return provider.status() if isinstance(provider, NodeSet) else []

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """The results of several reads ((JSON-RPC method, params) each), in order: one batch request
        to a node, in-process calls on the embedded chain. An error answer raises LedgerError."""
        provider = self.w3.provider
        if isinstance(provider, NodeSet):
            answers = self._rpc(lambda: provider.batch(calls))
        else:
            answers = [provider.make_request(RPCEndpoint(m), p) for m, p in calls]
        out = []
        for (method, _), answer in zip(calls, answers, strict=True):
            if "error" in answer:
                raise LedgerError(f"{method} failed: {answer['error']}")
            out.append(answer.get("result"))
        return out

    def block_hash(self, number: int) -> bytes | None:
        """The hash of the node's block `number` now, or None while it has no such block."""
        if self.embedded is not None:
            try:
                return bytes(self.embedded.header_at(number).hash)
            except ChainError:
                return None
        try:
            return bytes(self._rpc(lambda: self.w3.eth.get_block(number))["hash"])
        except BlockNotFound:
            return None

    def block_timestamp(self, block: Any = "latest") -> int:
        if self.embedded is not None:  # the header alone, not the whole block as JSON-RPC shows it
            return self.embedded.timestamp(block)
        return int(self._rpc(lambda: self.w3.eth.get_block(block))["timestamp"])

    # ------------------------------------------------------------------ writes
    def fees(self) -> dict[str, int]:
        """EIP-1559 fees: twice the latest base fee plus a minimal tip, refreshed every second; none
        at all on a free gas network (see `free_gas`)."""
        base = self._base_fee()
        if base == 0:
            return {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0}
        base = base or 0  # a block without a base fee (before London): as the minimal fee
        return {"maxFeePerGas": 2 * base + PRIORITY_FEE + 7, "maxPriorityFeePerGas": PRIORITY_FEE}

    def recent_max_fee(self, blocks: int = RECENT_BLOCKS) -> int:
        """`fees()`'s maxFeePerGas at the highest base fee of the last `blocks` blocks and the next
        one (eth_feeHistory): what a transaction prepared over that span was given at most. The base
        fee can fall by an eighth a block, and a young embedded chain mines many blocks a second."""
        history = self._rpc(lambda: self.w3.eth.fee_history(blocks, "latest", []))
        base = max((int(b) for b in history.get("baseFeePerGas") or []), default=0)
        return 0 if base == 0 else 2 * base + PRIORITY_FEE + 7

    def free_gas(self) -> bool:
        """True on a free gas network: the latest block's base fee is 0, which EIP-1559 never
        reaches from a positive fee (it stops at 7 wei), so only a chain made with a zero base fee
        has it (Besu's `zeroBaseFee`, anvil `--base-fee 0`). Transactions there carry no fee and
        no account needs funds; the node must accept a zero gas price (Besu `min-gas-price=0`)."""
        return self._base_fee() == 0

    def _base_fee(self) -> int | None:
        """The latest block's base fee (None for a block without one), refreshed every second."""
        now = time.monotonic()
        stamp, base = self._fee_cache
        if now - stamp > 1.0:
            block = self._rpc(lambda: self.w3.eth.get_block("latest"))
            fee = block.get("baseFeePerGas")
            base = None if fee is None else int(fee)
            self._fee_cache = (now, base)
        return base

    def _next_nonce(self, address: ChecksumAddress) -> int:
        with self._nonce_lock:
            if address not in self._nonces:
                self._nonces[address] = int(
                    self._rpc(lambda: self.w3.eth.get_transaction_count(address, "pending"))
                )
            nonce = self._nonces[address]
            self._nonces[address] = nonce + 1
            return nonce

    def _forget_nonce(self, address: str) -> None:
        with self._nonce_lock:
            self._nonces.pop(address, None)

    def build(self, account: LocalAccount | str, tx: dict[str, Any] | ContractFunction) -> dict[str, Any]:
        """A complete, unsigned transaction: to, data, gas (estimated), fees, nonce, chain id."""
        tx = self._prepare(account, tx)
        sender = cast(ChecksumAddress, tx["from"])
        if isinstance(account, str):
            # Someone else will sign this: read their next nonce, reserve nothing here (a
            # prepared transaction that is never sent must not block the account's next one).
            tx["nonce"] = self._pending_nonce(sender)
        else:
            tx["nonce"] = self._next_nonce(sender)
        return tx

    def _pending_nonce(self, address: ChecksumAddress) -> int:
        return int(self._rpc(lambda: self.w3.eth.get_transaction_count(address, "pending")))

    def _prepare(self, account: LocalAccount | str, tx: dict[str, Any] | ContractFunction) -> dict[str, Any]:
        """`build` without the nonce."""
        # web3 itself refuses an address string that is not checksummed.
        sender = cast(ChecksumAddress, account) if isinstance(account, str) else account.address
        if isinstance(tx, ContractFunction):
            tx = {"to": tx.address, "data": tx._encode_transaction_data()}
        tx = dict(tx)
        tx["from"] = sender
        if "gas" not in tx:
            tx["gas"] = self.estimate_gas(tx)
        tx.update(self.fees())
        tx.setdefault("value", 0)
        tx["chainId"] = self.chain_id
        tx["type"] = 2
        return tx

    def estimate_gas(self, tx: dict[str, Any]) -> int:
        """The node's gas estimate of `tx` (with its `from`) on the pending state; the contract's
        error if it reverts there."""
        try:
            return int(self._rpc(lambda: self.w3.eth.estimate_gas(tx)))  # type: ignore[arg-type]
        except LedgerError:
            raise
        except Exception as exc:
            raise self.translate_error(exc) from None

    def send(self, account: LocalAccount, tx: dict[str, Any] | ContractFunction) -> TxReceipt:
        """Sign `tx` with `account`'s own key, send it and wait for its receipt."""
        if self.nonce_guard is not None:
            return self._send_guarded(account, tx)
        for attempt in (1, 2):
            prepared = self._prepare(account, tx)
            # One sender's transactions reach the node in nonce order: two threads sending with
            # one key (a request and the checkpoint writer, both the centre's) must not hand over
            # nonce n+1 before n, which a node that mines at once refuses ("nonce too high").
            with self._sender_lock(account.address):
                try:
                    prepared["nonce"] = self._next_nonce(account.address)
                    signed = account.sign_transaction(prepared)
                    tx_hash = self._submit(bytes(signed.raw_transaction))
                except TransactionRejected as exc:
                    self._forget_nonce(account.address)
                    # The same key also signed elsewhere (e.g. a prepared transaction relayed for
                    # it): re-read the nonce from the chain and try once more.
                    if attempt == 1 and "nonce too low" in str(exc).lower():
                        continue
                    raise
                except BaseException:
                    self._forget_nonce(account.address)
                    raise
            try:
                return self._settle(tx_hash, 60.0, relayed=False)
            except BaseException:
                self._forget_nonce(account.address)
                raise
        raise AssertionError("unreachable")

    def _sender_lock(self, address: str) -> threading.Lock:
        with self._nonce_lock:
            return self._sender_locks.setdefault(address, threading.Lock())

    def _send_guarded(self, account: LocalAccount, tx: dict[str, Any] | ContractFunction) -> TxReceipt:
        """`send` among processes sharing `account`: the nonce is the node's pending count, read
        under the guard, and the node has the transaction before the guard is left (so the next
        holder reads the count after it); the receipt is awaited outside the guard."""
        prepared = self._prepare(account, tx)
        assert self.nonce_guard is not None
        with self.nonce_guard(account.address):
            prepared["nonce"] = self._pending_nonce(account.address)
            signed = account.sign_transaction(prepared)
            tx_hash = self._submit(bytes(signed.raw_transaction))
        return self._settle(tx_hash, 60.0, relayed=False)

    def send_raw(self, raw: bytes, timeout: float = 60.0) -> TxReceipt:
        """Relay a transaction someone signed; idempotent if it was already mined."""
        return self._send_raw(raw, timeout, relayed=True)

    def _send_raw(self, raw: bytes, timeout: float, *, relayed: bool) -> TxReceipt:
        return self._settle(self._submit(raw), timeout, relayed=relayed)

    def _submit(self, raw: bytes) -> bytes:
        """Hand a signed transaction to the node. One it already has or mined is no error: sent
        again after a connection dropped (to the same node or, failed over, to the next), the same
        bytes are the same transaction, and the node says so ("already known", or "nonce too low"
        once it is mined), so it is never applied twice."""
        tx_hash = bytes(Web3.keccak(raw))
        try:
            self._rpc(lambda: self.w3.eth.send_raw_transaction(raw))
        except Web3RPCError as exc:
            if not self._holds(tx_hash, str(exc.message or exc).lower()):
                raise self.translate_error(exc) from None
        except LedgerError:
            raise
        except Exception as exc:
            raise self.translate_error(exc) from None
        return tx_hash

    def _settle(self, tx_hash: bytes, timeout: float, *, relayed: bool) -> TxReceipt:
        """Wait for the receipt of a transaction handed to the node; a revert raises."""
        receipt = self.wait(tx_hash, timeout)
        if receipt["status"] != 1:
            raise self._revert_of(receipt)
        for observe in self.on_mined:
            observe(relayed)
        return receipt

    def _holds(self, tx_hash: bytes, refusal: str) -> bool:
        """Whether the node that refused our transaction `tx_hash` with `refusal` has it already."""
        if any(m in refusal for m in ALREADY_KNOWN):
            return True  # a transaction of this very hash is in its pool
        if self._receipt_or_none(tx_hash) is not None:
            return True
        if any(m in refusal for m in NONCE_TOO_LOW):  # ours, still pending, or another of that nonce?
            try:
                self._rpc(lambda: self.w3.eth.get_transaction(HexBytes(tx_hash)))
                return True
            except TransactionNotFound:
                return False
        return False

    def _receipt_or_none(self, tx_hash: bytes) -> TxReceipt | None:
        try:
            return self._rpc(lambda: self.w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
        except TransactionNotFound:
            return None

    def wait(self, tx_hash: bytes, timeout: float = 60.0) -> TxReceipt:
        # Poll from 1 ms, backing off to 50 ms: an automining node answers within milliseconds,
        # and a fixed 20 ms poll would cap one sender at ~50 transactions a second.
        deadline = time.monotonic() + timeout
        delay = 0.001
        while True:
            receipt = self._receipt_or_none(tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() >= deadline:
                raise TransactionRejected(
                    f"transaction {HexBytes(tx_hash).to_0x_hex()} not mined within {timeout:.0f} s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _revert_of(self, receipt: TxReceipt) -> ContractRevert:
        """Replay a failed transaction at its parent block to recover the revert reason."""
        tx = self.w3.eth.get_transaction(receipt["transactionHash"])
        call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "gas": tx["gas"]}
        try:
            self.w3.eth.call(call, receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except Exception as exc:
            translated = self.translate_error(exc)
            if isinstance(translated, ContractRevert):
                return translated
        return ContractRevert("Reverted", {}, "the transaction reverted (out of gas or no reason)")

    def translate_error(self, exc: BaseException) -> LedgerError:
        if isinstance(exc, LedgerError):
            return exc
        translated = translate(exc)
        if translated is not None:
            return translated
        if isinstance(exc, Web3RPCError):
            return TransactionRejected(f"the chain refused the request: {exc.message or exc}")
        raise exc

    # ------------------------------------------------------------------ helpers
    def fund(self, funder: LocalAccount, address: str, wei: int) -> TxReceipt:
        return self.send(funder, self._transfer(address, wei))

    @staticmethod
    def _transfer(address: str, wei: int) -> dict[str, Any]:
        return {"to": Web3.to_checksum_address(address), "value": wei, "gas": 21_000}

    def send_raw_funded(self, funder: LocalAccount, address: str, wei: int, raw: bytes,
                        timeout: float = 60.0) -> TxReceipt:
        """Relay `raw`, a transaction `address` signed, after `funder` has sent `address` `wei` to
        pay for it; the transaction's receipt (a revert raises). On the embedded chain the top-up
        and the transaction are mined in one block, the top-up first (neither is mined if the
        block cannot take both); on a node the top-up is mined first, then the transaction sent,
        since a node's pool refuses a transaction its sender cannot pay for yet."""
        chain = self.embedded
        if chain is None or self.nonce_guard is not None:
            self.fund(funder, address, wei)
            return self.send_raw(raw, timeout)
        for attempt in (1, 2):
            with self._sender_lock(funder.address):  # the funder's nonces reach the chain in order
                built = self.build(funder, self._transfer(address, wei))
                top_up = bytes(funder.sign_transaction(built).raw_transaction)
                try:
                    hashes = chain.send_raw_transactions([top_up, raw])
                except ChainError as exc:
                    self._forget_nonce(funder.address)
                    # The funder's key also signed elsewhere: re-read its nonce and try once more.
                    if attempt == 1 and chain.nonce(funder.address) > built["nonce"]:
                        continue
                    raise (translate(exc) or TransactionRejected(f"the chain refused the request: {exc}")) from None
                except BaseException:
                    self._forget_nonce(funder.address)
                    raise
            self._settle(hashes[0], timeout, relayed=False)
            return self._settle(hashes[1], timeout, relayed=True)
        raise AssertionError("unreachable")

    def send_packed(self, calls: Sequence[tuple[LocalAccount, str, bytes, int]]) -> list[bytes]:
        """Many calls, each (account, to, data, gas limit), signed here with each account's own key
        in their order and mined; their hashes. On the embedded chain many go into one block: a
        block takes calls while their gas limits sum to at most half the block gas limit (the
        EIP-1559 target, so the base fee does not climb block after block). On a node they are
        sent one after another. A call that reverts raises its error (the calls before it are
        mined, the ones after it in its block too, those in later blocks are not sent)."""
        chain = self.embedded
        if chain is None or self.nonce_guard is not None:
            return [bytes(self.send(account, {"to": to, "data": data, "gas": gas})["transactionHash"])
                    for account, to, data, gas in calls]
        budget = int(chain.head().gas_limit) // 2
        hashes: list[bytes] = []
        block: list[bytes] = []
        used = 0

        def mine() -> None:
            nonlocal block, used
            if not block:
                return
            try:
                mined = chain.send_raw_transactions(block)
            except ChainError as exc:
                self._nonces.clear()  # re-read every nonce: none of this block was mined
                raise (translate(exc) or TransactionRejected(f"the chain refused the request: {exc}")) from None
            for tx_hash in mined:
                receipt = chain.receipt(tx_hash)
                if receipt is None or receipt["status"] != "0x1":
                    raise self._revert_of(self.w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
                for observe in self.on_mined:
                    observe(False)
            hashes.extend(mined)
            block, used = [], 0

        for account, to, data, gas in calls:
            if used + gas > budget:
                mine()
            tx: dict[str, Any] = {"to": Web3.to_checksum_address(to), "data": HexBytes(data), "gas": gas, "value": 0,
                  "chainId": self.chain_id, "type": 2, **self.fees(),
                  "nonce": self._next_nonce(account.address)}
            block.append(bytes(account.sign_transaction(cast(Any, tx)).raw_transaction))
            used += gas
        mine()
        return hashes

    # ------------------------------------------------------------------ development only
    def increase_time(self, seconds: int) -> None:
        """Development only: move the chain clock forward by `seconds` and mine a block. An embedded
        chain created with a development clock, anvil and Hardhat nodes do it; a production embedded
        chain, or a node without the `evm_*` methods, refuses with ClockLocked."""
        self._development_rpc("evm_increaseTime", int(seconds))
        self._development_rpc("evm_mine")

    def set_next_block_timestamp(self, timestamp: int) -> None:
        """Development only: stamp the next block with `timestamp` (see `increase_time`)."""
        self._development_rpc("evm_setNextBlockTimestamp", int(timestamp))

    def _development_rpc(self, method: str, *params: Any) -> Any:
        response = self._rpc(lambda: self.w3.provider.make_request(method, list(params)))  # type: ignore[arg-type]
        error = response.get("error")
        if error:
            message = str(error.get("message", error) if isinstance(error, dict) else error)
            if "development-only" not in message:
                message = f"{method} is a development-only operation, and this chain refused it: {message}"
            raise ClockLocked(message)
        return response.get("result")


def decode_revert_hex(data: str) -> ContractRevert:
    return decode_revert(bytes.fromhex(data[2:] if data.startswith("0x") else data))


def new_account() -> LocalAccount:
    account: LocalAccount = Account.create()
    return account
