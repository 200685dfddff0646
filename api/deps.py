"""FastAPI dependencies shared by the routers: the runtime and the store the app opened at start-up.

The routers import these aliases from here, never from `api.app`, so that the app imports its
routers and nothing imports the app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.db.journal import Store
from ledger.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoreDep = Annotated[Store, Depends(get_store)]
