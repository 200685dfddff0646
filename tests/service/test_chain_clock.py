"""The embedded chain's clock: block time never runs backwards, and it can be moved forward only on
a chain created with a development clock. The mode is in the genesis block (under the genesis
hash), so neither an edited time offset nor an edited mode gets a production chain to shift time:
the attacks below each try to land a bid after the deadline, and each is refused."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rlp
from eth.db.schema import SchemaV1
from eth_account import Account
from eth_typing import BlockNumber

from ledger.chain.client import ChainClient
from ledger.chain.embedded import ChainError, ClockMode, EmbeddedChain, genesis_extra_data
from ledger.config import Settings
from ledger.errors import ClockLocked, ConfigurationError, CorruptDataDir
from ledger.runtime import open_runtime
from tests.scenes import Scene

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400
FUNDS = 10**24


def _chain(path: Path, clock: str) -> tuple[ChainClient, Account]:
    sender = Account.create()
    chain = EmbeddedChain.create(path, chain_id=1337, alloc={sender.address: FUNDS}, clock=clock)
    return ChainClient.for_embedded(chain), sender


def _mine(client: ChainClient, sender: Account) -> int:
    """Mine one transfer; its block's timestamp."""
    receipt = client.fund(sender, Account.create().address, 1)
    return client.block_timestamp(int(receipt["blockNumber"]))


def _set_meta(chain_file: Path, name: str, value: str) -> None:
    with sqlite3.connect(chain_file) as conn:
        conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], cwd=ROOT, env=clean | env,
                          capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------------- the mode, fixed at creation


def test_the_clock_mode_is_in_the_genesis_block_and_a_new_chain_defaults_to_production(tmp_path: Path) -> None:
    client, _ = _chain(tmp_path / "prod.sqlite", "production")
    assert client.embedded is not None and client.embedded.clock is ClockMode.PRODUCTION
    assert bytes(client.w3.eth.get_block(0)["extraData"]) == genesis_extra_data(ClockMode.PRODUCTION)
    client.close()
    chain = EmbeddedChain.create(tmp_path / "default.sqlite", chain_id=1337, alloc={})
    assert chain.clock is ClockMode.PRODUCTION
    chain.close()
    client, _ = _chain(tmp_path / "dev.sqlite", "development")
    assert bytes(client.w3.eth.get_block(0)["extraData"]) == genesis_extra_data(ClockMode.DEVELOPMENT)
    client.close()


def test_a_data_directory_made_without_a_setting_is_production_and_the_demos_is_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tools.demo import demo_settings

    monkeypatch.delenv("TL_CHAIN_CLOCK", raising=False)
    assert Settings().chain_clock == "production"
    with open_runtime(Settings(data_dir=tmp_path / "served")) as rt:  # what `tender-ledger serve` opens
        assert rt.client.embedded is not None and rt.client.embedded.clock is ClockMode.PRODUCTION
    assert demo_settings(tmp_path / "demo").chain_clock == "development"


def test_asking_for_a_development_clock_on_a_production_data_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with open_runtime(Settings(data_dir=tmp_path / "data", chain_clock="production")):
        pass
    with pytest.raises(ConfigurationError, match="created with a production clock"):
        open_runtime(Settings(data_dir=tmp_path / "data", chain_clock="development"))
    # Left unset, the setting does not matter: the chain's own mode holds.
    monkeypatch.delenv("TL_CHAIN_CLOCK", raising=False)
    with open_runtime(Settings(data_dir=tmp_path / "data")) as rt:
        assert rt.client.embedded is not None and rt.client.embedded.clock is ClockMode.PRODUCTION


# ---------------------------------------------------------------------- production: no shifting


def test_a_production_chain_refuses_to_move_its_clock_and_says_it_is_development_only(tmp_path: Path) -> None:
    client, sender = _chain(tmp_path / "chain.sqlite", "production")
    before = client.block_number()
    with pytest.raises(ClockLocked, match="development-only"):
        client.increase_time(30 * DAY)
    with pytest.raises(ClockLocked, match="development-only"):
        client.set_next_block_timestamp(client.block_timestamp() + 30 * DAY)
    assert client.block_number() == before  # not even the block `increase_time` mines
    assert _mine(client, sender) <= int(time.time()) + 1
    client.close()


