"""Tender tables, projected from TenderBook's events plus the documents filed under their
on-chain values: the tender's file (under its doc hash), its parameters (under the params hash),
an amendment's reason (under the reason hash), each sealed bid and its credential-set commitment
(under the bid's commitment) and the service's opening report of each bid (under the bid's
commitment).

Every shape is a typed row: a tender's officers and share hashes (TenderOfficer, TenderShareHash),
an opened bid's eligibility checks (EligibilityCheck) and the credentials it used (CredentialUse).
The tender's file itself stays in the `document` table, under its doc hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from collections.abc import Sequence
from typing import Any

from eth_utils import keccak
from hexbytes import HexBytes
from pydantic import ValidationError
from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

from api.db import documents
from api.db.events import ChainEvent
from ledger.errors import StoreMismatch
from ledger.crypto.sealing import ciphertext_hash
from ledger.model.receipt import Mined
from ledger.model.tender import (
    BidEligibility,
    OpenedBid,
    Outcome,
    StoredBid,
    StoredTender,
    Tender,
    TenderVersionInfo,
)
from ledger.rules import reasons
from ledger.rules.verify import Check, CheckStatus
from ledger.tenders import TenderParams

TENDER = "tender"  # the tender documents, filed under keccak(document)
PARAMS = "params"  # TenderParams JSON, filed under its params hash
REASON = "amendment-reason"  # an amendment's reason (UTF-8), filed under keccak(reason)
ENVELOPE = "envelope"  # a sealed bid, filed under its commitment
RECEIPT = "envelope-receipt"  # the centre's signed receipt of a sealed bid, under the bid's commitment
CREDENTIAL_SET = "credential-set"  # a bid's credential-set commitment (32 bytes), filed under its commitment
OPENING = "opening"  # the opening report of a bid (reason, price, eligibility), under its commitment
OPENING_RECEIPT = "opening-receipt"  # the centre's signed receipt of that report, under the bid's commitment

FIRST_VERSION_REASON = "published"


class TenderRecord(SQLModel, table=True):
    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    project_code: str = Field(index=True)
    params: str  # TenderParams JSON
    doc_hash: str  # the tender's file is the `document` filed under it (kind "tender")
    deadline: int
    opening_public: str
    threshold: int
    version: int
    tx_hash: str
    published_at: datetime


class TenderOfficer(SQLModel, table=True):
    """One officer of a tender's opening committee, in the order the chain holds them."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    officer: str


class TenderShareHash(SQLModel, table=True):
    """The hash of one share of a tender's opening key, in the order the chain holds them."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    share_hash: str


class TenderVersion(SQLModel, table=True):
    """Every published version of a tender: the first and each amendment, with its reason."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    params: str
    doc_hash: str
    deadline: int
    reason: str
    tx_hash: str
    published_at: datetime


class BidEnvelope(SQLModel, table=True):
    """A sealed bid as the bidder uploaded it; `committed` while its commitment is the live bid on chain."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    bidder: str = Field(primary_key=True)
    commitment: str = Field(primary_key=True)
    envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    envelope_hash: str
    credential_set_commitment: str | None = None  # with the envelope's hash, rebuilds the commitment
    committed: bool = False
    uploaded_at: datetime


class OpeningRecord(SQLModel, table=True):
    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    bidder: str = Field(primary_key=True)
    outcome: str
    reason: str
    price: str | None = None
    checked: bool = False  # an eligibility report was made (decrypted bids); its checks are EligibilityCheck rows
    firm: str | None = None  # the firm behind the bidder's key, when the report names one
    eligible: bool
    opened_at: datetime


class EligibilityCheck(SQLModel, table=True):
    """One check of an opened bid's eligibility report, in the report's order."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    bidder: str = Field(primary_key=True)
    position: int = Field(primary_key=True)
    name: str
    status: str  # CheckStatus
    reason: str
    words: str | None = None  # the reason's code and arguments as JSON (ledger.rules.reasons), when it has them


