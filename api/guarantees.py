"""Guarantee services behind the API: guarantee issuers, applications filled in from the ledger,
issuing (明文 or 密文), binding, the check at opening, award and release, claims with evidence,
and credit commitment letters.

As everywhere in the service, each party's write is its own signed transaction, checked to do
exactly what the request says and dry-run before it is relayed; the trading centre's steps
(verification, award, signing, claims) are sent with the operator key, the centre on chain.
A write that fails leaves nothing behind: the chain refuses it before the store is touched.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from pydantic import ValidationError
from sqlmodel import select

from api import tenders
from api.encoding import to_hex, word
from api.db import guarantees as db
from api.db.events import ChainEvent
from api.db.guarantees import WRITE_LOCK, GuaranteeRecord, GuarantorProfile, SqlGuaranteeFiles
from api.deps import guarantee_check
from api.db.journal import Store
from ledger import bidding
from ledger import guarantees as gt
from ledger.chain.guarantee_book import TERMS_FIELDS as TERMS_NAMES
from ledger.chain.guarantee_book import GuaranteeBookGateway, terms_tuple
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.model.guarantee import first_error
from ledger.service import guarantees as service
from ledger.model.tender import Tender
from ledger.errors import Conflict, NotFound, Unauthorised, ValidationFailed
from ledger.crypto.sealing import MIN_ENVELOPE_SIZE, BidPackage, OpeningKey
from ledger.crypto.sealing import VERSION as SEAL_VERSION
from ledger.crypto.shares import ShareError
from ledger.uscc import InvalidUSCC, validate_uscc
from ledger.rules.verify import Check

_WRITE_LOCK = WRITE_LOCK
PREPARABLE = frozenset({"authoriseIssuer", "withdrawIssuer", "applyFor", "issue", "reject", "cancel", "bind",
                        "unbind", "release", "expire"})


def _address(value: str, what: str) -> str:
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError):
        raise ValidationFailed(f"{what} is not an address: {value!r}") from None


def _book(store: Store) -> GuaranteeBookGateway:
    return store.runtime.guarantee_book


def _now(store: Store) -> int:
    return store.runtime.client.block_timestamp()


def _tender(store: Store, tender_id: str) -> Tender:
    return tenders.published(tenders._tender(store, tender_id))


def _check_section(tender: Tender, section: int) -> None:
    count = len(tender.params.sections)
    if not 0 <= section < count:
        raise NotFound("UnknownSection", {"tenderId": tender.tender_id, "section": section},
                       f"tender {tender.params.project_code} has sections 0..{count - 1}")


def _own(relayed: RelayedTx, signer: str, functions: tuple[str, ...]) -> None:
    if relayed.sender != signer:
        raise Unauthorised("SignerMismatch", {}, f"the transaction is signed by {relayed.sender} but the request by "
                                                 f"{signer}: each party signs its own transaction")
    if relayed.function not in functions:
        raise ValidationFailed(f"signed_tx calls {relayed.function}, expected {' or '.join(functions)}")


def _about(relayed: RelayedTx, gid: bytes) -> None:
    if bytes(relayed.args["guaranteeId"]) != gid:
        raise ValidationFailed(f"signed_tx {relayed.function}s guarantee {to_hex(relayed.args['guaranteeId'])}, "
                               f"not {to_hex(gid)}")


def _relayed(store: Store, relayed: RelayedTx) -> dict[str, Any]:
    mined = relay(_book(store), relayed)
    return {"function": relayed.function, "tx_hash": mined.tx_hex, "block_number": mined.block_number}


def _files(store: Store) -> SqlGuaranteeFiles:
    return SqlGuaranteeFiles(store)


def _record(store: Store, gid: bytes) -> GuaranteeRecord:
    row = _files(store).record(to_hex(gid))
    if row is None:
        raise NotFound("UnknownGuarantee", {"guaranteeId": gid}, f"no guarantee application {to_hex(gid)} on record")
    return row


def _centre(store: Store, signer: str) -> None:
    """The centre's request, acted on with the operator key (the publishing centre on chain)."""
    tenders.require_centre(store, signer)


