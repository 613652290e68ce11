"""Building a snapshot (snapshot.py) from the store, through the Store contract, so it
works on either backend: current entities page by page, history window by window, each
page written to Parquet as it arrives (memory stays bounded at any size of farmland).

Attribute names are read with the NGSI-LD core context (the default vocabulary, as the
sandbox and the importer's mappings write them) unless a term map is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from shapely.geometry import shape

from isanhub.core.model import Entity
from isanhub.core.termmap import TermMap, core_term_map
from isanhub.insight.agri.crops import family_of
from isanhub.insight.agri.snapshot import TABLES, Meta, Snapshot
from isanhub.store.base import Query, Store
from isanhub.store.temporal import TemporalQuery

PAGE = 1000  #: entities per page of current state
HISTORY_PAGE = 50  #: entities per page of history
BANGKOK = timedelta(hours=7)
_EPOCH = datetime(1970, 1, 1)
#: history windows: how much time one temporal query covers (µs)
WINDOW_US = {"prices": 4 * 366 * 86_400_000_000, "weather": 92 * 86_400_000_000}

Progress = Callable[[str, int], None]  #: (table, rows written so far)


class Fields:
    """Reading attributes of entities in normal form by their short names."""

    def __init__(self, terms: TermMap | None = None) -> None:
        self.terms = terms or core_term_map()
        self._iri: dict[str, str] = {}

    def iri(self, name: str) -> str:
        got = self._iri.get(name)
        if got is None:
            got = self._iri[name] = self.terms.expand_attr(name)
        return got

    def inst(self, e: Entity, name: str) -> dict[str, Any] | None:
        for inst in e["attrs"].get(self.iri(name), ()):
            if "datasetId" not in inst:
                return inst  # type: ignore[no-any-return]
        return None

    def value(self, e: Entity, name: str) -> Any:
        inst = self.inst(e, name)
        if inst is None:
            return None
        if "object" in inst:
            return inst["object"]
        if "languageMap" in inst:
            return inst["languageMap"]
        value = inst.get("value", inst.get("vocab"))
        if isinstance(value, dict) and value.get("@type") == "DateTime":
            return value.get("@value")
        return value

    def text(self, e: Entity, name: str) -> str | None:
        value = self.value(e, name)
        return value if isinstance(value, str) else None

    def number(self, e: Entity, name: str) -> float | None:
        value = self.value(e, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else None

    def time(self, e: Entity, name: str) -> datetime | None:
        return local(self.value(e, name))

    def names(self, e: Entity) -> tuple[str | None, str | None]:
        """The entity's name in Thai and English (either falls back to the other)."""
        value = self.value(e, "name")
        if isinstance(value, dict):
            th, en = value.get("th"), value.get("en")
            th = th if isinstance(th, str) else None
            en = en if isinstance(en, str) else None
            return th or en, en or th
        return (value, value) if isinstance(value, str) else (None, None)

    def english(self, e: Entity, name: str) -> str | None:
        """A text, or the English (else Thai) text of a LanguageProperty."""
        value = self.value(e, name)
        if isinstance(value, dict):
            value = value.get("en") or value.get("th")
        return value if isinstance(value, str) else None

    def place(self, e: Entity) -> dict[str, Any]:
        """province, district, lat, lon: the address and a point of the location."""
        addr = self.value(e, "address")
        addr = addr if isinstance(addr, dict) else {}
        out: dict[str, Any] = {
            "province": _str(addr.get("addressRegion")),
            "district": _str(addr.get("addressLocality")),
            "lat": None, "lon": None,
        }  # fmt: skip
        geo = self.value(e, "location")
        if isinstance(geo, dict):
            try:
                if geo.get("type") == "Point":
                    lon, lat = geo["coordinates"][:2]
                else:
                    c = shape(geo).representative_point()
                    lon, lat = c.x, c.y
                out["lat"], out["lon"] = float(lat), float(lon)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        return out


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def local(value: Any) -> datetime | None:
    """ISO 8601 text (UTC or with an offset) as naive Asia/Bangkok time."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.replace(tzinfo=None) - (t.utcoffset() or timedelta(0))
    return t + BANGKOK


def local_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us) + BANGKOK


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


class _Writer:
    """One table's Parquet file, written a batch of rows at a time."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self.file = pq.ParquetWriter(path, schema)
        self.rows = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.file.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)

    def close(self) -> None:
        self.file.close()


