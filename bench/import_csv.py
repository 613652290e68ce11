"""File import: ``isanhub import`` of a 1,000,000-row readings CSV (1,000 air stations x
1,000 hours; columns station, time, pm25, pm10, temperature: 3,000,000 history values)
into a fresh SQLite file, run as a user runs it (a child process, both passes: the check
of every row, then the write). Twice: rows hour by hour (a logger's order) and station by
station (a per-station export's order). With --quick: 1,000 stations x 100 hours.

The figure is rows/s over the command's whole run; its peak RSS (and peak anonymous RSS,
which leaves out SQLite's memory-mapped file pages) is sampled with psutil. The limit,
measured in the same run: raw SQLite executemany of the same rows (already parsed) into a
plain table (station TEXT, t INTEGER, pm25 REAL, pm10 REAL, temperature REAL) indexed on
(station, t), WAL, synchronous=FULL, one transaction per 100,000 rows. On PostgreSQL the
import goes into a fresh hub namespace and the limit is COPY into the equivalent table.

Target: >= 50,000 rows/s on SQLite (none on PostgreSQL: recorded).
"""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench._common import Result, no_target, raw_sqlite_connection, say
from bench._server import _clean_env, _isanhub_command, on_postgres, source_dir

TITLE = "File import: 1,000,000-row CSV"
MIN_RATE = 50_000  # rows/s, SQLite
STATIONS = 1000
START = datetime(2025, 1, 1, tzinfo=UTC)
RAW_CHUNK = 100_000
MAPPING = """
type = "AirQualityObserved"
id = "urn:ngsi-ld:AirQualityObserved:{station}"
time = "time"
[attributes]
pm25 = { type = "number", unit = "GQ" }
pm10 = { type = "number", unit = "GQ" }
temperature = { type = "number", unit = "CEL" }
[static]
dataProvider = "isanhub benchmark"
"""


def reading(s: int, h: int) -> tuple[float, float, float]:
    """Plausible values, cheap to make: a daily cycle and a per-station level."""
    local = (h + 7) % 24
    pm25 = round(12 + (s % 37) + 10 * (1 if local < 9 else 0) + (h * 7 + s) % 11 * 0.5, 1)
    return pm25, round(pm25 * 1.6 + (s % 5), 1), round(24 + (local - 6) % 24 * 0.4, 1)


