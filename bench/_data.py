"""Realistic test entities: AirQualityObserved stations spread over Khon Kaen province
(lat 15.6-17.1, lon 101.7-103.2) with pm25, pm10, temperature, location and dateObserved,
in NGSI-LD normalized form; the same shape generated in Python and in wrk's Lua; and a
loader that fills a broker with batch upserts."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson

LAT = (15.6, 17.1)
LON = (101.7, 103.2)
TYPE = "AirQualityObserved"
JSON_HEADERS = {"Content-Type": "application/json"}


def entity_id(i: int, prefix: str = "KK") -> str:
    return f"urn:ngsi-ld:{TYPE}:{prefix}-{i:07d}"


def _ts(n: int) -> str:
    return f"2026-11-24T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}Z"


def entity(eid: str, n: int, rng: random.Random) -> dict[str, Any]:
    """One AirQualityObserved entity; ``n`` varies the observation time."""
    ts = _ts(n)
    pm25 = round(rng.gammavariate(3.0, 12.0), 1)  # mean 36 ug/m3, about 35 % above 40
    return {
        "id": eid,
        "type": TYPE,
        "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": ts}},
        "pm25": {"type": "Property", "value": pm25, "unitCode": "GQ", "observedAt": ts},
        "pm10": {
            "type": "Property",
            "value": round(pm25 * rng.uniform(1.2, 1.9), 1),
            "unitCode": "GQ",
            "observedAt": ts,
        },
        "temperature": {
            "type": "Property",
            "value": round(rng.uniform(22.0, 38.0), 1),
            "unitCode": "CEL",
            "observedAt": ts,
        },
        "location": {
            "type": "GeoProperty",
            "value": {
                "type": "Point",
                "coordinates": [round(rng.uniform(*LON), 6), round(rng.uniform(*LAT), 6)],
            },
        },
    }


def batch(start: int, size: int, prefix: str = "KK") -> list[dict[str, Any]]:
    """Entities ``start`` .. ``start + size - 1``, the same every time (seeded by start)."""
    rng = random.Random(start)
    return [entity(entity_id(i, prefix), i, rng) for i in range(start, start + size)]


# The same document in Lua (wrk): entity(id, n) returns the JSON text.
LUA_ENTITY = r"""
local ENTITY = '{"id":"%s","type":"AirQualityObserved",' ..
  '"dateObserved":{"type":"Property","value":{"@type":"DateTime","@value":"%s"}},' ..
  '"pm25":{"type":"Property","value":%.1f,"unitCode":"GQ","observedAt":"%s"},' ..
  '"pm10":{"type":"Property","value":%.1f,"unitCode":"GQ","observedAt":"%s"},' ..
  '"temperature":{"type":"Property","value":%.1f,"unitCode":"CEL","observedAt":"%s"},' ..
  '"location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[%.6f,%.6f]}}}'

function timestamp(n)
  return string.format("2026-11-24T%02d:%02d:%02dZ",
    math.floor(n / 3600) % 24, math.floor(n / 60) % 60, n % 60)
end

function entity(id, n)
  local ts = timestamp(n)
  local pm25 = 5 + math.random() * 100
  return string.format(ENTITY, id, ts, pm25, ts, pm25 * (1.2 + math.random() * 0.7), ts,
    22 + math.random() * 16, ts, 101.7 + math.random() * 1.5, 15.6 + math.random() * 1.5)
end
"""


def load(
    url: str,
    count: int,
    *,
    start: int = 0,
    size: int = 1000,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
    headers: dict[str, str] | None = None,
) -> float:
    """Upsert ``count`` entities (ids start .. start+count-1) in batches of ``size``
    through POST /entityOperations/upsert; returns the seconds it took. ``headers``:
    added to each request (a key, when the server checks them)."""
    local = threading.local()
    clients: list[httpx.Client] = []
    done = 0
    lock = threading.Lock()

    def post(first: int) -> None:
        nonlocal done
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=url, timeout=300)
            with lock:
                clients.append(client)
        n = min(size, start + count - first)
        body = orjson.dumps(batch(first, n))
        r = client.post(
            "/ngsi-ld/v1/entityOperations/upsert",
            content=body,
            headers={**JSON_HEADERS, **(headers or {})},
        )
        if r.status_code not in (201, 204):
            raise RuntimeError(f"upsert failed: {r.status_code} {r.text[:500]}")
        with lock:
            done += n
            if progress:
                progress(done)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(post, first) for first in range(start, start + count, size)]:
            f.result()
    elapsed = time.perf_counter() - t0
    for c in clients:
        c.close()
    return elapsed
