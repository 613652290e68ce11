"""The smart-city scorecard: three or more KPIs per dimension, each a documented
function of the stored data of one province.

Every KPI is computed "as of" an instant T, the end of day ``day`` of a ProvinceData
window (day ``d`` covers [T - 24 h, T)). KPIs over measured history use the daily
aggregates the database computes; KPIs over events (accidents, reports, courses,
sales) filter the events by their own times; KPIs over a current state (streetlight
status, device state, facility counts) exist only for the last day, and build their
history as they are recomputed day after day.

Targets: only where an official or programme target exists (its source in
``target_source``); otherwise None, and the scorecard shows the trend alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from statistics import fmean
from typing import Any

from isanhub.insight.citydata import DAY_US, ProvinceData
from isanhub.store.history import to_us

Compute = Callable[[ProvinceData, int], Awaitable[float | None]]


async def _crop_income(d: ProvinceData) -> float | None:
    # imported here: DuckDB and Arrow (about 50 MB) load with the first computation,
    # not in every process that imports the list of KPIs (the API server, the CLI)
    from isanhub.insight.agri.production import scorecard_income

    return await scorecard_income(d)


@dataclass(frozen=True)
class Kpi:
    key: str
    dimension: str
    name_en: str
    name_th: str
    unit: str  #: as shown to people
    unit_code: str | None  #: UN/CEFACT code of kpiValue, where one exists
    better: str  #: "lower" or "higher"
    formula: str  #: calculationFormula, in words
    compute: Compute
    target: float | None = None
    target_source: str | None = None
    #: days of data before T the KPI reads (0: the current state only); a backfilled day
    #: whose window reaches before the data starts is not computed
    window: int = 1


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _t(d: ProvinceData, day: int) -> int:
    """The end of day ``day`` of the window, in µs."""
    return d.end_us - (d.days - 1 - day) * DAY_US


def _us(iso: Any) -> int | None:
    """µs since 1970 of a DateTime value, None when the attribute is absent."""
    return to_us(iso) if isinstance(iso, str) else None


async def _in_window(d: ProvinceData, kind: str, time_attr: str, day: int, days: int) -> list[dict]:  # type: ignore[type-arg]
    """The events of ``kind`` whose ``time_attr`` falls in the ``days`` days before T."""
    end = _t(d, day)
    out = []
    for e in await d.entities(kind):
        t = _us(d.attr(e, time_attr))
        if t is not None and end - days * DAY_US <= t < end:
            out.append(e)
    return out


def _last_day_only(fn: Callable[[ProvinceData], Awaitable[float | None]]) -> Compute:
    async def compute(d: ProvinceData, day: int) -> float | None:
        return await fn(d) if day == d.days - 1 else None

    return compute


def _daily_mean(kind: str, attr: str, method: str = "avg") -> Compute:
    """Mean over the entities of each one's daily ``method`` of ``attr``."""

    async def compute(d: ProvinceData, day: int) -> float | None:
        return _mean((await d.daily(kind, attr)).on(day, method))

    return compute


def _daily_total(kind: str, attr: str) -> Compute:
    async def compute(d: ProvinceData, day: int) -> float | None:
        values = (await d.daily(kind, attr)).on(day, "sum")
        return sum(values) if values else None

    return compute


# -- names of the sandbox's data models the KPIs read ----------------------------------
AIR, PARKING, TRAFFIC, ACCIDENT = (
    "AirQualityObserved", "OffStreetParking", "TrafficFlowObserved", "RoadAccident"
)  # fmt: skip
WASTE, SOLAR, LAMP = "WasteContainer", "PhotovoltaicMeasurement", "Streetlight"
METER = "SmartMeteringObservation"
METER_KWH = "energyConsumed"
DEATHS = "totalDeadPeopleWithin30Days"
POI, DEVICE, COURSE = "PointOfInterest", "Device", "TrainingProgram"
ISSUE, ISSUE_CREATED, ISSUE_RESOLVED = "IssueReporting", "dateCreated", "dateResolved"
SALES, SHOP, SALES_SHOP = "SalesRecord", "Shop", "refShop"
HEALTH_CATEGORIES = {"hospital", "healthCentre"}


async def _waste_full(d: ProvinceData, day: int) -> float | None:
    peaks = (await d.daily(WASTE, "fillingLevel")).on(day, "max")
    return _share(sum(p >= 0.9 for p in peaks), len(peaks))