async def _pages(store: Store, tenant: str, kind: str, f: Fields) -> Any:
    """Every current entity of type ``kind``, a page at a time (creation order)."""
    types = [frozenset([f.terms.expand_type(kind)])]
    offset = 0
    while True:
        page = (await store.query(tenant, Query(types=types, limit=PAGE, offset=offset))).entities
        if page:
            yield page
        if len(page) < PAGE:
            return
        offset += PAGE


# -- history ---------------------------------------------------------------------------


def _series(insts: Iterable[dict[str, Any]]) -> Iterable[tuple[datetime, float]]:
    for inst in insts:
        value = inst.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            t = local(inst.get("observedAt"))
            if t is not None:
                yield t, float(value)


async def _history(
    store: Store, tenant: str, kind: str, attrs: list[str], f: Fields, window: int
) -> Any:
    """(entity, {attr: [(local time, value)]}) for every entity of ``kind``, a window of
    time at a time, oldest first."""
    types = [frozenset([f.terms.expand_type(kind)])]
    iris = {f.iri(a): a for a in attrs}
    offset = 0
    while True:
        q = Query(types=types, limit=HISTORY_PAGE, offset=offset)
        page = (await store.query(tenant, q)).entities
        if not page:
            return
        ids = [e["id"] for e in page]
        # the span of the page's history: one aggregation per entity, then windows
        span = await store.temporal(tenant, TemporalQuery(
            entities=Query(ids=ids, limit=len(ids)), attrs=frozenset(iris),
            last_n=1,
        ))  # fmt: skip
        newest = [i["observedAt"] for te in span[0] for v in te.attrs.values() for i in v
                  if "observedAt" in i]  # fmt: skip
        first = await store.temporal(tenant, TemporalQuery(
            entities=Query(ids=ids, limit=len(ids)), attrs=frozenset(iris), page=1,
        ))  # fmt: skip
        oldest = [i["observedAt"] for te in first[0] for v in te.attrs.values() for i in v
                  if "observedAt" in i]  # fmt: skip
        by_id = {e["id"]: e for e in page}
        if newest and oldest:
            start = _us(min(oldest))
            end = _us(max(newest)) + 1
            while start < end:
                stop = min(end, start + window)
                got, _ = await store.temporal(tenant, TemporalQuery(
                    entities=Query(ids=ids, limit=len(ids)), attrs=frozenset(iris),
                    timerel="between", time_at=start, end_time_at=stop,
                ))  # fmt: skip
                for te in got:
                    values = {iris[k]: list(_series(v)) for k, v in te.attrs.items() if k in iris}
                    if te.id in by_id:
                        yield by_id[te.id], values
                start = stop
        if len(page) < HISTORY_PAGE:
            return
        offset += HISTORY_PAGE


def _us(text: str) -> int:
    t = datetime.fromisoformat(text)
    t = t.replace(tzinfo=None) - (t.utcoffset() or timedelta(0))
    return (t - _EPOCH) // timedelta(microseconds=1)


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


async def build(
    store: Store, tenant: str, snap: Snapshot, *, terms: TermMap | None = None,
    progress: Progress | None = None,
) -> Meta:  # fmt: skip
    """Write a new generation of ``tenant``'s snapshot from the store and serve it."""
    began = time.perf_counter()
    taken = datetime.now(UTC).replace(tzinfo=None) + BANGKOK
    f = Fields(terms)
    gen = snap.new_generation()
    rows: dict[str, int] = {}
    exists = await store.tenant_exists(tenant)
    for table, (kind, to_row) in CURRENT.items():
        w = _Writer(gen / f"{table}.parquet", TABLES[table])
        if exists:
            async for page in _pages(store, tenant, kind, f):
                w.add([to_row(f, e) for e in page])
                if progress:
                    progress(table, w.rows)
        w.close()
        rows[table] = w.rows
    for table, (kind, attrs, to_rows) in HISTORY.items():
        w = _Writer(gen / f"{table}.parquet", TABLES[table])
        if exists:
            async for e, values in _history(store, tenant, kind, attrs, f, WINDOW_US[table]):
                w.add(to_rows(f, e, values))
                if progress:
                    progress(table, w.rows)
        w.close()
        rows[table] = w.rows
    meta = Meta(taken.isoformat(timespec="seconds"), round(time.perf_counter() - began, 3), rows)
    snap.publish(gen, meta)
    return meta
