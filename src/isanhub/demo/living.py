"""Living: health facilities with their outpatient visits, and the devices of elderly
care and smart homes.

Data models (the KPI engine reads the starred attributes):

- ``PointOfInterest`` (SDM dataModel.PointOfInterest), one per health facility:
  *``category`` ["hospital"] or ["healthCentre"]; ``bedCapacity`` (beds, hospitals
  only); *``outpatientVisits``, a daily series (visits on the local day starting at
  observedAt; times are the window's local midnights). Khon Kaen: one hospital per
  district (Mueang: Khon Kaen Hospital and Srinagarind Hospital) and two sub-district
  health-promoting hospitals (รพ.สต.) per district, named after real sub-districts
  (geothai); light provinces: one hospital and one centre per district (Bangkok's
  centres are BMA public health service centres: Bangkok has no รพ.สต.).
- ``Device`` (SDM dataModel.Device): SDM ``category``, ``controlledProperty``,
  ``supportedProtocol``, *``deviceState`` ("ok" | "lowBattery" | "disconnected"),
  ``batteryLevel`` (0-1; absent on mains-powered smart plugs),
  ``dateLastValueReported``, ``dateInstalled``, ``serialNumber``. Elderly care: Khon
  Kaen 4 per district, light provinces 2; smart living: Khon Kaen 2 per district.

Project extensions: ``outpatientVisits``, ``bedCapacity``; on devices *``serviceType``
("elderlyCare" | "smartLiving") and ``deviceKind`` (sosButton, fallDetectionWatch,
smartPlug, waterLeakSensor, doorSensor).

Privacy (PDPA): an elderly-care device marks where somebody lives, so its location is
only the district's centre moved by up to ~3 km and rounded to 0.01° (~1 km); no device
carries anything about its user.

Facts the shapes rest on:
- Thai Ministry of Public Health hospital levels: regional and university hospitals have
  many hundreds to over a thousand beds, community hospitals 10-150; รพ.สต. have no beds
  and see outpatients on office days. Visit levels below are orders of magnitude
  (assumptions), not published figures.
- Outpatient clinics run Monday-Friday (busiest on Monday); weekend and holiday visits
  are emergencies and special clinics (calendar in ``energy``).
- Dengue peaks in the rainy season, June-August (Department of Disease Control);
  influenza peaks in the rainy season too; Chiang Mai's March haze brings respiratory
  visits; Phuket's tourist high season (December-February) adds visitors.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import geothai

from isanhub.demo.calendar import place_th, rainy, working_day
from isanhub.demo.item import Item, Series, base, entity_id, near, prop, when
from isanhub.demo.patterns import DAY, HOUR, local_date, local_hour, seasonal
from isanhub.demo.places import District
from isanhub.demo.sandbox import Context

#: weekday (Monday 0) outpatient load of a hospital and of a health centre
HOSPITAL_WEEK = (1.15, 1.05, 1.0, 1.0, 0.95, 0.35, 0.25)
CENTRE_WEEK = (1.1, 1.0, 1.0, 1.0, 0.95, 0.12, 0.08)

#: the big hospitals of the provincial seats: (th, en, beds, visits per office day)
SEAT_HOSPITALS: dict[str, list[tuple[str, str, int, int]]] = {
    "khon-kaen": [("โรงพยาบาลขอนแก่น", "Khon Kaen Hospital", 1000, 3000),
                  ("โรงพยาบาลศรีนครินทร์", "Srinagarind Hospital", 1300, 3500)],
    "nakhon-ratchasima": [("โรงพยาบาลมหาราชนครราชสีมา", "Maharat Nakhon Ratchasima Hospital",
                           1400, 3500)],
    "chiang-mai": [("โรงพยาบาลมหาราชนครเชียงใหม่", "Maharaj Nakorn Chiang Mai Hospital",
                    1400, 3500)],
    "phuket": [("โรงพยาบาลวชิระภูเก็ต", "Vachira Phuket Hospital", 500, 1500)],
    "chon-buri": [("โรงพยาบาลชลบุรี", "Chonburi Hospital", 800, 2500)],
}  # fmt: skip


def _facilities(ctx: Context, n: int, d: District) -> list[tuple[str, str, str, int | None, int]]:
    """(id suffix, th, en, beds, visits per office day) of a district's facilities."""
    r = ctx.noise("health", d.code).rng("static")
    out: list[tuple[str, str, str, int | None, int]] = []
    seat = SEAT_HOSPITALS.get(ctx.province.key) if n == 0 else None
    if seat:
        out += [(f"hospital-{k}", *h) for k, h in enumerate(seat, 1)]
    else:
        beds = r.randint(30, 120) * (3 if ctx.province.key == "bangkok" else 1)
        out.append(("hospital-1", f"โรงพยาบาล{place_th(d)}", f"{d.name_en} Hospital", beds,
                    int(beds * r.uniform(2.5, 4))))  # fmt: skip
    tambons = sorted(geothai.subdistricts(d.code), key=lambda s: s.code)
    for k in range(1, 2 if ctx.province.light else 3):
        t = tambons[k % len(tambons)] if tambons else None
        th_place, en_place = (t.name_th, t.name_en) if t else (d.name_th, d.name_en)
        if ctx.province.key == "bangkok":
            th = f"ศูนย์บริการสาธารณสุข {th_place}"
            en = f"{en_place} BMA Public Health Centre"
        else:
            th = f"โรงพยาบาลส่งเสริมสุขภาพตำบล{th_place}"
            en = f"{en_place} Sub-district Health Promoting Hospital"
        out.append((f"healthcentre-{k}", th, en, None, r.randint(20, 60)))
    return out


