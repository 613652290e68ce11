"""Energy: streetlights, rooftop solar and the smart meters of public buildings.

Per district: streetlights (Khon Kaen 6, light provinces 3), one rooftop solar system
and one metered public building (the solar panels sit on that building's roof).

Data models (the KPI engine reads the starred attributes):

- ``Streetlight`` (SDM dataModel.Streetlighting): *``status`` (SDM enum: ok,
  defectiveLamp, columnIssue, brokenLantern), ``powerState`` (on | off at the clock's
  last hour), ``illuminanceLevel`` (0-1), ``powerRating`` (W, "WTT"), ``lanternHeight``
  (m, "MTR"), ``locationCategory``, ``controllingMethod``, ``circuit``,
  ``dateServiceStarted``, ``dateLastLampChange``, ``dateLastSwitchingOn/Off``. The
  district's metered sample (id suffix ``:1``) has an hourly ``powerConsumption`` series
  in W ("WTT"): the mean power over the hour starting at observedAt, so numerically the
  Wh used in that hour (SDM: "power consumed by the LED or the streetlight bulb").
- ``PhotovoltaicMeasurement`` (SDM dataModel.GreenEnergy): *``activePower`` hourly
  (kW, "KWT", mean over the hour: a day's 24 values sum to its kWh),
  ``nominalPeakPowerGeneration`` (kWp, "KWT"), ``dateEnergyMeteringStarted``.
- ``SmartMeteringObservation`` (SDM dataModel.Device): ``meterType`` "electricity";
  *``energyConsumed`` hourly (kWh, "KWH", used in the hour starting at observedAt).

Project extensions (SDM has no attribute for them): ``energyConsumed`` (SDM's meter
attributes are totals since installation, useless for a daily sum) and ``buildingType``
(provincialHall | districtOffice | school | hospital).

Facts the shapes rest on:
- Sun position: declination after Cooper (1969), equation of time after Spencer
  (1971, the NOAA approximation), clear-sky irradiance after Haurwitz (1945); photocells
  switch at about sunset/sunrise.
- Seasons (Thai Meteorological Department): hot season mid-February to mid-May, April
  hottest (air conditioning load); rainy season mid-May to mid-October in upper
  Thailand, May to November on the Andaman coast (Phuket), wettest in September.
- Thai civil-service office hours 08:30-16:30, Monday-Friday; fixed-date public
  holidays from the Cabinet's yearly list (the lunar ones, e.g. Makha Bucha, move every
  year and are left out); school terms of the Ministry of Education (mid-May to end of
  September, November to mid-March).
- Assumptions (no public source; orders of magnitude only): LED streetlights of
  60-150 W (some old 250 W sodium lamps), dimmed to 70 % from 22:00 to 04:00; rooftop
  systems of 10-150 kWp on public buildings; performance ratio 0.75; about 5 % of
  streetlights out at any time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from isanhub.demo.calendar import place_th, rainy, school_term, working_day
from isanhub.demo.item import Item, Series, base, entity_id, near, prop, when
from isanhub.demo.patterns import (
    DAY,
    HOUR,
    Clock,
    Noise,
    daily,
    day_of_year,
    local_date,
    local_hour,
    local_midnight,
    seasonal,
)
from isanhub.demo.places import District
from isanhub.demo.sandbox import Context

LAMPS_FULL, LAMPS_LIGHT = 6, 3
FAULTS = ("defectiveLamp", "columnIssue", "brokenLantern")
#: faults that put the lamp out (a column issue leaves it lit)
DARK_FAULTS = {"defectiveLamp", "brokenLantern"}
GAP_RATE, GAP_LONGEST_H = 0.005, 4  # outages: ~1.2 % of the hours missing
PERFORMANCE = 0.75  # performance ratio of a rooftop system in the tropics (heat, losses)


# -- the sun ----------------------------------------------------------------------------
def _declination_eot(doy: float) -> tuple[float, float]:
    """Solar declination (radians) and equation of time (minutes)."""
    decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    b = 2 * math.pi * (doy - 81) / 364
    eot = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)
    return decl, eot


def sun_height(t: int, lat: float, lon: float) -> float:
    """Sine of the sun's elevation at epoch seconds ``t`` (negative at night)."""
    decl, eot = _declination_eot(day_of_year(t))
    solar_h = (t % DAY) / HOUR + lon / 15 + eot / 60
    angle = math.radians(15 * (solar_h - 12))
    phi = math.radians(lat)
    return math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(angle)