# ---------------------------------------------------------------------- issuers


def relay_admin(store: Store, *, signer: str, signed_tx: str) -> dict[str, Any]:
    """Relay the GuaranteeBook admin's own authoriseIssuer / withdrawIssuer."""
    relayed = decode_signed_tx(_book(store), signed_tx)
    _own(relayed, signer, ("authoriseIssuer", "withdrawIssuer"))
    admin = _book(store).admin()
    if admin != signer:
        raise Unauthorised("NotAdmin", {"caller": signer}, f"only the GuaranteeBook admin {admin} authorises issuers")
    with _WRITE_LOCK:
        out = _relayed(store, relayed)
        store.reconcile()
    kind = int(relayed.args["issuerType"])
    return out | {"issuer": relayed.args["issuer"], "issuer_type": kind,
                  "issuer_type_name": gt.IssuerType(kind).name if kind in gt.IssuerType._value2member_map_ else None}


def _types(store: Store, issuer: str) -> list[str]:
    return [t.name for t in _book(store).issuer_types(issuer)]


def publish_profile(store: Store, *, signer: str, name: str, uscc: str, red_discount: str) -> dict[str, Any]:
    """An authorised issuer publishes its name, USCC and the fee discount red-listed firms get."""
    if not _types(store, signer):
        raise Unauthorised("NotGuarantor", {"issuer": signer}, f"{signer} is not an authorised guarantee issuer")
    try:
        code = validate_uscc(uscc)
    except InvalidUSCC as exc:
        raise ValidationFailed(f"uscc: {exc}") from None
    discount = _discount(red_discount)
    if not name.strip():
        raise ValidationFailed("name must not be empty")
    row = _files(store).publish_profile(signer, name=name.strip(), uscc=code, red_discount=discount)
    return _profile_view(store, row)


def _discount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ValidationFailed(f"red_discount must be a decimal fraction such as '0.3', got {text!r}") from None
    if not Decimal(0) <= value < Decimal(1):
        raise ValidationFailed(f"red_discount is a fraction in [0, 1), got {value}")
    return value


def red_discount_of(store: Store, issuer: str) -> Decimal:
    """The discount `issuer` publishes for red-listed firms (0 if it published none)."""
    return _files(store).red_discount(issuer)


def _profile_view(store: Store, row: GuarantorProfile) -> dict[str, Any]:
    return {"issuer": row.issuer, "name": row.name, "uscc": row.uscc, "red_discount": row.red_discount,
            "published_at": row.published_at.isoformat(), "types": _types(store, row.issuer)}


def issuers(store: Store) -> list[dict[str, Any]]:
    """Every address ever authorised as a guarantee issuer, with its types now and its profile."""
    store.reconcile()
    with store.session() as s:
        events = s.exec(select(ChainEvent).where(
            ChainEvent.chain_key == store.chain_key, ChainEvent.contract == "GuaranteeBook",
            ChainEvent.name == "GuarantorAuthorised")).all()
    profiles = _files(store).profiles()
    out = []
    for issuer in dict.fromkeys(json.loads(e.args)["issuer"] for e in events):
        p = profiles.get(issuer)
        out.append({"issuer": issuer, "types": _types(store, issuer), "name": p.name if p else None,
                    "uscc": p.uscc if p else None, "red_discount": p.red_discount if p else "0"})
    return out


def prepare(store: Store, *, sender: str, function: str, args: list[Any]) -> dict[str, Any]:
    """An unsigned GuaranteeBook transaction for `sender` to sign (gas estimated: one that would
    revert is refused here with the contract's error)."""
    if function not in PREPARABLE:
        raise ValidationFailed(f"GuaranteeBook.{function} cannot be prepared here; one of {', '.join(sorted(PREPARABLE))}")
    sender = _address(sender, "sender")
    try:
        return _book(store).prepare(sender, function, *args)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"arguments do not fit {function}: {exc}") from None


