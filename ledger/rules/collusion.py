"""围标串标 signs a ledger can see (domain.md §6; 实施条例 Art. 40 and platform practice).

Pure functions over typed facts about the opened bids of one section: each sign yields `Flag`s
for a person to review, never a verdict. A flag names its sign, the bidders it concerns and its
evidence (credential ids, hashes, transactions, values). Flags exist only after opening: before
it, bid keys hide who bid and envelopes hide what they hold.

Signs and their definitions:

- `same-person`: one registered person (注册人员: the same credential id, or the same `REG_CERTNO`)
  ticked by two or more bidders.
- `same-performance`: one performance record (业绩 / 履约评价: the same credential id, or the same
  `PRJNUM`) ticked by two or more bidders.
- `foreign-personnel`: a personnel credential ticked by a bidder whose firm is neither the
  credential's subject nor its registered employer.
- `same-guarantee-contact` / `same-guarantee-account`: guarantees for different bidders applied for
  by the same contact or paid from the same account; `same-guarantee-applicant`: applied for under
  the same firm (USCC) or sent by the same key (neither of them the bidder's own).
- `same-envelope` / `same-bid-file`: identical envelope hashes, or one bid file (by SHA-256) in the
  bids of two or more bidders.
- `same-sealing-key`: envelopes sealed with the same ephemeral key (the sealing software reused
  its key: one origin); `same-relayer`: bids of different bidders sent by the same key that is
  not a public relay service (`FlagParams.public_relayers`), or by another bidder's own key.
- `price-pattern`: three or more of the section's prices, consecutive once sorted, in arithmetic
  progression (every step within `price_tolerance` of the mean step, relative) or in equal ratios
  (every growth rate within `price_tolerance` of the mean rate, relative); and `equal-price`: two
  or more bidders at exactly the same price.
- `clustered-submission`: `cluster_min` or more bidders whose final submissions' block times lie
  within `cluster_window` seconds of each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any


class Sign(StrEnum):
    SAME_PERSON = "same-person"
    SAME_PERFORMANCE = "same-performance"
    FOREIGN_PERSONNEL = "foreign-personnel"
    SAME_GUARANTEE_CONTACT = "same-guarantee-contact"
    SAME_GUARANTEE_ACCOUNT = "same-guarantee-account"
    SAME_GUARANTEE_APPLICANT = "same-guarantee-applicant"
    SAME_ENVELOPE = "same-envelope"
    SAME_BID_FILE = "same-bid-file"
    SAME_SEALING_KEY = "same-sealing-key"
    SAME_RELAYER = "same-relayer"
    PRICE_PATTERN = "price-pattern"
    EQUAL_PRICE = "equal-price"
    CLUSTERED_SUBMISSION = "clustered-submission"


#: What each sign means, in words a reviewer reads.
DESCRIPTIONS: dict[Sign, str] = {
    Sign.SAME_PERSON: "the same registered person ticked by two or more bidders",
    Sign.SAME_PERFORMANCE: "the same performance record ticked by two or more bidders",
    Sign.FOREIGN_PERSONNEL: "personnel registered to another firm than the bidder",
    Sign.SAME_GUARANTEE_CONTACT: "guarantees for different bidders applied for by the same contact",
    Sign.SAME_GUARANTEE_ACCOUNT: "guarantees for different bidders paid from the same account",
    Sign.SAME_GUARANTEE_APPLICANT: "guarantees for different bidders applied for by the same firm or key",
    Sign.SAME_ENVELOPE: "identical sealed envelopes",
    Sign.SAME_BID_FILE: "the same bid file in the bids of two or more bidders",
    Sign.SAME_SEALING_KEY: "envelopes sealed with the same ephemeral key (one origin)",
    Sign.SAME_RELAYER: "bids of different bidders sent by the same key",
    Sign.PRICE_PATTERN: "prices in a regular pattern",
    Sign.EQUAL_PRICE: "identical prices from different bidders",
    Sign.CLUSTERED_SUBMISSION: "submissions clustered in time",
}


#: The same in Chinese (the words a 交易中心 reviewer reads first; 实施条例 Art. 40's terms where it has them).
DESCRIPTIONS_ZH: dict[Sign, str] = {
    Sign.SAME_PERSON: "同一注册人员被两个及以上投标人勾选",
    Sign.SAME_PERFORMANCE: "同一业绩被两个及以上投标人勾选",
    Sign.FOREIGN_PERSONNEL: "勾选的注册人员注册在投标人以外的单位",
    Sign.SAME_GUARANTEE_CONTACT: "不同投标人的保函由同一联系人申请",
    Sign.SAME_GUARANTEE_ACCOUNT: "不同投标人的保函费用从同一账户支付",
    Sign.SAME_GUARANTEE_APPLICANT: "不同投标人的保函由同一单位或同一密钥申请",
    Sign.SAME_ENVELOPE: "投标文件密封信封完全相同",
    Sign.SAME_BID_FILE: "同一投标文件出现在两个及以上投标人的投标中",
    Sign.SAME_SEALING_KEY: "投标文件由同一临时密钥加密（同一来源）",
    Sign.SAME_RELAYER: "不同投标人的投标由同一密钥发送",
    Sign.PRICE_PATTERN: "投标报价呈规律性差异",
    Sign.EQUAL_PRICE: "不同投标人的投标报价相同",
    Sign.CLUSTERED_SUBMISSION: "投标时间集中",
}


@dataclass(frozen=True)
class FlagParams:
    """The tolerances the signs use ((default)s, per deployment or per tender)."""

    price_tolerance: Decimal = Decimal("0.001")  # relative to the mean step / mean growth rate
    price_run: int = 3  # prices in a pattern, at least
    cluster_window: int = 60  # seconds between the first and last block time of a cluster, at most
    cluster_min: int = 3  # bidders in a cluster, at least
    public_relayers: frozenset[str] = frozenset()  # relay services every bidder may use (lower-case)


@dataclass(frozen=True)
class TickedCredential:
    """A credential an opened bid ticked, with the fields the signs compare."""

    credential_id: str  # 0x hex
    kind: str  # "personnel", "performance", "contract-performance", or another kind's name
    subject: str | None = None  # USCC the credential is about
    certificate_no: str | None = None  # REG_CERTNO of a personnel credential
    employer: str | None = None  # registered employer USCC of a personnel credential
    project_no: str | None = None  # PRJNUM of a performance record


@dataclass(frozen=True)
class GuaranteeFacts:
    guarantee_id: str  # 0x hex
    applicant_uscc: str | None = None
    sender: str | None = None  # who sent the application transaction
    contact: str | None = None  # the applicant's contact, when the application names one
    account: str | None = None  # the paying account, when known
    tx: str | None = None


@dataclass(frozen=True)
class BidFacts:
    """One opened (decrypted) bid and what the ledger knows of it."""

    bidder: str  # the bid key, checksummed
    firm: str | None = None  # USCC of the firm behind the key (from its firm link and identity credential)
    firm_key: str | None = None  # the firm's own key (from the firm link)
    price: Decimal | None = None
    envelope_hash: str | None = None
    sealing_key: str | None = None  # the envelope's ephemeral public key, 0x hex
    file_hashes: Mapping[str, str] = field(default_factory=dict)  # file name -> SHA-256 hex
    credentials: tuple[TickedCredential, ...] = ()
    guarantees: tuple[GuaranteeFacts, ...] = ()
    submitted_at: int | None = None  # block time of the live submission
    submitted_block: int | None = None
    submitted_tx: str | None = None
    sender: str | None = None  # the live submission's transaction sender

    @property
    def who(self) -> str:
        return f"{self.firm} ({self.bidder})" if self.firm else self.bidder


@dataclass(frozen=True)
class Flag:
    sign: Sign
    bidders: tuple[str, ...]  # bid keys, sorted
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"sign": self.sign.value, "description": DESCRIPTIONS[self.sign],
                "description_zh": DESCRIPTIONS_ZH[self.sign], "bidders": list(self.bidders),
                "message": self.message, "evidence": dict(self.evidence)}


def _groups(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """value -> the distinct bidders that share it, for values two or more bidders share."""
    out: dict[str, list[str]] = {}
    for value, bidder in pairs:
        if value and bidder not in out.setdefault(value, []):
            out[value].append(bidder)
    return {v: sorted(b) for v, b in out.items() if len(b) >= 2}


def _distinct_firms(bids: Mapping[str, BidFacts], bidders: Sequence[str]) -> bool:
    """Whether `bidders` are not all one firm (one firm's own repeated bid is a different rule)."""
    firms = {bids[b].firm or b for b in bidders}
    return len(firms) >= 2


def same_credentials(bids: Sequence[BidFacts]) -> Iterator[Flag]:
    by = {b.bidder: b for b in bids}
    for sign, kinds, field_name, label in (
            (Sign.SAME_PERSON, ("personnel",), "certificate_no", "REG_CERTNO"),
            (Sign.SAME_PERFORMANCE, ("performance", "contract-performance"), "project_no", "PRJNUM")):
        flagged: set[tuple[str, ...]] = set()
        pairs_id = [(c.credential_id, b.bidder) for b in bids for c in b.credentials if c.kind in kinds]
        for cid, bidders in sorted(_groups(pairs_id).items()):
            if _distinct_firms(by, bidders):
                flagged.add((cid, *bidders))
                yield Flag(sign, tuple(bidders), f"credential {cid} is ticked by {', '.join(by[x].who for x in bidders)}",
                           {"credential_ids": [cid], "bidders": bidders})
        pairs_no = [(getattr(c, field_name) or "", b.bidder) for b in bids for c in b.credentials if c.kind in kinds]
        for no, bidders in sorted(_groups(pairs_no).items()):
            ids = sorted({c.credential_id for b in bids if b.bidder in bidders for c in b.credentials
                          if c.kind in kinds and getattr(c, field_name) == no})
            if len(ids) < 2 or not _distinct_firms(by, bidders):
                continue  # one credential: flagged above
            yield Flag(sign, tuple(bidders), f"{label} {no} is in the credentials of "
                       f"{', '.join(by[x].who for x in bidders)}", {label: no, "credential_ids": ids, "bidders": bidders})


def foreign_personnel(bids: Sequence[BidFacts]) -> Iterator[Flag]:
    for b in bids:
        if not b.firm:
            continue
        for c in b.credentials:
            if c.kind != "personnel":
                continue
            holders = {x for x in (c.subject, c.employer) if x}
            if holders and b.firm not in holders:
                yield Flag(Sign.FOREIGN_PERSONNEL, (b.bidder,),
                           f"{b.who} ticks personnel {c.certificate_no or c.credential_id} registered to "
                           f"{c.employer or c.subject}", {"credential_ids": [c.credential_id], "bidder_firm": b.firm,
                                                          "subject": c.subject, "employer": c.employer,
                                                          "REG_CERTNO": c.certificate_no})
            elif holders and c.subject and c.employer and c.subject != c.employer:
                yield Flag(Sign.FOREIGN_PERSONNEL, (b.bidder,),
                           f"personnel {c.certificate_no or c.credential_id} of {b.who} is about {c.subject} but "
                           f"registered to {c.employer}", {"credential_ids": [c.credential_id], "bidder_firm": b.firm,
                                                          "subject": c.subject, "employer": c.employer,
                                                          "REG_CERTNO": c.certificate_no})


def same_guarantee_origin(bids: Sequence[BidFacts]) -> Iterator[Flag]:
    by = {b.bidder: b for b in bids}
    own = {b.bidder.lower() for b in bids} | {b.firm_key.lower() for b in bids if b.firm_key}
    for sign, attr, label in ((Sign.SAME_GUARANTEE_CONTACT, "contact", "contact"),
                              (Sign.SAME_GUARANTEE_ACCOUNT, "account", "account"),
                              (Sign.SAME_GUARANTEE_APPLICANT, "applicant_uscc", "applicant USCC")):
        pairs = [(str(getattr(g, attr) or ""), b.bidder) for b in bids for g in b.guarantees]
        for value, bidders in sorted(_groups(pairs).items()):
            if not _distinct_firms(by, bidders):
                continue
            gs = [g for x in bidders for g in by[x].guarantees if getattr(g, attr) == value]
            yield Flag(sign, tuple(bidders), f"the guarantees of {', '.join(by[x].who for x in bidders)} name the "
                       f"same {label} {value}", {label: value, "guarantee_ids": sorted(g.guarantee_id for g in gs),
                                                 "txs": sorted(g.tx for g in gs if g.tx)})
    pairs = [(g.sender.lower(), b.bidder) for b in bids for g in b.guarantees
             if g.sender and g.sender.lower() not in {b.bidder.lower(), (b.firm_key or "").lower()}]
    for sender, bidders in sorted(_groups(pairs).items()):
        if sender in own or _distinct_firms(by, bidders):
            gs = [g for x in bidders for g in by[x].guarantees if (g.sender or "").lower() == sender]
            yield Flag(Sign.SAME_GUARANTEE_APPLICANT, tuple(bidders),
                       f"the guarantee applications of {', '.join(by[x].who for x in bidders)} were sent by one key "
                       f"{sender}", {"sender": sender, "guarantee_ids": sorted(g.guarantee_id for g in gs),
                                     "txs": sorted(g.tx for g in gs if g.tx)})


def same_bid_content(bids: Sequence[BidFacts]) -> Iterator[Flag]:
    by = {b.bidder: b for b in bids}
    for value, bidders in sorted(_groups((b.envelope_hash or "", b.bidder) for b in bids).items()):
        yield Flag(Sign.SAME_ENVELOPE, tuple(bidders), f"the envelopes of {', '.join(by[x].who for x in bidders)} "
                   f"are identical (keccak {value})", {"envelope_hash": value, "txs": _txs(by, bidders)})
    files = [(h, b.bidder) for b in bids for h in set(b.file_hashes.values())]
    for value, bidders in sorted(_groups(files).items()):
        names = {x: sorted(n for n, h in by[x].file_hashes.items() if h == value) for x in bidders}
        yield Flag(Sign.SAME_BID_FILE, tuple(bidders), f"one bid file (SHA-256 {value}) is in the bids of "
                   f"{', '.join(by[x].who for x in bidders)}", {"sha256": value, "files": names})
    for value, bidders in sorted(_groups((b.sealing_key or "", b.bidder) for b in bids).items()):
        yield Flag(Sign.SAME_SEALING_KEY, tuple(bidders), f"the envelopes of {', '.join(by[x].who for x in bidders)} "
                   f"were sealed with one ephemeral key {value}", {"sealing_key": value, "txs": _txs(by, bidders)})


def _txs(by: Mapping[str, BidFacts], bidders: Iterable[str]) -> list[str]:
    return [t for x in bidders if (t := by[x].submitted_tx)]


def same_relayer(bids: Sequence[BidFacts], params: FlagParams = FlagParams()) -> Iterator[Flag]:
    by = {b.bidder: b for b in bids}
    own = {k.lower(): b.bidder for b in bids for k in (b.bidder, b.firm_key) if k}
    public = {r.lower() for r in params.public_relayers}
    relayed = [(b.sender.lower(), b.bidder) for b in bids
               if b.sender and b.sender.lower() != b.bidder.lower() and b.sender.lower() not in public]
    groups = _groups(relayed)
    for sender, bidders in sorted(groups.items()):
        yield Flag(Sign.SAME_RELAYER, tuple(bidders), f"the bids of {', '.join(by[x].who for x in bidders)} were "
                   f"sent by one key {sender}", {"sender": sender, "txs": _txs(by, bidders)})
    for sender, bidder in relayed:
        other = own.get(sender)
        if other is not None and other != bidder and sender not in groups:
            pair = tuple(sorted((bidder, other)))
            yield Flag(Sign.SAME_RELAYER, pair, f"the bid of {by[bidder].who} was sent by the key of another "
                       f"bidder, {by[other].who}", {"sender": sender, "txs": _txs(by, [bidder])})


def _runs(steps: list[Decimal], params: FlagParams) -> Iterator[tuple[int, int]]:
    """Maximal runs [i, j] of sorted prices (j - i + 1 ≥ price_run) whose steps agree within tolerance."""
    need = max(params.price_run, 3) - 1
    i = 0
    while i + need <= len(steps):
        j = i + need  # steps[i:j] is a candidate run
        if not _agree(steps[i:j], params.price_tolerance):
            i += 1
            continue
        while j < len(steps) and _agree(steps[i:j + 1], params.price_tolerance):
            j += 1
        yield i, j
        i = j


def _agree(steps: Sequence[Decimal], tolerance: Decimal) -> bool:
    mean = sum(steps, Decimal(0)) / len(steps)
    return mean > 0 and all(abs(s - mean) <= tolerance * mean for s in steps)


def price_pattern(bids: Sequence[BidFacts], params: FlagParams = FlagParams()) -> Iterator[Flag]:
    priced = sorted((b.price, b.bidder) for b in bids if b.price is not None and b.price > 0)
    by = {b.bidder: b for b in bids}
    for value, bidders in sorted(_groups((str(p), x) for p, x in priced).items()):
        yield Flag(Sign.EQUAL_PRICE, tuple(bidders), f"{', '.join(by[x].who for x in bidders)} bid the same price "
                   f"{value} 元", {"price": value})
    distinct: list[tuple[Decimal, str]] = []
    for p, x in priced:
        if not distinct or p != distinct[-1][0]:
            distinct.append((p, x))
    if len(distinct) < 3:
        return
    prices = [p for p, _ in distinct]
    diffs = [b - a for a, b in pairwise(prices)]
    rates = [b / a - 1 for a, b in pairwise(prices)]
    arithmetic = list(_runs(diffs, params))
    covered = {k for i, j in arithmetic for k in range(i, j + 1)}
    for kind, runs in (("arithmetic progression", arithmetic),
                       ("equal ratios", [r for r in _runs(rates, params)
                                         if not set(range(r[0], r[1] + 1)) <= covered])):
        for i, j in runs:
            members = distinct[i:j + 1]
            step = (sum(diffs[i:j], Decimal(0)) / (j - i)) if kind.startswith("arith") else \
                (sum(rates[i:j], Decimal(0)) / (j - i))
            names = tuple(sorted(x for _, x in members))
            what = f"step {step.quantize(Decimal('0.01'))} 元" if kind.startswith("arith") else \
                f"ratio {(1 + step).quantize(Decimal('0.000001'))}"
            yield Flag(Sign.PRICE_PATTERN, names, f"{len(members)} prices in {kind} ({what}): "
                       + ", ".join(f"{by[x].who} {p} 元" for p, x in members),
                       {"pattern": kind, "prices": {x: str(p) for p, x in members},
                        "step" if kind.startswith("arith") else "ratio": str(step if kind.startswith("arith")
                                                                               else 1 + step),
                        "tolerance": str(params.price_tolerance)})


def clustered_submissions(bids: Sequence[BidFacts], params: FlagParams = FlagParams()) -> Iterator[Flag]:
    timed = sorted((b.submitted_at, b.bidder) for b in bids if b.submitted_at is not None)
    by = {b.bidder: b for b in bids}
    i = 0
    while i < len(timed):
        j = i
        while j + 1 < len(timed) and timed[j + 1][0] - timed[i][0] <= params.cluster_window:
            j += 1
        members = timed[i:j + 1]
        if len(members) >= params.cluster_min:
            yield Flag(Sign.CLUSTERED_SUBMISSION, tuple(sorted(x for _, x in members)),
                       f"{len(members)} bids submitted within {members[-1][0] - members[0][0]} s "
                       f"(window {params.cluster_window} s)",
                       {"times": {x: t for t, x in members}, "blocks": {x: by[x].submitted_block for _, x in members},
                        "txs": _txs(by, [x for _, x in members]), "window": params.cluster_window})
            i = j + 1
        else:
            i += 1


def section_flags(bids: Sequence[BidFacts], params: FlagParams = FlagParams()) -> list[Flag]:
    """Every sign over the opened bids of one section, in the order of `Sign`."""
    flags = [*same_credentials(bids), *foreign_personnel(bids), *same_guarantee_origin(bids),
             *same_bid_content(bids), *same_relayer(bids, params), *price_pattern(bids, params),
             *clustered_submissions(bids, params)]
    order = {s: n for n, s in enumerate(Sign)}
    return sorted(flags, key=lambda f: (order[f.sign], f.bidders))