def sun_times(day: date, lat: float, lon: float) -> tuple[int, int]:
    """Sunrise and sunset on local ``day`` (epoch seconds)."""
    decl, eot = _declination_eot(day.timetuple().tm_yday)
    phi = math.radians(lat)
    cos_w = (math.sin(math.radians(-0.833)) - math.sin(phi) * math.sin(decl)) / (
        math.cos(phi) * math.cos(decl)
    )
    half = math.degrees(math.acos(max(-1.0, min(1.0, cos_w)))) / 15
    noon_utc = 12 - lon / 15 - eot / 60
    midnight_utc = local_midnight(day) + 7 * HOUR
    return (
        int(midnight_utc + (noon_utc - half) * HOUR),
        int(midnight_utc + (noon_utc + half) * HOUR),
    )


def dark_fraction(t: int, rise: int, sets: int) -> float:
    """The share of the hour starting at ``t`` that a photocell keeps the lamp on, on a
    day with sunrise ``rise`` and sunset ``sets``."""
    on_until, on_from = rise - 600, sets + 600
    dark = max(0, min(t + HOUR, on_until) - t) + max(0, t + HOUR - max(t, on_from))
    return min(1.0, dark / HOUR)


# -- randomness shared by the series ----------------------------------------------------
@lru_cache(maxsize=4)
def calendar(clock: Clock) -> list[tuple[date, int, int]]:
    """(local date, local hour, day of year) of every hour of the window."""
    out = []
    for t in clock.hours:
        day = local_date(t)
        out.append((day, local_hour(t), day.timetuple().tm_yday))
    return out


def hourly_draws(
    noise: Noise, clock: Clock, draw: Callable[[Any], float]
) -> list[tuple[float, float]]:
    """Per hour of the window: (a draw for its day, a draw for its local hour), both from
    the day's own stream, so a value never depends on where the window starts."""
    days: dict[date, list[float]] = {}
    out = []
    for day, hour, _ in calendar(clock):
        row = days.get(day)
        if row is None:
            r = noise.on(day)
            row = days[day] = [draw(r) for _ in range(25)]
        out.append((row[0], row[1 + hour]))
    return out


# -- streetlights -----------------------------------------------------------------------
def _episodes(noise: Noise, block: int) -> list[tuple[int, int, str]]:
    """Fault episodes starting in 30-day ``block``: (start, end, status)."""
    r = noise.rng("fault", block)
    if r.random() >= 0.2:
        return []
    start = int(block * 30 * DAY + r.uniform(0, 30 * DAY))
    return [(start, start + int(r.uniform(2, 14) * DAY), r.choice(FAULTS))]


def lamp_status(noise: Noise, t: int, cache: dict[int, list[tuple[int, int, str]]]) -> str:
    """The streetlight's status at ``t``: "ok" or the fault under way."""
    block = t // (30 * DAY)
    for b in (block - 1, block):
        if b not in cache:
            cache[b] = _episodes(noise, b)
        for start, end, kind in cache[b]:
            if start <= t < end:
                return kind
    return "ok"


def _dimming(hour: int) -> float:
    return 0.7 if hour >= 22 or hour < 4 else 1.0


def _switched(end: int, at: tuple[float, float]) -> tuple[int, int]:
    """When the photocell last switched the lamp on and off, at or before ``end``."""
    today, yesterday = sun_times(local_date(end), *at), sun_times(local_date(end - DAY), *at)
    on = today[1] + 600 if today[1] + 600 <= end else yesterday[1] + 600
    off = today[0] - 600 if today[0] - 600 <= end else yesterday[0] - 600
    return on, off


