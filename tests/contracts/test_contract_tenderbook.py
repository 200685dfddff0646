"""TenderBook: centres, tender terms and amendments, sealed bids and relayed signed bids, threshold
opening, recorded openings with the credentials each bid used, section outcomes, hashing rules
and gas.

Runs on every backend of the `chain` fixture. Permissions follow the Certora AccessControl
shape: each state-changing function succeeds exactly when the caller holds the role, does what
it says, and changes nothing else. Reverts are asserted by custom-error name and arguments.
The commitment and EIP-712 formulas are computed here from eth_abi/eth_account alone, so the
tests pin the contract to the published formulas, not to itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_utils import event_abi_to_log_topic, keccak
from web3.logs import DISCARD

from ledger.errors import ContractRevert
from tests.conftest import ChainEnv

ARTIFACT = Path(__file__).resolve().parents[2] / "ledger/artifacts/TenderBook.json"
ABI: list[dict[str, Any]] = json.loads(ARTIFACT.read_text())["abi"]
PARAM_FIELDS = [
    c["name"] for e in ABI if e.get("name") == "publishTender" for c in e["inputs"][1]["components"]
]

DECRYPTED, FAILED_BIDDER, FAILED_OTHER = range(3)
PENDING, CLOSED, FAILED, EVALUATED = range(4)
ZERO_ADDRESS = "0x" + "00" * 20
ZERO_WORD = b"\x00" * 32
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DAY = 86_400
MIN_BID_PERIOD = 20 * DAY  # 招标投标法 Art. 24: the deadline is at least 20 days after the issue
MIN_AMENDMENT_NOTICE = 15 * DAY  # Art. 23: an amendment at least 15 days before the deadline
BIDDING_TIME = MIN_BID_PERIOD + DAY  # seconds from publication to the deadline in these tests

Revert = tuple[str, tuple[Any, ...]]


def word(label: str) -> bytes:
    """A 32-byte value for tests (tender ids, hashes, salts)."""
    return keccak(text=label)


# ---------------------------------------------------------------- the formulas, from scratch


def cred_set_commitment(salt: bytes, credential_ids: Iterable[bytes]) -> bytes:
    """keccak256(abi.encode(bytes32 salt, bytes32[] ids)), ids ascending."""
    return keccak(abi_encode(["bytes32", "bytes32[]"], [salt, sorted(credential_ids)]))


def bid_commitment(
    chain_id: int,
    book: str,
    tender_id: bytes,
    section: int,
    bidder: str,
    ciphertext_hash: bytes,
    cred_set: bytes,
) -> bytes:
    """keccak256(abi.encode(chainId, book, tenderId, section, bidder, ciphertextHash, credSet))."""
    types = ["uint256", "address", "bytes32", "uint16", "address", "bytes32", "bytes32"]
    values = [chain_id, book, tender_id, section, bidder, ciphertext_hash, cred_set]
    return keccak(abi_encode(types, values))


BID_TYPE = "Bid(bytes32 tenderId,uint16 section,bytes32 commitment,uint256 nonce,uint64 expiry)"
DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"


def domain_separator(chain_id: int, book: str) -> bytes:
    values = [keccak(text=DOMAIN_TYPE), keccak(text="TenderBook"), keccak(text="1"), chain_id, book]
    return keccak(abi_encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], values))


def bid_digest(
    chain_id: int,
    book: str,
    tender_id: bytes,
    section: int,
    commitment: bytes,
    nonce: int,
    expiry: int,
) -> bytes:
    """EIP-712 digest of a signed bid, assembled by hand."""
    struct_hash = keccak(
        abi_encode(
            ["bytes32", "bytes32", "uint16", "bytes32", "uint256", "uint64"],
            [keccak(text=BID_TYPE), tender_id, section, commitment, nonce, expiry],
        )
    )
    return keccak(b"\x19\x01" + domain_separator(chain_id, book) + struct_hash)


def typed_bid(
    chain_id: int,
    book: str,
    tender_id: bytes,
    section: int,
    commitment: bytes,
    nonce: int,
    expiry: int,
) -> Any:
    """The same signed bid as EIP-712 typed data, for eth_account to hash and sign."""
    return encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Bid": [
                    {"name": "tenderId", "type": "bytes32"},
                    {"name": "section", "type": "uint16"},
                    {"name": "commitment", "type": "bytes32"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "expiry", "type": "uint64"},
                ],
            },
            "primaryType": "Bid",
            "domain": {
                "name": "TenderBook",
                "version": "1",
                "chainId": chain_id,
                "verifyingContract": book,
            },
            "message": {
                "tenderId": tender_id,
                "section": section,
                "commitment": commitment,
                "nonce": nonce,
                "expiry": expiry,
            },
        }
    )


# ---------------------------------------------------------------- sealed bids


@dataclass
class SealedBid:
    """What a bidder keeps off-chain: the ciphertext hash, the salt and the ticked credentials."""

    bidder: str
    section: int
    ciphertext_hash: bytes
    salt: bytes
    credentials: list[bytes]
    commitment: bytes = ZERO_WORD
    price: int = 123_456_78  # in 分, as the opening records it

    @property
    def cred_set(self) -> bytes:
        return cred_set_commitment(self.salt, self.credentials)

    @property
    def reveal(self) -> tuple[bytes, bytes, list[bytes], int]:
        """What a decrypted opening is recorded with: ciphertext hash, salt, credential ids, price."""
        return self.ciphertext_hash, self.salt, sorted(self.credentials), self.price


@dataclass
class Tender:
    tender_id: bytes
    deadline: int
    shares: list[bytes]
    params: tuple[Any, ...]


# ---------------------------------------------------------------- the book under test


@dataclass
class Book:
    """A deployed TenderBook. `centre` and `rival` are centres; `admin` is not; `bidders` bid;
    `officers[:2]` are funded opening officers of every tender (the third never sends)."""

    chain: ChainEnv
    contract: Any
    admin: LocalAccount
    centre: LocalAccount
    rival: LocalAccount
    bidders: list[LocalAccount]
    officers: list[LocalAccount]
    tenders: list[bytes] = field(default_factory=list)

    @property
    def fn(self) -> Any:
        return self.contract.functions

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def send(self, call: Any, by: LocalAccount) -> Any:
        return self.chain.transact(call, by)

    def send_at(self, timestamp: int, call: Any, by: LocalAccount, gas: int = 200_000) -> Any:
        """Send `call` as `by` in a block stamped `timestamp`, with `gas` (no estimate)."""
        self.chain.set_next_block_timestamp(timestamp)
        tx = {"to": self.address, "data": call._encode_transaction_data(), "gas": gas}
        return self.chain.send(by, tx)

    def fails(self, call: Any, by: LocalAccount) -> Revert:
        """The custom error that sending `call` as `by` reverts with."""
        return reverts(lambda: self.chain.transact(call, by))

    def now(self) -> int:
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def time_of(self, receipt: Any) -> int:
        return int(self.chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"])

    def pass_deadline(self, tender: Tender) -> None:
        self.chain.increase_time(max(tender.deadline - self.now(), 0) + 1)

    def params(self, **changes: Any) -> tuple[Any, ...]:
        """A valid TenderParams tuple: 2 sections, 3 bids minimum, a 2-of-3 committee."""
        shares = changes.pop("shares", None) or [os.urandom(48) for _ in self.officers]
        p = {
            "docHash": word("tender document"),
            "paramsHash": word("canonical parameters"),
            "sectionCount": 2,
            "deadline": self.now() + BIDDING_TIME,
            "openingWindow": 3_600,
            "minValidBids": 3,
            "selection": 1,  # 直接票决
            "openingPublicKey": word("X25519 opening public key"),
            "threshold": 2,
            "shareHashes": [keccak(s) for s in shares],
            "officers": [o.address for o in self.officers],
        }
        p.update(changes)
        return tuple(p.values())

    def publish(self, label: str = "E3203010319005778001", **changes: Any) -> Tender:
        shares = [os.urandom(48) for _ in self.officers]
        params = self.params(shares=shares, **changes)
        tender_id = word(label)
        self.send(self.fn.publishTender(tender_id, params), self.centre)
        self.tenders.append(tender_id)
        return Tender(tender_id, params[3], shares, params)

    def seal(
        self, tender: Tender, bidder: str, section: int = 0, n_credentials: int = 3
    ) -> SealedBid:
        label = f"{tender.tender_id.hex()} {bidder} {section} {os.urandom(4).hex()}"
        bid = SealedBid(
            bidder,
            section,
            word("ciphertext " + label),
            word("salt " + label),
            [word(f"credential {i} " + label) for i in range(n_credentials)],
        )
        bid.commitment = bid_commitment(
            self.chain.client.chain_id,
            self.address,
            tender.tender_id,
            section,
            bidder,
            bid.ciphertext_hash,
            bid.cred_set,
        )
        return bid

    def bid(self, tender: Tender, bidder: LocalAccount, section: int = 0, **kw: Any) -> SealedBid:
        sealed = self.seal(tender, bidder.address, section, **kw)
        self.send(self.fn.submitBid(tender.tender_id, section, sealed.commitment), bidder)
        return sealed

    def authorise(
        self,
        signer: LocalAccount,
        tender_id: bytes,
        section: int,
        commitment: bytes,
        nonce: int,
        expiry: int | None = None,
        bidder: str | None = None,
    ) -> tuple[Any, ...]:
        """A BidAuth tuple signed by `signer` (claiming to be `bidder`, by default the signer)."""
        expiry = self.now() + 600 if expiry is None else expiry
        typed = typed_bid(
            self.chain.client.chain_id, self.address, tender_id, section, commitment, nonce, expiry
        )
        signature = bytes(signer.sign_message(typed).signature)
        return (tender_id, section, commitment, bidder or signer.address, nonce, expiry, signature)

    def release(self, tender: Tender, count: int = 2) -> None:
        for officer, share in list(zip(self.officers, tender.shares, strict=True))[:count]:
            self.send(self.fn.releaseShare(tender.tender_id, share), officer)

    def open(self, tender: Tender, bid: SealedBid) -> Any:
        call = self.fn.recordOpening(
            tender.tender_id, bid.section, bid.bidder, DECRYPTED, *bid.reveal
        )
        return self.send(call, self.centre)

    def fail(
        self, tender: Tender, bid: SealedBid, outcome: int, proof: tuple[bytes, bytes] | None = None
    ) -> Any:
        """Record a failed opening with its proof: by default the ciphertext hash and the
        credential-set commitment the bidder committed to."""
        ct, cred_set = (bid.ciphertext_hash, bid.cred_set) if proof is None else proof
        call = self.fn.recordOpening(tender.tender_id, bid.section, bid.bidder, outcome, ct, cred_set, [], 0)
        return self.send(call, self.centre)

    def events(self, receipt: Any) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for name in (e["name"] for e in ABI if e["type"] == "event"):
            event = getattr(self.contract.events, name)()
            for ev in event.process_receipt(receipt, errors=DISCARD):
                found.append((ev["logIndex"], name, dict(ev["args"])))
        return [(name, args) for _, name, args in sorted(found, key=lambda f: f[0])]

    def snapshot(self, extra_bidders: Iterable[str] = ()) -> dict[tuple[Any, ...], Any]:
        """Everything observable about the roles, the tenders published here and their bids."""
        people = [a.address for a in self.chain.accounts] + list(extra_bidders)
        state: dict[tuple[Any, ...], Any] = {
            ("admin",): self.fn.admin().call(),
            ("pendingAdmin",): self.fn.pendingAdmin().call(),
            ("tenderCount",): self.fn.tenderCount().call(),
        }
        for who in people:
            state[("centre", who)] = self.fn.isCentre(who).call()
            state[("nonce", who)] = self.fn.nonces(who).call()
        for t in self.tenders:
            state[("tender", t)] = _plain(self.fn.tenderOf(t).call())
            index = self.fn.tenderHeader(t).call()[5]
            state[("index", t)] = (index, bytes(self.fn.tenderAt(index).call()[0]))
            state[("shares", t)] = self.fn.sharesReleased(t).call()
            for s in range(3):
                state[("section", t, s)] = tuple(self.fn.sectionOf(t, s).call())
                for who in people:
                    state[("bid", t, s, who)] = tuple(self.fn.bidOf(t, s, who).call())
        return state


def _plain(value: Any) -> Any:
    """Lists as tuples and decoded structs (mappings) as dicts, all the way down."""
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def changed(before: dict[tuple[Any, ...], Any], after: dict[tuple[Any, ...], Any]) -> set[Any]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def reverts(action: Callable[[], Any]) -> Revert:
    with pytest.raises(ContractRevert) as info:
        action()
    return info.value.error, tuple(info.value.args_.values())


@pytest.fixture
def book(chain: ChainEnv) -> Book:
    admin, centre, rival, b1, b2, b3, o1, o2 = chain.accounts
    contract = chain.deploy("TenderBook", admin.address, sender=admin)
    chain.transact(contract.functions.authoriseCentre(centre.address), admin)
    chain.transact(contract.functions.authoriseCentre(rival.address), admin)
    officers = [o1, o2, Account.create()]
    return Book(chain, contract, admin, centre, rival, [b1, b2, b3], officers)


# ---------------------------------------------------------------- admin and centres


def test_the_constructor_makes_its_argument_admin_and_authorises_no_centre(chain: ChainEnv) -> None:
    admin = chain.accounts[5]
    contract = chain.deploy("TenderBook", admin.address, sender=chain.accounts[0])
    fn = contract.functions
    assert fn.admin().call() == admin.address
    assert fn.pendingAdmin().call() == ZERO_ADDRESS
    assert not any(fn.isCentre(a.address).call() for a in chain.accounts)
    assert (fn.MAX_OFFICERS().call(), fn.MAX_BATCH().call(), fn.MAX_CREDENTIALS().call()) == (
        15,
        200,
        512,
    )
    assert (fn.MIN_BID_PERIOD().call(), fn.MIN_AMENDMENT_NOTICE().call()) == (
        MIN_BID_PERIOD,
        MIN_AMENDMENT_NOTICE,
    )


def test_only_the_admin_can_authorise_or_withdraw_a_centre_and_only_that_centre_changes(
    book: Book,
) -> None:
    newcomer = book.bidders[0]
    before = book.snapshot()
    for caller in (book.centre, book.rival, newcomer):
        for call in (
            book.fn.authoriseCentre(newcomer.address),
            book.fn.withdrawCentre(book.rival.address),
        ):
            assert book.fails(call, caller) == ("NotAdmin", (caller.address,))
    assert book.snapshot() == before

    receipt = book.send(book.fn.authoriseCentre(newcomer.address), book.admin)
    after = book.snapshot()
    assert changed(before, after) == {("centre", newcomer.address)}
    assert after[("centre", newcomer.address)] is True
    assert book.events(receipt) == [("CentreAuthorised", {"centre": newcomer.address})]

    receipt = book.send(book.fn.withdrawCentre(book.rival.address), book.admin)
    assert changed(after, book.snapshot()) == {("centre", book.rival.address)}
    assert not book.fn.isCentre(book.rival.address).call()
    assert book.events(receipt) == [("CentreWithdrawn", {"centre": book.rival.address})]

    # Idempotent, OpenZeppelin grantRole style: nothing changes, nothing is logged.
    state = book.snapshot()
    again = book.send(book.fn.authoriseCentre(book.centre.address), book.admin)
    absent = book.send(book.fn.withdrawCentre(book.rival.address), book.admin)
    assert book.snapshot() == state
    assert again["logs"] == [] and absent["logs"] == []


# ---------------------------------------------------------------- tenders


def test_only_a_centre_can_publish_and_the_terms_are_stored_exactly_as_given_at_version_1(
    book: Book,
) -> None:
    tender_id = word("E3203010319005778001")
    book.tenders.append(tender_id)
    params = book.params()
    before = book.snapshot()
    for caller in (book.admin, book.bidders[0], book.officers[0]):
        call = book.fn.publishTender(tender_id, params)
        assert book.fails(call, caller) == ("NotCentre", (caller.address,))
    assert book.snapshot() == before

    receipt = book.send(book.fn.publishTender(tender_id, params), book.centre)
    after = book.snapshot()
    assert changed(before, after) == {("tender", tender_id), ("index", tender_id), ("tenderCount",)}
    assert after[("index", tender_id)][0] == after[("tenderCount",)] == 1  # the first index
    assert after[("tender", tender_id)] == (
        book.centre.address,
        1,
        book.time_of(receipt),
        _plain(params),
    )
    ((name, args),) = book.events(receipt)
    assert name == "TenderPublished"
    assert (args["tenderId"], args["centre"], args["version"]) == (
        tender_id,
        book.centre.address,
        1,
    )
    # The log carries every published parameter, committee included, exactly as passed.
    assert list(args["params"]) == PARAM_FIELDS
    assert _plain(args["params"]) == _plain(dict(zip(PARAM_FIELDS, params, strict=True)))


def test_a_tender_id_is_published_once_whoever_tries_again(book: Book) -> None:
    tender = book.publish()
    before = book.snapshot()
    for centre in (book.centre, book.rival):
        call = book.fn.publishTender(tender.tender_id, book.params())
        assert book.fails(call, centre) == ("TenderExists", (tender.tender_id,))
    assert book.snapshot() == before


def test_publication_refuses_terms_that_break_the_rules(book: Book) -> None:
    tid = word("bad tender")
    book.tenders.append(tid)
    before = book.snapshot()
    now = book.now()
    o = [x.address for x in book.officers]
    h = [word(f"share {i}") for i in range(3)]
    cases: list[tuple[dict[str, Any], Revert]] = [
        ({"sectionCount": 0}, ("InvalidSectionCount", (tid, 0))),
        ({"minValidBids": 0}, ("InvalidMinValidBids", (tid, 0))),
        ({"threshold": 1}, ("InvalidCommittee", (tid, 1, 3, 3))),
        ({"threshold": 4}, ("InvalidCommittee", (tid, 4, 3, 3))),
        ({"shareHashes": h[:2]}, ("InvalidCommittee", (tid, 2, 3, 2))),
        ({"officers": [], "shareHashes": [], "threshold": 0}, ("InvalidCommittee", (tid, 0, 0, 0))),
        (
            {"officers": [Account.create().address for _ in range(16)], "shareHashes": [h[0]] * 16},
            ("InvalidCommittee", (tid, 2, 16, 16)),
        ),
        ({"officers": [o[0], ZERO_ADDRESS, o[2]]}, ("InvalidOfficer", (tid, ZERO_ADDRESS))),
        ({"officers": [o[0], o[1], o[0]]}, ("InvalidOfficer", (tid, o[0]))),
        # the selection method must be one of the six, with a price rule byte only for 价格竞争
        ({"selection": 0}, ("InvalidSelection", (tid, 0))),
        ({"selection": 7}, ("InvalidSelection", (tid, 7))),
        ({"selection": 1 | 3 << 8}, ("InvalidSelection", (tid, 1 | 3 << 8))),
        ({"selection": 6 | 1 << 8}, ("InvalidSelection", (tid, 6 | 1 << 8))),
    ]
    for changes, expected in cases:
        call = book.fn.publishTender(tid, book.params(**changes))
        assert book.fails(call, book.centre) == expected, changes
    name, (tender_id, issued_at, deadline, earliest) = book.fails(
        book.fn.publishTender(tid, book.params(deadline=now)), book.centre
    )
    assert (name, tender_id, deadline) == ("BidPeriodTooShort", tid, now)
    assert issued_at >= now and earliest == issued_at + MIN_BID_PERIOD
    assert book.snapshot() == before

    # Fifteen officers is the most a committee may have.
    fifteen = [Account.create().address for _ in range(15)]
    book.send(
        book.fn.publishTender(
            tid, book.params(officers=fifteen, shareHashes=[h[0]] * 15, threshold=15)
        ),
        book.centre,
    )
    assert book.fn.tenderOf(tid).call()[3][10] == fifteen


def test_the_selection_method_is_fixed_with_the_terms_and_changed_only_by_an_amendment(book: Book) -> None:
    """The selection word SelectionBook checks decisions against is the one published, readable in
    `selectionOf`, `tenderOf` and the publication log; an amendment before the deadline replaces it
    (checked like a publication), none after."""
    lowest_price = 4 | 1 << 8
    tender = book.publish(selection=lowest_price)
    tid = tender.tender_id
    assert book.fn.selectionOf(tid).call() == lowest_price
    assert book.fn.tenderOf(tid).call()[3][6] == lowest_price
    assert book.fn.selectionOf(word("nothing")).call() == 0
    bad = book.fn.amendTender(tid, word("doc v2"), word("params v2"), 2 | 1 << 8, tender.deadline, word("r"))
    assert book.fails(bad, book.centre) == ("InvalidSelection", (tid, 2 | 1 << 8))
    receipt = book.send(
        book.fn.amendTender(tid, word("doc v2"), word("params v2"), 2, tender.deadline, word("r")), book.centre
    )
    assert book.contract.events.TenderAmended().process_receipt(receipt)[0]["args"]["selection"] == 2
    assert book.fn.selectionOf(tid).call() == 2
    book.chain.increase_time(book.fn.tenderHeader(tid).call()[1] - book.now() + 1)
    late = book.fn.amendTender(tid, word("doc v3"), word("params v3"), 4, tender.deadline + 40 * DAY, word("r"))
    assert book.fails(late, book.centre)[0] == "DeadlinePassed"
    assert book.fn.selectionOf(tid).call() == 2


def test_only_the_publishing_centre_amends_before_the_deadline_and_every_amendment_is_versioned(
    book: Book,
) -> None:
    tender = book.publish()
    tid = tender.tender_id
    later = tender.deadline + 500
    amend = book.fn.amendTender(tid, word("doc v2"), word("params v2"), 1, later, word("reason"))
    before = book.snapshot()
    for caller in (book.rival, book.admin, book.bidders[0]):
        assert book.fails(amend, caller) == ("NotPublisher", (tid, caller.address))
    unknown = book.fn.amendTender(word("nothing"), ZERO_WORD, ZERO_WORD, 1, later, ZERO_WORD)
    assert book.fails(unknown, book.centre) == ("UnknownTender", (word("nothing"),))
    assert book.snapshot() == before

    # More than MIN_AMENDMENT_NOTICE before the deadline: the deadline asked for is the one in force.
    receipt = book.send(amend, book.centre)
    after = book.snapshot()
    assert changed(before, after) == {("tender", tid)}
    centre, version, issued_at, params = after[("tender", tid)]
    assert (centre, version, issued_at) == (book.centre.address, 2, before[("tender", tid)][2])
    assert params == _plain(
        (word("doc v2"), word("params v2"), *tender.params[2:3], later, *tender.params[4:])
    )
    assert book.events(receipt) == [
        (
            "TenderAmended",
            {
                "tenderId": tid,
                "version": 2,
                "docHash": word("doc v2"),
                "paramsHash": word("params v2"),
                "selection": 1,
                "deadline": later,
                "requestedDeadline": later,
                "reasonHash": word("reason"),
            },
        )
    ]
    # Amending with the very same terms still counts as a change: version 3.
    book.send(
        book.fn.amendTender(tid, word("doc v2"), word("params v2"), 1, later, word("again")),
        book.centre,
    )
    assert book.fn.tenderOf(tid).call()[1] == 3

    book.chain.increase_time(later - book.now() + 1)
    name, args = book.fails(amend, book.centre)
    assert (name, args[:2]) == ("DeadlinePassed", (tid, later)) and args[2] >= later
    assert book.fn.tenderOf(tid).call()[1] == 3


def test_a_deadline_19_days_23_hours_after_issue_is_refused_and_exactly_20_days_is_accepted(
    book: Book,
) -> None:
    tid = word("short bid period")
    book.tenders.append(tid)
    before = book.snapshot()
    # The issue time is the publishing block's time, at least the latest block's: an hour short
    # of 20 days from the latest block is short from the issue too.
    short = book.now() + MIN_BID_PERIOD - 3_600
    name, (tender_id, issued_at, deadline, earliest) = book.fails(
        book.fn.publishTender(tid, book.params(deadline=short)), book.centre
    )
    assert (name, tender_id, deadline) == ("BidPeriodTooShort", tid, short)
    assert earliest == issued_at + MIN_BID_PERIOD and deadline < earliest
    assert book.snapshot() == before

    # Exactly 20 days after the block time of publication is enough; the issue time is that block's.
    issue = book.now() + 60
    book.chain.set_next_block_timestamp(issue)
    receipt = book.send(
        book.fn.publishTender(tid, book.params(deadline=issue + MIN_BID_PERIOD)), book.centre
    )
    assert book.time_of(receipt) == issue
    centre, version, issued_at, params = book.fn.tenderOf(tid).call()
    assert (issued_at, params[3]) == (issue, issue + MIN_BID_PERIOD)


def test_an_amendment_14_days_before_the_deadline_moves_the_deadline_out_to_15_days_after_it(
    book: Book,
) -> None:
    tender = book.publish()
    tid, alice = tender.tender_id, book.bidders[0]
    book.chain.increase_time(tender.deadline - 14 * DAY - book.now())
    # The centre changes the documents and keeps the deadline: bidders would get 14 days.
    receipt = book.send(
        book.fn.amendTender(tid, word("doc v2"), word("params v2"), 1, tender.deadline, word("r")),
        book.centre,
    )
    postponed = book.time_of(receipt) + MIN_AMENDMENT_NOTICE
    assert postponed > tender.deadline
    ((name, args),) = book.events(receipt)
    assert (name, args["deadline"], args["requestedDeadline"]) == (
        "TenderAmended",
        postponed,
        tender.deadline,
    )
    assert book.fn.tenderHeader(tid).call()[1] == postponed
    assert book.fn.tenderOf(tid).call()[3][3] == postponed
    # The old deadline no longer closes the tender: a bid after it is in time, officers wait.
    book.chain.increase_time(tender.deadline - book.now() + 1)
    book.bid(tender, alice)
    release = book.fn.releaseShare(tid, tender.shares[0])
    assert book.fails(release, book.officers[0]) == ("TooEarly", (tid, postponed))
    book.chain.increase_time(postponed - book.now())
    late = book.seal(tender, book.bidders[1].address)
    assert book.fails(book.fn.submitBid(tid, 0, late.commitment), book.bidders[1])[0] == "LateBid"


def test_an_amendment_exactly_15_days_before_the_deadline_keeps_it_and_one_second_later_postpones_it(
    book: Book,
) -> None:
    tender = book.publish()
    tid = tender.tender_id
    amend = book.fn.amendTender(tid, ZERO_WORD, ZERO_WORD, 1, tender.deadline, ZERO_WORD)
    # Mined at the instants set (fixed gas: a node may estimate at another instant, on the other
    # side of the boundary, where the amendment writes no new deadline and costs less).
    receipt = book.send_at(tender.deadline - MIN_AMENDMENT_NOTICE, amend, book.centre)
    assert book.events(receipt)[0][1]["deadline"] == tender.deadline
    receipt = book.send_at(tender.deadline - MIN_AMENDMENT_NOTICE + 1, amend, book.centre)
    assert book.events(receipt)[0][1]["deadline"] == tender.deadline + 1
    assert book.fn.tenderHeader(tid).call()[1] == tender.deadline + 1


def test_an_amendment_that_moves_the_deadline_earlier_is_refused_early_or_late(book: Book) -> None:
    tender = book.publish()
    tid = tender.tender_id
    before = book.snapshot()
    # Weeks ahead: cutting a 21-day deadline to minutes.
    minutes = book.now() + 210
    earlier = book.fn.amendTender(tid, word("doc v2"), word("params v2"), 1, minutes, word("r"))
    assert book.fails(earlier, book.centre) == (
        "DeadlineBroughtForward",
        (tid, tender.deadline, minutes),
    )
    # One second earlier is earlier.
    by_one = book.fn.amendTender(tid, ZERO_WORD, ZERO_WORD, 1, tender.deadline - 1, ZERO_WORD)
    assert book.fails(by_one, book.centre) == (
        "DeadlineBroughtForward",
        (tid, tender.deadline, tender.deadline - 1),
    )
    # Days before the deadline, asking for an earlier one is refused, not postponed.
    book.chain.increase_time(tender.deadline - 3 * DAY - book.now())
    assert book.fails(by_one, book.centre)[0] == "DeadlineBroughtForward"
    assert book.snapshot() == before


def test_an_amendment_at_or_after_the_deadline_is_refused_even_one_that_would_postpone_it(
    book: Book,
) -> None:
    tender = book.publish()
    tid = tender.tender_id
    reopen = book.fn.amendTender(
        tid, word("doc v2"), word("params v2"), 1, tender.deadline + 30 * DAY, ZERO_WORD
    )
    before = book.snapshot()
    # A block at the very deadline: from then on nothing is amended.
    book.chain.set_next_block_timestamp(tender.deadline)
    book.chain.increase_time(0)
    assert book.now() == tender.deadline
    name, args = book.fails(reopen, book.centre)
    assert (name, args[:2]) == ("DeadlinePassed", (tid, tender.deadline)) and args[2] >= tender.deadline
    book.pass_deadline(tender)
    name, args = book.fails(reopen, book.centre)
    assert (name, args[:2]) == ("DeadlinePassed", (tid, tender.deadline))
    assert book.snapshot() == before


def test_the_header_view_is_the_centre_deadline_sections_threshold_shares_and_index_as_they_change(
    book: Book,
) -> None:
    assert tuple(book.fn.tenderHeader(word("nothing")).call()) == (ZERO_ADDRESS, 0, 0, 0, 0, 0)
    tender = book.publish(sectionCount=3)
    tid = tender.tender_id

    def header() -> tuple[Any, ...]:
        return tuple(book.fn.tenderHeader(tid).call())

    def from_other_views() -> tuple[Any, ...]:
        centre, _, _, p = book.fn.tenderOf(tid).call()
        return (centre, p[3], p[2], p[8], book.fn.sharesReleased(tid).call(), book.fn.tenderCount().call())

    def at_index() -> tuple[Any, ...]:
        found = tuple(book.fn.tenderAt(1).call())
        return (*found[1:], 1) if found[0] == tid else found

    assert header() == (book.centre.address, tender.deadline, 3, 2, 0, 1) == from_other_views() == at_index()
    later = tender.deadline + 500
    book.send(book.fn.amendTender(tid, ZERO_WORD, ZERO_WORD, 1, later, ZERO_WORD), book.centre)
    assert header() == (book.centre.address, later, 3, 2, 0, 1) == from_other_views() == at_index()
    book.chain.increase_time(later - book.now() + 1)
    book.release(tender, count=1)
    assert header() == (book.centre.address, later, 3, 2, 1, 1) == from_other_views() == at_index()


def test_each_tender_gets_the_next_index_and_the_nth_published_log_is_index_n(book: Book) -> None:
    """GuaranteeBook keeps a tender's index, not its id: one index per tender, given in the order
    of publication by whichever centre, never again (a refused publication takes none), and
    `tenderAt` gives the id back."""
    assert book.fn.tenderCount().call() == 0
    first = book.publish("first")
    second = book.send(book.fn.publishTender(word("second"), book.params()), book.rival)
    book.tenders.append(word("second"))
    again = book.fn.publishTender(first.tender_id, book.params())
    assert book.fails(again, book.rival)[0] == "TenderExists"
    assert book.fails(book.fn.publishTender(word("bad"), book.params(sectionCount=0)), book.centre)[0] == (
        "InvalidSectionCount"
    )
    third = book.publish("third")
    ids = [first.tender_id, word("second"), third.tender_id]
    assert book.fn.tenderCount().call() == 3
    assert [book.fn.tenderHeader(t).call()[5] for t in ids] == [1, 2, 3]
    assert [bytes(book.fn.tenderAt(n).call()[0]) for n in (1, 2, 3)] == ids
    assert tuple(book.fn.tenderAt(2).call())[1:] == tuple(book.fn.tenderHeader(ids[1]).call())[:5]
    assert second["status"] == 1
    # The logs alone give the same indices: the n-th TenderPublished is index n.
    logs = book.contract.events.TenderPublished().get_logs(from_block=0)
    assert [bytes(log["args"]["tenderId"]) for log in logs] == ids


def test_an_index_no_tender_has_resolves_to_nothing_even_with_a_tender_id_of_zero(book: Book) -> None:
    """The attack: unassigned indices map to id 0, so a tender published under id 0 must not
    answer for them (GuaranteeBook would then act on the wrong tender)."""
    zero = book.send(book.fn.publishTender(ZERO_WORD, book.params()), book.centre)
    assert zero["status"] == 1
    book.tenders.append(ZERO_WORD)
    assert book.fn.tenderHeader(ZERO_WORD).call()[5] == 1
    assert bytes(book.fn.tenderAt(1).call()[0]) == ZERO_WORD and book.fn.tenderAt(1).call()[1] == book.centre.address
    nothing = (ZERO_WORD, ZERO_ADDRESS, 0, 0, 0, 0)
    for index in (0, 2, 3, 2**32 - 1):
        assert tuple(book.fn.tenderAt(index).call()) == nothing, index


def test_a_deadline_past_2106_is_refused_not_truncated_at_publication_and_amendment(book: Book) -> None:
    """Deadlines are stored in 32 bits: one that does not fit is refused with the latest that does,
    never cut to an earlier time (2^32 would wrap to 0, a deadline long passed)."""
    latest = 2**32 - 1
    tid = word("far deadline")
    book.tenders.append(tid)
    before = book.snapshot()
    for deadline in (2**32, 2**40, 2**64 - 1):
        call = book.fn.publishTender(tid, book.params(deadline=deadline))
        assert book.fails(call, book.centre) == ("DeadlineTooLate", (tid, deadline, latest))
    assert book.snapshot() == before
    book.send(book.fn.publishTender(tid, book.params(deadline=latest)), book.centre)
    assert book.fn.tenderHeader(tid).call()[1] == latest

    tender = book.publish("amended far")
    amend = book.fn.amendTender(tender.tender_id, ZERO_WORD, ZERO_WORD, 1, 2**32, ZERO_WORD)
    before = book.snapshot()
    assert book.fails(amend, book.centre) == ("DeadlineTooLate", (tender.tender_id, 2**32, latest))
    assert book.snapshot() == before
    book.send(book.fn.amendTender(tender.tender_id, ZERO_WORD, ZERO_WORD, 1, latest, ZERO_WORD), book.centre)
    assert tuple(book.fn.tenderHeader(tender.tender_id).call())[:2] == (book.centre.address, latest)


def test_a_withdrawn_centre_publishes_no_more_but_still_runs_the_tenders_it_published(
    book: Book,
) -> None:
    tender = book.publish()
    book.send(book.fn.withdrawCentre(book.centre.address), book.admin)
    call = book.fn.publishTender(word("another"), book.params())
    assert book.fails(call, book.centre) == ("NotCentre", (book.centre.address,))
    amend = book.fn.amendTender(tender.tender_id, ZERO_WORD, ZERO_WORD, 1, tender.deadline, ZERO_WORD)
    book.send(amend, book.centre)
    assert book.fn.tenderOf(tender.tender_id).call()[1] == 2


# ---------------------------------------------------------------- bids


def test_a_bidder_submits_replaces_and_withdraws_only_its_own_bid_before_the_deadline(
    book: Book,
) -> None:
    tender = book.publish()
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    bob_bid = book.bid(tender, bob)

    first = book.seal(tender, alice.address)
    before = book.snapshot()
    receipt = book.send(book.fn.submitBid(tid, 0, first.commitment), alice)
    after = book.snapshot()
    assert changed(before, after) == {("bid", tid, 0, alice.address), ("section", tid, 0)}
    assert after[("bid", tid, 0, alice.address)] == (first.commitment, 1, False, 0, 0)
    assert book.fn.bidCount(tid, 0).call() == 2
    assert book.events(receipt) == [
        (
            "BidSubmitted",
            {
                "tenderId": tid,
                "section": 0,
                "bidder": alice.address,
                "commitment": first.commitment,
                "version": 1,
            },
        )
    ]

    second = book.seal(tender, alice.address)
    receipt = book.send(book.fn.submitBid(tid, 0, second.commitment), alice)
    replaced = book.snapshot()
    assert changed(after, replaced) == {("bid", tid, 0, alice.address)}
    assert replaced[("bid", tid, 0, alice.address)] == (second.commitment, 2, False, 0, 0)
    assert book.fn.bidCount(tid, 0).call() == 2
    assert book.events(receipt)[0][1]["version"] == 2

    receipt = book.send(book.fn.withdrawBid(tid, 0), alice)
    withdrawn = book.snapshot()
    assert changed(replaced, withdrawn) == {("bid", tid, 0, alice.address), ("section", tid, 0)}
    assert withdrawn[("bid", tid, 0, alice.address)] == (ZERO_WORD, 2, False, 0, 0)
    assert withdrawn[("bid", tid, 0, bob.address)] == (bob_bid.commitment, 1, False, 0, 0)
    assert book.fn.bidCount(tid, 0).call() == 1
    assert book.events(receipt) == [
        ("BidWithdrawn", {"tenderId": tid, "section": 0, "bidder": alice.address, "version": 2})
    ]
    assert book.fails(book.fn.withdrawBid(tid, 0), alice) == ("NoBid", (tid, 0, alice.address))
    assert book.fails(book.fn.withdrawBid(tid, 1), bob) == ("NoBid", (tid, 1, bob.address))

    # A bid in the other section is another bid; versions keep counting after a withdrawal.
    book.bid(tender, alice, section=1)
    third = book.bid(tender, alice)
    assert tuple(book.fn.bidOf(tid, 0, alice.address).call()) == (third.commitment, 3, False, 0, 0)
    assert (book.fn.bidCount(tid, 0).call(), book.fn.bidCount(tid, 1).call()) == (2, 1)


def test_the_contract_itself_rejects_a_late_bid_by_block_time(book: Book) -> None:
    tender = book.publish()
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    kept = book.bid(tender, alice)
    book.pass_deadline(tender)
    before = book.snapshot()

    late = book.seal(tender, bob.address)
    name, (tender_id, deadline, block_time) = book.fails(
        book.fn.submitBid(tid, 0, late.commitment), bob
    )
    assert (name, tender_id, deadline) == ("LateBid", tid, tender.deadline)
    assert block_time >= tender.deadline
    replacement = book.seal(tender, alice.address).commitment
    assert book.fails(book.fn.submitBid(tid, 0, replacement), alice)[0] == "LateBid"
    name, args = book.fails(book.fn.withdrawBid(tid, 0), alice)
    assert (name, args[:2]) == ("DeadlinePassed", (tid, tender.deadline))
    assert book.snapshot() == before
    assert tuple(book.fn.bidOf(tid, 0, alice.address).call()) == (kept.commitment, 1, False, 0, 0)


def test_an_extended_deadline_admits_bids_until_the_new_deadline(book: Book) -> None:
    tender = book.publish()
    later = tender.deadline + 2 * BIDDING_TIME
    book.send(
        book.fn.amendTender(tender.tender_id, ZERO_WORD, ZERO_WORD, 1, later, ZERO_WORD), book.centre
    )
    book.pass_deadline(tender)
    book.bid(tender, book.bidders[0])
    assert book.fn.bidCount(tender.tender_id, 0).call() == 1


def test_a_bid_must_name_a_published_tender_an_existing_section_and_carry_a_commitment(
    book: Book,
) -> None:
    tender = book.publish()
    tid, alice = tender.tender_id, book.bidders[0]
    before = book.snapshot()
    c = word("some commitment")
    assert book.fails(book.fn.submitBid(word("none"), 0, c), alice) == (
        "UnknownTender",
        (word("none"),),
    )
    assert book.fails(book.fn.submitBid(tid, 2, c), alice) == ("UnknownSection", (tid, 2))
    assert book.fails(book.fn.withdrawBid(tid, 2), alice) == ("UnknownSection", (tid, 2))
    assert book.fails(book.fn.submitBid(tid, 0, ZERO_WORD), alice) == (
        "EmptyCommitment",
        (tid, 0, alice.address),
    )
    assert book.snapshot() == before


# ---------------------------------------------------------------- relayed, signed bids


def test_a_relayer_submits_bids_signed_by_their_bidders_who_need_no_funds(book: Book) -> None:
    tender = book.publish()
    tid, relayer = tender.tender_id, book.admin
    alice, bob = Account.create(), Account.create()  # no ether: they only sign
    a0 = book.seal(tender, alice.address, 0)
    a1 = book.seal(tender, alice.address, 1)
    b0 = book.seal(tender, bob.address, 0)
    batch = [
        book.authorise(alice, tid, 0, a0.commitment, 0),
        book.authorise(bob, tid, 0, b0.commitment, 0),
        book.authorise(alice, tid, 1, a1.commitment, 1),
    ]
    before = book.snapshot([alice.address, bob.address])
    receipt = book.send(book.fn.submitBidsBySig(batch), relayer)
    after = book.snapshot([alice.address, bob.address])
    assert changed(before, after) == {
        ("bid", tid, 0, alice.address),
        ("bid", tid, 1, alice.address),
        ("bid", tid, 0, bob.address),
        ("section", tid, 0),
        ("section", tid, 1),
        ("nonce", alice.address),
        ("nonce", bob.address),
    }
    assert after[("bid", tid, 0, alice.address)] == (a0.commitment, 1, False, 0, 0)
    assert after[("bid", tid, 1, alice.address)] == (a1.commitment, 1, False, 0, 0)
    assert after[("bid", tid, 0, bob.address)] == (b0.commitment, 1, False, 0, 0)
    assert (after[("nonce", alice.address)], after[("nonce", bob.address)]) == (2, 1)
    # Each relayed entry logs the nonce it used, then the bid.
    assert [
        (name, args["bidder"], args.get("nonce", args.get("section")))
        for name, args in book.events(receipt)
    ] == [
        ("NonceUsed", alice.address, 0),
        ("BidSubmitted", alice.address, 0),
        ("NonceUsed", bob.address, 0),
        ("BidSubmitted", bob.address, 0),
        ("NonceUsed", alice.address, 1),
        ("BidSubmitted", alice.address, 1),
    ]
    # A relayed replacement counts as the bidder's next version.
    a0b = book.seal(tender, alice.address, 0)
    book.send(book.fn.submitBidsBySig([book.authorise(alice, tid, 0, a0b.commitment, 2)]), relayer)
    assert tuple(book.fn.bidOf(tid, 0, alice.address).call()) == (a0b.commitment, 2, False, 0, 0)
    # An empty batch does nothing.
    assert book.send(book.fn.submitBidsBySig([]), relayer)["logs"] == []


def test_a_relayer_cannot_forge_a_bid_and_one_bad_signature_rejects_the_whole_batch(
    book: Book,
) -> None:
    tender = book.publish()
    tid, relayer = tender.tender_id, book.admin
    alice, mallory = Account.create(), Account.create()
    good = book.authorise(alice, tid, 0, book.seal(tender, alice.address).commitment, 0)
    commitment = book.seal(tender, alice.address).commitment
    forged = book.authorise(mallory, tid, 0, commitment, 0, bidder=alice.address)
    before = book.snapshot([alice.address])
    assert book.fails(book.fn.submitBidsBySig([forged]), relayer) == (
        "BadSignature",
        (alice.address, 0),
    )
    # Alice's good bid first, then a forged one in her name: nothing of the batch survives.
    forged1 = book.authorise(mallory, tid, 1, commitment, 1, bidder=alice.address)
    assert book.fails(book.fn.submitBidsBySig([good, forged1]), relayer) == (
        "BadSignature",
        (alice.address, 1),
    )

    # The relayer cannot alter what was signed either.
    altered = (good[0], 1, *good[2:])
    assert book.fails(book.fn.submitBidsBySig([altered]), relayer)[0] == "BadSignature"

    # The malleated twin of a valid signature (s -> n - s, v flipped) is refused.
    sig = good[6]
    s = int.from_bytes(sig[32:64], "big")
    twin = sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    digest = bid_digest(book.chain.client.chain_id, book.address, tid, 0, good[2], 0, good[5])
    twin_key = keys.Signature(twin[:64] + bytes([twin[64] - 27])).recover_public_key_from_msg_hash(
        digest
    )
    assert twin_key.to_checksum_address() == alice.address  # the twin does recover to Alice...
    for bad in (twin, sig[:64], sig + b"\x00", b"", sig[:64] + b"\x01"):
        assert book.fails(book.fn.submitBidsBySig([(*good[:6], bad)]), relayer) == (
            "BadSignature",
            (alice.address, 0),
        )
    # ...and the zero address can never be a bidder.
    assert book.fails(
        book.fn.submitBidsBySig([(*good[:3], ZERO_ADDRESS, 0, good[5], twin)]), relayer
    ) == (
        "BadSignature",
        (ZERO_ADDRESS, 0),
    )
    assert book.snapshot([alice.address]) == before


def test_a_signed_bid_is_used_once_in_nonce_order_and_never_after_it_expires(book: Book) -> None:
    tender = book.publish()
    tid, relayer = tender.tender_id, book.admin
    alice = Account.create()
    auth = book.authorise(alice, tid, 0, book.seal(tender, alice.address).commitment, 0)
    book.send(book.fn.submitBidsBySig([auth]), relayer)
    before = book.snapshot([alice.address])
    assert book.fails(book.fn.submitBidsBySig([auth]), relayer) == (
        "BadNonce",
        (alice.address, 0, 1),
    )
    skipped = book.authorise(alice, tid, 0, book.seal(tender, alice.address).commitment, 5)
    assert book.fails(book.fn.submitBidsBySig([skipped]), relayer) == (
        "BadNonce",
        (alice.address, 5, 1),
    )

    expiry = book.now() - 1
    expired = book.authorise(alice, tid, 0, book.seal(tender, alice.address).commitment, 1, expiry)
    name, (bidder, exp, block_time) = book.fails(book.fn.submitBidsBySig([expired]), relayer)
    assert (name, bidder, exp) == (
        "SignatureExpired",
        alice.address,
        expiry,
    ) and block_time > expiry
    assert book.snapshot([alice.address]) == before


def test_a_bidder_cancels_signed_bids_not_yet_relayed_by_moving_its_nonce_on(book: Book) -> None:
    tender = book.publish()
    tid, bidder = tender.tender_id, book.bidders[0]
    pending = book.authorise(bidder, tid, 0, book.seal(tender, bidder.address).commitment, 0)
    before = book.snapshot()
    receipt = book.send(book.fn.cancelNonces(1), bidder)
    assert changed(before, book.snapshot()) == {("nonce", bidder.address)}
    assert book.events(receipt) == [("NoncesCancelled", {"bidder": bidder.address, "nextNonce": 1})]
    assert book.fails(book.fn.submitBidsBySig([pending]), book.admin) == (
        "BadNonce",
        (bidder.address, 0, 1),
    )
    for nonce in (0, 1):
        assert book.fails(book.fn.cancelNonces(nonce), bidder) == (
            "BadNonce",
            (bidder.address, nonce, 1),
        )


def test_a_relayed_bid_after_the_deadline_is_late_like_any_other(book: Book) -> None:
    tender = book.publish()
    alice = Account.create()
    commitment = book.seal(tender, alice.address).commitment
    auth = book.authorise(
        alice, tender.tender_id, 0, commitment, 0, expiry=tender.deadline + 10_000
    )
    book.pass_deadline(tender)
    name, args = book.fails(book.fn.submitBidsBySig([auth]), book.admin)
    assert (name, args[:2]) == ("LateBid", (tender.tender_id, tender.deadline))
    assert book.fn.nonces(alice.address).call() == 0


def test_a_batch_may_carry_at_most_max_batch_bids(book: Book) -> None:
    tender = book.publish()
    alice = Account.create()
    auth = book.authorise(
        alice, tender.tender_id, 0, book.seal(tender, alice.address).commitment, 0
    )
    assert book.fails(book.fn.submitBidsBySig([auth] * 201), book.admin) == (
        "BatchTooLarge",
        (201, 200),
    )


# ---------------------------------------------------------------- opening


def test_only_an_officer_releases_only_its_committed_share_once_and_only_after_the_deadline(
    book: Book,
) -> None:
    tender = book.publish()
    tid = tender.tender_id
    first, second = book.officers[0], book.officers[1]
    release = book.fn.releaseShare(tid, tender.shares[0])
    assert book.fails(release, first) == ("TooEarly", (tid, tender.deadline))
    book.pass_deadline(tender)
    before = book.snapshot()
    for outsider in (book.centre, book.bidders[0], book.admin):
        assert book.fails(release, outsider) == ("NotOfficer", (tid, outsider.address))
    for share in (tender.shares[1], tender.shares[0][:-1], b""):
        assert book.fails(book.fn.releaseShare(tid, share), first) == (
            "WrongShare",
            (tid, first.address),
        )
    unknown = book.fn.releaseShare(word("none"), tender.shares[0])
    assert book.fails(unknown, first) == ("UnknownTender", (word("none"),))
    assert book.snapshot() == before

    receipt = book.send(release, first)
    after = book.snapshot()
    assert changed(before, after) == {("shares", tid)}
    assert after[("shares", tid)] == 1
    assert book.events(receipt) == [
        ("ShareReleased", {"tenderId": tid, "officer": first.address, "share": tender.shares[0]})
    ]
    assert book.fails(release, first) == ("AlreadyReleased", (tid, first.address))
    book.send(book.fn.releaseShare(tid, tender.shares[1]), second)
    assert book.fn.sharesReleased(tid).call() == 2


def test_a_decrypted_bid_is_opened_once_and_every_credential_it_used_is_logged(book: Book) -> None:
    tender = book.publish(minValidBids=1)
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    bid = book.bid(tender, alice, n_credentials=20)
    book.bid(tender, bob)
    book.pass_deadline(tender)
    book.release(tender, count=1)
    opening = book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, *bid.reveal)
    assert book.fails(opening, book.centre) == ("SharesMissing", (tid, 1, 2))
    book.send(book.fn.releaseShare(tid, tender.shares[1]), book.officers[1])

    before = book.snapshot()
    receipt = book.send(opening, book.centre)
    after = book.snapshot()
    assert changed(before, after) == {("bid", tid, 0, alice.address), ("section", tid, 0)}
    assert after[("bid", tid, 0, alice.address)] == (bid.commitment, 1, True, DECRYPTED, bid.price)
    assert after[("section", tid, 0)] == (PENDING, 2, 1, 1, 0, 0, ZERO_WORD)
    events = book.events(receipt)
    assert events[:-1] == [
        (
            "CredentialUsed",
            {"tenderId": tid, "section": 0, "bidder": alice.address, "credentialId": c},
        )
        for c in sorted(bid.credentials)
    ]
    assert events[-1] == (
        "BidOpened",
        {
            "tenderId": tid,
            "section": 0,
            "bidder": alice.address,
            "ciphertextHash": bid.ciphertext_hash,
            "credSetCommitment": bid.cred_set,
            "credentialCount": 20,
            "price": bid.price,
        },
    )
    assert book.fails(opening, book.centre) == ("AlreadyOpened", (tid, 0, alice.address))
    # Carol never bid: there is nothing to open.
    carol = book.bidders[2].address
    never = book.fn.recordOpening(tid, 0, carol, DECRYPTED, *bid.reveal)
    assert book.fails(never, book.centre) == ("NoBid", (tid, 0, carol))


def test_a_bid_that_ticked_no_credentials_opens_and_logs_none(book: Book) -> None:
    tender = book.publish(minValidBids=1)
    bid = book.bid(tender, book.bidders[0], n_credentials=0)
    book.pass_deadline(tender)
    book.release(tender)
    assert [name for name, _ in book.events(book.open(tender, bid))] == ["BidOpened"]


def test_a_reveal_that_does_not_rebuild_the_commitment_is_rejected(book: Book) -> None:
    tender = book.publish(minValidBids=1)
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    bid = book.bid(tender, alice, n_credentials=4)
    book.bid(tender, bob)
    book.pass_deadline(tender)
    book.release(tender)
    ct, salt, ids, price = bid.reveal
    before = book.snapshot()
    mismatch = ("RevealMismatch", (tid, 0, alice.address))
    for reveal in (
        (word("other ciphertext"), salt, ids, price),
        (ct, word("other salt"), ids, price),
        (ct, salt, ids[:-1], price),
        (ct, salt, sorted([*ids, word("an extra credential")]), price),
    ):
        call = book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, *reveal)
        assert book.fails(call, book.centre) == mismatch
    # Alice's reveal does not open Bob's bid.
    call = book.fn.recordOpening(tid, 0, bob.address, DECRYPTED, ct, salt, ids, price)
    assert book.fails(call, book.centre) == ("RevealMismatch", (tid, 0, bob.address))
    # Ids must be strictly ascending: no reordering, no duplicates.
    for bad, at in ((ids[::-1], ids[-2]), ([ids[0], *ids], ids[0])):
        call = book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, ct, salt, bad, price)
        assert book.fails(call, book.centre) == ("UnsortedCredentials", (tid, 0, alice.address, at))
    too_many = [i.to_bytes(32, "big") for i in range(1, 514)]
    call = book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, ct, salt, too_many, price)
    assert book.fails(call, book.centre) == ("TooManyCredentials", (tid, 0, alice.address, 513))
    assert book.snapshot() == before
    book.open(tender, bid)


def test_a_failed_opening_is_recorded_once_with_its_cause_and_reveals_nothing(book: Book) -> None:
    tender = book.publish(minValidBids=1)
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    a, b = book.bid(tender, alice), book.bid(tender, bob)
    book.pass_deadline(tender)
    book.release(tender)
    with_ids = book.fn.recordOpening(
        tid, 0, alice.address, FAILED_BIDDER, a.ciphertext_hash, a.cred_set, [word("x")], 0
    )
    assert book.fails(with_ids, book.centre) == ("UnexpectedCredentials", (tid, 0, alice.address))

    before = book.snapshot()
    receipt = book.fail(tender, a, FAILED_BIDDER)
    after = book.snapshot()
    assert changed(before, after) == {("bid", tid, 0, alice.address), ("section", tid, 0)}
    assert after[("bid", tid, 0, alice.address)] == (a.commitment, 1, True, FAILED_BIDDER, 0)
    assert after[("section", tid, 0)] == (PENDING, 2, 1, 0, 0, 0, ZERO_WORD)
    assert book.events(receipt) == [
        (
            "DecryptionFailed",
            {
                "tenderId": tid,
                "section": 0,
                "bidder": alice.address,
                "outcome": FAILED_BIDDER,
                "ciphertextHash": a.ciphertext_hash,
                "credSetCommitment": a.cred_set,
            },
        )
    ]
    assert book.fails(
        book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, *a.reveal), book.centre
    ) == (
        "AlreadyOpened",
        (tid, 0, alice.address),
    )
    receipt = book.fail(tender, b, FAILED_OTHER, (ZERO_WORD, ZERO_WORD))  # no ciphertext held: no proof
    assert book.events(receipt)[0][1]["outcome"] == FAILED_OTHER
    assert tuple(book.fn.bidOf(tid, 0, bob.address).call()) == (b.commitment, 1, True, FAILED_OTHER, 0)
    assert tuple(book.fn.sectionOf(tid, 0).call())[:4] == (PENDING, 2, 2, 0)


def test_centre_cannot_record_a_valid_bid_as_bidder_failure(book: Book) -> None:
    """撤销 lets the tenderer claim the bidder's guarantee, so the contract takes it only with the
    ciphertext the bidder committed to: a swapped envelope's hash, a wrong or missing credential
    set, or another bid's proof is refused, and the bid stays unopened. (With the true proof
    anyone can rerun the decryption on the published envelope; see the service and API tests.)"""
    tender = book.publish(minValidBids=1)
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    a, b = book.bid(tender, alice), book.bid(tender, bob)
    book.pass_deadline(tender)
    book.release(tender)
    before = book.snapshot()
    mismatch = ("RevealMismatch", (tid, 0, alice.address))
    for proof in (
        (word("a swapped envelope"), a.cred_set),  # the DB admin's envelope, not the bidder's
        (a.ciphertext_hash, word("another credential set")),
        (a.ciphertext_hash, a.salt),  # the salt is not the commitment
        (ZERO_WORD, ZERO_WORD),  # no proof at all
        (b.ciphertext_hash, b.cred_set),  # Bob's proof does not fit Alice's bid
    ):
        assert book.fails(book.fn.recordOpening(tid, 0, alice.address, FAILED_BIDDER, *proof, [], 0),
                          book.centre) == mismatch, proof
    # A 撤回 (no penalty) may be recorded without proof, but a proof it gives must hold too.
    wrong = book.fn.recordOpening(tid, 0, alice.address, FAILED_OTHER, word("swapped"), a.cred_set, [], 0)
    assert book.fails(wrong, book.centre) == mismatch
    half = book.fn.recordOpening(tid, 0, alice.address, FAILED_OTHER, ZERO_WORD, a.cred_set, [], 0)
    assert book.fails(half, book.centre) == mismatch
    assert book.snapshot() == before
    book.fail(tender, a, FAILED_BIDDER)
    assert tuple(book.fn.bidOf(tid, 0, alice.address).call())[2:] == (True, FAILED_BIDDER, 0)
    book.fail(tender, b, FAILED_OTHER)  # a 撤回 with its proof
    assert tuple(book.fn.bidOf(tid, 0, bob.address).call())[2:] == (True, FAILED_OTHER, 0)


def test_only_the_publishing_centre_records_openings_of_live_bids(book: Book) -> None:
    tender = book.publish(minValidBids=1)
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    bid = book.bid(tender, alice)
    book.bid(tender, bob)
    book.send(book.fn.withdrawBid(tid, 0), bob)
    book.pass_deadline(tender)
    book.release(tender)
    before = book.snapshot()
    opening = book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, *bid.reveal)
    for caller in (book.rival, book.admin, alice, book.officers[0]):
        assert book.fails(opening, caller) == ("NotPublisher", (tid, caller.address))
    call = book.fn.recordOpening(tid, 5, alice.address, DECRYPTED, *bid.reveal)
    assert book.fails(call, book.centre) == ("UnknownSection", (tid, 5))
    withdrawn = book.fn.recordOpening(tid, 0, bob.address, FAILED_OTHER, ZERO_WORD, ZERO_WORD, [], 0)
    assert book.fails(withdrawn, book.centre) == ("NoBid", (tid, 0, bob.address))
    assert book.snapshot() == before


# ---------------------------------------------------------------- closing and evaluation


def test_a_section_with_enough_valid_bids_closes_and_its_evaluation_reports_are_anchored(
    book: Book,
) -> None:
    tender = book.publish()
    tid = tender.tender_id
    bids = [book.bid(tender, b) for b in book.bidders]
    evaluate = book.fn.publishEvaluation(tid, 0, word("report v1"))
    assert book.fails(evaluate, book.centre) == ("WrongSectionStatus", (tid, 0, PENDING))
    book.pass_deadline(tender)
    book.release(tender)
    for bid in bids:
        book.open(tender, bid)

    close = book.fn.closeSection(tid, 0, 3)
    before = book.snapshot()
    for caller in (book.rival, book.admin, book.bidders[0]):
        assert book.fails(close, caller) == ("NotPublisher", (tid, caller.address))
        assert book.fails(evaluate, caller) == ("NotPublisher", (tid, caller.address))
    assert book.snapshot() == before
    receipt = book.send(close, book.centre)
    after = book.snapshot()
    assert changed(before, after) == {("section", tid, 0)}
    assert after[("section", tid, 0)] == (CLOSED, 3, 3, 3, 3, 0, ZERO_WORD)
    assert book.events(receipt) == [
        ("SectionClosed", {"tenderId": tid, "section": 0, "validBids": 3})
    ]
    assert book.fails(close, book.centre) == ("WrongSectionStatus", (tid, 0, CLOSED))

    receipt = book.send(evaluate, book.centre)
    evaluated = book.snapshot()
    assert changed(after, evaluated) == {("section", tid, 0)}
    assert evaluated[("section", tid, 0)] == (EVALUATED, 3, 3, 3, 3, 1, word("report v1"))
    assert book.events(receipt) == [
        (
            "EvaluationPublished",
            {"tenderId": tid, "section": 0, "reportHash": word("report v1"), "revision": 1},
        )
    ]
    receipt = book.send(book.fn.publishEvaluation(tid, 0, word("report v2")), book.centre)
    assert book.events(receipt)[0][1]["revision"] == 2
    assert tuple(book.fn.sectionOf(tid, 0).call()) == (EVALUATED, 3, 3, 3, 3, 2, word("report v2"))
    assert book.fails(close, book.centre) == ("WrongSectionStatus", (tid, 0, EVALUATED))
    # Section 1 is untouched by all of it.
    assert tuple(book.fn.sectionOf(tid, 1).call()) == (PENDING, 0, 0, 0, 0, 0, ZERO_WORD)


def test_fewer_valid_bids_than_the_minimum_fail_the_section(book: Book) -> None:
    tender = book.publish()
    tid = tender.tender_id
    alice, bob, _ = book.bidders
    bids = [book.bid(tender, b) for b in book.bidders]
    two_bids = [book.bid(tender, b, section=1) for b in (alice, bob)]
    book.pass_deadline(tender)
    book.release(tender)
    book.open(tender, bids[0])
    book.open(tender, bids[1])
    book.fail(tender, bids[2], FAILED_BIDDER)

    receipt = book.send(book.fn.closeSection(tid, 0, 2), book.centre)
    assert book.events(receipt) == [
        ("SectionFailed", {"tenderId": tid, "section": 0, "validBids": 2})
    ]
    assert tuple(book.fn.sectionOf(tid, 0).call())[:5] == (FAILED, 3, 3, 2, 2)
    evaluate = book.fn.publishEvaluation(tid, 0, word("report"))
    assert book.fails(evaluate, book.centre) == ("WrongSectionStatus", (tid, 0, FAILED))

    # Two bids in a section that needs three: nothing is opened, the section fails at once.
    opening = book.fn.recordOpening(tid, 1, alice.address, DECRYPTED, *two_bids[0].reveal)
    assert book.fails(opening, book.centre) == ("TooFewBids", (tid, 1, 2, 3))
    receipt = book.send(book.fn.closeSection(tid, 1, 0), book.centre)
    assert book.events(receipt) == [
        ("SectionFailed", {"tenderId": tid, "section": 1, "validBids": 0})
    ]
    opening = book.fn.recordOpening(tid, 1, alice.address, DECRYPTED, *two_bids[0].reveal)
    assert book.fails(opening, book.centre) == ("WrongSectionStatus", (tid, 1, FAILED))


def test_closing_waits_for_the_deadline_and_every_opening_and_counts_no_more_than_were_decrypted(
    book: Book,
) -> None:
    tender = book.publish(minValidBids=2)
    tid = tender.tender_id
    bids = [book.bid(tender, b) for b in book.bidders]
    close = book.fn.closeSection(tid, 0, 2)
    assert book.fails(close, book.centre) == ("TooEarly", (tid, tender.deadline))
    assert book.fails(book.fn.closeSection(tid, 2, 0), book.centre) == ("UnknownSection", (tid, 2))
    book.pass_deadline(tender)
    book.release(tender)
    book.open(tender, bids[0])
    book.fail(tender, bids[1], FAILED_OTHER)
    assert book.fails(close, book.centre) == ("BidsUnopened", (tid, 0, 1))
    book.open(tender, bids[2])
    assert book.fails(book.fn.closeSection(tid, 0, 3), book.centre) == (
        "TooManyValidBids",
        (tid, 0, 3, 2),
    )
    book.send(close, book.centre)
    assert tuple(book.fn.sectionOf(tid, 0).call())[:5] == (CLOSED, 3, 3, 2, 2)


# ---------------------------------------------------------------- the logs alone


def rebuild_from_logs(book: Book, people: Iterable[str]) -> dict[tuple[Any, ...], Any]:
    """What `Book.snapshot` reads from the views, rebuilt from this contract's logs alone (and
    the time of each log's block)."""
    w3 = book.chain.w3
    events = {event_abi_to_log_topic(e): e["name"] for e in ABI if e["type"] == "event"}
    admin = pending = ZERO_ADDRESS
    centres: dict[str, bool] = {}
    nonces: dict[str, int] = {}
    tenders: dict[bytes, list[Any]] = {}
    indices: dict[bytes, int] = {}
    shares: dict[bytes, int] = {}
    sections: dict[tuple[bytes, int], list[Any]] = {}
    bids: dict[tuple[bytes, int, str], list[Any]] = {}
    for log in w3.eth.get_logs({"address": book.address, "fromBlock": 0, "toBlock": "latest"}):
        name = events[bytes(log["topics"][0])]
        a = getattr(book.contract.events, name)().process_log(log)["args"]
        tid, section = a.get("tenderId"), a.get("section")
        sec = sections.setdefault((tid, section), [PENDING, 0, 0, 0, 0, 0, ZERO_WORD])
        bid = bids.setdefault((tid, section, a.get("bidder")), [ZERO_WORD, 0, False, 0, 0])
        if name == "AdminTransferStarted":
            pending = a["pendingAdmin"]
        elif name == "AdminTransferred":
            admin, pending = a["newAdmin"], ZERO_ADDRESS
        elif name in ("CentreAuthorised", "CentreWithdrawn"):
            centres[a["centre"]] = name == "CentreAuthorised"
        elif name == "TenderPublished":
            issued_at = w3.eth.get_block(log["blockNumber"])["timestamp"]
            tenders[tid] = [a["centre"], a["version"], issued_at, dict(a["params"])]
            indices[tid] = len(indices) + 1  # the n-th publication is index n
        elif name == "TenderAmended":
            tenders[tid][1] = a["version"]
            tenders[tid][3] |= {k: a[k] for k in ("docHash", "paramsHash", "selection", "deadline")}
        elif name == "BidSubmitted":
            sec[1] += bid[0] == ZERO_WORD
            bid[:2] = a["commitment"], a["version"]
        elif name == "BidWithdrawn":
            sec[1] -= 1
            bid[:2] = ZERO_WORD, a["version"]
        elif name == "NonceUsed":
            nonces[a["bidder"]] = a["nonce"] + 1
        elif name == "NoncesCancelled":
            nonces[a["bidder"]] = a["nextNonce"]
        elif name == "ShareReleased":
            shares[tid] = shares.get(tid, 0) + 1
        elif name in ("BidOpened", "DecryptionFailed"):
            bid[2:] = True, a.get("outcome", DECRYPTED), a.get("price", 0)
            sec[2] += 1
            sec[3] += name == "BidOpened"
        elif name in ("SectionClosed", "SectionFailed"):
            sec[0], sec[4] = (CLOSED if name == "SectionClosed" else FAILED), a["validBids"]
        elif name == "EvaluationPublished":
            sec[0], sec[5], sec[6] = EVALUATED, a["revision"], a["reportHash"]
        else:
            assert name == "CredentialUsed", name  # no state: which credentials a bid used

    state: dict[tuple[Any, ...], Any] = {
        ("admin",): admin, ("pendingAdmin",): pending, ("tenderCount",): len(indices)
    }
    people = [a.address for a in book.chain.accounts] + list(people)
    for who in people:
        state[("centre", who)] = centres.get(who, False)
        state[("nonce", who)] = nonces.get(who, 0)
    for t in book.tenders:
        centre, version, issued_at, params = tenders[t]
        state[("tender", t)] = _plain(
            (centre, version, issued_at, [params[f] for f in PARAM_FIELDS])
        )
        state[("index", t)] = (indices[t], t)
        state[("shares", t)] = shares.get(t, 0)
        for s in range(3):
            state[("section", t, s)] = tuple(
                sections.get((t, s), [PENDING, 0, 0, 0, 0, 0, ZERO_WORD])
            )
            for who in people:
                state[("bid", t, s, who)] = tuple(bids.get((t, s, who), [ZERO_WORD, 0, False, 0, 0]))
    return state


