"""Every public function of CredentialRegistry, TenderBook, GuaranteeBook, SelectionBook,
LotteryBook, PerformanceBook and CheckpointBook costs no more gas than contracts/gas-snapshot.json says, and none
is missing from it.

A change that costs more fails until the snapshot is updated on purpose:
`.venv/bin/python -m tools.bench.gas_snapshot --update`, then commit the file with the change.
"""

from __future__ import annotations

import json
import warnings

from ledger.chain.contracts import load_artifact
from tools.bench.gas_snapshot import SNAPSHOT, measure

COVERED = {"CredentialRegistry", "TenderBook", "GuaranteeBook", "SelectionBook", "LotteryBook", "PerformanceBook",
           "CheckpointBook"}


def test_no_function_costs_more_gas_than_the_snapshot() -> None:
    committed = json.loads(SNAPSHOT.read_text())
    measured = measure()
    assert set(measured) == set(committed), "contracts differ: update the snapshot"
    for contract, figures in measured.items():
        old = committed[contract]
        assert set(figures) == set(old), f"{contract}: functions differ from the snapshot; update it"
        risen = {k: (old[k], v) for k, v in figures.items() if v > old[k]}
        assert not risen, f"{contract}: gas rose above the snapshot (was, now): {risen}"
        fallen = {k: (old[k], v) for k, v in figures.items() if v < old[k]}
        if fallen:
            warnings.warn(f"{contract}: gas fell (was, now) {fallen}; run `python -m tools.bench.gas_snapshot "
                          "--update` to lock it in", stacklevel=1)


def test_the_snapshot_holds_every_public_function_of_each_covered_contract() -> None:
    """A function added to a contract without a scenario step (or a view) fails here."""
    committed = json.loads(SNAPSHOT.read_text())
    assert set(committed) == COVERED
    for contract, figures in committed.items():
        public = {f["name"] for f in load_artifact(contract)["abi"] if f["type"] == "function"}
        measured = {name.split(" (")[0] for name in figures}
        assert measured == public, f"{contract}: missing {public - measured}, unknown {measured - public}"
