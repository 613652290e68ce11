"""Query latency over 100,000 AirQualityObserved entities (1,000,000 on PostgreSQL; 20,000
with --quick; BENCH_QUERY_ENTITIES=N sets another count), one connection, sequential
requests (httpx): ``type=AirQualityObserved&q=pm25>40&limit=100`` and a ``near`` geo-query
(2 km around random points in Khon Kaen province, limit 100).

The limit is the floor for the same answer measured in the same run: the bare ASGI app's
latency for a body of the same size with the same client, plus raw SQLite's time for the
equivalent query on a plain table (rowid scan with a pm25 column; an R*Tree of the points
and an exact distance test), both p95. On PostgreSQL the raw part is raw PostgreSQL's
time on a plain table built with COPY (a primary-key scan with a pm25 column; a PostGIS
point column with a GiST index, a bounding-box ``&&`` and an exact ST_DWithin).

Target: p95 <= 20 ms for each; on PostgreSQL (two broker processes by default) p95 <= 30 ms.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from bench._common import Result, latency_summary, say
from bench._data import LAT, LON, TYPE, batch, load
from bench._server import BASE, Server, on_postgres, workers

TITLE = "Query latency: type+q and near"
MAX_P95_MS = 20.0
PG_MAX_P95_MS = 30.0
RADIUS_M = 2000.0
PM25 = 40
LIMIT = 100
BUDGET = 90.0  # seconds of requests per query kind at most ...
MIN_REQUESTS = 5  # ... once this many were measured
REQUEST_TIMEOUT = 60.0  # one request slower than this ends the series (figure: >= this)
WARMUP_SECONDS = 10.0


def q_params(_rng: random.Random) -> dict[str, str]:
    return {"type": TYPE, "q": f"pm25>{PM25}", "limit": str(LIMIT)}


def near_point(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(*LON), 6), round(rng.uniform(*LAT), 6)


def near_params(rng: random.Random) -> dict[str, str]:
    lon, lat = near_point(rng)
    return {
        "type": TYPE,
        "georel": f"near;maxDistance=={RADIUS_M:.0f}",
        "geometry": "Point",
        "coordinates": f"[{lon},{lat}]",
        "limit": str(LIMIT),
    }


@dataclass
class Timings:
    times: list[float]  # seconds, one per measured request
    bodies: list[bytes]
    timed_out: bool = False  # a request hit REQUEST_TIMEOUT (counted as that long): stopped


Params = dict[str, str]


def timed_gets(
    url: str,
    path: str,
    make: Callable[[random.Random], Params | tuple[str, Params]],
    n: int,
    warmup: int,
    budget: float = BUDGET,
    timeout: float = REQUEST_TIMEOUT,
) -> Timings:
    """Latencies of up to n sequential GETs on one connection after warm-up requests
    (at most WARMUP_SECONDS of them), bounded by ``budget`` seconds once MIN_REQUESTS were
    measured, and by ``timeout`` for one request (counted as that long; the series ends).
    ``make`` gives each request's parameters, or (path, parameters) when the path varies
    (one entity's URL); ``path`` is the default."""
    rng = random.Random(7)
    out = Timings([], [])
    start = time.perf_counter()
    with httpx.Client(base_url=url, timeout=timeout) as client:
        i = 0
        while len(out.times) < n:
            req = make(rng)
            at, params = req if isinstance(req, tuple) else (path, req)
            t0 = time.perf_counter()
            try:
                r = client.get(at, params=params)
            except httpx.TimeoutException:
                out.times.append(timeout)
                out.timed_out = True
                break
            dt = time.perf_counter() - t0
            if r.status_code != 200:
                raise RuntimeError(f"GET {at} {params}: {r.status_code} {r.text[:300]}")
            i += 1
            if i > warmup or t0 - start > WARMUP_SECONDS:
                out.times.append(dt)
                out.bodies.append(r.content)
                if t0 - start > budget and len(out.times) >= MIN_REQUESTS:
                    break
    return out


# --- raw SQLite floor ----------------------------------------------------------------------


def build_raw(path: str, count: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE raw (id TEXT PRIMARY KEY, type TEXT, pm25 REAL, lon REAL, lat REAL, doc TEXT)"
    )
    conn.execute("CREATE VIRTUAL TABLE raw_geo USING rtree (id, minx, maxx, miny, maxy)")
    conn.execute("BEGIN")
    rowid = 0
    for start in range(0, count, 1000):
        rows, boxes = [], []
        for e in batch(start, min(1000, count - start)):
            rowid += 1
            lon, lat = e["location"]["value"]["coordinates"]
            doc = orjson.dumps(e).decode()
            rows.append((rowid, e["id"], TYPE, e["pm25"]["value"], lon, lat, doc))
            boxes.append((rowid, lon, lon, lat, lat))
        conn.executemany(
            "INSERT INTO raw (rowid, id, type, pm25, lon, lat, doc) VALUES (?,?,?,?,?,?,?)", rows
        )
        conn.executemany("INSERT INTO raw_geo VALUES (?,?,?,?,?)", boxes)
    conn.execute("COMMIT")
    return conn


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def raw_q(conn: sqlite3.Connection, _rng: random.Random) -> int:
    rows = conn.execute(
        "SELECT doc FROM raw WHERE type = ? AND pm25 > ? ORDER BY rowid LIMIT ?",
        (TYPE, PM25, LIMIT),
    ).fetchall()
    return len(rows)


def raw_near(conn: sqlite3.Connection, rng: random.Random) -> int:
    lon, lat = near_point(rng)
    dlat = RADIUS_M / 111_320
    dlon = dlat / math.cos(math.radians(lat))
    out = []
    for doc, x, y in conn.execute(
        "SELECT r.doc, r.lon, r.lat FROM raw_geo g JOIN raw r ON r.rowid = g.id"
        " WHERE g.maxx >= ? AND g.minx <= ? AND g.maxy >= ? AND g.miny <= ? AND r.type = ?"
        " ORDER BY r.rowid",
        (lon - dlon, lon + dlon, lat - dlat, lat + dlat, TYPE),
    ):
        if _haversine_m(lon, lat, x, y) <= RADIUS_M:
            out.append(doc)
            if len(out) == LIMIT:
                break
    return len(out)


# --- raw PostgreSQL floor ------------------------------------------------------------------


def build_raw_pg(conn: Any, count: int) -> None:
    """The plain table in the scratch schema of ``conn``, filled with COPY, then indexed."""
    conn.execute(
        "CREATE TABLE raw (rid bigint PRIMARY KEY, id text, type text, pm25 double precision,"
        " g geometry(Point, 4326), doc json)"
    )
    copy_sql = "COPY raw (rid, id, type, pm25, g, doc) FROM STDIN"
    rid = 0
    with conn.transaction(), conn.cursor().copy(copy_sql) as copy:
        for start in range(0, count, 1000):
            for e in batch(start, min(1000, count - start)):
                rid += 1
                lon, lat = e["location"]["value"]["coordinates"]
                point = f"SRID=4326;POINT({lon} {lat})"
                doc = orjson.dumps(e).decode()
                copy.write_row((rid, e["id"], TYPE, e["pm25"]["value"], point, doc))
    conn.execute("CREATE INDEX raw_g ON raw USING gist (g)")
    # hint bits and statistics now, not in the first measured queries
    conn.execute("VACUUM ANALYZE raw")


def raw_q_pg(conn: Any, _rng: random.Random) -> int:
    rows = conn.execute(
        "SELECT doc FROM raw WHERE type = %s AND pm25 > %s ORDER BY rid LIMIT %s",
        (TYPE, PM25, LIMIT),
    ).fetchall()
    return len(rows)


def raw_near_pg(conn: Any, rng: random.Random) -> int:
    lon, lat = near_point(rng)
    dlat = RADIUS_M / 111_320
    dlon = dlat / math.cos(math.radians(lat))
    rows = conn.execute(
        "SELECT doc FROM raw WHERE type = %s AND g && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        " AND ST_DWithin(g::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography,"
        " %s, false) ORDER BY rid LIMIT %s",
        (TYPE, lon - dlon, lat - dlat, lon + dlon, lat + dlat, lon, lat, RADIUS_M, LIMIT),
    ).fetchall()
    return len(rows)


def raw_floor(count: int, n: int) -> tuple[list[float], list[float]]:
    """Raw q and near times (seconds) on a plain table of ``count`` entities: SQLite in a
    temp file, or PostgreSQL in a scratch schema."""
    if on_postgres():
        from bench import _pg

        with _pg.scratch_schema() as conn:
            t0 = time.perf_counter()
            build_raw_pg(conn, count)
            say(f"  raw PostgreSQL table of {count:,} built in {time.perf_counter() - t0:.0f} s")
            return timed_raw(conn, raw_q_pg, n), timed_raw(conn, raw_near_pg, n)
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-raw-") as d:
        conn = build_raw(os.path.join(d, "raw.db"), count)
        times = timed_raw(conn, raw_q, n), timed_raw(conn, raw_near, n)
        conn.close()
    return times


def timed_raw(conn: Any, fn: Callable[..., int], n: int) -> list[float]:
    rng = random.Random(7)
    times = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        fn(conn, rng)
        if i >= 20:
            times.append(time.perf_counter() - t0)
    return times


# --- the benchmark -------------------------------------------------------------------------


def latency_result(
    bench: str,
    name: str,
    hub: Timings,
    limit: float,
    limit_name: str,
    max_p95: float,
    details: dict,
) -> Result:
    """The broker's p95 against a floor (ms); a series cut by a time-out counts that
    request as the time-out, so its percentiles are lower bounds."""
    h = latency_summary(hub.times)
    return Result(
        bench=bench,
        name=name,
        figure=h["p95_ms"],
        unit="ms p95",
        limit=limit,
        limit_name=limit_name,
        kind="cost",
        target=f"p95 <= {max_p95:.0f} ms",
        passed=h["p95_ms"] <= max_p95 and not hub.timed_out,
        lower_bound=hub.timed_out and h["p95_ms"] >= max(hub.times) * 1000,
        details={"isanhub": h, "timed_out": hub.timed_out, "workers": workers(), **details},
    )


def _result(name: str, hub: Timings, bare: Timings, raw: list[float], extra: dict) -> Result:
    """p95 against the floor: the bare app's p95 plus raw SQL's."""
    b, r = latency_summary(bare.times), latency_summary(raw)
    raw_name = "PostgreSQL" if on_postgres() else "SQLite"
    max_p95 = PG_MAX_P95_MS if on_postgres() else MAX_P95_MS
    limit_name = f"bare ASGI p95 + raw {raw_name} p95"
    details = {"bare": b, f"raw_{raw_name.lower()}": r, **extra}
    return latency_result(
        "query", name, hub, b["p95_ms"] + r["p95_ms"], limit_name, max_p95, details
    )


def entity_count(quick: bool) -> int:
    """BENCH_QUERY_ENTITIES, else 20,000 with --quick, else 1,000,000 on PostgreSQL (its
    target's size) and 100,000 on SQLite."""
    if os.environ.get("BENCH_QUERY_ENTITIES"):
        return int(os.environ["BENCH_QUERY_ENTITIES"])
    if quick:
        return 20_000
    return 1_000_000 if on_postgres() else 100_000


def progress(count: int) -> Callable[[int], None]:
    """Prints every 100,000 entities loaded: a million take minutes."""
    t0 = time.perf_counter()

    def show(done: int) -> None:
        if done % 100_000 == 0 and done < count:
            rate = done / (time.perf_counter() - t0)
            say(f"    {done:,} of {count:,} loaded ({rate:,.0f}/s)")

    return show


def run(quick: bool) -> list[Result]:
    count = entity_count(quick)
    n = 200 if quick else 1000
    warmup = 50
    budget = 20.0 if quick else BUDGET
    timeout = 10.0 if quick else REQUEST_TIMEOUT
    path = f"{BASE}/entities"
    with Server.isanhub() as srv:
        took = load(srv.url, count, progress=progress(count))
        say(f"  loaded {count:,} entities in {took:.1f} s")
        near = timed_gets(srv.url, path, near_params, n, warmup, budget, timeout)
        # a 100-entity page of the same shape, for the bare app's body should q time out
        page = httpx.get(srv.url + path, params={"type": TYPE, "limit": str(LIMIT)}, timeout=60)
        q = timed_gets(srv.url, path, q_params, n, warmup, budget, timeout)
        if q.timed_out:
            say(f"  q query: a request took over {timeout:.0f} s; stopping the server")
            srv.stop(grace=2)
    if not q.timed_out and min(len(orjson.loads(b)) for b in q.bodies) != LIMIT:
        raise RuntimeError(f"the q query did not return {LIMIT} entities")
    q_body = q.bodies[0] if q.bodies else page.content
    near_body = sorted(near.bodies, key=len)[len(near.bodies) // 2]  # the median size
    near_hits = [len(orjson.loads(b)) for b in near.bodies]
    with Server.bare(q_body) as bare:
        bare_q = timed_gets(bare.url, path, q_params, n, warmup, budget, timeout)
    with Server.bare(near_body) as bare:
        bare_near = timed_gets(bare.url, path, near_params, n, warmup, budget, timeout)
    raw_q_times, raw_near_times = raw_floor(count, n)
    results = [
        _result(
            f"Query type+q over {count:,} (100 results)",
            q,
            bare_q,
            raw_q_times,
            {"entities": count, "body_bytes": len(q_body), "query": q_params(random.Random())},
        ),
        _result(
            f"Query near 2 km over {count:,} (limit 100)",
            near,
            bare_near,
            raw_near_times,
            {
                "entities": count,
                "median_body_bytes": len(near_body),
                "mean_results": round(sum(near_hits) / len(near_hits), 1),
                "query": near_params(random.Random(7)),
            },
        ),
    ]
    for r in results:
        h = r.details["isanhub"]
        more = f" (a request timed out after {timeout:.0f} s)" if r.details["timed_out"] else ""
        say(
            f"  {r.name}: {h['n']} requests, p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, "
            f"p99 {h['p99_ms']} ms{more}"
        )
    return results
