"""Start and stop a server under test: ``isanhub serve`` on a free port with a fresh temp
database (a SQLite file, or a fresh namespace in PostgreSQL with ``--backend postgres``),
or the bare ASGI app (bench/bare_app.py) with the same uvicorn settings and number of
worker processes; wait until it answers; measure its resident memory (RSS) and CPU time
with psutil, summed over the process tree (uvicorn's supervisor and its workers)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
BASE = "/ngsi-ld/v1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isanhub_command() -> list[str]:
    script = Path(sys.executable).with_name("isanhub")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "isanhub.cli"]


def _clean_env() -> dict[str, str]:
    """The environment without ISANHUB_* variables: the broker runs on its defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}
    # open mode: the benchmarks measure the broker without keys (bench auth measures them)
    env["ISANHUB_AUTH"] = "open"
    env["ISANHUB_ALLOW_PRIVATE_ENDPOINTS"] = "true"  # the receivers run on this machine
    return env


def source_dir() -> Path:
    """The isanhub source the servers run: BENCH_SRC (python -m bench --src) or src/."""
    return Path(os.environ.get("BENCH_SRC") or ROOT / "src").resolve()


def backend() -> str:
    """The broker's database in this run: BENCH_BACKEND (python -m bench --backend),
    ``sqlite`` (the default) or ``postgres``."""
    return os.environ.get("BENCH_BACKEND") or "sqlite"


def on_postgres() -> bool:
    return backend() == "postgres"


def workers() -> int:
    """uvicorn worker processes of the broker and of the bare app: BENCH_WORKERS (python
    -m bench --workers), else 2 on PostgreSQL and 1 on SQLite (it allows one writer)."""
    return int(os.environ.get("BENCH_WORKERS") or (2 if on_postgres() else 1))


