"""Imports end to end on a store: entities and history from rows, errors where the user
looks for them, and nothing written when a file is rejected."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import openpyxl
import orjson

from isanhub.core.context import ContextResolver
from isanhub.ingest.importer import MAX_ERRORS, FileImport, Report
from isanhub.ingest.mapping import Mapping, load_mapping
from isanhub.store.base import Store, open_store

V = "https://uri.etsi.org/ngsi-ld/default-context/"
AIR = """
type = "AirQualityObserved"
id = "urn:ngsi-ld:AirQualityObserved:{station}"
time = "time"
location = { lat = "lat", lon = "lon" }
[attributes]
pm25 = { type = "number", unit = "GQ" }
name = { column = "ชื่อ", type = "text" }
[static]
dataProvider = "Khon Kaen Municipality"
"""
READINGS = """station,time,lat,lon,pm25,ชื่อ
KKN-01,2025-01-01 07:00,16.44,102.83,30.5,ศาลากลาง
KKN-01,2025-01-01 09:00,16.44,102.83,41,ศาลากลางจังหวัด
KKN-01,2025-01-01 08:00,16.44,102.83,,ศาลากลาง (เก่า)
"บ้านไผ่ 2",2025-01-01 07:00,16.06,102.73,"1,020.5",บ้านไผ่
"""


def with_store(test: Callable[[Store], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            return await test(store)
        finally:
            await store.close()

    return asyncio.run(run())


async def run_import(
    store: Store, data: bytes | str, name: str, mapping: str | None, **options: Any
) -> Report:
    raw = data.encode() if isinstance(data, str) else data
    m = load_mapping(mapping, "m.toml") if mapping else Mapping("(none)")
    imp = FileImport(io.BytesIO(raw), name, m, ContextResolver().resolve, **options)
    try:
        return await imp.run(store)
    finally:
        imp.close()


def values(entity: dict[str, Any], name: str) -> list[Any]:
    return [i.get("value", i.get("object")) for i in entity["attrs"][V + name]]


def test_rows_become_entities_with_history_and_their_latest_state() -> None:
    async def run(store: Store) -> tuple[Report, Any, Any]:
        report = await run_import(store, READINGS, "readings.csv", AIR)
        kkn = await store.get("", "urn:ngsi-ld:AirQualityObserved:KKN-01")
        phai = await store.get("", "urn:ngsi-ld:AirQualityObserved:บ้านไผ่-2")
        return report, kkn, phai

    report, kkn, phai = with_store(run)
    assert report.status == "imported" and report.error_count == 0
    assert (report.rows, report.created, report.updated, report.instances) == (4, 2, 0, 3)
    assert report.history == ["pm25"]
    # the current state is the latest reading (09:00 local = 02:00 UTC), not the last row
    (pm25,) = kkn["attrs"][V + "pm25"]
    assert (pm25["value"], pm25["observedAt"], pm25["unitCode"]) == (
        41.0,
        "2025-01-01T02:00:00Z",
        "GQ",
    )
    assert values(kkn, "name") == ["ศาลากลางจังหวัด"]  # the text of the latest row
    assert values(kkn, "dataProvider") == ["Khon Kaen Municipality"]
    assert phai["attrs"][V + "pm25"][0]["value"] == 1020.5  # thousands separator
    loc = phai["attrs"]["https://uri.etsi.org/ngsi-ld/location"][0]["value"]
    assert loc == {"type": "Point", "coordinates": [102.73, 16.06]}


BAD = """station,time,lat,lon,pm25,ชื่อ
KKN-01,2025-01-01 07:00,16.44,102.83,30.5,ok
KKN-01,2025-01-01 08:00,16.44,102.83,abc,"two
lines"
,2025-01-01 09:00,16.44,102.83,1,no station
KKN-01,yesterday,16.44,102.83,1,bad time
KKN-01,2025-01-01 10:00,96.44,102.83,1,off the Earth
"""


def test_row_errors_name_the_line_the_column_and_the_value_and_nothing_is_written() -> None:
    async def run(store: Store) -> tuple[Report, Any]:
        before = await run_import(store, READINGS, "readings.csv", AIR)
        assert before.status == "imported"
        report = await run_import(store, BAD, "bad.csv", AIR)
        return report, await store.get("", "urn:ngsi-ld:AirQualityObserved:KKN-01")

    report, kkn = with_store(run)
    assert report.status == "rejected" and report.error_count == 4
    assert report.errors == [
        {"line": 3, "column": "pm25", "value": "abc", "reason": "not a number"},
        # line 4 is the second line of the quoted cell above: the next row starts on line 5
        {"line": 5, "column": "station", "reason": "no usable text for the id from column 'station'"},
        {"line": 6, "column": "time", "value": "yesterday",
         "reason": "not a time in an ISO 8601 time (2025-01-31T08:00)"},
        {"line": 7, "column": "lat,lon",
         "reason": "latitude 96.44 / longitude 102.83 is outside the Earth"},
    ]  # fmt: skip
    # the valid first row of the rejected file was not written either
    assert values(kkn, "pm25") == [41.0] and values(kkn, "name") == ["ศาลากลางจังหวัด"]


def test_many_errors_are_counted_and_the_first_hundred_listed() -> None:
    rows = "".join(f"S{n},2025-01-01 07:00,16,102,x{n},n\n" for n in range(250))
    report = with_store(
        lambda s: run_import(s, READINGS.splitlines()[0] + "\n" + rows, "a.csv", AIR)
    )
    assert report.error_count == 250 and len(report.errors) == MAX_ERRORS
    doc = report.as_json()
    assert doc["errorsTruncated"] is True and doc["errors"][-1]["line"] == MAX_ERRORS + 1


def test_a_dry_run_counts_created_and_updated_and_writes_nothing() -> None:
    async def run(store: Store) -> tuple[Report, Any, Any]:
        first = READINGS.splitlines()
        await run_import(store, "\n".join(first[:2]) + "\n", "one.csv", AIR)  # KKN-01 exists
        dry = await run_import(store, READINGS, "readings.csv", AIR, dry_run=True)
        kkn = await store.get("", "urn:ngsi-ld:AirQualityObserved:KKN-01")
        phai = await store.get("", "urn:ngsi-ld:AirQualityObserved:บ้านไผ่-2")
        return dry, kkn, phai

    dry, kkn, phai = with_store(run)
    assert dry.status == "dry-run" and dry.dry_run
    assert (dry.created, dry.updated, dry.instances, dry.rows) == (1, 1, 3, 4)
    assert phai is None and values(kkn, "pm25") == [30.5]


def test_a_dry_run_into_a_new_tenant_creates_everything() -> None:
    dry = with_store(lambda s: run_import(s, READINGS, "r.csv", AIR, dry_run=True, tenant="new"))
    assert (dry.status, dry.created, dry.updated) == ("dry-run", 2, 0)


TYPES = """
type = "PointOfInterest"
id = "urn:ngsi-ld:PointOfInterest:{code}"
[attributes]
visitors = { type = "integer", required = true }
open = { column = "open?", type = "boolean" }
opened = { type = "datetime", format = "%d/%m/%Y" }
tags = { type = "json" }
"""


def test_without_a_time_column_each_row_is_an_entity_state() -> None:
    data = 'code;visitors;open?;opened;tags\nP1;1,200;ใช่;31/01/2024;["silk"]\nP2;5;no;;\n'

    async def run(store: Store) -> tuple[Report, Any, Any]:
        report = await run_import(store, data, "poi.csv", TYPES)
        return (
            report,
            await store.get("", "urn:ngsi-ld:PointOfInterest:P1"),
            await store.get("", "urn:ngsi-ld:PointOfInterest:P2"),
        )

    report, p1, p2 = with_store(run)
    assert report.status == "imported" and report.instances == 0 and report.history == []
    assert values(p1, "visitors") == [1200] and values(p1, "open") == [True]
    assert values(p1, "opened") == [{"@type": "DateTime", "@value": "2024-01-30T17:00:00Z"}]
    assert values(p1, "tags") == [["silk"]]
    assert V + "opened" not in p2["attrs"] and values(p2, "open") == [False]


def test_a_required_value_that_is_missing_is_an_error() -> None:
    data = "code,visitors,open?,opened,tags\nP1,-,,,\n"
    report = with_store(lambda s: run_import(s, data, "p.csv", TYPES))
    assert report.errors == [
        {"line": 2, "column": "visitors", "value": "-", "reason": "a value is required"}
    ]


def test_a_windows_874_file_with_thai_names() -> None:
    data = "สถานี,เวลา,ฝุ่น\nขอนแก่น,2025-01-01 07:00,35\n".encode("cp874")
    mapping = """
