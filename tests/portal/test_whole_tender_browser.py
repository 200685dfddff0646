"""One tender on a fresh embedded chain taken through every phase in Debian's headless Chromium, each
step at the role's own desk with its own key, in Chinese and in English: the issuer anchors the
firms' credentials (a batch file per kind); the centre publishes the tender, its opening key dealt to
three officers in the browser; three firms each tick their credentials and submit a sealed bid; the
deadline passes; two officers release their shares and the centre opens (three valid bids); the
centre opens the evaluation committee's draw, finishes it and seats the experts from their seat
files; each expert commits then reveals its 综合评分 sheet and one files the shortlist; the centre
draws and seats the selection committee and opens the vote round; each member commits then reveals
its vote; the centre records the decision; 公示 passes; the centre awards; the tender's page shows
the result; the auditor's desk opens the audit of the chain with no failed check.

Steps with no browser path, done with the role's own key through the API call a desk would make or
through the role's own command-line tool (said again where each is done):
  - the governance authorises the issuer and registers the expert and member pools (`scene.issuer`,
    `scene.govern`: the consortium members' proposals and approvals, signed by their keys);
  - each draw's parties commit their sealed seeds (`POST /draws/{id}/seeds`) and two of its share
    holders release their draw shares (`POST /draws/{id}/shares`), as `tender-ledger lottery seed`
    and `lottery release` do;
  - each expert and member writes its seat file with `tender-ledger evaluate seat-key --out`;
  - the auditor runs `tender-ledger audit export` and `audit run` (the desk opens the report file).
The chain's clock is moved past the deadline, the draws' commit windows and 公示 as the other tests
move it. Screenshots, one per phase, in tmp_path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from eth_account.signers.local import LocalAccount
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from api.portal.messages import MESSAGES
from ledger.crypto.officer_box import OfficerKey, SealedShare
from ledger.service.selection import uscc_word
from ledger.uscc import generate_uscc
from tests.portal.test_browser import body_text, browser, shot  # noqa: F401  (fixtures)
from tests.portal.browsing import click, redrawn, reload, waiting
from tests.portal.test_centre_browser import _by, _sign_in, _sign_out, _until
from tests.portal.test_committee_methods_browser import _served
from tests.portal.world import commit_seeds, release_draw_shares
from tests.scenes import KINDS, Actor, Firm, Scene, tender_params
from tools.cli import main

pytestmark = pytest.mark.slow

HOUR, DAY = 3600, 86_400
PRICES = ["10860000.50", "11131350.50", "11402700.50"]
EXPERT = "房屋建筑"
PARAMS: dict[str, Any] = {
    "evaluation_method": "综合评分",
    "evaluation": {"experts": 5, "reserves": 1, "criteria": [
        {"code": "T1", "name": "施工组织设计", "max_score": "40"},
        {"code": "T2", "name": "项目管理机构", "max_score": "20"},
        {"code": "price", "name": "投标报价", "kind": "price", "max_score": "40"}]},
    "shortlist_size": 3,
    "selection": {"method": "直接票决", "committee_size": 5},
}


def said(key: str, lang: str, **values: str) -> str:
    """A message's words in `lang`, `values` put in, up to the first placeholder left."""
    text = MESSAGES[key][0 if lang == "zh" else 1]
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text.split("{", 1)[0].strip()


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Scene, Path]]:
    root = tmp_path_factory.mktemp("whole-tender")
    with Scene.served(root, seed=101) as scene, _served(scene) as base:
        yield base, scene, root


def _key_file(tmp_path: Path, account: LocalAccount) -> Path:
    path = tmp_path / f"{account.address}.key"
    path.write_text(bytes(account.key).hex())
    return path


def _seat_files(tmp_path: Path, tid: str, committee: str, members: list[LocalAccount]) -> list[Path]:
    """Each drawn expert's or member's seat file, written by its own `tender-ledger evaluate seat-key`."""
    files = []
    for m in members:
        files.append(tmp_path / f"seat-{committee}-{m.address[2:10]}.json")
        assert main(["evaluate", "seat-key", tid, "--committee", committee, "--key-file",
                     str(_key_file(tmp_path, m)), "--out", str(files[-1])]) == 0
    return files


