"""The sellers page in a real browser: order files go in through the page's file input,
each file's result is shown, then the advice and the channel figures of the report
(equal to the JSON report's), the PDF link, a refused file, a shop without data."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "sellers").glob("*.csv"))


def _shop() -> str:
    return f"web-{uuid.uuid4().hex[:10]}"


def _baht(value: float) -> str:
    """What ISANHUB.baht shows: ฿ and whole baht with thousands separators."""
    return f"฿{round(value):,}"


def _upload(seen: Any, shop: str, files: list[Path]) -> None:
    page = seen.page
    page.fill("#shop", shop)
    page.set_input_files("#files", [str(f) for f in files])
    page.click("#upload")
    page.wait_for_selector("#import-results .file", timeout=60_000)


def test_a_seller_uploads_two_files_and_sees_the_report(visit: Any, demo_city: Any) -> None:
    shop = _shop()
    seen = visit("/sellers?lang=th")
    assert len(EXAMPLES) == 2
    _upload(seen, shop, EXAMPLES)
    page = seen.page
    statuses = page.locator("#import-results .file").evaluate_all(
        "els => els.map(e => e.dataset.status)"
    )
    assert statuses == ["imported", "imported"]
    page.wait_for_selector("#advice li", timeout=60_000)
    page.wait_for_selector("#channel-table tbody tr")
    base = demo_city.base
    report = httpx.get(
        f"{base}/hub/v1/sellers/{shop}/report?format=json&lang=th", timeout=60
    ).json()
    advice = page.locator("#advice li").all_inner_texts()
    assert advice == [a["text"] for a in report["advice"]] and advice
    rows = report["channels"]["rows"]
    for row in rows:
        cell = page.locator(f'#channel-table tr[data-channel="{row["channel"]}"] td.gmv')
        assert cell.inner_text() == _baht(row["gmv"])
    assert page.locator("#channel-table tbody tr").count() == len(rows)
    # the shop is remembered in the address and in the browser
    assert f"shop={shop}" in page.url
    assert page.evaluate("localStorage.getItem('isanhub.shop')") == shop
    # the one-page report answers a PDF
    href = page.locator("#pdf-link").get_attribute("href")
    assert href is not None and "format=pdf" in href
    pdf = httpx.get(base + href, timeout=60)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")
    json_href = page.locator("#json-link").get_attribute("href")
    assert httpx.get(base + json_href, timeout=60).json()["lines"] == report["lines"]
    assert page.locator("#time table.heatmap tbody tr").count() == 7
    assert page.locator("#outlook svg.chart").count() >= 1 or report["outlook"]["series"] == []
    assert seen.errors == [] and seen.outside == []
    seen.shot("sellers-th")
    # importing the same files again says they were there already
    _upload(seen, shop, EXAMPLES[:1])
    page.wait_for_selector("#import-results .file[data-status=duplicate]")


def test_the_report_in_english_and_on_a_phone(visit: Any, demo_city: Any) -> None:
    shop = _shop()
    with httpx.Client(base_url=demo_city.base, timeout=60) as client:
        files = [("file", (f.name, f.read_bytes(), "text/csv")) for f in EXAMPLES]
        answer = client.post(f"/hub/v1/sellers/{shop}/import", files=files)
        assert answer.status_code == 200
    seen = visit(f"/sellers?lang=en&shop={shop}")
    seen.page.wait_for_selector("#advice li")
    assert seen.page.locator("#shop").input_value() == shop
    assert seen.page.locator("#channels h2").inner_text() == "Which channel really earns"
    assert seen.errors == [] and seen.outside == []
    seen.shot("sellers-en")
    phone = visit(f"/sellers?lang=th&shop={shop}", width=375, height=740)
    phone.page.wait_for_selector("#advice li")
    overflow = phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert phone.errors == [] and phone.outside == []
    phone.shot("sellers-phone")


def test_a_file_that_is_not_an_order_export_is_refused(visit: Any) -> None:
    seen = visit("/sellers?lang=th")
    _upload(seen, _shop(), [ROOT / "README.md"])
    item = seen.page.locator("#import-results .file")
    assert item.get_attribute("data-status") == "rejected"
    text = item.inner_text()
    assert "ไม่รับไฟล์นี้" in text and "unrecognised file" in text
    # nothing was imported: the shop has no report yet and the page says what to do
    seen.page.wait_for_selector("#report .empty")
    # the import answers 400 when every file was refused: Chromium logs that answer
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert [e for e in seen.errors if e != refused] == [] and seen.outside == []


def test_a_shop_code_is_needed_and_a_new_shop_is_invited_to_upload(visit: Any) -> None:
    seen = visit("/sellers?lang=en")
    seen.page.evaluate("localStorage.removeItem('isanhub.shop')")
    seen.page.fill("#shop", "")
    seen.page.click("#upload")
    assert seen.page.locator("#progress [role=alert]").inner_text().startswith("Please enter")
    seen.page.fill("#shop", _shop())
    seen.page.click("#show-report")
    seen.page.wait_for_selector("#report .empty")
    assert "has no data yet" in seen.page.locator("#report .empty").inner_text()
    assert seen.errors == [] and seen.outside == []
