"""Opening officers' shares, each encrypted to its officer's own secp256k1 key.

A tender's X25519 opening key is made, split k-of-n (`ledger.crypto.shares`) and each share
sealed to one officer's public key in one call, `deal`; the whole key and the plain shares
never leave that call. What comes out — the opening public key, the share hashes and one
`SealedShare` per officer — is safe to write, file and hand around: only the officer's own
private key (the key of its on-chain address) opens its share, so no machine that holds the
sealed shares, the centre's included, holds anything that rebuilds the key before k officers
release their shares on chain after the deadline.

Box, version 1 (ECIES over secp256k1; lengths in bytes):

    0x01 ‖ ephemeral public key (65, uncompressed SEC 1) ‖ nonce (12)
         ‖ AES-256-GCM ciphertext of the 67-byte share ‖ tag (16)                 = 161 bytes

    shared = ECDH(ephemeral private, officer public)          the x coordinate, 32 bytes
    key    = HKDF-SHA256(shared, salt = none, info = "TenderLedger.OfficerShare.v1"
                         ‖ ephemeral public ‖ officer public, length 32)
    AAD    = the 78 header bytes ‖ keccak("TenderLedger.OfficerShareContext.v1")
             ‖ abi.encode(bytes32 tenderId, address officer, uint8 index)

The associated data binds a box to its tender, officer and share index: a box relabelled for
another officer or moved to another tender does not open, even for a key that could otherwise
open it. An officer's public key is given as its uncompressed point (`0x04` ‖ x ‖ y, 65
bytes; 64 bytes without the prefix and the 33-byte compressed form are read too); its address
is the last 20 bytes of keccak(x ‖ y), as Ethereum derives it.

    OfficerBoxError(ValidationFailed)
    ├── MalformedOfficerKey     not a secp256k1 public key, or not a usable private key
    ├── MalformedSealedShare    bytes or JSON that are not a sealed share
    ├── WrongOfficerKey         the key given is not the key of the share's officer
    └── SealedShareDoesNotOpen  altered, relabelled (tender, officer, index), or another key's
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_abi.abi import encode as abi_encode
from eth_utils import is_hex_address, to_checksum_address

from ledger.crypto.canonical import keccak
from ledger.crypto.sealing import OpeningKey
from ledger.crypto.shares import MAX_SHARES, SHARE_SIZE, MalformedShare, Share, share_hash, split
from ledger.errors import ValidationFailed

VERSION = 1
FORMAT = "TenderLedger.OfficerShare.v1"
"""The `format` of a sealed share file, and the HKDF info prefix."""
CONTEXT_TAG = keccak(b"TenderLedger.OfficerShareContext.v1")
"""Prefix of `share_aad`, so a share's context is never mistaken for another use of a key."""

CURVE = ec.SECP256K1()
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
PUBLIC_SIZE = 65
PRIVATE_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
HEADER_SIZE = 1 + PUBLIC_SIZE + NONCE_SIZE
BOX_SIZE = HEADER_SIZE + SHARE_SIZE + TAG_SIZE


class OfficerBoxError(ValidationFailed):
    """Root of every error of sealing shares to officers and opening them."""


class MalformedOfficerKey(OfficerBoxError):
    """Not a secp256k1 public key (or a private key outside 1..n-1)."""


class MalformedSealedShare(OfficerBoxError):
    """The bytes or JSON given are not a sealed share."""


class WrongOfficerKey(OfficerBoxError):
    """The private key given is not the key of the officer the share is sealed to."""


class SealedShareDoesNotOpen(OfficerBoxError):
    """The box fails authentication: altered, relabelled, or sealed to another key."""


@dataclass(frozen=True, slots=True)
class OfficerKey:
    """An opening officer's public key (65 bytes, uncompressed) and the address it makes."""

    public: bytes

    def __post_init__(self) -> None:
        point = _point(self.public, "officer public key")
        object.__setattr__(self, "public", _uncompressed(point))

    @property
    def address(self) -> str:
        """The officer's on-chain identity: keccak(x ‖ y)[12:], checksummed."""
        return str(to_checksum_address(keccak(self.public[1:])[12:]))

    def to_hex(self) -> str:
        return "0x" + self.public.hex()

    @classmethod
    def from_hex(cls, text: str) -> OfficerKey:
        """`0x04…` (65 bytes), the same without `04` (64 bytes) or compressed (33 bytes)."""
        if not isinstance(text, str):
            raise MalformedOfficerKey(
                f"an officer public key is hex text, got {type(text).__name__}"
            )
        raw_text = text.strip().removeprefix("0x").removeprefix("0X")
        try:
            raw = bytes.fromhex(raw_text)
        except ValueError:
            raise MalformedOfficerKey(f"an officer public key is hex, got {text[:80]!r}") from None
        if len(raw) == 20:
            raise MalformedOfficerKey(
                f"{text[:80]} is an address, not a public key: shares are encrypted to the "
                "officer's public key (`tender-ledger tender officer-key` prints it)"
            )
        if len(raw) == PUBLIC_SIZE - 1:
            raw = b"\x04" + raw
        return cls(raw)

    @classmethod
    def of_private(cls, private_key: bytes) -> OfficerKey:
        """The public key of a 32-byte secp256k1 private key (an Ethereum account key)."""
        return cls(_uncompressed(_private(private_key).public_key()))

    def __repr__(self) -> str:
        return f"OfficerKey(address={self.address})"


