"""Farmer insight at the scale of a province's farmland (--quick: a tenth of it).

1. Insights: a snapshot of 100,000 parcels on 26 districts, 10 years of daily prices
   for 50 products (each farm-gate and wholesale: 100 series), hourly weather of 30
   stations over 10 years (2.6 million hours), 500 drones, 200,000 jobs, 400,000 parcel
   operations (5,000 due in the next two weeks), 30 river gauges, 7-day forecasts, is
   written as Parquet (numpy, seeded); then every insight is asked for the province
   five times, each in a fresh DuckDB connection (the way a server process meets a new
   generation). The figure is an insight's slowest answer; the limit, in the same run:
   one DuckDB scan summing a column of every table. Target: each insight < 1 s.
2. Snapshot build: 100,000 parcels (and 10 years of daily prices for 50 products) are
   loaded into a fresh SQLite store, then the snapshot is built from it through the
   Store contract. The figure is rows per second; the limit, in the same run: reading
   the same current documents straight from SQLite and decoding them with orjson.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from bench._common import Result, say
from bench._server import on_postgres

TITLE = "Farmer insight: each insight at province scale, and the snapshot build"
MAX_SECONDS = 1.0
NOW = datetime(2026, 11, 24, 12)
PROVINCE = "Khon Kaen"
FAMILIES = ("rice", "cassava", "sugarcane", "maize")
YIELD_STAGES = ("seeded", "justBorn", "growing", "maturing", "readyForHarvesting", None)


def _districts() -> list[tuple[str, float, float]]:
    """Khon Kaen's 26 districts (English name, lat, lon), as the sandbox knows them."""
    from isanhub.demo.places import districts

    return [(d.name_en, d.lat, d.lon) for d in districts("khon-kaen")]


def _table(name: str, cols: dict[str, Any]) -> pa.Table:
    from isanhub.insight.agri.snapshot import TABLES

    schema = TABLES[name]
    n = len(next(iter(cols.values())))
    arrays = [pa.array(cols[f.name], type=f.type) if f.name in cols else pa.nulls(n, f.type)
              for f in schema]  # fmt: skip
    return pa.Table.from_arrays(arrays, schema=schema)


