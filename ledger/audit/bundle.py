"""The audit bundle: the documents whose hashes are on chain, one file each, named by its keccak.

    DIR/index.json        {"format", "chain_id", "genesis", "documents": [entry, …]}
    DIR/<keccak hex>.json a JSON document (tender parameters, opening reports, sealed credentials, …)
    DIR/<keccak hex>.bin  anything else (tender files, sealed envelopes, evidence, …)
    DIR/addresses.json    the contracts' addresses as the exporter knew them (an auditor may use
                          its own instead: `--addresses`)

An entry says what a file is: `kind` (the same names the service files documents under), `key`
(the on-chain value it belongs to: a hash, a credential id, a bid commitment, a root), `file` and
`keccak`; an envelope also carries its bid's `credential_set_commitment`, an opening report the
centre's signed `receipt`. Nothing in the bundle is trusted: every file is checked against the
value the chain holds (`ledger.audit.checks`), and the index only says where to look.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.crypto.canonical import keccak
from ledger.documents import DocumentError, SealedCredential
from ledger.errors import ConfigurationError
from ledger.service import governance as _governance
from ledger.service import performance as _performance
from ledger.service import selection as _selection

FORMAT = "tender-ledger-audit-bundle/1"
INDEX = "index.json"
ADDRESSES = "addresses.json"

# Document kinds, as the service files them (api/db/tenders.py, credentials.py, guarantees.py).
TENDER = "tender"  # keccak(file) is a TenderPublished/TenderAmended docHash
PARAMS = "params"  # TenderParams JSON; its params hash is the paramsHash
REASON = "amendment-reason"  # keccak is a TenderAmended reasonHash
ENVELOPE = "envelope"  # a sealed bid, under its commitment (with its credential-set commitment)
OPENING = "opening"  # the opening report of a bid, under its commitment (with the centre's receipt)
BATCH = "credential-batch"  # a batch's credential ids, under its anchored root
SEALED = "sealed-credential"  # a holder's sealed copy, under its credential id
APPLICATION = "guarantee-application"  # under its application hash (Applied)
SEALED_TERMS = "guarantee-sealed-terms"  # 密文 terms, under their commitment
TERMS = "guarantee-terms"  # terms in clear, under the guarantee id
REJECTION = "guarantee-rejection"  # keccak is a Rejected reasonHash
VERIFICATION = "guarantee-verification"  # keccak is a VerificationRecorded reasonHash
EVIDENCE = "guarantee-claim-evidence"  # keccak is a ClaimFiled evidenceHash
CONTEST = "guarantee-claim-contest"  # keccak is a ClaimContested reasonHash
# 评定分离: the kinds the selection service files under (public once the section is decided)
SELECTION_SHEET = _selection.SHEET  # a revealed sheet (canonical JSON): keccak is its SheetRevealed sheetHash
SELECTION_REPORT = _selection.REPORT  # the evaluation report: keccak is ShortlistFiled.reportHash
SELECTION_RECORD = _selection.RECORD  # the decision record: keccak is Decided.recordHash
SELECTION_EXCLUSION = _selection.EXCLUSION  # keccak is ExpertExcluded.reasonHash
SELECTION_REPLACEMENT = _selection.REPLACEMENT  # keccak is SeatReplaced.reasonHash
SELECTION_OBJECTION = _selection.OBJECTION  # keccak is ObjectionFiled.reasonHash
SELECTION_ANSWER = _selection.ANSWER  # keccak is ObjectionAnswered.answerHash
SELECTION_COMPLAINT = _selection.COMPLAINT  # keccak is ComplaintFiled.reasonHash
SELECTION_RULING = _selection.RULING  # keccak is ComplaintRuled.rulingHash
SELECTION_VIEW = _selection.VIEW  # 集体议事: a member's written view: keccak is its VoteRevealed salt
SEAT_HOLDER = "selection-seat-holder"  # who held a seat and its salt, under the seat's link (once revealed)
# 履约: the governance's ruling on a performance complaint (UTF-8 text), as the service files it
PERFORMANCE_RULING = _performance.RULING  # keccak is PerformanceComplaintRuled.rulingHash
# an expert's or committee member's pool card (its name): keccak is the salt of the Proposed registering it
POOL_CARD = _governance.POOL_CARD

KINDS: dict[str, str] = {
    TENDER: "tender document", PARAMS: "tender parameters", REASON: "amendment reason",
    ENVELOPE: "sealed bid envelope", OPENING: "opening report", BATCH: "credential batch (ids)",
    SEALED: "sealed credential", APPLICATION: "guarantee application", SEALED_TERMS: "sealed guarantee terms",
    TERMS: "guarantee terms", REJECTION: "guarantee rejection reason", VERIFICATION: "guarantee verification report",
    EVIDENCE: "claim evidence", CONTEST: "claim contest reasons",
    SELECTION_SHEET: "evaluation sheet", SELECTION_REPORT: "evaluation report", SELECTION_RECORD: "decision record",
    SELECTION_EXCLUSION: "exclusion reason", SELECTION_REPLACEMENT: "seat replacement reason",
    SELECTION_OBJECTION: "objection", SELECTION_ANSWER: "answer to an objection", SELECTION_COMPLAINT: "complaint",
    SELECTION_RULING: "ruling on a complaint", SEAT_HOLDER: "seat holder", SELECTION_VIEW: "集体议事 view",
    PERFORMANCE_RULING: "ruling on a 履约 complaint", POOL_CARD: "pool card",
}
#: Kinds whose key is the keccak of the content itself.
HASHED = frozenset({TENDER, REASON, REJECTION, VERIFICATION, EVIDENCE, CONTEST, SELECTION_SHEET, SELECTION_REPORT,
                    SELECTION_RECORD, SELECTION_EXCLUSION, SELECTION_REPLACEMENT, SELECTION_OBJECTION,
                    SELECTION_ANSWER, SELECTION_COMPLAINT, SELECTION_RULING, SELECTION_VIEW, PERFORMANCE_RULING})


def file_name(content: bytes) -> str:
    """`<keccak hex>.json` for a JSON document, `<keccak hex>.bin` for anything else."""
    try:
        json.loads(content)
        suffix = ".json"
    except (ValueError, UnicodeDecodeError):
        suffix = ".bin"
    return keccak(content).hex() + suffix


@dataclass
class BundleDocument:
    kind: str
    key: str  # 0x-hex, lower case
    file: str
    keccak: str  # as the index states it
    content: bytes | None  # None when the file is missing
    extra: dict[str, Any] = field(default_factory=dict)

    _parsed: tuple[bytes, SealedCredential | Exception] | None = field(default=None, repr=False, compare=False)

    @property
    def actual_keccak(self) -> str | None:
        return None if self.content is None else "0x" + keccak(self.content).hex()

    def sealed(self) -> SealedCredential:
        """The content read as a sealed credential copy, parsed once per content (the documents,
        eligibility, flags and performance families each read the same copies, and a copy's id is
        remembered by the parsed object); DocumentError or ValueError as `from_json` raises them,
        every time it is asked."""
        content = self.content if self.content is not None else b""
        parsed = self._parsed
        if parsed is None or parsed[0] is not content:
            try:
                got: SealedCredential | Exception = SealedCredential.from_json(content)
            except (DocumentError, ValueError) as exc:
                got = exc
            parsed = self._parsed = (content, got)
        if isinstance(parsed[1], Exception):
            raise parsed[1].with_traceback(None)
        return parsed[1]


@dataclass
class Bundle:
    path: Path
    documents: list[BundleDocument]
    chain_id: int | None = None
    genesis: str | None = None
    _by: dict[tuple[str, str], BundleDocument] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for d in self.documents:
            self._by.setdefault((d.kind, d.key), d)

    def get(self, kind: str, key: bytes | str) -> BundleDocument | None:
        k = key if isinstance(key, str) else "0x" + key.hex()
        return self._by.get((kind, k.lower()))

    def content(self, kind: str, key: bytes | str) -> bytes | None:
        d = self.get(kind, key)
        return None if d is None else d.content

    def sealed(self, credential_id: bytes | str) -> SealedCredential | None:
        """The sealed copy filed under `credential_id`, parsed once (`BundleDocument.sealed`); None
        when the bundle files none, DocumentError or ValueError when it is unreadable."""
        d = self.get(SEALED, credential_id)
        return None if d is None or d.content is None else d.sealed()

    def of_kind(self, kind: str) -> list[BundleDocument]:
        return [d for d in self.documents if d.kind == kind]

    @classmethod
    def of_items(cls, items: Iterable[tuple[str, str, bytes, dict[str, Any]]], *, chain_id: int | None = None,
                 genesis: str | None = None) -> Bundle:
        """A bundle held in memory, of (kind, key, content, extra) items as `write_bundle` takes them
        (the service's own filed documents, checked against the chain like any bundle's)."""
        docs = [BundleDocument(kind, key.lower(), file_name(content), "0x" + keccak(content).hex(), content, dict(extra))
                for kind, key, content, extra in items]
        return cls(Path("."), docs, chain_id, genesis)

    @classmethod
    def load(cls, path: Path) -> Bundle:
        path = Path(path)
        try:
            index = json.loads((path / INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"{path} is no audit bundle: cannot read {INDEX} ({exc})") from None
        if not isinstance(index, dict) or index.get("format") != FORMAT or not isinstance(index.get("documents"), list):
            raise ConfigurationError(f"{path / INDEX} is not an audit bundle index ({FORMAT})")
        docs = []
        for n, entry in enumerate(index["documents"]):
            if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("kind", "key", "file")):
                raise ConfigurationError(f"{path / INDEX}: documents[{n}] lacks kind, key or file")
            name = Path(entry["file"]).name  # never outside the bundle
            target = path / name
            content = target.read_bytes() if target.is_file() else None
            extra = {k: v for k, v in entry.items() if k not in ("kind", "key", "file", "keccak")}
            docs.append(BundleDocument(entry["kind"], entry["key"].lower(), name, str(entry.get("keccak", "")).lower(),
                                       content, extra))
        return cls(path, docs, index.get("chain_id"), index.get("genesis"))


def write_bundle(out: Path, *, chain_id: int, genesis: str, addresses: dict[str, str],
                 items: Iterable[tuple[str, str, bytes, dict[str, Any]]]) -> int:
    """Write (kind, key, content, extra) items as a bundle in `out`; returns how many documents."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for kind, key, content, extra in items:
        name = file_name(content)
        (out / name).write_bytes(content)
        entries.append({"kind": kind, "key": key.lower(), "file": name, "keccak": "0x" + keccak(content).hex(),
                        "what": KINDS.get(kind, kind), **extra})
    entries.sort(key=lambda e: (e["kind"], e["key"]))
    (out / ADDRESSES).write_text(json.dumps(addresses, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    index = {"format": FORMAT, "chain_id": chain_id, "genesis": genesis, "documents": entries}
    (out / INDEX).write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries)
