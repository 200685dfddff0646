"""What the browser tests do to a desk, made safe against the desk redrawing itself.

A desk redraws its panels when it reloads (a click on 刷新, a step it took, a poll): an element
found just before may be replaced by the time it is clicked or read, and Selenium then raises
StaleElementReferenceException. Each helper here looks the element up again until the action
takes, so a test waits for what the user would see instead of racing the redraw.

A reload is a step of its own: until its answer is drawn, the desk still shows what it showed
before, buttons included, and a step taken on that (clicked, read) races the reload, whose late
answer may then draw the older state over the newer. `reload` and `redrawn` wait until the desk
has drawn a panel again before the test goes on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.portal.test_browser import shot

REDRAWN = (StaleElementReferenceException, NoSuchElementException, ElementNotInteractableException,
           ElementClickInterceptedException)


def waiting(driver: object, seconds: float = 60) -> WebDriverWait:
    """A wait whose conditions may read elements the desk replaces while they are read: a
    condition that meets a replaced or not yet drawn element is asked again, finding it anew."""
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))


def by(driver: object, ident: str) -> Any:
    return driver.find_element(By.ID, ident)  # type: ignore[attr-defined]


def click(driver: object, wait: WebDriverWait, ident: str) -> None:
    """Click the element `ident` as soon as it is shown and enabled, finding it again if the desk
    replaced it meanwhile."""
    def clicked(d: object) -> bool:
        try:
            node = by(d, ident)
            if not (node.is_displayed() and node.is_enabled()):
                return False
            node.click()
            return True
        except REDRAWN:
            return False
    wait.until(clicked)


def until(driver: object, wait: WebDriverWait, ident: str, text: str, tmp_path: Path) -> None:
    """Wait until `ident` says `text`; a refusal it shows instead (class bad-text) fails at once,
    with its words."""
    def said(d: object) -> bool:
        try:
            node = by(d, ident)
            return text in node.text or "bad-text" in (node.get_attribute("class") or "")
        except REDRAWN:
            return False
    wait.until(said)

    def words(d: object) -> str | None:
        try:
            return str(by(d, ident).text)
        except REDRAWN:
            return None
    shown = str(wait.until(words))
    if text not in shown:
        shot(driver, tmp_path, f"failed-{ident}")
        pytest.fail(f"{ident}: {shown}")


def shows(driver: object, wait: WebDriverWait, ident: str, text: str) -> None:
    """Wait until `ident` shows `text`, finding it again if the desk replaced it meanwhile."""
    def shown(d: object) -> bool:
        try:
            return text in by(d, ident).text
        except REDRAWN:
            return False
    wait.until(shown)


# Every element now drawn in the panel is marked; a panel drawn anew has elements and none marked.
_MARK = "for (const n of document.getElementById(arguments[0]).children) n.setAttribute('data-drawn-before', '');"
_FRESH = """const panel = document.getElementById(arguments[0]);
return Boolean(panel) && panel.children.length > 0 && !panel.querySelector(':scope > [data-drawn-before]');"""


def redrawn(driver: object, wait: WebDriverWait, panel: str, act: Callable[[], None]) -> None:
    """Do `act` (a click that makes the desk load, a sign-in), then wait until the desk has drawn
    `panel` (an element whose children each drawing replaces) again from what the load answered."""
    driver.execute_script(_MARK, panel)  # type: ignore[attr-defined]
    act()
    wait.until(lambda d: bool(d.execute_script(_FRESH, panel)))


def reload(driver: object, wait: WebDriverWait, button: str, panel: str) -> None:
    """Click the desk's reload `button` (刷新, 查询) and wait until the desk has drawn `panel` again:
    only then does the desk show the state the reload fetched, and a step taken on it acts on that."""
    redrawn(driver, wait, panel, lambda: click(driver, wait, button))
