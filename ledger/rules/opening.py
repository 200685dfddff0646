"""Opening sealed bids: the key from released shares, and what each decryption attempt comes to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Protocol

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
from ledger.model.tender import BidEligibility, Opening, Outcome
from ledger.rules.reasons import ALTERED, SENTENCES, Reason, said
from ledger.rules.verify import Check, CheckStatus

ONE_BID_PER_FIRM = "one_bid_per_firm"

FAILURE_CODES = {
    FailureReason.MALFORMED: Reason.OPENING_MALFORMED,
    FailureReason.AUTHENTICATION: Reason.OPENING_UNAUTHENTICATED,
    FailureReason.INVALID_PACKAGE: Reason.OPENING_INVALID_PACKAGE,
}
"""Why the envelope the bidder committed to did not open, with the detail: each is the bidder's
doing (撤销). Every opening's reason is said by a code of `ledger.rules.reasons.OPENING`."""

FAILURE_CAUSES = {failure: SENTENCES[code].removesuffix(": {detail}") for failure, code in FAILURE_CODES.items()}
"""Each failure's cause, the sentence before its detail."""


class KeyTerms(Protocol):
    """What rebuilding a tender's opening key needs: the model `Tender`, or the chain's own terms
    (`OnChainTender.terms`) for anyone who reads only the chain."""

    @property
    def threshold(self) -> int: ...

    @property
    def opening_public(self) -> bytes: ...

    @property
    def share_hashes(self) -> Sequence[bytes]: ...


@lru_cache(maxsize=65_536)
def _checksummed(address: str) -> str:
    """`to_checksum_address`, remembered: every bid of a bidder names the same key."""
    return str(to_checksum_address(address))


def rebuild_opening_key(tender: KeyTerms, shares: Sequence[Share]) -> OpeningKey:
    """The opening key from k released shares, checked against the published public key."""
    private = combine(list(shares), k=tender.threshold, expected_public=tender.opening_public,
                      share_hashes=list(tender.share_hashes))
    return OpeningKey(private)


def open_bid(
    *, key: OpeningKey, chain_id: int, book_address: str, tender_id: bytes, section: int,
    bidder: str, envelope: bytes | None, credential_set_commitment: bytes | None, commitment: bytes,
) -> Opening:
    """Decrypt one bid and decide the outcome: the one rule for the centre at opening and for
    anyone who reruns a recorded opening afterwards.

    `commitment` is the bidder-signed commitment on chain; `envelope` and
    `credential_set_commitment` are what the platform holds for the bid (the bidder uploaded both,
    and the second travels in clear: it is a salted hash that hides the ticked ids).

    - If they do not rebuild the commitment (missing, lost, or rewritten by anyone but the bidder),
      the platform does not hold what the bidder committed to: 撤回 (FAILED_OTHER), recorded
      without proof, since none can be given.
    - Otherwise the envelope is the bidder's own, proven against its signed commitment. If it
      does not open with the tender's key (checked against the published public key when it was
      rebuilt) under this bid's context, or opens but its ticked credentials do not hash to the
      committed credential set, the bidder caused it: 撤销 (FAILED_BIDDER), recorded with the
      ciphertext hash and the credential-set commitment so that anyone can rerun this function.
    - Otherwise DECRYPTED.
    """
    bidder = _checksummed(bidder)
    if envelope is None or credential_set_commitment is None:
        return Opening(bidder, section, Outcome.FAILED_OTHER, _said(Reason.OPENING_NOT_HELD), b"")
    digest = ciphertext_hash(envelope)
    held = bid_commitment(
        chain_id=chain_id, contract=book_address, tender_id=tender_id, section=section, bidder=bidder,
        ciphertext_hash=digest, credential_set_commitment=credential_set_commitment,
    )
    if held != commitment:
        return Opening(bidder, section, Outcome.FAILED_OTHER,
                       _said(Reason.OPENING_NOT_REBUILT, ciphertext_hash=f"0x{digest.hex()}"), b"")
    aad = bid_aad(chain_id=chain_id, contract=book_address, tender_id=tender_id, section=section, bidder=bidder)
    try:
        package = BidPackage.decrypt(envelope, key, aad)
    except DecryptionFailed as exc:
        if exc.reason is FailureReason.AUTHENTICATION and exc.detail == ALTERED:
            why = _said(Reason.OPENING_WRONG_KEY)
        elif exc.reason in FAILURE_CODES:
            why = _said(FAILURE_CODES[exc.reason], detail=exc.detail)
        else:
            why = f"{exc}: {exc.detail}"
        return Opening(bidder, section, Outcome.FAILED_BIDDER, why, digest,
                       credential_set_commitment=credential_set_commitment)
    if package.credential_set_commitment() != credential_set_commitment:
        return Opening(bidder, section, Outcome.FAILED_BIDDER, _said(Reason.OPENING_CREDENTIALS_MISMATCH), digest,
                       credential_set_commitment=credential_set_commitment)
    return Opening(bidder, section, Outcome.DECRYPTED, _said(Reason.OPENING_DECRYPTED), digest, package,
                   credential_set_commitment=credential_set_commitment)


def _said(reason: Reason, **args: str) -> str:
    """The sentence of an opening's reason. An opening keeps only its sentence (what the chain's
    record, the centre's signed report and a rerun compare): its code and arguments are read back
    from it by whoever words it in another language (`ledger.rules.reasons.recognised`)."""
    return said(reason, **args)[0]


def rerun_opening(
    *, terms: KeyTerms, shares: Sequence[Share], chain_id: int, book_address: str, tender_id: bytes,
    section: int, bidder: str, envelope: bytes, credential_set_commitment: bytes, commitment: bytes,
) -> Opening:
    """An auditor's rerun of a recorded opening from public data only: the tender's terms and the
    shares released on chain, the envelope published after opening, and the credential-set
    commitment and the commitment the chain holds. The same rule as at opening (`open_bid`)."""
    return open_bid(key=rebuild_opening_key(terms, shares), chain_id=chain_id, book_address=book_address,
                    tender_id=tender_id, section=section, bidder=bidder, envelope=envelope,
                    credential_set_commitment=credential_set_commitment, commitment=commitment)


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
            out[key] = BidEligibility(firm=report.firm, eligible=False, checks=(*report.checks, Check(
                ONE_BID_PER_FIRM, CheckStatus.INVALID,
                *said(Reason.ONE_BID_PER_FIRM, firm=firm, others=[k for k in keys if k != key]))))
    return out
