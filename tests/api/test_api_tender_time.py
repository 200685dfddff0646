"""The time rules of a tender through the HTTP API, decided by TenderBook on block time: a bid
period under 20 days from the publication, a self-declared issue time, an amendment that cuts the
deadline, a late amendment that would leave bidders under 15 days, an amendment after the deadline.
Each refusal is a 4xx naming the contract's error, in words, with nothing filed or mined."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.crypto.sealing import OpeningKey
from ledger.crypto.shares import share_hash, split
from ledger.tenders import tender_id
from tests.scenes import KINDS, Firm, Scene, Tender, tender_params

DAY = 86_400


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with Scene.served(tmp_path_factory.mktemp("tender-time")) as scene:
        yield scene


@pytest.fixture(scope="module")
def firm(scene: Scene) -> Firm:
    return scene.firm(scene.issuer(*KINDS))


def _publish(scene: Scene, params: dict[str, Any]) -> Any:
    key = OpeningKey.generate()
    shares = split(key.private, 2, 3)
    officers = [scene.account(funds=0).address for _ in range(3)]
    return scene.centre.post("/tenders", {
        "params": params, "document_b64": base64.b64encode(b"%PDF tender").decode(),
        "opening_public_key": "0x" + key.public.hex(), "share_hashes": ["0x" + share_hash(s).hex() for s in shares],
        "officers": officers, "threshold": 2,
    })


def _amend(scene: Scene, tender: Tender, deadline: int, reason: str = "答疑澄清") -> Any:
    params = tender.params
    params["deadline"] = datetime.fromtimestamp(deadline, UTC).isoformat()
    return scene.centre.post(f"/tenders/{tender.tid}/amendments", {
        "params": params, "document_b64": base64.b64encode(b"%PDF amended " + reason.encode()).decode(),
        "reason": reason})


def _time(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def test_a_deadline_19_days_23_hours_after_publication_is_refused_with_the_contracts_error(scene: Scene) -> None:
    now = scene.now()
    params = tender_params(project_code="E-SHORT-1", deadline=(now + timedelta(days=20, hours=-1)).isoformat())
    blocks = scene.rt.client.block_number()
    r = _publish(scene, params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["contract_error"] == "BidPeriodTooShort"
    assert "at least 20 days later" in body["message"] and "block time of its publication" in body["message"]
    # The error's arguments by name, as JSON takes them: the id as 0x-hex, the times as integers.
    assert set(body) == {"error", "message", "contract_error", "args"}
    args = body["args"]
    assert args["tenderId"] == "0x" + tender_id("E-SHORT-1").hex() and args["deadline"] == _time(params["deadline"])
    assert isinstance(args["issuedAt"], int) and args["earliest"] == args["issuedAt"] + 20 * DAY
    assert scene.rt.client.block_number() == blocks  # dry-run first: nothing mined
    assert scene.http.get(f"/tenders/0x{tender_id('E-SHORT-1').hex()}").status_code == 404


def test_a_deadline_after_2106_is_refused_with_the_contracts_error_not_wrapped_around(scene: Scene) -> None:
    # TenderBook stores deadlines in 32-bit seconds: 2107 would wrap to a deadline long passed.
    params = tender_params(project_code="E-FAR-1", deadline="2107-01-01T09:00:00+08:00")
    blocks = scene.rt.client.block_number()
    r = _publish(scene, params)
    assert r.status_code == 422, r.text
    assert r.json()["contract_error"] == "DeadlineTooLate"
    assert "2106-02-07T06:28:15Z, the latest the chain stores" in r.json()["message"]
    assert scene.rt.client.block_number() == blocks
    assert scene.http.get(f"/tenders/0x{tender_id('E-FAR-1').hex()}").status_code == 404


def test_a_backdated_issue_time_in_the_parameters_is_refused(scene: Scene) -> None:
    # The attack the issue time in the parameters allowed: issued "30 days ago", deadline in 5 minutes.
    now = scene.now()
    params = tender_params(project_code="E-BACKDATED-1", deadline=(now + timedelta(minutes=5)).isoformat(),
                           issued_at=(now - timedelta(days=30)).isoformat())
    r = _publish(scene, params)
    assert r.status_code == 422 and "issued_at is not a tender parameter" in r.text


def test_the_issue_time_is_the_block_time_of_publication(scene: Scene) -> None:
    tender = scene.tender()
    view = scene.http.get(f"/tenders/{tender.tid}").json()
    published = scene.rt.client.w3.eth.get_transaction_receipt(view["tx_hash"])["blockNumber"]
    assert view["issued_at"] == scene.rt.client.block_timestamp(published)
    assert view["deadline"] - view["issued_at"] >= 20 * DAY


def test_an_amendment_cutting_a_21_day_deadline_to_minutes_is_refused_and_nothing_changes(scene: Scene) -> None:
    tender = scene.tender()
    blocks = scene.rt.client.block_number()
    r = _amend(scene, tender, scene.rt.client.block_timestamp() + 210, "截止时间提前")
    assert r.status_code == 422, r.text
    assert r.json()["contract_error"] == "DeadlineBroughtForward"
    assert "cannot bring the deadline" in r.json()["message"]
    assert scene.rt.client.block_number() == blocks
    assert [v["version"] for v in scene.http.get(f"/tenders/{tender.tid}/versions").json()] == [1]
    assert scene.http.get(f"/tenders/{tender.tid}").json()["deadline"] == tender.deadline


def test_an_amendment_14_days_before_the_deadline_postpones_it_for_everyone_to_see(scene: Scene, firm: Firm) -> None:
    tender = scene.tender()
    scene.rt.client.increase_time(tender.deadline - 14 * DAY - scene.rt.client.block_timestamp())
    r = _amend(scene, tender, tender.deadline, "修改资格条件")  # changes the documents, keeps the deadline
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["version"] == 2 and view["deadline"] > tender.deadline
    (event,) = [e for e in scene.http.get("/events", params={"name": "TenderAmended"}).json()
                if e["args"]["tenderId"] == tender.tid]
    assert event["args"]["requestedDeadline"] == tender.deadline
    assert event["args"]["deadline"] == view["deadline"] == _time(event["block_time"]) + 15 * DAY
    versions = scene.http.get(f"/tenders/{tender.tid}/versions").json()
    assert [(v["version"], v["postponed"]) for v in versions] == [(1, False), (2, True)]
    assert versions[1]["requested_deadline"] == tender.deadline and versions[1]["deadline"] == view["deadline"]
    # The old deadline no longer closes the tender: a bid after it is in time.
    scene.rt.client.increase_time(tender.deadline - scene.rt.client.block_timestamp() + 60)
    tender.view = scene.http.get(f"/tenders/{tender.tid}").json()
    assert scene.bid(firm, tender).status_code == 201


def test_an_amendment_after_the_deadline_is_refused(scene: Scene) -> None:
    tender = scene.tender()
    scene.after_deadline(tender)
    r = _amend(scene, tender, tender.deadline + 30 * DAY, "补发澄清")
    assert r.status_code == 409, r.text
    assert r.json()["contract_error"] == "DeadlinePassed" and "has passed" in r.json()["message"]
    assert r.json()["args"]["tenderId"] == tender.tid and r.json()["args"]["deadline"] == tender.deadline
    assert [v["version"] for v in scene.http.get(f"/tenders/{tender.tid}/versions").json()] == [1]


def test_the_chain_says_which_clock_it_runs(scene: Scene) -> None:
    assert scene.http.get("/chain").json()["clock"] == "development"
