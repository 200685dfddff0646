"""A sealed bid and its EIP-712 `Bid` authorisation: what a bidder uploads, commits and signs.

The one place the `Bid` typed data is defined: the bidder's client signs it, TenderBook checks it,
and the service relays it in batches without being able to alter it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.crypto.sealing import BidPackage, bid_aad, bid_commitment, ciphertext_hash

BID_TYPES: dict[str, list[dict[str, str]]] = {
    "Bid": [
        {"name": "tenderId", "type": "bytes32"},
        {"name": "section", "type": "uint16"},
        {"name": "commitment", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint64"},
    ]
}
WITHDRAWAL = b"\x00" * 32  # a Bid over a zero commitment withdraws the live bid


@dataclass(frozen=True)
class SealedBid:
    """What a bidder uploads (envelope and credential-set commitment) and commits on chain
    (commitment); keeps `package`."""

    tender_id: bytes
    section: int
    bidder: str
    envelope: bytes
    commitment: bytes
    package: BidPackage = field(repr=False)

    @property
    def credential_set_commitment(self) -> bytes:
        """The salted hash of the ticked credentials: uploaded in clear with the envelope (it hides
        the ids), so that the commitment can be checked, and a failed opening proven, without the salt."""
        return self.package.credential_set_commitment()


@dataclass(frozen=True)
class BidAuthorisation:
    """A bidder's EIP-712 signed `Bid`: any relayer may submit it, none can alter it."""

    tender_id: bytes
    section: int
    commitment: bytes
    bidder: str
    nonce: int
    expiry: int
    signature: bytes


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


def bid_typed_data(*, chain_id: int, book_address: str, tender_id: bytes, section: int, commitment: bytes,
                   nonce: int, expiry: int) -> SignableMessage:
    """The EIP-712 `Bid` message TenderBook checks (domain: TenderBook, version 1, chain, contract)."""
    return encode_typed_data(
        domain_data={"name": "TenderBook", "version": "1", "chainId": chain_id,
                     "verifyingContract": to_checksum_address(book_address)},
        message_types=BID_TYPES,
        message_data={"tenderId": tender_id, "section": section, "commitment": commitment,
                      "nonce": nonce, "expiry": expiry},
    )


def authorise_bid(*, bidder: LocalAccount, chain_id: int, book_address: str, tender_id: bytes, section: int,
                  commitment: bytes, nonce: int, expiry: int) -> BidAuthorisation:
    """Sign a `Bid` (a zero `commitment` withdraws) with the bidder's own key."""
    message = bid_typed_data(chain_id=chain_id, book_address=book_address, tender_id=tender_id, section=section,
                             commitment=commitment, nonce=nonce, expiry=expiry)
    signature = bytes(bidder.sign_message(message).signature)
    return BidAuthorisation(tender_id, section, commitment, bidder.address, nonce, expiry, signature)


def sign_bid(
    *, bidder: LocalAccount, chain_id: int, book_address: str, sealed: SealedBid, nonce: int, expiry: int
) -> dict[str, Any]:
    """`authorise_bid` for a sealed bid, as the mapping the API and the tests pass around."""
    a = authorise_bid(bidder=bidder, chain_id=chain_id, book_address=book_address, tender_id=sealed.tender_id,
                      section=sealed.section, commitment=sealed.commitment, nonce=nonce, expiry=expiry)
    return {"tenderId": a.tender_id, "section": a.section, "commitment": a.commitment, "bidder": a.bidder,
            "nonce": a.nonce, "expiry": a.expiry, "signature": a.signature}


def authorisation(auth: dict[str, Any]) -> BidAuthorisation:
    """The mapping form of `sign_bid` as a `BidAuthorisation`."""
    return BidAuthorisation(bytes(auth["tenderId"]), int(auth["section"]), bytes(auth["commitment"]),
                            to_checksum_address(auth["bidder"]), int(auth["nonce"]), int(auth["expiry"]),
                            bytes(auth["signature"]))