# ---------------------------------------------------------------------- applying


def application_template(store: Store, *, signer: str, tender_id: str, section: int, issuer: str) -> dict[str, Any]:
    """The bidder's application, filled in from the tender, the section and its firm, with the
    unsigned applyFor transaction: sign it and post both back."""
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    issuer = _address(issuer, "issuer")
    uscc = tenders._identity_of(store, signer)
    credit = tenders.credit_standing(store, uscc, at=_now(store))
    gt.refuse_blacklisted(credit, step="application")
    if not _types(store, issuer):
        raise Unauthorised("NotGuarantor", {"issuer": issuer}, f"{issuer} is not an authorised guarantee issuer")
    rt = store.runtime
    app = gt.prefill_application(
        chain_id=rt.client.chain_id, book_address=_book(store).address, tender=tender, section=section,
        applicant=signer, applicant_uscc=uscc, issuer=issuer, application_no=f"SQ-{secrets.token_hex(8)}",
    )
    tx = _book(store).prepare_apply(app)
    return {"application": app.model_dump(mode="json"), "application_hash": to_hex(app.hash()),
            "guarantee_id": to_hex(app.guarantee_id()), "tx": jsonable_tx(tx),
            "credit": {"redlisted": credit.redlisted, "red_discount": str(red_discount_of(store, issuer))
                       if credit.is_redlisted else "0"}}


def apply(store: Store, *, signer: str, application: dict[str, Any], signed_tx: str) -> dict[str, Any]:
    """Relay the bidder's own applyFor for an application that matches the ledger field by field."""
    try:
        app = gt.Application.model_validate(application)
    except ValidationError as exc:
        raise ValidationFailed(f"application: {first_error(exc)}") from None
    if app.applicant != signer:
        raise Unauthorised("SignerMismatch", {}, f"the application is {app.applicant}'s, the request {signer}'s")
    tender = _tender(store, to_hex(app.tender_id))
    _check_section(tender, app.section)
    uscc = tenders._identity_of(store, signer)
    rt = store.runtime
    expected = gt.prefill_application(
        chain_id=rt.client.chain_id, book_address=_book(store).address, tender=tender, section=app.section,
        applicant=signer, applicant_uscc=uscc, issuer=app.issuer, application_no=app.application_no,
    )
    if app != expected:
        sent, ledger = app.model_dump(mode="json"), expected.model_dump(mode="json")
        wrong = [k for k in ledger if sent[k] != ledger[k]]
        raise ValidationFailed(
            f"application.{wrong[0]} is {sent[wrong[0]]!r} but the ledger says {ledger[wrong[0]]!r}: the application "
            "is filled in from the tender, the section and the firm (GET …/guarantees/application-template)")
    credit = tenders.credit_standing(store, uscc, at=_now(store))
    gt.refuse_blacklisted(credit, step="application")
    relayed = decode_signed_tx(_book(store), signed_tx)
    _own(relayed, signer, ("applyFor",))
    want = {"guaranteeId": app.guarantee_id(), "tenderId": app.tender_id, "section": app.section,
            "issuer": app.issuer, "amount": app.amount_fen, "applicationHash": app.hash()}
    for name, value in want.items():
        if relayed.args[name] != value:
            raise ValidationFailed(f"signed_tx applyFor has {name} {_show(relayed.args[name])}, the application "
                                   f"{_show(value)}")
    with _WRITE_LOCK:
        with _files(store).filing((db.APPLICATION, to_hex(app.hash()), app.model_dump_json().encode())):
            _relayed(store, relayed)
        store.reconcile()
    return guarantee_view(store, app.guarantee_id())


def _show(value: Any) -> str:
    return to_hex(value) if isinstance(value, bytes) else str(value)


def _application(row: GuaranteeRecord) -> gt.Application:
    return gt.Application.model_validate_json(row.application)


# ---------------------------------------------------------------------- issuing


