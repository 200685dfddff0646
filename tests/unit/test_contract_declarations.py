"""Every custom error and every event is declared once across contracts/, and every custom
error is named by a test.

A name declared in two places is two declarations that can drift apart (different arguments,
hence different selectors, under one name), so each shared error lives in one errors-only
interface and each event in the one interface that emits it. The checker reads every .sol file
under contracts/, strips comments and string literals, and collects `error X(` and `event X(`.

A custom error is a refusal rule: each one needs a contract or service test that makes the call
the rule refuses and sees that error, so every declared error must be named in some test under
tests/contracts/ or tests/service/ (or be on `UNREACHABLE`, with the reason no call can reach it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
# Where the tests that break a refusal rule live: they run the contracts (or the services over them).
RULE_TESTS = [ROOT / "tests" / "contracts", ROOT / "tests" / "service"]

# Custom errors declared in contracts/ that no caller can make a contract revert with (dead code,
# or only a state no call can create), so no test can see them: name → why. Each belongs in
# docs/contracts.md or out of the contracts. Empty: every declared error is reachable.
UNREACHABLE: dict[str, str] = {}

# Comments and string literals, longest first, so that `//` inside a string or a quote inside a
# comment is taken as part of the token that contains it.
_NOISE = re.compile(
    r"""
      /\*.*?\*/                 # block comment (NatSpec included)
    | //[^\n]*                  # line comment
    | "(?:\\.|[^"\\\n])*"       # double-quoted string
    | '(?:\\.|[^'\\\n])*'       # single-quoted string
    """,
    re.DOTALL | re.VERBOSE,
)
_DECLARATION = re.compile(r"\b(error|event)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*\(")


def strip_noise(source: str) -> str:
    """`source` with comments and string literals blanked out, newlines kept (line numbers hold)."""
    return _NOISE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)


def declarations(sources: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """(kind, name) → every place ("file:line") it is declared, kind being "error" or "event"."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, source in sorted(sources.items()):
        code = strip_noise(source)
        for m in _DECLARATION.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            found[(m.group(1), m.group(2))].append(f"{path}:{line}")
    return dict(found)


def duplicates(sources: dict[str, str]) -> list[str]:
    """One message per error or event name declared more than once, naming every place."""
    return [
        f"{kind} {name} is declared {len(places)} times: {', '.join(places)}"
        for (kind, name), places in sorted(declarations(sources).items())
        if len(places) > 1
    ]


def contract_sources() -> dict[str, str]:
    files = sorted(CONTRACTS.rglob("*.sol"))
    assert files, f"no Solidity sources under {CONTRACTS}"
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in files}


def test_no_error_or_event_is_declared_twice_under_contracts() -> None:
    problems = duplicates(contract_sources())
    assert not problems, "\n".join(problems)


def test_the_checker_sees_the_declarations_the_contracts_make() -> None:
    found = declarations(contract_sources())
    # One of each kind from every layer: a shared error, a contract's own error, an event.
    assert ("error", "NotPublisher") in found
    assert ("error", "InvalidKind") in found
    assert ("event", "TenderPublished") in found
    assert ("event", "AdminTransferred") in found


def test_the_checker_reports_a_duplicate_with_both_files_and_ignores_comments_and_strings() -> None:
    sources = {
        "contracts/A.sol": (
            "interface IA {\n"
            "    /// @notice `error Quiet(` in NatSpec is no declaration.\n"
            "    error Twice(bytes32 id);\n"
            "    event Logged(bytes32 indexed id);\n"
            "}\n"
        ),
        "contracts/B.sol": (
            "interface IB {\n"
            "    /* event Logged(bytes32 id); commented out */\n"
            '    function f() external pure returns (string memory) { return "error Quiet(1)"; }\n'
            "    error Twice(bytes32 id, address caller);\n"
            "    error Once(uint256 size);\n"
            "}\n"
        ),
    }
    assert duplicates(sources) == [
        "error Twice is declared 2 times: contracts/A.sol:3, contracts/B.sol:4"
    ]
    assert ("error", "Quiet") not in declarations(sources)
    assert declarations(sources)[("event", "Logged")] == ["contracts/A.sol:4"]


def unnamed_errors(sources: dict[str, str], tests: dict[str, str], allowed: dict[str, str]) -> list[str]:
    """The custom errors declared in `sources` that no file of `tests` names as a whole word,
    allow-listed ones aside, sorted."""
    declared = {name for kind, name in declarations(sources) if kind == "error"}
    text = "\n".join(tests.values())
    return sorted(n for n in declared - allowed.keys() if not re.search(rf"\b{re.escape(n)}\b", text))


def rule_test_sources() -> dict[str, str]:
    here = Path(__file__).resolve()
    files = sorted(p for d in RULE_TESTS for p in d.rglob("*.py") if p.resolve() != here)
    assert files, f"no tests under {RULE_TESTS}"
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in files}


def test_every_custom_error_is_named_by_a_contract_or_service_test() -> None:
    missing = unnamed_errors(contract_sources(), rule_test_sources(), UNREACHABLE)
    assert not missing, (
        "custom errors no test under tests/contracts/ or tests/service/ names: add a test that makes the "
        "refused call and asserts the error, or (unreachable only) list it in UNREACHABLE with why: "
        + ", ".join(missing)
    )


def test_the_unreachable_list_holds_only_declared_errors_no_test_names() -> None:
    """An allow-listed error that a test now names, or that is no longer declared, is a stale entry."""
    declared = {name for kind, name in declarations(contract_sources()) if kind == "error"}
    tested = unnamed_errors(contract_sources(), rule_test_sources(), {})
    assert set(UNREACHABLE) <= declared, sorted(set(UNREACHABLE) - declared)
    assert set(UNREACHABLE) <= set(tested), sorted(set(UNREACHABLE) - set(tested))
    assert all(reason.strip() for reason in UNREACHABLE.values())


def test_the_naming_check_matches_whole_names_only() -> None:
    sources = {"contracts/A.sol": "interface IA {\n    error NotSeat(address s);\n    error NotSeated(uint8 k);\n"
                                  "    error Gone();\n    // error Quiet();\n}\n"}
    tests = {"tests/contracts/test_a.py": 'assert err.error == "NotSeated"\n'}
    assert unnamed_errors(sources, tests, {}) == ["Gone", "NotSeat"]
    assert unnamed_errors(sources, tests, {"Gone": "only a state no call creates"}) == ["NotSeat"]
