"""The verifiable lottery (摇号): one definition for every draw of 评定分离 (committees, reserves,
a tie at the shortlist's cut, selection), written so a contract can recompute it bit for bit.

Only Keccak-256 over Solidity ABI encodings is used:

    drawId      = keccak256(abi.encode(bytes32 tenderId, uint16 section, string purpose, uint16 round))
    commitment  = keccak256(abi.encode(bytes32 drawId, address party, bytes32 seed))
    combined    = keccak256(abi.encodePacked(bytes32 seed_1, …, bytes32 seed_m))
    r_i         = uint256(keccak256(abi.encode(bytes32 combined, uint256 i)))

and the draw is a partial Fisher–Yates shuffle of the candidates' list: for i = 0 … k-1, swap
position i with position j = i + r_i mod (n - i); the picks are positions 0 … k-1 in that order.

Before the draw, the parties (e.g. the trading centre, the supervisor, a bidder representative)
and the candidates' order are fixed, then each party commits to a seed; seeds are revealed only
after every commitment is in. The seeds are combined in the parties' listed order. So long as one
party chose its seed at random and kept it secret until all had committed, no party (nor the
chain's sequencer: no block hash is used) can steer the outcome.

A seed is a seed here, however it was revealed: a party that withholds its reveal must not be able
to bias the draw by doing so, and the fallback for that (each seed is also sealed to the tender's
k-of-n opening key when committed, and the opening officers recover a withheld one) is the
service's and the contract's business. This module only checks that each seed matches its
party's commitment and that the picks follow from the seeds.

`round` numbers a purpose's draws within a tender section: 1 for the first, 2 for the next
(e.g. a replacement draw, or a selection's second lottery). The reduction r_i mod (n - i) is
biased by less than n / 2^256, which no candidate list can make measurable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from eth_abi.abi import encode as abi_encode

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.values import address

T = TypeVar("T")

PURPOSES = ("committee", "reserve", "shortlist", "selection")
"""What a draw is for: the evaluation committee, its reserves, a tie at the shortlist's cut, or
a selection lottery (a tie after re-votes, 票决抽签's last stage, 直接抽签)."""

MAX_UINT16 = 2**16 - 1


def _bytes32(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise ValidationFailed(f"{what} must be 32 bytes")
    return bytes(value)


def _uint16(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT16:
        raise ValidationFailed(f"{what} must be an integer in 0..{MAX_UINT16}, got {value!r}")
    return value


def address_key(account: str) -> str:
    """The order of addresses: as 160-bit numbers (lower-case hex), as a contract compares them."""
    return account.lower()


def by_address(accounts: Iterable[str]) -> tuple[str, ...]:
    """Addresses in that order: how an unranked list (a shortlist, a round's candidates) is shown,
    so its order tells nothing, and the fixed order of a draw's candidates."""
    return tuple(sorted(accounts, key=address_key))


def draw_id(tender_id: bytes, section: int, purpose: str, round: int) -> bytes:
    """keccak256(abi.encode(bytes32 tenderId, uint16 section, string purpose, uint16 round))."""
    if purpose not in PURPOSES:
        raise ValidationFailed(f"a draw's purpose is one of {', '.join(PURPOSES)}, got {purpose!r}")
    return keccak(abi_encode(
        ["bytes32", "uint16", "string", "uint16"],
        [_bytes32(tender_id, "the tender id"), _uint16(section, "the section"), purpose,
         _uint16(round, "the draw's round")],
    ))


def seed_commitment(draw_id: bytes, party: str, seed: bytes) -> bytes:
    """keccak256(abi.encode(bytes32 drawId, address party, bytes32 seed)): what a party commits."""
    return keccak(abi_encode(
        ["bytes32", "address", "bytes32"],
        [_bytes32(draw_id, "the draw id"), address(party, "the party"), _bytes32(seed, "a seed")],
    ))


def combined_seed(seeds: Sequence[bytes]) -> bytes:
    """keccak256(abi.encodePacked(seed_1, …, seed_m)), the seeds in the parties' listed order."""
    if not seeds:
        raise ValidationFailed("a draw needs at least one party's seed")
    return keccak(b"".join(_bytes32(s, f"seed {n}") for n, s in enumerate(seeds)))


def draw(combined: bytes, candidates: Sequence[T], k: int) -> list[T]:
    """k distinct candidates, in draw order, by partial Fisher–Yates from the combined seed."""
    combined = _bytes32(combined, "the combined seed")
    n = len(candidates)
    if n == 0:
        raise ValidationFailed("a draw needs at least one candidate")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValidationFailed(f"a draw picks at least one candidate, asked for {k!r}")
    if k > n:
        raise ValidationFailed(f"cannot draw {k} from {n} candidate{'s' if n != 1 else ''}")
    order = list(candidates)
    for i in range(k):
        r = int.from_bytes(keccak(abi_encode(["bytes32", "uint256"], [combined, i])), "big")
        j = i + r % (n - i)
        order[i], order[j] = order[j], order[i]
    return order[:k]


@dataclass(frozen=True)
class Draw(Generic[T]):
    """One recorded draw: who took part (in the order their seeds combine), what each committed
    and revealed, the candidates in their fixed order, how many were drawn and the picks."""

    tender_id: bytes
    section: int
    purpose: str
    round: int
    parties: tuple[str, ...]
    commitments: tuple[bytes, ...]
    seeds: tuple[bytes, ...]
    candidates: tuple[T, ...]
    k: int
    picks: tuple[T, ...]

    @property
    def draw_id(self) -> bytes:
        return draw_id(self.tender_id, self.section, self.purpose, self.round)


def run_draw(
    *, tender_id: bytes, section: int, purpose: str, round: int, parties: Sequence[str],
    commitments: Sequence[bytes], seeds: Sequence[bytes], candidates: Sequence[T], k: int,
) -> Draw[T]:
    """The draw from revealed seeds, as a record; refused if a seed does not match its commitment."""
    record: Draw[T] = Draw(
        tender_id=bytes(tender_id), section=section, purpose=purpose, round=round,
        parties=tuple(parties), commitments=tuple(bytes(c) for c in commitments),
        seeds=tuple(bytes(s) for s in seeds), candidates=tuple(candidates), k=k, picks=(),
    )
    problems = _seed_problems(record)
    if problems:
        raise ValidationFailed("; ".join(problems))
    picks = draw(combined_seed(record.seeds), record.candidates, k)
    return replace(record, picks=tuple(picks))


def _seed_problems(record: Draw[T]) -> list[str]:
    try:
        did = record.draw_id
    except ValidationFailed as exc:
        return [str(exc)]
    problems = []
    if not record.parties:
        problems.append("the draw has no parties")
    try:
        parties = [address(p, "a party") for p in record.parties]
    except ValidationFailed as exc:
        return [*problems, str(exc)]
    if len(set(parties)) != len(parties):
        problems.append("a party is listed more than once")
    if not len(record.commitments) == len(record.seeds) == len(parties):
        problems.append(f"{len(parties)} parties but {len(record.commitments)} commitments "
                        f"and {len(record.seeds)} seeds")
        return problems
    for party, commitment, seed in zip(parties, record.commitments, record.seeds, strict=True):
        try:
            expected = seed_commitment(did, party, seed)
        except ValidationFailed as exc:
            problems.append(f"party {party}: {exc}")
            continue
        if expected != commitment:
            problems.append(f"party {party}'s seed does not match its commitment")
    return problems


def verify_draw(record: Draw[T]) -> list[str]:
    """What is wrong with a recorded draw (nothing: an empty list): a seed that does not match
    its party's commitment, a malformed field, or picks that the seeds do not give."""
    problems = _seed_problems(record)
    if problems:
        return problems
    try:
        expected = draw(combined_seed(record.seeds), record.candidates, record.k)
    except ValidationFailed as exc:
        return [str(exc)]
    if tuple(expected) != tuple(record.picks):
        problems.append(f"the picks {list(record.picks)} do not follow from the seeds "
                        f"(they give {expected})")
    return problems


def check_draw(
    record: Draw[T], *, tender_id: bytes, section: int, purpose: str, round: int,
    candidates: Sequence[T], k: int,
) -> tuple[T, ...]:
    """The picks of `record`, once it is shown to be the draw asked for (this tender and section,
    its purpose, round, candidates in order and k) and to verify; ValidationFailed otherwise."""
    if (bytes(record.tender_id), record.section) != (bytes(tender_id), section):
        raise ValidationFailed(f"the recorded {record.purpose} draw belongs to another tender or section")
    asked = (purpose, round, tuple(candidates), k)
    held = (record.purpose, record.round, tuple(record.candidates), record.k)
    if held != asked:
        raise ValidationFailed(
            f"the recorded draw is {record.purpose} round {record.round} of {record.k} among "
            f"{list(record.candidates)}; the rule asks for {purpose} round {round} of {k} among {list(candidates)}"
        )
    problems = verify_draw(record)
    if problems:
        raise ValidationFailed(f"{purpose} draw {round} does not verify: " + "; ".join(problems))
    return tuple(record.picks)
