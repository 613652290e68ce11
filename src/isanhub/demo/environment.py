"""Environment: air quality stations, waste containers and river gauges.

Per province, one air quality station and one waste container in every district; river
gauges on the rivers that flood (Khon Kaen 6, the other provinces 1 each).

Data models (the KPI engine reads the starred attributes):

- ``AirQualityObserved`` (SDM dataModel.Environment): hourly *``pm25`` and ``pm10``
  (µg/m³, "GQ"), *``airQualityIndex`` (Thai AQI, integer, no unit) from the 24-hour
  running mean of PM2.5; at the provincial seat's station (a reference station) also
  hourly ``o3``, ``no2``, ``so2`` (ppb, "61") and ``co`` (ppm, "59"); current
  ``airQualityLevel`` (with ``referenceSpecification``), ``dateObserved``,
  ``typeofLocation`` ("outdoor"), ``areaServed``.
- ``WasteContainer`` (SDM dataModel.WasteManagement): hourly *``fillingLevel`` (fraction
  0-1, no unit): a sawtooth that rises with the day's activity and drops at collection
  (05:00, daily in the provincial seat, every 2 or 3 days elsewhere, about 4 % of rounds
  missed); ``status``, ``storedWasteKind``, ``storedWasteOrigin``, ``category``,
  ``color``, ``binCapacity`` (litres, "LTR"), ``responsible``, ``dateLastEmptying``,
  ``nextActuationDeadline``.
- ``FloodMonitoring`` (SDM dataModel.Environment): hourly ``currentLevel`` (water depth
  above the gauge datum, m, "MTR"); ``referenceLevel``, ``alertLevel``, ``dangerLevel``
  and current ``measuredDistance`` (m, "MTR"), ``floodLevelStatus`` (normal | alert |
  danger), ``stationID``, ``observationDateTime``.

Project extension: ``riverName`` on FloodMonitoring (SDM has no attribute for the
water body). ``airQualityLevel`` takes the five Thai AQI categories (veryGood, good,
moderate, startingToAffectHealth, affectingHealth) rather than SDM's US EPA examples.

Facts the shapes rest on:
- Thai AQI for PM2.5: Pollution Control Department proclamation effective 1 June 2023
  (thailand.go.th, "Thailand adjusts Air Quality Index criteria", and Thai PBS World,
  6 June 2024): 24-hour PM2.5 0-15.0 → AQI 0-25, 15.1-25.0 → 26-50, 25.1-37.5 → 51-100,
  37.6-75.0 → 101-200, ≥ 75.1 → "over 200" (we continue the 101-200 slope above 75).
- PM2.5 seasons: the PCD's Air4Thai station records as summarised for the sandbox
  (brief of issue 5): Isan dry-season peaks December-April (monthly means ~40-60 µg/m³),
  rainy season June-September ~10-15; Chiang Mai's burning season peaking in March
  (~80-120); Bangkok and Chon Buri highest in January-February (~35-50); Phuket 10-20 all
  year. The monthly levels below are rounded to those ranges, not measurements. Daily
  cycle: highest at night and in the morning rush (shallow mixing layer, traffic), lowest
  mid-afternoon (deepest mixing).
- Rivers: the Phong runs from the Loei hills along the Chum Phae / Phu Wiang border,
  through Ubol Ratana dam, Nam Phong and Mueang Khon Kaen, into the Chi at the Kosum
  Phisai border (Thai Post, 7 Sep 2018, "แม่น้ำพอง"); the Chi floods Waeng Yai (Esan
  Daily Online, 30 Sep 2021) and has the Chonnabot weir. Rivers are highest in August-
  October (end of the south-west monsoon); the Ping at Chiang Mai's gauge P.1 (Nawarat
  Bridge) overflows at about 3.7 m; the Chao Phraya at Bangkok is tidal (M2 tide, 12.42 h,
  spring-neap cycle 14.77 days) and peaks in October-November.
- Assumptions (no public source; orders of magnitude only): the levels of each gauge,
  660-litre bins, waste rounds and their 4 % misses, the station-to-station spread.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

from isanhub.demo.item import Item, Series, base, entity_id, names, near, prop, when
from isanhub.demo.patterns import (
    DAY,
    HOUR,
    Noise,
    daily,
    day_of_year,
    hourly,
    local_date,
    local_hour,
    local_midnight,
    masked,
    seasonal,
)
from isanhub.demo.places import District
from isanhub.demo.sandbox import Context

GAP_RATE, GAP_LONGEST_H = 0.008, 5  # ~2 % of the hours missing


def site(ctx: Context, d: District, noise: Noise, km: float) -> tuple[float, float]:
    """Where a district's instrument stands: the provincial seat's in the city centre,
    the others within ``km`` of the district's centre."""
    if d is ctx.districts[0]:
        d = replace(d, lat=ctx.province.seat[0], lon=ctx.province.seat[1])
        km = min(km, 1.5)
    return near(noise.rng("place"), d, km)


