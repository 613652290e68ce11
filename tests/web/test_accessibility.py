"""axe-core (the copy that axe-playwright-python installs, run inside the page) finds
no serious or critical accessibility violation on any page, in either language."""

from __future__ import annotations

from typing import Any

import pytest

from .test_pages import PAGES


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_no_serious_accessibility_violation(visit: Any, page: str, lang: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    seen = visit(f"{PAGES[page]}?lang={lang}")
    results = Axe().run(seen.page)
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
