"""Hostile input gets a 4xx and the service keeps answering: a JSON nested 200,000 deep (which
once overflowed the C stack and killed the process), bodies over the size limit whether declared
or streamed, a Content-Length that is not a number, malformed ids and arguments that do not
fit a contract function's types."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import MAX_BODY_BYTES
from ledger.config import Settings

DEEP = "[" * 200_000 + "]" * 200_000  # ~400 KB, well under the size limit


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data: Path = tmp_path_factory.mktemp("limits") / "d"
    with TestClient(create_app(Settings(data_dir=data)), raise_server_exceptions=False) as client:
        yield client


def test_loading_the_chain_leaves_the_recursion_limit_at_pythons_default() -> None:
    # py_ecc raises it to 100,000 on import; at that limit json.loads of DEEP segfaults.
    assert sys.getrecursionlimit() <= 1000


@pytest.mark.parametrize("path", ["/verify", "/credentials/prepare-anchor", "/tx/prepare", "/credentials"])
def test_a_body_nested_two_hundred_thousand_deep_is_a_400_and_the_service_still_answers(
    http: TestClient, path: str
) -> None:
    r = http.post(path, content=DEEP, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert http.get("/chain").status_code == 200


def test_a_declared_body_over_the_limit_is_refused_unread_with_413(http: TestClient) -> None:
    r = http.post("/verify", content=b"{}", headers={"content-type": "application/json",
                                                     "content-length": str(MAX_BODY_BYTES + 1)})
    assert r.status_code == 413
    assert r.json()["error"] == "PayloadTooLarge"


def test_a_streamed_body_that_grows_over_the_limit_is_refused_with_413(http: TestClient) -> None:
    chunk = b" " * (1024 * 1024)

    def body() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
            yield chunk

    r = http.post("/verify", content=body(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert http.get("/chain").status_code == 200


def test_a_content_length_that_is_not_a_number_is_refused(http: TestClient) -> None:
    r = http.post("/verify", content=b"{}", headers={"content-type": "application/json",
                                                     "content-length": "12abc"})
    assert 400 <= r.status_code < 500


BAD_IDS = ["0", "xyz", "0x12", "0x" + "zz" * 32, "-1", "9" * 100]
GETS = ["/credentials/{x}", "/credentials/{x}/history", "/firms/{x}/credentials", "/tenders/{x}",
        "/tenders/{x}/versions", "/tenders/{x}/nonces/{x}", "/tenders/{x}/sections/{x}/results",
        "/guarantees/{x}", "/guarantees/{x}/issue-template", "/guarantees?applicant={x}",
        "/tenders/{x}/sections/{x}/guarantees/application-template?issuer={x}",
        "/tenders/{x}/sections/0/guarantees/bids/{x}"]


@pytest.mark.parametrize("path", GETS)
def test_malformed_ids_in_a_path_or_query_are_a_4xx_never_a_5xx(http: TestClient, path: str) -> None:
    for bad in BAD_IDS:
        r = http.get(path.format(x=bad))
        assert 400 <= r.status_code < 500, (path.format(x=bad), r.status_code, r.text[:200])


def test_a_bidder_that_is_not_an_address_is_named_in_a_422(http: TestClient) -> None:
    r = http.get("/tenders/0x" + "11" * 32 + "/nonces/0x12")
    assert r.status_code == 422 and "bidder is not an address" in r.json()["message"]


def test_arguments_that_do_not_fit_the_functions_types_are_a_422_naming_them(http: TestClient) -> None:
    r = http.post("/tx/prepare", json={"contract": "TenderBook", "function": "withdrawBid",
                                       "args": ["0x12", 99_999_999_999], "sender": "0x" + "11" * 20})
    assert r.status_code == 422
    message = r.json()["message"]
    assert "TenderBook.withdrawBid" in message and "uint16" in message