def issue_template(store: Store, *, signer: str, guarantee_id: str, rate_bps: int) -> dict[str, Any]:
    """For the named issuer: the terms filled in from the application (amount, beneficiary,
    period to the bid validity end, fee at `rate_bps` less its published red-list discount),
    and what a 密文 guarantee is sealed to."""
    gid = word(guarantee_id, "guarantee id")
    row, g = _record(store, gid), _book(store).known_guarantee(gid)
    if g.issuer != signer:
        raise Unauthorised("NotIssuer", {"guaranteeId": gid, "caller": signer},
                           f"guarantee {to_hex(gid)} was applied for to {g.issuer}, not to {signer}")
    if g.state is not gt.State.APPLIED:
        raise Conflict("WrongState", {"guaranteeId": gid, "state": g.state.name},
                       f"guarantee {to_hex(gid)} is {g.state.name}, not APPLIED")
    app = _application(row)
    credit = tenders.credit_standing(store, app.applicant_uscc, at=_now(store))
    gt.refuse_blacklisted(credit, step="issue")
    discount = red_discount_of(store, signer)
    if not 0 <= rate_bps <= 10_000:
        raise ValidationFailed("rate_bps is in basis points, 0 to 10,000")
    fee = gt.quote_fee(app.amount_fen, rate_bps, credit=credit, red_discount=discount)
    tender = _tender(store, row.tender_id)
    return {
        "terms": {"guarantee_id": to_hex(gid), "issuer": app.issuer, "applicant": app.applicant,
                  "applicant_uscc": app.applicant_uscc, "beneficiary": app.tenderer,
                  "beneficiary_uscc": app.tenderer_uscc, "project_code": app.project_code,
                  "section_code": app.section_code, "amount_fen": app.amount_fen, "fee_fen": fee,
                  "rate_bps": rate_bps, "red_discount": str(discount if credit.is_redlisted else Decimal(0)),
                  "start": _now(store), "end": app.validity_end},
        "redlisted": credit.redlisted, "validity_end": app.validity_end,
        "sealing": {"chain_id": store.runtime.client.chain_id, "guarantee_book": _book(store).address,
                    "opening_public_key": to_hex(tender.opening_public)},
    }


