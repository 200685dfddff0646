"""Invariant fuzzing of the contracts with forge, and the proof that each invariant bites.

`invariants/*.t.sol` hold handler-based invariant suites (foundry.toml: bounded runs and depth, a
fixed seed). forge compiles with the pinned solc-js through scripts/solc_native.js, offline.

- On the real contracts every invariant must hold.
- For every invariant there is at least one mutant: a copy of the sources with one planted bug that
  breaks exactly the rule the invariant states. forge must FAIL that invariant on the mutant. A
  mutant whose text no longer matches the source fails loudly: the contract changed, and the
  planted bug must be re-planted in the new code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The platform binary itself: the npm launcher (node_modules/.bin/forge) exits 0 even when tests
# fail (measured with @foundry-rs/forge 1.7.1), so its status cannot be trusted.
FORGE = next(iter(sorted(ROOT.glob("node_modules/@foundry-rs/forge-*/bin/forge"))), None)
SUITES = ROOT / "invariants"


@dataclass(frozen=True)
class Mutant:
    """A planted bug: `edits` (old text, new text) applied once each to `source`."""

    bug: str
    suite: str  # the invariants/*.t.sol file
    invariant: str  # the invariant_* function that must fail
    source: str  # the contracts/ file the bug is planted in
    edits: tuple[tuple[str, str], ...]


MUTANTS = [
    Mutant(
        "a revocation also applies to instants before it",
        "CredentialRegistry.t.sol",
        "invariant_statusHistoryOfPastInstantsNeverChanges",
        "contracts/CredentialRegistry.sol",
        (
            (
                "if (revokedAt != 0 && revokedAt <= t) return (Status.REVOKED, reason);",
                "if (revokedAt != 0) return (Status.REVOKED, reason);",
            ),
        ),
    ),
    Mutant(
        "holding any kind authorises an issuer for every kind",
        "CredentialRegistry.t.sol",
        "invariant_onlyAuthorisedIssuersAnchor",
        "contracts/access/IssuerAuthority.sol",
        (("if ((_rolesOf(issuer) >> kind) & 1 == 0) {", "if (_rolesOf(issuer) == 0) {"),),
    ),
    Mutant(
        "a revocation lapses a day after it was made",
        "CredentialRegistry.t.sol",
        "invariant_revokedCredentialStaysRevoked",
        "contracts/CredentialRegistry.sol",
        (
            (
                "if (revokedAt != 0 && revokedAt <= t) return (Status.REVOKED, reason);",
                "if (revokedAt != 0 && revokedAt <= t && t < revokedAt + 1 days) return (Status.REVOKED, reason);",
            ),
        ),
    ),
    Mutant(
        "a resubmitted bid is counted as one more bid",
        "TenderBook.t.sol",
        "invariant_oneLiveBidPerBidderPerSection",
        "contracts/TenderBook.sol",
        (
            (
                "if (b.commitment == 0) _sections[tenderId][section].bids += 1;",
                "_sections[tenderId][section].bids += 1;",
            ),
        ),
    ),
    Mutant(
        "a bid at the very instant of the deadline is accepted",
        "TenderBook.t.sol",
        "invariant_noBidChangesAfterDeadline",
        "contracts/TenderBook.sol",
        (
            (
                "if (block.timestamp >= deadline) revert LateBid(",
                "if (block.timestamp > deadline) revert LateBid(",
            ),
        ),
    ),
    Mutant(
        "a bid can be withdrawn after the deadline",
        "TenderBook.t.sol",
        "invariant_noBidChangesAfterDeadline",
        "contracts/TenderBook.sol",
        (
            (
                (
                    "        _checkBeforeDeadline(tenderId, _tenderWith(tenderId, section).deadline());\n"
                    "        Bid storage b = _bids[tenderId][section][bidder];\n"
                ),
                "        _tenderWith(tenderId, section);\n        Bid storage b = _bids[tenderId][section][bidder];\n",
            ),
        ),
    ),
    Mutant(
        "a second guarantee can be bound to a bid that has one",
        "GuaranteeBook.t.sol",
        "invariant_bidBackedByAtMostOneGuarantee",
        "contracts/GuaranteeBook.sol",
        (
            (
                "if (current != 0 && _isBound(_guarantees[current].state)) {",
                "if (current == guaranteeId) {",
            ),
        ),
    ),
    Mutant(
        "a withdrawn bid's guarantee is claimed for withdrawal after the deadline",
        "GuaranteeBook.t.sol",
        "invariant_claimOnlyWithClaimableCause",
        "contracts/GuaranteeBook.sol",
        (
            (
                "return block.timestamp >= deadline && b.commitment != 0",
                "return block.timestamp >= deadline",
            ),
        ),
    ),
    Mutant(
        "a proposal executes one approval short of the threshold",
        "Governance.t.sol",
        "invariant_changesNeedMOfNApprovals",
        "contracts/Governance.sol",
        (
            (
                "if (approvals < _threshold) revert BelowThreshold",
                "if (approvals + 1 < _threshold) revert BelowThreshold",
            ),
        ),
    ),
    Mutant(
        "anyone may approve a proposal",
        "Governance.t.sol",
        "invariant_approvalsOnlyByMembersOnce",
        "contracts/Governance.sol",
        (
            (
                "function approve(bytes32 id) external onlyMember {",
                "function approve(bytes32 id) external {",
            ),
        ),
    ),
    Mutant(
        "the threshold may exceed the number of members",
        "Governance.t.sol",
        "invariant_thresholdWithinMembership",
        "contracts/Governance.sol",
        (
            (
                "if (newThreshold < 2 || newThreshold > _members.length) {",
                "if (newThreshold < 2) {",
            ),
        ),
    ),
    Mutant(
        "the last party's seed is left out of the draw",
        "LotteryBook.t.sol",
        "invariant_drawIsTheFunctionOfAllSeeds",
        "contracts/LotteryBook.sol",
        (
            (
                "for (uint256 i = 0; i < seeds.length; ++i) {\n            if ((mask >> i) & 1 == 0) continue;",
                "for (uint256 i = 0; i + 1 < seeds.length; ++i) {\n            if ((mask >> i) & 1 == 0) continue;",
            ),
        ),
    ),
    Mutant(
        "a draw is finished while seeds may still come in",
        "LotteryBook.t.sol",
        "invariant_drawIsTheFunctionOfAllSeeds",
        "contracts/LotteryBook.sol",
        (
            (
                "revert DrawAlreadyFinished(drawId);\n        _checkSeedsIn(drawId, d);\n",
                "revert DrawAlreadyFinished(drawId);\n",
            ),
        ),
    ),
    Mutant(
        "a party may seal a second seed",
        "LotteryBook.t.sol",
        "invariant_seedSealedAtMostOnce",
        "contracts/LotteryBook.sol",
        (("        if (d.committedMask & bit != 0) revert AlreadyCommitted(drawId, msg.sender);\n", ""),),
    ),
    Mutant(
        "a seed sealed at the commit deadline's instant is accepted",
        "LotteryBook.t.sol",
        "invariant_noSeedAfterCommitDeadline",
        "contracts/LotteryBook.sol",
        (
            (
                "if (block.timestamp >= d.commitDeadline) {",
                "if (block.timestamp > d.commitDeadline) {",
            ),
        ),
    ),
    Mutant(
        "a decision may name a bidder off the shortlist",
        "SelectionBook.t.sol",
        "invariant_winnerIsInTheShortlist",
        "contracts/SelectionBook.sol",
        (
            (
                "        if (!_shortlisted[sk][s.shortlistVersion][winner]) revert NotShortlisted(tenderId, section, winner);\n",
                "",
            ),
        ),
    ),
    Mutant(
        "a 价格竞争 tender may be decided by another price rule than the one it fixed",
        "SelectionBook.t.sol",
        "invariant_decisionOnABasisTheMethodAllows",
        "contracts/libraries/SelectionRule.sol",
        (
            (
                "return (ALLOWED >> (8 * method + basis)) & 1 == 1 && n == uint8(word >> 8)\n",
                "return (ALLOWED >> (8 * method + basis)) & 1 == 1\n",
            ),
        ),
    ),
    Mutant(
        "a replaced seat keeps voting",
        "SelectionBook.t.sol",
        "invariant_votesOnlyBySeatedMembersOncePerRound",
        "contracts/SelectionBook.sol",
        (
            (
                "if (st.state != SeatState.ACTIVE) revert NotSeat(tenderId, section, kind, msg.sender);",
                "if (st.state == SeatState.NONE) revert NotSeat(tenderId, section, kind, msg.sender);",
            ),
        ),
    ),
    Mutant(
        "a seat may commit a second vote in a round",
        "SelectionBook.t.sol",
        "invariant_votesOnlyBySeatedMembersOncePerRound",
        "contracts/SelectionBook.sol",
        (
            (
                (
                    "        uint32 committed = r.committed;\n"
                    "        if (committed & bit != 0) revert SeatAlreadyCommitted(tenderId, section, msg.sender);\n"
                ),
                "        uint32 committed = r.committed;\n",
            ),
        ),
    ),
    Mutant(
        "a vote is revealed without checking it against its commitment",
        "SelectionBook.t.sol",
        "invariant_revealsMatchCommitments",
        "contracts/SelectionBook.sol",
        (
            (
                (
                    "        bytes32 expected = SelectionHash.voteCommitment(tenderId, section, round, msg.sender, candidate, salt);\n"
                    "        if (expected != votes[msg.sender]) revert VoteMismatch(tenderId, section, round, msg.sender);\n"
                ),
                "",
            ),
        ),
    ),
    Mutant(
        "a score sheet is revealed without checking it against its commitment",
        "SelectionBook.t.sol",
        "invariant_revealsMatchCommitments",
        "contracts/SelectionBook.sol",
        (
            (
                (
                    "        if (SelectionHash.sheetCommitment(tenderId, section, msg.sender, salt, sheetHash) != sheets[msg.sender]) {\n"
                    "            revert SheetMismatch(tenderId, section, msg.sender);\n"
                    "        }\n"
                ),
                "",
            ),
        ),
    ),
]


def _invariants() -> dict[str, list[str]]:
    """Every invariant_* function, by suite file."""
    return {
        p.name: re.findall(r"function (invariant_\w+)\(", p.read_text())
        for p in sorted(SUITES.glob("*.t.sol"))
    }


def _forge(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.skip("`node` is not on PATH: forge compiles with solc-js under Node.js")
    assert FORGE is not None, (
        "forge is not installed: run `npm ci` (package.json: @foundry-rs/forge)"
    )
    # A proxy that refuses connections: any attempt to download a compiler or library fails.
    env = dict(
        os.environ, NO_COLOR="1", HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9"
    )
    return subprocess.run(
        [str(FORGE), "test", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def test_every_invariant_has_a_mutant_that_breaks_it() -> None:
    suites = _invariants()
    assert sum(len(v) for v in suites.values()) >= 10
    covered = {(m.suite, m.invariant) for m in MUTANTS}
    missing = [(s, i) for s, names in suites.items() for i in names if (s, i) not in covered]
    assert not missing, f"invariants without a mutant: {missing}"
    unknown = [
        (m.suite, m.invariant) for m in MUTANTS if m.invariant not in suites.get(m.suite, [])
    ]
    assert not unknown, f"mutants of invariants that do not exist: {unknown}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.invariant)
def test_every_mutant_still_applies_to_the_sources(mutant: Mutant) -> None:
    text = (ROOT / mutant.source).read_text()
    for old, _ in mutant.edits:
        assert text.count(old) == 1, (
            f"{mutant.source} changed: re-plant the bug '{mutant.bug}' (text not found once: {old!r})"
        )


@pytest.fixture(scope="module")
def real_run() -> subprocess.CompletedProcess[str]:
    """forge over every suite on the real contracts (its build is reused by the mutants)."""
    return _forge(ROOT)


@pytest.mark.slow
def test_every_invariant_holds_on_the_contracts(real_run: subprocess.CompletedProcess[str]) -> None:
    out = real_run.stdout + real_run.stderr
    assert real_run.returncode == 0 and "[FAIL" not in out, out[-6000:]
    for suite, names in _invariants().items():
        for name in names:
            assert re.search(rf"\[PASS\] {name}\(\) \(runs: \d+", out), (
                f"{suite}: {name} did not run"
            )


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.invariant)
def test_the_fuzzer_catches_the_planted_bug(
    mutant: Mutant, real_run: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    assert real_run.returncode == 0, "the invariants fail on the real contracts"
    copy = tmp_path / "mutant"
    copy.mkdir()
    for name in ("contracts", "invariants"):
        shutil.copytree(ROOT / name, copy / name)
    (copy / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "solc_native.js", copy / "scripts")
    shutil.copy2(ROOT / "foundry.toml", copy)
    (copy / "node_modules").symlink_to(ROOT / "node_modules")
    # The real run's build: only the mutated source and what imports it are compiled again.
    for part in ("cache", "out"):
        if (ROOT / "build" / "forge" / part).exists():
            shutil.copytree(ROOT / "build" / "forge" / part, copy / "build" / "forge" / part)
    source = copy / mutant.source
    text = source.read_text()
    for old, new in mutant.edits:
        assert text.count(old) == 1, f"{mutant.source} changed: re-plant the bug '{mutant.bug}'"
        text = text.replace(old, new)
    source.write_text(text)

    proc = _forge(
        copy, "--match-path", f"invariants/{mutant.suite}", "--match-test", mutant.invariant
    )
    out = proc.stdout + proc.stderr
    assert "Compiler run successful" in out or "No files changed" in out, out[-4000:]
    assert proc.returncode != 0, f"the fuzzer missed the planted bug '{mutant.bug}':\n{out[-3000:]}"
    # Only that invariant ran: it is the one that failed (forge prints the failing call sequence).
    assert "[FAIL" in out and f"{mutant.invariant}()" in out and " 1 failed" in out, out[-3000:]