@dataclass(frozen=True, slots=True)
class SealedShare:
    """One officer's share of one tender, sealed to that officer's key: safe to hand around.

    As a file (`to_json`): `{"format": "TenderLedger.OfficerShare.v1", "tender_id": "0x…",
    "officer": "0x…", "index": 1, "box": "0x…"}`.
    """

    tender_id: bytes
    officer: str
    index: int
    box: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.tender_id, bytes) or len(self.tender_id) != 32:
            raise MalformedSealedShare("a sealed share's tender id is 32 bytes")
        if not isinstance(self.officer, str) or not is_hex_address(self.officer):
            raise MalformedSealedShare(
                f"a sealed share's officer is an address, got {self.officer!r}"
            )
        object.__setattr__(self, "officer", str(to_checksum_address(self.officer)))
        if (
            not isinstance(self.index, int)
            or isinstance(self.index, bool)
            or not 1 <= self.index <= MAX_SHARES
        ):
            raise MalformedSealedShare(
                f"a sealed share's index is 1..{MAX_SHARES}, got {self.index!r}"
            )
        if not isinstance(self.box, bytes) or len(self.box) != BOX_SIZE:
            size = len(self.box) if isinstance(self.box, bytes) else type(self.box).__name__
            raise MalformedSealedShare(f"a sealed share's box is {BOX_SIZE} bytes, got {size}")
        if self.box[0] != VERSION:
            raise MalformedSealedShare(
                f"a sealed share's box has unknown version {self.box[0]} (expected {VERSION})"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "tender_id": "0x" + self.tender_id.hex(),
            "officer": self.officer,
            "index": self.index,
            "box": "0x" + self.box.hex(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> SealedShare:
        keys = {"format", "tender_id", "officer", "index", "box"}
        if not isinstance(data, dict) or set(data) != keys:
            raise MalformedSealedShare(
                f"a sealed share is an object with exactly {', '.join(sorted(keys))}"
                + (
                    " (this looks like an unencrypted share file)"
                    if isinstance(data, dict) and "share" in data
                    else ""
                )
            )
        if data["format"] != FORMAT:
            raise MalformedSealedShare(
                f"unknown sealed share format {str(data['format'])[:60]!r} (expected {FORMAT})"
            )
        return cls(
            _hex(data["tender_id"], "tender_id"),
            data["officer"],
            data["index"],
            _hex(data["box"], "box"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> SealedShare:
        try:
            data = json.loads(text)
        except (ValueError, TypeError, RecursionError) as exc:
            raise MalformedSealedShare(f"a sealed share is JSON: {str(exc)[:120]}") from None
        return cls.from_dict(data)


@dataclass(frozen=True, slots=True)
class Dealing:
    """What publishing needs and may keep: no private key, no plain share.

    `officers`, `share_hashes` and `sealed` are in officer order (share index = position + 1).
    """

    tender_id: bytes
    opening_public: bytes
    threshold: int
    officers: tuple[str, ...]
    share_hashes: tuple[bytes, ...]
    sealed: tuple[SealedShare, ...]


def _opening_key() -> tuple[bytes, bytes]:
    key = OpeningKey.generate()
    return key.private, key.public


def deal(
    *, tender_id: bytes, officers: Sequence[OfficerKey], threshold: int,
    new_key: Callable[[], tuple[bytes, bytes]] = _opening_key,
) -> Dealing:
    """A new opening key for `tender_id`, split `threshold`-of-len(officers), each share sealed
    to its officer. The private key and the plain shares exist only inside this call.

    `new_key` makes the key as (32-byte private key, public key): a tender's X25519 opening key
    by default; a lottery's alt_bn128 draw key (`ledger.crypto.draw_seal.new_draw_key`, with the
    draw id as `tender_id`, so each box is bound to its draw)."""
    officers = tuple(officers)
    if not all(isinstance(o, OfficerKey) for o in officers):
        raise MalformedOfficerKey("officers are given by their public keys (OfficerKey)")
    addresses = tuple(o.address for o in officers)
    if len(set(addresses)) != len(addresses):
        raise ValidationFailed("each opening officer may appear once")
    private, public = new_key()
    shares = split(private, threshold, len(officers))
    del private
    sealed = tuple(
        seal_share(s, tender_id=tender_id, officer=o) for s, o in zip(shares, officers, strict=True)
    )
    hashes = tuple(share_hash(s) for s in shares)
    del shares
    return Dealing(tender_id, public, threshold, addresses, hashes, sealed)


def share_aad(*, tender_id: bytes, officer: str, index: int) -> bytes:
    """The context a share is sealed under:

    keccak("TenderLedger.OfficerShareContext.v1") ‖ abi.encode(bytes32 tenderId, address officer,
    uint8 index)
    """
    return CONTEXT_TAG + abi_encode(["bytes32", "address", "uint8"], [tender_id, officer, index])


def seal_share(share: Share, *, tender_id: bytes, officer: OfficerKey) -> SealedShare:
    """Encrypt `share` to `officer`, bound to (tender, officer's address, share index)."""
    if not isinstance(share, Share):
        raise MalformedShare(f"expected a Share, got {type(share).__name__}")
    if not isinstance(officer, OfficerKey):
        raise MalformedOfficerKey(f"expected an OfficerKey, got {type(officer).__name__}")
    if not isinstance(tender_id, bytes) or len(tender_id) != 32:
        raise MalformedSealedShare("a tender id is 32 bytes")
    ephemeral = ec.generate_private_key(CURVE)
    ephemeral_public = _uncompressed(ephemeral.public_key())
    shared = ephemeral.exchange(ec.ECDH(), _point(officer.public, "officer public key"))
    nonce = os.urandom(NONCE_SIZE)
    header = bytes([VERSION]) + ephemeral_public + nonce
    aad = header + share_aad(tender_id=tender_id, officer=officer.address, index=share.index)
    ciphertext = AESGCM(_derive_key(shared, ephemeral_public, officer.public)).encrypt(
        nonce, share.to_bytes(), aad
    )
    return SealedShare(tender_id, officer.address, share.index, header + ciphertext)


def open_share(sealed: SealedShare, private_key: bytes) -> Share:
    """The officer's share, opened with the officer's own 32-byte private key."""
    if not isinstance(sealed, SealedShare):
        raise MalformedSealedShare(f"expected a SealedShare, got {type(sealed).__name__}")
    own = _private(private_key)
    own_public = _uncompressed(own.public_key())
    holder = OfficerKey(own_public).address
    if holder != sealed.officer:
        raise WrongOfficerKey(
            f"this share is sealed to officer {sealed.officer}; the key given is {holder}'s"
        )
    header = sealed.box[:HEADER_SIZE]
    ephemeral_public = sealed.box[1 : 1 + PUBLIC_SIZE]
    nonce = sealed.box[1 + PUBLIC_SIZE : HEADER_SIZE]
    try:
        ephemeral = _point(ephemeral_public, "ephemeral public key")
    except MalformedOfficerKey:
        raise MalformedSealedShare(
            "the sealed share's ephemeral key is not a secp256k1 point"
        ) from None
    shared = own.exchange(ec.ECDH(), ephemeral)
    aad = header + share_aad(tender_id=sealed.tender_id, officer=sealed.officer, index=sealed.index)
    try:
        plain = AESGCM(_derive_key(shared, ephemeral_public, own_public)).decrypt(
            nonce, sealed.box[HEADER_SIZE:], aad
        )
    except InvalidTag:
        raise SealedShareDoesNotOpen(
            f"the sealed share for officer {sealed.officer} (index {sealed.index}) of tender "
            f"0x{sealed.tender_id.hex()} does not open: it was altered, relabelled from another "
            "officer, index or tender, or sealed to another key"
        ) from None
    share = Share.from_bytes(plain)
    if share.index != sealed.index:
        raise SealedShareDoesNotOpen(f"the box holds share {share.index}, not {sealed.index}")
    return share


def _derive_key(shared: bytes, ephemeral_public: bytes, officer_public: bytes) -> bytes:
    info = FORMAT.encode() + ephemeral_public + officer_public
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(shared)


def _point(raw: bytes, what: str) -> ec.EllipticCurvePublicKey:
    if not isinstance(raw, bytes) or len(raw) not in (33, PUBLIC_SIZE):
        size = len(raw) if isinstance(raw, bytes) else type(raw).__name__
        raise MalformedOfficerKey(
            f"{what}: a secp256k1 public key is 65 (or 33 compressed) bytes, got {size}"
        )
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, raw)
    except ValueError:
        raise MalformedOfficerKey(f"{what}: not a point on secp256k1") from None


def _uncompressed(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _private(raw: bytes) -> ec.EllipticCurvePrivateKey:
    if not isinstance(raw, bytes | bytearray) or len(raw) != PRIVATE_SIZE:
        raise MalformedOfficerKey(f"an officer private key is {PRIVATE_SIZE} bytes")
    value = int.from_bytes(raw, "big")
    if not 1 <= value < ORDER:
        raise MalformedOfficerKey(
            "an officer private key is a number from 1 to the secp256k1 order"
        )
    return ec.derive_private_key(value, CURVE)


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise MalformedSealedShare(f"a sealed share's {what} is 0x-prefixed hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise MalformedSealedShare(f"a sealed share's {what} is not hex") from None
