"""Contract performance (履约) use cases: milestones, complaints and acknowledgements by the two
parties of an awarded section, the completion evaluation by the centre for the tenderer, the
section's record with its filed documents, and the draft of the new 业绩 credential.

The centre's steps are sent with the centre's own key (behind its signed request); the winner's
are its own transactions (its per-tender bid key), relayed after a dry run, with their texts
filed under the hashes they carry. Nothing is filed for a step the contract would refuse.

The governance rules on a complaint (`ruleComplaint`, proposed and approved by its members through
the governance's use cases); its text is then filed here under the ruling hash on chain.

The record is read from the store's projection of PerformanceBook's events, and every row served
is compared with the chain's own entry, ruling and completion: a row that differs, or one missing
or added, is refused (StoreMismatch), never served.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain.performance_book import RECORDING, PerformanceBookGateway
from ledger.chain.relay import RelayedTx
from ledger.crypto.canonical import keccak
from ledger.documents.kinds import ContractPerformanceCredential
from ledger.errors import Conflict, NotFound, StoreMismatch, Unauthorised, ValidationFailed
from ledger.model.performance import (
    Completion,
    CompletionEvaluation,
    Entry,
    EntryKind,
    FiledEntry,
    FiledRuling,
    PerformanceRecord,
    Ruling,
)
from ledger.rules.performance import completion_credential
from ledger.service.tenders import TenderService

ZERO_ADDRESS = "0x" + "00" * 20

#: The document kind each entry's document is filed under (by its keccak).
FILED_AS: dict[EntryKind, str] = {EntryKind.MILESTONE: "performance-milestone",
                                  EntryKind.COMPLAINT: "performance-complaint",
                                  EntryKind.COMPLETION: "performance-evaluation"}
RULING = "performance-ruling"  # the governance's ruling on a complaint (UTF-8), under its ruling hash


class PerformanceFiles(Protocol):
    """Documents filed under the on-chain hash they belong to."""

    def file(self, kind: str, key: bytes, content: bytes) -> None: ...

    def document(self, kind: str, key: bytes) -> bytes | None: ...


class PerformanceRows(PerformanceFiles, Protocol):
    """The store's projection of PerformanceBook's events (and the documents filed)."""

    @property
    def confirmations(self) -> int:
        """How many blocks below the head the projection stops."""
        ...

    def catch_up(self) -> None: ...

    def entries(self, tender_id: bytes, section: int) -> list[Entry]: ...

    def rulings(self, tender_id: bytes, section: int) -> dict[int, Ruling]: ...

    def completion(self, tender_id: bytes, section: int) -> Completion | None: ...


class PerformanceService:
    def __init__(self, book: PerformanceBookGateway, tenders: TenderService, files: PerformanceRows, *,
                 centre: LocalAccount, relayer: LocalAccount, lock: AbstractContextManager[Any] | None = None) -> None:
        self.book, self.tenders, self.files = book, tenders, files
        self.centre, self.relayer = centre, relayer
        self.lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    # ------------------------------------------------------------------ writes
    def record(self, *, signer: str, tender_id: bytes, section: int, kind: EntryKind, text: str,
               signed_tx: str | None = None) -> FiledEntry:
        """A milestone or a complaint, its text filed under its keccak: the centre's (sent with the
        centre's key) or the winner's own `recordMilestone` / `fileComplaint` transaction."""
        if kind is EntryKind.COMPLETION:
            raise ValidationFailed("the completion is recorded with its evaluation (complete)")
        content = text.strip().encode()
        if not content:
            raise ValidationFailed(f"a {kind.name.lower()} states what it records")
        return self._record(signer, tender_id, section, kind, content, signed_tx)

    def complete(self, *, signer: str, tender_id: bytes, section: int,
                 evaluation: CompletionEvaluation) -> FiledEntry:
        """The completion evaluation (履约评价), by the centre for the tenderer, once per section."""
        return self._record(signer, tender_id, section, EntryKind.COMPLETION, evaluation.document(), None)

    def acknowledge(self, *, signer: str, tender_id: bytes, section: int, index: int,
                    signed_tx: str | None = None) -> FiledEntry:
        """The other party acknowledges entry `index` (seen, not agreed): the centre's (its key) or
        the winner's own `acknowledge` transaction."""
        self._known(tender_id, section)
        with self.lock:
            if signed_tx is None:
                self._require_centre(signer)
                self.book.check_acknowledge(self.centre.address, tender_id, section, index)
                self.book.acknowledge(self.centre, tender_id, section, index)
            else:
                relayed = self._own(signer, signed_tx, "acknowledge", tender_id, section)
                if int(relayed.args["index"]) != index:
                    raise ValidationFailed(f"signed_tx acknowledges entry {relayed.args['index']}, not {index}")
                self.book.relay(relayed, sponsor=self.relayer)
        return self._filed(tender_id, section, index)

    def file_ruling(self, *, tender_id: bytes, section: int, index: int, text: str) -> FiledEntry:
        """File the text of the governance's ruling on complaint `index` (ruleComplaint, proposed and
        approved by its members): accepted only once the ruling is on chain and only if the text
        hashes to its ruling hash, so anyone may file it."""
        self._known(tender_id, section)
        count = self.book.entry_count(tender_id, section)
        if not 0 <= index < count:
            raise NotFound("UnknownEntry", {"index": index},
                           f"the section's record has entries 0..{count - 1}" if count else "the section has no entry")
        entry = self.book.entry(tender_id, section, index)
        if entry.kind is not EntryKind.COMPLAINT:
            raise Conflict("NotAComplaint", {"index": index},
                           f"entry {index} is a {entry.kind.name.lower()}, not a complaint: nothing is ruled on it")
        ruling = self.book.ruling(tender_id, section, index)
        if ruling is None:
            raise Conflict("NotRuled", {"index": index}, f"complaint {index} is not ruled yet: the governance rules "
                           "on it (PerformanceBook.ruleComplaint, proposed and approved by its members)")
        content = text.strip().encode()
        if keccak(content) != ruling.ruling_hash:
            raise ValidationFailed(f"the ruling text hashes to 0x{keccak(content).hex()}, the ruling on chain is "
                                   f"0x{ruling.ruling_hash.hex()}")
        with self.lock:
            self.files.file(RULING, ruling.ruling_hash, content)
        return self._filed(tender_id, section, index)

    # ------------------------------------------------------------------ reads
    def record_of(self, tender_id: bytes, section: int) -> PerformanceRecord:
        """The section's performance record: parties, every entry with its filed document and, for a
        complaint, the governance's ruling; the completion and its evaluation. Read from the store
        and checked row by row against the chain (StoreMismatch where they differ). NotFound for an
        unknown tender or section."""
        centre, winner, signed_at = self._known(tender_id, section)
        self.files.catch_up()
        stored = self.files.entries(tender_id, section)
        rulings = self.files.rulings(tender_id, section)
        completion = self.files.completion(tender_id, section)
        self._check(tender_id, section, stored, rulings, completion)
        entries = tuple(FiledEntry(e, self._document(e.kind, e.document_hash), self._ruling(rulings.get(e.index)))
                        for e in stored)
        evaluation = None
        if completion is not None:
            filed = entries[completion.index].document
            evaluation = CompletionEvaluation.parse(filed) if filed is not None else None
        return PerformanceRecord(tender_id, section, centre, winner if winner != ZERO_ADDRESS else "",
                                 signed_at, entries, completion, evaluation)

    def _check(self, tender_id: bytes, section: int, stored: list[Entry], rulings: dict[int, Ruling],
               completion: Completion | None) -> None:
        """Each stored row is the chain's: the entries (none missing, none added), the rulings on
        complaints and the completion. With confirmations the newest entries may not be projected yet:
        they are not served until they are."""
        where = f"the stored 履约 record of tender 0x{tender_id.hex()} section {section}"
        on_chain = self.book.entry_count(tender_id, section)
        if len(stored) > on_chain or (len(stored) < on_chain and not self.files.confirmations):
            raise StoreMismatch(f"{where} holds {len(stored)} entries, the chain {on_chain}")
        for position, e in enumerate(stored):
            if e.index != position:
                raise StoreMismatch(f"{where} has no entry {position} (its next is {e.index})")
            chain = self.book.entry(tender_id, section, position)
            if e != chain:
                raise StoreMismatch(f"{where}: entry {position} differs from the chain's")
            ruled = self.book.ruling(tender_id, section, position) if e.kind is EntryKind.COMPLAINT else None
            if rulings.get(position) != ruled:
                raise StoreMismatch(f"{where}: the ruling on entry {position} differs from the chain's")
        if set(rulings) - {e.index for e in stored if e.kind is EntryKind.COMPLAINT}:
            raise StoreMismatch(f"{where} holds a ruling on no complaint")
        chain_completion = self.book.completion(tender_id, section)
        lagging = completion is None and chain_completion is not None and chain_completion.index >= len(stored)
        if completion != chain_completion and not (lagging and self.files.confirmations):
            raise StoreMismatch(f"{where}: its completion differs from the chain's")

    def credential_draft(self, *, tender_id: bytes, section: int, issuer: str,
                         issued_at: datetime | None = None) -> ContractPerformanceCredential:
        """The 履约评价 credential (a new 业绩) of the winner's firm for `issuer` to sign and anchor,
        made from the completion PerformanceBook recorded, its filed evaluation, the tender's
        parameters and the firm the winner's opened bid proved to be."""
        record = self.record_of(tender_id, section)
        if record.completion is None:
            raise NotFound("NotCompleted", {"tenderId": tender_id, "section": section},
                           "PerformanceBook records no completion of the section yet")
        if record.evaluation is None:
            raise StoreMismatch(f"the completion evaluation 0x{record.completion.evaluation_hash.hex()} is on "
                                "chain but not filed with the ledger")
        results = self.tenders.results(tender_id=tender_id, section=section, viewer=None)
        opened = next((b for b in results.bids if b.bidder == record.completion.winner), None)
        firm = opened.eligibility.firm if opened is not None and opened.eligibility is not None else None
        if firm is None:
            raise NotFound("NoFirm", {"winner": record.completion.winner},
                           f"the ledger holds no opened bid proving the firm behind {record.completion.winner}")
        return completion_credential(tender_id=tender_id, section=section,
                                     params=self.tenders.tender(tender_id).params, completion=record.completion,
                                     evaluation=record.evaluation, subject=firm, issuer=issuer, issued_at=issued_at)

    # ------------------------------------------------------------------ helpers
    def _record(self, signer: str, tender_id: bytes, section: int, kind: EntryKind, content: bytes,
                signed_tx: str | None) -> FiledEntry:
        self._known(tender_id, section)
        digest = keccak(content)
        with self.lock:
            if signed_tx is None:
                self._require_centre(signer)
                self.book.check(self.centre.address, kind, tender_id, section, digest)  # refused before filing
                self.files.file(FILED_AS[kind], digest, content)
                self.book.record(self.centre, kind, tender_id, section, digest)
            else:
                relayed = self._own(signer, signed_tx, RECORDING[kind], tender_id, section)
                if bytes(relayed.args["documentHash"]) != digest:
                    raise ValidationFailed("the transaction's document hash is not the keccak of the text given")
                self.book.dry_run(relayed.sender, relayed.data)
                self.files.file(FILED_AS[kind], digest, content)
                self.book.relay(relayed, sponsor=self.relayer)
        return self._filed(tender_id, section, self.book.entry_count(tender_id, section) - 1)

    def _own(self, signer: str, signed_tx: str, function: str, tender_id: bytes, section: int) -> RelayedTx:
        relayed = self.book.decode_signed(signed_tx)
        relayed.require(to_checksum_address(signer), (function,))
        if bytes(relayed.args["tenderId"]) != tender_id or int(relayed.args["section"]) != section:
            raise ValidationFailed(f"signed_tx is for tender 0x{bytes(relayed.args['tenderId']).hex()} section "
                                   f"{relayed.args['section']}, not 0x{tender_id.hex()} section {section}")
        return relayed

    def _require_centre(self, signer: str) -> None:
        if to_checksum_address(signer) != self.centre.address:
            raise Unauthorised("NotCentre", {"caller": signer},
                               f"{signer} is not the centre that runs this ledger's tenders: a party other than the "
                               "centre sends its own signed transaction (signed_tx)")

    def _known(self, tender_id: bytes, section: int) -> tuple[str, str, int]:
        centre, winner, signed_at = self.book.parties(tender_id, section)
        if centre == ZERO_ADDRESS:
            raise NotFound("UnknownTender", {"tenderId": tender_id}, f"no tender 0x{tender_id.hex()} is published")
        return centre, winner, signed_at

    def _filed(self, tender_id: bytes, section: int, index: int) -> FiledEntry:
        entry = self.book.entry(tender_id, section, index)
        ruling = self.book.ruling(tender_id, section, index) if entry.kind is EntryKind.COMPLAINT else None
        return FiledEntry(entry, self._document(entry.kind, entry.document_hash), self._ruling(ruling))

    def _ruling(self, ruling: Ruling | None) -> FiledRuling | None:
        if ruling is None:
            return None
        content = self.files.document(RULING, ruling.ruling_hash)
        if content is not None and keccak(content) != ruling.ruling_hash:
            raise StoreMismatch(f"the stored {RULING} filed under 0x{ruling.ruling_hash.hex()} does not hash to it")
        return FiledRuling(ruling, content.decode() if content is not None else None)

    def _document(self, kind: EntryKind, digest: bytes) -> bytes | None:
        content = self.files.document(FILED_AS[kind], digest)
        if content is not None and keccak(content) != digest:
            raise StoreMismatch(f"the stored {FILED_AS[kind]} filed under 0x{digest.hex()} does not hash to it")
        return content
