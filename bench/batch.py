"""Batch upsert (POST /entityOperations/upsert, 1,000 new entities per request) under wrk,
against raw SQLite: the same entity documents inserted with executemany into a plain
table (id TEXT PRIMARY KEY, doc TEXT) in WAL mode, 1,000 rows per transaction, with the
broker's default durability (synchronous=FULL), in the same run on the same disk.

On PostgreSQL the limit is raw PostgreSQL: the same documents loaded with COPY into a
plain table (id text PRIMARY KEY, doc json) in a scratch schema, 1,000 rows per
transaction, synchronous_commit on (the broker's durability).

Target: >= 50,000 entities/s, and within 10x of raw SQLite (>= 10 % of its rate); on
PostgreSQL (two broker processes by default) >= 30,000 entities/s.

On SQLite a second limit is printed (no target): raw executemany of exactly the rows the
broker writes for the same entities (the document, its type, one index row per attribute,
the R-tree box, the history's entity and one instance per attribute), recorded from the
store's own write path beforehand: what SQLite alone costs for what the broker keeps.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import tempfile
import time
from typing import Any

import orjson

from bench._common import Result, raw_sqlite_connection, say
from bench._data import LUA_ENTITY, batch
from bench._server import BASE, Server, on_postgres, workers
from bench._wrk import THREAD_IDS, measure

TITLE = "Batch upsert, 1,000 per request"
MIN_RATE = 50_000
MIN_SHARE = 0.10
PG_MIN_RATE = 30_000
SIZE = 1000

LUA = """
local n = 0
local run = "%(run)s"
local headers = {["Content-Type"] = "application/json"}
function init(args)
  math.randomseed(tid + 1)
end
function request()
  n = n + 1
  local parts = {}
  for k = 1, %(size)d do
    local id = string.format("urn:ngsi-ld:AirQualityObserved:%%s-%%d-%%d-%%d", run, tid, n, k)
    parts[k] = entity(id, n * %(size)d + k)
  end
  return wrk.format("POST", "%(path)s", headers, "[" .. table.concat(parts, ",") .. "]")
