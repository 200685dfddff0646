"""Collusion flags (围标串标) of every opened section, from what the audit replayed and proved.

The facts of each decrypted bid come from the chain and the bundle only: the live submission's
block time, transaction and sender; the envelope's keccak and its ephemeral sealing key; the
package the audit's own rerun of the opening decrypted (price, files, ticked credentials, firm
link); the firm (USCC) the eligibility rerun found behind the bid key; the ticked credentials'
sealed copies; and the guarantee applications filed under their on-chain hashes. The signs are
`ledger.rules.collusion`. Flags are for people to review: they never fail the audit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from eth_utils import to_checksum_address
from pydantic import ValidationError

from ledger.audit import bundle as kinds
from ledger.audit.checks import Context, check_eligibility, check_opening, hx
from ledger.audit.facts import SectionFacts, TenderFacts
from ledger.chain.gateway import ChainLog
from ledger.documents import DocumentError, Kind
from ledger.model.guarantee import Application
from ledger.model.tender import Outcome
from ledger.rules.collusion import (
    BidFacts,
    Flag,
    FlagParams,
    GuaranteeFacts,
    TickedCredential,
    section_flags,
)

KIND_NAMES = {Kind.PERSONNEL: "personnel", Kind.PERFORMANCE: "performance",
              Kind.CONTRACT_PERFORMANCE: "contract-performance"}


def _ticked(ctx: Context, cid: bytes) -> TickedCredential:
    try:
        sealed = ctx.bundle.sealed(cid)
        doc = sealed.document if sealed is not None and sealed.credential_id() == cid else None
    except (DocumentError, ValueError):
        doc = None
    if doc is None:
        return TickedCredential(hx(cid), "unknown")
    kind = Kind(int(doc.kind))
    return TickedCredential(hx(cid), KIND_NAMES.get(kind, kind.name.lower()), subject=str(doc.subject),
                            certificate_no=getattr(doc, "certificate_no", None) if kind is Kind.PERSONNEL else None,
                            employer=getattr(doc, "registered_employer_uscc", None),
                            project_no=getattr(doc, "project_no", None))


Applications = dict[tuple[bytes, int], list[ChainLog]]


def applications(ctx: Context) -> Applications:
    """The `Applied` events by (tender, section), indexed once for every section's flags."""
    out: Applications = {}
    for e in ctx.chain.of("GuaranteeBook", "Applied"):
        out.setdefault((bytes(e.args["tenderId"]), int(e.args["section"])), []).append(e)
    return out


def _guarantees(ctx: Context, tender_id: bytes, section: int,
                applied: Applications | None = None) -> dict[str, list[GuaranteeFacts]]:
    """Bidder (applicant key) -> its guarantee applications for the section, as filed under `Applied`
    (`applied`: the events already indexed by section; otherwise the section's are looked for)."""
    if applied is None:
        applied = {(tender_id, section): [e for e in ctx.chain.of("GuaranteeBook", "Applied")
                                          if bytes(e.args["tenderId"]) == tender_id
                                          and int(e.args["section"]) == section]}
    out: dict[str, list[GuaranteeFacts]] = {}
    for e in applied.get((tender_id, section), ()):
        content = ctx.bundle.content(kinds.APPLICATION, bytes(e.args["applicationHash"]))
        try:
            app = Application.model_validate_json(content) if content is not None else None
        except (ValidationError, ValueError):
            app = None
        if app is None or app.hash() != bytes(e.args["applicationHash"]):
            continue
        raw: dict[str, Any] = json.loads(content or b"{}")
        out.setdefault(to_checksum_address(app.applicant), []).append(GuaranteeFacts(
            guarantee_id=hx(e.args["guaranteeId"]), applicant_uscc=app.applicant_uscc,
            sender=ctx.chain.sender(e.tx_hash), contact=raw.get("contact"), account=raw.get("account"),
            tx=hx(e.tx_hash)))
    return out


def bid_facts(ctx: Context, t: TenderFacts, s: SectionFacts,
              ticked: dict[bytes, TickedCredential] | None = None,
              applied: Applications | None = None) -> list[BidFacts]:
    """The facts of every bid of the section that the audit's rerun decrypted (`ticked`: the
    credentials' facts already read, by id, shared between sections: a firm ticks the same ones;
    `applied`: the guarantee applications indexed by section, `applications`)."""
    ticked = {} if ticked is None else ticked
    firms = ctx.summaries.get(t.tid, {})
    guarantees = _guarantees(ctx, t.tender_id, s.index, applied)
    out: list[BidFacts] = []
    for bidder, opened in sorted(s.openings.items()):
        rerun = ctx.openings.get((t.tender_id, s.index, bidder))
        live = s.commitment_at(bidder, opened.position)
        if rerun is None or rerun.outcome is not Outcome.DECRYPTED or rerun.package is None or live is None:
            continue
        envelope = ctx.bundle.content(kinds.ENVELOPE, live[0]) or b""
        package = rerun.package
        try:
            price: Decimal | None = Decimal(str(package.price))
        except InvalidOperation:
            price = None
        submitted = live[1]
        out.append(BidFacts(
            bidder=bidder, firm=firms.get(bidder), firm_key=package.firm_link.firm if package.firm_link else None,
            price=price, envelope_hash=hx(rerun.envelope_hash) if rerun.envelope_hash else None,
            sealing_key="0x" + envelope[1:33].hex() if len(envelope) > 33 else None,
            file_hashes={name: f.sha256 for name, f in package.files.items()},
            credentials=tuple(ticked[cid] if cid in ticked else ticked.setdefault(cid, _ticked(ctx, cid))
                              for cid in map(bytes, package.credential_ids)),
            guarantees=tuple(guarantees.get(bidder, [])),
            submitted_at=ctx.chain.time(submitted.block_number), submitted_block=submitted.block_number,
            submitted_tx=hx(submitted.tx_hash), sender=ctx.chain.sender(submitted.tx_hash)))
    return out


def collusion_flags(ctx: Context, params: FlagParams | None = None, *, tender_id: bytes | None = None,
                    section: int | None = None) -> Iterator[tuple[TenderFacts, int, Flag]]:
    """Every flag of every opened section (or of one), after rerunning the openings and eligibility
    when no family has yet."""
    if not ctx.openings:
        for _ in check_opening(ctx):
            pass
    if not ctx.summaries:
        for _ in check_eligibility(ctx):
            pass
    ticked: dict[bytes, TickedCredential] = {}
    applied = applications(ctx)  # once, not a scan of every application per section
    for t in ctx.tenders.values():
        if tender_id is not None and t.tender_id != tender_id:
            continue
        for s in sorted(t.sections.values(), key=lambda x: x.index):
            if (section is not None and s.index != section) or not s.openings:
                continue
            for flag in section_flags(bid_facts(ctx, t, s, ticked, applied), params or FlagParams()):
                yield t, s.index, flag
