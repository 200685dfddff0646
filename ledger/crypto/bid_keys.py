"""Per-tender bid keys: who bid stays secret until opening (招标投标法 Art. 22).

A firm does not bid with the key its identity credential (营业执照) names: anything that key signs
on chain before opening would tell everyone which firm bid. It bids, applies for and binds its
e-guarantee, and signs its commitment letter with a **bid key** derived from the firm key and the
tender id, which nobody can link to the firm:

    bid key = (keccak256("TenderLedger.BidKey.v1" ‖ firm private key ‖ tender id) mod (n − 1)) + 1

(n the secp256k1 group order). The firm re-derives it at will from its own key (no second secret
to back up); without the firm's private key it looks like any fresh key.

The link between the two travels inside the sealed bid: a **firm link**, the firm key's EIP-712
signature over `BidKey(tenderId, bidKey)` in TenderBook's domain. At opening the service decrypts
the bid, recovers the firm key from the link and judges the bid as that firm's, as of the deadline;
from then on the link is public with the opening record. A bid whose link does not verify is
ineligible; a bid without a link is judged as the bidding key's own (a firm may still choose to
bid in the open with its firm key). One firm behind several bid keys is caught at opening by the
one-bid-per-firm rule.

Never fund a bid key from the firm key: a transfer between the two is on chain and links them.
Bid keys sign bids and withdrawals the service relays (no gas); the service tops up the gas of
the guarantee steps a bid key signs itself.
"""

from __future__ import annotations

from functools import lru_cache

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from pydantic import BaseModel, ConfigDict

from ledger.crypto.canonical import keccak
from ledger.documents.fields import Address
from ledger.errors import ValidationFailed

BID_KEY_TAG = b"TenderLedger.BidKey.v1"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

LINK_TYPES: dict[str, list[dict[str, str]]] = {
    "BidKey": [
        {"name": "tenderId", "type": "bytes32"},
        {"name": "bidKey", "type": "address"},
    ]
}


def derive_bid_key(firm: LocalAccount, tender_id: bytes) -> LocalAccount:
    """The firm's bid key for `tender_id`: deterministic, and unlinkable without the firm's key."""
    if len(tender_id) != 32:
        raise ValidationFailed("a tender id is 32 bytes")
    seed = int.from_bytes(keccak(BID_KEY_TAG + bytes(firm.key) + tender_id), "big")
    key: LocalAccount = Account.from_key(((seed % (SECP256K1_N - 1)) + 1).to_bytes(32, "big"))
    return key


def link_typed_data(*, chain_id: int, book_address: str, tender_id: bytes, bid_key: str) -> SignableMessage:
    """The EIP-712 `BidKey` message a firm key signs: "this bid key is mine in this tender"."""
    return encode_typed_data(
        domain_data={"name": "TenderBook", "version": "1", "chainId": chain_id,
                     "verifyingContract": to_checksum_address(book_address)},
        message_types=LINK_TYPES,
        message_data={"tenderId": tender_id, "bidKey": to_checksum_address(bid_key)},
    )


class FirmLink(BaseModel):
    """The firm key's signature binding a bid key to it for one tender; sealed inside the bid."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    firm: Address
    signature: str

    def signer(self, *, chain_id: int, book_address: str, tender_id: bytes, bid_key: str) -> str:
        """The key that signed this link for `bid_key` in this tender (ValidationFailed if unreadable)."""
        return _link_signer(chain_id, book_address, bytes(tender_id), bid_key, self.signature)

    def firm_of(self, *, chain_id: int, book_address: str, tender_id: bytes, bid_key: str) -> str:
        """The firm key, once the link is checked to be its signature for this bid key and tender;
        ValidationFailed naming what does not match otherwise."""
        signer = self.signer(chain_id=chain_id, book_address=book_address, tender_id=tender_id, bid_key=bid_key)
        if signer != self.firm:
            raise ValidationFailed(
                f"the firm link names {self.firm} but is signed by {signer}: it is not that key's link to "
                f"{to_checksum_address(bid_key)} in this tender")
        return self.firm


@lru_cache(maxsize=65_536)
def _link_signer(chain_id: int, book_address: str, tender_id: bytes, bid_key: str, signature: str) -> str:
    """Who signed the link (`FirmLink.signer`), remembered (pure): a firm's link is checked again in
    every section of the tender its bid key bids in."""
    message = link_typed_data(chain_id=chain_id, book_address=book_address, tender_id=tender_id, bid_key=bid_key)
    try:
        return str(Account.recover_message(message, signature=signature))
    except Exception as exc:  # malformed signature bytes of any kind
        raise ValidationFailed(f"the firm link's signature is unreadable: {type(exc).__name__}") from None


def sign_link(firm: LocalAccount, *, chain_id: int, book_address: str, tender_id: bytes, bid_key: str) -> FirmLink:
    """The firm key's link to `bid_key` for `tender_id`."""
    message = link_typed_data(chain_id=chain_id, book_address=book_address, tender_id=tender_id, bid_key=bid_key)
    signature = firm.sign_message(message).signature
    return FirmLink(firm=firm.address, signature="0x" + bytes(signature).hex())


def bid_identity(firm: LocalAccount, *, chain_id: int, book_address: str, tender_id: bytes
                 ) -> tuple[LocalAccount, FirmLink]:
    """The bid key for `tender_id` and the firm link to seal inside the bid."""
    key = derive_bid_key(firm, tender_id)
    return key, sign_link(firm, chain_id=chain_id, book_address=book_address, tender_id=tender_id,
                          bid_key=key.address)

