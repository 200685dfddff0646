"""Who a registered expert or committee member is: the pool card.

The chain registers an expert (`SelectionBook.registerExpert`) or a member of a tenderer's pool
(`registerMember`) by address only, through a governance proposal. The person's name is on a pool
card, a small JSON document whose keccak-256 is that proposal's salt: the members who approved the
proposal approved the card with it, and anyone holding the card checks it against the `Proposed`
event. A card names its address only while the proposal that carries it was executed; a card
altered in the store, filed under another proposal or for one never executed names nobody, and the
page shows the shortened address instead.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from eth_utils import is_address, to_checksum_address

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.values import one_line
from ledger.model.governance import Proposal, ProposalState

# The governed SelectionBook calls that register a person, the role each gives, and the argument
# naming the person's address.
REGISTERING: dict[str, tuple[str, str]] = {"registerExpert": ("expert", "expert"),
                                           "registerMember": ("member", "member")}
ROLES = tuple(role for role, _ in REGISTERING.values())
FORMAT = "tender-ledger/pool-card/v1"


def _text(value: Any, what: str, *, required: bool) -> str:
    return one_line(value, f"a pool card's {what}", required=required,
                    missing=f"a pool card needs the person's {what}")


def registered(proposal_call: Any) -> tuple[str, str] | None:
    """(role, address) of the person a governed call registers, None for any other call."""
    if getattr(proposal_call, "contract", None) != "SelectionBook":
        return None
    found = REGISTERING.get(proposal_call.function)
    if found is None:
        return None
    role, argument = found
    value = proposal_call.args.get(argument)
    if not isinstance(value, str) or not is_address(value):
        return None
    return role, to_checksum_address(value)


@dataclass(frozen=True)
class PoolCard:
    """A registered person's card: role, address, name, optionally the organisation (工作单位),
    and a random nonce (so that two proposals to register the same person differ)."""

    role: str
    address: str
    name: str
    organisation: str
    nonce: str

    @classmethod
    def for_call(cls, proposal_call: Any, name: str, organisation: str = "") -> PoolCard:
        """A new card for the person `proposal_call` registers; ValidationFailed for a call that
        registers nobody."""
        who = registered(proposal_call)
        if who is None:
            raise ValidationFailed("a pool card goes with SelectionBook.registerExpert or registerMember only")
        return cls(role=who[0], address=who[1], name=_text(name, "name", required=True),
                   organisation=_text(organisation, "organisation", required=False),
                   nonce="0x" + secrets.token_bytes(16).hex())

    @classmethod
    def parse(cls, content: bytes | str) -> PoolCard:
        """The card in `content` (its JSON as filed); ValidationFailed when it is not one."""
        try:
            raw = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed("a pool card is a JSON object") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValidationFailed(f"a pool card is a JSON object with \"format\": \"{FORMAT}\"")
        extra = set(raw) - {"format", "role", "address", "name", "organisation", "nonce"}
        if extra:
            raise ValidationFailed(f"a pool card has no field {sorted(extra)[0]}")
        role = raw.get("role")
        if role not in ROLES:
            raise ValidationFailed("a pool card's role is expert or member")
        address = raw.get("address")
        if not isinstance(address, str) or not is_address(address):
            raise ValidationFailed("a pool card's address is the person's 0x address")
        nonce = raw.get("nonce")
        if not isinstance(nonce, str) or not re.fullmatch(r"0x[0-9a-f]{32}", nonce):
            raise ValidationFailed("a pool card's nonce is 0x and 32 hex digits")
        return cls(role=role, address=to_checksum_address(address), name=_text(raw.get("name"), "name", required=True),
                   organisation=_text(raw.get("organisation", ""), "organisation", required=False), nonce=nonce)

    def content(self) -> bytes:
        """The card's bytes: JSON, keys sorted, no spaces, UTF-8 (what the hash is taken of)."""
        return json.dumps({"format": FORMAT, "role": self.role, "address": self.address, "name": self.name,
                           "organisation": self.organisation, "nonce": self.nonce},
                          sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def card_hash(self) -> bytes:
        """keccak-256 of `content()`: the salt of the proposal that registers the person."""
        return keccak(self.content())

    def fits(self, proposal: Proposal) -> bool:
        """Whether `proposal` carries this card: its salt is the card's hash and its call registers
        the card's address in the card's role."""
        return proposal.salt == self.card_hash and registered(proposal.call) == (self.role, self.address)

    def as_json(self) -> dict[str, str]:
        return {"role": self.role, "address": self.address, "name": self.name, "organisation": self.organisation,
                "nonce": self.nonce, "card_hash": "0x" + self.card_hash.hex()}


def card_of(proposal: Proposal, content: bytes | None) -> PoolCard | None:
    """The card filed for `proposal` when it is one the proposal carries, else None."""
    if content is None:
        return None
    try:
        card = PoolCard.parse(content)
    except ValidationFailed:
        return None
    return card if card.fits(proposal) else None


def verified_cards(proposals: Iterable[Proposal], filed: Callable[[bytes], bytes | None]) -> dict[str, PoolCard]:
    """The card of every registered person (by lower-case address): the one carried by the latest
    executed proposal registering that address, when its card is filed (`filed(salt)`) and fits."""
    latest: dict[str, Proposal] = {}
    for p in proposals:
        who = registered(p.call)
        if who is None or p.state is not ProposalState.EXECUTED:
            continue
        key = who[1].lower()
        if key not in latest or p.proposed_at >= latest[key].proposed_at:
            latest[key] = p
    cards = {}
    for key, p in latest.items():
        card = card_of(p, filed(p.salt))
        if card is not None:
            cards[key] = card
    return cards
