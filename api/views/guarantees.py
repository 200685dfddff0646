"""E-guarantee model objects → the API's JSON (exactly as the routes have always answered)."""

from __future__ import annotations

import base64
import json
from typing import Any

from api.encoding import to_hex
from api.views.chain import unsigned_tx
from ledger.model.guarantee import LETTER_FILE, ZERO_WORD, ClaimFile, CommitmentLetter, GuaranteeInfo, IssuerInfo
from ledger.model.guarantee import RegisteredLetter
from ledger.rules.verify import Check
from ledger.service.guarantees import (
    ApplicationTemplate,
    BidBacking,
    BreachDraft,
    IssueTemplate,
    SectionChecks,
    SectionClosed,
)


def profile(info: IssuerInfo) -> dict[str, Any]:
    p = info.profile
    assert p is not None
    return {"issuer": p.issuer, "name": p.name, "uscc": p.uscc, "red_discount": p.red_discount,
            "published_at": p.published_at.isoformat(), "types": [t.name for t in info.types]}


def issuer(info: IssuerInfo) -> dict[str, Any]:
    p = info.profile
    return {"issuer": info.issuer, "types": [t.name for t in info.types], "name": p.name if p else None,
            "uscc": p.uscc if p else None, "red_discount": p.red_discount if p else "0"}


def application_template(t: ApplicationTemplate) -> dict[str, Any]:
    app = t.application
    return {"application": app.model_dump(mode="json"), "application_hash": to_hex(app.hash()),
            "guarantee_id": to_hex(app.guarantee_id()), "tx": unsigned_tx(t.tx),
            "credit": {"redlisted": t.credit.redlisted,
                       "red_discount": str(t.red_discount) if t.credit.is_redlisted else "0"}}


def issue_template(t: IssueTemplate) -> dict[str, Any]:
    app = t.application
    return {
        "terms": {"guarantee_id": to_hex(t.guarantee_id), "issuer": app.issuer, "applicant": app.applicant,
                  "applicant_uscc": app.applicant_uscc, "beneficiary": app.tenderer,
                  "beneficiary_uscc": app.tenderer_uscc, "project_code": app.project_code,
                  "section_code": app.section_code, "amount_fen": app.amount_fen, "fee_fen": t.fee_fen,
                  "rate_bps": t.rate_bps, "red_discount": str(t.red_discount), "start": t.start,
                  "end": app.validity_end},
        "redlisted": t.credit.redlisted, "validity_end": app.validity_end,
        "sealing": {"chain_id": t.chain_id, "guarantee_book": t.book_address,
                    "opening_public_key": to_hex(t.opening_public)},
    }


def guarantee(info: GuaranteeInfo) -> dict[str, Any]:
    """A guarantee as the chain holds it, with its application, terms (明文, or 密文 once opened),
    rejection, verification and claim."""
    g = info.chain
    out: dict[str, Any] = {
        "guarantee_id": to_hex(info.guarantee_id), "state": g.state.name, "tender_id": to_hex(g.tender_id),
        "section": g.section, "applicant": g.applicant, "issuer": g.issuer,
        "form": g.form.name if g.doc_hash != ZERO_WORD else None, "amount_fen": g.amount, "end": g.end,
        "closed_at": g.closed_at, "released_late": g.released_late, "doc_hash": to_hex(g.doc_hash),
        "terms_commitment": to_hex(g.terms_commitment),
    }
    f = info.file
    if f is not None:
        out |= {"application": f.application.model_dump(mode="json"), "application_hash": f.application_hash,
                "terms": f.terms.model_dump(mode="json") if f.terms is not None else None,
                "sealed": f.sealed, "fee_fen": f.fee_fen, "rejection": f.rejection,
                "verification": json.loads(f.verification) if f.verification else None,
                "applied_tx": f.applied_tx, "issued_tx": f.issued_tx}
    if info.claim is not None:
        out["claim"] = claim(info.claim)
        out["claims"] = [claim(c) for c in info.claims]
    return out


def claim(c: ClaimFile) -> dict[str, Any]:
    """A claim with its evidence and the bidder's reasons, both public so that anyone can check
    them against their hashes on chain; `contest_deadline` is when the bidder's window closes."""
    def when(t: Any) -> str | None:
        return t.isoformat() if t is not None else None

    return {"cause": c.cause, "status": c.status, "evidence_hash": c.evidence_hash,
            "evidence_b64": base64.b64encode(c.evidence).decode() if c.evidence is not None else None,
            "tx_hash": c.tx_hash, "claimed_at": c.claimed_at.isoformat(), "contest_deadline": c.contest_deadline,
            "contest_reason": c.contest_reason, "contest_reason_hash": c.contest_reason_hash,
            "contested_at": when(c.contested_at), "upheld": c.upheld, "resolution_hash": c.resolution_hash,
            "resolved_at": when(c.resolved_at), "paid_at": when(c.paid_at), "paid_tx": c.paid_tx}


def letter_template(letter: CommitmentLetter) -> dict[str, Any]:
    return {"letter": letter.model_dump(mode="json"), "digest": to_hex(letter.digest()), "file_name": LETTER_FILE}


def registered_letter(r: RegisteredLetter, *, section: int, bidder: str) -> dict[str, Any]:
    return {"tender_id": r.tender_id, "section": section, "bidder": bidder, "letter_hash": r.letter_hash,
            "file_name": LETTER_FILE}


def check(c: Check) -> dict[str, Any]:
    return {"name": c.name, "status": c.status.value, "reason": c.reason,
            "details": json.loads(json.dumps(c.details, default=str))}


def section_checks(r: SectionChecks) -> dict[str, Any]:
    return {"tender_id": to_hex(r.tender_id), "section": r.section,
            "checks": [{"bidder": bidder, **check(c)} for bidder, c in r.checks]}


def awarded(r: SectionClosed) -> dict[str, Any]:
    done = r.released
    return {"tender_id": to_hex(r.tender_id), "section": r.section, "winner": r.winner,
            "tx_hash": to_hex(done.mined.tx_hash), "released": [to_hex(g) for g in done.released],
            "release_batches": [to_hex(b.tx_hash) for b in done.batches]}


def contract_signed(r: SectionClosed, *, signed_at: int) -> dict[str, Any]:
    done = r.released
    return {"tender_id": to_hex(r.tender_id), "section": r.section, "signed_at": signed_at,
            "tx_hash": to_hex(done.mined.tx_hash), "released": [to_hex(g) for g in done.released]}


def breach_draft(d: BreachDraft) -> dict[str, Any]:
    sealed = d.breach.sealed
    return {"sealed": sealed.to_dict(), "credential_id": to_hex(sealed.credential_id()),
            "evidence_hash": to_hex(d.breach.evidence_hash), "letter_hash": to_hex(d.letter.digest())}


def bid_backing(b: BidBacking) -> dict[str, Any]:
    if b.guarantee is not None:
        return {"kind": "guarantee", "guarantee": guarantee(b.guarantee)}
    assert b.letter is not None
    return {"kind": "commitment_letter", "letter_hash": to_hex(b.letter.digest()),
            "letter": b.letter.model_dump(mode="json")}
