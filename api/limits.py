"""Request limits: a body larger than any legitimate request is refused with 413 without being
read into memory, before any route runs; and rate limits (token buckets) per client address,
checked before any route runs, and per signer of an EIP-712 signed request, checked once its
signature holds (api.auth), each refused with 429, a Retry-After and the JSON error body.

The buckets are this process's: with `serve --workers N` each worker limits alone (docs/deploy.md,
"Rate limits"), so the reverse proxy's limit is the front line across workers."""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.service.tenders import MAX_ENVELOPE

# The largest legitimate body is a sealed bid of MAX_ENVELOPE bytes sent as base64 (4/3 of it)
# with its signed commitment; a megabyte on top covers the JSON around it.
MAX_BODY_BYTES = MAX_ENVELOPE * 4 // 3 + 1024 * 1024


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for a declared or streamed body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        over = False  # the streamed body went over the limit
        refused = False  # our 413 has been sent

        async def limited() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def answer(message: Message) -> None:
            nonlocal refused
            if not over:
                await send(message)
            elif not refused:  # the app answered the aborted read (e.g. 400): answer 413 instead
                refused = True
                await self._refuse(send)

        try:
            await self.app(scope, limited, answer)
        except _TooLarge:
            if not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body: dict[str, Any] = {"error": "PayloadTooLarge",
                                "message": f"the request body is over {self.max_bytes:,} bytes"}
        raw = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})


# ---------------------------------------------------------------------------------- rate limits
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and the scrape: a load balancer or Prometheus polling them must never be refused."""
MAX_KEYS = 100_000
"""Buckets kept per limit; past this, the buckets that have filled up again are forgotten."""


def parse_networks(text: str) -> tuple[IpNetwork, ...]:
    """'10.0.0.1, 10.1.0.0/16, ::1' as networks; ValueError naming the entry that is neither an IP
    address nor a network."""
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is neither an IP address nor a network (10.0.0.0/8)") from None
    return tuple(networks)


class TokenBuckets:
    """One token bucket per key: `burst` tokens at most, refilled at `per_minute` a minute; each
    request takes one. Thread-safe; the clock is monotonic."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 when `key` may go ahead (a token is taken), else the seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, when = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_KEYS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that are full again (a key not seen for burst/rate seconds)."""
        full = [k for k, (tokens, when) in self._buckets.items()
                if tokens + (now - when) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]


class RateLimiter:
    """The service's rate limits: per client address and per request signer; either may be off."""

    def __init__(self, *, address_per_minute: float = 0, address_burst: int | None = None,
                 signer_per_minute: float = 0, signer_burst: int | None = None,
                 trusted_proxies: tuple[IpNetwork, ...] = (),
                 on_limited: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.address = _buckets(address_per_minute, address_burst, clock)
        self.signer = _buckets(signer_per_minute, signer_burst, clock)
        self.trusted_proxies = trusted_proxies
        self.on_limited = on_limited

    def client_address(self, scope: Scope) -> str:
        """The address a request comes from: the peer's, or — only when the peer is a trusted
        proxy — the last address in X-Forwarded-For that is not a trusted proxy (each proxy
        appends the address it got the request from, so the addresses left of the nearest
        untrusted one are whatever the client chose to send)."""
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if not self._trusted(peer):
            return peer
        forwarded = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"x-forwarded-for"]
        hops = [h.strip() for h in ",".join(forwarded).split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    def _trusted(self, address: str) -> bool:
        if not self.trusted_proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)

    def check_address(self, scope: Scope) -> tuple[str, float] | None:
        """(the address, seconds to wait) when this request's address is over its limit."""
        if self.address is None:
            return None
        address = self.client_address(scope)
        wait = self.address.take(address)
        if wait:
            self._limited("address")
            return address, wait
        return None

    def check_signer(self, signer: str) -> None:
        """Count one request of `signer` (whose signature holds); 429 when it is over its limit."""
        if self.signer is None:
            return
        wait = self.signer.take(signer.lower())
        if wait:
            self._limited("signer")
            per_minute = self.signer.rate * 60
            raise HTTPException(status_code=429, headers={"Retry-After": retry_after(wait)}, detail=(
                f"too many requests signed by {signer}: at most {per_minute:g} a minute "
                f"(bursts of {self.signer.burst:g}); retry after {retry_after(wait)} s"))

    def _limited(self, by: str) -> None:
        if self.on_limited is not None:
            self.on_limited(by)


def _buckets(per_minute: float, burst: int | None, clock: Callable[[], float]) -> TokenBuckets | None:
    if per_minute <= 0:
        return None
    return TokenBuckets(per_minute, burst if burst is not None else max(1, math.ceil(per_minute)), clock)


def retry_after(wait: float) -> str:
    """Retry-After's whole seconds, never 0."""
    return str(max(1, math.ceil(wait)))


class RateLimit:
    """ASGI middleware: 429 for a request from an address over its limit (the probes and /metrics
    are never limited)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        over = self.limiter.check_address(scope)
        if over is None:
            await self.app(scope, receive, send)
            return
        address, wait = over
        assert self.limiter.address is not None
        per_minute = self.limiter.address.rate * 60
        message = (f"too many requests from {address}: at most {per_minute:g} a minute "
                   f"(bursts of {self.limiter.address.burst:g}); retry after {retry_after(wait)} s")
        raw = json.dumps({"error": "TooManyRequests", "message": message}).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
            (b"retry-after", retry_after(wait).encode())]})
        await send({"type": "http.response.body", "body": raw})
