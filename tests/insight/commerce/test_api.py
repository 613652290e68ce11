"""/hub/v1/sellers over HTTP on both backends: import, the shop's NGSI-LD entities and
their history, the city's anonymous sums, and the errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import make_settings
from ingest.sellers import to_csv
from isanhub.api.app import create_app
from isanhub.insight import scorecard
from isanhub.settings import Settings
from isanhub.store.base import open_store

from .test_import import TEMPLATE, template_row

T1 = {"NGSILD-Tenant": "seller1"}


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, db=db_url, lake=str(tmp_path / "lake"), kpi_interval=0)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as c:
        yield c


def orders() -> list[list[Any]]:
    """Five days of sales of two products on two channels, one cancelled order."""
    rows = []
    for day in range(1, 6):
        for n, (channel, sku, qty, price) in enumerate(
            [
                ("facebook", "SILK-01", 1, "1,200"),
                ("line", "SILK-01", 2, "1,100"),
                ("facebook", "FOOD-02", 3, "80"),
            ]  # fmt: skip
        ):
            rows.append(
                template_row(
                    f"D{day}-{n}",
                    channel=channel,
                    sku=sku,
                    product="ผ้าไหมมัดหมี่" if sku == "SILK-01" else "แจ่วบองปลาร้า",
                    quantity=qty,
                    unit_price=price,
                    order_date=f"2026-11-{day:02d} 1{n}:30",
                )
            )
    rows.append(template_row("X1", status="ยกเลิก", order_date="2026-11-03 09:00"))
    return rows


def local_day(instant: str) -> str:
    """The Bangkok date of a daily value's time (local midnight, written in UTC)."""
    at = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return at.astimezone(timezone(timedelta(hours=7))).date().isoformat()


def upload(client: TestClient, shop: str, files: dict[str, bytes], **fields: str) -> Any:
    parts = [("file", (name, data, "text/csv")) for name, data in files.items()]
    return client.post(f"/hub/v1/sellers/{shop}/import", files=parts, data=fields, headers=T1)


