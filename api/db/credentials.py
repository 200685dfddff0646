"""Credential tables: issuer authorisations, anchored roots and anchored credentials, projected
from CredentialRegistry (plus the holders' sealed copies filed as documents); and the repository
the use cases read credentials through (`SqlCredentialLookup`, the `CredentialLookup` port)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from hexbytes import HexBytes
from sqlalchemy import delete, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from api.db import documents
from api.db.events import ChainEvent
from ledger.chain.registry_state import revoked_in_word
from ledger.crypto.merkle import MerkleTree, position_of
from ledger.documents import DocumentError, Kind, SealedCredential
from ledger.errors import StoreMismatch
from ledger.model.credential import StoredCredential
from ledger.rules.anchoring import MAX_BATCH
from ledger.service.proven import ProvenCredentials

SEALED = "sealed-credential"  # the holder's sealed copy, filed under its credential id
BATCH = "credential-batch"  # a batch's credential ids (JSON list of 0x-hex), filed under its root


class IssuerKind(SQLModel, table=True):
    """Projection: which issuer holds which credential kind, and since when."""

    chain_key: str = Field(primary_key=True)
    issuer: str = Field(primary_key=True)
    kind: int = Field(primary_key=True)
    authorised: bool
    changed_at: datetime


class AnchorRecord(SQLModel, table=True):
    """Projection: one anchored root (a batch or a single credential)."""

    chain_key: str = Field(primary_key=True)
    root: str = Field(primary_key=True)
    issuer: str = Field(index=True)
    kind: int
    block_number: int
    tx_hash: str
    anchored_at: datetime


class CredentialRecord(SQLModel, table=True):
    """An anchored credential: the holder's sealed document, its batch root and proof."""

    chain_key: str = Field(primary_key=True)
    credential_id: str = Field(primary_key=True)
    root: str = Field(index=True)
    kind: int
    issuer: str = Field(index=True)
    subject: str = Field(index=True)
    signing_address: str | None = Field(default=None, index=True)  # identity credentials: the firm's key
    proof: str  # JSON list of 0x hashes
    sealed: str  # SealedCredential JSON (document + master salt)
    tx_hash: str
    block_number: int
    anchored_at: datetime


class RevocationRecord(SQLModel, table=True):
    """Projection: a revoked credential of the store, when and why, and the transaction that
    revoked it (`Revoked` by id and proof, or `RevokedAt` by leaf position, many at once)."""

    chain_key: str = Field(primary_key=True)
    credential_id: str = Field(primary_key=True)
    root: str = Field(index=True)
    position: int
    reason: int
    revoked_at: datetime
    block_number: int
    tx_hash: str
    event: str


class AnchorReservation(SQLModel, table=True):
    """A credential id held for an anchor on its way to the chain: its batch's documents are filed
    and its transaction relayed outside any store-wide guard, and this row (one per id: the
    primary key) keeps a second batch holding the same credential from being filed meanwhile.
    Not a projection: it is released once the anchor is mined and journalled, or refused, and
    it lapses after `RESERVATION_S` if the process relaying it went away."""

    chain_key: str = Field(primary_key=True)
    credential_id: str = Field(primary_key=True)
    root: str
    reserved_at: datetime


RESERVATION_S = 900
"""How long an anchor's reservation holds without being released: longer than a relay waits for
its transaction to be mined, so only a reservation whose process died lapses."""


def stored(r: CredentialRecord) -> StoredCredential:
    """The row as the model the use cases work with, its columns as stored (nothing is checked
    here: `ProvenCredentials` proves it); StoreMismatch if it cannot even be read."""
    try:
        return StoredCredential(
            credential_id=bytes(HexBytes(r.credential_id)), root=bytes(HexBytes(r.root)), kind=Kind(r.kind),
            issuer=r.issuer, subject=r.subject, signing_address=r.signing_address,
            proof=tuple(bytes(HexBytes(p)) for p in json.loads(r.proof)),
            sealed=SealedCredential.from_json(r.sealed), tx_hash=bytes(HexBytes(r.tx_hash)),
            block_number=r.block_number, anchored_at=_unix(r.anchored_at),
        )
    except (DocumentError, ValueError, TypeError) as exc:
        raise StoreMismatch(f"the row of credential {r.credential_id} cannot be read ({exc})") from None


