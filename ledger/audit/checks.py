"""The audit's check families, one function each, in a registry (`FAMILIES`).

Each family takes the `Context` (the chain replayed, the bundle, the tenders' facts) and yields
`Result`s: pass/fail/info with their evidence. A new family — 评定分离's evaluation, votes and
selection as SelectionBook lands — is one more function registered here; `run_audit` runs every
registered family and nothing else needs to change.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from eth_utils import to_checksum_address
from pydantic import ValidationError

from ledger.audit import bundle as kinds
from ledger.audit.bundle import Bundle, BundleDocument
from ledger.audit.chain import ChainView, checksum
from ledger.audit.credentials import BundleCredentialDocuments, batch_ids
from ledger.audit.facts import SectionFacts, TenderFacts, tender_facts
from ledger.audit.model import Evidence, Result, Status
from ledger.audit.words import NOT_CHECKED as NOT_CHECKED_WORDS
from ledger.audit.words import Said, said
from ledger.chain.gateway import ChainLog
from ledger.chain.governance import decode_offline
from ledger.chain.registry_state import first_slots, revoked_in_word
from ledger.crypto import receipts
from ledger.crypto.canonical import keccak
from ledger.crypto.guarantee import terms_commitment
from ledger.crypto.merkle import MerkleError, MerkleTree
from ledger.crypto.seat_keys import seat_link
from ledger.crypto.sealing import bid_commitment, ciphertext_hash
from ledger.crypto.shares import Share
from ledger.documents import DocumentError
from ledger.documents.pool_card import PoolCard, registered
from ledger.errors import LedgerError, StoreMismatch, ValidationFailed
from ledger.model.governance import GovernedCall, Proposal, ProposalState
from ledger.model.guarantee import Application, ClaimCause
from ledger.model.receipt import Mined
from ledger.model.tender import BidEligibility, Opening, Outcome, Tender
from ledger.rules.eligibility import Verdicts
from ledger.rules.guarantee import CHECK_NAME as GUARANTEE_CHECK
from ledger.rules.opening import one_bid_per_firm, open_bid, rebuild_opening_key
from ledger.rules.verify import Check, CheckStatus
from ledger.service.lottery import audit_draw
from ledger.service.proven import ProvenCredentials
from ledger.service.tenders import TenderService, opening_digest
from ledger.tenders import TenderParams

log = logging.getLogger("ledger.audit")

DAY = 86_400
MIN_BID_PERIOD = 20 * DAY  # 招标投标法 Art. 24 (contracts/TenderTerms.sol)
MIN_AMENDMENT_NOTICE = 15 * DAY  # Art. 23
CONTEST_PERIOD = 5 * DAY  # GuaranteeBook.CONTEST_PERIOD


def hx(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


@dataclass
class Context:
    chain: ChainView
    bundle: Bundle
    tenders: dict[bytes, TenderFacts] = field(default_factory=dict)
    params: dict[bytes, TenderParams] = field(default_factory=dict)  # tender -> its latest verified parameters
    openings: dict[tuple[bytes, int, str], Opening] = field(default_factory=dict)  # rerun, per opened bid
    summaries: dict[str, dict[str, str]] = field(default_factory=dict)  # tender -> bidder -> firm (name)
    # (tender, section) -> bidder -> opened price (元) of each bid the eligibility rerun passes
    eligible: dict[tuple[bytes, int], dict[str, Decimal]] = field(default_factory=dict)
    _pool_proposals: list[Proposal] | None = None  # pool_proposals(chain), read once

    @property
    def pool_proposals(self) -> list[Proposal]:
        if self._pool_proposals is None:
            self._pool_proposals = pool_proposals(self.chain)
        return self._pool_proposals

    def ev(self, log: ChainLog, *, document: bytes | str | None = None, note: str | None = None) -> Evidence:
        return Evidence(tx=hx(log.tx_hash), block=log.block_number, time=self.chain.time(log.block_number),
                        document=hx(document) if document is not None else None, note=note)

    def doc_ev(self, doc: BundleDocument | None, key: bytes | str, note: str | None = None) -> Evidence:
        return Evidence(document=doc.keccak if doc is not None else hx(key), note=note)

    def verified_params(self, params_hash: bytes) -> TenderParams | None:
        content = self.bundle.content(kinds.PARAMS, params_hash)
        if content is None:
            return None
        try:
            params = TenderParams.model_validate_json(content)
        except (ValidationError, ValueError):
            return None
        return params if params.params_hash() == params_hash else None


Family = Callable[[Context], Iterable[Result]]


def result(words: Said, ok: bool, *evidence: Evidence, tender: TenderFacts | None = None,
           section: int | None = None, status: Status | None = None) -> Result:
    """A check's result, its name and message said by `words` (a code of ledger.audit.words with
    its arguments), its family the code's first part."""
    return words.result(status or (Status.PASS if ok else Status.FAIL), *evidence,
                        tender=tender.tid if tender else None, section=section)


# ---------------------------------------------------------------------- documents


def _chain_values(ctx: Context) -> dict[str, dict[str, ChainLog]]:
    """Every on-chain value a bundle document may be filed under, by kind, with the event holding it."""
    out: dict[str, dict[str, ChainLog]] = {k: {} for k in kinds.KINDS}
    for t in ctx.tenders.values():
        out[kinds.TENDER][hx(t.terms.doc_hash)] = t.published
        out[kinds.PARAMS][hx(t.terms.params_hash)] = t.published
        for a in t.amendments:
            out[kinds.TENDER][hx(a.args["docHash"])] = a
            out[kinds.PARAMS][hx(a.args["paramsHash"])] = a
            out[kinds.REASON][hx(a.args["reasonHash"])] = a
    for e in ctx.chain.of("TenderBook", "BidSubmitted"):
        out[kinds.ENVELOPE][hx(e.args["commitment"])] = e
        out[kinds.OPENING][hx(e.args["commitment"])] = e
    for e in ctx.chain.of("CredentialRegistry", "Anchored"):
        out[kinds.BATCH][hx(e.args["root"])] = e
    fields = {"Applied": (kinds.APPLICATION, "applicationHash"), "Rejected": (kinds.REJECTION, "reasonHash"),
              "VerificationRecorded": (kinds.VERIFICATION, "reasonHash"),
              "ClaimFiled": (kinds.EVIDENCE, "evidenceHash"), "ClaimContested": (kinds.CONTEST, "reasonHash")}
    for e in ctx.chain.of("GuaranteeBook"):
        if e.event in fields:
            kind, name = fields[e.event]
            out[kind][hx(e.args[name])] = e
        elif e.event == "Issued":
            out[kinds.TERMS][hx(e.args["guaranteeId"])] = e
            commitment = e.args["terms"].get("termsCommitment") if isinstance(e.args["terms"], dict) else None
            if commitment and any(commitment):
                out[kinds.SEALED_TERMS][hx(commitment)] = e
    for e in ctx.chain.of("SelectionBook"):
        for kind, name in SELECTION_HASHES.get(e.event, ()):
            out[kind][hx(e.args[name])] = e
        if e.event == "CommitteeSeated":
            for link in e.args["seatLinks"]:
                out[kinds.SEAT_HOLDER][hx(link)] = e
    for e in ctx.chain.of("PerformanceBook", "PerformanceComplaintRuled"):
        out[kinds.PERFORMANCE_RULING][hx(e.args["rulingHash"])] = e
    for e in ctx.chain.of("Governance", "Proposed"):
        out[kinds.POOL_CARD][hx(e.args["salt"])] = e
    return out


