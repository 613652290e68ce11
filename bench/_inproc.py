"""The broker's application called in this process, without a server or a socket: CPU
time per request of the application alone, steadier than a rate over HTTP on a shared
virtual machine (bench auth compares access-control modes with it)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from isanhub.api.app import create_app
from isanhub.settings import Settings

Headers = list[tuple[bytes, bytes]]


async def cpu_per_get(
    mode: str,
    prepare: Callable[[Any], Awaitable[Headers]],
    path: str,
    body: bytes,
    n: int,
) -> float:
    """Microseconds of CPU per ``GET path`` on a fresh app in ``mode`` after creating one
    entity (``body``); ``prepare(store)`` gives the headers of the requests."""
    folder = tempfile.mkdtemp(prefix="isanhub-bench-inproc-")
    app = create_app(
        Settings(db=f"sqlite:///{folder}/h.db", auth=mode, rate_limit=0, kpi_interval=0)
    )
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    said: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        said.append(message)

    await inbox.put({"type": "lifespan.startup"})
    life = asyncio.create_task(app({"type": "lifespan"}, receive, send))
    while not said:
        await asyncio.sleep(0.01)
    headers = await prepare(app.state.hub.store)

    async def call(method: str, content: bytes = b"") -> int:
        out: list[dict[str, Any]] = []

        async def request() -> dict[str, Any]:
            return {"type": "http.request", "body": content, "more_body": False}

        async def reply(message: dict[str, Any]) -> None:
            out.append(message)

        h = headers + ([(b"content-type", b"application/json")] if content else [])
        target = "/ngsi-ld/v1/entities" if content else path
        scope = {
            "type": "http", "method": method, "path": target, "raw_path": target.encode(),
            "query_string": b"", "headers": h, "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 1026), "scheme": "http", "http_version": "1.1",
            "root_path": "",
        }  # fmt: skip
        await app(scope, request, reply)
        return int(out[0]["status"])

    if await call("POST", body) != 201:
        raise RuntimeError("could not create the entity")
    for _ in range(n // 10):  # warm the caches
        await call("GET")
    start = time.process_time()
    for _ in range(n):
        status = await call("GET")
    spent = time.process_time() - start
    if status != 200:
        raise RuntimeError(f"GET answered {status}")
    await inbox.put({"type": "lifespan.shutdown"})
    await life
    return spent / n * 1e6
