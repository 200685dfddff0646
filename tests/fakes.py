"""In-memory fakes of the ports and gateways the use cases stand on, for the fast tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


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

    def relay(self, relayed: Any) -> Any:
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
        elif name == "anchor":
            if not self.granted.get((sender, a["kind"])):
                raise Unauthorised("NotAuthorised", {}, f"{sender} may not anchor kind {a['kind']}")
            if a["root"] in self.anchors:
                raise Conflict("AlreadyAnchored", {}, "root anchored already")
            self.anchors[a["root"]] = Anchor(sender, a["kind"], self.clock)
            event = ("Anchored", {"root": _hex(a["root"]), "issuer": sender, "kind": a["kind"]})
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

    def prepare_anchor(self, issuer_address: str, root: bytes, kind: Any) -> dict[str, Any]:
        return {"from": issuer_address, "root": root, "kind": int(kind)}

    # RegistryReads
    def anchor_of(self, root: bytes) -> Any:
        if self.unreadable:
            raise OSError("the node does not answer")
        return self.anchors.get(root)

    def status_at(self, root: bytes, credential_id: bytes, at: int) -> Any:
        from ledger.model.credential import ReasonCode, Status, StatusAt

        if self.unreadable:
            raise OSError("the node does not answer")
        anchor = self.anchors.get(root)
        if anchor is None or anchor.anchored_at > at:
            return StatusAt(Status.NOT_ANCHORED, ReasonCode.NONE)
        found = StatusAt(Status.VALID, ReasonCode.NONE)
        for when, change in self.changes.get((root, credential_id), []):
            if when <= at:
                found = change
        return found

    def successor_of(self, root: bytes, credential_id: bytes) -> tuple[bytes, bytes] | None:
        return self.successors.get((root, credential_id))


class FakeCredentialFiles:
    """The store side of the credential use cases (`CredentialFiles`), in memory: filed batches are
    projected into credentials when `catch_up` reads the registry's Anchored events."""

    def __init__(self, registry: FakeRegistry) -> None:
        self.registry = registry
        self.filed: dict[bytes, list[Any]] = {}  # root -> sealed credentials
        self.credentials: dict[bytes, Any] = {}  # id -> StoredCredential
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

    def file_batch(self, root: bytes, documents: Sequence[Any]) -> None:
        self.filed[root] = list(documents)

    def known(self, credential_ids: Sequence[bytes]) -> list[bytes]:
        return [i for i in credential_ids if i in self.credentials]

    def registry_events(self) -> Sequence[Any]:
        return list(self.events)

    def issuer_grants(self) -> Sequence[Any]:
        from ledger.model.credential import IssuerGrant

        grants: dict[tuple[str, int], Any] = {}
        for e in self.events:
            if e.name in ("IssuerAuthorised", "IssuerWithdrawn"):
                key = (e.args["issuer"], e.args["kind"])
                grants[key] = IssuerGrant(key[0], key[1], e.name == "IssuerAuthorised", e.time)
        return list(grants.values())

    # CredentialLookup
    def credential(self, credential_id: bytes) -> Any:
        return self.credentials.get(credential_id)

    def identities_bound_to(self, address: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials.values() if c.kind is Kind.IDENTITY and c.signing_address == address]

    def credit_records_of(self, uscc: str) -> Sequence[Any]:
        from ledger.documents import Kind

        return [c for c in self.credentials.values() if c.kind is Kind.CREDIT and c.subject == uscc]

    def of_subject(self, uscc: str) -> Sequence[Any]:
        return sorted((c for c in self.credentials.values() if c.subject == uscc),
                      key=lambda c: -c.block_number)


def _hex(value: bytes) -> str:
    return "0x" + value.hex()
