"""FastAPI dependencies shared by the routers: the runtime and the store the app opened at start-up.

The routers import these aliases from here, never from `api.app`, so that the app imports its
routers and nothing imports the app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.db import audit_documents
from api.db.credentials import SqlCredentialFiles, SqlCredentialLookup
from api.db.guarantees import SqlGuaranteeFiles
from api.db.journal import Store
from api.db.locks import CHECKPOINT, CREDENTIAL_WRITES, GUARANTEE_WRITES
from api.db.performance import SqlPerformanceFiles
from api.db.selection import SqlSelectionFiles
from api.db.storelog import SqlStoreLog
from api.db.tenders import SqlTenderRecords
from ledger.runtime import Runtime
from ledger.service.checkpoints import CheckpointService
from ledger.service.credentials import CredentialService
from ledger.service.governance import GovernanceService
from ledger.service.guarantees import BookGuaranteeCheck, GuaranteeService
from ledger.service.lottery import DrawService
from ledger.service.performance import PerformanceService
from ledger.service.publication import PublicationService
from ledger.service.ports import GuaranteeCheck
from ledger.service.selection import SelectionService
from ledger.service.tenders import BidRelayer, TenderService, VerifiedTenders


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoreDep = Annotated[Store, Depends(get_store)]


def checkpoint_service(store: Store) -> CheckpointService:
    """Checkpoints of the store's log, recorded by the centre's key under the checkpoint guard."""
    return CheckpointService(store.runtime.checkpoint_book, SqlStoreLog(store.engine), store.runtime.centre,
                             lock=store.lock(CHECKPOINT))


def get_credential_service(request: Request) -> CredentialService:
    store = get_store(request)
    return CredentialService(store.runtime.registry, SqlCredentialFiles(store), lock=store.lock(CREDENTIAL_WRITES),
                             uses=store.runtime.tender_book, sponsor=store.runtime.relayer)


CredentialServiceDep = Annotated[CredentialService, Depends(get_credential_service)]


def guarantee_check(store: Store) -> GuaranteeCheck:
    """The guarantee check at opening on the store's GuaranteeBook and guarantee documents."""
    return BookGuaranteeCheck(store.runtime.guarantee_book, SqlGuaranteeFiles(store), centre=store.runtime.centre,
                              lock=store.lock(GUARANTEE_WRITES))


def get_guarantee_check(request: Request) -> GuaranteeCheck:
    return guarantee_check(get_store(request))


GuaranteeCheckDep = Annotated[GuaranteeCheck, Depends(get_guarantee_check)]


def tender_service(store: Store) -> TenderService:
    """The tender use cases on the store's TenderBook, registry, tender records and credentials."""
    rt = store.runtime
    return TenderService(rt.tender_book, rt.registry, SqlTenderRecords(store), SqlCredentialLookup(store), rt.centre,
                         chain_id=rt.client.chain_id, now=rt.client.block_timestamp)


def get_tender_service(request: Request) -> TenderService:
    return tender_service(get_store(request))


def bid_relayer(store: Store) -> BidRelayer:
    """The batched relay of bidder-signed bids on the store's TenderBook, sent by the relayer."""
    return BidRelayer(store.runtime.tender_book, store.runtime.relayer)


def get_bid_relayer(request: Request) -> BidRelayer:
    return request.app.state.bid_relayer  # type: ignore[no-any-return]


TenderServiceDep = Annotated[TenderService, Depends(get_tender_service)]
BidRelayerDep = Annotated[BidRelayer, Depends(get_bid_relayer)]


def guarantee_service(store: Store) -> GuaranteeService:
    """The e-guarantee use cases on the store's GuaranteeBook and TenderBook, the guarantee and
    tender records, and the firms' identities and credit standing (the tender service's)."""
    rt = store.runtime
    return GuaranteeService(rt.guarantee_book, rt.tender_book, SqlGuaranteeFiles(store),
                            VerifiedTenders(rt.tender_book, SqlTenderRecords(store)), tender_service(store),
                            guarantee_check(store), centre=rt.centre, selection=rt.selection_book,
                            lock=store.lock(GUARANTEE_WRITES), sponsor=rt.relayer)


def get_guarantee_service(request: Request) -> GuaranteeService:
    return guarantee_service(get_store(request))


GuaranteeServiceDep = Annotated[GuaranteeService, Depends(get_guarantee_service)]


def governance_service(store: Store) -> GovernanceService:
    """The governance's members and proposals; members' own steps relayed, approved calls executed
    by the relayer."""
    rt = store.runtime
    return GovernanceService(rt.governance, [rt.registry, rt.tender_book, rt.guarantee_book, rt.selection_book,
                                             rt.performance_book],
                             rt.relayer,
                             now=rt.client.block_timestamp, after_write=store.reconcile,
                             files=SqlSelectionFiles(store))


def get_governance_service(request: Request) -> GovernanceService:
    return governance_service(get_store(request))


GovernanceServiceDep = Annotated[GovernanceService, Depends(get_governance_service)]


def draw_service(store: Store) -> DrawService:
    """Lottery draws on the store's LotteryBook: the centre's key opens, the relayer finishes and
    tops up parties' and officers' gas."""
    rt = store.runtime
    return DrawService(rt.lottery_book, rt.tender_book, centre=rt.centre, relayer=rt.relayer,
                       final=store.final_reads)


def get_draw_service(request: Request) -> DrawService:
    return draw_service(get_store(request))


DrawServiceDep = Annotated[DrawService, Depends(get_draw_service)]


def selection_service(store: Store) -> SelectionService:
    """评定分离 on the store's SelectionBook, LotteryBook, tenders and GuaranteeBook: the centre's
    key for the centre's steps, the relayer for seats' and objectors' own transactions."""
    rt = store.runtime
    return SelectionService(rt.selection_book, rt.lottery_book, tender_service(store), rt.guarantee_book,
                            SqlSelectionFiles(store), centre=rt.centre, relayer=rt.relayer, lock=store.lock(GUARANTEE_WRITES),
                            final=store.final_reads)


def get_selection_service(request: Request) -> SelectionService:
    return selection_service(get_store(request))


SelectionServiceDep = Annotated[SelectionService, Depends(get_selection_service)]


def performance_service(store: Store) -> PerformanceService:
    """履约 on the store's PerformanceBook: the centre's key for the centre's steps, the relayer for
    the winner's own transactions; texts, evaluations and rulings filed as documents under their
    hashes; the record read from the store's projection of PerformanceBook's events."""
    rt = store.runtime
    return PerformanceService(rt.performance_book, tender_service(store), SqlPerformanceFiles(store), centre=rt.centre,
                              relayer=rt.relayer, lock=store.lock(GUARANTEE_WRITES))


def get_performance_service(request: Request) -> PerformanceService:
    return performance_service(get_store(request))


PerformanceServiceDep = Annotated[PerformanceService, Depends(get_performance_service)]


def publication_service(store: Store) -> PublicationService:
    rt = store.runtime
    return PublicationService(rt.client, dict(rt.addresses),
                              lambda chain: audit_documents.collect(chain, store.engine, store.chain_key),
                              public_relayers=frozenset({rt.relayer.address}))


def get_publication_service(request: Request) -> PublicationService:
    return publication_service(get_store(request))


PublicationServiceDep = Annotated[PublicationService, Depends(get_publication_service)]
