"""Publications over the API, rebuilt by the audit's rules from the chain and the filed public
documents: `GET /tenders/{id}/ocds` (OCDS 1.1 releases, `?record=1` or `/ocds/record` the record
package) and `GET /tenders/{id}/sections/{n}/flags` (collusion flags for review) — the same
flags `tender-ledger audit run` lists. Each OCDS package is validated by `libcoveocds` against the
standard's schema when a local copy of the standard is configured (nothing is downloaded: the
test refuses every HTTP request), and always against what OCDS requires of a package."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
import pytest

from ledger.documents import Kind
from tests.ocds import libcove_configured, libcove_errors, ocds_errors
from tests.scenes import Firm, Scene, Tender
from tools.cli import main


@dataclass
class World:
    scene: Scene
    data: Path
    bundle: Path
    tender: Tender
    firms: list[Firm]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Three firms bid in section 0 (the second ticks the first's registered person, the prices in
    arithmetic progression); the section is opened."""
    root = tmp_path_factory.mktemp("publication")
    with Scene.served(root, seed=23) as scene:
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)
        firms = [scene.firm(issuer) for _ in range(3)]
        tender = scene.tender()
        shared = firms[0].ids[Kind.PERSONNEL]
        prices = ["10000000.00", "10200000.00", "10400000.00"]
        for n, firm in enumerate(firms):
            ticks = firm.ticks if n != 1 else [*(t for t in firm.ticks if t != firm.ids[Kind.PERSONNEL]), shared]
            assert scene.bid(firm, tender, bid_key=True, credentials=ticks, price=prices[n]).status_code == 201
        scene.after_deadline(tender)
        scene.release(tender)
        assert scene.open(tender, 0).status_code == 200
        data, bundle = root / "data", root / "bundle"
        assert main(["audit", "export", "--data-dir", str(data), "--out", str(bundle)]) == 0
        yield World(scene, data, bundle, tender, firms)


def test_the_ocds_release_package_has_a_release_per_step_with_ids_from_the_chain(world: World) -> None:
    r = world.scene.http.get(f"/tenders/{world.tender.tid}/ocds")
    assert r.status_code == 200, r.text
    package = r.json()
    assert ocds_errors(package) == []
    tid = world.tender.tid
    assert [x["tag"] for x in package["releases"]] == [["tender"], ["tenderUpdate"]]
    assert all(x["ocid"] == f"ocds-tl0001-{tid[2:]}" for x in package["releases"])
    assert len({x["id"] for x in package["releases"]}) == 2
    first, closed = package["releases"]
    assert "bids" not in first and first["tender"]["numberOfTenderers"] == 0
    details = closed["bids"]["details"]
    valid = next(x["value"] for x in closed["bids"]["statistics"] if x["measure"] == "validBids")
    assert len(details) == 3 and all(d["id"].startswith("0x") for d in details), details
    assert sum(d["status"] == "valid" for d in details) == valid, (valid, details)
    book = world.scene.rt.tender_book
    commitments = {"0x" + book.bid(bytes.fromhex(tid[2:]), 0, b).commitment.hex()
                   for b in (world.scene.bid_key(f, world.tender)[0].account.address for f in world.firms)}
    assert {d["id"] for d in details} == commitments
    assert sorted(d["value"]["amount"] for d in details) == [10_000_000, 10_200_000, 10_400_000]
    assert {d["tenderers"][0]["id"] for d in details} == {f"CN-USCC-{f.uscc}" for f in world.firms}
    docs = {d["documentType"]: d["id"] for d in closed["tender"]["documents"]}
    assert docs["tenderNotice"].startswith("0x") and len(docs["tenderNotice"]) == 66