def _aware(moment: datetime) -> datetime:
    """A stored time with its zone (SQLite hands back naive datetimes: they are UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _unix(moment: datetime) -> int:
    """Unix seconds of a stored time."""
    return int(_aware(moment).timestamp())


class SessionSource(Protocol):
    """What a repository needs of the store: its runtime, chain key and sessions (the `Store`)."""

    chain_key: str
    runtime: Any

    def session(self) -> AbstractContextManager[Session]: ...

    def reconcile(self) -> int: ...


class SqlCredentialDocuments:
    """The raw credential rows and filed copies of one store (`CredentialDocuments`): what
    `ProvenCredentials` checks against the chain. Nothing read here is trusted."""

    def __init__(self, store: SessionSource) -> None:
        self.store = store

    def _rows(self, *where: Any, newest_first: bool = False) -> list[StoredCredential]:
        query = select(CredentialRecord).where(CredentialRecord.chain_key == self.store.chain_key, *where)
        if newest_first:
            query = query.order_by(col(CredentialRecord.block_number).desc())
        with self.store.session() as s:
            return [stored(r) for r in s.exec(query)]

    def row(self, credential_id: bytes) -> StoredCredential | None:
        with self.store.session() as s:
            found = s.get(CredentialRecord, (self.store.chain_key, "0x" + credential_id.hex()))
        return None if found is None else stored(found)

    def rows_bound_to(self, address: str) -> Sequence[StoredCredential]:
        return self._rows(CredentialRecord.kind == int(Kind.IDENTITY), CredentialRecord.signing_address == address)

    def rows_about(self, uscc: str, kind: Kind | None = None) -> Sequence[StoredCredential]:
        where = [CredentialRecord.subject == uscc]
        if kind is not None:
            where.append(CredentialRecord.kind == int(kind))
        return self._rows(*where, newest_first=True)

    def rows_by_issuer(self, issuer: str, *, query: str = "", offset: int = 0,
                       limit: int = 50) -> tuple[list[StoredCredential], int]:
        """A page of the rows whose issuer column is `issuer` (newest first), those whose sealed copy
        or subject contains `query` only; and how many match in all."""
        where: list[Any] = [CredentialRecord.chain_key == self.store.chain_key, CredentialRecord.issuer == issuer]
        if query:
            pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(or_(col(CredentialRecord.sealed).like(pattern, escape="\\"),
                             col(CredentialRecord.subject).like(pattern, escape="\\")))
        rows = select(CredentialRecord).where(*where).order_by(
            col(CredentialRecord.block_number).desc(), col(CredentialRecord.credential_id)).offset(offset).limit(limit)
        with self.store.session() as s:
            total = s.exec(select(func.count()).select_from(CredentialRecord).where(*where)).one()
            return [stored(r) for r in s.exec(rows)], int(total)

    def batch_ids(self, root: bytes) -> list[bytes] | None:
        with self.store.session() as s:
            doc = documents.get(s, chain_key=self.store.chain_key, kind=BATCH, key="0x" + root.hex())
        if doc is None:
            return None
        try:
            ids = [bytes(HexBytes(h)) for h in json.loads(doc.content)]
        except (ValueError, TypeError):
            return None
        return ids if all(len(i) == 32 for i in ids) else None

    def copies(self, credential_ids: Sequence[bytes]) -> dict[bytes, bytes]:
        with self.store.session() as s:
            found = documents.get_many(s, chain_key=self.store.chain_key, kind=SEALED,
                                       keys=["0x" + i.hex() for i in credential_ids])
        return {bytes(HexBytes(k)): d.content for k, d in found.items()}


# One ProvenCredentials per store: what it proved stays proven for the store's lifetime.
_PROVEN: WeakKeyDictionary[Any, ProvenCredentials] = WeakKeyDictionary()
_PROVEN_LOCK = threading.Lock()


def proven_credentials(store: SessionSource) -> ProvenCredentials:
    """The store's credentials as the chain proves them (made once per store)."""
    with _PROVEN_LOCK:
        found = _PROVEN.get(store)
        if found is None:
            found = ProvenCredentials(store.runtime.registry, SqlCredentialDocuments(store))
            _PROVEN[store] = found
        return found


def forget_proofs(store: SessionSource) -> None:
    """Drop what was proven for `store`, as a restart of the service does: the next decision proves
    again from the chain and what the store holds then."""
    with _PROVEN_LOCK:
        _PROVEN.pop(store, None)


