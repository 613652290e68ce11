"""The sandbox's farms: crop calendars a Khon Kaen farmer would recognise, field work
and spray drones, agro-weather and crop prices."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from statistics import fmean

from isanhub.demo import agriculture
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, local_date, local_hour
from isanhub.demo.places import BY_KEY, PROVINCES
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import open_store

END = datetime(2026, 11, 22, 5, tzinfo=UTC)
CLOCK = Clock.ending(END)
VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
STATUSES = {"seeded", "justBorn", "growing", "maturing", "readyForHarvesting"}
#: documented farm-gate ranges (THB/kg), with room for the harvest dip
RANGES = {"kdml105": (13.0, 16.5), "rd6": (13.0, 14.2), "cassava": (2.8, 3.15),
          "maize": (11.0, 11.9), "sugarcane": (1.0, 1.42)}  # fmt: skip


def farms(province: str = "khon-kaen", clock: Clock = CLOCK, seed: int = 2026) -> list[Item]:
    return list(agriculture.generate(Context(seed, clock, BY_KEY[province])))


def of(items: list[Item], kind: str) -> list[Item]:
    return [i for i in items if i.entity["type"] == kind]


def value(item: Item, attr: str) -> object:
    a = item.entity[attr]
    v = a.get("object", a.get("value"))
    return v["@value"] if isinstance(v, dict) and "@value" in v else v


def epoch(iso: object) -> int:
    return int(datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp())


def crop(parcel: Item) -> str:
    return str(value(parcel, "hasAgriCrop")).rsplit(":", 1)[1]


def test_farms_parcels_and_crops_use_smart_data_models_names() -> None:
    items = farms()
    ids = {i.id for i in items}
    farm_list, parcels = of(items, "AgriFarm"), of(items, "AgriParcel")
    assert len(farm_list) == 26 * 3
    assert {crop(p) for p in parcels} == {"kdml105", "rd6", "cassava", "sugarcane", "maize"}
    owned = defaultdict(set)
    for p in parcels:
        assert p.entity["area"]["unitCode"] == "MTK"
        assert value(p, "area") == round(value(p, "areaRai") * 1600)  # type: ignore[operator]
        assert value(p, "belongsTo") in ids and value(p, "hasAgriCrop") in ids
        assert value(p, "category") in {"lowland", "upland"}
        owned[value(p, "belongsTo")].add(p.id)
        if "cropStatus" in p.entity:
            assert value(p, "cropStatus") in STATUSES
    for f in farm_list:
        assert set(value(f, "hasAgriParcel")) == owned[f.id]  # type: ignore[arg-type]
        assert 2 <= len(owned[f.id]) <= 5
    for c in of(items, "AgriCrop"):
        for attr in ("plantingFrom", "harvestingInterval"):
            ranges = value(c, attr)
            assert len(ranges) == 2  # type: ignore[arg-type]
            assert all(r["dateRange"][0] == "-" and "/-" in r["dateRange"] for r in ranges)  # type: ignore[attr-defined]
    counts = {p.key: len(of(farms(p.key), "AgriFarm")) for p in PROVINCES[1:]}
    assert counts == {"nakhon-ratchasima": 18, "chiang-mai": 6, "phuket": 3, "chon-buri": 6,
                      "bangkok": 6}  # fmt: skip


def test_crop_status_follows_the_isan_calendar() -> None:
    september = of(farms(clock=Clock.ending(datetime(2026, 9, 15, 5, tzinfo=UTC))), "AgriParcel")
    rice = [p for p in september if crop(p) in ("kdml105", "rd6")]
    assert {value(p, "cropStatus") for p in rice} <= {"justBorn", "growing", "maturing"}
    assert Counter(value(p, "cropStatus") for p in rice)["growing"] > 10
    for p in rice:  # planted in June-August, harvest expected in October-December
        assert 6 <= local_date(epoch(value(p, "lastPlantedAt"))).month <= 8
        assert 10 <= local_date(epoch(value(p, "expectedHarvestAt"))).month <= 12

    november = of(farms(), "AgriParcel")
    now = int(CLOCK.after.timestamp())
    rice = [p for p in november if crop(p) in ("kdml105", "rd6")]
    standing = [p for p in rice if "cropStatus" in p.entity]
    statuses = Counter(value(p, "cropStatus") for p in standing)
    assert set(statuses) <= {"maturing", "readyForHarvesting"}  # a few late-planted fields
    assert statuses["readyForHarvesting"] > max(10, 5 * statuses["maturing"])
    for p in rice:
        if p not in standing:  # already harvested, in October or November
            assert epoch(value(p, "harvestedAt")) <= now
            assert local_date(epoch(value(p, "harvestedAt"))).month in (10, 11)
    for p in november:
        planted = local_date(epoch(value(p, "lastPlantedAt")))
        if crop(p) == "cassava":
            assert 3 <= planted.month <= 5
            if "expectedHarvestAt" in p.entity:
                days = (local_date(epoch(value(p, "expectedHarvestAt"))) - planted).days
                assert 240 <= days <= 330
        if crop(p) == "sugarcane":  # planted April-May, crushed December-April
            assert 4 <= planted.month <= 5 and value(p, "cropStatus") != "seeded"
            assert local_date(epoch(value(p, "expectedHarvestAt"))).month in (12, 1, 2, 3, 4)


def test_rain_comes_in_the_rainy_season_in_the_afternoon() -> None:
    def stations(month: int) -> list[Item]:
        clock = Clock.ending(datetime(2026, month, 30, 16, tzinfo=UTC))
        return of(farms(clock=clock), "WeatherObserved")

    wet, dry = stations(9), stations(3)  # July-September against January-March
    assert len(wet) == 6 and len(of(farms("phuket"), "WeatherObserved")) == 1

    def rain(items: list[Item], hours: range = range(24)) -> float:
        return sum(v or 0 for i in items for s in i.series if s.attr == "precipitation"
                   for t, v in zip(s.times, s.values, strict=True) if local_hour(t) in hours)  # fmt: skip

    assert rain(wet) / 6 > 500 and rain(wet) > 5 * rain(dry)
    assert rain(wet, range(12, 24)) > 3 * rain(wet, range(0, 12))
    for station in wet:
        series = {s.attr: s for s in station.series}
        assert {a: s.unit for a, s in series.items()} == {
            "temperature": "CEL", "relativeHumidity": None, "precipitation": "MMT",
            "windSpeed": "MTS"}  # fmt: skip
        temps = [v for v in series["temperature"].values if v is not None]
        assert min(temps) > 15 and max(temps) < 42
        assert all(0 < v <= 1 for v in series["relativeHumidity"].values if v is not None)
        missing = series["temperature"].values.count(None) / len(series["temperature"].values)
        assert 0.003 < missing < 0.05
        by_hour = defaultdict(list)
        for t, v in zip(series["temperature"].times, series["temperature"].values, strict=True):
            if v is not None:
                by_hour[local_hour(t)].append(v)
        assert fmean(by_hour[14]) > fmean(by_hour[5]) + 4
        assert "dateObserved" in station.entity


def test_crop_prices_sit_at_documented_levels_and_dip_at_harvest() -> None:
    def prices(month: int, day: int) -> dict[tuple[str, str], list[float]]:
        clock = Clock.ending(datetime(2026, month, day, 5, tzinfo=UTC))
        out = {}
        for key in ("khon-kaen", "nakhon-ratchasima", "chiang-mai", "chon-buri"):
            for p in of(farms(key, clock), "CropPrice"):
                assert value(p, "unit") == "THB/kg" and value(p, "currency") == "THB"
                kind = str(value(p, "priceType"))
                out[(f"{key}:{kind}", str(value(p, "commodity")))] = p.series[0].values
        return out

    harvest, summer = prices(12, 10), prices(7, 31)
    for window in (harvest, summer):
        for (market, commodity), values in window.items():
            if market.endswith("farmGate"):
                low, high = RANGES[commodity]
                assert low <= min(values) and max(values) <= high, (market, commodity)
        for commodity in agriculture.WHOLESALE:  # Talaad Thai above Khon Kaen's farm gate
            gate = window[("khon-kaen:farmGate", commodity)]
            wholesale = window[("khon-kaen:wholesale", commodity)]
            assert all(f < w < 1.2 * f for w, f in zip(wholesale, gate, strict=True))
    jasmine = ("khon-kaen:farmGate", "kdml105")
    assert fmean(harvest[jasmine][-20:]) < fmean(summer[jasmine]) - 1.0


def test_drone_community_sprays_parcels_at_about_two_minutes_a_rai() -> None:
    items = farms(clock=Clock.ending(datetime(2026, 9, 30, 5, tzinfo=UTC)))
    ids = {i.id: i for i in items}
    drones = of(items, "UnmannedAerialVehicle")
    assert len(drones) == 20 and len(of(farms("chon-buri"), "UnmannedAerialVehicle")) == 3
    for d in drones:
        assert value(d, "operationMode") in {"vlos", "evlos", "bvlos", "automated"}
        assert value(d, "flightStatus") in {"stop", "takeoff", "flight", "hover", "land"}
    jobs = of(items, "DroneSprayingJob")
    assert len(jobs) > 50
    for j in jobs:
        rai = value(j, "areaRai")
        assert 40 <= value(j, "feePerRai") <= 80  # type: ignore[operator]
        assert value(j, "fee") == round(value(j, "feePerRai") * rai, 2)  # type: ignore[operator]
        assert 1.5 * rai <= value(j, "durationMinutes") <= 2.5 * rai + 15  # type: ignore[operator]
        assert value(j, "refUnmannedAerialVehicle") in ids
        op = ids[str(value(j, "refAgriParcelOperation"))]
        assert value(op, "workRecord") == j.id
        assert value(op, "operationType") in {"fertiliser", "pesticide"}
        assert value(op, "hasAgriParcel") == value(j, "hasAgriParcel")
    ops = of(items, "AgriParcelOperation")
    assert {str(value(o, "operationType")) for o in ops} >= {
        "fertiliser",
        "pesticide",
        "inspection",
    }
    start, after = (
        Clock.ending(datetime(2026, 9, 30, 5, tzinfo=UTC)).start,
        epoch("2026-09-30T05:00:00Z"),
    )
    booked = [o for o in ops if "startedAt" not in o.entity]
    for o in ops:
        if o in booked:  # drone-able work booked for the two weeks after the end
            assert value(o, "status") == "planned" and "endedAt" not in o.entity
            assert value(o, "operationType") in {"fertiliser", "pesticide"}
            assert after <= epoch(value(o, "plannedStartAt")) < after + 14 * 86400
            continue
        t = epoch(value(o, "startedAt"))
        assert start <= t < after and epoch(value(o, "plannedStartAt")) <= t
    assert len(booked) > 5
    for d in drones:  # rai a day, from the tank size
        assert value(d, "dailyCapacityRai") == 60 + 4 * value(d, "tankCapacity")  # type: ignore[operator]


def test_same_seed_same_farms_and_overlapping_windows_agree() -> None:
    first = farms()
    assert [(i.entity, i.series) for i in first] == [(i.entity, i.series) for i in farms()]
    assert [i.series for i in of(farms(seed=7), "WeatherObserved")] != [
        i.series for i in of(first, "WeatherObserved")
    ]
    earlier = Clock.ending(END - timedelta(days=30))
    second = farms(clock=earlier)

    def at(items: list[Item]) -> dict[tuple[str, str, int], object]:
        return {(i.id, s.attr, t): v for i in items for s in i.series
                for t, v in zip(s.times, s.values, strict=True)}  # fmt: skip

    a, b = at(first), at(second)
    shared = set(a) & set(b)
    assert len(shared) > 30_000 and all(a[k] == b[k] for k in shared)
    cut = int(earlier.after.timestamp()) - 86400

    def events(items: list[Item]) -> dict[str, object]:
        return {i.id: i.entity for i in items
                if i.entity["type"] in ("AgriParcelOperation", "DroneSprayingJob")
                and "startedAt" in i.entity
                and CLOCK.start <= epoch(value(i, "startedAt")) < cut}  # fmt: skip

    assert events(first) == events(second) and len(events(first)) > 20


def test_farm_data_loads_into_a_store() -> None:
    items = farms()

    async def run() -> list[dict | None]:  # type: ignore[type-arg]
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            stats = await load(store, "", items)
            assert stats.errors == [] and stats.created == len(items)
            wanted = [of(items, kind)[0].id for kind in
                      ("AgriParcel", "WeatherObserved", "CropPrice", "DroneSprayingJob")]  # fmt: skip
            return [await store.get("", eid) for eid in wanted]
        finally:
            await store.close()

    parcel, station, price, job = asyncio.run(run())
    assert parcel and VOCAB + "hasAgriCrop" in parcel["attrs"]
    assert station and station["attrs"][VOCAB + "temperature"][0]["unitCode"] == "CEL"
    assert price and VOCAB + "price" in price["attrs"]
    assert job and VOCAB + "refUnmannedAerialVehicle" in job["attrs"]
