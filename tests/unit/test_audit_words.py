"""The audit's results as codes (ledger/audit/words.py): every code's English is made from its
templates and arguments, says exactly what the arguments say (`bound`) and nothing else, and the
portal words every code in Chinese and English with the same placeholders."""

from __future__ import annotations

import string
from typing import Any

import pytest

from api.portal.messages import MESSAGES
from ledger.audit import words
from ledger.audit.bundle import KINDS
from ledger.audit.model import Result, Status


def fields(template: str) -> dict[str, str]:
    return {name: spec for _, name, spec, _ in string.Formatter().parse(template) if name}


def sample(code: str) -> dict[str, Any]:
    """Arguments of `code` of the types it takes: a list where its template joins one, a bundle
    kind where it names one, a time where the argument is one."""
    specs = {**fields(words.WORDS[code][0]), **fields(words.WORDS[code][1])}
    out: dict[str, Any] = {}
    for name in words.ARGS[code]:
        spec = specs.get(name, "")
        if spec == "kind":
            out[name] = next(iter(KINDS))
        elif spec:
            out[name] = ["0x" + "22" * 20, "0x" + "33" * 20]
        elif name in words.TIMES:
            out[name] = 1_789_900_000
        else:
            out[name] = f"v-{name}"
    return out


@pytest.mark.parametrize("code", sorted(words.WORDS))
def test_every_code_is_worded_in_both_languages_with_the_same_placeholders(code: str) -> None:
    for part, template in zip(("name", "message"), words.WORDS[code], strict=True):
        zh, en = MESSAGES[f"audit.{part}.{code}"]
        assert set(fields(zh)) == set(fields(en)) == set(fields(template)), (code, part)
        assert all(not spec for spec in fields(zh).values()), (code, part)  # the portal writes the arguments
    assert set(words.ARGS[code]) == set(fields(words.WORDS[code][0])) | set(fields(words.WORDS[code][1]))
    assert not {"key", "lang", "self"} & set(words.ARGS[code])  # the names the portal's `t(key, **values)` takes


@pytest.mark.parametrize("code", sorted(words.WORDS))
def test_every_code_says_its_english_and_is_bound_to_it(code: str) -> None:
    args = sample(code)
    name, message = words.say(code, **args)
    assert words.bound(code, args, name, message)
    said = words.said(code, **args)
    assert (said.name, said.message, said.family) == (name, message, code.split(".")[0])
    result = Result(said.family, said.name, Status.PASS, said.message, code=said.code, args=said.args)
    assert result.as_json()["code"] == code and result.as_json()["args"] == args
    if args:  # edited arguments no longer say the English
        edited = dict(args)
        key = next(iter(edited))
        edited[key] = ["0x" + "44" * 20] if isinstance(edited[key], list) else \
            (edited[key] + 1 if isinstance(edited[key], int) else edited[key] + "-edited")
        if words.say(code, **edited) != (name, message):
            assert not words.bound(code, edited, name, message)
        assert not words.bound(code, {**args, "extra": "x"}, name, message)
    assert not words.bound(code, args, name, message + ".")
    assert not words.bound(code + ".other", args, name, message)


def test_a_code_refuses_other_arguments_and_unknown_codes() -> None:
    with pytest.raises(ValueError):
        words.say("opening.price", bidder="0x" + "22" * 20)
    with pytest.raises(ValueError):
        words.say("opening.price", bidder="0x" + "22" * 20, price={"not": "an argument"})
    with pytest.raises(ValueError):
        words.say("no.such.code")
    assert not words.bound(None, {}, "n", "m") and not words.bound("opening.price", None, "n", "m")


def test_the_english_is_the_checks_english() -> None:
    assert words.say("opening.price", bidder="0xab", price="1234.50") == (
        "price of 0xab", "the opening report reads 1234.50 元, as the envelope holds")
    assert words.say("opening.ticks_differ", bidder="0xab", ticked=["0x1"], logged=[])[1] == \
        "the envelope ticks ['0x1'], the chain logged []"
    assert words.say("documents.missing", kind="envelope", ident="0x12", why="the opened bid of 0xab") == (
        "missing sealed bid envelope 0x12", "the chain needs it (the opened bid of 0xab) and the bundle lacks it")
    assert words.say("draws.problems", draw="0x1", problems=["a", "b"])[1] == "a; b"
    a_result_without_code = Result("documents", "n", Status.PASS, "m")
    assert "code" not in a_result_without_code.as_json()


def test_an_argument_of_another_type_is_written_as_the_checks_f_string_wrote_it() -> None:
    from decimal import Decimal

    s = words.said("selection.exclusion_other_no_firms", committee="evaluation", member="0xab", employer="X",
                   named=None)
    assert s.args["named"] == "None" and "names None employed by X" in s.message
    s = words.said("opening.price", bidder="0xab", price=Decimal("12.50"))
    assert s.message == "the opening report reads 12.50 元, as the envelope holds"
    assert words.bound(s.code, s.args, s.name, s.message)


def test_every_code_names_a_family_of_the_audit_and_its_result_carries_it() -> None:
    from ledger.audit.checkpoints import FAMILY as LOG
    from ledger.audit.checks import FAMILIES

    known = {*FAMILIES, LOG, "store"}  # the registry's, the store log's (audit log) and the store's (audit store)
    for code in words.WORDS:
        said = words.said(code, **sample(code))
        assert said.family in known, code
        got = said.result(Status.INFO, tender="0x" + "ab" * 32, section=2)
        assert (got.family, got.name, got.message, got.code, got.args, got.tender, got.section) == \
            (said.family, said.name, said.message, code, said.args, "0x" + "ab" * 32, 2)


@pytest.mark.parametrize(("table", "prefix"), [(words.NOT_CHECKED, "audit.unchecked"), (words.NOTES, "audit.note")])
def test_what_is_not_checked_and_every_note_is_worded_in_both_languages(table: dict[str, str], prefix: str) -> None:
    for code, template in table.items():
        zh, en = MESSAGES[f"{prefix}.{code}"]
        assert set(fields(zh)) == set(fields(en)) == set(fields(template)), code
        assert all(not spec for spec in fields(zh).values()), code
    assert {k.removeprefix(prefix + ".") for k in MESSAGES if k.startswith(prefix + ".")} == set(table)


def test_what_is_not_checked_and_a_note_are_read_back_from_their_english() -> None:
    from ledger.audit.checks import NOT_CHECKED

    assert [words.recognised(n, words.NOT_CHECKED) for n in NOT_CHECKED] == [(c, {}) for c in words.NOT_CHECKED]
    root = "0x" + "ab" * 32
    note = words.note("checkpoint", index=3, size=10, root=root)
    assert note == f"checkpoint 3: size 10, root {root}"
    assert words.recognised(note, words.NOTES) == ("checkpoint", {"index": "3", "size": "10", "root": root})
    assert words.recognised(NOT_CHECKED[0] + ".", words.NOT_CHECKED) is None
    assert words.recognised(f"checkpoint 3, size 10, root {root}", words.NOTES) is None
    assert words.recognised(None, words.NOTES) is None
    with pytest.raises(ValueError):
        words.note("checkpoint", index=3, size=10)
