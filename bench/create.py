"""Create one entity (POST /entities, a distinct id every request) under wrk, against the
bare ASGI app reading the same bodies and answering 201.

Target: >= 3,000 creates/s; none on PostgreSQL (recorded beside SQLite).
"""

from __future__ import annotations

import secrets

from bench._common import Result
from bench._data import LUA_ENTITY
from bench._server import BASE
from bench._wrk import THREAD_IDS, post_rate_vs_bare

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
    return [
        post_rate_vs_bare(
            "create",
            TITLE,
            MIN_RATE,
            f"{BASE}/entities",
            script,
            seconds=3 if quick else 10,
            connections=64,
        )
    ]
