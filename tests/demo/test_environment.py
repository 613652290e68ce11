"""The sandbox's environment: air quality with the real regions' seasons and the Thai
AQI, waste containers emptied on their rounds, river gauges that rise in the rains;
the same city for a seed whatever the window, and loadable into a store."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from statistics import fmean
from typing import Any

import pytest

from isanhub.demo import environment
from isanhub.demo.environment import aqi_level, thai_aqi
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, local_date, local_hour
from isanhub.demo.places import BY_KEY, districts
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import Query, open_store
from isanhub.store.temporal import TemporalQuery

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


@cache
def city(key: str, end: datetime, days: int = 30, seed: int = 2026) -> tuple[Item, ...]:
    ctx = Context(seed, Clock(end, days), BY_KEY[key])
    return tuple(environment.generate(ctx))


def of(items: tuple[Item, ...], kind: str) -> list[Item]:
    return [i for i in items if i.entity["type"] == kind]


def series(item: Item, attr: str) -> dict[int, Any]:
    s = next(s for s in item.series if s.attr == attr)
    return dict(zip(s.times, s.values, strict=True))


def mean_pm25(key: str, end: datetime) -> float:
    values = [
        v for i in of(city(key, end), "AirQualityObserved") for v in series(i, "pm25").values()
    ]
    return fmean(v for v in values if v is not None)


MARCH = datetime(2026, 3, 31, 16, tzinfo=UTC)  # the end of 31 March, Thai time
AUGUST = datetime(2026, 8, 31, 16, tzinfo=UTC)


def test_every_district_has_an_air_station_and_a_bin_with_sdm_attributes() -> None:
    items = city("khon-kaen", MARCH)
    air, bins = of(items, "AirQualityObserved"), of(items, "WasteContainer")
    assert len(air) == len(bins) == len(districts("khon-kaen")) == 26
    for a in air:
        e = a.entity
        assert e["pm25"]["unitCode"] == "GQ" and e["pm10"]["unitCode"] == "GQ"
        assert isinstance(e["airQualityIndex"]["value"], int)
        assert e["airQualityLevel"]["value"] == aqi_level(e["airQualityIndex"]["value"])
        assert (
            "Pollution Control Department"
            in e["airQualityLevel"]["referenceSpecification"]["value"]
        )
        assert e["typeofLocation"]["value"] == "outdoor"
        assert e["dateObserved"]["value"]["@type"] == "DateTime"
        pm25, pm10 = series(a, "pm25"), series(a, "pm10")
        assert all(pm10[t] >= v for t, v in pm25.items() if v is not None)
    for b in bins:
        e = b.entity
        assert e["status"]["value"] == "ok"
        assert set(e["storedWasteKind"]["value"]) <= {"organic", "inorganic", "glass", "oil",
                                                      "plastic", "metal", "paper", "other"}  # fmt: skip
        levels = [v for v in series(b, "fillingLevel").values() if v is not None]
        assert all(0.0 <= v <= 1.0 for v in levels)
        assert (
            e["dateLastEmptying"]["value"]["@value"] < e["nextActuationDeadline"]["value"]["@value"]
        )


def test_thai_aqi_follows_the_2023_pcd_breakpoints() -> None:
    assert [thai_aqi(c) for c in (0, 15.0, 15.1, 25.0, 25.1, 37.5, 37.6, 75.0)] == [
        0, 25, 26, 50, 51, 100, 101, 200,
    ]  # fmt: skip
    assert thai_aqi(75.1) == 201 and thai_aqi(100) > 250
    assert [aqi_level(a) for a in (25, 26, 100, 101, 201)] == [
        "veryGood", "good", "moderate", "startingToAffectHealth", "affectingHealth",
    ]  # fmt: skip


def test_aqi_is_that_of_the_24_hour_mean_of_pm25() -> None:
    station = of(city("chiang-mai", MARCH), "AirQualityObserved")[0]
    pm25, aqi = series(station, "pm25"), series(station, "airQualityIndex")
    times = sorted(pm25)
    checked = 0
    for n in range(23, len(times)):
        window = [pm25[t] for t in times[n - 23 : n + 1] if pm25[t] is not None]
        if pm25[times[n]] is None:
            assert aqi[times[n]] is None
            continue
        assert aqi[times[n]] == thai_aqi(fmean(window))
        checked += 1
    assert checked > 600


def test_isan_dry_season_is_hazier_than_the_rains() -> None:
    dry, rainy = mean_pm25("khon-kaen", MARCH), mean_pm25("khon-kaen", AUGUST)
    assert 35 <= dry <= 70, dry
    assert 7 <= rainy <= 18, rainy
    assert dry > 2.5 * rainy


def test_chiang_mai_burning_season_is_far_worse_than_phuket() -> None:
    chiang_mai, phuket = mean_pm25("chiang-mai", MARCH), mean_pm25("phuket", MARCH)
    assert 75 <= chiang_mai <= 130, chiang_mai
    assert 10 <= phuket <= 22, phuket
    aqi = [
        i.entity["airQualityIndex"]["value"]
        for i in of(city("chiang-mai", MARCH), "AirQualityObserved")
    ]
    assert fmean(aqi) > 150  # orange and red: the haze people notice


def test_pm25_is_highest_in_the_morning_and_lowest_mid_afternoon() -> None:
    by_hour: dict[int, list[float]] = defaultdict(list)
    for station in of(city("bangkok", MARCH), "AirQualityObserved"):
        for t, v in series(station, "pm25").items():
            if v is not None:
                by_hour[local_hour(t)].append(v)
    morning = fmean(by_hour[7] + by_hour[8] + by_hour[9])
    afternoon = fmean(by_hour[14] + by_hour[15] + by_hour[16])
    assert morning > 1.5 * afternoon


def test_sensors_miss_about_two_percent_of_hours() -> None:
    items = city("khon-kaen", MARCH)
    values = [v for i in items for s in i.series for v in s.values]
    missing = sum(v is None for v in values) / len(values)
    assert 0.005 < missing < 0.04, missing


def test_bins_fill_through_the_day_and_are_emptied_on_their_rounds() -> None:
    bins = of(city("khon-kaen", MARCH), "WasteContainer")
    seat = series(bins[0], "fillingLevel")  # Mueang Khon Kaen: a round every morning
    emptied_days = set()
    times = sorted(seat)
    for a, b in zip(times, times[1:], strict=False):
        va, vb = seat[a], seat[b]
        if va is None or vb is None:
            continue
        if vb < va:  # only a round lowers the level, at 05:00 local
            assert local_hour(b) == 5, (a, va, vb)
            emptied_days.add(local_date(b))
    assert len(emptied_days) >= 25  # daily, a few rounds missed or hidden by gaps
    others = [series(b, "fillingLevel") for b in bins[1:]]
    peaks = [max(v for v in s.values() if v is not None) for s in others]
    assert max(peaks) >= 0.9 and min(peaks) > 0.4  # rounds every 2-3 days: some fill up


def test_khon_kaen_gauges_on_the_chi_and_phong_rise_in_the_rains() -> None:
    dry = of(city("khon-kaen", MARCH), "FloodMonitoring")
    wet = of(city("khon-kaen", datetime(2026, 10, 10, 16, tzinfo=UTC)), "FloodMonitoring")
    assert len(dry) == 6
    rivers = {g.entity["riverName"]["languageMap"]["en"] for g in dry}
    assert rivers == {"Chi River", "Phong River"}
    assert {g.entity["address"]["value"]["addressLocality"] for g in dry} == {
        "Chum Phae", "Ubolratana", "Nam Phong", "Waeng Yai", "Chonnabot", "Mueang Khon Kaen",
    }  # fmt: skip
    for before, after in zip(dry, wet, strict=True):
        e = before.entity
        assert e["currentLevel"]["unitCode"] == "MTR"
        assert e["alertLevel"]["value"] < e["dangerLevel"]["value"] < e["referenceLevel"]["value"]
        level = e["currentLevel"]["value"]
        assert e["floodLevelStatus"]["value"] == "normal" and level < e["alertLevel"]["value"]
        assert e["measuredDistance"]["value"] == pytest.approx(e["referenceLevel"]["value"] - level)
        march = fmean(v for v in series(before, "currentLevel").values() if v is not None)
        october = fmean(v for v in series(after, "currentLevel").values() if v is not None)
        assert october > march + 0.5, e["stationID"]
    for key in ("nakhon-ratchasima", "chiang-mai", "phuket", "chon-buri", "bangkok"):
        assert len(of(city(key, MARCH, 2), "FloodMonitoring")) == 1


def test_same_seed_same_values_whatever_the_window() -> None:
    end = datetime(2026, 3, 20, 3, tzinfo=UTC)
    a = city("phuket", end, 6)
    again = environment.generate(Context(2026, Clock(end, 6), BY_KEY["phuket"]))  # not cached
    assert [(i.entity, i.series) for i in a] == [(i.entity, i.series) for i in again]
    # a window 3 days and 11 hours later (another hour of the day) agrees where they overlap
    b = city("phuket", datetime(2026, 3, 23, 14, tzinfo=UTC), 6)
    shared = 0
    for x, y in zip(a, b, strict=True):
        assert x.id == y.id
        for sx, sy in zip(x.series, y.series, strict=True):
            vx, vy = dict(zip(sx.times, sx.values, strict=True)), series(y, sy.attr)
            common = vx.keys() & vy.keys()
            assert common and all(vx[t] == vy[t] for t in common), (x.id, sx.attr)
            shared += len(common)
    assert shared > 13 * 50  # 13 series, 61 shared hours, a few missing
    other = city("phuket", datetime(2026, 3, 20, 3, tzinfo=UTC), 6, seed=7)
    assert [s.values for s in a[0].series] != [s.values for s in other[0].series]


def test_items_load_into_a_store_with_their_history() -> None:
    items = city("khon-kaen", MARCH, 2)
    station = of(items, "AirQualityObserved")[0]
    gauge = of(items, "FloodMonitoring")[0]

    async def run() -> None:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            stats = await load(store, "", items)
            assert not stats.errors and stats.created == len(items)
            got = await store.get("", station.id)
            assert got is not None
            pm25 = got["attrs"][VOCAB + "pm25"][0]
            assert pm25["unitCode"] == "GQ" and pm25["value"] == station.entity["pm25"]["value"]
            level = (await store.get("", gauge.id))["attrs"][VOCAB + "dangerLevel"][0]
            assert level["value"] == gauge.entity["dangerLevel"]["value"]
            query = TemporalQuery(
                entities=Query(ids=[station.id]), attrs=frozenset([VOCAB + "pm25"])
            )
            history, _ = await store.temporal("", query)
            recorded = [v for v in series(station, "pm25").values() if v is not None]
            assert [i["value"] for i in history[0].attrs[VOCAB + "pm25"]] == recorded
        finally:
            await store.close()

    asyncio.run(run())


def test_the_seat_station_measures_the_gases_with_their_daily_cycles() -> None:
    stations = of(city("bangkok", MARCH), "AirQualityObserved")
    reference = [s for s in stations if any(x.attr == "o3" for x in s.series)]
    assert [s.entity["address"]["value"]["districtCode"] for s in reference] == ["1001"]
    units = {x.attr: x.unit for x in reference[0].series}
    gases = {gas: units[gas] for gas in ("o3", "no2", "so2", "co")}
    assert gases == {"o3": "61", "no2": "61", "so2": "61", "co": "59"}  # ppb, ppm
    by_hour: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for gas in ("o3", "no2"):
        for t, v in series(reference[0], gas).items():
            if v is not None:
                by_hour[gas][local_hour(t)].append(v)
    o3, no2 = by_hour["o3"], by_hour["no2"]
    assert fmean(o3[14] + o3[15]) > 2.5 * fmean(o3[2] + o3[3])  # sunlight makes ozone
    assert fmean(no2[8] + no2[18]) > 2 * fmean(no2[3])  # traffic makes NO2
