"""The committees' desk in Debian's headless Chromium for the two methods with written reasons: an
expert fills a 定性评审 sheet (pass or fail per criterion, a fail refused here without its reason),
commits and reveals it; under 集体议事 a member commits its view (a candidate or none, with written
reasons; refused here without them) and reveals it, then the chair, signed in with its own key,
reads every view with its reasons and records its decision with its own reasons. The other seats
act through the same SelectionRun the demo uses. Screenshots in tmp_path."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from api.serving import free_port
from ledger.crypto.canonical import keccak
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.evaluation import Review, ReviewSheet
from ledger.rules.selection import NeedDecision, NeedViews, view_document, vote_commitment
from tests.portal.test_accessibility import check_page
from tests.portal.browsing import by as _by, click, reload, until as _until
from tests.portal.test_browser import body_text, browser, shot  # noqa: F401  (fixtures)
from tests.portal.test_committee_browser import _open, _sign_in
from tests.scenes import Scene
from tests.selection_scene import DELIBERATION, HOUR, PARAMS, SECTION, Section, selection_seats

pytestmark = pytest.mark.slow
EV, SEL = CommitteeKind.EVALUATION, CommitteeKind.SELECTION
ZERO = "0x" + "00" * 20
QUALITATIVE: dict[str, Any] = {**PARAMS, "evaluation_method": "定性评审", "evaluation": {
    "experts": 7, "reserves": 2, "criteria": [{"code": "Q1", "name": "资格条件响应"},
                                              {"code": "Q2", "name": "施工方案可行"}]}}


@contextmanager
def _served(scene: Scene) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(scene.http.app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="portal-committee-methods", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Section]]:
    with Scene.served(tmp_path_factory.mktemp("portal-committee-review"), seed=71) as scene:
        sec = Section.make(scene, params=QUALITATIVE)
        sec.seat(EV, sec.committee_draw(EV)[:7])
        with _served(scene) as base:
            yield base, sec


@pytest.fixture(scope="module")
def deliberated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Section]]:
    with Scene.served(tmp_path_factory.mktemp("portal-committee-views"), seed=73) as scene:
        sec = Section.make(scene, params=DELIBERATION)
        sec.evaluate()
        sec.seat(SEL, sec.committee_draw(SEL)[:5])
        with _served(scene) as base:
            yield base, sec


def _review_sheet(sec: Section) -> ReviewSheet:
    """Every criterion of every eligible bid passed, but the first bid's Q2 failed with its reason."""
    first = sorted(sec.eligible_bids(), key=str.lower)[0]
    return ReviewSheet(reviews={b: {"Q1": Review(passed=True), "Q2": Review(passed=False, reason="施工方案缺少安全措施")
                                    if b == first else Review(passed=True)} for b in sec.eligible_bids()})


def test_an_expert_fills_a_review_sheet_with_reasons_in_the_browser(
        reviewed: tuple[str, Section], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, sec = reviewed
    driver = browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    mine, *others = list(sec.seats[EV])
    driver.get(f"{base}/portal/committee?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(sec.holders[EV][mine].key))
    _open(driver, wait, sec, "evaluation")
    assert "评审表（定性评审）" in body_text(driver) and "判为不合格的须写明理由" in body_text(driver)
    tables = driver.find_elements(By.CSS_SELECTOR, "#sheet-table table.review")  # type: ignore[attr-defined]
    assert len(tables) == 4  # one per eligible bid, a row per criterion
    assert not driver.find_elements(By.CSS_SELECTOR, "#sheet-table input[inputmode=decimal]")  # type: ignore[attr-defined]
    check_page(driver, tmp_path, "review-sheet-zh")
    click(driver, wait, "commit-sheet")  # nothing judged
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "sheet-errors"), "请判定合格或不合格"))
    for i in range(4):
        for code in ("Q1", "Q2"):
            click(driver, wait, f"review-{i}-{code}-true")
    click(driver, wait, "review-1-Q2-false")  # a fail with no reason
    click(driver, wait, "commit-sheet")
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "sheet-errors"), "判为不合格须写明理由"))
    assert "判定" not in _by(driver, "sheet-errors").text  # type: ignore[attr-defined]  # only that one
    assert not sec.rt.selection_book.sheet_of(sec.tid, 0, mine).committed  # nothing was signed
    shot(driver, tmp_path, "review-sheet-error-zh")
    _by(driver, "reason-1-Q2").send_keys("项目经理无安全生产考核合格证")  # type: ignore[attr-defined]
    click(driver, wait, "commit-sheet")
    _until(driver, wait, "desk-status", "已提交承诺", tmp_path)
    assert sec.rt.selection_book.sheet_of(sec.tid, 0, mine).committed
    shot(driver, tmp_path, "review-sheet-committed-zh")

    for seat in others:
        sec.commit_sheet(seat, _review_sheet(sec))  # type: ignore[arg-type]
    # 揭示 shows since this seat's commit: the desk reloaded (every seat committed) before it is clicked
    reload(driver, wait, "reload", "desk-facts")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "reveal-sheet")))
    click(driver, wait, "reveal-sheet")
    _until(driver, wait, "desk-status", "已揭示", tmp_path)
    for seat in others:
        sec.reveal_sheet(seat)
    revealed = next(s.sheet for s in sec.svc.evaluation(sec.tid, 0).sheets if s.seat == mine)
    assert isinstance(revealed, ReviewSheet)
    fails = [(bid, code, r.reason) for bid, marks in revealed.reviews.items() for code, r in marks.items() if not r.passed]
    assert len(fails) == 1 and fails[0][1:] == ("Q2", "项目经理无安全生产考核合格证")  # as typed, hashed alike
    reload(driver, wait, "reload", "desk-facts")  # 提交入围名单 shows since the reveal: the reloaded desk's
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "file-shortlist")))
    shot(driver, tmp_path, "review-sheet-revealed-zh")


