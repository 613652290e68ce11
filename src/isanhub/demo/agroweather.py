"""Agro-weather of the sandbox (synthetic): hourly observations at the agro-weather
stations and their 7-day forecasts (agriculture.py yields them with the farms).

Smart Data Models types (dataModel.Weather):
- ``WeatherObserved``: hourly ``temperature`` ("CEL"), ``relativeHumidity`` (0-1),
  ``precipitation`` (mm in the hour, "MMT"), ``windSpeed`` ("MTS"), ``dateObserved``.
- ``WeatherForecast``: see ``_forecasts``.

Facts: monthly normals per province (``isanhub.insight.agri.normals``) approximate the
Thai Meteorological Department's 1991-2020 climatological normals, rounded; rainy season
May-Oct with afternoon storms, dry Nov-Apr (Phuket wet until November).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta

from isanhub.demo.item import Item, Series, base, entity_id, prop, when
from isanhub.demo.patterns import HOUR, Noise, local_date, local_hour, local_midnight
from isanhub.demo.sandbox import Context
from isanhub.insight.agri import normals

WEATHER_ATTRS = (("temperature", "CEL"), ("relativeHumidity", None), ("precipitation", "MMT"),
                 ("windSpeed", "MTS"))  # fmt: skip
WEATHER_DISTRICTS = {"khon-kaen": ("4001", "4005", "4007", "4010", "4012", "4009")}


def climate(province: str) -> list[dict[str, float]]:
    """The province's monthly normals: the farmer insight's facts, so both agree."""
    return normals.monthly(province)


def _normal(province: str, day: date, what: str) -> float:
    """A monthly normal interpolated between mid-months."""
    months = climate(province)
    pos = (day.timetuple().tm_yday - 15.5) / 30.44
    i = math.floor(pos)
    f = pos - i
    return months[i % 12][what] * (1 - f) + months[(i + 1) % 12][what] * f


def weather_day(province: str, noise: Noise, day: date) -> list[tuple[float, float, float, float]]:
    """The 24 local hours of ``day``: (temperature, relativeHumidity, precipitation,
    windSpeed). Drawn from the day's own stream, so any window gets the same hours."""
    r = noise.on(day)
    month = climate(province)[day.month - 1]
    days_in_month = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(1)).day
    wet = r.random() < month["rain_days"] / days_in_month
    total = min(150.0, r.expovariate(month["rain_days"] / month["rain_mm"])) if wet else 0.0
    rainy_season = month["rain_days"] >= 8
    first = int(min(22, max(12, r.gauss(16.5, 2)))) if rainy_season else r.randrange(24)
    length = r.randint(1, 4)
    shares = [0.5, 0.3, 0.15, 0.05][:length]
    rain = [0.0] * 24
    for k, s in enumerate(shares):
        if first + k < 24:
            rain[first + k] = round(total * s / sum(shares), 1)
    mean, spread = _normal(province, day, "temp_mean"), _normal(province, day, "temp_range")
    humid, wind = _normal(province, day, "relative_humidity"), _normal(province, day, "wind_speed")
    out = []
    for h in range(24):
        t = local_midnight(day) + h * HOUR
        shape = (
            -math.cos(math.pi * (h - 6) / 8)
            if 6 <= h <= 14
            else math.cos(math.pi * ((h - 14) % 24) / 16)
        )
        since = min((h - x for x in range(24) if rain[x] > 0 and x <= h), default=99)
        cool = (3.0, 1.5, 0.7)[since] if since < 3 else 0.0
        temp = mean + spread / 2 * shape + 1.2 * noise.slow(t, 3) + r.gauss(0, 0.3) - cool
        rh = humid - 0.15 * shape + 0.05 * noise.slow(t, 3.5) + r.gauss(0, 0.02)
        if rain[h] > 0:
            rh = max(rh, r.uniform(0.9, 0.98))
        speed = wind * (1 + 0.4 * max(0.0, shape)) + 0.5 * noise.slow(t, 2) + r.gauss(0, 0.3)
        if h == first and total > 0:
            speed += r.uniform(2, 5)  # the gust front of a storm
        out.append((round(temp, 1), round(min(1.0, max(0.2, rh)), 2), rain[h],
                    round(max(0.0, speed), 1)))  # fmt: skip
    return out


