"""Shared fixtures.

`chain` yields a `ChainEnv` (web3 on a real EVM plus funded local accounts that sign their own
transactions), once on the embedded py-evm chain and once on a real anvil node process: every
test that uses it runs on both backends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
# The suite moves chains past 20-day deadlines: data directories it creates get a development
# clock (the production default has its own tests, which say so explicitly).
os.environ.setdefault("TL_CHAIN_CLOCK", "development")

from eth_account import Account  # noqa: E402
from eth_account.signers.local import LocalAccount  # noqa: E402
from web3 import Web3  # noqa: E402

from ledger.chain.embedded import EmbeddedChain  # noqa: E402
from ledger.chain.client import ChainClient  # noqa: E402
from tests.nodes import AnvilNode  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "ledger" / "artifacts"
FUNDS = 10**24
# The embedded chain runs in the fast tier; the same tests on a real anvil node process are
# integration tests of the JSON-RPC path and run in the slow tier (CI runs both).
BACKENDS = ["embedded", pytest.param("anvil", marks=[pytest.mark.slow, pytest.mark.node])]


@dataclass
class ChainEnv:
    """A chain client plus funded accounts; `deploy`, `send` and `transact` sign locally."""

    client: ChainClient
    accounts: list[LocalAccount]
    backend: str

    @property
    def w3(self) -> Web3:
        return self.client.w3

    def artifact(self, name: str) -> dict[str, Any]:
        return json.loads((ARTIFACTS / f"{name}.json").read_text())

    def send(self, account: LocalAccount, tx: dict[str, Any]) -> Any:
        """Sign `tx` with `account`, send it, return the receipt (raises on revert)."""
        return self.client.send(account, tx)

    def deploy(self, name: str, *args: Any, sender: LocalAccount | None = None) -> Any:
        contract, _ = self.client.deploy(name, *args, sender=sender or self.accounts[0])
        return contract

    def transact(self, fn: Any, account: LocalAccount) -> Any:
        """Build, sign and send a contract function call as `account`."""
        return self.client.send(account, fn)

    def new_account(self, funds: int = FUNDS) -> LocalAccount:
        account = Account.create()
        if funds:
            self.client.fund(self.accounts[0], account.address, funds)
        return account

    def increase_time(self, seconds: int) -> None:
        self.client.increase_time(seconds)

    def set_next_block_timestamp(self, timestamp: int) -> None:
        self.client.set_next_block_timestamp(timestamp)


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilNode]:
    node = AnvilNode()
    yield node
    node.stop()


def _embedded_env(tmp_path: Path) -> ChainEnv:
    accounts = [Account.create() for _ in range(8)]
    chain = EmbeddedChain.create(
        tmp_path / "chain.sqlite", chain_id=1337, alloc={a.address: FUNDS for a in accounts},
        clock="development",
    )
    return ChainEnv(ChainClient.for_embedded(chain), accounts, "embedded")


def _anvil_env(node: AnvilNode) -> ChainEnv:
    accounts = [Account.create() for _ in range(8)]
    for a in accounts:
        node.set_balance(a.address, FUNDS)
    return ChainEnv(ChainClient.for_node(node.url, expected_chain_id=node.chain_id), accounts, "anvil")


@pytest.fixture(params=BACKENDS)
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChainEnv]:
    if request.param == "embedded":
        env = _embedded_env(tmp_path)
    else:
        env = _anvil_env(request.getfixturevalue("anvil"))
    yield env
    env.client.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A PostgreSQL server; required in CI, skipped locally only if no server binaries exist."""
    from tools.localnet import PostgresServer, find_bindir

    url = os.environ.get("TL_TEST_POSTGRES_URL")
    if url:
        yield _ExternalPostgres(url)
        return
    if find_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI: .ci/run installs them")
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer()
    yield server
    server.stop()


class _ExternalPostgres:
    def __init__(self, url: str) -> None:
        self.admin_url = url

    def new_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.postgres])])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The off-chain store's URL: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    import uuid

    server = request.getfixturevalue("postgres")
    return str(server.new_database(f"t_{uuid.uuid4().hex[:12]}"))