def _streetlight(ctx: Context, d: District, k: int) -> Item:
    clock = ctx.clock
    end = int(clock.end.timestamp())
    noise = ctx.noise("streetlight", d.code, k)
    r = noise.rng("static")
    at = near(r, d, 4.0)
    rating = r.choice((60, 90, 90, 120, 120, 150, 250))
    cache: dict[int, list[tuple[int, int, str]]] = {}
    status = lamp_status(noise, end, cache)
    lit = dark_fraction(end, *sun_times(local_date(end), *at)) > 0.5
    lit = lit and status not in DARK_FAULTS
    started = datetime(2015, 1, 1, tzinfo=UTC) + timedelta(days=r.randrange(3000))
    metered = k == 1
    switched_on, switched_off = _switched(end, at)
    e = base("Streetlight", entity_id("Streetlight", d, k), d,
             f"ไฟถนน {d.name_th} หมายเลข {k}", f"Streetlight {d.name_en} no. {k}", at)  # fmt: skip
    e.update(
        status=prop(status),
        powerState=prop("on" if lit else "off"),
        illuminanceLevel=prop(_dimming(local_hour(end)) if lit else 0.0),
        powerRating=prop(rating, "WTT"),
        lanternHeight=prop(r.choice((6, 8, 9, 10, 12)), "MTR"),
        locationCategory=prop(r.choice(("road", "road", "road", "sidewalk", "park"))),
        controllingMethod=prop("individual" if metered else "group"),
        circuit=prop(f"{d.code}-C{1 + (k - 1) // 3}"),
        dateServiceStarted=when(int(started.timestamp())),
        dateLastLampChange=when(end - r.randrange(30, 900) * DAY),
        dateLastSwitchingOn=when(switched_on),
        dateLastSwitchingOff=when(switched_off),
    )
    if not metered:
        return Item(e)
    times = clock.hours
    draws = hourly_draws(noise, clock, lambda g: g.gauss(0, 1))
    missing = ctx.noise("streetlight", d.code, k).gaps(times, GAP_RATE, GAP_LONGEST_H)
    sun: dict[date, tuple[int, int]] = {}
    values: list[float | None] = []
    for n, (t, (day, hour, _)) in enumerate(zip(times, calendar(clock), strict=True)):
        if n in missing:
            values.append(None)
            continue
        if day not in sun:
            sun[day] = sun_times(day, *at)
        on = 0.0 if lamp_status(noise, t, cache) in DARK_FAULTS else dark_fraction(t, *sun[day])
        watts = on * rating * _dimming(hour) * (1 + 0.02 * draws[n][1]) + 1.5  # + controller
        values.append(round(watts, 1))
    return Item(e, [Series("powerConsumption", times, values, "WTT")]).finish()


# -- public buildings: meter and rooftop solar -----------------------------------------
#: kind: (base kWh/h, office-hours extra kWh/h, rooftop kWp range)
BUILDINGS: dict[str, tuple[float, float, tuple[int, int]]] = {
    "provincialHall": (30, 170, (80, 120)),
    "districtOffice": (3, 30, (10, 30)),
    "school": (2, 40, (10, 30)),
    "hospital": (70, 110, (50, 150)),
}
#: the office-hours load on per local hour (08:30-16:30, a lunch dip)
OFFICE_HOURS = {8: 0.55, 9: 1.0, 10: 1.0, 11: 1.0, 12: 0.85, 13: 1.0, 14: 1.0, 15: 1.0,
                16: 0.7, 17: 0.25, 18: 0.1}  # fmt: skip


def _building(d: District, n: int) -> tuple[str, str, str]:
    """The metered public building of the province's ``n``-th district: kind, th, en."""
    p = d.province
    if n == 0 and p.key == "bangkok":
        return "provincialHall", "ศาลาว่าการกรุงเทพมหานคร", "Bangkok City Hall"
    if n == 0:
        return "provincialHall", f"ศาลากลางจังหวัด{p.name_th}", f"{p.name_en} Provincial Hall"
    kind = ("districtOffice", "school", "hospital")[(n - 1) % 3]
    if kind == "districtOffice":
        office = "สำนักงานเขต" if p.key == "bangkok" else "ที่ว่าการอำเภอ"
        return kind, f"{office}{place_th(d)}", f"{d.name_en} District Office"
    if kind == "school":
        return kind, f"โรงเรียน{place_th(d)}วิทยา", f"{d.name_en} Wittaya School"
    return kind, f"โรงพยาบาล{place_th(d)}", f"{d.name_en} Hospital"


def _occupancy(day: date, hour: int, kind: str) -> float:
    """The share of the office-hours load that is on."""
    shape = OFFICE_HOURS.get(hour, 0.0)
    if kind == "hospital":  # wards run all day; outpatient clinics on office days
        return shape if working_day(day) else 0.35 * shape
    if not working_day(day) or (kind == "school" and not school_term(day)):
        return 0.08 * shape
    return shape


