"""What the browser tests do to a desk, made safe against the desk redrawing itself.

A desk redraws its panels when it reloads (a click on 刷新, a step it took, a poll): an element
found just before may be replaced by the time it is clicked or read, and Selenium then raises
StaleElementReferenceException. Each helper here looks the element up again until the action
takes, so a test waits for what the user would see instead of racing the redraw."""

from __future__ import annotations

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
