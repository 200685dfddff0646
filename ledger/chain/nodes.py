"""Several JSON-RPC nodes of one chain behind one web3 provider, with fail-over.

A consortium's nodes are run by several bodies; the service lists some of them (`TL_RPC_URL`
comma-separated) and every request goes to the first healthy one. A node that fails a request
at the transport level — it refuses or drops the connection, times out, answers HTTP 5xx or
something that is not JSON-RPC — is marked down for `RETRY_AFTER_S` and the request goes to the
next one; a JSON-RPC answer, error answers included (a revert, "nonce too low"), is the node's
answer and is never retried elsewhere. When every node fails, NodeUnavailable names each
node and its failure.

Retrying a request on another node is safe for reads; for `eth_sendRawTransaction` it is too:
the same signed bytes are the same transaction (one hash, one nonce), so a node that already has
it answers "already known" or "nonce too low", which `ChainClient` takes as sent for its own hash.

Every node is checked once, at its first answer, to serve the same chain as the first node that
answered (chain id, and the genesis block's hash) and the configured chain id: a node of another
chain is refused at start (WrongChain), and one that first answers later is never used.

The heads the nodes report are remembered per node, so that a node the service failed over to
can be told to lag behind a head another node already served (`head`): the journal then waits
for it rather than taking the missing blocks for a reorg.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import requests
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from ledger.errors import NodeUnavailable, WrongChain

log = logging.getLogger("tender_ledger.nodes")  # the service's logs (api.ops.configure_logging)

RETRY_AFTER_S = 5.0
"""How long a node that failed is passed over while another node answers."""


def parse_urls(text: str) -> list[str]:
    """The node URLs of a comma-separated `TL_RPC_URL`, in order; NodeUnavailable for a bad entry."""
    urls = [u.strip() for u in text.split(",") if u.strip()]
    if not urls:
        raise NodeUnavailable("no node URL given: TL_RPC_URL is empty")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise NodeUnavailable(f"unsupported node URL {url!r}: use http:// or https://")
    if len(set(urls)) != len(urls):
        raise NodeUnavailable(f"TL_RPC_URL lists a node twice: {', '.join(urls)}")
    return urls


class _NodeFailed(Exception):
    """A transport-level failure of one node (not a JSON-RPC error answer)."""


@dataclass
class _Node:
    url: str
    down_until: float = 0.0
    failure: str | None = None
    checked: bool = False
    foreign: str | None = None
    """Why the node is never used (another chain), once found."""
    best_head: int = -1
    local: threading.local = field(default_factory=threading.local)

    def session(self) -> requests.Session:
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session


class NodeSet(JSONBaseProvider):
    """A web3 provider over the nodes at `urls`, in order of preference (see the module)."""

    def __init__(self, urls: Sequence[str], *, timeout: float = 10.0, expected_chain_id: int | None = None,
                 retry_after_s: float = RETRY_AFTER_S) -> None:
        super().__init__()
        if not urls:
            raise NodeUnavailable("no node URL given")
        self.nodes = [_Node(url) for url in urls]
        self.timeout = timeout
        self.retry_after_s = retry_after_s
        self.chain_id = expected_chain_id
        self._configured = expected_chain_id is not None
        self.genesis: str | None = None
        self._lock = threading.Lock()
        self._last: _Node | None = None

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    @property
    def endpoint_uri(self) -> str:
        """The node that answered last (the first listed before any answered)."""
        return (self._last or self.nodes[0]).url

    def __str__(self) -> str:
        return f"RPC nodes {', '.join(self.urls)}"

    # ------------------------------------------------------------------ start
    def check_all(self) -> None:
        """At start: every node that answers must serve the configured chain (WrongChain names the
        one that does not); one that does not answer now is checked when it first does. Raises
        NodeUnavailable when no node answers."""
        failures: list[str] = []
        for node in self.nodes:
            try:
                self._check(node)
            except _NodeFailed as exc:
                self._mark_down(node, str(exc))
                failures.append(f"{node.url} does not answer ({exc})")
        if not any(n.checked for n in self.nodes):
            raise NodeUnavailable(self._unavailable(failures))
        foreign = [n.foreign for n in self.nodes if n.foreign]
        if foreign:
            raise WrongChain(foreign[0])
        for failure in failures:
            log.warning("node down at start (it is checked when it answers): %s", failure)

    def _check(self, node: _Node) -> None:
        """The node's chain id and genesis hash against the set's; `node.foreign` when they differ."""
        chain_id = int(self._result(node, "eth_chainId", []), 16)
        genesis_block = self._result(node, "eth_getBlockByNumber", ["0x0", False])
        genesis = str((genesis_block or {}).get("hash", "")).lower()
        with self._lock:
            if node.checked:
                return
            if self.chain_id is not None and chain_id != self.chain_id:
                node.foreign = (f"the node at {node.url} serves chain id {chain_id}, but "
                                + (f"chain id {self.chain_id} is configured" if self._configured
                                   else f"{self._reference()} serves chain id {self.chain_id}"))
            elif self.genesis is not None and genesis != self.genesis:
                node.foreign = (f"the node at {node.url} serves another chain (genesis {genesis}) than "
                                f"{self._reference()} (genesis {self.genesis}), with the same chain id {chain_id}")
            else:
                self.chain_id, self.genesis = chain_id, genesis
            node.checked = True
        if node.foreign:
            log.error("node refused: %s", node.foreign)

    def _reference(self) -> str:
        first = next((n for n in self.nodes if n.checked and not n.foreign), None)
        return first.url if first else "the other nodes"

    # ------------------------------------------------------------------ requests
    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return self._request(method, params)[1]

    def _request(self, method: RPCEndpoint, params: Any) -> tuple[_Node, RPCResponse]:
        """The first healthy node's answer, and that node."""
        failures: list[str] = []
        now = time.monotonic()
        usable = [n for n in self.nodes if n.foreign is None]
        # the healthy nodes in order, then those marked down (should none of the healthy answer)
        order = [n for n in usable if n.down_until <= now] + [n for n in usable if n.down_until > now]
        for node in order:
            try:
                if not node.checked:
                    self._check(node)
                    if node.foreign:
                        failures.append(node.foreign)
                        continue
                response = self._post(node, method, params)
            except _NodeFailed as exc:
                self._mark_down(node, str(exc))
                failures.append(f"{node.url} does not answer ({exc})")
                continue
            self._mark_up(node)
            self._last = node
            if method == "eth_blockNumber" and isinstance(response.get("result"), str):
                with self._lock:
                    node.best_head = max(node.best_head, int(response["result"], 16))
            return node, response
        if not usable:
            failures = [str(n.foreign) for n in self.nodes]
        raise NodeUnavailable(self._unavailable(failures, method))

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[RPCResponse]:
        """The answers to `calls` ((method, params) each, reads only), in order, asked of the first
        healthy node in one JSON-RPC batch; a node that does not answer batches is asked one call
        at a time (every answer may still be an error object, as for `make_request`)."""
        if not calls:
            return []
        failures: list[str] = []
        now = time.monotonic()
        usable = [n for n in self.nodes if n.foreign is None and n.checked]
        order = [n for n in usable if n.down_until <= now] + [n for n in usable if n.down_until > now]
        for node in order:
            body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                               for i, (m, p) in enumerate(calls)])
            try:
                answer = node.session().post(node.url, data=body, timeout=self.timeout,
                                             headers={"Content-Type": "application/json"})
            except (requests.RequestException, OSError) as exc:
                self._mark_down(node, type(exc).__name__)
                failures.append(f"{node.url} does not answer ({type(exc).__name__})")
                continue
            if answer.status_code >= 500:
                self._mark_down(node, f"HTTP {answer.status_code}")
                failures.append(f"{node.url} does not answer (HTTP {answer.status_code})")
                continue
            try:
                got = json.loads(answer.content)
            except (ValueError, UnicodeDecodeError):
                got = None
            by_id = {r.get("id"): r for r in got if isinstance(r, dict)} if isinstance(got, list) else {}
            if len(by_id) != len(calls) or any(i not in by_id for i in range(len(calls))):
                return [self.make_request(RPCEndpoint(m), p) for m, p in calls]  # no batches here
            self._mark_up(node)
            return [cast(RPCResponse, by_id[i]) for i in range(len(calls))]
        if not order:
            return [self.make_request(RPCEndpoint(m), p) for m, p in calls]  # checks the nodes first
        raise NodeUnavailable(self._unavailable(failures, calls[0][0]))

    def _unavailable(self, failures: list[str], method: str | None = None) -> str:
        what = f" {method}" if method else ""
        if len(self.nodes) == 1:
            return f"{failures[0]}{' to ' + method if method else ''}"
        return f"none of the {len(self.nodes)} nodes answers{what}: {'; '.join(failures)}"

    def _result(self, node: _Node, method: str, params: list[Any]) -> Any:
        response = self._post(node, RPCEndpoint(method), params)
        if "error" in response:
            raise _NodeFailed(f"{method} failed: {response['error']}")
        return response.get("result")

    def _post(self, node: _Node, method: RPCEndpoint, params: Any) -> RPCResponse:
        body = self.encode_rpc_request(method, params)
        try:
            answer = node.session().post(node.url, data=body, timeout=self.timeout,
                                         headers={"Content-Type": "application/json"})
        except requests.Timeout:
            raise _NodeFailed(f"no answer within {self.timeout:g} s") from None
        except (requests.RequestException, OSError) as exc:
            raise _NodeFailed(f"{type(exc).__name__}") from None
        if answer.status_code >= 500:
            raise _NodeFailed(f"HTTP {answer.status_code}")
        try:
            response = self.decode_rpc_response(answer.content)
        except (ValueError, UnicodeDecodeError):
            raise _NodeFailed(f"HTTP {answer.status_code} with a body that is not JSON-RPC") from None
        if not isinstance(response, dict) or not ("result" in response or "error" in response):
            raise _NodeFailed(f"HTTP {answer.status_code} with a body that is not a JSON-RPC response")
        return response

    def _mark_down(self, node: _Node, failure: str) -> None:
        if node.failure is None:
            log.warning("node %s does not answer (%s)%s", node.url, failure,
                        ": requests go to the next node" if len(self.nodes) > 1 else "")
        node.down_until, node.failure = time.monotonic() + self.retry_after_s, failure

    def _mark_up(self, node: _Node) -> None:
        if node.failure is not None:
            log.warning("node %s answers again", node.url)
        node.down_until, node.failure = 0.0, None

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            self.make_request(RPCEndpoint("eth_chainId"), [])
            return True
        except NodeUnavailable:
            if show_traceback:
                raise
            return False

    # ------------------------------------------------------------------ heads
    def head(self) -> tuple[int, int]:
        """The chain head as the first healthy node has it, and how many blocks that node is behind
        the highest head another node of the set has served (0: it is not, or there is one node)."""
        node, response = self._request(RPCEndpoint("eth_blockNumber"), [])
        if "error" in response:
            raise NodeUnavailable(f"{node.url} does not tell its head: {response['error']}")
        number = int(response["result"], 16)
        with self._lock:
            others = max((n.best_head for n in self.nodes if n is not node), default=-1)
        return number, max(0, others - number)

    def status(self) -> list[dict[str, Any]]:
        """Each node: its URL, whether it is used now, its last failure and the highest head it served."""
        now = time.monotonic()
        return [{"url": n.url, "up": n.foreign is None and n.down_until <= now,
                 "failure": n.foreign or n.failure, "head": n.best_head if n.best_head >= 0 else None}
                for n in self.nodes]
