"""Salted field hashes, credential ids and selective disclosure.

These are the hashes `contracts/libraries/CredentialHash.sol` computes; both sides must agree.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from ledger.crypto.canonical import canonical_json, jcs_key_order, keccak, keccak_text
from ledger.documents.kinds import Document, DocumentError, parse_document

CREDENTIAL_TAG = keccak(b"TenderLedger.Credential.v1")
"""Domain tag prefixed to the field hashes, so a credential id is never another hash's preimage."""


class DisclosureError(DocumentError):
    """A disclosure is malformed or asks for a field the credential does not have."""


def field_salt(master_salt: bytes, name: str) -> bytes:
    """keccak(master_salt ‖ keccak(name)): the holder keeps one secret, shows field salts singly."""
    _check_word(master_salt, "master salt")
    return keccak(master_salt + keccak_text(name))


def field_hash(salt: bytes, name: str, value: JsonValue) -> bytes:
    """keccak(salt ‖ keccak(name) ‖ keccak(canonical_json(value))), as CredentialHash.fieldHash."""
    _check_word(salt, "salt")
    return keccak(salt + keccak_text(name) + keccak(canonical_json(value)))


def credential_id(field_hashes: Iterable[bytes]) -> bytes:
    """keccak(CREDENTIAL_TAG ‖ h₁ ‖ … ‖ hₙ), the hashes already in RFC 8785 field-name order."""
    hashes = list(field_hashes)
    for h in hashes:
        _check_word(h, "field hash")
    return keccak(CREDENTIAL_TAG + b"".join(hashes))


def credential_id_of(hashes_by_name: Mapping[str, bytes]) -> bytes:
    """Credential id from field hashes keyed by field name, in any order."""
    return credential_id(hashes_by_name[name] for name in sorted(hashes_by_name, key=jcs_key_order))


@dataclass(frozen=True)
class RevealedField:
    """A disclosed field: its JSON value and the per-field salt that binds it to the id."""

    value: JsonValue
    salt: bytes


