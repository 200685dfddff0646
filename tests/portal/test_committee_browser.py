"""The committees' desk in Debian's headless Chromium, on a section taken through 评定分离 by its real
parties (tests/selection_scene.py, tools/selection_run.py): an expert signs in with its own key,
finds its seat, is told which score is out of range, commits its 综合评分 sheet (the salt kept in
the browser), reveals it once every seat committed and files the shortlist the rule gives; a
selection-committee member commits and reveals its vote in round 1, and follows the draw that
comes next to its recomputable proof. The other seats act through the same SelectionRun the demo
uses. Screenshots in tmp_path."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from api.serving import free_port
from ledger.model.selection import CommitteeKind
from ledger.rules.selection import NeedDraw, NeedVote
from tests.portal.browsing import by as _by, click, reload, until as _until
from tests.portal.test_browser import body_text, browser, shot  # noqa: F401  (fixtures)
from tests.scenes import Scene
from tests.selection_scene import HOUR, Section

pytestmark = pytest.mark.slow
EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Section]]:
    with Scene.served(tmp_path_factory.mktemp("portal-committee-browser"), seed=67) as scene:
        sec = Section.make(scene)
        sec.seat(EV, sec.committee_draw(EV)[:7])
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(scene.http.app, host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off"))
        thread = threading.Thread(target=server.run, name="portal-committee", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}", sec
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def vote_revealed(sec: Section, round_: int, seat: str) -> bool:
    return bool(sec.rt.selection_book.vote_of(sec.tid, 0, round_, seat).revealed)


def other_seats_file(tmp_path: Path, ballot: Path) -> Path:
    """The ballot file as another seat would have it: the same round and section, another seat."""
    kept = json.loads(ballot.read_text())
    kept["seat"] = "0x" + "11" * 20
    other = tmp_path / "other-ballot.json"
    other.write_text(json.dumps(kept))
    return other


def _sign_in(driver: object, wait: WebDriverWait, key: bytes) -> None:
    _by(driver, "private-key").send_keys("0x" + key.hex())  # type: ignore[attr-defined]
    click(driver, wait, "signin-submit")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "who")))


def _open(driver: object, wait: WebDriverWait, sec: Section, kind: str) -> None:
    ident = f"open-{sec.tender.tid[2:10]}-0-{kind}"
    click(driver, wait, ident)
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "desk-title")))
    wait.until(lambda d: "投标" in _by(d, "bids").text or "元" in _by(d, "bids").text)  # type: ignore[attr-defined]


def test_an_expert_and_a_member_commit_and_reveal_in_the_browser(
        served: tuple[str, Section], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, sec = served
    driver = browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    mine, *others = list(sec.seats[EV])
    expert = sec.holders[EV][mine]

    driver.get(f"{base}/portal/committee?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(expert.key))
    _open(driver, wait, sec, "evaluation")
    text = body_text(driver)
    assert mine in text and "评标委员会" in text and "资格审查合格" in text and "有效" in text
    inputs = driver.find_elements(By.CSS_SELECTOR, "#sheet-table input")  # type: ignore[attr-defined]
    assert len(inputs) == 4 * 2  # four eligible bids, two judged criteria (the price is computed)
    for i, box in enumerate(inputs):
        box.send_keys("41" if i == 0 else str(30 - i) + ".5" if i % 2 == 0 else str(15 - i // 2))
    click(driver, wait, "commit-sheet")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "sheet-errors"), "0 至 40"))
    assert not sec.rt.selection_book.sheet_of(sec.tid, 0, mine).committed  # nothing was signed
    shot(driver, tmp_path, "committee-sheet-error-zh")
    inputs[0].clear()
    inputs[0].send_keys("36.25")
    click(driver, wait, "commit-sheet")
    _until(driver, wait, "desk-status", "已提交承诺", tmp_path)
    assert sec.rt.selection_book.sheet_of(sec.tid, 0, mine).committed
    assert driver.find_element(By.ID, "salt-sheet").get_attribute("download").endswith(".commitment.json")  # type: ignore[attr-defined]
    assert _by(driver, "salt-file").is_displayed()  # type: ignore[attr-defined]  # a sheet to reveal: a salt file may come back
    committed = driver.find_elements(By.CSS_SELECTOR, "#sheet-table input")  # type: ignore[attr-defined]
    assert committed and not any(box.is_enabled() for box in committed)
    # read-only scores do not look like boxes to type in
    assert {box.value_of_css_property("background-color") for box in committed} != {"rgba(255, 255, 255, 1)"}
    assert committed[0].value_of_css_property("border-top-style") == "dashed"
    shot(driver, tmp_path, "committee-sheet-committed-zh")

    for seat in others:
        sec.commit_sheet(seat)
    # 揭示 shows since this seat's commit: the desk reloaded (every seat committed) before it is
    # clicked, so no late answer of the reload draws the sheet unrevealed over the revealed one
    reload(driver, wait, "reload", "desk-facts")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "reveal-sheet")))
    click(driver, wait, "reveal-sheet")
    _until(driver, wait, "desk-status", "已揭示", tmp_path)
    assert sec.rt.selection_book.sheet_of(sec.tid, 0, mine).revealed
    assert not _by(driver, "salt-file").is_displayed()  # type: ignore[attr-defined]  # nothing left to reveal
    shot(driver, tmp_path, "committee-sheet-revealed-zh")
    for seat in others:
        sec.reveal_sheet(seat)
    revealed = next(s.sheet for s in sec.svc.evaluation(sec.tid, 0).sheets if s.seat == mine)
    assert "36.25" in {str(v) for marks in revealed.scores.values() for v in marks.values()}  # as typed, hashed alike
    reload(driver, wait, "reload", "desk-facts")  # 提交入围名单 shows since the reveal: reloaded first
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "file-shortlist")))
    click(driver, wait, "file-shortlist")
    _until(driver, wait, "desk-status", "入围名单已提交", tmp_path)
    shortlist = sec.svc.state(sec.tid, 0).shortlist
    assert shortlist is not None and len(shortlist.candidates) == 3
    assert len(driver.find_elements(By.CSS_SELECTOR, "#shortlist-list li")) == 3  # type: ignore[attr-defined]
    shot(driver, tmp_path, "committee-shortlist-zh")
    click(driver, wait, "signout")
    driver.get(f"{base}/portal/committee?lang=en")  # type: ignore[attr-defined]  # the revealed sheet, in English
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(expert.key))
    _open(driver, wait, sec, "evaluation")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "sheet-state"), "Revealed"))
    assert not _by(driver, "salt-file").is_displayed()  # type: ignore[attr-defined]
    assert not any(box.is_enabled() for box in driver.find_elements(By.CSS_SELECTOR, "#sheet-table input"))  # type: ignore[attr-defined]
    shot(driver, tmp_path, "committee-sheet-revealed-en")
    click(driver, wait, "signout")

    # the selection committee: round 1, the browser's member and four others
    sec.seat(SEL, sec.committee_draw(SEL)[:5])
    step = sec.svc.step(sec.tid, 0)
    assert isinstance(step, NeedVote)
    sec.svc.open_round(signer=sec.centre, tender_id=sec.tid, section=0, commit_deadline=sec.now() + HOUR,
                       reveal_deadline=sec.now() + 2 * HOUR)
    voter, *rest = list(sec.seats[SEL])
    driver.get(f"{base}/portal/committee?lang=en")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(sec.holders[SEL][voter].key))
    _open(driver, wait, sec, "selection")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, f"commit-vote-{step.round}")))
    click(driver, wait, f"commit-vote-{step.round}")
    _until(driver, wait, "desk-status", "Choose a candidate", tmp_path)  # nothing picked: refused here
    click(driver, wait, f"vote-{step.round}-0")
    click(driver, wait, f"commit-vote-{step.round}")
    _until(driver, wait, "desk-status", "Committed", tmp_path)
    assert sec.rt.selection_book.vote_of(sec.tid, 0, step.round, voter).committed
    shot(driver, tmp_path, "committee-vote-committed-en")
    for seat in rest:
        sec.commit_vote(step.round, seat, sec.choice(seat, step.candidates))
    # the ballot downloaded at the commit, and this browser's copy gone (another machine, storage
    # cleared): the reveal is refused until the file is loaded back, then goes through
    assert _by(driver, "salt-file").is_displayed()  # a vote to reveal: its ballot file may come back
    ballot = tmp_path / "ballot.json"
    ballot.write_text(unquote(_by(driver, f"salt-vote-{step.round}").get_attribute("href").split(",", 1)[1]))
    driver.execute_script("Object.keys(localStorage).filter((k) => k.startsWith('tender-ledger:committee:'))"  # type: ignore[attr-defined]
                          ".forEach((k) => localStorage.removeItem(k));")
    # the desk drawn again without the ballot before 揭示 is clicked: the button was there before the
    # reload, and the ballot link too, which the wait for the loaded file below would take for the new one
    reload(driver, wait, "reload", "desk-facts")
    assert not driver.find_elements(By.ID, f"salt-vote-{step.round}")  # type: ignore[attr-defined]
    click(driver, wait, f"reveal-vote-{step.round}")
    _until(driver, wait, "desk-status", "load the salt file", tmp_path)
    assert not vote_revealed(sec, step.round, voter)
    _by(driver, "salt-file").send_keys(str(other_seats_file(tmp_path, ballot)))  # another seat's file: refused
    _until(driver, wait, "desk-status", "not this seat's salt file", tmp_path)
    _by(driver, "salt-file").send_keys(str(ballot))
    wait.until(expected_conditions.presence_of_element_located((By.ID, f"salt-vote-{step.round}")))
    click(driver, wait, f"reveal-vote-{step.round}")
    _until(driver, wait, "desk-status", "Revealed", tmp_path)
    vote = sec.rt.selection_book.vote_of(sec.tid, 0, step.round, voter)
    assert vote.revealed and vote.candidate in step.candidates
    assert not _by(driver, "salt-file").is_displayed()  # nothing left to reveal
    for seat in rest:
        sec.reveal_vote(step.round, seat)
    following = sec.svc.step(sec.tid, 0)
    while isinstance(following, NeedVote):  # a tie: the rule asks for another round (the scripted seats vote)
        sec.svc.open_round(signer=sec.centre, tender_id=sec.tid, section=0, commit_deadline=sec.now() + HOUR,
                           reveal_deadline=sec.now() + 2 * HOUR)
        waiting = list(following.waiting) or list(sec.seats[SEL])
        for seat in waiting:
            sec.commit_vote(following.round, seat, sec.choice(seat, following.candidates))
        for seat in waiting:
            sec.reveal_vote(following.round, seat)
        following = sec.svc.step(sec.tid, 0)
    assert isinstance(following, NeedDraw), following
    sec.draw(following.purpose, following.round, following.candidates, following.k)
    reload(driver, wait, "reload", "desk-facts")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "draws-box")))
    assert "My vote:" in body_text(driver)
    shot(driver, tmp_path, "committee-vote-revealed-en")
    driver.find_elements(By.CSS_SELECTOR, "a.draw-link")[-1].click()  # type: ignore[attr-defined]
    wait.until(lambda d: "/portal/draws/0x" in d.current_url)  # type: ignore[attr-defined]
    shot(driver, tmp_path, "committee-draw-en")
