"""Names next to addresses and USCCs, from what the ledger holds: a firm's name from its identity
credential (营业执照), an issuer's from the credential it issued (the 发证机关 a document names),
from its own identity credential, or from the governance's member list, the trading centre's own
key by its role. None where the ledger knows no name (the page then shows the shortened address)."""

from __future__ import annotations

from typing import Any

from api.db.credentials import SqlCredentialLookup
from api.deps import governance_service
from ledger.documents import (
    AwardCredential,
    CreditCredential,
    IdentityCredential,
    QualificationCredential,
)


def _issuing_body(document: Any) -> str | None:
    if isinstance(document, QualificationCredential):
        return str(document.issuing_authority)
    if isinstance(document, AwardCredential):
        return str(document.issuing_body)
    if isinstance(document, CreditCredential):
        return str(document.deciding_body)
    return None


class Names:
    """Looks names up once per page (the answers are kept for the page's life)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.lookup = SqlCredentialLookup(store)
        self._firms: dict[str, str | None] = {}
        self._keys: dict[str, str | None] = {}
        self._members: dict[str, str] | None = None
        self._cards: dict[str, str] | None = None

    def firm(self, uscc: str | None) -> str | None:
        """The firm's name on its latest identity credential."""
        if not uscc:
            return None
        if uscc not in self._firms:
            names = [(c.anchored_at, c.sealed.document.firm_name) for c in self.lookup.identities_of(uscc)
                     if isinstance(c.sealed.document, IdentityCredential)]
            self._firms[uscc] = max(names)[1] if names else None
        return self._firms[uscc]

    def key(self, address: str | None) -> str | None:
        """Whose signing key `address` is: a firm's (its identity credential names it), a governance
        member's, or the trading centre's."""
        if not address:
            return None
        if address not in self._keys:
            name = None
            bound = [(c.anchored_at, c.sealed.document.firm_name) for c in self.lookup.identities_bound_to(address)
                     if isinstance(c.sealed.document, IdentityCredential)]
            if bound:
                name = str(max(bound)[1])
            if name is None:
                name = self.members().get(address.lower())
            if name is None:
                name = self.cards().get(address.lower())
            self._keys[address] = name
        return self._keys[address]

    def members(self) -> dict[str, str]:
        if self._members is None:
            self._members = {m.address.lower(): m.name for m in self.store.runtime.governance.members()}
        return self._members

    def officer(self, params: Any, address: str) -> str | None:
        """An opening officer: the name the tender's parameters give it (bound by the params hash),
        else whose key it is."""
        named = {a.lower(): n for a, n in getattr(params, "officer_names", {}).items()}
        return named.get(address.lower()) or self.key(address)

    def cards(self) -> dict[str, str]:
        """Registered experts and committee members by the names on their pool cards."""
        if self._cards is None:
            self._cards = {a: c.name for a, c in governance_service(self.store).cards().items()}
        return self._cards

    def issuer(self, address: str, document: Any) -> str | None:
        """The issuing body the credential names, else the name behind the issuer's key."""
        return _issuing_body(document) or self.key(address)
