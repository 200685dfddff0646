"""Publications anyone may read, rebuilt from the chain and the public documents by the audit's
own rules (`ledger.audit`): a tender as OCDS 1.1 (release package or record package), and the
collusion flags (围标串标) of an opened section for people to review.

The service replays the chain and reruns the openings, eligibility and selection on its filed
public documents exactly as `tender-ledger audit` does on a bundle, so what the API publishes is
what an auditor recomputes: there is one function per rule, in `ledger.audit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ledger.audit import publication_context
from ledger.audit.bundle import Bundle
from ledger.audit.chain import ChainView
from ledger.audit.checks import Context, hx
from ledger.audit.flags import bid_facts, collusion_flags
from ledger.audit.ocds import DEFAULT_PREFIX, record_package, release_package
from ledger.chain.client import ChainClient
from ledger.errors import NotFound
from ledger.rules.collusion import Flag, FlagParams

#: (kind, key, content, extra) items, as `ledger.audit.bundle.write_bundle` takes them
Documents = Callable[[ChainView], Iterable[tuple[str, str, bytes, dict[str, Any]]]]


@dataclass(frozen=True)
class FlaggedBid:
    """A bid a flag concerns: its key, its on-chain commitment and submission, the firm behind it."""

    bidder: str
    commitment: str | None
    tx: str | None
    block: int | None
    firm: str | None  # USCC, from the eligibility rerun


@dataclass(frozen=True)
class SectionFlag:
    """One flag of a section with the bids it concerns and the credentials it names."""

    flag: Flag
    bids: tuple[FlaggedBid, ...]
    credentials: tuple[str, ...]


@dataclass(frozen=True)
class SectionFlags:
    tender_id: str
    section: int
    opened: bool  # flags exist only after opening
    flags: tuple[SectionFlag, ...]


@dataclass(frozen=True)
class OcdsPackage:
    tender_id: str
    record: bool
    package: dict[str, Any]  # the OCDS JSON itself (a release or record package)


class PublicationService:
    def __init__(self, client: ChainClient, addresses: dict[str, str], documents: Documents, *,
                 public_relayers: frozenset[str] = frozenset(), ocid_prefix: str = DEFAULT_PREFIX) -> None:
        self.client, self.addresses, self.documents = client, dict(addresses), documents
        self.flag_params = FlagParams(public_relayers=frozenset(a.lower() for a in public_relayers))
        self.ocid_prefix = ocid_prefix

    def _context(self) -> tuple[Context, dict[str, str]]:
        chain = ChainView(self.client, self.addresses)
        chain.replay()
        bundle = Bundle.of_items(self.documents(chain), chain_id=chain.chain_id, genesis=chain.genesis)
        return publication_context(chain, bundle)

    @staticmethod
    def _tender(ctx: Context, tender_id: bytes) -> None:
        if tender_id not in ctx.tenders:
            raise NotFound("UnknownTender", {"tender_id": hx(tender_id)}, f"no tender {hx(tender_id)} on chain")

    def ocds(self, tender_id: bytes, *, record: bool = False) -> OcdsPackage:
        ctx, names = self._context()
        self._tender(ctx, tender_id)
        if tender_id not in ctx.params:
            raise NotFound("UnknownParams", {"tender_id": hx(tender_id)},
                           f"the parameters of tender {hx(tender_id)} are not filed: it cannot be published")
        build = record_package if record else release_package
        package = build(ctx, names=names, prefix=self.ocid_prefix, tender_id=tender_id)
        return OcdsPackage(hx(tender_id), record, package)

    def flags(self, tender_id: bytes, section: int) -> SectionFlags:
        ctx, _ = self._context()
        self._tender(ctx, tender_id)
        params = ctx.params.get(tender_id)
        if params is not None and section >= len(params.sections):
            raise NotFound("UnknownSection", {"tender_id": hx(tender_id), "section": section},
                           f"tender {hx(tender_id)} has no section {section}")
        facts = ctx.tenders[tender_id].sections.get(section)
        opened = facts is not None and bool(facts.openings)
        bids: dict[str, FlaggedBid] = {}
        if opened and facts is not None:
            for b in bid_facts(ctx, ctx.tenders[tender_id], facts):
                live = facts.commitment_at(b.bidder, facts.openings[b.bidder].position)
                bids[b.bidder] = FlaggedBid(b.bidder, hx(live[0]) if live else None, b.submitted_tx,
                                            b.submitted_block, b.firm)
        out = []
        for _, _, flag in collusion_flags(ctx, self.flag_params, tender_id=tender_id, section=section):
            credentials = flag.evidence.get("credential_ids", ())
            out.append(SectionFlag(flag, tuple(bids.get(b) or FlaggedBid(b, None, None, None, None)
                                               for b in flag.bidders),
                                   tuple(str(c) for c in credentials) if isinstance(credentials, (list, tuple)) else ()))
        return SectionFlags(hx(tender_id), section, opened, tuple(out))
