"""The explorer against the demo city: what it shows is what the NGSI-LD API gives the
same caller (types and counts, a page of entities, a q filter, an entity and its
history), the curl command shown is the request the page made, the view lives in the
URL, and a bad query is an alert, not a broken page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from servers import Broker

API = "/ngsi-ld/v1"
AIR = "AirQualityObserved"


def _count(base: str, q: str | None = None, type: str = AIR) -> int:
    params = {"type": type, "limit": "0", "count": "true"}
    if q:
        params["q"] = q
    response = httpx.get(base + API + "/entities", params=params)
    response.raise_for_status()
    return int(response.headers["NGSILD-Results-Count"])


def _watch_api(page: Any) -> list[str]:
    """The NGSI-LD requests the page makes, as path?query."""
    made: list[str] = []

    def seen(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.path.startswith(API):
            made.append(parts.path + ("?" + parts.query if parts.query else ""))

    page.on("request", seen)
    return made


def _total(page: Any) -> int:
    return int(page.locator("#ex-total").get_attribute("value"))


def _curl_target(page: Any, within: str) -> str:
    """The path?query of the first curl command shown in ``within``."""
    command = page.locator(f"{within} pre.ex-curl").first.text_content()
    url = re.search(r"'(https?://[^']+)'$", command)
    assert url, command
    parts = urlsplit(url.group(1))
    return parts.path + "?" + parts.query if parts.query else parts.path


def _errors_but_http_statuses(errors: list[str]) -> list[str]:
    """Console errors apart from Chromium's own note of a 4xx answer, which the page
    asked for on purpose (a malformed q is answered 400 with a problem detail)."""
    note = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")
    return [e for e in errors if not note.match(e)]


def test_the_types_carry_the_counts_the_api_gives(visit: Any, demo_city: Broker) -> None:
    seen = visit("/explore")
    expected = _count(demo_city.base)
    item = seen.page.locator(f"#ex-types li[data-type={AIR}]")
    count = item.locator(".ex-count")
    count.filter(has_text=re.compile(r"^\d")).wait_for()
    assert int(count.inner_text().replace(",", "")) == expected
    names = httpx.get(demo_city.base + API + "/types").json()["typeList"]
    listed = seen.page.locator("#ex-types li[data-type]").evaluate_all(
        "items => items.map(i => i.dataset.type)"
    )
    assert sorted(listed) == sorted(n.rsplit("/", 1)[-1] for n in names)
    assert seen.errors == [] and seen.outside == []
    seen.shot("explore-th")


def test_a_type_lists_its_entities_page_by_page(visit: Any, demo_city: Broker) -> None:
    seen = visit("/explore?lang=en")
    page = seen.page
    made = _watch_api(page)
    page.locator(f"#ex-types li[data-type={AIR}] a").click()
    page.locator("#ex-total").wait_for(state="attached")
    total = _count(demo_city.base)
    assert total > 20, "the demo city has more than a page of air stations"
    assert _total(page) == total
    assert page.locator(".ex-table tbody tr").count() == 20
    assert f"type={AIR}" in page.url
    first = page.locator(".ex-table tbody tr td.ex-id").first.inner_text()
    # the curl command is the request the page made
    listed = [m for m in made if "options=keyValues" in m]
    assert _curl_target(page, "#ex-list") == listed[-1]
    page.get_by_role("button", name=re.compile("Next")).click()
    page.get_by_text(re.compile(r"Page 2 of \d+")).wait_for()
    page.locator(".ex-table").wait_for()
    assert "page=2" in page.url
    assert page.locator(".ex-table tbody tr td.ex-id").first.inner_text() != first
    assert "offset=20" in _curl_target(page, "#ex-list")
    page.go_back()
    page.get_by_text(re.compile(r"Page 1 of \d+")).wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator(".ex-table tbody tr td.ex-id").first.inner_text() == first
    assert seen.errors == [] and seen.outside == []
    seen.shot("explore-en")


def test_the_q_filter_narrows_to_the_api_count(visit: Any, demo_city: Broker) -> None:
    seen = visit(f"/explore?lang=en&type={AIR}")
    page = seen.page
    page.locator("#ex-total").wait_for(state="attached")
    page.locator("#ex-q").fill("pm25>20")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url(re.compile(r"q=pm25%3E20"))
    page.wait_for_load_state("networkidle")
    expected = _count(demo_city.base, "pm25>20")
    assert 0 < expected < _count(demo_city.base)
    assert _total(page) == expected
    assert "q=pm25%3E20" in _curl_target(page, "#ex-list")
    # a malformed q: the API's own detail in an alert, the page still works
    detail = httpx.get(
        demo_city.base + API + "/entities", params={"type": AIR, "q": "pm25>>20"}
    ).json()["detail"]
    page.locator("#ex-q").fill("pm25>>20")
    page.locator("#ex-q").press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert detail in alert.inner_text()
    assert _errors_but_http_statuses(seen.errors) == []
    assert page.locator("#ex-q").input_value() == "pm25>>20"
    page.get_by_role("button", name="Clear the filter").click()
    page.locator("#ex-total").wait_for(state="attached")
    assert _total(page) == _count(demo_city.base)
    assert seen.outside == []


def test_an_entity_shows_its_attributes_and_history(visit: Any, demo_city: Broker) -> None:
    seen = visit(f"/explore?type={AIR}")
    page = seen.page
    made = _watch_api(page)
    page.locator(".ex-table tbody tr td.ex-id a").first.click()
    page.wait_for_url(re.compile(r"[?&]id="))
    entity_id = page.locator(".ex-table tbody tr td.ex-id a").first.inner_text()
    attrs = page.locator(".ex-attrs")
    attrs.wait_for()
    stored = httpx.get(demo_city.base + API + "/entities/" + entity_id).json()
    shown = attrs.locator("tbody th[scope=row]").all_inner_texts()
    assert set(shown) == set(stored) - {"id", "type"}
    row = attrs.locator("tbody tr", has=page.locator("th", has_text=re.compile("^pm25$")))
    # the page writes numbers as JavaScript does: 29.0 is "29"
    value = stored["pm25"]["value"]
    written = str(int(value)) if float(value).is_integer() else str(value)
    assert written in row.inner_text().split("\t")
    assert stored["pm25"]["unitCode"] in row.inner_text()
    chart = page.locator(".ex-chart[data-attr=pm25] svg[role=img]")
    chart.wait_for()
    assert chart.locator("path").count() == 1
    assert chart.locator("path").get_attribute("d").count("L") > 10
    entity_path = [m for m in made if m.startswith(API + "/entities/")][-1]
    assert _curl_target(page, "#ex-entity") == entity_path
    # at most a few histories at once; the others on demand
    temporal = [m for m in made if m.startswith(API + "/temporal/")]
    assert 1 <= len(temporal) <= 3
    page.wait_for_load_state("networkidle")
    assert seen.errors == [] and seen.outside == []
    seen.shot("explore-entity-th")
    # the view is shareable: the same URL opens the same entity
    again = visit(urlsplit(page.url).path + "?" + urlsplit(page.url).query)
    again.page.locator(".ex-chart[data-attr=pm25] svg[role=img] path").wait_for()
    assert again.errors == []


def test_the_tenant_header_appears_in_the_curl_command(visit: Any) -> None:
    seen = visit("/explore?lang=en")
    page = seen.page
    page.locator("#ex-tenant").fill("nowhere")
    page.get_by_role("button", name="Use").click()
    page.get_by_role("alert").wait_for()
    assert "tenant=nowhere" in page.url
    assert "-H 'NGSILD-Tenant: nowhere'" in page.locator("#ex-types pre.ex-curl").inner_text()
    assert _errors_but_http_statuses(seen.errors) == [] and seen.outside == []


def test_copy_puts_the_command_on_the_clipboard(visit: Any, demo_city: Broker) -> None:
    seen = visit(f"/explore?lang=en&type={AIR}")
    page = seen.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#ex-total").wait_for(state="attached")
    page.locator("#ex-list").get_by_role("button", name="Copy").click()
    page.locator("#ex-list").get_by_text("Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#ex-list pre.ex-curl").inner_text()
    assert copied.startswith("curl '" + demo_city.base + API + "/entities?type=" + AIR)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_phone_keeps_the_tables_in_their_box(visit: Any, lang: str) -> None:
    seen = visit(f"/explore?lang={lang}&type={AIR}", width=375, height=740)
    page = seen.page
    page.locator(".ex-table").wait_for()
    page.locator(".ex-table tbody tr td.ex-id a").first.click()
    page.locator(".ex-attrs").wait_for()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert seen.errors == [] and seen.outside == []
    seen.shot(f"explore-phone-{lang}")


def test_the_keyboard_reaches_a_type_and_an_entity(visit: Any) -> None:
    seen = visit("/explore?lang=en")
    page = seen.page
    page.locator(f"#ex-types li[data-type={AIR}] a").focus()
    page.keyboard.press("Enter")
    page.locator(".ex-table").wait_for()
    page.locator(".ex-table tbody tr td.ex-id a").first.focus()
    page.keyboard.press("Enter")
    page.locator(".ex-attrs").wait_for()
    assert page.evaluate("document.activeElement.id") == "ex-entity-h"


def test_each_data_request_is_quick(visit: Any) -> None:
    """Every NGSI-LD request the page makes, timed by the browser (report: < 300 ms)."""
    seen = visit(f"/explore?lang=en&type={AIR}")
    page = seen.page
    page.locator(".ex-table tbody tr td.ex-id a").first.click()
    page.locator(".ex-chart svg[role=img]").first.wait_for()
    page.wait_for_load_state("networkidle")
    timings = page.evaluate(
        "performance.getEntriesByType('resource')"
        f".filter(e => new URL(e.name).pathname.startsWith('{API}'))"
        ".map(e => [new URL(e.name).pathname + new URL(e.name).search, e.duration])"
    )
    assert len(timings) > 20
    worst = max(ms for _, ms in timings)
    print(f"\n{len(timings)} API requests, slowest {worst:.0f} ms")
    for path, ms in sorted(timings, key=lambda x: -x[1])[:5]:
        print(f"  {ms:6.0f} ms  {path}")
    assert worst < 1000  # generous for a loaded test machine; typical is well under 300