def _draw_box(driver: object, wait: WebDriverWait, words: str) -> int:
    """The index of the draw box on the centre's selection panel whose title names `words` (read
    again if the panel is redrawn while it is read)."""
    def found(d: object) -> list[int] | None:
        try:
            boxes = d.find_elements(By.CSS_SELECTOR, "fieldset[id^=draw-box-]")  # type: ignore[attr-defined]
            hits = [int(b.get_attribute("id").rsplit("-", 1)[1]) for b in boxes
                    if words.lower() in b.find_element(By.TAG_NAME, "legend").text.lower()]
        except StaleElementReferenceException:
            return None
        assert len(hits) <= 1, [b.text for b in boxes]
        return hits or None
    return int(wait.until(found)[0])


def _committee_draw(driver: object, wait: WebDriverWait, scene: Scene, lang: str, kind: str,
                    tmp_path: Path) -> list[str]:
    """The centre opens the committee draw of `kind` in the browser (its key dealt to three holders
    there); the two parties commit their seeds and two holders release their shares through the API
    (no desk does it yet); the centre finishes it in the browser. The picks, in order."""
    i = _draw_box(driver, wait, MESSAGES[f"committee.kind.{kind}"][0 if lang == "zh" else 1])
    parties = [scene.account() for _ in range(2)]
    holders = [scene.account() for _ in range(3)]
    _by(driver, f"draw-parties-{i}").send_keys("\n".join(p.address for p in parties))  # type: ignore[attr-defined]
    _by(driver, f"draw-officers-{i}").send_keys("\n".join(  # type: ignore[attr-defined]
        OfficerKey.of_private(bytes(h.key)).to_hex() for h in holders))
    click(driver, wait, f"draw-open-{i}")
    _until(driver, wait, "sel-status", said("centre.draw.opened", lang), tmp_path)
    links = driver.find_elements(By.CSS_SELECTOR, f"#draw-box-{i} a.draw-share-link")  # type: ignore[attr-defined]
    sealed = [SealedShare.from_json(unquote(a.get_attribute("href").split(",", 1)[1])) for a in links]
    assert [s.officer for s in sealed] == [h.address for h in holders]
    hexid = "0x" + sealed[0].tender_id.hex()
    public = bytes.fromhex(scene.http.get(f"/draws/{hexid}").json()["public_key"][2:])
    commit_seeds(scene, hexid, public, [Actor.of(scene.http, p) for p in parties])  # API: no desk for a party yet
    scene.rt.client.increase_time(HOUR + 1)
    release_draw_shares(scene, hexid, list(zip(holders, sealed, strict=True))[:2])  # API: no desk for a holder yet
    # the box shows its finish button since the draw opened: the seeds and shares are in now
    click(driver, wait, f"draw-finish-{i}")
    _until(driver, wait, "sel-status", said("centre.draw.finished", lang), tmp_path)
    return str(_by(driver, f"draw-picks-{i}").text).split()  # type: ignore[attr-defined]


def _seat(driver: object, wait: WebDriverWait, lang: str, kind: str, files: list[Path], tmp_path: Path) -> None:
    Select(_by(driver, "seat-kind")).select_by_value(kind)
    _by(driver, "seat-files").send_keys("\n".join(str(f) for f in files))  # type: ignore[attr-defined]
    click(driver, wait, "seat-submit")
    committee = MESSAGES[f"committee.kind.{kind}"][0 if lang == "zh" else 1]
    _until(driver, wait, "sel-status", said("centre.sel.seated", lang, committee=committee, n=str(len(files))), tmp_path)


def _selection_panel(driver: object, wait: WebDriverWait, base: str, scene: Scene, tid: str, lang: str) -> None:
    driver.get(f"{base}/portal/centre?lang={lang}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(scene.centre.account.key))
    click(driver, wait, "tab-selection")
    _by(driver, "sel-tender").send_keys(tid)  # type: ignore[attr-defined]
    click(driver, wait, "sel-load")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "sel-actions")))


def _at_seat(driver: object, wait: WebDriverWait, base: str, tid: str, lang: str, member: LocalAccount,
             kind: str) -> None:
    """A member signed in at the committees' desk with its own key, its seat of `kind` opened."""
    driver.get(f"{base}/portal/committee?lang={lang}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(member.key))
    click(driver, wait, f"open-{tid[2:10]}-0-{kind}")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "desk-title")))
    wait.until(lambda d: "元" in _by(d, "bids").text)  # type: ignore[attr-defined]


