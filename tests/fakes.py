"""In-memory fakes of the ports and gateways the use cases stand on, for the fast tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.model.receipt import UnsignedTx
from ledger.model.tender import Outcome
from ledger.values import fen


# ---------------------------------------------------------------------- TenderBook


class FakeTenderBook:
    """An in-memory stand-in for `TenderBookGateway`'s bid relay: refuses the bids it is told to."""

    def __init__(self, refuse: set[bytes] | None = None) -> None:
        self.refuse = set(refuse or ())  # commitments whose relay reverts
        self.relayed: list[list[Any]] = []  # each relayed batch, in order
        self.dry_runs: list[list[Any]] = []

    def _check(self, auths: Sequence[Any]) -> None:
        from ledger.errors import ContractRevert

        for a in auths:
            if a.commitment in self.refuse:
                raise ContractRevert("BadSignature", {}, "the bid's signature does not recover to its bidder")

    def relay_bids(self, relayer: Any, auths: Sequence[Any]) -> Any:
        from ledger.model.receipt import Mined

        self._check(auths)
        self.relayed.append(list(auths))
        n = len(self.relayed)
        return Mined(n.to_bytes(32, "big"), n)

    def dry_run_bids(self, relayer: str, auths: Sequence[Any]) -> None:
        self.dry_runs.append(list(auths))
        self._check(auths)


# ---------------------------------------------------------------------- CredentialRegistry