def issue(
    store: Store, *, signer: str, guarantee_id: str, signed_tx: str, terms: dict[str, Any] | None,
    sealed_terms: bytes | None,
) -> dict[str, Any]:
    """Relay the issuer's own issue: 明文 with the terms in clear (checked against the
    application and the published discount), 密文 with only the sealed terms (their keccak must
    be the on-chain commitment; the amount is checked at opening)."""
    gid = word(guarantee_id, "guarantee id")
    row, g = _record(store, gid), _book(store).known_guarantee(gid)
    if g.issuer != signer:
        raise Unauthorised("NotIssuer", {"guaranteeId": gid, "caller": signer},
                           f"guarantee {to_hex(gid)} was applied for to {g.issuer}: only it may issue")
    app = _application(row)
    credit = tenders.credit_standing(store, app.applicant_uscc, at=_now(store))
    gt.refuse_blacklisted(credit, step="issue")
    relayed = decode_signed_tx(_book(store), signed_tx)
    _own(relayed, signer, ("issue",))
    _about(relayed, gid)
    sent = relayed.args["t"]
    onchain = terms_tuple(sent)
    form = gt.Form(int(sent["form"])) if int(sent["form"]) in gt.Form._value2member_map_ else None
    discount = red_discount_of(store, signer)
    docs: list[tuple[str, str, bytes]] = []
    if form is gt.Form.PLAINTEXT:
        if terms is None or sealed_terms is not None:
            raise ValidationFailed("a 明文 guarantee is issued with its terms in clear and no sealed terms")
        try:
            parsed = gt.GuaranteeTerms.model_validate(terms)
        except ValidationError as exc:
            raise ValidationFailed(f"terms: {first_error(exc)}") from None
        gt.check_terms(app, parsed, credit=credit, red_discount=discount)
        expected = gt.onchain_terms(parsed, gt.Form.PLAINTEXT)
        for name, a, b in zip(TERMS_NAMES, onchain, expected, strict=True):
            if a != b:
                raise ValidationFailed(f"signed_tx issues {name} {_show(a)}, the terms say {_show(b)}")
        docs.append((db.TERMS, to_hex(gid), parsed.model_dump_json().encode()))
    elif form is gt.Form.SEALED:
        if terms is not None:
            raise ValidationFailed("a 密文 guarantee's terms stay sealed until opening: send only sealed_terms")
        if sealed_terms is None:
            raise ValidationFailed("a 密文 guarantee needs its sealed terms (sealed_terms_b64)")
        if len(sealed_terms) < MIN_ENVELOPE_SIZE or sealed_terms[0] != SEAL_VERSION:
            raise ValidationFailed("sealed_terms is not a sealed envelope (ledger.guarantees.seal_terms)")
        if gt.terms_commitment(sealed_terms) != bytes(sent["termsCommitment"]):
            raise ValidationFailed("the keccak of sealed_terms is not the termsCommitment the transaction issues")
        if gt.uscc_of_word(sent["beneficiaryUscc"]) != app.tenderer_uscc:
            raise ValidationFailed(f"the beneficiary must be the tenderer {app.tenderer_uscc}")
        if int(sent["end"]) < app.validity_end:
            raise ValidationFailed("the guarantee must last until the bid validity ends "
                                   f"({datetime.fromtimestamp(app.validity_end, UTC).isoformat()})")
        docs.append((db.SEALED_TERMS, to_hex(bytes(sent["termsCommitment"])), sealed_terms))
    else:
        raise ValidationFailed(f"form {sent['form']} is neither 0 (明文) nor 1 (密文)")
    with _WRITE_LOCK:
        with _files(store).filing(*docs):
            _relayed(store, relayed)
        store.reconcile()
    return guarantee_view(store, gid)


def reject(store: Store, *, signer: str, guarantee_id: str, signed_tx: str, reason: str) -> dict[str, Any]:
    """Relay the issuer's own reject; the reason is kept, its keccak is on chain."""
    gid = word(guarantee_id, "guarantee id")
    _record(store, gid)
    relayed = decode_signed_tx(_book(store), signed_tx)
    _own(relayed, signer, ("reject",))
    _about(relayed, gid)
    if bytes(relayed.args["reasonHash"]) != keccak(reason.encode()):
        raise ValidationFailed("signed_tx rejects with another reason than the one sent (reasonHash = keccak(reason))")
    with _WRITE_LOCK:
        with _files(store).filing((db.REJECTION, to_hex(keccak(reason.encode())), reason.encode())):
            _relayed(store, relayed)
        store.reconcile()
    return guarantee_view(store, gid)


def relay_own(store: Store, *, signer: str, guarantee_id: str, signed_tx: str, function: str) -> dict[str, Any]:
    """Relay a party's own cancel (applicant) or release (issuer, or the centre's own key)."""
    gid = word(guarantee_id, "guarantee id")
    _book(store).known_guarantee(gid)
    relayed = decode_signed_tx(_book(store), signed_tx)
    _own(relayed, signer, (function,))
    _about(relayed, gid)
    with _WRITE_LOCK:
        _relayed(store, relayed)
        store.reconcile()
    return guarantee_view(store, gid)


# ---------------------------------------------------------------------- binding and letters


def bind(store: Store, *, signer: str, tender_id: str, section: int, signed_tx: str, function: str) -> dict[str, Any]:
    """Relay the bidder's own bind (or unbind) of its guarantee to its bid in this section."""
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    relayed = decode_signed_tx(_book(store), signed_tx)
    _own(relayed, signer, (function,))
    gid = bytes(relayed.args["guaranteeId"])
    g = _book(store).known_guarantee(gid)
    gt.check_backs(g, tender_id=tender.tender_id, section=section, bidder=signer)
    with _WRITE_LOCK:
        _relayed(store, relayed)
        store.reconcile()
    return guarantee_view(store, gid)


