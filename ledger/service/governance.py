"""The consortium's governance as use cases: who its members are, what is proposed, and enacting.

Authorising and withdrawing issuers and guarantors, appointing trading centres, keeping the
expert pool and the tenderers' member pools and ruling on complaints (投诉) are calls the
Governance contract makes once enough of its members approved them; no single key (and not the
relayer that pays the gas) can make one. Members sign their own `propose` / `approve` /
`revokeApproval` / `cancel` transactions; the service relays them and, the moment a proposal has
its approvals, executes it with the relayer's key (executing needs no authority of its own).

A ruling on a performance complaint (PerformanceBook.ruleComplaint) is dry-run as the governance
when it is proposed: a ruling on an unknown entry, on a milestone or the completion, or on a
complaint already ruled is refused then with the contract's own error, before any member signs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from eth_account.signers.local import LocalAccount

from ledger.chain.gateway import Gateway
from ledger.chain.governance import MEMBER_FUNCTIONS, GovernanceGateway
from ledger.errors import ConfigurationError, NotFound, Unauthorised
from ledger.model.governance import GovernedCall, Member, Proposal, ProposalState
from ledger.model.receipt import Mined


# Contracts whose governed calls are dry-run as the governance when proposed (see the module).
CHECKED_AT_PROPOSAL: frozenset[str] = frozenset({"PerformanceBook"})


@dataclass(frozen=True)
class GovernanceStep:
    """A member's relayed step, the proposal as it stands after it, and the execution it triggered."""

    function: str
    member: str
    mined: Mined
    proposal: Proposal
    executed: Mined | None = None


def enact(governance: GovernanceGateway, members: Sequence[LocalAccount], executor: LocalAccount,
          target: Gateway, function: str, *args: object) -> Mined:
    """Propose `function(*args)` on `target` with the first member, approve it with the next ones
    until the threshold is met, and execute it with `executor`. For a consortium whose members'
    keys are all at hand: a development data directory, tests, a deployment's first steps."""
    threshold = governance.threshold()
    if len(members) < threshold:
        raise ConfigurationError(
            f"the governance needs {threshold} members' approvals and only {len(members)} member keys "
            "are held here: propose the call and have the members approve it"
        )
    call = governance.call_of(target, function, *args)
    salt = secrets.token_bytes(32)
    pid, _ = governance.propose(members[0], call, salt)
    for member in members[1:threshold]:
        governance.approve(member, pid)
    return governance.execute(executor, call, salt)


class GovernanceService:
    """The governance's members and proposals, and the relay of members' own steps."""

    def __init__(self, governance: GovernanceGateway, targets: Sequence[Gateway], relayer: LocalAccount,
                 *, now: Callable[[], int], after_write: Callable[[], object] = lambda: None) -> None:
        self.governance = governance
        self.targets = targets
        self.relayer = relayer
        self.now = now
        self.after_write = after_write

    def members(self) -> list[Member]:
        return self.governance.members()

    def threshold(self) -> int:
        return self.governance.threshold()

    def proposals(self) -> list[Proposal]:
        return self.governance.proposals(self.targets, now=self.now())

    def proposal(self, pid: bytes) -> Proposal:
        for p in self.proposals():
            if p.proposal_id == pid:
                return p
        raise NotFound("UnknownProposal", {"id": pid}, f"no proposal 0x{pid.hex()}")

    def call_of(self, contract: str, function: str, args: Sequence[object]) -> GovernedCall:
        """The governed call `function(*args)` on the ledger's contract named `contract`."""
        for target in (*self.targets, self.governance):
            if target.NAME == contract:
                if contract == "SelectionBook":
                    from ledger.service.selection import pool_call_args

                    args = pool_call_args(function, args)
                call = self.governance.call_of(target, function, *args)
                if contract in CHECKED_AT_PROPOSAL:
                    target.dry_run(self.governance.address, call.data)
                return call
        names = ", ".join(t.NAME for t in (*self.targets, self.governance))
        raise NotFound("UnknownContract", {"contract": contract}, f"no contract {contract}; one of {names}")

    def relay(self, *, signer: str, signed_tx: str) -> GovernanceStep:
        """Relay a member's own propose / approve / revokeApproval / cancel; execute the proposal
        with the relayer's key once it has its approvals."""
        relayed = self.governance.decode_signed(signed_tx)
        relayed.require(signer, MEMBER_FUNCTIONS)
        if not self.governance.is_member(signer):
            raise Unauthorised("NotMember", {"caller": signer}, f"{signer} is not a member of the governance")
        mined = self.governance.relay(relayed, sponsor=self.relayer)  # a member needs no funds
        if relayed.function == "propose":
            call = self.governance.call_of_data(relayed.args["target"], relayed.args["data"])
            pid = self.governance.proposal_id(call, bytes(relayed.args["salt"]))
        else:
            pid = bytes(relayed.args["id"])
        proposal = self.proposal(pid)
        executed = None
        if proposal.ready:
            executed = self.governance.execute(self.relayer, proposal.call, proposal.salt)
            proposal = replace(proposal, state=ProposalState.EXECUTED, executed_tx=executed.tx_hash)
        self.after_write()
        return GovernanceStep(function=relayed.function, member=signer, mined=mined, proposal=proposal,
                              executed=executed)