#: SelectionBook events and the hashes in them that a bundle document is filed under.
SELECTION_HASHES: dict[str, tuple[tuple[str, str], ...]] = {
    "SheetRevealed": ((kinds.SELECTION_SHEET, "sheetHash"),),
    "ShortlistFiled": ((kinds.SELECTION_REPORT, "reportHash"),),
    "Decided": ((kinds.SELECTION_RECORD, "recordHash"),),
    "ExpertExcluded": ((kinds.SELECTION_EXCLUSION, "reasonHash"),),
    "SeatReplaced": ((kinds.SELECTION_REPLACEMENT, "reasonHash"), (kinds.SEAT_HOLDER, "newLink")),
    "ObjectionFiled": ((kinds.SELECTION_OBJECTION, "reasonHash"),),
    "ObjectionAnswered": ((kinds.SELECTION_ANSWER, "answerHash"),),
    "ComplaintFiled": ((kinds.SELECTION_COMPLAINT, "reasonHash"),),
    "ComplaintRuled": ((kinds.SELECTION_RULING, "rulingHash"),),
    "VoteRevealed": ((kinds.SELECTION_VIEW, "salt"),),  # 集体议事: a view's salt is its document's hash
}


def _bound(ctx: Context, doc: BundleDocument, logged: ChainLog | None,
           members: set[str]) -> tuple[bool, str]:
    """Whether `doc` is what the chain holds under its key; and why not."""
    content = doc.content
    assert content is not None
    if logged is None and doc.kind != kinds.SEALED:
        return False, f"no {kinds.KINDS.get(doc.kind, doc.kind)} is filed under {doc.key} on chain"
    if doc.kind == kinds.POOL_CARD:
        return _card_bound(ctx, content, doc.key)
    if doc.kind in kinds.HASHED:
        return (hx(keccak(content)) == doc.key,
                f"it hashes to {hx(keccak(content))}, the chain holds {doc.key}")
    if doc.kind == kinds.PARAMS:
        try:
            got = TenderParams.model_validate_json(content).params_hash()
        except (ValidationError, ValueError) as exc:
            return False, f"it is no tender parameters document ({str(exc).splitlines()[0]})"
        return hx(got) == doc.key, f"its parameters hash to {hx(got)}, the chain holds {doc.key}"
    if doc.kind in (kinds.ENVELOPE, kinds.OPENING):
        assert logged is not None
        tid, section, bidder = bytes(logged.args["tenderId"]), int(logged.args["section"]), logged.args["bidder"]
        book = ctx.chain.tender_book
        if doc.kind == kinds.ENVELOPE:
            try:
                cred_set = bytes.fromhex(str(doc.extra.get("credential_set_commitment", ""))[2:])
            except ValueError:
                cred_set = b""
            got = bid_commitment(chain_id=ctx.chain.chain_id, contract=book.address, tender_id=tid, section=section,
                                 bidder=bidder, ciphertext_hash=ciphertext_hash(content),
                                 credential_set_commitment=cred_set) if len(cred_set) == 32 else b""
            return hx(got) == doc.key, (f"the envelope (keccak {hx(ciphertext_hash(content))}) and its credential-set "
                                        f"commitment rebuild {hx(got) or 'nothing'}, not the bid's commitment {doc.key}")
        t = ctx.tenders.get(tid)
        try:
            report = json.loads(content)
            elig = report.get("eligibility") or None
            eligibility = None if not elig else BidEligibility(
                firm=elig.get("firm"), eligible=bool(elig.get("eligible")),
                checks=tuple(Check(c["name"], CheckStatus[c["status"]], c["reason"]) for c in elig.get("checks", [])))
            digest = opening_digest(chain_id=ctx.chain.chain_id, book=book.address, tender_id=tid,
                                    commitment=bytes.fromhex(doc.key[2:]), reason=report.get("reason", ""),
                                    price=report.get("price"), eligibility=eligibility)
            signature = bytes.fromhex(str(doc.extra.get("receipt", ""))[2:])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return False, f"the opening report cannot be read ({exc})"
        signer = receipts.receipt_signer(digest, signature)
        centre = t.centre if t else None
        return signer is not None and signer == centre, (
            f"the centre's receipt of the report names signer {signer or 'none'}, the tender's centre is {centre}")
    if doc.kind == kinds.BATCH:
        ids = batch_ids(content)
        try:
            root = MerkleTree.build(ids).root if ids else b""
        except MerkleError:
            root = b""
        return hx(root) == doc.key, f"the ids hash to root {hx(root) or 'none'}, the chain anchored {doc.key}"
    if doc.kind == kinds.SEALED:
        try:
            got = doc.sealed().credential_id()
        except (DocumentError, ValueError) as exc:
            return False, f"it is no sealed credential ({exc})"
        if hx(got) != doc.key:
            return False, f"it hashes to credential id {hx(got)}, it is filed as {doc.key}"
        return doc.key in members, f"credential {doc.key} is in no anchored batch of the bundle"
    if doc.kind == kinds.APPLICATION:
        try:
            got = Application.model_validate_json(content).hash()
        except (ValidationError, ValueError) as exc:
            return False, f"it is no guarantee application ({str(exc).splitlines()[0]})"
        return hx(got) == doc.key, f"it hashes to {hx(got)}, the chain holds {doc.key}"
    if doc.kind == kinds.SEALED_TERMS:
        got = terms_commitment(content)
        return hx(got) == doc.key, f"it commits to {hx(got)}, the chain holds {doc.key}"
    if doc.kind == kinds.SEAT_HOLDER:
        try:
            h = json.loads(content)
            got = seat_link(tender_id=bytes.fromhex(h["tender_id"][2:]), section=int(h["section"]),
                            kind=int(h["kind"]), seat=h["seat"], member=h["member"], salt=bytes.fromhex(h["salt"][2:]))
        except (ValueError, KeyError, TypeError, AttributeError, LedgerError) as exc:
            return False, f"it is no seat holder record ({exc})"
        return hx(got) == doc.key, f"its seat, member and salt link to {hx(got)}, the chain seated {doc.key}"
    return True, "filed under the guarantee id the chain logged (its public fields are in the Issued event)"


def pool_proposals(chain: ChainView) -> list[Proposal]:
    """The governance's proposals of a SelectionBook call, from the chain's events alone, in order:
    their calls decoded, executed or not (what a pool card is checked against)."""
    executed = {bytes(e.args["id"]) for e in chain.of("Governance", "Executed")}
    book = str(chain.addresses.get("SelectionBook", "")).lower()
    out: list[Proposal] = []
    for e in chain.of("Governance", "Proposed"):
        if str(e.args["target"]).lower() != book:
            continue
        try:
            fn, args = decode_offline("SelectionBook", bytes(e.args["data"]))
        except ValidationFailed:
            continue
        pid = bytes(e.args["id"])
        out.append(Proposal(
            proposal_id=pid, proposer=str(e.args["proposer"]), salt=bytes(e.args["salt"]), expiry=int(e.args["expiry"]),
            call=GovernedCall(target=str(e.args["target"]), contract="SelectionBook", function=fn, args=args,
                              data=bytes(e.args["data"])),
            state=ProposalState.EXECUTED if pid in executed else ProposalState.PENDING, approvals=(), threshold=0,
            proposed_at=e.block_number))
    return out


