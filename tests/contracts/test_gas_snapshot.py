"""Every public function of CredentialRegistry, TenderBook and GuaranteeBook costs no more gas than
contracts/gas-snapshot.json says (SelectionBook and LotteryBook are not in it yet).

A change that costs more fails until the snapshot is updated on purpose:
`.venv/bin/python -m tools.bench.gas_snapshot --update`, then commit the file with the change.
"""

from __future__ import annotations

import json
import warnings

from tools.bench.gas_snapshot import SNAPSHOT, measure


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
