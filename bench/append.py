"""Append/update two attributes (POST /entities/{id}/attrs with pm25 and pm10) over many
existing entities under wrk, against the bare ASGI app reading the same bodies (204).

Target: >= 3,500 requests/s.
"""

from __future__ import annotations

from bench._common import Result, say
from bench._data import LUA_ENTITY, load
from bench._server import BASE, Server
from bench._wrk import THREAD_IDS, measure

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
    with Server.isanhub() as srv:
        load(srv.url, entities)
        url = srv.url + BASE
        hub = measure(srv, url, script, seconds=seconds, connections=connections, threads=threads)
        say(f"  isanhub ({entities:,} entities): {hub.summary()}")
    with Server.bare(b"{}") as bare:
        url = bare.url + BASE
        lim = measure(bare, url, script, seconds=seconds, connections=connections, threads=threads)
        say(f"  bare ASGI: {lim.summary()}")
    return [
        Result(
            bench="append",
            name=TITLE,
            figure=hub.rate,
            unit="req/s",
            limit=lim.rate,
            limit_name="bare ASGI POST, same bodies",
            kind="rate",
            target=f">= {MIN_RATE:,}/s",
            passed=hub.rate >= MIN_RATE and hub.failed == 0,
            details={
                "entities": entities,
                "connections": connections,
                "seconds": seconds,
                "isanhub": hub.as_details(),
                "bare": lim.as_details(),
            },
        )
    ]
