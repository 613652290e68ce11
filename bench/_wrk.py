"""Load generation with wrk (Debian package ``wrk``) and Lua scripts.

Every script gets ``REPORT`` appended: its ``done()`` prints one JSON line with the
request count, duration, errors and latency percentiles, so nothing depends on the text
layout of wrk's own summary. Scripts that need a thread id read the global ``tid`` that
``THREAD_IDS``'s ``setup()`` gives every thread (0, 1, ...).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

THREAD_IDS = """
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
"""

REPORT = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    server_cpu_s: float = 0.0  # CPU seconds the server process used during the run
    db_cpu_s: float = 0.0  # ... and its PostgreSQL backends (0 on SQLite)

    @property
    def ok_per_cpu_s(self) -> float:
        """OK responses per CPU second of the server: its rate on a core of its own, were
        it CPU-bound; steadier than the rate when other processes share the machine."""
        return self.ok / self.server_cpu_s if self.server_cpu_s else 0.0

    @property
    def ok(self) -> int:
        """Responses with a 2xx or 3xx status."""
        return self.requests - self.errors["status"]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        errs = ", ".join(f"{k} {v}" for k, v in self.errors.items() if v) or "no errors"
        cpu = f", server CPU {self.server_cpu_s:.1f} s" if self.server_cpu_s else ""
        cpu += f", PostgreSQL CPU {self.db_cpu_s:.1f} s" if self.db_cpu_s else ""
        return (
            f"{self.ok:,} ok responses in {self.seconds:.1f} s = {self.rate:,.0f}/s "
            f"(p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms; {errs}{cpu})"
        )

    def as_details(self) -> dict[str, Any]:
        out = {
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "rate": round(self.rate, 1),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors": self.errors,
            "server_cpu_s": round(self.server_cpu_s, 2),
            "ok_per_server_cpu_s": round(self.ok_per_cpu_s, 1),
        }
        if self.db_cpu_s:
            out["postgres_cpu_s"] = round(self.db_cpu_s, 2)
        return out


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package when running as root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: apt-get install -y wrk", flush=True)
        cmd = ["apt-get", "install", "-y", "wrk"]
        if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL, check=False)
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
        path = shutil.which("wrk")
        if path:
            return path
    sys.exit(
        "bench: the load generator wrk is not installed. Install it (Debian/Ubuntu: "
        "sudo apt-get install wrk) or run the benchmarks as root to install it automatically."
    )


def run_wrk(
    url: str,
    script: str = "",
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    timeout: str = "10s",
) -> WrkResult:
    """Run wrk against ``url`` with ``script`` (Lua; REPORT is appended)."""
    wrk = ensure_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + "\n" + REPORT)
        lua = f.name
    try:
        cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
        cmd += ["--timeout", timeout, "-s", lua, url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        os.unlink(lua)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            d = json.loads(line.removeprefix("BENCH_JSON "))
            errors = {k: d[k] for k in ("connect", "read", "write", "status", "timeout")}
            return WrkResult(
                requests=d["requests"],
                seconds=d["duration_us"] / 1e6,
                errors=errors,
                p50_ms=d["p50_us"] / 1000,
                p99_ms=d["p99_us"] / 1000,
            )
    raise RuntimeError(f"wrk failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")


def measure(
    server: Any,
    url: str,
    script: str | Callable[[], str] = "",
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    timeout: str = "10s",
) -> WrkResult:
    """A 1 s warm-up run, a wait until ``server`` is idle again, then the measured run.
    ``script`` may be a function, called for each run (fresh ids every run)."""
    make = script if callable(script) else (lambda: script)
    opts = {"connections": connections, "threads": threads, "timeout": timeout}
    run_wrk(url, make(), seconds=1, **opts)
    server.wait_idle()
    cpu, db = server.cpu_seconds(), server.db_cpu()
    result = run_wrk(url, make(), seconds=seconds, **opts)
    server.wait_idle()  # the requests still in flight used CPU too, but are not counted
    result.server_cpu_s = server.cpu_seconds() - cpu
    result.db_cpu_s = server.db_cpu_used(db, server.db_cpu())
    return result


def post_rate_vs_bare(
    bench: str,
    title: str,
    min_rate: int,
    path: str,
    script: str | Callable[[], str],
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    prepare: Callable[[str], Any] | None = None,
    **details: Any,
) -> Any:
    """A write benchmark: wrk POSTs ``script``'s requests to the broker, then the same
    bodies to the bare ASGI app (the limit); one Result with both. ``prepare(url)``
    loads whatever the broker needs first (e.g. the entities an append targets).
    ``min_rate`` is a target on SQLite only: on PostgreSQL the rate is recorded."""
    from bench._common import Result, no_target, say
    from bench._server import Server, on_postgres, workers

    with Server.isanhub() as srv:
        if prepare is not None:
            prepare(srv.url)
        hub = measure(
            srv, srv.url + path, script, seconds=seconds, connections=connections, threads=threads
        )
        say(f"  isanhub: {hub.summary()}")
    with Server.bare(b"{}") as bare:
        lim = measure(
            bare,
            bare.url + path,
            script,
            seconds=seconds,
            connections=connections,
            threads=threads,
        )
        say(f"  bare ASGI: {lim.summary()}")
    target = f">= {min_rate:,}/s"
    passed = hub.rate >= min_rate and hub.failed == 0
    if on_postgres():
        target = no_target(target)
        passed = hub.failed == 0  # no rate target, but failed requests still count
    return Result(
        bench=bench,
        name=title,
        figure=hub.rate,
        unit="req/s",
        limit=lim.rate,
        limit_name="bare ASGI POST, same bodies",
        kind="rate",
        target=target,
        passed=passed,
        details={
            **details,
            "workers": workers(),
            "connections": connections,
            "seconds": seconds,
            "isanhub": hub.as_details(),
            "bare": lim.as_details(),
        },
    )
