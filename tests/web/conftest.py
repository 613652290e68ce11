"""The pages in a real headless Chromium (Debian's, driven by Playwright) against a real
``isanhub serve`` on a small demo city.

Every visit records the page's console errors and every request that leaves the
server: a page must have neither. Screenshots go to var/screenshots (scripts/screenshots
copies them into the docs).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from servers import ISANHUB, Broker

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Chromium is missing: run scripts/browser (Debian package chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is missing: run scripts/setup test"
    return None


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A served demo city (3 days of history) with its scorecard."""
    folder = tmp_path_factory.mktemp("web")
    db = f"sqlite:///{folder / 'demo.db'}"
    subprocess.run(
        [str(ISANHUB), "demo", "--no-serve", "--days", "3", "--db", db],
        check=True,
        capture_output=True,
    )
    broker = Broker(db, folder / "serve.log")
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page and what happened while it was used."""

    page: Any
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def visit(browser: Any, demo_city: Broker) -> Iterator[Any]:
    """``visit(path, width=1280)``: a fresh page on the demo city, watched."""
    contexts: list[Any] = []
    host = urlsplit(demo_city.base).netloc

    def open_page(path: str, width: int = 1280, height: int = 900) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                seen.outside.append(r.url)
                if urlsplit(r.url).netloc not in (host, "") and not r.url.startswith("data:")
                else None
            ),
        )
        page.goto(demo_city.base + path)
        page.wait_for_load_state("networkidle")
        return seen

    yield open_page
    for context in contexts:
        context.close()
