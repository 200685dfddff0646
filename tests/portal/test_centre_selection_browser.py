"""The centre's 评定分离 panel in Debian's headless Chromium, on a section whose shortlist the
evaluation committee filed: the centre signs in with its own key, opens the selection committee's
draw (its alt_bn128 key made and dealt to the share holders in the browser; one party refused),
finishes it once the parties' seeds and two holders' shares are in (the draw recomputes from the
chain), seats the committee from the seat files the drawn members made (a file of another
committee refused with its reason),
opens the vote round the rule asks for, records the decision the rule reached (公示 starts),
answers an objection in words and awards once 公示 is over. The members, the draws and the
objector act through the same SelectionRun the demo uses. Screenshots in tmp_path."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from eth_account import Account
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from ledger.crypto.canonical import keccak
from ledger.crypto.draw_seal import point_of, seal_seed
from ledger.crypto.officer_box import OfficerKey, SealedShare, open_share
from ledger.crypto.seat_keys import derive_seat_key
from ledger.model.selection import CommitteeKind, Stage
from ledger.rules.lottery import draw_id
from ledger.rules.selection import Decided, NeedDraw, NeedVote
from tests.portal.test_accessibility import check_page
from tests.portal.browsing import by as _by, click, reload, shows, until as _until
from tests.portal.test_browser import body_text, browser, shot  # noqa: F401  (fixtures)
from tests.portal.test_committee_browser import _sign_in
from tests.portal.test_committee_methods_browser import _served
from tests.scenes import Scene
from tests.selection_scene import DAY, HOUR, SECTION, Section
from tools.signing import sign

pytestmark = pytest.mark.slow
SEL = CommitteeKind.SELECTION


@pytest.fixture(scope="module")
def shortlisted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Section]]:
    with Scene.served(tmp_path_factory.mktemp("portal-centre-selection"), seed=83) as scene:
        sec = Section.make(scene)
        sec.evaluate()
        with _served(scene) as base:
            yield base, sec


def _seat_files(sec: Section, picks: list[str], tmp_path: Path, committee: str = "selection") -> list[Path]:
    """Each drawn member's seat file, as `tender-ledger evaluate seat-key --out` writes it."""
    pool = {str(m.address): m for m in sec.members}
    sec.seats[SEL], sec.holders[SEL] = {}, {}
    files = []
    for m in picks:
        key = derive_seat_key(pool[m], sec.tid, SECTION, int(SEL))
        sec.seats[SEL][key.address] = key
        sec.holders[SEL][key.address] = pool[m]
        files.append(tmp_path / f"seat-{committee}-{m[2:10]}.json")
        files[-1].write_text(json.dumps({"tender_id": sec.tender.tid, "section": SECTION, "committee": committee,
                                         "member": m, "seat": key.address}), encoding="utf-8")
    return files


def _vote_all(sec: Section, step: NeedVote) -> None:
    waiting = list(step.waiting) or list(sec.seats[SEL])
    for seat in waiting:
        sec.commit_vote(step.round, seat, sec.choice(seat, step.candidates))
    for seat in waiting:
        sec.reveal_vote(step.round, seat)


