"""The firm's key in an encrypted keystore: creating, importing, loading, and every refusal."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from bidders.keystore import (
    DEFAULT_SCRYPT_N,
    CorruptKeystore,
    InvalidFirm,
    InvalidPrivateKey,
    KeystoreError,
    KeystoreExists,
    KeystoreNotFound,
    WeakPassword,
    WrongPassword,
    create_keystore,
    import_keystore,
    load,
)
from ledger.errors import LedgerError

USCC = "91350100M000100Y43"
OTHER_USCC = "91130125MA07WJNA83"
NAME = "珠海市第一建设工程有限公司"
PASSWORD = "correct horse battery"
LIGHT = 2**4  # scrypt work factor for tests only; real keystores use the default
KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "firm.json"


def make(path: Path, **changes: Any) -> str:
    arguments: dict[str, Any] = {
        "password": PASSWORD,
        "uscc": USCC,
        "name": NAME,
        "scrypt_n": LIGHT,
    }
    arguments.update(changes)
    return create_keystore(path, **arguments)


def rewrite(path: Path, change: Any) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_created_keystore_loads_with_its_password_and_firm_label(path: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    address = make(path)
    firm = load(path, PASSWORD)
    assert firm.address == address
    assert firm.uscc == USCC
    assert firm.name == NAME
    assert before <= firm.created <= datetime.now(UTC) + timedelta(seconds=1)
    signed = firm.account.sign_message(encode_defunct(b"bid"))
    assert Account.recover_message(encode_defunct(b"bid"), signature=signed.signature) == address


def test_the_file_is_a_standard_v3_keystore_with_our_label(path: Path) -> None:
    address = make(path, uscc=" 91350100m000100y43 ")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == 3
    assert document["crypto"]["kdf"] == "scrypt"
    assert document["crypto"]["kdfparams"]["n"] == LIGHT
    assert "0x" + document["address"].lower() == address.lower()
    label = document["tenderLedger"]
    assert label["uscc"] == USCC  # normalised
    assert label["name"] == NAME
    assert label["created"].endswith("Z")
    assert label["signature"].startswith("0x")
    # Any Ethereum tool opens it.
    assert Account.from_key(Account.decrypt(document, PASSWORD)).address == address


def test_new_keystores_use_the_standard_scrypt_strength_by_default(path: Path) -> None:
    address = create_keystore(path, PASSWORD, USCC, NAME)
    assert json.loads(path.read_text())["crypto"]["kdfparams"]["n"] == DEFAULT_SCRYPT_N == 2**18
    assert load(path, PASSWORD).address == address


def test_an_imported_key_keeps_its_address(path: Path) -> None:
    assert import_keystore(path, KEY, PASSWORD, USCC, NAME, scrypt_n=LIGHT) == KEY_ADDRESS
    firm = load(path, PASSWORD)
    assert firm.address == KEY_ADDRESS
    assert firm.account.key.hex().removeprefix("0x") == KEY[2:]


def test_a_key_may_be_imported_without_the_0x_prefix(tmp_path: Path) -> None:
    address = import_keystore(
        tmp_path / "k.json", KEY[2:].upper(), PASSWORD, USCC, NAME, scrypt_n=LIGHT
    )
    assert address == KEY_ADDRESS


@pytest.mark.parametrize(
    "key",
    ["", "0x1234", KEY + "00", "0x" + "zz" * 32, "0x" + "00" * 32, "0x" + "ff" * 32],
    ids=["empty", "short", "long", "not-hex", "zero", "above-order"],
)
def test_something_that_is_not_a_private_key_is_refused_without_echoing_it(
    path: Path, key: str
) -> None:
    with pytest.raises(InvalidPrivateKey) as failure:
        import_keystore(path, key, PASSWORD, USCC, NAME, scrypt_n=LIGHT)
    if len(key) > 8:
        assert key[2:10] not in str(failure.value)
    assert not path.exists()


def test_an_existing_file_is_never_overwritten(path: Path) -> None:
    path.write_text("precious")
    with pytest.raises(KeystoreExists, match="already exists"):
        make(path)
    assert path.read_text() == "precious"
    second = path.with_name("second.json")
    make(second)
    with pytest.raises(KeystoreExists):
        import_keystore(second, KEY, PASSWORD, USCC, NAME, scrypt_n=LIGHT)
    assert load(second, PASSWORD).address != KEY_ADDRESS


def test_a_dangling_symlink_counts_as_an_existing_file(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(KeystoreExists):
        make(link)
    assert not (tmp_path / "elsewhere.json").exists()


def test_a_file_that_appears_during_the_write_is_not_replaced(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_link = os.link

    def racing_link(source: str, target: Any) -> None:
        Path(target).write_text("written meanwhile")
        real_link(source, target)

    monkeypatch.setattr(os, "link", racing_link)
    with pytest.raises(KeystoreExists):
        make(path)
    assert path.read_text() == "written meanwhile"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_the_keystore_is_readable_by_its_owner_only(path: Path) -> None:
    old = os.umask(0)
    try:
        make(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_write_leaves_no_temporary_files_behind(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(path)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]

    def failing_link(source: str, target: Any) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "link", failing_link)
    other = path.with_name("other.json")
    with pytest.raises(OSError, match="Input/output"):
        make(other)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_without_hard_links_the_name_is_still_claimed_exclusively(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(source: str, target: Any) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", unsupported)
    address = make(path)
    assert load(path, PASSWORD).address == address
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="does not exist"):
        make(tmp_path / "nowhere" / "firm.json")


def test_a_wrong_password_is_reported_as_such(path: Path) -> None:
    make(path)
    with pytest.raises(WrongPassword, match="wrong password"):
        load(path, "incorrect horse")
    with pytest.raises(KeystoreError, match="wrong password"):
        load(path, PASSWORD + " ")


@pytest.mark.parametrize("password", ["", "1234567", "短密码"])
def test_passwords_shorter_than_8_characters_are_refused(path: Path, password: str) -> None:
    with pytest.raises(WeakPassword, match="at least 8 characters"):
        make(path, password=password)
    assert not path.exists()


def test_an_8_character_password_is_enough(path: Path) -> None:
    make(path, password="八个字符的密码吧")
    assert load(path, "八个字符的密码吧").uscc == USCC


@pytest.mark.parametrize(
    ("uscc", "name", "message"),
    [
        ("911301257502818178", NAME, "invalid USCC: bad check digit"),
        ("91350100M000100Y4", NAME, "invalid USCC: USCC must be 18 characters"),
        ("91350100S000100Y43", NAME, "invalid USCC: illegal character 'S'"),
        (USCC, "   ", "firm name"),
        (USCC, "x" * 201, "at most 200"),
    ],
)
def test_the_firm_label_must_be_a_valid_uscc_and_a_name(
    path: Path, uscc: str, name: str, message: str
) -> None:
    with pytest.raises(InvalidFirm, match=message):
        make(path, uscc=uscc, name=name)
    assert not path.exists()


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(KeystoreNotFound, match="no keystore at"):
        load(tmp_path / "absent.json", PASSWORD)


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"version": 3}', b'{"version": 4, "crypto": {}}'],
    ids=["empty", "text", "binary", "array", "no-crypto", "version-4"],
)
def test_a_file_that_is_no_keystore_is_corrupt(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    with pytest.raises(CorruptKeystore):
        load(path, PASSWORD)


def test_a_truncated_keystore_is_corrupt(path: Path) -> None:
    make(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptKeystore, match="not valid JSON"):
        load(path, PASSWORD)


def test_a_plain_ethereum_keystore_without_our_label_is_refused(path: Path) -> None:
    path.write_text(json.dumps(Account.encrypt(bytes.fromhex(KEY[2:]), PASSWORD, iterations=LIGHT)))
    with pytest.raises(CorruptKeystore, match="firm label"):
        load(path, PASSWORD)


def test_a_relabelled_keystore_is_detected(path: Path) -> None:
    make(path)
    rewrite(path, lambda d: d["tenderLedger"].update(uscc=OTHER_USCC))
    with pytest.raises(CorruptKeystore, match="label was altered"):
        load(path, PASSWORD)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["tenderLedger"].update(name="另一家公司"),
        lambda d: d["tenderLedger"].update(created="2020-01-01T00:00:00Z"),
        lambda d: d["tenderLedger"].update(signature="0x" + "00" * 65),
        lambda d: d["tenderLedger"].update(signature="garbage"),
        lambda d: d["tenderLedger"].pop("signature"),
        lambda d: d["tenderLedger"].update(uscc=7),
    ],
    ids=["name", "created", "zero-signature", "garbage-signature", "no-signature", "uscc-type"],
)
def test_any_change_to_the_label_is_detected(path: Path, change: Any) -> None:
    make(path)
    rewrite(path, change)
    with pytest.raises(CorruptKeystore):
        load(path, PASSWORD)


def test_a_keystore_whose_address_does_not_match_its_key_is_corrupt(path: Path) -> None:
    make(path)
    rewrite(path, lambda d: d.update(address="00" * 20))
    with pytest.raises(CorruptKeystore, match="records address"):
        load(path, PASSWORD)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["crypto"].update(kdf="pbkdf2"), "scrypt"),
        (lambda d: d["crypto"]["kdfparams"].update(n=2**30), "beyond any sane"),
        (lambda d: d["crypto"]["kdfparams"].update(n="16"), "scrypt parameters"),
        (lambda d: d["crypto"]["kdfparams"].update(n=3), "damaged crypto"),
        (lambda d: d["crypto"].pop("mac"), "damaged crypto"),
        (lambda d: d["crypto"].update(ciphertext="zz"), "damaged crypto"),
    ],
    ids=["kdf", "huge-n", "n-type", "n-not-power-of-two", "no-mac", "ciphertext-not-hex"],
)
def test_a_damaged_crypto_section_is_corrupt(path: Path, change: Any, message: str) -> None:
    make(path)
    rewrite(path, change)
    with pytest.raises(CorruptKeystore, match=message):
        load(path, PASSWORD)


def test_an_altered_encrypted_key_fails_its_mac_like_a_wrong_password(path: Path) -> None:
    make(path)

    def flip(document: dict[str, Any]) -> None:
        ciphertext = document["crypto"]["ciphertext"]
        document["crypto"]["ciphertext"] = ("1" if ciphertext[0] == "0" else "0") + ciphertext[1:]

    rewrite(path, flip)
    with pytest.raises(WrongPassword, match="or its encrypted key was altered"):
        load(path, PASSWORD)


def test_a_directory_or_oversized_file_is_corrupt(tmp_path: Path) -> None:
    with pytest.raises(CorruptKeystore, match="directory"):
        load(tmp_path, PASSWORD)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (64 * 1024 + 1))
    with pytest.raises(CorruptKeystore, match="larger than"):
        load(big, PASSWORD)


def test_keystore_errors_are_ledger_errors() -> None:
    for cls in (
        WeakPassword,
        InvalidFirm,
        InvalidPrivateKey,
        KeystoreExists,
        KeystoreNotFound,
        WrongPassword,
        CorruptKeystore,
    ):
        assert issubclass(cls, KeystoreError)
    assert issubclass(KeystoreError, LedgerError)


def test_the_loaded_key_does_not_show_in_its_repr(path: Path) -> None:
    import_keystore(path, KEY, PASSWORD, USCC, NAME, scrypt_n=LIGHT)
    firm = load(path, PASSWORD)
    assert KEY[2:] not in repr(firm)
    assert USCC in repr(firm)


def test_a_bad_work_factor_is_refused(path: Path) -> None:
    with pytest.raises(KeystoreError, match="power of two"):
        make(path, scrypt_n=1000)