class CredentialUse(SQLModel, table=True):
    """A credential an opened bid revealed (TenderBook's CredentialUsed in the opening's transaction)."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    bidder: str = Field(primary_key=True)
    credential_id: str = Field(primary_key=True)


# Every tender table, parents first.
TABLES: tuple[type[SQLModel], ...] = (TenderRecord, TenderOfficer, TenderShareHash, TenderVersion, BidEnvelope,
                                      OpeningRecord, EligibilityCheck, CredentialUse)


# ---------------------------------------------------------------------- filing documents


def file_documents(store: Any, *items: tuple[str, bytes, bytes]) -> None:
    """File each (kind, on-chain key, content) before the transaction that puts the key on chain."""
    now = datetime.now(UTC)
    with store.session() as s:
        for kind, key, content in items:
            documents.put(s, chain_key=store.chain_key, kind=kind, key="0x" + key.hex(), content=content,
                          received_at=now)
        s.commit()


def tender_documents(params: TenderParams, document: bytes) -> list[tuple[str, bytes, bytes]]:
    return [(TENDER, keccak(document), document), (PARAMS, params.params_hash(), params.model_dump_json().encode())]


def _report_json(e: BidEligibility | None) -> dict[str, Any]:
    """An eligibility report as the opening document holds it ({} when none was made)."""
    if e is None:
        return {}
    checks = [{"name": c.name, "status": c.status.name, "reason": c.reason, **reasons.words(c.details)}
              for c in e.checks]
    if e.firm is None:
        return {"checks": checks, "eligible": e.eligible}
    return {"firm": e.firm, "eligible": e.eligible, "checks": checks}


def opening_document(*, reason: str, price: str | None, eligibility: BidEligibility | None) -> bytes:
    return json.dumps({"reason": reason, "price": price, "eligibility": _report_json(eligibility)}).encode()


def catch_up(store: Any) -> None:
    """`store.reconcile()` (which serialises catch-ups and retries a lost race itself)."""
    store.reconcile()


# ---------------------------------------------------------------------- projection


def _params(session: Session, key: str, params_hash: str) -> TenderParams | None:
    doc = documents.get(session, chain_key=key, kind=PARAMS, key=params_hash)
    if doc is None:
        return None
    try:
        params = TenderParams.model_validate_json(doc.content)
    except (ValidationError, ValueError):
        return None
    return params if "0x" + params.params_hash().hex() == params_hash.lower() else None


def _hashed(session: Session, key: str, kind: str, digest: str) -> bytes | None:
    doc = documents.get(session, chain_key=key, kind=kind, key=digest)
    if doc is None or "0x" + keccak(doc.content).hex() != digest.lower():
        return None
    return doc.content


def _replace_children(session: Session, table: Any, rows: Sequence[SQLModel], **where: Any) -> None:
    """Replace the child rows of `table` matching `where` with `rows`."""
    for old in session.exec(select(table).where(*(getattr(table, k) == v for k, v in where.items()))):
        session.delete(old)
    session.flush()
    for row in rows:
        session.add(row)


def _published(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    terms = args["params"]
    params = _params(session, key, terms["paramsHash"])
    if params is None or _hashed(session, key, TENDER, terms["docHash"]) is None:
        return  # published without the documents this service files: not one of its tenders
    tid = args["tenderId"].lower()
    row = TenderRecord(
        chain_key=key, tender_id=tid, project_code=params.project_code, params=params.model_dump_json(),
        doc_hash=terms["docHash"].lower(), deadline=int(terms["deadline"]),
        opening_public=terms["openingPublicKey"].lower(), threshold=int(terms["threshold"]),
        version=int(args["version"]), tx_hash=ev.tx_hash, published_at=ev.block_time,
    )
    session.merge(row)
    _replace_children(session, TenderOfficer, [
        TenderOfficer(chain_key=key, tender_id=tid, position=i, officer=o) for i, o in enumerate(terms["officers"])
    ], chain_key=key, tender_id=tid)
    _replace_children(session, TenderShareHash, [
        TenderShareHash(chain_key=key, tender_id=tid, position=i, share_hash=h.lower())
        for i, h in enumerate(terms["shareHashes"])
    ], chain_key=key, tender_id=tid)
    session.merge(TenderVersion(chain_key=key, tender_id=tid, version=row.version, params=row.params,
                                doc_hash=row.doc_hash, deadline=row.deadline, reason=FIRST_VERSION_REASON,
                                tx_hash=ev.tx_hash, published_at=ev.block_time))


def _amended(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    tid = args["tenderId"].lower()
    row = session.get(TenderRecord, (key, tid))
    params = _params(session, key, args["paramsHash"])
    document = _hashed(session, key, TENDER, args["docHash"])
    reason = _hashed(session, key, REASON, args["reasonHash"])
    if row is None or params is None or document is None or reason is None:
        return
    row.params, row.doc_hash = params.model_dump_json(), args["docHash"].lower()
    row.deadline, row.version = int(args["deadline"]), int(args["version"])
    session.add(row)
    session.merge(TenderVersion(chain_key=key, tender_id=tid, version=row.version, params=row.params,
                                doc_hash=row.doc_hash, deadline=row.deadline, reason=reason.decode(),
                                tx_hash=ev.tx_hash, published_at=ev.block_time))


def _bids_of(session: Session, key: str, tid: str, section: int, bidder: str) -> list[BidEnvelope]:
    return list(session.exec(select(BidEnvelope).where(
        BidEnvelope.chain_key == key, BidEnvelope.tender_id == tid, BidEnvelope.section == section,
        BidEnvelope.bidder == bidder)))


def _submitted(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    tid, section, bidder = args["tenderId"].lower(), int(args["section"]), args["bidder"]
    for earlier in _bids_of(session, key, tid, section, bidder):
        earlier.committed = False
        session.add(earlier)
    commitment = args["commitment"].lower()
    doc = documents.get(session, chain_key=key, kind=ENVELOPE, key=commitment)
    if doc is None or session.get(TenderRecord, (key, tid)) is None:
        return
    cred_set = documents.get(session, chain_key=key, kind=CREDENTIAL_SET, key=commitment)
    session.merge(BidEnvelope(
        chain_key=key, tender_id=tid, section=section, bidder=bidder, commitment=commitment,
        envelope=doc.content, envelope_hash="0x" + ciphertext_hash(doc.content).hex(),
        credential_set_commitment="0x" + cred_set.content.hex() if cred_set is not None else None,
        committed=True, uploaded_at=doc.received_at,
    ))


def _withdrawn(session: Session, key: str, args: dict[str, Any]) -> None:
    for earlier in _bids_of(session, key, args["tenderId"].lower(), int(args["section"]), args["bidder"]):
        earlier.committed = False
        session.add(earlier)


def _live_commitment(session: Session, key: str, tid: str, section: int, bidder: str) -> str | None:
    """The bid's commitment as the journal holds it: its last BidSubmitted (the bid cannot change once opened)."""
    for row in _bids_of(session, key, tid, section, bidder):
        if row.committed:
            return row.commitment
    events = session.exec(select(ChainEvent).where(
        ChainEvent.chain_key == key, ChainEvent.contract == "TenderBook", ChainEvent.name == "BidSubmitted",
    ).order_by(col(ChainEvent.block_number).desc(), col(ChainEvent.log_index).desc()))
    for e in events:
        a = json.loads(e.args)
        if a["tenderId"].lower() == tid and int(a["section"]) == section and a["bidder"] == bidder:
            return str(a["commitment"]).lower()
    return None


