"""The farmer-insight snapshot, built from entities written through the NGSI-LD API on
both backends: each row is what the entity says, times in Asia/Bangkok, history whole."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app
from isanhub.insight.agri.extract import build
from isanhub.insight.agri.fields import local
from isanhub.insight.agri.snapshot import Snapshot
from isanhub.store.base import open_store

B = "/ngsi-ld/v1"
ADDRESS = {"addressRegion": "Khon Kaen", "addressLocality": "Chum Phae", "addressCountry": "TH"}


def P(value: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value, **extra}


def T(text: str) -> dict[str, Any]:
    return P({"@type": "DateTime", "@value": text})


def entities() -> list[dict[str, Any]]:
    square = [[[102.0, 16.0], [102.02, 16.0], [102.02, 16.02], [102.0, 16.02], [102.0, 16.0]]]
    return [
        {"id": "urn:ngsi-ld:AgriCrop:kk:rice", "type": "AgriCrop", "address": P(ADDRESS),
         "name": {"type": "LanguageProperty", "languageMap": {"th": "ข้าว", "en": "Rice"}},
         "alternateName": P("Oryza sativa")},
        {"id": "urn:ngsi-ld:AgriParcel:kk:1", "type": "AgriParcel", "address": P(ADDRESS),
         "location": {"type": "GeoProperty", "value": {"type": "Polygon", "coordinates": square}},
         "area": P(16000, unitCode="MTK"), "cropStatus": P("growing"),
         "hasAgriCrop": {"type": "Relationship", "object": "urn:ngsi-ld:AgriCrop:kk:rice"},
         "lastPlantedAt": T("2026-07-01T17:00:00Z"),
         "expectedHarvestAt": T("2026-11-20T00:00:00+07:00")},
        {"id": "urn:ngsi-ld:UnmannedAerialVehicle:kk:1", "type": "UnmannedAerialVehicle",
         "address": P(ADDRESS), "dailyCapacityRai": P(150),
         "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [102.1, 16.5]}}},
    ]  # fmt: skip


def history() -> list[dict[str, Any]]:
    """A price every day for 3 years (more than one history window) and 3 hours of rain."""
    start = datetime(2023, 1, 1, 1)  # UTC: 08:00 in Bangkok
    prices = [P(round(10 + i / 100, 2), observedAt=f"{start + timedelta(days=i):%Y-%m-%dT%H:%M:%SZ}")
              for i in range(3 * 365)]  # fmt: skip
    rain = [
        P(v, observedAt=f"2026-11-23T{h:02d}:00:00Z") for h, v in ((20, 0.0), (21, 4.5), (22, 12.0))
    ]
    temps = [P(v, observedAt=f"2026-11-23T{h:02d}:00:00Z") for h, v in ((21, 25.5), (23, 24.0))]
    return [
        {"id": "urn:ngsi-ld:CropPrice:kk:rice-gate", "type": "CropPrice", "address": P(ADDRESS),
         "commodity": [P("kdml105")], "priceType": [P("farmGate")], "price": prices,
         "refAgriCrop": [{"type": "Relationship", "object": "urn:ngsi-ld:AgriCrop:kk:rice"}]},
        {"id": "urn:ngsi-ld:WeatherObserved:kk:1", "type": "WeatherObserved",
         "address": [P(ADDRESS)], "precipitation": rain, "temperature": temps},
    ]  # fmt: skip


def snapshot(db_url: str, tmp_path: Path) -> Snapshot:
    settings = make_settings(tmp_path, db=db_url, kpi_interval=0)
    with TestClient(create_app(settings)) as c:
        r = c.post(f"{B}/entityOperations/upsert", json=entities())
        assert r.status_code in (200, 201, 204), r.text
        for te in history():
            r = c.post(f"{B}/temporal/entities", json=te)
            assert r.status_code in (201, 204), r.text
    snap = Snapshot(tmp_path / "agri", "")

    async def run() -> None:
        store = open_store(db_url)
        await store.open()
        try:
            await build(store, "", snap)
        finally:
            await store.close()

    asyncio.run(run())
    return snap


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_rows_are_what_the_entities_say(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        request.getfixturevalue("postgres_url")
        if db == "postgres"
        else f"sqlite:///{tmp_path}/h.db"
    )
    snap = snapshot(url, tmp_path)
    con = snap.connect()
    parcel = con.execute("SELECT * FROM parcels").fetchall()
    cols = [d[0] for d in con.description]
    row = dict(zip(cols, parcel[0], strict=True))
    assert len(parcel) == 1
    assert row["area_rai"] == 10.0  # 16,000 m² without areaRai
    assert 16.0 < row["lat"] < 16.02 and 102.0 < row["lon"] < 102.02  # inside the polygon
    assert row["crop_id"] == "urn:ngsi-ld:AgriCrop:kk:rice" and row["status"] == "growing"
    assert row["planted_at"] == datetime(2026, 7, 2, 0, 0)  # 17:00 UTC is midnight in Bangkok
    assert row["expected_harvest_at"] == datetime(2026, 11, 20)
    assert (row["province"], row["district"]) == ("Khon Kaen", "Chum Phae")
    assert con.execute("SELECT family, name_th, name_en FROM crops").fetchall() == [
        ("rice", "ข้าว", "Rice")
    ]
    assert con.execute("SELECT capacity_rai_day, lat, lon FROM drones").fetchall() == [
        (150.0, 16.5, 102.1)
    ]
    prices = con.execute('SELECT "at", price FROM prices ORDER BY "at"').fetchall()
    assert len(prices) == 3 * 365  # every instance, across history windows
    assert prices[0] == (datetime(2023, 1, 1, 8), 10.0) and prices[-1][1] == round(
        10 + 1094 / 100, 2
    )
    assert con.execute("SELECT DISTINCT commodity, price_type, crop_id FROM prices").fetchall() == [
        ("kdml105", "farmGate", "urn:ngsi-ld:AgriCrop:kk:rice")
    ]
    weather = con.execute('SELECT "at", rain_mm, temp_c FROM weather ORDER BY "at"').fetchall()
    assert weather == [
        (datetime(2026, 11, 24, 3), 0.0, None), (datetime(2026, 11, 24, 4), 4.5, 25.5),
        (datetime(2026, 11, 24, 5), 12.0, None), (datetime(2026, 11, 24, 6), None, 24.0),
    ]  # fmt: skip
    meta = snap.meta()
    assert meta is not None and meta.rows["prices"] == 3 * 365 and meta.rows["parcels"] == 1


def test_a_rebuild_serves_a_whole_new_generation(tmp_path: Path) -> None:
    snap = snapshot(f"sqlite:///{tmp_path}/h.db", tmp_path)
    first = snap.current()
    assert first is not None

    async def again() -> None:
        store = open_store(f"sqlite:///{tmp_path}/h.db")
        await store.open()
        try:
            await build(store, "", snap)
        finally:
            await store.close()

    asyncio.run(again())
    second = snap.current()
    assert second is not None and second != first
    assert first.exists()  # kept a minute for readers that opened it
    assert snap.connect().execute("SELECT count(*) FROM prices").fetchone() == (3 * 365,)


def test_empty_before_the_first_build(tmp_path: Path) -> None:
    snap = Snapshot(tmp_path, "nobody")
    assert snap.current() is None and snap.meta() is None and snap.age() is None
    assert snap.connect().execute("SELECT count(*) FROM parcels").fetchone() == (0,)


@pytest.mark.parametrize(("text", "want"), [
    ("2026-11-24T00:00:00Z", datetime(2026, 11, 24, 7)),
    ("2026-11-24T00:00:00+07:00", datetime(2026, 11, 24)),
    ("2026-11-24T10:30:00-03:00", datetime(2026, 11, 24, 20, 30)),
    ("not a time", None), (None, None), (42, None),
])  # fmt: skip
def test_times_are_local_bangkok(text: Any, want: datetime | None) -> None:
    assert local(text) == want
