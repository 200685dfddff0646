"""Operations: liveness and readiness probes, Prometheus metrics, request ids and JSON logs, and
the follower that keeps the journal up with the chain between writes.

Nothing here logs a request's body, its headers or a key: an access line names the method, the
route template, the status, the time taken and the request id, no more.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlmodel import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db.events import SyncCursor
from api.db.journal import Store
from api.limits import RateLimiter, parse_networks
from ledger.service.checkpoints import CheckpointOutcome, CheckpointPolicy

log = logging.getLogger("tender_ledger.api")


class OpsSettings(BaseSettings):
    """The service's operational settings (prefix TL_, like the ledger's)."""

    model_config = SettingsConfigDict(env_prefix="TL_", extra="ignore")

    ready_max_lag_blocks: int = Field(
        default=20, ge=0,
        description="/readyz answers 503 while the journal is more than this many blocks behind the chain head.",
    )
    sync_interval_s: float = Field(
        default=2.0, ge=0,
        description="How often the service catches its journal up with blocks it did not write itself "
        "(other parties' transactions on a node, draws); 0 turns the follower off.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="'json': one JSON object per log line, with the request id.",
    )
    rate_limit_address_per_minute: float = Field(
        default=0, ge=0,
        description="Requests a minute one client address may make (the probes and /metrics aside); "
        "0: no limit. Per worker process.",
    )
    rate_limit_address_burst: int | None = Field(
        default=None, ge=1, description="Requests an address may make at once (default: a minute's worth).",
    )
    rate_limit_signer_per_minute: float = Field(
        default=0, ge=0,
        description="Signed requests a minute one signer (the key an EIP-712 request signature "
        "recovers) may make; 0: no limit. Per worker process.",
    )
    rate_limit_signer_burst: int | None = Field(
        default=None, ge=1, description="Signed requests a signer may make at once (default: a minute's worth).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IP addresses or networks of the reverse proxies whose "
        "X-Forwarded-For names the client; unset: the peer is the client and X-Forwarded-For is ignored.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    def rate_limiter(self, on_limited: Callable[[str], None] | None = None) -> RateLimiter:
        """The rate limits these settings describe."""
        return RateLimiter(
            address_per_minute=self.rate_limit_address_per_minute, address_burst=self.rate_limit_address_burst,
            signer_per_minute=self.rate_limit_signer_per_minute, signer_burst=self.rate_limit_signer_burst,
            trusted_proxies=parse_networks(self.trusted_proxies), on_limited=on_limited)


# ---------------------------------------------------------------------------------- request ids
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("tl_request_id", default=None)


def request_id_of(scope: Scope) -> str:
    """The caller's X-Request-ID if it is a plain token (letters, digits, `._:-`, up to 128), else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if _REQUEST_ID_FORMAT.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------------- logs
