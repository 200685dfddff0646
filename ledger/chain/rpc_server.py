"""The embedded chain's JSON-RPC endpoint over HTTP: what `tender-ledger node` serves.

JSON-RPC 2.0 over HTTP POST, single requests and batches, answered by the in-process provider's
one dispatch (`EmbeddedProvider.answer`), so a method behaves the same in-process and on the wire.
The wire adds only what a server must: malformed JSON is -32700, a malformed request -32600, and
the body has a size limit. Requests are answered one at a time (the chain has one writer).

It binds loopback unless told otherwise, answers only requests sent as `application/json` (a web
page cannot send those to another origin without asking first, and nothing here says yes), and on
loopback only requests addressed to a loopback host name (so a web page cannot reach it through a
DNS name that points at 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ledger.chain.provider import EmbeddedProvider

MAX_BODY = 5 * 1024 * 1024
"""Largest request body, in bytes (a raw transaction deploying the largest contract is far below)."""
MAX_BATCH = 1_000
"""Most requests in one batch."""


LISTEN_BACKLOG = 256
"""Connections the endpoint's socket queues before refusing more."""


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


WRITE_PATH = frozenset({
    "eth_sendRawTransaction", "eth_getTransactionReceipt", "eth_getTransactionByHash",
    "eth_getTransactionCount", "eth_estimateGas",
})
"""Methods a write in progress calls between its nonce and its receipt: served before waiting
reads, since the writer holds its sender's nonce (and, with several workers, that address's lock)
until they are answered, while a read waits for nothing but its own answer."""


class PriorityLock:
    """A mutex that hands itself to waiting `urgent` callers before the others (a chain that
    executes one request at a time, shared by many readers and a few writers)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._held = False
        self._urgent_waiting = 0
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Callers waiting for the lock now."""
        with self._cond:
            return self._waiting

    @contextmanager
    def hold(self, *, urgent: bool) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            self._urgent_waiting += urgent
            try:
                while self._held or (not urgent and self._urgent_waiting):
                    self._cond.wait()
            finally:
                self._waiting -= 1
                self._urgent_waiting -= urgent
            self._held = True
        try:
            yield
        finally:
            with self._cond:
                self._held = False
                self._cond.notify_all()


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


class JsonRpcEndpoint:
    """Turns request bodies into response bodies; HTTP-free, so every rule is testable alone."""

    def __init__(self, provider: EmbeddedProvider) -> None:
        self.provider = provider
        self._lock = PriorityLock()
        self._closed = False

    def close(self) -> None:
        """Answer no more requests (waits for the one being answered)."""
        with self._lock.hold(urgent=True):
            self._closed = True

    def handle(self, body: bytes) -> Any:
        """The response (an object, a list for a batch, or None when only notifications came)."""
        try:
            message = json.loads(body)
        except (ValueError, RecursionError):
            return _error(None, -32700, "parse error: the body is not JSON")
        if isinstance(message, list):
            if not message:
                return _error(None, -32600, "invalid request: an empty batch")
            if len(message) > MAX_BATCH:
                return _error(None, -32600, f"invalid request: a batch holds at most {MAX_BATCH} requests")
            answers = [a for a in (self._one(m) for m in message) if a is not None]
            return answers or None
        return self._one(message)

    def _one(self, request: Any) -> dict[str, Any] | None:
        if not isinstance(request, dict):
            return _error(None, -32600, "invalid request: not a JSON-RPC request object")
        request_id = request.get("id")
        if isinstance(request_id, bool) or not isinstance(request_id, str | int | None):
            return _error(None, -32600, "invalid request: id must be a string, an integer or null")
        if request.get("jsonrpc") != "2.0":
            return _error(request_id, -32600, 'invalid request: "jsonrpc" must be "2.0"')
        method = request.get("method")
        if not isinstance(method, str):
            return _error(request_id, -32600, "invalid request: method must be a string")
        params = request.get("params", [])
        if isinstance(params, dict):
            return _error(request_id, -32602, f"invalid params for {method}: pass them as an array")
        with self._lock.hold(urgent=method in WRITE_PATH):
            if self._closed:
                answer = _error(request_id, -32603, "the node is stopping")
            else:
                answer = self.provider.answer(request_id, method, params)
        return answer if "id" in request else None  # a notification gets no answer


class RpcServer:
    """An HTTP server for one `JsonRpcEndpoint` on `host`:`port` (0: a free port)."""

    def __init__(self, provider: EmbeddedProvider, host: str, port: int, *, remote: bool = False) -> None:
        self.endpoint = JsonRpcEndpoint(provider)
        endpoint = self.endpoint
        check_host = not remote

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 120  # an idle keep-alive connection is closed after this
            # The headers and the body go out in two writes; with Nagle's algorithm on, the body
            # waits for the client's (delayed, ~40 ms) ACK of the headers on every keep-alive request.
            disable_nagle_algorithm = True
            server_version = "tender-ledger-node"
            sys_version = ""

            def handle_expect_100(self) -> bool:
                """A client that asks before sending a body too large hears no here and now."""
                length = self.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > MAX_BODY:
                    self.close_connection = True
                    self._reply(413, _too_large())
                    return False
                return bool(super().handle_expect_100())

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                if check_host and not is_loopback(_host_name(self.headers.get("Host", ""))):
                    return self._reply(403, _error(None, -32600, "this endpoint answers requests "
                                                   "to a loopback host name only (127.0.0.1, localhost)"))
                kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if kind != "application/json":
                    return self._reply(415, _error(None, -32600, "the body must be sent as "
                                                   "Content-Type: application/json"))
                length = self.headers.get("Content-Length")
                if length is None or not length.isdigit():
                    return self._reply(411, _error(None, -32600, "a Content-Length header is required"))
                if int(length) > MAX_BODY:
                    self.close_connection = True  # the body is not read
                    return self._reply(413, _too_large())
                answer = endpoint.handle(self.rfile.read(int(length)))
                if answer is None:
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return self._reply(200, answer)

            def _refuse_method(self) -> None:
                self.close_connection = True
                self._reply(405, _error(None, -32600, "send JSON-RPC requests with POST"), allow=True)

            do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _refuse_method  # noqa: N815

            def _reply(self, status: int, answer: Any, *, allow: bool = False) -> None:
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if allow:
                    self.send_header("Allow", "POST")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # no line per request

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # A listen backlog for every worker's connection pool (http.server's default of 5 refuses
        # connections as soon as a few workers' requests queue behind the chain lock).
        server_class = type("Server", (ThreadingHTTPServer,), {
            "address_family": family, "daemon_threads": True, "request_queue_size": LISTEN_BACKLOG,
        })
        self.httpd: ThreadingHTTPServer = server_class((host, port), Handler)
        self.host = host
        self.port = int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        """Stop answering (the request being answered finishes first) and free the port."""
        self.endpoint.close()
        self.httpd.server_close()


def _too_large() -> dict[str, Any]:
    return _error(None, -32600, f"the body is larger than {MAX_BODY} bytes")


def _host_name(header: str) -> str:
    """The host name of a Host header (`127.0.0.1:8545`, `[::1]:8545`, `localhost`)."""
    if header.startswith("["):
        return header[1:].split("]")[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header
