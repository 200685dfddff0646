"""Opening sealed bids: the key from released shares, and what each decryption attempt comes to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eth_utils import to_checksum_address

from ledger.crypto.sealing import (
    BidPackage,
    DecryptionFailed,
    FailureReason,
    OpeningKey,
    bid_aad,
    bid_commitment,
    ciphertext_hash,
)
from ledger.crypto.shares import Share, combine
from ledger.model.tender import BidEligibility, Opening, Outcome, Tender
from ledger.rules.verify import Check, CheckStatus

ONE_BID_PER_FIRM = "one_bid_per_firm"


def rebuild_opening_key(tender: Tender, shares: Sequence[Share]) -> OpeningKey:
    """The opening key from k released shares, checked against the published public key."""
    private = combine(list(shares), k=tender.threshold, expected_public=tender.opening_public,
                      share_hashes=list(tender.share_hashes))
    return OpeningKey(private)


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


def one_bid_per_firm(reports: Mapping[str, BidEligibility | None]) -> dict[str, BidEligibility | None]:
    """One firm, one bid per section (实施条例 Art. 51), whatever keys it holds.

    `reports` maps each opened bid's key to its eligibility (None for a bid that did not open).
    Where one firm stands behind the bids of two or more keys, every one of those bids is
    rejected — the default rule, and recorded: each gets a check naming the firm's other keys —
    rather than one of them kept silently. Keys are judged by the firm their identity credential
    names as of the deadline (see `TenderService.eligibility`).
    """
    keys_of: dict[str, list[str]] = {}
    for key, report in reports.items():
        if report is not None and report.firm:
            keys_of.setdefault(report.firm, []).append(key)
    out = dict(reports)
    for firm, keys in keys_of.items():
        if len(keys) < 2:
            continue
        for key in keys:
            report = reports[key]
            assert report is not None
            others = ", ".join(k for k in keys if k != key)
            out[key] = BidEligibility(firm=report.firm, eligible=False, checks=(*report.checks, Check(
                ONE_BID_PER_FIRM, CheckStatus.INVALID,
                f"firm {firm} also bid in this section with {others}: a firm places one bid per section "
                "(实施条例 Art. 51), so all of its bids are rejected")))
    return out