def _meter(ctx: Context, d: District, n: int, at: tuple[float, float]) -> Item:
    kind, th, en = _building(d, n)
    base_kwh, extra, _ = BUILDINGS[kind]
    noise = ctx.noise("meter", d.code)
    size = noise.rng("static").uniform(0.8, 1.25)
    times = ctx.clock.hours
    draws = hourly_draws(noise, ctx.clock, lambda g: g.gauss(0, 1))
    missing = ctx.noise("meter", d.code).gaps(times, GAP_RATE, GAP_LONGEST_H)
    values: list[float | None] = []
    for i, (t, (day, hour, doy)) in enumerate(zip(times, calendar(ctx.clock), strict=True)):
        if i in missing:
            values.append(None)
            continue
        # air conditioning: the hot season and the afternoon heat
        cooling = 1 + 0.3 * seasonal(doy, 110, 30) + 0.1 * daily(hour, (14.5,), 3)
        kwh = (base_kwh + extra * _occupancy(day, hour, kind) * cooling) * size
        kwh *= 1 + 0.05 * noise.slow(t, 7) + 0.04 * draws[i][1]
        values.append(round(max(0.0, kwh), 1))
    e = base("SmartMeteringObservation", entity_id("SmartMeteringObservation", d, 1), d,
             f"มิเตอร์ไฟฟ้า {th}", f"Electricity meter, {en}", at)  # fmt: skip
    e["meterType"] = prop("electricity")
    e["buildingType"] = prop(kind)
    e["description"] = prop(f"Smart meter of a public building: {en} / {th}")
    return Item(e, [Series("energyConsumed", times, values, "KWH")]).finish()


def _cloud(province_key: str, hour: int, doy: int, day_draw: float, hour_draw: float) -> float:
    """Cloud (and haze) cover 0-1: clear dry season, cloudy rainy season with afternoon
    storms; Chiang Mai's March burning-season haze, milder dry-season haze in Isan."""
    wet = rainy(province_key, doy)
    cover = (0.1 + 0.4 * wet) * (0.4 + 1.2 * day_draw)
    cover += wet * 0.35 * daily(hour, (15.0,), 2.5) * hour_draw
    cover += 0.08 * (hour_draw - 0.5)
    if province_key == "chiang-mai":
        cover += 0.2 * seasonal(doy, 75, 25)
    elif province_key in ("khon-kaen", "nakhon-ratchasima"):
        cover += 0.08 * seasonal(doy, 50, 40)
    return min(1.0, max(0.0, cover))


def _solar(ctx: Context, d: District, n: int, at: tuple[float, float]) -> Item:
    kind, th, en = _building(d, n)
    noise = ctx.noise("solar", d.code)
    r = noise.rng("static")
    peak = float(r.randint(*BUILDINGS[kind][2]))
    times = ctx.clock.hours
    draws = hourly_draws(noise, ctx.clock, lambda g: g.random())
    # a cloudy day is cloudy over the whole province; the hours differ from roof to roof
    weather = hourly_draws(ctx.noise("weather"), ctx.clock, lambda g: g.random())
    missing = ctx.noise("solar", d.code).gaps(times, GAP_RATE, GAP_LONGEST_H)
    values: list[float | None] = []
    for i, (t, (_, hour, doy)) in enumerate(zip(times, calendar(ctx.clock), strict=True)):
        if i in missing:
            values.append(None)
            continue
        s = sun_height(t + HOUR // 2, *at)
        if s <= 0.01:
            values.append(0.0)
            continue
        clear = 1.098 * s * math.exp(-0.057 / s)  # Haurwitz, as a share of 1 kW/m²
        cover = _cloud(
            ctx.province.key, hour, doy, 0.8 * weather[i][0] + 0.2 * draws[i][0], draws[i][1]
        )
        values.append(round(peak * PERFORMANCE * clear * (1 - 0.6 * cover), 2))
    e = base("PhotovoltaicMeasurement", entity_id("PhotovoltaicMeasurement", d, 1), d,
             f"โซลาร์รูฟท็อป {th}", f"Rooftop solar, {en}", at)  # fmt: skip
    e["nominalPeakPowerGeneration"] = prop(peak, "KWT")
    started = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(days=r.randrange(1500))
    e["dateEnergyMeteringStarted"] = when(int(started.timestamp()))
    e["description"] = prop(f"Rooftop solar on a public building: {en} / {th}")
    return Item(e, [Series("activePower", times, values, "KWT")]).finish()


def generate(ctx: Context) -> Iterator[Item]:
    lamps = LAMPS_LIGHT if ctx.province.light else LAMPS_FULL
    for n, d in enumerate(ctx.districts):
        for k in range(1, lamps + 1):
            yield _streetlight(ctx, d, k)
        if n == 0 and ctx.province.key == "khon-kaen":
            at = (16.443, 102.837)  # the provincial hall (city-facts.md)
        elif n == 0:
            at = ctx.province.seat
        else:
            at = near(ctx.noise("building", d.code).rng("place"), d, 2.0)
        yield _solar(ctx, d, n, at)
        yield _meter(ctx, d, n, at)