def test_the_logs_alone_rebuild_every_tender_bid_nonce_share_release_and_section(
    book: Book,
) -> None:
    alice, bob, carol = book.bidders
    dave = Account.create()  # signs only; his bids are relayed
    tender = book.publish("logs", minValidBids=1)
    tid = tender.tender_id
    params = book.params()  # the rival's tender: 3 valid bids needed
    book.send(book.fn.publishTender(word("rival's"), params), book.rival)
    book.tenders.append(word("rival's"))
    rivals = Tender(word("rival's"), params[3], [], params)

    a = book.bid(tender, alice, n_credentials=5)
    book.bid(tender, bob)
    b = book.bid(tender, bob)  # replaces its first bid
    book.bid(tender, carol, section=1)
    book.send(book.fn.withdrawBid(tid, 1), carol)
    book.send(book.fn.cancelNonces(3), carol)
    d0, d1 = book.seal(tender, dave.address, 0), book.seal(tender, dave.address, 1)
    relayed = [
        book.authorise(dave, tid, 0, d0.commitment, 0),
        book.authorise(dave, tid, 1, d1.commitment, 1),
        book.authorise(dave, tid, 1, ZERO_WORD, 2),  # a relayed withdrawal
    ]
    book.send(book.fn.submitBidsBySig(relayed), book.admin)
    book.bid(rivals, bob)
    later = tender.deadline + 100
    amend = book.fn.amendTender(tid, word("doc v2"), word("params v2"), 1, later, word("Q&A"))
    book.send(amend, book.centre)
    book.send(book.fn.withdrawCentre(book.rival.address), book.admin)
    book.send(book.fn.transferAdmin(alice.address), book.admin)

    book.chain.increase_time(later - book.now() + 1)
    book.release(tender)
    book.open(tender, a)
    book.fail(tender, b, FAILED_BIDDER)
    book.fail(tender, d0, FAILED_OTHER, (ZERO_WORD, ZERO_WORD))
    book.send(book.fn.closeSection(tid, 0, 1), book.centre)
    for report in ("evaluation", "re-evaluation after a complaint"):
        book.send(book.fn.publishEvaluation(tid, 0, word(report)), book.centre)
    book.send(book.fn.closeSection(tid, 1, 0), book.centre)  # no live bid left
    book.send(book.fn.closeSection(rivals.tender_id, 0, 0), book.rival)  # 1 bid of 3: 流标

    state = book.snapshot([dave.address])
    assert state[("section", tid, 0)] == (
        EVALUATED,
        3,
        3,
        1,
        1,
        2,
        word("re-evaluation after a complaint"),
    )
    assert state[("section", tid, 1)][:2] == (FAILED, 0)
    assert state[("nonce", dave.address)] == 3 and state[("nonce", carol.address)] == 3
    assert state[("pendingAdmin",)] == alice.address
    assert rebuild_from_logs(book, [dave.address]) == state


