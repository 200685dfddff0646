"""Every custom error and every event is declared once across contracts/.

A name declared in two places is two declarations that can drift apart (different arguments,
hence different selectors, under one name), so each shared error lives in one errors-only
interface and each event in the one interface that emits it. The checker reads every .sol file
under contracts/, strips comments and string literals, and collects `error X(` and `event X(`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"

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
