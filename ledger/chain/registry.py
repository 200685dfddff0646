"""The CredentialRegistry gateway: issuer roles, anchoring, status changes and reads, in Python terms.

Every input is checked before a transaction is built, so a `ValidationFailed` means nothing was
sent. Writes are signed by the acting party's own key (`LocalAccount`); `prepare_*` build the
unsigned transaction for a party that signs elsewhere.
"""

from __future__ import annotations


from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar, TypeVar
from enum import IntEnum

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_address, to_checksum_address
from hexbytes import HexBytes

from ledger.chain.contracts import load_artifact
from ledger.chain import registry_state as state
from ledger.chain.gateway import ChainLog, Gateway, block_time, json_arg
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.crypto.merkle import MerkleTree, position_of, verify_proof
from ledger.documents import Kind, SealedCredential
from ledger.errors import DeploymentMissing, NodeUnavailable, ValidationFailed, translate
from ledger.model.credential import (
    Anchor,
    AnchoredRoot,
    Batch,
    IssuerGrant,
    ReasonCode,
    RegistryEvent,
    Status,
    StatusAt,
)
from ledger.model.receipt import Mined, UnsignedTx
from ledger.rules.anchoring import check_batch, check_kind

_UINT64 = 2**64
ANCHOR = "anchor_wU2"
"""The anchoring function: named for its selector (0x00003ed3), the lowest, which the dispatcher finds first."""
REVOKE_AT = "revokeAt_Fni"
"""Revocation by leaf position (one or many): selector 0x00004c41, found second."""
REVOCATION_REGION = 176
"""Leaf positions per revocation word (the contract's REGION)."""
REVOCATION_WORD_GAS = 22_100
"""A new storage word (SSTORE of a zero slot, cold): what a revocation pays beyond joining a word."""
_E = TypeVar("_E", bound=IntEnum)