def _card_bound(ctx: Context, content: bytes, key: str) -> tuple[bool, str]:
    """A pool card: it hashes to the proposal's salt and names the person the proposal registers."""
    try:
        card = PoolCard.parse(content)
    except ValidationFailed as exc:
        return False, f"it is no pool card ({exc})"
    if hx(card.card_hash) != key:
        return False, f"it hashes to {hx(card.card_hash)}, the proposal's salt is {key}"
    carrying = [p for p in ctx.pool_proposals if p.salt == card.card_hash]  # any proposal may reuse a salt
    if not carrying:
        return False, "its proposal is no SelectionBook call"
    who = [r[1] for p in carrying if (r := registered(p.call)) is not None]
    return any(card.fits(p) for p in carrying), (
        f"the card names {card.role} {card.address}; its proposal registers {', '.join(who) or 'nobody'}")


def check_documents(ctx: Context) -> Iterator[Result]:
    """Every bundle document hashes to its name and to the value the chain holds; every document
    the chain needs for a check is in the bundle."""
    values = _chain_values(ctx)
    members = {hx(cid) for d in ctx.bundle.of_kind(kinds.BATCH) if (ids := batch_ids(d.content))
               and hx(MerkleTree.build(ids).root) == d.key and d.key in values[kinds.BATCH] for cid in ids}
    for doc in ctx.bundle.documents:
        if doc.content is None:
            yield result(said("documents.not_in_bundle", kind=doc.kind, ident=doc.key, file=doc.file), False,
                         Evidence(document=doc.keccak))
            continue
        if doc.actual_keccak != doc.keccak or not doc.file.startswith(doc.actual_keccak[2:]):
            yield result(said("documents.wrong_file", kind=doc.kind, ident=doc.key, file=doc.file,
                              actual=doc.actual_keccak), False, Evidence(document=doc.actual_keccak))
            continue
        logged = values.get(doc.kind, {}).get(doc.key)
        ok, why = _bound(ctx, doc, logged, members)
        evidence = [ctx.doc_ev(doc, doc.key)] + ([ctx.ev(logged, document=doc.key)] if logged is not None else [])
        yield result(said("documents.on_chain", kind=doc.kind, ident=doc.key) if ok else
                     said("documents.not_on_chain", kind=doc.kind, ident=doc.key, why=why), ok, *evidence)
    yield from _missing(ctx, values)


def _need(ctx: Context, kind: str, key: bytes | str, why: str, at: ChainLog, tender: TenderFacts | None = None,
          section: int | None = None) -> Result | None:
    if ctx.bundle.get(kind, key) is not None:
        return None
    return result(said("documents.missing", kind=kind, ident=hx(key), why=why), False, ctx.ev(at, document=key),
                  tender=tender, section=section)


def _missing(ctx: Context, values: dict[str, dict[str, ChainLog]]) -> Iterator[Result]:
    wanted: list[Result | None] = []
    first_use: dict[bytes, ChainLog] = {}
    for u in ctx.chain.of("TenderBook", "CredentialUsed"):
        first_use.setdefault(bytes(u.args["credentialId"]), u)
    for t in ctx.tenders.values():
        for version in [t.published, *t.amendments]:
            terms = t.terms if version is t.published else None
            doc_hash = terms.doc_hash if terms else bytes(version.args["docHash"])
            params_hash = terms.params_hash if terms else bytes(version.args["paramsHash"])
            wanted.append(_need(ctx, kinds.TENDER, doc_hash, "a version's tender document", version, t))
            wanted.append(_need(ctx, kinds.PARAMS, params_hash, "a version's parameters", version, t))
            if terms is None:
                wanted.append(_need(ctx, kinds.REASON, bytes(version.args["reasonHash"]), "an amendment's reason",
                                    version, t))
        for s in t.sections.values():
            for bidder, opened in s.openings.items():
                live = s.commitment_at(bidder, opened.position)
                if live is None:
                    continue
                proven = opened.event == "BidOpened" or any(bytes(opened.args["ciphertextHash"]))
                if proven:
                    wanted.append(_need(ctx, kinds.ENVELOPE, live[0], f"the opened bid of {bidder}", opened, t,
                                        s.index))
                wanted.append(_need(ctx, kinds.OPENING, live[0], f"the opening report of {bidder}'s bid", opened, t,
                                    s.index))
            for ids in s.uses.values():
                for cid in ids:
                    e = first_use[cid]
                    wanted.append(_need(ctx, kinds.SEALED, cid, "a credential ticked into an opened bid", e, t, s.index))
    for e in ctx.chain.of("CredentialRegistry", "Anchored"):
        wanted.append(_need(ctx, kinds.BATCH, bytes(e.args["root"]), "an anchored batch", e))
        if int(e.args["kind"]) in (0, 5):  # identity and credit: decisions rest on every one of them
            ids = batch_ids(ctx.bundle.content(kinds.BATCH, bytes(e.args["root"]))) or []
            for cid in ids:
                wanted.append(_need(ctx, kinds.SEALED, cid, "an identity or credit record (firm keys, black lists)", e))
    for e in ctx.chain.of("GuaranteeBook", "ClaimFiled"):
        wanted.append(_need(ctx, kinds.EVIDENCE, bytes(e.args["evidenceHash"]), "a claim's evidence", e))
    decided = {(bytes(e.args["tenderId"]), int(e.args["section"])) for e in ctx.chain.of("SelectionBook", "Decided")}
    for e in ctx.chain.of("SelectionBook"):
        # public from 公示 on: what a decided section's checks rerun (a ruling's text is filed by
        # whoever has it, later: not required)
        # (a vote's salt names a written view under 集体议事 only: the selection family asks for those)
        if e.event not in SELECTION_HASHES or e.event in ("ComplaintRuled", "VoteRevealed") or \
                (bytes(e.args["tenderId"]), int(e.args["section"])) not in decided:
            continue
        tf = ctx.tenders.get(bytes(e.args["tenderId"]))
        kind, name = SELECTION_HASHES[e.event][0]
        wanted.append(_need(ctx, kind, bytes(e.args[name]), f"the {e.event} of a decided section", e, tf,
                            int(e.args["section"])))
    yield from (r for r in wanted if r is not None)


# ---------------------------------------------------------------------- time rules


def check_time(ctx: Context) -> Iterator[Result]:
    """Deadline ≥ publication + 20 days; amendments before the deadline, never bringing it forward,
    postponing it to 15 days after a late one; bids before, shares and openings after the deadline."""
    for t in ctx.tenders.values():
        issued = ctx.chain.time(t.published.block_number)
        ok = t.terms.deadline >= issued + MIN_BID_PERIOD
        yield result(said("time.bid_period", issued=issued, deadline=t.terms.deadline,
                          days=f"{(t.terms.deadline - issued) / DAY:.2f}"), ok, ctx.ev(t.published), tender=t)
        params = ctx.verified_params(t.terms.params_hash)
        if params is not None:
            asked = int(params.deadline.timestamp())
            yield result(said("time.params_deadline", asked=asked, deadline=t.terms.deadline),
                         asked == t.terms.deadline, ctx.ev(t.published, document=t.terms.params_hash), tender=t)
        before = t.terms.deadline
        for a in t.amendments:
            at = ctx.chain.time(a.block_number)
            asked, in_force = int(a.args["requestedDeadline"]), int(a.args["deadline"])
            expected = max(asked, at + MIN_AMENDMENT_NOTICE)
            ok = at < before and asked >= before and in_force == expected
            yield result(said("time.amendment", version=int(a.args["version"]), at=at, before=before, asked=asked,
                              in_force=in_force, expected=expected), ok, ctx.ev(a), tender=t)
            before = in_force
        for s in t.sections.values():
            for bidder, logs in s.bids.items():
                for b in logs:
                    deadline, at = t.deadline_at(b.position), ctx.chain.time(b.block_number)
                    if at >= deadline:
                        yield result(said("time.bid_late", event=b.event, bidder=bidder, at=at, deadline=deadline),
                                     False, ctx.ev(b), tender=t, section=s.index)
            late = [b for logs in s.bids.values() for b in logs
                    if ctx.chain.time(b.block_number) >= t.deadline_at(b.position)]
            if not late:
                yield result(said("time.bids_in_time", n=sum(len(v) for v in s.bids.values())), True,
                             tender=t, section=s.index)
            for opened in s.openings.values():
                at = ctx.chain.time(opened.block_number)
                if at < t.deadline_at(opened.position):
                    yield result(said("time.opened_early", bidder=str(opened.args["bidder"]), at=at), False,
                                 ctx.ev(opened), tender=t, section=s.index)
        for share in t.shares:
            at = ctx.chain.time(share.block_number)
            deadline = t.deadline_at(share.position)
            yield result(said("time.share", officer=str(share.args["officer"]), at=at, deadline=deadline),
                         at >= deadline, ctx.ev(share), tender=t)


