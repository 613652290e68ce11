"""The KPI engine against an independent calculation on the same sandbox data: every
KPI recomputed here in plain Python from the generated items (not from the store), and
the stored KeyPerformanceIndicator entities readable through the standard API."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from statistics import fmean
from typing import Any

import pytest
from starlette.testclient import TestClient

from isanhub.demo import sandbox
from isanhub.demo.item import Item, Series
from isanhub.demo.patterns import Clock
from isanhub.demo.places import BY_KEY
from isanhub.ingest.load import load
from isanhub.insight import scorecard
from isanhub.insight.kpis import KPIS
from isanhub.store.base import open_store

from .cropincome import crop_income

DAY = 86_400
CLOCK = Clock(datetime(2026, 11, 20, 9, tzinfo=UTC), days=62)
AT = scorecard.as_of(CLOCK.after)  # 2026-11-20 00:00 Thai time
T = int(AT.timestamp())


def _epoch(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("@value")
    if not isinstance(value, str):
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _v(item: Item, name: str) -> Any:
    attr = item.entity.get(name)
    return None if attr is None else attr.get("value", attr.get("object"))


def _series(item: Item, name: str) -> Series:
    return next(s for s in item.series if s.attr == name)


def _window(item: Item, name: str, lo: int, hi: int) -> list[float]:
    s = _series(item, name)
    return [v for t, v in zip(s.times, s.values, strict=True) if lo <= t < hi and v is not None]


class City:
    """Independent KPI formulas over the generated items of one province."""

    def __init__(self, items: list[Item], population: int, region: str = "") -> None:
        self.items, self.region = items, region
        self.by: dict[str, list[Item]] = defaultdict(list)
        for it in items:
            self.by[it.entity["type"]].append(it)
        self.pop = population

    def means(self, kind: str, attr: str) -> list[float]:
        out = []
        for it in self.by[kind]:
            got = _window(it, attr, T - DAY, T)
            if got:
                out.append(fmean(got))
        return out

    def total(self, kind: str, attr: str, days: int = 1, back: int = 0) -> float:
        lo, hi = T - (days + back) * DAY, T - back * DAY
        return sum(sum(_window(it, attr, lo, hi)) for it in self.by[kind])

    def events(self, kind: str, attr: str, days: int) -> list[Item]:
        out = []
        for it in self.by[kind]:
            t = _epoch(_v(it, attr))
            if t is not None and T - days * DAY <= t < T:
                out.append(it)
        return out

    def share(self, items: list[Item], ok: Callable[[Item], bool]) -> float:
        return 100 * sum(map(ok, items)) / len(items)

    def expected(self) -> dict[str, float]:
        by, pop = self.by, self.pop
        parks = [(fmean(w), _v(p, "totalSpotNumber")) for p in by["OffStreetParking"]
                 if (w := _window(p, "availableSpotNumber", T - DAY, T))]  # fmt: skip
        solar = self.total("PhotovoltaicMeasurement", "activePower")
        health = [p for p in by["PointOfInterest"]
                  if {"hospital", "healthCentre"} & set(_v(p, "category"))]  # fmt: skip
        elderly = [d for d in by["Device"] if _v(d, "serviceType") == "elderlyCare"]
        courses = self.events("TrainingProgram", "endDate", 30)
        done = sum(_v(c, "completed") or 0 for c in courses)
        resolved = self.events("IssueReporting", "dateResolved", 30)
        spans = {
            r.id: (_epoch(_v(r, "dateResolved")) or 0) - (_epoch(_v(r, "dateCreated")) or 0)
            for r in by["IssueReporting"] if _v(r, "dateResolved")
        }  # fmt: skip
        made = [r for r in by["IssueReporting"]
                if T - 37 * DAY <= (_epoch(_v(r, "dateCreated")) or 0) < T - 7 * DAY]  # fmt: skip
        still_open = [r for r in by["IssueReporting"]
                      if (_epoch(_v(r, "dateCreated")) or T) < T
                      and (_epoch(_v(r, "dateResolved")) or T) >= T]  # fmt: skip
        gmv, gmv_before = (
            self.total("SalesRecord", "gmv", 30),
            self.total("SalesRecord", "gmv", 30, 30),
        )
        selling = {_v(r, "refShop") for r in by["SalesRecord"]
                   if sum(_window(r, "orders", T - 30 * DAY, T)) > 0}  # fmt: skip
        deaths = sum(_v(a, "totalDeadPeopleWithin30Days") or 0
                     for a in self.events("RoadAccident", "accidentDate", 30))  # fmt: skip
        return {
            "pm25-24h": fmean(self.means("AirQualityObserved", "pm25")),
            "aqi": fmean(self.means("AirQualityObserved", "airQualityIndex")),
            "waste-full": self.share(
                [w for w in by["WasteContainer"] if _window(w, "fillingLevel", T - DAY, T)],
                lambda w: max(_window(w, "fillingLevel", T - DAY, T)) >= 0.9,
            ),
            "parking-occupancy": 100 * sum(s - a for a, s in parks) / sum(s for _a, s in parks),
            "traffic-speed": fmean(self.means("TrafficFlowObserved", "averageVehicleSpeed")),
            "road-deaths": deaths * 365 / 30 / pop * 100_000,
            "solar-energy": solar,
            "solar-share": 100 * solar / self.total("SmartMeteringObservation", "energyConsumed"),
            "streetlights-ok": self.share(by["Streetlight"], lambda s: _v(s, "status") == "ok"),
            "health-facilities": len(health) / pop * 100_000,
            "outpatient-visits": self.total("PointOfInterest", "outpatientVisits") / pop * 1000,
            "elderly-care-ok": self.share(elderly, lambda d: _v(d, "deviceState") == "ok"),
            "digital-trained": done,
            "digital-trained-rate": done / pop * 10_000,
            "training-completion": 100 * done / sum(_v(c, "participants") for c in courses),
            "resolution-days": fmean(spans[r.id] / DAY for r in resolved),
            "resolved-in-week": self.share(made, lambda r: 0 < spans.get(r.id, 8 * DAY) <= 7 * DAY),
            "open-reports": len(still_open),
            "ecommerce-gmv": gmv,
            "gmv-growth": 100 * (gmv - gmv_before) / gmv_before,
            "active-shops": 100 * len(selling & {s.id for s in by["Shop"]}) / len(by["Shop"]),
            "crop-income": crop_income(self.items, T, self.region),  # None: no prices
        }


@pytest.mark.parametrize(
    "db, province",
    [("sqlite", "khon-kaen"), ("postgres", "phuket")],
    ids=["sqlite-khon-kaen", "postgres-phuket"],
)
def test_every_kpi_matches_an_independent_calculation(
    db: str, province: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'kpi.db'}"
        if db == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    place = BY_KEY[province]
    items = list(sandbox.generate(2026, CLOCK, [place]))
    expected = City(items, place.population, place.name_en).expected()
    area = next(a for a in scorecard.pilot_provinces() if a.key == province)

    async def run() -> dict[str, list[float | None]]:
        store = open_store(url)
        await store.open()
        try:
            stats = await load(store, "", items)
            assert not stats.errors
            return await scorecard.values(store, "", area, AT, 1)
        finally:
            await store.close()

    got = asyncio.run(run())
    assert {k.key for k in KPIS} == set(expected)
    for key, value in expected.items():
        assert got[key][0] == (None if value is None else pytest.approx(value, rel=1e-9)), key
    # the dimensions are all there, three KPIs or more each
    dims = defaultdict(int)
    for k in KPIS:
        dims[k.dimension] += 1
    assert len(dims) == 7 and min(dims.values()) >= 3


def test_kpis_are_entities_with_history_in_the_standard_api(tmp_path: Any) -> None:
    from isanhub.api.app import create_app
    from isanhub.settings import Settings

    db = f"sqlite:///{tmp_path / 'hub.db'}"
    place = BY_KEY["khon-kaen"]
    clock = Clock.ending(days=3)  # the server computes as of now

    async def build() -> None:
        store = open_store(db)
        await store.open()
        try:
            await load(store, "", sandbox.generate(5, clock, [place], ["environment"]))
        finally:
            await store.close()

    asyncio.run(build())
    with TestClient(create_app(Settings(db=db, auth="open", kpi_interval=0))) as client:
        r = client.post("/hub/v1/kpi/compute", params={"backfill": 1})
        assert r.status_code == 200 and r.json()["values"] > 0
        kpi_id = "urn:ngsi-ld:KeyPerformanceIndicator:khon-kaen:pm25-24h"
        e = client.get(f"/ngsi-ld/v1/entities/{kpi_id}", params={"options": "keyValues"}).json()
        assert e["type"] == "KeyPerformanceIndicator" and e["dimension"] == "environment"
        assert e["targetValue"] == 37.5 and isinstance(e["kpiValue"], float)
        history = client.get(
            f"/ngsi-ld/v1/temporal/entities/{kpi_id}", params={"attrs": "kpiValue"}
        ).json()
        assert len(history["kpiValue"]) == 2  # today and the day before (backfill 1)
        # computing again at the same hour replaces, it does not add
        client.post("/hub/v1/kpi/compute", params={"backfill": 1})
        again = client.get(
            f"/ngsi-ld/v1/temporal/entities/{kpi_id}", params={"attrs": "kpiValue"}
        ).json()
        assert len(again["kpiValue"]) == 2
        card = client.get("/hub/v1/scorecard", params={"province": "khon-kaen", "lang": "en"})
        env = card.json()["provinces"][0]["dimensions"]["environment"]
        pm = next(r for r in env if r["key"] == "pm25-24h")
        assert pm["name"] == "PM2.5, 24-hour mean" and pm["value"] == e["kpiValue"]
        assert pm["meetsTarget"] == (pm["value"] <= 37.5)
        assert client.get("/hub/v1/scorecard", params={"province": "atlantis"}).status_code == 400


def test_the_server_recomputes_the_scorecard_on_its_schedule(tmp_path: Any) -> None:
    import time

    from isanhub.api.app import create_app
    from isanhub.settings import Settings

    db = f"sqlite:///{tmp_path / 'hub.db'}"

    async def build() -> None:
        store = open_store(db)
        await store.open()
        try:
            clock = Clock.ending(days=2)
            await load(store, "", sandbox.generate(3, clock, [BY_KEY["phuket"]], ["environment"]))
        finally:
            await store.close()

    asyncio.run(build())
    kpi_id = "urn:ngsi-ld:KeyPerformanceIndicator:phuket:pm25-24h"
    with TestClient(create_app(Settings(db=db, auth="open", kpi_interval=1))) as client:
        assert client.get(f"/ngsi-ld/v1/entities/{kpi_id}").status_code == 404
        deadline = time.monotonic() + 15
        while client.get(f"/ngsi-ld/v1/entities/{kpi_id}").status_code != 200:
            assert time.monotonic() < deadline, "the schedule never computed the KPIs"
            time.sleep(0.2)


def test_backfill_leaves_out_days_whose_window_starts_before_the_data() -> None:
    place = BY_KEY["phuket"]
    area = next(a for a in scorecard.pilot_provinces() if a.key == "phuket")
    since = datetime.fromtimestamp(CLOCK.start, UTC)

    async def run() -> dict[str, list[float | None]]:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            await load(store, "", sandbox.generate(2026, CLOCK, [place], ["mobility", "economy"]))
            # 61 days of data before T: a 60-day KPI has 2 computable days of the 5 asked
            return await scorecard.values(store, "", area, AT, 5, since)
        finally:
            await store.close()

    got = asyncio.run(run())
    first = (T - CLOCK.start) // DAY  # whole days of data before T
    assert first == 61
    for key, window in (("gmv-growth", 60), ("ecommerce-gmv", 30), ("traffic-speed", 1)):
        computed = [v is not None for v in got[key]]
        assert computed == [4 - n <= first - window for n in range(5)], key


def test_nothing_to_compute_stores_nothing(tmp_path: Any) -> None:
    from isanhub.api.app import create_app
    from isanhub.settings import Settings

    with TestClient(
        create_app(Settings(db=f"sqlite:///{tmp_path / 'e.db'}", auth="open", kpi_interval=0))
    ) as c:
        assert c.post("/hub/v1/kpi/compute").json()["values"] == 0
        r = c.get("/ngsi-ld/v1/entities", params={"type": "KeyPerformanceIndicator"})
        assert r.status_code == 200 and r.json() == []
        other = c.get("/hub/v1/scorecard", headers={"NGSILD-Tenant": "nowhere"})
        assert other.status_code == 404
