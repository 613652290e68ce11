"""History (the temporal API): a year of hourly PM2.5 from 100 sensors in Khon Kaen
(876,000 instances) posted to POST /temporal/entities, one sensor and one calendar month
per request, 4 connections (httpx threads); then two aggregations of it, sequential
requests on one connection: the hourly average of one random sensor over the year
(8,760 periods) and the daily average of every sensor over a random month. With --quick:
10 sensors x a year.

The limits are measured in the same run on the same rows: raw SQLite executemany into a
plain table (sensor TEXT, t INTEGER, value REAL, doc TEXT) indexed on (sensor, t), WAL,
synchronous=FULL, one transaction per request's rows, then the equivalent GROUP BY on it
(p95 over as many runs as the broker's). On PostgreSQL: COPY into the equivalent table
in a scratch schema, a transaction per request's rows, and the same GROUP BY.

Targets: ingest >= 100,000 instances/s on SQLite (none on PostgreSQL: recorded); p95 of
the hourly average <= 50 ms and of the daily average of all sensors <= 200 ms on both.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from bench._common import Result, latency_summary, no_target, raw_sqlite_connection, say
from bench._data import JSON_HEADERS, TYPE
from bench._server import BASE, Server, on_postgres, workers
from bench.query import Params, Timings, latency_result, timed_gets, timed_raw

TITLE = "History: ingest and aggregations"
MIN_RATE = 100_000  # instances/s, SQLite
MAX_HOURLY_P95_MS = 50.0
MAX_DAILY_P95_MS = 200.0
CONNECTIONS = 4
SEED = 2025
START = datetime(2025, 1, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
PATH = f"{BASE}/temporal/entities"

# Monthly means of PM2.5 (ug/m3) shaped on Khon Kaen's: the dry season's burning
# (Jan-Apr, worst in March) far above the rainy season's washed-out air (Jun-Sep).
MONTHLY = (45.0, 52.0, 58.0, 38.0, 20.0, 13.0, 11.0, 10.0, 12.0, 18.0, 28.0, 38.0)
PHI = 0.97  # hourly persistence of the log-level: haze episodes last a day or two ...
SIGMA = 0.35 * math.sqrt(1 - PHI**2)  # ... spreading it by about +-35 %
NOISE = 0.08  # and hour-to-hour measurement noise


@dataclass(frozen=True)
class Plan:
    sensors: int
    months: int

    def month_start(self, m: int) -> datetime:
        return datetime(START.year + m // 12, m % 12 + 1, 1, tzinfo=UTC)

    def hour_of(self, m: int) -> int:
        """Hours from START to the start of month ``m``."""
        return (self.month_start(m) - START) // timedelta(hours=1)

    @property
    def hours(self) -> int:
        return self.hour_of(self.months)

    @property
    def total(self) -> int:
        return self.sensors * self.hours


def plan_for(quick: bool) -> Plan:
    """100 sensors x a year; --quick keeps the year (the hourly query's 8,760 periods, the
    target's shape) with 10 sensors: 87,600 instances, loaded in seconds."""
    return Plan(10, 12) if quick else Plan(100, 12)


def sensor_id(s: int) -> str:
    return f"urn:ngsi-ld:{TYPE}:S{s + 1:03d}"


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the data ------------------------------------------------------------------------------


def seasonal(h: int) -> float:
    """The monthly mean at hour ``h`` of the year, interpolated between mid-months so that
    the season moves smoothly rather than in monthly steps."""
    x = h / (365 * 24) * 12 - 0.5  # months since mid-January
    i = math.floor(x)
    f = x - i
    return MONTHLY[i % 12] * (1 - f) + MONTHLY[(i + 1) % 12] * f


def diurnal(h: int) -> float:
    """The daily cycle (local time UTC+7): the night's inversion keeps smoke near the
    ground (high from midnight to the morning traffic, about 1.2x), the afternoon's mixing
    dilutes it (about 0.7x at 15 h)."""
    local = (h + 7) % 24
    return (
        1
        + 0.25 * math.cos(2 * math.pi * (local - 4) / 24)
        + 0.1 * math.cos(4 * math.pi * (local - 8) / 24)
    )


def series(s: int, hours: int) -> list[float]:
    """Sensor ``s``'s hourly PM2.5 (ug/m3, 0.1 steps), the same for every run."""
    rng = random.Random(SEED * 1000 + s)
    level = rng.uniform(0.75, 1.3)  # town-centre sites above rural ones
    x = 0.0
    out = []
    for h in range(hours):
        x = PHI * x + SIGMA * rng.gauss(0.0, 1.0)
        v = seasonal(h) * diurnal(h) * level * math.exp(x + NOISE * rng.gauss(0.0, 1.0))
        out.append(max(1.0, round(v, 1)))
    return out


@dataclass
class Chunk:
    """One request's instances: one sensor, one calendar month."""

    sensor: int
    first: int  # hour of the year of the first instance
    values: list[float]


def chunks(plan: Plan) -> list[Chunk]:
    """Month by month, every sensor in turn: concurrent requests write different entities,
    as sensors reporting at once would."""
    data = [series(s, plan.hours) for s in range(plan.sensors)]
    out = []
    for m in range(plan.months):
        a, b = plan.hour_of(m), plan.hour_of(m + 1)
        out += [Chunk(s, a, data[s][a:b]) for s in range(plan.sensors)]
    return out


def instance(value: float, stamp: str) -> dict[str, Any]:
    return {"type": "Property", "value": value, "unitCode": "GQ", "observedAt": stamp}


def stamps(hours: int) -> list[str]:
    return [iso(START + timedelta(hours=h)) for h in range(hours)]


def body(c: Chunk, times: list[str]) -> bytes:
    pm25 = [instance(v, times[c.first + k]) for k, v in enumerate(c.values)]
    return orjson.dumps({"id": sensor_id(c.sensor), "type": TYPE, "pm25": pm25})


# --- ingest through the broker -------------------------------------------------------------


@dataclass
class Ingest:
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds per request
    server_cpu_s: float = 0.0
    db_cpu_s: float = 0.0


def ingest(srv: Server, bodies: list[tuple[int, bytes]], total: int) -> Ingest:
    """POST the (instances, body) requests on CONNECTIONS connections; prints progress
    every 10 %. A failed request stops the run with the server's log."""
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()
    out = Ingest()
    done = 0
    step = total / 10
    next_mark = step

    def post(item: tuple[int, bytes]) -> None:
        nonlocal done, next_mark
        n, content = item
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=srv.url, timeout=300)
            with lock:
                clients.append(client)
        t0 = time.perf_counter()
        r = client.post(PATH, content=content, headers=JSON_HEADERS)
        dt = time.perf_counter() - t0
        if r.status_code not in (201, 204):
            raise RuntimeError(
                f"POST {PATH}: {r.status_code} {r.text[:300]}\nserver log:\n{srv.log_tail()}"
            )
        with lock:
            out.statuses[r.status_code] = out.statuses.get(r.status_code, 0) + 1
            out.latencies.append(dt)
            done += n
            if done >= next_mark and done < total:
                rate = done / (time.perf_counter() - t_start)
                say(f"    {done:,} of {total:,} instances ({done / total:.0%}), {rate:,.0f}/s")
                while next_mark <= done:
                    next_mark += step

    cpu, db = srv.cpu_seconds(), srv.db_cpu()
    t_start = time.perf_counter()
    pool = ThreadPoolExecutor(CONNECTIONS)
    try:
        for f in [pool.submit(post, item) for item in bodies]:
            f.result()
    finally:
        # on a failure, do not wait for the hundreds of requests still queued
        pool.shutdown(cancel_futures=True)
        for c in clients:
            c.close()
    out.seconds = time.perf_counter() - t_start
    srv.wait_idle()
    out.server_cpu_s = srv.cpu_seconds() - cpu
    out.db_cpu_s = Server.db_cpu_used(db, srv.db_cpu())
    return out