# ---------------------------------------------------------------------- opening


def _tender_model(t: TenderFacts, params: TenderParams) -> Tender:
    return Tender(tender_id=t.tender_id, params=params, doc_hash=t.terms.doc_hash, deadline=t.deadline,
                  opening_public=t.terms.opening_public, officers=t.terms.officers, threshold=t.terms.threshold,
                  share_hashes=t.terms.share_hashes, mined=Mined(t.published.tx_hash, t.published.block_number),
                  issued_at=0)


def _envelope(ctx: Context, commitment: bytes) -> tuple[bytes, bytes] | None:
    doc = ctx.bundle.get(kinds.ENVELOPE, commitment)
    if doc is None or doc.content is None:
        return None
    try:
        cred_set = bytes.fromhex(str(doc.extra.get("credential_set_commitment", ""))[2:])
    except ValueError:
        return None
    return doc.content, cred_set


def check_opening(ctx: Context) -> Iterator[Result]:
    """The released shares rebuild the opening key; every recorded outcome reruns the same
    (`ledger.rules.opening.open_bid` on the published envelope): a decrypted bid's revealed
    credentials are the ones the chain logged, a 撤销 fails again for the bidder's cause."""
    book = ctx.chain.tender_book
    for t in ctx.tenders.values():
        if not any(s.openings for s in t.sections.values()):
            continue
        shares = [Share.from_bytes(bytes(s.args["share"])) for s in t.shares]
        try:
            key = rebuild_opening_key(t.terms, shares)
        except (LedgerError, ValueError) as exc:
            yield result(said("opening.key_failed", error=str(exc)), False, *(ctx.ev(s) for s in t.shares), tender=t)
            continue
        yield result(said("opening.key_rebuilt", n=len(shares)), True, *(ctx.ev(s) for s in t.shares), tender=t)
        for s in t.sections.values():
            for bidder, opened in sorted(s.openings.items()):
                yield from _rerun(ctx, t, s, bidder, opened, key, book.address)


def _rerun(ctx: Context, t: TenderFacts, s: SectionFacts, bidder: str, opened: ChainLog, key: Any,
           book: str) -> Iterator[Result]:
    live = s.commitment_at(bidder, opened.position)
    if live is None:
        yield result(said("opening.no_live_bid", bidder=bidder), False, ctx.ev(opened), tender=t, section=s.index)
        return
    commitment = live[0]
    recorded = Outcome.DECRYPTED if opened.event == "BidOpened" else Outcome(int(opened.args["outcome"]))
    proven = recorded is Outcome.DECRYPTED or any(bytes(opened.args["ciphertextHash"]))
    if recorded is Outcome.FAILED_OTHER and not proven:
        yield result(said("opening.withdrawn_unproven", bidder=bidder), True, ctx.ev(opened), tender=t,
                     section=s.index, status=Status.INFO)
        return
    held = _envelope(ctx, commitment)
    if held is None:
        yield result(said("opening.no_envelope", bidder=bidder, commitment=hx(commitment)), False,
                     ctx.ev(opened, document=commitment), tender=t, section=s.index)
        return
    rerun = open_bid(key=key, chain_id=ctx.chain.chain_id, book_address=book, tender_id=t.tender_id,
                     section=s.index, bidder=bidder, envelope=held[0], credential_set_commitment=held[1],
                     commitment=commitment)
    ctx.openings[(t.tender_id, s.index, bidder)] = rerun
    evidence = (ctx.ev(opened, document=ciphertext_hash(held[0])),)
    if rerun.outcome is not recorded:
        yield result(said("opening.outcome_differs", bidder=bidder, recorded=recorded.name,
                          rerun=rerun.outcome.name, reason=rerun.reason), False, *evidence, tender=t, section=s.index)
        return
    if recorded is Outcome.DECRYPTED:
        revealed = sorted(rerun.credential_ids)
        logged = s.uses.get(bidder, [])
        ok = revealed == logged and bytes(opened.args["credSetCommitment"]) == held[1]
        yield result(said("opening.decrypts", bidder=bidder, n=len(revealed)) if ok else
                     said("opening.ticks_differ", bidder=bidder, ticked=[hx(i) for i in revealed],
                          logged=[hx(i) for i in logged]), ok, *evidence, tender=t, section=s.index)
    else:
        yield result(said("opening.rejected_again", bidder=bidder, reason=rerun.reason), True, *evidence, tender=t,
                     section=s.index)


# ---------------------------------------------------------------------- eligibility


def check_eligibility(ctx: Context) -> Iterator[Result]:
    """资格审查 rerun as of the deadline with the service's own code (`TenderService.eligibility`,
    `one_bid_per_firm`) on the bundle's credentials and the chain's statuses, compared with each
    recorded opening report and the section's `validBids` (流标 counted in firms)."""
    if not ctx.openings:  # the openings are rerun by the opening family; run alone, rerun them here
        for _ in check_opening(ctx):
            pass
    documents = BundleCredentialDocuments(ctx.bundle)
    credentials = ProvenCredentials(ctx.chain.registry, documents)
    _prefetch_statuses(ctx, documents)
    book = ctx.chain.tender_book
    # The registry at the replayed head answers the same throughout the audit, so a credential
    # ticked into many bids is verified once per deadline and firm (`Verdicts`), not once per bid.
    service = TenderService(book, ctx.chain.registry, cast(Any, None), credentials, cast(Any, None),
                            chain_id=ctx.chain.chain_id, now=lambda: ctx.chain.time(ctx.chain.head),
                            verdicts=Verdicts())
    for t in ctx.tenders.values():
        params = ctx.verified_params(t.params_hash())
        opened_sections = [s for s in t.sections.values() if s.openings]
        if not opened_sections:
            continue
        if params is None:
            yield result(said("eligibility.no_params", params=hx(t.params_hash())), False, tender=t)
            continue
        tender = _tender_model(t, params)
        for s in opened_sections:
            yield from _section_eligibility(ctx, service, tender, t, s)


