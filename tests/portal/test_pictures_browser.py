"""The pictures in a real browser (Debian's headless Chromium through Selenium): a tender taken through
the whole of 评定分离 and 履约 (opening, committees, shortlist, vote, decision and 公示 with an
objection answered, award, contract, a milestone, the completion evaluation) shows every phase on its
timeline; a firm's page its credentials' histories (one suspended, others ticked into bids); the
auditor's desk and the audit's HTML page the checks by family and each tender's timeline. Each picture
is drawn at a real size, each page fits the screen with no serious axe-core violation, the tender
prints to PDF, and each is saved as a screenshot (the test's tmp directory) for people to look at."""

from __future__ import annotations

import base64
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from api.serving import free_port
from ledger.model.performance import CompletionEvaluation, EntryKind
from tests.portal.test_accessibility import axe_violations, describe
from tests.portal.test_browser import body_text, browser, shot  # noqa: F401  (the browser fixture)
from tests.portal.world import World, build
from tests.scenes import Scene
from tests.selection_scene import DAY, Section
from tools.cli import main

pytestmark = pytest.mark.slow

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Site:
    base: str
    world: World
    section: Section
    report: Path  # the audit's JSON
    html: Path  # the audit's HTML page


def perform(s: Section) -> None:
    """The whole of 评定分离 with an objection answered during 公示, then the contract, a milestone and
    the completion evaluation."""
    from api.deps import guarantee_service, performance_service

    s.run()
    centre = s.rt.centre.address
    store = s.scene.store
    guarantee_service(store).contract_signed(signer=centre, tender_id="0x" + s.tid.hex(), section=s.section,
                                             signed_at=s.now())
    perf = performance_service(store)
    perf.record(signer=centre, tender_id=s.tid, section=s.section, kind=EntryKind.MILESTONE,
                text="开工：施工许可证已核发，施工单位进场")
    s.later(120 * DAY)
    perf.complete(signer=centre, tender_id=s.tid, section=s.section, evaluation=CompletionEvaluation.parse({
        "PRJNUM": "4404022100000001", "contract_no": "HT-1", "contract_amount_wan": "1100", "EDATE": "2027-06-30",
        "rating": "优秀", "score": "95", "summary": "工期、质量、安全文明施工均达合同要求"}))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("portal-pictures")
    with Scene.served(root, seed=47) as scene:
        world = build(scene)
        section = Section.make(scene)
        perform(section)
        bundle, report, html = root / "bundle", root / "audit.json", root / "audit.html"
        assert main(["audit", "export", "--data-dir", str(root / "data"), "--out", str(bundle)]) == 0
        assert main(["audit", "run", "--bundle", str(bundle), "--data-dir", str(root / "data"), "--json",
                     str(report), "--html", str(html), "--quiet"]) == 0
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(scene.http.app, host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off"))
        thread = threading.Thread(target=server.run, name="portal-pictures", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.02)
        try:
            yield Site(f"http://127.0.0.1:{port}", world, section, report, html)
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def picture(driver: object, ident: str) -> tuple[ET.Element, dict[str, float]]:
    """The picture `ident` as the browser holds it (parsed) and the size it is drawn at."""
    element = driver.find_element(By.ID, ident)  # type: ignore[attr-defined]
    size = element.rect
    assert size["width"] > 600 and size["height"] > 60, f"{ident} is drawn at {size}"
    source = driver.execute_script("return arguments[0].outerHTML", element)  # type: ignore[attr-defined]
    return ET.fromstring(source), size


def shown(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def fits(driver: object) -> None:
    """The page fits a 1366-pixel screen and axe-core finds nothing serious or critical on it."""
    width = driver.execute_script("return document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 1366, "the page scrolls sideways on a 1366-pixel screen"
    violations = axe_violations(driver)
    assert not violations, describe(violations)


def test_a_tender_through_selection_and_performance_shows_every_phase(site: Site, browser: object,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    driver = browser
    driver.get(f"{site.base}/portal/tenders/0x{site.section.tid.hex()}?lang=zh")  # type: ignore[attr-defined]
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, "timeline")))
    root, _ = picture(driver, "timeline")
    words = shown(root)
    for step in ("发布招标公告", "投标截止", "开标 · 第 1 标段", "评标委员会评审 · 第 1 标段", "提交中标候选人名单 · 第 1 标段",
                 "定标委员会组建 · 第 1 标段", "定标投票第 1 轮 · 第 1 标段", "定标 · 第 1 标段", "中标候选人公示期 · 第 1 标段",
                 "异议 1 · 第 1 标段 · 已答复", "确定中标人 · 第 1 标段", "签订合同 · 第 1 标段", "履约进度节点 1 · 第 1 标段",
                 "履约评价 · 第 1 标段", "现在"):
        assert step in words, step
    phases = {g.get("data-phase") for g in root.iter(f"{SVG}g") if g.get("data-phase")}
    assert phases == {"tendering", "opening", "selection", "performance"}
    fits(driver)
    shot(driver, tmp_path, "1-tender-timeline-zh")
    pdf = base64.b64decode(driver.print_page())  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    (tmp_path / "1-tender-timeline-zh.pdf").write_bytes(pdf)
    driver.get(f"{site.base}/portal/tenders/0x{site.section.tid.hex()}?lang=en")  # type: ignore[attr-defined]
    root, _ = picture(driver, "timeline")
    assert "Objection 1 · section 1 · answered" in shown(root) and "Completion evaluation · section 1" in shown(root)
    shot(driver, tmp_path, "2-tender-timeline-en")
    print(f"\npicture screenshots: {tmp_path}")


def test_a_firms_credential_histories(site: Site, browser: object, tmp_path: Path) -> None:  # noqa: F811
    driver = browser
    driver.get(f"{site.base}/portal/firms/{site.world.firms[0].uscc}?lang=zh")  # type: ignore[attr-defined]
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, "history")))
    root, size = picture(driver, "history")
    lanes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert len(lanes) >= 5 and size["height"] > 30 * len(lanes)
    assert any(g.get("class") == "segment state-suspended" for g in root.iter(f"{SVG}g"))
    assert [g for g in root.iter(f"{SVG}g") if g.get("class") == "use"]
    assert "已暂停" in shown(root) and "用于投标（已开标）" in shown(root)
    fits(driver)
    shot(driver, tmp_path, "3-firm-history-zh")
    driver.get(f"{site.base}/portal/firms/{site.world.firms[0].uscc}?lang=en&at=2026-01-01")  # type: ignore[attr-defined]
    root, _ = picture(driver, "history")
    assert "asked about 1 Jan 2026" in shown(root) and "Suspended" in shown(root)
    shot(driver, tmp_path, "4-firm-history-en")
    print(f"\npicture screenshots: {tmp_path}")


