"""Sealed bids: authenticated hybrid encryption to a tender's opening key, and the commitments
the contract checks at submission and at opening.

Envelope, version 1 (all lengths in bytes):

    0x01 ‖ ephemeral X25519 public key (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)

    shared = X25519(ephemeral private, opening public)
    key    = HKDF-SHA256(shared, salt = none, info = "TenderLedger.Seal.v1" ‖ ephemeral public
                         ‖ opening public, length 32)
    AAD    = the 45 header bytes (version ‖ ephemeral public ‖ nonce) ‖ the caller's context

The caller's context names the bid the envelope belongs to (chain id, contract, tender,
section, bidder: see `bid_aad`), so an envelope copied into another bid, or altered in any
byte, does not open.

Who is at fault when a bid does not open (撤销 or 撤回, domain §4.3) is for the opening code
to decide: a malformed envelope or an invalid package inside an authentic one is the
bidder's doing; an authentication failure is the bidder's only when the envelope's keccak is
the ciphertext hash the bidder committed to, the opening key was checked against the
tender's public key, and the context was built from the chain's own record of the bid.

    SealingError(ValidationFailed)      the caller's own input is unusable (key, context)
    DecryptionFailed(ValidationFailed)  an envelope does not open; `.reason` says why
    RevealMismatch(ValidationFailed)    revealed credential ids do not match the commitment
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Annotated, Any, Literal, Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_utils.address import is_checksum_address, is_hex_address, to_canonical_address
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from ledger.crypto.bid_keys import FirmLink
from ledger.crypto.canonical import keccak
from ledger.documents.fields import Bytes32
from ledger.errors import ValidationFailed

VERSION = 1
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
HEADER_SIZE = 1 + KEY_SIZE + NONCE_SIZE
MIN_ENVELOPE_SIZE = HEADER_SIZE + TAG_SIZE
HKDF_INFO_TAG = b"TenderLedger.Seal.v1"

BID_CONTEXT_TAG = keccak(b"TenderLedger.BidContext.v1")
"""Prefix of `bid_aad`, so a bid's context is never mistaken for another use of the same key."""

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Default limit on the total size of a bid's files (20 MiB); a tender may set its own."""


class SealingError(ValidationFailed):
    """The caller's own input to sealing or opening is unusable (key, context, sizes)."""


class FailureReason(StrEnum):
    """Why an envelope did not open."""

    MALFORMED = "malformed envelope"
    """Not an envelope of a version we know: too short, unknown version, unusable key."""
    AUTHENTICATION = "authentication failed"
    """Tampered bytes, the wrong opening key, or the context of another bid."""
    INVALID_PACKAGE = "invalid bid package"
    """The envelope opened but what it holds is not a valid bid package."""


ALTERED = "the envelope was altered, sealed to another key, or belongs to another bid"
"""The detail of an envelope that fails authentication: tampered bytes, another key or another bid's context."""


