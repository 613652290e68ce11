"""Signing in to the pages with an API key, in a real Chromium against a server with
access control on: the key goes into an HttpOnly, SameSite=Strict cookie that scripts
cannot read, the pages' API calls then carry it, and signing out ends it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from servers import ISANHUB, Broker, needs_isanhub

from .conftest import SHOTS


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Broker, str]]:
    folder = tmp_path_factory.mktemp("signin")
    db = f"sqlite:///{folder / 'hub.db'}"
    made = subprocess.run(
        [str(ISANHUB), "keys", "create", "--tenant", "*", "--role", "consumer",
         "--name", "Planner", "--db", db],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    broker = Broker(db, folder / "serve.log", env={"ISANHUB_AUTH": "keys"})
    yield broker, made.stdout.strip()
    broker.stop()


def _status(page: Any, path: str) -> int:
    return int(page.evaluate("async (p) => (await fetch(p)).status", path))


@needs_isanhub
def test_sign_in_and_out(browser: Any, keyed: tuple[Broker, str]) -> None:
    broker, key = keyed
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(broker.base + "/explore?lang=en")
        page.wait_for_load_state("networkidle")
        assert page.locator("#signin").is_visible()
        assert _status(page, "/ngsi-ld/v1/types") == 401
        page.locator("#signin-box summary").click()
        page.fill("#signin-key", "ihk_000000000000_" + "A" * 43)
        page.click("#signin-form button")
        page.locator("#signin-error", has_text="not accepted").wait_for()
        page.fill("#signin-key", key)
        page.click("#signin-form button")
        page.wait_for_load_state("networkidle")
        page.locator("#signin-state", has_text="Signed in: Planner").wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "signin.png"))
        (cookie,) = [c for c in context.cookies() if c["name"] == "isanhub_key"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "ihk_" not in page.evaluate("document.cookie")
        assert _status(page, "/ngsi-ld/v1/types") == 200
        with page.expect_response(lambda r: r.request.method == "DELETE"):
            page.click("#signout")
        page.locator("#signin-box summary").wait_for()
        assert _status(page, "/ngsi-ld/v1/types") == 401
        assert not errors
    finally:
        context.close()
