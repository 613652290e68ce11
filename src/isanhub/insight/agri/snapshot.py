"""The farmer insight's columnar snapshot: the agriculture entities of one tenant and the
history they need, as Parquet tables that DuckDB queries.

Why a snapshot: the insights aggregate 100,000 parcels, ten years of daily prices and
years of hourly weather; a columnar copy answers those in milliseconds on either backend
and in several server processes at once, where the entity store would decode every
document. The snapshot is rebuilt from the store (extract.py) when it is older than the
setting ``agri_refresh``; every answer says when its data was taken.

Layout under the snapshot folder (setting ``agri``)::

    <tenant>/current              the name of the generation being served
    <tenant>/g<time>-<pid>/*.parquet  one file per table below, and meta.json

A build writes a new generation beside the served one and then replaces ``current``
atomically, so a reader sees one whole generation; older generations are removed a
minute after they stopped being current (a reader may still have them open).

``at`` is a keyword in DuckDB's SQL: write it quoted, ``"at"``. Times are naive local
times of Asia/Bangkok (UTC+7, no daylight saving): the calendars,
days and weeks that farmers count in.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from isanhub.insight.folders import tenant_dir

S, F, T = pa.string(), pa.float64(), pa.timestamp("us")


def _schema(*cols: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(cols))


#: table -> its columns; ``province`` and ``district`` are the English names of
#: ``address.addressRegion`` and ``address.addressLocality``
TABLES: dict[str, pa.Schema] = {
    # AgriParcel: ``crop_id`` its hasAgriCrop, ``status`` its cropStatus (null: fallow)
    "parcels": _schema(
        ("id", S), ("farm", S), ("province", S), ("district", S), ("lat", F), ("lon", F),
        ("crop_id", S), ("status", S), ("area_rai", F), ("category", S),
        ("planted_at", T), ("expected_harvest_at", T), ("harvested_at", T),
    ),
    # AgriCrop: ``family`` is rice, cassava, sugarcane or maize (crops.py), else null
    "crops": _schema(
        ("id", S), ("province", S), ("name_th", S), ("name_en", S), ("species", S),
        ("family", S),
    ),
    # AgriFarm
    "farms": _schema(
        ("id", S), ("province", S), ("district", S), ("lat", F), ("lon", F), ("name_th", S),
        ("name_en", S), ("parcels", pa.int64()),
    ),
    # CropPrice: one row per recorded instance of ``price``
    "prices": _schema(
        ("id", S), ("commodity", S), ("crop_id", S), ("price_type", S), ("market", S),
        ("grade", S), ("unit", S), ("province", S), ("district", S), ("name_th", S),
        ("name_en", S), ("at", T), ("price", F),
    ),
    # WeatherObserved: one row per observation time (precipitation in mm in the hour)
    "weather": _schema(
        ("id", S), ("province", S), ("district", S), ("lat", F), ("lon", F), ("at", T),
        ("rain_mm", F), ("temp_c", F),
    ),
    # WeatherForecast: one row per forecast entity (its period and rainfall)
    "forecasts": _schema(
        ("id", S), ("province", S), ("district", S), ("lat", F), ("lon", F),
        ("issued_at", T), ("valid_from", T), ("valid_to", T), ("rain_mm", F),
        ("rain_probability", F), ("temp_max_c", F), ("temp_min_c", F),
    ),
    # FloodMonitoring: the current state of each river gauge
    "levels": _schema(
        ("id", S), ("province", S), ("district", S), ("lat", F), ("lon", F), ("river", S),
        ("level_m", F), ("alert_m", F), ("danger_m", F), ("status", S), ("observed_at", T),
    ),
    # UnmannedAerialVehicle: ``capacity_rai_day`` its dailyCapacityRai when given
    "drones": _schema(
        ("id", S), ("province", S), ("district", S), ("lat", F), ("lon", F), ("name_th", S),
        ("name_en", S), ("community", S), ("tank_l", F), ("mode", S), ("capacity_rai_day", F),
    ),
    # DroneSprayingJob
    "jobs": _schema(
        ("id", S), ("drone_id", S), ("parcel_id", S), ("operation_id", S), ("province", S),
        ("district", S), ("pilot", S), ("area_rai", F), ("product", S), ("fee", F),
        ("currency", S), ("duration_min", F), ("started_at", T), ("ended_at", T),
        ("status", S),
    ),
    # AgriParcelOperation
    "operations": _schema(
        ("id", S), ("parcel_id", S), ("province", S), ("district", S), ("lat", F),
        ("lon", F), ("type", S), ("status", S), ("description", S), ("planned_start", T),
        ("planned_end", T), ("started_at", T), ("ended_at", T), ("work_record", S),
    ),
}  # fmt: skip

KEEP_OLD_S = 60  #: how long a replaced generation stays for readers that opened it


@dataclass(frozen=True)
class Meta:
    """What a generation holds: when it was taken (local time, ISO), how long the build
    took, and the rows per table."""

    taken_at: str
    seconds: float
    rows: dict[str, int]

    def json(self) -> dict[str, Any]:
        return {"takenAt": self.taken_at, "buildSeconds": self.seconds, "rows": self.rows}


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


class Snapshot:
    """One tenant's snapshot folder."""

    def __init__(self, root: str | Path, tenant: str) -> None:
        self.folder = tenant_dir(root, tenant)

    def current(self) -> Path | None:
        """The generation being served, or None before the first build."""
        try:
            name = (self.folder / "current").read_text().strip()
        except FileNotFoundError:
            return None
        path = self.folder / name
        return path if (path / "meta.json").exists() else None

    def meta(self) -> Meta | None:
        gen = self.current()
        if gen is None:
            return None
        raw = orjson.loads((gen / "meta.json").read_bytes())
        return Meta(raw["takenAt"], raw["buildSeconds"], raw["rows"])

    def age(self) -> float | None:
        """Seconds since the served generation was written; None when there is none."""
        gen = self.current()
        return None if gen is None else time.time() - (gen / "meta.json").stat().st_mtime

    def new_generation(self) -> Path:
        path = self.folder / f"g{time.time_ns()}-{os.getpid()}"
        path.mkdir(parents=True)
        return path

    def publish(self, gen: Path, meta: Meta) -> None:
        """Make ``gen`` (every table written) the served generation."""
        (gen / "meta.json").write_bytes(orjson.dumps(meta.json()))
        pointer = self.folder / f"current.{os.getpid()}"
        pointer.write_text(gen.name)
        os.replace(pointer, self.folder / "current")
        self._clean(keep=gen.name)

    def _clean(self, keep: str) -> None:
        now = time.time()
        for path in self.folder.glob("g*"):
            if path.name != keep and now - path.stat().st_mtime > KEEP_OLD_S:
                shutil.rmtree(path, ignore_errors=True)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with one view per table of the served generation (empty
        tables before the first build)."""
        gen = self.current()
        return connect(gen)


def connect(gen: Path | None) -> duckdb.DuckDBPyConnection:
    """DuckDB over the tables of generation folder ``gen`` (None: every table empty)."""
    con = duckdb.connect()
    for name, schema in TABLES.items():
        path = None if gen is None else gen / f"{name}.parquet"
        if path is not None and path.exists():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{_sql_path(path)}')")
        else:
            con.register(f"_{name}_empty", schema.empty_table())
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_empty")
    return con


def write_tables(gen: Path, tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Write whole tables from rows (tests and benchmarks build snapshots this way); the
    rows per table."""
    out = {}
    for name, schema in TABLES.items():
        rows = tables.get(name, [])
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, gen / f"{name}.parquet")
        out[name] = len(rows)
    return out