def _opened(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    tid, section, bidder = args["tenderId"].lower(), int(args["section"]), args["bidder"]
    if session.get(TenderRecord, (key, tid)) is None:
        return
    commitment = _live_commitment(session, key, tid, section, bidder)
    doc = None if commitment is None else documents.get(session, chain_key=key, kind=OPENING, key=commitment)
    report: dict[str, Any] = json.loads(doc.content) if doc is not None else {}
    if ev.name == "BidOpened":
        outcome = Outcome.DECRYPTED
        used = session.exec(select(ChainEvent).where(
            ChainEvent.chain_key == key, ChainEvent.tx_hash == ev.tx_hash, ChainEvent.name == "CredentialUsed"))
        ids = sorted({a["credentialId"].lower() for a in (json.loads(u.args) for u in used)
                      if a["tenderId"].lower() == tid and int(a["section"]) == section and a["bidder"] == bidder})
    else:
        outcome, ids = Outcome(int(args["outcome"])), []
    # Only a decrypted bid is checked for eligibility; its report is the one filed for its commitment.
    eligibility: dict[str, Any] = (report.get("eligibility") or {}) if outcome is Outcome.DECRYPTED else {}
    checks = eligibility.get("checks", []) if eligibility else []
    at = {"chain_key": key, "tender_id": tid, "section": section, "bidder": bidder}
    session.merge(OpeningRecord(
        **at, outcome=outcome.name, reason=str(report.get("reason", "")), price=report.get("price"),
        checked=bool(eligibility), firm=eligibility.get("firm"), eligible=bool(eligibility.get("eligible")),
        opened_at=ev.block_time,
    ))
    _replace_children(session, EligibilityCheck, [
        EligibilityCheck(**at, position=i, name=str(c["name"]), status=CheckStatus[c["status"]].name,
                         reason=str(c["reason"]), words=_words(c)) for i, c in enumerate(checks)
    ], **at)
    _replace_children(session, CredentialUse, [CredentialUse(**at, credential_id=i) for i in ids], **at)


def _words(check: dict[str, Any]) -> str | None:
    """The code and arguments of a check of a filed opening report, as the row keeps them (None without)."""
    found = reasons.words(check)
    return json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None


def _details(words: str | None) -> dict[str, Any]:
    try:
        found = json.loads(words) if words else {}
    except ValueError:
        return {}
    return reasons.words(found) if isinstance(found, dict) else {}


def project_tender_book(session: Session, key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    if ev.name == "TenderPublished":
        _published(session, key, ev, args)
    elif ev.name == "TenderAmended":
        _amended(session, key, ev, args)
    elif ev.name == "BidSubmitted":
        _submitted(session, key, ev, args)
    elif ev.name == "BidWithdrawn":
        _withdrawn(session, key, args)
    elif ev.name in ("BidOpened", "DecryptionFailed"):
        _opened(session, key, ev, args)


# ---------------------------------------------------------------------- the TenderRecords port


def stored_tender(session: Session, row: TenderRecord) -> StoredTender:
    """The model of a tender row, with its officers, share hashes and its file from the `document` table."""
    at = (TenderOfficer.chain_key == row.chain_key, TenderOfficer.tender_id == row.tender_id)
    officers = session.exec(select(TenderOfficer).where(*at).order_by(col(TenderOfficer.position))).all()
    hashes = session.exec(select(TenderShareHash).where(
        TenderShareHash.chain_key == row.chain_key, TenderShareHash.tender_id == row.tender_id,
    ).order_by(col(TenderShareHash.position))).all()
    document = _hashed(session, row.chain_key, TENDER, row.doc_hash)
    if document is None:  # the row was projected only when it was; someone changed the store since
        raise StoreMismatch(
            f"tender {row.tender_id}'s file no longer hashes to the on-chain document hash {row.doc_hash}")
    tender = Tender(
        tender_id=bytes(HexBytes(row.tender_id)), params=TenderParams.model_validate_json(row.params),
        doc_hash=bytes(HexBytes(row.doc_hash)), deadline=row.deadline,
        opening_public=bytes(HexBytes(row.opening_public)), officers=tuple(o.officer for o in officers),
        threshold=row.threshold, share_hashes=tuple(bytes(HexBytes(h.share_hash)) for h in hashes),
        mined=Mined(bytes(HexBytes(row.tx_hash)), 0), issued_at=_unix(row.published_at),
    )
    return StoredTender(tender=tender, document=document, version=row.version, published_at=row.published_at)


def _unix(at: datetime) -> int:
    """Unix seconds of a stored block time (SQLite gives it back without its UTC offset)."""
    return int((at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp())


def opened_bid(r: OpeningRecord, checks: Sequence[EligibilityCheck], used: Sequence[CredentialUse]) -> OpenedBid:
    """The model of an opening row with its checks (in report order) and used credentials (sorted)."""
    eligibility = None
    if r.checked:
        ordered = sorted(checks, key=lambda c: c.position)
        eligibility = BidEligibility(firm=r.firm, eligible=r.eligible,
                                     checks=tuple(Check(c.name, CheckStatus[c.status], c.reason, _details(c.words))
                                                  for c in ordered))
    ids = sorted(u.credential_id for u in used)
    return OpenedBid(bidder=r.bidder, outcome=Outcome[r.outcome], reason=r.reason, price=r.price,
                     credential_ids=tuple(bytes(HexBytes(i)) for i in ids), eligibility=eligibility)


class SqlTenderRecords:
    """The `TenderRecords` port over the store's tender projections."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def stored_tender(self, tender_id: bytes) -> StoredTender | None:
        with self.store.session() as s:
            row = s.get(TenderRecord, (self.store.chain_key, "0x" + tender_id.hex()))
            return None if row is None else stored_tender(s, row)

    def versions(self, tender_id: bytes) -> Sequence[TenderVersionInfo]:
        with self.store.session() as s:
            rows = s.exec(select(TenderVersion).where(
                TenderVersion.chain_key == self.store.chain_key, TenderVersion.tender_id == "0x" + tender_id.hex(),
            ).order_by(col(TenderVersion.version))).all()
        return [TenderVersionInfo(version=v.version, reason=v.reason,
                                  params=TenderParams.model_validate_json(v.params),
                                  doc_hash=bytes(HexBytes(v.doc_hash)), deadline=v.deadline,
                                  tx_hash=bytes(HexBytes(v.tx_hash)), published_at=v.published_at) for v in rows]

    def openings(self, tender_id: bytes, section: int) -> Sequence[OpenedBid]:
        key, tid = self.store.chain_key, "0x" + tender_id.hex()
        with self.store.session() as s:
            rows = s.exec(select(OpeningRecord).where(
                OpeningRecord.chain_key == key, OpeningRecord.tender_id == tid,
                OpeningRecord.section == section).order_by(col(OpeningRecord.bidder))).all()
            checks = s.exec(select(EligibilityCheck).where(
                EligibilityCheck.chain_key == key, EligibilityCheck.tender_id == tid,
                EligibilityCheck.section == section)).all()
            used = s.exec(select(CredentialUse).where(
                CredentialUse.chain_key == key, CredentialUse.tender_id == tid,
                CredentialUse.section == section)).all()
        checks_of: dict[str, list[EligibilityCheck]] = {}
        for c in checks:
            checks_of.setdefault(c.bidder, []).append(c)
        used_by: dict[str, list[CredentialUse]] = {}
        for u in used:
            used_by.setdefault(u.bidder, []).append(u)
        return [opened_bid(r, checks_of.get(r.bidder, []), used_by.get(r.bidder, [])) for r in rows]

    def envelope(self, tender_id: bytes, section: int, bidder: str, commitment: bytes) -> StoredBid | None:
        with self.store.session() as s:
            row = s.get(BidEnvelope, (self.store.chain_key, "0x" + tender_id.hex(), section, bidder,
                                      "0x" + commitment.hex()))
        if row is None:
            return None
        cred_set = row.credential_set_commitment
        return StoredBid(tender_id=tender_id, section=section, bidder=row.bidder, commitment=commitment, version=0,
                         envelope=row.envelope, envelope_hash=bytes(HexBytes(row.envelope_hash)),
                         uploaded_at=row.uploaded_at,
                         credential_set_commitment=bytes(HexBytes(cred_set)) if cred_set else None)

    def file_tender(self, params: TenderParams, document: bytes, *, reason: str | None = None) -> None:
        items = tender_documents(params, document)
        if reason is not None:
            items.append((REASON, keccak(reason.encode()), reason.encode()))
        file_documents(self.store, *items)

    def file_envelope(self, commitment: bytes, envelope: bytes, credential_set_commitment: bytes, *,
                      receipt: bytes) -> None:
        file_documents(self.store, (ENVELOPE, commitment, envelope),
                       (CREDENTIAL_SET, commitment, credential_set_commitment), (RECEIPT, commitment, receipt))

    def receipt(self, commitment: bytes) -> bytes | None:
        with self.store.session() as s:
            doc = documents.get(s, chain_key=self.store.chain_key, kind=RECEIPT, key="0x" + commitment.hex())
        return None if doc is None else doc.content

    def file_opening(self, commitment: bytes, *, reason: str, price: str | None,
                     eligibility: BidEligibility | None, receipt: bytes) -> None:
        file_documents(self.store, (OPENING, commitment, opening_document(reason=reason, price=price,
                                                                           eligibility=eligibility)),
                       (OPENING_RECEIPT, commitment, receipt))

    def opening_receipt(self, commitment: bytes) -> bytes | None:
        with self.store.session() as s:
            doc = documents.get(s, chain_key=self.store.chain_key, kind=OPENING_RECEIPT, key="0x" + commitment.hex())
        return None if doc is None else doc.content

    def catch_up(self) -> None:
        catch_up(self.store)
