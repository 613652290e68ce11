"""Climatological normals per province: the facts the farmer insight compares weather
with, and the sandbox draws its weather from (one table, so both agree).

``data/climate-normals.csv`` holds one row per province and month: ``temp_mean`` and
``temp_range`` (°C), ``rain_mm`` (monthly total), ``rain_days`` (days with rain),
``relative_humidity`` (0-1) and ``wind_speed`` (m/s). The figures approximate the Thai
Meteorological Department's 1991-2020 climatological normals, rounded; they are not the
official table. Provinces are keyed as in the sandbox ("khon-kaen"); the snapshot names
them in English ("Khon Kaen"), which ``key_of`` maps.

A window of days gets the sum of daily normals, each day's normal interpolated linearly
between the months' mid-points (monthly total / days in the month at mid-month), so a
window astride two months gets a share of each rather than a step at the 1st.
"""

from __future__ import annotations

import csv
import math
import re
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

FILE = "data/climate-normals.csv"
#: days per month for daily rates; February a quarter day long so leap years average out
MONTH_DAYS = (31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MID_MONTH = 15.5  #: day of year of mid-January (the demo interpolates the same way)
MEAN_MONTH = 30.44  #: mean month length in days


@cache
def _rows() -> dict[str, list[dict[str, float]]]:
    text = resources.files("isanhub.insight.agri").joinpath(FILE)
    out: dict[str, list[dict[str, float]]] = {}
    with text.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = row.pop("province")
            out.setdefault(key, []).append({k: float(v) for k, v in row.items()})
    for months in out.values():
        months.sort(key=lambda m: m["month"])
    return out


def provinces() -> list[str]:
    """The provinces that have normals."""
    return sorted(_rows())


def monthly(key: str) -> list[dict[str, float]]:
    """The twelve months of province ``key`` (January first), each {column: value} with
    the CSV's columns but ``province``; empty when the province has no normals."""
    return _rows().get(key, [])


def key_of(province: str | None) -> str | None:
    """The normals key of a province given by English name ("Khon Kaen", "Chon Buri")
    or by key; None when it has no normals."""
    if not province:
        return None
    key = re.sub(r"[^a-z0-9]+", "-", province.strip().lower()).strip("-")
    return key if key in _rows() else None


def daily(key: str, day: date, what: str = "rain_mm") -> float:
    """The normal of ``what`` per day on ``day`` (for monthly totals such as rain_mm or
    rain_days), interpolated between mid-months."""
    months = monthly(key)
    rates = [m[what] / MONTH_DAYS[i] for i, m in enumerate(months)]
    pos = (day.timetuple().tm_yday - MID_MONTH) / MEAN_MONTH
    i = math.floor(pos)
    f = pos - i
    return rates[i % 12] * (1 - f) + rates[(i + 1) % 12] * f


def window(
    province: str | None, start: datetime, end: datetime, what: str = "rain_mm"
) -> float | None:
    """The normal total of ``what`` (default rainfall, mm) over [start, end): each day's
    normal times the share of that day inside the window. None without normals."""
    key = key_of(province)
    if key is None or end <= start:
        return None if key is None else 0.0
    total, day = 0.0, start.date()
    while datetime.combine(day, datetime.min.time()) < end:
        lo = max(start, datetime.combine(day, datetime.min.time()))
        hi = min(end, datetime.combine(day + timedelta(days=1), datetime.min.time()))
        total += daily(key, day, what) * (hi - lo) / timedelta(days=1)
        day += timedelta(days=1)
    return total
