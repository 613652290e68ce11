"""What every benchmark returns (a Result row), percentiles, and facts about the machine."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """One figure, the limit measured next to it in the same run, and its target.

    ``kind`` says how the ratio reads: ``rate`` (figure / limit, the share of the limit
    reached: higher is better) or ``cost`` (figure / limit, how many times the limit it
    takes: lower is better).
    """

    bench: str
    name: str
    figure: float
    unit: str
    limit: float
    limit_name: str
    kind: str  # "rate" or "cost"
    target: str
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)
    lower_bound: bool = False  # the figure is at least this (a request timed out)

    @property
    def ratio(self) -> float:
        return self.figure / self.limit if self.limit else float("nan")

    def ratio_text(self) -> str:
        if self.kind == "rate":
            return f"{self.ratio * 100:.1f} %"
        return f"{'>= ' if self.lower_bound else ''}{self.ratio:,.2f}x"

    def figure_text(self) -> str:
        return f"{'>= ' if self.lower_bound else ''}{fmt(self.figure)} {self.unit}"

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = round(self.ratio, 4)
        out["status"] = "PASS" if self.passed else "MISS"
        return out

    def line(self) -> str:
        status = "PASS" if self.passed else "MISS"
        return (
            f"  {status}  {self.name}: {self.figure_text()}"
            f" | limit ({self.limit_name}): {fmt(self.limit)} {self.unit}"
            f" | ratio {self.ratio_text()} | target {self.target}"
        )


def no_target(sqlite_target: str) -> str:
    """The target text of a figure that has a target on SQLite only: on PostgreSQL it is
    recorded, to be read beside the SQLite run's."""
    return f"no target on PostgreSQL (recorded beside SQLite: {sqlite_target})"


def fmt(x: float) -> str:
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p95_ms": round(percentile(seconds, 95) * 1000, 3),
        "p99_ms": round(percentile(seconds, 99) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
    }


def raw_sqlite_connection(path: str) -> sqlite3.Connection:
    """A plain SQLite connection with the broker's durability (WAL, synchronous=FULL):
    the raw limit of the write benchmarks."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def say(msg: str) -> None:
    print(msg, flush=True)


def source(src: Path, root: Path) -> dict[str, Any]:
    """Which isanhub code the servers run: its directory, and the commit of this repository
    with whether src/ differs from it (read-only git commands)."""
    out: dict[str, Any] = {"src": str(src)}

    def git(*args: str) -> str:
        cmd = ["git", "--no-optional-locks", "-C", str(root), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()

    out["repo_commit"] = git("rev-parse", "--short", "HEAD") or None
    if src == (root / "src").resolve():
        out["uncommitted_changes_in_src"] = bool(git("status", "--porcelain", "--", "src"))
    return out


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        import psutil

        mem_gib = psutil.virtual_memory().total / 2**30
    except ImportError:
        pass
    os_name = platform.platform()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"') + f" ({platform.release()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "os": os_name,
        "loadavg_at_start": os.getloadavg(),
    }
