"""The verifiable lottery: pinned vectors (for the Solidity port), the draw's properties, and a
recorded draw that was tampered with in each way it can be."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.rules.lottery import (
    check_draw,
    combined_seed,
    draw,
    draw_id,
    run_draw,
    seed_commitment,
    verify_draw,
)

TENDER = keccak(b"E3203010319005778")
PARTIES = (
    "0x00000000000000000000000000000000000000A1",
    "0x00000000000000000000000000000000000000b2",
    "0x00000000000000000000000000000000000000C3",
)
SEEDS = (bytes([0x11]) * 32, bytes([0x22]) * 32, bytes([0x33]) * 32)


# ---------------------------------------------------------------- vectors for the Solidity port
# Checked once against the same formulas compiled with the project's solc and run on py-evm;
# a port must reproduce every one of them.


def test_vector_draw_id_and_seed_commitment() -> None:
    assert TENDER.hex() == "41b41fceee94c3040007e0960f03a50e7226f4a9e0e87b680ba8a3ee53bcb47b"
    did = draw_id(TENDER, 0, "selection", 1)
    assert did.hex() == "1a7f1ede33dd6c2269ec8091c90ba7a32ee3097df60d74e386610edb5dd95692"
    assert draw_id(TENDER, 2, "committee", 0).hex() == (
        "3b958d4ee95a888b15c70f4d0f3d4388915d064199c0104390481214fe3da4db")
    assert seed_commitment(did, PARTIES[0], SEEDS[0]).hex() == (
        "5f5fe3243cc92bed21c5cd2f0a1debcebc3da7c24f1ca270bdda9d799839776f")


def test_vector_combined_seed_and_draws() -> None:
    combined = combined_seed(SEEDS)
    assert combined.hex() == "41524791bda53e6da2158f10c15e3672835515d6135111d11c7e9880cfcbe573"
    assert draw(combined, list(range(10)), 3) == [3, 9, 1]
    assert draw(combined, list(range(200)), 7) == [63, 65, 93, 37, 36, 16, 74]
    assert draw(combined, list("ABCDE"), 5) == ["D", "B", "A", "E", "C"]
    single = combined_seed(SEEDS[:1])
    assert single.hex() == "b569321de72d0af89c2fb48a484de3fc9343f31600ae1f3e13d633cb48cbf816"
    assert draw(single, list(range(5)), 1) == [3]


def test_the_seeds_combine_in_the_parties_order() -> None:
    assert combined_seed(SEEDS) != combined_seed(SEEDS[::-1])
    assert combined_seed(SEEDS) == keccak(b"".join(SEEDS))


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(("candidates", "k", "message"), [
    ([], 1, "at least one candidate"),
    ([1, 2], 3, "cannot draw 3 from 2 candidates"),
    ([1, 2], 0, "at least one candidate, asked for 0"),
    ([1, 2], -1, "asked for -1"),
])
def test_an_impossible_draw_is_refused(candidates: list[int], k: int, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        draw(combined_seed(SEEDS), candidates, k)


def test_malformed_draw_inputs_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="purpose"):
        draw_id(TENDER, 0, "winner", 1)
    with pytest.raises(ValidationFailed, match="section"):
        draw_id(TENDER, 70_000, "selection", 1)
    with pytest.raises(ValidationFailed, match="32 bytes"):
        draw_id(TENDER[:31], 0, "selection", 1)
    with pytest.raises(ValidationFailed, match="not an address"):
        seed_commitment(TENDER, "centre", SEEDS[0])
    with pytest.raises(ValidationFailed, match="at least one party"):
        combined_seed([])
    with pytest.raises(ValidationFailed, match="seed 1 must be 32 bytes"):
        combined_seed([SEEDS[0], b"short"])


# ---------------------------------------------------------------- records


def _record(candidates: tuple[str, ...] = tuple("ABCDEFG"), k: int = 2):  # type: ignore[no-untyped-def]
    did = draw_id(TENDER, 0, "selection", 1)
    commitments = [seed_commitment(did, p, s) for p, s in zip(PARTIES, SEEDS, strict=True)]
    return run_draw(tender_id=TENDER, section=0, purpose="selection", round=1, parties=PARTIES,
                    commitments=commitments, seeds=SEEDS, candidates=candidates, k=k)


def test_a_recorded_draw_verifies_and_its_picks_follow_from_the_seeds() -> None:
    record = _record()
    assert verify_draw(record) == []
    assert list(record.picks) == draw(combined_seed(SEEDS), list("ABCDEFG"), 2)
    assert check_draw(record, tender_id=TENDER, section=0, purpose="selection", round=1,
                      candidates=tuple("ABCDEFG"), k=2) == record.picks


def test_forged_seed_reveal_does_not_match_the_commitment() -> None:
    record = _record()
    forged = replace(record, seeds=(SEEDS[0], bytes([0x99]) * 32, SEEDS[2]))
    assert verify_draw(forged) == [f"party {PARTIES[1]}'s seed does not match its commitment"]
    with pytest.raises(ValidationFailed, match="does not match its commitment"):
        run_draw(tender_id=TENDER, section=0, purpose="selection", round=1, parties=PARTIES,
                 commitments=record.commitments, seeds=forged.seeds, candidates="ABC", k=1)


def test_edited_picks_do_not_follow_from_the_seeds() -> None:
    record = _record()
    other = next(c for c in "ABCDEFG" if c not in record.picks)
    edited = replace(record, picks=(other, record.picks[1]))
    assert "do not follow from the seeds" in verify_draw(edited)[0]


def test_reordered_candidates_or_parties_are_caught() -> None:
    record = _record()
    # Reordering the candidates after the seeds are known would let one steer the draw.
    problems = verify_draw(replace(record, candidates=tuple("GFEDCBA")))
    assert problems and "do not follow" in problems[0]
    # Parties swapped: each seed now sits against another's commitment.
    swapped = replace(record, parties=(PARTIES[1], PARTIES[0], PARTIES[2]))
    assert len(verify_draw(swapped)) == 2


def test_seed_committed_for_another_draw_is_refused() -> None:
    # A commitment is bound to the draw id: replaying it in round 2 does not verify.
    assert len(verify_draw(replace(_record(), round=2))) == 3


def test_missing_or_duplicated_parties_are_refused() -> None:
    record = _record()
    assert "0 parties" in " ".join(verify_draw(replace(record, parties=())))
    assert "3 parties but 3 commitments and 2 seeds" in verify_draw(replace(record, seeds=SEEDS[:2]))[0]
    twice = replace(record, parties=(PARTIES[0], PARTIES[0], PARTIES[2]))
    assert "listed more than once" in verify_draw(twice)[0]


def test_draw_for_another_purpose_round_or_tender_is_refused_where_one_is_asked_for() -> None:
    record = _record()
    ask = dict(tender_id=TENDER, section=0, purpose="selection", round=1, candidates=tuple("ABCDEFG"), k=2)
    with pytest.raises(ValidationFailed, match="the rule asks for selection round 2"):
        check_draw(record, **{**ask, "round": 2})  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="of 3 among"):
        check_draw(record, **{**ask, "k": 3})  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="another tender or section"):
        check_draw(record, **{**ask, "tender_id": bytes(32)})  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="does not verify"):
        check_draw(replace(record, picks=record.picks[::-1]), **ask)  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(seeds=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=4),
       n=st.integers(min_value=1, max_value=60), data=st.data())
def test_draw_returns_k_distinct_candidates_from_the_list(seeds: list[bytes], n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    candidates = [f"c{i}" for i in range(n)]
    picks = draw(combined_seed(seeds), candidates, k)
    assert len(picks) == k == len(set(picks)) and set(picks) <= set(candidates)
    # A longer draw from the same seed begins with the shorter one (draw order is stable).
    assert draw(combined_seed(seeds), candidates, n)[:k] == picks