def _season(province_key: str, doy: int) -> float:
    load = 1 + 0.15 * seasonal(doy, 190, 45) + 0.05 * rainy(province_key, doy)
    if province_key == "chiang-mai":
        load += 0.1 * seasonal(doy, 75, 25)
    if province_key == "phuket":
        load += 0.08 * seasonal(doy, 15, 40)
    return load


def _visits(ctx: Context, key: str, level: int, hospital: bool) -> list[Any]:
    noise = ctx.noise("health", key, "visits")
    week = HOSPITAL_WEEK if hospital else CENTRE_WEEK
    values = []
    for t in ctx.clock.days_list:
        day = local_date(t)
        shape = week[day.weekday()] if working_day(day) or day.weekday() >= 5 else week[6]
        load = level * shape * _season(ctx.province.key, day.timetuple().tm_yday)
        load *= 1 + 0.05 * noise.slow(t, 10) + 0.06 * noise.on(day).gauss(0, 1)
        values.append(max(0, round(load)))
    return values


def _health(ctx: Context) -> Iterator[Item]:
    for n, d in enumerate(ctx.districts):
        r = ctx.noise("health", d.code).rng("place")
        for suffix, th, en, beds, level in _facilities(ctx, n, d):
            hospital = suffix.startswith("hospital")
            at = near(r, d, 1.5 if hospital else 8.0)
            e = base("PointOfInterest", entity_id("PointOfInterest", d, suffix), d, th, en, at)
            e["category"] = prop(["hospital"] if hospital else ["healthCentre"])
            if beds:
                e["bedCapacity"] = prop(beds)
            visits = _visits(ctx, f"{d.code}:{suffix}", level, hospital)
            series = Series("outpatientVisits", ctx.clock.days_list, visits)
            yield Item(e, [series]).finish()


