"""Bad data directories and unusable nodes: a clear message, a non-zero exit, nothing damaged."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from ledger.config import Settings
from ledger.runtime import open_runtime
from tests.nodes import AnvilNode, free_port

ROOT = Path(__file__).resolve().parents[2]
EXIT_CONFIG = 3


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _snapshot(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _assert_refused(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    for phrase in phrases:
        assert phrase in result.stderr


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    with open_runtime(Settings(data_dir=path)):
        pass
    return path


def test_an_existing_data_directory_opens_and_reports_its_chain(ledger_dir: Path) -> None:
    result = _cli("status", "--json", env={"TL_DATA_DIR": str(ledger_dir)})
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["chain_id"] == 1337 and status["backend"] == "embedded"
    # Eight deployments, and the centre's appointment: proposed, approved twice, executed.
    assert status["block_number"] == 12
    assert status["governance_threshold"] == "3 of 4" and status["governance_keys_held_here"] == 4


def test_a_foreign_directory_is_refused_and_left_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8 not ours")
    before = _snapshot(foreign)
    _assert_refused(
        _cli("status", env={"TL_DATA_DIR": str(foreign)}), "not a tender-ledger data directory"
    )
    assert _snapshot(foreign) == before


def test_a_corrupt_chain_file_is_refused_and_left_untouched(ledger_dir: Path) -> None:
    chain = ledger_dir / "chain.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(str(chain) + suffix).unlink(missing_ok=True)
    chain.write_bytes(b"garbage" * 1000)
    before = _snapshot(ledger_dir)
    _assert_refused(_cli("status", env={"TL_DATA_DIR": str(ledger_dir)}), "chain.sqlite")
    assert _snapshot(ledger_dir) == before


def test_a_foreign_sqlite_file_in_place_of_the_chain_is_refused(ledger_dir: Path) -> None:
    import sqlite3

    chain = ledger_dir / "chain.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(chain) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(chain)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.commit()
    conn.close()
    before = _snapshot(ledger_dir)
    _assert_refused(
        _cli("status", env={"TL_DATA_DIR": str(ledger_dir)}), "not a tender-ledger chain database"
    )
    assert _snapshot(ledger_dir) == before


def test_a_directory_written_by_a_newer_version_is_refused(ledger_dir: Path) -> None:
    marker = ledger_dir / "tender-ledger.json"
    marker.write_text(json.dumps({"format": 99, "software": "tender-ledger"}))
    before = _snapshot(ledger_dir)
    _assert_refused(
        _cli("status", env={"TL_DATA_DIR": str(ledger_dir)}), "newer tender-ledger", "upgrade"
    )
    assert _snapshot(ledger_dir) == before


def test_a_directory_in_use_by_another_process_is_refused(ledger_dir: Path) -> None:
    with open_runtime(Settings(data_dir=ledger_dir)):
        _assert_refused(_cli("status", env={"TL_DATA_DIR": str(ledger_dir)}), "in use")


def test_a_node_url_that_does_not_answer_exits_with_a_message(tmp_path: Path) -> None:
    env = {
        "TL_DATA_DIR": str(tmp_path / "d"),
        "TL_RPC_URL": f"http://127.0.0.1:{free_port()}",
        "TL_SIGNER_KEY": Account.create().key.hex(),
        "TL_RPC_TIMEOUT_S": "2",
    }
    _assert_refused(_cli("status", env=env), "does not answer")


@pytest.mark.slow  # a real anvil node: the JSON-RPC path runs in the slow tier
@pytest.mark.node
def test_a_node_with_the_wrong_chain_id_is_refused(tmp_path: Path, anvil: AnvilNode) -> None:
    env = {
        "TL_DATA_DIR": str(tmp_path / "d"),
        "TL_RPC_URL": anvil.url,
        "TL_CHAIN_ID": "5",
        "TL_SIGNER_KEY": Account.create().key.hex(),
    }
    _assert_refused(_cli("status", env=env), "serves chain id 31337", "chain id 5 is configured")


@pytest.mark.slow  # a real anvil node: the JSON-RPC path runs in the slow tier
@pytest.mark.node
def test_a_signing_key_with_no_funds_is_refused_before_anything_is_written(
    tmp_path: Path, anvil: AnvilNode
) -> None:
    broke = Account.create()
    env = {
        "TL_DATA_DIR": str(tmp_path / "d"),
        "TL_RPC_URL": anvil.url,
        "TL_SIGNER_KEY": broke.key.hex(),
    }
    _assert_refused(_cli("status", env=env), broke.address, "no funds")
    assert not (tmp_path / "d" / "deployments.json").exists()


@pytest.mark.slow  # a real anvil node: the JSON-RPC path runs in the slow tier
@pytest.mark.node
def test_a_funded_key_on_a_node_deploys_once_and_reuses_the_deployment(
    tmp_path: Path, anvil: AnvilNode
) -> None:
    key = Account.create()
    anvil.set_balance(key.address, 10**21)
    env = {
        "TL_DATA_DIR": str(tmp_path / "d"),
        "TL_RPC_URL": anvil.url,
        "TL_SIGNER_KEY": key.key.hex(),
    }
    first = _cli("status", "--json", env=env)
    assert first.returncode == 0, first.stderr
    second = _cli("status", "--json", env=env)
    assert (
        json.loads(first.stdout)["contract_CredentialRegistry"]
        == json.loads(second.stdout)["contract_CredentialRegistry"]
    )


@pytest.mark.slow  # a real anvil node: the JSON-RPC path runs in the slow tier
@pytest.mark.node
def test_an_invalid_signer_key_is_a_configuration_error(tmp_path: Path, anvil: AnvilNode) -> None:
    env = {"TL_DATA_DIR": str(tmp_path / "d"), "TL_RPC_URL": anvil.url, "TL_SIGNER_KEY": "0x1234"}
    _assert_refused(_cli("status", env=env), "TL_SIGNER_KEY")


def test_serve_on_a_damaged_store_exits_with_one_error_line_and_touches_nothing(ledger_dir: Path) -> None:
    (ledger_dir / "ledger.sqlite").write_bytes(os.urandom(4096))  # not a database any more
    before = _snapshot(ledger_dir)
    result = _cli("serve", "--port", str(free_port()), env={"TL_DATA_DIR": str(ledger_dir)})
    _assert_refused(result, "ledger.sqlite", "cannot be used")
    assert len(result.stderr.strip().splitlines()) == 1
    assert _snapshot(ledger_dir) == before
