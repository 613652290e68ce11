"""Deterministic randomness and the shapes of city data over time.

Values are a function of (seed, key, timestamp): each entity draws from its own
``Noise``, whose random streams are keyed by absolute dates, so two runs with the same
seed agree on every value they both generate even when their windows differ.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

#: Thailand's time zone has no daylight saving: local time is UTC+7 all year
THAI_OFFSET = timedelta(hours=7)
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Clock:
    """The sandbox's time window: ``days`` days up to ``end`` (an exact UTC hour)."""

    end: datetime
    days: int = 90

    @staticmethod
    def ending(when: datetime | None = None, days: int = 90) -> Clock:
        """A window whose last hour is the last one complete at ``when`` (default: now):
        at 10:35 the last value is the one of 09:00 (covering 09:00-10:00)."""
        when = (when or datetime.now(UTC)).astimezone(UTC)
        return Clock(when.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1), days)

    @property
    def after(self) -> datetime:
        """The end of the window's last hour: "now" for whatever the window feeds."""
        return self.end + timedelta(hours=1)

    @cached_property
    def hours(self) -> list[int]:
        """Epoch seconds of every hour of the window, oldest first."""
        last = int(self.end.timestamp())
        return list(range(last - (self.days * 24 - 1) * HOUR, last + 1, HOUR))

    @cached_property
    def days_list(self) -> list[int]:
        """Epoch seconds of the local (Thai) midnights starting the window's ``days``
        complete local days, oldest first: a day's total (sales, visits, prices) exists
        once the day is over, so the day in progress has none yet."""
        last = (self.after + THAI_OFFSET).date() - timedelta(days=1)
        first = last - timedelta(days=self.days - 1)
        return [local_midnight(first + timedelta(days=n)) for n in range(self.days)]

    @property
    def start(self) -> int:
        return self.hours[0]


def local_midnight(day: date) -> int:
    """Epoch seconds of 00:00 Thai time on ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) - 7 * HOUR


def local(t: int) -> datetime:
    """The Thai local time of epoch seconds ``t`` (naive)."""
    return datetime(1970, 1, 1) + timedelta(seconds=t) + THAI_OFFSET


def local_hour(t: int) -> int:
    return (t // HOUR + 7) % 24


def local_date(t: int) -> date:
    return date(1970, 1, 1) + timedelta(days=(t + 7 * HOUR) // DAY)


def day_of_year(t: int) -> int:
    return local_date(t).timetuple().tm_yday


def seasonal(doy: float, peak_doy: float, width_days: float = 60.0) -> float:
    """A yearly bump in [0, 1] peaking on day of year ``peak_doy`` (wraps at new year)."""
    d = abs(doy - peak_doy) % 365.0
    d = min(d, 365.0 - d)
    return math.exp(-0.5 * (d / width_days) ** 2)


def daily(hour: float, peaks: tuple[float, ...], width: float = 1.5) -> float:
    """A daily profile in [0, 1]: bumps at the local ``peaks`` hours."""
    total = 0.0
    for p in peaks:
        d = abs(hour - p) % 24
        d = min(d, 24 - d)
        total = max(total, math.exp(-0.5 * (d / width) ** 2))
    return total


@dataclass
class Noise:
    """The random streams of one entity (or one series of it)."""

    seed: int
    key: str
    _lattice: dict[tuple[float, int], float] = field(default_factory=dict, repr=False)

    def rng(self, *parts: object) -> random.Random:
        """A random stream for this key and ``parts`` (e.g. a date): stable for a seed."""
        return random.Random(":".join([str(self.seed), self.key, *map(str, parts)]))

    def on(self, day: date) -> random.Random:
        return self.rng("day", day.isoformat())

    def slow(self, t: int, scale_days: float) -> float:
        """Smooth noise in [-1, 1] varying over about ``scale_days`` (anchored to the
        epoch, so any window sees the same curve)."""
        x = t / (scale_days * DAY)
        i = math.floor(x)
        f = x - i
        f = f * f * (3 - 2 * f)
        return self._at(scale_days, i) * (1 - f) + self._at(scale_days, i + 1) * f

    def _at(self, scale: float, i: int) -> float:
        v = self._lattice.get((scale, i))
        if v is None:
            v = self._lattice[(scale, i)] = self.rng("slow", scale, i).uniform(-1, 1)
        return v

    def gaps(self, times: list[int], rate: float = 0.02, longest_h: int = 6) -> set[int]:
        """Indexes of ``times`` that are missing: outages of 1..``longest_h`` hours that
        start on about ``rate`` of the hours. Outages are drawn for whole local days from
        their own stream, so the same hours are missing whichever window asks."""
        if not times:
            return set()
        down: set[int] = set()
        for day in {local_date(t) for t in times}:
            r = self.rng("gaps", day.isoformat())
            per_day = rate * 24
            midnight = local_midnight(day)
            for _ in range(int(per_day) + (r.random() < per_day - int(per_day))):
                start = midnight + r.randrange(24) * HOUR
                down.update(range(start, start + r.randint(1, longest_h) * HOUR, HOUR))
        return {n for n, t in enumerate(times) if t in down}


def hourly(noise: Noise, tag: str) -> Callable[[int], float]:
    """A standard normal draw for each hour, drawn 24 at a time from the local day's own
    stream: an hour's value is the same whatever window asks for it."""
    days: dict[date, list[float]] = {}

    def at(t: int) -> float:
        day = local_date(t)
        row = days.get(day)
        if row is None:
            r = noise.rng(tag, day.isoformat())
            row = days[day] = [r.gauss(0, 1) for _ in range(24)]
        return row[local_hour(t)]

    return at


def masked(values: list[Any], missing: set[int]) -> list[Any]:
    """``values`` with the ``missing`` indexes set to None."""
    return [None if n in missing else v for n, v in enumerate(values)]
