"""E-guarantees through the GuaranteeBook gateway and the guarantee use cases on both chains
(embedded and anvil): applications filled in from the tender, 明文 and 密文 issuing, one guarantee
per bid, the check at opening with every reason a guarantee fails it, release after the award and
the signing, claims with evidence, black- and red-listed applicants, and the credit commitment
letter with its breach record."""

from __future__ import annotations

import base64
import hashlib
import os
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.guarantee_book import GuaranteeBookGateway, onchain_terms
from ledger.chain.registry import RegistryGateway
from ledger.chain.tender_book import TenderBookGateway
from ledger.crypto.bids import seal_bid
from ledger.crypto.guarantee import guarantee_id_of, terms_commitment
from ledger.crypto.officer_box import OfficerKey, open_share
from ledger.model.credential import Batch
from ledger.model.tender import Opening
from ledger.model.guarantee import (
    LETTER_FILE,
    Application,
    ClaimCause,
    CommitmentLetter,
    Form,
    GuaranteeTerms,
    Issued,
    IssuerType,
    State,
)
from ledger.rules.guarantee import (
    draft_commitment_letter,
    letter_file,
    letter_from_package,
    prefill_application,
    prefill_terms,
    sign_commitment_letter,
)
from ledger.service import guarantees as svc
from ledger.service.tenders import publish_with_new_key
from ledger.rules.opening import open_bid, rebuild_opening_key
from ledger.rules.credit import CreditEntry, CreditStanding, standing
from ledger.documents import Kind, SealedCredential
from ledger.errors import (
    ConfigurationError,
    Conflict,
    ContractRevert,
    InvalidArgument,
    NotFound,
    Unauthorised,
    ValidationFailed,
)
from ledger.crypto.sealing import BidPackage, OpeningKey, bid_commitment, ciphertext_hash
from ledger.tenders import TenderParams
from ledger.uscc import generate_uscc
from ledger.rules.verify import CheckStatus
from tests.conftest import ChainEnv
from tests.scenes import make_document, tender_params
from tests.selection_award import Selection

DAY = 86_400
SECTION = {"estimated_price": "12000000.00", "qualification": [], "personnel": []}


