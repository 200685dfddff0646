"""The OpenAPI schema says what the API enforces, and every answer is one it documents: formats of
ids, addresses, codes and integers stated (and enforced by the same types), a 422 that names the
field and the format, a 405 that names every method of its path, a 400 for a body that is not
JSON, and one error body. Each test names the input the schemathesis run (test_schemathesis)
found answered outside the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from api.params import ADDRESS_PATTERN, HEX32_PATTERN, UINT16_MAX, USCC_PATTERN
from ledger.config import Settings
from tests.scenes import FIRM, Actor

TENDER = "0x" + "11" * 32
ADDRESS = "0x" + "22" * 20


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data: Path = tmp_path_factory.mktemp("schema") / "d"
    with TestClient(create_app(Settings(data_dir=data)), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def caller(http: TestClient) -> Actor:
    """Any key: it signs requests, it holds no role and no funds."""
    return Actor.of(http, Account.create())


@pytest.fixture(scope="module")
def openapi(http: TestClient) -> dict[str, Any]:
    return dict(http.get("/openapi.json").json())


def _operations(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


# ---------------------------------------------------------------------- the schema states the formats

PARAMETER_FORMATS = {"tender_id": HEX32_PATTERN, "credential_id": HEX32_PATTERN, "guarantee_id": HEX32_PATTERN,
                     "bidder": ADDRESS_PATTERN, "issuer": ADDRESS_PATTERN, "applicant": ADDRESS_PATTERN,
                     "uscc": USCC_PATTERN}


def _schema_of(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter["schema"]
    return next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)


def test_every_id_address_code_and_section_parameter_states_its_format(openapi: dict[str, Any]) -> None:
    seen = set()
    for label, operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            schema, name = _schema_of(parameter), parameter["name"]
            if name in PARAMETER_FORMATS:
                assert schema.get("pattern") == PARAMETER_FORMATS[name], (label, name, schema)
                seen.add(name)
            if name == "section":
                assert (schema["minimum"], schema["maximum"]) == (0, UINT16_MAX), (label, schema)
                seen.add(name)
    assert seen == set(PARAMETER_FORMATS) | {"section"}


def test_every_answer_is_documented_with_a_model_and_every_error_with_the_error_body(openapi: dict[str, Any]) -> None:
    for label, operation in _operations(openapi):
        responses = operation["responses"]
        ok = [code for code in responses if code.startswith("2")]
        assert len(ok) == 1, (label, list(responses))
        schema = responses[ok[0]]["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("items", {}).get("$ref"), (label, schema)
        for code, response in responses.items():
            if not code.startswith("2"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in responses, label
        if operation.get("requestBody"):
            assert {"400", "413"} <= set(responses), label


def test_the_documented_models_list_every_key_they_allow(openapi: dict[str, Any]) -> None:
    """A view that grows a key its model does not list is a schema violation, not a silent change."""
    from api import responses

    documented = {name for name, value in vars(responses).items()
                  if isinstance(value, type) and issubclass(value, responses.BaseModel) and value.__module__ == responses.__name__}
    for name in documented - {"_Doc"}:
        schema = openapi["components"]["schemas"].get(name)
        if schema is not None:
            assert schema.get("additionalProperties") is False, name


def test_every_link_leads_to_an_operation_and_its_parameters(openapi: dict[str, Any]) -> None:
    count = 0
    for label, operation in _operations(openapi):
        for code, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
                target = openapi["paths"][path.replace("~1", "/").replace("~0", "~")][method]
                names = {p["name"] for p in target.get("parameters", [])}
                assert {p.split(".")[-1] for p in link["parameters"]} <= names, (label, name)
                count += 1
    assert count >= 20


# ---------------------------------------------------------------------- what the API answers


def test_a_malformed_tender_id_and_bidder_in_the_nonce_path_are_a_422_naming_the_field_and_format(
        http: TestClient) -> None:
    # GET /tenders/0/nonces/0 once answered 500
    r = http.get("/tenders/0/nonces/0")
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "ValidationFailed"
    assert body["message"].startswith("tender_id is not 32 bytes as 0x-hex") and "(and 1 more" in body["message"]
    assert [e["loc"] for e in body["detail"]] == [["path", "tender_id"], ["path", "bidder"]]


def test_a_uscc_of_the_right_shape_with_a_wrong_check_character_is_the_ledgers_422(http: TestClient) -> None:
    wrong = FIRM[:-1] + ("0" if FIRM[-1] != "0" else "1")
    r = http.get(f"/firms/{wrong}/credentials")
    assert r.status_code == 422 and "check digit" in r.json()["message"] and "detail" not in r.json()
    r = http.get(f"/firms/{FIRM.lower()}/credentials")
    assert r.status_code == 422 and r.json()["message"].startswith("uscc is not a USCC")


@pytest.mark.parametrize("path", [
    f"/tenders/{TENDER}/sections/{UINT16_MAX + 1}/results",
    f"/tenders/{TENDER}/sections/-1/guarantees/bids/{ADDRESS}",
    f"/firms/{FIRM}/credentials?at=100000000000000000000",
    "/events?limit=10001",
])
def test_integers_past_their_type_are_a_422_naming_the_bound(http: TestClient, path: str) -> None:
    r = http.get(path)
    assert r.status_code == 422, r.text
    assert "less than or equal" in r.json()["message"] or "greater than or equal" in r.json()["message"]


@pytest.mark.parametrize("field,value", [("expiry", 2**64), ("nonce", 2**256), ("nonce", -1)])
def test_a_bid_whose_nonce_or_expiry_does_not_fit_its_abi_type_is_a_422(caller: Actor, field: str, value: int) -> None:
    bid = {"envelope_b64": "eA==", "credential_set_commitment": TENDER, "commitment": TENDER, "nonce": 0, "expiry": 1,
           "signature": "0x" + "33" * 65}
    r = caller.post(f"/tenders/{TENDER}/sections/0/bids", {**bid, field: value})
    assert r.status_code == 422 and r.json()["message"].startswith(f"{field}: "), r.text


@pytest.mark.parametrize("signature", ["0x", "0x" + "33" * 64, "zz", "0x" + "3" * 131])
@pytest.mark.parametrize("action", ["bids", "withdraw"])
def test_a_bid_or_withdrawal_signature_that_is_not_65_bytes_of_hex_is_a_422_naming_it(
        caller: Actor, action: str, signature: str) -> None:
    # "zz" once answered 500 on both: the route read it as hex before anything checked it
    bid = {"envelope_b64": "eA==", "credential_set_commitment": TENDER, "commitment": TENDER, "nonce": 0, "expiry": 1,
           "signature": signature}
    r = caller.post(f"/tenders/{TENDER}/sections/0/{action}", bid)
    assert r.status_code == 422 and r.json()["message"].startswith("signature is not a 65-byte signature"), r.text


def test_get_on_the_prepare_anchor_path_is_a_405_not_a_malformed_credential_id(http: TestClient) -> None:
    r = http.get("/credentials/prepare-anchor")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["error"] == "MethodNotAllowed"


def test_post_to_a_credentials_history_is_a_405_not_an_unknown_status_action(http: TestClient) -> None:
    r = http.post(f"/credentials/{TENDER}/history", json={"signed_tx": "0x00"})
    assert r.status_code == 405 and r.headers["allow"] == "GET"


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/issuers", "GET"), ("PUT", "/guarantees", "GET, POST"),
    ("PATCH", "/governance/steps", "POST"), ("DELETE", f"/tenders/{TENDER}", "GET"),
])
def test_a_405_names_every_method_its_path_serves(http: TestClient, method: str, path: str, allowed: str) -> None:
    r = http.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allowed


def test_a_body_that_is_not_utf8_is_a_documented_400_saying_so(http: TestClient) -> None:
    r = http.post("/verify", content=b'{"document": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == "BadRequest" and "not UTF-8" in r.json()["message"]


def test_an_unsigned_write_is_a_401_in_the_error_body_and_keeps_its_detail(http: TestClient) -> None:
    r = http.post("/governance/steps", json={"signed_tx": "0x00"})
    assert r.status_code == 401
    body = r.json()
    assert body["error"] == "Unauthenticated" and body["message"] == body["detail"]
    assert body["detail"].startswith("unauthenticated: missing header")


def test_a_schema_error_keeps_the_frameworks_detail_list_beside_the_message(http: TestClient) -> None:
    r = http.post("/verify", content=json.dumps({"document": {}, "credential_id": "0x12"}),
                  headers={"content-type": "application/json"})
    assert r.status_code == 422
    body = r.json()
    assert body["message"].startswith("credential_id is not 32 bytes as 0x-hex")
    assert body["detail"][0]["loc"] == ["body", "credential_id"]


def test_an_unknown_status_action_is_a_422_naming_the_four(caller: Actor) -> None:
    r = caller.post(f"/credentials/{TENDER}/erase", {"signed_tx": "0x00"})
    assert r.status_code == 422 and r.json()["message"].startswith("action: Input should be 'revoke'")