def _prefetch_statuses(ctx: Context, documents: BundleCredentialDocuments) -> None:
    """Through a node, the registry words every opened bid's credentials are judged by, fetched in
    a few batched requests instead of one request per word as the rule meets them."""
    snapshot = ctx.chain.storage_snapshot
    if snapshot is None:
        return
    slots: list[int] = []
    for rerun in ctx.openings.values():
        if rerun.outcome is not Outcome.DECRYPTED:
            continue
        for cid in rerun.credential_ids:
            where = documents.where(cid)
            if where is not None:
                slots.extend(first_slots(where[0], cid, where[1]))
    snapshot.prefetch(ctx.chain.registry.address, slots)


def _recorded_report(ctx: Context, commitment: bytes) -> dict[str, Any] | None:
    content = ctx.bundle.content(kinds.OPENING, commitment)
    try:
        report = json.loads(content) if content is not None else None
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


def _section_eligibility(ctx: Context, service: TenderService, tender: Tender, t: TenderFacts,
                         s: SectionFacts) -> Iterator[Result]:
    reruns: dict[str, BidEligibility | None] = {}
    recorded: dict[str, dict[str, Any]] = {}
    for bidder, opened in sorted(s.openings.items()):
        live = s.commitment_at(bidder, opened.position)
        report = _recorded_report(ctx, live[0]) if live else None
        recorded[bidder] = (report or {}).get("eligibility") or {}
        rerun = ctx.openings.get((t.tender_id, s.index, bidder))
        if opened.event != "BidOpened" or rerun is None or rerun.outcome is not Outcome.DECRYPTED:
            reruns[bidder] = None
            continue
        try:
            e: BidEligibility | None = service.eligibility(tender, s.index, bidder, rerun.credential_ids,
                                    firm_link=rerun.package.firm_link if rerun.package else None)
        except StoreMismatch as exc:
            yield result(said("eligibility.store_mismatch", bidder=bidder, what=exc.what), False,
                         ctx.ev(opened), tender=t, section=s.index)
            reruns[bidder] = None
            continue
        # The guarantee check is the centre's verification on chain (checked in the guarantees family).
        g = next((c for c in recorded[bidder].get("checks", []) if c.get("name") == GUARANTEE_CHECK), None)
        if g is not None and e is not None:
            failed = g.get("status") in ("INVALID", "ERROR")
            e = BidEligibility(firm=e.firm, eligible=e.eligible and not failed,
                               checks=(*e.checks, Check(GUARANTEE_CHECK, CheckStatus[g["status"]], g.get("reason", ""))))
        reruns[bidder] = e
    judged = one_bid_per_firm(reruns)
    valid = 0
    passed = ctx.eligible.setdefault((t.tender_id, s.index), {})
    for bidder, e in judged.items():
        rerun = ctx.openings.get((t.tender_id, s.index, bidder))
        if e is not None and e.eligible and rerun is not None and rerun.package is not None:
            try:
                passed[bidder] = Decimal(str(rerun.package.price))
            except InvalidOperation:
                pass
        opened = s.openings[bidder]
        rec = recorded[bidder]
        if e is None:
            if rec.get("eligible"):
                yield result(said("eligibility.unopened_eligible", bidder=bidder), False, ctx.ev(opened),
                             tender=t, section=s.index)
            continue
        valid += e.eligible
        if e.firm:
            ctx.summaries.setdefault(t.tid, {})[bidder] = e.firm
        rec_checks = {c.get("name"): c.get("status") for c in rec.get("checks", [])}
        differ = [c.name for c in e.checks if rec_checks.get(c.name) != c.status.name]
        ok = bool(rec.get("eligible")) == e.eligible and rec.get("firm") == e.firm and not differ
        failures = [f"{c.name}: {c.reason}" for c in e.checks if c.status in (CheckStatus.INVALID, CheckStatus.ERROR)]
        why: dict[str, Any] = {"failures": failures} if failures else {}
        words: Said
        if ok:
            words = said(f"eligibility.{'eligible' if e.eligible else 'ineligible'}_as_recorded"
                         f"{'_why' if failures else ''}", bidder=bidder, firm=str(e.firm), **why)
        else:
            words = said(f"eligibility.differs{'_checks' if differ else ''}{'_why' if failures else ''}",
                         bidder=bidder, recorded="eligible" if rec.get("eligible") else "ineligible",
                         recorded_firm=str(rec.get("firm")), rerun="eligible" if e.eligible else "ineligible",
                         firm=str(e.firm), **({"differ": list(differ)} if differ else {}), **why)
        live = s.commitment_at(bidder, opened.position)
        yield result(words, ok, ctx.ev(opened, document=live[0] if live else None), tender=t, section=s.index)
        if live is not None and rerun is not None and rerun.package is not None:
            yield _opened_price(ctx, t, s.index, bidder, opened, live[0], str(rerun.package.price))
    if s.closed is not None:
        chain_valid = int(s.closed.args["validBids"])
        yield result(said("eligibility.valid_bids", event=s.closed.event, chain_valid=chain_valid, valid=valid),
                     chain_valid == valid, ctx.ev(s.closed), tender=t, section=s.index)


def _opened_price(ctx: Context, t: TenderFacts, section: int, bidder: str, opened: ChainLog, commitment: bytes,
                  sealed: str) -> Result:
    """The price the centre's opening report records (唱标) is the one the envelope holds."""
    report = _recorded_report(ctx, commitment) or {}
    recorded = report.get("price")
    try:
        same = recorded is not None and Decimal(str(recorded)) == Decimal(sealed)
    except InvalidOperation:
        same = False
    return result(said("opening.price", bidder=bidder, price=sealed) if same else
                  said("opening.price_differs", bidder=bidder, recorded_price=str(recorded), price=sealed), same,
                  ctx.ev(opened, document=commitment), tender=t, section=section)


# ---------------------------------------------------------------------- guarantees


def check_guarantees(ctx: Context) -> Iterator[Result]:
    """Each claim's cause is one the chain shows, its contest window is kept, it is settled only
    after the window (or by the governance when contested); a winner's guarantee is released only
    after the signing."""
    applied = {bytes(e.args["guaranteeId"]): e for e in ctx.chain.of("GuaranteeBook", "Applied")}
    awards = ctx.chain.of("GuaranteeBook", "AwardRecorded")
    signed = ctx.chain.of("GuaranteeBook", "ContractSigned")
    claims: dict[bytes, ChainLog] = {}
    for e in ctx.chain.of("GuaranteeBook"):
        gid = bytes(e.args.get("guaranteeId", b""))
        app = applied.get(gid)
        if e.event == "ClaimFiled" and app is not None:
            claims[gid] = e
            yield _claim_cause(ctx, e, app, awards, signed)
        elif e.event == "ClaimContested" and gid in claims:
            at, end = ctx.chain.time(e.block_number), int(claims[gid].args["contestDeadline"])
            yield result(said("guarantees.contest", guarantee=hx(gid), at=at, end=end), at < end, ctx.ev(e))
        elif e.event == "Claimed" and gid in claims:
            at, end = ctx.chain.time(e.block_number), int(claims[gid].args["contestDeadline"])
            governed = bool(ctx.chain.in_tx(e.tx_hash, "Governance", "Executed"))
            ok = at >= end or governed
            yield result(said("guarantees.payment_governed" if governed else "guarantees.payment", guarantee=hx(gid),
                              at=at, end=end), ok, ctx.ev(e))
        elif e.event == "ClaimResolved" and gid in claims:
            governed = bool(ctx.chain.in_tx(e.tx_hash, "Governance", "Executed"))
            yield result(said("guarantees.resolution_governed" if governed else "guarantees.resolution_ungoverned",
                              guarantee=hx(gid)), governed, ctx.ev(e))
        elif e.event == "Released" and app is not None:
            tid, section, applicant = bytes(app.args["tenderId"]), int(app.args["section"]), app.args["applicant"]
            won = [a for a in awards if bytes(a.args["tenderId"]) == tid and int(a.args["section"]) == section
                   and a.args["winner"] == applicant and a.position < e.position]
            if won:
                done = [c for c in signed if bytes(c.args["tenderId"]) == tid and int(c.args["section"]) == section
                        and c.position < e.position]
                yield result(said("guarantees.release_after_signing" if done else "guarantees.release_before_signing",
                                  guarantee=hx(gid)), bool(done), ctx.ev(e))


