"""The sandbox's energy data: streetlights, rooftop solar and public buildings' meters
look like the real thing, are the same for a seed, and load."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from statistics import fmean, pstdev
from typing import Any

from isanhub.demo import energy
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, local_date, local_hour
from isanhub.demo.places import BY_KEY
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import open_store

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
#: 23:00 UTC = 06:00 local: the window covers whole local days but the last one
END = datetime(2026, 11, 20, 9, tzinfo=UTC)


def items(
    province: str = "phuket", end: datetime = END, days: int = 14, seed: int = 7
) -> list[Item]:
    clock = Clock(end, days)
    return list(energy.generate(Context(seed, clock, BY_KEY[province])))


def of_type(got: list[Item], kind: str) -> list[Item]:
    return [i for i in got if i.entity["type"] == kind]


def by_hour(got: list[Item], attr: str) -> dict[int, list[float]]:
    out: dict[int, list[float]] = defaultdict(list)
    for i in got:
        for s in i.series:
            if s.attr == attr:
                for t, v in zip(s.times, s.values, strict=True):
                    if v is not None:
                        out[local_hour(t)].append(v)
    return out


def test_khon_kaen_has_the_counts_types_and_units_of_the_brief() -> None:
    got = items("khon-kaen", days=2)
    lamps = of_type(got, "Streetlight")
    assert len(lamps) == 26 * 6
    assert len(of_type(got, "PhotovoltaicMeasurement")) == 26
    assert len(of_type(got, "SmartMeteringObservation")) == 26
    for lamp in lamps:
        e = lamp.entity
        assert e["status"]["value"] in {"ok", "defectiveLamp", "columnIssue", "brokenLantern"}
        assert e["powerState"]["value"] in {"on", "off"}
        assert 0 <= e["illuminanceLevel"]["value"] <= 1
        assert e["powerRating"]["unitCode"] == "WTT"
    metered = [i for i in lamps if i.series]
    assert len(metered) == 26  # one sample per district
    assert {(s.attr, s.unit) for i in metered for s in i.series} == {("powerConsumption", "WTT")}
    solar = of_type(got, "PhotovoltaicMeasurement")
    assert {(s.attr, s.unit) for i in solar for s in i.series} == {("activePower", "KWT")}
    assert all(i.entity["nominalPeakPowerGeneration"]["unitCode"] == "KWT" for i in solar)
    meters = of_type(got, "SmartMeteringObservation")
    assert {(s.attr, s.unit) for i in meters for s in i.series} == {("energyConsumed", "KWH")}
    assert {i.entity["meterType"]["value"] for i in meters} == {"electricity"}
    assert len(of_type(items("chiang-mai", days=2), "Streetlight")) == 6 * 3


def test_most_streetlights_work_and_light_at_night_only() -> None:
    ok = total = 0
    for n in range(6):  # six evenings a month apart, at 21:00 local
        got = of_type(
            items("khon-kaen", datetime(2026, 6, 1, 14, tzinfo=UTC) + timedelta(days=30 * n), 1),
            "Streetlight",
        )
        total += len(got)
        ok += sum(i.entity["status"]["value"] == "ok" for i in got)
        for i in got:
            e = i.entity
            dark = e["status"]["value"] in energy.DARK_FAULTS
            assert e["powerState"]["value"] == ("off" if dark else "on"), e["id"]
    assert 0.90 <= ok / total <= 0.98
    noon = of_type(items("khon-kaen", datetime(2026, 6, 1, 5, tzinfo=UTC), 1), "Streetlight")
    assert {i.entity["powerState"]["value"] for i in noon} == {"off"}


def test_the_metered_streetlight_consumes_at_night_not_at_noon() -> None:
    watts = by_hour(items("khon-kaen", days=7), "powerConsumption")
    night = fmean(watts[0] + watts[1] + watts[2] + watts[20] + watts[21])
    noon = fmean(watts[11] + watts[12] + watts[13])
    assert night > 50 and noon < 3, (night, noon)


def test_solar_is_zero_at_night_and_peaks_near_noon() -> None:
    got = of_type(items("khon-kaen"), "PhotovoltaicMeasurement")
    kw = by_hour(got, "activePower")
    for hour in (19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5):
        assert set(kw[hour]) == {0.0}, hour
    means = {h: fmean(v) for h, v in kw.items()}
    assert max(means, key=lambda h: means[h]) in (11, 12)
    for i in got:
        peak = i.entity["nominalPeakPowerGeneration"]["value"]
        assert max(v for v in i.series[0].values if v is not None) <= peak


def _daily_yields(end: datetime) -> list[float]:
    """kWh per kWp of Khon Kaen's rooftops on each day of the 30 days up to ``end``
    (16:00 UTC: the window is 30 whole local days)."""
    got = of_type(items("khon-kaen", end, 30), "PhotovoltaicMeasurement")
    kwp = sum(i.entity["nominalPeakPowerGeneration"]["value"] for i in got)
    per_day: dict[object, float] = defaultdict(float)
    for i in got:
        for t, v in zip(i.series[0].times, i.series[0].values, strict=True):
            per_day[local_date(t)] += v or 0.0
    return [kwh / kwp for kwh in per_day.values()]


def test_rainy_season_clouds_cut_solar_and_the_hot_season_raises_meters() -> None:
    # March and September see the sun equally high: the difference is the monsoon
    march, september = (
        _daily_yields(datetime(2026, 3, 31, 16, tzinfo=UTC)),
        _daily_yields(datetime(2026, 9, 30, 16, tzinfo=UTC)),
    )
    assert 3.0 < fmean(september) < 0.85 * fmean(march) < 6.0, (fmean(march), fmean(september))
    assert pstdev(september) / fmean(september) > 1.5 * pstdev(march) / fmean(march)

    def office_kwh(end: datetime) -> float:
        """Mean kWh at 14:00 on office days (schools left out: April is their break)."""
        got = of_type(items("khon-kaen", end, 14), "SmartMeteringObservation")
        return fmean(
            v
            for i in got
            if i.entity["buildingType"]["value"] != "school"
            for t, v in zip(i.series[0].times, i.series[0].values, strict=True)
            if v is not None and local_hour(t) == 14 and energy.working_day(local_date(t))
        )

    assert office_kwh(datetime(2026, 4, 30, tzinfo=UTC)) > 1.1 * office_kwh(
        datetime(2026, 12, 20, tzinfo=UTC)
    )


def test_meters_are_higher_on_weekday_office_hours() -> None:
    weekday: list[float] = []
    weekend: list[float] = []
    night: list[float] = []
    for i in of_type(items("khon-kaen"), "SmartMeteringObservation"):
        for t, v in zip(i.series[0].times, i.series[0].values, strict=True):
            if v is None:
                continue
            hour, day = local_hour(t), local_date(t)
            if 10 <= hour <= 15:
                (weekday if energy.working_day(day) else weekend).append(v)
            elif hour <= 4:
                night.append(v)
    assert fmean(weekday) > 1.5 * fmean(weekend) and fmean(weekday) > 2 * fmean(night)


def test_sensor_series_miss_a_little_data() -> None:
    series = [s for i in items("khon-kaen", days=30) for s in i.series]
    values = [v for s in series for v in s.values]
    missing = sum(v is None for v in values) / len(values)
    assert 0.003 < missing < 0.03, missing


def _series_at(got: list[Item]) -> dict[tuple[str, str, int], Any]:
    return {
        (i.id, s.attr, t): v
        for i in got
        for s in i.series
        for t, v in zip(s.times, s.values, strict=True)
    }


def test_same_seed_same_values_whatever_the_window() -> None:
    first = items()
    assert [(i.entity, i.series) for i in first] == [(i.entity, i.series) for i in items()]
    assert _series_at(first) != _series_at(items(seed=8))
    later = items(end=END + timedelta(days=3, hours=5))
    a, b = _series_at(first), _series_at(later)
    shared = a.keys() & b.keys()
    assert len(shared) > 0.7 * len(a)
    assert all(a[k] == b[k] for k in shared)
    statics = ("nominalPeakPowerGeneration", "location", "powerRating", "name", "buildingType")
    for x, y in zip(first, later, strict=True):
        assert {k: x.entity.get(k) for k in statics} == {k: y.entity.get(k) for k in statics}


def test_items_load_into_a_store() -> None:
    got = items("phuket", days=3)
    expected = sum(v is not None for i in got for s in i.series for v in s.values)

    async def run() -> tuple[Any, dict[str, Any], dict[str, Any]]:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            stats = await load(store, "", got)
            solar = of_type(got, "PhotovoltaicMeasurement")[0].id
            lamp = of_type(got, "Streetlight")[1].id
            return stats, await store.get("", solar), await store.get("", lamp)
        finally:
            await store.close()

    stats, solar, lamp = asyncio.run(run())
    assert stats.errors == [] and stats.created == len(got) and stats.instances == expected
    assert solar["type"] == [VOCAB + "PhotovoltaicMeasurement"]
    power = solar["attrs"][VOCAB + "activePower"][0]
    assert power["unitCode"] == "KWT" and isinstance(power["value"], float)
    assert lamp["attrs"]["https://uri.etsi.org/ngsi-ld/status"][0]["value"] in {
        "ok",
        *energy.FAULTS,
    }