# -- air quality ------------------------------------------------------------------------
#: monthly mean PM2.5 (µg/m³), January to December, by air-quality region
PM25_MONTHLY: dict[str, tuple[float, ...]] = {
    "isan": (50, 55, 55, 40, 22, 13, 11, 11, 13, 18, 30, 42),
    "north": (40, 65, 100, 75, 25, 12, 10, 10, 12, 15, 22, 32),
    "central": (45, 40, 30, 24, 18, 14, 13, 13, 14, 18, 28, 38),
    "andaman": (17, 18, 19, 16, 12, 11, 11, 11, 10, 11, 13, 15),
}
REGION = {"khon-kaen": "isan", "nakhon-ratchasima": "isan", "chiang-mai": "north",
          "bangkok": "central", "chon-buri": "central", "phuket": "andaman"}  # fmt: skip
#: assumption: Chon Buri's sea breeze keeps it a little cleaner than Bangkok
PROVINCE_SCALE = {"chon-buri": 0.85}

#: (PM2.5 low, high, AQI low, high): PCD, in force since 1 June 2023
AQI_BANDS = ((0.0, 15.0, 0, 25), (15.1, 25.0, 26, 50), (25.1, 37.5, 51, 100),
             (37.6, 75.0, 101, 200))  # fmt: skip
AQI_LEVELS = ((25, "veryGood"), (50, "good"), (100, "moderate"),
              (200, "startingToAffectHealth"))  # fmt: skip
AQI_SPEC = "Thai AQI, Pollution Control Department (PM2.5 breakpoints of 1 June 2023)"


def monthly(values: tuple[float, ...], doy: float) -> float:
    """A smooth yearly curve through ``values`` placed at mid-month."""
    x = (doy - 15.2) / 30.42
    i = math.floor(x)
    f = (1 - math.cos(math.pi * (x - i))) / 2
    a, b = values[i % 12], values[(i + 1) % 12]
    return a + (b - a) * f


def thai_aqi(pm25_24h: float) -> int:
    """The Thai AQI of a 24-hour mean PM2.5 concentration (µg/m³), taken to 0.1 µg/m³
    (half up; the tolerance keeps 128.95 from becoming 128.9 by binary rounding)."""
    c = math.floor(pm25_24h * 10 + 0.5 + 1e-6) / 10
    for lo, hi, i_lo, i_hi in AQI_BANDS:
        if c <= hi:
            return round(i_lo + (i_hi - i_lo) * (max(c, lo) - lo) / (hi - lo))
    lo, hi, i_lo, i_hi = AQI_BANDS[-1]
    return round(201 + (i_hi - i_lo) * (c - 75.1) / (hi - lo))


def aqi_level(aqi: int) -> str:
    for top, name in AQI_LEVELS:
        if aqi <= top:
            return name
    return "affectingHealth"


def _diurnal_raw(hour: float) -> float:
    return (1.0 - 0.4 * daily(hour, (15.0,), 2.8) + 0.25 * daily(hour, (8.0,), 1.5)
            + 0.15 * daily(hour, (21.0,), 2.5))  # fmt: skip


_DIURNAL_MEAN = sum(_diurnal_raw(h) for h in range(24)) / 24
#: the daily cycle of PM2.5 by local hour, mean 1
DIURNAL = tuple(_diurnal_raw(h) / _DIURNAL_MEAN for h in range(24))


