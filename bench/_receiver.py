"""A notification receiver for bench/notify.py, run in a process of its own (so that its
CPU does not share the load generator's GIL): ``python -m bench._receiver --port P``.

It answers every POST with 204 and records its arrival time, ``time.monotonic()`` once
the whole body is read (CLOCK_MONOTONIC is one system-wide clock on Linux, so the
benchmark compares it with its own monotonic times), the path and the body; bodies are
parsed only when the results are asked for, to keep the receiving path short.

* ``POST /n/<k>``: a notification of subscription number k;
* ``POST /bare``: a bare POST from the load generator (the limit);
* ``POST /sink``: read and answer, record nothing (the receiver's capacity);
* ``GET /count``: ``{"n": notifications received, "bare": bare POSTs received}``;
* ``GET /results``: every notification as ``[arrival, k, entity id, seq, in flight]``
  per entity of its ``data`` (``seq``: the value of the entity's ``seq`` attribute,
  normalized or keyValues; in flight: the wall-clock seconds from the notification's
  ``notifiedAt``, when the broker rendered it, to its arrival), plus the requests' count, bodies that did not parse, and one sample body;
* ``GET /bare``: the arrival times and ``seq`` of the bare POSTs;
* ``POST /reset``: forget everything received so far.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web


class Receiver:
    def __init__(self) -> None:
        self.notes: list[tuple[float, float, str, bytes]] = []
        self.bare: list[tuple[float, bytes]] = []

    async def notify(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.notes.append((time.monotonic(), time.time(), request.match_info["k"], body))
        return web.Response(status=204)

    async def post_bare(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.bare.append((time.monotonic(), body))
        return web.Response(status=204)

    async def sink(self, request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=204)

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"n": len(self.notes), "bare": len(self.bare)})

    async def results(self, request: web.Request) -> web.Response:
        rows: list[list[Any]] = []
        bad = 0
        for t, wall, k, body in self.notes:
            try:
                doc = orjson.loads(body)
                at = datetime.fromisoformat(doc["notifiedAt"]).timestamp()
                for ent in doc["data"]:
                    seq = ent.get("seq")
                    if isinstance(seq, dict):
                        seq = seq.get("value")
                    rows.append([t, k, ent.get("id"), seq, wall - at])
            except (ValueError, KeyError, TypeError, AttributeError):
                bad += 1
        sample = self.notes[-1][3].decode(errors="replace") if self.notes else ""
        out = {"requests": len(self.notes), "rows": rows, "unparsed": bad, "sample": sample}
        return web.Response(body=orjson.dumps(out), content_type="application/json")

    async def get_bare(self, request: web.Request) -> web.Response:
        rows = []
        for t, body in self.bare:
            try:
                rows.append([t, orjson.loads(body)["seq"]])
            except (ValueError, KeyError, TypeError):
                rows.append([t, None])
        return web.Response(body=orjson.dumps(rows), content_type="application/json")

    async def reset(self, request: web.Request) -> web.Response:
        self.notes.clear()
        self.bare.clear()
        return web.Response(status=204)

    async def ping(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")


def app() -> web.Application:
    r = Receiver()
    a = web.Application(client_max_size=64 * 2**20)
    a.router.add_post("/n/{k}", r.notify)
    a.router.add_post("/bare", r.post_bare)
    a.router.add_post("/sink", r.sink)
    a.router.add_get("/count", r.count)
    a.router.add_get("/results", r.results)
    a.router.add_get("/bare", r.get_bare)
    a.router.add_post("/reset", r.reset)
    a.router.add_get("/", r.ping)
    return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    web.run_app(app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