def write_csv(path: Path, hours: int, by_station: bool) -> int:
    times = [(START + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") for h in range(hours)]
    order = (
        ((s, h) for s in range(STATIONS) for h in range(hours))
        if by_station
        else ((s, h) for h in range(hours) for s in range(STATIONS))
    )
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["station", "time", "pm25", "pm10", "temperature"])
        for s, h in order:
            out.writerow([f"KKN-{s:04d}", times[h], *reading(s, h)])
    return STATIONS * hours


class Peak:
    """Samples a process's RSS and anonymous RSS every 50 ms; keeps the maxima."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.rss = self.anon = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        status = f"/proc/{self.proc.pid}/status"
        while not self._stop.is_set():
            try:
                self.rss = max(self.rss, self.proc.memory_info().rss)
                with open(status) as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            self.anon = max(self.anon, int(line.split()[1]) * 1024)
            except (psutil.Error, OSError):
                return
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_import(csv_path: Path, mapping: Path, db: str) -> tuple[float, dict[str, Any], Peak]:
    argv = [*_isanhub_command(), "import", str(csv_path), "--mapping", str(mapping)]
    argv += ["--db", db, "--quiet", "--json"]
    env = _clean_env()
    if os.environ.get("BENCH_SRC"):
        env["PYTHONPATH"] = str(source_dir())
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = Peak(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    peak.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"isanhub import exited {proc.returncode}: {err.decode()[-2000:]}")
    return seconds, orjson.loads(out), peak


def raw_rows(csv_path: Path) -> list[tuple[str, int, float, float, float]]:
    with csv_path.open(newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return [
            (s, int(datetime.fromisoformat(t).timestamp()), float(a), float(b), float(c))
            for s, t, a, b, c in rows
        ]


def raw_limit(rows: list[tuple[str, int, float, float, float]]) -> float:
    """Rows/s of raw inserts of the same rows (SQLite executemany or PostgreSQL COPY)."""
    chunks = [rows[n : n + RAW_CHUNK] for n in range(0, len(rows), RAW_CHUNK)]
    ddl = "CREATE TABLE raw (station TEXT, t BIGINT, pm25 REAL, pm10 REAL, temperature REAL)"
    index = "CREATE INDEX raw_by_time ON raw (station, t)"
    if on_postgres():
        from bench import _pg

        with _pg.scratch_schema() as conn:
            conn.execute(ddl.replace("REAL", "double precision"))
            conn.execute(index)
            t0 = time.perf_counter()
            for chunk in chunks:
                with conn.transaction(), conn.cursor().copy("COPY raw FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            return len(rows) / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-raw-") as d:
        conn = raw_sqlite_connection(os.path.join(d, "raw.db"))
        conn.execute(ddl)
        conn.execute(index)
        t0 = time.perf_counter()
        for chunk in chunks:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO raw VALUES (?,?,?,?,?)", chunk)
            conn.execute("COMMIT")
        rate = len(rows) / (time.perf_counter() - t0)
        conn.close()
    return rate


def one(work: Path, hours: int, by_station: bool) -> Result:
    order = "station by station" if by_station else "hour by hour"
    csv_path = work / f"readings-{'station' if by_station else 'hour'}.csv"
    n = write_csv(csv_path, hours, by_station)
    mapping = work / "air.toml"
    mapping.write_text(MAPPING)
    say(f"  {n:,} rows ({order}), {csv_path.stat().st_size / 1e6:,.0f} MB of CSV")
    namespace = None
    if on_postgres():
        from bench import _pg

        _pg.ensure_database()
        namespace = _pg.fresh_namespace()
        db = _pg.hub_url(namespace)
    else:
        db = f"sqlite:///{work / f'hub-{order[0:4]}.db'}"
    try:
        seconds, report, peak = run_import(csv_path, mapping, db)
    finally:
        if namespace is not None:
            from bench import _pg

            _pg.drop_namespace(namespace)
    if report["rows"] != n or report["instances"] != 3 * n or report["status"] != "imported":
        raise RuntimeError(f"the import did not take every row: {report}")
    rate = n / seconds
    limit = raw_limit(raw_rows(csv_path))
    raw_name = "PostgreSQL COPY" if on_postgres() else "SQLite executemany"
    say(
        f"  import: {seconds:.1f} s = {rate:,.0f} rows/s ({3 * rate:,.0f} values/s); "
        f"peak RSS {peak.rss / 1e6:,.0f} MB (anonymous {peak.anon / 1e6:,.0f} MB); "
        f"raw {raw_name} {limit:,.0f} rows/s"
    )
    target = f">= {MIN_RATE:,} rows/s"
    passed = rate >= MIN_RATE
    if on_postgres():
        target, passed = no_target(target), True
    return Result(
        bench="import_csv",
        name=f"isanhub import, {n:,}-row CSV, {order}",
        figure=rate,
        unit="rows/s",
        limit=limit,
        limit_name=f"raw {raw_name} of the parsed rows, {RAW_CHUNK:,} per transaction",
        kind="rate",
        target=target,
        passed=passed,
        details={
            "rows": n,
            "values": report["instances"],
            "entities": report["entities"],
            "seconds": round(seconds, 2),
            "seconds_in_report": report["seconds"],
            "peak_rss_mb": round(peak.rss / 1e6, 1),
            "peak_anonymous_rss_mb": round(peak.anon / 1e6, 1),
            "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
        },
    )


def run(quick: bool) -> list[Result]:
    hours = 100 if quick else 1000
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-import-") as d:
        return [one(Path(d), hours, by_station) for by_station in (False, True)]