def _air(ctx: Context, d: District) -> Item:
    key = ctx.province.key
    noise = ctx.noise("AirQualityObserved", d.code)
    r = noise.rng("static")
    urban = 1.15 if d is ctx.districts[0] else r.uniform(0.85, 1.05)
    curve = PM25_MONTHLY[REGION[key]]
    scale = PROVINCE_SCALE.get(key, 1.0) * urban
    jitter, dust = hourly(noise, "pm25"), hourly(noise, "pm10")
    # 23 hours before the window feed its first 24-hour means
    times = ctx.clock.hours
    ext = list(range(times[0] - 23 * HOUR, times[-1] + 1, HOUR))
    missing = ctx.noise("AirQualityObserved", d.code).gaps(ext, GAP_RATE, GAP_LONGEST_H)
    pm25: list[float | None] = []
    pm10: list[float | None] = []
    for n, t in enumerate(ext):
        if n in missing:
            pm25.append(None)
            pm10.append(None)
            continue
        doy = day_of_year(t)
        # haze episodes last days; Chiang Mai's burning season swings hardest
        swing = 0.35 + (0.25 * seasonal(doy, 75, 25) if key == "chiang-mai" else 0.0)
        level = monthly(curve, doy) * scale * math.exp(swing * noise.slow(t, 4))
        v = max(1.0, level * DIURNAL[local_hour(t)] * math.exp(0.12 * jitter(t)))
        pm25.append(round(v, 1))
        # coarse dust adds most in the dry season: PM2.5/PM10 about 0.55-0.65
        ratio = 1.55 + 0.25 * seasonal(doy, 60, 60) + 0.05 * dust(t)
        pm10.append(round(v * ratio, 1))
    # the running 24-hour sum in tenths of µg/m³: exact, whatever the window
    tenths = [None if v is None else round(v * 10) for v in pm25]
    aqi: list[int | None] = []
    total, count = 0, 0
    for n, now in enumerate(tenths):
        if now is not None:
            total, count = total + now, count + 1
        old = tenths[n - 24] if n >= 24 else None
        if old is not None:
            total, count = total - old, count - 1
        if n >= 23:
            aqi.append(None if now is None or not count else thai_aqi(total / count / 10))
    series = [
        Series("pm25", times, pm25[23:], "GQ"),
        Series("pm10", times, pm10[23:], "GQ"),
        Series("airQualityIndex", times, aqi),
    ]
    if d is ctx.districts[0]:
        series += _gases(ctx, noise, times, pm25[23:])
    at = site(ctx, d, noise, 3.0)
    e = base("AirQualityObserved", entity_id("AirQualityObserved", d, 1), d,
             f"สถานีตรวจวัดคุณภาพอากาศ {d.name_th}", f"Air quality station {d.name_en}",
             at)  # fmt: skip
    e["typeofLocation"] = prop("outdoor")
    e["areaServed"] = prop(d.name_en)
    item = Item(e, series).finish()
    last = item.series[2].last()
    if last is not None:
        quality = prop(aqi_level(last[1]), observed_at=last[0])
        quality["referenceSpecification"] = prop(AQI_SPEC)
        e["airQualityLevel"] = quality
        e["dateObserved"] = when(last[0])
    return item


#: where the gases stay low or run high: industry and ports (Chon Buri), traffic (Bangkok)
GAS_SCALE = {"bangkok": 1.4, "chon-buri": 1.3, "phuket": 0.7}


def _gases(ctx: Context, noise: Noise, times: list[int], pm25: list[float | None]) -> list[Series]:
    """The gases a reference station of the Pollution Control Department measures too
    (the provincial seat's station): O3 (ppb, "61"), photochemical, peaking mid-afternoon
    and in the hot dry months; NO2 (ppb) from traffic, peaking at the rush hours; CO
    (ppm, "59") from traffic and burning, following PM2.5; SO2 (ppb), low but for industry.
    Levels are orders of magnitude of Thai urban stations (PCD annual reports), not
    measurements; an hour missing for PM2.5 is missing for all."""
    scale = GAS_SCALE.get(ctx.province.key, 1.0)
    jitter = hourly(noise, "gases")
    o3: list[float | None] = []
    no2: list[float | None] = []
    co: list[float | None] = []
    so2: list[float | None] = []
    for t, pm in zip(times, pm25, strict=True):
        if pm is None:
            for out in (o3, no2, co, so2):
                out.append(None)
            continue
        hour, doy, wobble = local_hour(t), day_of_year(t), math.exp(0.1 * jitter(t))
        sun = daily(hour, (14.5,), 2.5)
        o3.append(round((8 + 38 * sun * (0.7 + 0.5 * seasonal(doy, 80, 45))) * wobble, 1))
        rush = daily(hour, (8.0, 18.5), 1.6)
        no2.append(round((6 + 22 * rush) * scale * wobble, 1))
        co.append(round((0.2 + 0.012 * pm + 0.25 * rush * scale) * wobble, 2))
        so2.append(round((1.2 + 1.5 * rush) * scale * scale * wobble, 1))
    return [Series("o3", times, o3, "61"), Series("no2", times, no2, "61"),
            Series("co", times, co, "59"), Series("so2", times, so2, "61")]  # fmt: skip


# -- waste ------------------------------------------------------------------------------
COLLECTION_HOUR = 5  # local time, before the morning traffic
MISSED_ROUND = 0.04