class DecryptionFailed(ValidationFailed):
    """An envelope did not open; `.reason` tells a malformed one from a failed authentication."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}")


class RevealMismatch(ValidationFailed):
    """The revealed credential ids and salt do not hash to the committed credential set."""


@dataclass(frozen=True, slots=True, repr=False)
class OpeningKey:
    """A tender's X25519 opening key pair. Bids are sealed to `public`; `private` is shared
    k-of-n among the opening officers (`ledger.crypto.shares`) and never kept whole before opening.
    """

    private: bytes
    public: bytes = field(default=b"")

    def __post_init__(self) -> None:
        if not isinstance(self.private, bytes) or len(self.private) != KEY_SIZE:
            raise SealingError(f"an opening private key is {KEY_SIZE} bytes")
        derived = _x25519_public(self.private)
        if self.public == b"":
            object.__setattr__(self, "public", derived)
        elif self.public != derived:
            raise SealingError("the opening public key does not belong to the private key")

    @classmethod
    def generate(cls) -> OpeningKey:
        return cls(X25519PrivateKey.generate().private_bytes_raw())

    def __repr__(self) -> str:
        return f"OpeningKey(public=0x{self.public.hex()})"


def seal(plaintext: bytes, recipient_public: bytes, *, aad: bytes) -> bytes:
    """Encrypt `plaintext` to `recipient_public` (32 bytes), bound to the context `aad`."""
    _check_public(recipient_public)
    _check_aad(aad)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    except ValueError:
        raise SealingError("the opening public key is a low-order point and unusable") from None
    nonce = os.urandom(NONCE_SIZE)
    header = bytes([VERSION]) + ephemeral_public + nonce
    key = _derive_key(shared, ephemeral_public, recipient_public)
    return header + AESGCM(key).encrypt(nonce, plaintext, header + aad)


def open_sealed(envelope: bytes, private_key: bytes | OpeningKey, *, aad: bytes) -> bytes:
    """Decrypt an envelope made by `seal`, or raise `DecryptionFailed` saying why not."""
    opening = private_key if isinstance(private_key, OpeningKey) else OpeningKey(private_key)
    _check_aad(aad)
    if not isinstance(envelope, bytes | bytearray):
        raise DecryptionFailed(
            FailureReason.MALFORMED, f"expected bytes, got {type(envelope).__name__}"
        )
    envelope = bytes(envelope)
    if len(envelope) < MIN_ENVELOPE_SIZE:
        raise DecryptionFailed(
            FailureReason.MALFORMED,
            f"an envelope is at least {MIN_ENVELOPE_SIZE} bytes, got {len(envelope)}",
        )
    if envelope[0] != VERSION:
        raise DecryptionFailed(
            FailureReason.MALFORMED, f"unknown envelope version {envelope[0]} (expected {VERSION})"
        )
    header = envelope[:HEADER_SIZE]
    ephemeral_public = envelope[1 : 1 + KEY_SIZE]
    nonce = envelope[1 + KEY_SIZE : HEADER_SIZE]
    try:
        shared = X25519PrivateKey.from_private_bytes(opening.private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral_public)
        )
    except ValueError:
        raise DecryptionFailed(
            FailureReason.MALFORMED, "the ephemeral public key is a low-order point"
        ) from None
    key = _derive_key(shared, ephemeral_public, opening.public)
    try:
        return AESGCM(key).decrypt(nonce, envelope[HEADER_SIZE:], header + aad)
    except InvalidTag:
        raise DecryptionFailed(
            FailureReason.AUTHENTICATION,
            ALTERED,
        ) from None


def bid_aad(
    *, chain_id: int, contract: str | bytes, tender_id: bytes, section: int, bidder: str | bytes
) -> bytes:
    """The context a bid's envelope is sealed under:

    keccak("TenderLedger.BidContext.v1") ‖ abi.encode(uint256 chainId, address contract,
    bytes32 tenderId, uint16 section, address bidder)
    """
    return BID_CONTEXT_TAG + _static_words(
        _uint(chain_id, 256, "chain id"),
        _address(contract, "contract"),
        _word(tender_id, "tender id"),
        _uint(section, 16, "section"),
        _address(bidder, "bidder"),
    )


def ciphertext_hash(envelope: bytes) -> bytes:
    """keccak256 of the whole envelope: what the bidder commits to on chain."""
    return keccak(envelope)


def credential_set_commitment(salt: bytes, credential_ids: Iterable[bytes]) -> bytes:
    """keccak256(abi.encode(bytes32 salt, bytes32[] ids)), the ids sorted ascending as bytes.

    Sorting makes the order in which the bidder ticked them irrelevant; a duplicate id is
    refused, since the contract sees only the sorted list and requires it strictly ascending.
    """
    _word(salt, "credential-set salt")
    ids = sorted(_word(i, "credential id") for i in credential_ids)
    for previous, current in pairwise(ids):
        if previous == current:
            raise ValidationFailed(f"credential id 0x{current.hex()} is ticked more than once")
    # abi.encode(bytes32, bytes32[]): the salt, the array's offset (two words in), its length, its words
    return keccak(salt + _static_words(64, len(ids)) + b"".join(ids))


def check_credential_reveal(
    salt: bytes, credential_ids: Iterable[bytes], expected_commitment: bytes
) -> None:
    """Raise `RevealMismatch` unless the revealed salt and ids hash to the commitment."""
    actual = credential_set_commitment(salt, credential_ids)
    if actual != expected_commitment:
        raise RevealMismatch(
            f"the revealed credential set hashes to 0x{actual.hex()}, "
            f"but the bid committed to 0x{_word(expected_commitment, 'commitment').hex()}"
        )


def bid_commitment(
    *,
    chain_id: int,
    contract: str | bytes,
    tender_id: bytes,
    section: int,
    bidder: str | bytes,
    ciphertext_hash: bytes,
    credential_set_commitment: bytes,
) -> bytes:
    """keccak256(abi.encode(uint256 chainId, address contract, bytes32 tenderId, uint16 section,
    address bidder, bytes32 ciphertextHash, bytes32 credSetCommitment)).
    """
    return keccak(
        _static_words(
            _uint(chain_id, 256, "chain id"),
            _address(contract, "contract"),
            _word(tender_id, "tender id"),
            _uint(section, 16, "section"),
            _address(bidder, "bidder"),
            _word(ciphertext_hash, "ciphertext hash"),
            _word(credential_set_commitment, "credential-set commitment"),
        )
    )


# --- the bid package -------------------------------------------------------------------------


def _base64(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise ValueError("file content is not valid base64") from None
    raise ValueError(f"file content must be bytes or base64 text, got {type(value).__name__}")


Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_base64),
    PlainSerializer(
        lambda v: base64.b64encode(v).decode("ascii"), return_type=str, when_used="json"
    ),
]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _sha256_hex(value: str) -> str:
    if not isinstance(value, str) or not _SHA256_HEX.fullmatch(value):
        raise ValueError("sha256 must be 64 lower-case hex digits")
    return value


def _price(value: object) -> object:
    # A float has already lost the 分: a price must arrive as a string, int or Decimal.
    # (ValueError, not TypeError: pydantic turns only ValueError into a validation error.)
    if isinstance(value, float):
        raise ValueError(  # noqa: TRY004
            "price must be a decimal string such as '1234567.89', not a float"
        )
    return value


def _file_name(name: str) -> str:
    if not 1 <= len(name) <= 255:
        raise ValueError(f"file name must be 1 to 255 characters, got {len(name)}")
    if any(c in name for c in "/\\\x00") or name in (".", ".."):
        raise ValueError(f"file name must not be a path: {name!r}")
    return name


Price = Annotated[
    Decimal,
    BeforeValidator(_price),
    Field(gt=0, decimal_places=2, allow_inf_nan=False),
]
"""A bid price in 元, exact to the 分, serialised as a decimal string."""

FileName = Annotated[str, AfterValidator(_file_name)]


class BidFile(BaseModel):
    """One bid document: its bytes (base64 in JSON) and their SHA-256."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Annotated[str, AfterValidator(_sha256_hex)]
    content: Base64Bytes

    @classmethod
    def of(cls, content: bytes) -> BidFile:
        return cls(sha256=hashlib.sha256(content).hexdigest(), content=content)

    @model_validator(mode="after")
    def _hash_matches_content(self) -> Self:
        if hashlib.sha256(self.content).hexdigest() != self.sha256:
            raise ValueError("sha256 does not match the file content")
        return self