def test_import_makes_shop_products_and_daily_sales_history(client: TestClient) -> None:
    answer = upload(
        client, "silk1", {"nov.csv": to_csv(TEMPLATE, orders())},
        name="ผ้าไหมบ้านโนนข่า", province="ขอนแก่น", district="ชนบท",
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["files"][0]["status"] == "imported" and body["files"][0]["new"] == 16
    shop = client.get("/ngsi-ld/v1/entities/urn:ngsi-ld:Shop:silk1", headers=T1).json()
    assert shop["name"]["value"] == "ผ้าไหมบ้านโนนข่า"
    assert shop["address"]["value"]["addressRegion"] == "Khon Kaen"
    assert shop["channels"]["value"] == ["facebook", "line"]
    products = client.get(
        "/ngsi-ld/v1/entities", params={"type": "Product", "options": "keyValues"}, headers=T1
    ).json()
    assert sorted(p["sku"] for p in products) == ["FOOD-02", "SILK-01"]
    history = client.get(
        "/ngsi-ld/v1/temporal/entities",
        params={"type": "SalesRecord", "attrs": "gmv,orders", "options": "temporalValues"},
        headers=T1,
    ).json()
    per_record = {e["id"].split(":", 4)[-1]: e for e in history}
    assert set(per_record) == {"SILK-01:facebook", "SILK-01:line", "FOOD-02:facebook"}
    silk_line = per_record["SILK-01:line"]
    assert [v[0] for v in silk_line["gmv"]["values"]] == [2200.0] * 5
    # the cancelled order (SILK-01 on facebook on the 3rd) is not a sale
    silk_fb = {local_day(v[1]): v[0] for v in per_record["SILK-01:facebook"]["orders"]["values"]}
    assert silk_fb == {f"2026-11-0{d}": 1 for d in range(1, 6)}
    assert sum(v[0] for v in per_record["FOOD-02:facebook"]["gmv"]["values"]) == 5 * 240.0
    # another tenant sees none of it
    assert client.get("/ngsi-ld/v1/entities", params={"type": "Shop"}).json() == []


def test_reimport_replaces_the_days_it_touches(client: TestClient) -> None:
    upload(client, "silk1", {"a.csv": to_csv(TEMPLATE, orders())})
    changed = [template_row("D2-1", status="ยกเลิก", channel="line", quantity=2,
                            unit_price="1,100", order_date="2026-11-02 11:30")]  # fmt: skip
    answer = upload(client, "silk1", {"b.csv": to_csv(TEMPLATE, changed)})
    assert answer.json()["files"][0]["updated"] == 1
    history = client.get(
        "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:SalesRecord:silk1:SILK-01:line",
        params={"attrs": "gmv", "options": "temporalValues"},
        headers=T1,
    ).json()
    by_day = {local_day(v[1]): v[0] for v in history["gmv"]["values"]}
    assert by_day["2026-11-02"] == 0 and by_day["2026-11-01"] == 2200.0
    assert len(by_day) == 5


def test_city_gets_province_sums_only_from_five_shops(client: TestClient) -> None:
    data = to_csv(TEMPLATE, orders())
    for n in range(4):
        upload(client, f"shop{n}", {"o.csv": data}, province="ขอนแก่น")
    city = "urn:ngsi-ld:SalesRecord:sellers:40"
    assert client.get(f"/ngsi-ld/v1/entities/{city}").status_code == 404
    upload(client, "shop4", {"o.csv": data}, province="ขอนแก่น")
    history = client.get(
        f"/ngsi-ld/v1/temporal/entities/{city}",
        params={"attrs": "gmv,contributingShops", "options": "temporalValues"},
    ).json()
    assert [v[0] for v in history["contributingShops"]["values"]] == [5] * 5
    day_gmv = 1200 + 2200 + 240
    assert [v[0] for v in history["gmv"]["values"]] == [5 * day_gmv] * 5
    entity = client.get(f"/ngsi-ld/v1/entities/{city}").json()
    assert entity["address"]["value"]["addressRegion"] == "Khon Kaen"


def test_errors_are_clear_and_change_nothing(client: TestClient) -> None:
    good = to_csv(TEMPLATE, orders())
    upload(client, "silk1", {"a.csv": good})
    before = client.get("/hub/v1/sellers", headers=T1).json()
    mixed = upload(client, "silk1", {"b.csv": b"a,b\n1,2\n", "a.csv": good})
    assert mixed.status_code == 207
    assert [f["status"] for f in mixed.json()["files"]] == ["rejected", "duplicate"]
    bad = upload(client, "silk1", {"b.csv": b"a,b\n1,2\n"})
    assert bad.status_code == 400 and "missing columns" in bad.json()["files"][0]["message"]
    assert client.get("/hub/v1/sellers", headers=T1).json()[0]["imports"] == before[0]["imports"]
    for path, kwargs, status in [
        ("/hub/v1/sellers/.hidden/import", {"files": [("file", ("a.csv", good))]}, 400),
        ("/hub/v1/sellers/silk1/import", {"data": {"name": "x"}}, 415),
        ("/hub/v1/sellers/silk1/import", {"files": [("other", ("a.csv", good))]}, 400),
    ]:
        answer = client.post(path, headers=T1, **kwargs)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["type"].startswith("https://uri.etsi.org/ngsi-ld/errors/")
    province = upload(client, "silk1", {"c.csv": good}, province="Atlantis")
    assert province.status_code == 400 and "Atlantis" in province.json()["detail"]
    for params, status in [({"format": "doc"}, 400), ({"lang": "fr"}, 400),
                           ({"asOf": "yesterday"}, 400)]:  # fmt: skip
        answer = client.get("/hub/v1/sellers/silk1/report", params=params, headers=T1)
        assert answer.status_code == status
    missing = client.get("/hub/v1/sellers/nobody/report", headers=T1)
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]


def test_shops_list_their_imports(client: TestClient) -> None:
    upload(client, "silk1", {"a.csv": to_csv(TEMPLATE, orders())}, name="ร้านไหม")
    shops = client.get("/hub/v1/sellers", headers=T1).json()
    assert [(s["shop"], s["name"]) for s in shops] == [("silk1", "ร้านไหม")]
    assert [(i["file"], i["lines"], i["format"]) for i in shops[0]["imports"]] == [
        ("a.csv", 16, "template-en")
    ]
    assert client.get("/hub/v1/sellers").json() == []
    assert date.fromisoformat(shops[0]["imports"][0]["at"][:10])


