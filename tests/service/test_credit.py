"""Credit lists as of an instant: black and red lists by listing/removal dates and on-chain
status, and the red-list fee discount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ledger.chain.registry import RegistryGateway
from ledger.rules.credit import CreditEntry, guarantee_fee, standing
from ledger.documents import Kind, SealedCredential
from ledger.model.credential import ReasonCode
from ledger.rules.eligibility import check_bid
from ledger.tenders import TenderParams
from tests.conftest import ChainEnv
from tests.scenes import FIRM, make_document, tender_params


def _entry(chain: ChainEnv, registry, issuer, **fields) -> CreditEntry:  # type: ignore[no-untyped-def]
    now = datetime.fromtimestamp(chain.client.block_timestamp(), UTC)
    doc = make_document(Kind.CREDIT, issuer=issuer.address, n=1, valid_from=now - timedelta(days=30),
                        valid_until=now + timedelta(days=365), **fields)
    sealed = SealedCredential.seal(doc)
    batch = RegistryGateway.of(chain.client, registry.address).anchor_batch(issuer, [sealed])
    return CreditEntry(sealed.credential_id(), sealed, batch.root)


@pytest.fixture
def setup(chain: ChainEnv):  # type: ignore[no-untyped-def]
    admin, issuer = chain.accounts[0], chain.accounts[1]
    registry = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    RegistryGateway.of(chain.client, registry.address).authorise_issuer(admin, issuer.address, Kind.CREDIT)
    return registry, issuer


def test_a_firm_is_blacklisted_between_listing_and_removal_only(chain: ChainEnv, setup) -> None:  # type: ignore[no-untyped-def]
    registry, issuer = setup
    now = datetime.fromtimestamp(chain.client.block_timestamp(), UTC)
    entry = _entry(chain, registry, issuer, record_type="blacklist",
                   listed_date=(now - timedelta(days=10)).date().isoformat(),
                   removal_date=(now + timedelta(days=10)).date().isoformat())
    # "now" for the checks is once the entry is on chain (a node may stamp its block later)
    anchored = datetime.fromtimestamp(chain.client.block_timestamp(), UTC)
    at = lambda d: int((anchored + timedelta(days=d)).timestamp())  # noqa: E731
    assert standing(RegistryGateway.of(chain.client, registry.address), uscc=FIRM, entries=[entry], at=at(0)).is_blacklisted
    assert not standing(RegistryGateway.of(chain.client, registry.address), uscc=FIRM, entries=[entry], at=at(-20)).is_blacklisted
    assert not standing(RegistryGateway.of(chain.client, registry.address), uscc=FIRM, entries=[entry], at=at(11)).is_blacklisted


def test_a_revoked_blacklist_entry_no_longer_counts(chain: ChainEnv, setup) -> None:  # type: ignore[no-untyped-def]
    registry, issuer = setup
    entry = _entry(chain, registry, issuer, record_type="blacklist", listed_date="2024-01-01")
    RegistryGateway.of(chain.client, registry.address).revoke(
        issuer, entry.root, entry.credential_id, [], ReasonCode.ISSUED_IN_ERROR)
    assert not standing(RegistryGateway.of(chain.client, registry.address), uscc=FIRM, entries=[entry], at=chain.client.block_timestamp()).is_blacklisted


def test_a_blacklisted_bidder_is_ineligible_with_the_reason(chain: ChainEnv, setup) -> None:  # type: ignore[no-untyped-def]
    registry, issuer = setup
    entry = _entry(chain, registry, issuer, record_type="blacklist", listed_date="2024-01-01", record_no="HMD-7")
    section = TenderParams.model_validate(tender_params()).sections[0].model_copy(
        update={"qualification": [], "performance": None, "personnel": []})
    at = chain.client.block_timestamp()
    credit = standing(RegistryGateway.of(chain.client, registry.address), uscc=FIRM, entries=[entry], at=at)
    report = check_bid(RegistryGateway.of(chain.client, registry.address), section=section, bidder=issuer.address,
                       bidder_uscc=FIRM, deadline=at, ticked=[], credit=credit)
    assert not report.eligible
    assert [(c.name, c.reason) for c in report.failures] == [("credit", "black-listed at the deadline (HMD-7)")]


def test_a_red_listed_firm_gets_the_published_fee_discount() -> None:
    assert guarantee_fee(Decimal("200000"), 30, redlisted=False, red_discount=Decimal("0.5")) == Decimal("600.00")
    assert guarantee_fee(Decimal("200000"), 30, redlisted=True, red_discount=Decimal("0.5")) == Decimal("300.00")
    with pytest.raises(ValueError, match="fraction"):
        guarantee_fee(Decimal("1"), 1, redlisted=True, red_discount=Decimal("1.5"))
