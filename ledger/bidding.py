"""Tenders and sealed bids on TenderBook, by contract handle: the older call style, kept for callers
not yet on `ledger.chain.tender_book.TenderBookGateway`.

Each function delegates to the gateway (chain), `ledger.crypto.bids` (sealing, the EIP-712 Bid),
`ledger.rules.opening` (the opening key, each bid's outcome) or `ledger.service.tenders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ledger.chain.client import ChainClient
from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto.bids import BID_TYPES, SealedBid, authorisation, seal_bid, sign_bid
from ledger.crypto.shares import Share
from ledger.model.receipt import Mined
from ledger.model.tender import Opening, Outcome, SectionStatus, Tender
from ledger.rules.opening import open_bid, rebuild_opening_key
from ledger.tenders import TenderParams

__all__ = [
    "BID_TYPES", "Opening", "Outcome", "SealedBid", "SectionStatus", "amend_tender", "bid_of", "close_section",
    "open_bid", "publish_evaluation", "publish_tender", "rebuild_opening_key", "record_opening", "relay_bids",
    "release_share", "released_shares", "seal_bid", "sign_bid", "submit_bid", "withdraw_bid",
]


def _gw(client: ChainClient, book: Contract) -> TenderBookGateway:
    return TenderBookGateway(client, book.address)


def publish_tender(
    *, client: ChainClient, book: Contract, centre: LocalAccount, params: TenderParams, document: bytes,
    officers: Sequence[str], threshold: int,
) -> tuple[Tender, dict[str, Share]]:
    from ledger.service.tenders import publish_with_new_key

    return publish_with_new_key(_gw(client, book), centre, params=params, document=document, officers=officers,
                                threshold=threshold)


def amend_tender(*, client: ChainClient, book: Contract, centre: LocalAccount, params: TenderParams,
                 document: bytes, reason: str) -> Mined:
    from ledger.service.tenders import amend_on_chain

    return amend_on_chain(_gw(client, book), centre, params=params, document=document, reason=reason)


def submit_bid(*, client: ChainClient, book: Contract, bidder: LocalAccount, sealed: SealedBid) -> Mined:
    return _gw(client, book).submit_bid(bidder, sealed.tender_id, sealed.section, sealed.commitment)


def withdraw_bid(*, client: ChainClient, book: Contract, bidder: LocalAccount, tender_id: bytes, section: int) -> Mined:
    return _gw(client, book).withdraw_bid(bidder, tender_id, section)


def relay_bids(*, client: ChainClient, book: Contract, relayer: LocalAccount, auths: Sequence[dict[str, Any]]) -> Mined:
    return _gw(client, book).relay_bids(relayer, [authorisation(a) for a in auths])


def release_share(*, client: ChainClient, book: Contract, officer: LocalAccount, tender_id: bytes, share: Share) -> Mined:
    return _gw(client, book).release_share(officer, tender_id, share)


def released_shares(*, client: ChainClient, book: Contract, tender_id: bytes, from_block: int = 0) -> list[Share]:
    return _gw(client, book).released_shares(tender_id, from_block=from_block)


def record_opening(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, opening: Opening) -> Mined:
    return _gw(client, book).record_opening(centre, tender_id, opening)


def close_section(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int,
                  valid_bids: int) -> SectionStatus:
    return _gw(client, book).close_section(centre, tender_id, section, valid_bids)


def publish_evaluation(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int,
                       report: bytes) -> Mined:
    return _gw(client, book).publish_evaluation(centre, tender_id, section, report)


def bid_of(*, client: ChainClient, book: Contract, tender_id: bytes, section: int, bidder: str) -> dict[str, Any]:
    b = _gw(client, book).bid(tender_id, section, bidder)
    return {"commitment": b.commitment, "version": b.version, "opened": b.opened, "outcome": b.outcome}