class World:
    """A registry, TenderBook and GuaranteeBook (admin = the centre), a bank and an insurer
    authorised, a credit authority, four firms, and a published 3-of-5 tender with three
    sections: 0 needs 200,000 元, 1 needs 100,000 元 or a commitment letter, 2 needs none."""

    def __init__(self, chain: ChainEnv) -> None:
        self.chain, self.client = chain, chain.client
        self.centre, self.bank, self.insurer, self.authority = chain.accounts[:4]
        self.registry = chain.deploy("CredentialRegistry", self.centre.address, sender=self.centre)
        self.tb = chain.deploy("TenderBook", self.centre.address, sender=self.centre)
        chain.transact(self.tb.functions.authoriseCentre(self.centre.address), self.centre)
        self.selection = Selection(chain, self.tb, self.centre)  # the award follows SelectionBook's
        self.book = chain.deploy("GuaranteeBook", self.centre.address, self.tb.address, self.selection.address,
                                 sender=self.centre)
        self.gw = GuaranteeBookGateway(self.client, self.book.address)
        self.regw = RegistryGateway.of(self.client, self.registry.address)
        self.tbw = TenderBookGateway(self.client, self.tb.address)
        self.gw.authorise_issuer(self.centre, self.bank.address, IssuerType.BANK)
        self.gw.authorise_issuer(self.centre, self.insurer.address, IssuerType.INSURER)
        self.regw.authorise_issuer(self.centre, self.authority.address, Kind.CREDIT)
        rng = random.Random(11)
        self.firms: list[tuple[LocalAccount, str]] = [(chain.new_account(10**20), generate_uscc(rng)) for _ in range(4)]
        self.credit: dict[str, list[CreditEntry]] = {uscc: [] for _, uscc in self.firms}
        self.now0 = datetime.fromtimestamp(self.client.block_timestamp(), UTC)
        params = tender_params(
            deadline=(self.now0 + timedelta(days=21)).isoformat(),
            sections=[
                {**SECTION, "code": "E3203010319005778001001", "name": "一标段", "bid_guarantee": "200000.00"},
                {**SECTION, "code": "E3203010319005778001002", "name": "二标段", "bid_guarantee": "100000.00",
                 "credit_commitment_allowed": True},
                {**SECTION, "code": "E3203010319005778001003", "name": "三标段", "bid_guarantee": "0"},
            ],
        )
        self.params = TenderParams.model_validate(params)
        self.officers = [chain.new_account(10**20) for _ in range(5)]
        self.tender, sealed = publish_with_new_key(
            self.tbw, self.centre, params=self.params, document=b"%PDF tender",
            officers=[OfficerKey.of_private(bytes(o.key)) for o in self.officers], threshold=3,
        )
        # Each officer opens its own sealed share with its own key.
        self.shares = {o.address: open_share(sealed[o.address], bytes(o.key)) for o in self.officers}
        self.envelopes: dict[tuple[str, int], bytes] = {}
        self.cred_sets: dict[tuple[str, int], bytes] = {}  # filed with each envelope

    # ---------------------------------------------------------------- credit
    def list_firm(self, uscc: str, record_type: str, record_no: str) -> None:
        doc = make_document(Kind.CREDIT, issuer=self.authority.address, subject=uscc, n=1,
                            valid_from=self.now0 - timedelta(days=30), valid_until=self.now0 + timedelta(days=900),
                            record_type=record_type, record_no=record_no,
                            listed_date=(self.now0 - timedelta(days=1)).date().isoformat(), removal_date=None)
        sealed = SealedCredential.seal(doc)
        batch = self.anchor(self.authority, sealed)
        self.credit[uscc].append(CreditEntry(sealed.credential_id(), sealed, batch.root))

    def anchor(self, issuer: LocalAccount, sealed: SealedCredential) -> Batch:
        """A batch of one, whose root is the credential's leaf."""
        return self.regw.anchor_batch(issuer, [sealed])

    def standing(self, uscc: str, at: int | None = None) -> CreditStanding:
        return standing(self.regw, uscc=uscc, entries=self.credit[uscc],
                        at=at if at is not None else self.client.block_timestamp())

    # ---------------------------------------------------------------- guarantees
    def application(self, n: int, section: int = 0, issuer: LocalAccount | None = None) -> Application:
        account, uscc = self.firms[n]
        return prefill_application(
            chain_id=self.client.chain_id, book_address=self.book.address, tender=self.tender, section=section,
            applicant=account.address, applicant_uscc=uscc, issuer=(issuer or self.bank).address,
            application_no=f"SQ-{n}-{section}-{os.urandom(4).hex()}",
        )

    def apply(self, n: int, section: int = 0, issuer: LocalAccount | None = None) -> Application:
        app = self.application(n, section, issuer)
        svc.apply_for(self.gw, applicant=self.firms[n][0], application=app,
                      credit=self.standing(self.firms[n][1]))
        return app

    def terms(self, app: Application, *, rate_bps: int = 30, discount: str = "0.5", **changes: Any) -> GuaranteeTerms:
        terms = prefill_terms(
            app, guarantee_no=f"BH-{app.application_no}", issuer_type=IssuerType.BANK, rate_bps=rate_bps,
            credit=self.standing(app.applicant_uscc), red_discount=Decimal(discount),
            doc_hash=hashlib.sha256(b"%PDF guarantee " + app.application_no.encode()).digest(),
            start=self.client.block_timestamp(),
        )
        return terms.model_copy(update=changes)

    def issue(self, app: Application, form: Form = Form.PLAINTEXT, issuer: LocalAccount | None = None,
              **changes: Any) -> Issued:
        return svc.issue(self.gw, issuer=issuer or self.bank, application=app,
                         terms=self.terms(app, **changes), form=form, credit=self.standing(app.applicant_uscc),
                         red_discount=Decimal("0.5"), opening_public=self.tender.opening_public)

    def guarantee(self, n: int, section: int = 0, form: Form = Form.PLAINTEXT) -> Issued:
        """Apply, issue and bind: a bid's guarantee ready for opening."""
        issued = self.issue(self.apply(n, section), form)
        svc.bind(self.gw, bidder=self.firms[n][0], guarantee_id=issued.guarantee_id,
                 tender_id=self.tender.tender_id, section=section)
        return issued

    def check(self, n: int, section: int = 0, *, key: OpeningKey | None = None, sealed: bytes | None = None,
              letter: CommitmentLetter | None = None) -> Any:
        return svc.check_guarantee(self.gw, tender=self.tender, section=section,
                                   bidder=self.firms[n][0].address, opening_key=key, sealed_terms=sealed,
                                   commitment_letter=letter)

    # ---------------------------------------------------------------- bids and opening
    def bid(self, n: int, section: int = 0, files: dict[str, Any] | None = None, *,
            garbage: bool = False) -> None:
        """Bidder n's sealed bid; with `garbage` the bidder commits to bytes that are no envelope
        (its own doing: a 撤销 at opening)."""
        account = self.firms[n][0]
        package = BidPackage.create(price="11000000", files=files or {}, salt="0x" + os.urandom(32).hex())
        sealed = seal_bid(chain_id=self.client.chain_id, book_address=self.tb.address,
                          tender_id=self.tender.tender_id, section=section, bidder=account.address,
                          opening_public=self.tender.opening_public, package=package)
        envelope, commitment = sealed.envelope, sealed.commitment
        if garbage:
            envelope = b"\x01" + os.urandom(80)
            commitment = bid_commitment(chain_id=self.client.chain_id, contract=self.tb.address,
                                        tender_id=self.tender.tender_id, section=section, bidder=account.address,
                                        ciphertext_hash=ciphertext_hash(envelope),
                                        credential_set_commitment=sealed.credential_set_commitment)
        self.tbw.submit_bid(account, sealed.tender_id, sealed.section, commitment)
        self.envelopes[(account.address, section)] = envelope
        self.cred_sets[(account.address, section)] = sealed.credential_set_commitment

    def pass_deadline(self) -> OpeningKey:
        self.chain.increase_time(self.tender.deadline - self.client.block_timestamp() + 1)
        for officer in self.officers[:3]:
            self.tbw.release_share(officer, self.tender.tender_id, self.shares[officer.address])
        shares = self.tbw.released_shares(self.tender.tender_id)
        return rebuild_opening_key(self.tender, shares)

    def open(self, key: OpeningKey, n: int, section: int = 0, envelope: bytes | None = None) -> Opening:
        address = self.firms[n][0].address
        bid = self.tbw.bid(self.tender.tender_id, section, address)
        opening = open_bid(
            key=key, chain_id=self.client.chain_id, book_address=self.tb.address, tender_id=self.tender.tender_id,
            section=section, bidder=address, envelope=envelope or self.envelopes[(address, section)],
            credential_set_commitment=self.cred_sets[(address, section)], commitment=bid.commitment)
        self.tbw.record_opening(self.centre, self.tender.tender_id, opening)
        return opening

    def state(self, gid: bytes) -> State:
        return self.gw.guarantee_of(gid).state


