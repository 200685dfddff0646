"""EIP-712 signed requests: what they bind, and every way a forged or stale one is refused."""

from __future__ import annotations

import pytest
from eth_account import Account

from ledger.crypto.requests import RequestAuthError, sign_request, verify_request

CONTRACT = "0x" + "ab" * 20
ARGS = {"chain_id": 1337, "contract": CONTRACT, "method": "POST", "path": "/x"}


def _signed(body: bytes = b'{"a":1}', **overrides):  # type: ignore[no-untyped-def]
    account = Account.create()
    params = {**ARGS, **overrides}
    return account, sign_request(account, body=body, now=1_000, **params)


def test_a_correctly_signed_request_names_its_signer() -> None:
    account, headers = _signed()
    req = verify_request(headers, body=b'{"a":1}', now=1_010, **ARGS)
    assert req.signer == account.address


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"a":2}'},
        {"path": "/y"},
        {"method": "DELETE"},
        {"chain_id": 1},
        {"contract": "0x" + "cd" * 20},
    ],
)
def test_changing_anything_signed_breaks_the_signature(change: dict) -> None:  # type: ignore[type-arg]
    _, headers = _signed()
    params = {**ARGS, "body": b'{"a":1}', **change}
    with pytest.raises(RequestAuthError, match="does not match"):
        verify_request(headers, now=1_010, **params)


def test_an_expired_request_is_refused() -> None:
    _, headers = _signed()
    with pytest.raises(RequestAuthError, match="expired"):
        verify_request(headers, body=b'{"a":1}', now=5_000, **ARGS)


def test_a_request_claiming_another_signer_is_refused() -> None:
    _, headers = _signed()
    headers["X-TL-Signer"] = Account.create().address
    with pytest.raises(RequestAuthError, match="does not match"):
        verify_request(headers, body=b'{"a":1}', now=1_010, **ARGS)


def test_missing_or_malformed_headers_are_named() -> None:
    _, headers = _signed()
    del headers["X-TL-Nonce"]
    with pytest.raises(RequestAuthError, match="X-TL-Nonce"):
        verify_request(headers, body=b'{"a":1}', now=1_010, **ARGS)
    _, headers = _signed()
    headers["X-TL-Signature"] = "0xzz"
    with pytest.raises(RequestAuthError, match="malformed"):
        verify_request(headers, body=b'{"a":1}', now=1_010, **ARGS)


def test_an_expiry_too_far_ahead_is_refused() -> None:
    account = Account.create()
    headers = sign_request(account, body=b"", now=1_000, lifetime_s=100_000, **ARGS)
    with pytest.raises(RequestAuthError, match="ahead"):
        verify_request(headers, body=b"", now=1_000, **ARGS)