async def _parking(d: ProvinceData, day: int) -> float | None:
    free = await d.daily(PARKING, "availableSpotNumber")
    total = taken = 0.0
    for e in await d.entities(PARKING):
        per_day = free.values.get(e["id"])
        got = per_day[day] if per_day else None
        spots = d.attr(e, "totalSpotNumber")
        if got and "avg" in got and spots:
            total += spots
            taken += spots - got["avg"]
    return 100.0 * taken / total if total else None


async def _road_deaths(d: ProvinceData, day: int) -> float | None:
    """Deaths in the 30 days before T, per 100,000 people per year."""
    population = d.population
    if not population or not await d.entities(ACCIDENT):  # no accident data: unknown, not 0
        return None
    events = await _in_window(d, ACCIDENT, "accidentDate", day, 30)
    deaths = sum(d.attr(e, DEATHS) or 0 for e in events)
    return deaths * 365 / 30 / population * 100_000


async def _solar_share(d: ProvinceData, day: int) -> float | None:
    made = await _daily_total(SOLAR, "activePower")(d, day)
    used = await _daily_total(METER, METER_KWH)(d, day)
    return 100.0 * made / used if made is not None and used else None


async def _lamps_ok(d: ProvinceData) -> float | None:
    lamps = await d.entities(LAMP)
    return _share(sum(d.attr(e, "status") == "ok" for e in lamps), len(lamps))


async def _facilities(d: ProvinceData) -> float | None:
    found = [
        e for e in await d.entities(POI)
        if HEALTH_CATEGORIES & set(d.attr(e, "category") or ())
    ]  # fmt: skip
    return len(found) / d.population * 100_000 if found and d.population else None


async def _visits(d: ProvinceData, day: int) -> float | None:
    total = await _daily_total(POI, "outpatientVisits")(d, day)
    return total / d.population * 1000 if total is not None and d.population else None


async def _elderly_ok(d: ProvinceData) -> float | None:
    care = [e for e in await d.entities(DEVICE) if d.attr(e, "serviceType") == "elderlyCare"]
    return _share(sum(d.attr(e, "deviceState") == "ok" for e in care), len(care))


async def _trained(d: ProvinceData, day: int) -> float | None:
    if not await d.entities(COURSE):
        return None
    courses = await _in_window(d, COURSE, "endDate", day, COURSE_DAYS)
    return float(sum(d.attr(e, "completed") or 0 for e in courses))


async def _trained_per_10k(d: ProvinceData, day: int) -> float | None:
    done = await _trained(d, day)
    return done / d.population * 10_000 if done is not None and d.population else None


async def _completion(d: ProvinceData, day: int) -> float | None:
    courses = await _in_window(d, COURSE, "endDate", day, COURSE_DAYS)
    enrolled = sum(d.attr(e, "participants") or 0 for e in courses)
    done = sum(d.attr(e, "completed") or 0 for e in courses)
    return _share(done, enrolled)


async def _resolution_days(d: ProvinceData, day: int) -> float | None:
    """Mean days from report to resolution, over reports resolved in the 30 days before T."""
    spans = []
    for e in await _in_window(d, ISSUE, ISSUE_RESOLVED, day, 30):
        start, end = _us(d.attr(e, ISSUE_CREATED)), _us(d.attr(e, ISSUE_RESOLVED))
        if start is not None and end is not None:
            spans.append((end - start) / DAY_US)
    return _mean(spans)


async def _resolved_in_week(d: ProvinceData, day: int) -> float | None:
    """Of the reports made 37 to 7 days before T, the share resolved within 7 days."""
    end = _t(d, day) - 7 * DAY_US
    reports = [
        e for e in await _in_window(d, ISSUE, ISSUE_CREATED, day, 37)
        if (_us(d.attr(e, ISSUE_CREATED)) or end) < end
    ]  # fmt: skip
    quick = 0
    for e in reports:
        start, done = _us(d.attr(e, ISSUE_CREATED)), _us(d.attr(e, ISSUE_RESOLVED))
        quick += start is not None and done is not None and done - start <= 7 * DAY_US
    return _share(quick, len(reports))


async def _open_reports(d: ProvinceData, day: int) -> float | None:
    """Reports made before T and not resolved by T."""
    end = _t(d, day)
    n = 0
    if not await d.entities(ISSUE):
        return None
    for e in await d.entities(ISSUE):
        start, done = _us(d.attr(e, ISSUE_CREATED)), _us(d.attr(e, ISSUE_RESOLVED))
        n += start is not None and start < end and (done is None or done >= end)
    return float(n)


