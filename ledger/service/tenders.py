"""Tender use cases: publish and amend tenders, accept sealed bids (relayed in batches), open a
section and check each bid's eligibility, publish the evaluation, read versions and results.

The trading centre runs this service and its operator key is the centre on chain. The opening
key is generated, split and each share sealed to its officer's key on the publishing client; the
service only ever sees the public key and the share hashes, so it cannot open a bid before k
officers release their shares on chain.
Bids are signed by the bidders (EIP-712) and relayed in batches: the service can delay a bid
but not forge or alter one.

They take the TenderBook gateway (or anything with its methods, `TenderChain`), the registry's
reads and the store's ports, and return model objects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from ledger.chain.relay import RelayedTx
from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto.bids import BidAuthorisation, authorisation
from ledger.crypto.officer_box import OfficerKey, SealedShare, deal
from ledger.crypto.sealing import MIN_ENVELOPE_SIZE, bid_commitment, ciphertext_hash
from ledger.crypto.sealing import VERSION as SEAL_VERSION
from ledger.crypto.shares import Share
from ledger.errors import LedgerError, NotFound, Unauthorised, ValidationFailed
from ledger.model.credential import Status
from ledger.model.receipt import Mined
from ledger.model.tender import (
    BidEligibility,
    BidState,
    FailedOpening,
    OnChainTender,
    Opening,
    Outcome,
    PublishedEvaluation,
    RecordedFailure,
    RelayedCall,
    SectionOpening,
    SectionResults,
    SectionState,
    SectionStatus,
    StoredBid,
    StoredTender,
    SubmittedBid,
    Tender,
    TenderDetails,
    TenderTerms,
    TenderVersionInfo,
)
from ledger.rules.credit import CreditEntry, CreditStanding, standing
from ledger.rules.eligibility import TickedCredential, check_bid
from ledger.rules.opening import one_bid_per_firm, open_bid, rebuild_opening_key
from ledger.rules.verify import Check, CheckStatus, RegistryReads
from ledger.service.ports import CredentialLookup, GuaranteeCheck, TenderRecords
from ledger.tenders import TenderParams

MAX_ENVELOPE = 32 * 1024 * 1024


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
    officers: Sequence[OfficerKey], threshold: int,
) -> tuple[Tender, dict[str, SealedShare]]:
    """Publish `params` with a fresh opening key split `threshold`-of-len(officers), each share
    sealed to its officer's public key (`ledger.crypto.officer_box.deal`).

    Returns each officer's sealed share by address, to hand over; the opening private key and
    the plain shares are not kept anywhere.
    """
    dealt = deal(tender_id=params.tender_id(), officers=officers, threshold=threshold)
    terms = terms_for(params, document=document, opening_public=dealt.opening_public,
                      share_hashes=dealt.share_hashes, officers=dealt.officers, threshold=threshold)
    mined = book.publish_tender(centre, params.tender_id(), terms)
    tender = Tender(
        tender_id=params.tender_id(), params=params, doc_hash=terms.doc_hash, deadline=terms.deadline,
        opening_public=dealt.opening_public, officers=dealt.officers, threshold=threshold,
        share_hashes=dealt.share_hashes, mined=mined,
    )
    return tender, {sealed.officer: sealed for sealed in dealt.sealed}


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
    """The tender `tender_id` as the ledger holds it; NotFound (UnknownTender) if it holds none."""
    found = records.stored_tender(tender_id)
    if found is None:
        raise NotFound("UnknownTender", {"tenderId": "0x" + tender_id.hex()}, f"no tender 0x{tender_id.hex()}")
    return found


def versions(records: TenderRecords, tender_id: bytes) -> list[TenderVersionInfo]:
    """Every version of a tender, the first and each amendment with its reason."""
    stored_tender(records, tender_id)
    return list(records.versions(tender_id))


def results(book: TenderChain, records: TenderRecords, *, tender_id: bytes, section: int,
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


# ---------------------------------------------------------------------- the service


class TenderChain(Protocol):
    """What the tender use cases need of TenderBook (`TenderBookGateway` has it all)."""

    @property
    def address(self) -> str: ...

    def is_centre(self, account: str) -> bool: ...

    def tender(self, tender_id: bytes) -> OnChainTender: ...

    def bid(self, tender_id: bytes, section: int, bidder: str) -> BidState: ...

    def section(self, tender_id: bytes, section: int) -> SectionState: ...

    def bidders(self, tender_id: bytes, section: int) -> set[str]: ...

    def released_shares(self, tender_id: bytes) -> list[Share]: ...

    def publish_tender(self, centre: LocalAccount, tender_id: bytes, terms: TenderTerms) -> Mined: ...

    def amend_tender(self, centre: LocalAccount, params: TenderParams, doc_hash: bytes, reason: str) -> Mined: ...

    def check_opening(self, centre: str, tender_id: bytes, opening: Opening) -> None: ...

    def record_opening(self, centre: LocalAccount, tender_id: bytes, opening: Opening) -> Mined: ...

    def failed_opening(self, tender_id: bytes, section: int, bidder: str) -> RecordedFailure | None: ...

    def close_section(self, centre: LocalAccount, tender_id: bytes, section: int, valid_bids: int) -> SectionStatus: ...

    def publish_evaluation(self, centre: LocalAccount, tender_id: bytes, section: int, report: bytes) -> Mined: ...

    def decode_signed(self, signed_tx: str) -> RelayedTx: ...

    def relay(self, relayed: RelayedTx) -> Mined: ...


class BidQueue(Protocol):
    """The batched relay of signed bids (`BidRelayer`): a dry run alone, then a place in a batch."""

    def check(self, auth: BidAuthorisation) -> None: ...

    def submit(self, auth: BidAuthorisation) -> Mined: ...


def require_centre(book: TenderChain, signer: str) -> None:
    """Unauthorised (NotCentre) unless `signer` is an authorised trading centre on TenderBook."""
    if not book.is_centre(signer):
        raise Unauthorised("NotCentre", {"caller": signer}, f"{signer} is not an authorised trading centre")


def identity_of(credentials: CredentialLookup, registry: RegistryReads, bidder: str, *, at: int) -> str:
    """The USCC whose identity credential (营业执照) binds `bidder`'s signing address, valid at `at`;
    Unauthorised (NoIdentity) if none does."""
    for c in credentials.identities_bound_to(bidder):
        if registry.status_at(c.root, c.credential_id, at).status is Status.VALID:
            return c.subject
    raise Unauthorised(
        "NoIdentity", {"bidder": bidder},
        f"{bidder} is bound to no firm: it needs a valid identity credential (营业执照) naming this key",
    )


def credit_standing(credentials: CredentialLookup, registry: RegistryReads, uscc: str, *, at: int) -> CreditStanding:
    """A firm's black/red-list standing at `at`, from every credit record anchored about it."""
    entries = [CreditEntry(c.credential_id, c.sealed, c.root) for c in credentials.credit_records_of(uscc)]
    return standing(registry, uscc=uscc, entries=entries, at=at)


