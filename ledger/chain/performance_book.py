"""PerformanceBook, spoken to in Python terms: milestones, complaints, the completion evaluation
and acknowledgements of an awarded section's performance (履约).

The only code that knows PerformanceBook's ABI: every call, send and log read of the contract is
a method here, taking and returning model objects.
"""

from __future__ import annotations

from typing import ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain.gateway import Gateway
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.model.performance import Completion, Entry, EntryKind, Ruling
from ledger.model.receipt import Mined

# The function each entry kind is recorded with.
RECORDING: dict[EntryKind, str] = {EntryKind.MILESTONE: "recordMilestone", EntryKind.COMPLAINT: "fileComplaint",
                                   EntryKind.COMPLETION: "recordCompletion"}


class PerformanceBookGateway(Gateway):
    NAME: ClassVar[str] = "PerformanceBook"

    # ------------------------------------------------------------------ reads
    def entry_count(self, tender_id: bytes, section: int) -> int:
        return int(self._call("entryCount", tender_id, section))

    def entry(self, tender_id: bytes, section: int, index: int) -> Entry:
        kind, by, recorded_at, acknowledged_at, document_hash = self._call("entryOf", tender_id, section, index)
        return Entry(index, EntryKind(int(kind)), to_checksum_address(by), int(recorded_at), int(acknowledged_at),
                     bytes(document_hash))

    def entries(self, tender_id: bytes, section: int) -> tuple[Entry, ...]:
        return tuple(self.entry(tender_id, section, i) for i in range(self.entry_count(tender_id, section)))

    def parties(self, tender_id: bytes, section: int) -> tuple[str, str, int]:
        """The section's publishing centre, awarded winner and contract signing time (zeros where
        none yet)."""
        centre, winner, signed_at = self._call("partiesOf", tender_id, section)
        return to_checksum_address(centre), to_checksum_address(winner), int(signed_at)

    def completion(self, tender_id: bytes, section: int) -> Completion | None:
        evaluation_hash, completed_at, winner, index = self._call("completionOf", tender_id, section)
        if not completed_at:
            return None
        return Completion(bytes(evaluation_hash), int(completed_at), to_checksum_address(winner), int(index))

    def ruling(self, tender_id: bytes, section: int, index: int) -> Ruling | None:
        """The supervisor's ruling on complaint `index`, None until ruled."""
        upheld, ruled_at, by, ruling_hash = self._call("rulingOf", tender_id, section, index)
        if not ruled_at:
            return None
        return Ruling(bool(upheld), int(ruled_at), to_checksum_address(by), bytes(ruling_hash))

    def complaint_period(self) -> int:
        """How long after the completion a complaint may still be filed, in seconds."""
        return int(self._call("COMPLAINT_PERIOD"))

    # ------------------------------------------------------------------ writes
    def check(self, sender: str, kind: EntryKind, tender_id: bytes, section: int, document_hash: bytes) -> None:
        """Dry-run recording an entry as `sender`: the contract's own error if it would refuse."""
        self.dry_run(sender, self.calldata(RECORDING[kind], tender_id, section, document_hash))

    def record(self, party: LocalAccount, kind: EntryKind, tender_id: bytes, section: int,
               document_hash: bytes) -> Mined:
        return self._send(party, RECORDING[kind], tender_id, section, document_hash, timestamp=True)

    def acknowledge(self, party: LocalAccount, tender_id: bytes, section: int, index: int) -> Mined:
        return self._send(party, "acknowledge", tender_id, section, index, timestamp=True)

    def rule_complaint(self, supervisor: LocalAccount, tender_id: bytes, section: int, index: int, upheld: bool,
                       ruling_hash: bytes) -> Mined:
        """The supervisor's ruling on complaint `index` (GuaranteeBook's admin sends it)."""
        return self._send(supervisor, "ruleComplaint", tender_id, section, index, upheld, ruling_hash, timestamp=True)

    def check_acknowledge(self, sender: str, tender_id: bytes, section: int, index: int) -> None:
        self.dry_run(sender, self.calldata("acknowledge", tender_id, section, index))

    def decode_signed(self, signed_tx: str) -> RelayedTx:
        """A party's own transaction, decoded and checked to call this PerformanceBook."""
        return decode_signed_tx(self, signed_tx)

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
        """Dry-run the signer's own transaction, then send it (gas topped up by `sponsor`)."""
        return relay(self, relayed, sponsor=sponsor)