async def _gmv(d: ProvinceData, day: int, days: int = 30, back: int = 0) -> float | None:
    daily = await d.daily(SALES, "gmv")
    first = day - back - days + 1
    if first < 0 or not daily.values:
        return None
    return sum(sum(daily.on(n, "sum")) for n in range(first, day - back + 1))


async def _gmv_growth(d: ProvinceData, day: int) -> float | None:
    now, before = await _gmv(d, day), await _gmv(d, day, back=30)
    return 100.0 * (now - before) / before if now is not None and before else None


async def _active_shops(d: ProvinceData, day: int) -> float | None:
    """Shops with at least one order on any channel in the 30 days before T."""
    if day < 29:
        return None
    orders = await d.daily(SALES, "orders")
    active: set[str] = set()
    for rec in await d.entities(SALES):
        per_day = orders.values.get(rec["id"]) or []
        if any(v and v.get("sum", 0) > 0 for v in per_day[day - 29 : day + 1]):
            active.add(d.object(rec, SALES_SHOP) or "")
    shops = await d.entities(SHOP)
    return _share(len(active & {s["id"] for s in shops}), len(shops))


#: the period over which courses are counted (a quarter would be more usual, but a 30-day
#: window gives a trend over most of a 90-day history)
COURSE_DAYS = 30

PCD = "Pollution Control Department, Thailand: 24-hour PM2.5 standard 37.5 µg/m³ (2023)"
RE = "Smart-city KPI list (depa, secondary transcription): renewable share ≥ 50 %"

