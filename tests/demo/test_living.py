"""The sandbox's living data: health facilities and their outpatients, elderly-care and
smart-home devices."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any

from isanhub.demo import living
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, local_date
from isanhub.demo.places import BY_KEY
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import open_store

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
END = datetime(2026, 11, 20, 9, tzinfo=UTC)


def items(
    province: str = "khon-kaen", end: datetime = END, days: int = 60, seed: int = 7
) -> list[Item]:
    return list(living.generate(Context(seed, Clock(end, days), BY_KEY[province])))


def facilities(got: list[Item], category: str) -> list[Item]:
    return [
        i
        for i in got
        if i.entity["type"] == "PointOfInterest" and i.entity["category"]["value"] == [category]
    ]


def devices(got: list[Item], service: str) -> list[Item]:
    return [
        i
        for i in got
        if i.entity["type"] == "Device" and i.entity["serviceType"]["value"] == service
    ]


def test_facilities_and_devices_of_each_province() -> None:
    kk = items(days=2)
    hospitals = facilities(kk, "hospital")
    assert len(hospitals) == 27 and len(facilities(kk, "healthCentre")) == 52
    names = {i.entity["name"]["languageMap"]["en"] for i in hospitals}
    assert {"Khon Kaen Hospital", "Srinagarind Hospital"} <= names
    beds = {
        i.entity["name"]["languageMap"]["en"]: i.entity["bedCapacity"]["value"] for i in hospitals
    }
    assert beds["Khon Kaen Hospital"] >= 800 and beds["Srinagarind Hospital"] >= 800
    assert sorted(beds.values())[len(beds) // 2] <= 150  # most are community hospitals
    assert all(10 <= i.entity["bedCapacity"]["value"] <= 1500 for i in hospitals)
    assert not any("bedCapacity" in i.entity for i in facilities(kk, "healthCentre"))
    assert any(
        "ส่งเสริมสุขภาพตำบล" in i.entity["name"]["languageMap"]["th"]
        for i in facilities(kk, "healthCentre")
    )
    assert len(devices(kk, "elderlyCare")) == 26 * 4 and len(devices(kk, "smartLiving")) == 26 * 2
    kinds = Counter(i.entity["deviceKind"]["value"] for i in devices(kk, "smartLiving"))
    assert set(kinds) == {"smartPlug", "waterLeakSensor", "doorSensor"}
    bangkok = items("bangkok", days=2)
    centres = facilities(bangkok, "healthCentre")
    assert len(centres) == 6 and all(
        "BMA Public Health Centre" in i.entity["name"]["languageMap"]["en"] for i in centres
    )
    assert len(facilities(bangkok, "hospital")) == 6
    assert len(devices(bangkok, "elderlyCare")) == 12 and devices(bangkok, "smartLiving") == []


def test_devices_report_their_state_and_battery() -> None:
    states: Counter[str] = Counter()
    for n in range(6):
        end = END + timedelta(days=11 * n, hours=3 * n)
        after = int(end.timestamp()) + 3600
        for i in items(end=end, days=1):
            if i.entity["type"] != "Device":
                continue
            e = i.entity
            state = e["deviceState"]["value"]
            states[state] += 1
            assert e["category"]["value"] and e["controlledProperty"]["value"]
            reported = datetime.fromisoformat(e["dateLastValueReported"]["value"]["@value"])
            age_h = (after - reported.timestamp()) / 3600
            assert 0 < age_h <= (72 if state == "disconnected" else 1), (state, age_h)
            if state == "disconnected":
                assert age_h > 5
            battery = e.get("batteryLevel", {}).get("value")
            if e["deviceKind"]["value"] == "smartPlug":
                assert battery is None  # mains powered
            else:
                assert 0 <= battery <= 1
            if state == "lowBattery":
                assert battery < 0.15
            # where an older person lives is personal data: only ~1 km precision
            lon, lat = e["location"]["value"]["coordinates"]
            assert round(lon, 2) == lon and round(lat, 2) == lat
    total = sum(states.values())
    assert set(states) == {"ok", "lowBattery", "disconnected"}
    assert 0.85 <= states["ok"] / total <= 0.95, states


def _visits_by_weekday(got: list[Item], category: str) -> dict[int, float]:
    per_day: dict[int, list[float]] = {d: [] for d in range(7)}
    for i in facilities(got, category):
        s = i.series[0]
        assert s.attr == "outpatientVisits" and s.times == Clock(END, 60).days_list
        for t, v in zip(s.times, s.values, strict=True):
            assert isinstance(v, int) and v >= 0
            per_day[local_date(t).weekday()].append(v)
    return {d: fmean(v) for d, v in per_day.items()}


def test_outpatients_come_on_weekdays_most() -> None:
    got = items()
    hospital = _visits_by_weekday(got, "hospital")
    assert min(hospital[d] for d in range(5)) > 2.5 * hospital[6]
    assert hospital[0] == max(hospital.values())  # Monday's backlog
    centre = _visits_by_weekday(got, "healthCentre")
    assert min(centre[d] for d in range(5)) > 5 * centre[6]
    big = [
        i
        for i in facilities(got, "hospital")
        if i.entity["name"]["languageMap"]["en"] == "Khon Kaen Hospital"
    ]
    assert 1500 < max(big[0].series[0].values) < 5000


def test_rainy_season_brings_more_patients() -> None:
    def midweek(end: datetime) -> float:
        got = facilities(items(end=end, days=28), "hospital")
        return fmean(
            v
            for i in got
            for t, v in zip(i.series[0].times, i.series[0].values, strict=True)
            if local_date(t).weekday() in (1, 2, 3)
        )

    assert midweek(datetime(2026, 7, 25, tzinfo=UTC)) > 1.08 * midweek(
        datetime(2026, 2, 20, tzinfo=UTC)
    )


def _state(got: list[Item]) -> list[Any]:
    return [(i.entity, i.series) for i in got]


def test_same_seed_same_city_whatever_the_window() -> None:
    first = items("chiang-mai")
    assert _state(first) == _state(items("chiang-mai"))
    assert _state(first) != _state(items("chiang-mai", seed=8))
    later = items("chiang-mai", end=END + timedelta(days=5, hours=7))
    for x, y in zip(first, later, strict=True):
        assert x.id == y.id and x.entity["location"] == y.entity["location"]
        if x.series:
            a = dict(zip(x.series[0].times, x.series[0].values, strict=True))
            b = dict(zip(y.series[0].times, y.series[0].values, strict=True))
            shared = a.keys() & b.keys()
            assert len(shared) >= 54 and all(a[t] == b[t] for t in shared)


def test_items_load_into_a_store() -> None:
    got = items("phuket", days=7)

    async def run() -> tuple[Any, dict[str, Any], dict[str, Any]]:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            stats = await load(store, "", got)
            poi = facilities(got, "hospital")[0].id
            device = devices(got, "elderlyCare")[0].id
            return stats, await store.get("", poi), await store.get("", device)
        finally:
            await store.close()

    stats, poi, device = asyncio.run(run())
    assert stats.errors == [] and stats.created == len(got)
    assert stats.instances == sum(len(s.values) for i in got for s in i.series)
    assert poi["attrs"][VOCAB + "category"][0]["value"] == ["hospital"]
    assert (
        poi["attrs"][VOCAB + "outpatientVisits"][0]["value"]
        == facilities(got, "hospital")[0].series[0].values[-1]
    )
    assert device["type"] == [VOCAB + "Device"]
    assert device["attrs"][VOCAB + "serviceType"][0]["value"] == "elderlyCare"
