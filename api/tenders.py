"""Tender services behind the API: publish, accept sealed bids (batched relay), open, publish.

The trading centre runs this service and its operator key is the centre on chain. The opening
key is generated and split on the publishing client; the service only ever sees the public key
and the share hashes, so it cannot open a bid before k officers release their shares on chain.
Bids are signed by the bidders (EIP-712) and relayed in batches: the service can delay a bid
but not forge or alter one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from eth_utils import keccak
from hexbytes import HexBytes
from sqlmodel import select

from api.db.credentials import CredentialRecord
from api.encoding import to_hex
from api.views import tenders as views
from api.db import tenders as db
from api.db.journal import Store
from api.db.tenders import BidEnvelope, OpeningRecord, TenderRecord
from ledger.chain.relay import decode_signed_tx, relay
from ledger.crypto.bids import authorisation
from ledger.model.receipt import Mined
from ledger.model.tender import Outcome, Tender
from ledger.rules.opening import open_bid, rebuild_opening_key
from ledger.service import tenders as service
from ledger.service.ports import GuaranteeCheck
from ledger.rules.credit import CreditEntry, CreditStanding, standing
from ledger.documents import Kind, SealedCredential
from ledger.rules.eligibility import TickedCredential, check_bid
from ledger.errors import LedgerError, NotFound, Unauthorised, ValidationFailed
from ledger.crypto.sealing import MIN_ENVELOPE_SIZE, ciphertext_hash
from ledger.crypto.sealing import VERSION as SEAL_VERSION
from ledger.crypto.shares import Share
from ledger.tenders import TenderParams
from ledger.rules.verify import CheckStatus

MAX_ENVELOPE = 32 * 1024 * 1024


def _tender(store: Store, tender_id: str) -> TenderRecord:
    with store.session() as s:
        row = s.get(TenderRecord, (store.chain_key, tender_id.lower()))
    if row is None:
        raise NotFound("UnknownTender", {"tenderId": tender_id}, f"no tender {tender_id}")
    return row


def published(row: TenderRecord) -> Tender:
    params = TenderParams.model_validate_json(row.params)
    return Tender(
        tender_id=bytes(HexBytes(row.tender_id)), params=params, doc_hash=bytes(HexBytes(row.doc_hash)),
        deadline=row.deadline, opening_public=bytes(HexBytes(row.opening_public)),
        officers=tuple(json.loads(row.officers)), threshold=row.threshold,
        share_hashes=tuple(bytes(HexBytes(h)) for h in json.loads(row.share_hashes)),
        mined=Mined(bytes(HexBytes(row.tx_hash)), 0),
    )


def require_centre(store: Store, signer: str) -> None:
    if not store.runtime.tender_book.is_centre(signer):
        raise Unauthorised("NotCentre", {"caller": signer}, f"{signer} is not an authorised trading centre")


# ---------------------------------------------------------------------- publish


def publish(
    store: Store, *, signer: str, params: TenderParams, document: bytes, opening_public: bytes,
    share_hashes: Sequence[bytes], officers: Sequence[str], threshold: int,
) -> dict[str, Any]:
    """Publish a tender whose opening key was generated and split by the caller."""
    require_centre(store, signer)
    rt = store.runtime
    if len(opening_public) != 32:
        raise ValidationFailed("opening_public_key must be 32 bytes (X25519)")
    if len(share_hashes) != len(officers):
        raise ValidationFailed("one share hash per officer")
    now = rt.client.block_timestamp()
    deadline = int(params.deadline.timestamp())
    if deadline <= now:
        raise ValidationFailed(f"the deadline {params.deadline.isoformat()} has passed")
    terms = service.terms_for(params, document=document, opening_public=opening_public, share_hashes=share_hashes,
                              officers=officers, threshold=threshold)
    db.file_documents(store, *db.tender_documents(params, document))
    rt.tender_book.publish_tender(rt.operator, params.tender_id(), terms)
    db.catch_up(store)
    return tender_view(store, _tender(store, to_hex(params.tender_id())))


def amend(store: Store, *, signer: str, tender_id: str, params: TenderParams, document: bytes, reason: str) -> dict[str, Any]:
    """A new, visible version: new documents, parameters and deadline, with the reason on chain."""
    require_centre(store, signer)
    row = _tender(store, tender_id)
    if to_hex(params.tender_id()) != row.tender_id:
        raise ValidationFailed("an amendment cannot change the project code (it names the tender)")
    rt = store.runtime
    if not reason.strip():
        raise ValidationFailed("an amendment needs a reason")
    db.file_documents(store, *db.tender_documents(params, document),
                      (db.REASON, keccak(reason.encode()), reason.encode()))
    service.amend_on_chain(rt.tender_book, rt.operator, params=params, document=document, reason=reason)
    db.catch_up(store)
    return tender_view(store, _tender(store, tender_id))


def versions(store: Store, tender_id: str) -> list[dict[str, Any]]:
    row = _tender(store, tender_id)
    return [views.version(v) for v in service.versions(db.SqlTenderRecords(store), bytes(HexBytes(row.tender_id)))]


def tender_view(store: Store, row: TenderRecord) -> dict[str, Any]:
    """The tender as the chain holds it (the opening key, deadline and hashes come from
    TenderBook.tenderOf, not from this service's database), plus its published parameters."""
    rt = store.runtime
    on_chain = rt.tender_book.tender(bytes(HexBytes(row.tender_id)))
    t = on_chain.terms
    return {
        "tender_id": row.tender_id, "project_code": row.project_code, "params": json.loads(row.params),
        "params_hash": to_hex(t.params_hash), "doc_hash": to_hex(t.doc_hash), "deadline": t.deadline,
        "opening_window_s": t.opening_window, "min_valid_bids": t.min_valid_bids,
        "opening_public_key": to_hex(t.opening_public), "officers": list(t.officers), "threshold": t.threshold,
        "share_hashes": [to_hex(h) for h in t.share_hashes], "version": on_chain.version, "centre": on_chain.centre,
        "issued_at": on_chain.issued_at, "tx_hash": row.tx_hash,
        "chain_id": rt.client.chain_id, "tender_book": rt.addresses["TenderBook"],
    }


# ---------------------------------------------------------------------- bids


class BidRelayer(service.BidRelayer):
    """The service's batched relay of bidder-signed bids, on the store's TenderBook and operator."""

    def __init__(self, store: Store, window_s: float = 0.01, max_batch: int = 200) -> None:
        super().__init__(store.runtime.tender_book, store.runtime.operator, window_s, max_batch)


def _identity_of(store: Store, bidder: str) -> str:
    """The USCC whose identity credential (营业执照) binds `bidder`'s signing address, valid now."""
    from ledger import registry as reg

    rt = store.runtime
    with store.session() as s:
        rows = s.exec(
            select(CredentialRecord).where(
                CredentialRecord.chain_key == store.chain_key,
                CredentialRecord.kind == int(Kind.IDENTITY),
                CredentialRecord.signing_address == bidder,
            )
        ).all()
    now = rt.client.block_timestamp()
    for r in rows:
        st = reg.status_at(client=rt.client, registry=rt.contract("CredentialRegistry"),
                           root=bytes(HexBytes(r.root)), credential_id=bytes(HexBytes(r.credential_id)), at=now)
        if st.status is reg.Status.VALID:
            return r.subject
    raise Unauthorised(
        "NoIdentity", {"bidder": bidder},
        f"{bidder} is bound to no firm: it needs a valid identity credential (营业执照) naming this key",
    )


def submit_bid(
    store: Store, relayer: BidRelayer, *, signer: str, tender_id: str, section: int, envelope: bytes,
    auth: dict[str, Any],
) -> dict[str, Any]:
    """Store a sealed bid and commit the bidder-signed commitment on chain (batched)."""
    row = _tender(store, tender_id)
    params = TenderParams.model_validate_json(row.params)
    if not 0 <= section < len(params.sections):
        raise NotFound("UnknownSection", {"tenderId": tender_id, "section": section},
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
    uscc = _identity_of(store, signer)
    full = authorisation({**auth, "tenderId": bytes(HexBytes(row.tender_id)), "section": section})
    relayer.check(full)  # dry run alone: late, replayed or badly signed bids are refused here, never batched
    db.file_documents(store, (db.ENVELOPE, full.commitment, envelope))
    mined = relayer.submit(full)
    db.catch_up(store)
    return {"tender_id": row.tender_id, "section": section, "bidder": signer, "firm": uscc,
            "commitment": to_hex(full.commitment), "envelope_hash": to_hex(ciphertext_hash(envelope)),
            "tx_hash": to_hex(mined.tx_hash), "block_number": mined.block_number}


def withdraw_by_signature(
    store: Store, relayer: BidRelayer, *, signer: str, tender_id: str, section: int, auth: dict[str, Any]
) -> dict[str, Any]:
    """Relay a bidder's signed zero-commitment Bid, which withdraws its live bid."""
    row = _tender(store, tender_id)
    full = authorisation({**auth, "tenderId": bytes(HexBytes(row.tender_id)), "section": section})
    relayer.check(full)  # dry run alone: no live bid, too late or a bad signature is refused here
    mined = relayer.submit(full)
    db.catch_up(store)
    return {"function": "submitBidsBySig (withdrawal)", "tx_hash": to_hex(mined.tx_hash),
            "block_number": mined.block_number}


def my_bid(store: Store, *, signer: str, tender_id: str, section: int) -> dict[str, Any]:
    """The bidder's own live bid: on-chain commitment and the stored envelope that matches it."""
    row = _tender(store, tender_id)
    bid = store.runtime.tender_book.bid(bytes(HexBytes(row.tender_id)), section, signer)
    commitment = to_hex(bid.commitment)
    with store.session() as s:
        stored = s.get(BidEnvelope, (store.chain_key, row.tender_id, section, signer, commitment))
    if stored is None or not bid.live:
        raise NotFound("NoBid", {"bidder": signer}, "no live bid of yours in this section")
    return {"commitment": commitment, "version": bid.version, "opened": bid.opened,
            "envelope_hash": stored.envelope_hash, "envelope": to_hex(stored.envelope),
            "uploaded_at": stored.uploaded_at.isoformat()}


def relay_signed(store: Store, *, signer: str, signed_tx: str, functions: Sequence[str]) -> dict[str, Any]:
    """Relay a bidder's withdrawBid or an officer's releaseShare, signed by its own key."""
    book = store.runtime.tender_book
    relayed = decode_signed_tx(book, signed_tx)
    if relayed.sender != signer:
        raise Unauthorised("SignerMismatch", {}, f"the transaction is signed by {relayed.sender}, the request by {signer}")
    if relayed.function not in functions:
        raise ValidationFailed(f"signed_tx calls {relayed.function}, expected {' or '.join(functions)}")
    mined = relay(book, relayed)
    db.catch_up(store)
    return {"function": relayed.function, "tx_hash": to_hex(mined.tx_hash), "block_number": mined.block_number}


# ---------------------------------------------------------------------- opening and publication


def open_section(store: Store, guarantee_check: GuaranteeCheck, *, signer: str, tender_id: str,
                 section: int) -> dict[str, Any]:
    """Rebuild the opening key from released shares, open every live bid, record each attempt
    and every credential used, check eligibility as of the deadline, close the section."""
    require_centre(store, signer)
    row = _tender(store, tender_id)
    tender = published(row)
    rt = store.runtime
    book = rt.tender_book
    shares: list[Share] = book.released_shares(tender.tender_id)
    key = rebuild_opening_key(tender, shares)
    bidders = book.bidders(tender.tender_id, section)
    opened: list[str] = []
    valid = 0
    for bidder in sorted(bidders):
        bid = book.bid(tender.tender_id, section, bidder)
        if not bid.live or bid.opened:
            continue
        with store.session() as s:
            stored = s.get(BidEnvelope, (store.chain_key, row.tender_id, section, bidder, to_hex(bid.commitment)))
        opening = open_bid(
            key=key, chain_id=rt.client.chain_id, book_address=book.address, tender_id=tender.tender_id,
            section=section, bidder=bidder, envelope=stored.envelope if stored else None,
            uploaded_hash=bytes(HexBytes(stored.envelope_hash)) if stored else None, commitment=bid.commitment,
        )
        book.check_opening(rt.operator.address, tender.tender_id, opening)  # before anything is recorded
        report_json: dict[str, Any] = {}
        eligible = False
        if opening.outcome is Outcome.DECRYPTED:
            eligible, report_json = _eligibility(store, tender, section, bidder, opening.credential_ids)
            # The bid's e-guarantee (or credit commitment letter) joins its eligibility report,
            # and its verification is recorded on chain.
            guarantee = guarantee_check(tender=tender, section=section, bidder=bidder, opening_key=key,
                                        package=opening.package, record=True)
            report_json.setdefault("checks", []).append(
                {"name": guarantee.name, "status": guarantee.status.name, "reason": guarantee.reason})
            if guarantee.status in (CheckStatus.INVALID, CheckStatus.ERROR):
                eligible = False
            report_json["eligible"] = eligible
            valid += 1 if eligible else 0
        # The report is filed under the bid's commitment before the opening goes on chain, so the
        # journal finds it when it projects BidOpened / DecryptionFailed.
        db.file_documents(store, (db.OPENING, bid.commitment, db.opening_document(
            reason=opening.reason, price=str(opening.package.price) if opening.package else None,
            eligibility=report_json)))
        book.record_opening(rt.operator, tender.tender_id, opening)
        opened.append(bidder)
    status = book.close_section(rt.operator, tender.tender_id, section, valid)
    db.catch_up(store)
    with store.session() as s:
        rows = {r.bidder: r for r in s.exec(select(OpeningRecord).where(
            OpeningRecord.chain_key == store.chain_key, OpeningRecord.tender_id == row.tender_id,
            OpeningRecord.section == section))}
    return {"tender_id": row.tender_id, "section": section, "status": status.name, "valid_bids": valid,
            "bids": [_opening_view(rows[b]) for b in opened]}


def _eligibility(store: Store, tender: Tender, section: int, bidder: str,
                 ids: list[bytes]) -> tuple[bool, dict[str, Any]]:
    rt = store.runtime
    ticked = []
    with store.session() as s:
        for cid in ids:
            r = s.get(CredentialRecord, (store.chain_key, to_hex(cid)))
            if r is None:
                return False, {"checks": [{"name": f"credential {to_hex(cid)}", "status": "INVALID",
                                           "reason": "not an anchored credential"}]}
            ticked.append(TickedCredential(cid, SealedCredential.from_json(r.sealed), bytes(HexBytes(r.root)),
                                           [bytes(HexBytes(p)) for p in json.loads(r.proof)]))
    try:
        uscc = _identity_of(store, bidder)
    except LedgerError as exc:
        return False, {"checks": [{"name": "identity", "status": "INVALID", "reason": str(exc)}]}
    credit = credit_standing(store, uscc, at=tender.deadline)
    report = check_bid(rt.client, rt.contract("CredentialRegistry"), section=tender.params.sections[section],
                       bidder=bidder, bidder_uscc=uscc, deadline=tender.deadline, ticked=ticked, credit=credit)
    return report.eligible, {
        "firm": uscc, "eligible": report.eligible,
        "checks": [{"name": c.name, "status": c.status.name, "reason": c.reason} for c in report.checks],
    }


def credit_standing(store: Store, uscc: str, *, at: int) -> CreditStanding:
    """A firm's black/red-list standing at `at`, from every credit record anchored about it."""
    with store.session() as s:
        rows = s.exec(select(CredentialRecord).where(
            CredentialRecord.chain_key == store.chain_key, CredentialRecord.subject == uscc,
            CredentialRecord.kind == int(Kind.CREDIT))).all()
    entries = [CreditEntry(bytes(HexBytes(r.credential_id)), SealedCredential.from_json(r.sealed),
                           bytes(HexBytes(r.root))) for r in rows]
    rt = store.runtime
    return standing(rt.client, rt.contract("CredentialRegistry"), uscc=uscc, entries=entries, at=at)


def _opening_view(r: OpeningRecord) -> dict[str, Any]:
    return views.opened_bid(db.opened_bid(r))


def publish_evaluation(store: Store, *, signer: str, tender_id: str, section: int, report: bytes) -> dict[str, Any]:
    """Anchor the evaluation report; from then on what each bidder used is public."""
    require_centre(store, signer)
    row = _tender(store, tender_id)
    rt = store.runtime
    mined = rt.tender_book.publish_evaluation(rt.operator, bytes(HexBytes(row.tender_id)), section, report)
    db.catch_up(store)
    return {"tx_hash": to_hex(mined.tx_hash), "report_hash": to_hex(keccak(report))}


def results(store: Store, *, tender_id: str, section: int, viewer: str | None) -> dict[str, Any]:
    """What each bidder used and how it verified (`ledger.service.tenders.results`), as JSON."""
    row = _tender(store, tender_id)
    return views.section_results(service.results(
        store.runtime.tender_book, db.SqlTenderRecords(store), tender_id=bytes(HexBytes(row.tender_id)),
        section=section, viewer=viewer))
