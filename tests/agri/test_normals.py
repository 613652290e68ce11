"""Climate normals: the table, the province names, and normals of windows of days."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from importlib import resources

import pytest

from isanhub.demo import agroweather
from isanhub.demo.places import PROVINCES
from isanhub.insight.agri import normals

ENGLISH = {"Khon Kaen": "khon-kaen", "Nakhon Ratchasima": "nakhon-ratchasima",
           "Chiang Mai": "chiang-mai", "Phuket": "phuket", "Chon Buri": "chon-buri",
           "Bangkok": "bangkok"}  # fmt: skip


def raw() -> list[dict[str, str]]:
    path = resources.files("isanhub.insight.agri").joinpath("data/climate-normals.csv")
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rate(key: str, day: date) -> float:
    """Independent: monthly total / days, linear between mid-months (day 15.5 + 30.44 n)."""
    rows = {int(r["month"]): float(r["rain_mm"]) for r in raw() if r["province"] == key}
    days = [31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    per_day = [rows[m + 1] / days[m] for m in range(12)]
    x = (day.timetuple().tm_yday - 15.5) / 30.44
    lo = int(x // 1)
    return per_day[lo % 12] + (per_day[(lo + 1) % 12] - per_day[lo % 12]) * (x - lo)


def test_table_has_twelve_months_per_province_and_the_demo_reads_it() -> None:
    rows = raw()
    assert sorted({r["province"] for r in rows}) == normals.provinces() == sorted(ENGLISH.values())
    for key in normals.provinces():
        months = normals.monthly(key)
        assert [m["month"] for m in months] == [float(m) for m in range(1, 13)]
        mine = [r for r in rows if r["province"] == key]
        assert [m["rain_mm"] for m in months] == [float(r["rain_mm"]) for r in mine]
        assert agroweather.climate(key) == months
    assert normals.monthly("nowhere") == []


def test_english_province_names_map_to_keys() -> None:
    for name, key in ENGLISH.items():
        assert normals.key_of(name) == key
        assert normals.key_of(key) == key
    for p in PROVINCES:  # the sandbox's provinces, by the names the snapshot carries
        assert normals.key_of(p.name_en) == p.key
    assert normals.key_of("Pathum Thani") is None
    assert normals.key_of(None) is None and normals.key_of("") is None


@pytest.mark.parametrize("key", ["khon-kaen", "phuket"])
def test_windows_sum_interpolated_daily_normals(key: str) -> None:
    name = next(n for n, k in ENGLISH.items() if k == key)
    day = date(2026, 7, 1)
    midnight = datetime(2026, 7, 1)
    assert normals.daily(key, day) == pytest.approx(rate(key, day))
    one = normals.window(name, midnight, midnight + timedelta(days=1))
    assert one == pytest.approx(rate(key, day))
    # 12 hours astride midnight: half of each day
    half = normals.window(name, midnight - timedelta(hours=6), midnight + timedelta(hours=6))
    assert half == pytest.approx(0.25 * rate(key, date(2026, 6, 30)) + 0.25 * rate(key, day))
    # 30 days ending at 14:00: 29 whole days and two parts
    end = datetime(2026, 8, 20, 14)
    start = end - timedelta(days=30)
    expect = sum(rate(key, (start + timedelta(days=n)).date()) for n in range(1, 30))
    expect += rate(key, start.date()) * 10 / 24 + rate(key, end.date()) * 14 / 24
    assert normals.window(name, start, end) == pytest.approx(expect)


def test_a_year_of_normals_is_about_the_annual_total_without_steps() -> None:
    for key in normals.provinces():
        annual = sum(m["rain_mm"] for m in normals.monthly(key))
        year = normals.window(key, datetime(2025, 1, 1), datetime(2026, 1, 1))
        assert year == pytest.approx(annual, rel=0.03)
        # no step at a month's first day: the change is a day's slope, not a jump
        for month in range(1, 13):
            first = date(2025, month, 1)
            jump = abs(normals.daily(key, first) - normals.daily(key, first - timedelta(1)))
            assert jump < 0.1 * max(normals.daily(key, first), 1.0) + 0.05
    assert normals.window("Nowhere", datetime(2025, 1, 1), datetime(2025, 2, 1)) is None
    assert normals.window("Phuket", datetime(2025, 1, 2), datetime(2025, 1, 1)) == 0.0
    rain_days = normals.window("Khon Kaen", datetime(2025, 8, 1), datetime(2025, 9, 1), "rain_days")
    assert rain_days == pytest.approx(19, abs=1.5)