def letter_template(store: Store, *, signer: str, tender_id: str, section: int) -> dict[str, Any]:
    """The bidder's credit commitment letter for this section, filled in, to sign (EIP-712)."""
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    uscc = tenders._identity_of(store, signer)
    letter = gt.draft_commitment_letter(chain_id=store.runtime.client.chain_id, book_address=_book(store).address,
                                        tender=tender, section=section, bidder=signer, firm_uscc=uscc,
                                        signed_at=_now(store))
    return {"letter": letter.model_dump(mode="json"), "digest": to_hex(letter.digest()), "file_name": gt.LETTER_FILE}


def submit_letter(store: Store, *, signer: str, tender_id: str, section: int, letter: dict[str, Any]) -> dict[str, Any]:
    """Register the bidder's signed letter before the deadline (the same letter goes into its
    sealed bid as `credit-commitment.json`, which the bid's on-chain commitment anchors)."""
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    try:
        parsed = gt.CommitmentLetter.model_validate(letter)
    except ValidationError as exc:
        raise ValidationFailed(f"letter: {first_error(exc)}") from None
    uscc = tenders._identity_of(store, signer)
    now = _now(store)
    if now >= tender.deadline:
        raise Conflict("DeadlinePassed", {"tenderId": tender.tender_id, "deadline": tender.deadline},
                       "the deadline has passed: a commitment letter comes with the bid")
    gt.check_commitment_letter(parsed, chain_id=store.runtime.client.chain_id, book_address=_book(store).address,
                               tender=tender, section=section, bidder=signer, firm_uscc=uscc)
    row = _files(store).file_letter(parsed)
    return {"tender_id": row.tender_id, "section": section, "bidder": signer, "letter_hash": row.letter_hash,
            "file_name": gt.LETTER_FILE}


def stored_letter(store: Store, *, tender_id: bytes, section: int, bidder: str) -> gt.CommitmentLetter | None:
    return _files(store).letter(tender_id, section, bidder)


# ---------------------------------------------------------------------- opening


def check_bid_guarantee(
    store: Store, *, tender: Tender, section: int, bidder: str, opening_key: OpeningKey | None,
    package: BidPackage | None = None, record: bool = True,
) -> Check:
    """The `GuaranteeCheck` port on this store (`api.deps.guarantee_check`), for one bid."""
    return guarantee_check(store)(tender=tender, section=section, bidder=bidder, opening_key=opening_key,
                                  package=package, record=record)


def verify_section(store: Store, *, signer: str, tender_id: str, section: int) -> dict[str, Any]:
    """The centre checks every live bid's guarantee in the section (after the deadline; 密文 ones
    need k released shares) and records each result on chain."""
    _centre(store, signer)
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    rt = store.runtime
    tb = rt.contract("TenderBook")
    if _now(store) < tender.deadline:
        raise Conflict("TooEarly", {"tenderId": tender.tender_id, "deadline": tender.deadline},
                       "guarantees are checked at opening, after the deadline")
    key: OpeningKey | None
    try:
        key = bidding.rebuild_opening_key(tender, bidding.released_shares(client=rt.client, book=tb,
                                                                          tender_id=tender.tender_id))
    except ShareError:
        key = None  # 明文 guarantees can still be checked; 密文 ones report ERROR
    bidders = {e["args"]["bidder"] for e in tb.events.BidSubmitted.get_logs(
        from_block=0, to_block="latest", argument_filters={"tenderId": tender.tender_id})
        if int(e["args"]["section"]) == section}
    checks = []
    for bidder in sorted(bidders):
        bid = bidding.bid_of(client=rt.client, book=tb, tender_id=tender.tender_id, section=section, bidder=bidder)
        if bid["commitment"] == b"\x00" * 32:
            continue
        c = check_bid_guarantee(store, tender=tender, section=section, bidder=bidder, opening_key=key)
        checks.append({"bidder": bidder, **check_json(c)})
    store.reconcile()
    return {"tender_id": to_hex(tender.tender_id), "section": section, "checks": checks}


