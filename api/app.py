"""The HTTP service: FastAPI over the ledger, with the off-chain store reconciled at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.portal import audit as portal_audit
from api.portal import centre as portal_centre
from api.portal import committee as portal_committee
from api.portal import officials as portal_officials
from api.portal import pages as portal_pages
from api.routes import catalogue as catalogue_routes
from api.routes import publication as publication_routes
from api.db.journal import Store
from api.db.locks import nonce_guard_name, shared_across_processes
from api.deps import bid_relayer
from api.limits import BodyLimit, RateLimit
from api.ops import CheckpointWriter, JournalFollower, Metrics, Observe, OpsSettings, configure_logging
from api.ops import router as ops_router
from api.params import FORMATS
from api.responses import ledger_error_body
from api.routes import chain as chain_routes
from api.routes import credentials as credential_routes
from api.routes import draws as draw_routes
from api.routes import governance as governance_routes
from api.routes import guarantees as guarantee_routes
from api.routes import performance as performance_routes
from api.routes import selection as selection_routes
from api.routes import tenders as tender_routes
from ledger.config import Settings
from ledger import memtrace
from ledger.errors import (
    ConfigurationError,
    Conflict,
    ContractRevert,
    InsufficientFunds,
    InvalidArgument,
    LedgerError,
    NotFound,
    TransactionRejected,
    Unauthorised,
    ValidationFailed,
)
from ledger.runtime import open_runtime
from ledger.service.checkpoints import CheckpointPolicy

# The one place where ledger exceptions become HTTP statuses.
STATUS_OF: tuple[tuple[type[LedgerError], int], ...] = (
    (ValidationFailed, 422),
    (Unauthorised, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidArgument, 422),
    (InsufficientFunds, 402),
    (ContractRevert, 409),
    (TransactionRejected, 409),
    (ConfigurationError, 503),
    (LedgerError, 500),
)


def status_of(exc: LedgerError) -> int:
    for cls, status in STATUS_OF:
        if isinstance(exc, cls):
            return status
    return 500


def invalid_request_message(errors: Sequence[Any]) -> str:
    """One sentence for a request that breaks the schema: the first broken field and its format
    (named in words for the formats of `api.params`), and how many more there are."""
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ())]
    where = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc) or "request"
    ctx = first.get("ctx") or {}
    pattern = ctx.get("pattern")
    if first.get("type") == "json_invalid":
        message = f"the request body is not JSON: {ctx.get('error', 'it does not parse')} (at character {where})"
    elif first.get("type") == "string_pattern_mismatch" and pattern in FORMATS:
        message = f"{where} is not {FORMATS[pattern]}: {str(first.get('input'))[:80]!r}"
    else:
        message = f"{where}: {first.get('msg', 'invalid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more: see detail)"
    return message


def _unparsable_body(exc: HTTPException) -> str:
    """Why FastAPI could not read a body as JSON (it answers 400 and keeps the reason as the cause)."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return "the request body is not JSON: it is not UTF-8 text"
    if isinstance(cause, RecursionError):
        return "the request body is not JSON this service reads: it is nested too deeply"
    return f"the request body is not JSON: {exc.detail}"


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(app: FastAPI, scope: dict[str, Any]) -> list[str]:
    """Every method some route serves at this request's path (the router's own 405 names only
    the first route whose path matched)."""
    return [method for method in HTTP_METHODS
            if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in app.router.routes)]


def _http_error_name(status: int) -> str:
    if status == 401:
        return "Unauthenticated"
    try:
        return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return "HTTPError"


def create_app(settings: Settings | None = None, ops: OpsSettings | None = None, *, shared: bool = False) -> FastAPI:
    """Build the app; settings are read now, the data directory is opened at start-up.

    `shared`: this app is one of a service's several worker processes (`worker_app`), which share
    the data directory and reach the chain through a node."""
    settings = settings or Settings()
    ops = ops or OpsSettings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = open_runtime(settings, shared=shared)
        try:
            store = Store(runtime)
            if shared_across_processes(store.engine):
                # other processes may send with the same keys: nonces come from the node, under a guard
                runtime.client.nonce_guard = lambda address: store.lock(nonce_guard_name(address))
            store.reconcile()
            relayer = bid_relayer(store)
            app.state.runtime, app.state.store, app.state.bid_relayer = runtime, store, relayer
            metrics.bind(store)
            follower = JournalFollower(store, ops.sync_interval_s, metrics)
            follower.start()
            checkpoints = CheckpointWriter(store, CheckpointPolicy(settings.checkpoint_every_records,
                                                                   settings.checkpoint_every_s))
            app.state.checkpoint_writer = checkpoints
            checkpoints.start()
            try:
                yield
            finally:
                checkpoints.stop()
                follower.stop()
                relayer.stop()
        finally:
            runtime.close()

    app = FastAPI(
        title="Tender credential ledger",
        version="0.1.0",
        description="Anchor, verify and audit firm credentials for public tenders on an EVM chain.",
        lifespan=lifespan,
    )
    limiter = ops.rate_limiter(on_limited=lambda by: metrics.rate_limited.labels(by=by).inc())
    app.state.metrics, app.state.ops_settings, app.state.rate_limiter = metrics, ops, limiter

    @app.exception_handler(LedgerError)
    async def _ledger_error(_request: Request, exc: LedgerError) -> JSONResponse:
        return JSONResponse(status_code=status_of(exc), content=ledger_error_body(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # The ledger's own shape (error, message) plus the framework's list, as it always was.
        errors = exc.errors()
        return JSONResponse(status_code=422, content={
            "error": "ValidationFailed", "message": invalid_request_message(errors),
            "detail": jsonable_encoder(errors)})

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # 401 from the request signature check, 400 for a body that is not JSON, the router's 404 and 405.
        headers = dict(exc.headers or {})
        message = str(exc.detail)
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, dict(request.scope)))
        elif exc.status_code == 400 and exc.__cause__ is not None:
            message = _unparsable_body(exc)
        return JSONResponse(status_code=exc.status_code, headers=headers, content={
            "error": _http_error_name(exc.status_code), "message": message, "detail": exc.detail})

    app.add_middleware(BodyLimit)
    app.add_middleware(RateLimit, limiter=limiter)  # per address, before anything is read
    app.add_middleware(Observe, metrics=metrics)  # outermost: it sees the 413s and 429s too
    app.include_router(ops_router)
    app.include_router(chain_routes.router)
    app.include_router(credential_routes.router)
    app.include_router(tender_routes.router)
    app.include_router(guarantee_routes.router)
    app.include_router(governance_routes.router)
    app.include_router(draw_routes.router)
    app.include_router(selection_routes.router)
    app.include_router(performance_routes.router)
    app.include_router(catalogue_routes.router)
    app.include_router(publication_routes.router)
    app.include_router(portal_officials.router)  # before the pages' catch-all
    app.include_router(portal_centre.router)
    app.include_router(portal_committee.router)
    app.include_router(portal_audit.router)
    app.include_router(portal_pages.router)
    return app


def worker_app() -> FastAPI:
    """The app of one of `tender-ledger serve --workers N`'s processes (a uvicorn factory): settings
    from the environment, the data directory shared with the other workers."""
    memtrace.install_from_env("worker")  # TL_TRACEMALLOC: snapshots on SIGUSR1 (ledger.memtrace)
    ops = OpsSettings()
    if ops.log_format == "json":
        configure_logging("json")  # the serving process configured its own logs, not this one's
    return create_app(ops=ops, shared=True)
