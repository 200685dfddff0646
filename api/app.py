"""The HTTP service: FastAPI over the ledger, with the off-chain store reconciled at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import chain as chain_routes
from api.routes import credentials as credential_routes
from api.routes import guarantees as guarantee_routes
from api.routes import governance as governance_routes
from api.routes import tenders as tender_routes
from api.db.journal import Store
from api.deps import bid_relayer
from api.limits import BodyLimit
from ledger.config import Settings
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


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings are read now, the data directory is opened at start-up."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = open_runtime(settings)
        try:
            store = Store(runtime)
            store.reconcile()
            relayer = bid_relayer(store)
            app.state.runtime, app.state.store, app.state.bid_relayer = runtime, store, relayer
            try:
                yield
            finally:
                relayer.stop()
        finally:
            runtime.close()

    app = FastAPI(
        title="Tender credential ledger",
        version="0.1.0",
        description="Anchor, verify and audit firm credentials for public tenders on an EVM chain.",
        lifespan=lifespan,
    )

    @app.exception_handler(LedgerError)
    async def _ledger_error(_request: Request, exc: LedgerError) -> JSONResponse:
        body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
        if isinstance(exc, ContractRevert):
            body["contract_error"] = exc.error
        return JSONResponse(status_code=status_of(exc), content=body)

    app.add_middleware(BodyLimit)
    app.include_router(chain_routes.router)
    app.include_router(credential_routes.router)
    app.include_router(tender_routes.router)
    app.include_router(guarantee_routes.router)
    app.include_router(governance_routes.router)
    return app