def _claim_cause(ctx: Context, claim: ChainLog, app: ChainLog, awards: list[ChainLog],
                 signed: list[ChainLog]) -> Result:
    gid = bytes(claim.args["guaranteeId"])
    cause = ClaimCause(int(claim.args["cause"]))
    tid, section, applicant = bytes(app.args["tenderId"]), int(app.args["section"]), app.args["applicant"]
    t = ctx.tenders.get(tid)
    s = t.sections.get(section) if t else None
    at = ctx.chain.time(claim.block_number)
    opened = s.openings.get(applicant) if s else None
    if opened is not None and opened.position > claim.position:
        opened = None
    named = {"guarantee": hx(gid), "cause": cause.name}
    why: Said
    if cause is ClaimCause.DECRYPTION_FAILED_BY_BIDDER:
        ok = opened is not None and opened.event == "DecryptionFailed" and \
            Outcome(int(opened.args["outcome"])) is Outcome.FAILED_BIDDER
        why = said("guarantees.claim_rejected_bid" if ok else "guarantees.claim_no_rejection", **named)
    elif cause is ClaimCause.WITHDRAWAL_AFTER_DEADLINE:
        live = s.commitment_at(applicant, claim.position) if s and t else None
        deadline = t.deadline_at(claim.position) if t else 0
        lived = bool(s and t and s.commitment_at(applicant, (claim.position[0] + 1, 0)))
        withdrawn_other = opened is not None and opened.event == "DecryptionFailed" and \
            Outcome(int(opened.args["outcome"])) is Outcome.FAILED_OTHER
        ok = t is not None and at >= deadline and (live is not None or lived) and not withdrawn_other
        why = said("guarantees.claim_withdrawal", **named, at=at, deadline=deadline) if ok else \
            said("guarantees.claim_no_withdrawal", **named, at=at, deadline=deadline, live=live is not None,
                 withdrawn=withdrawn_other)
    else:
        won = [a for a in awards if bytes(a.args["tenderId"]) == tid and int(a.args["section"]) == section
               and a.args["winner"] == applicant and a.position < claim.position]
        signs = [c for c in signed if bytes(c.args["tenderId"]) == tid and int(c.args["section"]) == section
                 and c.position < claim.position]
        ok = bool(won) and (cause is ClaimCause.NO_PERFORMANCE_BOND or not signs)
        why = said("guarantees.claim_award", **named, won=bool(won), signed=bool(signs))
    return result(why, ok, ctx.ev(claim, document=bytes(claim.args["evidenceHash"])), ctx.ev(app), tender=t, section=section)


# ---------------------------------------------------------------------- draws


def check_draws(ctx: Context) -> Iterator[Result]:
    """Every lottery draw recomputed from the chain (`ledger.service.lottery.audit_draw`)."""
    lottery = ctx.chain.lottery_book
    if lottery is None:
        return
    for e in ctx.chain.of("LotteryBook", "DrawOpened"):
        did = bytes(e.args["drawId"])
        audit = audit_draw(lottery, did)
        t = ctx.tenders.get(bytes(e.args["tenderId"]))
        if audit.state is not None and audit.picks is None and not audit.problems:
            yield result(said("draws.unfinished", draw=hx(did)), True, ctx.ev(e), tender=t,
                         section=int(e.args["section"]), status=Status.INFO)
            continue
        yield result(said("draws.follows", draw=hx(did)) if audit.ok else
                     said("draws.problems", draw=hx(did), problems=[str(p) for p in audit.problems]), audit.ok,
                     ctx.ev(e), tender=t, section=int(e.args["section"]))


# ---------------------------------------------------------------------- 评定分离


def check_selection(ctx: Context) -> Iterator[Result]:
    """评定分离 of every section SelectionBook records (`ledger.audit.selection`): committees from
    their draws, sheets opening their commitments in time and in range, the shortlist and report
    the evaluation rule gives, rounds and the winner the selection rule gives, 公示, objections,
    complaints and the award."""
    from ledger.audit.selection import check_selection as run

    if not ctx.chain.of("SelectionBook"):
        return
    if not ctx.eligible:  # the eligibility family judges the bids; run alone, rerun it here
        for _ in check_eligibility(ctx):
            pass
    yield from run(ctx, ctx.eligible)


# ---------------------------------------------------------------------- 履约


def check_performance(ctx: Context) -> Iterator[Result]:
    """Every entry of every section's performance record (PerformanceBook) from the events alone:
    sent by its author; after the award GuaranteeBook recorded for the same winner and after the
    contract signing; by the tender's centre or that winner; a completion by the centre, once, and
    no milestone after it; an acknowledgement by the other party of the entry, once. And every
    履约评价 credential in the bundle that names an evaluation hash names one PerformanceBook
    recorded as a completion, of the award its award id names."""
    from ledger.documents.kinds import ContractPerformanceCredential
    from ledger.model.performance import EntryKind
    from ledger.rules.performance import award_id

    if not ctx.chain.of("PerformanceBook"):
        return
    awarded = {(bytes(e.args["tenderId"]), int(e.args["section"])): e
               for e in ctx.chain.of("GuaranteeBook", "AwardRecorded")}
    signed = {(bytes(e.args["tenderId"]), int(e.args["section"])): e
              for e in ctx.chain.of("GuaranteeBook", "ContractSigned")}
    entries: dict[tuple[bytes, int, int], ChainLog] = {}
    completions: dict[bytes, tuple[bytes, int, ChainLog]] = {}  # evaluation hash → (tender, section, event)
    completed: dict[tuple[bytes, int], ChainLog] = {}
    acknowledged: set[tuple[bytes, int, int]] = set()
    ruled: set[tuple[bytes, int, int]] = set()
    for e in ctx.chain.of("PerformanceBook"):
        a = e.args
        tid, section = bytes(a["tenderId"]), int(a["section"])
        t = ctx.tenders.get(tid)
        if e.event == "PerformanceComplaintRuled":
            yield _performance_ruling(ctx, e, entries.get((tid, section, int(a["index"]))),
                                      (tid, section, int(a["index"])) in ruled)
            ruled.add((tid, section, int(a["index"])))
            continue
        centre = t.centre if t is not None else None
        award, signing = awarded.get((tid, section)), signed.get((tid, section))
        winner = award.args["winner"] if award is not None and award.position < e.position else None
        sender = ctx.chain.sender(e.tx_hash)
        problems: list[str] = []
        if sender != a["by"]:
            problems.append(f"sent by {sender}, not {a['by']}")
        if winner is None or signing is None or signing.position > e.position:
            problems.append("before the award or the contract signing GuaranteeBook recorded")
        if e.event == "PerformanceRecorded":
            kind, index = EntryKind(int(a["kind"])), int(a["index"])
            named: dict[str, Any] = {"entry_kind": kind.name.lower(), "index": index}
            if winner is not None and a["winner"] != winner:
                problems.append(f"names winner {a['winner']}, GuaranteeBook awarded {winner}")
            if a["by"] not in (centre, winner):
                problems.append(f"by {a['by']}: neither the tender's centre nor the winner")
            if kind is EntryKind.COMPLETION and a["by"] != centre:
                problems.append("a completion by another than the tender's centre")
            earlier = completed.get((tid, section))
            if earlier is not None and kind is not EntryKind.COMPLAINT:
                problems.append(f"after the completion recorded in block {earlier.block_number}")
            if kind is EntryKind.COMPLETION and earlier is None:
                completed[(tid, section)] = e
                completions[bytes(a["documentHash"])] = (tid, section, e)
            entries[(tid, section, index)] = e
        else:
            index = int(a["index"])
            named = {"index": index}
            entry = entries.get((tid, section, index))
            if entry is None:
                problems.append("of an entry no PerformanceRecorded logged before it")
            elif entry.args["by"] == a["by"] or a["by"] not in (centre, winner):
                problems.append(f"by {a['by']}, not the other party of the entry")
            if (tid, section, index) in acknowledged:
                problems.append("a second acknowledgement")
            acknowledged.add((tid, section, index))
        what = "entry" if e.event == "PerformanceRecorded" else "acknowledgement"
        yield result(said(f"performance.{what}_problems", **named, problems=problems) if problems else
                     said(f"performance.{what}_in_order", **named), not problems, ctx.ev(e, document=a.get("documentHash")),
                     tender=t, section=section)
    for doc in ctx.bundle.of_kind(kinds.SEALED):
        if doc.content is None:
            continue
        try:
            credential = doc.sealed().document
        except (DocumentError, ValueError, ValidationError):
            continue  # the documents family reports an unreadable copy
        if not isinstance(credential, ContractPerformanceCredential) or credential.evaluation_hash is None:
            continue
        found = completions.get(bytes(credential.evaluation_hash))
        if found is None:
            yield result(said("performance.credential_no_completion", ident=doc.key), False, ctx.doc_ev(doc, doc.key))
            continue
        tid, section, e = found
        ok = credential.award_id is None or bytes(credential.award_id) == award_id(tid, section)
        yield result(said("performance.credential_award" if ok else "performance.credential_other_award",
                          ident=doc.key), ok, ctx.doc_ev(doc, doc.key), ctx.ev(e), tender=ctx.tenders.get(tid), section=section)