def test_the_audit_pictures_on_the_desk_and_in_the_html_page(site: Site, browser: object,  # noqa: F811
                                                             tmp_path: Path) -> None:
    driver = browser
    driver.get(f"{site.base}/portal/audit?lang=zh")  # type: ignore[attr-defined]
    field = WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, "file")))
    field.send_keys(str(site.report))
    driver.find_element(By.ID, "audit-submit").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located((By.ID, "summary-picture")))
    root, _ = picture(driver, "summary-picture")
    words = shown(root)
    assert "合计" in words and any(w.startswith("围标串标提示") for w in words)
    assert {"documents", "selection", "performance"} <= {g.get("data-family") for g in root.iter(f"{SVG}g")}
    timelines = driver.find_elements(By.CSS_SELECTOR, "svg.timeline")  # type: ignore[attr-defined]
    assert len(timelines) == 4  # the world's three tenders and the one selected and performed
    fits(driver)
    shot(driver, tmp_path, "5-audit-desk-zh")

    driver.get(site.html.as_uri())  # type: ignore[attr-defined]
    root, _ = picture(driver, "summary-picture")
    assert "All checks" in shown(root)
    page = driver.page_source  # type: ignore[attr-defined]
    assert len(re.findall(r'<svg [^>]*class="picture timeline"', page)) == 4 and "<script" not in page
    assert "Completion evaluation · section 1" in body_text(driver)
    shot(driver, tmp_path, "6-audit-html-en")
    print(f"\npicture screenshots: {tmp_path}")
