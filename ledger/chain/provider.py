"""A web3 provider that answers Ethereum JSON-RPC from the embedded chain, in-process.

web3 code cannot tell it from a node: the same calls, results and error objects (a revert is
error code 3 with the revert data, as anvil and geth answer).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from eth_utils import encode_hex
from web3.providers.base import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

from ledger.chain.embedded import ChainError, EmbeddedChain

CLIENT_VERSION = "tender-ledger-embedded/py-evm"
log = logging.getLogger(__name__)


# What the methods raise for params of the wrong number, type or format.
PARAM_ERRORS: tuple[type[Exception], ...] = (TypeError, ValueError, KeyError, IndexError, AttributeError)


def _error(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def _param_message(method: str, params: Sequence[Any], exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, TypeError) and "positional argument" in text:
        return f"invalid params for {method}: wrong number of params ({len(params)} given)"
    if isinstance(exc, KeyError):
        return f"invalid params for {method}: missing field {text}"
    return f"invalid params for {method}: {text}"


def _b(value: str) -> bytes:
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


class EmbeddedProvider(BaseProvider):
    """JSON-RPC over the embedded chain with no network in between."""

    def __init__(self, chain: EmbeddedChain) -> None:
        super().__init__()
        self.chain = chain
        self._ids = itertools.count()
        c = chain
        self._methods: dict[str, Callable[..., Any]] = {
            "web3_clientVersion": lambda: CLIENT_VERSION,
            "net_version": lambda: str(c.chain_id),
            "net_listening": lambda: True,
            "eth_chainId": lambda: hex(c.chain_id),
            "eth_syncing": lambda: False,
            "eth_accounts": lambda: [],
            "eth_blockNumber": lambda: hex(c.block_number()),
            "eth_gasPrice": lambda: hex(2 * c.base_fee() + 1),
            "eth_maxPriorityFeePerGas": lambda: hex(1),
            "eth_getBalance": lambda a, b="latest": hex(c.balance(a, b)),
            "eth_getTransactionCount": lambda a, b="latest": hex(c.nonce(a, b)),
            "eth_getCode": lambda a, b="latest": encode_hex(c.code(a, b)),
            "eth_getStorageAt": lambda a, s, b="latest": "0x"
            + c.storage(a, int(s, 16), b).to_bytes(32, "big").hex(),
            "eth_call": lambda tx, b="latest", *_: encode_hex(c.call(tx, b)),
            "eth_estimateGas": lambda tx, b="latest", *_: hex(c.estimate_gas(tx, b)),
            "eth_sendRawTransaction": lambda raw: encode_hex(c.send_raw_transaction(_b(raw))),
            "eth_getTransactionReceipt": lambda h: c.receipt(_b(h)),
            "eth_getTransactionByHash": lambda h: c.transaction(_b(h)),
            "eth_getBlockByNumber": lambda n, full=False: c.block(n, full),
            "eth_getBlockByHash": lambda h, full=False: c.block(_b(h), full),
            "eth_getLogs": lambda flt: c.logs(flt),
            "eth_feeHistory": self._fee_history,
            "evm_increaseTime": lambda s: c.increase_time(int(s, 16) if isinstance(s, str) else s),
            "evm_setNextBlockTimestamp": lambda t: c.set_next_block_timestamp(
                int(t, 16) if isinstance(t, str) else t
            ),
            "evm_mine": self._evm_mine,
        }

    def _evm_mine(self, *_: Any) -> str:
        self.chain.mine_empty()
        return "0x0"

    def _fee_history(self, count: Any, newest: Any, percentiles: Any = None) -> dict[str, Any]:
        """The base fees of the last `count` blocks up to `newest` and the next one's, as a node
        answers; each block's gas used ratio; a reward of 1 wei (the tip this chain asks) per percentile."""
        n = int(count, 16) if isinstance(count, str) else int(count)
        head = self.chain.block_number()
        last = head if newest in (None, "latest", "pending", "safe", "finalized") else min(head, _block_number(newest))
        first = max(0, last - n + 1)
        headers = [self.chain.header_at(b) for b in range(first, last + 1)]
        fees = [int(getattr(h, "base_fee_per_gas", 0) or 0) for h in headers]
        following = self.chain.base_fee() if last == head else int(
            getattr(self.chain.header_at(last + 1), "base_fee_per_gas", 0) or 0)
        return {
            "oldestBlock": hex(first),
            "baseFeePerGas": [hex(f) for f in [*fees, following]],
            "gasUsedRatio": [h.gas_used / h.gas_limit if h.gas_limit else 0.0 for h in headers],
            "reward": [[hex(1)] * len(percentiles or [])] * len(headers),
        }

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return self.answer(next(self._ids), method, params, outside=False)  # type: ignore[return-value]

    def answer(self, request_id: Any, method: str, params: Any, *, outside: bool = True) -> dict[str, Any]:
        """The JSON-RPC response to one request: the one dispatch of every method, in-process
        (`make_request`) and for outside clients (the node's HTTP endpoint, `outside`). For an
        outside client, params that do not fit the method are error -32602 and any other failure
        -32603 with one line, never a traceback; in-process, those raise as they always did."""
        handler = self._methods.get(method)
        if handler is None:
            return _error(request_id, -32601, f"the method {method} does not exist")
        if params is None:
            params = []
        if not isinstance(params, list | tuple):
            if not outside:
                raise TypeError(f"params of {method} must be a list")
            return _error(request_id, -32602, f"params of {method} must be an array")
        try:
            result = handler(*params)
        except ChainError as exc:
            return _error(request_id, exc.code, str(exc), exc.data)
        except PARAM_ERRORS as exc:
            if not outside:
                raise
            return _error(request_id, -32602, _param_message(method, params, exc))
        except Exception as exc:
            if not outside:
                raise
            # The operator sees what failed (the node's stderr); the client only that it did.
            log.exception("internal error answering %s", method)
            return _error(request_id, -32603, f"internal error in {method}: {type(exc).__name__}")
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def _block_number(value: Any) -> int:
    """A block number given as a JSON-RPC quantity ("0x1f") or an integer."""
    return int(value, 16) if isinstance(value, str) else int(value)
