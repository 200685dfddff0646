"""Pool cards: a registered person's name, bound to the proposal that registered it by its salt.
Rules against plain values (no chain): what a card is, and which card names an address."""

from __future__ import annotations

import json

import pytest

from ledger.crypto.canonical import keccak
from ledger.documents.pool_card import PoolCard, card_of, registered, verified_cards
from ledger.errors import ValidationFailed
from ledger.model.governance import GovernedCall, Proposal, ProposalState

EXPERT = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


def _call(function: str = "registerExpert", who: str = EXPERT, contract: str = "SelectionBook") -> GovernedCall:
    args = {"expert": who, "speciality": b"x"} if function == "registerExpert" else {"uscc": b"u", "member": who}
    return GovernedCall(target="0x" + "11" * 20, contract=contract, function=function, args=args, data=b"")


def _proposal(call: GovernedCall, salt: bytes, *, state: ProposalState = ProposalState.EXECUTED,
              at: int = 10) -> Proposal:
    return Proposal(proposal_id=keccak(salt + bytes([at])), proposer=OTHER, call=call, salt=salt, expiry=0,
                    state=state, approvals=(), threshold=3, proposed_at=at)


def test_a_card_is_its_exact_bytes_and_their_hash() -> None:
    card = PoolCard.for_call(_call(), " 张三 ", "市建设工程质量检测中心")
    raw = json.loads(card.content())
    assert raw == {"format": "tender-ledger/pool-card/v1", "role": "expert", "address": card.address,
                   "name": "张三", "organisation": "市建设工程质量检测中心", "nonce": card.nonce}
    assert card.content() == json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert card.card_hash == keccak(card.content()) and PoolCard.parse(card.content()) == card
    assert PoolCard.for_call(_call(), "张三").nonce != card.nonce  # two proposals never share a salt


def test_a_member_card_names_the_member_not_the_tenderer() -> None:
    card = PoolCard.for_call(_call("registerMember", OTHER), "李四")
    assert (card.role, card.address.lower()) == ("member", OTHER)


@pytest.mark.parametrize("call", [_call("removeExpert"), _call(contract="CredentialRegistry"),
                                  GovernedCall(target="0x" + "11" * 20, contract="SelectionBook",
                                               function="registerExpert", args={"expert": "nobody"}, data=b"")])
def test_a_card_goes_only_with_a_call_that_registers_someone(call: GovernedCall) -> None:
    assert registered(call) is None
    with pytest.raises(ValidationFailed, match="registerExpert or registerMember"):
        PoolCard.for_call(call, "张三")


@pytest.mark.parametrize(("name", "organisation", "words"), [
    ("", "", "needs the person's name"), ("   ", "", "needs the person's name"),
    ("张" * 65, "", "at most 64"), ("张三\n李四", "", "on one line"), ("张三", "单位\x00", "on one line"),
])
def test_bad_names_are_refused(name: str, organisation: str, words: str) -> None:
    with pytest.raises(ValidationFailed, match=words):
        PoolCard.for_call(_call(), name, organisation)


@pytest.mark.parametrize(("content", "words"), [
    (b"not json", "JSON object"), (b"[1]", "format"), (b'{"format": "other"}', "format"),
    (None, "no field extra"), ("role", "role is expert or member"), ("address", "person's 0x address"),
    ("nonce", "nonce is 0x"),
])
def test_malformed_cards_are_refused(content: bytes | str | None, words: str) -> None:
    good = json.loads(PoolCard.for_call(_call(), "张三").content())
    if content is None:
        content = json.dumps({**good, "extra": 1}).encode()
    elif isinstance(content, str):
        content = json.dumps({**good, content: "wrong"}).encode()
    with pytest.raises(ValidationFailed, match=words):
        PoolCard.parse(content)


def test_only_the_card_the_proposal_carries_names_its_person() -> None:
    card = PoolCard.for_call(_call(), "张三")
    carried = _proposal(_call(), card.card_hash)
    assert card_of(carried, card.content()) == card
    edited = card.content().replace("张三".encode(), "王五".encode())
    assert card_of(carried, edited) is None  # the store's copy was edited: its hash is not the salt
    assert card_of(carried, None) is None and card_of(carried, b"{") is None
    someone_else = _proposal(_call(who=OTHER), card.card_hash)  # the right salt, another person
    assert card_of(someone_else, card.content()) is None


def test_the_latest_executed_registration_names_the_address() -> None:
    first = PoolCard.for_call(_call(), "张三")
    second = PoolCard.for_call(_call(), "张三丰", "新单位")
    pending = PoolCard.for_call(_call(), "冒名者")
    proposals = [_proposal(_call(), first.card_hash, at=5), _proposal(_call(), second.card_hash, at=9),
                 _proposal(_call(), pending.card_hash, state=ProposalState.PENDING, at=12),
                 _proposal(_call(), keccak(b"cancelled"), state=ProposalState.CANCELLED, at=13)]
    filed = {c.card_hash: c.content() for c in (first, second, pending)}
    cards = verified_cards(proposals, filed.get)
    assert list(cards) == [EXPERT] and cards[EXPERT].name == "张三丰"
    # the latest registration's card is missing from the store: the address goes unnamed, the older
    # card does not stand in for it
    del filed[second.card_hash]
    assert verified_cards(proposals, filed.get) == {}
