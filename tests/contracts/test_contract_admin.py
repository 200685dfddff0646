"""One behaviour suite for the admin role every deployed contract inherits (AdminControl):
run against CredentialRegistry, TenderBook and GuaranteeBook, on the embedded chain and anvil."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ledger.errors import ContractRevert
from tests.conftest import ChainEnv

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass
class Subject:
    """A deployed contract, how its admin grants a role, and how to read that role back."""

    contract: Contract
    grant: Callable[[str], Any]  # account address → the admin-only function granting it a role
    holds: Callable[[str], bool]  # account address → whether it holds that role


def _deploy(chain: ChainEnv, name: str, admin: str) -> Contract:
    if name == "GuaranteeBook":
        book = chain.deploy("TenderBook", chain.accounts[0].address)
        lottery = chain.deploy("LotteryBookDouble")
        selection = chain.deploy("SelectionBook", chain.accounts[0].address, book.address, lottery.address)
        return chain.deploy(name, admin, book.address, selection.address)
    return chain.deploy(name, admin)


def _subject(chain: ChainEnv, name: str, admin: LocalAccount) -> Subject:
    c = _deploy(chain, name, admin.address)
    f = c.functions
    if name == "CredentialRegistry":
        return Subject(c, lambda a: f.authoriseIssuer(a, 4), lambda a: f.isAuthorised(a, 4).call())
    if name == "TenderBook":
        return Subject(c, f.authoriseCentre, lambda a: f.isCentre(a).call())
    return Subject(c, lambda a: f.authoriseIssuer(a, 0), lambda a: f.isAuthorised(a, 0).call())


CONTRACTS = ["CredentialRegistry", "TenderBook", "GuaranteeBook"]


def _fails(chain: ChainEnv, fn: Any, caller: LocalAccount) -> tuple[str, tuple[Any, ...]]:
    with pytest.raises(ContractRevert) as info:
        chain.transact(fn, caller)
    return info.value.error, tuple(info.value.args_.values())


def _events(contract: Contract, receipt: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for log in receipt["logs"]:
        for event in (contract.events.AdminTransferStarted, contract.events.AdminTransferred):
            try:
                decoded = event().process_log(log)
            except Exception:
                continue
            out.append((decoded["event"], dict(decoded["args"])))
    return out


@pytest.mark.parametrize("name", CONTRACTS)
def test_the_zero_address_cannot_be_made_admin(chain: ChainEnv, name: str) -> None:
    with pytest.raises(ContractRevert) as info:
        _deploy(chain, name, ZERO_ADDRESS)
    assert (info.value.error, tuple(info.value.args_.values())) == ("InvalidAdmin", (ZERO_ADDRESS,))


@pytest.mark.parametrize("name", CONTRACTS)
def test_the_admin_role_moves_in_two_steps_and_only_the_proposed_admin_can_accept(
    chain: ChainEnv, name: str
) -> None:
    old, new, outsider, other = chain.accounts[1], chain.accounts[5], chain.accounts[6], chain.accounts[7]
    s = _subject(chain, name, old)
    f = s.contract.functions
    for caller in (outsider, new):
        assert _fails(chain, f.transferAdmin(new.address), caller) == ("NotAdmin", (caller.address,))

    receipt = chain.transact(f.transferAdmin(new.address), old)
    assert (f.admin().call(), f.pendingAdmin().call()) == (old.address, new.address)
    assert _events(s.contract, receipt) == [
        ("AdminTransferStarted", {"previousAdmin": old.address, "pendingAdmin": new.address})
    ]
    assert not any(s.holds(a.address) for a in (old, new, outsider, other))  # nothing else moved

    for caller in (old, outsider):
        assert _fails(chain, f.acceptAdmin(), caller) == ("NotPendingAdmin", (caller.address,))
    receipt = chain.transact(f.acceptAdmin(), new)
    assert (f.admin().call(), f.pendingAdmin().call()) == (new.address, ZERO_ADDRESS)
    assert _events(s.contract, receipt) == [
        ("AdminTransferred", {"previousAdmin": old.address, "newAdmin": new.address})
    ]

    assert _fails(chain, s.grant(other.address), old) == ("NotAdmin", (old.address,))
    chain.transact(s.grant(other.address), new)
    assert s.holds(other.address)


@pytest.mark.parametrize("name", CONTRACTS)
def test_the_admin_can_replace_or_cancel_a_proposed_transfer(chain: ChainEnv, name: str) -> None:
    admin, first, second = chain.accounts[1], chain.accounts[5], chain.accounts[6]
    f = _subject(chain, name, admin).contract.functions
    chain.transact(f.transferAdmin(first.address), admin)
    chain.transact(f.transferAdmin(second.address), admin)
    assert _fails(chain, f.acceptAdmin(), first) == ("NotPendingAdmin", (first.address,))
    chain.transact(f.transferAdmin(ZERO_ADDRESS), admin)
    assert _fails(chain, f.acceptAdmin(), second) == ("NotPendingAdmin", (second.address,))
    assert f.admin().call() == admin.address