@pytest.fixture
def world(chain: ChainEnv) -> World:
    return World(chain)


def _error(exc: pytest.ExceptionInfo[ContractRevert]) -> str:
    return exc.value.error


# ---------------------------------------------------------------------- applying and issuing


def test_the_application_is_filled_in_from_the_tender_and_the_firm(world: World) -> None:
    app = world.application(0)
    account, uscc = world.firms[0]
    assert (app.tender_id, app.section, app.section_code) == (world.tender.tender_id, 0, "E3203010319005778001001")
    assert (app.applicant, app.applicant_uscc, app.issuer) == (account.address, uscc, world.bank.address)
    assert (app.tenderer_uscc, app.amount_fen) == (world.params.tenderer_uscc, 200_000_00)
    assert app.validity_end == world.tender.deadline + 90 * DAY
    assert app.guarantee_id() == guarantee_id_of(account.address, app.hash())
    with pytest.raises(ValidationFailed, match="requires no bid guarantee"):
        world.application(0, section=2)
    with pytest.raises(NotFound, match="sections 0..2"):
        world.application(0, section=3)


def test_a_plaintext_guarantee_is_issued_bound_checked_at_opening_and_verified_on_chain(world: World) -> None:
    issued = world.guarantee(0)
    g = world.gw.guarantee_of(issued.guarantee_id)
    assert (g.state, g.form, g.amount, g.issuer) == (State.BOUND, Form.PLAINTEXT, 200_000_00, world.bank.address)
    assert issued.terms.fee_fen == 600_00  # 0.3 % of 200,000 元
    public = world.gw.issued_terms(issued.guarantee_id)
    assert public is not None and public.beneficiary_uscc == world.params.tenderer_uscc
    world.pass_deadline()
    check = world.check(0)
    assert check.status is CheckStatus.VALID, check.reason
    assert check.name == "guarantee" and "covers the bid validity" in check.reason
    svc.record_verification(world.gw, centre=world.centre, check=check)
    assert world.state(issued.guarantee_id) is State.VERIFIED
    with pytest.raises(Unauthorised) as info:  # only the publishing centre records
        svc.record_verification(world.gw, centre=world.bank, check=check)
    assert _error(info) == "NotPublisher"


def test_the_guarantee_names_its_tender_in_full_though_the_chain_keeps_the_tenders_index(world: World) -> None:
    """GuaranteeBook stores a tender's TenderBook index, not its id: the gateways read both ways
    (header → index, index → tender) and the guarantee still names the whole tender id."""
    issued = world.guarantee(0)
    header = world.tbw.header(world.tender.tender_id)
    assert header.index == world.tbw.tender_count() == 1
    assert world.tbw.tender_at(header.index) == header
    assert world.tbw.tender_at(0) is None and world.tbw.tender_at(2) is None and world.tbw.tender_at(2**32) is None
    assert world.gw.guarantee_of(issued.guarantee_id).tender_id == world.tender.tender_id