def _performance_ruling(ctx: Context, e: ChainLog, complaint: ChainLog | None, again: bool) -> Result:
    """The governance's ruling on a 履约 complaint: made by an executed governance proposal, on a
    complaint PerformanceRecorded logged before it, once. Its text, when the bundle has it, is
    checked against the ruling hash by the documents family (anyone files it later: not required)."""
    from ledger.model.performance import EntryKind

    a = e.args
    index, ruling_hash = int(a["index"]), bytes(a["rulingHash"])
    problems = []
    if not ctx.chain.in_tx(e.tx_hash, "Governance", "Executed"):
        problems.append("ruled without an executed governance proposal")
    if complaint is None or EntryKind(int(complaint.args["kind"])) is not EntryKind.COMPLAINT:
        problems.append(f"entry {index} is no complaint PerformanceRecorded logged before it")
    if again:
        problems.append("a second ruling on the complaint")
    text = ctx.bundle.get(kinds.PERFORMANCE_RULING, ruling_hash)
    filed = "filed" if text is not None else "unfiled"
    verdict = "upheld" if a["upheld"] else "dismissed"
    return result(said("performance.ruling_problems", index=index, problems=problems) if problems else
                  said(f"performance.ruling_{verdict}_{filed}", index=index), not problems,
                  ctx.ev(e, document=ruling_hash), tender=ctx.tenders.get(bytes(a["tenderId"])),
                  section=int(a["section"]))


# ---------------------------------------------------------------------- roles


def check_roles(ctx: Context) -> Iterator[Result]:
    """Every state change was made by a holder of the needed role at that block: role grants by an
    executed governance proposal; anchoring by an issuer authorised for the kind; status changes by
    the root's issuer; a tender's steps by its centre (authorised when it published); shares by the
    tender's officers; guarantee issues by an authorised guarantor; centre steps on guarantees by
    the tender's centre."""
    issuers: dict[tuple[str, int], bool] = {}
    centres: dict[str, bool] = {}
    guarantors: dict[str, set[int]] = {}
    roots: dict[bytes, str] = {}
    applied: dict[bytes, ChainLog] = {}
    grants = {"IssuerAuthorised", "IssuerWithdrawn", "CentreAuthorised", "CentreWithdrawn", "GuarantorAuthorised",
              "GuarantorWithdrawn", "AdminTransferred", "ClaimResolved"}
    counts: dict[str, int] = {}
    relayed: dict[bytes, tuple[str, frozenset[str | None]]] = {}  # tx -> its function, the bidders it signs for
    for e in ctx.chain.events:
        a, name = e.args, f"{e.contract}.{e.event}"
        problem: str | None = None
        if e.event == "AdminTransferred" and int(a["previousAdmin"], 16) == 0:
            # the constructor's: the contract was deployed with the governance as its admin
            governance = ctx.chain.addresses.get("Governance")
            if a["newAdmin"] != governance:
                problem = f"deployed with admin {a['newAdmin']}, not the governance {governance}"
        elif e.event in grants:
            executed = ctx.chain.in_tx(e.tx_hash, "Governance", "Executed")
            if not executed:
                problem = "made without an executed governance proposal"
            else:
                needed = ctx.chain.gateway("Governance")._call("threshold", block=e.block_number)
                if int(executed[0].args["approvals"]) < int(needed):
                    problem = f"executed with {executed[0].args['approvals']} approvals, {needed} needed"
            if e.event in ("IssuerAuthorised", "IssuerWithdrawn"):
                issuers[(a["issuer"], int(a["kind"]))] = e.event == "IssuerAuthorised"
            elif e.event in ("CentreAuthorised", "CentreWithdrawn"):
                centres[a["centre"]] = e.event == "CentreAuthorised"
            elif e.event == "GuarantorAuthorised":
                guarantors.setdefault(a["issuer"], set()).add(int(a["issuerType"]))
            elif e.event == "GuarantorWithdrawn":
                guarantors.setdefault(a["issuer"], set()).discard(int(a["issuerType"]))
        elif e.contract == "CredentialRegistry" and e.event == "Anchored":
            roots[bytes(a["root"])] = a["issuer"]
            if not issuers.get((a["issuer"], int(a["kind"]))):
                problem = f"{a['issuer']} was not authorised for kind {a['kind']} at block {e.block_number}"
            elif ctx.chain.sender(e.tx_hash) != a["issuer"]:
                problem = f"sent by {ctx.chain.sender(e.tx_hash)}, not the issuer {a['issuer']}"
        elif e.contract == "CredentialRegistry" and e.event in ("Revoked", "RevokedAt", "Suspended", "Reinstated",
                                                                  "Superseded"):
            owner = roots.get(bytes(a["root"]))
            if ctx.chain.sender(e.tx_hash) != owner:
                problem = f"sent by {ctx.chain.sender(e.tx_hash)}, the root's issuer is {owner}"
            elif e.event == "RevokedAt":
                problem = _revoked_at_problem(ctx, e)
        elif e.contract == "TenderBook":
            problem = _tender_role(ctx, e, centres, relayed)
        elif e.contract == "GuaranteeBook":
            if e.event == "Applied":
                applied[bytes(a["guaranteeId"])] = e
            problem = _guarantee_role(ctx, e, guarantors, applied)
        elif e.contract == "SelectionBook":
            problem = _selection_role(ctx, e)
        else:
            continue
        counts[name] = counts.get(name, 0) + 1
        if problem is not None:
            t = ctx.tenders.get(bytes(a["tenderId"])) if "tenderId" in a else None
            yield result(said("roles.problem", step=name, problem=problem), False, ctx.ev(e), tender=t)
    for name, n in sorted(counts.items()):
        yield result(said("roles.checked", step=name, n=n), True)