# -- devices ----------------------------------------------------------------------------
#: kind: (service, th, en, SDM category, controlledProperty, protocol, battery days or 0)
DEVICES: dict[str, tuple[str, str, str, list[str], list[str], str, int]] = {
    "sosButton": ("elderlyCare", "ปุ่มขอความช่วยเหลือผู้สูงอายุ", "Elderly SOS button",
                  ["sensor"], ["location"], "lte-m", 365),
    "fallDetectionWatch": ("elderlyCare", "นาฬิกาตรวจจับการหกล้ม", "Fall-detection watch",
                           ["sensor"], ["location", "motion", "movementActivity"], "nb-iot", 1),
    "smartPlug": ("smartLiving", "ปลั๊กอัจฉริยะ", "Smart plug", ["actuator", "meter"],
                  ["power", "energy"], "mqtt", 0),
    "waterLeakSensor": ("smartLiving", "เซนเซอร์น้ำรั่ว", "Water-leak sensor", ["sensor"],
                        ["humidity"], "lora", 730),
    "doorSensor": ("smartLiving", "เซนเซอร์ประตู", "Door sensor", ["sensor"], ["motion"],
                   "lora", 540),
}  # fmt: skip
SMART_KINDS = ("smartPlug", "waterLeakSensor", "doorSensor")


def _battery(noise_rng: Any, life: int, now: int, forgot: bool) -> float | None:
    """Battery level at ``now``: coin cells run down over their life and are replaced;
    watches are charged every night (unless somebody forgot)."""
    if life == 0:
        return None
    if life == 1:  # off the charger 07:00-22:00, back to full by morning
        hours = (local_hour(now) - 7) % 24
        level = 1 - 0.045 * hours if hours <= 15 else min(1.0, 0.325 + 0.1 * (hours - 15))
        return round(level * (0.12 if forgot else 1), 2)
    phase = noise_rng.uniform(0, life)
    return round(1 - ((now / DAY + phase) % life) / life, 2)


def _device(ctx: Context, d: District, kind: str, k: int) -> Item:
    service, th, en, category, controlled, protocol, life = DEVICES[kind]
    noise = ctx.noise("device", d.code, kind, k)
    r = noise.rng("static")
    now = int(ctx.clock.after.timestamp())  # the state as the window closes
    lat, lon = near(r, d, 3.0)
    today = noise.on(local_date(now))
    disconnected, forgot = today.random() < 0.04, today.random() < 0.03
    battery = _battery(r, life, now, forgot)
    if disconnected:
        state, last = "disconnected", now - today.randint(6, 72) * HOUR
    else:  # devices send a heartbeat every hour
        low = forgot if life == 1 else (battery is not None and battery < 0.05)
        state, last = ("lowBattery" if low else "ok"), now - today.randint(1, 59) * 60
    installed = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=r.randrange(900))
    e = base("Device", entity_id("Device", d, f"{kind}-{k}"), d, f"{th} {d.name_th} #{k}",
             f"{en}, {d.name_en} no. {k}", (round(lat, 2), round(lon, 2)))  # fmt: skip
    e.update(
        category=prop(category),
        controlledProperty=prop(controlled),
        supportedProtocol=prop([protocol]),
        serviceType=prop(service),
        deviceKind=prop(kind),
        deviceState=prop(state),
        dateLastValueReported=when(last),
        dateInstalled=when(int(installed.timestamp())),
        serialNumber=prop(f"SBX-{d.code}-{kind[:3].upper()}-{k:03d}"),
    )
    if battery is not None:
        e["batteryLevel"] = prop(max(0.0, min(1.0, battery)))
    return Item(e)


def _devices(ctx: Context) -> Iterator[Item]:
    elderly = 2 if ctx.province.light else 4
    smart = 0 if ctx.province.light else 2
    for n, d in enumerate(ctx.districts):
        for k in range(1, elderly + 1):
            yield _device(ctx, d, ("sosButton", "fallDetectionWatch")[k % 2], k)
        for k in range(1, smart + 1):
            yield _device(ctx, d, SMART_KINDS[(2 * n + k) % 3], k)


def generate(ctx: Context) -> Iterator[Item]:
    yield from _health(ctx)
    yield from _devices(ctx)
