"""The embedded chain keeps every acknowledged write through restarts and kill -9, exactly once."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.config import Settings
from ledger.runtime import open_runtime

ROOT = Path(__file__).resolve().parents[2]


def _run_writer_and_kill(data_dir: Path, acks_before_kill: int, extra_delay: float) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.writer_proc", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    acked: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("ACK "):
            acked.append(line.split()[1])
            if len(acked) >= acks_before_kill:
                break
    time.sleep(extra_delay)  # land the kill anywhere inside the next write
    proc.send_signal(signal.SIGKILL)
    # Lines written before the kill are acknowledged writes too.
    rest = proc.stdout.read()
    proc.wait()
    acked += [ln.split()[1] for ln in rest.splitlines() if ln.startswith("ACK ")]
    return acked


def _anchored_roots(data_dir: Path) -> tuple[list[str], int]:
    with open_runtime(Settings(data_dir=data_dir)) as rt:
        reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
        events = reg.events.Anchored.get_logs(from_block=0, to_block="latest")
        return [e["args"]["root"].hex() for e in events], rt.client.block_number()


@pytest.mark.slow
def test_kill_9_at_random_points_loses_no_acknowledged_write_and_applies_none_twice(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261127)
    data_dir = tmp_path / "data"
    all_acked: list[str] = []
    for _round in range(6):
        all_acked += _run_writer_and_kill(data_dir, rng.randint(1, 25), rng.random() * 0.02)
        roots, _ = _anchored_roots(data_dir)
        assert len(roots) == len(set(roots)), "a write was applied twice"
        missing = set(all_acked) - set(roots)
        assert not missing, f"acknowledged writes lost: {sorted(missing)[:3]}"
        # At most the one write that was in flight at each kill may exist unacknowledged.
        assert len(roots) - len(all_acked) <= _round + 1


def test_a_restart_keeps_blocks_balances_receipts_and_logs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with open_runtime(Settings(data_dir=data_dir)) as rt:
        reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, 1)
        receipt = rt.client.send(rt.centre, reg.functions.anchor_wU2(b"\x11" * 32, 1))
        head, balance = rt.client.block_number(), rt.client.balance(rt.centre.address)
        address = reg.address
    with open_runtime(Settings(data_dir=data_dir)) as rt:
        assert rt.addresses["CredentialRegistry"] == address
        assert rt.client.block_number() == head
        assert rt.client.balance(rt.centre.address) == balance
        again = rt.client.w3.eth.get_transaction_receipt(receipt["transactionHash"])
        assert again["blockNumber"] == receipt["blockNumber"] and again["status"] == 1
        reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
        issuer, kind, at = rt.client.call(reg.functions.anchorOf(b"\x11" * 32))
        assert issuer == rt.centre.address and kind == 1 and at > 0
        assert len(reg.events.Anchored.get_logs(from_block=0, to_block="latest")) == 1
        # and the chain keeps going from where it stopped
        rt.client.send(rt.centre, reg.functions.anchor_wU2(b"\x12" * 32, 1))
        assert rt.client.block_number() == head + 1
