"""The world the portal's pages are looked at in: firms with credentials, a tender whose section was
opened and evaluated (three eligible bids and one that lacks the personnel asked for), a tender
still open for bids and amended close to its deadline (postponed), a tender whose title is
hostile HTML, a suspended credential, and a finished lottery draw."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.crypto.draw_seal import new_draw_key, point_of, seal_seed
from ledger.crypto.officer_box import OfficerKey, SealedShare, deal, open_share
from ledger.documents import Kind, SealedCredential
from ledger.rules.lottery import draw_id
from tests.scenes import KINDS, Actor, Firm, Scene, Tender

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> 工程'
HOUR = 3600


@dataclass
class World:
    scene: Scene
    issuer: Actor
    firms: list[Firm]
    weak: Firm  # bid without the personnel the section asks for
    opened: Tender  # section 0 opened and evaluated
    open: Tender  # open for bids, amended with a postponement
    hostile: Tender
    draw: str  # a finished draw's id
    suspended: str  # the id of a suspended credential of firms[0]


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def build(scene: Scene) -> World:
    issuer = scene.issuer(*KINDS, Kind.AWARD)
    firms = [scene.firm(issuer) for _ in range(3)]
    weak = scene.firm(issuer, kinds=(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE))
    # The qualification authority names itself on the credential (APT_GRANT_UNIT).
    scene.credential(firms[0], Kind.QUALIFICATION, issuer=issuer, APT_GRANT_UNIT="广东省住房和城乡建设厅")
    suspended = scene.credential(firms[0], Kind.PERFORMANCE, issuer=issuer, project_name="珠海市某桥梁维修工程")

    opened = scene.tender(title="珠海市香洲区市政道路改造工程", guarantee="0")
    hostile = scene.tender(title=HOSTILE, tenderer=HOSTILE)
    for i, firm in enumerate([*firms, weak]):
        _ok(scene.bid(firm, opened, price=f"{10_860_000 + 271_350 * i}.50"), 201)
    scene.after_deadline(opened)
    scene.release(opened)
    _ok(scene.open(opened, 0))
    _ok(scene.centre.post(f"/tenders/{opened.tid}/sections/0/evaluation",
                          {"report_b64": base64.b64encode(b"%PDF evaluation report").decode()}))
    summary = _ok(scene.http.get(f"/credentials/{suspended}"))
    tx = issuer.prepare("suspend", summary["root"], suspended, summary["proof"], 5)
    _ok(issuer.post(f"/credentials/{suspended}/suspend", {"signed_tx": tx}))

    draw = _finished_draw(scene, opened)

    still_open = scene.tender(title="珠海市斗门区排水管网改造工程", tenderer="珠海市斗门区水务局")
    scene.rt.client.increase_time(8 * 86_400)  # an amendment 13 days before the deadline postpones it
    params = dict(still_open.params)
    params["sections"] = [{**params["sections"][0], "estimated_price": "11800000.00"}]
    _ok(scene.centre.post(f"/tenders/{still_open.tid}/amendments", {
        "params": params, "document_b64": base64.b64encode(b"%PDF tender v2").decode(),
        "reason": "答疑澄清：调整最高投标限价"}))
    return World(scene, issuer, firms, weak, opened, still_open, hostile, draw, suspended)


def _finished_draw(scene: Scene, tender: Tender) -> str:
    did = draw_id(bytes.fromhex(tender.tid[2:]), 0, "selection", 1)
    parties = [scene.actor() for _ in range(3)]
    officers = [scene.account() for _ in range(3)]
    dealing = deal(tender_id=did, officers=[OfficerKey.of_private(bytes(o.key)) for o in officers], threshold=2,
                   new_key=new_draw_key)
    candidates = sorted(os.urandom(32) for _ in range(5))
    body = {"purpose": "selection", "round": 1, "parties": [a.account.address for a in parties],
            "candidates": ["0x" + c.hex() for c in candidates], "k": 2,
            "public_key": "0x" + dealing.opening_public.hex(),
            "commit_deadline": scene.rt.client.block_timestamp() + HOUR,
            "officers": list(dealing.officers), "share_hashes": ["0x" + h.hex() for h in dealing.share_hashes],
            "threshold": 2}
    _ok(scene.centre.post(f"/tenders/{tender.tid}/sections/0/draws", body), 201)
    hexid = "0x" + did.hex()
    commit_seeds(scene, hexid, dealing.opening_public, parties[:2])  # the third never commits: it counts as zero
    scene.rt.client.increase_time(HOUR + 1)
    release_draw_shares(scene, hexid, list(zip(officers, dealing.sealed, strict=True))[:2])
    _ok(scene.http.post(f"/draws/{hexid}/finish"))
    return hexid


def commit_seeds(scene: Scene, hexid: str, public: bytes, parties: list[Actor]) -> None:
    """Each party seals a random seed to the draw's key and commits it with its own transaction
    (`POST /draws/{id}/seeds`, as `tender-ledger lottery seed` does)."""
    did = bytes.fromhex(hexid[2:])
    for party in parties:
        sealed = seal_seed(os.urandom(32), public=point_of(public), draw_id=did, party=party.account.address)
        tx = party.prepare_on("LotteryBook", "commitSeed", hexid, sealed.rx, sealed.ry, "0x" + sealed.ciphertext.hex())
        _ok(party.post(f"/draws/{hexid}/seeds", {"signed_tx": tx}))


def release_draw_shares(scene: Scene, hexid: str, holders: list[tuple[LocalAccount, SealedShare]]) -> None:
    """Each holder opens its sealed draw share with its own key and releases it with its own
    transaction (`POST /draws/{id}/shares`, as `tender-ledger lottery release` does)."""
    for holder, share in holders:
        actor = Actor.of(scene.http, holder)
        plain = open_share(share, bytes(holder.key))
        tx = actor.prepare_on("LotteryBook", "releaseDrawShare", hexid, "0x" + plain.to_bytes().hex())
        _ok(actor.post(f"/draws/{hexid}/shares", {"signed_tx": tx}))


def sealed_sample(scene: Scene, world: World) -> SealedCredential:
    """A sealed credential of firms[0], anchored now (what a holder uploads to verify)."""
    firm = world.firms[0]
    sealed = SealedCredential.seal(scene.document(firm, Kind.AWARD, issuer=world.issuer))
    _ok(world.issuer.anchor([sealed]), 201)
    return sealed


def local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC) + timedelta(hours=8)
