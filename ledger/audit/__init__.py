"""The auditor's kit: replay the chain alone and rerun the decisions it records.

    chain = ChainView(open_embedded_readonly(data_dir) or ChainClient.for_node(url), addresses)
    report = run_audit(chain, Bundle.load(bundle_dir))

`run_audit` replays every event from genesis, builds what the chain says about each tender
(`facts`), and runs every registered check family (`checks.FAMILIES`): the bundle's documents
against their on-chain hashes, the time rules, the openings, eligibility as of the deadline,
guarantees and claims, lottery draws, and who made each state change. It imports the chain
gateways, the rules and the service's own decision code — never the API or its store.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from ledger.audit.bundle import POOL_CARD, Bundle
from ledger.audit.chain import ChainView
from ledger.audit.checks import (
    FAMILIES,
    NOT_CHECKED,
    Context,
    build_context,
    check_eligibility,
    check_selection,
    hx,
)
from ledger.audit.flags import collusion_flags
from ledger.audit.model import AuditReport, Result, Status, TenderSummary
from ledger.audit.words import said
from ledger.chain.timeline import TimedEvent, tender_timeline
from ledger.documents.pool_card import PoolCard, verified_cards
from ledger.rules.collusion import FlagParams


AUDIT_GC_THRESHOLD = 50_000
"""Allocations between young collections while an audit runs (Python's default is 700). A replay
keeps every event, its arguments and the per-bid reruns alive to the end and makes almost no
reference cycles, so at the default the collector traverses the same young survivors again and
again (about a sixth of an audit's CPU time); the cycles it does make are collected as before,
in fewer passes."""


@contextmanager
def _paced_collector() -> Iterator[None]:
    """The garbage collector's first threshold raised to `AUDIT_GC_THRESHOLD` for the audit, and
    restored after it (the auditor's command and the bench run one audit at a time)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], AUDIT_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_audit(chain: ChainView, bundle: Bundle, *, families: Sequence[str] | None = None,
              progress: Callable[[str], None] | None = None, flags: FlagParams | None = None) -> AuditReport:
    with _paced_collector():
        return _run_audit(chain, bundle, families=families, progress=progress, flags=flags)


def _run_audit(chain: ChainView, bundle: Bundle, *, families: Sequence[str] | None,
               progress: Callable[[str], None] | None, flags: FlagParams | None) -> AuditReport:
    events = chain.replay(progress)
    ctx = build_context(chain, bundle)
    report = AuditReport(chain_id=chain.chain_id, genesis=chain.genesis, head_block=chain.head,
                         head_time=chain.time(chain.head), addresses=dict(chain.addresses), events=events,
                         documents=len(bundle.documents), families=list(families or FAMILIES),
                         not_checked=list(NOT_CHECKED))
    if bundle.chain_id is not None and bundle.chain_id != chain.chain_id or \
            bundle.genesis is not None and bundle.genesis.lower() != chain.genesis.lower():
        words = said("documents.bundle_chain", bundle_chain=str(bundle.chain_id), bundle_genesis=str(bundle.genesis),
                     chain=chain.chain_id, genesis=chain.genesis)
        report.results.append(words.result(Status.FAIL))
    for name in report.families:
        if progress:
            progress(f"checking {name}")
        report.results.extend(FAMILIES[name](ctx))
    if progress:
        progress("collusion flags")
    report.flags = [{"tender": t.tid, "section": n, **f.as_json()} for t, n, f in collusion_flags(ctx, flags)]
    names = _firm_names(bundle)
    report.people = {a: f"{c.name} ({c.role})" for a, c in pool_cards(ctx).items()}
    by_tender: dict[str, list[TimedEvent]] = {}
    for log in chain.events:
        if "tenderId" in log.args:
            by_tender.setdefault(hx(bytes(log.args["tenderId"])), []).append(
                TimedEvent(log.contract, log.event, log.args, chain.time(log.block_number)))
    for tid, t in ctx.tenders.items():
        params = ctx.params.get(tid)
        summary = TenderSummary(tender_id=hx(tid), centre=t.centre, issued_at=chain.time(t.published.block_number),
                                deadline=t.deadline)
        if params is not None:
            summary.title, summary.project_code = params.title, params.project_code
            summary.sections = [{"code": s.code, "name": s.name, "estimated_price": str(s.estimated_price),
                                 "bid_guarantee": str(s.bid_guarantee)} for s in params.sections]
        summary.firms = {k: f"{names[u]} ({u})" if u in names else u for k, u in ctx.summaries.get(hx(tid), {}).items()}
        summary.timeline = tender_timeline(tid, by_tender.get(hx(tid), ()))
        report.tenders[hx(tid)] = summary
    return report


def publication_context(chain: ChainView, bundle: Bundle) -> tuple[Context, dict[str, str]]:
    """What the publications (OCDS, collusion flags) are built from: the chain replayed, the
    openings, eligibility and selection rerun on the bundle (the firms behind the bids, the opened
    prices, the bids that pass), and the firms' names (USCC → name) from their identity credentials."""
    chain.replay()
    ctx = build_context(chain, bundle)
    for _ in (*check_eligibility(ctx), *check_selection(ctx)):  # eligibility reruns the openings first
        pass
    return ctx, _firm_names(bundle)


def pool_cards(ctx: Context) -> dict[str, PoolCard]:
    """Registered experts and committee members (lower-case address → card) by the pool cards in the
    bundle, each the card of the latest executed proposal registering its address, checked against
    that proposal's salt and call (`ledger.documents.pool_card`)."""
    return verified_cards(ctx.pool_proposals, lambda salt: ctx.bundle.content(POOL_CARD, salt))


def _firm_names(bundle: Bundle) -> dict[str, str]:
    """USCC -> firm name, from the identity credentials in the bundle (the names the documents give)."""
    from ledger.audit.bundle import SEALED
    from ledger.documents import DocumentError, Kind

    out: dict[str, str] = {}
    for doc in bundle.of_kind(SEALED):
        try:
            d = doc.sealed().document
        except (DocumentError, ValueError):
            continue
        name = getattr(d, "firm_name", None)
        if int(d.kind) == int(Kind.IDENTITY) and name:
            out[str(d.subject)] = str(name)
    return out


__all__ = ["AuditReport", "Bundle", "ChainView", "FAMILIES", "Result", "Status", "publication_context", "run_audit"]
