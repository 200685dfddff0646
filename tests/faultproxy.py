"""A fault-injecting JSON-RPC proxy for tests: a real HTTP server in front of a real node (anvil, or
`tender-ledger node`), which forwards every request unchanged until told to misbehave.

Faults (set at any time, from any thread):
- `down`: every connection is closed unanswered (a node that is gone);
- `status`: answer this HTTP status (502) with an HTML body instead of forwarding;
- `delay_s`: wait this long before forwarding (a client with a shorter timeout gives up);
- `drop_after(method, times)`: forward the next `times` requests of `method` to the node, then
  close the connection without answering (the node did it; the client never hears);
- `lag(blocks)`: serve a head `blocks` below the node's, frozen there: block numbers, "latest",
  blocks, receipts, transactions and logs above it are not there yet (a node that lags);
- `extra_data_bytes`: rewrite every block's `extraData` to this many (non-zero) bytes, as a
  Clique node's 32 vanity bytes and 65-byte seal are (97); the block hash is left as the node's.

`counts` holds how many requests of each method reached the proxy; `forwarded` how many of each
it passed on to the node.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

LATEST = ("latest", "pending", "safe", "finalized")


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.down = False
        self.status: int | None = None
        self.delay_s = 0.0
        self.extra_data_bytes: int | None = None
        self.frozen_head: int | None = None
        self.counts: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self._drops: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy._handle(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ faults
    def drop_after(self, method: str, times: int = 1) -> None:
        with self._lock:
            self._drops[method] += times

    def lag(self, blocks: int) -> None:
        """Freeze the head served at `blocks` below the node's head now."""
        self.frozen_head = max(0, int(self._upstream("eth_blockNumber", []), 16) - blocks)

    def heal(self) -> None:
        """Every fault off."""
        self.down, self.status, self.delay_s, self.frozen_head = False, None, 0.0, None
        with self._lock:
            self._drops.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ serving
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _upstream(self, method: str, params: list[Any]) -> Any:
        answer = self._session().post(self.upstream, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                           "params": params}, timeout=60).json()
        return answer.get("result")

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        method = request.get("method", "?") if isinstance(request, dict) else "batch"
        with self._lock:
            self.counts[method] += 1
            drop = self._drops[method] > 0 and not self.down
            if drop:
                self._drops[method] -= 1
        if self.down:
            return self._drop(handler)
        if self.status is not None:
            page = f"<html><body><h1>{self.status} Bad Gateway</h1></body></html>".encode()
            return self._reply(handler, self.status, page, "text/html")
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        answer = self._lagging(request) if isinstance(request, dict) and self.frozen_head is not None else None
        if answer is not None:
            status, content = 200, json.dumps(answer).encode()
        else:
            upstream = self._session().post(self.upstream, data=body, timeout=60,
                                            headers={"Content-Type": "application/json"})
            status, content = upstream.status_code, upstream.content
        with self._lock:
            self.forwarded[method] += 1
        if drop:
            return self._drop(handler)
        if self.extra_data_bytes is not None and method in ("eth_getBlockByNumber", "eth_getBlockByHash"):
            rewritten = json.loads(content)
            if isinstance(rewritten.get("result"), dict):
                rewritten["result"]["extraData"] = "0x" + "d7" * self.extra_data_bytes
                content = json.dumps(rewritten).encode()
        self._reply(handler, status, content)

    def _lagging(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """The answer of a node whose head is `frozen_head`, or None to forward the request as is."""
        head = self.frozen_head
        assert head is not None
        method, params, rid = request.get("method"), list(request.get("params") or []), request.get("id")

        def result(value: Any) -> dict[str, Any]:
            return {"jsonrpc": "2.0", "id": rid, "result": value}

        def at_head(block: Any) -> Any:
            if block in LATEST:
                return hex(head)
            if isinstance(block, str) and block.startswith("0x") and int(block, 16) > head:
                return None
            return block

        if method == "eth_blockNumber":
            return result(hex(min(head, int(self._upstream("eth_blockNumber", []), 16))))
        def forward(new_params: list[Any]) -> dict[str, Any]:
            answer: dict[str, Any] = self._session().post(
                self.upstream, json={**request, "params": new_params}, timeout=60).json()
            return answer

        if method == "eth_getBlockByNumber":
            block = at_head(params[0])
            if block is None:
                return result(None)
            return forward([block, *params[1:]])
        if method in ("eth_getTransactionReceipt", "eth_getTransactionByHash", "eth_getBlockByHash"):
            found = self._upstream(method, params)
            number = (found or {}).get("blockNumber") or (found or {}).get("number")
            return result(None if number is not None and int(number, 16) > head else found)
        if method == "eth_getLogs":
            flt = dict(params[0])
            for key in ("fromBlock", "toBlock"):
                if key in flt:
                    flt[key] = at_head(flt[key]) or hex(head)
            if int(flt.get("fromBlock", "0x0"), 16) > head:
                return result([])
            return forward([flt])
        at_latest = params and params[-1] in LATEST
        if method in ("eth_call", "eth_estimateGas", "eth_getBalance", "eth_getCode", "eth_getStorageAt") and at_latest:
            return forward([*params[:-1], hex(head)])
        return None

    @staticmethod
    def _drop(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, content: bytes, kind: str = "application/json") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)
