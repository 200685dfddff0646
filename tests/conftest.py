"""Shared fixtures.

`chain` yields a `ChainEnv`: a web3 instance on a real EVM plus funded local accounts that
sign their own transactions. It is parametrised over every backend the ledger supports.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "ledger" / "artifacts"


@dataclass
class ChainEnv:
    """A web3 connection plus funded accounts; `deploy` and `send` sign locally."""

    w3: Web3
    accounts: list[LocalAccount]
    _nonces: dict[str, int] = field(default_factory=dict)

    def artifact(self, name: str) -> dict[str, Any]:
        return json.loads((ARTIFACTS / f"{name}.json").read_text())

    def send(self, account: LocalAccount, tx: dict[str, Any]) -> Any:
        """Sign `tx` with `account`, send it, return the receipt (raises on revert)."""
        tx = dict(tx)
        tx.setdefault("from", account.address)
        tx.setdefault("nonce", self.w3.eth.get_transaction_count(account.address))
        tx.setdefault("chainId", self.w3.eth.chain_id)
        tx.setdefault("gasPrice", self.w3.eth.gas_price)
        if "gas" not in tx:
            tx["gas"] = self.w3.eth.estimate_gas(tx)
        signed = account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)

    def deploy(self, name: str, *args: Any, sender: LocalAccount | None = None) -> Any:
        art = self.artifact(name)
        sender = sender or self.accounts[0]
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        tx = factory.constructor(*args).build_transaction({"from": sender.address})
        receipt = self.send(sender, tx)
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"])

    def transact(self, fn: Any, account: LocalAccount) -> Any:
        """Build, sign and send a contract function call as `account`."""
        tx = fn.build_transaction({"from": account.address})
        return self.send(account, tx)


def _eth_tester_env() -> ChainEnv:
    # Temporary backend until the ledger's embedded chain lands; same py-evm, Cancun rules.
    from eth.vm.forks import CancunVM
    from eth_tester import EthereumTester, PyEVMBackend

    backend = PyEVMBackend(vm_configuration=((0, CancunVM),))
    tester = EthereumTester(backend)
    w3 = Web3(Web3.EthereumTesterProvider(tester))
    funder = w3.eth.accounts[0]
    accounts = [Account.create() for _ in range(8)]
    for acct in accounts:
        w3.eth.send_transaction({"from": funder, "to": acct.address, "value": 10**21})
    return ChainEnv(w3=w3, accounts=accounts)


@pytest.fixture
def chain() -> ChainEnv:
    return _eth_tester_env()
