"""Members' side of governance: each member signs its own step, the service relays it.

What a consortium does when its member keys are at hand (a development data directory, the
demo, benchmarks, tests): the first member proposes the call, the next ones approve it until the
threshold is met, and the service executes it as the last approval arrives.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from eth_account.signers.local import LocalAccount

from ledger.chain.gateway import Gateway
from ledger.model.governance import Proposal
from ledger.service.governance import GovernanceService
from tools.signing import sign


def enact_signed(service: GovernanceService, members: Sequence[LocalAccount], target: Gateway, function: str,
                 *args: object) -> Proposal:
    """Propose `function(*args)` on `target` and approve it, each step signed by a member's own key
    and relayed by `service`; returns the proposal as it stands at the end (EXECUTED when enough
    members signed)."""
    gov = service.governance
    call = gov.call_of(target, function, *args)
    salt = secrets.token_bytes(32)
    first, *others = members[: max(service.threshold(), 1)]
    step = service.relay(signer=first.address,
                         signed_tx=sign(first, gov.prepare(first.address, "propose", call.target, call.data, salt)))
    pid = step.proposal.proposal_id
    for member in others:
        step = service.relay(signer=member.address, signed_tx=sign(member, gov.prepare(member.address, "approve", pid)))
    return step.proposal