def test_a_node_that_lost_the_issued_log_cannot_pass_off_an_issued_guarantee_as_valid(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document hash and the commitment live in the Issued log only: a node (or a proxy) that
    drops it makes the guarantee unreadable, never a guarantee with zero terms, and the check an
    ERROR, not a verdict."""
    issued = world.guarantee(0)
    assert world.gw.guarantee_of(issued.guarantee_id).doc_hash == issued.terms.doc_hash
    monkeypatch.setattr(GuaranteeBookGateway, "issued_terms", lambda self, gid, **kw: None)
    with pytest.raises(ConfigurationError, match="no Issued log"):
        world.gw.guarantee_of(issued.guarantee_id)
    world.pass_deadline()
    assert world.check(0).status is CheckStatus.ERROR


def test_a_sealed_guarantee_hides_its_amount_until_the_opening_key_reveals_it(world: World) -> None:
    issued = world.guarantee(0, form=Form.SEALED)
    assert issued.sealed_terms is not None
    g = world.gw.guarantee_of(issued.guarantee_id)
    assert (g.form, g.amount, g.terms_commitment) == (Form.SEALED, 0, terms_commitment(issued.sealed_terms))
    public = world.gw.issued_terms(issued.guarantee_id)
    assert public is not None and (public.amount, public.fee, public.rate_bps) == (0, 0, 0)
    key = world.pass_deadline()
    assert world.check(0, key=None, sealed=issued.sealed_terms).status is CheckStatus.ERROR
    assert world.check(0, key=key, sealed=None).status is CheckStatus.ERROR
    # One bit of the last byte flipped: always a change (setting it to 0 is none when it was 0).
    tampered = world.check(0, key=key, sealed=issued.sealed_terms[:-1] + bytes([issued.sealed_terms[-1] ^ 1]))
    assert tampered.status is CheckStatus.INVALID and "commitment" in tampered.reason
    check = world.check(0, key=key, sealed=issued.sealed_terms)
    assert check.status is CheckStatus.VALID, check.reason
    assert check.details["revealed_amount_fen"] == 200_000_00
    svc.record_verification(world.gw, centre=world.centre, check=check)
    g = world.gw.guarantee_of(issued.guarantee_id)
    assert (g.state, g.amount) == (State.VERIFIED, 200_000_00)


def test_sealed_terms_for_too_small_an_amount_fail_at_opening(world: World) -> None:
    app = world.apply(0)
    terms = world.terms(app).model_copy(update={"amount_fen": 150_000_00, "fee_fen": 450_00})
    envelope = svc.seal_terms(terms, chain_id=world.client.chain_id, book_address=world.book.address,
                              opening_public=world.tender.opening_public)
    world.chain.transact(world.book.functions.issue(
        app.guarantee_id(), onchain_terms(terms, Form.SEALED, terms_commitment(envelope))), world.bank)
    svc.bind(world.gw, bidder=world.firms[0][0], guarantee_id=app.guarantee_id())
    key = world.pass_deadline()
    check = world.check(0, key=key, sealed=envelope)
    assert check.status is CheckStatus.INVALID
    assert check.reason == "the amount 150000.00 元 is below the required 200000.00 元"
    svc.record_verification(world.gw, centre=world.centre, check=check)
    assert world.state(app.guarantee_id()) is State.INVALID


def test_too_small_a_plaintext_amount_is_refused_at_issue_and_an_applied_shortfall_fails_at_opening(world: World) -> None:
    app = world.apply(0)
    with pytest.raises(ValidationFailed, match="below the 200000.00 元 applied for"):
        world.issue(app, amount_fen=199_999_99)
    short = app.model_copy(update={"amount_fen": 100_000_00})
    with pytest.raises(InvalidArgument) as info:  # the contract refuses it even if sent directly
        world.chain.transact(world.book.functions.issue(
            app.guarantee_id(), onchain_terms(world.terms(short), Form.PLAINTEXT)), world.bank)
    assert _error(info) == "InsufficientAmount"
    # A bidder who applied for less than the section needs gets a guarantee that fails at opening.
    account = world.firms[1][0]
    small = world.application(1).model_copy(update={"amount_fen": 100_000_00})
    world.gw.apply_for(account, small)
    world.issue(small)
    svc.bind(world.gw, bidder=account, guarantee_id=small.guarantee_id())
    world.pass_deadline()
    check = world.check(1)
    assert check.status is CheckStatus.INVALID and "100000.00 元 is below the required 200000.00 元" in check.reason


def test_a_guarantee_ending_before_the_bid_validity_fails_and_an_expired_one_cannot_be_bound(world: World) -> None:
    app = world.apply(0)
    with pytest.raises(ValidationFailed, match="before the bid validity ends"):
        world.issue(app, end=app.validity_end - DAY)
    short = world.terms(app, end=app.validity_end - DAY)
    world.chain.transact(world.book.functions.issue(app.guarantee_id(), onchain_terms(short, Form.PLAINTEXT)),
                         world.bank)
    svc.bind(world.gw, bidder=world.firms[0][0], guarantee_id=app.guarantee_id())
    # a guarantee that ends within the bidding period cannot be bound once it has ended
    app1 = world.apply(1)
    brief = world.terms(app1, end=world.client.block_timestamp() + DAY)
    world.chain.transact(world.book.functions.issue(app1.guarantee_id(), onchain_terms(brief, Form.PLAINTEXT)),
                         world.bank)
    world.chain.increase_time(2 * DAY)
    with pytest.raises(Conflict) as info:
        svc.bind(world.gw, bidder=world.firms[1][0], guarantee_id=app1.guarantee_id())
    assert _error(info) == "GuaranteeExpired"
    world.gw.expire(by=world.centre, guarantee_id=app1.guarantee_id())
    assert world.state(app1.guarantee_id()) is State.EXPIRED
    world.pass_deadline()
    check = world.check(0)
    assert check.status is CheckStatus.INVALID and "before the bid validity ends" in check.reason
    assert world.check(1).reason == "no guarantee is bound to the bid"


def test_one_guarantee_backs_one_bid_and_only_its_own_bidders_section(world: World) -> None:
    issued = world.guarantee(0)
    gid = issued.guarantee_id
    with pytest.raises(Conflict) as info:  # the same guarantee a second time
        svc.bind(world.gw, bidder=world.firms[0][0], guarantee_id=gid)
    assert _error(info) == "AlreadyBound"
    with pytest.raises(Unauthorised, match="applied for by"):  # another bidder's bid
        svc.bind(world.gw, bidder=world.firms[1][0], guarantee_id=gid)
    with pytest.raises(Unauthorised) as info:  # the contract agrees when asked directly
        world.chain.transact(world.book.functions.bind(gid), world.firms[1][0])
    assert _error(info) == "NotApplicant"
    second = world.issue(world.apply(0))  # a second guarantee for the same bid
    with pytest.raises(Conflict) as info:
        svc.bind(world.gw, bidder=world.firms[0][0], guarantee_id=second.guarantee_id)
    assert _error(info) == "BidHasGuarantee"
    other_section = world.issue(world.apply(1, section=1))
    with pytest.raises(ValidationFailed, match="backs section 1, not section 0"):
        svc.bind(world.gw, bidder=world.firms[1][0],
                 guarantee_id=other_section.guarantee_id, tender_id=world.tender.tender_id, section=0)
    svc.bind(world.gw, bidder=world.firms[1][0], guarantee_id=other_section.guarantee_id)
    world.pass_deadline()
    assert world.check(1, section=0).reason == "no guarantee is bound to the bid"
    assert world.check(1, section=1).status is CheckStatus.VALID


def test_another_beneficiary_fails_at_opening_but_withdrawing_the_bank_afterwards_is_not_retroactive(
        world: World) -> None:
    app = world.apply(0)
    other = generate_uscc(random.Random(5))
    terms = world.terms(app).model_copy(update={"beneficiary_uscc": other})
    world.chain.transact(world.book.functions.issue(app.guarantee_id(), onchain_terms(terms, Form.PLAINTEXT)),
                         world.bank)
    svc.bind(world.gw, bidder=world.firms[0][0], guarantee_id=app.guarantee_id())
    world.guarantee(1, section=0)
    world.gw.withdraw_issuer(admin=world.centre, issuer=world.bank.address,
                             issuer_type=IssuerType.BANK)
    world.pass_deadline()
    # The bank's authority was withdrawn after it issued: what it issued while authorised stays good.
    assert world.check(1).status is CheckStatus.VALID
    check = world.check(0)
    assert check.status is CheckStatus.INVALID
    assert check.reason == f"the beneficiary is {other}, not the tenderer {world.params.tenderer_uscc}"
    assert world.check(1).status is CheckStatus.VALID


def test_nobody_but_an_authorised_issuer_can_be_applied_to_or_issue(world: World) -> None:
    stranger = world.chain.accounts[5]
    with pytest.raises(Unauthorised) as info:
        world.apply(0, issuer=stranger)
    assert _error(info) == "NotGuarantor"
    app = world.apply(0, issuer=world.insurer)
    with pytest.raises(Unauthorised) as info:  # the insurer holds INSURER, not BANK
        world.issue(app, issuer=world.insurer)
    assert _error(info) == "IssuerNotAuthorised"
    with pytest.raises(Unauthorised) as info:  # the bank is not the issuer the bidder named
        world.issue(app, issuer=world.bank)
    assert _error(info) == "NotIssuer"
    svc.issue(world.gw, issuer=world.insurer, application=app,
              terms=world.terms(app, issuer_type=IssuerType.INSURER), form=Form.PLAINTEXT,
              credit=world.standing(app.applicant_uscc), red_discount=Decimal(0))
    assert world.state(app.guarantee_id()) is State.ISSUED


def test_an_application_can_be_rejected_or_cancelled_only_by_its_own_parties_and_only_while_applied(world: World) -> None:
    app, app2 = world.apply(0), world.apply(1)
    with pytest.raises(Unauthorised):
        svc.reject(world.gw, issuer=world.insurer, guarantee_id=app.guarantee_id(), reason="x")
    svc.reject(world.gw, issuer=world.bank, guarantee_id=app.guarantee_id(),
               reason="资信审核未通过")
    assert world.state(app.guarantee_id()) is State.REJECTED
    with pytest.raises(Conflict) as info:
        world.issue(app)
    assert _error(info) == "WrongState"
    with pytest.raises(Unauthorised):
        world.gw.cancel(applicant=world.firms[0][0], guarantee_id=app2.guarantee_id())
    world.gw.cancel(applicant=world.firms[1][0], guarantee_id=app2.guarantee_id())
    assert world.state(app2.guarantee_id()) is State.CANCELLED


# ---------------------------------------------------------------------- credit lists


def test_a_blacklisted_firm_is_refused_at_application_and_at_issue_with_its_record_numbers(world: World) -> None:
    app = world.apply(0)  # applied while in good standing
    uscc = world.firms[0][1]
    world.list_firm(uscc, "blacklist", "HMD-2026-17")
    with pytest.raises(Unauthorised, match=r"black-listed \(HMD-2026-17\).*issue refused") as info:
        world.issue(app)
    assert _error(info) == "Blacklisted" and info.value.args_["records"] == ["HMD-2026-17"]
    before = world.client.block_number()
    with pytest.raises(Unauthorised, match=r"HMD-2026-17.*application refused"):
        world.apply(0)
    assert world.client.block_number() == before
    assert world.state(app.guarantee_id()) is State.APPLIED


def test_a_red_listed_firm_pays_the_fee_less_the_issuers_published_discount(world: World) -> None:
    world.list_firm(world.firms[0][1], "redlist", "HONG-9")
    app = world.apply(0)
    terms = world.terms(app, rate_bps=30, discount="0.2")
    assert terms.fee_fen == 480_00 and terms.red_discount == Decimal("0.2")
    with pytest.raises(ValidationFailed, match=r"fee must be 300.00 元 at 30 bp \(red-listed: HONG-9"):
        svc.issue(world.gw, issuer=world.bank, application=app,
                  terms=world.terms(app, rate_bps=30, discount="0"), form=Form.PLAINTEXT,
                  credit=world.standing(app.applicant_uscc), red_discount=Decimal("0.5"))
    issued = world.issue(app)
    assert issued.terms.fee_fen == 300_00


# ---------------------------------------------------------------------- award, release, claims


def test_the_award_releases_every_losing_guarantee_and_the_signing_the_winners(world: World) -> None:
    ids = [world.guarantee(n).guarantee_id for n in range(4)]
    for n in range(4):
        world.bid(n)
    key = world.pass_deadline()
    for n in range(4):
        world.open(key, n)
        svc.record_verification(world.gw, centre=world.centre, check=world.check(n))
    winner = world.firms[2][0].address
    with pytest.raises(Conflict) as info:  # nothing is released before the outcome is recorded
        world.gw.release(by=world.centre, guarantee_id=ids[0])
    assert _error(info) == "NotAwarded"
    with pytest.raises(Conflict) as info:  # nor recorded before 评定分离 awarded the section
        svc.record_award(world.gw, centre=world.centre, tender_id=world.tender.tender_id, section=0, winner=winner)
    assert _error(info) == "NotSelected"
    world.selection.award(world.tender.tender_id, 0, winner, world.centre)
    with pytest.raises(Unauthorised) as info:  # the centre records the award, nobody else
        svc.record_award(world.gw, centre=world.bank, tender_id=world.tender.tender_id,
                         section=0, winner=winner)
    assert _error(info) == "NotPublisher"
    awarded = svc.record_award(world.gw, centre=world.centre,
                               tender_id=world.tender.tender_id, section=0, winner=winner)
    assert set(awarded.released) == {ids[0], ids[1], ids[3]} and len(awarded.batches) == 1
    assert [world.state(g) for g in ids] == [State.RELEASED] * 2 + [State.VERIFIED, State.RELEASED]
    with pytest.raises(Conflict) as info:  # the winner's stays until the contract is signed
        world.gw.release(by=world.bank, guarantee_id=ids[2])
    assert _error(info) == "ContractNotSigned"
    with pytest.raises(Unauthorised) as info:  # a bidder releases nothing
        world.gw.release(by=world.firms[2][0], guarantee_id=ids[2])
    assert _error(info) == "NotReleaser"
    with pytest.raises(Conflict) as info:  # a released guarantee is not claimable
        svc.claim(world.gw, centre=world.centre, guarantee_id=ids[0],
                  cause=ClaimCause.WITHDRAWAL_AFTER_DEADLINE, evidence=b"letter")
    assert _error(info) == "WrongState"
    signed = svc.record_contract_signed(world.gw, centre=world.centre,
                                        tender_id=world.tender.tender_id, section=0,
                                        signed_at=world.client.block_timestamp())
    assert signed.released == [ids[2]] and world.state(ids[2]) is State.RELEASED
    assert not world.gw.guarantee_of(ids[2]).released_late


def test_claims_need_a_recorded_cause_the_centre_and_evidence(world: World) -> None:
    ids = [world.guarantee(n).guarantee_id for n in range(3)]
    for n in range(3):
        world.bid(n, garbage=n == 1)
    key = world.pass_deadline()
    world.open(key, 0)
    assert world.open(key, 1).outcome.name == "FAILED_BIDDER"  # the bidder committed to its own garbage: 撤销
    with pytest.raises(Conflict) as info:  # bidder 0's bid decrypted: no 撤销 to claim for
        svc.claim(world.gw, centre=world.centre, guarantee_id=ids[0],
                  cause=ClaimCause.DECRYPTION_FAILED_BY_BIDDER, evidence=b"report")
    assert _error(info) == "NotClaimable"
    with pytest.raises(Unauthorised) as info:
        svc.claim(world.gw, centre=world.bank, guarantee_id=ids[1],
                  cause=ClaimCause.DECRYPTION_FAILED_BY_BIDDER, evidence=b"report")
    assert _error(info) == "NotPublisher"
    with pytest.raises(ValidationFailed, match="needs its evidence"):
        svc.claim(world.gw, centre=world.centre, guarantee_id=ids[1],
                  cause=ClaimCause.DECRYPTION_FAILED_BY_BIDDER, evidence=b"")
    with pytest.raises(Conflict) as info:  # no award yet: nobody refused to sign
        svc.claim(world.gw, centre=world.centre, guarantee_id=ids[2],
                  cause=ClaimCause.REFUSED_TO_SIGN, evidence=b"refusal")
    assert _error(info) == "NotClaimable"
    claimed = svc.claim(world.gw, centre=world.centre, guarantee_id=ids[1],
                        cause=ClaimCause.DECRYPTION_FAILED_BY_BIDDER, evidence=b"decryption failure report")
    assert world.state(ids[1]) is State.CLAIM_PENDING  # filed; paid only after the contest period
    on_chain = world.gw.claim_of(ids[1])
    assert (on_chain.cause, on_chain.evidence_hash, on_chain.contested) == (
        ClaimCause.DECRYPTION_FAILED_BY_BIDDER, claimed.evidence_hash, False)
    assert on_chain.contest_deadline == on_chain.filed_at + world.gw.contest_period() == on_chain.filed_at + 5 * DAY
    with pytest.raises(Conflict) as info:
        svc.settle_claim(world.gw, by=world.centre, guarantee_id=ids[1])
    assert _error(info) == "ContestPeriodOpen"
    world.chain.increase_time(5 * DAY)
    svc.settle_claim(world.gw, by=world.insurer, guarantee_id=ids[1])  # anyone settles
    assert world.state(ids[1]) is State.CLAIMED
    logged = world.book.events.Claimed.get_logs(from_block=0, to_block="latest")
    assert [(bytes(e["args"]["guaranteeId"]), bytes(e["args"]["evidenceHash"])) for e in logged] == [
        (ids[1], claimed.evidence_hash)]


def test_the_bidder_contests_a_claim_with_its_own_key_and_its_reasons_within_the_period(world: World) -> None:
    ids = [world.guarantee(n).guarantee_id for n in range(3)]
    for n in range(3):
        world.bid(n, garbage=n == 1)
    key = world.pass_deadline()
    world.open(key, 1)
    svc.claim(world.gw, centre=world.centre, guarantee_id=ids[1], cause=ClaimCause.DECRYPTION_FAILED_BY_BIDDER,
              evidence=b"report")
    with pytest.raises(ValidationFailed, match="reasons"):
        svc.contest_claim(world.gw, applicant=world.firms[1][0], guarantee_id=ids[1], reason=" ")
    with pytest.raises(Unauthorised) as info:  # another firm's key
        svc.contest_claim(world.gw, applicant=world.firms[0][0], guarantee_id=ids[1], reason="not mine")
    assert _error(info) == "NotApplicant"
    svc.contest_claim(world.gw, applicant=world.firms[1][0], guarantee_id=ids[1], reason="my envelope opens")
    assert world.state(ids[1]) is State.CLAIM_CONTESTED and world.gw.claim_of(ids[1]).contested
    world.chain.increase_time(5 * DAY)
    with pytest.raises(Conflict) as info:  # contested: it waits for the governance
        svc.settle_claim(world.gw, by=world.centre, guarantee_id=ids[1])
    assert _error(info) == "WrongState"


# ---------------------------------------------------------------------- sections without a guarantee


def test_a_section_without_a_guarantee_is_not_checked(world: World) -> None:
    world.pass_deadline()
    check = world.check(0, section=2)
    assert (check.status, check.reason) == (CheckStatus.NOT_CHECKED, "no guarantee required (the section's bid guarantee is 0)")


def _letter(world: World, n: int, section: int = 1) -> CommitmentLetter:
    account, uscc = world.firms[n]
    draft = draft_commitment_letter(chain_id=world.client.chain_id, book_address=world.book.address,
                                    tender=world.tender, section=section, bidder=account.address,
                                    firm_uscc=uscc, signed_at=world.client.block_timestamp())
    return sign_commitment_letter(draft, account)


def test_a_signed_commitment_letter_in_the_bid_replaces_the_guarantee_where_the_section_allows_it(world: World) -> None:
    letter = _letter(world, 0)
    file = letter_file(letter)
    world.bid(0, section=1, files={LETTER_FILE: {"sha256": file.sha256,
                                                    "content": base64.b64encode(file.content).decode()}})
    world.bid(1, section=1)
    world.bid(2, section=1)  # a section opens with three bids at least
    with pytest.raises(ValidationFailed, match="does not allow a credit commitment letter"):
        _letter(world, 0, section=0)
    forged = letter.model_copy(update={"signature": sign_commitment_letter(letter, world.firms[1][0]).signature})
    key = world.pass_deadline()
    opening = world.open(key, 0, section=1)
    carried = letter_from_package(opening.package)
    assert carried == letter
    check = world.check(0, section=1, letter=carried)
    assert check.status is CheckStatus.VALID and "信用承诺书" in check.reason
    elsewhere = world.check(0, section=0, letter=carried)  # section 0 allows no letter
    assert elsewhere.status is CheckStatus.INVALID and "does not allow a credit commitment letter" in elsewhere.reason
    bad = world.check(0, section=1, letter=forged)
    assert bad.status is CheckStatus.INVALID and "not by the bidder" in bad.reason
    assert world.check(1, section=1).reason == "no guarantee is bound to the bid and no credit commitment letter"


def test_breaking_a_commitment_letter_yields_an_anchored_bad_conduct_record(world: World) -> None:
    letter = _letter(world, 0)
    uscc = world.firms[0][1]
    now = datetime.fromtimestamp(world.client.block_timestamp(), UTC)
    breach = svc.record_commitment_breach(
                                          letter=letter, breach="中标后拒绝签订合同", evidence=b"%PDF refusal letter", record_no="BL-2026-3",
                                          deciding_body="珠海市住房和城乡建设局", decision_document_no="珠建信〔2026〕3号",
                                          listed_date=(now - timedelta(days=1)).date(), issued_at=now - timedelta(hours=1),
                                          credit_authority=world.authority, anchor=world.anchor,
                                          )
    doc = breach.sealed.document
    assert doc.subject == uscc and doc.record_type.value == "bad" and doc.issuer == world.authority.address
    assert letter.digest().hex() in doc.decision and breach.evidence_hash.hex() in doc.decision
    assert breach.batch is not None
    world.credit[uscc].append(CreditEntry(breach.sealed.credential_id(), breach.sealed, breach.batch.root))
    assert world.standing(uscc).bad_conduct == ["BL-2026-3"]
    with pytest.raises(ValidationFailed, match="evidence"):
        svc.record_commitment_breach(letter=letter, breach="x", evidence=b"", record_no="r", deciding_body="b",
                                     decision_document_no="d", listed_date=now.date(), issued_at=now,
                                     issuer_address=world.authority.address)

