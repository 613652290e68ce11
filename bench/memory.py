"""Server memory: RSS of ``isanhub serve`` holding 1,000,000 entities (100,000 with
--quick), loaded with batch upserts (1,000 per request), then a few queries of each kind.

The limit is the RSS of the same server just started on an empty database (the floor of
Python, the libraries and the app). Target: < 500 MB while holding the entities.

On PostgreSQL the figure is the RSS summed over the broker's processes (uvicorn's
supervisor and its workers); the PostgreSQL server's own memory is not counted, so there
is no target: the figure is recorded beside SQLite's.
"""

from __future__ import annotations

import random
import threading
import time

import httpx

from bench._common import Result, no_target, say
from bench._data import entity_id, load
from bench._server import BASE, Server, on_postgres, workers
from bench.query import near_params, q_params

TITLE = "Server memory holding the entities"
MAX_MB = 500
MB = 1_000_000
QUERY_TIMEOUT = 60.0


class Sampler:
    """Samples the server's RSS every 0.2 s in a thread; keeps the maximum."""

    def __init__(self, srv: Server) -> None:
        self.srv = srv
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.srv.rss())
            self._stop.wait(0.2)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.srv.rss())


def run_queries(srv: Server, count: int, timeout: float) -> dict[str, str]:
    """A few queries of each kind, each bounded by ``timeout``. What each came to."""
    rng = random.Random(3)
    out: dict[str, str] = {}
    with httpx.Client(base_url=srv.url, timeout=timeout) as client:
        for name, n, request in (
            ("GET one entity", 20, lambda: f"{BASE}/entities/{entity_id(rng.randrange(count))}"),
            ("near 2 km", 20, lambda: (f"{BASE}/entities", near_params(rng))),
            ("GET /types", 1, lambda: f"{BASE}/types"),
            ("type+q pm25>40", 1, lambda: (f"{BASE}/entities", q_params(rng))),
        ):
            t0 = time.perf_counter()
            try:
                for _ in range(n):
                    req = request()
                    path, params = req if isinstance(req, tuple) else (req, None)
                    client.get(path, params=params).raise_for_status()
            except httpx.TimeoutException:
                out[name] = "timed out"
                say(f"    {name}: timed out after {timeout:.0f} s")
                break  # the server is still busy with it
            out[name] = f"{n} in {time.perf_counter() - t0:.2f} s"
            say(f"    {name}: {out[name]}")
    return out


def run(quick: bool) -> list[Result]:
    count = 100_000 if quick else 1_000_000
    with Server.isanhub() as srv:
        time.sleep(1)
        idle = srv.rss()
        last = [0.0]

        def progress(done: int) -> None:
            if done % 100_000 == 0 or done == count:
                t = time.monotonic()
                if t - last[0] > 5 or done == count:
                    last[0] = t
                    say(f"    {done:,} loaded, RSS {srv.rss() / MB:,.0f} MB")

        with Sampler(srv) as during_load:
            took = load(srv.url, count, progress=progress)
        after_load = srv.rss()
        with Sampler(srv) as holding:
            queries = run_queries(srv, count, 10.0 if quick else QUERY_TIMEOUT)
        parts = {k: round(v / MB, 1) for k, v in srv.rss_parts().items()}
        db_bytes = srv.database_bytes()
        if "timed out" in queries.values():
            srv.stop(grace=2)  # do not wait for a query still running in the server
    say(
        f"  idle {idle / MB:.0f} MB; load of {count:,} took {took:.0f} s "
        f"({count / took:,.0f}/s), peak during load {during_load.peak / MB:.0f} MB; "
        f"after load {after_load / MB:.0f} MB; holding + queries {holding.peak / MB:.0f} MB; "
        f"database {db_bytes / MB:,.0f} MB; at the end {parts}"
    )
    figure = holding.peak / MB
    name, target, passed = f"Server RSS holding {count:,} entities", f"< {MAX_MB} MB", True
    extra = {}
    if on_postgres():
        name += f" ({workers()} workers, PostgreSQL not counted)"
        target = no_target(target)
        extra["note"] = (
            "RSS summed over the broker's processes (uvicorn supervisor and workers); "
            "the PostgreSQL server's own memory is not counted"
        )
    else:
        passed = figure < MAX_MB
    return [
        Result(
            bench="memory",
            name=name,
            figure=figure,
            unit="MB",
            limit=idle / MB,
            limit_name="RSS of the idle server, empty db",
            kind="cost",
            target=target,
            passed=passed,
            details={
                **extra,
                "workers": workers(),
                "entities": count,
                "idle_mb": round(idle / MB, 1),
                "peak_during_load_mb": round(during_load.peak / MB, 1),
                "after_load_mb": round(after_load / MB, 1),
                "holding_after_queries_mb": round(figure, 1),
                "load_seconds": round(took, 1),
                "load_entities_per_s": round(count / took),
                "database_mb": round(db_bytes / MB, 1),
                "queries": queries,
                "rss_parts_mb_at_end": parts,
            },
        )
    ]
