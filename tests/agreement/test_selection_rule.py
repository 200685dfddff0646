"""The selection word the service publishes and SelectionBook's table of bases agree with the rule.

`ledger.rules.selection.next_step` is the one place the selection rule lives: for each method it is
driven to its decisions many times (random votes, and runs where every member abstains, so ties,
re-votes and draws all occur), and every
(basis, n) it reaches must be one the contract allows for `selection_code(selection)` — and the
contract must allow nothing else for that word but a shortlist of one.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from ledger.model.selection import DecisionBasis
from ledger.rules.selection import (
    METHOD_CODES,
    Decided,
    NeedVote,
    Statement,
    next_step,
    selection_code,
)
from ledger.tenders import Selection, SelectionMethod
from tests.conftest import ChainEnv
from tests.unit.test_selection_rules import MEMBERS, A, B, C, D, E, history, play, sel

RUNS = 60
N_VALUES = (0, 1, 2, 3, 4, 255)

SELECTIONS = [
    sel("直接票决"), sel("直接票决", revote_rounds=0), sel("逐轮票决", revote_rounds=0), sel("逐轮票决"),
    sel("票决抽签", lottery_among=2), sel("直接抽签"), sel("集体议事"),
    sel("价格竞争", price_rule="lowest"), sel("价格竞争", price_rule="second_lowest"),
    sel("价格竞争", price_rule="closest_to_average"), sel("价格竞争", price_rule="nth_lowest", price_n=3),
    sel("价格竞争", price_rule="nth_lowest", price_n=400),
]


def _reached(selection: Selection) -> set[tuple[DecisionBasis, int]]:
    """Every (basis, n) the rule decides this selection on, over many random histories."""
    rng = random.Random(f"{selection!r}")
    out: set[tuple[DecisionBasis, int]] = set()
    for _ in range(RUNS):
        size = rng.randint(1, 5)
        shortlist = (A, B, C, D, E)[:size]
        prices = {c: Decimal(rng.randint(1, 3) * 100_000) for c in (A, B, C, D, E)}
        if selection.method is SelectionMethod.COLLECTIVE_DELIBERATION:
            decided = _deliberate(selection, shortlist, rng)
        else:
            tie_all = rng.random() < 0.3  # every member abstains: every round ties, so re-votes then draws

            def voter(step: NeedVote) -> tuple[str | None, ...]:
                return tuple(None if tie_all else rng.choice((None, *step.candidates)) for _ in MEMBERS)

            decided, _ = play(selection, shortlist, prices, voter, salt=rng.randint(0, 100))
        out.add((decided.basis, decided.n))
    return out


def _deliberate(selection: Selection, shortlist: tuple[str, ...], rng: random.Random) -> Decided:
    if len(shortlist) == 1:
        step = next_step(selection, shortlist, None, history())
        assert isinstance(step, Decided)
        return step
    views = tuple(Statement(m, rng.choice(shortlist), "理由") for m in MEMBERS)
    chair = rng.choice(MEMBERS)
    step = next_step(selection, shortlist, None, history(chair=chair, views=views,
                                                          decision=Statement(chair, rng.choice(shortlist), "理由")))
    assert isinstance(step, Decided)
    return step


@pytest.fixture
def probe(chain: ChainEnv) -> object:
    return chain.deploy("SelectionRuleProbe").functions


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: f"{s.method.value}-{s.price_rule}-{s.revote_rounds}")
def test_the_contract_allows_exactly_the_bases_the_rule_decides_on(probe: object, selection: Selection) -> None:
    word = selection_code(selection)
    assert probe.valid(word).call()  # type: ignore[attr-defined]
    reached = _reached(selection)
    assert (DecisionBasis.SOLE_CANDIDATE, 0) in reached
    for basis in DecisionBasis:
        for n in N_VALUES:
            allowed = probe.allows(word, int(basis), n).call()  # type: ignore[attr-defined]
            assert allowed == ((basis, n) in reached or basis is DecisionBasis.SOLE_CANDIDATE), (basis.name, n)


def test_the_word_is_the_method_code_and_the_price_rule() -> None:
    assert sorted(METHOD_CODES.values()) == list(range(1, 7))
    assert selection_code(sel("直接票决")) == 1
    assert selection_code(sel("价格竞争", price_rule="closest_to_average")) == 4
    assert selection_code(sel("价格竞争", price_rule="lowest")) == 4 | 1 << 8
    assert selection_code(sel("价格竞争", price_rule="second_lowest")) == 4 | 2 << 8
    assert selection_code(sel("价格竞争", price_rule="nth_lowest", price_n=7)) == 4 | 7 << 8
    assert selection_code(sel("价格竞争", price_rule="nth_lowest", price_n=1000)) == 4 | 255 << 8