class Server:
    """A server process on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        kind: str,
        argv: list[str],
        port: int,
        workdir: str,
        env: dict[str, str],
        pg_namespace: str | None = None,
    ):
        self.kind = kind
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.env = env
        self.pg_namespace = pg_namespace  # the broker's schema prefix on PostgreSQL
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = os.path.join(workdir, "server.log")

    @classmethod
    def isanhub(cls) -> Server:
        """``isanhub serve`` with a fresh database: a SQLite file in a new temp directory
        (which also holds the log), or a new namespace in PostgreSQL with ``workers()``
        processes."""
        workdir = tempfile.mkdtemp(prefix="isanhub-bench-")
        port = free_port()
        argv = [*_isanhub_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        env = _clean_env()
        namespace = None
        if on_postgres():
            from bench import _pg

            _pg.ensure_database()
            namespace = _pg.fresh_namespace()
            argv += ["--db", _pg.hub_url(namespace), "--workers", str(workers())]
            env["PGAPPNAME"] = _pg.app_name(namespace)  # see bench/_pg.py
        else:
            db = os.path.join(workdir, "bench.db")
            argv += ["--db", f"sqlite:///{db}"]  # sqlite:////abs/path.db
        if os.environ.get("BENCH_SRC"):  # run another source tree than the installed one
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(source_dir()), env.get("PYTHONPATH")])
            )
        return cls("isanhub", argv, port, workdir, env, pg_namespace=namespace)

    @classmethod
    def bare(cls, body: bytes) -> Server:
        """The bare ASGI app answering every GET with ``body``."""
        workdir = tempfile.mkdtemp(prefix="isanhub-bench-bare-")
        port = free_port()
        body_file = os.path.join(workdir, "body.json")
        with open(body_file, "wb") as f:
            f.write(body)
        env = _clean_env()
        env["BENCH_BARE_BODY"] = body_file
        argv = [sys.executable, "-m", "bench.bare_app", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--workers", str(workers())]  # as many processes as the broker: like for like
        return cls("bare", argv, port, workdir, env)

    @property
    def db_path(self) -> str:
        return os.path.join(self.workdir, "bench.db")

    def database_bytes(self) -> int:
        """The size of the broker's data: the SQLite file and its WAL, or the tables and
        indexes of its schemas in PostgreSQL."""
        if self.pg_namespace is not None:
            from bench import _pg

            return _pg.namespace_bytes(self.pg_namespace)
        return sum(
            os.path.getsize(self.db_path + s)
            for s in ("", "-wal")
            if os.path.exists(self.db_path + s)
        )

    def start(self, timeout: float = 30.0) -> Server:
        log = open(self._log, "wb")  # noqa: SIM115 - handed to the child, closed in stop()
        self.proc = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT
        )
        log.close()
        probe = "/version" if self.kind == "isanhub" else "/"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"{self.kind} server exited at start:\n{tail}")
            try:
                if httpx.get(self.url + probe, timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"{self.kind} server did not answer in {timeout} s:\n{tail}")

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self._log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def processes(self) -> list[psutil.Process]:
        """The server process and its children (uvicorn's workers when there are several)."""
        assert self.proc is not None
        try:
            p = psutil.Process(self.proc.pid)
            return [p, *p.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _sum(self, read: Callable[[psutil.Process], float]) -> float:
        """``read`` summed over the process tree; a process gone meanwhile counts 0."""
        total = 0.0
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += read(p)
        return total

    def rss(self) -> int:
        """Resident set size in bytes of the server process and its children."""
        return int(self._sum(lambda p: p.memory_info().rss))

    def rss_parts(self) -> dict[str, int]:
        """RssAnon (heap, SQLite page caches), RssFile (mapped files: the database under
        SQLite's mmap, libraries) and RssShmem of the server and its children, in bytes
        (Linux)."""
        out: dict[str, int] = {}
        for p in self.processes():
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        key, _, value = line.partition(":")
                        if key in ("RssAnon", "RssFile", "RssShmem"):
                            out[key] = out.get(key, 0) + int(value.split()[0]) * 1024
            except OSError:
                pass
        return out

    def cpu_seconds(self) -> float:
        """CPU seconds of the server process and its children (not PostgreSQL's)."""

        def cpu(p: psutil.Process) -> float:
            t = p.cpu_times()
            return t.user + t.system

        return self._sum(cpu)

    def db_cpu(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend serving this broker, by pid (none on
        SQLite): the database's share of the work, which cpu_seconds() does not see."""
        if self.pg_namespace is None:
            return {}
        from bench import _pg

        out: dict[int, float] = {}
        for pid in _pg.backend_pids(self.pg_namespace):
            with contextlib.suppress(psutil.Error):  # gone, or not ours to read
                t = psutil.Process(pid).cpu_times()
                out[pid] = t.user + t.system
        return out

    @staticmethod
    def db_cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds between two db_cpu() readings (a backend started in between counts
        whole; one ended in between is lost: the broker's pools keep theirs open)."""
        return sum(t - before.get(pid, 0.0) for pid, t in after.items())

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until the server (and on PostgreSQL its backends, which run a commit or a
        query while the broker waits) has used (almost) no CPU for 0.3 s: the requests a
        previous load run left in flight are done."""

        def used() -> float:
            return self.cpu_seconds() + sum(self.db_cpu().values())

        deadline = time.monotonic() + timeout
        last = used()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = used()
            if now - last < 0.02:
                return
            last = now

    def stop(self, grace: float = 60.0) -> None:
        """SIGINT (uvicorn's graceful shutdown, which stops its workers too), then SIGKILL
        to the whole tree after ``grace`` seconds: a killed supervisor leaves its workers
        running. On PostgreSQL, then drop the broker's schemas."""
        if self.proc is not None and self.proc.poll() is None:
            children = self.processes()[1:]
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                for p in children:  # a killed supervisor leaves its workers running
                    with contextlib.suppress(psutil.NoSuchProcess):
                        p.kill()
            psutil.wait_procs(children, timeout=5)  # a graceful supervisor joined them
        self.proc = None
        if self.pg_namespace is not None:
            from bench import _pg

            _pg.drop_namespace(self.pg_namespace)
            self.pg_namespace = None
        self._keep_log()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _keep_log(self) -> None:
        """Copy the server's log into BENCH_KEEP_LOGS (a directory), if set: the workdir
        and the log in it go when the server stops."""
        keep = os.environ.get("BENCH_KEEP_LOGS")
        if keep and os.path.exists(self._log):
            os.makedirs(keep, exist_ok=True)
            name = f"{time.strftime('%H%M%S')}-{self.kind}-{self.port}.log"
            shutil.copyfile(self._log, os.path.join(keep, name))

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