def test_the_centre_steps_a_section_through_selection_in_the_browser(
        shortlisted: tuple[str, Section], browser: object, tmp_path: Path) -> None:  # noqa: F811
    base, sec = shortlisted
    driver = browser
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    names = {b: str(f.identity.document.firm_name) for b, f in sec.bidders.items() if f.identity is not None}
    shortlist = sec.svc.state(sec.tid, SECTION).shortlist
    assert shortlist is not None

    driver.get(f"{base}/portal/centre?lang=zh")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(sec.scene.centre.account.key))
    click(driver, wait, "tab-selection")
    _by(driver, "sel-tender").send_keys(sec.tender.tid)  # type: ignore[attr-defined]
    click(driver, wait, "sel-load")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "seat-box")))
    listed = _by(driver, "sel-shortlist-list").text  # type: ignore[attr-defined]
    assert all(names[b] in listed for b in shortlist.candidates)  # the shortlist by firm name
    assert "定标中（入围名单已提交）" in body_text(driver) and "摇号：定标委员会" in body_text(driver)
    check_page(driver, tmp_path, "selection-shortlisted-zh")

    # the selection committee's draw, opened here: its key dealt to three holders in the browser
    holders = [Account.create() for _ in range(3)]
    parties = [Account.create() for _ in range(2)]
    box = "draw-box-0"
    assert "定标委员会" in _by(driver, box).text and "从 7 个候选中抽取 6 个" in _by(driver, box).text  # type: ignore[attr-defined]
    _by(driver, "draw-parties-0").send_keys(parties[0].address)  # type: ignore[attr-defined]
    _by(driver, "draw-officers-0").send_keys("\n".join(OfficerKey.of_private(bytes(h.key)).to_hex() for h in holders))  # type: ignore[attr-defined]
    click(driver, wait, "draw-open-0")
    _until(driver, wait, "sel-status", "请填写至少两个不同的地址", tmp_path)  # one party: refused here
    _by(driver, "draw-parties-0").send_keys("\n" + parties[1].address)  # type: ignore[attr-defined]
    click(driver, wait, "draw-open-0")
    _until(driver, wait, "sel-status", "已开启", tmp_path)
    links = driver.find_elements(By.CSS_SELECTOR, "a.draw-share-link")  # type: ignore[attr-defined]
    sealed = [SealedShare.from_json(unquote(a.get_attribute("href").split(",", 1)[1])) for a in links]
    assert [s.officer for s in sealed] == [h.address for h in holders]
    did = draw_id(sec.tid, SECTION, "committee", 2)
    shown = sec.draws.show(did)
    assert shown.state is not None and shown.state.k == 6 and shown.state.threshold == 2
    shot(driver, tmp_path, "selection-draw-opened-zh")
    public = bytes.fromhex(sec.scene.http.get(f"/draws/0x{did.hex()}").json()["public_key"][2:])
    for p in parties:  # each party's sealed seed, as `lottery seed` sends it
        seed = seal_seed(os.urandom(32), public=point_of(public), draw_id=did, party=p.address)
        tx = sign(p, sec.rt.lottery_book.prepare(p.address, "commitSeed", did, seed.rx, seed.ry, seed.ciphertext))
        sec.draws.commit(signer=p.address, draw_id=did, signed_tx=tx)
    sec.later(HOUR + 1)
    for h, s in list(zip(holders, sealed, strict=True))[:2]:  # two holders open their files and release
        share = open_share(s, bytes(h.key))
        tx = sign(h, sec.rt.lottery_book.prepare(h.address, "releaseDrawShare", did, share.to_bytes()))
        sec.draws.release(signer=h.address, draw_id=did, signed_tx=tx)
    # the panel loaded again before the finish: its finish button was drawn when the draw opened,
    # and a click on it while the load is out has the load read the draw as it is being finished
    # and, answering late, draw the open draw over the finished one
    reload(driver, wait, "sel-load", "sel-facts")
    shows(driver, wait, "draw-box-0", "已释放份额 2 / 2")  # the seeds and shares the finish needs are in
    click(driver, wait, "draw-finish-0")
    _until(driver, wait, "sel-status", "摇号已完成", tmp_path)
    assert sec.draws.show(did).ok  # the draw the browser's key opened recomputes from the chain
    picks = sec.picks(did)[:5]
    assert _by(driver, "draw-picks-0").text.split() == sec.picks(did)  # type: ignore[attr-defined]
    wrong = _seat_files(sec, picks[:1], tmp_path, committee="evaluation")
    _by(driver, "seat-kind").send_keys("定标委员会")  # type: ignore[attr-defined]
    _by(driver, "seat-files").send_keys(str(wrong[0]))  # type: ignore[attr-defined]
    click(driver, wait, "seat-submit")
    _until(driver, wait, "sel-status", "不是本标段此委员会的", tmp_path)
    assert not sec.rt.selection_book.committee(sec.tid, SECTION, SEL).seats  # nothing sent
    files = _seat_files(sec, picks, tmp_path)
    _by(driver, "seat-files").clear()  # type: ignore[attr-defined]  # the refused file out
    _by(driver, "seat-files").send_keys("\n".join(str(f) for f in files))  # type: ignore[attr-defined]
    click(driver, wait, "seat-submit")
    _until(driver, wait, "sel-status", "定标委员会已组建：5 个席位", tmp_path)
    assert set(sec.rt.selection_book.committee(sec.tid, SECTION, SEL).seats) == set(sec.seats[SEL])

    step = sec.svc.step(sec.tid, SECTION)
    assert isinstance(step, NeedVote)
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "round-submit")))
    assert "第 1 轮投票" in _by(driver, "sel-step").text  # type: ignore[attr-defined]
    _by(driver, "round-commit").clear()  # type: ignore[attr-defined]
    _by(driver, "round-commit").send_keys("0")  # type: ignore[attr-defined]
    click(driver, wait, "round-submit")
    _until(driver, wait, "sel-status", "时限为 1 至 720 小时", tmp_path)
    _by(driver, "round-commit").clear()  # type: ignore[attr-defined]
    _by(driver, "round-commit").send_keys("2")  # type: ignore[attr-defined]
    click(driver, wait, "round-submit")
    _until(driver, wait, "sel-status", "已开启轮次", tmp_path)
    opened = sec.svc.state(sec.tid, SECTION).rounds
    assert len(opened) == 1 and opened[0].state.commit_deadline - sec.now() in range(2 * HOUR - 60, 2 * HOUR + 1)
    shot(driver, tmp_path, "selection-round-opened-zh")

    _vote_all(sec, step)
    following = sec.svc.step(sec.tid, SECTION)
    while not isinstance(following, Decided):  # re-votes and the draw the rule asks for, as the CLI runs them
        if isinstance(following, NeedVote):
            sec.svc.open_round(signer=sec.centre, tender_id=sec.tid, section=SECTION,
                               commit_deadline=sec.now() + HOUR, reveal_deadline=sec.now() + 2 * HOUR)
            _vote_all(sec, following)
        else:
            assert isinstance(following, NeedDraw), following
            sec.draw(following.purpose, following.round, following.candidates, following.k)
        following = sec.svc.step(sec.tid, SECTION)
    click(driver, wait, "sel-load")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "decide-submit")))
    assert "已定：" + names[following.winner] in _by(driver, "sel-step").text  # type: ignore[attr-defined]
    click(driver, wait, "decide-submit")
    _until(driver, wait, "sel-status", "公示开始", tmp_path)
    state = sec.svc.state(sec.tid, SECTION)
    assert state.status.stage is Stage.PUBLICITY and state.decision is not None
    assert state.decision.winner == following.winner
    assert not _by(driver, "award-submit").is_enabled()  # type: ignore[attr-defined]  # 公示 runs

    objector = sec.scene.account(0)
    reason = "第二候选人的项目经理证书已过期，请核查。"
    sec.svc.object(signer=objector.address, tender_id=sec.tid, section=SECTION, reason=reason,
                   signed_tx=sec.tx(objector, "object", sec.tid, SECTION, keccak(reason.encode())))
    click(driver, wait, "sel-load")
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "answer-submit-1")))
    assert reason in _by(driver, "sel-objections").text  # type: ignore[attr-defined]
    check_page(driver, tmp_path, "selection-objection-zh")
    click(driver, wait, "answer-submit-1")
    _until(driver, wait, "sel-status", "请写明答复", tmp_path)
    _by(driver, "answer-1").send_keys("经核查，证书在截标时有效，异议不成立。")  # type: ignore[attr-defined]
    click(driver, wait, "answer-submit-1")
    _until(driver, wait, "sel-status", "已答复第 1 号异议", tmp_path)
    assert sec.svc.state(sec.tid, SECTION).objections[0].answer == "经核查，证书在截标时有效，异议不成立。"
    shot(driver, tmp_path, "selection-objection-answered-zh")

    sec.later(3 * DAY + 1)
    driver.get(f"{base}/portal/centre?lang=en")  # type: ignore[attr-defined]
    wait.until(expected_conditions.presence_of_element_located((By.ID, "signin-form")))
    _sign_in(driver, wait, bytes(sec.scene.centre.account.key))
    click(driver, wait, "tab-selection")
    _by(driver, "sel-tender").send_keys(sec.tender.tid)  # type: ignore[attr-defined]
    click(driver, wait, "sel-load")
    click(driver, wait, "award-submit")
    _until(driver, wait, "sel-status", "Awarded to", tmp_path)
    assert sec.svc.state(sec.tid, SECTION).winner == following.winner
    assert "AWARDED" not in body_text(driver) and "Awarded" in body_text(driver)
    shot(driver, tmp_path, "selection-awarded-en")
