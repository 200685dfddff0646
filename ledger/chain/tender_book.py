"""TenderBook, spoken to in Python terms: tenders, sealed bid commitments, shares, openings, sections.

The only code that knows TenderBook's ABI: every call, send, dry run and log read of the contract
is a method here, taking and returning model objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes

from ledger.chain.gateway import ChainLog, Gateway, block_time, json_arg
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.crypto.bids import BidAuthorisation
from ledger.crypto.shares import Share
from ledger.errors import ValidationFailed
from ledger.model.credential import RegistryEvent
from ledger.model.receipt import Mined
from ledger.model.tender import (
    BidState,
    LoggedVersion,
    OnChainTender,
    Opening,
    Outcome,
    RecordedFailure,
    SectionState,
    SectionStatus,
    TenderHeader,
    TenderTerms,
)
from ledger.rules.selection import selection_code
from ledger.tenders import TenderParams
from ledger.values import fen

ZERO = b"\x00" * 32
DEADLINE_WRITE_GAS = 5_000  # rewriting a tender's header slot (2,900) with room to spare


def terms_of(value: Any) -> TenderTerms:
    """The contract's `TenderParams` struct (a tuple from a call, a dict from a log) as `TenderTerms`."""
    if isinstance(value, dict):
        return TenderTerms(
            doc_hash=bytes(value["docHash"]), params_hash=bytes(value["paramsHash"]),
            section_count=int(value["sectionCount"]), deadline=int(value["deadline"]),
            opening_window=int(value["openingWindow"]), min_valid_bids=int(value["minValidBids"]),
            opening_public=bytes(value["openingPublicKey"]), threshold=int(value["threshold"]),
            share_hashes=tuple(bytes(h) for h in value["shareHashes"]),
            officers=tuple(to_checksum_address(o) for o in value["officers"]),
            selection=int(value["selection"]),
        )
    doc, params, sections, deadline, window, min_valid, selection, public, threshold, hashes, officers = value
    return TenderTerms(bytes(doc), bytes(params), int(sections), int(deadline), int(window), int(min_valid),
                       bytes(public), int(threshold), tuple(bytes(h) for h in hashes),
                       tuple(to_checksum_address(o) for o in officers), int(selection))


def _auth_row(a: BidAuthorisation) -> tuple[Any, ...]:
    return (a.tender_id, a.section, a.commitment, a.bidder, a.nonce, a.expiry, a.signature)


