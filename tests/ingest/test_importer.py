"""Imports end to end on a store: entities and history from rows, errors where the user
looks for them, and nothing written when a file is rejected."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import openpyxl
import orjson
import pytest

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
        {"line": 5, "column": "station", "reason": "no value for the id in column 'station'"},
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


# --- times out of range, empty ids, datetime attributes ------------------------------------

UNIX = """
type = "AirQualityObserved"
id = "urn:ngsi-ld:AirQualityObserved:{station}"
time = { column = "time", format = "unix" }
[attributes]
pm25 = { type = "number" }
"""
ISO = UNIX.replace(', format = "unix"', "")
SEEN = """
type = "PointOfInterest"
id = "urn:ngsi-ld:PointOfInterest:{code}"
[attributes]
seen = { type = "datetime", format = "unix" }
"""
OUT = "out of range: a time must fall in the years 1000 to 9999 (UTC)"


@pytest.mark.parametrize(
    ("mapping", "header", "good", "bad"),
    [
        (UNIX, "station,time,pm25", "A,1735689600,1", "B,99999999999999,2"),
        (UNIX, "station,time,pm25", "A,1735689600,1", "B,1e300,2"),  # past time_t itself
        (UNIX.replace('"unix"', '"unix_ms"'), "station,time,pm25", "A,1735689600000,1",
         "B,-99999999999999999,2"),
        # Bangkok time: before year 1 once in UTC
        (ISO, "station,time,pm25", "A,2025-01-01T07:00,1", "B,0001-01-01T00:00,2"),
        # a valid datetime whose ISO text the store would not take (no 4-digit year)
        (ISO, "station,time,pm25", "A,2025-01-01T07:00,1", "B,0999-06-01T00:00Z,2"),
        (ISO, "station,time,pm25", "A,2025-01-01T07:00,1", "B,9999-12-31T23:00-05:00,2"),
        (SEEN, "code,seen", "A,1735689600", "B,99999999999999"),
        (SEEN.replace(', format = "unix"', ""), "code,seen", "A,2025-01-01", "B,0001-01-01"),
    ],
    ids=["unix", "unix-overflow", "unix_ms", "iso-year-0", "iso-year-999", "iso-year-10000",
         "datetime-unix", "datetime-iso"],
)  # fmt: skip
def test_a_time_out_of_range_is_a_row_error_and_nothing_is_written(
    mapping: str, header: str, good: str, bad: str
) -> None:
    data = f"{header}\n{good}\n{bad}\n"
    column = header.split(",")[1]

    async def run(store: Store) -> tuple[Report, Report, Any]:
        dry = await run_import(store, data, "t.csv", mapping, dry_run=True)
        real = await run_import(store, data, "t.csv", mapping)
        kind = "PointOfInterest" if "PointOfInterest" in mapping else "AirQualityObserved"
        return dry, real, await store.get("", f"urn:ngsi-ld:{kind}:A")

    dry, real, written = with_store(run)
    error = {"line": 3, "column": column, "value": bad.split(",")[1], "reason": OUT}
    assert dry.status == "rejected" and dry.errors == [error]
    assert real.status == "rejected" and real.errors == [error]
    assert written is None  # the good row before it was not written either


def test_the_ends_of_the_time_range_import() -> None:
    data = "station,time,pm25\nA,1000-01-01T00:00Z,1\nA,9999-12-31T23:59:59Z,2\n"

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "t.csv", ISO)
        return report, await store.get("", "urn:ngsi-ld:AirQualityObserved:A")

    report, entity = with_store(run)
    assert report.status == "imported" and report.instances == 2
    assert entity["attrs"][V + "pm25"][0]["observedAt"] == "9999-12-31T23:59:59Z"


def _sheet(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_date_out_of_range_is_a_row_error() -> None:
    from datetime import datetime

    data = _sheet([["station", "time", "pm25"], ["A", datetime(1, 1, 1), 1]])
    report = with_store(lambda s: run_import(s, data, "t.xlsx", ISO))
    assert report.status == "rejected"
    assert report.errors == [
        {"row": 2, "column": "time", "value": "0001-01-01 00:00:00", "reason": OUT}
    ]


def test_empty_and_missing_id_cells_are_row_errors_in_every_format() -> None:
    xlsx = _sheet([["station", "pm25"], [None, 1], ["NA", 2], ["-", 3], ["S1", 4]])
    mapping = """