def _weather(ctx: Context) -> Iterator[Item]:
    codes = WEATHER_DISTRICTS.get(ctx.province.key, (ctx.districts[0].code,))
    hours = ctx.clock.hours
    for d in (x for x in ctx.districts if x.code in codes):
        noise = ctx.noise("weather", d.code)
        days = {day: weather_day(ctx.province.key, noise, day)
                for day in sorted({local_date(t) for t in hours})}  # fmt: skip
        missing = ctx.noise("weather", d.code).gaps(hours, 0.01, 4)
        rows = [
            None if n in missing else days[local_date(t)][local_hour(t)]
            for n, t in enumerate(hours)
        ]
        e = base("WeatherObserved", entity_id("WeatherObserved", d, "agromet"), d,
                 f"สถานีอากาศเกษตร {d.name_th}", f"Agro-weather station, {d.name_en}")  # fmt: skip
        series = [
            Series(attr, hours, [None if row is None else row[k] for row in rows], unit)
            for k, (attr, unit) in enumerate(WEATHER_ATTRS)
        ]
        item = Item(e, series).finish()
        last = max((s.last() or (0, None))[0] for s in series)
        e["dateObserved"] = when(last)
        yield item


FORECAST_DAYS = 7


def _forecasts(ctx: Context) -> Iterator[Item]:
    """A 7-day forecast per agro-weather station, issued at the window's end: one
    ``WeatherForecast`` (SDM dataModel.Weather) per local day from tomorrow, id
    ``...:agromet-d<lead day>`` so a later run replaces it. Attributes: ``dateIssued``,
    ``validFrom`` and ``validTo`` (local midnights, DateTime), ``precipitation`` (mm in
    the day, "MMT"), ``precipitationProbability`` (0-1) and ``dayMaximum`` /
    ``dayMinimum`` as plain numbers in °C ("CEL"): SDM makes those two objects
    ({temperature, feelsLikeTemperature, relativeHumidity}); a number is what the
    farmer insight reads and what a forecast page shows.

    The sandbox's future is known (``weather_day`` draws any day from the normals), so a
    forecast is that day blurred by a skill that falls with the lead time, towards the
    climatological rain frequency and mean: it agrees with the normals and, days later,
    with what the stations observe."""
    codes = WEATHER_DISTRICTS.get(ctx.province.key, (ctx.districts[0].code,))
    issued = int(ctx.clock.after.timestamp())
    first = local_date(issued) + timedelta(days=1)
    for d in (x for x in ctx.districts if x.code in codes):
        noise = ctx.noise("weather", d.code)
        r = ctx.noise("forecast", d.code).rng("issue", local_date(issued))
        for n in range(FORECAST_DAYS):
            day = first + timedelta(days=n)
            hours = weather_day(ctx.province.key, noise, day)
            truth = sum(h[2] for h in hours)
            skill = 0.9 - 0.1 * n  # a day-7 forecast is little better than climate
            normal = climate(ctx.province.key)[day.month - 1]
            share = normal["rain_days"] / 30.44
            p = skill * (0.85 if truth > 0 else 0.05) + (1 - skill) * share
            p = min(0.98, max(0.02, p + r.uniform(-0.08, 0.08)))
            mm = skill * truth + (1 - skill) * normal["rain_mm"] / 30.44
            mm *= math.exp(r.gauss(0, 0.3 + 0.05 * n))
            temps = [h[0] for h in hours]
            e = base("WeatherForecast", entity_id("WeatherForecast", d, f"agromet-d{n + 1}"), d,
                     f"พยากรณ์อากาศเกษตร {d.name_th} {day:%d/%m}",
                     f"Agro-weather forecast, {d.name_en}, {day:%d %b}")  # fmt: skip
            e |= {
                "dateIssued": when(issued), "validFrom": when(local_midnight(day)),
                "validTo": when(local_midnight(day + timedelta(days=1))),
                "precipitation": prop(round(mm, 1), "MMT"),
                "precipitationProbability": prop(round(p, 2)),
                "dayMaximum": prop(round(max(temps) + r.gauss(0, 0.5 + 0.1 * n), 1), "CEL"),
                "dayMinimum": prop(round(min(temps) + r.gauss(0, 0.5 + 0.1 * n), 1), "CEL"),
            }  # fmt: skip
            yield Item(e)


#: days of prices, more than the sandbox's window: three years (one leap day), so that
#: price insights can compare with last year and backtest a seasonal model on two years


def generate(ctx: Context) -> Iterator[Item]:
    yield from _weather(ctx)
    yield from _forecasts(ctx)
