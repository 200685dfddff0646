"""FastAPI dependencies shared by the routers: the runtime and the store the app opened at start-up.

The routers import these aliases from here, never from `api.app`, so that the app imports its
routers and nothing imports the app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.db.credentials import SqlCredentialFiles
from api.db.journal import Store
from ledger.crypto.sealing import BidPackage, OpeningKey
from ledger.model.tender import Tender
from ledger.rules.verify import Check
from ledger.service.ports import GuaranteeCheck
from ledger.runtime import Runtime
from ledger.service.credentials import CredentialService


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoreDep = Annotated[Store, Depends(get_store)]


def get_credential_service(request: Request) -> CredentialService:
    store = get_store(request)
    return CredentialService(store.runtime.registry, SqlCredentialFiles(store))


CredentialServiceDep = Annotated[CredentialService, Depends(get_credential_service)]


class _StoreGuaranteeCheck:
    """The guarantee check at opening (`GuaranteeCheck`), on the store's guarantee records."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, *, tender: Tender, section: int, bidder: str, opening_key: OpeningKey | None,
                 package: BidPackage | None, record: bool) -> Check:
        from api.guarantees import check_bid_guarantee

        return check_bid_guarantee(self.store, tender=tender, section=section, bidder=bidder,
                                   opening_key=opening_key, package=package, record=record)


def get_guarantee_check(request: Request) -> GuaranteeCheck:
    return _StoreGuaranteeCheck(get_store(request))


GuaranteeCheckDep = Annotated[GuaranteeCheck, Depends(get_guarantee_check)]
