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

from collections.abc import Callable, Sequence

from ledger.audit.bundle import Bundle
from ledger.audit.chain import ChainView
from ledger.audit.checks import FAMILIES, NOT_CHECKED, build_context, hx
from ledger.audit.flags import collusion_flags
from ledger.audit.model import AuditReport, Result, Status, TenderSummary
from ledger.rules.collusion import FlagParams


def run_audit(chain: ChainView, bundle: Bundle, *, families: Sequence[str] | None = None,
              progress: Callable[[str], None] | None = None, flags: FlagParams | None = None) -> AuditReport:
    events = chain.replay(progress)
    ctx = build_context(chain, bundle)
    report = AuditReport(chain_id=chain.chain_id, genesis=chain.genesis, head_block=chain.head,
                         head_time=chain.time(chain.head), addresses=dict(chain.addresses), events=events,
                         documents=len(bundle.documents), families=list(families or FAMILIES),
                         not_checked=list(NOT_CHECKED))
    if bundle.chain_id is not None and bundle.chain_id != chain.chain_id or \
            bundle.genesis is not None and bundle.genesis.lower() != chain.genesis.lower():
        report.results.append(Result("documents", "bundle's chain", Status.FAIL,
                                     f"the bundle was exported from chain {bundle.chain_id} ({bundle.genesis}), "
                                     f"this is chain {chain.chain_id} ({chain.genesis})"))
    for name in report.families:
        if progress:
            progress(f"checking {name}")
        report.results.extend(FAMILIES[name](ctx))
    if progress:
        progress("collusion flags")
    report.flags = [{"tender": t.tid, "section": n, **f.as_json()} for t, n, f in collusion_flags(ctx, flags)]
    for tid, t in ctx.tenders.items():
        params = ctx.params.get(tid)
        summary = TenderSummary(tender_id=hx(tid), centre=t.centre, issued_at=chain.time(t.published.block_number),
                                deadline=t.deadline)
        if params is not None:
            summary.title, summary.project_code = params.title, params.project_code
            summary.sections = [{"code": s.code, "name": s.name, "estimated_price": str(s.estimated_price),
                                 "bid_guarantee": str(s.bid_guarantee)} for s in params.sections]
        names = _firm_names(bundle)
        summary.firms = {k: f"{names[u]} ({u})" if u in names else u for k, u in ctx.summaries.get(hx(tid), {}).items()}
        report.tenders[hx(tid)] = summary
    return report


def _firm_names(bundle: Bundle) -> dict[str, str]:
    """USCC -> firm name, from the identity credentials in the bundle (the names the documents give)."""
    from ledger.audit.bundle import SEALED
    from ledger.documents import DocumentError, Kind, SealedCredential

    out: dict[str, str] = {}
    for doc in bundle.of_kind(SEALED):
        try:
            d = SealedCredential.from_json(doc.content or b"").document
        except (DocumentError, ValueError):
            continue
        name = getattr(d, "firm_name", None)
        if int(d.kind) == int(Kind.IDENTITY) and name:
            out[str(d.subject)] = str(name)
    return out


__all__ = ["AuditReport", "Bundle", "ChainView", "FAMILIES", "Result", "Status", "run_audit"]
