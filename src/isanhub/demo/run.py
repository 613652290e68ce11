"""``isanhub demo`` and ``isanhub kpi``: build the sandbox city, compute its scorecard,
serve it."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from isanhub.demo import sandbox
from isanhub.demo.patterns import Clock
from isanhub.demo.places import PROVINCES
from isanhub.ingest.load import load
from isanhub.settings import Settings
from isanhub.store.base import Store, open_store, sqlite_file

DEMO_DB = "sqlite:///var/demo.db"

EPILOG = """\
examples / ตัวอย่าง:
  isanhub demo                          # fresh var/demo.db, then http://127.0.0.1:1026
  isanhub demo --seed 7 --port 8080
  isanhub demo --no-serve --db sqlite:///tmp/city.db   # build only
"""


def add_parsers(sub: argparse._SubParsersAction, defaults: Settings) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo",
        help="build the Khon Kaen sandbox city and serve it / สร้างเมืองสาธิตและเปิดให้บริการ",
        description="Create a fresh embedded database with the Digital Khon Kaen Sandbox: "
        "synthetic but faithful data of the seven smart-city dimensions for Khon Kaen's 26 "
        "districts and five more pilot provinces, 90 days of history, and the KPI scorecard; "
        "then serve the API. The same seed gives the same city.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--host", help=f"address to listen on (default {defaults.host})")
    demo.add_argument("--port", type=int, help=f"port (default {defaults.port})")
    demo.add_argument(
        "--db",
        default=DEMO_DB,
        help=f"SQLite database to create (default {DEMO_DB}); an existing file is replaced "
        "only if it holds an earlier demo, or with --force",
    )
    demo.add_argument("--seed", type=int, default=sandbox.DEFAULT_SEED, help="random seed")
    demo.add_argument("--days", type=int, default=90, help="days of history (default 90)")
    demo.add_argument("--force", action="store_true", help="replace any existing --db file")
    demo.add_argument("--no-serve", action="store_true", help="build the database and stop")
    kpi = sub.add_parser(
        "kpi",
        help="recompute the smart-city scorecard / คำนวณตัวชี้วัดเมืองอัจฉริยะ",
        description="Compute the KPIs of the seven dimensions for each pilot province from "
        "the stored data and store them as KeyPerformanceIndicator entities (with history). "
        "The server also does this every ISANHUB_KPI_INTERVAL seconds.",
    )
    kpi.add_argument("--db", help=f"database URL [env ISANHUB_DB] (default {defaults.db})")
    kpi.add_argument("--tenant", default="", help="tenant (default: the default tenant)")
    kpi.add_argument(
        "--backfill", type=int, default=0, help="also compute the N days before, from history"
    )


def _port_taken(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (checked before a 20-second build)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _fresh(path: Path, force: bool) -> str | None:
    """Remove an earlier demo database at ``path``; the reason when it may not."""
    if path.exists() and not force and not path.with_name(path.name + ".demo").exists():
        return f"{path} exists and is not a demo database: choose another --db or add --force"
    for suffix in ("", "-wal", "-shm", ".demo"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_name(path.name + ".demo").write_text("created by isanhub demo\n")
    return None


async def build(store: Store, seed: int, clock: Clock, *, quiet: bool = False) -> dict[str, int]:
    """Generate and load the sandbox, then compute the scorecard with its history."""
    from isanhub.insight import scorecard

    steps = sandbox.steps()
    totals = {"entities": 0, "instances": 0, "kpi values": 0}
    bar = tqdm(total=len(steps) + len(PROVINCES), unit="step", disable=quiet, file=sys.stderr,
               bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]{postfix}")  # fmt: skip
    for province, module in steps:
        bar.set_description(f"{province.name_en}: {module}")
        stats = await load(store, "", sandbox.generate_step(seed, clock, province, module))
        if stats.errors:
            raise RuntimeError(f"sandbox data rejected: {stats.errors[:3]}")
        totals["entities"] += stats.created + stats.updated
        totals["instances"] += stats.instances
        bar.set_postfix_str(f"{totals['entities']:,} entities, {totals['instances']:,} values")
        bar.update()
    bar.set_description("scorecard (KPIs)")

    def done(area: scorecard.Area) -> None:
        bar.update()

    kpis = await scorecard.compute(
        store,
        at=clock.after,
        backfill=clock.days - 1,
        progress=done,
        since=datetime.fromtimestamp(clock.start, UTC),
    )
    totals["kpi values"] = kpis.instances
    bar.set_postfix_str(f"{totals['entities']:,} entities, {totals['instances']:,} values")
    bar.close()
    return totals


def demo(args: argparse.Namespace) -> int:
    from isanhub import cli

    if not 1 <= args.days <= 366:
        print("isanhub demo: --days must be between 1 and 366", file=sys.stderr)
        return 2
    file = sqlite_file(args.db)
    path = Path(file) if file else None
    if path is None:
        print("isanhub demo: --db must be a SQLite file (sqlite:///path.db)", file=sys.stderr)
        return 2
    # the sandbox runs open (no keys) unless the operator asks for keys
    auth = "keys" if os.environ.get("ISANHUB_AUTH") == "keys" else "open"
    settings = Settings.from_env(host=args.host, port=args.port, db=args.db, auth=auth)
    if not args.no_serve and (why_not := cli.open_mode_refused(settings)):
        print(f"isanhub demo: {why_not}", file=sys.stderr)
        return 2
    if not args.no_serve and (busy := _port_taken(settings.host, settings.port)):
        print(f"isanhub demo: cannot serve on {settings.host}:{settings.port} ({busy}); "
              "stop what runs there or choose --port / ใช้พอร์ตอื่นด้วย --port", file=sys.stderr)  # fmt: skip
        return 1
    if why := _fresh(path, args.force):
        print(f"isanhub demo: {why}", file=sys.stderr)
        return 1
    clock = Clock.ending(datetime.now(UTC), days=args.days)
    print(f"Isan Digital Hub: building the Digital Khon Kaen Sandbox (seed {args.seed}, "
          f"{args.days} days) in {path} / กำลังสร้างเมืองสาธิต", flush=True)  # fmt: skip
    started = time.perf_counter()

    async def run() -> dict[str, int]:
        store = open_store(settings.db, synchronous="NORMAL")
        await store.open()
        try:
            return await build(store, args.seed, clock)
        finally:
            await store.close()

    totals = asyncio.run(run())
    print(f"ready in {time.perf_counter() - started:.1f} s: {totals['entities']:,} entities, "
          f"{totals['instances']:,} recorded values, {totals['kpi values']:,} KPI values "
          "(synthetic data / ข้อมูลสังเคราะห์)", flush=True)  # fmt: skip
    if args.no_serve:
        return 0
    print(where_to_look(settings.base_url), flush=True)
    return cli.serve(settings)


def where_to_look(base: str) -> str:
    api = f"{base}/ngsi-ld/v1"
    region = "q=address%5BaddressRegion%5D==%22Khon%20Kaen%22"
    return f"""
