"""Operations endpoints: liveness, readiness with its lag bound, Prometheus metrics by route
template, request ids, and JSON logs that carry no body, signature or key."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.ops import JsonFormatter, OpsSettings, journal_lag
from ledger.config import Settings


def _app(tmp_path: Path, **ops: object) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "d"), OpsSettings(**ops)))  # type: ignore[arg-type]


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The service's log records as JSON lines, as TL_LOG_FORMAT=json writes them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tender_ledger")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_healthz_answers_without_touching_the_chain(tmp_path: Path) -> None:
    with _app(tmp_path) as http:
        http.app.state.runtime.client.close()  # the chain is gone: liveness does not care
        assert http.get("/healthz").json() == {"ok": True}


def test_readyz_is_ready_when_the_chain_answers_and_the_journal_is_caught_up(tmp_path: Path) -> None:
    with _app(tmp_path) as http:
        body = http.get("/readyz").json()
        assert body["ready"] is True
        assert body["checks"]["chain"]["ok"] and body["checks"]["journal"]["lag_blocks"] == 0


def test_readyz_answers_503_naming_the_journal_when_it_lags_past_the_bound(tmp_path: Path) -> None:
    with _app(tmp_path, ready_max_lag_blocks=2, sync_interval_s=0) as http:
        rt = http.app.state.runtime
        for _ in range(3):  # three blocks the service does not journal (no follower, no write)
            rt.client.fund(rt.relayer, rt.centre.address, 1)
        answer = http.get("/readyz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["ready"] is False and body["error"] == "NotReady"
        assert body["checks"]["chain"]["ok"] is True
        assert body["checks"]["journal"] == {"ok": False, "lag_blocks": 3, "max_lag_blocks": 2,
                                             "message": "the journal is 3 blocks behind the chain (at most 2)"}
        http.app.state.store.reconcile()
        assert http.get("/readyz").status_code == 200


def test_readyz_answers_503_naming_the_chain_when_it_does_not_answer(tmp_path: Path) -> None:
    with _app(tmp_path, sync_interval_s=0) as http:
        rt = http.app.state.runtime
        broken = rt.client.block_number

        def unreachable() -> int:
            from ledger.errors import NodeUnavailable

            raise NodeUnavailable("the node at http://127.0.0.1:9 does not answer")

        rt.client.block_number = unreachable
        try:
            answer = http.get("/readyz")
        finally:
            rt.client.block_number = broken
        assert answer.status_code == 503
        checks = answer.json()["checks"]
        assert checks["chain"]["ok"] is False and "does not answer" in checks["chain"]["message"]
        assert checks["journal"]["ok"] is False


def test_the_follower_catches_the_journal_up_with_blocks_the_service_did_not_write(tmp_path: Path) -> None:
    import time

    with _app(tmp_path, sync_interval_s=0.05) as http:
        rt, store = http.app.state.runtime, http.app.state.store
        rt.client.fund(rt.relayer, rt.centre.address, 1)
        deadline = time.monotonic() + 30
        while journal_lag(store)[1] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert journal_lag(store)[1] == 0


def test_metrics_count_requests_by_route_template_and_errors_by_status_and_name(tmp_path: Path) -> None:
    with _app(tmp_path, sync_interval_s=0) as http:
        for uscc in ("91350100M000100Y43", "91350100M000100Y44"):
            http.get(f"/firms/{uscc}/credentials")
        assert http.get("/no/such/route").status_code == 404
        assert http.post("/credentials/prepare-anchor", content=b"{not json",
                         headers={"content-type": "application/json"}).status_code in (400, 422)
        rt = http.app.state.runtime
        rt.client.fund(rt.relayer, rt.centre.address, 1)  # one transaction the service signs itself
        text = http.get("/metrics").text
    samples = _samples(text)
    # One series per route template, not one per raw path.
    firm_routes = {dict(labels)["route"] for (name, labels) in samples
                   if name == "tl_http_request_duration_seconds_count" and "firms" in dict(labels)["route"]}
    assert firm_routes == {"/firms/{uscc}/credentials"}
    count = samples[("tl_http_request_duration_seconds_count",
                     frozenset({("method", "GET"), ("route", "/firms/{uscc}/credentials")}))]
    assert count == 2
    assert samples[("tl_http_request_duration_seconds_count",
                    frozenset({("method", "GET"), ("route", "unmatched")}))] == 1
    errors = {dict(labels)["status"]: dict(labels)["error"] for (name, labels) in samples
              if name == "tl_http_errors_total"}
    assert errors.get("404") == "NotFound"
    assert any(status in errors for status in ("400", "422"))
    assert samples[("tl_transactions_mined_total", frozenset({("signed_by", "service")}))] >= 1
    assert ("tl_chain_head_block", frozenset()) in samples
    assert samples[("tl_journal_lag_blocks", frozenset())] >= 0


def test_a_request_id_is_echoed_or_made_and_a_bad_one_is_replaced(tmp_path: Path) -> None:
    with _app(tmp_path, sync_interval_s=0) as http:
        assert http.get("/healthz", headers={"X-Request-ID": "req-42.a"}).headers["x-request-id"] == "req-42.a"
        made = http.get("/healthz").headers["x-request-id"]
        assert len(made) == 32
        injected = http.get("/healthz", headers={"X-Request-ID": "a\" , \"level\": \"forged"})
        assert injected.headers["x-request-id"] != "a\" , \"level\": \"forged"


def test_json_logs_carry_the_request_id_and_never_a_body_signature_or_key(
        tmp_path: Path, json_logs: io.StringIO) -> None:
    secret_body = json.dumps({"documents": [], "sender": "0x" + "ab" * 20, "note": "BODY-MARKER-7781"})
    with _app(tmp_path, sync_interval_s=0) as http:
        rt = http.app.state.runtime
        relayer_key = rt.relayer.key.hex()
        centre_key = rt.centre.key.hex()
        http.post("/credentials/prepare-anchor", content=secret_body, headers={
            "content-type": "application/json", "X-Request-ID": "trace-1",
            "X-TL-Signature": "0x" + "5a" * 65, "Authorization": "Bearer SECRET-TOKEN"})
        http.get("/firms/91350100M000100Y43/credentials?at=QUERY-MARKER-2026", headers={"X-Request-ID": "trace-2"})
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    access = {line["request_id"]: line for line in lines if "route" in line}
    assert access["trace-1"]["route"] == "/credentials/prepare-anchor" and access["trace-1"]["method"] == "POST"
    assert access["trace-2"]["route"] == "/firms/{uscc}/credentials" and access["trace-2"]["status"] == 422
    text = json_logs.getvalue()
    for secret in ("BODY-MARKER-7781", "5a5a5a5a", "SECRET-TOKEN", relayer_key, centre_key,
                   relayer_key.removeprefix("0x"), "QUERY-MARKER"):
        assert secret not in text