def test_a_late_bid_after_editing_the_time_offset_of_a_production_chain_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TL_CHAIN_CLOCK", "production")
    with Scene.served(tmp_path) as scene:
        tender = scene.tender()
        with pytest.raises(ClockLocked):
            scene.rt.client.increase_time(tender.deadline - scene.rt.client.block_timestamp() + 1)
    chain_file = tmp_path / "data" / "chain.sqlite"
    # The attacker, with the service stopped, moves the clock 22 days on in the chain file.
    _set_meta(chain_file, "time_offset", str(22 * DAY))
    with pytest.raises(CorruptDataDir, match="clock shift of 1900800 s"):
        open_runtime(Settings(data_dir=tmp_path / "data"))
    result = _cli("status", env={"TL_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 3 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "production clock" in result.stderr
    # Put back, the chain opens with block time on the wall clock: the tender is still open.
    with sqlite3.connect(chain_file) as conn:
        conn.execute("DELETE FROM meta WHERE name = 'time_offset'")
    with open_runtime(Settings(data_dir=tmp_path / "data")) as rt:
        assert rt.client.block_timestamp() < tender.deadline
        assert rt.tender_book.header(bytes.fromhex(tender.tid[2:])).deadline == tender.deadline


def test_flipping_the_clock_mode_in_the_genesis_block_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    client, sender = _chain(path, "production")
    _mine(client, sender)
    client.close()
    # Rewrite the genesis header with a development clock, make it canonical and record its hash.
    chain = EmbeddedChain.open(path)
    kv = chain.store.kv
    genesis = chain._chain.get_canonical_block_header_by_number(BlockNumber(0))
    forged = genesis.copy(extra_data=genesis_extra_data(ClockMode.DEVELOPMENT))
    kv[forged.hash] = rlp.encode(forged)
    kv[SchemaV1.make_block_number_to_hash_lookup_key(BlockNumber(0))] = rlp.encode(forged.hash, sedes=rlp.sedes.binary)
    chain.store.commit_block(meta={"genesis_hash": forged.hash.hex(), "time_offset": str(22 * DAY)})
    chain.close()
    with pytest.raises(ChainError, match="does not descend from the genesis block"):
        EmbeddedChain.open(path)
    # And with the recorded hash left alone, the forged genesis does not match it.
    chain_file_meta = sqlite3.connect(path)
    chain_file_meta.execute("UPDATE meta SET value = ? WHERE name = 'genesis_hash'", (genesis.hash.hex(),))
    chain_file_meta.commit()
    chain_file_meta.close()
    with pytest.raises(ChainError, match="does not match the recorded genesis hash"):
        EmbeddedChain.open(path)


# ---------------------------------------------------------------------- never backwards


def test_block_time_never_runs_back_when_the_wall_clock_does_even_across_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "chain.sqlite"
    client, sender = _chain(path, "production")
    high = _mine(client, sender)
    wall = time.time
    monkeypatch.setattr("ledger.chain.embedded.time.time", lambda: wall() - 3 * 3_600)  # NTP steps back 3 h
    assert _mine(client, sender) >= high
    client.close()
    client = ChainClient.for_embedded(EmbeddedChain.open(path))
    stamps = [_mine(client, sender) for _ in range(3)]
    assert stamps == sorted(stamps) and stamps[0] >= high
    # A call runs at the time the next block would get, never before the head.
    assert client.block_timestamp() >= high
    client.close()


def test_a_development_clock_only_moves_forward_and_keeps_its_shift_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    client, sender = _chain(path, "development")
    start = client.block_timestamp()
    client.increase_time(21 * DAY)
    moved = client.block_timestamp()
    assert moved >= start + 21 * DAY
    with pytest.raises(ClockLocked, match="only moves forward"):
        client.increase_time(-DAY)
    with pytest.raises(ClockLocked, match="before the head block"):
        client.set_next_block_timestamp(moved - 1)
    client.set_next_block_timestamp(moved + DAY)
    assert _mine(client, sender) == moved + DAY
    client.close()
    client = ChainClient.for_embedded(EmbeddedChain.open(path))
    assert _mine(client, sender) >= moved + DAY
    client.close()


def test_the_clock_command_moves_only_a_development_data_directorys_clock(tmp_path: Path) -> None:
    prod, dev = tmp_path / "prod", tmp_path / "dev"
    refused = _cli("clock", "--advance", "21d", env={"TL_DATA_DIR": str(prod)})  # created now: production
    assert refused.returncode == 3 and refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
    assert "development-only" in refused.stderr
    shown = _cli("clock", "--json", env={"TL_DATA_DIR": str(prod)})
    assert shown.returncode == 0 and '"clock": "production"' in shown.stdout
    first = _cli("clock", "--json", env={"TL_DATA_DIR": str(dev), "TL_CHAIN_CLOCK": "development"})
    moved = _cli("clock", "--advance", "21d", "--json", env={"TL_DATA_DIR": str(dev)})
    assert moved.returncode == 0, moved.stderr
    before, after = json.loads(first.stdout), json.loads(moved.stdout)
    assert after["clock"] == "development" and after["block_timestamp"] >= before["block_timestamp"] + 21 * DAY


def test_block_times_read_in_bulk_are_the_headers_times_and_an_unknown_block_is_refused(tmp_path: Path) -> None:
    client, sender = _chain(tmp_path / "chain.sqlite", "development")
    for days in (0, 3, 40):  # blocks whose times differ, some across a moved clock
        client.increase_time(days * DAY)
        _mine(client, sender)
    chain = client.embedded
    assert chain is not None
    head = chain.block_number()
    times = chain.timestamps(range(head + 1))
    assert times == {b: chain.timestamp(b) for b in range(head + 1)} and len(set(times.values())) > 2
    with pytest.raises(ChainError, match=f"block {head + 1} not found"):
        chain.timestamps([0, head + 1])
    client.close()
