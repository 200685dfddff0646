"""The Governance gateway: the consortium's M-of-N of named bodies, admin of every other contract.

A governed call (authorise an issuer, appoint a centre…) is built here from the target gateway's
ABI, proposed by one member, approved by others, and executed by anyone once enough members
approve it. Every write is signed by the acting member's own key; `prepare` (on the base class)
builds the unsigned transaction for a member that signs elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from ledger.chain.gateway import ChainLog, Gateway
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.crypto.canonical import keccak
from ledger.errors import ValidationFailed
from ledger.model.governance import GovernedCall, Member, Proposal, ProposalState
from ledger.model.receipt import Mined

#: What a member may sign and have relayed.
MEMBER_FUNCTIONS = ("propose", "approve", "revokeApproval", "cancel")


def proposal_id(chain_id: int, governance: str, target: str, data: bytes, salt: bytes) -> bytes:
    """The id of the proposal to call `target` with `data` and `salt`, as `Governance.proposalId`."""
    return keccak(abi_encode(["uint256", "address", "address", "bytes32", "bytes32"],
                             [chain_id, to_checksum_address(governance), to_checksum_address(target),
                              keccak(data), salt]))


class GovernanceGateway(Gateway):
    """The deployed Governance contract."""

    NAME: ClassVar[str] = "Governance"

    # ------------------------------------------------------------------ calls it can make
    def call_of(self, target: Gateway, function: str, *args: Any) -> GovernedCall:
        """The governed call `function(*args)` on `target`; ValidationFailed if the arguments do
        not fit its ABI."""
        data = target.calldata(function, *args)
        _, decoded = target.decode_call(data)
        return GovernedCall(target=target.address, contract=target.NAME, function=function, args=decoded, data=data)

    def call_of_data(self, target: str, data: bytes) -> GovernedCall:
        """The governed call `data` makes on `target` (undecoded: the proposal id needs only these)."""
        return GovernedCall(target=to_checksum_address(target), contract="", function="", args={},
                            data=bytes(data))

    def proposal_id(self, call: GovernedCall, salt: bytes) -> bytes:
        return proposal_id(self.client.chain_id, self.address, call.target, call.data, salt)

    # ------------------------------------------------------------------ writes
    def propose(self, member: LocalAccount, call: GovernedCall, salt: bytes) -> tuple[bytes, Mined]:
        mined = self._send(member, "propose", call.target, call.data, _salt(salt), timestamp=True)
        return self.proposal_id(call, salt), mined

    def approve(self, member: LocalAccount, pid: bytes) -> Mined:
        return self._send(member, "approve", _salt(pid, "proposal id"), timestamp=True)

    def revoke_approval(self, member: LocalAccount, pid: bytes) -> Mined:
        return self._send(member, "revokeApproval", _salt(pid, "proposal id"), timestamp=True)

    def cancel(self, member: LocalAccount, pid: bytes) -> Mined:
        return self._send(member, "cancel", _salt(pid, "proposal id"), timestamp=True)

    def execute(self, sender: LocalAccount, call: GovernedCall, salt: bytes) -> Mined:
        """Make the approved call; anyone may send it (the relayer does, paying the gas)."""
        return self._send(sender, "execute", call.target, call.data, _salt(salt), timestamp=True)

    def decode_signed(self, signed_tx: str) -> RelayedTx:
        return decode_signed_tx(self, signed_tx)

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
        """Dry-run as the member, then send; with `sponsor`, the member's gas is topped up first."""
        return relay(self, relayed, sponsor=sponsor)

    # ------------------------------------------------------------------ reads
    def members(self) -> list[Member]:
        return [Member(to_checksum_address(a), str(self._call("nameOf", a))) for a in self._call("members")]

    def threshold(self) -> int:
        return int(self._call("threshold"))

    def is_member(self, account: str) -> bool:
        return bool(self._call("isMember", to_checksum_address(account)))

    def lifetime(self) -> int:
        return int(self._call("PROPOSAL_LIFETIME"))

    def proposals(self, targets: Sequence[Gateway], *, now: int) -> list[Proposal]:
        """Every proposal from the chain's events, oldest first, with its calls decoded against
        `targets` (and the governance itself)."""
        by_address: dict[str, Gateway] = {g.address: g for g in (*targets, self)}
        members = {m.address for m in self.members()}
        threshold = self.threshold()
        found: dict[bytes, dict[str, Any]] = {}
        for log in self.logs():
            self._fold(found, log, by_address)
        out = []
        for pid, p in found.items():
            state = p["state"]
            if state is ProposalState.PENDING and now >= p["expiry"]:
                state = ProposalState.LAPSED
            approvals = tuple(a for a in p["approvals"] if a in members)
            out.append(Proposal(proposal_id=pid, proposer=p["proposer"], call=p["call"], salt=p["salt"],
                                expiry=p["expiry"], state=state, approvals=approvals, threshold=threshold,
                                proposed_at=p["block"], executed_tx=p.get("executed_tx"),
                                history=tuple(p["history"])))
        return out

    def _fold(self, found: dict[bytes, dict[str, Any]], log: ChainLog, by_address: dict[str, Gateway]) -> None:
        a = log.args
        if log.event == "Proposed":
            target = to_checksum_address(a["target"])
            gateway = by_address.get(target)
            data = bytes(a["data"])
            if gateway is not None:
                try:
                    fn, args = gateway.decode_call(data)
                except ValidationFailed:
                    fn, args = "(unknown call)", {}
                name = gateway.NAME
            else:
                fn, args, name = "(unknown call)", {}, "(unknown contract)"
            found[bytes(a["id"])] = {
                "proposer": to_checksum_address(a["proposer"]),
                "call": GovernedCall(target=target, contract=name, function=fn, args=args, data=data),
                "salt": bytes(a["salt"]), "expiry": int(a["expiry"]), "state": ProposalState.PENDING,
                "approvals": [], "block": log.block_number, "history": [],
            }
            return
        p = found.get(bytes(a.get("id", b"")))
        if p is None:
            return
        if log.event == "Approved":
            p["approvals"].append(to_checksum_address(a["member"]))
            p["history"].append(("approved", to_checksum_address(a["member"]), log.block_number))
        elif log.event == "ApprovalRevoked":
            member = to_checksum_address(a["member"])
            p["approvals"] = [m for m in p["approvals"] if m != member]
            p["history"].append(("approval revoked", member, log.block_number))
        elif log.event == "Executed":
            p["state"] = ProposalState.EXECUTED
            p["executed_tx"] = log.tx_hash
            p["history"].append(("executed", to_checksum_address(a["executor"]), log.block_number))
        elif log.event == "ProposalCancelled":
            p["state"] = ProposalState.CANCELLED
            p["history"].append(("cancelled", p["proposer"], log.block_number))


