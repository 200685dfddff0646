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
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from ledger.chain.gateway import Gateway
from ledger.chain.governance import MEMBER_FUNCTIONS, GovernanceGateway
from ledger.documents.pool_card import PoolCard, card_of, registered, verified_cards
from ledger.errors import ConfigurationError, NotFound, Unauthorised, ValidationFailed
from ledger.model.governance import GovernedCall, Member, Proposal, ProposalState
from ledger.model.receipt import Mined

# The kind pool cards are filed under (keyed by their hash, the salt of their proposal).
POOL_CARD = "pool-card"


class CardFiles(Protocol):
    """Where pool cards are kept off chain: documents filed under the hash the chain holds."""

    def file(self, kind: str, key: bytes, content: bytes) -> None: ...

    def document(self, kind: str, key: bytes) -> bytes | None: ...

    def documents(self, kind: str, keys: Sequence[bytes]) -> dict[bytes, bytes]: ...


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
    card: PoolCard | None = None


def enact(governance: GovernanceGateway, members: Sequence[LocalAccount], executor: LocalAccount,
          target: Gateway, function: str, *args: object, salt: bytes | None = None) -> Mined:
    """Propose `function(*args)` on `target` with the first member, approve it with the next ones
    until the threshold is met, and execute it with `executor`. For a consortium whose members'
    keys are all at hand: a development data directory, tests, a deployment's first steps. The
    salt is random unless given (a pool card's hash, see `ledger.documents.pool_card`)."""
    threshold = governance.threshold()
    if len(members) < threshold:
        raise ConfigurationError(
            f"the governance needs {threshold} members' approvals and only {len(members)} member keys "
            "are held here: propose the call and have the members approve it"
        )
    call = governance.call_of(target, function, *args)
    salt = salt or secrets.token_bytes(32)
    pid, _ = governance.propose(members[0], call, salt)
    for member in members[1:threshold]:
        governance.approve(member, pid)
    return governance.execute(executor, call, salt)


class GovernanceService:
    """The governance's members and proposals, and the relay of members' own steps."""

    def __init__(self, governance: GovernanceGateway, targets: Sequence[Gateway], relayer: LocalAccount,
                 *, now: Callable[[], int], after_write: Callable[[], object] = lambda: None,
                 files: CardFiles | None = None) -> None:
        self.governance = governance
        self.targets = targets
        self.relayer = relayer
        self.now = now
        self.after_write = after_write
        self.files = files

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

    # ------------------------------------------------------------------ pool cards

    def new_card(self, call: GovernedCall, name: str, organisation: str = "") -> PoolCard:
        """A pool card for the person `call` registers (its hash is to be the proposal's salt)."""
        return PoolCard.for_call(call, name, organisation)

    def _files(self) -> CardFiles:
        if self.files is None:
            raise ConfigurationError("this service keeps no documents, so it files no pool cards")
        return self.files

    def file_card(self, pid: bytes, content: bytes) -> PoolCard:
        """File the pool card of proposal `pid` (anyone may: the proposal's salt is its hash, so
        only the card its proposer made fits)."""
        proposal = self.proposal(pid)
        card = card_of(proposal, content)
        if card is None:
            PoolCard.parse(content)  # a malformed card is named as such
            raise ValidationFailed(f"this card is not the one proposal 0x{pid.hex()} carries: its hash is not "
                                   "the proposal's salt, or the proposal registers someone else")
        self._files().file(POOL_CARD, card.card_hash, card.content())
        return card

    def _filed_cards(self, proposals: Sequence[Proposal]) -> dict[bytes, bytes]:
        """The documents filed under the salts of those of `proposals` that register a person, by
        salt (one read of the store)."""
        if self.files is None:
            return {}
        return self.files.documents(POOL_CARD, [p.salt for p in proposals if registered(p.call) is not None])

    def cards(self) -> dict[str, PoolCard]:
        """The card of every registered expert and member whose card is filed and fits the executed
        proposal that registered it, by lower-case address."""
        proposals = self.proposals()
        return verified_cards(proposals, self._filed_cards(proposals).get)

    def cards_of(self, proposals: Sequence[Proposal]) -> dict[bytes, PoolCard]:
        """The filed card each of `proposals` carries, by proposal id (those carrying none left out)."""
        filed = self._filed_cards(proposals)
        return {p.proposal_id: card for p in proposals if (card := card_of(p, filed.get(p.salt))) is not None}

    def card_of(self, proposal: Proposal) -> PoolCard | None:
        """The filed card `proposal` carries, if any."""
        return self.cards_of([proposal]).get(proposal.proposal_id)

    def relay(self, *, signer: str, signed_tx: str, card: bytes | None = None) -> GovernanceStep:
        """Relay a member's own propose / approve / revokeApproval / cancel; execute the proposal
        with the relayer's key once it has its approvals. With `card`, the propose must carry it
        (its salt the card's hash, its call registering the card's person); the card is checked
        before anything is sent and filed once the proposal is on chain."""
        relayed = self.governance.decode_signed(signed_tx)
        relayed.require(signer, MEMBER_FUNCTIONS)
        if not self.governance.is_member(signer):
            raise Unauthorised("NotMember", {"caller": signer}, f"{signer} is not a member of the governance")
        checked = self._card_for(relayed, card) if card is not None else None
        mined = self.governance.relay(relayed, sponsor=self.relayer)  # a member needs no funds
        if relayed.function == "propose":
            call = self.governance.call_of_data(relayed.args["target"], relayed.args["data"])
            pid = self.governance.proposal_id(call, bytes(relayed.args["salt"]))
        else:
            pid = bytes(relayed.args["id"])
        if checked is not None:
            self._files().file(POOL_CARD, checked.card_hash, checked.content())
        proposal = self.proposal(pid)
        executed = None
        if proposal.ready:
            executed = self.governance.execute(self.relayer, proposal.call, proposal.salt)
            proposal = replace(proposal, state=ProposalState.EXECUTED, executed_tx=executed.tx_hash)
        self.after_write()
        return GovernanceStep(function=relayed.function, member=signer, mined=mined, proposal=proposal,
                              executed=executed, card=checked or self.card_of(proposal))

    def _card_for(self, relayed: Any, content: bytes) -> PoolCard:
        """The card a relayed propose carries; ValidationFailed for any other step or card."""
        card = PoolCard.parse(content)
        self._files()
        if relayed.function != "propose":
            raise ValidationFailed("a pool card goes with the propose that registers its person, not with "
                                   f"{relayed.function}")
        call = self._decoded(relayed.args["target"], bytes(relayed.args["data"]))
        if bytes(relayed.args["salt"]) != card.card_hash:
            raise ValidationFailed("the proposal's salt is not the pool card's hash: sign the transaction "
                                   "prepared with this card")
        if registered(call) != (card.role, card.address):
            raise ValidationFailed(f"the proposal does not register the card's {card.role} {card.address}")
        return card

    def _decoded(self, target: str, data: bytes) -> GovernedCall:
        """The governed call `data` makes on `target`, decoded (function and arguments)."""
        for gateway in (*self.targets, self.governance):
            if gateway.address.lower() == str(target).lower():
                fn, args = gateway.decode_call(data)
                return GovernedCall(target=gateway.address, contract=gateway.NAME, function=fn, args=args, data=data)
        raise ValidationFailed(f"the proposal calls {target}, none of the ledger's contracts")
