"""`tender-ledger key`: a person makes its own key file on its own machine and reads its address;
an existing file is never overwritten and a file that holds no key is one error line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from eth_account import Account

from tools.cli import main


def test_a_new_key_file_is_private_and_shows_its_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "officer1.key"
    assert main(["key", "new", "--out", str(path), "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made["address"] == Account.from_key(path.read_text().strip()).address
    assert main(["key", "show", "--key-file", str(path)]) == 0
    assert capsys.readouterr().out.strip() == made["address"]
    # the officer's public key file is made from it as before
    assert main(["tender", "officer-key", "--key-file", str(path), "--name", "王开标"]) == 0
    assert json.loads(capsys.readouterr().out)["address"] == made["address"]


def test_a_key_file_is_never_overwritten_and_a_bad_one_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "me.key"
    assert main(["key", "new", "--out", str(path)]) == 0
    before = path.read_text()
    capsys.readouterr()
    assert main(["key", "new", "--out", str(path)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "never overwritten" in err
    assert path.read_text() == before
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    assert main(["key", "show", "--key-file", str(bad)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "does not hold a private key" in err
    assert main(["key", "new", "--out", str(tmp_path / "missing" / "x.key")]) != 0
    assert capsys.readouterr().err.startswith("error: cannot write")
