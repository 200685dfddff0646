"""Registry services: authorise issuers, anchor credentials, change and read their status.

Keyword-only functions over a `ChainClient` and the deployed `CredentialRegistry` contract. Every
input is checked before a transaction is built, so a `ValidationFailed` means nothing was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from typing import Any, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_address, to_checksum_address
from hexbytes import HexBytes
from web3.contract import Contract
from web3.types import TxReceipt

from ledger.chain.client import ChainClient
from ledger.model.receipt import Mined
from ledger.chain.contracts import load_artifact
from ledger.documents import Kind, SealedCredential
from ledger.errors import DeploymentMissing, NodeUnavailable, ValidationFailed, translate
from ledger.crypto.merkle import MerkleTree, verify_proof

MAX_BATCH = 10_000
"""Most credentials in one batch: keeps proofs short (≤ 14 hashes) and batches reviewable."""

_MAX_REPORTED = 5  # problems listed in one ValidationFailed message
_UINT64 = 2**64
_E = TypeVar("_E", bound=IntEnum)


class ReasonCode(IntEnum):
    """Why a credential was revoked or suspended (the contract's `uint16 reason`).

    0 is what `statusAt` answers when there is no reason (valid or superseded); it cannot be given
    to `revoke` or `suspend`.
    """

    NONE = 0
    ISSUED_IN_ERROR = 1  # 错误颁发: wrong data or wrong subject
    FRAUD = 2  # 弄虚作假: obtained by false documents
    EXPIRED_EARLY = 3  # ended before validUntil: qualification cancelled, firm dissolved
    COURT_ORDER = 4  # 法院裁定 / administrative decision
    UNDER_INVESTIGATION = 5  # 调查中: the usual ground for a suspension
    SUPERSEDED = 6  # replaced by a document not anchored through `supersede`
    OTHER = 255


class Status(IntEnum):
    """Status of a credential under a root at an instant (the contract's `Status`)."""

    NOT_ANCHORED = 0
    VALID = 1
    REVOKED = 2
    SUSPENDED = 3
    SUPERSEDED = 4


@dataclass(frozen=True)
class Batch:
    """An anchored batch: its root, the anchoring transaction and each credential's proof."""

    root: bytes
    kind: Kind
    issuer: str
    tx_hash: bytes
    block_number: int
    anchored_at: int
    proofs: Mapping[bytes, tuple[bytes, ...]]

    @property
    def credential_ids(self) -> list[bytes]:
        return list(self.proofs)

    def proof(self, credential_id: bytes) -> list[bytes]:
        """The Merkle proof of one credential of the batch (empty for a one-credential batch)."""
        try:
            return list(self.proofs[credential_id])
        except KeyError:
            raise ValidationFailed(
                f"credential 0x{credential_id.hex()} is not in batch 0x{self.root.hex()}"
            ) from None


@dataclass(frozen=True)
class Anchor:
    """Who anchored a root, the kind of its credentials and when (block timestamp)."""

    issuer: str
    kind: Kind | int
    anchored_at: int


@dataclass(frozen=True)
class StatusAt:
    """Status of a credential at an instant, with the revocation or suspension reason."""

    status: Status
    reason: ReasonCode | int


# ---------------------------------------------------------------------- issuers


def authorise_issuer(
    *, client: ChainClient, registry: Contract, admin: LocalAccount, issuer: str, kind: Kind
) -> Mined:
    """Let `issuer` anchor credentials of `kind`; signed by the registry's admin."""
    address = _address(issuer, "issuer")
    checked = _kind(kind)
    return _mined(client, client.send(admin, registry.functions.authoriseIssuer(address, checked)))


def withdraw_issuer(
    *, client: ChainClient, registry: Contract, admin: LocalAccount, issuer: str, kind: Kind
) -> Mined:
    """Stop `issuer` anchoring credentials of `kind` from now on; what it anchored stays valid."""
    address = _address(issuer, "issuer")
    checked = _kind(kind)
    return _mined(client, client.send(admin, registry.functions.withdrawIssuer(address, checked)))


# ---------------------------------------------------------------------- anchoring


def anchor_one(
    *, client: ChainClient, registry: Contract, issuer: LocalAccount, sealed: SealedCredential
) -> Batch:
    """Anchor one credential: a batch of one, whose root is the credential's leaf (empty proof)."""
    return anchor_batch(client=client, registry=registry, issuer=issuer, credentials=[sealed])


def anchor_batch(
    *,
    client: ChainClient,
    registry: Contract,
    issuer: LocalAccount,
    credentials: Sequence[SealedCredential],
    kind: Kind | None = None,
) -> Batch:
    """Anchor credentials of one kind issued by `issuer` under one Merkle root, in one transaction.

    Raises ValidationFailed (before any transaction) for an empty or oversized batch, mixed kinds,
    a kind other than `kind`, a document naming another issuer, or the same credential twice.
    """
    batch_kind, ids = _check_batch(issuer.address, credentials, kind)
    tree = MerkleTree.build(ids)
    receipt = client.send(issuer, registry.functions.anchor(tree.root, int(batch_kind)))
    mined = _mined(client, receipt)
    return Batch(
        root=tree.root,
        kind=batch_kind,
        issuer=issuer.address,
        tx_hash=mined.tx_hash,
        block_number=mined.block_number,
        anchored_at=mined.timestamp or 0,
        proofs={i: tuple(tree.proof(i)) for i in ids},
    )


def build_anchor_tx(
    *, client: ChainClient, registry: Contract, issuer_address: str, root: bytes, kind: Kind
) -> dict[str, Any]:
    """An unsigned transaction anchoring `root` from `issuer_address`, to be signed elsewhere.

    Gas is estimated against the current state, so an issuer lacking `kind` or a root anchored
    before fails here (Unauthorised / Conflict) rather than after signing. Send the signed bytes
    with `client.send_raw`.
    """
    address = _address(issuer_address, "issuer_address")
    word = _word(root, "root")
    checked = _kind(kind)
    return client.build(address, registry.functions.anchor(word, checked))


# ---------------------------------------------------------------------- status changes


def revoke(
    *,
    client: ChainClient,
    registry: Contract,
    issuer: LocalAccount,
    root: bytes,
    credential_id: bytes,
    proof: Sequence[bytes],
    reason: ReasonCode,
) -> Mined:
    """Revoke, for good, a credential anchored by `issuer` under `root`."""
    return _with_reason(client, registry.functions.revoke, issuer, root, credential_id, proof, reason,
                        "a revocation")


def suspend(
    *,
    client: ChainClient,
    registry: Contract,
    issuer: LocalAccount,
    root: bytes,
    credential_id: bytes,
    proof: Sequence[bytes],
    reason: ReasonCode,
) -> Mined:
    """Suspend a credential anchored by `issuer` under `root` until it is reinstated."""
    return _with_reason(client, registry.functions.suspend, issuer, root, credential_id, proof, reason,
                        "a suspension")


def _with_reason(
    client: ChainClient, function: Any, issuer: LocalAccount, root: bytes, credential_id: bytes,
    proof: Sequence[bytes], reason: ReasonCode, action: str,
) -> Mined:
    """A status change that carries a reason code: checked first, then sent by the issuer."""
    args = _member(root, credential_id, proof)
    code = _reason(reason, action)
    return _mined(client, client.send(issuer, function(*args, code)))


def reinstate(
    *,
    client: ChainClient,
    registry: Contract,
    issuer: LocalAccount,
    root: bytes,
    credential_id: bytes,
    proof: Sequence[bytes],
) -> Mined:
    """End the open suspension of a credential anchored by `issuer` under `root`."""
    args = _member(root, credential_id, proof)
    return _mined(client, client.send(issuer, registry.functions.reinstate(*args)))


def supersede(
    *,
    client: ChainClient,
    registry: Contract,
    issuer: LocalAccount,
    old_root: bytes,
    old_id: bytes,
    old_proof: Sequence[bytes],
    new_root: bytes,
    new_id: bytes,
    new_proof: Sequence[bytes],
) -> Mined:
    """Mark `old_id` superseded from now by `new_id` (same kind and issuer, already anchored)."""
    old = _member(old_root, old_id, old_proof, "old ")
    new = _member(new_root, new_id, new_proof, "new ")
    if old[:2] == new[:2]:
        raise ValidationFailed("a credential cannot supersede itself: old and new are the same")
    return _mined(client, client.send(issuer, registry.functions.supersede(*old, *new)))


# ---------------------------------------------------------------------- reads


def anchor_of(*, client: ChainClient, registry: Contract, root: bytes) -> Anchor | None:
    """Who anchored `root`, of which kind and when; None if it was never anchored."""
    issuer, kind, anchored_at = _view(
        client, registry, "anchorOf(bytes32)", [_word(root, "root")], ("address", "uint8", "uint64")
    )
    if int(issuer, 16) == 0:
        return None
    return Anchor(
        issuer=to_checksum_address(issuer), kind=_known(Kind, kind), anchored_at=anchored_at
    )


def status_at(
    *, client: ChainClient, registry: Contract, root: bytes, credential_id: bytes, at: int
) -> StatusAt:
    """Status of `credential_id` under `root` at unix time `at` (membership is not checked here)."""
    args = [_word(root, "root"), _word(credential_id, "credential_id"), _instant(at)]
    status, reason = _view(
        client, registry, "statusAt(bytes32,bytes32,uint64)", args, ("uint8", "uint16")
    )
    return StatusAt(status=Status(status), reason=_known(ReasonCode, reason))


def successor_of(
    *, client: ChainClient, registry: Contract, root: bytes, credential_id: bytes
) -> tuple[bytes, bytes] | None:
    """(new root, new credential id) that superseded `credential_id` under `root`, or None."""
    fn = registry.functions.successorOf(_word(root, "root"), _word(credential_id, "credential_id"))
    new_root, new_id = client.call(fn)
    if new_root == bytes(32):
        return None
    return bytes(new_root), bytes(new_id)


def find_anchoring(
    *, client: ChainClient, registry: Contract, root: bytes, from_block: int = 0
) -> Mined | None:
    """The transaction that anchored `root`, from the Anchored event; None if there is none.

    Searches logs, which is slow on long chains: verification uses `anchor_of` instead.
    """
    events = registry.events.Anchored.get_logs(
        from_block=from_block, argument_filters={"root": _word(root, "root")}
    )
    if not events:
        return None
    event = events[0]
    block = int(event["blockNumber"])
    return Mined(
        tx_hash=bytes(event["transactionHash"]),
        block_number=block,
        timestamp=client.block_timestamp(block),
    )


# ---------------------------------------------------------------------- checks


def check_batch(
    issuer: str, credentials: Sequence[SealedCredential], kind: Kind | None = None
) -> tuple[Kind, list[bytes]]:
    """The batch's kind and credential ids, or ValidationFailed listing what is wrong."""
    return _check_batch(issuer, credentials, kind)


def _check_batch(
    issuer: str, credentials: Sequence[SealedCredential], kind: Kind | None
) -> tuple[Kind, list[bytes]]:
    """The batch's kind and credential ids, or ValidationFailed listing what is wrong."""
    count = len(credentials)
    if count == 0:
        raise ValidationFailed("a batch needs at least one credential")
    if count > MAX_BATCH:
        raise ValidationFailed(
            f"a batch holds at most {MAX_BATCH:,} credentials, got {count:,}: split it into "
            f"{-(-count // MAX_BATCH)} batches"
        )
    if kind is not None:
        kind = Kind(_kind(kind))
    problems: list[str] = []
    first_of: dict[bytes, int] = {}
    ids: list[bytes] = []
    batch_kind = kind
    for index, sealed in enumerate(credentials):
        if not isinstance(sealed, SealedCredential):
            problems.append(f"item {index} is a {type(sealed).__name__}, not a SealedCredential")
            continue
        document = sealed.document
        if batch_kind is None:
            batch_kind = document.kind
        if document.kind != batch_kind:
            expected = "the batch's kind" if kind is not None else "credential 0's kind"
            problems.append(
                f"credential {index} is of kind {document.kind.name}, not {batch_kind.name} "
                f"({expected}): a root holds credentials of one kind"
            )
        if document.issuer != to_checksum_address(issuer):
            problems.append(
                f"credential {index} names issuer {document.issuer}, but {issuer} is anchoring it"
            )
        credential_id = sealed.credential_id()
        if credential_id in first_of:
            problems.append(
                f"credentials {first_of[credential_id]} and {index} are the same credential "
                f"(id 0x{credential_id.hex()}): a batch holds each credential once"
            )
        else:
            first_of[credential_id] = index
            ids.append(credential_id)
    if problems:
        shown = "; ".join(problems[:_MAX_REPORTED])
        more = len(problems) - _MAX_REPORTED
        raise ValidationFailed(shown + (f"; and {more} more problems" if more > 0 else ""))
    assert batch_kind is not None
    return batch_kind, ids


def _member(
    root: bytes, credential_id: bytes, proof: Sequence[bytes], which: str = ""
) -> tuple[bytes, bytes, list[bytes]]:
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


def _kind(kind: object) -> int:
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise ValidationFailed(f"kind must be a Kind, got {kind!r}")
    try:
        return int(Kind(kind))
    except ValueError:
        known = ", ".join(f"{k.value} ({k.name})" for k in Kind)
        raise ValidationFailed(f"unknown credential kind {kind}; expected one of {known}") from None


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


def _view(
    client: ChainClient,
    registry: Contract,
    signature: str,
    args: Sequence[Any],
    returns: tuple[str, ...],
) -> tuple[Any, ...]:
    """Call a view with calldata encoded by hand.

    Verification reads two views per credential; web3's contract-function machinery costs about
    as much as the embedded EVM running them, so the hot path skips it.
    """
    inputs = signature[signature.index("(") + 1 : -1].split(",")
    data = _selector(signature) + abi_encode(inputs, list(args))
    try:
        output = client.w3.eth.call({"to": registry.address, "data": HexBytes(data)})
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
            f"{registry.address} does not answer {signature} like a CredentialRegistry "
            f"(returned {len(output)} bytes): no contract there, or another one"
        ) from None


def _mined(client: ChainClient, receipt: TxReceipt) -> Mined:
    block = int(receipt["blockNumber"])
    return Mined(
        tx_hash=bytes(receipt["transactionHash"]),
        block_number=block,
        gas_used=int(receipt["gasUsed"]),
        timestamp=client.block_timestamp(block),
    )