class RegistryGateway(Gateway):
    """The deployed CredentialRegistry."""

    NAME: ClassVar[str] = "CredentialRegistry"

    # ------------------------------------------------------------------ issuers
    def authorise_issuer(self, admin: LocalAccount, issuer: str, kind: Kind) -> Mined:
        """Let `issuer` anchor credentials of `kind`; signed by the registry's admin."""
        return self._send(admin, "authoriseIssuer", _address(issuer, "issuer"), check_kind(kind), timestamp=True)

    def withdraw_issuer(self, admin: LocalAccount, issuer: str, kind: Kind) -> Mined:
        """Stop `issuer` anchoring credentials of `kind` from now on; what it anchored stays valid."""
        return self._send(admin, "withdrawIssuer", _address(issuer, "issuer"), check_kind(kind), timestamp=True)

    def admin(self) -> str:
        return str(self._call("admin"))

    # ------------------------------------------------------------------ anchoring
    def anchor_batch(self, issuer: LocalAccount, credentials: Sequence[SealedCredential],
                     kind: Kind | None = None) -> Batch:
        """Anchor credentials of one kind issued by `issuer` under one Merkle root, in one transaction."""
        batch_kind, ids = check_batch(issuer.address, credentials, kind)
        tree = MerkleTree.build(ids)
        mined = self._send(issuer, ANCHOR, tree.root, int(batch_kind), timestamp=True)
        return Batch(root=tree.root, kind=batch_kind, issuer=issuer.address, tx_hash=mined.tx_hash,
                     block_number=mined.block_number, anchored_at=mined.timestamp or 0,
                     proofs={i: tuple(tree.proof(i)) for i in ids})

    def anchor_root(self, issuer: LocalAccount, root: bytes, kind: Kind, *, gas: int | None = None) -> Mined:
        """Anchor a bare `root` of `kind`, with no batch behind it (load for benchmarks). With `gas`,
        no estimate is run."""
        return self._send(issuer, ANCHOR, _word(root, "root"), check_kind(kind), gas=gas)

    def prepare_anchor(self, issuer_address: str, root: bytes, kind: Kind) -> UnsignedTx:
        """An unsigned transaction anchoring `root` from `issuer_address`, to be signed elsewhere.

        Gas is estimated against the current state, so an issuer lacking `kind` or a root anchored
        before fails here (Unauthorised / Conflict) rather than after signing.
        """
        address = _address(issuer_address, "issuer_address")
        return self.prepare(address, ANCHOR, _word(root, "root"), check_kind(kind))

    # ------------------------------------------------------------------ status changes
    def headroom(self, name: str, args: tuple[Any, ...]) -> int:
        """A revocation joins the word of an earlier revocation of its region made in the same
        second with the same reason, and otherwise writes a new one (`_stamp`). Estimated in the
        second of such a revocation and mined in the next, it writes the new word the estimate did
        not pay for: REVOCATION_WORD_GAS per region it touches is kept in hand (an unused rest is
        not charged)."""
        if name == "revoke":
            return REVOCATION_WORD_GAS
        if name == REVOKE_AT:
            return REVOCATION_WORD_GAS * len({p // REVOCATION_REGION for p in args[1]})
        return 0

    def revoke(self, issuer: LocalAccount, root: bytes, credential_id: bytes, proof: Sequence[bytes],
               reason: ReasonCode) -> Mined:
        """Revoke, for good, a credential anchored by `issuer` under `root`."""
        args = _member(root, credential_id, proof)
        return self._send(issuer, "revoke", *args, _reason(reason, "a revocation"), timestamp=True)

    def revoke_positions(self, issuer: LocalAccount, root: bytes, positions: Sequence[int],
                         reason: ReasonCode) -> Mined:
        """Revoke, for good and in one transaction, the credentials at leaf `positions` of `root`
        (`position_of` of each), with one reason; the cheap path for one or many credentials."""
        return self._send(issuer, REVOKE_AT, _word(root, "root"), _positions(positions),
                          _reason(reason, "a revocation"), timestamp=True)

    def prepare_revoke_positions(self, issuer_address: str, root: bytes, positions: Sequence[int],
                                 reason: ReasonCode) -> UnsignedTx:
        """An unsigned bulk revocation for the issuer to sign elsewhere (estimated against the state
        now, so a position revoked before fails here)."""
        return self.prepare(_address(issuer_address, "issuer_address"), REVOKE_AT, _word(root, "root"),
                            _positions(positions), _reason(reason, "a revocation"))

    def revocation_at(self, root: bytes, position: int) -> tuple[int, int]:
        """(revokedAt, reason code) of the credential at leaf `position` of `root`; (0, 0) if not revoked."""
        embedded = self._storage()
        if embedded is not None:
            return state.revocation_of(embedded, self.address, _word(root, "root"), position)
        at, reason = self._call("revocationAt", _word(root, "root"), position)
        return int(at), int(reason)

    def suspend(self, issuer: LocalAccount, root: bytes, credential_id: bytes, proof: Sequence[bytes],
                reason: ReasonCode) -> Mined:
        """Suspend a credential anchored by `issuer` under `root` until it is reinstated."""
        args = _member(root, credential_id, proof)
        return self._send(issuer, "suspend", *args, _reason(reason, "a suspension"), timestamp=True)

    def reinstate(self, issuer: LocalAccount, root: bytes, credential_id: bytes, proof: Sequence[bytes]) -> Mined:
        """End the open suspension of a credential anchored by `issuer` under `root`."""
        return self._send(issuer, "reinstate", *_member(root, credential_id, proof), timestamp=True)

    def supersede(self, issuer: LocalAccount, old_root: bytes, old_id: bytes, old_proof: Sequence[bytes],
                  new_root: bytes, new_id: bytes, new_proof: Sequence[bytes]) -> Mined:
        """Mark `old_id` superseded from now by `new_id` (same kind and issuer, already anchored)."""
        old = _member(old_root, old_id, old_proof, "old ")
        new = _member(new_root, new_id, new_proof, "new ")
        if old[:2] == new[:2]:
            raise ValidationFailed("a credential cannot supersede itself: old and new are the same")
        return self._send(issuer, "supersede", *old, *new, timestamp=True)

    # ------------------------------------------------------------------ relaying parties' own transactions
    def decode_signed(self, signed_tx: str) -> RelayedTx:
        """A transaction signed by its party, decoded and checked to call this registry."""
        return decode_signed_tx(self, signed_tx)

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
        """Dry-run, then send; the Mined carries its block's time. With `sponsor`, an issuer's
        transaction that would succeed has its gas topped up first (an issuer needs no funds)."""
        done = relay(self, relayed, sponsor=sponsor)
        return Mined(done.tx_hash, done.block_number, done.gas_used, self.client.block_timestamp(done.block_number))

    def now(self) -> int:
        """The latest block's time (unix seconds): 'now' on the chain."""
        return self.client.block_timestamp()

    # ------------------------------------------------------------------ reads
    def anchor_of(self, root: bytes) -> Anchor | None:
        """Who anchored `root`, of which kind and when; None if it was never anchored."""
        embedded = self._storage()
        if embedded is not None:  # the same answer from the contract's storage, without an EVM run
            raw, kind, anchored_at = state.anchor_of(embedded, self.address, _word(root, "root"))
            issuer = "0x" + raw.to_bytes(20, "big").hex()  # all 40 digits: an address may begin with 0
        else:
            issuer, kind, anchored_at = self._view(
                "anchorOf(bytes32)", [_word(root, "root")], ("address", "uint8", "uint64"))
        if int(issuer, 16) == 0:
            return None
        return Anchor(issuer=to_checksum_address(issuer), kind=_known(Kind, kind), anchored_at=anchored_at)

    def status_at(self, root: bytes, credential_id: bytes, proof: Sequence[bytes], at: int) -> StatusAt:
        """Status of `credential_id` under `root` at unix time `at`; NOT_ANCHORED unless `proof` shows
        the id to be in the root (the contract checks it: no id outside a batch reads VALID)."""
        if isinstance(proof, bytes | str):
            raise ValidationFailed("proof must be a list of 32-byte hashes, not one value")
        hashes = [_word(p, f"proof[{i}]") for i, p in enumerate(proof)]
        root_, id_, t = _word(root, "root"), _word(credential_id, "credential_id"), _instant(at)
        embedded = self._storage()
        if embedded is not None:  # the contract's rule on its storage words (registry_state), no EVM run
            status, reason = state.status_at(embedded, self.address, root_, id_, hashes, t)
        else:
            status, reason = self._view("statusAt(bytes32,bytes32,bytes32[],uint64)", [root_, id_, hashes, t],
                                        ("uint8", "uint16"))
        return StatusAt(status=Status(status), reason=_known(ReasonCode, reason))

    def statuses_in(self, root: bytes, members: Sequence[tuple[bytes, Sequence[bytes]]], at: int) -> list[StatusAt]:
        """`status_at` of several (credential id, proof) of one root, in one call (`statusesIn`)."""
        rows = []
        for n, (credential_id, proof) in enumerate(members):
            if isinstance(proof, bytes | str):
                raise ValidationFailed(f"members[{n}]: proof must be a list of 32-byte hashes, not one value")
            rows.append((_word(credential_id, f"members[{n}].credential_id"),
                         [_word(p, f"members[{n}].proof[{i}]") for i, p in enumerate(proof)]))
        embedded = self._storage()
        if embedded is not None:
            t = _instant(at)
            found = [state.status_at(embedded, self.address, _word(root, "root"), cid, hashes, t) for cid, hashes in rows]
            return [StatusAt(status=Status(s), reason=_known(ReasonCode, r)) for s, r in found]
        statuses, reasons = self._view(
            "statusesIn(bytes32,(bytes32,bytes32[])[],uint64)", [_word(root, "root"), rows, _instant(at)],
            ("uint8[]", "uint16[]"), inputs=("bytes32", "(bytes32,bytes32[])[]", "uint64"))
        return [StatusAt(status=Status(s), reason=_known(ReasonCode, r)) for s, r in zip(statuses, reasons, strict=True)]

    def successor_of(self, root: bytes, credential_id: bytes) -> tuple[bytes, bytes] | None:
        """(new root, new credential id) that superseded `credential_id` under `root`, or None."""
        new_root, new_id = self._call("successorOf", _word(root, "root"), _word(credential_id, "credential_id"))
        if new_root == bytes(32):
            return None
        return bytes(new_root), bytes(new_id)

    def decode_log(self, log: Any) -> Any:
        """A decoded event; an `Anchored` log carries only its root (LOG2, no data, for the anchor's
        gas), so its issuer and kind are added from `anchorOf(root)`, which never changes once written."""
        found = super().decode_log(log)
        if found.event == "Anchored" and "issuer" not in found.args:
            anchor = self.anchor_of(bytes(found.args["root"]))
            if anchor is not None:
                found.args.update(issuer=anchor.issuer, kind=int(anchor.kind))
        return found

    def anchored_roots(self, from_block: int = 0) -> tuple[list[AnchoredRoot], int]:
        """Every root anchored from `from_block` up to the head, oldest first, and the head's number
        (read the next ones from there + 1)."""
        head = self.client.block_number()
        if from_block > head:
            return [], head
        return [anchored_root(log) for log in self.logs(from_block=from_block, to_block=head, event="Anchored")], head

    def issuer_grants(self) -> list[IssuerGrant]:
        """Every (issuer, kind) the admin ever authorised, with its state now and since when, from
        the chain's IssuerAuthorised / IssuerWithdrawn events."""
        grants: dict[tuple[str, int], IssuerGrant] = {}
        logs = self.logs(event="IssuerAuthorised") + self.logs(event="IssuerWithdrawn")
        for log in sorted(logs, key=lambda g: g.position):
            issuer, kind = to_checksum_address(log.args["issuer"]), int(log.args["kind"])
            since = block_time(self.client.block_timestamp(log.block_number))
            grants[(issuer, kind)] = IssuerGrant(issuer, kind, log.event == "IssuerAuthorised", since)
        return list(grants.values())

    def events_about(self, root: bytes, credential_id: bytes, proof: Sequence[bytes] = ()) -> list[RegistryEvent]:
        """The anchoring of `root` and every status change of `credential_id` under it, oldest first,
        from the chain's logs. With the credential's `proof` (its leaf position), a revocation by
        position (`RevokedAt`) that covers it is one of them, its args naming the credential, its
        position, time and reason besides the logged region and word (0x-hex)."""
        word_root = HexBytes(_word(root, "root"))
        word_id = _word(credential_id, "credential_id")
        found = self.logs(event="Anchored", topics=[word_root])
        for name in ("Revoked", "Suspended", "Reinstated", "Superseded"):
            found += self.logs(event=name, topics=[word_root, HexBytes(word_id)])
        position = position_of(word_id, [_word(p, f"proof[{i}]") for i, p in enumerate(proof)])
        extra: dict[int, dict[str, Any]] = {}
        for log in self.logs(event="RevokedAt", topics=[word_root]):
            positions, _, reason = state.revoked_in_word(int(log.args["region"]), int(log.args["word"]))
            if position in positions:
                found.append(log)
                extra[id(log)] = {"word": "0x" + int(log.args["word"]).to_bytes(32, "big").hex(),
                                  "credentialId": "0x" + word_id.hex(), "position": position, "reason": reason}
        out = []
        for log in sorted(found, key=lambda g: g.position):
            when = block_time(self.client.block_timestamp(log.block_number))
            args = {k: json_arg(v) for k, v in log.args.items()} | extra.get(id(log), {})
            out.append(RegistryEvent(name=log.event, block_number=log.block_number, tx_hash="0x" + log.tx_hash.hex(),
                                     time=when, args=args))
        return out

    def find_anchoring(self, root: bytes, from_block: int = 0) -> Mined | None:
        """The transaction that anchored `root`, from the Anchored event; None if there is none.

        Searches logs, which is slow on long chains: verification uses `anchor_of` instead.
        """
        found = self.logs(from_block=from_block, event="Anchored", topics=[HexBytes(_word(root, "root"))])
        if not found:
            return None
        first = found[0]
        return Mined(tx_hash=first.tx_hash, block_number=first.block_number,
                     timestamp=self.client.block_timestamp(first.block_number))

    def _view(self, signature: str, args: Sequence[Any], returns: tuple[str, ...],
              inputs: Sequence[str] | None = None) -> tuple[Any, ...]:
        """Call a view with calldata encoded by hand.

        Verification reads two views per credential; web3's contract-function machinery costs about
        as much as the embedded EVM running them, so the hot path skips it.
        """
        if inputs is None:  # no tuple types: the signature's parameter list is the types
            inputs = signature[signature.index("(") + 1 : -1].split(",")
        data = _selector(signature) + abi_encode(list(inputs), list(args))
        try:
            output = self.client.w3.eth.call({"to": self.address, "data": HexBytes(data)})
        except OSError as exc:
            raise NodeUnavailable(f"the node does not answer: {type(exc).__name__}: {exc}") from None
        except Exception as exc:
            translated = translate(exc)
            if translated is None:
                raise
            raise translated from None
        try:
            return tuple(abi_decode(list(returns), bytes(output)))
        except DecodingError:
            raise DeploymentMissing(
                f"{self.address} does not answer {signature} like a CredentialRegistry "
                f"(returned {len(output)} bytes): no contract there, or another one"
            ) from None




# ---------------------------------------------------------------------- input checks


def _member(root: bytes, credential_id: bytes, proof: Sequence[bytes], which: str = "") -> tuple[bytes, bytes, list[bytes]]:
    """(root, id, proof) once the proof is known to put the id under the root."""
    word_root = _word(root, f"{which}root")
    word_id = _word(credential_id, f"{which}credential_id")
    if isinstance(proof, bytes | str):
        raise ValidationFailed(f"{which}proof must be a list of 32-byte hashes, not one value")
    hashes = [_word(p, f"{which}proof[{i}]") for i, p in enumerate(proof)]
    if not verify_proof(word_root, word_id, hashes):
        raise ValidationFailed(
            f"the {which}proof does not show credential 0x{word_id.hex()} to be under "
            f"root 0x{word_root.hex()}"
        )
    return word_root, word_id, hashes


def _positions(positions: object) -> list[int]:
    """Leaf positions, strictly ascending, each 1 … 2^64 - 1 (the contract's rule, checked before sending)."""
    if isinstance(positions, bytes | str) or not isinstance(positions, Sequence) or not positions:
        raise ValidationFailed("positions must be a non-empty list of leaf positions")
    out: list[int] = []
    for i, p in enumerate(positions):
        if isinstance(p, bool) or not isinstance(p, int) or not 0 < p < _UINT64:
            raise ValidationFailed(f"positions[{i}] is not a leaf position (1 … 2^64 - 1): {p!r}")
        if out and p <= out[-1]:
            raise ValidationFailed(f"positions must be strictly ascending: {p} follows {out[-1]}")
        out.append(p)
    return out


def _reason(reason: object, action: str) -> int:
    if isinstance(reason, bool) or not isinstance(reason, int):
        raise ValidationFailed(f"{action} needs a ReasonCode, got {reason!r}")
    try:
        code = ReasonCode(reason)
    except ValueError:
        known = ", ".join(f"{r.value} ({r.name})" for r in ReasonCode if r is not ReasonCode.NONE)
        raise ValidationFailed(f"unknown reason code {reason}; expected one of {known}") from None
    if code is ReasonCode.NONE:
        raise ValidationFailed(f"{action} needs a reason other than NONE")
    return int(code)


def _word(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        shown = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise ValidationFailed(f"{what} must be 32 bytes, got {shown}")
    return value


def _address(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.startswith("0x") or not is_address(value):
        raise ValidationFailed(f"{what} is not an Ethereum address: {value!r}")
    return to_checksum_address(value)


def _instant(at: object) -> int:
    if isinstance(at, bool) or not isinstance(at, int) or not 0 <= at < _UINT64:
        raise ValidationFailed(f"an instant is a unix time in seconds (uint64), got {at!r}")
    return at


def _known(enum: type[_E], value: int) -> _E | int:
    """The enum member for `value`, or the bare number when the contract knows more than we do."""
    try:
        return enum(value)
    except ValueError:
        return value


@cache
def _selector(signature: str) -> bytes:
    """The 4-byte selector of a registry function, from the shipped ABI (KeyError if it is gone)."""
    return bytes.fromhex(load_artifact("CredentialRegistry")["methodIdentifiers"][signature])


def anchored_root(log: ChainLog) -> AnchoredRoot:
    """The root an `Anchored` log (as `RegistryGateway.logs` decodes it) anchored, by whom and where."""
    return AnchoredRoot(root=bytes(log.args["root"]), issuer=to_checksum_address(log.args["issuer"]),
                        kind=_known(Kind, int(log.args["kind"])), block_number=log.block_number, tx_hash=log.tx_hash)