class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request id if any, and the
    fields a record carries in `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str) -> None:
    """Send the service's and the server's logs to stderr, as JSON lines when `log_format` is json."""
    formatter: logging.Formatter = (
        JsonFormatter() if log_format == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    for name in ("tender_ledger", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def uvicorn_log_options(settings: OpsSettings) -> dict[str, Any]:
    """uvicorn.run() options: with JSON logs, the service's own access line (with the request id)
    replaces uvicorn's, and uvicorn's own messages are JSON too."""
    if settings.log_format != "json":
        return {"log_level": "info"}
    configure_logging("json")
    return {"log_config": None, "access_log": False, "log_level": "info"}


# ---------------------------------------------------------------------------------- metrics
UNMATCHED = "unmatched"


def journal_lag(store: Store) -> tuple[int, int]:
    """(chain head, blocks between the newest block the journal may project — the head less
    TL_CONFIRMATIONS — and the last block every contract's events were journalled up to); a
    contract never read counts from before block 0."""
    head = store.runtime.client.block_number()
    confirmed = max(-1, head - store.confirmations)
    with store.session() as session:
        cursors = {c.contract: c for c in session.exec(select(SyncCursor).where(SyncCursor.chain_key == store.chain_key))}
    reached = confirmed
    for name, address in store.runtime.addresses.items():
        cursor = cursors.get(name)
        last = cursor.last_block if cursor is not None and cursor.address == address else -1
        reached = min(reached, last)
    return head, max(0, confirmed - reached)


class _ChainCollector(Collector):
    """Chain head and journal lag, read when Prometheus scrapes."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        store = self.metrics.store
        if store is None:
            return
        try:
            head, lag = journal_lag(store)
        except Exception as exc:  # the chain or the store is unreachable: no figure rather than a 500
            self.metrics.errors.labels(status="503", error=f"scrape:{type(exc).__name__}").inc()
            return
        yield GaugeMetricFamily("tl_chain_head_block", "The chain's latest block number.", value=head)
        yield GaugeMetricFamily("tl_journal_lag_blocks",
                                "Blocks between the chain head and what the journal has projected.", value=lag)


def multiprocess_dir() -> str | None:
    """The directory where the worker processes of one `serve --workers N` write their metrics
    (prometheus_client's multiprocess mode, chosen when prometheus_client is first imported), or
    None for a single process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


class Metrics:
    """One app's metrics, in a registry of its own (several apps in one process do not collide).

    With several workers (`multiprocess_dir()` set) each worker's counters and histograms are
    written to files in that directory, and /metrics, whichever worker answers it, sums every
    worker's; the chain head and the journal's lag are read from the chain and the store at the
    scrape, the same from any worker."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = multiprocess_dir() is not None
        self.store: Store | None = None
        self.latency = Histogram(
            "tl_http_request_duration_seconds", "Time to answer a request, by method and route template.",
            ["method", "route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.errors = Counter(
            "tl_http_errors", "Answers with a 4xx or 5xx status, by status code and error name.",
            ["status", "error"], registry=self.registry)
        self.transactions = Counter(
            "tl_transactions_mined", "Transactions sent by the service and mined: relayed (signed by a "
            "party) or the service's own (relayer, centre, development governance keys).",
            ["signed_by"], registry=self.registry)
        self.rate_limited = Counter(
            "tl_rate_limited", "Requests refused with 429 by a rate limit, by what was limited: "
            "the client address or the request's signer.", ["by"], registry=self.registry)
        self.sync_failures = Counter(
            "tl_journal_sync_failures", "Background catch-ups of the journal that failed, by exception.",
            ["error"], registry=self.registry)
        self.chain = _ChainCollector(self)
        self.registry.register(self.chain)

    def bind(self, store: Store) -> None:
        self.store = store
        store.runtime.client.on_mined.append(self._mined)

    def _mined(self, relayed: bool) -> None:
        self.transactions.labels(signed_by="party" if relayed else "service").inc()

    def exposition(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)  # type: ignore[no-untyped-call]
        every_worker.register(self.chain)
        return generate_latest(every_worker)


def _error_name(body: bytes, status: int) -> str:
    try:
        name = json.loads(body).get("error")
    except (ValueError, AttributeError):
        name = None
    if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
        return name
    return "InternalError" if status >= 500 else "HTTPError"


class Observe:
    """ASGI middleware: a request id per request (echoed in X-Request-ID), latency by route
    template, errors by status and error name, and one access log line without body or headers."""

    ERROR_BODY_LIMIT = 64 * 1024

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500
        error_body = bytearray()

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and status >= 400:
                if len(error_body) < self.ERROR_BODY_LIMIT:
                    error_body.extend(message.get("body", b"")[: self.ERROR_BODY_LIMIT])
            await send(message)

        try:
            await self.app(scope, receive, observed)
        except Exception:
            status, error_body = 500, bytearray(b'{"error": "InternalError"}')
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope.get("method", "GET")
            self.metrics.latency.labels(method=method, route=template).observe(elapsed)
            error = None
            if status >= 400:
                error = _error_name(bytes(error_body), status)
                self.metrics.errors.labels(status=str(status), error=error).inc()
            log.info("%s %s %d", method, template, status, extra={"request_id": rid, "fields": {
                "method": method, "route": template, "status": status,
                "duration_ms": round(elapsed * 1000, 2), **({"error": error} if error else {})}})
            request_id_var.reset(token)


# ---------------------------------------------------------------------------------- the follower
CHECKPOINT_POLL_S = 5.0
"""How often the checkpoint writer looks whether a checkpoint of the store's log is due."""

class JournalFollower:
    """Catches the journal up with the chain every `interval` seconds when it is behind: blocks
    this process did not write (other parties on a node, a draw's steps) reach the store without
    waiting for the next write."""

    def __init__(self, store: Store, interval: float, metrics: Metrics) -> None:
        self.store, self.interval, self.metrics = store, interval, metrics
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tl-journal-follower", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if journal_lag(self.store)[1] > 0:
                    self.store.reconcile()
            except Exception as exc:  # logged and counted; /readyz shows the lag it leaves
                self.metrics.sync_failures.labels(error=type(exc).__name__).inc()
                log.warning("journal catch-up failed: %s: %s", type(exc).__name__, exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)


class CheckpointWriter:
    """Checkpoints the store's log on chain when the policy says one is due (TL_CHECKPOINT_EVERY_RECORDS
    records waiting, or the oldest waiting for TL_CHECKPOINT_EVERY_S seconds), looking every
    `interval` seconds."""

    def __init__(self, store: Store, policy: CheckpointPolicy, interval: float = CHECKPOINT_POLL_S) -> None:
        from api.deps import checkpoint_service

        self.store, self.policy, self.interval = store, policy, interval
        self.service = checkpoint_service(store)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tl-checkpoint-writer", daemon=True)

    def start(self) -> None:
        if self.interval > 0 and (self.policy.records or self.policy.seconds):
            self._thread.start()

    def tick(self, now: float | None = None) -> CheckpointOutcome:
        """One look: a checkpoint when due (`now`: unix seconds, default this machine's clock)."""
        outcome = self.service.checkpoint(policy=self.policy, now=time.time() if now is None else now)
        if outcome.recorded is not None:
            log.info("store log checkpoint %d: %d records, root 0x%s (tx %s)", outcome.recorded.index,
                     outcome.size, outcome.root.hex(), outcome.recorded.tx)
        return outcome

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as exc:  # logged; the next look tries again (a rewritten log every time)
                log.warning("store log checkpoint failed: %s: %s", type(exc).__name__, exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)


# ---------------------------------------------------------------------------------- routes
# Probes for load balancers and Prometheus, documented in docs/deploy.md rather than the API schema.
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers (no I/O)", include_in_schema=False)
def healthz() -> dict[str, Any]:
    """The process is up and serving HTTP; it touches neither the chain nor the store."""
    return {"ok": True}


@router.get("/readyz", summary="Readiness: the chain answers and the journal is not far behind",
            responses={503: {"description": "a check failed; `checks` says which"}}, include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    """200 when the chain answers and the journal is at most TL_READY_MAX_LAG_BLOCKS blocks behind
    its head; otherwise 503 with each check's result, so a load balancer stops sending requests."""
    store: Store = request.app.state.store
    bound: int = request.app.state.ops_settings.ready_max_lag_blocks
    checks: dict[str, dict[str, Any]] = {}
    try:
        head = store.runtime.client.block_number()
        checks["chain"] = {"ok": True, "block_number": head}
    except Exception as exc:
        checks["chain"] = {"ok": False, "message": f"the chain does not answer: {type(exc).__name__}: {exc}"}
    if checks["chain"]["ok"]:
        try:
            _, lag = journal_lag(store)
            checks["journal"] = {"ok": lag <= bound, "lag_blocks": lag, "max_lag_blocks": bound}
            if lag > bound:
                checks["journal"]["message"] = f"the journal is {lag} blocks behind the chain (at most {bound})"
        except Exception as exc:
            checks["journal"] = {"ok": False, "message": f"the store does not answer: {type(exc).__name__}: {exc}"}
    else:
        checks["journal"] = {"ok": False, "message": "not checked: the chain does not answer"}
    ready = all(c["ok"] for c in checks.values())
    failed = [name for name, c in checks.items() if not c["ok"]]
    body: dict[str, Any] = {"ready": ready, "checks": checks}
    if failed:
        body.update(error="NotReady", message="; ".join(str(checks[n].get("message")) for n in failed))
    return JSONResponse(status_code=200 if ready else 503, content=body)


@router.get("/metrics", summary="Prometheus metrics (text exposition format)",
            response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}}, include_in_schema=False)
def metrics(request: Request) -> Response:
    """Request latency by route template, errors by status and name, transactions mined, the chain
    head and the journal's lag, in Prometheus' text format."""
    registry: Metrics = request.app.state.metrics
    return Response(content=registry.exposition(), media_type=CONTENT_TYPE_LATEST)
