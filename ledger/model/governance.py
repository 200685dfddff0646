"""The consortium's governance: its members, the calls it is asked to make, and where each stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ProposalState(IntEnum):
    """As `IGovernance.ProposalState`; LAPSED is a pending proposal whose expiry has passed."""

    NONE = 0
    PENDING = 1
    EXECUTED = 2
    CANCELLED = 3
    LAPSED = 99


@dataclass(frozen=True)
class Member:
    """A body of the consortium (住建局, 市场监管局, 信用办, 交易中心…) and the address it signs with."""

    address: str
    name: str


@dataclass(frozen=True)
class GovernedCall:
    """A call the governance may make: a contract, the function and arguments, and its calldata."""

    target: str  # the contract's address
    contract: str  # its name (CredentialRegistry, TenderBook, GuaranteeBook, Governance)
    function: str
    args: dict[str, Any]
    data: bytes


@dataclass(frozen=True)
class Proposal:
    """A proposal and everything the chain says about it."""

    proposal_id: bytes
    proposer: str
    call: GovernedCall
    salt: bytes
    expiry: int
    state: ProposalState
    approvals: tuple[str, ...]  # current members approving it, in the order they approved
    threshold: int
    proposed_at: int
    executed_tx: bytes | None = None
    history: tuple[tuple[str, str, int], ...] = field(default=())  # (event, member, block)

    @property
    def ready(self) -> bool:
        return self.state is ProposalState.PENDING and len(self.approvals) >= self.threshold