type = "S"
id = "urn:ngsi-ld:S:{station}"
[attributes]
pm25 = { type = "number" }
"""
    pt = {"type": "Point", "coordinates": [102.8, 16.4]}
    features = [
        {"type": "Feature", "properties": {"area": 1}, "geometry": pt},  # no id
        {"type": "Feature", "id": "NA", "properties": {"area": 2}, "geometry": pt},
        {"type": "Feature", "id": "A-3", "properties": {"area": 3}, "geometry": pt},
    ]
    geojson = orjson.dumps({"type": "FeatureCollection", "features": features})
    parcels = PARCEL_MAP.replace('cropName = { column = "crop" }\n', "")

    async def run(store: Store) -> tuple[Report, Report, Report, list[Any]]:
        x = await run_import(store, xlsx, "s.xlsx", mapping)
        g = await run_import(store, geojson, "p.geojson", parcels)
        # a cell with spaces around a missing text, in a CSV: no value either
        c = await run_import(store, "station,pm25\n NA ,1\nS1,2\n", "s.csv", mapping)
        ids = ["urn:ngsi-ld:S:None", "urn:ngsi-ld:S:NA", "urn:ngsi-ld:AgriParcel:None",
               "urn:ngsi-ld:AgriParcel:NA", "urn:ngsi-ld:S:S1"]  # fmt: skip
        return x, g, c, [await store.get("", i) for i in ids]

    x, g, c, written = with_store(run)
    assert x.status == "rejected" and x.errors == [
        {"row": 2, "column": "station", "reason": "no value for the id in column 'station'"},
        {"row": 3, "column": "station", "value": "NA",
         "reason": "no value for the id in column 'station'"},
        {"row": 4, "column": "station", "value": "-",
         "reason": "no value for the id in column 'station'"},
    ]  # fmt: skip
    assert g.status == "rejected" and g.errors == [
        {"feature": 0, "column": "@id", "reason": "no value for the id in column '@id'"},
        {"feature": 1, "column": "@id", "value": "NA",
         "reason": "no value for the id in column '@id'"},
    ]  # fmt: skip
    assert c.status == "rejected" and c.errors == [
        {"line": 2, "column": "station", "value": " NA ",
         "reason": "no value for the id in column 'station'"},
    ]  # fmt: skip
    assert written == [None] * 5


def test_the_missing_texts_of_the_mapping_apply_to_ids() -> None:
    mapping = """
type = "S"
id = "urn:ngsi-ld:S:{district}:{plot}"
missing = ["", "ไม่ระบุ"]
"""
    data = "district,plot\nเมือง,ไม่ระบุ\nเมือง,NA\n"

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "s.csv", mapping)
        return report, await store.get("", "urn:ngsi-ld:S:เมือง:NA")

    report, na = with_store(run)
    assert report.status == "rejected" and report.errors == [
        {"line": 2, "column": "plot", "value": "ไม่ระบุ",
         "reason": "no value for the id in column 'plot'"},
    ]  # fmt: skip
    assert na is None  # NA is an id here: the mapping's list does not name it


WHEN = """
type = "S"
id = "urn:ngsi-ld:S:{station}"
time = { column = "time", timezone = "UTC", era = "buddhist" }
[attributes]
pm25 = { type = "number" }
when = { column = "time", type = "datetime" }
local = { column = "time", type = "datetime", timezone = "+07:00" }
ce = { column = "ce", type = "datetime", era = "common", format = "%d/%m/%Y %H:%M" }
"""


def test_datetime_attributes_take_the_zone_and_era_of_the_time_unless_given() -> None:
    data = "station,time,pm25,ce\nA,2568-01-15T08:00,1,15/01/2568 08:00\n"

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "w.csv", WHEN)
        return report, await store.get("", "urn:ngsi-ld:S:A")

    report, entity = with_store(run)
    assert report.status == "imported", report.errors
    (pm25,) = entity["attrs"][V + "pm25"]
    assert pm25["observedAt"] == "2025-01-15T08:00:00Z"
    assert values(entity, "when") == [{"@type": "DateTime", "@value": "2025-01-15T08:00:00Z"}]
    assert values(entity, "local") == [{"@type": "DateTime", "@value": "2025-01-15T01:00:00Z"}]
    # era = "common": 2568 is a year of the common era (UTC, the time's zone)
    assert values(entity, "ce") == [{"@type": "DateTime", "@value": "2568-01-15T08:00:00Z"}]
