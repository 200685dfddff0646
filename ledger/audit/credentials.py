"""Credentials from the bundle, proven against the chain by the service's own prover.

`ProvenCredentials` (ledger/service/proven.py) takes a store's raw rows and copies and proves each
against the registry; here the "store" is the audit bundle: the batch id lists filed under their
anchored roots and the holders' sealed copies filed under their ids. What the bundle lacks makes
the decision that needs it refuse (StoreMismatch), exactly as it does in the service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from hexbytes import HexBytes

from ledger.audit.bundle import BATCH, SEALED, Bundle
from ledger.crypto.merkle import MerkleError, MerkleTree
from ledger.documents import DocumentError, Kind, SealedCredential
from ledger.model.credential import StoredCredential


def batch_ids(content: bytes | None) -> list[bytes] | None:
    if content is None:
        return None
    try:
        ids = [bytes(HexBytes(h)) for h in json.loads(content)]
    except (ValueError, TypeError):
        return None
    return ids if ids and all(len(i) == 32 for i in ids) else None


class BundleCredentialDocuments:
    """The `CredentialDocuments` port over an audit bundle (nothing in it is trusted)."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self._where: dict[bytes, tuple[bytes, tuple[bytes, ...]]] = {}  # id -> (root, proof)
        for doc in bundle.of_kind(BATCH):
            ids = batch_ids(doc.content)
            if ids is None:
                continue
            try:
                tree = MerkleTree.build(ids)
            except MerkleError:
                continue
            root = bytes(HexBytes(doc.key))
            if tree.root != root:
                continue
            for cid in ids:
                self._where.setdefault(cid, (root, tuple(tree.proof(cid))))

    def where(self, credential_id: bytes) -> tuple[bytes, tuple[bytes, ...]] | None:
        """(root, proof) of a credential in a batch of the bundle whose ids make its root; None if none."""
        return self._where.get(credential_id)

    def _sealed(self, credential_id: bytes) -> SealedCredential | None:
        try:
            return self.bundle.sealed(credential_id)
        except (DocumentError, ValueError):
            return None

    def row(self, credential_id: bytes) -> StoredCredential | None:
        where, sealed = self._where.get(credential_id), self._sealed(credential_id)
        if where is None or sealed is None:
            return None
        try:
            document = sealed.document
            kind = Kind(document.kind)
        except (DocumentError, ValueError):
            return None
        return StoredCredential(
            credential_id=credential_id, root=where[0], kind=kind, issuer=str(document.issuer),
            subject=str(document.subject), signing_address=getattr(document, "signing_address", None),
            proof=where[1], sealed=sealed, tx_hash=b"", block_number=0, anchored_at=0)

    def rows_bound_to(self, address: str) -> Sequence[StoredCredential]:
        return []  # no rows to cross-check: every identity batch is read from the chain's roots

    def rows_about(self, uscc: str, kind: Kind | None = None) -> Sequence[StoredCredential]:
        return []

    def batch_ids(self, root: bytes) -> list[bytes] | None:
        return batch_ids(self.bundle.content(BATCH, root))

    def copies(self, credential_ids: Sequence[bytes]) -> dict[bytes, bytes]:
        out = {}
        for cid in credential_ids:
            content = self.bundle.content(SEALED, cid)
            if content is not None:
                out[cid] = content
        return out
