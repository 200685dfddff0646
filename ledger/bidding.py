"""Tenders and sealed bids on the TenderBook contract: publish, bid, release shares, open, close.

The centre publishes a tender with an X25519 opening key that nobody holds whole: it is split
k-of-n among the opening officers at publication and the private key is dropped. Bidders seal
their bids to the opening public key and commit on chain; after the deadline, k officers
release their shares, the key is rebuilt, and every bid is opened and recorded with its cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract
from web3.types import TxReceipt

from ledger.chain.client import ChainClient
from ledger.model.receipt import Mined
from ledger.model.tender import Outcome, SectionStatus, Tender
from ledger.errors import ValidationFailed
from ledger.crypto.sealing import (
    BidPackage,
    DecryptionFailed,
    FailureReason,
    OpeningKey,
    bid_aad,
    bid_commitment,
    ciphertext_hash,
)
from ledger.crypto.shares import Share, combine, share_hash, split
from ledger.tenders import TenderParams


def _mined(receipt: TxReceipt) -> Mined:
    return Mined(bytes(receipt["transactionHash"]), int(receipt["blockNumber"]), int(receipt["gasUsed"]))


def publish_tender(
    *,
    client: ChainClient,
    book: Contract,
    centre: LocalAccount,
    params: TenderParams,
    document: bytes,
    officers: Sequence[str],
    threshold: int,
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
    deadline = int(params.deadline.timestamp())
    doc_hash = keccak(document)
    terms = (
        doc_hash, params.params_hash(), len(params.sections), deadline, params.opening_window_s,
        params.min_valid_bids, key.public, threshold, list(hashes), list(officers),
    )
    receipt = client.send(centre, book.functions.publishTender(params.tender_id(), terms))
    published = Tender(
        tender_id=params.tender_id(), params=params, doc_hash=doc_hash, deadline=deadline,
        opening_public=key.public, officers=officers, threshold=threshold, share_hashes=hashes,
        mined=_mined(receipt),
    )
    return published, dict(zip(officers, shares, strict=True))


def amend_tender(
    *, client: ChainClient, book: Contract, centre: LocalAccount, params: TenderParams,
    document: bytes, reason: str,
) -> Mined:
    """A new, visible version of the tender: new document, parameters and deadline, with a reason."""
    if not reason.strip():
        raise ValidationFailed("an amendment needs a reason")
    fn = book.functions.amendTender(
        params.tender_id(), keccak(document), params.params_hash(), int(params.deadline.timestamp()),
        keccak(reason.encode()),
    )
    return _mined(client.send(centre, fn))


# ---------------------------------------------------------------------- bidder side


@dataclass(frozen=True)
class SealedBid:
    """What a bidder uploads (envelope) and commits on chain (commitment); keeps `package`."""

    tender_id: bytes
    section: int
    bidder: str
    envelope: bytes
    commitment: bytes
    package: BidPackage = field(repr=False)


def seal_bid(
    *, chain_id: int, book_address: str, tender_id: bytes, section: int, bidder: str,
    opening_public: bytes, package: BidPackage,
) -> SealedBid:
    """Encrypt the bid to the tender's opening key, bound to this tender, section and bidder."""
    aad = bid_aad(chain_id=chain_id, contract=book_address, tender_id=tender_id, section=section,
                  bidder=bidder)
    envelope = package.encrypt(opening_public, aad)
    commitment = bid_commitment(
        chain_id=chain_id, contract=book_address, tender_id=tender_id, section=section,
        bidder=bidder, ciphertext_hash=ciphertext_hash(envelope),
        credential_set_commitment=package.credential_set_commitment(),
    )
    return SealedBid(tender_id, section, to_checksum_address(bidder), envelope, commitment, package)


def submit_bid(*, client: ChainClient, book: Contract, bidder: LocalAccount, sealed: SealedBid) -> Mined:
    """Commit the sealed bid by the bidder's own transaction (replaces a live bid)."""
    return _mined(client.send(bidder, book.functions.submitBid(sealed.tender_id, sealed.section, sealed.commitment)))


def withdraw_bid(*, client: ChainClient, book: Contract, bidder: LocalAccount, tender_id: bytes, section: int) -> Mined:
    return _mined(client.send(bidder, book.functions.withdrawBid(tender_id, section)))


