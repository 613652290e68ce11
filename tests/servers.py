"""Real ``isanhub serve`` processes for the tests that need them (kills, several
processes on one database)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

B = "/ngsi-ld/v1"
ISANHUB = Path(sys.executable).with_name("isanhub")

needs_isanhub = pytest.mark.skipif(
    not ISANHUB.exists() or sys.platform == "win32", reason="needs the isanhub script, POSIX"
)


def all_entities(client: Any, type: str, **headers: str) -> dict[str, dict[str, Any]]:
    """Every entity of ``type``, by id, read page by page through ``client`` (an httpx
    Client on a broker, or a TestClient)."""
    out: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        r = client.get(
            f"{B}/entities",
            params={"type": type, "limit": 1000, "offset": offset},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        page = r.json()
        out.update((e["id"], e) for e in page)
        if len(page) < 1000:
            return out
        offset += 1000


class Broker:
    """``isanhub serve`` on a free port and a given database."""

    def __init__(self, db: str, log: Path, *args: str, env: dict[str, str] | None = None) -> None:
        """``env``: ISANHUB_* variables for this server (open mode unless it says)."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        extra = env or {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}
        env["ISANHUB_LOG_LEVEL"] = "warning"
        env["ISANHUB_AUTH"] = "open"
        env["ISANHUB_ALLOW_PRIVATE_ENDPOINTS"] = "true"
        env.update(extra)
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(ISANHUB), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--db", db, *args],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"broker exited: {self.tail()}"
            try:
                if httpx.get(self.base + "/version", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError(f"broker did not start: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def entities(self, type: str = "Durable") -> dict[str, dict[str, Any]]:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            return all_entities(client, type)

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no shutdown, no flush
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
