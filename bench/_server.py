"""Start and stop a server under test: ``isanhub serve`` on a free port with a fresh temp
database, or the bare ASGI app (bench/bare_app.py) with the same uvicorn settings; wait
until it answers; measure its resident memory (RSS) with psutil."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
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
    return {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}


def source_dir() -> Path:
    """The isanhub source the servers run: BENCH_SRC (python -m bench --src) or src/."""
    return Path(os.environ.get("BENCH_SRC") or ROOT / "src").resolve()


class Server:
    """A server process on 127.0.0.1; use as a context manager."""

    def __init__(self, kind: str, argv: list[str], port: int, workdir: str, env: dict[str, str]):
        self.kind = kind
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.env = env
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = os.path.join(workdir, "server.log")

    @classmethod
    def isanhub(cls) -> Server:
        """``isanhub serve`` with a fresh database in a new temp directory."""
        workdir = tempfile.mkdtemp(prefix="isanhub-bench-")
        port = free_port()
        db = os.path.join(workdir, "bench.db")
        argv = [*_isanhub_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--db", f"sqlite:///{db}"]  # sqlite:////abs/path.db
        env = _clean_env()
        if os.environ.get("BENCH_SRC"):  # run another source tree than the installed one
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(source_dir()), env.get("PYTHONPATH")])
            )
        return cls("isanhub", argv, port, workdir, env)

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
        return cls("bare", argv, port, workdir, env)

    @property
    def db_path(self) -> str:
        return os.path.join(self.workdir, "bench.db")

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

    def rss(self) -> int:
        """Resident set size in bytes of the server process and its children."""
        assert self.proc is not None
        p = psutil.Process(self.proc.pid)
        return p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))

    def rss_parts(self) -> dict[str, int]:
        """RssAnon (heap, SQLite page caches), RssFile (mapped files: the database under
        SQLite's mmap, libraries) and RssShmem of the server, in bytes (Linux)."""
        assert self.proc is not None
        out: dict[str, int] = {}
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in ("RssAnon", "RssFile", "RssShmem"):
                        out[key] = int(value.split()[0]) * 1024
        except OSError:
            pass
        return out

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        t = psutil.Process(self.proc.pid).cpu_times()
        return t.user + t.system

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until the server has used (almost) no CPU for 0.3 s: the requests a
        previous load run left in flight are done."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.cpu_seconds()
            if now - last < 0.02:
                return
            last = now

    def stop(self, grace: float = 60.0) -> None:
        """SIGINT (uvicorn's graceful shutdown), then SIGKILL after ``grace`` seconds."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
