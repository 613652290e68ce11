"""Agriculture: farms, parcels and their crop calendar, field work, the spray-drone
community, agro-weather and crop prices (synthetic). Khon Kaen is the focus; Nakhon
Ratchasima has as many farms per district; the other provinces have one per district.

Smart Data Models types (names checked against the dataModel.Agrifood, dataModel.Weather
and dataModel.UnmannedAerialVehicle schemas):
- ``AgriCrop``: name, ``alternateName`` (variety / species), ``plantingFrom`` and
  ``harvestingInterval`` (lists of {dateRange "-MM-DD/-MM-DD", description}),
  ``wateringFrequency``.
- ``AgriFarm``: name, ``hasAgriParcel`` (list of parcel ids).
- ``AgriParcel``: ``area`` (m², "MTK"), ``category`` (lowland paddy / upland field),
  ``soilTextureType``, ``belongsTo`` (farm), ``hasAgriCrop``, ``cropStatus`` (seeded,
  justBorn, growing, maturing, readyForHarvesting; absent while the parcel lies fallow
  after harvest), ``lastPlantedAt`` (DateTime).
- ``AgriParcelOperation``: ``hasAgriParcel``, ``operationType`` (fertiliser, inspection,
  pesticide, water, other = harvest), ``description``, ``plannedStartAt``,
  ``plannedEndAt``, ``startedAt``, ``endedAt``, ``status``, ``result``, ``quantity``
  ("KGM" or "LTR"), ``workRecord`` (the DroneSprayingJob that did it). Drone-able work
  of the ``BOOKED_DAYS`` after the sandbox's end is booked: status "planned", no start.
- ``UnmannedAerialVehicle``: ``operationMode`` (vlos, automated), ``flightStatus``
  (flight, stop), ``workStatus`` (work, finish, stop).
- ``WeatherObserved`` and ``WeatherForecast`` of the agro-weather stations: see
  agroweather.py.

Project extensions: on AgriParcel ``areaRai`` (1 rai = 1,600 m²), ``expectedHarvestAt``
or, once harvested, ``harvestedAt`` (DateTime); on UnmannedAerialVehicle
``tankCapacity`` ("LTR"), ``community`` and ``dailyCapacityRai`` (rai it can spray in a
working day: ``RAI_DAY_BASE`` + ``RAI_DAY_PER_LITRE`` per litre of tank, a sandbox
assumption: a bigger tank stops less often to refill); the types
- ``DroneSprayingJob``: ``hasAgriParcel``, ``refUnmannedAerialVehicle``,
  ``refAgriParcelOperation``, ``pilot`` (a pseudonymous code, never a person's name),
  ``areaRai``, ``product``, ``dose`` and ``doseUnit`` (per rai), ``feePerRai`` and
  ``fee`` (THB), ``currency``, ``durationMinutes`` ("MIN"), ``startedAt``, ``endedAt``,
  ``status``;
- ``CropPrice`` (no SDM model exists): ``commodity``, ``refAgriCrop``, ``priceType``
  (farmGate, wholesale), ``market``, ``grade``, ``unit`` ("THB/kg"), ``currency``,
  ``source`` (the office whose series it imitates) and the daily series ``price``.

Facts (``city-facts.md`` unless said otherwise):
- Calendars: main rice (KDML105, RD6) planted Jun-Aug, harvested Oct-Dec (both are
  photoperiod-sensitive, so the harvest date depends little on the planting date);
  cassava planted Mar-May, harvested 8-12 months later; sugarcane planted Apr-May,
  crushed Dec-Apr. Feed maize, not in city-facts: planted with the rains Apr-Jun and
  harvested 110-125 days later (Department of Agriculture field-crop recommendations).
  Ratoon cane and the central plain's second rice crop are left out (simplification).
- Prices: farm-gate levels from the Office of Agricultural Economics (OAE) weekly
  reports: Hom Mali paddy 15.75-16.05 THB/kg (2024) and 13.3-14.1 THB/kg at the 2023
  harvest, glutinous paddy 13.8-13.9 THB/kg, cassava root 2.95-3.03 THB/kg, maize
  (14.5 % moisture) 11.4-11.6 THB/kg. Prices dip at harvest. Wholesale (Talaad Thai,
  Department of Internal Trade daily prices) above farm-gate by a margin that is a
  sandbox assumption (8-15 %). Sugarcane is paid per tonne at 10 CCS, one price a
  crushing season (initial prices of the Office of the Cane and Sugar Board, roughly
  1,000-1,400 THB per tonne in 2022-2024): the sandbox uses 1.2 THB/kg, not traded
  wholesale.
- Drones: "1 Tambon 1 Digital" communities; spraying takes ~2 min per rai; fees of
  40-80 THB per rai are typical (brief of issue 5). Fertiliser and pesticide rates
  (``data/agri-operations.csv``) are approximate Rice Department and Department of
  Agriculture recommendations.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources

from isanhub.demo import agroweather
from isanhub.demo.item import Item, Series, base, entity_id, near, prop, rel, when
from isanhub.demo.patterns import DAY, HOUR, Clock, Noise, local_date, local_midnight
from isanhub.demo.patterns import seasonal as bump
from isanhub.demo.places import District, Province
from isanhub.demo.sandbox import Context

RAI_M2 = 1600


@dataclass(frozen=True)
class Crop:
    key: str
    family: str  #: rice, cassava, sugarcane, maize (rows of agri-operations.csv)
    name_th: str
    name_en: str
    alt: str
    plant: tuple[tuple[int, int], tuple[int, int]]  #: (month, day) window of planting
    harvest_from: tuple[int, int] | None  #: calendar harvest: from this date ...
    harvest_span: int  #: ... plus up to this many days (later planting, later harvest)
    grow_days: tuple[int, int]  #: otherwise: harvest this many days after planting
    stages: tuple[int, int, int, int]  #: days seeded, justBorn; days before harvest maturing, ready
    harvest_text: tuple[str, str]  #: harvestingInterval dateRanges
    rai: tuple[float, float]  #: parcel size range


CROPS = {c.key: c for c in (
    Crop("kdml105", "rice", "ข้าวหอมมะลิ 105", "Jasmine rice KDML105", "Oryza sativa 'KDML105'",
         ((6, 1), (8, 31)), (11, 5), 35, (0, 0), (10, 20, 30, 20),
         ("-11-01/-11-22", "-11-23/-12-10"), (3, 15)),
    Crop("rd6", "rice", "ข้าวเหนียว กข6", "Glutinous rice RD6", "Oryza sativa 'RD6'",
         ((6, 1), (8, 31)), (10, 20), 35, (0, 0), (10, 20, 30, 20),
         ("-10-15/-11-06", "-11-07/-11-28"), (3, 12)),
    Crop("cassava", "cassava", "มันสำปะหลัง", "Cassava", "Manihot esculenta",
         ((3, 1), (5, 31)), None, 0, (240, 330), (15, 30, 90, 60),
         ("-11-01/-01-31", "-02-01/-04-30"), (5, 25)),
    Crop("sugarcane", "sugarcane", "อ้อย", "Sugarcane", "Saccharum officinarum",
         ((4, 1), (5, 31)), (12, 1), 110, (0, 0), (20, 40, 90, 30),
         ("-12-01/-01-31", "-02-01/-03-31"), (10, 40)),
    Crop("maize", "maize", "ข้าวโพดเลี้ยงสัตว์", "Feed maize", "Zea mays",
         ((4, 15), (6, 30)), None, 0, (110, 125), (7, 14, 30, 14),
         ("-08-01/-09-15", "-09-16/-10-31"), (5, 20)),
)}  # fmt: skip

#: the share of parcels under each crop (OAE provincial planted areas, rounded; Nakhon
#: Ratchasima is the largest cassava province, Chiang Mai eats glutinous rice)
CROP_MIX = {
    "khon-kaen": {"kdml105": 40, "rd6": 20, "cassava": 18, "sugarcane": 15, "maize": 7},
    "nakhon-ratchasima": {"cassava": 35, "kdml105": 25, "sugarcane": 20, "maize": 15, "rd6": 5},
    "chiang-mai": {"rd6": 35, "maize": 35, "kdml105": 30},
    "phuket": {"kdml105": 60, "rd6": 40},
    "chon-buri": {"cassava": 50, "sugarcane": 30, "kdml105": 20},
    "bangkok": {"kdml105": 100},
}
SOILS = {"khon-kaen": ("Sand, Loamy", "Loam, Sandy", "Loam"),
         "nakhon-ratchasima": ("Loam, Sandy", "Loam", "Clay")}  # fmt: skip
FARMS_PER_DISTRICT = {"khon-kaen": 3, "nakhon-ratchasima": 3}
DRONES = {"khon-kaen": 20}  #: 3 elsewhere
DRONE_SHARE = {"khon-kaen": 0.6}  #: of drone-able work done by drone; 0.35 elsewhere
BOOKED_DAYS = 14  #: drone-able work booked ahead of the sandbox's end
RAI_DAY_BASE, RAI_DAY_PER_LITRE = 60, 4  #: dailyCapacityRai: 100 rai (10 L) to 220 (40 L)

#: commodity -> (grade, off-season farm-gate THB/kg, harvest dip, harvest peak doy, width)
PRICES = {
    "kdml105": ("Hom Mali paddy, 15 % moisture", 15.9, 0.14, 330, 25),
    "rd6": ("glutinous paddy, 15 % moisture", 13.85, 0.04, 315, 25),
    "cassava": ("fresh root, 25 % starch", 3.02, 0.05, 32, 40),
    "maize": ("feed maize, 14.5 % moisture", 11.6, 0.03, 258, 25),
    # one price per crushing season, no harvest dip; sold to the mills, never wholesale
    "sugarcane": ("cane at 10 CCS, delivered to the mill", 1.2, 0.0, 1, 30),
}
FARM_GATE = {"khon-kaen": {"kdml105": 1.0, "rd6": 1.0, "cassava": 1.0, "maize": 1.0,
                           "sugarcane": 1.0},
             "nakhon-ratchasima": {"kdml105": 0.99, "rd6": 0.99, "cassava": 1.0, "maize": 1.0,
                                   "sugarcane": 1.0},
             "chiang-mai": {"rd6": 1.0, "kdml105": 0.99, "maize": 0.99},
             "chon-buri": {"cassava": 1.01, "sugarcane": 1.0}}  # fmt: skip
WHOLESALE = {"kdml105": 1.12, "rd6": 1.10, "cassava": 1.15, "maize": 1.08}
OAE, DIT = "https://www.oae.go.th", "https://www.dit.go.th"
#: Talaad Thai, the national wholesale market (Khlong Luang, Pathum Thani): outside
#: the pilot provinces, generated with Khon Kaen so its farmers see the spread
PATHUM_THANI = Province("pathum-thani", "13", "ปทุมธานี", "Pathum Thani", (14.03, 100.53),
                        (14.02, 100.53), 0, "wholesale markets", True)  # fmt: skip
TALAAD_THAI = District("1302", "คลองหลวง", "Khlong Luang", 14.0797, 100.6206, PATHUM_THANI, False)
OPS_TH = {"fertiliser": "ใส่ปุ๋ย", "pesticide": "พ่นสาร", "water": "ให้น้ำ",
          "inspection": "ตรวจแปลง", "other": "เก็บเกี่ยว"}  # fmt: skip


@dataclass
class Parcel:
    id: str
    farm: str
    district: District
    at: tuple[float, float]
    crop: Crop
    rai: float
    noise: Noise


@dataclass
class Drone:
    id: str
    n: int
    district: District
    fee: float  #: THB per rai
    jobs: list[tuple[int, int]] = field(default_factory=list)  #: (start, end)


@cache
def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("isanhub.demo").joinpath(f"data/{name}")
    with text.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def cycle(crop: Crop, noise: Noise, year: int) -> tuple[int, int]:
    """(planting, harvest) of a parcel's crop planted in ``year``, local midnights. A
    parcel keeps its habitual place in the planting window, give or take a few days."""
    f = noise.rng("habit").random()
    r = noise.rng("cycle", year)
    first, last = date(year, *crop.plant[0]), date(year, *crop.plant[1])
    span = (last - first).days
    planted = first + timedelta(days=min(span, max(0, round(f * span + r.uniform(-5, 5)))))
    if crop.harvest_from:
        shift = round(f * crop.harvest_span + r.uniform(-4, 4))
        harvest = date(year, *crop.harvest_from) + timedelta(days=shift)
    else:
        harvest = planted + timedelta(days=r.randint(*crop.grow_days))
    return local_midnight(planted), local_midnight(harvest)


def current_cycle(crop: Crop, noise: Noise, t: int) -> tuple[int, int]:
    """The cycle most recently planted at ``t``."""
    year = local_date(t).year
    got = cycle(crop, noise, year)
    return got if got[0] <= t else cycle(crop, noise, year - 1)


def crop_status(crop: Crop, planted: int, harvest: int, t: int) -> str | None:
    """The SDM cropStatus at ``t``; None before planting and after the harvest day."""
    if t < planted or t >= harvest + DAY:
        return None
    grown, left = (t - planted) // DAY, (harvest - t) // DAY
    seeded, just_born, maturing, ready = crop.stages
    if left < ready:
        return "readyForHarvesting"
    if left < ready + maturing:
        return "maturing"
    if grown < seeded:
        return "seeded"
    return "justBorn" if grown < seeded + just_born else "growing"


def _crops(ctx: Context) -> Iterator[Item]:
    seat = ctx.districts[0]
    for key in CROP_MIX[ctx.province.key]:
        c = CROPS[key]
        first, last = date(2025, *c.plant[0]), date(2025, *c.plant[1])
        mid = first + (last - first) / 2
        planting = [f"{first:-%m-%d}/{mid:-%m-%d}", f"{mid + timedelta(1):-%m-%d}/{last:-%m-%d}"]
        entity = base("AgriCrop", entity_id("AgriCrop", seat, key), seat, c.name_th, c.name_en)
        entity |= {
            "alternateName": prop(c.alt),
            "plantingFrom": prop([{"dateRange": d, "description": s} for d, s in
                                  zip(planting, ("early", "late"), strict=True)]),
            "harvestingInterval": prop([{"dateRange": d, "description": s} for d, s in
                                        zip(c.harvest_text, ("early", "late"), strict=True)]),
            "wateringFrequency": prop("onDemand"),  # rain-fed
        }  # fmt: skip
        yield Item(entity)


def _parcels(ctx: Context) -> tuple[list[Parcel], list[Item]]:
    key = ctx.province.key
    parcels, farms = [], []
    for district in ctx.districts:
        for f in range(FARMS_PER_DISTRICT.get(key, 1)):
            rng = ctx.noise("farm", district.code, f).rng("static")
            fid = entity_id("AgriFarm", district, f)
            at = near(rng, district, 8.0)
            mine = []
            for k in range(rng.randint(2, 5)):
                crop = CROPS[rng.choices(list(CROP_MIX[key]), list(CROP_MIX[key].values()))[0]]
                pid = entity_id("AgriParcel", district, f"{f}-{k}")
                rai = round(rng.uniform(*crop.rai), 1)
                spot = (round(at[0] + rng.uniform(-0.008, 0.008), 5),
                        round(at[1] + rng.uniform(-0.008, 0.008), 5))  # fmt: skip
                mine.append(Parcel(pid, fid, district, spot, crop, rai,
                                   ctx.noise("parcel", district.code, f, k)))  # fmt: skip
            farm = base("AgriFarm", fid, district, f"ฟาร์มเกษตรกร {district.name_th} แห่งที่ {f + 1}",
                        f"{district.name_en} farm {f + 1}", at)  # fmt: skip
            farm["hasAgriParcel"] = rel([p.id for p in mine])
            farms.append(Item(farm))
            parcels.extend(mine)
    return parcels, farms


def _parcel_item(ctx: Context, p: Parcel) -> Item:
    now = int(ctx.clock.after.timestamp())
    planted, harvest = current_cycle(p.crop, p.noise, now)
    status = crop_status(p.crop, planted, harvest, now)
    th, en = p.crop.name_th, p.crop.name_en
    e = base("AgriParcel", p.id, p.district, f"แปลง{th} {p.district.name_th}",
             f"{en} parcel, {p.district.name_en}", p.at)  # fmt: skip
    soils = SOILS.get(ctx.province.key, ("Loam", "Loam, Clay", "Clay"))
    e |= {
        "area": prop(round(p.rai * RAI_M2), "MTK"), "areaRai": prop(p.rai),
        "category": prop("lowland" if p.crop.family == "rice" else "upland"),
        "soilTextureType": prop(p.noise.rng("soil").choice(soils)),
        "belongsTo": rel(p.farm), "hasAgriCrop": rel(entity_id("AgriCrop", ctx.districts[0],
                                                               p.crop.key)),
        "lastPlantedAt": when(planted),
    }  # fmt: skip
    if status:
        e["cropStatus"] = prop(status)
        e["expectedHarvestAt"] = when(harvest)
    else:
        e["harvestedAt"] = when(harvest)
    return Item(e)


def _schedule(p: Parcel, year: int) -> Iterator[tuple[str, int, dict[str, str] | None]]:
    """The work of one crop cycle: (key, start time, operation row or None = inspection)."""
    planted, harvest = cycle(p.crop, p.noise, year)
    r = p.noise.rng("work", year)
    for n, row in enumerate(_table("agri-operations.csv")):
        if row["crop"] != p.crop.family:
            continue
        go, jitter = r.random() < float(row["probability"]), r.uniform(-1, 1)
        anchor = planted if row["anchor"] == "plant" else harvest
        day = anchor + round(int(row["day"]) + jitter * int(row["jitter"])) * DAY
        drone_ok = row["by_drone"] == "1"
        hour = r.choice((6, 7, 8, 9, 15, 16)) if drone_ok else r.randint(7, 10)
        if go:
            yield f"{year}-{n}", day + hour * HOUR + r.choice((0, 15, 30, 45)) * 60, row
    t, k = planted + 10 * DAY, 0
    while t < harvest:
        yield f"{year}-i{k}", t + r.randint(8, 15) * HOUR, None
        t, k = t + r.randint(21, 35) * DAY, k + 1


def _nearest(rng: random.Random, drones: list[Drone], d: District) -> Drone:
    by_distance = sorted(drones, key=lambda x: (x.district.lat - d.lat) ** 2
                         + (x.district.lon - d.lon) ** 2)  # fmt: skip
    return rng.choice(by_distance[:2])


def _work(ctx: Context, parcels: list[Parcel], drones: list[Drone]) -> Iterator[Item]:
    """Parcel operations and drone jobs whose start falls in the window, and the
    drone-able operations booked for the ``BOOKED_DAYS`` after it (not started yet)."""
    start, now = ctx.clock.start, int(ctx.clock.after.timestamp())
    ahead = now + BOOKED_DAYS * DAY
    share = DRONE_SHARE.get(ctx.province.key, 0.35)
    years = range(local_date(start).year - 1, local_date(ahead).year + 1)
    for p in parcels:
        for year in years:
            for key, t, row in _schedule(p, year):
                r = p.noise.rng("op", key)
                hours = (r.randint(2, 6) if row is None else r.randint(4, 16)) * 15 * 60
                by_drone = row is not None and row["by_drone"] == "1" and r.random() < share
                job_rng = p.noise.rng("job", key)
                booked = now <= t < ahead and row is not None and row["by_drone"] == "1"
                if not (start <= t < now or booked):
                    continue
                kind = "inspection" if row is None else row["operation_type"]
                text_en = row["product_en"] if row else "field inspection"
                text_th = row["product_th"] if row else "ตรวจแปลง"
                oid = entity_id(
                    "AgriParcelOperation", p.district, f"{p.id.rsplit(':', 1)[1]}-{key}"
                )
                e = base("AgriParcelOperation", oid, p.district, f"{OPS_TH[kind]}: {text_th}",
                         f"{kind}: {text_en}", p.at)  # fmt: skip
                planned = t - t % HOUR  # booked for the hour it started in
                e |= {"hasAgriParcel": rel(p.id), "operationType": prop(kind),
                      "description": prop(text_en), "plannedStartAt": when(planned),
                      "plannedEndAt": when(planned + hours)}  # fmt: skip
                if row and row["quantity_per_rai"]:
                    qty = float(row["quantity_per_rai"]) * p.rai
                    e["quantity"] = prop(round(qty, 3), row["quantity_unit"])
                if booked:  # who will fly it is not known yet
                    yield Item(e | {"status": prop("planned")})
                    continue
                if by_drone and drones:
                    drone = _nearest(job_rng, drones, p.district)
                    job = _job(ctx, p, drone, oid, t, row or {}, job_rng)
                    hours = job.entity["durationMinutes"]["value"] * 60
                    e["workRecord"] = rel(job.id)
                    yield job
                end = t + hours
                e |= {"startedAt": when(t), "status": prop("finished" if end <= now else "ongoing")}
                if end <= now:
                    e |= {"endedAt": when(end), "result": prop("ok")}
                yield Item(e)


def _job(ctx: Context, p: Parcel, drone: Drone, oid: str, t: int, row: dict[str, str],
         rng: random.Random) -> Item:  # fmt: skip
    minutes = round(p.rai * rng.uniform(1.6, 2.4) + rng.uniform(5, 15))  # ~2 min per rai
    end = t + minutes * 60
    drone.jobs.append((t, end))
    jid = entity_id("DroneSprayingJob", p.district, oid.rsplit(":", 1)[1])
    e = base("DroneSprayingJob", jid, p.district, f"งานโดรน: {row['product_th']}",
             f"Drone job: {row['product_en']}", p.at)  # fmt: skip
    now = int(ctx.clock.after.timestamp())
    e |= {
        "hasAgriParcel": rel(p.id), "refUnmannedAerialVehicle": rel(drone.id),
        "refAgriParcelOperation": rel(oid),
        "pilot": prop(f"{ctx.province.code}-UAV{drone.n:02d}-P{rng.randint(1, 2)}"),
        "areaRai": prop(p.rai), "product": prop(row["product_en"]),
        "dose": prop(float(row["dose"])), "doseUnit": prop(row["dose_unit"]),
        "feePerRai": prop(drone.fee), "fee": prop(round(drone.fee * p.rai, 2)),
        "currency": prop("THB"), "durationMinutes": prop(minutes, "MIN"), "startedAt": when(t),
        "status": prop("finished" if end <= now else "ongoing"),
    }  # fmt: skip
    if end <= now:
        e["endedAt"] = when(end)
    return Item(e)


def _drones(ctx: Context) -> list[Drone]:
    rng = ctx.noise("uav").rng("districts")
    where = rng.sample(ctx.districts, len(ctx.districts))
    out = []
    for n in range(DRONES.get(ctx.province.key, 3)):
        d = where[n % len(where)]
        fee = 5 * round(ctx.noise("uav", n).rng("fee").uniform(40, 80) / 5)
        out.append(Drone(entity_id("UnmannedAerialVehicle", d, n), n, d, float(fee)))
    return out


def _drone_item(ctx: Context, drone: Drone) -> Item:
    rng = ctx.noise("uav", drone.n).rng("static")
    d = drone.district
    now = int(ctx.clock.after.timestamp())
    flying = any(s <= now < e for s, e in drone.jobs)
    today = local_midnight(local_date(now))
    done_today = any(today <= e <= now for _, e in drone.jobs)
    e = base("UnmannedAerialVehicle", drone.id, d, f"โดรนเกษตร ชุมชน 1 ตำบล 1 ดิจิทัล {d.name_th}",
             f"Farm drone, 1 Tambon 1 Digital community, {d.name_en}", near(rng, d, 4.0))  # fmt: skip
    e |= {
        "operationMode": prop(rng.choices(("automated", "vlos"), (7, 3))[0]),
        "flightStatus": prop("flight" if flying else "stop"),
        "workStatus": prop("work" if flying else "finish" if done_today else "stop"),
        "tankCapacity": prop(tank := rng.choice((10, 16, 20, 30, 40)), "LTR"),
        "community": prop(f"1 Tambon 1 Digital, {d.name_en}"),
        "dailyCapacityRai": prop(RAI_DAY_BASE + RAI_DAY_PER_LITRE * tank),
    }  # fmt: skip
    return Item(e)


PRICE_DAYS = 3 * 365 + 1


def price_at(noise: Noise, commodity: str, t: int, factor: float) -> float:
    _grade, level, dip, peak, width = PRICES[commodity]
    doy = local_date(t).timetuple().tm_yday
    value = level * (1 - dip * bump(doy, peak, width)) * (1 + 0.01 * noise.slow(t, 20))
    return round(value * factor * (1 + noise.on(local_date(t)).gauss(0, 0.003)), 2)


def _prices(ctx: Context) -> Iterator[Item]:
    key = ctx.province.key
    markets = [(ctx.districts[0], c, "farmGate", f) for c, f in FARM_GATE.get(key, {}).items()]
    if key == "khon-kaen":
        markets += [(TALAAD_THAI, c, "wholesale", f) for c, f in WHOLESALE.items()]
    days = Clock(ctx.clock.end, max(ctx.clock.days, PRICE_DAYS)).days_list
    for d, commodity, kind, factor in markets:
        trend = ctx.noise("price", commodity)  # farm-gate and wholesale move together
        own = ctx.noise("price", commodity, kind)
        values = [round(price_at(trend, commodity, t, factor)
                        * (1 + own.on(local_date(t)).gauss(0, 0.002)), 2) for t in days]  # fmt: skip
        crop = CROPS[commodity]
        gate = kind == "farmGate"
        market = f"{ctx.province.name_en} farm-gate" if gate else "Talaad Thai, Pathum Thani"
        e = base("CropPrice", entity_id("CropPrice", d, f"{commodity}-{kind}"), d,
                 f"ราคา{crop.name_th} {'หน้าฟาร์ม ' + ctx.province.name_th if gate else 'ตลาดไท'}",
                 f"{crop.name_en} price, {market}")  # fmt: skip
        e |= {
            "commodity": prop(commodity), "priceType": prop(kind), "market": prop(market),
            "refAgriCrop": rel(entity_id("AgriCrop", ctx.districts[0], commodity)),
            "grade": prop(PRICES[commodity][0]), "unit": prop("THB/kg"),
            "currency": prop("THB"), "source": prop(OAE if gate else DIT),
        }  # fmt: skip
        yield Item(e, [Series("price", days, values)]).finish()


def generate(ctx: Context) -> Iterator[Item]:
    yield from _crops(ctx)
    parcels, farms = _parcels(ctx)
    yield from farms
    for p in parcels:
        yield _parcel_item(ctx, p)
    drones = _drones(ctx)
    yield from _work(ctx, parcels, drones)  # fills the drones' jobs
    for drone in drones:
        yield _drone_item(ctx, drone)
    yield from agroweather.generate(ctx)
    yield from _prices(ctx)
