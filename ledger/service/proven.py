"""Credentials a decision may rest on: only what the chain proves, never what a store row says.

The store keeps the holders' sealed copies (documents filed under each credential id, and each
batch's ids filed under its root) and a projection of them (one row per credential). Neither is
trusted. A credential counts only when

- its document hashes to its credential id (`SealedCredential.credential_id`, the one function
  per id),
- its Merkle proof puts the id in a root anchored on CredentialRegistry, and
- that root's anchor names the document's own issuer and kind (the registry accepts an anchor only
  from an issuer authorised for the kind);

and what a decision reads of it (the firm's USCC, the signing address, the kind, the issuer) is
read from the verified document, never from a column. A row whose columns, copy or proof disagree
is refused with `StoreMismatch` (logged), not corrected.

Decisions that rest on what is *not* there need every batch: "no identity credential binds this
key", "no black-list record names this firm", "no credential has this id". The roots come from the
chain's `Anchored` logs, not from the store; each must have its ids and copies filed, hashing to
it. While an anchored root of the kind lacks them (deleted, or anchored without filing them here)
those decisions are refused rather than taken on a partial picture.

What was proven is kept in memory, by credential id and by root: a later change to the store
cannot change it, and a credential costs its hashing and one `anchorOf` read once per process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ledger.crypto.merkle import MerkleError, MerkleTree, verify_proof
from ledger.documents import DocumentError, Kind, SealedCredential
from ledger.errors import StoreMismatch
from ledger.model.credential import Anchor, AnchoredRoot, StoredCredential
from ledger.values import to_hex

log = logging.getLogger("ledger.store")

#: Kinds whose decisions rest on absence: every batch of them is read and indexed eagerly.
INDEXED = (Kind.IDENTITY, Kind.CREDIT)
#: Credentials proven by id, kept in memory (beyond it, the oldest are forgotten and re-proven).
MAX_PROVEN = 200_000


class AnchorReads(Protocol):
    """What proving needs of the registry (`RegistryGateway` has it)."""

    def anchor_of(self, root: bytes) -> Anchor | None: ...

    def anchored_roots(self, from_block: int = 0) -> tuple[list[AnchoredRoot], int]: ...


class CredentialDocuments(Protocol):
    """The store's raw credential rows and filed copies, as they are (`api.db.credentials`)."""

    def row(self, credential_id: bytes) -> StoredCredential | None:
        """The projected row of `credential_id`, its columns as stored; StoreMismatch if unreadable."""
        ...

    def rows_bound_to(self, address: str) -> Sequence[StoredCredential]:
        """Identity rows whose signing-address column is `address`."""
        ...

    def rows_about(self, uscc: str, kind: Kind | None = None) -> Sequence[StoredCredential]:
        """Rows whose subject column is `uscc` (of `kind` only, if given), newest first."""
        ...

    def batch_ids(self, root: bytes) -> list[bytes] | None:
        """The credential ids filed under `root` (None when none are, or they cannot be read)."""
        ...

    def copies(self, credential_ids: Sequence[bytes]) -> dict[bytes, bytes]:
        """The filed sealed copies (JSON bytes) of those ids the store holds, by id."""
        ...


@dataclass
class _Batch:
    """One anchored root and what the store holds for it."""

    anchored: AnchoredRoot
    ids: list[bytes] | None = None  # None: no ids filed (undocumented)
    tree: MerkleTree | None = None
    problem: str | None = None  # documents filed but disagreeing with the chain
    members: list[StoredCredential] = field(default_factory=list)  # proven copies (indexed kinds)


def _mismatch(what: str) -> StoreMismatch:
    return StoreMismatch(what)


def _kind_name(kind: Kind | int) -> str:
    return kind.name if isinstance(kind, Kind) else str(kind)


