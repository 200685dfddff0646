"""The firm's signing key in a password-encrypted keystore file, labelled with the firm's USCC.

The file is a Web3 Secret Storage v3 keystore (scrypt, as geth and wallets write it), so any
Ethereum tool can also open it, plus one object of our own:

    "tenderLedger": {"uscc": …, "name": …, "created": "2025-01-01T08:00:00Z",
                     "signature": "0x…"}

`signature` is the key's EIP-191 signature over the canonical JSON of
{"address", "uscc", "name", "created"}: the v3 MAC covers only the key, so without it
anyone able to write the file could relabel the key with another firm's USCC unnoticed.
The binding that counts for bids is the identity credential on chain; this label keeps the
bidder's client from signing for the wrong firm by mistake.

    KeystoreError(LedgerError)
    ├── WeakPassword        a new keystore's password is shorter than 8 characters
    ├── InvalidFirm         the USCC or firm name is not acceptable
    ├── InvalidPrivateKey   an imported key is not a secp256k1 private key
    ├── KeystoreExists      the file is already there; it is never overwritten
    ├── KeystoreNotFound    no file at the path
    ├── WrongPassword       the password does not decrypt the key
    └── CorruptKeystore     the file is not a keystore of ours, or was altered
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_keyfile.exceptions import EthKeyfileValueError
from eth_keys.exceptions import BadSignature
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.exceptions import ValidationError as EthKeysValidationError

from ledger.crypto.canonical import canonical_json
from ledger.errors import LedgerError
from ledger.uscc import InvalidUSCC, validate_uscc

MIN_PASSWORD_LENGTH = 8
DEFAULT_SCRYPT_N = 2**18
"""scrypt work factor of new keystores (geth's "standard" strength: about 256 MiB and 1 s)."""

# A keystore asking for more than this would take minutes or gigabytes to open: refuse it.
_MAX_SCRYPT_MEMORY = 1 << 30
_MAX_FILE_SIZE = 64 * 1024
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_PRIVATE_KEY_HEX = re.compile(r"(?:0x)?([0-9a-fA-F]{64})")
_METADATA_KEY = "tenderLedger"


class KeystoreError(LedgerError):
    """Root of every keystore error; the message names the file and what is wrong."""


class WeakPassword(KeystoreError):
    """The password for a new keystore is too short."""


class InvalidFirm(KeystoreError):
    """The firm's USCC or name cannot label a keystore."""


class InvalidPrivateKey(KeystoreError):
    """The key to import is not a 32-byte secp256k1 private key."""


class KeystoreExists(KeystoreError):
    """A file already exists at the path; keystores are never overwritten."""


class KeystoreNotFound(KeystoreError):
    """There is no keystore file at the path."""


class WrongPassword(KeystoreError):
    """The password does not decrypt the key (or the encrypted key was altered)."""


class CorruptKeystore(KeystoreError):
    """The file is not a tender-ledger keystore, or its contents were altered."""


@dataclass(frozen=True, slots=True)
class FirmKey:
    """A decrypted firm key and the firm it is labelled with."""

    account: LocalAccount = field(repr=False)
    uscc: str
    name: str
    created: datetime

    @property
    def address(self) -> ChecksumAddress:
        return self.account.address


def create_keystore(
    path: str | os.PathLike[str],
    password: str,
    uscc: str,
    name: str,
    *,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> ChecksumAddress:
    """Generate a new firm key, write it encrypted to `path`, and return its address."""
    return _write_keystore(Path(path), Account.create(), password, uscc, name, scrypt_n)


def import_keystore(
    path: str | os.PathLike[str],
    private_key_hex: str,
    password: str,
    uscc: str,
    name: str,
    *,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> ChecksumAddress:
    """Write an existing firm key (64 hex digits, 0x optional) encrypted to `path`."""
    return _write_keystore(
        Path(path), Account.from_key(_private_key(private_key_hex)), password, uscc, name, scrypt_n
    )


def load(path: str | os.PathLike[str], password: str) -> FirmKey:
    """Decrypt the keystore at `path` and check its firm label."""
    path = Path(path)
    document = _read(path)
    crypto = document.get("crypto")
    if document.get("version") != 3 or not isinstance(crypto, dict):
        raise CorruptKeystore(f"{path} is not a version 3 keystore")
    _check_kdf(path, crypto)
    metadata = document.get(_METADATA_KEY)
    if not isinstance(metadata, dict):
        raise CorruptKeystore(f"{path} has no {_METADATA_KEY!r} firm label: not one of ours")
    if not isinstance(password, str):
        raise KeystoreError("the password must be text")

    try:
        private_key = Account.decrypt(document, password)
    except EthKeyfileValueError as exc:
        if "MAC mismatch" in str(exc):
            raise WrongPassword(
                f"wrong password for {path} (or its encrypted key was altered)"
            ) from None
        raise CorruptKeystore(f"{path} cannot be decrypted: {exc}") from None
    except (KeyError, TypeError, ValueError, AssertionError) as exc:
        raise CorruptKeystore(f"{path} has a damaged crypto section: {exc!r}") from None

    try:
        account: LocalAccount = Account.from_key(private_key)
    except (ValueError, TypeError) as exc:
        raise CorruptKeystore(f"{path} holds no valid private key: {exc}") from None
    recorded = document.get("address")
    if not isinstance(recorded, str) or recorded.lower().removeprefix("0x") != (
        account.address[2:].lower()
    ):
        raise CorruptKeystore(f"{path} records address {recorded!r} but holds {account.address}")
    return _firm_key(path, account, metadata)


def _write_keystore(
    path: Path, account: LocalAccount, password: str, uscc: str, name: str, scrypt_n: int
) -> ChecksumAddress:
    _check_password(password)
    uscc, name = _firm(uscc, name)
    if not isinstance(scrypt_n, int) or scrypt_n < 2 or scrypt_n & (scrypt_n - 1):
        raise KeystoreError(f"scrypt_n must be a power of two ≥ 2, got {scrypt_n!r}")
    # Checked before the slow key derivation; the exclusive link below still guards the race.
    if os.path.lexists(path):
        raise KeystoreExists(f"{path} already exists; a keystore is never overwritten")
    if not path.parent.is_dir():
        raise KeystoreError(f"directory {path.parent} does not exist")

    created = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    label = {"uscc": uscc, "name": name, "created": created}
    signed = account.sign_message(encode_defunct(_label_bytes(account.address, label)))
    document = Account.encrypt(account.key, password, kdf="scrypt", iterations=scrypt_n)
    document[_METADATA_KEY] = {**label, "signature": "0x" + bytes(signed.signature).hex()}
    _write_new(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
    return account.address


def _write_new(path: Path, data: bytes) -> None:
    """Write `data` to a new file at `path` with mode 0600, all at once, never replacing one."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # link(2) fails if the name exists, so the file appears complete or not at all.
            os.link(temporary, path)
        except FileExistsError:
            raise KeystoreExists(
                f"{path} already exists; a keystore is never overwritten"
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            _claim_then_replace(path, temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _claim_then_replace(path: Path, temporary: str) -> None:
    # For file systems without hard links: claim the name exclusively, then swap the content in.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise KeystoreExists(f"{path} already exists; a keystore is never overwritten") from None
    os.replace(temporary, path)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_FILE_SIZE + 1)
    except FileNotFoundError:
        raise KeystoreNotFound(f"no keystore at {path}") from None
    except IsADirectoryError:
        raise CorruptKeystore(f"{path} is a directory, not a keystore file") from None
    if len(raw) > _MAX_FILE_SIZE:
        raise CorruptKeystore(f"{path} is larger than any keystore ({_MAX_FILE_SIZE} bytes)")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptKeystore(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CorruptKeystore(f"{path} is not a keystore: expected a JSON object")
    return document


def _check_kdf(path: Path, crypto: dict[str, Any]) -> None:
    params = crypto.get("kdfparams")
    if crypto.get("kdf") != "scrypt" or not isinstance(params, dict):
        raise CorruptKeystore(f"{path} does not use scrypt key derivation")
    values = [params.get(name) for name in ("n", "r", "p")]
    n, r, p = (v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0 for v in values)
    if not n or not r or not p:
        raise CorruptKeystore(f"{path} has invalid scrypt parameters")
    if 128 * n * r * p > _MAX_SCRYPT_MEMORY:
        raise CorruptKeystore(f"{path} asks for scrypt n={n} r={r} p={p}, beyond any sane keystore")


def _firm_key(path: Path, account: LocalAccount, metadata: dict[str, Any]) -> FirmKey:
    fields = {k: metadata.get(k) for k in ("uscc", "name", "created")}
    label = {k: v for k, v in fields.items() if isinstance(v, str)}
    signature = metadata.get("signature")
    if len(label) != len(fields) or not isinstance(signature, str):
        raise CorruptKeystore(f"{path} has an incomplete firm label")
    try:
        signer = Account.recover_message(
            encode_defunct(_label_bytes(account.address, label)), signature=signature
        )
    except (ValueError, TypeError, BadSignature, EthKeysValidationError):
        signer = None
    if signer != account.address:
        raise CorruptKeystore(f"{path}: the firm label was altered after the keystore was made")
    try:
        created = datetime.strptime(label["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        uscc = validate_uscc(label["uscc"])
    except (ValueError, InvalidUSCC) as exc:
        raise CorruptKeystore(f"{path} has an invalid firm label: {exc}") from None
    return FirmKey(account=account, uscc=uscc, name=label["name"], created=created)


def _label_bytes(address: str, label: dict[str, str]) -> bytes:
    return b"tender-ledger keystore label\n" + canonical_json(
        {"address": to_checksum_address(address), **label}
    )


def _check_password(password: str) -> None:
    if not isinstance(password, str):
        raise KeystoreError("the password must be text")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters, got {len(password)}"
        )


def _firm(uscc: str, name: str) -> tuple[str, str]:
    try:
        uscc = validate_uscc(uscc)
    except InvalidUSCC as exc:
        raise InvalidFirm(f"invalid USCC: {exc}") from None
    if not isinstance(name, str) or not name.strip():
        raise InvalidFirm("the firm name must be non-empty text")
    if len(name.strip()) > 200:
        raise InvalidFirm(f"the firm name is {len(name.strip())} characters, at most 200")
    return uscc, name.strip()


def _private_key(text: str) -> bytes:
    # Never echo the key in an error: messages end up in logs.
    match = _PRIVATE_KEY_HEX.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidPrivateKey("a private key is 64 hex digits, optionally 0x-prefixed")
    key = bytes.fromhex(match.group(1))
    if not 0 < int.from_bytes(key, "big") < _SECP256K1_ORDER:
        raise InvalidPrivateKey("the private key is outside the secp256k1 range")
    return key