class BidPackage(BaseModel):
    """What a bidder seals for one section: price, documents, ticked credentials and the salt
    that hides which credentials were ticked until opening, and, when the bid is made with a
    per-tender bid key, the firm key's link to it (`ledger.crypto.bid_keys`): who bid is sealed
    with the bid and known from opening on.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    price: Price
    files: dict[FileName, BidFile] = Field(default_factory=dict)
    credential_ids: list[Bytes32] = Field(default_factory=list)
    salt: Bytes32
    firm_link: FirmLink | None = None

    @model_validator(mode="after")
    def _within_limits(self, info: ValidationInfo) -> Self:
        limit = (info.context or {}).get("max_file_bytes", MAX_FILE_BYTES)
        total = sum(len(f.content) for f in self.files.values())
        if total > limit:
            raise ValueError(
                f"bid files total {total} bytes, over the limit of {limit} bytes "
                f"({limit / 1024 / 1024:g} MiB)"
            )
        seen: set[bytes] = set()
        for credential_id in self.credential_ids:
            if credential_id in seen:
                raise ValueError(f"credential id 0x{credential_id.hex()} is ticked more than once")
            seen.add(credential_id)
        return self

    @classmethod
    def create(cls, *, max_file_bytes: int = MAX_FILE_BYTES, **fields: Any) -> BidPackage:
        """Validate a package, with a tender's own file size limit if it has one.

        Raises `ValidationFailed` naming the field at fault.
        """
        try:
            return cls.model_validate(fields, context={"max_file_bytes": max_file_bytes})
        except ValidationError as exc:
            raise ValidationFailed(_first_error(exc)) from None

    def credential_set_commitment(self) -> bytes:
        return credential_set_commitment(self.salt, self.credential_ids)

    def check_credential_reveal(self, expected_commitment: bytes) -> None:
        """Raise `RevealMismatch` unless this package's ticked set is the committed one."""
        check_credential_reveal(self.salt, self.credential_ids, expected_commitment)

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode("utf-8")

    def encrypt(self, opening_public: bytes, aad: bytes) -> bytes:
        """Seal the package to the tender's opening key under the bid's context."""
        return seal(self.to_bytes(), opening_public, aad=aad)

    @classmethod
    def decrypt(
        cls,
        envelope: bytes,
        private_key: bytes | OpeningKey,
        aad: bytes,
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
    ) -> BidPackage:
        """Open and validate a sealed package; every failure is a `DecryptionFailed`."""
        plaintext = open_sealed(envelope, private_key, aad=aad)
        try:
            return cls.model_validate_json(plaintext, context={"max_file_bytes": max_file_bytes})
        except ValidationError as exc:
            raise DecryptionFailed(FailureReason.INVALID_PACKAGE, _first_error(exc)) from None


