"""Guarantee tables, projected from GuaranteeBook events plus the documents filed under the
on-chain values they belong to; and the repository the guarantee use cases read and file
documents through (`SqlGuaranteeFiles`).

Documents (api/db/documents.py), by kind and the on-chain value each is filed under:
  guarantee-application     the Application JSON, under its application hash (Applied)
  guarantee-sealed-terms    密文 terms, under their commitment (Issued.terms.termsCommitment)
  guarantee-terms           the terms in clear, under the guarantee id (明文 at issue, 密文 once opened)
  guarantee-rejection       the issuer's reason, under its keccak (Rejected.reasonHash)
  guarantee-verification    the check at opening as JSON, under its report hash (VerificationRecorded)
  guarantee-claim-evidence  a claim's evidence, under its keccak (ClaimFiled.evidenceHash)
  guarantee-claim-contest   the bidder's reasons for contesting a claim, under their keccak
                            (ClaimContested.reasonHash)
  commitment-letter         a bidder's signed credit commitment letter, under its EIP-712 digest
  guarantor-profile         an issuer's published name, USCC and red-list discount, under its address
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

from api.db import documents
from api.db.locks import filing_guard_name
from api.db.events import ChainEvent
from ledger.crypto import receipts
from ledger.crypto.canonical import keccak
from ledger.errors import StoreMismatch
from ledger.model.guarantee import (
    Application,
    ClaimCause,
    ClaimFile,
    CommitmentLetter,
    Form,
    GuaranteeFile,
    GuaranteeTerms,
    IssuerProfile,
    RegisteredLetter,
)



class Store(Protocol):
    """What the repository needs of `api.db.journal.Store`."""

    chain_key: str
    runtime: Any

    def session(self) -> AbstractContextManager[Session]: ...

    def reconcile(self) -> int: ...

    def lock(self, name: str) -> AbstractContextManager[Any]: ...

# A party's own guarantee step (apply, issue, reject, bind, contest…) files its document and relays
# under the guard of that document's key alone (`filing`), across every worker process; the chain
# decides whether the step applies. The centre's steps (award, claim, settle…) still run one at a
# time under the store's `api.db.locks.GUARANTEE_WRITES` guard.

APPLICATION = "guarantee-application"
SEALED_TERMS = "guarantee-sealed-terms"
TERMS = "guarantee-terms"
REJECTION = "guarantee-rejection"
VERIFICATION = "guarantee-verification"
EVIDENCE = "guarantee-claim-evidence"
CONTEST = "guarantee-claim-contest"
LETTER = "commitment-letter"
PROFILE = "guarantor-profile"
PROFILE_RECEIPT = "guarantor-profile-receipt"  # the centre's signed receipt of a profile, under the issuer

# A claim's status in its row.
CLAIM_PENDING, CLAIM_CONTESTED, CLAIM_PAID, CLAIM_DISMISSED = "PENDING", "CONTESTED", "PAID", "DISMISSED"


class GuarantorProfile(SQLModel, table=True):
    """What a guarantee issuer publishes about itself: name, USCC and its red-list fee discount."""

    chain_key: str = Field(primary_key=True)
    issuer: str = Field(primary_key=True)
    name: str
    uscc: str
    red_discount: str  # a fraction in [0, 1), e.g. "0.3" = 30 % off for red-listed firms
    published_at: datetime


class GuaranteeRecord(SQLModel, table=True):
    """A guarantee's off-chain documents: the application, and the terms (明文) or the sealed
    terms (密文, opened at the bid's opening)."""

    chain_key: str = Field(primary_key=True)
    guarantee_id: str = Field(primary_key=True)
    tender_id: str = Field(index=True)
    section: int
    applicant: str = Field(index=True)
    applicant_uscc: str
    issuer: str = Field(index=True)
    application: str  # Application JSON
    application_hash: str
    form: int | None = None
    terms_commitment: str | None = None
    terms: str | None = None  # GuaranteeTerms JSON: 明文 at issue, 密文 once opened
    sealed_terms: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    fee_fen: int | None = None
    red_discount: str | None = None
    rejection: str | None = None
    verification: str | None = None  # the recorded check as JSON (its keccak is on chain)
    applied_tx: str
    issued_tx: str | None = None
    applied_at: datetime


class GuaranteeClaim(SQLModel, table=True):
    """A claim (理赔) on a guarantee, the `number`-th filed on it: its evidence (keccak on chain),
    its contest period, the bidder's contest and reasons, the governance's decision, the payout."""

    chain_key: str = Field(primary_key=True)
    guarantee_id: str = Field(primary_key=True)
    number: int = Field(primary_key=True)  # 1 for the first claim filed on the guarantee
    cause: str
    evidence: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    evidence_hash: str
    tx_hash: str
    claimed_at: datetime  # when it was filed
    contest_deadline: int
    status: str = CLAIM_PENDING
    contest_reason: str | None = None
    contest_reason_hash: str | None = None
    contested_at: datetime | None = None
    contest_tx: str | None = None
    upheld: bool | None = None
    resolution_hash: str | None = None
    resolved_at: datetime | None = None
    resolution_tx: str | None = None
    paid_at: datetime | None = None
    paid_tx: str | None = None


class CommitmentLetterRecord(SQLModel, table=True):
    """A bidder's signed credit commitment letter (信用承诺书), registered before the deadline.

    Projected from the letter documents (no event carries a letter): see `project_letters`."""

    chain_key: str = Field(primary_key=True)
    tender_id: str = Field(primary_key=True)
    section: int = Field(primary_key=True)
    bidder: str = Field(primary_key=True)
    letter: str  # CommitmentLetter JSON, signature included
    letter_hash: str
    stored_at: datetime


def _doc(session: Session, chain_key: str, kind: str, key: str) -> bytes | None:
    doc = documents.get(session, chain_key=chain_key, kind=kind, key=key)
    return doc.content if doc is not None else None


# ---------------------------------------------------------------------- projection


def _fill_terms(session: Session, chain_key: str, row: GuaranteeRecord) -> None:
    """The row's terms from the documents: the sealed terms under their commitment, the terms in
    clear under the guarantee id (明文 from issue, 密文 once opened)."""
    if row.form == Form.SEALED and row.terms_commitment:
        row.sealed_terms = _doc(session, chain_key, SEALED_TERMS, row.terms_commitment)
    clear = _doc(session, chain_key, TERMS, row.guarantee_id)
    if clear is not None and row.form is not None:
        parsed = GuaranteeTerms.model_validate_json(clear)
        row.terms, row.fee_fen = clear.decode(), parsed.fee_fen
        if row.form == Form.PLAINTEXT:
            row.red_discount = str(parsed.red_discount)


def project_profile(session: Session, chain_key: str, issuer: str) -> None:
    """The issuer's profile row from its published profile document (if it published one)."""
    doc = documents.get(session, chain_key=chain_key, kind=PROFILE, key=issuer)
    if doc is None:
        return
    data = json.loads(doc.content)
    session.merge(GuarantorProfile(chain_key=chain_key, issuer=issuer, name=data["name"], uscc=data["uscc"],
                                   red_discount=data["red_discount"], published_at=doc.received_at))


def project_letters(session: Session, chain_key: str) -> None:
    """One row per (tender, section, bidder) from the letter documents, the latest filed winning."""
    for doc in sorted(documents.of_kind(session, chain_key=chain_key, kind=LETTER), key=lambda d: _utc(d.received_at)):
        letter = CommitmentLetter.model_validate_json(doc.content)
        session.merge(CommitmentLetterRecord(
            chain_key=chain_key, tender_id="0x" + letter.tender_id.hex(), section=letter.section,
            bidder=letter.bidder, letter=letter.model_dump_json(), letter_hash=doc.key, stored_at=doc.received_at))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _terms_field(terms: Any, name: str, index: int) -> Any:
    return terms[name] if isinstance(terms, dict) else terms[index]


def project_guarantee_book(session: Session, chain_key: str, ev: ChainEvent, args: dict[str, Any]) -> None:
    """GuaranteeBook events → guarantee rows, with the documents filed under their on-chain values."""
    name = ev.name
    if not session.exec(select(CommitmentLetterRecord.chain_key).where(
            CommitmentLetterRecord.chain_key == chain_key).limit(1)).first():
        project_letters(session, chain_key)  # letters carry no event: made again from their documents
    if name == "GuarantorAuthorised":
        project_profile(session, chain_key, args["issuer"])
        return
    if name == "Applied":
        content = _doc(session, chain_key, APPLICATION, args["applicationHash"])
        if content is None:  # applied for outside the service: no application on file
            return
        app = Application.model_validate_json(content)
        session.merge(GuaranteeRecord(
            chain_key=chain_key, guarantee_id=args["guaranteeId"], tender_id=args["tenderId"],
            section=int(args["section"]), applicant=args["applicant"], applicant_uscc=app.applicant_uscc,
            issuer=args["issuer"], application=app.model_dump_json(), application_hash=args["applicationHash"],
            applied_tx=ev.tx_hash, applied_at=ev.block_time))
        return
    gid: str | None = args.get("guaranteeId")
    if gid is None:
        return
    if name in ("ClaimFiled", "ClaimContested", "ClaimResolved", "Claimed"):
        _project_claim(session, chain_key, ev, args, gid)
        return
    row = session.get(GuaranteeRecord, (chain_key, gid))
    if row is None:
        return
    if name == "Issued":
        terms = args["terms"]
        row.form = int(_terms_field(terms, "form", 0))
        if row.form == Form.SEALED:
            row.terms_commitment = _terms_field(terms, "termsCommitment", 1)
        row.issued_tx = ev.tx_hash
        _fill_terms(session, chain_key, row)
    elif name == "Rejected":
        reason = _doc(session, chain_key, REJECTION, args["reasonHash"])
        row.rejection = reason.decode() if reason is not None else None
    elif name == "VerificationRecorded":
        report = _doc(session, chain_key, VERIFICATION, args["reasonHash"])
        if report is not None:
            row.verification = json.dumps(json.loads(report) | {"tx_hash": ev.tx_hash}, default=str)
        _fill_terms(session, chain_key, row)
    else:
        return
    session.add(row)


def _claims(session: Session, chain_key: str, gid: str) -> list[GuaranteeClaim]:
    return list(session.exec(select(GuaranteeClaim).where(
        GuaranteeClaim.chain_key == chain_key, GuaranteeClaim.guarantee_id == gid,
    ).order_by(col(GuaranteeClaim.number))).all())


def _project_claim(session: Session, chain_key: str, ev: ChainEvent, args: dict[str, Any], gid: str) -> None:
    """A claim's row: made by ClaimFiled (numbered in filing order), then moved on by the bidder's
    contest, the governance's decision and the payout, each on the guarantee's last claim."""
    claims = _claims(session, chain_key, gid)
    if ev.name == "ClaimFiled":
        session.add(GuaranteeClaim(
            chain_key=chain_key, guarantee_id=gid, number=len(claims) + 1, cause=ClaimCause(int(args["cause"])).name,
            evidence=_doc(session, chain_key, EVIDENCE, args["evidenceHash"]), evidence_hash=args["evidenceHash"],
            tx_hash=ev.tx_hash, claimed_at=ev.block_time, contest_deadline=int(args["contestDeadline"])))
        return
    if not claims:
        return
    row = claims[-1]
    if ev.name == "ClaimContested":
        reason = _doc(session, chain_key, CONTEST, args["reasonHash"])
        row.status, row.contest_reason_hash = CLAIM_CONTESTED, args["reasonHash"]
        row.contest_reason = reason.decode() if reason is not None else None
        row.contested_at, row.contest_tx = ev.block_time, ev.tx_hash
    elif ev.name == "ClaimResolved":
        row.upheld, row.resolution_hash = bool(args["upheld"]), args["reasonHash"]
        row.resolved_at, row.resolution_tx = ev.block_time, ev.tx_hash
        if not row.upheld:
            row.status = CLAIM_DISMISSED
    else:  # Claimed: paid out, after the contest period or upheld
        row.status, row.paid_at, row.paid_tx = CLAIM_PAID, ev.block_time, ev.tx_hash
    session.add(row)


def claim_file(row: GuaranteeClaim) -> ClaimFile:
    return ClaimFile(
        cause=row.cause, evidence_hash=row.evidence_hash, tx_hash=row.tx_hash, claimed_at=row.claimed_at,
        contest_deadline=row.contest_deadline, status=row.status, evidence=row.evidence,
        contest_reason=row.contest_reason, contest_reason_hash=row.contest_reason_hash,
        contested_at=row.contested_at, upheld=row.upheld, resolution_hash=row.resolution_hash,
        resolved_at=row.resolved_at, paid_at=row.paid_at, paid_tx=row.paid_tx)


# ---------------------------------------------------------------------- repository


def guarantee_file(row: GuaranteeRecord) -> GuaranteeFile:
    """The row as the use cases see it (they check it against the guarantee's id); StoreMismatch if
    it cannot even be read."""
    try:
        return GuaranteeFile(
            guarantee_id=bytes.fromhex(row.guarantee_id[2:]), tender_id=bytes.fromhex(row.tender_id[2:]),
            application=Application.model_validate_json(row.application), application_hash=row.application_hash,
            terms=GuaranteeTerms.model_validate_json(row.terms) if row.terms else None,
            has_sealed_terms=row.sealed_terms is not None, fee_fen=row.fee_fen, rejection=row.rejection,
            verification=row.verification, applied_tx=row.applied_tx, issued_tx=row.issued_tx)
    except ValueError as exc:
        raise StoreMismatch(f"the stored documents of guarantee {row.guarantee_id} cannot be read ({exc})") from None


def issuer_profile(row: GuarantorProfile) -> IssuerProfile:
    return IssuerProfile(row.issuer, row.name, row.uscc, row.red_discount, row.published_at)


class SqlGuaranteeFiles:
    """The guarantee documents and rows of one store: what the use cases file and read."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def chain_key(self) -> str:
        return self.store.chain_key

    @contextmanager
    def filing(self, *docs: tuple[str, str, bytes]) -> Iterator[None]:
        """File `docs` ((kind, key, content)) for the write that follows; if it fails, put back
        what was filed under those keys before."""
        with ExitStack() as guards:
            # two writes filing under one key wait for each other (else one's put-back could undo
            # the other's filing); writes of other documents go ahead together
            for name in sorted({filing_guard_name(kind, key) for kind, key, _ in docs}):
                guards.enter_context(self.store.lock(name))
            before: list[tuple[str, str, bytes | None]] = []
            now = datetime.now(UTC)
            with self.store.session() as s:
                for kind, key, content in docs:
                    before.append((kind, key, _doc(s, self.chain_key, kind, key)))
                    documents.put(s, chain_key=self.chain_key, kind=kind, key=key, content=content, received_at=now)
                s.commit()
            try:
                yield
            except BaseException:
                with self.store.session() as s:
                    for kind, key, old in before:
                        doc = documents.get(s, chain_key=self.chain_key, kind=kind, key=key)
                        if old is None and doc is not None:
                            s.delete(doc)
                        elif old is not None:
                            documents.put(s, chain_key=self.chain_key, kind=kind, key=key, content=old,
                                          received_at=now)
                    s.commit()
                raise

    def filing_verification(self, report_hash: bytes, report: str) -> AbstractContextManager[None]:
        return self.filing((VERIFICATION, "0x" + report_hash.hex(), report.encode()))

    def filing_application(self, application: Application) -> AbstractContextManager[None]:
        return self.filing((APPLICATION, "0x" + application.hash().hex(), application.model_dump_json().encode()))

    def filing_terms(self, gid: bytes, terms: GuaranteeTerms) -> AbstractContextManager[None]:
        return self.filing((TERMS, "0x" + gid.hex(), terms.model_dump_json().encode()))

    def filing_sealed_terms(self, commitment: bytes, sealed: bytes) -> AbstractContextManager[None]:
        return self.filing((SEALED_TERMS, "0x" + commitment.hex(), sealed))

    def filing_rejection(self, reason: str) -> AbstractContextManager[None]:
        return self.filing((REJECTION, "0x" + keccak(reason.encode()).hex(), reason.encode()))

    def filing_evidence(self, evidence: bytes) -> AbstractContextManager[None]:
        return self.filing((EVIDENCE, "0x" + keccak(evidence).hex(), evidence))

    def filing_contest(self, reason: str) -> AbstractContextManager[None]:
        return self.filing((CONTEST, "0x" + keccak(reason.encode()).hex(), reason.encode()))

    def catch_up(self) -> None:
        self.store.reconcile()

    def record_row(self, gid: str) -> GuaranteeRecord | None:
        with self.store.session() as s:
            return s.get(GuaranteeRecord, (self.chain_key, gid))

    def record(self, gid: bytes) -> GuaranteeFile | None:
        row = self.record_row("0x" + gid.hex())
        return None if row is None else guarantee_file(row)

    def claim_of(self, gid: bytes) -> ClaimFile | None:
        """The last claim filed on the guarantee, or None."""
        claims = self.claims_of(gid)
        return claims[-1] if claims else None

    def claims_of(self, gid: bytes) -> list[ClaimFile]:
        """Every claim filed on the guarantee, oldest first."""
        with self.store.session() as s:
            return [claim_file(r) for r in _claims(s, self.chain_key, "0x" + gid.hex())]

    def records(self, *, applicant: str | None = None, issuer: str | None = None) -> list[GuaranteeFile]:
        return [guarantee_file(r) for r in self.record_rows(applicant=applicant, issuer=issuer)]

    def record_rows(self, *, applicant: str | None = None, issuer: str | None = None) -> list[GuaranteeRecord]:
        with self.store.session() as s:
            q = select(GuaranteeRecord).where(GuaranteeRecord.chain_key == self.chain_key)
            if applicant:
                q = q.where(GuaranteeRecord.applicant == applicant)
            if issuer:
                q = q.where(GuaranteeRecord.issuer == issuer)
            return list(s.exec(q.order_by(col(GuaranteeRecord.applied_at).desc(),
                                          col(GuaranteeRecord.applied_tx).desc())).all())

    def sealed_terms(self, gid: bytes) -> bytes | None:
        row = self.record_row("0x" + gid.hex())
        return row.sealed_terms if row else None

    def opened(self, gid: bytes) -> bool:
        row = self.record_row("0x" + gid.hex())
        return row is not None and row.terms is not None

    def file_opened_terms(self, gid: bytes, terms: GuaranteeTerms) -> None:
        """Keep a 密文 guarantee's opened terms: from opening on they are no secret."""
        key = "0x" + gid.hex()
        with self.store.session() as s:
            documents.put(s, chain_key=self.chain_key, kind=TERMS, key=key, content=terms.model_dump_json().encode(),
                          received_at=datetime.now(UTC))
            row = s.get(GuaranteeRecord, (self.chain_key, key))
            if row is not None:
                _fill_terms(s, self.chain_key, row)
                s.add(row)
            s.commit()

    def _profile_digest(self, issuer: str, content: bytes) -> bytes:
        rt = self.store.runtime
        return receipts.receipt_digest(receipts.PROFILE, chain_id=rt.client.chain_id,
                                       contract=rt.addresses["GuaranteeBook"],
                                       key=bytes.fromhex(issuer[2:]), content_hash=keccak(content))

    def publish_profile(self, issuer: str, *, name: str, uscc: str, red_discount: Decimal) -> IssuerProfile:
        """File the issuer's profile (its request was signed by it) with the centre's receipt of it:
        no one without the centre's key can change the discount it publishes."""
        content = json.dumps({"name": name, "uscc": uscc, "red_discount": str(red_discount)}).encode()
        receipt = receipts.sign_receipt(self.store.runtime.centre, self._profile_digest(issuer, content))
        with self.store.session() as s:
            now = datetime.now(UTC)
            documents.put(s, chain_key=self.chain_key, kind=PROFILE, key=issuer, content=content,
                          received_at=now, media_type="application/json")
            documents.put(s, chain_key=self.chain_key, kind=PROFILE_RECEIPT, key=issuer, content=receipt,
                          received_at=now)
            project_profile(s, self.chain_key, issuer)
            s.commit()
            row = s.get(GuarantorProfile, (self.chain_key, issuer))
        assert row is not None
        return issuer_profile(row)

    def _received(self, s: Session, row: GuarantorProfile) -> IssuerProfile:
        """The profile row, once shown to be what the issuer published and the centre received
        (StoreMismatch otherwise): the discount it gives is a decision."""
        doc = documents.get(s, chain_key=self.chain_key, kind=PROFILE, key=row.issuer)
        receipt = documents.get(s, chain_key=self.chain_key, kind=PROFILE_RECEIPT, key=row.issuer)
        signer = None if doc is None or receipt is None else receipts.receipt_signer(
            self._profile_digest(row.issuer, doc.content), receipt.content)
        if signer != self.store.runtime.centre.address:
            raise StoreMismatch(f"the profile of guarantee issuer {row.issuer} is not the one the service received")
        try:
            data = json.loads(doc.content) if doc is not None else {}
        except ValueError:
            data = {}
        if (data.get("name"), data.get("uscc"), data.get("red_discount")) != (row.name, row.uscc, row.red_discount):
            raise StoreMismatch(f"the profile row of guarantee issuer {row.issuer} differs from its published profile")
        return issuer_profile(row)

    def profile(self, issuer: str) -> IssuerProfile | None:
        with self.store.session() as s:
            row = s.get(GuarantorProfile, (self.chain_key, issuer))
            return None if row is None else self._received(s, row)

    def profiles(self) -> dict[str, IssuerProfile]:
        with self.store.session() as s:
            return {p.issuer: self._received(s, p) for p in s.exec(select(GuarantorProfile).where(
                GuarantorProfile.chain_key == self.chain_key)).all()}

    def file_letter(self, letter: CommitmentLetter) -> RegisteredLetter:
        digest = "0x" + letter.digest().hex()
        with self.store.session() as s:
            documents.put(s, chain_key=self.chain_key, kind=LETTER, key=digest,
                          content=letter.model_dump_json().encode(), received_at=datetime.now(UTC),
                          media_type="application/json")
            s.flush()
            project_letters(s, self.chain_key)
            s.commit()
            row = s.get(CommitmentLetterRecord, (self.chain_key, "0x" + letter.tender_id.hex(), letter.section,
                                                 letter.bidder))
        assert row is not None
        return RegisteredLetter(row.tender_id, row.section, row.bidder, row.letter_hash)

    def letter(self, tender_id: bytes, section: int, bidder: str) -> CommitmentLetter | None:
        """The bidder's registered letter (its signature is checked by the use case); from the filed
        letters when its row is gone (the row is only their projection)."""
        with self.store.session() as s:
            row = s.get(CommitmentLetterRecord, (self.chain_key, "0x" + tender_id.hex(), section, bidder))
            try:
                if row is not None:
                    return CommitmentLetter.model_validate_json(row.letter)
                filed = [CommitmentLetter.model_validate_json(d.content) for d in sorted(
                    documents.of_kind(s, chain_key=self.chain_key, kind=LETTER), key=lambda d: _utc(d.received_at))]
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                raise StoreMismatch(f"a stored commitment letter cannot be read ({exc})") from None
        mine = [x for x in filed if (x.tender_id, x.section, x.bidder) == (tender_id, section, bidder)]
        return mine[-1] if mine else None