def tables(scale: float, seed: int = 7) -> dict[str, pa.Table]:
    """The snapshot's tables at ``scale`` (1.0: the sizes of the module docstring)."""
    rng = np.random.default_rng(seed)
    ds = _districts()
    n_par, n_st, years = int(100_000 * scale), max(3, int(30 * scale)), 10
    crops = [f"urn:ngsi-ld:AgriCrop:kk:{f}" for f in FAMILIES]
    d = rng.integers(0, len(ds), n_par)
    lat = np.array([x[1] for x in ds])[d] + rng.normal(0, 0.05, n_par)
    lon = np.array([x[2] for x in ds])[d] + rng.normal(0, 0.05, n_par)
    fam = rng.choice(4, n_par, p=[0.6, 0.18, 0.15, 0.07])
    planted = NOW - rng.integers(0, 330, n_par).astype("timedelta64[D]").astype(timedelta)
    grow = np.array([150, 300, 330, 118])[fam]
    harvest = planted + (grow * 86400).astype("timedelta64[s]").astype(timedelta)
    out: dict[str, pa.Table] = {}
    stage = rng.integers(0, len(YIELD_STAGES), n_par)
    out["parcels"] = _table("parcels", {
        "id": [f"urn:ngsi-ld:AgriParcel:kk:{i}" for i in range(n_par)],
        "farm": [f"urn:ngsi-ld:AgriFarm:kk:{i // 3}" for i in range(n_par)],
        "province": [PROVINCE] * n_par, "district": [ds[i][0] for i in d],
        "lat": lat, "lon": lon, "crop_id": [crops[f] for f in fam],
        "status": [YIELD_STAGES[s] for s in stage], "area_rai": rng.uniform(2, 30, n_par).round(1),
        "planted_at": list(planted), "expected_harvest_at": list(harvest),
    })  # fmt: skip
    out["crops"] = _table("crops", {
        "id": crops, "province": [PROVINCE] * 4, "name_th": ["ข้าว", "มันสำปะหลัง", "อ้อย", "ข้าวโพด"],
        "name_en": ["Rice", "Cassava", "Sugarcane", "Maize"], "family": list(FAMILIES),
    })  # fmt: skip
    out["farms"] = _table("farms", {
        "id": [f"urn:ngsi-ld:AgriFarm:kk:{i}" for i in range(n_par // 3)],
        "province": [PROVINCE] * (n_par // 3), "district": [ds[i][0] for i in d[: n_par // 3]],
        "parcels": [3] * (n_par // 3),
    })  # fmt: skip
    days = np.arange(np.datetime64(NOW.date()) - 365 * years, np.datetime64(NOW.date()))
    ids, commodity, crop, kind, at, price = [], [], [], [], [], []
    for c in range(50):
        base = rng.uniform(2, 40)
        season = 1 + 0.08 * np.sin(2 * np.pi * np.arange(len(days)) / 365.25 + c)
        walk = np.exp(np.cumsum(rng.normal(0, 0.004, len(days))))
        for k, factor in (("farmGate", 1.0), ("wholesale", 1.12)):
            ids += [f"urn:ngsi-ld:CropPrice:kk:c{c}-{k}"] * len(days)
            commodity += [f"c{c}"] * len(days)
            crop += [crops[c] if c < 4 else None] * len(days)
            kind += [k] * len(days)
            at.append(days.astype("datetime64[us]") + np.timedelta64(8, "h"))
            price.append((base * season * walk * factor).round(2))
    n = len(ids)
    out["prices"] = _table("prices", {
        "id": ids, "commodity": commodity, "crop_id": crop, "price_type": kind,
        "market": ["Khon Kaen farm-gate" if k == "farmGate" else "Talaad Thai" for k in kind],
        "unit": ["THB/kg"] * n, "province": [PROVINCE] * n, "at": np.concatenate(at),
        "price": np.concatenate(price),
    })  # fmt: skip
    hours = np.arange(np.datetime64(NOW, "h") - 24 * 365 * years, np.datetime64(NOW, "h"))
    st_ids, st_d, w_at, rain, temp = [], [], [], [], []
    for s in range(n_st):
        wet = rng.random(len(hours)) < 0.04
        st_ids += [f"urn:ngsi-ld:WeatherObserved:kk:{s}"] * len(hours)
        st_d += [ds[s % len(ds)][0]] * len(hours)
        w_at.append(hours.astype("datetime64[us]"))
        rain.append(np.where(wet, rng.exponential(6, len(hours)), 0.0).round(1))
        temp.append(rng.normal(28, 3, len(hours)).round(1))
    nw = len(st_ids)
    out["weather"] = _table("weather", {
        "id": st_ids, "province": [PROVINCE] * nw, "district": st_d,
        "lat": [16.4] * nw, "lon": [102.8] * nw, "at": np.concatenate(w_at),
        "rain_mm": np.concatenate(rain), "temp_c": np.concatenate(temp),
    })  # fmt: skip
    fc = [(s, k) for s in range(n_st) for k in range(7)]
    out["forecasts"] = _table("forecasts", {
        "id": [f"urn:ngsi-ld:WeatherForecast:kk:{s}:{k}" for s, k in fc],
        "province": [PROVINCE] * len(fc), "district": [ds[s % len(ds)][0] for s, _ in fc],
        "issued_at": [NOW] * len(fc), "valid_from": [NOW + timedelta(days=k) for _, k in fc],
        "valid_to": [NOW + timedelta(days=k + 1) for _, k in fc],
        "rain_mm": rng.exponential(5, len(fc)).round(1), "rain_probability": rng.random(len(fc)),
    })  # fmt: skip
    out["levels"] = _table("levels", {
        "id": [f"urn:ngsi-ld:FloodMonitoring:kk:{i}" for i in range(30)],
        "province": [PROVINCE] * 30, "district": [ds[i % len(ds)][0] for i in range(30)],
        "river": ["Chi"] * 30, "level_m": rng.uniform(1, 6, 30).round(2), "alert_m": [4.5] * 30,
        "danger_m": [5.5] * 30, "status": ["normal"] * 30, "observed_at": [NOW] * 30,
    })  # fmt: skip
    n_dr = int(500 * max(scale, 0.2))
    dd = rng.integers(0, len(ds), n_dr)
    out["drones"] = _table("drones", {
        "id": [f"urn:ngsi-ld:UnmannedAerialVehicle:kk:{i}" for i in range(n_dr)],
        "province": [PROVINCE] * n_dr, "district": [ds[i][0] for i in dd],
        "lat": np.array([x[1] for x in ds])[dd], "lon": np.array([x[2] for x in ds])[dd],
        "tank_l": [20.0] * n_dr, "capacity_rai_day": rng.uniform(100, 200, n_dr).round(0),
    })  # fmt: skip
    n_job = int(200_000 * scale)
    jp = rng.integers(0, n_par, n_job)
    start = NOW - (rng.integers(0, 3650 * 24, n_job) * 3600).astype("timedelta64[s]").astype(
        timedelta
    )
    area = rng.uniform(2, 30, n_job).round(1)
    dur = (area * 2 + 10).round(0)
    out["jobs"] = _table("jobs", {
        "id": [f"urn:ngsi-ld:DroneSprayingJob:kk:{i}" for i in range(n_job)],
        "drone_id": [f"urn:ngsi-ld:UnmannedAerialVehicle:kk:{i}" for i in rng.integers(0, n_dr, n_job)],
        "parcel_id": [f"urn:ngsi-ld:AgriParcel:kk:{i}" for i in jp],
        "province": [PROVINCE] * n_job, "district": [ds[d[i]][0] for i in jp],
        "pilot": [f"40-P{i}" for i in rng.integers(0, 2 * n_dr, n_job)], "area_rai": area,
        "product": ["urea 46-0-0"] * n_job, "fee": (area * 60).round(2), "currency": ["THB"] * n_job,
        "duration_min": dur, "started_at": list(start),
        "ended_at": [s + timedelta(minutes=float(m)) for s, m in zip(start, dur, strict=True)],
        "status": ["finished"] * n_job,
    })  # fmt: skip
    n_op, n_due = int(400_000 * scale), int(5_000 * scale)
    op_p = rng.integers(0, n_par, n_op)
    due = np.arange(n_op) < n_due
    offs = np.where(due, rng.integers(0, 14 * 24, n_op), -rng.integers(1, 3650 * 24, n_op))
    planned = [NOW + timedelta(hours=int(h)) for h in offs]
    out["operations"] = _table("operations", {
        "id": [f"urn:ngsi-ld:AgriParcelOperation:kk:{i}" for i in range(n_op)],
        "parcel_id": [f"urn:ngsi-ld:AgriParcel:kk:{i}" for i in op_p],
        "province": [PROVINCE] * n_op, "district": [ds[d[i]][0] for i in op_p],
        "lat": lat[op_p], "lon": lon[op_p],
        "type": rng.choice(["fertiliser", "pesticide", "inspection", "water"], n_op),
        "status": np.where(due, "planned", "finished"), "planned_start": planned,
        "planned_end": [p + timedelta(hours=2) for p in planned],
        "started_at": [None if u else p for u, p in zip(due, planned, strict=True)],
    })  # fmt: skip
    return out


def write(folder: Path, data: dict[str, pa.Table]) -> Path:
    from isanhub.insight.agri.snapshot import Meta, Snapshot

    snap = Snapshot(folder, "")
    gen = snap.new_generation()
    for name, table in data.items():
        pq.write_table(table, gen / f"{name}.parquet")
    snap.publish(gen, Meta(NOW.isoformat(), 0.0, {k: v.num_rows for k, v in data.items()}))
    cur = snap.current()
    assert cur is not None
    return cur


def time_insights(gen: Path, runs: int = 5) -> tuple[dict[str, list[float]], float]:
    from isanhub.insight.agri.ask import Ask
    from isanhub.insight.agri.registry import INSIGHTS
    from isanhub.insight.agri.snapshot import TABLES, connect

    times: dict[str, list[float]] = {}
    for name, insight in INSIGHTS.items():
        insight.run(connect(None), Ask(now=NOW))  # import the module: not part of an answer
        for _ in range(runs):
            con = connect(gen)
            started = time.perf_counter()
            insight.run(con, Ask(now=NOW, province=PROVINCE))
            times.setdefault(name, []).append(time.perf_counter() - started)
            con.close()
    con = connect(gen)
    started = time.perf_counter()
    for name, schema in TABLES.items():
        num = next((f.name for f in schema if pa.types.is_floating(f.type)), None)
        con.execute(f"SELECT count(*){f', sum({num})' if num else ''} FROM {name}").fetchall()
    return times, time.perf_counter() - started


async def _load(db: str, n_par: int, years: int) -> None:
    from isanhub.ingest.items import Item, Series, prop, rel
    from isanhub.ingest.load import load
    from isanhub.store.base import open_store

    def items() -> Any:
        rng = np.random.default_rng(3)
        for i in range(n_par):
            yield Item({
                "id": f"urn:ngsi-ld:AgriParcel:kk:{i}", "type": "AgriParcel",
                "address": prop({"addressRegion": PROVINCE, "addressLocality": f"D{i % 26}"}),
                "location": {"type": "GeoProperty", "value": {"type": "Point",
                             "coordinates": [102.8 + rng.uniform(-1, 1), 16.4 + rng.uniform(-1, 1)]}},
                "areaRai": prop(round(float(rng.uniform(2, 30)), 1)), "cropStatus": prop("growing"),
                "hasAgriCrop": rel("urn:ngsi-ld:AgriCrop:kk:rice"),
            })  # fmt: skip
        t0 = int(NOW.timestamp()) - years * 365 * 86400
        days = list(range(t0, int(NOW.timestamp()), 86400))
        for c in range(50):
            yield Item({"id": f"urn:ngsi-ld:CropPrice:kk:c{c}", "type": "CropPrice",
                        "commodity": prop(f"c{c}"), "priceType": prop("farmGate")},
                       [Series("price", days, [10.0 + (k % 365) / 100 for k in range(len(days))])]).finish()  # fmt: skip

    store = open_store(db, synchronous="OFF")
    await store.open()
    try:
        await load(store, "", items())
    finally:
        await store.close()


async def _build(db: str, folder: Path) -> tuple[float, int]:
    from isanhub.insight.agri.extract import build
    from isanhub.insight.agri.snapshot import Snapshot
    from isanhub.store.base import open_store

    store = open_store(db)
    await store.open()
    try:
        started = time.perf_counter()
        meta = await build(store, "", Snapshot(folder, ""))
        return time.perf_counter() - started, sum(meta.rows.values())
    finally:
        await store.close()


def raw_read(path: Path) -> tuple[float, int]:
    con = sqlite3.connect(path)
    started = time.perf_counter()
    n = 0
    for (doc,) in con.execute("SELECT doc FROM entities"):
        orjson.loads(doc)
        n += 1
    con.close()
    return time.perf_counter() - started, n


def run(quick: bool) -> list[Result]:
    if on_postgres():
        say("agri: insights read a columnar snapshot, the same on both backends")
        return []
    scale = 0.1 if quick else 1.0
    results = []
    with tempfile.TemporaryDirectory(prefix="isanhub-agri-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        data = tables(scale)
        gen = write(root / "snap", data)
        rows = {k: v.num_rows for k, v in data.items()}
        say(f"agri: snapshot of {rows} written in {time.perf_counter() - started:.1f} s")
        times, scan = time_insights(gen)
        for name, got in times.items():
            worst = max(got)
            say(
                f"agri: {name}: slowest {worst * 1000:.0f} ms, median {sorted(got)[2] * 1000:.0f} ms"
            )
            results.append(Result(
                "agri", f"insight {name}", worst * 1000, "ms", scan * 1000,
                "DuckDB scan of every table", "cost", "< 1,000 ms", worst < MAX_SECONDS,
                {"runs_ms": [round(t * 1000, 1) for t in got], "rows": rows},
            ))  # fmt: skip
        n_par, years = int(100_000 * scale), 10
        db = root / "hub.db"
        started = time.perf_counter()
        asyncio.run(_load(f"sqlite:///{db}", n_par, years))
        say(
            f"agri: {n_par:,} parcels and 50 price series loaded in {time.perf_counter() - started:.1f} s"
        )
        seconds, built = asyncio.run(_build(f"sqlite:///{db}", root / "built"))
        raw, docs = raw_read(db)
        results.append(Result(
            "agri", "snapshot build (SQLite)", built / seconds, "rows/s", docs / raw,
            "raw SQLite read + orjson of the documents", "rate", "reported",
            True, {"rows": built, "seconds": round(seconds, 2)},
        ))  # fmt: skip
    return results