class ProvenCredentials:
    """The `CredentialLookup` port made only of credentials proven against the chain.

    One per store and registry (it keeps what it proved); thread-safe.
    """

    def __init__(self, registry: AnchorReads, documents: CredentialDocuments) -> None:
        self.registry = registry
        self.documents = documents
        self._lock = threading.RLock()
        self._anchors: dict[bytes, Anchor] = {}
        self._proven: dict[bytes, StoredCredential] = {}
        self._next_block = 0
        self._batches: dict[bytes, _Batch] = {}
        self._root_of: dict[bytes, bytes] = {}  # credential id -> first documented root holding it
        self._by_address: dict[str, list[StoredCredential]] = {}
        self._by_subject: dict[str, list[StoredCredential]] = {}

    # ------------------------------------------------------------------ proving one credential
    def anchor(self, root: bytes) -> Anchor | None:
        """`anchorOf(root)`, read once per root (an anchor never changes once made)."""
        found = self._anchors.get(root)
        if found is None:
            found = self.registry.anchor_of(root)
            if found is not None:
                self._anchors[root] = found
        return found

    def prove(self, sealed: SealedCredential, *, credential_id: bytes, root: bytes, proof: Sequence[bytes],
              where: str) -> tuple[StoredCredential, Anchor]:
        """The credential as the chain proves it: `sealed` must hash to `credential_id`, `proof` put
        it in `root`, and `root` be anchored by the document's issuer for its kind. Its fields are
        read from the document. StoreMismatch, naming `where` the copy came from, otherwise."""
        cid = to_hex(credential_id)
        try:
            computed = sealed.credential_id()
            document = sealed.document
        except (DocumentError, ValueError, TypeError) as exc:
            raise _mismatch(f"{where} of credential {cid} cannot be hashed ({exc})") from None
        if computed != credential_id:
            raise _mismatch(f"{where} of credential {cid} hashes to {to_hex(computed)}: it was changed")
        if not verify_proof(root, credential_id, list(proof)):
            raise _mismatch(f"the stored proof of credential {cid} does not put it in root {to_hex(root)}")
        anchor = self.anchor(root)
        if anchor is None:
            raise _mismatch(f"credential {cid} is filed under root {to_hex(root)}, which was never anchored")
        if int(anchor.kind) != int(document.kind) or str(document.issuer).lower() != anchor.issuer.lower():
            raise _mismatch(
                f"credential {cid} is a {_kind_name(document.kind)} credential of {document.issuer}, but its root "
                f"{to_hex(root)} was anchored by {anchor.issuer} for {_kind_name(anchor.kind)} credentials")
        return StoredCredential(
            credential_id=credential_id, root=root, kind=Kind(document.kind), issuer=anchor.issuer,
            subject=str(document.subject), signing_address=getattr(document, "signing_address", None),
            proof=tuple(proof), sealed=sealed, tx_hash=b"", block_number=0, anchored_at=anchor.anchored_at,
        ), anchor

    def prove_row(self, row: StoredCredential) -> StoredCredential:
        """A store row, proven (see `prove`), whose columns must say what its document says."""
        proven, _ = self.prove(row.sealed, credential_id=row.credential_id, root=row.root, proof=row.proof,
                               where="the stored copy")
        columns = (("kind", int(row.kind), int(proven.kind)), ("issuer", row.issuer.lower(), proven.issuer.lower()),
                   ("subject", row.subject, proven.subject),
                   ("signing_address", (row.signing_address or "").lower(), (proven.signing_address or "").lower()))
        for name, stored, document in columns:
            if stored != document:
                raise _mismatch(f"the {name} column of credential {to_hex(row.credential_id)} says "
                                f"{stored or 'nothing'}, its verified document {document or 'nothing'}")
        return _with_anchoring(proven, row.tx_hash, row.block_number)

    def _remember(self, credential: StoredCredential) -> StoredCredential:
        if len(self._proven) >= MAX_PROVEN:
            self._proven.clear()
        self._proven[credential.credential_id] = credential
        return credential

    # ------------------------------------------------------------------ every anchored root
    def refresh(self) -> None:
        """Read the roots anchored since the last call from the chain, and what the store holds for each."""
        with self._lock:
            roots, head = self.registry.anchored_roots(self._next_block)
            for anchored in roots:
                if anchored.root not in self._batches:
                    self._batches[anchored.root] = self._read(anchored)
            self._next_block = head + 1

    def _read(self, anchored: AnchoredRoot) -> _Batch:
        """What the store holds for one anchored root, checked against it."""
        batch = _Batch(anchored)
        ids = self.documents.batch_ids(anchored.root)
        if ids is None:
            return batch
        batch.ids = ids
        try:
            tree = MerkleTree.build(ids)
        except MerkleError as exc:
            batch.problem = f"the ids filed under root {to_hex(anchored.root)} are no batch ({exc})"
            return batch
        if tree.root != anchored.root:
            batch.problem = (f"the ids filed under root {to_hex(anchored.root)} hash to {to_hex(tree.root)}: "
                             "they were changed")
            return batch
        batch.tree = tree
        if anchored.kind in INDEXED:
            copies = self.documents.copies(ids)
            for cid in ids:
                content = copies.get(cid)
                if content is None:
                    batch.problem = (f"credential {to_hex(cid)} of {_kind_name(anchored.kind)} batch "
                                     f"{to_hex(anchored.root)} has no copy in the store")
                    return batch
                try:
                    sealed = SealedCredential.from_json(content)
                    proven, _ = self.prove(sealed, credential_id=cid, root=anchored.root, proof=tree.proof(cid),
                                           where="the filed copy")
                except (DocumentError, ValueError) as exc:
                    batch.problem = f"the filed copy of credential {to_hex(cid)} is unreadable ({exc})"
                    return batch
                except StoreMismatch as exc:
                    batch.problem = exc.what
                    return batch
                batch.members.append(_with_anchoring(proven, anchored.tx_hash, anchored.block_number))
        for cid in ids:
            self._root_of.setdefault(cid, anchored.root)
        for member in batch.members:
            if member.kind is Kind.IDENTITY and member.signing_address:
                self._by_address.setdefault(member.signing_address.lower(), []).append(member)
            self._by_subject.setdefault(member.subject, []).append(member)
        return batch

    def _require_complete(self, kinds: Iterable[Kind] | None, what: str) -> None:
        """StoreMismatch unless every anchored root (of `kinds`, or of any kind) has its documents
        filed and agreeing; roots found wanting are read again first (they may have been filed since)."""
        self.refresh()
        with self._lock:
            wanted = None if kinds is None else {int(k) for k in kinds}
            lacking = [b for b in self._batches.values()
                       if (wanted is None or int(b.anchored.kind) in wanted) and (b.tree is None or b.problem)]
            for old in lacking:
                self._batches[old.anchored.root] = self._read(old.anchored)
            lacking = [self._batches[b.anchored.root] for b in lacking]
            lacking = [b for b in lacking if b.tree is None or b.problem]
        if not lacking:
            return
        first = lacking[0]
        why = first.problem or (f"{_kind_name(first.anchored.kind)} batch {to_hex(first.anchored.root)}, anchored on "
                                f"chain by {first.anchored.issuer} in block {first.anchored.block_number}, has no "
                                "documents in the store")
        more = f" (and {len(lacking) - 1} more batch(es))" if len(lacking) > 1 else ""
        raise _mismatch(f"{why}{more}, so {what} cannot be decided")

    # ------------------------------------------------------------------ the CredentialLookup port
    def credential(self, credential_id: bytes) -> StoredCredential | None:
        """The credential `credential_id`, proven; None when no documented batch holds it (then
        `check_complete` tells whether that means it is not anchored at all)."""
        found = self._proven.get(credential_id)
        if found is not None:
            return found
        row = self.documents.row(credential_id)
        if row is not None:
            return self._remember(self.prove_row(row))
        self.refresh()
        with self._lock:
            root = self._root_of.get(credential_id)
            batch = self._batches.get(root) if root is not None else None
        if batch is None or batch.tree is None:
            return None
        copy = self.documents.copies([credential_id]).get(credential_id)
        cid = to_hex(credential_id)
        if copy is None:
            raise _mismatch(f"credential {cid} is in batch {to_hex(batch.anchored.root)} anchored on chain, but "
                            "the store holds neither its row nor its copy")
        try:
            sealed = SealedCredential.from_json(copy)
        except (DocumentError, ValueError) as exc:
            raise _mismatch(f"the filed copy of credential {cid} is unreadable ({exc})") from None
        proven, _ = self.prove(sealed, credential_id=credential_id, root=batch.anchored.root,
                               proof=batch.tree.proof(credential_id), where="the filed copy")
        log.warning("credential %s has a filed copy but no row: the store lags the chain (rebuild-store)", cid)
        return self._remember(_with_anchoring(proven, batch.anchored.tx_hash, batch.anchored.block_number))

    def check_complete(self) -> None:
        """StoreMismatch if some anchored batch lacks its documents: an id the store does not know
        may then be in it."""
        self._require_complete(None, "whether a credential is anchored")

    def identities_bound_to(self, address: str) -> Sequence[StoredCredential]:
        """Every identity credential (营业执照) whose verified document names `address` as the firm's
        signing key, from every identity batch anchored on chain."""
        self._require_complete((Kind.IDENTITY,), f"which firm the key {address} belongs to")
        with self._lock:
            found = list(self._by_address.get(address.lower(), ()))
        self._check_rows(self.documents.rows_bound_to(address), found, f"identity rows naming {address}")
        return found

    def credit_records_of(self, uscc: str) -> Sequence[StoredCredential]:
        """Every credit record (信用) whose verified document is about `uscc`, from every credit batch
        anchored on chain."""
        self._require_complete((Kind.CREDIT,), f"the credit standing of {uscc}")
        with self._lock:
            found = [c for c in self._by_subject.get(uscc, ()) if c.kind is Kind.CREDIT]
        self._check_rows(self.documents.rows_about(uscc, Kind.CREDIT), found, f"credit rows about {uscc}")
        return found

    def identities_of(self, uscc: str) -> Sequence[StoredCredential]:
        """Every identity credential whose verified document is about `uscc`, from every identity
        batch anchored on chain."""
        self._require_complete((Kind.IDENTITY,), f"which keys the firm {uscc} has held")
        with self._lock:
            return [c for c in self._by_subject.get(uscc, ()) if c.kind is Kind.IDENTITY]

    def of_subject(self, uscc: str) -> Sequence[StoredCredential]:
        """The firm's credentials the store lists, each proven (newest first)."""
        out = []
        for row in self.documents.rows_about(uscc):
            proven = self.prove_row(row)
            if proven.subject != uscc:
                raise _mismatch(f"credential {to_hex(row.credential_id)} is listed for {uscc} but is about "
                                f"{proven.subject}")
            out.append(self._remember(proven))
        return out

    def _check_rows(self, rows: Sequence[StoredCredential], proven: Sequence[StoredCredential], what: str) -> None:
        """The rows a lookup by column finds must say what their documents say and be among the
        credentials proven from the chain: a row that does not was edited or inserted, and the
        decision is refused rather than taken past it (a proven credential without a row only lags)."""
        known = {(c.credential_id, c.root) for c in proven}
        for row in rows:
            self.prove_row(row)  # names what is wrong with it, if anything
            if (row.credential_id, row.root) not in known:
                raise _mismatch(f"{what}: credential {to_hex(row.credential_id)} is in the store's rows but in no "
                                "batch anchored on chain")


def _with_anchoring(c: StoredCredential, tx_hash: bytes, block_number: int) -> StoredCredential:
    return StoredCredential(
        credential_id=c.credential_id, root=c.root, kind=c.kind, issuer=c.issuer, subject=c.subject,
        signing_address=c.signing_address, proof=c.proof, sealed=c.sealed, tx_hash=tx_hash,
        block_number=block_number, anchored_at=c.anchored_at,
    )
