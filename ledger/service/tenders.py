"""Tender use cases: publish and amend tenders, accept sealed bids (relayed in batches), open a
section and check each bid's eligibility, publish the evaluation, read versions and results.

The trading centre runs this service and its own key is the centre on chain. The opening
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
from decimal import Decimal
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from ledger.chain.relay import RelayedTx
from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto import receipts
from ledger.crypto.canonical import canonical_json
from ledger.crypto.bid_keys import FirmLink
from ledger.crypto.bids import BidAuthorisation, authorisation
from ledger.crypto.officer_box import OfficerKey, SealedShare, deal
from ledger.crypto.sealing import MIN_ENVELOPE_SIZE, bid_commitment, ciphertext_hash
from ledger.crypto.sealing import VERSION as SEAL_VERSION
from ledger.crypto.shares import Share
from ledger.errors import LedgerError, NotFound, StoreMismatch, Unauthorised, ValidationFailed
from ledger.model.credential import Status, StoredCredential
from ledger.model.receipt import Mined
from ledger.model.tender import (
    BidEligibility,
    BidState,
    LoggedVersion,
    FailedOpening,
    OnChainTender,
    OpenedBid,
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
from ledger.rules.eligibility import TickedCredential, Verdicts, check_bid
from ledger.rules.opening import one_bid_per_firm, open_bid, rebuild_opening_key
from ledger.rules.selection import selection_code
from ledger.rules.reasons import Reason, bound, said, words
from ledger.rules.verify import Check, CheckStatus, RegistryReads
from ledger.service.ports import CredentialLookup, GuaranteeCheck, TenderRecords
from ledger.tenders import TenderParams
from ledger.values import fen

MAX_ENVELOPE = 32 * 1024 * 1024


def check_officer_names(params: TenderParams, officers: Sequence[str]) -> None:
    """The parameters' `officer_names` name only the tender's own opening officers."""
    mine = {to_checksum_address(o) for o in officers}
    strangers = [a for a in params.officer_names if a not in mine]
    if strangers:
        raise ValidationFailed(f"officer_names names {strangers[0]}, who is not one of the tender's opening officers")


def terms_for(params: TenderParams, *, document: bytes, opening_public: bytes, share_hashes: Sequence[bytes],
              officers: Sequence[str], threshold: int) -> TenderTerms:
    """The on-chain terms of `params` with this document, opening key and committee; ValidationFailed
    when the parameters name an officer the committee does not have."""
    check_officer_names(params, officers)
    return TenderTerms(
        doc_hash=keccak(document), params_hash=params.params_hash(), section_count=len(params.sections),
        deadline=int(params.deadline.timestamp()), opening_window=params.opening_window_s,
        min_valid_bids=params.min_valid_bids, opening_public=opening_public, threshold=threshold,
        share_hashes=tuple(share_hashes), officers=tuple(to_checksum_address(o) for o in officers),
        selection=selection_code(params.selection),
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
    assert mined.timestamp is not None  # publish_tender reads its block's time: the issue time
    tender = Tender(
        tender_id=params.tender_id(), params=params, doc_hash=terms.doc_hash, deadline=terms.deadline,
        opening_public=dealt.opening_public, officers=dealt.officers, threshold=threshold,
        share_hashes=dealt.share_hashes, mined=mined, issued_at=mined.timestamp,
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


class TenderReads(Protocol):
    """What checking a stored tender needs of TenderBook (`TenderBookGateway` has it)."""

    def tender(self, tender_id: bytes) -> OnChainTender: ...

    def logged_versions(self, tender_id: bytes) -> list[LoggedVersion]: ...


def tender_disagreement(stored: StoredTender, on_chain: OnChainTender) -> str | None:
    """What differs between the stored tender and TenderBook's `tenderOf`, or None if nothing does:
    the parameters must hash to the on-chain parameter hash (so every requirement, date, window
    and threshold of `params` is the chain's), and the file, deadline, opening key, committee,
    selection word and version must be the chain's."""
    t, terms, tid = stored.tender, on_chain.terms, "0x" + stored.tender.tender_id.hex()
    checks = (
        ("parameters", "0x" + t.params.params_hash().hex(), "0x" + terms.params_hash.hex()),
        ("document hash", "0x" + t.doc_hash.hex(), "0x" + terms.doc_hash.hex()),
        ("document", "0x" + keccak(stored.document).hex(), "0x" + terms.doc_hash.hex()),
        ("deadline", t.deadline, terms.deadline),
        # The parameters ask for a deadline; the one in force may be later (an amendment less than
        # 15 days before it postpones it on chain), never earlier.
        ("parameters' deadline", min(int(t.params.deadline.timestamp()), terms.deadline),
         int(t.params.deadline.timestamp())),
        ("opening public key", "0x" + t.opening_public.hex(), "0x" + terms.opening_public.hex()),
        ("threshold", t.threshold, terms.threshold),
        ("share hashes", [h.hex() for h in t.share_hashes], [h.hex() for h in terms.share_hashes]),
        ("officers", [o.lower() for o in t.officers], [o.lower() for o in terms.officers]),
        ("selection method", selection_code(t.params.selection), terms.selection),
        ("version", stored.version, on_chain.version),
    )
    for name, ours, chains in checks:
        if ours != chains:
            return f"tender {tid}'s {name} in the store is {ours}, on chain {chains}"
    return None


def verified_tender(book: TenderReads, records: TenderRecords, tender_id: bytes) -> StoredTender:
    """The tender `tender_id` as the store holds it, once checked against TenderBook: NotFound
    (UnknownTender) if neither holds it, StoreMismatch if they disagree (after one catch-up, for a
    store that only lags) or only the chain holds it."""
    on_chain = book.tender(tender_id)
    known = int(on_chain.centre, 16) != 0
    found = records.stored_tender(tender_id)
    problem = None if found is None or not known else tender_disagreement(found, on_chain)
    if (found is None and known) or problem is not None:
        records.catch_up()
        found = records.stored_tender(tender_id)
        problem = None if found is None else tender_disagreement(found, book.tender(tender_id))
    if found is None:
        if known:
            raise StoreMismatch(f"tender 0x{tender_id.hex()} is on chain, but the store holds no record of it "
                                "(its rows were deleted, or it was published without filing its documents here)")
        raise NotFound("UnknownTender", {"tenderId": "0x" + tender_id.hex()}, f"no tender 0x{tender_id.hex()}")
    if not known:
        raise StoreMismatch(f"the store holds tender 0x{tender_id.hex()}, which the chain has never published")
    if problem is not None:
        raise StoreMismatch(problem)
    return found


class VerifiedTenders:
    """Tenders as the store holds them, each checked against TenderBook (`verified_tender`): for the
    use cases that read tenders without running them (the guarantees')."""

    def __init__(self, book: TenderReads, records: TenderRecords) -> None:
        self.book, self.records = book, records

    def stored_tender(self, tender_id: bytes) -> StoredTender | None:
        """The tender, checked; None if neither the store nor the chain holds it."""
        try:
            return verified_tender(self.book, self.records, tender_id)
        except NotFound:
            return None


def versions(book: TenderReads, records: TenderRecords, tender_id: bytes) -> list[TenderVersionInfo]:
    """Every version of a tender, the first and each amendment with its reason; the latest must be
    the chain's, and each must hash to what its publication or amendment put on chain."""
    verified_tender(book, records, tender_id)
    found = list(records.versions(tender_id))
    logged = book.logged_versions(tender_id)
    tid = "0x" + tender_id.hex()
    if [v.version for v in found] != [v.version for v in logged]:
        raise StoreMismatch(f"tender {tid} has versions {[v.version for v in found]} in the store, "
                            f"{[v.version for v in logged]} on chain")
    for ours, chains in zip(found, logged, strict=True):
        differs = [name for name, ok in (
            ("parameters", ours.params.params_hash() == chains.params_hash), ("document", ours.doc_hash == chains.doc_hash),
            ("deadline", ours.deadline == chains.deadline), ("transaction", ours.tx_hash == chains.tx_hash),
            ("reason", chains.reason_hash is None or keccak(ours.reason.encode()) == chains.reason_hash),
        ) if not ok]
        if differs:
            raise StoreMismatch(f"version {ours.version} of tender {tid} differs from the chain's in its "
                                f"{', '.join(differs)}")
    return found


def results(book: TenderChain, records: TenderRecords, *, chain_id: int, tender_id: bytes, section: int,
            viewer: str | None) -> SectionResults:
    """What each bidder used and how it verified: public after evaluation; before that only a
    bidder's own entry (to that bidder) and, after opening, everything to the centre."""
    verified_tender(book, records, tender_id)
    state = book.section(tender_id, section)
    status = state.status
    public = status is SectionStatus.EVALUATED
    if not public and viewer is None:
        raise Unauthorised("NotPublished", {}, "results are published after evaluation; sign the request to see your own")
    is_centre = viewer is not None and book.is_centre(viewer)
    opened = checked_openings(book, records, chain_id=chain_id, tender_id=tender_id, section=section, state=state)
    visible = tuple(b for b in opened if public or is_centre or b.bidder == viewer)
    return SectionResults(tender_id=tender_id, section=section, status=status, public=public, bids=visible)


def opening_digest(*, chain_id: int, book: str, tender_id: bytes, commitment: bytes, reason: str,
                   price: str | None, eligibility: BidEligibility | None) -> bytes:
    """What the centre's receipt of a bid's opening report signs: the report's reason, price and
    eligibility (firm, verdict, every check), under the tender and the bid's commitment. The chain
    pins the outcome and the credentials used; this pins the rest."""
    report = None if eligibility is None else {
        "firm": eligibility.firm, "eligible": eligibility.eligible,
        "checks": [[c.name, c.status.name, c.reason] for c in eligibility.checks]}
    content = canonical_json({"reason": reason, "price": price, "eligibility": report})
    return receipts.receipt_digest(receipts.OPENING, chain_id=chain_id, contract=book, key=tender_id + commitment,
                                   content_hash=keccak(content))


def _fen_or_none(price: str) -> int | None:
    try:
        return fen(Decimal(price))
    except (ArithmeticError, ValueError, ValidationFailed):
        return None


def checked_openings(book: TenderChain, records: TenderRecords, *, chain_id: int, tender_id: bytes, section: int,
                     state: SectionState) -> list[OpenedBid]:
    """The section's opened bids as the store holds them, each checked against TenderBook: every bid
    the chain shows opened is there, with the outcome and the credentials the chain logged, its
    report (reason, price, eligibility) is the one the publishing centre signed a receipt of, and
    as many are eligible as the chain counted valid when the section closed. StoreMismatch otherwise."""
    rows = list(records.openings(tender_id, section))
    used = book.used_credentials(tender_id, section)
    tid = "0x" + tender_id.hex()
    centre = book.tender(tender_id).centre
    known = book.bidders(tender_id, section)
    for bidder in sorted(known):
        bid = book.bid(tender_id, section, bidder)
        row = next((r for r in rows if r.bidder == bidder), None)
        if bid.opened and row is None:
            raise StoreMismatch(f"the bid of {bidder} in tender {tid} section {section} was opened on chain, but the "
                                "store holds no opening of it")
        if row is None:
            continue
        if not bid.opened or bid.outcome is not row.outcome:
            chain = bid.outcome.name if bid.opened else "not opened"
            raise StoreMismatch(f"the opening of {bidder}'s bid in tender {tid} section {section} is "
                                f"{row.outcome.name} in the store, {chain} on chain")
        if list(row.credential_ids) != used.get(bidder, []):
            raise StoreMismatch(f"the credentials {bidder}'s opened bid used differ between the store and the "
                                "chain's CredentialUsed logs")
        digest = opening_digest(chain_id=chain_id, book=book.address, tender_id=tender_id, commitment=bid.commitment,
                                reason=row.reason, price=row.price, eligibility=row.eligibility)
        receipt = records.opening_receipt(bid.commitment)
        if receipt is None or receipts.receipt_signer(digest, receipt) != centre:
            raise StoreMismatch(f"the opening report of {bidder}'s bid in tender {tid} section {section} (reason, "
                                "price, eligibility) is not the one the centre recorded")
        # A check's reason code is not signed: it must say the very sentence that is (`reasons.bound`).
        unbound = [c.name for c in (row.eligibility.checks if row.eligibility is not None else ())
                   if words(c.details) and not bound(c.details, c.reason)]
        if unbound:
            raise StoreMismatch(f"the reason code of check {unbound[0]} of {bidder}'s opened bid in tender {tid} "
                                f"section {section} does not say the reason the centre recorded")
        # the price the chain recorded at opening decides 价格竞争 and the price score, not the row
        if bid.outcome is Outcome.DECRYPTED and (row.price is None or _fen_or_none(row.price) != bid.price_fen):
            raise StoreMismatch(f"the price of {bidder}'s opened bid in tender {tid} section {section} is "
                                f"{row.price} 元 in the store, {Decimal(bid.price_fen) / 100} 元 on chain")
    strays = [r.bidder for r in rows if r.bidder not in known]
    if strays:
        raise StoreMismatch(f"the store holds an opening of {strays[0]} in tender {tid} section {section}, which "
                            "never bid there")
    if state.status in (SectionStatus.CLOSED, SectionStatus.FAILED, SectionStatus.EVALUATED):
        eligible = sum(1 for r in rows if r.eligible)
        if eligible != state.valid_bids:
            raise StoreMismatch(f"the store holds {eligible} eligible bid(s) in tender {tid} section {section}, the "
                                f"chain closed it with {state.valid_bids} valid")
    return rows


# ---------------------------------------------------------------------- the service


class TenderChain(Protocol):
    """What the tender use cases need of TenderBook (`TenderBookGateway` has it all)."""

    @property
    def address(self) -> str: ...

    def is_centre(self, account: str) -> bool: ...

    def tender(self, tender_id: bytes) -> OnChainTender: ...

    def logged_versions(self, tender_id: bytes) -> list[LoggedVersion]: ...

    def bid(self, tender_id: bytes, section: int, bidder: str) -> BidState: ...

    def section(self, tender_id: bytes, section: int) -> SectionState: ...

    def bidders(self, tender_id: bytes, section: int) -> set[str]: ...

    def used_credentials(self, tender_id: bytes, section: int) -> dict[str, list[bytes]]: ...

    def released_shares(self, tender_id: bytes) -> list[Share]: ...

    def check_publish(self, centre: str, tender_id: bytes, terms: TenderTerms) -> None: ...

    def publish_tender(self, centre: LocalAccount, tender_id: bytes, terms: TenderTerms) -> Mined: ...

    def check_amend(self, centre: str, params: TenderParams, doc_hash: bytes, reason: str) -> None: ...

    def amend_tender(self, centre: LocalAccount, params: TenderParams, doc_hash: bytes, reason: str) -> Mined: ...

    def check_opening(self, centre: str, tender_id: bytes, opening: Opening) -> None: ...

    def record_opening(self, centre: LocalAccount, tender_id: bytes, opening: Opening) -> Mined: ...

    def failed_opening(self, tender_id: bytes, section: int, bidder: str) -> RecordedFailure | None: ...

    def close_section(self, centre: LocalAccount, tender_id: bytes, section: int, valid_bids: int) -> SectionStatus: ...

    def publish_evaluation(self, centre: LocalAccount, tender_id: bytes, section: int, report: bytes) -> Mined: ...

    def decode_signed(self, signed_tx: str) -> RelayedTx: ...

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined: ...


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
    Unauthorised (NoIdentity) if none does. The lookup yields only identity credentials proven to
    be in an identity batch anchored on chain, with the USCC and address read from the verified
    document (StoreMismatch if the store disagrees); the status is read with the proof."""
    def valid(c: StoredCredential) -> bool:
        return registry.status_at(c.root, c.credential_id, list(c.proof), at).status is Status.VALID

    for c in credentials.identities_bound_to(bidder):
        if not valid(c):
            continue
        # One active identity per firm: a newer identity credential of the same USCC, valid at
        # `at`, supersedes this one (the firm rotated its key), whatever this one's own status says.
        newer = [o for o in credentials.identities_of(c.subject)
                 if (o.block_number, o.credential_id) > (c.block_number, c.credential_id) and valid(o)]
        if newer:
            latest = max(newer, key=lambda o: (o.block_number, o.credential_id))
            raise Unauthorised(
                "IdentitySuperseded", {"bidder": bidder, "uscc": c.subject},
                f"{bidder} is no longer {c.subject}'s key: a newer identity credential (0x{latest.credential_id.hex()}, "
                f"anchored in block {latest.block_number}) names {latest.signing_address}; one identity per firm",
            )
        return c.subject
    raise Unauthorised(
        "NoIdentity", {"bidder": bidder},
        f"{bidder} is bound to no firm: it needs a valid identity credential (营业执照) naming this key",
    )


def credit_standing(credentials: CredentialLookup, registry: RegistryReads, uscc: str, *, at: int) -> CreditStanding:
    """A firm's black/red-list standing at `at`, from every credit record anchored about it (the
    lookup proves each against the chain and refuses while a credit batch lacks its documents)."""
    entries = [CreditEntry(c.credential_id, c.sealed, c.root, c.proof) for c in credentials.credit_records_of(uscc)]
    return standing(registry, uscc=uscc, entries=entries, at=at)


class TenderService:
    """The tender use cases on TenderBook, the registry's reads, the store's tender records and
    credentials, with the centre's own key as the trading centre."""

    def __init__(self, book: TenderChain, registry: RegistryReads, records: TenderRecords,
                 credentials: CredentialLookup, centre: LocalAccount, *, chain_id: int,
                 now: Callable[[], int], verdicts: Verdicts | None = None) -> None:
        self.book = book
        self.registry = registry
        self.records = records
        self.credentials = credentials
        self.centre = centre
        self.chain_id = chain_id
        self.now = now  # the chain's time (the latest block's), unix seconds
        # Only for a registry whose answers cannot change (an audit's, at the head it replayed):
        # each ticked credential is then verified once per deadline and firm, not once per bid.
        self.verdicts = verdicts

    # ------------------------------------------------------------------ helpers other use cases share
    def require_centre(self, signer: str) -> None:
        require_centre(self.book, signer)

    def stored(self, tender_id: bytes) -> StoredTender:
        """The tender as the store holds it, checked against TenderBook (StoreMismatch otherwise)."""
        return verified_tender(self.book, self.records, tender_id)

    def tender(self, tender_id: bytes) -> Tender:
        """The published tender; NotFound (UnknownTender) if the ledger holds none."""
        return self.stored(tender_id).tender

    def identity_of(self, bidder: str) -> str:
        return identity_of(self.credentials, self.registry, bidder, at=self.now())

    def known_firm(self, key: str) -> str | None:
        """The firm whose identity credential names `key`, or None for a key no firm is known by: a
        per-tender bid key (`ledger.crypto.bid_keys`), whose firm the service learns only at opening,
        from the link sealed inside the bid. A firm key superseded by a newer identity is refused."""
        try:
            return self.identity_of(key)
        except Unauthorised as exc:
            if exc.error == "NoIdentity":
                return None
            raise

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
        terms = terms_for(params, document=document, opening_public=opening_public, share_hashes=share_hashes,
                          officers=officers, threshold=threshold)
        # The contract's rules (the 20-day bid period from the block time among them), run before
        # anything is filed: a refusal is the contract's own error.
        self.book.check_publish(self.centre.address, params.tender_id(), terms)
        self.records.file_tender(params, document)
        self.book.publish_tender(self.centre, params.tender_id(), terms)
        self.records.catch_up()
        return self.details(params.tender_id())

    def amend(self, *, signer: str, tender_id: bytes, params: TenderParams, document: bytes,
              reason: str) -> TenderDetails:
        """A new, visible version: new documents, parameters and deadline, with the reason on chain.
        The deadline in force (in the details) is later than the parameters' when the amendment came
        less than 15 days before it: the contract postponed it."""
        self.require_centre(signer)
        stored = self.stored(tender_id)
        if params.tender_id() != tender_id:
            raise ValidationFailed("an amendment cannot change the project code (it names the tender)")
        check_officer_names(params, stored.tender.officers)
        if not reason.strip():
            raise ValidationFailed("an amendment needs a reason")
        # The contract decides the time rules (no amendment after the deadline, none bringing it
        # forward; a late one postpones it), dry-run before anything is filed.
        self.book.check_amend(self.centre.address, params, keccak(document), reason)
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
        firm = self.known_firm(signer)
        full = authorisation({**auth, "tenderId": tender_id, "section": section})
        relayer.check(full)  # dry run alone: late, replayed or badly signed bids are refused here, never batched
        # The chain will hold only the commitment; the credential-set commitment filed with the
        # envelope lets anyone check a failed opening against it, and the centre's receipt pins the
        # ciphertext received against a database edit.
        self.records.file_envelope(full.commitment, envelope, credential_set_commitment,
                                   receipt=self.envelope_receipt(tender_id, full.commitment, envelope))
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
        stored = self.received_envelope(tender_id, section, signer, bid.commitment) if bid.live else None
        if stored is None:
            raise NotFound("NoBid", {"bidder": signer}, "no live bid of yours in this section")
        return StoredBid(tender_id=tender_id, section=section, bidder=signer, commitment=bid.commitment,
                         version=bid.version, envelope=stored.envelope, envelope_hash=stored.envelope_hash,
                         uploaded_at=stored.uploaded_at, opened=bid.opened,
                         credential_set_commitment=stored.credential_set_commitment)

    def relay_signed(self, *, signer: str, signed_tx: str, functions: Sequence[str],
                     sponsor: LocalAccount | None = None) -> RelayedCall:
        """Relay a bidder's withdrawBid or an officer's releaseShare, signed by its own key; with
        `sponsor` (the relayer) its gas is topped up first, so neither key needs funds of its own."""
        relayed = self.book.decode_signed(signed_tx)
        if relayed.sender != signer:
            raise Unauthorised("SignerMismatch", {},
                               f"the transaction is signed by {relayed.sender}, the request by {signer}")
        if relayed.function not in functions:
            raise ValidationFailed(f"signed_tx calls {relayed.function}, expected {' or '.join(functions)}")
        mined = self.book.relay(relayed, sponsor=sponsor)
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
        live = [b for b in sorted(book.bidders(tender_id, section)) if book.bid(tender_id, section, b).live]
        if len(live) < tender.params.min_valid_bids:
            # 流标 before opening: fewer bids than the tender's minimum came in, so none is opened
            # (they stay sealed, as the chain requires) and the section fails with no valid bid.
            status = book.close_section(self.centre, tender_id, section, 0)
            self.records.catch_up()
            return SectionOpening(tender_id=tender_id, section=section, status=status, valid_bids=0, bids=())
        key = rebuild_opening_key(tender, book.released_shares(tender_id))
        # First every live bid is opened and judged; then one firm's several bids are rejected
        # together (one bid per firm, whatever keys it holds); only then is anything recorded.
        judged: list[tuple[str, BidState, Opening]] = []
        reports: dict[str, BidEligibility | None] = {}
        for bidder in sorted(book.bidders(tender_id, section)):
            bid = book.bid(tender_id, section, bidder)
            if not bid.live or bid.opened:
                continue
            stored = self.received_envelope(tender_id, section, bidder, bid.commitment)
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
                eligibility = self.eligibility(tender, section, bidder, opening.credential_ids,
                                               firm_link=opening.package.firm_link if opening.package else None)
                # The bid's e-guarantee (or credit commitment letter) joins its eligibility report,
                # and its verification is recorded on chain.
                guarantee = guarantee_check(tender=tender, section=section, bidder=bidder, opening_key=key,
                                            package=opening.package, record=True, firm=eligibility.firm)
                failed = guarantee.status in (CheckStatus.INVALID, CheckStatus.ERROR)
                eligibility = BidEligibility(
                    firm=eligibility.firm, eligible=eligibility.eligible and not failed,
                    checks=(*eligibility.checks, Check(guarantee.name, guarantee.status, guarantee.reason,
                                                       words(guarantee.details))))
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
            price = str(opening.package.price) if opening.package else None
            digest = opening_digest(chain_id=self.chain_id, book=book.address, tender_id=tender_id,
                                    commitment=bid.commitment, reason=opening.reason, price=price,
                                    eligibility=eligibility)
            self.records.file_opening(bid.commitment, reason=opening.reason, price=price, eligibility=eligibility,
                                      receipt=receipts.sign_receipt(self.centre, digest))
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

    def eligibility(self, tender: Tender, section: int, bidder: str, ids: Sequence[bytes], *,
                    firm_link: FirmLink | None = None) -> BidEligibility:
        """资格审查 of a decrypted bid as of the deadline: its ticked credentials, the firm behind the
        bidder's key, the section's requirements and the firm's credit standing.

        A bid made with a per-tender bid key carries, sealed inside it, the firm key's link to that
        bid key (`firm_link`): the firm is the one whose identity credential names the key that
        signed the link. A link that does not verify makes the bid ineligible; without one the
        bidding key must be the firm's own."""
        firm_key, linked = bidder, False
        if firm_link is not None:
            try:
                firm_key = firm_link.firm_of(chain_id=self.chain_id, book_address=self.book.address,
                                             tender_id=tender.tender_id, bid_key=bidder)
            except ValidationFailed as exc:
                return BidEligibility(firm=None, eligible=False, checks=(Check(
                    "identity", CheckStatus.INVALID, *said(Reason.IDENTITY_LINK_INVALID, error=str(exc))),))
            linked = True
        ticked = []
        for cid in ids:
            c = self.credentials.credential(cid)  # proven against the chain, or StoreMismatch
            if c is None:
                self.credentials.check_complete()  # unknown only if no anchored batch lacks its documents
                return BidEligibility(firm=None, eligible=False, checks=(Check(
                    f"credential 0x{cid.hex()}", CheckStatus.INVALID, *said(Reason.CREDENTIAL_NOT_ANCHORED)),))
            ticked.append(TickedCredential(cid, c.sealed, c.root, list(c.proof)))
        try:  # the firm behind the key as of the deadline, not as of the opening
            uscc = identity_of(self.credentials, self.registry, firm_key, at=tender.deadline)
        except StoreMismatch:
            raise  # the store's fault, not the bid's: refuse the opening rather than judge on it
        except LedgerError as exc:
            return BidEligibility(firm=None, eligible=False,
                                  checks=(Check("identity", CheckStatus.INVALID,
                                                *said(Reason.IDENTITY_UNKNOWN, error=str(exc))),))
        credit = self.credit_standing(uscc, at=tender.deadline)
        report = check_bid(self.registry, section=tender.params.sections[section], bidder=bidder,
                           bidder_uscc=uscc, deadline=tender.deadline, ticked=ticked, credit=credit,
                           verdicts=self.verdicts)
        checks = tuple(Check(c.name, c.status, c.reason, words(c.details)) for c in report.checks)
        if linked:  # the check says which firm key the link names
            checks = (Check("identity", CheckStatus.VALID,
                            *said(Reason.IDENTITY_LINK_BOUND, bid_key=bidder, firm_key=firm_key, uscc=uscc)), *checks)
        return BidEligibility(firm=uscc, eligible=report.eligible, checks=checks)

    def publish_evaluation(self, *, signer: str, tender_id: bytes, section: int, report: bytes) -> PublishedEvaluation:
        """Anchor the evaluation report; from then on what each bidder used is public."""
        self.require_centre(signer)
        self.stored(tender_id)
        mined = self.book.publish_evaluation(self.centre, tender_id, section, report)
        self.records.catch_up()
        return PublishedEvaluation(tender_id=tender_id, section=section, report_hash=keccak(report), mined=mined)

    # ------------------------------------------------------------------ receipts of what the chain does not pin
    def envelope_receipt(self, tender_id: bytes, commitment: bytes, envelope: bytes) -> bytes:
        """The centre's signed receipt of `envelope`, received for the bid committing to `commitment`."""
        digest = receipts.receipt_digest(receipts.ENVELOPE, chain_id=self.chain_id, contract=self.book.address,
                                         key=tender_id + commitment, content_hash=ciphertext_hash(envelope))
        return receipts.sign_receipt(self.centre, digest)

    def received_envelope(self, tender_id: bytes, section: int, bidder: str, commitment: bytes) -> StoredBid | None:
        """The stored envelope of a bid, only if it is the one the service received for `commitment`
        (its receipt, signed by the centre, names its ciphertext hash); None if the service never
        received one. StoreMismatch when the store lost it, or holds another one."""
        stored = self.records.envelope(tender_id, section, bidder, commitment)
        receipt = self.records.receipt(commitment)
        where = f"bid 0x{commitment.hex()} of {bidder}"
        if stored is None or stored.envelope is None:
            if receipt is not None:
                raise StoreMismatch(f"the service received the envelope of {where}, but the store no longer holds it")
            return None
        if receipt is None:
            raise StoreMismatch(f"the store holds an envelope for {where} that the service has no receipt of")
        received = ciphertext_hash(stored.envelope)
        if stored.envelope_hash is not None and stored.envelope_hash != received:
            raise StoreMismatch(f"the stored hash of {where}'s envelope is 0x{stored.envelope_hash.hex()}, the "
                                f"envelope hashes to 0x{received.hex()}")
        digest = receipts.receipt_digest(receipts.ENVELOPE, chain_id=self.chain_id, contract=self.book.address,
                                         key=tender_id + commitment, content_hash=received)
        if receipts.receipt_signer(digest, receipt) != self.centre.address:
            raise StoreMismatch(f"the stored envelope of {where} is not the one the service received (its receipt "
                                "names another ciphertext)")
        return stored

    # ------------------------------------------------------------------ reads
    def versions(self, tender_id: bytes) -> list[TenderVersionInfo]:
        return versions(self.book, self.records, tender_id)

    def results(self, *, tender_id: bytes, section: int, viewer: str | None) -> SectionResults:
        return results(self.book, self.records, chain_id=self.chain_id, tender_id=tender_id, section=section,
                       viewer=viewer)