Pages / หน้าเว็บ: {base}/   (overview, /explore, /sellers, /farmers)
Try / ลองดู:
  curl '{api}/types'                                        # every data model in the city
  curl '{api}/entities?type=AirQualityObserved&{region}&options=keyValues&limit=3'
  curl '{api}/entities?type=KeyPerformanceIndicator&q=dimension==%22environment%22&options=keyValues'
  curl '{api}/temporal/entities?type=AirQualityObserved&attrs=pm25&{region}&lastN=24&limit=1'
  curl '{base}/hub/v1/scorecard?province=khon-kaen'          # the seven-dimension scorecard
Docs: docs/sandbox.md (what is generated and from which facts), docs/api.md, docs/pages.md
"""


def kpi(args: argparse.Namespace) -> int:
    from isanhub.insight import scorecard

    settings = Settings.from_env(db=args.db)

    async def run() -> int:
        store = open_store(settings.db)
        await store.open()
        try:
            if args.tenant and not await store.tenant_exists(args.tenant):
                raise LookupError(f"tenant {args.tenant!r} does not exist")
            stats = await scorecard.compute(store, args.tenant, backfill=args.backfill)
        finally:
            await store.close()
        return stats.instances

    try:
        n = asyncio.run(run())
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        print(f"isanhub kpi: {settings.db_display}: {exc}", file=sys.stderr)
        return 1
    print(f"{settings.db_display}: {n:,} KPI values computed / คำนวณตัวชี้วัดแล้ว")
    return 0