# ---------------------------------------------------------------- hashing rules


def test_commitments_and_the_signed_digest_follow_the_published_formulas(book: Book) -> None:
    chain_id, address = book.chain.client.chain_id, book.address
    tid, salt, ct = word("tender"), word("salt"), word("ciphertext")
    ids = sorted(word(f"credential {i}") for i in range(5))
    bidder = book.bidders[0].address

    cred_set = cred_set_commitment(salt, ids)
    assert book.fn.credSetCommitment(salt, ids).call() == cred_set
    assert book.fn.credSetCommitment(salt, []).call() == cred_set_commitment(salt, [])
    commitment = bid_commitment(chain_id, address, tid, 7, bidder, ct, cred_set)
    assert book.fn.bidCommitment(tid, 7, bidder, ct, cred_set).call() == commitment

    assert book.fn.DOMAIN_SEPARATOR().call() == domain_separator(chain_id, address)
    digest = bid_digest(chain_id, address, tid, 7, commitment, 42, 2**64 - 1)
    assert book.fn.bidDigest(tid, 7, commitment, 42, 2**64 - 1).call() == digest
    typed = typed_bid(chain_id, address, tid, 7, commitment, 42, 2**64 - 1)
    assert _hash_eip191_message(typed) == digest


# ---------------------------------------------------------------- gas