def count_instances(srv: Server, plan: Plan) -> tuple[int, float]:
    """Every sensor's totalCount over the whole window (one aggregation, one period):
    the broker must hold every instance posted. Also how long it took (s)."""
    params = {
        "type": TYPE,
        "attrs": "pm25",
        "options": "aggregatedValues",
        "aggrMethods": "totalCount",
        "timerel": "between",
        "timeAt": iso(START),
        "endTimeAt": iso(plan.month_start(plan.months)),
        "limit": "100",
    }
    t0 = time.perf_counter()
    r = httpx.get(srv.url + PATH, params=params, timeout=300)
    took = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"GET {PATH} {params}: {r.status_code} {r.text[:300]}")
    return sum(e["pm25"]["totalCount"][0][0] for e in r.json()), took


# --- the two aggregations ------------------------------------------------------------------


def hourly_request(plan: Plan) -> Callable[[random.Random], tuple[str, Params]]:
    """The hourly average of one random sensor over the whole window."""

    def make(rng: random.Random) -> tuple[str, Params]:
        params = {
            "attrs": "pm25",
            "options": "aggregatedValues",
            "aggrMethods": "avg",
            "aggrPeriodDuration": "PT1H",
            "timerel": "between",
            "timeAt": iso(START),
            "endTimeAt": iso(plan.month_start(plan.months)),
        }
        return f"{PATH}/{sensor_id(rng.randrange(plan.sensors))}", params

    return make


