"""The agriculture examples (examples/agri) imported through the real importer into a
fresh store, then built into the farmer snapshot: what the files say is what the
insights read (values, relationships, Buddhist-era and Bangkok times)."""

from __future__ import annotations

import asyncio
import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from isanhub.core.context import ContextResolver
from isanhub.ingest.importer import FileImport
from isanhub.ingest.mapping import load_mapping
from isanhub.insight.agri.extract import build
from isanhub.insight.agri.snapshot import Snapshot
from isanhub.store.base import Store, open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agri"
V = "https://uri.etsi.org/ngsi-ld/default-context/"
#: file -> (rows, entities, history values) the import must report
FILES = {
    "crops": (4, 4, 0),
    "parcels-chumphae": (8, 8, 0),
    "drone-jobs-chumphae": (6, 6, 0),
    "prices-khonkaen": (36, 6, 36),  # 6 weeks x 3 commodities x farm-gate and wholesale
    "rain-48381": (48, 1, 95),  # 48 hours of rain and temperature, one temperature NA
}


def rows_of(name: str) -> list[dict[str, str]]:
    with (EXAMPLES / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def day(text: str, buddhist: bool = False) -> datetime:
    """A date or time of the files as the snapshot's naive Bangkok time."""
    if buddhist:  # 21/07/2568 07:30: day/month/year in the Buddhist era (CE + 543)
        d, m, rest = text.split("/", 2)
        year, _, hm = rest.partition(" ")
        text = f"{int(year) - 543}-{m}-{d}" + (f" {hm}" if hm else "")
    return datetime.fromisoformat(text)


def table(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    got = con.execute(sql).fetchall()
    cols = [d[0] for d in con.description or ()]
    return [dict(zip(cols, row, strict=True)) for row in got]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any, Path]:
    """Every example imported into a new SQLite store, then the snapshot built: the
    reports, a few entities as stored, and the snapshot's folder."""
    tmp = tmp_path_factory.mktemp("agri")
    url = f"sqlite:///{tmp / 'hub.db'}"

    async def run() -> tuple[dict[str, Any], Any]:
        store = open_store(url)
        await store.open()
        try:
            reports = {name: await import_file(store, name) for name in FILES}
            stored = await store.get_many(
                "",
                [
                    "urn:ngsi-ld:DroneSprayingJob:J68-0142",
                    "urn:ngsi-ld:DroneSprayingJob:J68-0143",
                    "urn:ngsi-ld:AgriParcel:CP-0001",
                    "urn:ngsi-ld:CropPrice:Khon-Kaen:kdml105:farmGate",
                ],
            )
            await build(store, "", Snapshot(tmp / "agri", ""))
            return reports, stored
        finally:
            await store.close()

    reports, stored = asyncio.run(run())
    return reports, stored, tmp


async def import_file(store: Store, name: str) -> dict[str, Any]:
    mapping = load_mapping((EXAMPLES / f"{name}.toml").read_bytes(), f"{name}.toml")
    with (EXAMPLES / f"{name}.csv").open("rb") as f:
        imp = FileImport(f, f"{name}.csv", mapping, ContextResolver().resolve)
        try:
            return (await imp.run(store)).as_json()
        finally:
            imp.close()


@pytest.fixture(scope="module")
def con(imported: tuple[dict[str, Any], Any, Path]) -> duckdb.DuckDBPyConnection:
    return Snapshot(imported[2] / "agri", "").connect()


def test_every_example_imports_whole(imported: tuple[dict[str, Any], Any, Path]) -> None:
    reports = imported[0]
    for name, (rows, entities, instances) in FILES.items():
        r = reports[name]
        assert r["status"] == "imported", (name, r["errors"])
        assert (r["rows"], r["entities"]["created"], r["instances"]) == (
            rows,
            entities,
            instances,
        ), name
        assert len(rows_of(name)) == rows  # the counts are the files' rows


def test_relationships_and_buddhist_era_times_as_stored(
    imported: tuple[dict[str, Any], Any, Path],
) -> None:
    stored = imported[1]
    job = stored["urn:ngsi-ld:DroneSprayingJob:J68-0142"]["attrs"]
    assert job[V + "refUnmannedAerialVehicle"][0]["type"] == "Relationship"
    assert job[V + "refUnmannedAerialVehicle"][0]["object"] == (
        "urn:ngsi-ld:UnmannedAerialVehicle:UAV-CP01"
    )
    assert job[V + "refAgriParcelOperation"][0]["object"] == (
        "urn:ngsi-ld:AgriParcelOperation:OP-68-0031"
    )
    # 21/07/2568 07:30 in Bangkok: 2025-07-21, 00:30 UTC (not 2568, not 07:30Z)
    assert job[V + "startedAt"][0]["value"] == {
        "@type": "DateTime",
        "@value": "2025-07-21T00:30:00Z",
    }
    # an empty work-order cell leaves the relationship out
    assert (
        V + "refAgriParcelOperation" not in stored["urn:ngsi-ld:DroneSprayingJob:J68-0143"]["attrs"]
    )
    parcel = stored["urn:ngsi-ld:AgriParcel:CP-0001"]["attrs"]
    assert parcel[V + "hasAgriCrop"][0]["object"] == "urn:ngsi-ld:AgriCrop:kdml105"
    assert parcel[V + "belongsTo"][0]["object"] == "urn:ngsi-ld:AgriFarm:KK-CP-G01"
    price = stored["urn:ngsi-ld:CropPrice:Khon-Kaen:kdml105:farmGate"]["attrs"]
    assert price[V + "refAgriCrop"][0]["object"] == "urn:ngsi-ld:AgriCrop:kdml105"
    # the latest week (10/02/2568 = 2025-02-10, midnight in Bangkok = 17:00Z the day before)
    assert price[V + "price"][0]["value"] == 15.30
    assert price[V + "price"][0]["observedAt"] == "2025-02-09T17:00:00Z"


def test_price_rows_are_the_file(con: duckdb.DuckDBPyConnection) -> None:
    got = table(con, 'SELECT * FROM prices ORDER BY id, "at"')
    want = sorted(
        (
            {
                "id": f"urn:ngsi-ld:CropPrice:Khon-Kaen:{r['commodity']}:{r['price_type']}",
                "at": day(r["date"], buddhist=True),
                "price": float(r["price_thb_kg"]),
                "commodity": r["commodity"],
                "crop_id": f"urn:ngsi-ld:AgriCrop:{r['commodity']}",
                "price_type": r["price_type"],
                "market": r["market"],
                "grade": r["grade"],
                "unit": "THB/kg",
                "province": "Khon Kaen",
                "district": None,
                "name_th": r["commodity_th"],
                "name_en": r["commodity_th"],  # a plain-text name serves both languages
            }
            for r in rows_of("prices-khonkaen")
        ),
        key=lambda row: (row["id"], row["at"]),
    )
    assert got == want
    assert got[0]["at"] == datetime(2025, 1, 6)  # 06/01/2568


def test_parcel_rows_are_the_file_in_bangkok_time(con: duckdb.DuckDBPyConnection) -> None:
    got = {row["id"]: row for row in table(con, "SELECT * FROM parcels")}
    lines = rows_of("parcels-chumphae")
    assert len(got) == len(lines)
    for r in lines:
        row = got[f"urn:ngsi-ld:AgriParcel:{r['parcel']}"]
        assert row == {
            "id": f"urn:ngsi-ld:AgriParcel:{r['parcel']}",
            "farm": f"urn:ngsi-ld:AgriFarm:{r['farm']}",
            "province": "Khon Kaen",
            "district": "Chum Phae",
            "lat": float(r["lat"]),
            "lon": float(r["lon"]),
            "crop_id": f"urn:ngsi-ld:AgriCrop:{r['crop']}",
            "status": r["crop_stage"] or None,  # empty once harvested: fallow
            "area_rai": float(r["area_rai"]),
            "category": None,
            "planted_at": day(r["planted"]),
            "expected_harvest_at": day(r["expected_harvest"]),
            "harvested_at": day(r["harvested"]) if r["harvested"] else None,
        }
    assert got["urn:ngsi-ld:AgriParcel:CP-0005"]["harvested_at"] == datetime(2025, 9, 3)


def test_job_rows_are_the_file(con: duckdb.DuckDBPyConnection) -> None:
    got = {row["id"]: row for row in table(con, "SELECT * FROM jobs")}
    lines = rows_of("drone-jobs-chumphae")
    assert len(got) == len(lines)
    for r in lines:
        row = got[f"urn:ngsi-ld:DroneSprayingJob:{r['เลขที่งาน']}"]
        op = r["ใบสั่งงาน"]
        assert row["drone_id"] == f"urn:ngsi-ld:UnmannedAerialVehicle:{r['รหัสโดรน']}"
        assert row["parcel_id"] == f"urn:ngsi-ld:AgriParcel:{r['รหัสแปลง']}"
        assert row["operation_id"] == (f"urn:ngsi-ld:AgriParcelOperation:{op}" if op else None)
        assert row["fee"] == float(r["ค่าบริการ (บาท)"].replace(",", ""))
        assert row["area_rai"] == float(r["พื้นที่ (ไร่)"])
        assert (row["pilot"], row["product"], row["status"], row["currency"]) == (
            r["รหัสนักบิน"],
            r["สารที่ใช้"],
            r["สถานะ"],
            "THB",
        )
        assert (row["province"], row["district"]) == ("Khon Kaen", "Chum Phae")
        assert row["started_at"] == day(r["เวลาเริ่ม"], buddhist=True)
        end = r["เวลาเสร็จ"]
        assert row["ended_at"] == (day(end, buddhist=True) if end else None)
    first = got["urn:ngsi-ld:DroneSprayingJob:J68-0167"]
    assert (first["started_at"], first["fee"]) == (datetime(2025, 8, 12, 6, 45), 1000.0)


def test_rain_rows_are_the_file(con: duckdb.DuckDBPyConnection) -> None:
    got = table(con, 'SELECT * FROM weather ORDER BY "at"')
    lines = rows_of("rain-48381")
    assert [(row["at"], row["rain_mm"], row["temp_c"]) for row in got] == [
        (
            day(r["time"]),
            float(r["rain_mm"]),
            None if r["temp_c"] == "NA" else float(r["temp_c"]),
        )
        for r in lines
    ]
    assert {(row["province"], row["district"], row["lat"], row["lon"]) for row in got} == {
        ("Khon Kaen", "Mueang Khon Kaen", 16.462, 102.788)
    }
    assert sum(row["rain_mm"] for row in got) == pytest.approx(50.2)


def test_crops_give_the_prices_their_family(con: duckdb.DuckDBPyConnection) -> None:
    got = con.execute(
        "SELECT DISTINCT p.commodity, c.family FROM prices p JOIN crops c ON c.id = p.crop_id"
        " ORDER BY 1"
    ).fetchall()
    assert got == [("cassava", "cassava"), ("kdml105", "rice"), ("maize", "maize")]