def _fits(driver: object) -> None:
    """The page fits a 1366-pixel screen and no table runs out of its card (a long unbroken
    hash or address in a cell would push it out)."""
    width = driver.execute_script("return document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 1366, "the page scrolls sideways on a 1366-pixel screen"
    out = driver.execute_script("""return [...document.querySelectorAll('.card table')].filter((t) =>
        t.getBoundingClientRect().right > t.closest('.card').getBoundingClientRect().right + 1)
        .map((t) => t.className + ' ' + Math.round(t.getBoundingClientRect().width))""")  # type: ignore[attr-defined]
    assert not out, f"tables wider than their card: {out}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_tender_through_every_phase_in_the_browser(
        fresh: tuple[str, Scene, Path], browser: object, tmp_path: Path, lang: str) -> None:  # noqa: F811
    base, scene, root = fresh
    driver = browser
    wait = waiting(driver)  # a condition reading an element the desk replaces meanwhile reads it again
    zh = lang == "zh"

    # -- the governance (API, its members' keys): the issuer authorised, the expert and member pools
    issuer = scene.issuer(*KINDS)
    experts = [scene.account() for _ in range(6)]
    members = [scene.account() for _ in range(6)]
    tenderer_uscc = tender_params()["tenderer_uscc"]
    people = {}  # each registered with a pool card naming the person
    for i, e in enumerate(experts):
        people[e.address] = f"专家{'甲乙丙丁戊己'[i]}"
        scene.govern("SelectionBook", "registerExpert", e.address, "0x" + EXPERT.encode().ljust(32, b"\x00").hex(),
                     card={"name": people[e.address], "organisation": "市评标专家库"})
    for i, m in enumerate(members):
        people[m.address] = f"委员{'甲乙丙丁戊己'[i]}"
        scene.govern("SelectionBook", "registerMember", "0x" + uscc_word(tenderer_uscc).hex(), m.address,
                     card={"name": people[m.address]})

    # -- 1. the issuer anchors the firms' credentials at its desk: a batch file per kind
    firms = [Firm(scene.actor(), generate_uscc(scene.rng)) for _ in range(3)]
    names = [f"珠海市第{n + 1}建设工程有限公司" for n in range(3)]
    driver.get(f"{base}/portal/issuer?lang={lang}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(issuer.account.key))
    for kind in KINDS:
        rows = [scene.document(f, kind, issuer=issuer, n=n + 1).to_json_dict() for n, f in enumerate(firms)]
        batch = tmp_path / f"{kind.name.lower()}.json"
        batch.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        Select(_by(driver, "kind")).select_by_value(kind.name)
        _by(driver, "import-file").send_keys(str(batch))  # type: ignore[attr-defined]
        click(driver, wait, "import-submit")
        # the status still holds the last kind's download link until this import replaces it: a
        # link read as it is replaced is read again (the wait's), until this kind's is there
        wait.until(lambda d, k=kind: d.find_elements(By.CSS_SELECTOR, "#import-status .bad-text") or any(
            k.name.lower() + ".sealed.json" == (a.get_attribute("download") or "")
            for a in d.find_elements(By.CSS_SELECTOR, "#import-status a")))
        verdict = _by(driver, "import-status").text  # type: ignore[attr-defined]
        assert said("issuer.import.done", lang, rows="3") in verdict, verdict
    wait.until(lambda d: all(name in _by(d, "list").text for name in names))  # the list drawn after the last import
    listed = _by(driver, "list").text  # type: ignore[attr-defined]
    assert all(name in listed for name in names), listed
    shot(driver, tmp_path, f"01-anchored-{lang}")

    # -- 2. the centre publishes the tender; its opening key dealt to three officers in the browser
    officers = [scene.account() for _ in range(3)]
    deadline = (scene.now() + timedelta(days=21)).isoformat()
    params = tender_params(project_code=f"E4404-WHOLE-{lang}", title="珠海市金湾区道路照明工程",
                           deadline=deadline, guarantee="0", **PARAMS)
    (tmp_path / "params.json").write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "tender.pdf").write_bytes(b"%PDF tender documents")
    driver.get(f"{base}/portal/centre?lang={lang}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(scene.centre.account.key))
    _by(driver, "params-file").send_keys(str(tmp_path / "params.json"))  # type: ignore[attr-defined]
    wait.until(lambda d: _by(d, "p-title").get_attribute("value") == "珠海市金湾区道路照明工程")  # type: ignore[attr-defined]
    # the officers' files as `tender officer-key --name` writes them: the names go into the parameters
    officer_names = {o.address: f"开标人{'甲乙丙'[i]}" for i, o in enumerate(officers)}
    officer_files = []
    for o in officers:
        officer_files.append(tmp_path / f"officer-{o.address}.json")
        officer_files[-1].write_text(json.dumps({"address": o.address, "public_key": OfficerKey.of_private(
            bytes(o.key)).to_hex(), "name": officer_names[o.address]}, ensure_ascii=False), encoding="utf-8")
    _by(driver, "officer-files").send_keys("\n".join(str(f) for f in officer_files))  # type: ignore[attr-defined]
    _by(driver, "document").send_keys(str(tmp_path / "tender.pdf"))  # type: ignore[attr-defined]
    click(driver, wait, "publish-submit")
    _until(driver, wait, "publish-status", said("centre.published", lang), tmp_path)
    links = driver.find_elements(By.CSS_SELECTOR, "a.share-link")  # type: ignore[attr-defined]
    shares = [SealedShare.from_json(unquote(a.get_attribute("href").split(",", 1)[1])) for a in links]
    tid = "0x" + shares[0].tender_id.hex()
    shot(driver, tmp_path, f"02-published-{lang}")

    # -- 3. three firms each tick their credentials and submit a sealed bid at the bid desk
    (tmp_path / "bid.pdf").write_bytes(b"%PDF bid document")
    for firm, price in zip(firms, PRICES, strict=True):
        driver.get(f"{base}/portal/tenders/{tid}/bid?lang={lang}")  # type: ignore[attr-defined]
        wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
        _by(driver, "key-uscc").send_keys(firm.uscc)  # type: ignore[attr-defined]
        _sign_in(driver, wait, bytes(firm.account.key))
        wait.until(expected_conditions.presence_of_element_located((By.ID, "preview-verdict")))
        ticks = driver.find_elements(By.CSS_SELECTOR, "#credentials input[type=checkbox]")  # type: ignore[attr-defined]
        # every credential anchored, the identity credential apart (the firm key names the bidder, not a tick)
        assert len(ticks) == len(KINDS) - 1 and all(t.is_selected() for t in ticks)
        assert said("bid.identity.note", lang) in _by(driver, "identity-note").text  # type: ignore[attr-defined]
        _by(driver, "price").send_keys(price)  # type: ignore[attr-defined]
        _by(driver, "files").send_keys(str(tmp_path / "bid.pdf"))  # type: ignore[attr-defined]
        click(driver, wait, "bid-submit")
        _until(driver, wait, "bid-status", said("bid.submitted", lang), tmp_path)
        if firm is firms[0]:
            assert names[0] in body_text(driver) and firm.uscc in body_text(driver)
            shot(driver, tmp_path, f"03-bid-submitted-{lang}")

    # -- 4. the deadline passes; two officers release their shares in the room; the centre opens
    scene.rt.client.increase_time(scene.http.get(f"/tenders/{tid}").json()["deadline"]
                                  - scene.rt.client.block_timestamp() + 1)
    driver.get(f"{base}/portal/centre?lang={lang}&tender={tid}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    for officer, share in list(zip(officers, shares, strict=True))[:2]:
        (tmp_path / f"share-{officer.address}.json").write_text(share.to_json(), encoding="utf-8")
        # each sign-in loads the room again: what it shows before is the last key's room
        redrawn(driver, wait, "room-facts", lambda o=officer: _sign_in(driver, wait, bytes(o.key)))
        wait.until(expected_conditions.visibility_of_element_located((By.ID, "release-form")))
        _by(driver, "share-file").send_keys(str(tmp_path / f"share-{officer.address}.json"))  # type: ignore[attr-defined]
        click(driver, wait, "release-submit")
        _until(driver, wait, "room-status", said("centre.released_ok", lang), tmp_path)
        _sign_out(driver)
    # the last officer's room already shows 开标 (the shares are in): the centre's own room first
    redrawn(driver, wait, "room-facts", lambda: _sign_in(driver, wait, bytes(scene.centre.account.key)))
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "open-section")))
    click(driver, wait, "open-section")
    _until(driver, wait, "room-status", said("centre.opened", lang), tmp_path)
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "bids-table")))
    room = _by(driver, "room-bids").text  # type: ignore[attr-defined]
    assert "10,860,000.50 元" in room and all(name in room for name in names), room
    assert ("有效投标 3 个" if zh else "3 valid bid(s)") in _by(driver, "room-status").text  # type: ignore[attr-defined]
    shot(driver, tmp_path, f"04-opened-{lang}")

    # -- 5. the centre draws and seats the evaluation committee
    _selection_panel(driver, wait, base, scene, tid, lang)
    picks = _committee_draw(driver, wait, scene, lang, "evaluation", tmp_path)
    by_address = {a.address: a for a in [*experts, *members]}
    seated = [by_address[p] for p in picks[:5]]
    _seat(driver, wait, lang, "evaluation", _seat_files(tmp_path, tid, "evaluation", seated), tmp_path)
    committees = _by(driver, "sel-committees").text  # type: ignore[attr-defined]
    speciality = f"（{EXPERT}）" if zh else f" ({EXPERT})"  # the centre seated them: each seat's holder shown
    assert all(f"{people[e.address]}{speciality}" in committees for e in seated), committees  # by its card's name
    shot(driver, tmp_path, f"05-experts-seated-{lang}")

    # -- 6. each expert commits, then reveals, its 综合评分 sheet at the committees' desk
    for n, expert in enumerate(seated):
        _at_seat(driver, wait, base, tid, lang, expert, "evaluation")
        inputs = driver.find_elements(By.CSS_SELECTOR, "#sheet-table input")  # type: ignore[attr-defined]
        assert len(inputs) == 3 * 2  # three eligible bids, two judged criteria (the price is computed)
        for i, box in enumerate(inputs):  # the cheapest bid first, the experts a little apart
            box.send_keys(str(36 - 4 * (i // 2) - n % 2) if i % 2 == 0 else str(18 - 2 * (i // 2)))
        click(driver, wait, "commit-sheet")
        _until(driver, wait, "desk-status", said("committee.committed", lang), tmp_path)
        if n == 0:
            shot(driver, tmp_path, f"06-sheet-committed-{lang}")
    for expert in seated:
        _at_seat(driver, wait, base, tid, lang, expert, "evaluation")
        click(driver, wait, "reveal-sheet")
        _until(driver, wait, "desk-status", said("committee.revealed", lang), tmp_path)

    # -- 7. the shortlist, filed by an expert
    # the desk shows 提交入围名单 since this expert's reveal: the desk reloaded (every sheet
    # revealed) before it is clicked, so no late answer of the reload draws the desk without the shortlist
    reload(driver, wait, "reload", "desk-facts")
    click(driver, wait, "file-shortlist")
    _until(driver, wait, "desk-status", said("committee.shortlist_filed", lang), tmp_path)
    listed = _by(driver, "shortlist-list").text  # type: ignore[attr-defined]
    assert all(name in listed for name in names), listed
    tx = driver.find_element(By.CSS_SELECTOR, "#desk-status code.hash")  # type: ignore[attr-defined]
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx.get_attribute("title") or "") and "—" not in _by(driver, "desk-status").text  # type: ignore[attr-defined]
    scores = driver.find_elements(By.CSS_SELECTOR, "#sheet-table input")  # type: ignore[attr-defined]
    assert len(scores) == 6 and all(re.fullmatch(r"\d+\.\d\d", b.get_attribute("value") or "") and not b.is_enabled()
                                    for b in scores)  # the revealed sheet, read-only
    shot(driver, tmp_path, f"07-shortlist-{lang}")

    # -- 8. the centre draws and seats the selection committee, and opens the vote round
    _selection_panel(driver, wait, base, scene, tid, lang)
    picks = _committee_draw(driver, wait, scene, lang, "selection", tmp_path)
    voters = [by_address[p] for p in picks[:5]]
    _seat(driver, wait, lang, "selection", _seat_files(tmp_path, tid, "selection", voters), tmp_path)
    click(driver, wait, "round-submit")
    _until(driver, wait, "sel-status", said("centre.sel.round_opened", lang), tmp_path)
    shot(driver, tmp_path, f"08-round-opened-{lang}")

    # -- 9. each member commits, then reveals, its vote: all for the first candidate listed
    for n, member in enumerate(voters):
        _at_seat(driver, wait, base, tid, lang, member, "selection")
        click(driver, wait, "vote-1-0")
        click(driver, wait, "commit-vote-1")
        _until(driver, wait, "desk-status", said("committee.committed", lang), tmp_path)
        if n == 0:
            shot(driver, tmp_path, f"09-vote-committed-{lang}")
    for member in voters:
        _at_seat(driver, wait, base, tid, lang, member, "selection")
        click(driver, wait, "reveal-vote-1")
        _until(driver, wait, "desk-status", said("committee.revealed", lang), tmp_path)

    # -- 10. the centre records the decision the rule reached: 公示 starts
    _selection_panel(driver, wait, base, scene, tid, lang)
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "decide-submit")))
    step = _by(driver, "sel-step").text  # type: ignore[attr-defined]
    winner = next(name for name in names if name in step)
    click(driver, wait, "decide-submit")
    _until(driver, wait, "sel-status", said("centre.sel.decide_done", lang), tmp_path)
    assert not _by(driver, "award-submit").is_enabled()  # type: ignore[attr-defined]  # 公示 runs
    shot(driver, tmp_path, f"10-decided-{lang}")

    # -- 11. 公示 passes; the centre awards
    scene.rt.client.increase_time(3 * DAY + 1)
    _selection_panel(driver, wait, base, scene, tid, lang)
    click(driver, wait, "award-submit")
    _until(driver, wait, "sel-status", said("centre.sel.award_done", lang), tmp_path)
    assert winner in _by(driver, "sel-status").text  # type: ignore[attr-defined]
    shot(driver, tmp_path, f"11-awarded-{lang}")

    # -- 12. the tender's published page
    driver.get(f"{base}/portal/tenders/{tid}?lang={lang}")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "timeline")))
    award = _by(driver, "award-0").text  # type: ignore[attr-defined]
    price = f"{float(PRICES[names.index(winner)]):,.2f} 元"
    assert said("section.award.final", lang) in award and said("section.award.winner", lang) in award
    assert winner in award and price in award, award
    text = body_text(driver)
    assert "12,000,000.00 元" in text and all(name in text for name in names)
    assert re.search(r"\d\d:\d\d ?[（(]UTC\+08:00[）)]", award), award  # local time, its offset said
    assert driver.execute_script("""return [...document.querySelectorAll('#award-0 .nowrap')]
        .map((n) => n.getClientRects().length)""") == [1, 1]  # type: ignore[attr-defined]  # each time on one line
    # the 评定分离 record: the shortlist unranked, both committees revealed with the decision, by name
    record = _by(driver, "selection-0").text  # type: ignore[attr-defined]
    listed = driver.find_element(By.CSS_SELECTOR, "ol.officers").text  # type: ignore[attr-defined]
    assert all(name in listed for name in officer_names.values()), listed  # bound by the params hash
    seated = {n for n in people.values() if n in record}
    assert said("section.shortlist.unranked", lang) in record and winner in record, record
    assert len({n for n in seated if n.startswith("专家")}) == 5 and len(seated) >= 8, record
    assert said("section.objections.none", lang) in record, record
    votes = [line for line in record.splitlines() if " → " in line]  # each member's vote, by name and firm
    assert len(votes) == 5 and all(line.split(" → ")[0] in people.values() for line in votes), record
    assert all(line.split(" → ")[1] in names for line in votes), record
    _fits(driver)
    shot(driver, tmp_path, f"12-results-{lang}")

    # -- 13. the auditor (its own tool: audit export and run), then its desk opens the report
    bundle, report = root / f"bundle-{lang}", root / f"audit-{lang}.json"
    assert main(["audit", "export", "--data-dir", str(root / "data"), "--out", str(bundle)]) == 0
    assert main(["audit", "run", "--bundle", str(bundle), "--data-dir", str(root / "data"), "--json", str(report),
                 "--quiet"]) == 0
    driver.get(f"{base}/portal/audit?lang={lang}")  # type: ignore[attr-defined]
    _by(driver, "file").send_keys(str(report))  # type: ignore[attr-defined]
    click(driver, wait, "audit-submit")
    wait.until(expected_conditions.presence_of_element_located((By.ID, "verdict")))
    assert said("audit.ok", lang) in _by(driver, "verdict").text  # type: ignore[attr-defined]
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.check-fail")  # type: ignore[attr-defined]
    assert "珠海市金湾区道路照明工程" in body_text(driver)
    _fits(driver)
    shot(driver, tmp_path, f"13-audit-{lang}")
    print(f"\nwhole-tender screenshots: {tmp_path}")