def daily_request(plan: Plan) -> Callable[[random.Random], Params]:
    """The daily average of every sensor over one random month."""

    def make(rng: random.Random) -> Params:
        m = rng.randrange(plan.months)
        return {
            "type": TYPE,
            "attrs": "pm25",
            "options": "aggregatedValues",
            "aggrMethods": "avg",
            "aggrPeriodDuration": "P1D",
            "timerel": "between",
            "timeAt": iso(plan.month_start(m)),
            "endTimeAt": iso(plan.month_start(m + 1)),
            "limit": "100",
        }

    return make


def check_hourly(bodies: list[bytes], plan: Plan) -> None:
    for b in bodies:
        got = len(orjson.loads(b)["pm25"]["avg"])
        if got != plan.hours:
            raise RuntimeError(f"the hourly average has {got} periods, not {plan.hours}")


def check_daily(bodies: list[bytes], plan: Plan) -> None:
    """Every sensor, each with one average per day of the month asked for."""
    for b in bodies:
        doc = orjson.loads(b)
        days = {len(e["pm25"]["avg"]) for e in doc}
        if len(doc) != plan.sensors or not days <= {28, 29, 30, 31} or len(days) != 1:
            raise RuntimeError(f"the daily averages: {len(doc)} entities, {days} days each")


# --- the raw limits ------------------------------------------------------------------------

HOURLY_SQL = (
    "SELECT (t - ?) / ? AS b, avg(value) FROM raw WHERE sensor = ? AND t >= ? AND t < ?"
    " GROUP BY b ORDER BY b"
)
# the sensors named, as the broker reads its candidates' instances (hid IN ...): the
# (sensor, t) index then serves one range per sensor instead of a scan of the table
DAILY_SQL = (
    "SELECT sensor, (t - ?) / ? AS b, avg(value) FROM raw WHERE sensor IN ({}) AND t >= ?"
    " AND t < ? GROUP BY sensor, b ORDER BY sensor, b"
)


def us(t: datetime) -> int:
    """Microseconds since 1970, as the broker keeps instance times."""
    return int(t.timestamp()) * 1_000_000


def raw_rows(c: Chunk, times: list[str]) -> list[tuple[str, int, float, str]]:
    sid, t0 = sensor_id(c.sensor), us(START) + c.first * HOUR_US
    return [
        (sid, t0 + k * HOUR_US, v, orjson.dumps(instance(v, times[c.first + k])).decode())
        for k, v in enumerate(c.values)
    ]


