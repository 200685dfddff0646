"""CredentialRegistry: roles, anchoring, status history, hashing rules and gas budgets.

Runs on every backend of the `chain` fixture and uses only web3 calls plus the fixture's
deploy/transact. Permissions follow the Certora AccessControl shape: each state-changing
function succeeds exactly when the caller holds the role, does what it says, and changes
nothing else. Reverts are asserted by custom-error name and arguments.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3.logs import DISCARD

from tests.conftest import ChainEnv

ARTIFACT = Path(__file__).resolve().parents[2] / "ledger/artifacts/CredentialRegistry.json"
ABI: list[dict[str, Any]] = json.loads(ARTIFACT.read_text())["abi"]

IDENTITY, QUALIFICATION, PERSONNEL, PERFORMANCE, AWARD, CREDIT, CONTRACT_PERFORMANCE = range(7)
NOT_ANCHORED, VALID, REVOKED, SUSPENDED, SUPERSEDED = range(5)
ZERO_ADDRESS = "0x" + "00" * 20
ZERO_WORD = b"\x00" * 32
END_OF_TIME = 2**64 - 1
ANCHOR_GAS_TARGET = 47_500  # see docs/contracts.md for where the gas goes
REVOKE_GAS_TARGET = 60_000  # revoke(root, id, proof of 10, reason)
REVOKE_AT_GAS_TARGET = 50_000  # one credential by its leaf position
BULK_REVOKE_GAS_PER_CREDENTIAL = 10_000  # 100 credentials of one batch in one call

Revert = tuple[str, tuple[Any, ...]]


# ---------------------------------------------------------------- Merkle batches


def cid(label: str) -> bytes:
    """A credential id for tests (any 32-byte value will do)."""
    return keccak(text=label)


def leaf(credential_id: bytes) -> bytes:
    return keccak(keccak(credential_id))


def hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


class Batch:
    """A sorted-pair Merkle tree over credential ids; an odd node moves up a level unchanged."""

    known: ClassVar[dict[bytes, Batch]] = {}  # every batch built, by root: its proofs for `statusAt`

    def __init__(self, ids: Iterable[bytes]) -> None:
        self.ids = list(ids)
        self.levels = [[leaf(i) for i in self.ids]]
        while len(self.levels[-1]) > 1:
            low = self.levels[-1]
            self.levels.append(
                [
                    hash_pair(*low[j : j + 2]) if j + 1 < len(low) else low[j]
                    for j in range(0, len(low), 2)
                ]
            )

        Batch.known[self.root] = self

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def proof(self, credential_id: bytes) -> list[bytes]:
        i, path = self.ids.index(credential_id), []
        for level in self.levels[:-1]:
            if i ^ 1 < len(level):
                path.append(level[i ^ 1])
            i //= 2
        return path


# ---------------------------------------------------------------- reverts


def _selector(entry: dict[str, Any]) -> bytes:
    types = ",".join(i["type"] for i in entry["inputs"])
    return function_signature_to_4byte_selector(f"{entry['name']}({types})")


ERRORS = {_selector(e): e for e in ABI if e["type"] == "error"}


def revert_of(exc: BaseException) -> Revert:
    """(custom error name, arguments) of a revert, however the backend reported it."""
    name, args = getattr(exc, "error", None), getattr(exc, "args_", None)
    if isinstance(name, str) and isinstance(args, dict) and name != "Unknown":
        return name, tuple(args.values())  # already decoded by the ledger's chain client
    data = args.get("data") if isinstance(args, dict) else getattr(exc, "data", None)
    if data is None and exc.args:  # eth-tester's TransactionFailed carries the raw bytes
        data = exc.args[0]
    if isinstance(data, str) and data.startswith("0x"):  # web3's ContractCustomError
        data = bytes.fromhex(data[2:])
    if not isinstance(data, bytes) or data[:4] not in ERRORS:
        raise AssertionError(f"not a CredentialRegistry custom error: {exc!r}")
    entry = ERRORS[data[:4]]
    values = abi_decode([i["type"] for i in entry["inputs"]], data[4:])
    return entry["name"], tuple(
        to_checksum_address(v) if i["type"] == "address" else v
        for i, v in zip(entry["inputs"], values, strict=True)
    )


def reverts(action: Callable[[], Any]) -> Revert:
    with pytest.raises(Exception) as info:  # the error is then checked by name and arguments
        action()
    return revert_of(info.value)


# ---------------------------------------------------------------- the registry under test


@dataclass
class Registry:
    """A deployed registry. `issuer` holds QUALIFICATION and PERFORMANCE, `rival` holds
    QUALIFICATION, `outsider` holds nothing; `admin` is the admin and holds no kind."""

    chain: ChainEnv
    contract: Any
    admin: LocalAccount
    issuer: LocalAccount
    rival: LocalAccount
    outsider: LocalAccount

    @property
    def fn(self) -> Any:
        return self.contract.functions

    def send(self, call: Any, by: LocalAccount) -> Any:
        return self.chain.transact(call, by)

    def fails(self, call: Any, by: LocalAccount) -> Revert:
        """The custom error that sending `call` as `by` reverts with."""
        return reverts(lambda: self.chain.transact(call, by))

    def anchor(
        self, batch: Batch, kind: int = QUALIFICATION, by: LocalAccount | None = None
    ) -> int:
        """Anchor `batch`; returns the anchoring block's timestamp."""
        return self.time_of(self.send(self.fn.anchor_wU2(batch.root, kind), by or self.issuer))

    def time_of(self, receipt: Any) -> int:
        return int(self.chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"])

    def status(self, root: bytes, credential_id: bytes, t: int = END_OF_TIME,
               proof: list[bytes] | None = None) -> tuple[int, int]:
        """`statusAt` with the credential's proof in its batch (or `proof`, to try another)."""
        if proof is None:
            batch = Batch.known.get(root)
            proof = batch.proof(credential_id) if batch is not None and credential_id in batch.ids else []
        status, reason = self.fn.statusAt(root, credential_id, proof, t).call()
        return status, reason

    def events(self, receipt: Any) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for name in (e["name"] for e in ABI if e["type"] == "event"):
            event = getattr(self.contract.events, name)()
            for ev in event.process_receipt(receipt, errors=DISCARD):
                found.append((ev["logIndex"], name, dict(ev["args"])))
        return [(name, args) for _, name, args in sorted(found, key=lambda f: f[0])]

    def snapshot(self, batches: Iterable[Batch] = ()) -> dict[tuple[Any, ...], Any]:
        """Everything observable about the roles and about `batches`, flattened."""
        state: dict[tuple[Any, ...], Any] = {
            ("admin",): self.fn.admin().call(),
            ("pendingAdmin",): self.fn.pendingAdmin().call(),
        }
        for account in self.chain.accounts[:4]:
            state[("kinds", account.address)] = self.fn.issuerKinds(account.address).call()
        for b in batches:
            state[("anchor", b.root)] = tuple(self.fn.anchorOf(b.root).call())
            for i in b.ids:
                state[("status", b.root, i)] = self.status(b.root, i)
                state[("successor", b.root, i)] = tuple(self.fn.successorOf(b.root, i).call())
                periods = self.fn.suspensionsOf(b.root, i).call()
                state[("suspensions", b.root, i)] = [tuple(p) for p in periods]
        return state

    def tick(self, after: int) -> None:
        """Make the chain clock pass `after`, so that the next change gets a later time stamp."""
        for _ in range(40):
            if int(self.chain.w3.eth.get_block("latest")["timestamp"]) > after:
                return
            if hasattr(self.chain, "increase_time"):
                self.chain.increase_time(1)
            else:  # a chain that follows the wall clock: wait, then mine a block
                time.sleep(0.1)
                self.chain.send(self.admin, {"to": self.admin.address, "value": 0})
        raise AssertionError("the chain clock did not move")


def changed(before: dict[tuple[Any, ...], Any], after: dict[tuple[Any, ...], Any]) -> set[Any]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@pytest.fixture
def reg(chain: ChainEnv) -> Registry:
    admin, issuer, rival, outsider = chain.accounts[:4]
    contract = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    chain.transact(contract.functions.authoriseIssuer(issuer.address, QUALIFICATION), admin)
    chain.transact(contract.functions.authoriseIssuer(issuer.address, PERFORMANCE), admin)
    chain.transact(contract.functions.authoriseIssuer(rival.address, QUALIFICATION), admin)
    return Registry(chain, contract, admin, issuer, rival, outsider)


# ---------------------------------------------------------------- admin and issuer roles


def test_the_constructor_makes_its_argument_admin_and_gives_no_one_any_kind(
    chain: ChainEnv,
) -> None:
    admin = chain.accounts[5]
    contract = chain.deploy("CredentialRegistry", admin.address, sender=chain.accounts[0])
    fn = contract.functions
    assert fn.admin().call() == admin.address
    assert fn.pendingAdmin().call() == ZERO_ADDRESS
    for account in (admin, chain.accounts[0]):
        assert fn.issuerKinds(account.address).call() == 0
        assert not any(fn.isAuthorised(account.address, k).call() for k in range(7))
    assert fn.MAX_SUSPENSIONS().call() == 32


def test_only_the_admin_can_authorise_an_issuer_and_only_that_issuers_kinds_change(
    reg: Registry,
) -> None:
    before = reg.snapshot()
    for caller in (reg.issuer, reg.rival, reg.outsider):
        call = reg.fn.authoriseIssuer(caller.address, CREDIT)
        assert reg.fails(call, caller) == ("NotAdmin", (caller.address,))
    assert reg.snapshot() == before

    receipt = reg.send(reg.fn.authoriseIssuer(reg.outsider.address, CREDIT), reg.admin)
    after = reg.snapshot()
    assert changed(before, after) == {("kinds", reg.outsider.address)}
    assert after[("kinds", reg.outsider.address)] == 1 << CREDIT
    held = [reg.fn.isAuthorised(reg.outsider.address, k).call() for k in range(7)]
    assert held == [k == CREDIT for k in range(7)]
    assert reg.events(receipt) == [
        ("IssuerAuthorised", {"issuer": reg.outsider.address, "kind": CREDIT})
    ]


def test_only_the_admin_can_withdraw_an_issuer_and_only_that_kind_is_lost(reg: Registry) -> None:
    before = reg.snapshot()
    call = reg.fn.withdrawIssuer(reg.issuer.address, PERFORMANCE)
    for caller in (reg.issuer, reg.rival, reg.outsider):
        assert reg.fails(call, caller) == ("NotAdmin", (caller.address,))
    assert reg.snapshot() == before

    receipt = reg.send(call, reg.admin)
    after = reg.snapshot()
    assert changed(before, after) == {("kinds", reg.issuer.address)}
    assert after[("kinds", reg.issuer.address)] == 1 << QUALIFICATION
    assert not reg.fn.isAuthorised(reg.issuer.address, PERFORMANCE).call()
    assert reg.fn.isAuthorised(reg.issuer.address, QUALIFICATION).call()
    assert reg.events(receipt) == [
        ("IssuerWithdrawn", {"issuer": reg.issuer.address, "kind": PERFORMANCE})
    ]


def test_granting_a_held_kind_or_withdrawing_an_unheld_one_changes_nothing_and_logs_nothing(
    reg: Registry,
) -> None:
    before = reg.snapshot()
    granted = reg.send(reg.fn.authoriseIssuer(reg.issuer.address, QUALIFICATION), reg.admin)
    withdrawn = reg.send(reg.fn.withdrawIssuer(reg.outsider.address, CREDIT), reg.admin)
    assert reg.snapshot() == before
    assert granted["logs"] == [] and withdrawn["logs"] == []


def test_a_kind_of_seven_or_more_is_invalid_wherever_a_kind_is_taken(reg: Registry) -> None:
    before = reg.snapshot()
    issuer = reg.issuer.address
    for kind in (7, 8, 255):
        invalid = ("InvalidKind", (kind,))
        assert reg.fails(reg.fn.authoriseIssuer(issuer, kind), reg.admin) == invalid
        assert reg.fails(reg.fn.withdrawIssuer(issuer, kind), reg.admin) == invalid
        assert reg.fails(reg.fn.anchor_wU2(cid(f"root {kind}"), kind), reg.issuer) == invalid
        assert reverts(reg.fn.isAuthorised(issuer, kind).call) == invalid
    assert reg.snapshot() == before


# ---------------------------------------------------------------- anchoring


def test_an_issuer_anchors_a_root_of_a_kind_it_holds_stamped_with_the_block_time(
    reg: Registry,
) -> None:
    batch = Batch([cid("APT D261047095"), cid("APT D261047096"), cid("APT D261047097")])
    before = reg.snapshot([batch])
    assert before[("anchor", batch.root)] == (ZERO_ADDRESS, 0, 0)
    assert all(before[("status", batch.root, i)] == (NOT_ANCHORED, 0) for i in batch.ids)

    receipt = reg.send(reg.fn.anchor_wU2(batch.root, QUALIFICATION), reg.issuer)
    after = reg.snapshot([batch])
    assert after[("anchor", batch.root)] == (
        reg.issuer.address,
        QUALIFICATION,
        reg.time_of(receipt),
    )
    statuses = {("status", batch.root, i) for i in batch.ids}
    assert changed(before, after) == {("anchor", batch.root)} | statuses
    assert all(after[key] == (VALID, 0) for key in statuses)
    # LOG2 with no data: the issuer and kind are in the anchor slot (read above), not in the log.
    assert reg.events(receipt) == [("Anchored", {"root": batch.root})]


def test_anchoring_needs_the_very_kind_of_the_batch(reg: Registry) -> None:
    batch = Batch([cid("credit record 1")])
    before = reg.snapshot([batch])
    for caller, kind in (
        (reg.issuer, CREDIT),
        (reg.rival, PERFORMANCE),
        (reg.outsider, QUALIFICATION),
        (reg.admin, QUALIFICATION),
    ):
        call = reg.fn.anchor_wU2(batch.root, kind)
        assert reg.fails(call, caller) == ("NotAuthorised", (caller.address, kind))
    assert reg.snapshot([batch]) == before


def test_a_root_is_anchored_once_and_for_all(reg: Registry) -> None:
    batch = Batch([cid("PRJNUM 3204001")])
    t = reg.anchor(batch, PERFORMANCE)
    before = reg.snapshot([batch])
    for caller, kind in (
        (reg.issuer, PERFORMANCE),
        (reg.issuer, QUALIFICATION),
        (reg.rival, QUALIFICATION),
    ):
        assert reg.fails(reg.fn.anchor_wU2(batch.root, kind), caller) == (
            "AlreadyAnchored",
            (batch.root,),
        )
    assert reg.snapshot([batch]) == before
    assert before[("anchor", batch.root)] == (reg.issuer.address, PERFORMANCE, t)


def test_withdrawal_blocks_new_anchors_but_earlier_credentials_stay_valid_and_under_their_issuer(
    reg: Registry,
) -> None:
    earlier = Batch([cid("APT 1"), cid("APT 2")])
    anchored_at = reg.anchor(earlier)
    withdraw = reg.fn.withdrawIssuer(reg.issuer.address, QUALIFICATION)
    withdrawn_at = reg.time_of(reg.send(withdraw, reg.admin))

    later = Batch([cid("APT 3")])
    assert reg.fails(reg.fn.anchor_wU2(later.root, QUALIFICATION), reg.issuer) == (
        "NotAuthorised",
        (reg.issuer.address, QUALIFICATION),
    )
    assert reg.fn.anchorOf(later.root).call() == [ZERO_ADDRESS, 0, 0]
    for i in earlier.ids:
        assert reg.status(earlier.root, i, anchored_at) == (VALID, 0)
        assert reg.status(earlier.root, i, withdrawn_at) == (VALID, 0)
        assert reg.status(earlier.root, i) == (VALID, 0)
    # Still an issuer of another kind, and still answerable for what it issued before.
    reg.anchor(Batch([cid("PRJNUM 1")]), PERFORMANCE)
    target = earlier.ids[0]
    revoked = reg.send(reg.fn.revoke(earlier.root, target, earlier.proof(target), 9), reg.issuer)
    assert reg.status(earlier.root, target) == (REVOKED, 9)
    assert reg.events(revoked) == [
        ("Revoked", {"root": earlier.root, "credentialId": target, "reason": 9})
    ]


# ---------------------------------------------------------------- who may change a status


def _status_change(
    reg: Registry, op: str, root: bytes, credential_id: bytes, proof: list[bytes], successor: Batch
) -> Any:
    if op == "revoke":
        return reg.fn.revoke(root, credential_id, proof, 1)
    if op == "suspend":
        return reg.fn.suspend(root, credential_id, proof, 1)
    if op == "reinstate":
        return reg.fn.reinstate(root, credential_id, proof)
    new_id = successor.ids[0]
    return reg.fn.supersede(
        root, credential_id, proof, successor.root, new_id, successor.proof(new_id)
    )


@pytest.mark.parametrize("op", ["revoke", "suspend", "reinstate", "supersede"])
def test_only_the_issuer_of_an_anchored_root_can_change_the_status_of_a_credential_in_it(
    reg: Registry, op: str
) -> None:
    batch, successor = Batch([cid("A"), cid("B"), cid("C")]), Batch([cid("A v2")])
    target, proof = cid("B"), batch.proof(cid("B"))
    reg.anchor(batch)
    reg.anchor(successor)
    if op == "reinstate":
        reg.send(reg.fn.suspend(batch.root, target, proof, 1), reg.issuer)
    before = reg.snapshot([batch, successor])

    def change(root: bytes, credential_id: bytes, proof: list[bytes]) -> Any:
        return _status_change(reg, op, root, credential_id, proof, successor)

    unknown = Batch([target, cid("never anchored")])
    call = change(unknown.root, target, unknown.proof(target))
    assert reg.fails(call, reg.issuer) == ("UnknownRoot", (unknown.root,))
    for caller in (reg.rival, reg.admin, reg.outsider):  # the rival even holds the same kind
        call = change(batch.root, target, proof)
        assert reg.fails(call, caller) == ("NotIssuerOf", (batch.root, caller.address))
    for credential_id, bad_proof in (
        (cid("D"), proof),
        (cid("A"), proof),
        (target, proof[::-1]),
        (target, proof[:-1]),
    ):
        call = change(batch.root, credential_id, bad_proof)
        assert reg.fails(call, reg.issuer) == ("NotInBatch", (batch.root, credential_id))
    assert reg.snapshot([batch, successor]) == before

    reg.send(change(batch.root, target, proof), reg.issuer)
    after = reg.snapshot([batch, successor])
    assert {key[:3] for key in changed(before, after)} <= {
        ("status", batch.root, target),
        ("successor", batch.root, target),
        ("suspensions", batch.root, target),
    }
    expected = {
        "revoke": REVOKED,
        "suspend": SUSPENDED,
        "reinstate": VALID,
        "supersede": SUPERSEDED,
    }
    assert after[("status", batch.root, target)][0] == expected[op]


# ---------------------------------------------------------------- revocation


def test_a_revocation_is_permanent_from_its_block_time_and_carries_its_reason(
    reg: Registry,
) -> None:
    batch = Batch([cid("APT 10"), cid("APT 11"), cid("APT 12")])
    target, proof = batch.ids[1], batch.proof(batch.ids[1])
    anchored_at = reg.anchor(batch)
    reg.tick(anchored_at)
    before = reg.snapshot([batch])
    receipt = reg.send(reg.fn.revoke(batch.root, target, proof, 7), reg.issuer)
    revoked_at = reg.time_of(receipt)
    assert revoked_at > anchored_at

    assert reg.events(receipt) == [
        ("Revoked", {"root": batch.root, "credentialId": target, "reason": 7})
    ]
    assert changed(before, reg.snapshot([batch])) == {("status", batch.root, target)}
    assert reg.status(batch.root, target, anchored_at - 1) == (NOT_ANCHORED, 0)
    assert reg.status(batch.root, target, anchored_at) == (VALID, 0)
    assert reg.status(batch.root, target, revoked_at - 1) == (VALID, 0)
    assert reg.status(batch.root, target, revoked_at) == (REVOKED, 7)
    assert reg.status(batch.root, target, revoked_at + 10**6) == (REVOKED, 7)
    assert reg.fn.suspensionsOf(batch.root, target).call() == []

    newer = Batch([cid("APT 11 v2")])
    reg.anchor(newer)
    already = ("AlreadyRevoked", (batch.root, target))
    assert reg.fails(reg.fn.revoke(batch.root, target, proof, 8), reg.issuer) == already
    assert reg.fails(reg.fn.suspend(batch.root, target, proof, 8), reg.issuer) == already
    assert reg.fails(reg.fn.reinstate(batch.root, target, proof), reg.issuer) == already
    supersede = reg.fn.supersede(batch.root, target, proof, newer.root, newer.ids[0], [])
    assert reg.fails(supersede, reg.issuer) == already
    assert reg.status(batch.root, target) == (REVOKED, 7)


def test_status_at_of_an_id_never_anchored_under_an_anchored_root_is_not_anchored(reg: Registry) -> None:
    batch = Batch([cid("APT 20"), cid("APT 21")])
    reg.anchor(batch)
    stranger = cid("never anchored")
    assert reg.status(batch.root, batch.ids[0]) == (VALID, 0)
    # No proof, a sibling's proof, a proof of nothing: membership fails, so the id is not there.
    assert reg.status(batch.root, stranger) == (NOT_ANCHORED, 0)
    assert reg.status(batch.root, stranger, proof=batch.proof(batch.ids[0])) == (NOT_ANCHORED, 0)
    assert reg.status(batch.root, stranger, proof=[cid("junk")]) == (NOT_ANCHORED, 0)
    # The root itself is no credential of the batch.
    assert reg.status(batch.root, batch.root) == (NOT_ANCHORED, 0)


def test_status_at_with_a_proof_against_another_root_is_not_anchored(reg: Registry) -> None:
    first, second = Batch([cid("APT 30"), cid("APT 31")]), Batch([cid("APT 32"), cid("APT 33")])
    reg.anchor(first)
    reg.anchor(second)
    member = first.ids[0]
    assert reg.status(first.root, member) == (VALID, 0)
    assert reg.status(second.root, member, proof=first.proof(member)) == (NOT_ANCHORED, 0)
    assert reg.status(second.root, member, proof=second.proof(second.ids[0])) == (NOT_ANCHORED, 0)


def test_statuses_in_answers_each_member_as_status_at_does_in_one_call(reg: Registry) -> None:
    batch = Batch([cid("APT 40"), cid("APT 41"), cid("APT 42")])
    other = Batch([cid("APT 43"), cid("APT 44")])
    anchored_at = reg.anchor(batch)
    reg.anchor(other)
    reg.tick(anchored_at)
    target = batch.ids[1]
    revoked_at = reg.time_of(reg.send(reg.fn.revoke(batch.root, target, batch.proof(target), 5), reg.issuer))
    members = [(i, batch.proof(i)) for i in batch.ids] + [
        (cid("never anchored"), []), (other.ids[0], other.proof(other.ids[0]))]  # not in this root
    for t in (anchored_at - 1, anchored_at, revoked_at, END_OF_TIME):
        statuses, reasons = reg.fn.statusesIn(batch.root, members, t).call()
        one_by_one = [reg.status(batch.root, i, t, proof=p) for i, p in members]
        assert list(zip(statuses, reasons, strict=True)) == one_by_one
    assert reg.fn.statusesIn(batch.root, [], END_OF_TIME).call() == [[], []]
    statuses, _ = reg.fn.statusesIn(batch.root, members, END_OF_TIME).call()
    assert statuses == [VALID, REVOKED, VALID, NOT_ANCHORED, NOT_ANCHORED]


def test_revoking_a_credential_under_one_root_leaves_the_same_id_under_other_roots_untouched(
    reg: Registry,
) -> None:
    shared = cid("REG_CERTNO 32011111")
    first, second, rivals = Batch([shared, cid("x")]), Batch([shared, cid("y")]), Batch([shared])
    reg.anchor(first)
    reg.anchor(second)
    reg.anchor(rivals, by=reg.rival)
    before = reg.snapshot([first, second, rivals])
    reg.send(reg.fn.revoke(first.root, shared, first.proof(shared), 2), reg.issuer)
    assert changed(before, reg.snapshot([first, second, rivals])) == {
        ("status", first.root, shared)
    }
    assert reg.status(second.root, shared) == reg.status(rivals.root, shared) == (VALID, 0)


# ---------------------------------------------------------------- suspension


def test_suspension_history_answers_the_status_at_every_past_instant(reg: Registry) -> None:
    batch = Batch([cid("credit 1"), cid("credit 2")])
    target, proof = batch.ids[0], batch.proof(batch.ids[0])
    a = reg.anchor(batch)
    times, logs = [a], []
    for call in (
        reg.fn.suspend(batch.root, target, proof, 3),
        reg.fn.reinstate(batch.root, target, proof),
        reg.fn.suspend(batch.root, target, proof, 4),
        reg.fn.reinstate(batch.root, target, proof),
        reg.fn.suspend(batch.root, target, proof, 5),
    ):
        reg.tick(times[-1])
        receipt = reg.send(call, reg.issuer)
        times.append(reg.time_of(receipt))
        logs += reg.events(receipt)
    s1, r1, s2, r2, s3 = times[1:]

    key = {"root": batch.root, "credentialId": target}
    assert logs == [
        ("Suspended", key | {"reason": 3}),
        ("Reinstated", key),
        ("Suspended", key | {"reason": 4}),
        ("Reinstated", key),
        ("Suspended", key | {"reason": 5}),
    ]
    periods = [tuple(p) for p in reg.fn.suspensionsOf(batch.root, target).call()]
    assert periods == [(s1, r1, 3), (s2, r2, 4), (s3, 0, 5)]
    expected = {
        a - 1: (NOT_ANCHORED, 0),
        a: (VALID, 0),
        s1 - 1: (VALID, 0),
        s1: (SUSPENDED, 3),
        r1 - 1: (SUSPENDED, 3),
        r1: (VALID, 0),
        s2 - 1: (VALID, 0),
        s2: (SUSPENDED, 4),
        r2 - 1: (SUSPENDED, 4),
        r2: (VALID, 0),
        s3 - 1: (VALID, 0),
        s3: (SUSPENDED, 5),
        END_OF_TIME: (SUSPENDED, 5),
    }
    assert {t: reg.status(batch.root, target, t) for t in expected} == expected
    assert reg.status(batch.root, batch.ids[1]) == (VALID, 0)


def test_suspend_and_reinstate_refuse_a_credential_in_the_wrong_state(reg: Registry) -> None:
    batch = Batch([cid("award 1")])
    reg.anchor(batch)
    root, target = batch.root, batch.ids[0]
    assert reg.fails(reg.fn.reinstate(root, target, []), reg.issuer) == (
        "NotSuspended",
        (root, target),
    )
    reg.send(reg.fn.suspend(root, target, [], 1), reg.issuer)
    before = reg.snapshot([batch])
    assert reg.fails(reg.fn.suspend(root, target, [], 2), reg.issuer) == (
        "AlreadySuspended",
        (root, target),
    )
    assert reg.snapshot([batch]) == before
    reg.send(reg.fn.reinstate(root, target, []), reg.issuer)
    assert reg.fails(reg.fn.reinstate(root, target, []), reg.issuer) == (
        "NotSuspended",
        (root, target),
    )


def test_a_credential_can_be_suspended_at_most_max_suspensions_times(reg: Registry) -> None:
    batch = Batch([cid("blacklist entry")])
    reg.anchor(batch)
    root, target = batch.root, batch.ids[0]
    limit = reg.fn.MAX_SUSPENSIONS().call()
    for n in range(limit):
        reg.send(reg.fn.suspend(root, target, [], n), reg.issuer)
        reg.send(reg.fn.reinstate(root, target, []), reg.issuer)
    before = reg.snapshot([batch])
    too_many = ("TooManySuspensions", (root, target))
    assert reg.fails(reg.fn.suspend(root, target, [], 99), reg.issuer) == too_many
    assert reg.snapshot([batch]) == before
    assert [p[2] for p in reg.fn.suspensionsOf(root, target).call()] == list(range(limit))
    # Revocation is still possible once the periods are used up.
    reg.send(reg.fn.revoke(root, target, [], 1), reg.issuer)
    assert reg.status(root, target) == (REVOKED, 1)


# ---------------------------------------------------------------- supersession


def test_a_superseded_credential_names_its_successor_and_is_superseded_from_then_on(
    reg: Registry,
) -> None:
    old, new = Batch([cid("APT v1"), cid("other")]), Batch([cid("APT v2"), cid("another")])
    old_id, new_id = old.ids[0], new.ids[0]
    p = old.proof(old_id)
    reg.anchor(old)
    reg.tick(reg.anchor(new))
    before = reg.snapshot([old, new])
    receipt = reg.send(
        reg.fn.supersede(old.root, old_id, p, new.root, new_id, new.proof(new_id)), reg.issuer
    )
    s = reg.time_of(receipt)

    after = reg.snapshot([old, new])
    assert changed(before, after) == {("status", old.root, old_id), ("successor", old.root, old_id)}
    assert after[("successor", old.root, old_id)] == (new.root, new_id)
    assert reg.events(receipt) == [
        (
            "Superseded",
            {
                "root": old.root,
                "credentialId": old_id,
                "newRoot": new.root,
                "newCredentialId": new_id,
            },
        )
    ]
    assert reg.status(old.root, old_id, s - 1) == (VALID, 0)
    assert reg.status(old.root, old_id, s) == (SUPERSEDED, 0)
    assert reg.status(new.root, new_id, s) == (VALID, 0)

    final = ("AlreadySuperseded", (old.root, old_id))
    assert reg.fails(reg.fn.suspend(old.root, old_id, p, 1), reg.issuer) == final
    assert reg.fails(reg.fn.reinstate(old.root, old_id, p), reg.issuer) == final
    again = reg.fn.supersede(old.root, old_id, p, new.root, new.ids[1], new.proof(new.ids[1]))
    assert reg.fails(again, reg.issuer) == final

    # A superseded credential can still be revoked (it proves forged, say): revocation wins.
    reg.tick(s)
    r = reg.time_of(reg.send(reg.fn.revoke(old.root, old_id, p, 4), reg.issuer))
    assert reg.status(old.root, old_id, r - 1) == (SUPERSEDED, 0)
    assert reg.status(old.root, old_id, r) == (REVOKED, 4)


def test_a_successor_must_be_in_a_root_of_the_same_kind_anchored_by_the_same_issuer(
    reg: Registry,
) -> None:
    old = Batch([cid("APT v1"), cid("APT w1")])
    old_id, p = old.ids[0], old.proof(old.ids[0])
    reg.anchor(old)
    unknown, rivals = Batch([cid("APT v2")]), Batch([cid("APT v2 by rival")])
    reg.anchor(rivals, by=reg.rival)
    other_kind = Batch([cid("PRJNUM v2")])
    reg.anchor(other_kind, PERFORMANCE)
    good = Batch([cid("APT v2"), cid("APT w2")])
    reg.anchor(good)
    before = reg.snapshot([old, rivals, other_kind, good])

    def supersede_by(new: Batch, new_id: bytes, new_proof: list[bytes] | None = None) -> Revert:
        proof = new.proof(new_id) if new_proof is None else new_proof
        return reg.fails(reg.fn.supersede(old.root, old_id, p, new.root, new_id, proof), reg.issuer)

    stranger = cid("not in it")
    assert supersede_by(unknown, unknown.ids[0]) == ("UnknownRoot", (unknown.root,))
    assert supersede_by(rivals, rivals.ids[0]) == ("NotIssuerOf", (rivals.root, reg.issuer.address))
    assert supersede_by(other_kind, other_kind.ids[0]) == (
        "KindMismatch",
        (other_kind.root, QUALIFICATION, PERFORMANCE),
    )
    assert supersede_by(good, stranger, good.proof(good.ids[0])) == (
        "NotInBatch",
        (good.root, stranger),
    )
    assert supersede_by(old, old_id) == ("InvalidSuccessor", (old.root, old_id))
    assert reg.snapshot([old, rivals, other_kind, good]) == before

    # A revoked or superseded credential cannot be anyone's successor: no dead ends, no cycles.
    revoked_id, superseded_id = good.ids
    reg.send(reg.fn.revoke(good.root, revoked_id, good.proof(revoked_id), 1), reg.issuer)
    assert supersede_by(good, revoked_id) == ("InvalidSuccessor", (good.root, revoked_id))
    w1 = old.ids[1]
    call = reg.fn.supersede(
        good.root, superseded_id, good.proof(superseded_id), old.root, w1, old.proof(w1)
    )
    reg.send(call, reg.issuer)
    assert supersede_by(good, superseded_id) == ("InvalidSuccessor", (good.root, superseded_id))


# ---------------------------------------------------------------- rebuilding from logs


def test_the_logs_alone_rebuild_every_anchor_status_successor_and_suspension(reg: Registry) -> None:
    a, b = Batch([cid("a1"), cid("a2"), cid("a3")]), Batch([cid("b1")])
    a1, a2, a3 = a.ids
    receipts = [reg.send(reg.fn.anchor_wU2(a.root, QUALIFICATION), reg.issuer)]
    for call in (
        reg.fn.anchor_wU2(b.root, QUALIFICATION),
        reg.fn.suspend(a.root, a1, a.proof(a1), 11),
        reg.fn.revoke(a.root, a2, a.proof(a2), 12),
        reg.fn.reinstate(a.root, a1, a.proof(a1)),
        reg.fn.supersede(a.root, a3, a.proof(a3), b.root, b.ids[0], []),
        reg.fn.suspend(a.root, a1, a.proof(a1), 13),
    ):
        reg.tick(reg.time_of(receipts[-1]))
        receipts.append(reg.send(call, reg.issuer))

    # Replay the logs; the block time of each log is the time of its change.
    anchors: dict[bytes, tuple[str, int, int]] = {}
    history: dict[tuple[bytes, bytes], list[tuple[int, int, int]]] = {}  # (t, status, reason)
    successors: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
    suspensions: dict[tuple[bytes, bytes], list[list[int]]] = {}
    for receipt in receipts:
        t = reg.time_of(receipt)
        for name, ev in reg.events(receipt):
            if name == "Anchored":  # the log names the root; its slot, written once, the rest
                issuer, kind, _ = reg.fn.anchorOf(ev["root"]).call()
                anchors[ev["root"]] = (issuer, kind, t)
                continue
            key = (ev["root"], ev["credentialId"])
            if name == "Revoked":
                history.setdefault(key, []).append((t, REVOKED, ev["reason"]))
            elif name == "Suspended":
                history.setdefault(key, []).append((t, SUSPENDED, ev["reason"]))
                suspensions.setdefault(key, []).append([t, 0, ev["reason"]])
            elif name == "Reinstated":
                history.setdefault(key, []).append((t, VALID, 0))
                suspensions[key][-1][1] = t
            elif name == "Superseded":
                history.setdefault(key, []).append((t, SUPERSEDED, 0))
                successors[key] = (ev["newRoot"], ev["newCredentialId"])

    def replayed(root: bytes, credential_id: bytes, t: int) -> tuple[int, int]:
        if root not in anchors or anchors[root][2] > t:
            return NOT_ANCHORED, 0
        current = (VALID, 0)
        for when, status, reason in history.get((root, credential_id), []):
            if when <= t:
                current = (status, reason)
        return current

    instants = sorted({reg.time_of(r) + d for r in receipts for d in (-1, 0)})
    for batch in (a, b):
        assert tuple(reg.fn.anchorOf(batch.root).call()) == anchors[batch.root]
        for i in batch.ids:
            key = (batch.root, i)
            no_successor = (ZERO_WORD, ZERO_WORD)
            assert tuple(reg.fn.successorOf(*key).call()) == successors.get(key, no_successor)
            assert [list(p) for p in reg.fn.suspensionsOf(*key).call()] == suspensions.get(key, [])
            for t in instants:
                assert reg.status(*key, t) == replayed(*key, t), (i.hex(), t)


# ---------------------------------------------------------------- hashing rules


def test_leaves_use_openzeppelin_double_hashing_and_proofs_verify_as_sorted_pairs(
    reg: Registry,
) -> None:
    batch = Batch([cid(f"performance {n}") for n in range(5)])
    verify = reg.fn.verifyMembership
    for i in batch.ids:
        assert reg.fn.leafOf(i).call() == keccak(keccak(i))
        assert verify(batch.root, i, batch.proof(i)).call()
    single = cid("one credential")
    assert verify(leaf(single), single, []).call()
    first, proof = batch.ids[0], batch.proof(batch.ids[0])
    assert not verify(batch.root, cid("stranger"), proof).call()
    assert not verify(batch.root, first, proof[1:]).call()
    assert not verify(batch.root, first, [keccak(b"x"), *proof[1:]]).call()
    # An inner node cannot pass as a credential: leaves are hashed twice, inner nodes once.
    assert not verify(batch.root, batch.levels[1][0], proof[1:]).call()


def test_field_hashes_and_credential_ids_follow_the_published_formulas(reg: Registry) -> None:
    salt = keccak(b"salt for APT_NAME")
    for name, value in (
        ("APT_CERTNO", b'"D261047095"'),
        ("APT_NAME", '"市政公用工程施工总承包二级"'.encode()),
        ("amount", b"1250.5"),
        ("", b""),
    ):
        expected = keccak(salt + keccak(name.encode()) + keccak(value))
        assert reg.fn.fieldHash(salt, name, value).call() == expected
    tag = keccak(text="TenderLedger.Credential.v1")
    fields = [keccak(text=f"field {n}") for n in range(4)]
    assert reg.fn.credentialIdOf(fields).call() == keccak(tag + b"".join(fields))
    assert reg.fn.credentialIdOf([]).call() == keccak(tag)


# ---------------------------------------------------------------- gas budgets


def _thousand() -> Batch:
    return Batch([cid(f"credential {n}") for n in range(1000)])


def _anchor_gas(reg: Registry) -> dict[str, int]:
    single = Batch([cid("a single qualification")])
    assert single.root == leaf(single.ids[0])
    anchor = reg.fn.anchor_wU2
    return {
        "batch of 1": reg.send(anchor(single.root, QUALIFICATION), reg.issuer)["gasUsed"],
        "batch of 1000": reg.send(anchor(_thousand().root, QUALIFICATION), reg.issuer)["gasUsed"],
    }


def test_anchoring_costs_the_same_for_one_credential_or_a_thousand_and_stays_in_budget(
    reg: Registry,
) -> None:
    gas = _anchor_gas(reg)
    assert max(gas.values()) - min(gas.values()) <= 200, gas  # only calldata bytes differ
    assert max(gas.values()) <= ANCHOR_GAS_TARGET, gas


def position(reg: Registry, batch: Batch, credential_id: bytes) -> int:
    return int(reg.fn.positionOf(credential_id, batch.proof(credential_id)).call())


def test_revoking_one_credential_of_a_batch_of_1000_by_position_costs_at_most_50000_gas(reg: Registry) -> None:
    batch = _thousand()
    reg.anchor(batch)
    target = batch.ids[500]
    receipt = reg.send(reg.fn.revokeAt_Fni(batch.root, [position(reg, batch, target)], 1), reg.issuer)
    assert reg.status(batch.root, target) == (REVOKED, 1)
    assert receipt["gasUsed"] <= REVOKE_AT_GAS_TARGET, receipt["gasUsed"]


def test_revoking_100_credentials_of_a_batch_at_once_costs_at_most_10000_gas_each(reg: Registry) -> None:
    batch = _thousand()
    reg.anchor(batch)
    chosen = batch.ids[::10]  # spread over the whole batch, not one corner of it
    assert len(chosen) == 100
    positions = sorted(position(reg, batch, i) for i in chosen)
    receipt = reg.send(reg.fn.revokeAt_Fni(batch.root, positions, 3), reg.issuer)
    assert all(reg.status(batch.root, i) == (REVOKED, 3) for i in chosen)
    assert reg.status(batch.root, batch.ids[1]) == (VALID, 0)
    assert receipt["gasUsed"] / 100 <= BULK_REVOKE_GAS_PER_CREDENTIAL, receipt["gasUsed"]


# ---------------------------------------------------------------- revocation by leaf position: attacks


def test_positions_are_unique_in_a_batch_and_agree_with_python(reg: Registry) -> None:
    from ledger.crypto.merkle import MerkleTree, position_of

    batch = _thousand()
    assert len({position(reg, batch, i) for i in batch.ids}) == 1000
    tree = MerkleTree.build(batch.ids[:37])
    for i in batch.ids[:37]:
        assert reg.fn.positionOf(i, tree.proof(i)).call() == position_of(i, tree.proof(i))


def test_bulk_revocation_by_a_non_issuer_or_of_another_issuers_batch_is_refused(reg: Registry) -> None:
    mine, theirs = Batch([cid(f"m{n}") for n in range(5)]), Batch([cid(f"t{n}") for n in range(5)])
    reg.anchor(mine)
    reg.anchor(theirs, by=reg.rival)
    before = reg.snapshot([mine, theirs])
    p = position(reg, mine, mine.ids[0])
    for who in (reg.outsider, reg.admin, reg.rival):
        assert reg.fails(reg.fn.revokeAt_Fni(mine.root, [p], 1), who) == ("NotIssuerOf", (mine.root, who.address))
    q = position(reg, theirs, theirs.ids[0])
    assert reg.fails(reg.fn.revokeAt_Fni(theirs.root, [q], 1), reg.issuer) == (
        "NotIssuerOf", (theirs.root, reg.issuer.address))
    unknown = cid("never anchored")
    assert reg.fails(reg.fn.revokeAt_Fni(unknown, [1], 1), reg.issuer) == ("UnknownRoot", (unknown,))
    assert changed(before, reg.snapshot([mine, theirs])) == set()


def test_bulk_revocation_of_a_position_past_the_batch_or_out_of_order_is_refused_or_touches_no_credential(
    reg: Registry,
) -> None:
    batch = Batch([cid(f"p{n}") for n in range(6)])
    reg.anchor(batch)
    before = reg.snapshot([batch])
    for bad, positions in ((0, [0]), (0, []), (2**64, [2**64]), (9, [9, 9]), (8, [9, 8])):
        assert reg.fails(reg.fn.revokeAt_Fni(batch.root, positions, 1), reg.issuer) == (
            "InvalidPosition", (batch.root, bad))
    assert changed(before, reg.snapshot([batch])) == set()
    # The contract does not know the batch's size: a position no leaf has is accepted and recorded,
    # and no credential of the batch reads revoked because of it.
    taken = {position(reg, batch, i) for i in batch.ids}
    past = [p for p in (2**40, 2**63) if p not in taken]
    reg.send(reg.fn.revokeAt_Fni(batch.root, past, 1), reg.issuer)
    assert changed(before, reg.snapshot([batch])) == set()


def test_revoking_twice_by_either_path_is_refused_and_nothing_reinstates_a_revocation(reg: Registry) -> None:
    batch = Batch([cid(f"r{n}") for n in range(9)])
    reg.anchor(batch)
    a, b, c = batch.ids[:3]
    pa, pb = position(reg, batch, a), position(reg, batch, b)
    reg.send(reg.fn.revokeAt_Fni(batch.root, sorted((pa, pb)), 2), reg.issuer)
    assert reg.fails(reg.fn.revokeAt_Fni(batch.root, [pa], 1), reg.issuer) == ("AlreadyRevokedAt", (batch.root, pa))
    # one new position next to one revoked: the whole call reverts, the new one stays valid
    pc = position(reg, batch, c)
    assert reg.fails(reg.fn.revokeAt_Fni(batch.root, sorted((pb, pc)), 1), reg.issuer) == (
        "AlreadyRevokedAt", (batch.root, pb))
    assert reg.status(batch.root, c) == (VALID, 0)
    assert reg.fails(reg.fn.revoke(batch.root, a, batch.proof(a), 1), reg.issuer) == ("AlreadyRevoked", (batch.root, a))
    reg.send(reg.fn.revoke(batch.root, c, batch.proof(c), 4), reg.issuer)
    assert reg.fails(reg.fn.revokeAt_Fni(batch.root, [pc], 1), reg.issuer) == ("AlreadyRevokedAt", (batch.root, pc))
    # a bulk-revoked credential cannot be suspended, reinstated or superseded back to life
    for call in (reg.fn.suspend(batch.root, a, batch.proof(a), 5), reg.fn.reinstate(batch.root, a, batch.proof(a))):
        assert reg.fails(call, reg.issuer) == ("AlreadyRevoked", (batch.root, a))
    assert reg.status(batch.root, a) == (REVOKED, 2)
    assert reg.status(batch.root, c) == (REVOKED, 4)


def test_status_before_a_bulk_revocation_stays_valid_and_its_time_and_reason_are_kept(reg: Registry) -> None:
    batch = Batch([cid(f"s{n}") for n in range(12)])
    t0 = reg.anchor(batch)
    reg.tick(t0)
    first = sorted(position(reg, batch, i) for i in batch.ids[:4])
    t1 = reg.time_of(reg.send(reg.fn.revokeAt_Fni(batch.root, first, 2), reg.issuer))
    reg.tick(t1)
    later = [position(reg, batch, batch.ids[4])]
    receipt = reg.send(reg.fn.revokeAt_Fni(batch.root, later, 3), reg.issuer)
    t2 = reg.time_of(receipt)
    for i in batch.ids[:4]:
        assert reg.status(batch.root, i, t1 - 1) == (VALID, 0)
        assert reg.status(batch.root, i, t1) == (REVOKED, 2)
        assert reg.fn.revocationAt(batch.root, position(reg, batch, i)).call() == [t1, 2]
    assert reg.status(batch.root, batch.ids[4], t2 - 1) == (VALID, 0)
    assert reg.status(batch.root, batch.ids[4], t2) == (REVOKED, 3)
    # The log is the storage word: positions' bits, the time, the reason.
    (name, ev), = reg.events(receipt)
    assert name == "RevokedAt" and ev["root"] == batch.root
    region, bit = divmod(later[0], 176)
    assert ev["region"] == region and ev["word"] == (1 << bit) | (t2 << 176) | (3 << 240)


def test_revoking_one_credential_in_a_batch_of_1000_costs_at_most_60000_gas(reg: Registry) -> None:
    batch = _thousand()
    reg.anchor(batch)
    target = batch.ids[500]
    proof = batch.proof(target)
    assert len(proof) == 10
    receipt = reg.send(reg.fn.revoke(batch.root, target, proof, 1), reg.issuer)
    assert reg.status(batch.root, target) == (REVOKED, 1)
    assert receipt["gasUsed"] <= REVOKE_GAS_TARGET, receipt["gasUsed"]
