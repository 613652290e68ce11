"""The snapshot's rows (snapshot.TABLES) of one entity: its current state, or its history
in a window (extract.py reads them from the store)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from isanhub.core.model import Entity
from isanhub.insight.agri.crops import family_of
from isanhub.insight.agri.fields import Fields, local

# -- current state --------------------------------------------------------------------


def parcel(f: Fields, e: Entity) -> dict[str, Any]:
    area = f.number(e, "areaRai")
    if area is None and (m2 := f.number(e, "area")) is not None:
        area = m2 / 1600  # 1 rai = 1,600 m²
    return {
        "id": e["id"], "farm": f.text(e, "belongsTo"), **f.place(e),
        "crop_id": f.text(e, "hasAgriCrop"), "status": f.text(e, "cropStatus"),
        "area_rai": area, "category": f.text(e, "category"),
        "planted_at": f.time(e, "lastPlantedAt"),
        "expected_harvest_at": f.time(e, "expectedHarvestAt"),
        "harvested_at": f.time(e, "harvestedAt"),
    }  # fmt: skip


def crop(f: Fields, e: Entity) -> dict[str, Any]:
    th, en = f.names(e)
    species = f.text(e, "alternateName")
    return {
        "id": e["id"], "province": f.place(e)["province"], "name_th": th, "name_en": en,
        "species": species, "family": family_of(species, en),
    }  # fmt: skip


def farm(f: Fields, e: Entity) -> dict[str, Any]:
    th, en = f.names(e)
    place = f.place(e)
    parcels = f.value(e, "hasAgriParcel")
    n = len(parcels) if isinstance(parcels, list) else (1 if isinstance(parcels, str) else 0)
    return {"id": e["id"], **place, "name_th": th, "name_en": en, "parcels": n}


def forecast(f: Fields, e: Entity) -> dict[str, Any]:
    prob = f.number(e, "precipitationProbability")
    return {
        "id": e["id"], **f.place(e), "issued_at": f.time(e, "dateIssued"),
        "valid_from": f.time(e, "validFrom"), "valid_to": f.time(e, "validTo"),
        "rain_mm": f.number(e, "precipitation"), "rain_probability": prob,
        "temp_max_c": f.number(e, "dayMaximum") or f.number(e, "maxTemperature"),
        "temp_min_c": f.number(e, "dayMinimum") or f.number(e, "minTemperature"),
    }  # fmt: skip


def level(f: Fields, e: Entity) -> dict[str, Any]:
    inst = f.inst(e, "currentLevel") or {}
    return {
        "id": e["id"], **f.place(e), "river": f.english(e, "riverName"),
        "level_m": f.number(e, "currentLevel"), "alert_m": f.number(e, "alertLevel"),
        "danger_m": f.number(e, "dangerLevel"), "status": f.text(e, "floodLevelStatus"),
        "observed_at": local(inst.get("observedAt")) or f.time(e, "observationDateTime"),
    }  # fmt: skip


def drone(f: Fields, e: Entity) -> dict[str, Any]:
    th, en = f.names(e)
    return {
        "id": e["id"], **f.place(e), "name_th": th, "name_en": en,
        "community": f.text(e, "community"), "tank_l": f.number(e, "tankCapacity"),
        "mode": f.text(e, "operationMode"), "capacity_rai_day": f.number(e, "dailyCapacityRai"),
    }  # fmt: skip


def job(f: Fields, e: Entity) -> dict[str, Any]:
    place = f.place(e)
    return {
        "id": e["id"], "drone_id": f.text(e, "refUnmannedAerialVehicle"),
        "parcel_id": f.text(e, "hasAgriParcel"),
        "operation_id": f.text(e, "refAgriParcelOperation"),
        "province": place["province"], "district": place["district"],
        "pilot": f.text(e, "pilot"), "area_rai": f.number(e, "areaRai"),
        "product": f.text(e, "product"), "fee": f.number(e, "fee"),
        "currency": f.text(e, "currency"), "duration_min": f.number(e, "durationMinutes"),
        "started_at": f.time(e, "startedAt"), "ended_at": f.time(e, "endedAt"),
        "status": f.text(e, "status"),
    }  # fmt: skip


def operation(f: Fields, e: Entity) -> dict[str, Any]:
    return {
        "id": e["id"], "parcel_id": f.text(e, "hasAgriParcel"), **f.place(e),
        "type": f.text(e, "operationType"), "status": f.text(e, "status"),
        "description": f.text(e, "description"),
        "planned_start": f.time(e, "plannedStartAt"), "planned_end": f.time(e, "plannedEndAt"),
        "started_at": f.time(e, "startedAt"), "ended_at": f.time(e, "endedAt"),
        "work_record": f.text(e, "workRecord"),
    }  # fmt: skip


#: table -> (entity type, row of one entity)
CURRENT: dict[str, tuple[str, Callable[[Fields, Entity], dict[str, Any]]]] = {
    "parcels": ("AgriParcel", parcel),
    "crops": ("AgriCrop", crop),
    "farms": ("AgriFarm", farm),
    "forecasts": ("WeatherForecast", forecast),
    "levels": ("FloodMonitoring", level),
    "drones": ("UnmannedAerialVehicle", drone),
    "jobs": ("DroneSprayingJob", job),
    "operations": ("AgriParcelOperation", operation),
}


def series(insts: Iterable[dict[str, Any]]) -> Iterable[tuple[datetime, float]]:
    for inst in insts:
        value = inst.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            t = local(inst.get("observedAt"))
            if t is not None:
                yield t, float(value)


def price_rows(f: Fields, e: Entity, values: dict[str, list[tuple[datetime, float]]]) -> list:  # type: ignore[type-arg]
    th, en = f.names(e)
    place = f.place(e)
    fixed = {
        "id": e["id"], "commodity": f.text(e, "commodity"), "crop_id": f.text(e, "refAgriCrop"),
        "price_type": f.text(e, "priceType"), "market": f.text(e, "market"),
        "grade": f.text(e, "grade"), "unit": f.text(e, "unit"),
        "province": place["province"], "district": place["district"],
        "name_th": th, "name_en": en,
    }  # fmt: skip
    return [fixed | {"at": t, "price": v} for t, v in values.get("price", ())]


def weather_rows(f: Fields, e: Entity, values: dict[str, list[tuple[datetime, float]]]) -> list:  # type: ignore[type-arg]
    place = f.place(e)
    rows: dict[datetime, dict[str, Any]] = {}
    for attr, column in (("precipitation", "rain_mm"), ("temperature", "temp_c")):
        for t, v in values.get(attr, ()):
            row = rows.get(t)
            if row is None:
                row = rows[t] = {"id": e["id"], **place, "at": t, "rain_mm": None, "temp_c": None}
            row[column] = v
    return list(rows.values())


#: table -> (entity type, attributes with history, rows of one entity's window)
HISTORY: dict[str, tuple[str, list[str], Callable[..., list]]] = {  # type: ignore[type-arg]
    "prices": ("CropPrice", ["price"], price_rows),
    "weather": ("WeatherObserved", ["precipitation", "temperature"], weather_rows),
}
