"""统一社会信用代码 validation, check digits and synthetic codes."""

from __future__ import annotations

import random

import pytest

from ledger.uscc import (
    ALPHABET,
    InvalidUSCC,
    generate_uscc,
    is_valid_uscc,
    uscc_check_digit,
    validate_uscc,
)

VALID = ["91350100M000100Y43", "91130125MA07WJNA83", "91130125750281817B", "51420000MJH200408C"]
INVALID_CHECK = {"911301257502818178": ("B", "8"), "911307310813271435": ("B", "5")}


def test_the_alphabet_has_31_symbols_without_i_o_s_v_z() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("code", VALID)
def test_published_valid_codes_are_accepted_unchanged(code: str) -> None:
    assert validate_uscc(code) == code
    assert is_valid_uscc(code)


def test_the_worked_example_check_digit_is_3() -> None:
    assert uscc_check_digit("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", sorted(INVALID_CHECK))
def test_a_wrong_check_digit_is_reported_with_expected_and_actual(code: str) -> None:
    expected, got = INVALID_CHECK[code]
    with pytest.raises(InvalidUSCC, match=f"bad check digit .*expected {expected} got {got}"):
        validate_uscc(code)
    assert not is_valid_uscc(code)


@pytest.mark.parametrize("letter", list("SVZIO"))
def test_letters_outside_the_alphabet_are_rejected_with_their_position(letter: str) -> None:
    # Replace the 9th character, which a lax [0-9A-HJ-NPQ-TV-Z] pattern would let through.
    code = VALID[0][:8] + letter + VALID[0][9:]
    with pytest.raises(InvalidUSCC, match=f"illegal character '{letter}' at position 9"):
        validate_uscc(code)


def test_lowercase_and_surrounding_whitespace_are_normalised() -> None:
    assert validate_uscc("  91130125ma07wjna83\n") == "91130125MA07WJNA83"
    assert is_valid_uscc("51420000mjh200408c")


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y43X"])
def test_a_wrong_length_is_reported_as_such(code: str) -> None:
    with pytest.raises(InvalidUSCC, match=f"must be 18 characters, got {len(code)}"):
        validate_uscc(code)


def test_a_non_string_is_rejected_cleanly() -> None:
    with pytest.raises(InvalidUSCC, match="must be a string"):
        validate_uscc(91350100)  # type: ignore[arg-type]


def test_invalid_usccs_are_value_errors() -> None:
    assert issubclass(InvalidUSCC, ValueError)


def test_check_digit_31_wraps_to_0() -> None:
    # Find a prefix whose weighted sum is a multiple of 31: its check must be '0', not '31'.
    rng = random.Random(7)
    while True:
        first17 = "91440400" + "".join(rng.choice(ALPHABET) for _ in range(9))
        if uscc_check_digit(first17) == "0":
            break
    assert validate_uscc(first17 + "0") == first17 + "0"


def test_every_single_character_change_breaks_the_check() -> None:
    # A mod-31 check over 31 symbols with weights coprime to 31 catches all substitutions.
    code = VALID[1]
    for position in range(17):
        for symbol in ALPHABET:
            if symbol != code[position]:
                assert not is_valid_uscc(code[:position] + symbol + code[position + 1 :])


def test_generated_codes_are_always_valid_and_shaped_like_a_company() -> None:
    for seed in range(5000):
        code = generate_uscc(random.Random(seed))
        assert validate_uscc(code) == code
        assert code.startswith("91440400")


def test_generated_codes_use_the_requested_region_and_are_reproducible() -> None:
    assert generate_uscc(random.Random(1), region="110105") == generate_uscc(
        random.Random(1), region="110105"
    )
    assert generate_uscc(random.Random(1), region="110105")[2:8] == "110105"
    with pytest.raises(ValueError, match="6-digit"):
        generate_uscc(random.Random(1), region="4404")