def _view(sec: Section, seat: str, candidate: str | None) -> bytes:
    return view_document(tender_id=sec.tid, section=SECTION, round=1, seat=seat, candidate=candidate,
                         reason=f"第 {int(seat, 16) % 7} 号意见：报价与施工方案综合最优", nonce=os.urandom(32))


def test_a_member_states_its_view_and_the_chair_decides_in_the_browser(
        deliberated: tuple[str, Section], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, sec = deliberated
    driver = browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    seats = selection_seats(sec)
    member, chair, *rest = seats
    sec.svc.name_chair(signer=sec.centre, tender_id=sec.tid, section=SECTION, seat=chair)
    sec.svc.open_round(signer=sec.centre, tender_id=sec.tid, section=SECTION, commit_deadline=sec.now() + HOUR,
                       reveal_deadline=sec.now() + 2 * HOUR)
    step = sec.svc.step(sec.tid, SECTION)
    assert isinstance(step, NeedViews)
    listed = list(step.candidates)

    driver.get(f"{base}/portal/committee?lang=en")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(sec.holders[SEL][member].key))
    _open(driver, wait, sec, "selection")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "commit-view-1")))
    assert "Views (集体议事)" in body_text(driver) and "The chair's seat" in body_text(driver)
    check_page(driver, tmp_path, "view-form-en")
    click(driver, wait, "view-1-0")
    click(driver, wait, "commit-view-1")
    _until(driver, wait, "desk-status", "Give the reasons", tmp_path)  # no reasons: refused here
    assert not sec.rt.selection_book.vote_of(sec.tid, SECTION, 1, member).committed
    reason = "该单位业绩与项目管理机构最强，报价合理。\n第二行理由。"
    _by(driver, "view-reason-1").send_keys(reason)  # type: ignore[attr-defined]
    click(driver, wait, "commit-view-1")
    _until(driver, wait, "desk-status", "Committed", tmp_path)
    assert sec.rt.selection_book.vote_of(sec.tid, SECTION, 1, member).committed
    shot(driver, tmp_path, "view-committed-en")

    documents = {}
    for n, seat in enumerate([chair, *rest]):
        candidate = None if n == 3 else listed[n % 2]
        documents[seat] = (_view(sec, seat, candidate), candidate)
        c = vote_commitment(tender_id=sec.tid, section=SECTION, round=1, seat=seat, candidate=candidate,
                            salt=keccak(documents[seat][0]))
        sec.svc.commit_vote(signer=seat, tender_id=sec.tid, section=SECTION,
                            signed_tx=sec.tx(sec.seats[SEL][seat], "commitVote", sec.tid, SECTION, 1, c))
    # 揭示 shows since this seat's commit: the desk reloaded (every view committed) before it is
    # clicked, so no late answer of the reload draws the view unrevealed over the revealed one
    reload(driver, wait, "reload", "desk-facts")
    click(driver, wait, "reveal-view-1")
    _until(driver, wait, "desk-status", "Revealed", tmp_path)
    _, found = sec.svc.views(sec.tid, SECTION)
    written = {seat: v for seat, _, v in found}
    assert written[member].reason == reason and written[member].candidate == listed[0]  # as typed, hashed alike
    for seat, (doc, candidate) in documents.items():
        tx = sec.tx(sec.seats[SEL][seat], "revealVote", sec.tid, SECTION, 1, candidate or ZERO, keccak(doc))
        sec.svc.reveal_vote(signer=seat, tender_id=sec.tid, section=SECTION, signed_tx=tx, view=doc)
    assert isinstance(sec.svc.step(sec.tid, SECTION), NeedDecision)
    reload(driver, wait, "reload", "desk-facts")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".views-list li")) == 5)
    assert "第二行理由" in _by(driver, "views").text  # type: ignore[attr-defined]
    assert not _by(driver, "chair-form").is_displayed()  # type: ignore[attr-defined]  # not the chair
    shot(driver, tmp_path, "views-revealed-en")
    click(driver, wait, "signout")

    driver.get(f"{base}/portal/committee?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(sec.holders[SEL][chair].key))
    _open(driver, wait, sec, "selection")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "chair-decide")))
    assert "您是组长" in body_text(driver)
    click(driver, wait, "chair-decide")
    _until(driver, wait, "desk-status", "请选择中标候选人", tmp_path)
    click(driver, wait, "winner-1")
    click(driver, wait, "chair-decide")
    _until(driver, wait, "desk-status", "请写明决定的理由", tmp_path)
    _by(driver, "chair-reason").send_keys("综合五位委员意见，该单位履约能力最强。")  # type: ignore[attr-defined]
    check_page(driver, tmp_path, "chair-deciding-zh")
    click(driver, wait, "chair-decide")
    _until(driver, wait, "desk-status", "已定标", tmp_path)
    state = sec.svc.state(sec.tid, SECTION)
    assert state.status.stage is Stage.PUBLICITY and state.decision is not None
    assert state.decision.winner == listed[1]  # the second candidate as listed
    record = json.loads(state.record or "{}")
    assert record["chair"] == chair and record["reason"] == "综合五位委员意见，该单位履约能力最强。"
    assert set(record["views"]) == set(seats)
    shot(driver, tmp_path, "chair-decided-zh")