def test_the_record_package_compiles_the_tender_as_it_stands(world: World) -> None:
    for path, params in (("ocds", {"record": 1}), ("ocds/record", {})):
        r = world.scene.http.get(f"/tenders/{world.tender.tid}/{path}", params=params)
        assert r.status_code == 200, r.text
        package = r.json()
        assert ocds_errors(package, record=True) == []
        (record,) = package["records"]
        assert record["compiledRelease"]["tag"] == ["compiled"] and len(record["releases"]) == 2
        assert record["compiledRelease"]["bids"]["statistics"][-1] == {
            "id": f"{world.tender.tid}-0-validBids", "measure": "validBids", "value": 2,
            "relatedLot": f"{world.tender.tid}-0"}


def test_the_api_publishes_what_the_audit_computes_from_the_bundle(world: World, tmp_path: Path) -> None:
    out = tmp_path / "ocds.json"
    assert main(["audit", "ocds", "--bundle", str(world.bundle), "--data-dir", str(world.data), "--out", str(out),
                 "--record", "--quiet"]) == 0
    offline = json.loads(out.read_text(encoding="utf-8"))["records"][0]["compiledRelease"]
    served = world.scene.http.get(f"/tenders/{world.tender.tid}/ocds/record").json()["records"][0]["compiledRelease"]
    assert offline == served


def test_flags_name_their_kind_in_two_languages_and_their_evidence(world: World, tmp_path: Path) -> None:
    r = world.scene.http.get(f"/tenders/{world.tender.tid}/sections/0/flags")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["opened"] is True
    kinds = {f["kind"]: f for f in body["flags"]}
    shared = world.firms[0].ids[Kind.PERSONNEL].lower()
    person = kinds["same-person"]
    assert person["credentials"] == [shared] and person["words"]["zh"] == "同一注册人员被两个及以上投标人勾选"
    assert person["words"]["en"].startswith("the same registered person")
    assert len(person["bids"]) == 2 and all(b["tx"].startswith("0x") and b["commitment"] for b in person["bids"])
    assert kinds["price-pattern"]["evidence"]["pattern"] == "arithmetic progression"
    assert "same-relayer" not in kinds  # the service's own relayer is public
    # the same function the audit lists its flags with
    report = tmp_path / "report.json"
    main(["audit", "run", "--bundle", str(world.bundle), "--data-dir", str(world.data), "--json", str(report),
          "--quiet", "--relayer", world.scene.rt.relayer.address])
    audited = json.loads(report.read_text(encoding="utf-8"))["flags"]
    assert sorted((f["sign"], f["message"]) for f in audited) == sorted((f["kind"], f["message"]) for f in body["flags"])


def test_a_section_not_opened_has_no_flags_yet(world: World) -> None:
    tender = world.scene.tender()
    r = world.scene.http.get(f"/tenders/{tender.tid}/sections/0/flags")
    assert r.status_code == 200 and r.json() == {"tender_id": tender.tid, "section": 0, "opened": False, "flags": []}


@pytest.mark.parametrize("path", ["ocds", "ocds/record", "sections/0/flags"])
def test_an_unknown_tender_is_a_404(world: World, path: str) -> None:
    r = world.scene.http.get(f"/tenders/0x{'ab' * 32}/{path}")
    assert r.status_code == 404 and "no tender" in r.json()["message"]


def test_a_section_the_tender_does_not_have_is_a_404_and_a_bad_id_a_422(world: World) -> None:
    r = world.scene.http.get(f"/tenders/{world.tender.tid}/sections/9/flags")
    assert r.status_code == 404 and "no section 9" in r.json()["message"]
    assert world.scene.http.get("/tenders/0x12/ocds").status_code == 422




@pytest.mark.skipif(not libcove_configured(), reason="libcoveocds needs a local copy of the OCDS 1.1.5 standard and its "
                    "bids and lots extensions (TL_OCDS_STANDARD_ZIP, TL_OCDS_EXTENSIONS_DIR): nothing is downloaded")
def test_libcoveocds_finds_zero_errors_in_either_package(world: World) -> None:
    for params in ({}, {"record": 1}):
        package = world.scene.http.get(f"/tenders/{world.tender.tid}/ocds", params=params).json()
        assert libcove_errors(package) == []
