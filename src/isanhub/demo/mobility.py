"""Mobility: traffic on the main roads, car parks, bus stops and road accidents.

Per province: traffic counters on named main roads (Khon Kaen 10, the other provinces
3), off-street car parks (Khon Kaen 8, others 3), public transport stops (Khon Kaen 30,
others 8) and the road accidents of the window.

Data models (the KPI engine reads the starred attributes):

- ``TrafficFlowObserved`` (SDM dataModel.Transportation): hourly ``intensity`` (vehicles
  counted in the hour, one direction; no unit code), *``averageVehicleSpeed`` (km/h,
  "KMH"), ``occupancy`` (fraction of the hour the detector is covered, 0-1); current
  ``congested`` (bool), ``dateObserved``, ``dateObservedFrom``/``dateObservedTo`` (the
  last hour), ``laneDirection`` ("forward"), ``laneId``, ``reversedLane``.
- ``OffStreetParking`` (SDM dataModel.Parking): *``totalSpotNumber``, hourly
  *``availableSpotNumber`` (integer, 0..total); current ``occupiedSpotNumber``,
  ``occupancy`` (0-1), ``status`` (spacesAvailable | almostFull | full); ``category``,
  ``specialLocation``, ``allowedVehicleType``, ``chargeType``, ``layout``.
- ``PublicTransportStop`` (SDM dataModel.UrbanMobility): ``stopCode``, ``shortStopCode``,
  ``transportationType`` (GTFS route types: 3 bus, 4 ferry), ``wheelChairAccessible``
  (GTFS wheelchair_boarding "0" | "1" | "2"); no history.
- ``RoadAccident`` (SDM dataModel.Transportation): *``accidentDate`` (DateTime),
  ``status`` (SDM enum: onGoing | solved | archived), *``totalDeadPeopleWithin30Days``
  (the deaths count), ``totalDeadPeopleWithin24Hours``, ``totalInjured``,
  ``vehiclesInvolved`` and ``weakestSubject`` (SDM vehicle codes as text: "0" pedestrian,
  "1" bicycle, "3" bus, "5" car, "11" lorry, "14" motorcycle), ``pedestriansInvolved``.

No project extensions: every attribute above is an SDM one.

Facts the shapes rest on:
- Road deaths: WHO Global status report on road safety (2018: 32.7 per 100,000 in
  2016; 2023: 25.4 in 2021) — we use 28 per 100,000 per year, counted within 30 days as
  WHO does, scaled by the province's population and the window; motorcycle riders are
  about three quarters of Thailand's road deaths (WHO 2018 country profile).
- Roads (real, coordinates approximate): Mittraphap Road is Route 2 (Saraburi-Nong
  Khai) through Khon Kaen, Ban Phai and Nam Phong; Maliwan Road is Route 12 west of
  Khon Kaen towards Chum Phae; Srichan, Na Mueang, Prachasamosorn and Klang Mueang are
  the city-centre streets. Car parks: real places, sizes assumed. The rows are in
  ``data/mobility-roads.csv`` and ``data/mobility-parking.csv`` (``province`` key, DOPA
  ``district`` code, names, the fields of ``Road``/``CarPark``; no ``lat``/``lon``: near
  the district).
- Daily rhythm: Thai offices 08:30-16:30 and schools 08:00-15:30 make the rush hours
  07-09 and 16-19; weekends are lighter and later. Phuket's high tourist season is
  November-April (Tourism Authority of Thailand); Chiang Mai's is November-February.
- Assumptions (no public source; orders of magnitude only): lane capacities (1,300-1,900
  vehicles/h), free-flow speeds, how close each road runs to capacity at peak (Bangkok
  above it), car park sizes, three injury-only accidents per fatal one, 1.18 deaths per
  fatal accident, 80 % of deaths within 24 hours.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import resources

from isanhub.demo.environment import GAP_LONGEST_H, GAP_RATE
from isanhub.demo.item import Item, Series, base, entity_id, near, prop, when
from isanhub.demo.patterns import (
    DAY,
    HOUR,
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


@dataclass(frozen=True)
class Road:
    district: str  #: DOPA district code
    name_th: str
    name_en: str
    at: tuple[float, float] | None  #: (lat, lon); None: near the district's centre
    lanes: int  #: per direction
    lane_capacity: int  #: vehicles per hour per lane
    free_speed: float  #: km/h
    peak_load: float  #: weekday peak demand / capacity (above 1: queues)


def _by_province(name: str) -> dict[str, list[dict[str, str]]]:
    """The rows of ``data/<name>`` grouped by their ``province`` column, in file order."""
    out: dict[str, list[dict[str, str]]] = {}
    with resources.files("isanhub.demo").joinpath(f"data/{name}").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["province"], []).append(row)
    return out


def _at(row: dict[str, str]) -> tuple[float, float] | None:
    return (float(row["lat"]), float(row["lon"])) if row["lat"] else None


ROADS: dict[str, tuple[Road, ...]] = {
    key: tuple(Road(r["district"], r["name_th"], r["name_en"], _at(r), int(r["lanes"]),
                    int(r["lane_capacity"]), float(r["free_speed"]), float(r["peak_load"]))
               for r in rows)
    for key, rows in _by_province("mobility-roads.csv").items()
}  # fmt: skip


def _weekday_shape(h: int) -> float:
    return min(1.0, 0.04 + 0.5 * daily(h, (12.5,), 3.8) + 0.65 * daily(h, (8.0,), 1.1)
               + 0.65 * daily(h, (17.5,), 1.5))  # fmt: skip


def _weekend_shape(h: int) -> float:
    return 0.04 + 0.6 * daily(h, (14.0,), 4.5) + 0.15 * daily(h, (18.0,), 2.0)


#: share of the weekday peak demand by local hour
WEEKDAY = tuple(_weekday_shape(h) for h in range(24))
WEEKEND = tuple(_weekend_shape(h) for h in range(24))
#: Monday..Sunday: Friday evenings fuller, weekends lighter
WEEK = (1.0, 1.0, 1.0, 1.0, 1.05, 0.85, 0.8)
#: the stretch of road one vehicle keeps the detector covered (its length plus the
#: detection zone), in km: occupancy = vehicles per km per lane × this
DETECTOR_KM = 0.0065


def tourism(province_key: str, doy: int) -> float:
    """Demand from visitors: Phuket's November-April season, Chiang Mai's cool season."""
    if province_key == "phuket":
        return 1 + 0.2 * seasonal(doy, 15, 60)
    if province_key == "chiang-mai":
        return 1 + 0.1 * seasonal(doy, 0, 50)
    return 1.0


def place(ctx: Context, d: District, at: tuple[float, float] | None, r: random.Random,
          km: float) -> tuple[float, float]:  # fmt: skip
    """A named place's coordinates, or a point near its district's (or the seat's) centre."""
    if at is not None:
        return at
    if d is ctx.districts[0]:
        d = replace(d, lat=ctx.province.seat[0], lon=ctx.province.seat[1])
    return near(r, d, km)


def _district(ctx: Context, code: str) -> District:
    return next(d for d in ctx.districts if d.code == code)


def road_point(ctx: Context, n: int, road: Road) -> tuple[float, float]:
    """Where the province's ``n``-th road is counted (its stops stand around it)."""
    noise = ctx.noise("TrafficFlowObserved", n)
    return place(ctx, _district(ctx, road.district), road.at, noise.rng("place"), 1.5)


# -- traffic ----------------------------------------------------------------------------
def _traffic(ctx: Context, n: int, road: Road) -> Item:
    d = _district(ctx, road.district)
    noise = ctx.noise("TrafficFlowObserved", n)
    demand_noise, speed_noise = hourly(noise, "demand"), hourly(noise, "speed")
    capacity = road.lanes * road.lane_capacity
    times = ctx.clock.hours
    flow: list[int | None] = []
    speed: list[float | None] = []
    occupancy: list[float | None] = []
    for t in times:
        day, h = local_date(t), local_hour(t)
        shape = (WEEKEND if day.weekday() >= 5 else WEEKDAY)[h] * WEEK[day.weekday()]
        demand = capacity * road.peak_load * shape * tourism(ctx.province.key, day_of_year(t))
        demand *= (1 + 0.06 * noise.slow(t, 7)) * math.exp(0.07 * demand_noise(t))
        load = demand / capacity
        q = min(demand, 0.97 * capacity)  # above capacity the queue, not the flow, grows
        v = road.free_speed / (1 + 1.2 * load**4) * math.exp(0.04 * speed_noise(t))
        flow.append(round(q))
        speed.append(round(v, 1))
        occupancy.append(round(min(0.97, q / road.lanes / max(v, 3.0) * DETECTOR_KM), 3))
    missing = ctx.noise("TrafficFlowObserved", n).gaps(times, GAP_RATE, GAP_LONGEST_H)
    at = road_point(ctx, n, road)
    e = base("TrafficFlowObserved", entity_id("TrafficFlowObserved", d, n), d,
             f"จุดนับรถ {road.name_th}", f"Traffic counter, {road.name_en}", at)  # fmt: skip
    e.update(laneDirection=prop("forward"), laneId=prop(1), reversedLane=prop(False))
    item = Item(e, [
        Series("intensity", times, masked(flow, missing)),
        Series("averageVehicleSpeed", times, masked(speed, missing), "KMH"),
        Series("occupancy", times, masked(occupancy, missing)),
    ]).finish()  # fmt: skip
    last_speed, last_occ = item.series[1].last(), item.series[2].last()
    if last_speed is not None and last_occ is not None:
        t = last_speed[0]
        jammed = last_speed[1] < 0.5 * road.free_speed or last_occ[1] >= 0.3
        e["congested"] = prop(jammed, observed_at=t)
        e["dateObserved"] = when(t)
        e["dateObservedFrom"] = when(t)
        e["dateObservedTo"] = when(t + HOUR)
    return item


# -- parking ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CarPark:
    district: str
    name_th: str
    name_en: str
    kind: str  #: a key of USE
    spots: int
    at: tuple[float, float] | None = None


CAR_PARKS: dict[str, tuple[CarPark, ...]] = {
    key: tuple(CarPark(r["district"], r["name_th"], r["name_en"], r["kind"], int(r["spots"]),
                       _at(r)) for r in rows)
    for key, rows in _by_province("mobility-parking.csv").items()
}  # fmt: skip


def _use(weekday: tuple[tuple[float, float, float], ...], weekend_scale: float,
         weekend_shift: float = 0.0) -> tuple[tuple[float, ...], tuple[float, ...]]:  # fmt: skip
    """Occupancy by local hour on weekdays and weekends, from (peak hour, width, height)
    bumps over a small night-time base."""

    def shape(h: int, shift: float, scale: float) -> float:
        v = 0.05 + sum(height * daily(h, (peak + shift,), width)
                       for peak, width, height in weekday)  # fmt: skip
        return min(0.98, v * scale)

    return (tuple(shape(h, 0.0, 1.0) for h in range(24)),
            tuple(shape(h, weekend_shift, weekend_scale) for h in range(24)))  # fmt: skip


#: occupancy profiles: malls and markets busy evenings and weekends, hospitals and the
#: university weekday mornings, the airport steady with morning and evening flights
USE = {
    "mall": _use(((14.0, 3.0, 0.45), (19.0, 1.8, 0.35)), 1.35, -1.0),
    "hospital": _use(((10.5, 3.0, 0.65), (19.0, 2.5, 0.15), (12.0, 12.0, 0.15)), 0.45),
    "university": _use(((11.0, 3.5, 0.75),), 0.3),
    "airport": _use(((9.0, 3.0, 0.4), (18.0, 3.0, 0.4), (13.5, 4.0, 0.2)), 1.05),
    "market": _use(((19.5, 1.8, 0.85),), 1.15),
    "park": _use(((17.5, 2.0, 0.55), (6.0, 1.2, 0.3)), 1.5),
}
#: kind: (SDM category, specialLocation, layout, chargeType)
PARK_KIND = {
    "mall": (["public", "feeCharged", "parkingGarage"], "shoppingCentre", ["multiStorey"],
             ["temporaryPrice"]),
    "hospital": (["public", "feeCharged", "parkingLot"], "specificFacility", ["openSpace"],
                 ["flat"]),
    "university": (["forStudents", "forEmployees", "parkingGarage"], "other",
                   ["multiStorey"], ["free"]),
    "airport": (["public", "feeCharged", "parkingLot"], "airportTerminal", ["openSpace"],
                ["temporaryPrice"]),
    "market": (["public", "free", "parkingLot"], "market", ["openSpace"], ["free"]),
    "park": (["public", "free", "parkingLot"], "other", ["openSpace"], ["free"]),
}  # fmt: skip


def _parking(ctx: Context, n: int, cp: CarPark) -> Item:
    d = _district(ctx, cp.district)
    noise = ctx.noise("OffStreetParking", n)
    jitter = hourly(noise, "use")
    weekday, weekend = USE[cp.kind]
    visitors = cp.kind in ("mall", "airport", "market", "park")
    times = ctx.clock.hours
    free: list[int] = []
    for t in times:
        day, h = local_date(t), local_hour(t)
        share = (weekend if day.weekday() >= 5 else weekday)[h]
        if visitors:
            share *= tourism(ctx.province.key, day_of_year(t))
        share *= (1 + 0.1 * noise.slow(t, 10)) * (1 + 0.08 * jitter(t))
        taken = round(cp.spots * min(1.0, max(0.0, share)))
        free.append(cp.spots - taken)
    missing = ctx.noise("OffStreetParking", n).gaps(times, GAP_RATE, GAP_LONGEST_H)
    category, special, layout, charge = PARK_KIND[cp.kind]
    at = place(ctx, d, cp.at, noise.rng("place"), 2.0)
    e = base("OffStreetParking", entity_id("OffStreetParking", d, n), d, cp.name_th,
             cp.name_en, at)  # fmt: skip
    e.update(
        totalSpotNumber=prop(cp.spots),
        category=prop(category),
        specialLocation=prop(special),
        layout=prop(layout),
        chargeType=prop(charge),
        allowedVehicleType=prop(["car", "motorcycle"]),
    )
    item = Item(e, [Series("availableSpotNumber", times, masked(free, missing))]).finish()
    last = item.series[0].last()
    if last is not None:
        t, available = last
        taken = cp.spots - available
        status = ("full" if available == 0 else
                  "almostFull" if available < 0.05 * cp.spots else "spacesAvailable")  # fmt: skip
        e["occupiedSpotNumber"] = prop(taken, observed_at=t)
        e["occupancy"] = prop(round(taken / cp.spots, 3), observed_at=t)
        e["status"] = prop(status, observed_at=t)
    return item


# -- public transport stops -------------------------------------------------------------
STOPS_FULL, STOPS_LIGHT = 30, 8
#: terminals: the province's other districts with a bus station (Khon Kaen: 10)
TERMINALS_FULL, TERMINALS_LIGHT = 10, 2


def _stops(ctx: Context) -> Iterator[Item]:
    p = ctx.province
    count = STOPS_LIGHT if p.light else STOPS_FULL
    terminals = TERMINALS_LIGHT if p.light else TERMINALS_FULL
    # street stops along the roads of the seat district (all roads where it has none)
    seat = ctx.districts[0].code
    roads = [(n, r) for n, r in enumerate(ROADS[p.key], start=1) if r.district == seat]
    roads = roads or list(enumerate(ROADS[p.key], start=1))
    noise = ctx.noise("PublicTransportStop")
    for n in range(1, count + 1):
        r = noise.rng("stop", n)
        kind = 3
        if n > count - terminals:  # the last ones: district bus terminals
            d = ctx.districts[1 + (n - (count - terminals) - 1) % (len(ctx.districts) - 1)]
            th, en = f"สถานีขนส่งผู้โดยสาร{d.name_th}", f"{d.name_en} bus terminal"
            at = near(r, d, 1.0)
        elif p.key == "bangkok" and n == 1:  # a Chao Phraya Express Boat pier
            d = _district(ctx, "1001")
            th, en, at, kind = "ท่าเรือท่าช้าง", "Tha Chang pier", (13.7527, 100.4889), 4
        else:
            index, road = roads[(n - 1) % len(roads)]
            d = _district(ctx, road.district)
            k = 1 + (n - 1) // len(roads)
            th, en = f"ป้ายรถโดยสาร {road.name_th} {k}", f"{road.name_en} bus stop {k}"
            lat, lon = road_point(ctx, index, road)
            at = near(r, replace(d, lat=lat, lon=lon), 0.8)
        e = base("PublicTransportStop", entity_id("PublicTransportStop", d, n), d, th, en, at)
        e.update(
            stopCode=prop(f"{p.code}{n:03d}"),
            shortStopCode=prop(str(n)),
            transportationType=prop([kind]),
            wheelChairAccessible=prop(r.choices(("0", "1", "2"), (0.3, 0.25, 0.45))[0]),
        )
        yield Item(e)


# -- road accidents ---------------------------------------------------------------------
DEATHS_PER_100K = 28.0  # per year, within the WHO estimates 25.4 (2021) to 32.7 (2016)
DEATHS_PER_FATAL = 1.18  # 85 % one death, 12 % two, 3 % three
INJURY_ONLY_PER_FATAL = 3.0
#: crashes by local hour: evening and night riding, the morning rush
CRASH_HOURS = tuple(0.5 + daily(h, (18.5,), 3.0) + 0.5 * daily(h, (7.5,), 1.5)
                    + 0.4 * daily(h, (1.0,), 2.5) for h in range(24))  # fmt: skip
_WEEKEND_RISK = 1.25
_WEEK_NORM = (5 + 2 * _WEEKEND_RISK) / 7
#: (weakest road user, share of deaths), after WHO's 2018 country profile
VICTIMS = (("14", 0.74), ("5", 0.13), ("0", 0.08), ("1", 0.03), ("11", 0.02))
#: the other party: None for a single-vehicle crash
OTHERS = ((None, 0.35), ("5", 0.35), ("11", 0.12), ("14", 0.15), ("3", 0.03))
#: road users from the most to the least vulnerable
VULNERABLE = ("0", "1", "14", "5", "3", "11")


def poisson(r: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth; the means here stay small)."""
    limit, k, p = math.exp(-mean), 0, r.random()
    while p > limit:
        k += 1
        p *= r.random()
    return k


def _pick(r: random.Random, table: tuple[tuple[str | None, float], ...]) -> str | None:
    return r.choices([v for v, _ in table], [w for _, w in table])[0]


def accidents(ctx: Context) -> Iterator[Item]:
    """The road accidents of the window, drawn day by day (a day's crashes are the same
    whichever window contains it) at the national death rate scaled by population."""
    p = ctx.province
    deaths_per_day = DEATHS_PER_100K * p.population / 100_000 / 365
    fatal_per_day = deaths_per_day / DEATHS_PER_FATAL
    # more crashes where people and roads are: the seat, then districts on main roads
    on_roads = {r.district for r in ROADS[p.key]}
    weights = [3.0 if n == 0 else 1.5 if d.code in on_roads else 1.0
               for n, d in enumerate(ctx.districts)]  # fmt: skip
    noise = ctx.noise("RoadAccident")
    start, after = ctx.clock.start, int(ctx.clock.after.timestamp())
    day, last_day = local_date(start), local_date(after - 1)
    while day <= last_day:
        r = noise.on(day)
        risk = (_WEEKEND_RISK if day.weekday() >= 5 else 1.0) / _WEEK_NORM
        fatal = poisson(r, fatal_per_day * risk)
        crashes = fatal + poisson(r, fatal_per_day * INJURY_ONLY_PER_FATAL * risk)
        for k in range(1, crashes + 1):
            hour = r.choices(range(24), CRASH_HOURS)[0]
            t = local_midnight(day) + hour * HOUR + r.randrange(60) * 60
            d = r.choices(ctx.districts, weights)[0]
            at = near(r, d, 6.0)
            if k <= fatal:
                u = r.random()
                deaths = 1 if u < 0.85 else 2 if u < 0.97 else 3
                injured = poisson(r, 0.8)
            else:
                deaths, injured = 0, 1 + poisson(r, 0.6)
            within_day = sum(r.random() < 0.8 for _ in range(deaths))
            victim, other = _pick(r, VICTIMS), _pick(r, OTHERS)
            if not start <= t < after:
                continue
            vehicles = [v for v in (victim, other) if v not in (None, "0")] or ["14"]
            weakest = min((v for v in (victim, other) if v), key=VULNERABLE.index)
            age = after - t
            status = "onGoing" if age < 12 * HOUR else "solved" if age < 30 * DAY else "archived"
            e = base("RoadAccident", entity_id("RoadAccident", d, f"{day:%Y%m%d}-{k}"), d,
                     f"อุบัติเหตุทางถนน {d.name_th}", f"Road accident, {d.name_en}", at)  # fmt: skip
            e.update(
                accidentDate=when(t),
                status=prop(status),
                totalDeadPeopleWithin24Hours=prop(within_day),
                totalDeadPeopleWithin30Days=prop(deaths),
                totalInjured=prop(injured),
                vehiclesInvolved=prop(vehicles),
                weakestSubject=prop(weakest),
                pedestriansInvolved=prop(victim == "0"),
            )
            yield Item(e)
        day += timedelta(days=1)


def generate(ctx: Context) -> Iterator[Item]:
    for n, road in enumerate(ROADS[ctx.province.key], start=1):
        yield _traffic(ctx, n, road)
    for n, cp in enumerate(CAR_PARKS[ctx.province.key], start=1):
        yield _parking(ctx, n, cp)
    yield from _stops(ctx)
    yield from accidents(ctx)
