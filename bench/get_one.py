"""GET one entity (GET /entities/{id}) under wrk, against the bare ASGI app serving the
same body with the same uvicorn settings and number of worker processes.

Target: >= 8,000 requests/s and >= 40 % of the bare app's rate; on PostgreSQL (two
broker processes by default) >= 6,000 requests/s.

Reading the same entity over and over is served from memory on SQLite (recently read
documents, store.sqlite.doccache); a second run reads entities at random among all those
loaded (100,000; 10,000 with --quick), more than that cache holds, so that most reads go
to the file. It is printed and kept in the details, with no target of its own.
"""

from __future__ import annotations

import httpx

from bench._common import Result, say
from bench._data import entity_id, load
from bench._server import BASE, Server, on_postgres, workers
from bench._wrk import measure

TITLE = "GET one entity"
MIN_RATE = 8000
MIN_SHARE = 0.40
PG_MIN_RATE = 6000


#: GET of a random one of the first ``n`` entities loaded (bench._data.entity_id)
DISTINCT = """
local n = %(n)d
function request()
  local path = string.format("%(base)s/entities/urn:ngsi-ld:AirQualityObserved:KK-%%07d",
    math.random(0, n - 1))
  return wrk.format("GET", path)
end
"""


def run(quick: bool) -> list[Result]:
    seconds = 3 if quick else 10
    connections = 64
    stored = 10_000 if quick else 100_000
    path = f"{BASE}/entities/{entity_id(42)}"
    with Server.isanhub() as srv:
        say(f"  loading {stored:,} entities")
        load(srv.url, stored)
        r = httpx.get(srv.url + path)
        r.raise_for_status()
        body = r.content
        hub = measure(srv, srv.url + path, seconds=seconds, connections=connections)
        say(f"  isanhub: {hub.summary()}")
        script = DISTINCT % {"n": stored, "base": BASE}
        spread = measure(srv, srv.url + path, script, seconds=seconds, connections=connections)
        say(f"  isanhub, {stored:,} entities at random: {spread.summary()}")
    with Server.bare(body) as bare:
        lim = measure(bare, bare.url + path, seconds=seconds, connections=connections)
        say(f"  bare ASGI ({len(body)} B body): {lim.summary()}")
    share = hub.rate / lim.rate
    if on_postgres():
        target = f">= {PG_MIN_RATE:,}/s"
        passed = hub.rate >= PG_MIN_RATE and hub.failed == 0
    else:
        target = f">= {MIN_RATE:,}/s and >= {MIN_SHARE:.0%} of bare"
        passed = hub.rate >= MIN_RATE and share >= MIN_SHARE and hub.failed == 0
    return [
        Result(
            bench="get_one",
            name=TITLE,
            figure=hub.rate,
            unit="req/s",
            limit=lim.rate,
            limit_name="bare ASGI GET, same body",
            kind="rate",
            target=target,
            passed=passed,
            details={
                "workers": workers(),
                "body_bytes": len(body),
                "connections": connections,
                "seconds": seconds,
                "isanhub": hub.as_details(),
                "bare": lim.as_details(),
                "distinct": {"entities": stored, **spread.as_details()},
            },
        )
    ]
