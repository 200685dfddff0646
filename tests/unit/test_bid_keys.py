"""Per-tender bid keys and the firm link: deterministic, unlinkable without the firm's key, and a
link that holds only for its own firm key, bid key, tender, chain and TenderBook."""

from __future__ import annotations

import pytest
from eth_account import Account

from ledger.crypto.bid_keys import FirmLink, bid_identity, derive_bid_key, sign_link
from ledger.crypto.sealing import BidPackage
from ledger.errors import ValidationFailed

BOOK = "0x" + "11" * 20
T1, T2 = b"\x01" * 32, b"\x02" * 32
FIRM = Account.from_key(b"\x07" * 32)


def context(**changes: object) -> dict[str, object]:
    key = derive_bid_key(FIRM, T1)
    return {"chain_id": 1337, "book_address": BOOK, "tender_id": T1, "bid_key": key.address, **changes}


def test_the_bid_key_is_the_same_every_time_and_another_for_another_tender_or_firm() -> None:
    assert derive_bid_key(FIRM, T1).address == derive_bid_key(FIRM, T1).address
    assert derive_bid_key(FIRM, T1).address != derive_bid_key(FIRM, T2).address
    assert derive_bid_key(FIRM, T1).address != derive_bid_key(Account.from_key(b"\x08" * 32), T1).address
    assert derive_bid_key(FIRM, T1).address != FIRM.address


def test_a_tender_id_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        derive_bid_key(FIRM, b"\x01" * 31)


def test_the_firm_link_names_its_firm_for_its_own_bid_key_and_tender() -> None:
    key, link = bid_identity(FIRM, chain_id=1337, book_address=BOOK, tender_id=T1)
    assert link.firm == FIRM.address
    assert link.firm_of(chain_id=1337, book_address=BOOK, tender_id=T1, bid_key=key.address) == FIRM.address


@pytest.mark.parametrize("where", ["tender_id", "bid_key", "chain_id", "book_address"])
def test_a_firm_link_replayed_into_another_context_does_not_hold(where: str) -> None:
    link = sign_link(FIRM, chain_id=1337, book_address=BOOK, tender_id=T1, bid_key=derive_bid_key(FIRM, T1).address)
    other = {"tender_id": T2, "bid_key": Account.create().address, "chain_id": 1, "book_address": "0x" + "22" * 20}
    with pytest.raises(ValidationFailed, match="not that key's link"):
        link.firm_of(**context(**{where: other[where]}))  # type: ignore[arg-type]


def test_a_link_naming_a_firm_but_signed_by_another_key_does_not_hold() -> None:
    forged = sign_link(Account.create(), **context())  # type: ignore[arg-type]
    claimed = FirmLink(firm=FIRM.address, signature=forged.signature)
    with pytest.raises(ValidationFailed, match=f"names {FIRM.address} but is signed by"):
        claimed.firm_of(**context())  # type: ignore[arg-type]


def test_an_unreadable_link_signature_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed, match="unreadable"):
        FirmLink(firm=FIRM.address, signature="0x1234").firm_of(**context())  # type: ignore[arg-type]


def test_a_package_without_a_link_seals_the_same_bytes_as_before() -> None:
    """Bids sealed before bid keys existed carry no link: their package bytes are unchanged."""
    package = BidPackage.create(price="1.00", salt="0x" + "00" * 32)
    assert b"firm_link" not in package.to_bytes()
    linked = BidPackage.create(price="1.00", salt="0x" + "00" * 32,
                               firm_link=sign_link(FIRM, **context()).model_dump())  # type: ignore[arg-type]
    assert BidPackage.model_validate_json(linked.to_bytes()).firm_link == linked.firm_link