@dataclass(frozen=True)
class Disclosure:
    """What a holder shows a verifier: some fields in clear, the others only as hashes.

    Anyone can recompute the credential id from it and compare with the one anchored on chain;
    a changed value, salt or hash gives a different id.
    """

    revealed: Mapping[str, RevealedField]
    hidden: Mapping[str, bytes]

    def __post_init__(self) -> None:
        both = set(self.revealed) & set(self.hidden)
        if both:
            raise DisclosureError(f"fields both revealed and hidden: {sorted(both)}")
        for name, revealed in self.revealed.items():
            _check_word(revealed.salt, f"salt of {name!r}", DisclosureError)
        for name, h in self.hidden.items():
            _check_word(h, f"hash of {name!r}", DisclosureError)

    @property
    def values(self) -> dict[str, JsonValue]:
        """The revealed fields' values by name."""
        return {name: field.value for name, field in self.revealed.items()}

    def field_hashes(self) -> dict[str, bytes]:
        """Every field's hash (recomputed for revealed ones) in RFC 8785 name order."""
        hashes = dict(self.hidden)
        for name, field in self.revealed.items():
            hashes[name] = field_hash(field.salt, name, field.value)
        return {name: hashes[name] for name in sorted(hashes, key=jcs_key_order)}

    def credential_id(self) -> bytes:
        """The id (`credential_id` of the field hashes), computed once per sealed copy: the copy is
        frozen (its document a frozen model, its salt bytes), and an eligibility check rehashes
        every ticked copy it is handed."""
        found: bytes | None = self.__dict__.get("_credential_id")
        if found is None:
            found = credential_id(self.field_hashes().values())
            object.__setattr__(self, "_credential_id", found)
        return found

    def verify(self, expected_id: bytes) -> bool:
        """True when the disclosure reproduces `expected_id` (e.g. the id anchored on chain)."""
        return self.credential_id() == expected_id

    def to_dict(self) -> dict[str, Any]:
        return {
            "revealed": {
                name: {"value": field.value, "salt": _hex(field.salt)}
                for name, field in self.revealed.items()
            },
            "hidden": {name: _hex(h) for name, h in self.hidden.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Disclosure:
        try:
            revealed = {
                str(name): RevealedField(value=entry["value"], salt=_unhex(entry["salt"]))
                for name, entry in data["revealed"].items()
            }
            hidden = {str(name): _unhex(h) for name, h in data["hidden"].items()}
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise DisclosureError(f"malformed disclosure: {exc!r}") from None
        return cls(revealed=revealed, hidden=hidden)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Disclosure:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class SealedCredential:
    """The holder's full copy: the document and the master salt every field salt derives from."""

    document: Document
    master_salt: bytes

    def __post_init__(self) -> None:
        _check_word(self.master_salt, "master salt")

    @classmethod
    def seal(cls, document: Document, master_salt: bytes | None = None) -> SealedCredential:
        """Seal `document` under `master_salt`, or under a fresh random one."""
        if master_salt is None:
            master_salt = secrets.token_bytes(32)
        return cls(document=document, master_salt=master_salt)

    def fields(self) -> dict[str, JsonValue]:
        """The hashed top-level fields: the document's JSON object, unset fields left out.
        Serialised once per copy (the copy is frozen); each call gets its own dict."""
        found: dict[str, JsonValue] | None = self.__dict__.get("_fields")
        if found is None:
            found = self.document.to_json_dict()
            object.__setattr__(self, "_fields", found)
        return dict(found)

    def field_salt(self, name: str) -> bytes:
        return field_salt(self.master_salt, name)

    def field_hashes(self) -> dict[str, bytes]:
        """Field hash by name, in RFC 8785 name order (the order the id is computed in)."""
        fields = self.fields()
        return {
            name: field_hash(self.field_salt(name), name, fields[name])
            for name in sorted(fields, key=jcs_key_order)
        }

    def credential_id(self) -> bytes:
        """The id (`credential_id` of the field hashes), computed once per sealed copy: the copy is
        frozen (its document a frozen model, its salt bytes), and an eligibility check rehashes
        every ticked copy it is handed."""
        found: bytes | None = self.__dict__.get("_credential_id")
        if found is None:
            found = credential_id(self.field_hashes().values())
            object.__setattr__(self, "_credential_id", found)
        return found

    def disclose(self, fields: Iterable[str]) -> Disclosure:
        """Reveal `fields` (Python or JSON names) with their salts; hash the others."""
        document_fields = self.fields()
        chosen: set[str] = set()
        for name in fields:
            try:
                serialised = type(self.document).serialised_name(name)
            except DocumentError as exc:
                raise DisclosureError(str(exc)) from None
            if serialised not in document_fields:
                raise DisclosureError(f"field {serialised!r} is not set in this credential")
            chosen.add(serialised)
        hashes = self.field_hashes()
        return Disclosure(
            revealed={
                name: RevealedField(value=document_fields[name], salt=self.field_salt(name))
                for name in sorted(chosen, key=jcs_key_order)
            },
            hidden={name: h for name, h in hashes.items() if name not in chosen},
        )

    def disclose_public(self) -> Disclosure:
        """Reveal everything except the kind's sensitive fields (e.g. a person's ID number)."""
        sensitive = {type(self.document).serialised_name(n) for n in self.document.SENSITIVE_FIELDS}
        return self.disclose(name for name in self.fields() if name not in sensitive)

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document.to_json_dict(), "masterSalt": _hex(self.master_salt)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SealedCredential:
        if not isinstance(data, Mapping) or "document" not in data or "masterSalt" not in data:
            raise DocumentError("a sealed credential needs 'document' and 'masterSalt'")
        try:
            master_salt = _unhex(data["masterSalt"])
        except (TypeError, ValueError) as exc:
            raise DocumentError(f"masterSalt is not 0x-prefixed hex: {exc}") from None
        return cls(document=parse_document(data["document"]), master_salt=master_salt)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> SealedCredential:
        return cls.from_dict(json.loads(text))


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _unhex(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"expected a 0x-prefixed hex string, got {value!r}")
    return bytes.fromhex(value[2:])


def _check_word(value: object, what: str, error: type[DocumentError] = DocumentError) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        shown = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise error(f"{what} must be 32 bytes, got {shown}")
