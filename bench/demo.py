"""The demo city: ``isanhub demo --no-serve`` into a fresh SQLite file, timed from the
command's start to its exit (generation of every province and dimension, loading, and
the KPI scorecard with its 90-day backfill), as a user runs it. With --quick: 14 days.

The limit is measured in the same run: raw SQLite executemany of as many rows as the
demo records (entity TEXT, attr INTEGER, t INTEGER, value REAL, doc TEXT, indexed on
(entity, attr, t)), WAL, synchronous=NORMAL (the demo's setting), 50,000 rows per
transaction: what writing the history alone costs with nothing above SQLite.

Target: the whole demo in under 60 s on the project's 2-core machine (SQLite only).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import Result, raw_sqlite_connection, say
from bench._server import on_postgres

TITLE = "Demo city: build the sandbox and its scorecard"
MAX_SECONDS = 60.0
CHUNK = 50_000


def raw_rows(total: int, path: str) -> float:
    """Seconds to insert ``total`` history-like rows with plain SQLite."""
    conn = raw_sqlite_connection(path)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE h (entity TEXT, attr INTEGER, t INTEGER, value REAL, doc TEXT)")
    conn.execute("CREATE INDEX h_at ON h (entity, attr, t)")
    doc = '{"type":"Property","value":12.5,"observedAt":"2026-11-24T07:00:00Z","unitCode":"GQ"}'
    started = time.perf_counter()
    for first in range(0, total, CHUNK):
        rows = [
            (f"urn:ngsi-ld:AirQualityObserved:khon-kaen:4001:{n // 2160}", n % 3, n, 12.5, doc)
            for n in range(first, min(total, first + CHUNK))
        ]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO h VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def run(quick: bool) -> list[Result]:
    if on_postgres():
        say("  the demo builds an embedded (SQLite) database only: skipped on PostgreSQL")
        return []
    days = 14 if quick else 90
    isanhub = Path(sys.executable).with_name("isanhub")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "demo.db")
        started = time.perf_counter()
        done = subprocess.run(
            [str(isanhub), "demo", "--no-serve", "--days", str(days), "--db", f"sqlite:///{db}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        found = re.search(r"([\d,]+) entities, ([\d,]+) recorded values, ([\d,]+) KPI", done.stdout)
        if not found:
            raise RuntimeError(f"unexpected output of isanhub demo: {done.stdout[-500:]}")
        entities, values, kpis = (int(g.replace(",", "")) for g in found.groups())
        size = os.path.getsize(db)
        say(f"  isanhub demo --days {days}: {seconds:.1f} s for {entities:,} entities, "
            f"{values:,} recorded values, {kpis:,} KPI values; database {size / 1e6:,.0f} MB")  # fmt: skip
        raw = raw_rows(values + kpis, os.path.join(tmp, "raw.db"))
        say(f"  raw SQLite: {values + kpis:,} rows in {raw:.1f} s")
    return [
        Result(
            bench="demo",
            name=f"isanhub demo ({days} days, all provinces)",
            figure=seconds,
            unit="s",
            limit=raw,
            limit_name="raw SQLite inserts of as many rows",
            kind="cost",
            target=f"< {MAX_SECONDS:.0f} s",
            passed=seconds < MAX_SECONDS,
            details={
                "entities": entities,
                "values": values,
                "kpi_values": kpis,
                "database_bytes": size,
            },
        )  # fmt: skip
    ]
