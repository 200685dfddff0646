"""Every custom error of every shipped contract maps to a ledger exception class (and so to an
HTTP status), and decoding recovers its arguments."""

from __future__ import annotations

import json
from pathlib import Path

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from ledger.errors import _ERROR_CLASSES, Conflict, decode_revert

ARTIFACTS = Path(__file__).resolve().parents[2] / "ledger" / "artifacts"


def _errors() -> list[dict]:  # type: ignore[type-arg]
    found = []
    for path in ARTIFACTS.glob("*.json"):
        if path.name == "provenance.json":
            continue
        found += [e for e in json.loads(path.read_text())["abi"] if e["type"] == "error"]
    return found


def test_every_contract_error_has_a_ledger_exception_class() -> None:
    names = {e["name"] for e in _errors()}
    assert names, "artifacts list custom errors"
    assert sorted(names - set(_ERROR_CLASSES)) == []


def test_a_revert_decodes_to_its_class_with_named_arguments() -> None:
    selector = function_signature_to_4byte_selector("LateBid(bytes32,uint64,uint64)")
    err = decode_revert(selector + encode(["bytes32", "uint64", "uint64"], [b"\x01" * 32, 10, 12]))
    assert isinstance(err, Conflict)
    assert err.error == "LateBid" and err.args_ == {"tenderId": b"\x01" * 32, "deadline": 10, "blockTime": 12}


def test_a_time_past_year_9999_in_an_error_is_worded_not_a_crash() -> None:
    """The attack: a deadline of 2^64 − 1 asked for, refused by the contract, must come back as
    the contract's error in words, not as an exception while wording it (a 5xx)."""
    from ledger.errors import InvalidArgument

    selector = function_signature_to_4byte_selector("DeadlineTooLate(bytes32,uint64,uint64)")
    err = decode_revert(selector + encode(["bytes32", "uint64", "uint64"], [b"\x01" * 32, 2**64 - 1, 2**32 - 1]))
    assert isinstance(err, InvalidArgument) and err.error == "DeadlineTooLate"
    assert f"{2**64 - 1} s after 1970" in str(err) and "2106-02-07T06:28:15Z" in str(err)