def _revoked_at_problem(ctx: Context, e: ChainLog) -> str | None:
    """A bulk revocation's word (revokeAt_Fni, by leaf position) names at least one position, is
    stamped with its block's time, and is what the registry holds for each position it names
    (`revocationAt`: when and why, as the word says), so the chain's logs replay to its storage."""
    positions, at, reason = revoked_in_word(int(e.args["region"]), int(e.args["word"]))
    if not positions:
        return "the word revokes no position"
    if at != ctx.chain.time(e.block_number):
        return f"the word is stamped {at}, its block's time is {ctx.chain.time(e.block_number)}"
    root = bytes(e.args["root"])
    for position in positions:
        held = ctx.chain.registry.revocation_at(root, position)
        if held != (at, reason):
            return f"position {position}: the registry holds revocation {held}, the log says {(at, reason)}"
    return None


def _tender_role(ctx: Context, e: ChainLog, centres: dict[str, bool],
                 relayed: dict[bytes, tuple[str, frozenset[str | None]]]) -> str | None:
    """The role check of one TenderBook event. `relayed` remembers each relaying transaction's
    decoded call (its function and the bidders of its signed authorisations): a batch of relayed
    bids logs one BidSubmitted per bid, and each is checked against the same call data."""
    a = e.args
    sender = ctx.chain.sender(e.tx_hash)
    t = ctx.tenders.get(bytes(a["tenderId"])) if "tenderId" in a else None
    if e.event == "TenderPublished":
        if not centres.get(a["centre"]):
            return f"{a['centre']} was not an authorised centre at block {e.block_number}"
        return None if sender == a["centre"] else f"sent by {sender}, not the centre {a['centre']}"
    if t is None:
        return None
    if e.event in ("TenderAmended", "BidOpened", "DecryptionFailed", "SectionClosed", "SectionFailed",
                   "EvaluationPublished", "CredentialUsed"):
        return None if sender == t.centre else f"sent by {sender}, not the tender's centre {t.centre}"
    if e.event == "ShareReleased":
        if a["officer"] not in t.terms.officers:
            return f"{a['officer']} is not an officer of the tender"
        return None if sender == a["officer"] else f"sent by {sender}, not the officer {a['officer']}"
    if e.event in ("BidSubmitted", "BidWithdrawn") and sender != a["bidder"]:
        call = relayed.get(e.tx_hash)
        if call is None:
            function, args = ctx.chain.tender_book.decode_call(ctx.chain.tx_input(e.tx_hash))
            call = relayed[e.tx_hash] = (function, frozenset(
                _bidder_of(x) for v in args.values() if isinstance(v, list | tuple) for x in v))
        function, signers = call
        if function == "submitBidsBySig":
            signed = a["bidder"] in signers
            return None if signed else f"relayed by {sender} without the bidder's signed authorisation"
        return f"sent by {sender}, not the bidder {a['bidder']}"
    return None


#: SelectionBook steps only the tender's centre takes; and those a seat takes with its own key.
SELECTION_CENTRE_STEPS = frozenset({"TendererNamed", "ExpertExcluded", "CommitteeSeated", "SeatReplaced", "WindowReopened",
                                    "SeatOpened", "CommitteeRevealed", "RoundOpened", "Decided", "ObjectionAnswered"})
SELECTION_SEAT_STEPS = frozenset({"SheetCommitted", "SheetRevealed", "ShortlistFiled", "VoteCommitted", "VoteRevealed"})
SELECTION_GOVERNED = frozenset({"ExpertRegistered", "ExpertRemoved", "PoolMemberRegistered", "PoolMemberRemoved",
                                "ComplaintRuled"})


def _selection_role(ctx: Context, e: ChainLog) -> str | None:
    a = e.args
    sender = ctx.chain.sender(e.tx_hash)
    if e.event in SELECTION_GOVERNED:
        return None if ctx.chain.in_tx(e.tx_hash, "Governance", "Executed") else \
            "made without an executed governance proposal"
    t = ctx.tenders.get(bytes(a["tenderId"])) if "tenderId" in a else None
    if e.event in SELECTION_CENTRE_STEPS and t is not None:
        return None if sender == t.centre else f"sent by {sender}, not the tender's centre {t.centre}"
    if e.event in SELECTION_SEAT_STEPS:
        seat = to_checksum_address(a["seat"])
        return None if sender == seat else f"sent by {sender}, not the seat {seat}"
    if e.event in ("ObjectionFiled", "ComplaintFiled"):
        by = to_checksum_address(a["by"])
        return None if sender == by else f"sent by {sender}, not the filer {by}"
    return None


def _bidder_of(auth: Any) -> str | None:
    """The bidder of one relayed bid authorisation (a struct decoded as a dict or a tuple)."""
    try:
        value = auth.get("bidder") if isinstance(auth, dict) else auth[3]
        return checksum(value)
    except (IndexError, KeyError, TypeError, ValueError):
        return None


def _guarantee_role(ctx: Context, e: ChainLog, guarantors: dict[str, set[int]],
                    applied: dict[bytes, ChainLog]) -> str | None:
    a = e.args
    sender = ctx.chain.sender(e.tx_hash)
    app = applied.get(bytes(a.get("guaranteeId", b"")))
    tid = bytes(a["tenderId"]) if "tenderId" in a else (bytes(app.args["tenderId"]) if app else None)
    t = ctx.tenders.get(tid) if tid else None
    if e.event == "Issued":
        if not guarantors.get(a["issuer"]):
            return f"{a['issuer']} was not an authorised guarantor at block {e.block_number}"
        return None if sender == a["issuer"] else f"sent by {sender}, not the guarantor {a['issuer']}"
    if e.event in ("VerificationRecorded", "AwardRecorded", "ContractSigned", "ClaimFiled") and t is not None:
        return None if sender == t.centre else f"sent by {sender}, not the tender's centre {t.centre}"
    if e.event in ("Applied", "Bound", "Unbound", "ClaimContested", "Cancelled") and app is not None:
        applicant = app.args["applicant"]
        return None if sender == applicant else f"sent by {sender}, not the applicant {applicant}"
    return None


# ---------------------------------------------------------------------- the registry


FAMILIES: dict[str, Family] = {
    "documents": check_documents,
    "time": check_time,
    "opening": check_opening,  # before eligibility: it reruns the openings eligibility judges
    "eligibility": check_eligibility,
    "guarantees": check_guarantees,
    "draws": check_draws,
    "selection": check_selection,  # after eligibility: it takes the bids the rerun passes
    "performance": check_performance,
    "roles": check_roles,
}

#: What this version does not check yet, said in every report.
NOT_CHECKED = tuple(NOT_CHECKED_WORDS.values())


def build_context(chain: ChainView, bundle: Bundle) -> Context:
    ctx = Context(chain, bundle, tender_facts(chain))
    for tid, t in ctx.tenders.items():
        params = ctx.verified_params(t.params_hash())
        if params is not None:
            ctx.params[tid] = params
    return ctx
