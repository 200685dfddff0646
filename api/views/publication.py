"""JSON of the publications: OCDS packages as the standard has them, collusion flags for review."""

from __future__ import annotations

from typing import Any

from ledger.rules.collusion import DESCRIPTIONS, DESCRIPTIONS_ZH
from ledger.service.publication import FlaggedBid, OcdsPackage, SectionFlag, SectionFlags


def ocds(package: OcdsPackage) -> dict[str, Any]:
    return package.package


def _bid(b: FlaggedBid) -> dict[str, Any]:
    return {"bidder": b.bidder, "commitment": b.commitment, "tx": b.tx, "block": b.block, "firm": b.firm}


def flag(f: SectionFlag) -> dict[str, Any]:
    sign = f.flag.sign
    return {"kind": sign.value, "words": {"zh": DESCRIPTIONS_ZH[sign], "en": DESCRIPTIONS[sign]},
            "message": f.flag.message, "bids": [_bid(b) for b in f.bids], "credentials": list(f.credentials),
            "evidence": dict(f.flag.evidence)}


def section_flags(flags: SectionFlags) -> dict[str, Any]:
    return {"tender_id": flags.tender_id, "section": flags.section, "opened": flags.opened,
            "flags": [flag(f) for f in flags.flags]}
