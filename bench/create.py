"""Create one entity (POST /entities, a distinct id every request) under wrk, against the
bare ASGI app reading the same bodies and answering 201.

Target: >= 3,000 creates/s.
"""

from __future__ import annotations

import secrets

from bench._common import Result, say
from bench._data import LUA_ENTITY
from bench._server import BASE, Server
from bench._wrk import THREAD_IDS, measure

TITLE = "Create one entity"
MIN_RATE = 3000

LUA = """
local n = 0
local run = "%(run)s"
local headers = {["Content-Type"] = "application/json"}
function init(args)
  math.randomseed(tid + 1)
end
function request()
  n = n + 1
  local id = string.format("urn:ngsi-ld:AirQualityObserved:%%s-%%d-%%d", run, tid, n)
  return wrk.format("POST", "%(path)s", headers, entity(id, n))
end
"""


def script() -> str:
    """A fresh run id per wrk run, so ids never repeat, even across runs."""
    return THREAD_IDS + LUA_ENTITY + LUA % {"run": secrets.token_hex(4), "path": f"{BASE}/entities"}


def run(quick: bool) -> list[Result]:
    seconds = 3 if quick else 10
    connections = 64
    with Server.isanhub() as srv:
        url = srv.url + f"{BASE}/entities"
        hub = measure(srv, url, script, seconds=seconds, connections=connections)
        say(f"  isanhub: {hub.summary()}")
    with Server.bare(b"{}") as bare:
        url = bare.url + f"{BASE}/entities"
        lim = measure(bare, url, script, seconds=seconds, connections=connections)
        say(f"  bare ASGI: {lim.summary()}")
    return [
        Result(
            bench="create",
            name=TITLE,
            figure=hub.rate,
            unit="req/s",
            limit=lim.rate,
            limit_name="bare ASGI POST, same bodies",
            kind="rate",
            target=f">= {MIN_RATE:,}/s",
            passed=hub.rate >= MIN_RATE and hub.failed == 0,
            details={
                "connections": connections,
                "seconds": seconds,
                "isanhub": hub.as_details(),
                "bare": lim.as_details(),
            },
        )
    ]
