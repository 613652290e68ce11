"""Run the benchmarks: ``python -m bench [NAME ...] [--quick] [--backend postgres]``.

Each benchmark starts its own servers on free ports with fresh temp databases, prints its
figure next to the limit measured in the same run, and PASS or MISS against its target.
The table is also written to bench/results/latest.json (bench/results/quick.json for
--quick runs, so that a smoke run never replaces full figures); entries of benchmarks not
run this time are kept from the previous file.

With ``--backend postgres`` the broker runs on the local PostgreSQL (bench/_pg.py) with
``--workers`` processes (default 2), the bare ASGI app with as many, the raw limits are
measured on PostgreSQL, and the results go to latest-postgres.json (quick-postgres.json).

Environment: BENCH_QUERY_ENTITIES=N loads N entities for the query benchmark instead of
its default; BENCH_KEEP_LOGS=DIR keeps a copy of every server's log there.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._common import Result, machine, say, source
from bench._server import ROOT, backend, source_dir, workers
from bench._wrk import ensure_wrk

BENCHMARKS = [
    "get_one", "create", "append", "batch", "query", "memory", "temporal", "import_csv", "demo",
    "seller", "notify", "auth", "agri",
]  # fmt: skip
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
QUICK_RESULTS = RESULTS.with_name("quick.json")


def table(results: list[Result]) -> str:
    head = ("", "benchmark", "figure", "limit (measured in the same run)", "ratio", "target")
    rows = [head]
    for r in results:
        rows.append(
            (
                "PASS" if r.passed else "MISS",
                r.name,
                r.figure_text(),
                f"{r.limit:,.1f} ({r.limit_name})"
                if r.limit < 100
                else f"{r.limit:,.0f} ({r.limit_name})",
                r.ratio_text(),
                r.target,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def results_path(quick: bool) -> Path:
    """quick.json or latest.json; a PostgreSQL run's have -postgres in the name (and the
    number of workers when it is not the default 2), so that runs of different setups
    never overwrite each other's figures."""
    path = QUICK_RESULTS if quick else RESULTS
    if backend() == "sqlite":
        return path
    suffix = "" if workers() == 2 else f"-{workers()}w"
    return path.with_name(f"{path.stem}-{backend()}{suffix}{path.suffix}")


def save(results: list[Result], ran: list[str], quick: bool, info: dict) -> Path:
    path = results_path(quick)
    old: list[dict] = []
    if path.exists():
        try:
            old = json.loads(path.read_text()).get("results", [])
        except (ValueError, AttributeError):
            old = []
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kept = [r for r in old if r.get("bench") not in ran]
    src = info["source"]
    new = [{**r.as_json(), "quick": quick, "at": stamp, "source": src} for r in results]
    order = {name: i for i, name in enumerate(BENCHMARKS)}
    merged = sorted(kept + new, key=lambda r: order.get(r.get("bench"), 99))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "machine": info,
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "results": merged,
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and 3 s runs: a smoke run"
    )
    parser.add_argument(
        "--src",
        metavar="DIR",
        help="run the broker from this source tree (a directory holding isanhub/, e.g. an "
        "unpacked `git archive`) instead of the installed package",
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="the broker's database: a SQLite file, or the local PostgreSQL "
        "(postgresql://postgres@127.0.0.1:5432/isanhub_bench, a fresh schema per server)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="broker (and bare ASGI app) processes: default 2 on PostgreSQL; SQLite has 1",
    )
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be 1 or more")
    if args.backend == "sqlite" and args.workers not in (None, 1):
        parser.error("--workers needs --backend postgres: SQLite allows one writing process")
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or BENCHMARKS
    if args.src:
        if not (Path(args.src) / "isanhub" / "__init__.py").exists():
            parser.error(f"--src {args.src}: no isanhub package there")
        os.environ["BENCH_SRC"] = str(Path(args.src).resolve())
    # the servers and benchmarks read these (bench/_server.py backend(), workers())
    os.environ["BENCH_BACKEND"] = args.backend
    if args.workers is not None:
        os.environ["BENCH_WORKERS"] = str(args.workers)
    else:
        os.environ.pop("BENCH_WORKERS", None)
    ensure_wrk()
    info = machine()
    info["backend"] = backend()
    info["workers"] = workers()
    database = f"SQLite {info['sqlite']}"
    if backend() == "postgres":
        from bench import _pg

        info["postgresql"] = _pg.server_version()
        database = f"PostgreSQL {info['postgresql']}, {workers()} workers"
    info["source"] = source(source_dir(), ROOT)
    say(
        f"isanhub benchmarks{' (quick)' if args.quick else ''} on {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB, Python {info['python']}, {database}, {info['os']}; "
        f"load average {', '.join(f'{x:.2f}' for x in info['loadavg_at_start'])}"
    )
    say(f"isanhub from {info['source']}")
    results: list[Result] = []
    failed: list[str] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        say(f"\n== {name}: {module.TITLE} (load average {os.getloadavg()[0]:.2f})")
        t0 = time.monotonic()
        load = os.getloadavg()[0]
        try:
            got = module.run(args.quick)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not stop the rest
            say(f"  ERROR: {type(exc).__name__}: {exc}")
            failed.append(name)
            continue
        for r in got:
            r.details["loadavg_before"] = round(load, 2)
            say(r.line())
        say(f"  ({time.monotonic() - t0:.0f} s)")
        results.extend(got)
    say("\n" + table(results))
    path = save(results, [n for n in names if n not in failed], args.quick, info)
    say(f"\nresults written to {os.path.relpath(path)}")
    if failed:
        say(f"benchmarks that failed to run: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