def check_json(c: Check) -> dict[str, Any]:
    return {"name": c.name, "status": c.status.value, "reason": c.reason,
            "details": json.loads(json.dumps(c.details, default=str))}


# ---------------------------------------------------------------------- award, release, claims


def award(store: Store, *, signer: str, tender_id: str, section: int, winner: str | None) -> dict[str, Any]:
    """Record the section's outcome and release every losing guarantee (batches of ≤ 100)."""
    _centre(store, signer)
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    rt = store.runtime
    with _WRITE_LOCK:
        done = service.record_award(_book(store), centre=rt.operator, tender_id=tender.tender_id,
                               section=section, winner=_address(winner, "winner") if winner else None)
        store.reconcile()
    return {"tender_id": to_hex(tender.tender_id), "section": section, "winner": winner,
            "tx_hash": to_hex(done.mined.tx_hash), "released": [to_hex(g) for g in done.released],
            "release_batches": [to_hex(b.tx_hash) for b in done.batches]}


def contract_signed(store: Store, *, signer: str, tender_id: str, section: int, signed_at: int) -> dict[str, Any]:
    """Record the winner's contract signing and release the guarantees still held."""
    _centre(store, signer)
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    rt = store.runtime
    with _WRITE_LOCK:
        done = service.record_contract_signed(_book(store), centre=rt.operator,
                                         tender_id=tender.tender_id, section=section, signed_at=signed_at)
        store.reconcile()
    return {"tender_id": to_hex(tender.tender_id), "section": section, "signed_at": signed_at,
            "tx_hash": to_hex(done.mined.tx_hash), "released": [to_hex(g) for g in done.released]}


def claim(store: Store, *, signer: str, guarantee_id: str, cause: str, evidence: bytes) -> dict[str, Any]:
    """The centre claims for the tenderer, for a cause the chain's records support, keeping the
    evidence (its keccak goes on chain)."""
    _centre(store, signer)
    gid = word(guarantee_id, "guarantee id")
    try:
        reason = gt.ClaimCause[cause]
    except KeyError:
        raise ValidationFailed(f"cause must be one of {', '.join(c.name for c in gt.ClaimCause)}") from None
    rt = store.runtime
    _book(store).known_guarantee(gid)
    with _WRITE_LOCK:
        with _files(store).filing((db.EVIDENCE, to_hex(keccak(evidence)), evidence)):
            service.claim(_book(store), centre=rt.operator, guarantee_id=gid, cause=reason, evidence=evidence)
        store.reconcile()
    return guarantee_view(store, gid)


def expire(store: Store, *, signer: str, guarantee_id: str) -> dict[str, Any]:
    """Expire a guarantee past its end that was neither released nor claimed (the centre sends it;
    the contract allows anyone, and refuses one not yet ended)."""
    _centre(store, signer)
    gid = word(guarantee_id, "guarantee id")
    rt = store.runtime
    _book(store).known_guarantee(gid)
    with _WRITE_LOCK:
        _book(store).expire(rt.operator, gid)
        store.reconcile()
    return guarantee_view(store, gid)