def raw_queries(
    plan: Plan, run: Callable[[str, list[Any]], list[Any]], mark: str
) -> tuple[Callable[[Any, random.Random], int], Callable[[Any, random.Random], int]]:
    """The hourly and daily GROUP BY as timed_raw() functions; ``run`` executes one
    statement, ``mark`` is the driver's placeholder."""
    start, end = us(START), us(plan.month_start(plan.months))
    sensors = [sensor_id(s) for s in range(plan.sensors)]
    daily_sql = DAILY_SQL.format(",".join("?" * len(sensors))).replace("?", mark)

    def hourly(_conn: Any, rng: random.Random) -> int:
        sid = sensor_id(rng.randrange(plan.sensors))
        rows = run(HOURLY_SQL.replace("?", mark), [start, HOUR_US, sid, start, end])
        if len(rows) != plan.hours:
            raise RuntimeError(f"raw hourly GROUP BY: {len(rows)} rows, not {plan.hours}")
        return len(rows)

    def daily(_conn: Any, rng: random.Random) -> int:
        m = rng.randrange(plan.months)
        a, b = us(plan.month_start(m)), us(plan.month_start(m + 1))
        rows = run(daily_sql, [a, DAY_US, *sensors, a, b])
        if len(rows) != plan.sensors * (b - a) // DAY_US:
            raise RuntimeError(f"raw daily GROUP BY: {len(rows)} rows")
        return len(rows)

    return hourly, daily


@dataclass
class Raw:
    rate: float  # rows/s
    hourly: list[float]  # seconds per query
    daily: list[float]


def raw_sqlite(plan: Plan, rows: list[list[Any]], n_hourly: int, n_daily: int) -> Raw:
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-raw-") as d:
        conn = raw_sqlite_connection(os.path.join(d, "raw.db"))
        conn.execute("CREATE TABLE raw (sensor TEXT, t INTEGER, value REAL, doc TEXT)")
        conn.execute("CREATE INDEX raw_by_time ON raw (sensor, t)")
        t0 = time.perf_counter()
        for chunk in rows:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO raw (sensor, t, value, doc) VALUES (?,?,?,?)", chunk)
            conn.execute("COMMIT")
        rate = plan.total / (time.perf_counter() - t0)
        hourly, daily = raw_queries(plan, lambda s, p: conn.execute(s, p).fetchall(), "?")
        out = Raw(rate, timed_raw(conn, hourly, n_hourly), timed_raw(conn, daily, n_daily))
        conn.close()
    return out


def raw_postgres(plan: Plan, rows: list[list[Any]], n_hourly: int, n_daily: int) -> Raw:
    from bench import _pg

    with _pg.scratch_schema() as conn:
        conn.execute("CREATE TABLE raw (sensor text, t bigint, value double precision, doc json)")
        conn.execute("CREATE INDEX raw_by_time ON raw (sensor, t)")
        copy_sql = "COPY raw (sensor, t, value, doc) FROM STDIN"
        t0 = time.perf_counter()
        for chunk in rows:
            with conn.transaction(), conn.cursor().copy(copy_sql) as copy:
                for row in chunk:
                    copy.write_row(row)
        rate = plan.total / (time.perf_counter() - t0)
        # hint bits and statistics now, not in the first measured queries
        conn.execute("VACUUM ANALYZE raw")
        hourly, daily = raw_queries(plan, lambda s, p: conn.execute(s, p).fetchall(), "%s")
        return Raw(rate, timed_raw(conn, hourly, n_hourly), timed_raw(conn, daily, n_daily))


# --- the benchmark -------------------------------------------------------------------------


def _latency(name: str, hub: Timings, raw: list[float], max_p95: float, extra: dict) -> Result:
    """p95 against raw SQL's GROUP BY p95."""
    r = latency_summary(raw)
    raw_name = "PostgreSQL" if on_postgres() else "SQLite"
    details = {f"raw_{raw_name.lower()}": r, **extra}
    limit_name = f"raw {raw_name} GROUP BY p95"
    return latency_result("temporal", name, hub, r["p95_ms"], limit_name, max_p95, details)


