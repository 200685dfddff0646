"""The registry's use cases: relay issuers' and the admin's own transactions, read and verify credentials.

The service never signs for anyone. Writes arrive as transactions signed by the acting party;
each is checked to do exactly what the request says (right signer, right contract, right
function, arguments matching the uploaded documents) before it is relayed. The holder's sealed
copies are filed as documents before the anchor is relayed; the store's projection makes the
credential rows from them when the journal reads the Anchored event.

Everything here stands on two ports: `RegistryChain` (the CredentialRegistry gateway) and
`CredentialFiles` (the store), and returns model objects.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from ledger.chain.relay import RelayedTx
from ledger.crypto.merkle import MerkleTree, leaf_of, position_of
from ledger.documents import Disclosure, DocumentError, Kind, SealedCredential
from ledger.values import to_hex
from ledger.errors import Conflict, ContractRevert, NotFound, TransactionRejected, Unauthorised, ValidationFailed
from ledger.model.credential import (
    Anchor,
    Batch,
    BulkRevocation,
    CredentialStatus,
    IssuerGrant,
    ReasonCode,
    RegistryEvent,
    StatusChange,
    StoredCredential,
)
from ledger.model.receipt import Mined, UnsignedTx
from ledger.rules.anchoring import check_batch
from ledger.rules.verify import RegistryReads, VerificationReport, verify
from ledger.service.ports import CredentialLookup

# One relayed write at a time: the chain is single-writer anyway, and this keeps "check in the store →
# relay → project" free of races between two uploads of the same credential. The default guards one
# process; the service passes its store's guard, which holds across its worker processes.
WRITE_LOCK = threading.Lock()

REVOKE_AT = "revokeAt_Fni"
"""The registry's revocation by leaf position (`RegistryGateway.revoke_positions`)."""
MAX_REVOCATIONS = 10_000
"""Most credentials one bulk revocation names (a batch holds at most `MAX_BATCH`)."""

STATUS_FUNCTIONS = {"revoke": "revoke", "suspend": "suspend", "reinstate": "reinstate", "supersede": "supersede"}


class RegistryChain(RegistryReads, Protocol):
    """What the use cases need of the CredentialRegistry (`RegistryGateway` has it all)."""

    def decode_signed(self, signed_tx: str) -> RelayedTx: ...

    def events_about(self, root: bytes, credential_id: bytes, proof: Sequence[bytes] = ()) -> list[RegistryEvent]: ...

    def revocation_at(self, root: bytes, position: int) -> tuple[int, int]: ...

    def prepare_revoke_positions(self, issuer_address: str, root: bytes, positions: Sequence[int],
                                 reason: ReasonCode) -> UnsignedTx: ...

    def issuer_grants(self) -> list[IssuerGrant]: ...

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined: ...

    def admin(self) -> str: ...

    def now(self) -> int: ...

    def prepare_anchor(self, issuer_address: str, root: bytes, kind: Kind) -> UnsignedTx: ...


class CredentialFiles(CredentialLookup, Protocol):
    """What the use cases need of the store: the anchored credentials, their documents, the journal."""

    def known(self, credential_ids: Sequence[bytes]) -> list[bytes]:
        """Which of `credential_ids` are anchored credentials the store holds."""
        ...

    def of_issuer(self, issuer: str, *, query: str = "", offset: int = 0,
                  limit: int = 50) -> tuple[Sequence[StoredCredential], int]:
        """A page of the credentials `issuer` anchored, newest first, whose document or subject
        contains `query`, each proven; and how many there are in all."""
        ...

    def reserve(self, root: bytes, ids: Sequence[bytes]) -> list[bytes]:
        """Hold `ids` for the anchor of `root` while it is relayed: [] when all are held now, else
        the ids an anchor of another batch in flight holds (and nothing is held)."""
        ...

    def release(self, root: bytes, ids: Sequence[bytes]) -> None:
        """Let go of what `reserve(root, ids)` held."""
        ...

    def file_batch(self, root: bytes, ids: Sequence[bytes], documents: Sequence[SealedCredential]) -> None:
        """File the holder's sealed copies and the batch's ids under `root` (before the anchor)."""
        ...

    def catch_up(self) -> None:
        """Journal and project whatever reached the chain."""
        ...


