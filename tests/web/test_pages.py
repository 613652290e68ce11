"""Every page loads in Thai and in English with no console error and no request that
leaves the server; the language switch and the keyboard work."""

from __future__ import annotations

from typing import Any

import pytest

PAGES = {"overview": "/", "explore": "/explore", "sellers": "/sellers", "farmers": "/farmers"}


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_loads_cleanly(visit: Any, page: str, lang: str) -> None:
    seen = visit(f"{PAGES[page]}?lang={lang}")
    assert seen.page.locator("html").get_attribute("lang") == lang
    assert seen.errors == [] and seen.outside == []
    assert seen.page.locator("nav a[aria-current=page]").count() == 1
    seen.shot(f"{page}-{lang}")


def test_the_language_switch_is_remembered(visit: Any) -> None:
    seen = visit("/explore")
    assert seen.page.locator("html").get_attribute("lang") == "th"
    seen.page.get_by_role("link", name="English").click()
    seen.page.wait_for_load_state("networkidle")
    assert seen.page.locator("html").get_attribute("lang") == "en"
    seen.page.get_by_role("link", name="Sellers").click()
    seen.page.wait_for_load_state("networkidle")
    assert seen.page.locator("html").get_attribute("lang") == "en"
    assert seen.page.locator("h1").inner_text() == "Sellers"


def test_the_skip_link_is_the_first_stop_of_the_keyboard(visit: Any) -> None:
    seen = visit("/?lang=en")
    seen.page.keyboard.press("Tab")
    focused = seen.page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    seen.page.keyboard.press("Enter")
    assert seen.page.evaluate("document.activeElement.id") == "main"


def test_a_phone_screen_needs_no_sideways_scrolling(visit: Any) -> None:
    seen = visit("/?lang=th", width=375, height=740)
    overflow = seen.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