class FakeRegistry:
    """An in-memory CredentialRegistry behind the `RegistryChain` port: anchors, status changes, admin.

    A "signed transaction" is a token `sign` hands out for a (sender, function, args) triple;
    `relay` applies it as the contract would (the checks the service relies on it for included).
    """

    def __init__(self, admin: str, now: int = 1_700_000_000) -> None:
        from ledger.model.credential import Anchor, StatusAt

        self.admin_address = admin
        self.clock = now
        self.block = 0
        self.anchors: dict[bytes, Anchor] = {}
        self.changes: dict[tuple[bytes, bytes], list[tuple[int, StatusAt]]] = {}
        self.successors: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
        self.revoked_at: dict[tuple[bytes, int], tuple[int, int]] = {}  # (root, position) -> (time, reason)
        self.granted: dict[tuple[str, int], bool] = {}
        self.log: list[Any] = []  # RegistryEvent, in order
        self.relayed: list[Any] = []
        self._signed: dict[str, Any] = {}
        self.unreadable = False  # reads raise, as a node that does not answer

    # the parties' side
    def sign(self, sender: str, function: str, **args: Any) -> str:
        from ledger.chain.relay import RelayedTx

        token = f"0x{len(self._signed):04x}"
        self._signed[token] = RelayedTx(raw=token.encode(), sender=sender, to="0xregistry", data=b"",
                                        function=function, args=args)
        return token

    # RegistryChain
    def decode_signed(self, signed_tx: str) -> Any:
        from ledger.errors import ValidationFailed

        try:
            return self._signed[signed_tx]
        except KeyError:
            raise ValidationFailed("signed_tx is not a signed EIP-1559 transaction") from None

    def relay(self, relayed: Any, *, sponsor: Any = None) -> Any:
        from datetime import UTC, datetime

        from ledger.errors import Conflict, Unauthorised
        from ledger.model.credential import Anchor, ReasonCode, RegistryEvent, Status, StatusAt
        from ledger.model.receipt import Mined

        a, sender, name = relayed.args, relayed.sender, relayed.function
        self.block += 1
        self.clock += 1
        event: tuple[str, dict[str, Any]]
        if name in ("authoriseIssuer", "withdrawIssuer"):
            self.granted[(a["issuer"], a["kind"])] = name == "authoriseIssuer"
            event = ("IssuerAuthorised" if name == "authoriseIssuer" else "IssuerWithdrawn",
                     {"issuer": a["issuer"], "kind": a["kind"]})
        elif name == "anchor_wU2":
            if not self.granted.get((sender, a["kind"])):
                raise Unauthorised("NotAuthorised", {}, f"{sender} may not anchor kind {a['kind']}")
            if a["root"] in self.anchors:
                raise Conflict("AlreadyAnchored", {}, "root anchored already")
            self.anchors[a["root"]] = Anchor(sender, a["kind"], self.clock)
            event = ("Anchored", {"root": _hex(a["root"]), "issuer": sender, "kind": a["kind"]})
        elif name == "revokeAt_Fni":
            from ledger.chain.registry_state import REGION

            anchor = self.anchors.get(a["root"])
            if anchor is None or anchor.issuer != sender:
                raise Unauthorised("NotIssuerOf", {}, f"{sender} did not anchor the root")
            positions = list(a["positions"])
            if not positions or positions != sorted(set(positions)) or positions[0] <= 0:
                from ledger.errors import InvalidArgument

                raise InvalidArgument("InvalidPosition", {}, "positions must be ascending, from 1")
            if any((a["root"], p) in self.revoked_at for p in positions):
                raise Conflict("AlreadyRevokedAt", {}, "a position is revoked already")
            for p in positions:
                self.revoked_at[(a["root"], p)] = (self.clock, int(a["reason"]))
            words: dict[int, int] = {}  # one RevokedAt per region, as the contract logs them
            for p in positions:
                words[p // REGION] = words.get(p // REGION, (self.clock << REGION) | (int(a["reason"]) << 240)) \
                    | 1 << (p % REGION)
            *earlier, last = ({"root": _hex(a["root"]), "region": region, "word": word}
                              for region, word in words.items())
            for args in earlier:
                self.log.append(RegistryEvent("RevokedAt", self.block, "0x" + self.block.to_bytes(32, "big").hex(),
                                              datetime.fromtimestamp(self.clock, UTC), args))
            event = ("RevokedAt", last)
        else:
            key = (a.get("root", a.get("oldRoot")), a.get("credentialId", a.get("oldId")))
            status = {"revoke": Status.REVOKED, "suspend": Status.SUSPENDED, "reinstate": Status.VALID,
                      "supersede": Status.SUPERSEDED}[name]
            reason = a.get("reason", ReasonCode.NONE)
            self.changes.setdefault(key, []).append((self.clock, StatusAt(status, reason)))
            if name == "supersede":
                self.successors[key] = (a["newRoot"], a["newId"])
            event = ({"revoke": "Revoked", "suspend": "Suspended", "reinstate": "Reinstated",
                      "supersede": "Superseded"}[name],
                     {"root": _hex(key[0]), "credentialId": _hex(key[1])}
                     | ({"reason": int(reason)} if name in ("revoke", "suspend") else {}))
        mined = Mined(self.block.to_bytes(32, "big"), self.block, 21_000, self.clock)
        self.log.append(RegistryEvent(event[0], self.block, mined.tx_hex, datetime.fromtimestamp(self.clock, UTC),
                                      event[1]))
        self.relayed.append(relayed)
        return mined

    def admin(self) -> str:
        return self.admin_address

    def now(self) -> int:
        return self.clock

    def prepare_anchor(self, issuer_address: str, root: bytes, kind: Any) -> UnsignedTx:
        return UnsignedTx(sender=issuer_address, to="0x" + "00" * 20, data=root + bytes([int(kind)]), gas=0,
                          max_fee_per_gas=0, max_priority_fee_per_gas=0, nonce=0, chain_id=1337)

    def prepare_revoke_positions(self, issuer_address: str, root: bytes, positions: Sequence[int],
                                 reason: Any) -> UnsignedTx:
        data = root + b"".join(p.to_bytes(8, "big") for p in positions) + int(reason).to_bytes(2, "big")
        return UnsignedTx(sender=issuer_address, to="0x" + "00" * 20, data=data, gas=0,
                          max_fee_per_gas=0, max_priority_fee_per_gas=0, nonce=0, chain_id=1337)

    def revocation_at(self, root: bytes, position: int) -> tuple[int, int]:
        return self.revoked_at.get((root, position), (0, 0))

    # RegistryReads
    def anchor_of(self, root: bytes) -> Any:
        if self.unreadable:
            raise OSError("the node does not answer")
        return self.anchors.get(root)

    def status_at(self, root: bytes, credential_id: bytes, proof: Sequence[bytes], at: int) -> Any:
        from ledger.crypto.merkle import verify_proof
        from ledger.model.credential import ReasonCode, Status, StatusAt

        if self.unreadable:
            raise OSError("the node does not answer")
        anchor = self.anchors.get(root)
        if anchor is None or anchor.anchored_at > at or not verify_proof(root, credential_id, list(proof)):
            return StatusAt(Status.NOT_ANCHORED, ReasonCode.NONE)
        from ledger.crypto.merkle import position_of

        when_revoked, why = self.revoked_at.get((root, position_of(credential_id, list(proof))), (0, 0))
        if when_revoked and when_revoked <= at:
            return StatusAt(Status.REVOKED, ReasonCode(why))
        found = StatusAt(Status.VALID, ReasonCode.NONE)
        for when, change in self.changes.get((root, credential_id), []):
            if when <= at:
                found = change
        return found

    def statuses_in(self, root: bytes, members: Sequence[tuple[bytes, Sequence[bytes]]], at: int) -> list[Any]:
        return [self.status_at(root, cid, proof, at) for cid, proof in members]

    def successor_of(self, root: bytes, credential_id: bytes) -> tuple[bytes, bytes] | None:
        return self.successors.get((root, credential_id))

    def events_about(self, root: bytes, credential_id: bytes, proof: Sequence[bytes] = ()) -> list[Any]:
        from ledger.chain.registry_state import revoked_in_word
        from ledger.crypto.merkle import position_of

        r, cid, position = _hex(root), _hex(credential_id), position_of(credential_id, list(proof))
        return [e for e in self.log if e.args.get("root") == r
                and (e.name == "Anchored" or e.args.get("credentialId") == cid
                     or (e.name == "RevokedAt" and position in revoked_in_word(e.args["region"], e.args["word"])[0]))]

    def issuer_grants(self) -> list[Any]:
        from ledger.model.credential import IssuerGrant

        grants: dict[tuple[str, int], Any] = {}
        for e in self.log:
            if e.name in ("IssuerAuthorised", "IssuerWithdrawn"):
                key = (e.args["issuer"], e.args["kind"])
                grants[key] = IssuerGrant(key[0], key[1], e.name == "IssuerAuthorised", e.time)
        return list(grants.values())


class FakeCredentialFiles:
    """The store side of the credential use cases (`CredentialFiles`), in memory: filed batches are
    projected into credentials when `catch_up` reads the registry's Anchored events."""

    def __init__(self, registry: FakeRegistry) -> None:
        self.registry = registry
        self.filed: dict[bytes, list[Any]] = {}  # root -> sealed credentials
        self.credentials: dict[bytes, Any] = {}  # id -> StoredCredential
        self.reserved: dict[bytes, bytes] = {}  # id -> root of the anchor in flight holding it
        self.events: list[Any] = []

    def catch_up(self) -> None:
        from ledger.crypto.merkle import MerkleTree
        from ledger.model.credential import StoredCredential

        for e in self.registry.log[len(self.events):]:
            self.events.append(e)
            root = bytes.fromhex(e.args["root"][2:]) if e.name == "Anchored" else None
            if root is None or root not in self.filed:
                continue
            sealed = self.filed[root]
            tree = MerkleTree.build([s.credential_id() for s in sealed])
            for s in sealed:
                cid = s.credential_id()
                self.credentials.setdefault(cid, StoredCredential(
                    credential_id=cid, root=root, kind=s.document.kind, issuer=e.args["issuer"],
                    subject=str(s.document.subject), signing_address=getattr(s.document, "signing_address", None),
                    proof=tuple(tree.proof(cid)), sealed=s, tx_hash=bytes.fromhex(e.tx_hash[2:]),
                    block_number=e.block_number, anchored_at=int(e.time.timestamp())))

    def file_batch(self, root: bytes, ids: Sequence[bytes], documents: Sequence[Any]) -> None:
        self.filed[root] = list(documents)

    def known(self, credential_ids: Sequence[bytes]) -> list[bytes]:
        return [i for i in credential_ids if i in self.credentials]

    def reserve(self, root: bytes, ids: Sequence[bytes]) -> list[bytes]:
        held = [i for i in ids if i in self.reserved]
        if not held:
            self.reserved.update(dict.fromkeys(ids, root))
        return held

    def release(self, root: bytes, ids: Sequence[bytes]) -> None:
        for i in ids:
            if self.reserved.get(i) == root:
                del self.reserved[i]

    # CredentialLookup
    def credential(self, credential_id: bytes) -> Any:
        return self.credentials.get(credential_id)

    def check_complete(self) -> None:
        pass

    def identities_bound_to(self, address: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials.values() if c.kind is Kind.IDENTITY and c.signing_address == address]

    def credit_records_of(self, uscc: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials.values() if c.kind is Kind.CREDIT and c.subject == uscc]

    def identities_of(self, uscc: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials.values() if c.kind is Kind.IDENTITY and c.subject == uscc]

    def of_subject(self, uscc: str) -> Sequence[Any]:
        return sorted((c for c in self.credentials.values() if c.subject == uscc),
                      key=lambda c: -c.block_number)

    def of_issuer(self, issuer: str, *, query: str = "", offset: int = 0, limit: int = 50) -> tuple[Sequence[Any], int]:
        found = [c for c in self.credentials.values() if c.issuer == issuer]
        return found[offset:offset + limit], len(found)


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


# ---------------------------------------------------------------------- tender use cases


class FakeTenderChain:
    """An in-memory TenderBook behind the `TenderChain` port: centres, bids, shares, openings, sections."""

    address = "0x" + "ab" * 20

    def __init__(self, centre: str) -> None:
        from ledger.model.tender import SectionStatus

        self.centres = {centre}
        self.bids: dict[tuple[bytes, int, str], Any] = {}  # BidState
        self.shares: dict[bytes, list[Any]] = {}
        self.recorded: list[tuple[bytes, Any]] = []  # (tender id, Opening)
        self.status: dict[tuple[bytes, int], SectionStatus] = {}
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self.tenders: dict[bytes, Any] = {}  # OnChainTender
        self.valid: dict[tuple[bytes, int], int] = {}  # valid bids each closed section was closed with

    def publish(self, stored: Any) -> None:
        """Hold `stored` (a StoredTender) as published: `tender` then answers what the chain would."""
        from eth_utils import keccak

        from ledger.model.tender import OnChainTender, TenderTerms
        from ledger.rules.selection import selection_code

        t = stored.tender
        terms = TenderTerms(keccak(stored.document), t.params.params_hash(), len(t.params.sections), t.deadline,
                            t.params.opening_window_s, t.params.min_valid_bids, t.opening_public, t.threshold,
                            t.share_hashes, t.officers, selection_code(t.params.selection))
        self.tenders[t.tender_id] = OnChainTender(t.tender_id, next(iter(self.centres)), stored.version, 0, terms)

    def tender(self, tender_id: bytes) -> Any:
        from ledger.model.tender import OnChainTender, TenderTerms

        zero = "0x" + "00" * 20
        return self.tenders.get(tender_id) or OnChainTender(
            tender_id, zero, 0, 0, TenderTerms(b"\x00" * 32, b"\x00" * 32, 0, 0, 0, 0, b"", 0, (), (), 0))

    def _mined(self, name: str, *args: Any) -> Any:
        from ledger.model.receipt import Mined

        self.sent.append((name, args))
        return Mined(len(self.sent).to_bytes(32, "big"), len(self.sent))

    def commit(self, tender_id: bytes, section: int, bidder: str, commitment: bytes) -> None:
        from ledger.model.tender import BidState, Outcome

        self.bids[(tender_id, section, bidder)] = BidState(commitment, 1, False, Outcome.DECRYPTED)

    def is_centre(self, account: str) -> bool:
        return account in self.centres

    def bid(self, tender_id: bytes, section: int, bidder: str) -> Any:
        from ledger.model.tender import BidState, Outcome

        return self.bids.get((tender_id, section, bidder), BidState(b"\x00" * 32, 0, False, Outcome.DECRYPTED))

    def section(self, tender_id: bytes, section: int) -> Any:
        from ledger.model.tender import SectionState, SectionStatus

        return SectionState(self.status.get((tender_id, section), SectionStatus.PENDING), 0, 0, 0,
                            self.valid.get((tender_id, section), 0), 0, b"")

    def bidders(self, tender_id: bytes, section: int) -> set[str]:
        return {b for (t, s, b) in self.bids if t == tender_id and s == section}

    def released_shares(self, tender_id: bytes) -> list[Any]:
        return list(self.shares.get(tender_id, []))

    def check_opening(self, centre: str, tender_id: bytes, opening: Any) -> None:
        pass

    def record_opening(self, centre: Any, tender_id: bytes, opening: Any) -> Any:
        from dataclasses import replace

        from ledger.errors import ContractRevert

        live = sum(1 for (t, sec, _), b in self.bids.items() if (t, sec) == (tender_id, opening.section) and b.live)
        if live < 3:  # TenderBook opens nothing in a section below its minimum (TooFewBids)
            raise ContractRevert("TooFewBids", {"bids": live, "minValidBids": 3})
        self.recorded.append((tender_id, opening))
        key = (tender_id, opening.section, opening.bidder)
        price = fen(opening.package.price) if opening.package is not None and opening.outcome is Outcome.DECRYPTED else 0
        self.bids[key] = replace(self.bids[key], opened=True, outcome=opening.outcome, price_fen=price)
        return self._mined("recordOpening", tender_id, opening.bidder)

    def used_credentials(self, tender_id: bytes, section: int) -> dict[str, list[bytes]]:
        return {o.bidder: sorted(o.credential_ids) for t, o in self.recorded
                if t == tender_id and o.section == section and o.credential_ids}
    def failed_opening(self, tender_id: bytes, section: int, bidder: str) -> Any:
        from ledger.model.tender import Outcome, RecordedFailure

        for tid, o in reversed(self.recorded):
            if (tid, o.section, o.bidder) == (tender_id, section, bidder) and o.outcome is not Outcome.DECRYPTED:
                return RecordedFailure(tid, section, bidder, o.outcome, o.envelope_hash or b"\x00" * 32,
                                       o.credential_set_commitment or b"\x00" * 32, 0)
        return None

    def close_section(self, centre: Any, tender_id: bytes, section: int, valid_bids: int) -> Any:
        from ledger.model.tender import SectionStatus

        self._mined("closeSection", tender_id, section, valid_bids)
        self.valid[(tender_id, section)] = valid_bids
        self.status[(tender_id, section)] = SectionStatus.CLOSED if valid_bids >= 3 else SectionStatus.FAILED
        return self.status[(tender_id, section)]

    def publish_evaluation(self, centre: Any, tender_id: bytes, section: int, report: bytes) -> Any:
        from ledger.model.tender import SectionStatus

        self.status[(tender_id, section)] = SectionStatus.EVALUATED
        return self._mined("publishEvaluation", tender_id, section)


class FakeTenderRecords:
    """The `TenderRecords` port in memory: filed documents, and opened bids projected from the fake
    chain's recorded openings plus the filed reports when `catch_up` runs."""

    def __init__(self, chain: FakeTenderChain) -> None:
        self.chain = chain
        self.tenders: dict[bytes, Any] = {}  # StoredTender
        self.envelopes: dict[bytes, bytes] = {}  # by commitment
        self.receipts: dict[bytes, bytes] = {}  # the centre's receipts of the envelopes, by commitment
        self.cred_sets: dict[bytes, bytes] = {}  # credential-set commitments, by commitment
        self.reports: dict[bytes, tuple[str, str | None, Any]] = {}  # by commitment
        self.opened: dict[tuple[bytes, int], dict[str, Any]] = {}
        self.catch_ups = 0

    def stored_tender(self, tender_id: bytes) -> Any:
        return self.tenders.get(tender_id)

    def versions(self, tender_id: bytes) -> Sequence[Any]:
        return []

    def openings(self, tender_id: bytes, section: int) -> Sequence[Any]:
        found = self.opened.get((tender_id, section), {})
        return [found[b] for b in sorted(found)]

    def envelope(self, tender_id: bytes, section: int, bidder: str, commitment: bytes) -> Any:
        from ledger.crypto.sealing import ciphertext_hash
        from ledger.model.tender import StoredBid

        env = self.envelopes.get(commitment)
        if env is None:
            return None
        return StoredBid(tender_id, section, bidder, commitment, 0, env, ciphertext_hash(env), None,
                         credential_set_commitment=self.cred_sets.get(commitment))

    def file_tender(self, params: Any, document: bytes, *, reason: str | None = None) -> None:
        pass

    def file_envelope(self, commitment: bytes, envelope: bytes, credential_set_commitment: bytes, *,
                      receipt: bytes) -> None:
        self.envelopes[commitment] = envelope
        self.cred_sets[commitment] = credential_set_commitment
        self.receipts[commitment] = receipt

    def receipt(self, commitment: bytes) -> bytes | None:
        return self.receipts.get(commitment)

    def file_opening(self, commitment: bytes, *, reason: str, price: str | None, eligibility: Any,
                     receipt: bytes) -> None:
        self.reports[commitment] = (reason, price, eligibility)
        self.receipts[b"opening" + commitment] = receipt

    def opening_receipt(self, commitment: bytes) -> bytes | None:
        return self.receipts.get(b"opening" + commitment)

    def catch_up(self) -> None:
        from ledger.model.tender import OpenedBid

        self.catch_ups += 1
        for tender_id, o in self.chain.recorded:
            commitment = self.chain.bid(tender_id, o.section, o.bidder).commitment
            reason, price, eligibility = self.reports.get(commitment, ("", None, None))
            self.opened.setdefault((tender_id, o.section), {})[o.bidder] = OpenedBid(
                o.bidder, o.outcome, reason, price, tuple(o.credential_ids), eligibility)


class FakeCredentialLookup:
    """The `CredentialLookup` port over a list of stored credentials."""

    def __init__(self, credentials: Sequence[Any] = ()) -> None:
        self.credentials = list(credentials)

    def credential(self, credential_id: bytes) -> Any:
        return next((c for c in self.credentials if c.credential_id == credential_id), None)

    def check_complete(self) -> None:
        pass

    def identities_bound_to(self, address: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials if c.kind is Kind.IDENTITY and c.signing_address == address]

    def credit_records_of(self, uscc: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials if c.kind is Kind.CREDIT and c.subject == uscc]

    def identities_of(self, uscc: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials if c.kind is Kind.IDENTITY and c.subject == uscc]

    def of_subject(self, uscc: str) -> Sequence[Any]:
        return [c for c in self.credentials if c.subject == uscc]

    def of_issuer(self, issuer: str, *, query: str = "", offset: int = 0, limit: int = 50) -> tuple[Sequence[Any], int]:
        found = [c for c in self.credentials if c.issuer == issuer]
        return found[offset:offset + limit], len(found)


class FakeStatusReads:
    """Registry reads where every credential in `valid` is VALID and everything else is not anchored;
    a credential in `revoked_at` is REVOKED from that instant on."""

    def __init__(self, valid: set[bytes] | None = None) -> None:
        self.valid = set(valid or ())
        self.revoked_at: dict[bytes, int] = {}

    def anchor_of(self, root: bytes) -> Any:
        return None

    def status_at(self, root: bytes, credential_id: bytes, proof: Sequence[bytes], at: int) -> Any:
        from ledger.model.credential import ReasonCode, Status, StatusAt

        if credential_id in self.revoked_at and at >= self.revoked_at[credential_id]:
            return StatusAt(Status.REVOKED, ReasonCode.NONE)
        status = Status.VALID if credential_id in self.valid else Status.NOT_ANCHORED
        return StatusAt(status, ReasonCode.NONE)

    def statuses_in(self, root: bytes, members: Sequence[tuple[bytes, Sequence[bytes]]], at: int) -> list[Any]:
        return [self.status_at(root, cid, proof, at) for cid, proof in members]

    def successor_of(self, root: bytes, credential_id: bytes) -> Any:
        return None


# ---------------------------------------------------------------------- GuaranteeBook and the guarantee records


class FakeAwards:
    """SelectionBook's awarded winners (`winner_of`), as the guarantee award reads them."""

    def __init__(self, winners: dict[tuple[bytes, int], str] | None = None) -> None:
        self.winners = dict(winners or {})

    def winner_of(self, tender_id: bytes, section: int) -> str | None:
        return self.winners.get((tender_id, section))


class FakeGuaranteeBook:
    """GuaranteeBook in memory: issuers, applications relayed from fake signed transactions,
    bindings, and claims the chain allows only for a recorded cause (`causes`)."""

    chain_id = 1
    address = "0x" + "11" * 20

    def __init__(self, admin: str, now: int = 1_700_000_000) -> None:
        self._admin, self.clock = admin, now
        self.types: dict[str, list[Any]] = {}
        self.guarantees: dict[bytes, Any] = {}
        self.bound: dict[tuple[bytes, int, str], bytes] = {}
        self.causes: set[tuple[bytes, int]] = set()  # (guarantee id, ClaimCause) the chain records
        self.claims: list[tuple[bytes, Any, bytes]] = []
        self._signed: dict[str, Any] = {}

    def sign(self, sender: str, function: str, **args: Any) -> str:
        from ledger.chain.relay import RelayedTx

        token = f"0x{len(self._signed):04x}"
        self._signed[token] = RelayedTx(raw=token.encode(), sender=sender, to=self.address, data=b"",
                                        function=function, args=args)
        return token

    def _mined(self) -> Any:
        from ledger.model.receipt import Mined

        return Mined(bytes(32), 1, 21_000, self.clock)

    def now(self) -> int:
        return self.clock

    def admin(self) -> str:
        return self._admin

    def issuer_types(self, issuer: str) -> list[Any]:
        return self.types.get(issuer, [])

    def ever_authorised(self) -> list[str]:
        return list(self.types)

    def prepare_apply(self, application: Any) -> dict[str, Any]:
        return {"to": self.address, "from": application.applicant, "data": b"\x01"}

    def decode_signed(self, signed_tx: str) -> Any:
        from ledger.errors import ValidationFailed

        try:
            return self._signed[signed_tx]
        except KeyError:
            raise ValidationFailed("signed_tx is not a signed EIP-1559 transaction") from None

    def relay(self, relayed: Any, *, sponsor: Any = None) -> Any:
        from ledger.errors import Conflict
        from ledger.model.guarantee import Form, Guarantee, State

        a = relayed.args
        if relayed.function == "applyFor":
            gid = bytes(a["guaranteeId"])
            if gid in self.guarantees:
                raise Conflict("AlreadyApplied", {"guaranteeId": gid}, "a guarantee per bid")
            self.guarantees[gid] = Guarantee(gid, State.APPLIED, bytes(a["tenderId"]), int(a["section"]),
                                             relayed.sender, a["issuer"], 0, Form.PLAINTEXT, int(a["amount"]), 0, 0,
                                             False, bytes(32), bytes(32))
        return self._mined()

    def guarantee_of(self, guarantee_id: bytes) -> Any:
        from ledger.model.guarantee import Form, Guarantee, State

        return self.guarantees.get(guarantee_id) or Guarantee(
            guarantee_id, State.NONE, bytes(32), 0, "0x" + "00" * 20, "0x" + "00" * 20, 0, Form.PLAINTEXT, 0, 0, 0,
            False, bytes(32), bytes(32))

    def known_guarantee(self, guarantee_id: bytes) -> Any:
        from ledger.errors import NotFound
        from ledger.model.guarantee import State

        g = self.guarantee_of(guarantee_id)
        if g.state is State.NONE:
            raise NotFound("UnknownGuarantee", {"guaranteeId": guarantee_id}, f"no guarantee 0x{guarantee_id.hex()}")
        return g

    def guarantee_of_bid(self, tender_id: bytes, section: int, bidder: str) -> bytes | None:
        return self.bound.get((tender_id, section, bidder))

    def claim(self, centre: Any, guarantee_id: bytes, cause: Any, evidence_hash: bytes) -> Any:
        from ledger.errors import Conflict

        if (guarantee_id, int(cause)) not in self.causes:
            raise Conflict("CauseNotRecorded", {"guaranteeId": guarantee_id, "cause": int(cause)},
                           f"the chain records no {cause.name} for this guarantee")
        self.claims.append((guarantee_id, cause, evidence_hash))
        return self._mined()


class FakeGuaranteeRecords:
    """The GuaranteeRecords port in memory: filed documents by kind, letters, profiles."""

    def __init__(self) -> None:
        self.filed: list[tuple[str, Any]] = []
        self.letters: dict[tuple[bytes, int, str], Any] = {}
        self.profiles_: dict[str, Any] = {}
        self.caught_up = 0

    def _filing(self, kind: str, value: Any) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def filing() -> Any:
            self.filed.append((kind, value))
            try:
                yield
            except BaseException:
                self.filed.remove((kind, value))
                raise

        return filing()

    def filing_application(self, application: Any) -> Any:
        return self._filing("application", application)

    def filing_terms(self, gid: bytes, terms: Any) -> Any:
        return self._filing("terms", terms)

    def filing_sealed_terms(self, commitment: bytes, sealed: bytes) -> Any:
        return self._filing("sealed-terms", sealed)

    def filing_rejection(self, reason: str) -> Any:
        return self._filing("rejection", reason)

    def filing_evidence(self, evidence: bytes) -> Any:
        return self._filing("evidence", evidence)

    def filing_contest(self, reason: str) -> Any:
        return self._filing("contest", reason)

    def filing_verification(self, report_hash: bytes, report: str) -> Any:
        return self._filing("verification", report)

    def catch_up(self) -> None:
        self.caught_up += 1

    def record(self, gid: bytes) -> Any:
        return None

    def claim_of(self, gid: bytes) -> Any:
        return None


    def claims_of(self, gid: bytes) -> Sequence[Any]:
        return []

    def records(self, *, applicant: str | None = None, issuer: str | None = None) -> Sequence[Any]:
        return []

    def profile(self, issuer: str) -> Any:
        return self.profiles_.get(issuer)

    def profiles(self) -> dict[str, Any]:
        return dict(self.profiles_)

    def letter(self, tender_id: bytes, section: int, bidder: str) -> Any:
        return self.letters.get((tender_id, section, bidder))


class FakeFirms:
    """FirmRecords in memory: each key's firm, and each firm's standing."""

    def __init__(self, firms: dict[str, str], standings: dict[str, Any] | None = None) -> None:
        self.firms, self.standings = firms, standings or {}

    def identity_of(self, address: str) -> str:
        from ledger.errors import Unauthorised

        if address not in self.firms:
            raise Unauthorised("NoIdentity", {"bidder": address}, f"{address} is bound to no firm")
        return self.firms[address]

    def credit_standing(self, uscc: str, *, at: int) -> Any:
        from ledger.rules.credit import CreditStanding

        return self.standings.get(uscc) or CreditStanding(uscc=uscc, at=at)