@dataclass(frozen=True)
class IssuedPage:
    """A page of the credentials one issuer anchored, with their status now, and how many match in all."""

    credentials: tuple[CredentialStatus, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class PreparedAnchor:
    """The root and kind of a batch, and the unsigned anchor transaction for its issuer to sign."""

    root: bytes
    kind: Kind
    tx: UnsignedTx


@dataclass(frozen=True)
class PreparedRevocation:
    """A bulk revocation's batch root, the credentials in position order with their leaf positions,
    the reason, and the unsigned `revokeAt_Fni` transaction for the batch's issuer to sign."""

    root: bytes
    reason: ReasonCode
    credential_ids: tuple[bytes, ...]
    positions: tuple[int, ...]
    tx: UnsignedTx


# ---------------------------------------------------------------------- parsing what parties upload


def revocation_reason(value: object) -> ReasonCode:
    """A revocation's reason: a ReasonCode by number or name (`fraud`, `FRAUD`), never NONE."""
    code: ReasonCode | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        code = ReasonCode._value2member_map_.get(value)  # type: ignore[assignment]
    elif isinstance(value, str):
        code = ReasonCode.__members__.get(value.strip().upper().replace("-", "_"))
    if code is None or code is ReasonCode.NONE:
        known = ", ".join(f"{r.value} ({r.name.lower()})" for r in ReasonCode if r is not ReasonCode.NONE)
        raise ValidationFailed(f"reason {value!r} is not a revocation reason; one of {known}")
    return code


def parse_sealed(items: Sequence[Any]) -> list[SealedCredential]:
    """Sealed credentials from JSON objects; ValidationFailed names each bad item."""
    out: list[SealedCredential] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            out.append(SealedCredential.from_dict(item))
        except (DocumentError, ValueError, TypeError, KeyError) as exc:
            problems.append(f"document {index}: {exc}")
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ValidationFailed("; ".join(problems[:5]) + more)
    return out


def parse_presented(document: Any) -> SealedCredential | Disclosure:
    """A sealed credential (it has a master salt) or a disclosure, from its JSON object."""
    try:
        if not isinstance(document, Mapping):
            raise ValidationFailed("document must be a JSON object (a sealed credential or a disclosure)")
        if "masterSalt" in document:
            return SealedCredential.from_dict(document)
        return Disclosure.from_dict(document)
    except (DocumentError, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed(f"document is neither a sealed credential nor a disclosure: {exc}") from None


# ---------------------------------------------------------------------- the use cases


class CredentialUses(Protocol):
    """Where a credential was used: TenderBook's CredentialUsed logs."""

    def uses_of(self, credential_id: bytes) -> list[RegistryEvent]: ...


class CredentialService:
    """The registry's use cases over the chain (`registry`) and the store (`files`)."""

    def __init__(self, registry: RegistryChain, files: CredentialFiles,
                 lock: AbstractContextManager[Any] | None = None, uses: CredentialUses | None = None,
                 sponsor: LocalAccount | None = None) -> None:
        self.registry = registry
        self.files = files
        self.uses = uses
        # who tops up an issuer's gas for a relayed anchor or status change (the service's relayer);
        # None: each issuer pays its own
        self.sponsor = sponsor
        self.lock: AbstractContextManager[Any] = lock if lock is not None else WRITE_LOCK

    # ------------------------------------------------------------------ writes
    def prepare_anchor(self, sender: str, documents: Sequence[SealedCredential]) -> PreparedAnchor:
        """Root, kind and an unsigned anchor transaction for a batch, for `sender` to check and sign."""
        kind, ids = check_batch(sender, documents)
        root = MerkleTree.build(ids).root
        return PreparedAnchor(root=root, kind=kind, tx=self.registry.prepare_anchor(sender, root, kind))

    def relay_anchor(self, *, signer: str, documents: Sequence[SealedCredential], signed_tx: str) -> Batch:
        """Check a batch against its signed anchor transaction, file the documents, relay it."""
        relayed = self.registry.decode_signed(signed_tx)
        relayed.require(signer, ("anchor_wU2",))
        kind, ids = check_batch(signer, documents)
        tree = MerkleTree.build(ids)
        if relayed.args["root"] != tree.root:
            raise ValidationFailed(
                f"signed_tx anchors root {to_hex(relayed.args['root'])}, but the documents hash to {to_hex(tree.root)}"
            )
        if relayed.args["kind"] != int(kind):
            raise ValidationFailed(f"signed_tx anchors kind {relayed.args['kind']}, the documents are {kind.name}")
        # Only the check and the reservation are guarded; filing, relaying (until mined) and the
        # journal's catch-up run outside, so anchors of different batches go to the chain together.
        with self.lock:
            known = self.files.known(ids)
            if known:
                first = to_hex(known[0])
                raise Conflict(
                    "AlreadyAnchored", {"credential_id": first},
                    f"{len(known)} of these credentials are anchored already (e.g. {first})",
                )
            held = self.files.reserve(tree.root, ids)
            if held:
                first = to_hex(held[0])
                raise Conflict(
                    "AnchorInFlight", {"credential_id": first},
                    f"{len(held)} of these credentials are in another anchor being relayed now (e.g. {first}); "
                    "retry once it is mined",
                )
        try:
            self.files.file_batch(tree.root, ids, documents)
            mined = self.registry.relay(relayed, sponsor=self.sponsor)
        except (ValidationFailed, ContractRevert, TransactionRejected):
            # refused: nothing of it reached the chain, so the ids are free again. Any other failure
            # (the node gone mid-relay) may still be mined: the reservation lapses instead.
            self.files.release(tree.root, ids)
            raise
        try:
            self.files.catch_up()
        finally:
            self.files.release(tree.root, ids)
        # check_batch returned the ids in document order (duplicates are refused there)
        return Batch(root=tree.root, kind=kind, issuer=signer, tx_hash=mined.tx_hash,
                     block_number=mined.block_number, anchored_at=mined.timestamp or 0,
                     proofs={i: tuple(tree.proof(i)) for i in ids})

    def relay_status_change(self, *, signer: str, credential_id: bytes, action: str, signed_tx: str) -> StatusChange:
        """Relay a revoke/suspend/reinstate/supersede signed by the credential's issuer."""
        function = STATUS_FUNCTIONS.get(action)
        if function is None:
            raise ValidationFailed(f"unknown action {action!r}: use {', '.join(STATUS_FUNCTIONS)}")
        record = self.get(credential_id)
        relayed = self.registry.decode_signed(signed_tx)
        relayed.require(signer, (function,))
        first_id = relayed.args.get("credentialId", relayed.args.get("oldId"))
        if first_id is None or first_id != record.credential_id:
            raise ValidationFailed(
                f"signed_tx {function}s credential {to_hex(first_id) if first_id else '?'}, "
                f"not {to_hex(record.credential_id)}"
            )
        if record.issuer != signer:
            raise Unauthorised(
                "NotIssuerOf", {"root": to_hex(record.root), "caller": signer},
                f"only the issuer {record.issuer} may {action} credential {to_hex(credential_id)}",
            )
        # the chain decides whether the change applies (a second revocation of one credential is
        # refused there): no store-wide guard is needed around the relay
        mined = self.registry.relay(relayed, sponsor=self.sponsor)
        self.files.catch_up()
        return StatusChange(credential_id=record.credential_id, action=action, mined=mined)

    def _revocation_targets(self, issuer: str, credential_ids: Sequence[bytes]
                            ) -> tuple[bytes, list[tuple[int, bytes]]]:
        """The batch root and the (leaf position, id) of each credential, ascending by position, once
        every id is a distinct credential the store holds, all of one batch anchored by `issuer`
        (the position from the credential's own proof, which the store's lookup proved)."""
        if not credential_ids:
            raise ValidationFailed("credential_ids is empty: name at least one credential to revoke")
        if len(credential_ids) > MAX_REVOCATIONS:
            raise ValidationFailed(f"{len(credential_ids)} credentials: at most {MAX_REVOCATIONS:,} at a time")
        seen: set[bytes] = set()
        for cid in credential_ids:
            if cid in seen:
                raise ValidationFailed(f"credential {to_hex(cid)} is named twice")
            seen.add(cid)
        records = [self.get(cid) for cid in credential_ids]
        root = records[0].root
        for record in records:
            if record.root != root:
                raise ValidationFailed(
                    f"credential {to_hex(record.credential_id)} is in batch {to_hex(record.root)}, not "
                    f"{to_hex(root)}: one bulk revocation names credentials of one batch")
        if records[0].issuer != issuer:
            raise Unauthorised(
                "NotIssuerOf", {"root": to_hex(root), "caller": issuer},
                f"only the issuer {records[0].issuer} may revoke the credentials of batch {to_hex(root)}",
            )
        return root, sorted((position_of(r.credential_id, r.proof), r.credential_id) for r in records)

    def _refuse_revoked(self, root: bytes, targets: Sequence[tuple[int, bytes]]) -> None:
        for position, cid in targets:
            if self.registry.revocation_at(root, position) != (0, 0):
                raise Conflict("AlreadyRevoked", {"root": to_hex(root), "credential_id": to_hex(cid)},
                               f"credential {to_hex(cid)} is revoked already")

    def prepare_bulk_revoke(self, sender: str, credential_ids: Sequence[bytes], reason: object) -> PreparedRevocation:
        """The unsigned revocation, by leaf position and in one transaction, of credentials of one
        batch of `sender`'s, for `sender` to check and sign."""
        code = revocation_reason(reason)
        root, targets = self._revocation_targets(sender, credential_ids)
        self._refuse_revoked(root, targets)
        positions = [p for p, _ in targets]
        tx = self.registry.prepare_revoke_positions(sender, root, positions, code)
        return PreparedRevocation(root=root, reason=code, credential_ids=tuple(c for _, c in targets),
                                  positions=tuple(positions), tx=tx)

    def relay_bulk_revoke(self, *, signer: str, credential_ids: Sequence[bytes], reason: object,
                          signed_tx: str) -> BulkRevocation:
        """Relay the issuer's own `revokeAt_Fni` once it revokes exactly the named credentials (the
        positions their proofs give, ascending), of its own batch, with the reason asked for."""
        code = revocation_reason(reason)
        relayed = self.registry.decode_signed(signed_tx)
        relayed.require(signer, (REVOKE_AT,))
        root, targets = self._revocation_targets(signer, credential_ids)
        positions = [p for p, _ in targets]
        if relayed.args["root"] != root:
            raise ValidationFailed(f"signed_tx revokes in batch {to_hex(relayed.args['root'])}, "
                                   f"the credentials are in {to_hex(root)}")
        if list(relayed.args["positions"]) != positions:
            raise ValidationFailed(f"signed_tx revokes positions {_shown(relayed.args['positions'])}, "
                                   f"the credentials are at {_shown(positions)}")
        if relayed.args["reason"] != int(code):
            raise ValidationFailed(f"signed_tx gives reason {relayed.args['reason']}, the request {int(code)} "
                                   f"({code.name.lower()})")
        with WRITE_LOCK:
            self._refuse_revoked(root, targets)
            mined = self.registry.relay(relayed, sponsor=self.sponsor)
            self.files.catch_up()
        return BulkRevocation(root=root, reason=code, credential_ids=tuple(c for _, c in targets),
                              positions=tuple(positions), mined=mined)

    # ------------------------------------------------------------------ reads
    def get(self, credential_id: bytes) -> StoredCredential:
        record = self.files.credential(credential_id)
        if record is None:
            cid = to_hex(credential_id)
            raise NotFound("UnknownCredential", {"credential_id": cid}, f"no anchored credential {cid}")
        return record

    def list_for_subject(self, subject: str, *, at: int | None = None) -> list[CredentialStatus]:
        """A firm's credentials with their status now (or at `at`), newest first: each proven to be
        in its anchored batch (the lookup refuses one that is not), its status read with its proof."""
        when = at if at is not None else self.registry.now()
        return [CredentialStatus(c, self.registry.status_at(c.root, c.credential_id, list(c.proof), when))
                for c in self.files.of_subject(subject)]

    def list_by_issuer(self, issuer: str, *, query: str = "", offset: int = 0, limit: int = 50) -> IssuedPage:
        """The credentials `issuer` anchored, newest first (those whose document or subject contains
        `query`), each proven against the chain, with its status now."""
        if not 0 < limit <= 200 or offset < 0:
            raise ValidationFailed("limit is 1 to 200 and offset not negative")
        rows, total = self.files.of_issuer(issuer, query=query.strip(), offset=offset, limit=limit)
        when = self.registry.now()
        return IssuedPage(tuple(CredentialStatus(c, self.registry.status_at(c.root, c.credential_id, list(c.proof), when))
                                for c in rows), total, offset)

    def history(self, credential_id: bytes) -> list[RegistryEvent]:
        """Every chain event about a credential, read from the chain, oldest first: its batch's
        anchoring, its status changes and (with `uses`) every opened bid that ticked it."""
        record = self.get(credential_id)
        events = self.registry.events_about(record.root, record.credential_id, list(record.proof))
        if self.uses is not None:
            events = sorted(events + self.uses.uses_of(record.credential_id), key=lambda e: e.block_number)
        return events

    def issuers(self) -> list[IssuerGrant]:
        """Every issuer and kind, with whether it is authorised now and since when (from the chain)."""
        return self.registry.issuer_grants()

    def verify_document(self, document: Any, *, at: int | None, expected_subject: str | None,
                        credential_id: bytes | None = None) -> VerificationReport:
        """Verify a sealed credential or a disclosure against the chain as of `at` (default: now).

        With `credential_id` (the id the holder claims), the batch and proof are those of that id,
        so a document whose fields were altered is reported as failing integrity against it,
        rather than as an unknown credential."""
        item = parse_presented(document)
        cid = credential_id or item.credential_id()
        record = self.files.credential(cid)
        when = at if at is not None else self.registry.now()
        # Not in the store: it can still be a one-credential batch anchored directly on chain,
        # whose root is the credential's leaf.
        root = record.root if record else leaf_of(cid)
        proof = list(record.proof) if record else []
        # A record the lookup returns was proven against its root's anchor, read from the chain (an
        # anchor never changes once made): the verification need not read it again.
        anchors: dict[bytes, Any] | None = (
            {root: Anchor(issuer=record.issuer, kind=record.kind, anchored_at=record.anchored_at)} if record else None)
        return verify(self.registry, item, root=root, proof=proof, at=when,
                      expected_subject=expected_subject, credential_id=credential_id, anchors=anchors)




def _shown(positions: Sequence[int]) -> str:
    items = [str(p) for p in positions[:8]]
    return "[" + ", ".join(items) + (f", … ({len(positions)} in all)" if len(positions) > 8 else "") + "]"