def _salt(value: object, what: str = "salt") -> bytes:
    if isinstance(value, bytes | bytearray) and len(value) == 32:
        return bytes(value)
    if isinstance(value, str):
        try:
            raw = bytes(HexBytes(value))
        except ValueError:
            raw = b""
        if len(raw) == 32:
            return raw
    raise ValidationFailed(f"{what} must be 32 bytes (0x + 64 hex digits)")


def encode_offline(contract: str, function: str, args: Sequence[Any]) -> bytes:
    """The calldata of `function(*args)` on the ledger's `contract`, without a node: what a
    member's client computes itself to check a transaction the service prepared."""
    from web3 import Web3

    from ledger.chain.contracts import load_artifact

    from ledger.chain.gateway import ARGUMENT_ERRORS

    c = Web3().eth.contract(abi=load_artifact(contract)["abi"])
    try:
        return bytes(HexBytes(c.encode_abi(function, args=list(args))))
    except ARGUMENT_ERRORS as exc:
        raise ValidationFailed(f"arguments do not fit {contract}.{function}: {exc}") from None


def decode_offline(contract: str, data: bytes) -> tuple[str, dict[str, Any]]:
    """The function and arguments `data` calls on the ledger's `contract`, without a node."""
    from web3 import Web3

    from ledger.chain.contracts import load_artifact

    c = Web3().eth.contract(abi=load_artifact(contract)["abi"])
    try:
        fn, args = c.decode_function_input(HexBytes(data))
    except ValueError as exc:
        raise ValidationFailed(f"the call data does not call a {contract} function: {exc}") from None
    return str(fn.fn_name), dict(args)