def draft_breach(
    store: Store, *, tender_id: str, section: int, bidder: str, breach: str, evidence: bytes, issuer: str,
    record_no: str, deciding_body: str, decision_document_no: str,
) -> dict[str, Any]:
    """The bad-conduct credit record for a broken commitment letter, sealed and ready for the
    credit authority (`issuer`) to anchor with its own key through POST /credentials."""
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    letter = stored_letter(store, tender_id=tender.tender_id, section=section, bidder=_address(bidder, "bidder"))
    if letter is None:
        raise NotFound("NoCommitmentLetter", {"bidder": bidder},
                       f"{bidder} registered no credit commitment letter for section {section}")
    now = datetime.fromtimestamp(store.runtime.client.block_timestamp(), UTC)
    result = gt.record_commitment_breach(
        letter=letter, breach=breach, evidence=evidence, record_no=record_no, deciding_body=deciding_body,
        decision_document_no=decision_document_no, listed_date=now.date(), issued_at=now,
        issuer_address=_address(issuer, "issuer"),
    )
    return {"sealed": result.sealed.to_dict(), "credential_id": to_hex(result.sealed.credential_id()),
            "evidence_hash": to_hex(result.evidence_hash), "letter_hash": to_hex(letter.digest())}


# ---------------------------------------------------------------------- reads


def guarantee_view(store: Store, gid: bytes) -> dict[str, Any]:
    """A guarantee as the chain holds it, with its application, terms (明文, or 密文 once opened),
    rejection, verification and claim."""
    g = _book(store).known_guarantee(gid)
    files = _files(store)
    row, claimed = files.record(to_hex(gid)), files.claim(to_hex(gid))
    out: dict[str, Any] = {
        "guarantee_id": to_hex(gid), "state": g.state.name, "tender_id": to_hex(g.tender_id), "section": g.section,
        "applicant": g.applicant, "issuer": g.issuer, "form": g.form.name if g.doc_hash != gt.ZERO_WORD else None,
        "amount_fen": g.amount, "end": g.end, "closed_at": g.closed_at, "released_late": g.released_late,
        "doc_hash": to_hex(g.doc_hash), "terms_commitment": to_hex(g.terms_commitment),
    }
    if row is not None:
        out |= {"application": json.loads(row.application), "application_hash": row.application_hash,
                "terms": json.loads(row.terms) if row.terms else None,
                "sealed": row.sealed_terms is not None and row.terms is None,
                "fee_fen": row.fee_fen, "rejection": row.rejection,
                "verification": json.loads(row.verification) if row.verification else None,
                "applied_tx": row.applied_tx, "issued_tx": row.issued_tx}
    if claimed is not None:
        out["claim"] = {"cause": claimed.cause, "evidence_hash": claimed.evidence_hash, "tx_hash": claimed.tx_hash,
                        "claimed_at": claimed.claimed_at.isoformat()}
    return out


def get(store: Store, guarantee_id: str) -> dict[str, Any]:
    return guarantee_view(store, word(guarantee_id, "guarantee id"))


def bid_guarantee(store: Store, *, tender_id: str, section: int, bidder: str) -> dict[str, Any]:
    """What backs a bid: the guarantee bound to it, or the registered commitment letter."""
    tender = _tender(store, tender_id)
    _check_section(tender, section)
    bidder = _address(bidder, "bidder")
    gid = _book(store).guarantee_of_bid(tender.tender_id, section, bidder)
    if gid is not None:
        return {"kind": "guarantee", "guarantee": guarantee_view(store, gid)}
    letter = stored_letter(store, tender_id=tender.tender_id, section=section, bidder=bidder)
    if letter is not None:
        return {"kind": "commitment_letter", "letter_hash": to_hex(letter.digest()),
                "letter": letter.model_dump(mode="json")}
    raise NotFound("NoGuarantee", {"bidder": bidder},
                   f"no guarantee is bound to {bidder}'s bid in section {section}, and no commitment letter")


def guarantees_of(store: Store, *, applicant: str | None = None, issuer: str | None = None) -> list[dict[str, Any]]:
    """Guarantee applications on record, newest first, by applicant or by issuer."""
    rows = _files(store).records(applicant=_address(applicant, "applicant") if applicant else None,
                                 issuer=_address(issuer, "issuer") if issuer else None)
    return [guarantee_view(store, bytes(HexBytes(r.guarantee_id))) for r in rows]


def jsonable_tx(tx: dict[str, Any]) -> dict[str, Any]:
    return {k: to_hex(v) if isinstance(v, bytes) else v for k, v in tx.items()}
