"""The farmers page in a real browser, built on the farmer insight API: every section
shows the figures /hub/v1/agri/{insight} gives for the demo city (compared with the
page text), the filters and the language switch reload it, an empty area shows the
empty states, a failing insight shows its error without blanking the others."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from playwright.sync_api import expect

from isanhub.insight.agri import alerts as alert_rules
from isanhub.web import i18n

from .conftest import SHOTS

SECTIONS = ("alerts", "prices", "outlook", "rain", "fields", "drones", "production")
MONTHS_TH = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
             "พ.ย.", "ธ.ค."]  # fmt: skip


def _agri(base: str, insight: str, **params: str) -> dict[str, Any]:
    answer = httpx.get(f"{base}/hub/v1/agri/{insight}", params=params, timeout=60)
    answer.raise_for_status()
    data: dict[str, Any] = answer.json()
    return data


def _n(value: float, digits: int | None = None) -> str:
    """A number as common.js num() writes it."""
    d = digits if digits is not None else (0 if abs(value) >= 100 else 1)
    return f"{value:,.{d}f}"


def _day_th(iso: str) -> str:
    y, m, d = (int(x) for x in iso[:10].split("-"))
    return f"{d} {MONTHS_TH[m - 1]} {y + 543}"


def _loaded(page: Any) -> None:
    """Every card has its answer (no card busy, no loading text left)."""
    expect(page.locator("#farmers [aria-busy]")).to_have_count(0, timeout=30_000)
    for s in SECTIONS:
        expect(page.locator(f"#{s} .body")).not_to_contain_text("…")
    expect(page.locator("#as-of")).not_to_be_empty()  # set once every answer is in


def test_every_section_shows_the_api_figures_in_thai(visit: Any, demo_city: Any) -> None:
    seen = visit("/farmers?lang=th")
    page = seen.page
    _loaded(page)
    assert page.locator("#province").input_value() == "khon-kaen"
    base, kk = demo_city.base, {"province": "Khon Kaen"}
    assert page.locator(".coming").count() == 0
    assert page.locator("#as-of").inner_text().startswith("ข้อมูล ณ ")

    prices = _agri(base, "prices", **kk)
    gate = [s for s in prices["series"] if s["priceType"] == "farmGate"]
    assert gate
    for s in gate:
        tile = page.locator(f'.price-tile[data-id="{s["id"]}"]')
        assert tile.locator(".price").inner_text() == f"{s['latest']['price']:,.2f}"
        assert _day_th(s["latest"]["date"]) in tile.inner_text()
        if s["yoyPct"] is not None:
            assert (
                f"{s['yoyPct']:+.1f}%".replace("+0.0", "0.0") in tile.locator(".yoy").inner_text()
            )
        assert tile.locator("svg[role=img] title").count() == 1
    for sp in prices["spreads"]:
        text = page.locator(f'.price-tile[data-id="{sp["farmGate"]["id"]}"] .spread').inner_text()
        assert f"{sp['latest']['wholesale']:,.2f}" in text and f"{sp['latest']['pct']:.1f}%" in text

    outlook = _agri(base, "outlook", **kk)
    for s in outlook["series"]:
        tile = page.locator(f'.outlook-tile[data-id="{s["id"]}"]')
        if not s["forecast"]:
            continue
        last = s["forecast"][-1]
        assert f"{last['price']:,.2f}" in tile.locator(".forecast-line").inner_text()
        assert tile.get_attribute("data-shown") == s["shown"]
        if s["backtest"]["mapeModel"] is not None:
            text = tile.locator(".backtest").inner_text()
            assert (
                f"{s['backtest']['mapeModel']:.1f}%" in text
                and f"{s['backtest']['mapeNaive']:.1f}%" in text
            )
        assert (tile.locator(".naive").count() == 1) == (s["shown"] == "naive")

    rain = _agri(base, "rain", **kk)
    assert page.locator(".rain-tile").count() == len(rain["stations"]) > 0
    for st in rain["stations"]:
        tile = page.locator(f'.rain-tile[data-id="{st["id"]}"]')
        cell = tile.locator('tr[data-window="30d"] td').first.inner_text()
        assert cell.strip() == _n(st["rain"]["30d"]["rainMm"], 1)
        if st["daysSinceRain"] is not None:
            assert f"{st['daysSinceRain']:,} วัน" in tile.locator(".since").inner_text()
        assert tile.locator(".days li").count() == len(st["outlook"]["daily"])

    parcels = _agri(base, "parcels", **kk)
    total = parcels["total"]
    assert f"{total['parcels']:,} แปลง" in page.locator("#fields .big-line").inner_text()
    assert page.locator("#stage-table tbody tr").count() == sum(
        1 + (len(f["crops"]) if len(f["crops"]) > 1 else 0) for f in parcels["crops"]
    )
    now_month = parcels["calendar"][0]["now"]["month"]
    assert page.locator(".calendar thead th.now").inner_text() == MONTHS_TH[now_month - 1]
    harvest = _agri(base, "harvest", **kk)
    first = harvest["weeks"][0]
    row = page.locator('#harvest-weeks tr[data-week="0"]')
    assert _n(first["tonnes"]) in row.inner_text() and _day_th(first["from"]) in row.inner_text()
    assert page.locator("#yield-table tbody tr").count() == len(harvest["districts"])

    drones = _agri(base, "drones", **kk)
    plan = _agri(base, "plan", **kk)
    due = page.locator("#due-line").inner_text()
    assert f"ถึงกำหนดพ่น {drones['due']['parcels']:,} แปลง" in due
    assert f"{_n(drones['due']['rai'])} ไร่" in due
    rows = [(d, day) for d in plan["drones"] for day in d["days"]]
    assert page.locator("#plan-table tbody tr").count() == len(rows)
    if rows:
        drone, day = rows[0]
        row = page.locator(f'#plan-table tr[data-drone="{drone["id"]}"][data-date="{day["date"]}"]')
        text = row.inner_text()
        assert _day_th(day["date"]) in text and _n(day["rai"]) in text
        assert day["parcels"][0]["parcel"].split(":")[-1] in text
    if drones["totals"]["jobs"]:
        saved = page.locator("#time-saved strong").inner_text()
        assert saved == _n(drones["timeSaved"]["savedHours"])

    production = _agri(base, "production", **kk)
    total_row = page.locator("#production-table tr.total").inner_text()
    assert f"฿{production['total']['incomeThb']:,.0f}" in total_row
    assert page.locator("#production-table tbody tr").count() == len(production["districts"]) + 1
    for used in production["prices"]:
        if used["thbPerKg"] is not None:
            assert f"{used['thbPerKg']:,.2f}" in page.locator("#prices-used").inner_text()

    alerts = _agri(base, "alerts", **kk)
    assert page.locator("#alert-districts tbody tr").count() == len(alerts["districts"])
    assert page.locator("#alerts li.alert").count() == len(alerts["alerts"])

    # the district choices come from the answers
    options = page.locator("#district option").all_inner_texts()[1:]
    assert options and set(options) >= {d["district"] for d in alerts["districts"]}
    assert seen.errors == [] and seen.outside == []
    seen.shot("farmers-th")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#drones").screenshot(path=str(SHOTS / "farmers-drones-th.png"))


def test_english_then_another_province(visit: Any, demo_city: Any) -> None:
    seen = visit("/farmers?lang=en&province=phuket")
    page = seen.page
    _loaded(page)
    assert page.locator("#province").input_value() == "phuket"
    assert page.locator("#alerts h2").inner_text() == "Drought and flood alerts"
    alerts = _agri(demo_city.base, "alerts", province="Phuket")
    items = page.locator("#alerts li.alert")
    assert items.count() == len(alerts["alerts"])
    for k, a in enumerate(alerts["alerts"]):
        text = items.nth(k).inner_text()
        # the English rule is the API's rule word for word; the level is a word too
        assert a["rule"] in text and a["level"] in text
    if not alerts["alerts"]:
        assert page.locator("#alerts .empty-state").inner_text() == "No alert in this area now"
    outlook = _agri(demo_city.base, "outlook", province="Phuket")
    if not any(s["forecast"] for s in outlook["series"]):
        assert page.locator("#outlook .empty-state").count() >= 1
    assert seen.errors == [] and seen.outside == []
    seen.shot("farmers-en")

    page.select_option("#province", "khon-kaen")
    expect(page.locator('.price-tile[data-id*="CropPrice:khon-kaen:"]').first).to_be_visible()
    _loaded(page)
    assert "province=khon-kaen" in page.url
    want = {s["id"] for s in _agri(demo_city.base, "prices", province="Khon Kaen")["series"]
            if s["priceType"] == "farmGate"}  # fmt: skip
    shown = set(page.locator(".price-tile").evaluate_all("els => els.map(e => e.dataset.id)"))
    assert want <= shown
    assert seen.errors == []


def test_the_district_and_crop_filters_ask_the_api_for_them(visit: Any, demo_city: Any) -> None:
    seen = visit("/farmers?lang=th")
    page = seen.page
    _loaded(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/hub/v1/agri/" in r.url else None)
    district = page.locator("#district option").nth(1).get_attribute("value")
    page.select_option("#district", district)
    _loaded(page)
    assert asked and all("district=" + district.replace(" ", "+") in u for u in asked)
    production = _agri(demo_city.base, "production", province="Khon Kaen", district=district)
    assert page.locator("#production-table tbody tr").count() == len(production["districts"]) + 1
    assert (
        f"฿{production['total']['incomeThb']:,.0f}"
        in page.locator("#production-table tr.total").inner_text()
    )
    page.select_option("#crop", "rice")
    _loaded(page)
    assert "crop=rice" in page.url and f"district={district.replace(' ', '+')}" in page.url
    families = page.locator("#stage-table tbody tr:not(.sub) th").all_inner_texts()
    assert families == ["ข้าว"] or families == []
    assert seen.errors == []


def test_an_area_without_data_shows_the_empty_states(visit: Any) -> None:
    seen = visit("/farmers?lang=th")
    page = seen.page
    _loaded(page)
    # the real API's answers for a province the store does not have
    page.route(re.compile(r".*/hub/v1/agri/.*"),
               lambda route: route.continue_(url=re.sub(r"province=[^&]*", "province=Nowhere", route.request.url)))  # fmt: skip
    page.select_option("#crop", "cassava")
    _loaded(page)
    for s in ("alerts", "outlook", "rain", "fields", "production"):
        assert page.locator(f"#{s} .empty-state").count() >= 1, s
    assert "ไม่มีแปลงที่ถึงกำหนดพ่น" in page.locator("#drones").inner_text()
    assert seen.errors == []


def test_a_failing_insight_shows_its_error_and_the_rest_stays(visit: Any) -> None:
    seen = visit("/farmers?lang=th")
    page = seen.page
    _loaded(page)
    problem = {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "boom",
    }
    page.route(re.compile(r".*/hub/v1/agri/rain\?.*"),
               lambda route: route.fulfill(status=500, content_type="application/problem+json",
                                           body=json.dumps(problem)))  # fmt: skip
    page.select_option("#crop", "rice")
    _loaded(page)
    error = page.locator("#rain [role=alert]")
    assert error.inner_text() == "โหลดข้อมูลไม่ได้: boom"
    assert page.locator("#alerts [role=alert]").count() == 0
    assert page.locator(".price-tile").count() >= 1
    assert all("500" in e for e in seen.errors)


def test_an_alert_has_a_coloured_level_and_says_it_in_words(visit: Any) -> None:
    seen = visit("/farmers?lang=th")
    page = seen.page
    _loaded(page)
    answer = {
        "insight": "alerts", "takenAt": "2026-08-01T06:00:00", "now": "2026-08-01T06:00:00",
        "province": "Khon Kaen", "district": None, "crop": None, "season": "rainy", "level": "warning",
        "alerts": [{
            "kind": "drought", "level": "warning", "code": "drySpell", "province": "Khon Kaen",
            "district": "Phon", "source": {"type": "station", "id": "x"},
            "figures": {"daysSinceRain": 17, "lastRainyDay": "2026-07-15"},
            "rule": alert_rules.RULES["drySpell"],
        }],
        "districts": [{"province": "Khon Kaen", "district": "Phon", "level": "warning",
                       "flood": "none", "drought": "warning", "alerts": 1}],
    }  # fmt: skip
    page.route(re.compile(r".*/hub/v1/agri/alerts\?.*"),
               lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answer)))  # fmt: skip
    page.select_option("#crop", "maize")
    _loaded(page)
    item = page.locator("#alerts li.alert.warning")
    assert item.count() == 1
    text = item.inner_text()
    assert "เตือนภัย" in text and "ภัยแล้ง" in text and "Phon" in text
    assert "ฝนไม่ตกมา 17 วัน (ฝนตกครั้งล่าสุด 15 ก.ค. 2569)" in text
    assert i18n.catalogue("th")["farmers.rule_drySpell"] in text
    assert (
        page.locator('#alert-districts tr[data-district="Phon"] .level.warning').inner_text()
        == "เตือนภัย"
    )
    assert seen.errors == []


def test_the_english_alert_rules_are_the_insights_rules() -> None:
    en = i18n.catalogue("en")
    for code, rule in alert_rules.RULES.items():
        assert en[f"farmers.rule_{code}"] == rule, code
        assert i18n.catalogue("th")[f"farmers.rule_{code}"], code
