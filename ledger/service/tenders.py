"""Tender use cases: publish with a split opening key, amend, relay signed bids in batches.

They take the TenderBook gateway (and the ports they need) and return model objects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto.bids import BidAuthorisation
from ledger.crypto.sealing import OpeningKey
from ledger.crypto.shares import Share, share_hash, split
from ledger.errors import NotFound, Unauthorised, ValidationFailed
from ledger.model.receipt import Mined
from ledger.model.tender import (
    SectionResults,
    SectionStatus,
    StoredTender,
    Tender,
    TenderTerms,
    TenderVersionInfo,
)
from ledger.service.ports import TenderRecords
from ledger.tenders import TenderParams


def terms_for(params: TenderParams, *, document: bytes, opening_public: bytes, share_hashes: Sequence[bytes],
              officers: Sequence[str], threshold: int) -> TenderTerms:
    """The on-chain terms of `params` with this document, opening key and committee."""
    return TenderTerms(
        doc_hash=keccak(document), params_hash=params.params_hash(), section_count=len(params.sections),
        deadline=int(params.deadline.timestamp()), opening_window=params.opening_window_s,
        min_valid_bids=params.min_valid_bids, opening_public=opening_public, threshold=threshold,
        share_hashes=tuple(share_hashes), officers=tuple(to_checksum_address(o) for o in officers),
    )


def publish_with_new_key(
    book: TenderBookGateway, centre: LocalAccount, *, params: TenderParams, document: bytes,
    officers: Sequence[str], threshold: int,
) -> tuple[Tender, dict[str, Share]]:
    """Publish `params` with a fresh opening key split `threshold`-of-len(officers).

    Returns each officer's share, to hand over; the opening private key is not kept anywhere.
    """
    officers = tuple(to_checksum_address(o) for o in officers)
    if len(set(officers)) != len(officers):
        raise ValidationFailed("each opening officer may appear once")
    key = OpeningKey.generate()
    shares = split(key.private, threshold, len(officers))
    hashes = tuple(share_hash(s) for s in shares)
    terms = terms_for(params, document=document, opening_public=key.public, share_hashes=hashes,
                      officers=officers, threshold=threshold)
    mined = book.publish_tender(centre, params.tender_id(), terms)
    tender = Tender(
        tender_id=params.tender_id(), params=params, doc_hash=terms.doc_hash, deadline=terms.deadline,
        opening_public=key.public, officers=officers, threshold=threshold, share_hashes=hashes, mined=mined,
    )
    return tender, dict(zip(officers, shares, strict=True))


def amend_on_chain(book: TenderBookGateway, centre: LocalAccount, *, params: TenderParams, document: bytes,
                   reason: str) -> Mined:
    """A new, visible version of the tender: new document, parameters and deadline, with a reason."""
    if not reason.strip():
        raise ValidationFailed("an amendment needs a reason")
    return book.amend_tender(centre, params, keccak(document), reason)


class BidRelayer:
    """Collects bidder-signed bids for a few milliseconds and commits them in one transaction.

    A batch is all or none on chain, so every bid is dry-run alone first; a batch that still
    fails is retried bid by bid, so one bad bid never sinks the others.
    """

    def __init__(self, book: TenderBookGateway, relayer: LocalAccount, window_s: float = 0.01,
                 max_batch: int = 200) -> None:
        self.book = book
        self.relayer = relayer
        self.window_s = window_s
        self.max_batch = max_batch
        self._pending: list[tuple[BidAuthorisation, Future[Mined]]] = []
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="bid-relayer", daemon=True)
        self._thread.start()

    def check(self, auth: BidAuthorisation) -> None:
        """Dry-run the bid alone: late, replayed or badly signed bids are refused here, never batched."""
        self.book.dry_run_bids(self.relayer.address, [auth])

    def submit(self, auth: BidAuthorisation) -> Mined:
        future: Future[Mined] = Future()
        with self._cond:
            self._pending.append((auth, future))
            self._cond.notify()
        return future.result(timeout=120)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                if self._stopped and not self._pending:
                    return
            time.sleep(self.window_s)
            with self._cond:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            self._flush(batch)

    def _flush(self, batch: list[tuple[BidAuthorisation, Future[Mined]]]) -> None:
        try:
            mined = self.book.relay_bids(self.relayer, [a for a, _ in batch])
            for _, f in batch:
                f.set_result(mined)
            return
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
        for auth, f in batch:  # isolate the bad bid(s)
            try:
                f.set_result(self.book.relay_bids(self.relayer, [auth]))
            except Exception as exc:
                f.set_exception(exc)


# ---------------------------------------------------------------------- reads


def stored_tender(records: TenderRecords, tender_id: bytes) -> StoredTender:
    found = records.stored_tender(tender_id)
    if found is None:
        raise NotFound("UnknownTender", {"tenderId": tender_id}, f"no tender 0x{tender_id.hex()}")
    return found


def versions(records: TenderRecords, tender_id: bytes) -> list[TenderVersionInfo]:
    """Every version of a tender, the first and each amendment with its reason."""
    stored_tender(records, tender_id)
    return list(records.versions(tender_id))


def results(book: TenderBookGateway, records: TenderRecords, *, tender_id: bytes, section: int,
            viewer: str | None) -> SectionResults:
    """What each bidder used and how it verified: public after evaluation; before that only a
    bidder's own entry (to that bidder) and, after opening, everything to the centre."""
    stored_tender(records, tender_id)
    status = book.section(tender_id, section).status
    public = status is SectionStatus.EVALUATED
    if not public and viewer is None:
        raise Unauthorised("NotPublished", {}, "results are published after evaluation; sign the request to see your own")
    is_centre = viewer is not None and book.is_centre(viewer)
    visible = tuple(b for b in records.openings(tender_id, section) if public or is_centre or b.bidder == viewer)
    return SectionResults(tender_id=tender_id, section=section, status=status, public=public, bids=visible)
