"""Rate limits per client address and per signer: a client over its limit gets a 429 with a
Retry-After and the JSON error body, others are unaffected; a spoofed X-Forwarded-For moves no
limit unless the peer is a trusted proxy; a forged signature spends no one's allowance; and a
signed request refused for the rate is not spent, so it may be sent again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import RateLimiter, TokenBuckets, parse_networks
from api.ops import OpsSettings
from ledger.config import Settings
from ledger.crypto.requests import HEADER_SIGNER, sign_request


class Clock:
    """A clock the test moves by hand (no test here waits for, or times, anything)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(tmp_path: Path, **ops: Any) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "d"), OpsSettings(sync_interval_s=0, **ops)))


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Clock]]:
    """Two signed requests a minute per signer, at most two at once, on a hand-moved clock."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("signers") / "d"),
                     OpsSettings(sync_interval_s=0, rate_limit_signer_per_minute=2, rate_limit_signer_burst=2))
    clock = Clock()
    buckets = app.state.rate_limiter.signer
    assert buckets is not None
    buckets.clock = clock
    with TestClient(app) as http:
        yield http, clock


MINE = "/tenders/0x" + "ab" * 32 + "/sections/0/bids/mine"  # a signed read; no such tender: 404


def _signed(http: TestClient, account: Any, **kw: Any) -> dict[str, str]:
    chain = http.get("/chain").json()
    return sign_request(account, chain_id=chain["chain_id"], contract=chain["contracts"]["CredentialRegistry"],
                        method="GET", path=MINE, body=b"", **kw)


# ------------------------------------------------------------------------------ the buckets
def test_a_bucket_lets_a_burst_through_then_says_how_long_to_wait_and_refills() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=60, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(1.0)  # one a second
    assert buckets.take("b") == 0.0  # another key has its own bucket
    clock.now += 1.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.now += 3600
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]  # never more than the burst
    assert buckets.take("a") > 0


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert [str(n) for n in parse_networks(" 10.0.0.1, 192.168.0.0/16 ,::1")] == [
        "10.0.0.1/32", "192.168.0.0/16", "::1/128"]
    with pytest.raises(ValueError, match="'proxy.local' is neither"):
        parse_networks("10.0.0.1,proxy.local")
    with pytest.raises(ValueError, match="trusted_proxies"):
        OpsSettings(trusted_proxies="10.0.0.300")


def _scope(peer: str, *forwarded: str) -> dict[str, Any]:
    return {"type": "http", "client": (peer, 5000), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


def test_a_spoofed_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    untrusting = RateLimiter()
    assert untrusting.client_address(_scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    trusting = RateLimiter(trusted_proxies=parse_networks("127.0.0.1,10.0.0.0/8"))
    assert trusting.client_address(_scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"  # peer not a proxy
    assert trusting.client_address(_scope("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
    # The client sent its own X-Forwarded-For; the proxies appended the address they got it from:
    # the nearest address that is not a trusted proxy is the client, whatever it wrote before it.
    assert trusting.client_address(_scope("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.7")) == "198.51.100.1"
    assert trusting.client_address(_scope("127.0.0.1", "1.2.3.4", "198.51.100.1")) == "198.51.100.1"
    assert trusting.client_address(_scope("127.0.0.1", "not-an-ip")) == "not-an-ip"
    assert trusting.client_address(_scope("127.0.0.1")) == "127.0.0.1"


# ------------------------------------------------------------------------------ per address
def test_an_address_over_its_limit_gets_a_429_with_retry_after_and_the_error_body(tmp_path: Path) -> None:
    with _app(tmp_path, rate_limit_address_per_minute=3) as http:
        assert [http.get("/chain").status_code for _ in range(3)] == [200, 200, 200]
        r = http.get("/chain")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"] == "TooManyRequests"
        assert "too many requests from testclient: at most 3 a minute" in r.json()["message"]
        assert http.get("/healthz").status_code == 200 and http.get("/readyz").status_code == 200
        metrics = http.get("/metrics").text
        assert 'tl_rate_limited_total{by="address"} 1.0' in metrics
        assert 'tl_http_errors_total{error="TooManyRequests",status="429"} 1.0' in metrics


def test_a_spoofed_x_forwarded_for_does_not_get_past_the_address_limit(tmp_path: Path) -> None:
    with _app(tmp_path, rate_limit_address_per_minute=2) as http:
        codes = [http.get("/chain", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(4)]
        assert codes == [200, 200, 429, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d"), OpsSettings(
        sync_interval_s=0, rate_limit_address_per_minute=2, trusted_proxies="127.0.0.1"))
    with TestClient(app, client=("127.0.0.1", 40000)) as http:
        one = {"X-Forwarded-For": "198.51.100.1"}
        assert [http.get("/chain", headers=one).status_code for _ in range(3)] == [200, 200, 429]
        assert http.get("/chain", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
        # 198.51.100.1 writes an X-Forwarded-For of its own naming .2, and the proxy appends .1:
        # it is still .1, and still over its limit
        assert http.get("/chain", headers={"X-Forwarded-For": "198.51.100.2, 198.51.100.1"}).status_code == 429
        assert http.get("/chain", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_with_no_limits_set_nothing_is_limited(tmp_path: Path) -> None:
    with _app(tmp_path) as http:
        assert {http.get("/chain").status_code for _ in range(50)} == {200}


# ------------------------------------------------------------------------------ per signer
def test_a_signer_over_its_limit_gets_a_429_and_another_signer_does_not(
    signed_app: tuple[TestClient, Clock],
) -> None:
    http, clock = signed_app
    clock.now += 3600
    a, b = Account.create(), Account.create()
    assert [http.get(MINE, headers=_signed(http, a)).status_code for _ in range(2)] == [404, 404]
    r = http.get(MINE, headers=_signed(http, a))
    assert r.status_code == 429, r.text
    assert r.json()["error"] == "TooManyRequests"
    assert f"too many requests signed by {a.address}: at most 2 a minute" in r.json()["message"]
    assert r.headers["retry-after"] == "30"
    assert http.get(MINE, headers=_signed(http, b)).status_code == 404  # b has its own allowance
    assert http.get("/chain").status_code == 200  # unsigned requests are no signer's
    assert 'tl_rate_limited_total{by="signer"}' in http.get("/metrics").text


def test_a_forged_signature_naming_another_signer_spends_none_of_its_allowance(
    signed_app: tuple[TestClient, Clock],
) -> None:
    http, clock = signed_app
    clock.now += 3600
    attacker, victim = Account.create(), Account.create()
    for _ in range(5):
        forged = _signed(http, attacker) | {HEADER_SIGNER: victim.address}
        assert http.get(MINE, headers=forged).status_code == 401
    assert [http.get(MINE, headers=_signed(http, victim)).status_code for _ in range(2)] == [404, 404]


def test_a_signed_request_refused_for_the_rate_is_not_spent_and_may_be_sent_again(
    signed_app: tuple[TestClient, Clock],
) -> None:
    http, clock = signed_app
    clock.now += 3600
    signer = Account.create()
    for _ in range(2):
        assert http.get(MINE, headers=_signed(http, signer)).status_code == 404
    again = _signed(http, signer, nonce=int.from_bytes(os.urandom(8), "big"))
    refused = http.get(MINE, headers=again)
    assert refused.status_code == 429
    clock.now += int(refused.headers["retry-after"])
    assert http.get(MINE, headers=again).status_code == 404  # its nonce was not used up by the 429
    assert http.get(MINE, headers=again).status_code == 401  # now it was: a replay


def test_replaying_a_signers_request_spends_none_of_its_allowance(signed_app: tuple[TestClient, Clock]) -> None:
    http, clock = signed_app
    clock.now += 3600
    victim = Account.create()
    captured = _signed(http, victim)
    assert http.get(MINE, headers=captured).status_code == 404
    for _ in range(5):  # whoever saw it sends it again
        assert http.get(MINE, headers=captured).status_code == 401
    assert http.get(MINE, headers=_signed(http, victim)).status_code == 404  # its second request of two