KPIS: tuple[Kpi, ...] = (
    Kpi("pm25-24h", "environment", "PM2.5, 24-hour mean", "PM2.5 เฉลี่ย 24 ชั่วโมง", "µg/m³",
        "GQ", "lower", "mean over the province's stations of each station's mean PM2.5 in "
        "the 24 hours before T", _daily_mean(AIR, "pm25"), 37.5, PCD),
    Kpi("aqi", "environment", "Air quality index, 24-hour mean", "ดัชนีคุณภาพอากาศ เฉลี่ย 24 ชั่วโมง",
        "AQI", None, "lower", "mean over the stations of each one's mean airQualityIndex in the "
        "24 hours before T", _daily_mean(AIR, "airQualityIndex")),
    Kpi("waste-full", "environment", "Waste containers that filled up", "ถังขยะที่เต็ม", "%", "P1",
        "lower", "share of waste containers whose fillingLevel reached 0.9 in the 24 hours "
        "before T", _waste_full),
    Kpi("parking-occupancy", "mobility", "Off-street parking occupancy", "อัตราการใช้ที่จอดรถ", "%",
        "P1", "lower", "1 - sum of the car parks' mean availableSpotNumber over the 24 hours "
        "before T / sum of their totalSpotNumber", _parking),
    Kpi("traffic-speed", "mobility", "Mean traffic speed on main roads", "ความเร็วจราจรเฉลี่ยถนนสายหลัก",
        "km/h", "KMH", "higher", "mean over the road segments of each one's mean "
        "averageVehicleSpeed in the 24 hours before T", _daily_mean(TRAFFIC, "averageVehicleSpeed")),
    Kpi("road-deaths", "mobility", "Road deaths (annualised)", "ผู้เสียชีวิตจากอุบัติเหตุทางถนน",
        "per 100,000 per year", None, "lower", f"sum of {DEATHS} of the road accidents of the 30 "
        "days before T × 365 / 30 / population × 100,000", _road_deaths),
    Kpi("solar-energy", "energy", "Rooftop solar energy", "พลังงานจากโซลาร์รูฟท็อป", "kWh/day", "KWH",
        "higher", "sum over the installations of hourly activePower (kW) in the 24 hours "
        "before T", _daily_total(SOLAR, "activePower")),
    Kpi("solar-share", "energy", "Solar share of metered consumption", "สัดส่วนพลังงานแสงอาทิตย์",
        "%", "P1", "higher", f"rooftop solar kWh / metered buildings' {METER_KWH} kWh, 24 hours "
        "before T", _solar_share, 50.0, RE),
    Kpi("streetlights-ok", "energy", "Streetlights working", "ไฟถนนที่ใช้งานได้", "%", "P1",
        "higher", "share of streetlights whose status is ok", _last_day_only(_lamps_ok)),
    Kpi("health-facilities", "living", "Health facilities", "สถานพยาบาล", "per 100,000 people",
        None, "higher", "hospitals and health centres (PointOfInterest) / population × 100,000",
        _last_day_only(_facilities)),
    Kpi("outpatient-visits", "living", "Outpatient visits", "ผู้ป่วยนอก", "per 1,000 people/day",
        None, "lower", "sum of the facilities' outpatientVisits on the day before T / population "
        "× 1,000", _visits),
    Kpi("elderly-care-ok", "living", "Elderly-care devices working", "อุปกรณ์ดูแลผู้สูงอายุที่ใช้งานได้",
        "%", "P1", "higher", "share of elderly-care devices whose deviceState is ok",
        _last_day_only(_elderly_ok)),
    Kpi("digital-trained", "people", "People trained in digital skills (30 days)",
        "ผู้ผ่านการอบรมทักษะดิจิทัล (30 วัน)", "people", None, "higher", "sum of completed over the "
        "courses that ended in the 30 days before T", _trained),
    Kpi("digital-trained-rate", "people", "Digital-skills graduates per 10,000 people",
        "ผู้ผ่านการอบรมต่อประชากร 10,000 คน", "per 10,000 people", None, "higher",
        "digital-trained / population × 10,000", _trained_per_10k),
    Kpi("training-completion", "people", "Course completion rate", "อัตราการจบหลักสูตร", "%", "P1",
        "higher", "sum of completed / sum of participants over the courses that ended in the 30 "
        "days before T", _completion),
    Kpi("resolution-days", "governance", "Days to resolve a citizen report",
        "จำนวนวันแก้ไขเรื่องร้องเรียน", "days", "DAY", "lower", "mean days from report to "
        "resolution over the reports resolved in the 30 days before T", _resolution_days),
    Kpi("resolved-in-week", "governance", "Reports resolved within 7 days",
        "เรื่องร้องเรียนที่แก้ไขภายใน 7 วัน", "%", "P1", "higher", "of the reports made 37 to 7 days "
        "before T, the share resolved within 7 days", _resolved_in_week),
    Kpi("open-reports", "governance", "Open citizen reports", "เรื่องร้องเรียนค้าง", "reports", None,
        "lower", "reports made before T and not resolved by T", _open_reports),
    Kpi("ecommerce-gmv", "economy", "Online sales of local shops (30 days)",
        "ยอดขายออนไลน์ร้านค้าท้องถิ่น (30 วัน)", "THB", None, "higher", "sum of the sales records' "
        "daily gmv over the 30 days before T", _gmv),
    Kpi("gmv-growth", "economy", "Online sales growth", "การเติบโตของยอดขายออนไลน์", "%", "P1",
        "higher", "ecommerce-gmv at T against ecommerce-gmv 30 days earlier", _gmv_growth),
    Kpi("active-shops", "economy", "Local shops selling", "ร้านค้าที่มียอดขาย", "%", "P1", "higher",
        "share of shops with at least one order in the 30 days before T", _active_shops),
    # farmland is a current state (parcels, their crops and stages): computed for the last
    # day only, its history builds as it is recomputed (agri/production.py)
    Kpi("crop-income", "economy", "Estimated crop income this season",
        "รายได้จากพืชผลโดยประมาณ ฤดูกาลนี้", "THB million", None, "higher", "sum over the "
        "season's parcels (a crop in the field, or planted in the 365 days before T) of rai × "
        "typical yield per rai of the crop family × the latest farm-gate price of the crop in "
        "the province (else of its family)", _last_day_only(_crop_income)),
)  # fmt: skip

#: the windows longer than a day (see Kpi.window)
WINDOWS = {
    "road-deaths": 30, "digital-trained": 30, "digital-trained-rate": 30,
    "training-completion": 30, "resolution-days": 30, "resolved-in-week": 37,
    "open-reports": 30, "ecommerce-gmv": 30, "gmv-growth": 60, "active-shops": 30,
    "streetlights-ok": 0, "health-facilities": 0, "elderly-care-ok": 0, "crop-income": 0,
}  # fmt: skip
KPIS = tuple(replace(k, window=WINDOWS.get(k.key, 1)) for k in KPIS)

DIMENSIONS = ("economy", "mobility", "energy", "living", "people", "governance", "environment")
BY_KEY = {k.key: k for k in KPIS}
