"""The limits of one request (docs/security.md, Limits): entities per batch, terms and
nesting of q, positions of a geo-query, size of scopeQ, cost of idPattern. Each gets
its problem type with the limit in the detail, and nothing is stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app
from isanhub.core import errors, geo, id_pattern, qlang, scopeq

B = "/ngsi-ld/v1"
JSON = {"Content-Type": "application/json"}


def problem(r: Any, status: int, kind: str, *words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{kind}", body
    assert body["title"] and all(w in body["detail"] for w in words), body


def sensors(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"id": f"urn:ngsi-ld:Sensor:{i}", "type": "Sensor", "level": {"value": i}}
        for i in range(start, start + n)
    ]


@pytest.fixture
def small(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, max_batch=5))) as client:
        yield client


@pytest.mark.parametrize("op", ["create", "upsert", "update", "merge", "delete"])
def test_a_batch_over_max_batch_is_413_and_writes_nothing(small: TestClient, op: str) -> None:
    assert small.post(f"{B}/entityOperations/create", json=sensors(5)).status_code == 201
    before = small.get(f"{B}/entities?type=Sensor&limit=100").json()
    items: list[Any] = sensors(6, start=3)
    if op == "delete":
        items = [e["id"] for e in sensors(6)]
    r = small.post(f"{B}/entityOperations/{op}", json=items)
    problem(r, 413, "PayloadTooLarge", "at most 5 entities", "6")
    assert small.get(f"{B}/entities?type=Sensor&limit=100").json() == before


def test_the_default_batch_limit_is_1000(client: TestClient) -> None:
    r = client.post(f"{B}/entityOperations/upsert", json=sensors(1001))
    problem(r, 413, "PayloadTooLarge", "1,000")
    assert (
        client.get(f"{B}/entities?type=Sensor&count=true&limit=0").headers["NGSILD-Results-Count"]
        == "0"
    )
    assert client.post(f"{B}/entityOperations/upsert", json=sensors(1000)).status_code == 201


def q_of(terms: int) -> str:
    return "|".join(f"level=={i}" for i in range(terms))


def nested_q(depth: int) -> str:
    """A q whose ANDs and ORs nest ``depth`` deep."""
    q = "level==0"
    for i in range(depth):
        q = f"level=={i}" + (";" if i % 2 else "|") + f"({q})"
    return q


def test_q_complexity(client: TestClient) -> None:
    client.post(f"{B}/entityOperations/create", json=sensors(3))
    ok = client.get(f"{B}/entities", params={"type": "Sensor", "q": q_of(qlang.MAX_TERMS)})
    assert ok.status_code == 200 and len(ok.json()) == 3
    r = client.get(f"{B}/entities", params={"type": "Sensor", "q": q_of(qlang.MAX_TERMS + 1)})
    problem(r, 403, "TooComplexQuery", str(qlang.MAX_TERMS))
    assert qlang._nesting(qlang.parse(nested_q(qlang.MAX_NESTING))) == qlang.MAX_NESTING
    ok = client.get(f"{B}/entities", params={"type": "Sensor", "q": nested_q(qlang.MAX_NESTING)})
    assert ok.status_code == 200, ok.text
    deep = nested_q(qlang.MAX_NESTING + 1)
    r = client.get(f"{B}/entities", params={"type": "Sensor", "q": deep})
    problem(r, 403, "TooComplexQuery", str(qlang.MAX_NESTING))
    # the same limits in a Query body, a temporal query and a subscription
    query = {"type": "Query", "entities": [{"type": "Sensor"}], "q": q_of(101)}
    problem(client.post(f"{B}/entityOperations/query", json=query), 403, "TooComplexQuery")
    r = client.get(
        f"{B}/temporal/entities",
        params={"type": "Sensor", "q": deep, "timerel": "after", "timeAt": "2020-01-01T00:00:00Z"},
    )
    problem(r, 403, "TooComplexQuery")
    sub = {
        "type": "Subscription",
        "entities": [{"type": "Sensor"}],
        "q": q_of(101),
        "notification": {"endpoint": {"uri": "http://receiver.invalid/n"}},
    }
    problem(client.post(f"{B}/subscriptions", json=sub), 403, "TooComplexQuery")
    assert client.get(f"{B}/subscriptions").json() == []


def square(n: int) -> list[list[float]]:
    """A closed ring of about ``n`` positions around Khon Kaen."""
    side = max(1, (n - 1) // 4)
    lo, hi, step = 102.0, 103.0, 1.0 / side
    ring = [[lo + i * step, 16.0] for i in range(side)]
    ring += [[hi, 16.0 + i * step] for i in range(side)]
    ring += [[hi - i * step, 17.0] for i in range(side)]
    ring += [[lo, 17.0 - i * step] for i in range(side)]
    return [*ring, ring[0]]


def test_geo_query_positions(client: TestClient) -> None:
    client.post(
        f"{B}/entities",
        json={"id": "urn:ngsi-ld:Sensor:kk", "type": "Sensor",
              "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [102.8, 16.4]}}},
    )  # fmt: skip
    fits = square(geo.MAX_QUERY_POSITIONS)
    assert len(fits) <= geo.MAX_QUERY_POSITIONS
    query = {"type": "Query", "entities": [{"type": "Sensor"}],
             "geoQ": {"georel": "within", "geometry": "Polygon", "coordinates": [fits]}}  # fmt: skip
    r = client.post(f"{B}/entityOperations/query", json=query)
    assert r.status_code == 200 and [e["id"] for e in r.json()] == ["urn:ngsi-ld:Sensor:kk"]
    over = square(geo.MAX_QUERY_POSITIONS + 8)
    assert len(over) > geo.MAX_QUERY_POSITIONS
    query["geoQ"]["coordinates"] = [over]  # type: ignore[index]
    start = time.monotonic()
    r = client.post(f"{B}/entityOperations/query", json=query)
    problem(r, 403, "TooComplexQuery", "10,000 positions")
    # GET carries coordinates as text (too long for a test client's URL here)
    with pytest.raises(errors.TooComplexQuery):
        geo.GeoQuery.from_params("within", "Polygon", orjson.dumps([over]).decode())
    huge = {**query, "geoQ": {**query["geoQ"], "geometry": "MultiPoint",  # type: ignore[dict-item]
                              "coordinates": [[102.0, 16.0]] * 1_000_000}}  # fmt: skip
    problem(client.post(f"{B}/entityOperations/query", json=huge), 403, "TooComplexQuery")
    assert time.monotonic() - start < 10


def test_scope_query_limits(client: TestClient) -> None:
    base = {"type": "Sensor"}
    ok = client.get(f"{B}/entities", params={**base, "scopeQ": ",".join(["/a"] * 100)})
    assert ok.status_code == 200, ok.text
    many = ",".join(["/a"] * (scopeq.MAX_TERMS + 1))
    problem(client.get(f"{B}/entities", params={**base, "scopeQ": many}), 403, "TooComplexQuery")
    deep = "(" * 17 + "/a" + ")" * 17
    problem(client.get(f"{B}/entities", params={**base, "scopeQ": deep}), 403, "TooComplexQuery")
    deeper = "(" * 5000 + "/a" + ")" * 5000  # used to overflow the parser's recursion
    r = client.get(f"{B}/entities", params={**base, "scopeQ": deeper})
    problem(r, 400, "BadRequestData", str(scopeq.MAX_LENGTH))
    long = "/" + "a" * scopeq.MAX_LENGTH
    problem(client.get(f"{B}/entities", params={**base, "scopeQ": long}), 400, "BadRequestData")


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("[", "not a valid regular expression"),
        ("a" * (id_pattern.MAX_LENGTH + 1), "longer than 256"),
        ("(a+)+$", "too costly"),
        ("(a|aa)*$", "too costly"),
        (".*.*.*.*x", "too costly"),
        (r"(a)\1", "backreferences"),
    ],
)
def test_id_pattern_limits(client: TestClient, pattern: str, words: str) -> None:
    long_id = "urn:ngsi-ld:Sensor:" + "a" * 200
    client.post(f"{B}/entities", json={"id": long_id, "type": "Sensor"})
    start = time.monotonic()
    r = client.get(f"{B}/entities", params={"type": "Sensor", "idPattern": pattern})
    problem(r, 400, "BadRequestData", "idPattern", words)
    sub = {
        "type": "Subscription",
        "entities": [{"type": "Sensor", "idPattern": pattern}],
        "notification": {"endpoint": {"uri": "http://receiver.invalid/n"}},
    }
    problem(client.post(f"{B}/subscriptions", json=sub), 400, "BadRequestData", "idPattern")
    assert time.monotonic() - start < 2


def test_usual_id_patterns_still_work(client: TestClient) -> None:
    client.post(f"{B}/entityOperations/create", json=sensors(12))
    for pattern, n in [
        ("^urn:ngsi-ld:Sensor:1.*", 3),
        ("urn:ngsi-ld:[^:]*:1[01]$", 2),
        (r"Sensor:\d$", 10),
        (".*:Sensor:.*", 12),
        ("^(urn|https?):.*", 12),
    ]:
        r = client.get(f"{B}/entities", params={"type": "Sensor", "idPattern": pattern})
        assert r.status_code == 200 and len(r.json()) == n, (pattern, r.text)