# Whole-transaction gas (21,000 base included) measured on both backends, plus a little slack;
# docs/contracts.md lists the measurements.
GAS_BUDGET = {
    "publishTender (2-of-3 committee)": 440_000,  # + the index: counter rewritten, index → id slot new
    "amendTender": 46_000,
    "amendTender, postponing the deadline": 49_000,
    "submitBid, first bid in its section": 96_000,
    "submitBid, later bidder": 79_000,
    "submitBid, replacement": 39_000,
    "withdrawBid": 36_000,
    "submitBidsBySig, per bid in a batch of 50": 83_000,
    "releaseShare": 45_000,
    "recordOpening, 20 credentials": 110_000,
    "recordOpening, failure": 48_000,
    "closeSection": 36_000,
}


def test_bidding_relaying_share_release_and_opening_stay_within_their_gas_budgets(
    book: Book,
) -> None:
    gas: dict[str, int] = {}

    def measure(name: str, call: Any, by: LocalAccount) -> Any:
        receipt = book.send(call, by)
        gas[name] = int(receipt["gasUsed"])
        return receipt

    tender_id = word("gas")
    book.tenders.append(tender_id)
    shares = [os.urandom(48) for _ in book.officers]
    params = book.params(shares=shares, minValidBids=2)
    tender = Tender(tender_id, params[3], shares, params)
    measure(
        "publishTender (2-of-3 committee)", book.fn.publishTender(tender_id, params), book.centre
    )

    amendment = book.fn.amendTender(
        tender_id, word("doc v2"), word("params v2"), 1, params[3], word("r")
    )
    measure("amendTender", amendment, book.centre)

    alice, bob, carol = book.bidders
    first = book.seal(tender, alice.address, n_credentials=20)
    measure(
        "submitBid, first bid in its section",
        book.fn.submitBid(tender_id, 0, first.commitment),
        alice,
    )
    failing = book.seal(tender, bob.address)
    measure("submitBid, later bidder", book.fn.submitBid(tender_id, 0, failing.commitment), bob)
    again = book.seal(tender, alice.address).commitment
    measure("submitBid, replacement", book.fn.submitBid(tender_id, 0, again), alice)
    book.send(book.fn.submitBid(tender_id, 0, first.commitment), alice)
    book.bid(tender, carol)
    measure("withdrawBid", book.fn.withdrawBid(tender_id, 0), carol)

    signers = [Account.create() for _ in range(50)]
    batch = [
        book.authorise(s, tender_id, 0, book.seal(tender, s.address).commitment, 0) for s in signers
    ]
    receipt = book.send(book.fn.submitBidsBySig(batch), book.admin)
    gas["submitBidsBySig, per bid in a batch of 50"] = int(receipt["gasUsed"]) // 50
    assert book.fn.bidCount(tender_id, 0).call() == 52

    book.pass_deadline(tender)
    measure("releaseShare", book.fn.releaseShare(tender_id, tender.shares[0]), book.officers[0])
    book.send(book.fn.releaseShare(tender_id, tender.shares[1]), book.officers[1])
    gas["recordOpening, 20 credentials"] = int(book.open(tender, first)["gasUsed"])
    gas["recordOpening, failure"] = int(
        book.fail(tender, failing, FAILED_BIDDER)["gasUsed"]
    )
    for s in signers:
        book.fail(
            tender, SealedBid(s.address, 0, ZERO_WORD, ZERO_WORD, []), FAILED_OTHER, (ZERO_WORD, ZERO_WORD)
        )
    measure("closeSection", book.fn.closeSection(tender_id, 0, 1), book.centre)

    late = book.publish("gas, late amendment")
    book.chain.increase_time(late.deadline - 14 * DAY - book.now())
    late_amendment = book.fn.amendTender(
        late.tender_id, word("doc v2"), word("params v2"), 1, late.deadline, word("r")
    )
    measure("amendTender, postponing the deadline", late_amendment, book.centre)

    print(f"\nTenderBook gas on {book.chain.backend}: {gas}")
    for name, budget in GAS_BUDGET.items():
        assert gas[name] <= budget, (name, gas[name], budget)


def test_an_opening_without_a_price_or_a_failure_with_one_is_refused(book: Book) -> None:
    """A decrypted bid is recorded with its price in 分 (> 0), which SelectionBook's 价格竞争 reads;
    a failed opening names no price."""
    tender = book.publish(minValidBids=1)
    tid, alice, bob = tender.tender_id, book.bidders[0], book.bidders[1]
    bid = book.bid(tender, alice)
    failing = book.bid(tender, bob)
    book.pass_deadline(tender)
    book.release(tender)
    ct, salt, ids, _ = bid.reveal
    before = book.snapshot()
    free = book.fn.recordOpening(tid, 0, alice.address, DECRYPTED, ct, salt, ids, 0)
    assert book.fails(free, book.centre) == ("InvalidPrice", (tid, 0, alice.address, 0))
    priced_failure = book.fn.recordOpening(tid, 0, bob.address, FAILED_BIDDER, failing.ciphertext_hash,
                                           failing.cred_set, [], 5)
    assert book.fails(priced_failure, book.centre) == ("InvalidPrice", (tid, 0, bob.address, 5))
    assert book.snapshot() == before
    book.open(tender, bid)
    assert tuple(book.fn.bidOf(tid, 0, alice.address).call())[4] == bid.price