BID_TYPES = {
    "Bid": [
        {"name": "tenderId", "type": "bytes32"},
        {"name": "section", "type": "uint16"},
        {"name": "commitment", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint64"},
    ]
}


def sign_bid(
    *, bidder: LocalAccount, chain_id: int, book_address: str, sealed: SealedBid, nonce: int, expiry: int
) -> dict[str, Any]:
    """An EIP-712 authorisation any relayer can submit in a batch; it cannot be altered."""
    message = encode_typed_data(
        domain_data={"name": "TenderBook", "version": "1", "chainId": chain_id,
                     "verifyingContract": to_checksum_address(book_address)},
        message_types=BID_TYPES,
        message_data={"tenderId": sealed.tender_id, "section": sealed.section,
                      "commitment": sealed.commitment, "nonce": nonce, "expiry": expiry},
    )
    signature = bytes(bidder.sign_message(message).signature)
    return {"tenderId": sealed.tender_id, "section": sealed.section, "commitment": sealed.commitment,
            "bidder": bidder.address, "nonce": nonce, "expiry": expiry, "signature": signature}


def relay_bids(*, client: ChainClient, book: Contract, relayer: LocalAccount, auths: Sequence[dict[str, Any]]) -> Mined:
    """Submit many bidder-signed bids in one transaction (all or none)."""
    rows = [(a["tenderId"], a["section"], a["commitment"], a["bidder"], a["nonce"], a["expiry"], a["signature"])
            for a in auths]
    return _mined(client.send(relayer, book.functions.submitBidsBySig(rows)))


# ---------------------------------------------------------------------- opening


def release_share(*, client: ChainClient, book: Contract, officer: LocalAccount, tender_id: bytes, share: Share) -> Mined:
    """An officer publishes its share after the deadline (the contract checks it is the right one)."""
    return _mined(client.send(officer, book.functions.releaseShare(tender_id, share.to_bytes())))


def released_shares(*, client: ChainClient, book: Contract, tender_id: bytes, from_block: int = 0) -> list[Share]:
    logs = book.events.ShareReleased.get_logs(
        from_block=from_block, to_block="latest", argument_filters={"tenderId": tender_id}
    )
    return [Share.from_bytes(bytes(log["args"]["share"])) for log in logs]


def rebuild_opening_key(tender: Tender, shares: Sequence[Share]) -> OpeningKey:
    """The opening key from k released shares, checked against the published public key."""
    private = combine(list(shares), k=tender.threshold, expected_public=tender.opening_public,
                      share_hashes=list(tender.share_hashes))
    return OpeningKey(private)


@dataclass(frozen=True)
class Opening:
    """The result of one decryption attempt and the cause when it failed."""

    bidder: str
    section: int
    outcome: Outcome
    reason: str
    envelope_hash: bytes
    package: BidPackage | None = field(default=None, repr=False)

    @property
    def credential_ids(self) -> list[bytes]:
        return sorted(self.package.credential_ids) if self.package else []


def open_bid(
    *, key: OpeningKey, chain_id: int, book_address: str, tender_id: bytes, section: int,
    bidder: str, envelope: bytes | None, uploaded_hash: bytes | None, commitment: bytes,
) -> Opening:
    """Decrypt one bid and decide the outcome.

    `uploaded_hash` is the envelope hash the bidder signed when uploading. If the stored
    envelope is missing or no longer hashes to it, the platform lost or damaged it: 撤回
    (FAILED_OTHER). If it is the bidder's own envelope and still cannot be opened, or its
    content does not match the on-chain commitment, the bidder caused it: 撤销 (FAILED_BIDDER).
    """
    bidder = to_checksum_address(bidder)
    if envelope is None:
        return Opening(bidder, section, Outcome.FAILED_OTHER, "the platform holds no ciphertext for this bid", b"")
    digest = ciphertext_hash(envelope)
    if uploaded_hash is not None and digest != uploaded_hash:
        return Opening(bidder, section, Outcome.FAILED_OTHER,
                       "the stored ciphertext differs from the one the bidder uploaded", digest)
    aad = bid_aad(chain_id=chain_id, contract=book_address, tender_id=tender_id, section=section, bidder=bidder)
    try:
        package = BidPackage.decrypt(envelope, key, aad)
    except DecryptionFailed as exc:
        cause = {
            FailureReason.MALFORMED: "the bidder's envelope is malformed",
            FailureReason.AUTHENTICATION: "the bidder's envelope does not open with the tender's key "
            "and context (sealed to another key, tender, section or bidder)",
            FailureReason.INVALID_PACKAGE: "the bidder's envelope holds no valid bid package",
        }.get(exc.reason, str(exc))
        return Opening(bidder, section, Outcome.FAILED_BIDDER, cause, digest)
    expected = bid_commitment(
        chain_id=chain_id, contract=book_address, tender_id=tender_id, section=section, bidder=bidder,
        ciphertext_hash=digest, credential_set_commitment=package.credential_set_commitment(),
    )
    if expected != commitment:
        return Opening(bidder, section, Outcome.FAILED_BIDDER,
                       "the revealed bid does not match the bidder's on-chain commitment", digest)
    return Opening(bidder, section, Outcome.DECRYPTED, "decrypted; matches the commitment", digest, package)


def record_opening(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, opening: Opening) -> Mined:
    """Record the attempt on chain; a decrypted bid logs every credential it used."""
    if opening.outcome is Outcome.DECRYPTED:
        assert opening.package is not None
        fn = book.functions.recordOpening(
            tender_id, opening.section, opening.bidder, int(opening.outcome), opening.envelope_hash,
            bytes(opening.package.salt), opening.credential_ids,
        )
    else:
        fn = book.functions.recordOpening(
            tender_id, opening.section, opening.bidder, int(opening.outcome),
            opening.envelope_hash or b"\x00" * 32, keccak(opening.reason.encode()), [],
        )
    return _mined(client.send(centre, fn))


def close_section(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int, valid_bids: int) -> SectionStatus:
    """Close a section after opening; fewer valid bids than the tender's minimum fails it (流标)."""
    client.send(centre, book.functions.closeSection(tender_id, section, valid_bids))
    status = client.call(book.functions.sectionOf(tender_id, section))[0]
    return SectionStatus(status)


def publish_evaluation(*, client: ChainClient, book: Contract, centre: LocalAccount, tender_id: bytes, section: int, report: bytes) -> Mined:
    return _mined(client.send(centre, book.functions.publishEvaluation(tender_id, section, keccak(report))))


def bid_of(*, client: ChainClient, book: Contract, tender_id: bytes, section: int, bidder: str) -> dict[str, Any]:
    commitment, version, opened, outcome = client.call(book.functions.bidOf(tender_id, section, to_checksum_address(bidder)))
    return {"commitment": bytes(commitment), "version": version, "opened": opened, "outcome": Outcome(outcome)}