# --- helpers ---------------------------------------------------------------------------------


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}" if where else f"{error['msg']}{more}"


def _x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def _derive_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    info = HKDF_INFO_TAG + ephemeral_public + recipient_public
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(shared)


def _check_public(public: bytes) -> None:
    if not isinstance(public, bytes) or len(public) != KEY_SIZE:
        raise SealingError(f"an opening public key is {KEY_SIZE} bytes")


def _check_aad(aad: bytes) -> None:
    # An empty context would let an envelope stand for any bid: always bind one.
    if not isinstance(aad, bytes) or not aad:
        raise SealingError("the context (aad) must be non-empty bytes naming the bid")


def _static_words(*values: int | bytes) -> bytes:
    """abi.encode of static values already checked by `_uint`, `_address` and `_word`: one 32-byte
    word each, a uint big-endian and an address left-padded (what eth-abi gives for these types,
    without its per-call type parsing, which an audit's rerun of every opening paid per bid)."""
    return b"".join(v.to_bytes(32, "big") if isinstance(v, int) else v.rjust(32, b"\0") for v in values)


def _word(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValidationFailed(f"{what} must be 32 bytes, got {value!r}")
    return value


def _uint(value: int, bits: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise ValidationFailed(f"{what} must be a uint{bits}, got {value!r}")
    return value


def _address(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes) and len(value) == 20:
        return value
    if isinstance(value, str):
        found = _canonical(value)
        if found is not None:
            return found
        if value.startswith("0x") and is_hex_address(value):
            raise ValidationFailed(f"{what} address has a wrong EIP-55 checksum: {value!r}")
    raise ValidationFailed(f"{what} must be a 20-byte address, got {value!r}")


@lru_cache(maxsize=65_536)
def _canonical(value: str) -> bytes | None:
    """The 20 bytes of a 0x-hex address, None when it is none or its mixed case is not its EIP-55
    checksum (a typo); remembered, since the same bidders and contracts recur in every bid."""
    if not (value.startswith("0x") and is_hex_address(value)):
        return None
    digits = value[2:]
    if digits in (digits.lower(), digits.upper()) or is_checksum_address(value):
        return bytes(to_canonical_address(value))
    return None