def _fill_weight_raw(hour: int) -> float:
    return 0.15 + daily(hour, (7.5, 12.0, 19.0), 2.0)


_FILL_TOTAL = sum(_fill_weight_raw(h) for h in range(24))
#: the share of a day's waste thrown away in each local hour
FILL_WEIGHT = tuple(_fill_weight_raw(h) / _FILL_TOTAL for h in range(24))


class _Rounds:
    """A container's collection rounds: every ``interval`` days, some missed."""

    def __init__(self, noise: Noise, interval: int, phase: int) -> None:
        self.noise, self.interval, self.phase = noise, interval, phase

    def scheduled(self, day: date) -> bool:
        return day.toordinal() % self.interval == self.phase

    def done(self, day: date) -> bool:
        return self.scheduled(day) and self.noise.rng("round", day).random() >= MISSED_ROUND

    @staticmethod
    def time(day: date) -> int:
        return local_midnight(day) + COLLECTION_HOUR * HOUR

    def last_before(self, t: int) -> int:
        """The last round done at or before ``t``."""
        day = local_date(t)
        while not (self.done(day) and self.time(day) <= t):
            day -= timedelta(days=1)
        return self.time(day)

    def next_after(self, t: int) -> int:
        day = local_date(t)
        while not (self.scheduled(day) and self.time(day) > t):
            day += timedelta(days=1)
        return self.time(day)


def _waste(ctx: Context, d: District) -> Item:
    noise = ctx.noise("WasteContainer", d.code)
    r = noise.rng("static")
    seat = d is ctx.districts[0]
    interval = 1 if seat else r.choice((2, 3))
    rounds = _Rounds(noise, interval, r.randrange(interval))
    # what a day fills: most bins are near full by their round, a few overflow
    per_day = r.uniform(0.5, 0.8) if seat else r.uniform(0.6, 0.9) / interval
    tourist = ctx.province.key == "phuket"
    jitter = hourly(noise, "fill")
    times = ctx.clock.hours
    # start from the last round before the window, so any window sees the same levels
    t = rounds.last_before(times[0])
    level, values = 0.0, []
    while t <= times[-1]:
        day = local_date(t)
        if local_hour(t) == COLLECTION_HOUR and rounds.done(day):
            level = 0.02 + 0.04 * (jitter(t) + 3) / 6
        else:
            amount = per_day * FILL_WEIGHT[local_hour(t)] * math.exp(0.25 * jitter(t))
            if day.weekday() >= 5:
                amount *= 1.1  # households at home
            if tourist:  # high season November-April (Tourism Authority of Thailand)
                amount *= 1 + 0.1 * seasonal(day_of_year(t), 15, 60)
            level = min(1.0, level + amount)
        if t >= times[0]:
            values.append(round(max(0.0, level), 3))
        t += HOUR
    missing = ctx.noise("WasteContainer", d.code).gaps(times, GAP_RATE, GAP_LONGEST_H)
    e = base("WasteContainer", entity_id("WasteContainer", d, 1), d,
             f"ถังขยะทั่วไป {d.name_th}", f"General waste container {d.name_en}",
             site(ctx, d, noise, 2.0))  # fmt: skip
    office = "สำนักงานเขต" if ctx.province.key == "bangkok" else "เทศบาล/อบต."
    end = times[-1]
    e.update(
        status=prop("ok"),
        storedWasteKind=prop(["organic", "inorganic"]),
        storedWasteOrigin=prop("household" if not seat else "municipal"),
        category=prop(["fixed"]),
        color=prop("blue"),  # PCD's four-colour bins: blue for general waste
        binCapacity=prop(660, "LTR"),
        responsible=prop(f"{office}{d.name_th} / {d.name_en} local administration"),
        dateLastEmptying=when(rounds.last_before(end)),
        nextActuationDeadline=when(rounds.next_after(end)),
    )
    return Item(e, [Series("fillingLevel", times, masked(values, missing))]).finish()