class TenderBookGateway(Gateway):
    NAME = "TenderBook"

    # ------------------------------------------------------------------ reads
    def is_centre(self, account: str) -> bool:
        return bool(self._call("isCentre", to_checksum_address(account)))

    def tender(self, tender_id: bytes) -> OnChainTender:
        centre, version, issued_at, terms = self._call("tenderOf", tender_id)
        return OnChainTender(tender_id, centre, int(version), int(issued_at), terms_of(terms))

    def selection_of(self, tender_id: bytes) -> int:
        """The selection word in force (0 for an unknown tender): what SelectionBook checks a
        decision's basis against."""
        return int(self._call("selectionOf", tender_id))

    def header(self, tender_id: bytes) -> TenderHeader:
        centre, deadline, sections, threshold, released, index = self._call("tenderHeader", tender_id)
        return TenderHeader(tender_id, centre, int(deadline), int(sections), int(threshold), int(released),
                            int(index))

    def tender_at(self, index: int) -> TenderHeader | None:
        """The tender with index `index` (the n-th published), None if no tender has it."""
        if not 0 < index < 2**32:
            return None
        tender_id, centre, deadline, sections, threshold, released = self._call("tenderAt", index)
        if int(centre, 16) == 0:
            return None
        return TenderHeader(bytes(tender_id), centre, int(deadline), int(sections), int(threshold), int(released),
                            index)

    def tender_count(self) -> int:
        """How many tenders have been published (the highest index given)."""
        return int(self._call("tenderCount"))

    def bid(self, tender_id: bytes, section: int, bidder: str) -> BidState:
        commitment, version, opened, outcome, price = self._call("bidOf", tender_id, section,
                                                                 to_checksum_address(bidder))
        return BidState(bytes(commitment), int(version), bool(opened), Outcome(outcome), int(price))

    def section(self, tender_id: bytes, section: int) -> SectionState:
        status, bids, opened, decrypted, valid, evaluations, report = self._call("sectionOf", tender_id, section)
        return SectionState(SectionStatus(status), int(bids), int(opened), int(decrypted), int(valid),
                            int(evaluations), bytes(report))

    def bid_count(self, tender_id: bytes, section: int) -> int:
        return int(self._call("bidCount", tender_id, section))

    def nonce(self, bidder: str) -> int:
        return int(self._call("nonces", to_checksum_address(bidder)))

    def released_shares(self, tender_id: bytes, *, from_block: int = 0) -> list[Share]:
        logs = self.logs(from_block=from_block, event="ShareReleased", topics=[tender_id])
        return [Share.from_bytes(bytes(log.args["share"])) for log in logs]

    def bidders(self, tender_id: bytes, section: int, *, from_block: int = 0) -> set[str]:
        """Every address that ever committed a bid to the section."""
        logs = self.logs(from_block=from_block, event="BidSubmitted", topics=[tender_id])
        return {log.args["bidder"] for log in logs if log.args["section"] == section}

    def uses_of(self, credential_id: bytes) -> list[RegistryEvent]:
        """Every use of a credential, oldest first: one CredentialUsed log per opened bid that
        ticked it (which tender, section and bid key), as the credential's history shows them."""
        if len(credential_id) != 32:
            raise ValidationFailed(f"a credential id is 32 bytes, got {len(credential_id)}")
        out = []
        for log in self.logs(event="CredentialUsed", topics=[None, None, HexBytes(credential_id)]):
            out.append(RegistryEvent(name=log.event, block_number=log.block_number, tx_hash="0x" + log.tx_hash.hex(),
                                     time=block_time(self.client.block_timestamp(log.block_number)),
                                     args={k: json_arg(v) for k, v in log.args.items()}))
        return out

    def credential_uses(self, tender_id: bytes, *, from_block: int = 0) -> list[ChainLog]:
        """Every CredentialUsed log of the tender: one per credential a decrypted bid ticked."""
        return self.logs(from_block=from_block, event="CredentialUsed", topics=[tender_id])

    def logged_versions(self, tender_id: bytes) -> list[LoggedVersion]:
        """Every version of the tender as its TenderPublished and TenderAmended events logged it."""
        out = []
        for log in self.logs(event="TenderPublished", topics=[tender_id]):
            terms = terms_of(log.args["params"])
            out.append(LoggedVersion(int(log.args["version"]), terms.params_hash, terms.doc_hash, terms.deadline,
                                     None, log.tx_hash))
        for log in self.logs(event="TenderAmended", topics=[tender_id]):
            a = log.args
            out.append(LoggedVersion(int(a["version"]), bytes(a["paramsHash"]), bytes(a["docHash"]), int(a["deadline"]),
                                     bytes(a["reasonHash"]), log.tx_hash))
        return sorted(out, key=lambda v: v.version)

    def used_credentials(self, tender_id: bytes, section: int) -> dict[str, list[bytes]]:
        """The credentials each opened bid of the section revealed, by bidder (sorted), as logged."""
        out: dict[str, list[bytes]] = {}
        for log in self.credential_uses(tender_id):
            if int(log.args["section"]) == section:
                out.setdefault(to_checksum_address(log.args["bidder"]), []).append(bytes(log.args["credentialId"]))
        return {bidder: sorted(ids) for bidder, ids in out.items()}

    def failed_opening(self, tender_id: bytes, section: int, bidder: str) -> RecordedFailure | None:
        """The failed opening recorded for the bid (its DecryptionFailed log), or None."""
        bidder = to_checksum_address(bidder)
        for log in reversed(self.logs(event="DecryptionFailed", topics=[tender_id])):
            if int(log.args["section"]) == section and log.args["bidder"] == bidder:
                return RecordedFailure(tender_id, section, bidder, Outcome(int(log.args["outcome"])),
                                       bytes(log.args["ciphertextHash"]), bytes(log.args["credSetCommitment"]),
                                       log.block_number)
        return None

    def events(self, *, from_block: int = 0, to_block: int | str = "latest") -> list[ChainLog]:
        return self.logs(from_block=from_block, to_block=to_block)

    # ------------------------------------------------------------------ the admin and the centre
    def authorise_centre(self, admin: LocalAccount, centre: str) -> Mined:
        return self._send(admin, "authoriseCentre", to_checksum_address(centre))

    def publish_tender(self, centre: LocalAccount, tender_id: bytes, terms: TenderTerms) -> Mined:
        """Publish; the block time of the transaction is the tender's issue time."""
        return self._send(centre, "publishTender", tender_id, terms.as_struct(), timestamp=True)

    def check_publish(self, centre: str, tender_id: bytes, terms: TenderTerms) -> None:
        """Raise the contract's error (BidPeriodTooShort, TenderExists, …) if publishing would
        revert now; nothing is mined."""
        self.dry_run(centre, self.calldata("publishTender", tender_id, terms.as_struct()))

    @staticmethod
    def _amend_args(params: TenderParams, doc_hash: bytes, reason: str) -> tuple[Any, ...]:
        return (params.tender_id(), doc_hash, params.params_hash(), selection_code(params.selection),
                int(params.deadline.timestamp()), keccak(reason.encode()))

    def amend_tender(self, centre: LocalAccount, params: TenderParams, doc_hash: bytes, reason: str) -> Mined:
        """A new version with the deadline `params` asks for, or a later one: the contract postpones
        it when the amendment comes less than MIN_AMENDMENT_NOTICE before it (TenderAmended says so).

        Whether it postpones depends on the block time, so an estimate made a moment before the
        15-day boundary may leave out the deadline write a block just after it needs: the gas
        sent is the estimate plus that write."""
        args = self._amend_args(params, doc_hash, reason)
        unsigned = {"to": self.address, "data": self.calldata("amendTender", *args)}
        estimate = int(self.client.build(centre.address, unsigned)["gas"])
        return self._send(centre, "amendTender", *args, gas=estimate + DEADLINE_WRITE_GAS)

    def check_amend(self, centre: str, params: TenderParams, doc_hash: bytes, reason: str) -> None:
        """Raise the contract's error (DeadlinePassed, DeadlineBroughtForward, …) if the amendment
        would revert now; nothing is mined."""
        self.dry_run(centre, self.calldata("amendTender", *self._amend_args(params, doc_hash, reason)))

    @staticmethod
    def _opening_args(tender_id: bytes, opening: Opening) -> tuple[Any, ...]:
        if opening.outcome is Outcome.DECRYPTED:
            assert opening.package is not None
            return (tender_id, opening.section, opening.bidder, int(opening.outcome), opening.envelope_hash,
                    bytes(opening.package.salt), opening.credential_ids, fen(opening.package.price))
        # A failure carries the ciphertext hash and the credential-set commitment, which the contract
        # checks against the bid's commitment (both 0 for a 撤回 where no committed ciphertext is held).
        return (tender_id, opening.section, opening.bidder, int(opening.outcome), opening.envelope_hash or ZERO,
                opening.credential_set_commitment or ZERO, [], 0)

    def record_opening(self, centre: LocalAccount, tender_id: bytes, opening: Opening) -> Mined:
        """Record the attempt; a decrypted bid logs every credential it used."""
        return self._send(centre, "recordOpening", *self._opening_args(tender_id, opening))

    def check_opening(self, centre: str, tender_id: bytes, opening: Opening) -> None:
        """Raise the contract's error if recording `opening` would revert; nothing is mined."""
        self.dry_run(centre, self.calldata("recordOpening", *self._opening_args(tender_id, opening)))

    def close_section(self, centre: LocalAccount, tender_id: bytes, section: int, valid_bids: int) -> SectionStatus:
        self._send(centre, "closeSection", tender_id, section, valid_bids)
        return self.section(tender_id, section).status

    def publish_evaluation(self, centre: LocalAccount, tender_id: bytes, section: int, report: bytes) -> Mined:
        return self._send(centre, "publishEvaluation", tender_id, section, keccak(report))

    # ------------------------------------------------------------------ bidders and officers
    def submit_bid(self, bidder: LocalAccount, tender_id: bytes, section: int, commitment: bytes) -> Mined:
        return self._send(bidder, "submitBid", tender_id, section, commitment)

    def withdraw_bid(self, bidder: LocalAccount, tender_id: bytes, section: int) -> Mined:
        return self._send(bidder, "withdrawBid", tender_id, section)

    def release_share(self, officer: LocalAccount, tender_id: bytes, share: Share) -> Mined:
        return self._send(officer, "releaseShare", tender_id, share.to_bytes())

    def relay_bids(self, relayer: LocalAccount, auths: Sequence[BidAuthorisation]) -> Mined:
        """Many bidder-signed bids in one transaction (all or none)."""
        return self._send(relayer, "submitBidsBySig", [_auth_row(a) for a in auths])

    def dry_run_bids(self, relayer: str, auths: Sequence[BidAuthorisation]) -> None:
        """Raise the contract's error if relaying `auths` would revert; nothing is mined."""
        self.dry_run(relayer, self.calldata("submitBidsBySig", [_auth_row(a) for a in auths]))

    # ------------------------------------------------------------------ relaying parties' own transactions
    def decode_signed(self, signed_tx: str) -> RelayedTx:
        """A transaction signed by its party (a bidder's withdrawBid, an officer's releaseShare),
        decoded and checked to call this TenderBook."""
        return decode_signed_tx(self, signed_tx)

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
        """Dry-run as its signer, then send; one that would revert is never mined. With `sponsor`,
        the signer's gas is topped up first (an officer's or a bid key's own step needs no funds)."""
        return relay(self, relayed, sponsor=sponsor)

    # ------------------------------------------------------------------ unsigned, for a party to sign
    def publish_calldata(self, tender_id: bytes, terms: TenderTerms) -> bytes:
        return self.calldata("publishTender", tender_id, terms.as_struct())

    def relay_bids_calldata(self, auths: Sequence[BidAuthorisation]) -> bytes:
        return self.calldata("submitBidsBySig", [_auth_row(a) for a in auths])

    def opening_calldata(self, tender_id: bytes, opening: Opening) -> bytes:
        return self.calldata("recordOpening", *self._opening_args(tender_id, opening))

    def close_calldata(self, tender_id: bytes, section: int, valid_bids: int) -> bytes:
        return self.calldata("closeSection", tender_id, section, valid_bids)

    def withdraw_calldata(self, tender_id: bytes, section: int) -> bytes:
        return self.calldata("withdrawBid", tender_id, section)

    def release_share_calldata(self, tender_id: bytes, share: Share) -> bytes:
        return self.calldata("releaseShare", tender_id, share.to_bytes())


def _offline() -> Any:
    from web3 import Web3

    from ledger.chain.contracts import load_artifact

    return Web3().eth.contract(abi=load_artifact("TenderBook")["abi"])


def withdraw_call(tender_id: bytes, section: int) -> bytes:
    """Calldata of `withdrawBid`, for a bidder to sign into its own transaction (no connection needed)."""
    return bytes.fromhex(_offline().encode_abi("withdrawBid", args=[tender_id, section])[2:])


def release_share_call(tender_id: bytes, share: bytes) -> bytes:
    """Calldata of `releaseShare`, for an officer to sign into its own transaction."""
    return bytes.fromhex(_offline().encode_abi("releaseShare", args=[tender_id, share])[2:])