class SqlCredentialLookup:
    """The `CredentialLookup` port: only credentials proven against the chain (`ProvenCredentials`);
    the store's rows and copies are where they are looked for, never what is believed."""

    def __init__(self, store: SessionSource) -> None:
        self.store = store

    @property
    def proven(self) -> ProvenCredentials:
        return proven_credentials(self.store)

    def credential(self, credential_id: bytes) -> StoredCredential | None:
        return self.proven.credential(credential_id)

    def check_complete(self) -> None:
        self.proven.check_complete()

    def identities_bound_to(self, address: str) -> Sequence[StoredCredential]:
        return self.proven.identities_bound_to(address)

    def credit_records_of(self, uscc: str) -> Sequence[StoredCredential]:
        return self.proven.credit_records_of(uscc)

    def identities_of(self, uscc: str) -> Sequence[StoredCredential]:
        return self.proven.identities_of(uscc)

    def of_subject(self, uscc: str) -> Sequence[StoredCredential]:
        return self.proven.of_subject(uscc)

    def of_issuer(self, issuer: str, *, query: str = "", offset: int = 0,
                  limit: int = 50) -> tuple[Sequence[StoredCredential], int]:
        rows, total = SqlCredentialDocuments(self.store).rows_by_issuer(issuer, query=query, offset=offset, limit=limit)
        out = []
        for row in rows:
            proven = self.proven.prove_row(row)
            if proven.issuer.lower() != issuer.lower():
                raise StoreMismatch(f"credential 0x{row.credential_id.hex()} is listed for issuer {issuer} but its "
                                    f"batch was anchored by {proven.issuer}")
            out.append(proven)
        return out, total

    def known(self, credential_ids: Sequence[bytes]) -> list[bytes]:
        """Which of `credential_ids` the store holds already."""
        hexes = ["0x" + i.hex() for i in credential_ids]
        with self.store.session() as s:
            found = s.exec(select(CredentialRecord.credential_id).where(
                CredentialRecord.chain_key == self.store.chain_key, col(CredentialRecord.credential_id).in_(hexes)
            )).all()
        return [bytes(HexBytes(h)) for h in found]


class SqlCredentialFiles(SqlCredentialLookup):
    """The store side of the credential use cases (`CredentialFiles`): documents, journal, issuers."""

    def reserve(self, root: bytes, ids: Sequence[bytes]) -> list[bytes]:
        """Hold `ids` for the anchor of `root`; returns the ids another anchor in flight holds
        (none held then) or [] once all are held. Atomic across processes: the rows' primary key."""
        key, now = self.store.chain_key, datetime.now(UTC)
        hexes = ["0x" + i.hex() for i in ids]
        root_hex = "0x" + root.hex()
        lapsed = now - timedelta(seconds=RESERVATION_S)
        with self.store.session() as session:
            held: list[str] = []
            for start in range(0, len(hexes), documents.CHUNK):
                rows = session.exec(select(AnchorReservation).where(
                    AnchorReservation.chain_key == key,
                    col(AnchorReservation.credential_id).in_(hexes[start:start + documents.CHUNK]))).all()
                for row in rows:
                    if _aware(row.reserved_at) < lapsed:
                        session.delete(row)
                    else:
                        held.append(row.credential_id)
            if held:
                return [bytes(HexBytes(h)) for h in held]
            session.flush()
            session.add_all(AnchorReservation(chain_key=key, credential_id=h, root=root_hex, reserved_at=now)
                            for h in hexes)
            try:
                session.commit()
            except IntegrityError:  # another process reserved one of them between the read and the write
                session.rollback()
                return [bytes(HexBytes(h)) for h in hexes]
        return []

    def release(self, root: bytes, ids: Sequence[bytes]) -> None:
        """Drop the reservations `reserve(root, ids)` made (those of another root stay)."""
        hexes = ["0x" + i.hex() for i in ids]
        with self.store.session() as session:
            for start in range(0, len(hexes), documents.CHUNK):
                session.execute(delete(AnchorReservation).where(
                    col(AnchorReservation.chain_key) == self.store.chain_key,
                    col(AnchorReservation.root) == "0x" + root.hex(),
                    col(AnchorReservation.credential_id).in_(hexes[start:start + documents.CHUNK])))
            session.commit()

    def file_batch(self, root: bytes, ids: Sequence[bytes], sealed: Sequence[SealedCredential]) -> None:
        now = datetime.now(UTC)
        contents = [item.to_json().encode() for item in sealed]
        _JUST_FILED.put(zip(contents, zip(sealed, ids, strict=True), strict=True))
        with self.store.session() as session:
            documents.put_many(session, chain_key=self.store.chain_key, kind=SEALED, received_at=now,
                               media_type="application/json",
                               items=[("0x" + cid.hex(), c) for cid, c in zip(ids, contents, strict=True)])
            documents.put(session, chain_key=self.store.chain_key, kind=BATCH, key="0x" + root.hex(),
                          content=json.dumps(["0x" + i.hex() for i in ids]).encode(), received_at=now,
                          media_type="application/json")
            session.commit()

    def catch_up(self) -> None:
        self.store.reconcile()



