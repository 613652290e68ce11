"""The sandbox's mobility: rush hours on named main roads (Bangkok worst), car parks
that fill on evenings and weekends, bus stops, and road accidents at Thailand's real
death rate; the same for a seed whatever the window, and loadable into a store."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from statistics import correlation, fmean
from typing import Any

from isanhub.demo import mobility
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, local_date, local_hour
from isanhub.demo.places import BY_KEY, PROVINCES
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import open_store

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
END = datetime(2026, 3, 31, 16, tzinfo=UTC)  # the end of 31 March, Thai time


@cache
def city(key: str, end: datetime = END, days: int = 30, seed: int = 2026) -> tuple[Item, ...]:
    return tuple(mobility.generate(Context(seed, Clock(end, days), BY_KEY[key])))


def of(items: tuple[Item, ...], kind: str) -> list[Item]:
    return [i for i in items if i.entity["type"] == kind]


def series(item: Item, attr: str) -> dict[int, Any]:
    s = next(s for s in item.series if s.attr == attr)
    return dict(zip(s.times, s.values, strict=True))


def by_hour(items: list[Item], attr: str, weekend: bool = False) -> dict[int, float]:
    """Mean of ``attr`` per local hour over weekdays (or weekends)."""
    out: dict[int, list[float]] = defaultdict(list)
    for i in items:
        for t, v in series(i, attr).items():
            if v is not None and (local_date(t).weekday() >= 5) == weekend:
                out[local_hour(t)].append(float(v))
    return {h: fmean(vs) for h, vs in out.items()}


def test_counts_names_and_sdm_attributes() -> None:
    for p in PROVINCES:
        items = city(p.key, days=2)
        counts = {k: len(of(items, k)) for k in
                  ("TrafficFlowObserved", "OffStreetParking", "PublicTransportStop")}  # fmt: skip
        expected = (3, 3, 8) if p.light else (10, 8, 30)
        assert tuple(counts.values()) == expected, p.key
        for i in items:
            names = i.entity["name"]["languageMap"]
            assert names["th"] and names["en"] and names["th"] != names["en"]
    kk = city("khon-kaen")
    roads = {i.entity["name"]["languageMap"]["en"] for i in of(kk, "TrafficFlowObserved")}
    assert any("Mittraphap" in r for r in roads) and any("Route 12" in r for r in roads)
    assert {"Srichan Rd", "Na Mueang Rd", "Prachasamosorn Rd"} <= {r.split(",")[-1].strip()
                                                                   for r in roads}  # fmt: skip
    for road in of(kk, "TrafficFlowObserved"):
        e = road.entity
        assert e["averageVehicleSpeed"]["unitCode"] == "KMH"
        assert isinstance(e["intensity"]["value"], int)
        assert isinstance(e["congested"]["value"], bool)
        assert e["laneDirection"]["value"] in ("forward", "backward")
        occupancy = [v for v in series(road, "occupancy").values() if v is not None]
        assert all(0 <= v <= 1 for v in occupancy)
    for stop in of(kk, "PublicTransportStop"):
        assert stop.entity["transportationType"]["value"] == [3]
        assert stop.entity["wheelChairAccessible"]["value"] in ("0", "1", "2")
        assert not stop.series


def test_rush_hours_are_busy_and_slow_nights_are_empty() -> None:
    roads = of(city("khon-kaen"), "TrafficFlowObserved")
    flow, speed = by_hour(roads, "intensity"), by_hour(roads, "averageVehicleSpeed")
    for rush in (8, 17):
        assert flow[rush] > 5 * flow[3]
        assert speed[rush] < speed[3]
    weekend = by_hour(roads, "intensity", weekend=True)
    assert weekend[8] < 0.5 * flow[8]  # no commute on Saturday and Sunday mornings
    bangkok = of(city("bangkok"), "TrafficFlowObserved")
    silom = next(r for r in bangkok if "Silom" in r.entity["name"]["languageMap"]["en"])
    pairs = [(q, v) for t, q in series(silom, "intensity").items()
             if q is not None and (v := series(silom, "averageVehicleSpeed")[t]) is not None]  # fmt: skip
    assert correlation([float(q) for q, _ in pairs], [float(v) for _, v in pairs]) < -0.5


def test_bangkok_is_the_busiest_and_slowest() -> None:
    rush: dict[str, tuple[float, float]] = {}
    for p in PROVINCES:
        roads = of(city(p.key), "TrafficFlowObserved")
        flow, speed = by_hour(roads, "intensity"), by_hour(roads, "averageVehicleSpeed")
        rush[p.key] = (flow[8], speed[8])
    others = [v for k, v in rush.items() if k != "bangkok"]
    assert rush["bangkok"][0] > max(f for f, _ in others)
    assert rush["bangkok"][1] < min(s for _, s in others)
    assert rush["bangkok"][1] < 25  # km/h: Bangkok's morning crawl


def test_car_parks_stay_within_their_spots_and_fill_on_evenings_and_weekends() -> None:
    parks = of(city("khon-kaen"), "OffStreetParking")
    for park in parks:
        e = park.entity
        total = e["totalSpotNumber"]["value"]
        free = [v for v in series(park, "availableSpotNumber").values() if v is not None]
        assert all(isinstance(v, int) and 0 <= v <= total for v in free)
        taken = e["occupiedSpotNumber"]["value"]
        assert taken == total - e["availableSpotNumber"]["value"]
        assert e["occupancy"]["value"] == round(taken / total, 3)
        assert e["status"]["value"] in ("spacesAvailable", "almostFull", "full")
    mall = next(p for p in parks if "Central Khon Kaen" in p.entity["name"]["languageMap"]["en"])

    def used(weekend: bool) -> dict[int, float]:
        free = by_hour([mall], "availableSpotNumber", weekend)
        return {h: 1 - v / mall.entity["totalSpotNumber"]["value"] for h, v in free.items()}

    weekday, weekend = used(False), used(True)
    assert weekday[19] > 4 * weekday[3]
    assert weekend[14] > weekday[14] + 0.1
    market = next(p for p in parks if "Ton Tann" in p.entity["name"]["languageMap"]["en"])
    evening = by_hour([market], "availableSpotNumber")
    assert evening[20] < 0.3 * evening[10]  # the night market's car park is full at night


@cache
def accidents_90_days() -> dict[str, list[Item]]:
    end = datetime(2026, 6, 30, 16, tzinfo=UTC)
    out = {}
    for p in PROVINCES:
        ctx = Context(2026, Clock(end, 90), p)
        out[p.key] = list(mobility.accidents(ctx))
    return out


def test_road_deaths_match_thailands_rate() -> None:
    clock = Clock(datetime(2026, 6, 30, 16, tzinfo=UTC), 90)
    start, after = clock.start, int(clock.after.timestamp())
    deaths = people = 0
    ids: set[str] = set()
    for p in PROVINCES:
        for a in accidents_90_days()[p.key]:
            e = a.entity
            when = datetime.fromisoformat(e["accidentDate"]["value"]["@value"])
            assert start <= when.timestamp() < after
            assert e["status"]["value"] in ("onGoing", "solved", "archived")
            dead = e["totalDeadPeopleWithin30Days"]["value"]
            assert 0 <= e["totalDeadPeopleWithin24Hours"]["value"] <= dead
            assert dead > 0 or e["totalInjured"]["value"] > 0
            deaths += dead
            ids.add(a.id)
        people += p.population
    assert len(ids) == sum(len(v) for v in accidents_90_days().values())
    per_100k_year = deaths / people * 100_000 * 365 / 90
    assert 24 <= per_100k_year <= 32, per_100k_year  # WHO: 25.4-32.7
    counts = {k: len(v) for k, v in accidents_90_days().items()}
    assert counts["bangkok"] > 5 * counts["phuket"]  # scaled by population


def test_same_seed_same_values_whatever_the_window() -> None:
    first = city("chon-buri", datetime(2026, 3, 20, 3, tzinfo=UTC), 6)
    again = mobility.generate(Context(2026, Clock(datetime(2026, 3, 20, 3, tzinfo=UTC), 6),
                                      BY_KEY["chon-buri"]))  # fmt: skip
    assert [(i.entity, i.series) for i in first] == [(i.entity, i.series) for i in again]
    later = city("chon-buri", datetime(2026, 3, 23, 14, tzinfo=UTC), 6)
    for x in (i for i in first if i.series):
        y = next(i for i in later if i.id == x.id)
        for s in x.series:
            theirs = series(y, s.attr)
            common = set(s.times) & theirs.keys()
            assert len(common) == 61
            assert all(
                v == theirs[t] for t, v in zip(s.times, s.values, strict=True) if t in common
            )
    # an accident inside both windows is the same accident
    crashes = {i.id: i.entity for i in of(first, "RoadAccident")}
    shared = [i for i in of(later, "RoadAccident") if i.id in crashes]
    assert shared
    for a in shared:
        for attr in ("accidentDate", "totalDeadPeopleWithin30Days", "totalInjured", "location"):
            assert a.entity[attr] == crashes[a.id][attr]
    other = city("chon-buri", datetime(2026, 3, 20, 3, tzinfo=UTC), 6, seed=7)
    assert [s.values for s in first[0].series] != [s.values for s in other[0].series]


def test_items_load_into_a_store() -> None:
    items = city("khon-kaen", days=2)
    road = of(items, "TrafficFlowObserved")[0]
    crash = of(items, "RoadAccident")[0]

    async def run() -> None:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            stats = await load(store, "", items)
            assert not stats.errors and stats.created == len(items)
            assert stats.instances == sum(
                v is not None for i in items for s in i.series for v in s.values
            )
            got = await store.get("", road.id)
            assert got is not None
            speed = got["attrs"][VOCAB + "averageVehicleSpeed"][0]
            assert speed["unitCode"] == "KMH"
            assert speed["value"] == road.entity["averageVehicleSpeed"]["value"]
            stored = await store.get("", crash.id)
            assert stored is not None
            when = stored["attrs"][VOCAB + "accidentDate"][0]["value"]
            assert when == crash.entity["accidentDate"]["value"]
            dead = stored["attrs"][VOCAB + "totalDeadPeopleWithin30Days"][0]["value"]
            assert dead == crash.entity["totalDeadPeopleWithin30Days"]["value"]
        finally:
            await store.close()

    asyncio.run(run())
