"""Append/update two attributes (POST /entities/{id}/attrs with pm25 and pm10) over many
existing entities under wrk, against the bare ASGI app reading the same bodies (204).

Target: >= 3,500 requests/s; none on PostgreSQL (recorded beside SQLite).
"""

from __future__ import annotations

from bench._common import Result
from bench._data import LUA_ENTITY, load
from bench._server import BASE
from bench._wrk import THREAD_IDS, post_rate_vs_bare

TITLE = "Append two attributes"
MIN_RATE = 3500

LUA = """
local n = 0
local headers = {["Content-Type"] = "application/json"}
local BODY = '{"pm25":{"type":"Property","value":%%.1f,"unitCode":"GQ","observedAt":"%%s"},' ..
  '"pm10":{"type":"Property","value":%%.1f,"unitCode":"GQ","observedAt":"%%s"}}'
function init(args)
  math.randomseed(tid + 1)
end
function request()
  n = n + 1
  local i = ((n - 1) * %(threads)d + tid) %% %(entities)d
  local path = string.format("%(base)s/entities/urn:ngsi-ld:AirQualityObserved:KK-%%07d/attrs", i)
  local ts = timestamp(3600 + n)
  local pm25 = 5 + math.random() * 100
  return wrk.format("POST", path, headers, string.format(BODY, pm25, ts, pm25 * 1.5, ts))
end
"""


def run(quick: bool) -> list[Result]:
    seconds = 3 if quick else 10
    connections = 64
    threads = 1
    entities = 2_000 if quick else 20_000
    script = (
        THREAD_IDS
        + LUA_ENTITY
        + LUA
        % {
            "threads": threads,
            "entities": entities,
            "base": BASE,
        }
    )
    result = post_rate_vs_bare(
        "append",
        TITLE,
        MIN_RATE,
        BASE,
        script,
        seconds=seconds,
        connections=connections,
        threads=threads,
        prepare=lambda url: load(url, entities),
        entities=entities,
    )
    return [result]
