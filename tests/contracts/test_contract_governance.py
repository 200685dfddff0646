"""Governance: an M-of-N of named bodies is the admin of every contract, so no single key — not a
lone member, not the relayer that pays for transactions — can authorise, withdraw or appoint.
Each test tries one way around the threshold; run on the embedded chain and on anvil."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ledger.chain.gateway import Gateway
from ledger.chain.governance import GovernanceGateway, proposal_id
from ledger.chain.registry import RegistryGateway
from ledger.errors import ContractRevert
from ledger.model.governance import ProposalState
from ledger.service.governance import enact
from tests.conftest import ChainEnv

NAMES = ["市住房和城乡建设局", "市市场监督管理局", "市社会信用体系建设办公室", "市公共资源交易中心"]
SALT = b"\x01" * 32
QUALIFICATION = 1


@dataclass
class Consortium:
    chain: ChainEnv
    members: list[LocalAccount]
    relayer: LocalAccount
    gov: GovernanceGateway
    registry: RegistryGateway
    registry_contract: Contract

    def call(self, target: Gateway, function: str, *args: Any) -> Any:
        return self.gov.call_of(target, function, *args)


@pytest.fixture
def consortium(chain: ChainEnv) -> Consortium:
    relayer, *members = chain.accounts[:5]
    gov_contract = chain.deploy("Governance", [m.address for m in members], NAMES, 3, sender=relayer)
    registry = chain.deploy("CredentialRegistry", gov_contract.address, sender=relayer)
    return Consortium(chain, members, relayer, GovernanceGateway(chain.client, gov_contract.address),
                      RegistryGateway(chain.client, registry.address), registry)


def _fails(fn: Any) -> ContractRevert:
    with pytest.raises(ContractRevert) as info:
        fn()
    return info.value


def test_members_names_and_threshold_are_on_chain(consortium: Consortium) -> None:
    c = consortium
    assert [(m.address, m.name) for m in c.gov.members()] == [(m.address, n) for m, n in zip(c.members, NAMES)]
    assert c.gov.threshold() == 3 and c.registry.admin() == c.gov.address


def test_the_proposal_id_is_the_contracts(consortium: Consortium) -> None:
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.relayer.address, QUALIFICATION)
    expected = c.chain.client.call(c.gov._fn("proposalId", call.target, call.data, SALT))
    assert proposal_id(c.chain.client.chain_id, c.gov.address, call.target, call.data, SALT) == bytes(expected)
    assert c.gov.proposal_id(call, SALT) == bytes(expected)


def test_three_of_four_members_authorise_an_issuer(consortium: Consortium) -> None:
    c = consortium
    issuer = c.chain.new_account(funds=0)
    enact(c.gov, c.members[:3], c.relayer, c.registry, "authoriseIssuer", issuer.address, QUALIFICATION)
    assert c.registry_contract.functions.isAuthorised(issuer.address, QUALIFICATION).call()
    [p] = c.gov.proposals([c.registry], now=c.chain.client.block_timestamp())
    assert p.state is ProposalState.EXECUTED and p.call.function == "authoriseIssuer"
    assert p.call.args == {"issuer": issuer.address, "kind": QUALIFICATION}
    assert set(p.approvals) == {m.address for m in c.members[:3]}


def test_a_lone_member_cannot_authorise_an_issuer(consortium: Consortium) -> None:
    c = consortium
    lone = c.members[0]
    call = c.call(c.registry, "authoriseIssuer", lone.address, QUALIFICATION)
    pid, _ = c.gov.propose(lone, call, SALT)
    err = _fails(lambda: c.gov.execute(lone, call, SALT))
    assert err.error == "BelowThreshold" and err.args_["approvals"] == 1
    assert _fails(lambda: c.gov.approve(lone, pid)).error == "AlreadyApproved"  # approving twice counts once
    err = _fails(lambda: c.registry.authorise_issuer(lone, lone.address, QUALIFICATION))
    assert err.error == "NotAdmin"
    assert not c.registry_contract.functions.isAuthorised(lone.address, QUALIFICATION).call()


def test_two_of_four_is_not_enough(consortium: Consortium) -> None:
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.members[0].address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], call, SALT)
    c.gov.approve(c.members[1], pid)
    assert _fails(lambda: c.gov.execute(c.members[1], call, SALT)).error == "BelowThreshold"


def test_the_relayer_can_neither_govern_nor_act_as_admin(consortium: Consortium) -> None:
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.relayer.address, QUALIFICATION)
    assert _fails(lambda: c.gov.propose(c.relayer, call, SALT)).error == "NotMember"
    assert _fails(lambda: c.registry.authorise_issuer(c.relayer, c.relayer.address, QUALIFICATION)).error == "NotAdmin"
    assert _fails(lambda: c.chain.transact(c.gov._fn("addMember", c.relayer.address, "relayer"),
                                           c.relayer)).error == "NotGovernance"
    assert _fails(lambda: c.chain.transact(c.gov._fn("setThreshold", 1), c.relayer)).error == "NotGovernance"


def test_a_proposal_with_changed_calldata_is_another_proposal(consortium: Consortium) -> None:
    """Approvals are for one exact call: executing other calldata under the same salt finds no
    approved proposal."""
    c = consortium
    good = c.call(c.registry, "authoriseIssuer", c.members[0].address, QUALIFICATION)
    evil = c.call(c.registry, "authoriseIssuer", c.relayer.address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], good, SALT)
    for m in c.members[1:3]:
        c.gov.approve(m, pid)
    assert _fails(lambda: c.gov.execute(c.relayer, evil, SALT)).error == "UnknownProposal"
    c.gov.execute(c.relayer, good, SALT)  # anyone may execute an approved call
    assert _fails(lambda: c.gov.execute(c.relayer, good, SALT)).error == "ProposalNotPending"  # no replay


def test_a_removed_members_approval_no_longer_counts(consortium: Consortium) -> None:
    c = consortium
    gone = c.members[3]
    enact(c.gov, c.members[:3], c.relayer, c.gov, "removeMember", gone.address)
    assert not c.gov.is_member(gone.address)
    call = c.call(c.registry, "authoriseIssuer", gone.address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], call, SALT)
    c.gov.approve(c.members[1], pid)
    assert _fails(lambda: c.gov.approve(gone, pid)).error == "NotMember"
    assert _fails(lambda: c.gov.execute(c.relayer, call, SALT)).error == "BelowThreshold"


def test_the_threshold_can_never_drop_to_one(consortium: Consortium) -> None:
    c = consortium
    err = _fails(lambda: enact(c.gov, c.members[:3], c.relayer, c.gov, "setThreshold", 1))
    assert err.error == "InvalidThreshold"
    assert c.gov.threshold() == 3
    with pytest.raises(ContractRevert) as info:
        c.chain.deploy("Governance", [c.members[0].address], ["单独一方"], 1)
    assert info.value.error == "InvalidThreshold"


def test_approval_taken_back_and_lapsed_proposals(consortium: Consortium) -> None:
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.members[0].address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], call, SALT)
    c.gov.approve(c.members[1], pid)
    c.gov.approve(c.members[2], pid)
    c.gov.revoke_approval(c.members[2], pid)
    assert _fails(lambda: c.gov.execute(c.relayer, call, SALT)).error == "BelowThreshold"
    c.gov.approve(c.members[2], pid)
    c.chain.increase_time(c.gov.lifetime() + 1)
    assert _fails(lambda: c.gov.execute(c.relayer, call, SALT)).error == "ProposalExpired"
    [p] = c.gov.proposals([c.registry], now=c.chain.client.block_timestamp())
    assert p.state is ProposalState.LAPSED


def test_only_the_proposer_cancels(consortium: Consortium) -> None:
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.members[0].address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], call, SALT)
    assert _fails(lambda: c.gov.cancel(c.members[1], pid)).error == "NotProposer"
    c.gov.cancel(c.members[0], pid)
    assert _fails(lambda: c.gov.approve(c.members[1], pid)).error == "ProposalNotPending"


def test_a_failing_call_reports_the_governed_contracts_error(consortium: Consortium) -> None:
    c = consortium
    err = _fails(lambda: enact(c.gov, c.members[:3], c.relayer, c.registry, "authoriseIssuer",
                               c.members[0].address, 200))
    assert err.error == "InvalidKind"  # unwrapped from ExecutionFailed


# ---------------------------------------------------------------- who may be a member, under which name


def test_a_member_added_twice_or_the_zero_address_is_refused(consortium: Consortium) -> None:
    """One body, one key, one vote: a member seated twice would count its approval twice."""
    c = consortium
    twice = [c.members[0].address, c.members[1].address, c.members[0].address]
    with pytest.raises(ContractRevert) as info:
        c.chain.deploy("Governance", twice, NAMES[:3], 2)
    assert (info.value.error, info.value.args_["member"]) == ("InvalidMember", c.members[0].address)
    with pytest.raises(ContractRevert) as info:
        c.chain.deploy("Governance", [c.members[0].address, "0x" + "00" * 20], NAMES[:2], 2)
    assert info.value.error == "InvalidMember"
    # by proposal too: three of four approve adding a body that is a member already
    err = _fails(lambda: enact(c.gov, c.members[:3], c.relayer, c.gov, "addMember", c.members[1].address, "再一次"))
    assert (err.error, err.args_["member"]) == ("InvalidMember", c.members[1].address)
    assert len(c.gov.members()) == 4


def test_a_member_without_a_name_or_with_a_name_over_64_bytes_is_refused(consortium: Consortium) -> None:
    c = consortium
    newcomer = c.chain.new_account(funds=0)
    with pytest.raises(ContractRevert) as info:
        c.chain.deploy("Governance", [c.members[0].address, newcomer.address], [NAMES[0], ""], 2)
    assert (info.value.error, info.value.args_["member"]) == ("InvalidName", newcomer.address)
    # the limit is in bytes of UTF-8: 22 CJK characters are 66 bytes
    for name in ("", "局" * 22, "x" * 65):
        err = _fails(lambda name=name: enact(c.gov, c.members[:3], c.relayer, c.gov, "addMember",
                                             newcomer.address, name))
        assert (err.error, err.args_["member"]) == ("InvalidName", newcomer.address), name
    enact(c.gov, c.members[:3], c.relayer, c.gov, "addMember", newcomer.address, "局" * 21)  # 63 bytes
    assert c.gov.is_member(newcomer.address)


def test_a_thirty_third_member_is_refused(consortium: Consortium) -> None:
    c = consortium
    crowd = [c.chain.new_account(funds=0).address for _ in range(33)]
    with pytest.raises(ContractRevert) as info:
        c.chain.deploy("Governance", crowd, [f"成员 {i}" for i in range(33)], 2)
    assert (info.value.error, info.value.args_["max"]) == ("TooManyMembers", 32)
    # a full governance (32) cannot grow by proposal either
    keys = c.members[:2]
    full = c.chain.deploy("Governance", [k.address for k in keys] + crowd[:30], [f"成员 {i}" for i in range(32)], 2)
    gov = GovernanceGateway(c.chain.client, full.address)
    err = _fails(lambda: enact(gov, keys, c.relayer, gov, "addMember", crowd[32], "第三十三"))
    assert (err.error, err.args_["max"]) == ("TooManyMembers", 32)
    assert len(gov.members()) == 32


# ---------------------------------------------------------------- proposals made twice, approvals taken back twice


def test_the_same_call_proposed_again_under_the_same_salt_is_refused(consortium: Consortium) -> None:
    """A second proposal with the same id would reset the first one's approvals and expiry."""
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.members[0].address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], call, SALT)
    c.gov.approve(c.members[1], pid)
    err = _fails(lambda: c.gov.propose(c.members[2], call, SALT))
    assert (err.error, err.args_["id"]) == ("ProposalExists", pid)
    c.gov.cancel(c.members[0], pid)
    assert _fails(lambda: c.gov.propose(c.members[0], call, SALT)).error == "ProposalExists"  # a cancelled id stays taken
    assert c.gov.propose(c.members[0], call, b"\x02" * 32)[0] != pid  # another salt is another proposal


def test_taking_back_an_approval_never_given_is_refused(consortium: Consortium) -> None:
    c = consortium
    call = c.call(c.registry, "authoriseIssuer", c.members[0].address, QUALIFICATION)
    pid, _ = c.gov.propose(c.members[0], call, SALT)
    err = _fails(lambda: c.gov.revoke_approval(c.members[1], pid))
    assert (err.error, err.args_["id"], err.args_["member"]) == ("NotApproved", pid, c.members[1].address)
    c.gov.revoke_approval(c.members[0], pid)  # the proposer's own approval may be taken back, once
    assert _fails(lambda: c.gov.revoke_approval(c.members[0], pid)).error == "NotApproved"
    assert c.chain.client.call(c.gov._fn("approvalsOf", pid)) == 0
