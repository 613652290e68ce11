"""The farmers page in a real browser: the crop prices of the chosen province equal
the API's CropPrice entities, the weather stations and the parcels are listed, and the
page says that outlooks and drone planning come later."""

from __future__ import annotations

from typing import Any

import httpx

B = "/ngsi-ld/v1"


def _prices(base: str, q: str) -> dict[str, float]:
    """The latest price of each CropPrice matching q, as the page formats it."""
    answer = httpx.get(
        f"{base}{B}/entities",
        params={"type": "CropPrice", "q": q, "format": "simplified", "limit": 1000},
        timeout=30,
    )
    answer.raise_for_status()
    return {e["id"]: f"{e['price']:,.2f}" for e in answer.json()}


def _shown(seen: Any, kind: str) -> dict[str, str]:
    rows = seen.page.locator(f'table[data-kind="{kind}"] tbody tr')
    return dict(
        zip(
            rows.evaluate_all("els => els.map(e => e.dataset.id)"),
            seen.page.locator(f'table[data-kind="{kind}"] td.price').all_inner_texts(),
            strict=True,
        )
    )


def test_the_farmers_page_shows_the_provinces_crop_prices(visit: Any, demo_city: Any) -> None:
    seen = visit("/farmers?lang=th")
    page = seen.page
    page.wait_for_selector('table[data-kind="gate"] tbody tr')
    assert page.locator("#province").input_value() == "khon-kaen"
    want = _prices(demo_city.base, 'address[addressRegion]=="Khon Kaen"')
    assert want and _shown(seen, "gate") == want
    wholesale = _prices(demo_city.base, 'priceType=="wholesale"')
    assert _shown(seen, "wholesale") == wholesale
    assert page.locator("#weather tbody tr").count() >= 1
    assert page.locator("#parcels tbody tr").count() >= 1
    assert "โดรน" in page.locator(".coming").inner_text()
    assert seen.errors == [] and seen.outside == []
    seen.shot("farmers-th")


def test_another_province_in_english(visit: Any, demo_city: Any) -> None:
    seen = visit("/farmers?lang=en&province=nakhon-ratchasima")
    page = seen.page
    page.wait_for_selector('table[data-kind="gate"] tbody tr')
    assert page.locator("#province").input_value() == "nakhon-ratchasima"
    want = _prices(demo_city.base, 'address[addressRegion]=="Nakhon Ratchasima"')
    assert _shown(seen, "gate") == want
    assert "drone" in page.locator(".coming").inner_text()
    assert seen.errors == [] and seen.outside == []
    seen.shot("farmers-en")
    page.select_option("#province", "khon-kaen")
    page.wait_for_selector('table[data-kind="gate"] tbody tr[data-id*="CropPrice:khon-kaen:"]')
    assert "province=khon-kaen" in page.url