class TenderService:
    """The tender use cases on TenderBook, the registry's reads, the store's tender records and
    credentials, with the operator as the trading centre."""

    def __init__(self, book: TenderChain, registry: RegistryReads, records: TenderRecords,
                 credentials: CredentialLookup, centre: LocalAccount, *, chain_id: int,
                 now: Callable[[], int]) -> None:
        self.book = book
        self.registry = registry
        self.records = records
        self.credentials = credentials
        self.centre = centre
        self.chain_id = chain_id
        self.now = now  # the chain's time (the latest block's), unix seconds

    # ------------------------------------------------------------------ helpers other use cases share
    def require_centre(self, signer: str) -> None:
        require_centre(self.book, signer)

    def stored(self, tender_id: bytes) -> StoredTender:
        return stored_tender(self.records, tender_id)

    def tender(self, tender_id: bytes) -> Tender:
        """The published tender; NotFound (UnknownTender) if the ledger holds none."""
        return self.stored(tender_id).tender

    def identity_of(self, bidder: str) -> str:
        return identity_of(self.credentials, self.registry, bidder, at=self.now())

    def credit_standing(self, uscc: str, *, at: int) -> CreditStanding:
        return credit_standing(self.credentials, self.registry, uscc, at=at)

    def details(self, tender_id: bytes) -> TenderDetails:
        """The tender as the chain holds it (`tenderOf`) with its published parameters."""
        stored = self.stored(tender_id)
        return TenderDetails(stored=stored, on_chain=self.book.tender(tender_id), chain_id=self.chain_id,
                             book=self.book.address)

    # ------------------------------------------------------------------ publish and amend
    def publish(self, *, signer: str, params: TenderParams, document: bytes, opening_public: bytes,
                share_hashes: Sequence[bytes], officers: Sequence[str], threshold: int) -> TenderDetails:
        """Publish a tender whose opening key was generated and split by the caller."""
        self.require_centre(signer)
        if len(opening_public) != 32:
            raise ValidationFailed("opening_public_key must be 32 bytes (X25519)")
        if len(share_hashes) != len(officers):
            raise ValidationFailed("one share hash per officer")
        if int(params.deadline.timestamp()) <= self.now():
            raise ValidationFailed(f"the deadline {params.deadline.isoformat()} has passed")
        terms = terms_for(params, document=document, opening_public=opening_public, share_hashes=share_hashes,
                          officers=officers, threshold=threshold)
        self.records.file_tender(params, document)
        self.book.publish_tender(self.centre, params.tender_id(), terms)
        self.records.catch_up()
        return self.details(params.tender_id())

    def amend(self, *, signer: str, tender_id: bytes, params: TenderParams, document: bytes,
              reason: str) -> TenderDetails:
        """A new, visible version: new documents, parameters and deadline, with the reason on chain."""
        self.require_centre(signer)
        self.stored(tender_id)
        if params.tender_id() != tender_id:
            raise ValidationFailed("an amendment cannot change the project code (it names the tender)")
        if not reason.strip():
            raise ValidationFailed("an amendment needs a reason")
        self.records.file_tender(params, document, reason=reason)
        self.book.amend_tender(self.centre, params, keccak(document), reason)
        self.records.catch_up()
        return self.details(tender_id)

    # ------------------------------------------------------------------ bids
    def submit_bid(self, relayer: BidQueue, *, signer: str, tender_id: bytes, section: int, envelope: bytes,
                   credential_set_commitment: bytes, auth: dict[str, Any]) -> SubmittedBid:
        """Store a sealed bid and commit the bidder-signed commitment on chain (batched).

        The envelope comes with the bid's credential-set commitment (a salted hash: it hides the
        ticked ids), and the two must rebuild the commitment the bidder signs: so the service files
        exactly what the bidder committed to, and a failed opening can later be proven against the
        chain without the salt."""
        params = self.tender(tender_id).params
        if not 0 <= section < len(params.sections):
            raise NotFound("UnknownSection", {"tenderId": "0x" + tender_id.hex(), "section": section},
                           f"tender {params.project_code} has sections 0..{len(params.sections) - 1}")
        if len(envelope) < MIN_ENVELOPE_SIZE or envelope[0] != SEAL_VERSION:
            raise ValidationFailed(
                "the bid is not a sealed envelope (version byte, ephemeral key, nonce, ciphertext and tag); "
                "unencrypted bids are refused"
            )
        if len(envelope) > MAX_ENVELOPE:
            raise ValidationFailed(f"the sealed bid is over {MAX_ENVELOPE} bytes")
        if auth["bidder"] != signer:
            raise Unauthorised("SignerMismatch", {}, f"the bid is signed for {auth['bidder']}, the request by {signer}")
        if len(credential_set_commitment) != 32:
            raise ValidationFailed("credential_set_commitment must be 32 bytes")
        expected = bid_commitment(chain_id=self.chain_id, contract=self.book.address, tender_id=tender_id,
                                  section=section, bidder=signer, ciphertext_hash=ciphertext_hash(envelope),
                                  credential_set_commitment=credential_set_commitment)
        if bytes(auth["commitment"]) != expected:
            raise ValidationFailed(
                "the signed commitment does not follow from this envelope and credential-set commitment "
                f"(they give 0x{expected.hex()}): upload the envelope and credential-set commitment the "
                "commitment was made from")
        firm = self.identity_of(signer)
        full = authorisation({**auth, "tenderId": tender_id, "section": section})
        relayer.check(full)  # dry run alone: late, replayed or badly signed bids are refused here, never batched
        self.records.file_envelope(full.commitment, envelope, credential_set_commitment)
        mined = relayer.submit(full)
        self.records.catch_up()
        return SubmittedBid(tender_id=tender_id, section=section, bidder=signer, firm=firm,
                            commitment=full.commitment, envelope_hash=ciphertext_hash(envelope), mined=mined)

    def withdraw_by_signature(self, relayer: BidQueue, *, signer: str, tender_id: bytes, section: int,
                              auth: dict[str, Any]) -> Mined:
        """Relay a bidder's signed zero-commitment Bid, which withdraws its live bid."""
        self.stored(tender_id)
        full = authorisation({**auth, "tenderId": tender_id, "section": section})
        relayer.check(full)  # dry run alone: no live bid, too late or a bad signature is refused here
        mined = relayer.submit(full)
        self.records.catch_up()
        return mined

    def my_bid(self, *, signer: str, tender_id: bytes, section: int) -> StoredBid:
        """The bidder's own live bid: on-chain commitment and the stored envelope that matches it."""
        self.stored(tender_id)
        bid = self.book.bid(tender_id, section, signer)
        stored = self.records.envelope(tender_id, section, signer, bid.commitment)
        if stored is None or not bid.live:
            raise NotFound("NoBid", {"bidder": signer}, "no live bid of yours in this section")
        return StoredBid(tender_id=tender_id, section=section, bidder=signer, commitment=bid.commitment,
                         version=bid.version, envelope=stored.envelope, envelope_hash=stored.envelope_hash,
                         uploaded_at=stored.uploaded_at, opened=bid.opened,
                         credential_set_commitment=stored.credential_set_commitment)

    def relay_signed(self, *, signer: str, signed_tx: str, functions: Sequence[str]) -> RelayedCall:
        """Relay a bidder's withdrawBid or an officer's releaseShare, signed by its own key."""
        relayed = self.book.decode_signed(signed_tx)
        if relayed.sender != signer:
            raise Unauthorised("SignerMismatch", {},
                               f"the transaction is signed by {relayed.sender}, the request by {signer}")
        if relayed.function not in functions:
            raise ValidationFailed(f"signed_tx calls {relayed.function}, expected {' or '.join(functions)}")
        mined = self.book.relay(relayed)
        self.records.catch_up()
        return RelayedCall(relayed.function, mined)

    # ------------------------------------------------------------------ opening and publication
    def open_section(self, guarantee_check: GuaranteeCheck, *, signer: str, tender_id: bytes,
                     section: int) -> SectionOpening:
        """Rebuild the opening key from released shares, open every live bid, record each attempt
        and every credential used, check eligibility as of the deadline, close the section."""
        self.require_centre(signer)
        tender = self.tender(tender_id)
        book = self.book
        key = rebuild_opening_key(tender, book.released_shares(tender_id))
        # First every live bid is opened and judged; then one firm's several bids are rejected
        # together (one bid per firm, whatever keys it holds); only then is anything recorded.
        judged: list[tuple[str, BidState, Opening]] = []
        reports: dict[str, BidEligibility | None] = {}
        for bidder in sorted(book.bidders(tender_id, section)):
            bid = book.bid(tender_id, section, bidder)
            if not bid.live or bid.opened:
                continue
            stored = self.records.envelope(tender_id, section, bidder, bid.commitment)
            # What the store holds is checked against the on-chain commitment by the rule itself.
            opening = open_bid(
                key=key, chain_id=self.chain_id, book_address=book.address, tender_id=tender_id, section=section,
                bidder=bidder, envelope=stored.envelope if stored else None,
                credential_set_commitment=stored.credential_set_commitment if stored else None,
                commitment=bid.commitment,
            )
            book.check_opening(self.centre.address, tender_id, opening)  # before anything is recorded
            eligibility: BidEligibility | None = None
            if opening.outcome is Outcome.DECRYPTED:
                eligibility = self.eligibility(tender, section, bidder, opening.credential_ids)
                # The bid's e-guarantee (or credit commitment letter) joins its eligibility report,
                # and its verification is recorded on chain.
                guarantee = guarantee_check(tender=tender, section=section, bidder=bidder, opening_key=key,
                                            package=opening.package, record=True)
                failed = guarantee.status in (CheckStatus.INVALID, CheckStatus.ERROR)
                eligibility = BidEligibility(
                    firm=eligibility.firm, eligible=eligibility.eligible and not failed,
                    checks=(*eligibility.checks, Check(guarantee.name, guarantee.status, guarantee.reason)))
            judged.append((bidder, bid, opening))
            reports[bidder] = eligibility
        reports = one_bid_per_firm(reports)
        # 流标 counts firms: after the rule above no firm has more than one eligible bid.
        valid = sum(1 for report in reports.values() if report is not None and report.eligible)
        opened: list[str] = []
        for bidder, bid, opening in judged:
            eligibility = reports[bidder]
            # The report is filed under the bid's commitment before the opening goes on chain, so the
            # journal finds it when it projects BidOpened / DecryptionFailed.
            self.records.file_opening(bid.commitment, reason=opening.reason,
                                      price=str(opening.package.price) if opening.package else None,
                                      eligibility=eligibility)
            book.record_opening(self.centre, tender_id, opening)
            opened.append(bidder)
        status = book.close_section(self.centre, tender_id, section, valid)
        self.records.catch_up()
        rows = {b.bidder: b for b in self.records.openings(tender_id, section)}
        return SectionOpening(tender_id=tender_id, section=section, status=status, valid_bids=valid,
                              bids=tuple(rows[b] for b in opened))

    def failed_opening(self, *, tender_id: bytes, section: int, bidder: str) -> FailedOpening:
        """A recorded failed opening with what anyone needs to check it: the chain's record, the
        envelope filed under the bid's commitment (published once the opening is recorded) and the
        opening rule rerun on it with the shares released on chain."""
        self.stored(tender_id)
        bidder = to_checksum_address(bidder)
        bid = self.book.bid(tender_id, section, bidder)
        recorded = self.book.failed_opening(tender_id, section, bidder) if bid.opened else None
        if recorded is None or bid.outcome is Outcome.DECRYPTED:
            raise NotFound("NoFailedOpening", {"bidder": bidder},
                           f"no failed opening is recorded for {bidder}'s bid in section {section}")
        envelope = None
        rerun = None
        if recorded.proven:
            stored = self.records.envelope(tender_id, section, bidder, bid.commitment)
            if stored is not None and stored.envelope is not None \
                    and ciphertext_hash(stored.envelope) == recorded.ciphertext_hash:
                envelope = stored.envelope
        if envelope is not None:  # the key from the chain's own terms and released shares, as anyone would
            key = rebuild_opening_key(self.book.tender(tender_id).terms, self.book.released_shares(tender_id))
            rerun = open_bid(key=key, chain_id=self.chain_id, book_address=self.book.address, tender_id=tender_id,
                             section=section, bidder=bidder, envelope=envelope,
                             credential_set_commitment=recorded.credential_set_commitment, commitment=bid.commitment)
        return FailedOpening(recorded=recorded, commitment=bid.commitment, envelope=envelope, rerun=rerun)

    def eligibility(self, tender: Tender, section: int, bidder: str, ids: Sequence[bytes]) -> BidEligibility:
        """资格审查 of a decrypted bid as of the deadline: its ticked credentials, the firm behind the
        bidder's key, the section's requirements and the firm's credit standing."""
        ticked = []
        for cid in ids:
            c = self.credentials.credential(cid)
            if c is None:
                return BidEligibility(firm=None, eligible=False, checks=(Check(
                    f"credential 0x{cid.hex()}", CheckStatus.INVALID, "not an anchored credential"),))
            ticked.append(TickedCredential(cid, c.sealed, c.root, list(c.proof)))
        try:  # the firm behind the key as of the deadline, not as of the opening
            uscc = identity_of(self.credentials, self.registry, bidder, at=tender.deadline)
        except LedgerError as exc:
            return BidEligibility(firm=None, eligible=False,
                                  checks=(Check("identity", CheckStatus.INVALID, str(exc)),))
        credit = self.credit_standing(uscc, at=tender.deadline)
        report = check_bid(self.registry, section=tender.params.sections[section], bidder=bidder,
                           bidder_uscc=uscc, deadline=tender.deadline, ticked=ticked, credit=credit)
        return BidEligibility(firm=uscc, eligible=report.eligible,
                              checks=tuple(Check(c.name, c.status, c.reason) for c in report.checks))

    def publish_evaluation(self, *, signer: str, tender_id: bytes, section: int, report: bytes) -> PublishedEvaluation:
        """Anchor the evaluation report; from then on what each bidder used is public."""
        self.require_centre(signer)
        self.stored(tender_id)
        mined = self.book.publish_evaluation(self.centre, tender_id, section, report)
        self.records.catch_up()
        return PublishedEvaluation(tender_id=tender_id, section=section, report_hash=keccak(report), mined=mined)

    # ------------------------------------------------------------------ reads
    def versions(self, tender_id: bytes) -> list[TenderVersionInfo]:
        return versions(self.records, tender_id)

    def results(self, *, tender_id: bytes, section: int, viewer: str | None) -> SectionResults:
        return results(self.book, self.records, tender_id=tender_id, section=section, viewer=viewer)