type = "AirQualityObserved"
id = "urn:ngsi-ld:AirQualityObserved:{สถานี}"
time = "เวลา"
[attributes]
pm25 = { column = "ฝุ่น", type = "number", unit = "GQ" }
"""

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "thai.csv", mapping)
        return report, await store.get("", "urn:ngsi-ld:AirQualityObserved:ขอนแก่น")

    report, entity = with_store(run)
    assert report.info == {"encoding": "cp874", "delimiter": ","}
    assert values(entity, "pm25") == [35.0]


def test_an_xlsx_sheet_made_with_openpyxl() -> None:
    from datetime import datetime

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "readings"
    ws.append(["station", "time", "lat", "lon", "pm25", "ชื่อ"])
    ws.append([101, datetime(2025, 1, 1, 7), 16.4, 102.8, 12, "หนึ่ง"])
    ws.append([101, datetime(2025, 1, 1, 8), 16.4, 102.8, "x", "หนึ่ง"])
    out = io.BytesIO()
    book.save(out)

    async def run(store: Store) -> tuple[Report, Report, Any]:
        bad = await run_import(store, out.getvalue(), "r.xlsx", AIR, sheet="readings")
        ws.cell(row=3, column=5, value=13.5)
        fixed = io.BytesIO()
        book.save(fixed)
        good = await run_import(store, fixed.getvalue(), "r.xlsx", AIR)
        return bad, good, await store.get("", "urn:ngsi-ld:AirQualityObserved:101")

    bad, good, entity = with_store(run)
    assert bad.errors == [{"row": 3, "column": "pm25", "value": "x", "reason": "not a number"}]
    assert good.status == "imported" and good.instances == 2
    assert entity["attrs"][V + "pm25"][0]["observedAt"] == "2025-01-01T01:00:00Z"


PARCELS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "A-1", "properties": {"crop": "ข้าว", "area": 2.5},
         "geometry": {"type": "Polygon", "coordinates": [[[102, 16], [102.1, 16], [102.1, 16.1], [102, 16]]]}},
        {"type": "Feature", "id": "A-2", "properties": {"crop": "อ้อย", "area": "x"},
         "geometry": {"type": "Point", "coordinates": [102, 16]}},
    ],
}  # fmt: skip
PARCEL_MAP = """
type = "AgriParcel"
id = "urn:ngsi-ld:AgriParcel:{@id}"
[attributes]
cropName = { column = "crop" }
area = { type = "number", unit = "HAR" }
"""


def test_geojson_features_become_entities_located_by_their_geometry() -> None:
    async def run(store: Store) -> tuple[Report, Report, Any]:
        bad = await run_import(store, orjson.dumps(PARCELS), "p.geojson", PARCEL_MAP)
        PARCELS["features"][1]["properties"]["area"] = 1  # type: ignore[index]
        good = await run_import(store, orjson.dumps(PARCELS), "p.geojson", PARCEL_MAP)
        return bad, good, await store.get("", "urn:ngsi-ld:AgriParcel:A-1")

    bad, good, parcel = with_store(run)
    assert bad.errors == [{"feature": 1, "column": "area", "value": "x", "reason": "not a number"}]
    assert good.status == "imported" and good.created == 2
    assert parcel["attrs"]["https://uri.etsi.org/ngsi-ld/location"][0]["value"]["type"] == "Polygon"
    assert values(parcel, "cropName") == ["ข้าว"]


def test_a_geojson_mapping_naming_a_property_no_feature_has_is_rejected() -> None:
    typo = PARCEL_MAP.replace('column = "crop"', 'column = "crops"')
    report = with_store(lambda s: run_import(s, orjson.dumps(PARCELS), "p.geojson", typo))
    assert report.status == "rejected"
    assert {"feature": None, "column": "crops", "reason": "no row has this column"} in report.errors


def test_ngsild_entities_use_their_own_context() -> None:
    ctx = {"@context": {"silk": "https://example.org/silk#"}}
    entities = [
        {
            "id": "urn:ngsi-ld:Shop:1",
            "type": "Shop",
            "silk": {"type": "Property", "value": 3},
            **ctx,
        },
        {"id": "urn:ngsi-ld:Shop:2", "type": "Shop", "name": {"type": "Property", "value": "ร้าน"}},
        {"id": "not a uri", "type": "Shop"},
    ]

    async def run(store: Store) -> tuple[Report, Report, Any, Any]:
        bad = await run_import(store, orjson.dumps(entities), "shops.jsonld", None)
        good = await run_import(store, orjson.dumps(entities[:2]), "shops.json", None)
        return (
            bad,
            good,
            await store.get("", "urn:ngsi-ld:Shop:1"),
            await store.get("", "urn:ngsi-ld:Shop:2"),
        )

    bad, good, shop1, shop2 = with_store(run)
    assert bad.status == "rejected" and bad.errors[0]["entity"] == 2
    assert "entity id must be a URI" in bad.errors[0]["reason"]
    assert good.status == "imported" and (good.created, good.rows) == (2, 2)
    assert shop1["attrs"]["https://example.org/silk#"][0]["value"] == 3
    assert values(shop2, "name") == ["ร้าน"]


def test_an_unreadable_file_is_rejected_with_the_reason() -> None:
    report = with_store(lambda s: run_import(s, b"PK\x03\x04junk", "r.xlsx", AIR))
    assert report.status == "rejected" and "XLSX" in report.errors[0]["reason"]
    unknown = with_store(lambda s: run_import(s, b"%PDF", "r.pdf", AIR))
    assert "cannot tell the format of r.pdf" in unknown.errors[0]["reason"]
