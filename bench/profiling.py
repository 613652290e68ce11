"""Where the broker's time goes: cProfile inside a real ``isanhub serve`` process, every
thread profiled (event loop, group-commit writer, query threads), under a benchmark's load.

    python -m bench.profiling get_one|create|append|batch|query_q|query_near [--wall]

The server is the same command as in the benchmarks, started as
``python -m bench.profiling --serve OUT -- serve ...`` so that a profiler is installed
in every thread before the app starts; on shutdown the per-thread stats are written to OUT
and printed here grouped by thread. Times are per-thread CPU time (``time.thread_time``)
unless --wall, which also counts waiting (fsync, locks, idle loop). cProfile slows the
server several times over: read shares, not absolute figures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import marshal
import os
import pstats
import random
import signal
import sys
import tempfile
import threading
import time
from typing import Any

PROFILES: dict[str, cProfile.Profile] = {}
BASELINE: dict[str, dict[Any, Any]] = {}  # stats at SIGUSR1: subtracted from the final ones


# --- inside the server process -------------------------------------------------------------


def _serve(out: str, wall: bool, argv: list[str]) -> int:
    timer = time.perf_counter if wall else time.thread_time
    original_run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        prof = cProfile.Profile(timer)
        PROFILES[self.name] = prof
        prof.enable()
        try:
            original_run(self)
        finally:
            prof.disable()

    threading.Thread.run = profiled_run  # type: ignore[method-assign]

    def mark(_signum: int, _frame: Any) -> None:
        """SIGUSR1: the measured window starts; what came before (imports, loading) goes."""
        for name, p in list(PROFILES.items()):
            p.snapshot_stats()
            BASELINE[name] = dict(p.stats)  # type: ignore[attr-defined]

    signal.signal(signal.SIGUSR1, mark)
    from isanhub.cli import main

    prof = cProfile.Profile(timer)
    PROFILES["main (event loop)"] = prof
    prof.enable()
    try:
        code = main(argv)
    finally:
        prof.disable()
        stats = {}
        for name, p in list(PROFILES.items()):
            p.snapshot_stats()  # not create_stats(): that would disable this thread's hook
            stats[name] = _minus(p.stats, BASELINE.get(name, {}))  # type: ignore[attr-defined]
        with open(out, "wb") as f:
            marshal.dump(stats, f)
    return code


def _minus(now: dict[Any, Any], before: dict[Any, Any]) -> dict[Any, Any]:
    out = {}
    for key, (cc, nc, tt, ct, _callers) in now.items():
        b = before.get(key)
        if b is not None:
            cc, nc, tt, ct = cc - b[0], nc - b[1], tt - b[2], ct - b[3]
        if nc > 0:
            out[key] = (cc, nc, tt, ct, {})
    return out


# --- the driver ------------------------------------------------------------------------------


def _group(thread: str) -> str:
    if thread.startswith("main"):
        return "event loop (main thread)"
    if thread.startswith("isanhub-writer"):
        return "writer thread"
    if thread.startswith(("asyncio", "ThreadPoolExecutor", "uvloop")):
        return "query threads (asyncio.to_thread)"
    return "other threads"


class _Holder:
    """pstats.Stats wants an object with create_stats() and .stats."""

    def __init__(self, stats: dict[Any, Any]) -> None:
        self.stats = stats

    def create_stats(self) -> None:
        pass


def report(path: str, top: int = 22) -> str:
    with open(path, "rb") as f:
        per_thread = marshal.load(f)
    groups: dict[str, pstats.Stats] = {}
    for name, st in per_thread.items():
        g = _group(name)
        s = pstats.Stats(_Holder(st))  # type: ignore[arg-type]
        if g in groups:
            groups[g].add(s)
        else:
            groups[g] = s
    out = io.StringIO()
    totals = {g: sum(v[2] for v in s.stats.values()) for g, s in groups.items()}  # type: ignore[attr-defined]
    grand = sum(totals.values()) or 1.0
    for g, s in sorted(groups.items(), key=lambda kv: -totals[kv[0]]):
        total = totals[g] or 1.0
        out.write(f"\n### {g}: {totals[g]:.2f} s, {totals[g] / grand:.0%} of all threads\n")
        for key, title in (
            ("tottime", "self time"),
            ("cumulative", "cumulative (incl. callees)"),
            ("isanhub", "cumulative, isanhub functions only"),
        ):
            out.write(f"-- top by {title}, % of this thread group's time\n")
            rows = sorted(
                (
                    kv
                    for kv in s.stats.items()  # type: ignore[attr-defined]
                    # frames active across the window (the loop, main) have no true share
                    if kv[1][3] <= total * 1.001 and (key != "isanhub" or "/isanhub/" in kv[0][0])
                ),
                key=lambda kv: -(kv[1][2] if key == "tottime" else kv[1][3]),
            )
            for (file, line, func), (_cc, nc, tt, ct, _callers) in rows[:top]:
                where = _short(file, line)
                t = tt if key == "tottime" else ct
                out.write(f"  {t / total:6.1%}  {t:7.2f} s  {nc:>9,}  {func}  {where}\n")
    return out.getvalue()


def _short(file: str, line: int) -> str:
    for marker in ("/isanhub/", "/site-packages/", "/lib/python3"):
        if marker in file:
            return file[file.index(marker) + 1 :] + f":{line}"
    return f"{file}:{line}" if line else file


def drive(scenario: str, seconds: int, wall: bool) -> None:
    from bench import append, batch, create, get_one  # noqa: F401 - scenarios below
    from bench._data import entity_id, load
    from bench._server import BASE, Server
    from bench._wrk import run_wrk

    out = tempfile.mktemp(prefix="isanhub-profile-", suffix=".marshal")
    srv = Server.isanhub()
    serve_args = srv.argv[srv.argv.index("serve") :]
    srv.argv = [sys.executable, "-m", "bench.profiling", "--serve", out]
    srv.argv += ["--wall"] if wall else []
    srv.argv += ["--", *serve_args]
    srv.start()

    def begin() -> None:
        """Let the server settle, then tell it that the measured window starts."""
        srv.wait_idle()
        assert srv.proc is not None
        os.kill(srv.proc.pid, signal.SIGUSR1)
        time.sleep(0.2)

    try:
        if scenario == "get_one":
            load(srv.url, 1000)
            url = srv.url + f"{BASE}/entities/{entity_id(42)}"
            run_wrk(url, seconds=1, connections=64)
            begin()
            run_wrk(url, seconds=seconds, connections=64)
        elif scenario == "create":
            url = srv.url + f"{BASE}/entities"
            run_wrk(url, create.script(), seconds=1, connections=64)
            begin()
            run_wrk(url, create.script(), seconds=seconds, connections=64)
        elif scenario == "append":
            load(srv.url, 20_000)
            script = append.THREAD_IDS + append.LUA_ENTITY
            script += append.LUA % {"threads": 1, "entities": 20_000, "base": BASE}
            begin()
            run_wrk(srv.url + BASE, script, seconds=seconds, connections=64)
        elif scenario == "batch":
            url = srv.url + f"{BASE}/entityOperations/upsert"
            run_wrk(url, batch.script(), seconds=2, connections=4, timeout="60s")
            begin()
            run_wrk(url, batch.script(), seconds=seconds, connections=4, timeout="60s")
        elif scenario in ("query_q", "query_near"):
            import httpx

            from bench import query

            count = int(os.environ.get("BENCH_PROFILE_ENTITIES", "20000"))
            load(srv.url, count)
            make = query.q_params if scenario == "query_q" else query.near_params
            rng = random.Random(7)
            begin()
            deadline = time.monotonic() + seconds
            n = 0
            with httpx.Client(base_url=srv.url, timeout=600) as client:
                while time.monotonic() < deadline:
                    client.get(f"{BASE}/entities", params=make(rng)).raise_for_status()
                    n += 1
            print(f"{n} queries over {count:,} entities")
        else:
            raise SystemExit(f"unknown scenario {scenario}")
        srv.wait_idle()
    finally:
        srv.stop(grace=600)
    print(report(out))
    os.unlink(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        out = sys.argv[2]
        rest = sys.argv[3:]
        wall = bool(rest) and rest[0] == "--wall"
        rest = rest[1:] if wall else rest
        sys.exit(_serve(out, wall, rest[1:] if rest[:1] == ["--"] else rest))
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument(
        "scenario", choices=["get_one", "create", "append", "batch", "query_q", "query_near"]
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU")
    parser.add_argument("--src", metavar="DIR", help="run the broker from this source tree")
    args = parser.parse_args()
    if args.src:
        os.environ["BENCH_SRC"] = os.path.abspath(args.src)
    drive(args.scenario, args.seconds, args.wall)


if __name__ == "__main__":
    main()