end
"""


def script() -> str:
    return (
        THREAD_IDS
        + LUA_ENTITY
        + LUA
        % {"run": secrets.token_hex(4), "size": SIZE, "path": f"{BASE}/entityOperations/upsert"}
    )


def raw_docs(rows: int) -> list[list[tuple[str, str]]]:
    """(id, JSON text) of ``rows`` entities in chunks of SIZE, made before the clock runs."""
    return [
        [(e["id"], orjson.dumps(e).decode()) for e in batch(start, SIZE)]
        for start in range(0, rows, SIZE)
    ]


def raw_sqlite_rate(rows: int) -> float:
    """Rows/s of executemany into (id TEXT PRIMARY KEY, doc TEXT), WAL, FULL sync."""
    docs = raw_docs(rows)
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-raw-") as d:
        conn = raw_sqlite_connection(os.path.join(d, "raw.db"))
        conn.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, doc TEXT)")
        t0 = time.perf_counter()
        for chunk in docs:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO raw (id, doc) VALUES (?, ?)", chunk)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        conn.close()
    return len(docs) * SIZE / elapsed


class _Recorder:
    """A connection that records every executemany (statement and rows) it forwards."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.calls: list[tuple[str, list[Any]]] = []

    def executemany(self, statement: str, rows: Any) -> Any:
        rows = list(rows)
        self.calls.append((statement, rows))
        return self.conn.executemany(statement, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def broker_rows(rows: int) -> list[list[tuple[str, list[Any]]]]:
    """The statements and rows the broker's SQLite store writes for ``rows`` new entities
    (index rows, geometry, history), a list per batch of SIZE: recorded from the store's
    own write path, in process, before the clock runs."""
    from isanhub.core.context import ContextResolver
    from isanhub.core.model import expand_entity, now_iso
    from isanhub.store.base import Change
    from isanhub.store.sqlite.store import SqliteStore

    terms = asyncio.run(ContextResolver().resolve(None))
    out = []
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-rows-") as d:
        store = SqliteStore(os.path.join(d, "h.db"))
        store.open_sync()
        writer = store._writer
        assert writer is not None
        recorder = _Recorder(writer._conn)
        writer._conn = recorder  # type: ignore[assignment]
        for start in range(0, rows, SIZE):
            now = now_iso()
            entities = [expand_entity(e, terms, now=now) for e in batch(start, SIZE)]
            recorder.calls = []
            store.write_many_sync(
                "", [(e["id"], lambda current, e=e: Change(e, True)) for e in entities]
            )
            out.append(recorder.calls)
        writer._conn = recorder.conn
        store.close_sync()
    return out


def raw_rows_rate(rows: int) -> float:
    """Entities/s of raw executemany of exactly the rows the broker writes for them, on a
    fresh file with the broker's schema, a transaction per batch, WAL, FULL sync."""
    from isanhub.store.sqlite.schema import migrate

    recorded = broker_rows(rows)
    with tempfile.TemporaryDirectory(prefix="isanhub-bench-raw-") as d:
        conn = raw_sqlite_connection(os.path.join(d, "raw.db"))
        migrate(conn)
        t0 = time.perf_counter()
        for calls in recorded:
            conn.execute("BEGIN")
            for statement, values in calls:
                conn.executemany(statement, values)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        conn.close()
    return len(recorded) * SIZE / elapsed


def raw_postgres_rate(rows: int) -> float:
    """Rows/s of COPY into (id text PRIMARY KEY, doc json), a transaction per chunk."""
    from bench import _pg

    docs = raw_docs(rows)
    with _pg.scratch_schema() as conn:
        conn.execute("CREATE TABLE raw (id text PRIMARY KEY, doc json)")
        t0 = time.perf_counter()
        for chunk in docs:
            with conn.transaction(), conn.cursor().copy("COPY raw (id, doc) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
        elapsed = time.perf_counter() - t0
    return len(docs) * SIZE / elapsed


def run(quick: bool) -> list[Result]:
    seconds = 3 if quick else 10
    # Few connections: one request carries 1,000 entities and takes tens of ms or more;
    # 4 keep the broker busy, and requests still in flight when the run ends (which wrk
    # cannot count) stay a small share of the total.
    connections = 4
    with Server.isanhub() as srv:
        url = srv.url + f"{BASE}/entityOperations/upsert"
        hub = measure(srv, url, script, seconds=seconds, connections=connections, timeout="60s")
        say(f"  isanhub: {hub.summary()}")
    rate = hub.rate * SIZE
    rows = max(20 * SIZE, min(200 * SIZE, hub.ok * SIZE))
    same_rows = 0.0
    if on_postgres():
        raw, limit_name = raw_postgres_rate(rows), "raw PostgreSQL COPY, same docs"
        target = f">= {PG_MIN_RATE:,}/s"
        passed = rate >= PG_MIN_RATE and hub.failed == 0
    else:
        raw, limit_name = raw_sqlite_rate(rows), "raw SQLite executemany, same docs"
        target = f">= {MIN_RATE:,}/s and >= {MIN_SHARE:.0%} of raw (within 10x)"
        passed = rate >= MIN_RATE and rate / raw >= MIN_SHARE and hub.failed == 0
        # what SQLite alone takes for everything the broker stores of an entity
        same_rows = raw_rows_rate(min(rows, 50 * SIZE))
        say(
            f"  raw SQLite executemany of the rows the broker writes (index, geometry,"
            f" history): {same_rows:,.0f} entities/s; isanhub {rate / same_rows:.1%} of it"
        )
    say(f"  isanhub: {rate:,.0f} entities/s; {limit_name}: {raw:,.0f} rows/s ({rows:,} rows)")
    return [
        Result(
            bench="batch",
            name=TITLE,
            figure=rate,
            unit="entities/s",
            limit=raw,
            limit_name=limit_name,
            kind="rate",
            target=target,
            passed=passed,
            details={
                "workers": workers(),
                "batch_size": SIZE,
                "connections": connections,
                "seconds": seconds,
                "requests_per_s": round(hub.rate, 2),
                "raw_rows": rows,
                "raw_same_rows_entities_per_s": round(same_rows) or None,
                "isanhub": hub.as_details(),
            },
        )
    ]