# -- rivers -----------------------------------------------------------------------------
# (district, river th, river en, station, low, high, peak day of year, peak width (days),
#  alert, danger, flash-flood amplitude, tide amplitude), levels in m above the datum
Gauge = tuple[str, str, str, str, float, float, int, int, float, float, float, float]
GAUGES: dict[str, tuple[Gauge, ...]] = {
    "khon-kaen": (
        ("4005", "ลำน้ำพอง", "Phong River", "PH-CHUMPHAE", 1.0, 4.5, 255, 30, 4.0, 5.0, 0.8, 0),
        ("4008", "ลำน้ำพอง", "Phong River", "PH-UBOLRATANA", 2.0, 3.5, 290, 40, 4.5, 5.5, 0.2, 0),
        ("4007", "ลำน้ำพอง", "Phong River", "PH-NAMPHONG", 2.0, 5.0, 285, 35, 5.0, 6.5, 0.5, 0),
        ("4013", "แม่น้ำชี", "Chi River", "CHI-WAENGYAI", 1.5, 7.5, 274, 30, 7.0, 8.5, 0.6, 0),
        ("4018", "แม่น้ำชี", "Chi River", "CHI-CHONNABOT", 2.0, 7.0, 276, 30, 6.5, 8.0, 0.5, 0),
        ("4001", "แม่น้ำชี", "Chi River", "CHI-MUEANG", 2.5, 8.0, 280, 30, 7.5, 9.0, 0.5, 0),
    ),
    "nakhon-ratchasima": (
        ("3001", "ลำตะคอง", "Lam Takhong", "LTK-MUEANG", 0.8, 3.0, 270, 30, 3.0, 3.8, 0.6, 0),
    ),
    "chiang-mai": (("5001", "แม่น้ำปิง", "Ping River", "P.1", 0.8, 3.2, 245, 30, 3.2, 3.7, 0.7, 0),),
    "phuket": (
        ("8301", "คลองบางใหญ่", "Khlong Bang Yai", "BY-MUEANG", 0.5, 1.4, 270, 45, 1.8, 2.3, 0.6, 0),
    ),
    "chon-buri": (
        ("2005", "คลองหลวง", "Khlong Luang", "KL-PHANTHONG", 1.0, 2.6, 275, 35, 2.8, 3.3, 0.4, 0.2),
    ),
    "bangkok": (
        (
            "1001",
            "แม่น้ำเจ้าพระยา",
            "Chao Phraya River",
            "CPY-PAKKHLONG",
            1.0,
            2.0,
            295,
            25,
            2.3,
            2.8,
            0.2,
            0.5,
        ),
    ),
}
M2_TIDE_S = 12.42 * HOUR
SPRING_NEAP_S = 14.77 * DAY


def _gauge(ctx: Context, n: int, g: Gauge) -> Item:
    code, river_th, river_en, station, low, high, peak, width, alert, danger, flash, tide = g
    d = next(x for x in ctx.districts if x.code == code)
    noise = ctx.noise("FloodMonitoring", station)
    jitter = hourly(noise, "level")
    times = ctx.clock.hours
    values: list[float | None] = []
    for t in times:
        doy = day_of_year(t)
        wet = seasonal(doy, peak, width)
        # wetter and drier years, then storms that pass in a few days
        v = low + (high - low) * wet * (1 + 0.25 * noise.slow(t, 10))
        v += flash * max(0.0, noise.slow(t, 2.5)) * seasonal(doy, peak - 20, 60)
        if tide:
            v += (
                tide
                * math.sin(2 * math.pi * t / M2_TIDE_S)
                * (0.7 + 0.3 * math.cos(2 * math.pi * t / SPRING_NEAP_S))
            )
        values.append(round(max(0.05, v + 0.01 * jitter(t)), 2))
    missing = ctx.noise("FloodMonitoring", station).gaps(times, GAP_RATE, GAP_LONGEST_H)
    reference = danger + 2.0  # the sensor hangs 2 m above the danger level
    e = base("FloodMonitoring", entity_id("FloodMonitoring", d, n), d,
             f"สถานีวัดระดับน้ำ{river_th} {d.name_th}", f"{river_en} gauge, {d.name_en}",
             near(noise.rng("place"), d, 3.0))  # fmt: skip
    e.update(
        stationID=prop(station),
        riverName=names(river_th, river_en),
        referenceLevel=prop(reference, "MTR"),
        alertLevel=prop(alert, "MTR"),
        dangerLevel=prop(danger, "MTR"),
    )
    item = Item(e, [Series("currentLevel", times, masked(values, missing), "MTR")]).finish()
    last = item.series[0].last()
    if last is not None:
        t, level = last
        status = "danger" if level >= danger else "alert" if level >= alert else "normal"
        e["measuredDistance"] = prop(round(reference - level, 2), "MTR", observed_at=t)
        e["floodLevelStatus"] = prop(status, observed_at=t)
        e["observationDateTime"] = when(t)
    return item


def generate(ctx: Context) -> Iterator[Item]:
    for d in ctx.districts:
        yield _air(ctx, d)
        yield _waste(ctx, d)
    for n, g in enumerate(GAUGES.get(ctx.province.key, ()), start=1):
        yield _gauge(ctx, n, g)