def creator(n: int, followers: int, niche: str, district: str) -> dict[str, Any]:
    return {
        "id": f"urn:ngsi-ld:Creator:test:{n}",
        "type": "Creator",
        "name": {"type": "LanguageProperty", "languageMap": {"th": f"ครีเอเตอร์ {n}", "en": f"C{n}"}},
        "alternateName": {"type": "Property", "value": f"@kk.{n}"},
        "platform": {"type": "Property", "value": "tiktok"},
        "followers": {"type": "Property", "value": followers},
        "engagementRate": {"type": "Property", "value": 0.05 + n / 100},
        "niche": {"type": "Property", "value": niche},
        "typicalFee": {"type": "Property", "value": 5000},
        "address": {"type": "Property", "value": {"addressRegion": "Khon Kaen",
                                                  "districtCode": district}},
    }  # fmt: skip


def test_report_in_every_format_with_the_citys_creators(client: TestClient) -> None:
    upload(client, "silk1", {"a.csv": to_csv(TEMPLATE, orders())}, name="ร้านไหม",
           province="ขอนแก่น")  # fmt: skip
    people = [
        creator(1, 50_000, "silkFashion", "4004"),
        creator(2, 20_000, "food", "4001"),
        creator(3, 500_000, "silkFashion", "4004"),  # mid tier: not ranked
        creator(4, 5_000, "silkFashion", "4004"),  # nano: not ranked
    ]
    for entity in people:
        assert client.post("/ngsi-ld/v1/entities", json=entity).status_code == 201
    report = client.get("/hub/v1/sellers/silk1/report", params={"lang": "en"}, headers=T1)
    assert report.status_code == 200
    body = report.json()
    assert body["lang"] == "en" and body["shop"]["name"] == "ร้านไหม"
    rows = {r["channel"]: r for r in body["channels"]["rows"]}
    assert rows["facebook"]["gmv"] == 5 * 1200.0 + 5 * 240.0
    assert rows["facebook"]["cancellationRate"] == round(1 / 11, 4)
    ranked = [r["id"] for r in body["creators"]["rows"]]
    assert ranked[0] == "urn:ngsi-ld:Creator:test:1"
    assert set(ranked) == {"urn:ngsi-ld:Creator:test:1", "urn:ngsi-ld:Creator:test:2"}
    page = client.get("/hub/v1/sellers/silk1/report", params={"format": "html"}, headers=T1)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "ร้านไหม" in page.text and "@kk.1" in page.text
    from isanhub.insight.commerce.pdf import FontNotFoundError, find_font

    try:
        find_font()
    except FontNotFoundError:
        pytest.skip("no Thai font: install fonts-thai-tlwg (scripts/fonts)")
    pdf = client.get("/hub/v1/sellers/silk1/report", params={"format": "pdf"}, headers=T1)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_the_citys_economy_kpis_count_the_sellers_sums(
    client: TestClient, settings: Settings
) -> None:
    data = to_csv(TEMPLATE, orders())
    for n in range(5):
        upload(client, f"shop{n}", {"o.csv": data}, province="ขอนแก่น")
    area = next(a for a in scorecard.pilot_provinces() if a.key == "khon-kaen")
    at = datetime(2026, 11, 20, tzinfo=timezone(timedelta(hours=7)))

    async def values() -> dict[str, list[float | None]]:
        store = open_store(settings.db)
        await store.open()
        try:
            return await scorecard.values(store, "", area, at, 1)
        finally:
            await store.close()

    got = asyncio.run(values())
    assert got["ecommerce-gmv"] == [5 * 5 * (1200 + 2200 + 240)]
    # the sellers' own tenants are not the city's: nothing of theirs is counted twice
    assert client.get("/ngsi-ld/v1/entities", params={"type": "Shop"}).json() == []


def test_a_tenant_name_with_colons_and_slashes_works(client: TestClient) -> None:
    tenant = {"NGSILD-Tenant": "urn:city/khonkaen"}
    parts = [("file", ("a.csv", to_csv(TEMPLATE, orders()), "text/csv"))]
    answer = client.post("/hub/v1/sellers/silk1/import", files=parts, headers=tenant)
    assert answer.status_code == 200, answer.text
    report = client.get("/hub/v1/sellers/silk1/report", headers=tenant)
    assert report.status_code == 200 and report.json()["shop"]["tenant"] == "urn:city/khonkaen"
    assert [s["shop"] for s in client.get("/hub/v1/sellers", headers=tenant).json()] == ["silk1"]