def run(quick: bool) -> list[Result]:
    plan = plan_for(quick)
    n, warmup = (50, 5) if quick else (200, 10)
    budget = 15.0 if quick else 60.0
    timeout = 10.0 if quick else 60.0
    say(f"  making {plan.total:,} instances ({plan.sensors} sensors x {plan.months} months)")
    parts = chunks(plan)
    times = stamps(plan.hours)
    bodies = [(len(c.values), body(c, times)) for c in parts]
    body_mb = sum(len(b) for _, b in bodies) / 1e6
    with Server.isanhub() as srv:
        load = ingest(srv, bodies, plan.total)
        del bodies
        rate = plan.total / load.seconds
        req = latency_summary(load.latencies)
        say(
            f"  ingest: {plan.total:,} instances in {len(load.latencies):,} requests in "
            f"{load.seconds:.1f} s = {rate:,.0f}/s (request p50 {req['p50_ms']:.0f} ms, "
            f"max {req['max_ms']:.0f} ms; server CPU {load.server_cpu_s:.1f} s"
            + (f", PostgreSQL CPU {load.db_cpu_s:.1f} s" if load.db_cpu_s else "")
            + ")"
        )
        held, count_s = count_instances(srv, plan)
        if held != plan.total:
            raise RuntimeError(f"the broker holds {held:,} instances, not {plan.total:,}")
        db_bytes = srv.database_bytes()
        say(
            f"  the broker holds all {held:,} (totalCount over all sensors: {count_s:.2f} s); "
            f"database {db_bytes / 1e6:,.0f} MB = {db_bytes / plan.total:,.0f} bytes/instance"
        )
        hourly = timed_gets(srv.url, PATH, hourly_request(plan), n, warmup, budget, timeout)
        # after a time-out the server is still busy with that query: skip the next one
        daily = Timings([timeout], [], timed_out=True)
        if not hourly.timed_out:
            daily = timed_gets(srv.url, PATH, daily_request(plan), n, warmup, budget, timeout)
        if daily.timed_out:
            say(f"  a query took over {timeout:.0f} s; stopping the server")
            srv.stop(grace=2)
    check_hourly(hourly.bodies, plan)
    check_daily(daily.bodies, plan)
    rows = [raw_rows(c, times) for c in parts]
    measure_raw = raw_postgres if on_postgres() else raw_sqlite
    raw = measure_raw(plan, rows, len(hourly.times), len(daily.times))
    raw_name = "PostgreSQL COPY" if on_postgres() else "SQLite executemany"
    say(f"  raw {raw_name}: {raw.rate:,.0f} rows/s")
    target = f">= {MIN_RATE:,} instances/s"
    passed = rate >= MIN_RATE
    if on_postgres():
        target, passed = no_target(target), True
    span = f"{plan.months} months" if plan.months != 12 else "a year"
    results = [
        Result(
            bench="temporal",
            name=f"History ingest, {plan.sensors} sensors x {span} hourly ({plan.total:,})",
            figure=rate,
            unit="instances/s",
            limit=raw.rate,
            limit_name=f"raw {raw_name}, same rows and transactions",
            kind="rate",
            target=target,
            passed=passed,
            details={
                "workers": workers(),
                "sensors": plan.sensors,
                "months": plan.months,
                "instances": plan.total,
                "requests": len(load.latencies),
                "instances_per_request": round(plan.total / len(load.latencies)),
                "connections": CONNECTIONS,
                "body_mb": round(body_mb, 1),
                "seconds": round(load.seconds, 2),
                "statuses": {str(k): v for k, v in sorted(load.statuses.items())},
                "request_latency": req,
                "server_cpu_s": round(load.server_cpu_s, 2),
                "postgres_cpu_s": round(load.db_cpu_s, 2),
                "database_mb": round(db_bytes / 1e6, 1),
                "database_bytes_per_instance": round(db_bytes / plan.total),
                "total_count_query_s": round(count_s, 3),
            },
        ),
        _latency(
            f"History hourly avg, 1 sensor over {span} ({plan.hours:,} periods)",
            hourly,
            raw.hourly,
            MAX_HOURLY_P95_MS,
            {"instances": plan.total, "query": hourly_request(plan)(random.Random(7))[1]},
        ),
        _latency(
            f"History daily avg, {plan.sensors} sensors over a month",
            daily,
            raw.daily,
            MAX_DAILY_P95_MS,
            {"instances": plan.total, "query": daily_request(plan)(random.Random(7))},
        ),
    ]
    for r in results[1:]:
        h = r.details["isanhub"]
        more = " (a request timed out)" if r.details["timed_out"] else ""
        say(
            f"  {r.name}: {h['n']} requests, p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, "
            f"max {h['max_ms']} ms{more}"
        )
    return results
