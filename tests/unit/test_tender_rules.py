"""Tender rules and use cases without a chain: bid outcomes, the EIP-712 Bid, terms, the batched relay."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain.tender_book import TenderBookGateway, release_share_call, withdraw_call
from ledger.crypto.bids import WITHDRAWAL, authorise_bid, bid_typed_data, seal_bid
from ledger.crypto.sealing import BidPackage, OpeningKey, bid_commitment, ciphertext_hash
from ledger.errors import ContractRevert
from ledger.model.tender import BidEligibility, Outcome
from ledger.rules.opening import ONE_BID_PER_FIRM, one_bid_per_firm, open_bid
from ledger.rules.verify import Check, CheckStatus
from ledger.service.tenders import BidRelayer, terms_for
from ledger.tenders import TenderParams
from tests.fakes import FakeTenderBook

BOOK = "0x" + "ab" * 20
TENDER = b"\x11" * 32
CHAIN = 31337


def _package(price: str = "1000000") -> BidPackage:
    return BidPackage.create(price=price, files={}, credential_ids=["0x" + "22" * 32],
                             salt="0x" + os.urandom(32).hex())


def _sealed(bidder: str, key: OpeningKey, section: int = 0) -> Any:
    return seal_bid(chain_id=CHAIN, book_address=BOOK, tender_id=TENDER, section=section, bidder=bidder,
                    opening_public=key.public, package=_package())


def _open(key: OpeningKey, bidder: str, envelope: bytes | None, commitment: bytes,
          cred_set: bytes | None = None) -> Any:
    return open_bid(key=key, chain_id=CHAIN, book_address=BOOK, tender_id=TENDER, section=0, bidder=bidder,
                    envelope=envelope, credential_set_commitment=cred_set, commitment=commitment)


def _committed(bidder: str, envelope: bytes, cred_set: bytes) -> bytes:
    """The commitment a bidder signs over `envelope` and `cred_set`, whatever they hold."""
    return bid_commitment(chain_id=CHAIN, contract=BOOK, tender_id=TENDER, section=0, bidder=bidder,
                          ciphertext_hash=ciphertext_hash(envelope), credential_set_commitment=cred_set)


def test_a_sealed_bid_opens_to_its_package() -> None:
    key, firm = OpeningKey.generate(), Account.create()
    sealed = _sealed(firm.address, key)
    opening = _open(key, firm.address, sealed.envelope, sealed.commitment, sealed.credential_set_commitment)
    assert opening.outcome is Outcome.DECRYPTED
    assert opening.credential_ids == [b"\x22" * 32]
    assert (opening.envelope_hash, opening.credential_set_commitment) == (
        ciphertext_hash(sealed.envelope), sealed.credential_set_commitment)


def test_a_missing_or_rewritten_envelope_is_the_platforms_fault_and_carries_no_proof() -> None:
    key, firm = OpeningKey.generate(), Account.create()
    sealed = _sealed(firm.address, key)
    cred_set = sealed.credential_set_commitment
    damaged = sealed.envelope[:-1] + bytes([sealed.envelope[-1] ^ 1])
    swapped = _sealed(firm.address, OpeningKey.generate()).envelope  # a DB admin's garbage in its place
    for envelope, held in ((None, cred_set), (sealed.envelope, None), (damaged, cred_set), (swapped, cred_set),
                           (sealed.envelope, b"\x44" * 32)):
        opening = _open(key, firm.address, envelope, sealed.commitment, held)
        assert opening.outcome is Outcome.FAILED_OTHER, opening
        assert (opening.envelope_hash, opening.credential_set_commitment) == (b"", b"")
    stale = _open(key, firm.address, sealed.envelope, b"\x33" * 32, cred_set)
    assert stale.outcome is Outcome.FAILED_OTHER and "commitment" in stale.reason


def test_a_committed_envelope_that_does_not_open_is_the_bidders_fault_with_its_proof() -> None:
    key, other, firm = OpeningKey.generate(), OpeningKey.generate(), Account.create()
    wrong_key = _sealed(firm.address, other)
    opening = _open(key, firm.address, wrong_key.envelope, wrong_key.commitment, wrong_key.credential_set_commitment)
    assert opening.outcome is Outcome.FAILED_BIDDER and "does not open" in opening.reason
    assert (opening.envelope_hash, opening.credential_set_commitment) == (
        ciphertext_hash(wrong_key.envelope), wrong_key.credential_set_commitment)
    junk = b"\x01" + os.urandom(10)  # committed by the bidder, but no envelope at all
    cred_set = b"\x55" * 32
    malformed = _open(key, firm.address, junk, _committed(firm.address, junk, cred_set), cred_set)
    assert malformed.outcome is Outcome.FAILED_BIDDER and "malformed" in malformed.reason


def test_a_bid_whose_sealed_credentials_differ_from_its_signed_credential_set_is_the_bidders_fault() -> None:
    key, firm = OpeningKey.generate(), Account.create()
    sealed = _sealed(firm.address, key)
    claimed = b"\x66" * 32  # the bidder signed a credential set its package does not hold
    opening = _open(key, firm.address, sealed.envelope, _committed(firm.address, sealed.envelope, claimed), claimed)
    assert opening.outcome is Outcome.FAILED_BIDDER and "credential-set commitment" in opening.reason
    assert opening.credential_set_commitment == claimed


def test_a_rerun_from_the_chains_terms_and_shares_reaches_the_same_outcome() -> None:
    from ledger.crypto.shares import share_hash, split
    from ledger.model.tender import TenderTerms
    from ledger.rules.opening import rerun_opening

    key, firm = OpeningKey.generate(), Account.create()
    shares = split(key.private, k=2, n=3)
    terms = TenderTerms(b"\x01" * 32, b"\x02" * 32, 1, 0, 0, 1, key.public, 2,
                        tuple(share_hash(s) for s in shares), (), 1)
    for sealed in (_sealed(firm.address, key), _sealed(firm.address, OpeningKey.generate())):
        at_opening = _open(key, firm.address, sealed.envelope, sealed.commitment, sealed.credential_set_commitment)
        rerun = rerun_opening(terms=terms, shares=shares[1:], chain_id=CHAIN, book_address=BOOK, tender_id=TENDER,
                              section=0, bidder=firm.address, envelope=sealed.envelope,
                              credential_set_commitment=sealed.credential_set_commitment,
                              commitment=sealed.commitment)
        assert (rerun.outcome, rerun.reason, rerun.envelope_hash) == (
            at_opening.outcome, at_opening.reason, at_opening.envelope_hash)


def test_a_signed_bid_recovers_to_its_bidder() -> None:
    firm: LocalAccount = Account.create()
    auth = authorise_bid(bidder=firm, chain_id=CHAIN, book_address=BOOK, tender_id=TENDER, section=2,
                         commitment=WITHDRAWAL, nonce=7, expiry=123)
    message = bid_typed_data(chain_id=CHAIN, book_address=BOOK, tender_id=TENDER, section=2,
                             commitment=WITHDRAWAL, nonce=7, expiry=123)
    assert Account.recover_message(message, signature=auth.signature) == firm.address


def test_calldata_for_a_party_to_sign_needs_no_connection() -> None:
    from eth_abi.abi import encode
    from eth_utils import function_signature_to_4byte_selector as selector

    assert withdraw_call(TENDER, 1) == selector("withdrawBid(bytes32,uint16)") + encode(["bytes32", "uint16"], [TENDER, 1])
    share = b"\x01" * 33
    assert release_share_call(TENDER, share) == (
        selector("releaseShare(bytes32,bytes)") + encode(["bytes32", "bytes"], [TENDER, share]))


def _params() -> TenderParams:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return TenderParams.model_validate({
        "project_code": "P-1", "title": "t", "tenderer": "x", "tenderer_uscc": "91350100M000100Y43",
        "sections": [{"code": "S1", "name": "s", "estimated_price": "1000000", "bid_guarantee": "0"}],
        "deadline": (now + timedelta(days=21)).isoformat(),
        "bid_validity_days": 90, "evaluation_method": "定性评审", "selection": {"method": "直接票决"},
    })


def test_terms_carry_every_fixed_parameter() -> None:
    params = _params()
    officers = [Account.create().address for _ in range(3)]
    terms = terms_for(params, document=b"doc", opening_public=b"\x01" * 32, share_hashes=[b"\x02" * 32] * 3,
                      officers=officers, threshold=2)
    assert terms.params_hash == params.params_hash() and terms.section_count == 1
    assert terms.deadline == int(params.deadline.timestamp()) and terms.officers == tuple(officers)
    assert terms.selection == 1  # 直接票决: SelectionBook refuses any basis that method cannot end on
    assert len(terms.as_struct()) == 11


def test_the_relay_isolates_a_bad_bid_from_its_batch() -> None:
    firms = [Account.create() for _ in range(3)]
    auths = [authorise_bid(bidder=f, chain_id=CHAIN, book_address=BOOK, tender_id=TENDER, section=0,
                           commitment=bytes([i + 1]) * 32, nonce=0, expiry=1) for i, f in enumerate(firms)]
    book = FakeTenderBook(refuse={auths[1].commitment})
    relayer = BidRelayer(cast(TenderBookGateway, book), Account.create(), window_s=0.05)
    try:
        relayer.check(auths[0])
        with pytest.raises(ContractRevert):
            relayer.check(auths[1])
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(relayer.submit, a) for a in auths]
        assert futures[0].result().block_number >= 1 and futures[2].result().block_number >= 1
        with pytest.raises(ContractRevert):
            futures[1].result()
        relayed = [a.commitment for batch in book.relayed for a in batch]
        assert sorted(relayed) == sorted([auths[0].commitment, auths[2].commitment])
    finally:
        relayer.stop()


def _report(firm: str | None, eligible: bool = True) -> BidEligibility:
    status = CheckStatus.VALID if eligible else CheckStatus.INVALID
    return BidEligibility(firm=firm, eligible=eligible, checks=(Check("requirements", status, "checked"),))


def test_one_bid_per_firm_rejects_every_bid_of_a_firm_with_several_keys_and_nothing_else() -> None:
    reports = {
        "0xA1": _report("FIRM-A"), "0xA2": _report("FIRM-A", eligible=False), "0xA3": _report("FIRM-A"),
        "0xB1": _report("FIRM-B"),
        "0xC1": _report(None, eligible=False),  # no firm known: nothing to group it with
        "0xD1": None,  # did not open: no report
    }
    ruled = one_bid_per_firm(reports)
    for key in ("0xA1", "0xA2", "0xA3"):
        report = ruled[key]
        assert report is not None and not report.eligible
        assert report.checks[:-1] == reports[key].checks  # type: ignore[union-attr]
        assert report.checks[-1].name == ONE_BID_PER_FIRM and report.checks[-1].status is CheckStatus.INVALID
        others = {"0xA1", "0xA2", "0xA3"} - {key}
        assert all(o in report.checks[-1].reason for o in others) and key not in report.checks[-1].reason
    assert ruled["0xB1"] == reports["0xB1"] and ruled["0xC1"] == reports["0xC1"] and ruled["0xD1"] is None


def test_one_bid_per_firm_changes_nothing_when_every_firm_bid_once() -> None:
    reports = {"0xA1": _report("FIRM-A"), "0xB1": _report("FIRM-B", eligible=False), "0xC1": None}
    assert one_bid_per_firm(reports) == reports