class JustFiled:
    """Sealed copies this process has just filed, by their exact bytes, with the document parsed and
    its credential id (computed and checked by the batch rules before filing). The projector that
    follows the anchor takes them from here instead of parsing and hashing every copy again: the
    same bytes give the same document and id, so a hit is what a fresh parse would give. A rebuild,
    another process, or bytes changed since filing miss, and every copy is verified from scratch.

    With several workers the anchor is often projected by another worker (whichever catches up
    first), and a refused anchor is never projected: such entries are never taken. So the table
    keeps at most `max_entries` (the oldest go first) and forgets what is older than `max_age_s`
    at each filing: a copy is worth keeping only until its anchor is mined and caught up with."""

    def __init__(self, max_entries: int = MAX_BATCH, max_age_s: float = 120.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries, self.max_age_s, self.clock = max_entries, max_age_s, clock
        self._entries: OrderedDict[bytes, tuple[float, tuple[SealedCredential, bytes]]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, items: Iterable[tuple[bytes, tuple[SealedCredential, bytes]]]) -> None:
        now = self.clock()
        with self._lock:
            entries = self._entries
            for content, parsed in items:
                entries.pop(content, None)  # filed again: it is new again
                entries[content] = (now, parsed)
            while entries and (len(entries) > self.max_entries
                               or next(iter(entries.values()))[0] < now - self.max_age_s):
                entries.popitem(last=False)

    def take(self, content: bytes) -> tuple[SealedCredential, bytes] | None:
        with self._lock:
            hit = self._entries.pop(content, None)
        return None if hit is None else hit[1]


_JUST_FILED = JustFiled()


def _parsed(content: bytes) -> tuple[SealedCredential, bytes] | None:
    """A filed sealed copy, parsed, with the id its content hashes to; None if it is no credential."""
    hit = _JUST_FILED.take(content)
    if hit is not None:
        return hit
    try:
        item = SealedCredential.from_json(content)
    except (DocumentError, ValueError):
        return None
    return item, item.credential_id()


def _anchored_credentials(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> list[CredentialRecord]:
    """The rows of a batch whose documents were filed before its anchor: none if they were not
    (a root anchored directly on chain), or if they do not hash to the anchored root."""
    batch = documents.get(session, chain_key=key, kind=BATCH, key=args["root"])
    if batch is None:
        return []
    ids = [bytes(HexBytes(h)) for h in json.loads(batch.content)]
    filed = documents.get_many(session, chain_key=key, kind=SEALED, keys=["0x" + cid.hex() for cid in ids])
    sealed: list[tuple[SealedCredential, str]] = []  # the document, and its JSON as filed
    for cid in ids:
        doc = filed.get("0x" + cid.hex())
        parsed = None if doc is None else _parsed(doc.content)
        if doc is None or parsed is None or parsed[1] != cid:
            return []
        sealed.append((parsed[0], doc.content.decode()))
    tree = MerkleTree.build(ids)
    if "0x" + tree.root.hex() != args["root"]:
        return []
    earlier = _recorded(session, key, ids)  # anchored under an earlier root: keep the first record
    return [
        CredentialRecord(
            chain_key=key, credential_id="0x" + cid.hex(), root=args["root"], kind=args["kind"],
            issuer=args["issuer"], subject=str(item.document.subject),
            signing_address=getattr(item.document, "signing_address", None),
            proof=json.dumps(["0x" + p.hex() for p in tree.proof(cid)]), sealed=text,
            tx_hash=ev.tx_hash, block_number=ev.block_number, anchored_at=ev.block_time,
        )
        for cid, (item, text) in zip(ids, sealed, strict=True)
        if "0x" + cid.hex() not in earlier
    ]


def _recorded(session: Session, key: str, ids: Sequence[bytes]) -> set[str]:
    """Which of `ids` (as 0x-hex) already have a credential row."""
    hexes = ["0x" + i.hex() for i in ids]
    found: set[str] = set()
    for start in range(0, len(hexes), documents.CHUNK):
        found.update(session.exec(select(CredentialRecord.credential_id).where(
            CredentialRecord.chain_key == key,
            col(CredentialRecord.credential_id).in_(hexes[start:start + documents.CHUNK]))).all())
    return found


def _positions_of(session: Session, key: str, root: str) -> dict[int, CredentialRecord]:
    """The store's credentials of batch `root` by leaf position (`position_of` of each row's proof)."""
    found = session.exec(select(CredentialRecord).where(CredentialRecord.chain_key == key,
                                                        CredentialRecord.root == root)).all()
    return {position_of(bytes(HexBytes(r.credential_id)), [bytes(HexBytes(p)) for p in json.loads(r.proof)]): r
            for r in found}


def _revoked(session: Session, key: str, ev: ChainEvent, row: CredentialRecord, position: int, reason: int) -> None:
    if session.get(RevocationRecord, (key, row.credential_id)) is None:
        session.add(RevocationRecord(chain_key=key, credential_id=row.credential_id, root=row.root,
                                     position=position, reason=reason, revoked_at=ev.block_time,
                                     block_number=ev.block_number, tx_hash=ev.tx_hash, event=ev.name))


def project_revocation(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    """A `Revoked` log marks its credential revoked; a `RevokedAt` log every credential of the store
    at the positions its word holds (a root anchored without its documents filed here has none)."""
    if ev.name == "Revoked":
        row = session.get(CredentialRecord, (key, args["credentialId"]))
        if row is not None and row.root == args["root"]:
            position = position_of(bytes(HexBytes(row.credential_id)),
                                   [bytes(HexBytes(p)) for p in json.loads(row.proof)])
            _revoked(session, key, ev, row, position, int(args["reason"]))
    elif ev.name == "RevokedAt":
        positions, _, reason = revoked_in_word(int(args["region"]), int(args["word"]))
        rows = _positions_of(session, key, args["root"])
        for position in positions:
            if position in rows:
                _revoked(session, key, ev, rows[position], position, reason)


def backfill_revocations(session: Session) -> int:
    """Project every revocation the journal holds (schema upgrade 0003, made before the table
    existed); returns how many events were read. Only the journal's columns of that revision are
    read: later ones (the block hash, 0004) do not exist yet when it runs."""
    columns = [col(c) for c in (ChainEvent.chain_key, ChainEvent.block_number, ChainEvent.log_index,
                                ChainEvent.tx_hash, ChainEvent.contract, ChainEvent.name, ChainEvent.args,
                                ChainEvent.block_time)]
    rows = session.execute(sa_select(*columns).where(col(ChainEvent.contract) == "CredentialRegistry",
                                                     col(ChainEvent.name).in_(("Revoked", "RevokedAt")))
                           .order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))).all()
    events = [ChainEvent(**row._mapping) for row in rows]  # not added to the session: read only
    for ev in events:
        project_revocation(session, ev.chain_key, ev, json.loads(ev.args))
    return len(events)


def project_registry(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    if ev.name in ("IssuerAuthorised", "IssuerWithdrawn"):
        row = session.get(IssuerKind, (key, args["issuer"], args["kind"]))
        authorised = ev.name == "IssuerAuthorised"
        if row is None:
            session.add(
                IssuerKind(chain_key=key, issuer=args["issuer"], kind=args["kind"],
                           authorised=authorised, changed_at=ev.block_time)
            )
        else:
            row.authorised, row.changed_at = authorised, ev.block_time
            session.add(row)
    elif ev.name == "Anchored":
        session.add(
            AnchorRecord(chain_key=key, root=args["root"], issuer=args["issuer"], kind=args["kind"],
                         block_number=ev.block_number, tx_hash=ev.tx_hash, anchored_at=ev.block_time)
        )
        session.add_all(_anchored_credentials(session, key, ev, args))
    elif ev.name in ("Revoked", "RevokedAt"):
        project_revocation(session, key, ev, args)
