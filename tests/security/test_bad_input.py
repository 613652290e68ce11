"""A battery of bad input against the API in open mode, on both backends: malformed and
mistyped JSON, bodies too large or too deep, hostile ids, hostile queries (idPattern, q,
geoQ, scopeQ), invalid geometries, unknown tenants, oversized batches, wrong content
types, NUL characters in ids, types and names (a value may hold one: test_provision.py).

Each request must get a clear 4xx with problem details (type, title, detail), never a
5xx, within TIME_LIMIT seconds, and leave every table of the store as it was, row for
row. The few inputs the API accepts on purpose (ACCEPTED) must still answer quickly,
without 5xx, and change nothing.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
TIME_LIMIT = 2.0
LONG_ID = "urn:ngsi-ld:Sensor:" + "a" * 300
SEED: list[dict[str, Any]] = [
    {"id": "urn:ngsi-ld:Sensor:1", "type": "Sensor", "level": {"type": "Property", "value": 1},
     "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [102.8, 16.4]}}},
    {"id": LONG_ID, "type": "Sensor", "level": {"type": "Property", "value": 2}, "scope": "/kk/city"},
    {"id": "urn:ngsi-ld:Person:p1", "type": "Person",
     "telephone": {"type": "Property", "value": "0812345678"}},
]  # fmt: skip
ENTITY = {"id": "urn:ngsi-ld:Sensor:new", "type": "Sensor", "level": {"value": 3}}
SUB = {
    "type": "Subscription",
    "entities": [{"type": "Sensor"}],
    "notification": {"endpoint": {"uri": "http://receiver.invalid/notify"}},
}
NOTHING = object()
#: tables that change by themselves: the live processes of the hub, each a heartbeat
VOLATILE = frozenset({"notify_members"})


@dataclass
class Bad:
    method: str
    path: str
    json: Any = NOTHING
    content: bytes | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def entity(**members: Any) -> dict[str, Any]:
    return {**ENTITY, **members}


def geo_query(geometry: str, coordinates: Any, georel: str = "within") -> Bad:
    body = {"type": "Query", "entities": [{"type": "Sensor"}],
            "geoQ": {"georel": georel, "geometry": geometry, "coordinates": coordinates}}  # fmt: skip
    return Bad("POST", "/entityOperations/query", body)


def query(**params: str) -> Bad:
    return Bad("GET", "/entities", params={"type": "Sensor", **params})


def deep(depth: int) -> bytes:
    value = '{"a":' * depth + "1" + "}" * depth
    return (
        f'{{"id": "urn:ngsi-ld:Sensor:deep", "type": "Sensor", "p": {{"value": {value}}}}}'.encode()
    )


def polygon(*ring: list[float]) -> list[list[list[float]]]:
    return [list(ring)]


CASES: dict[str, Bad] = {
    # ------------------------------------------------------------------ malformed JSON
    "truncated entity": Bad("POST", "/entities", content=b'{"id": "urn:x:1", "type":'),
    "truncated batch": Bad("POST", "/entityOperations/create", content=b'[{"id": "urn:x:1"'),
    "truncated patch": Bad("PATCH", "/entities/urn:ngsi-ld:Sensor:1/attrs", content=b"{"),
    "truncated subscription": Bad("POST", "/subscriptions", content=b'{"type": "Subscr'),
    "not JSON at all": Bad("POST", "/entities", content=b"id=urn:x:1&type=Sensor"),
    "JSON with a trailing comma": Bad("POST", "/entities", content=b'{"id": "urn:x:1",}'),
    "JSON with NaN": Bad("POST", "/entities", content=b'{"id": "urn:x:1", "type": "S", "a": NaN}'),
    "JSON with a lone surrogate": Bad("POST", "/entities", content=b'{"id": "urn:x:\\ud800"}'),
    "invalid UTF-8": Bad("POST", "/entities", content=b'{"id": "urn:x:\xff\xfe", "type": "S"}'),
    "empty body": Bad("POST", "/entities", content=b""),
    "JSON null": Bad("POST", "/entities", content=b"null"),
    # ------------------------------------------------------------------ wrong JSON types
    "an array for an entity": Bad("POST", "/entities", [ENTITY]),
    "a string for an entity": Bad("POST", "/entities", "urn:ngsi-ld:Sensor:new"),
    "a number for an entity": Bad("POST", "/entities", 42),
    "a number for an id": Bad("POST", "/entities", entity(id=42)),
    "an object for an id": Bad("POST", "/entities", entity(id={"urn": "x"})),
    "a number for a type": Bad("POST", "/entities", entity(type=7)),
    "an object for a type": Bad("POST", "/entities", entity(type={"a": 1})),
    "a property without value": Bad("POST", "/entities", entity(level={"type": "Property"})),
    "a number for a relationship object": Bad(
        "POST", "/entities", entity(ref={"type": "Relationship", "object": 5})
    ),
    "a number for observedAt": Bad(
        "POST", "/entities", entity(level={"type": "Property", "value": 1, "observedAt": 5})
    ),
    "a string for a GeoProperty": Bad(
        "POST", "/entities", entity(location={"type": "GeoProperty", "value": "Khon Kaen"})
    ),
    "a number for scope": Bad("POST", "/entities", entity(scope=5)),
    "an object for a batch": Bad("POST", "/entityOperations/upsert", ENTITY),
    "an empty batch": Bad("POST", "/entityOperations/create", []),
    "a string for a batch delete": Bad("POST", "/entityOperations/delete", "urn:x:1"),
    "a number for attrs": Bad("PATCH", "/entities/urn:ngsi-ld:Sensor:1/attrs", 5),
    "an array for attrs": Bad("POST", "/entities/urn:ngsi-ld:Sensor:1/attrs", [{"a": 1}]),
    "an object for entities of a subscription": Bad(
        "POST", "/subscriptions", {**SUB, "entities": {}}
    ),
    "an array for notification": Bad("POST", "/subscriptions", {**SUB, "notification": []}),
    "a number for a subscription q": Bad("POST", "/subscriptions", {**SUB, "q": 5}),
    "a string for throttling": Bad("POST", "/subscriptions", {**SUB, "throttling": "often"}),
    "a number for expiresAt": Bad("POST", "/subscriptions", {**SUB, "expiresAt": 5}),
    "a number for an endpoint uri": Bad(
        "POST", "/subscriptions", {**SUB, "notification": {"endpoint": {"uri": 5}}}
    ),
    "a number for a Query": Bad("POST", "/entityOperations/query", 5),
    "a number for an idPattern": Bad(
        "POST",
        "/entityOperations/query",
        {"type": "Query", "entities": [{"type": "Sensor", "idPattern": 5}]},
    ),
    "a number for geoQ": Bad("POST", "/entityOperations/query", {"type": "Query", "geoQ": 5}),
    "a string for a temporal entity": Bad("POST", "/temporal/entities", "x"),
    "a number for a context": Bad("POST", "/jsonldContexts", 5),
    # ------------------------------------------------------------------ size and depth
    "a body over max_body": Bad("POST", "/entities", content=b" " * (32 * 1024 * 1024 + 1)),
    "a body declared over max_body": Bad(
        "POST", "/entities", content=b"{}", headers={"Content-Length": "999999999999"}
    ),
    "a body nested too deep": Bad("POST", "/entities", content=deep(150)),
    "a batch nested too deep": Bad(
        "POST", "/entityOperations/upsert", content=b"[" + deep(150) + b"]"
    ),
    "a subscription nested too deep": Bad(
        "POST", "/subscriptions", content=b"[" * 5000 + b"]" * 5000
    ),
    # ------------------------------------------------------------------ hostile ids
    "a very long id": Bad("POST", "/entities", entity(id="urn:ngsi-ld:Sensor:" + "x" * 100_000)),
    "a very long id, temporal": Bad(
        "POST", "/temporal/entities", entity(id="urn:ngsi-ld:Sensor:" + "x" * 100_000)
    ),
    "a very long id in the path": Bad("GET", "/entities/urn:ngsi-ld:Sensor:" + "x" * 6_000),
    "a control character in an id": Bad("POST", "/entities", entity(id="urn:ngsi-ld:Sensor:\x07")),
    "a NUL in an id": Bad("POST", "/entities", entity(id="urn:ngsi-ld:Sensor:\x00")),
    "a path traversal id": Bad("POST", "/entities", entity(id="../../etc/passwd")),
    "a path traversal in the path": Bad("GET", "/entities/..%2F..%2Fetc%2Fpasswd"),
    "SQL in an id": Bad("POST", "/entities", entity(id="'; DROP TABLE entities; --")),
    "SQL in the path": Bad("GET", "/entities/urn:x:';DROP%20TABLE%20entities;--"),
    "SQL in an id, found nowhere": Bad(
        "DELETE", "/entities/urn:x:'%3BDROP%20TABLE%20entities%3B--"
    ),
    "unicode in the path": Bad("GET", "/entities/urn:ngsi-ld:Sensor:%E0%B8%82%E2%80%AE"),
    "an id that is not a URI": Bad("POST", "/entities", entity(id="sensor 1")),
    "SQL in a type": Bad("POST", "/entities", entity(type="T'; DROP TABLE entities; --")),
    # ------------------------------------------------------------------ hostile queries
    "catastrophic idPattern": query(idPattern="(a+)+$"),
    "catastrophic idPattern, alternation": query(idPattern="(a|aa)*$"),
    "polynomial idPattern": query(idPattern=".*.*.*.*.*.*x"),
    "idPattern with a backreference": query(idPattern=r"(a*)\1$"),
    "idPattern that does not compile": query(idPattern="(["),
    "idPattern too long": query(idPattern="a" * 10_000),
    "idPattern nested too deep": query(idPattern="(" * 500 + "a" + ")" * 500),
    "catastrophic idPattern in a subscription": Bad(
        "POST", "/subscriptions", {**SUB, "entities": [{"type": "Sensor", "idPattern": "(a+)+$"}]}
    ),
    "catastrophic regex in q": query(q='level~="(a+)+$"'),
    "q of 10,000 terms": Bad(  # in a body: a URL that long is refused before the broker
        "POST",
        "/entityOperations/query",
        {
            "type": "Query",
            "entities": [{"type": "Sensor"}],
            "q": "|".join(f"level=={i}" for i in range(10_000)),
        },
    ),  # fmt: skip
    "q of 101 terms": query(q="|".join(f"level=={i}" for i in range(101))),
    "q nested too deep": query(q="(" * 40 + "level==1" + ")" * 40),
    "q with an unterminated string": query(q='level=="abc'),
    "q with a huge number": query(q="level==" + "9" * 5000),
    "huge coordinates array": geo_query("MultiPoint", [[102.0, 16.0]] * 200_000),
    "coordinates nested too deep": query(
        georel="within", geometry="Polygon", coordinates="[" * 3000 + "]" * 3000
    ),
    "scopeQ nested too deep": query(scopeQ="(" * 3000 + "/a" + ")" * 3000),
    "scopeQ of many terms": query(scopeQ=",".join(["/a"] * 5000)),
    "scopeQ malformed": query(scopeQ="kk/city"),
    # ------------------------------------------------------------------ invalid geometries
    "NaN in coordinates": query(
        georel="near;maxDistance==10", geometry="Point", coordinates="[NaN, 16]"
    ),
    "Infinity in coordinates": query(
        georel="within", geometry="Point", coordinates="[Infinity, 1]"
    ),
    "latitude out of range": geo_query("Point", [102.0, 95.0], "near;maxDistance==10"),
    "longitude out of range": geo_query("Point", [200.0, 16.0], "near;maxDistance==10"),
    "a huge coordinate": geo_query("Point", [1e308, 16.0], "near;maxDistance==10"),
    "a position of one number": geo_query("Point", [102.0], "near;maxDistance==10"),
    "a polygon of two positions": geo_query("Polygon", [[[102, 16], [103, 16]]]),
    "unknown geometry type": geo_query("Circle", [102, 16]),
    "an unclosed ring in an entity": Bad(
        "POST",
        "/entities",
        entity(
            location={
                "type": "GeoProperty",
                "value": {
                    "type": "Polygon",
                    "coordinates": polygon([102, 16], [103, 16], [103, 17], [102, 17]),
                },
            }
        ),
    ),  # fmt: skip
    "latitude out of range in an entity": Bad(
        "POST",
        "/entities",
        entity(
            location={"type": "GeoProperty", "value": {"type": "Point", "coordinates": [102, 91]}}
        ),
    ),  # fmt: skip
    "a GeometryCollection in an entity": Bad(
        "POST",
        "/entities",
        entity(
            location={
                "type": "GeoProperty",
                "value": {"type": "GeometryCollection", "geometries": []},
            }
        ),
    ),  # fmt: skip
    # ------------------------------------------------------------------ tenants
    "an unknown tenant": Bad(
        "GET", "/entities", params={"type": "Sensor"}, headers={"NGSILD-Tenant": "nobody"}
    ),
    "an unknown tenant, one entity": Bad(
        "GET", "/entities/urn:ngsi-ld:Sensor:1", headers={"NGSILD-Tenant": "nobody"}
    ),
    "an unknown tenant, delete": Bad(
        "DELETE", "/entities/urn:ngsi-ld:Sensor:1", headers={"NGSILD-Tenant": "nobody"}
    ),
    "an invalid tenant name": Bad("POST", "/entities", ENTITY, headers={"NGSILD-Tenant": "a b"}),
    "a tenant name of SQL": Bad(
        "POST", "/entities", ENTITY, headers={"NGSILD-Tenant": "x'; DROP SCHEMA public; --"}
    ),
    "a very long tenant name": Bad(
        "POST", "/entities", ENTITY, headers={"NGSILD-Tenant": "t" * 5000}
    ),
    # ------------------------------------------------------------------ batches
    "a batch over max_batch": Bad("POST", "/entityOperations/upsert", [ENTITY] * 1001),
    "a batch delete over max_batch": Bad("POST", "/entityOperations/delete", ["urn:x:1"] * 1001),
    # ------------------------------------------------------------------ content types
    "text/plain": Bad(
        "POST", "/entities", content=orjson.dumps(ENTITY), headers={"Content-Type": "text/plain"}
    ),
    "XML": Bad(
        "POST", "/entities", content=b"<entity/>", headers={"Content-Type": "application/xml"}
    ),
    "a form": Bad(
        "POST",
        "/subscriptions",
        content=b"a=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "multipart to NGSI-LD": Bad(
        "POST",
        "/entityOperations/create",
        content=b"--x\r\n\r\n--x--",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    ),
    "merge patch on POST": Bad(
        "POST",
        "/entities",
        content=orjson.dumps(ENTITY),
        headers={"Content-Type": "application/merge-patch+json"},
    ),
    "ld+json without @context": Bad(
        "POST",
        "/entities",
        content=orjson.dumps(ENTITY),
        headers={"Content-Type": "application/ld+json"},
    ),
    "no Content-Type": Bad(
        "POST", "/entities", content=orjson.dumps(ENTITY), headers={"Content-Type": ""}
    ),
    "an Accept nothing can meet": Bad(
        "GET", "/entities/urn:ngsi-ld:Sensor:1", headers={"Accept": "text/html"}
    ),
    # ------------------------------------------------------------------ NUL characters
    # (in ids, types, names and scopes; values keep one: tests/api/test_provision.py)
    "NUL in an attribute name": Bad("POST", "/entities", entity(**{"le\x00vel": {"value": 1}})),
    "NUL in a type": Bad("POST", "/entities", entity(type="Sen\x00sor")),
    "NUL in a relationship object": Bad(
        "POST", "/entities", entity(ref={"type": "Relationship", "object": "urn:x:\x00"})
    ),
    "NUL in a subscription's type": Bad(
        "POST", "/subscriptions", {**SUB, "entities": [{"type": "Sen\x00sor"}]}
    ),
    "NUL in a scope": Bad("POST", "/entities", entity(scope="/kk/\x00")),
    "NUL in the path": Bad("GET", "/entities/urn:ngsi-ld:Sensor:%00"),
}

#: inputs the API accepts on purpose: answered quickly and without 5xx all the same
ACCEPTED: dict[str, tuple[Bad, set[int]]] = {
    # a self-intersecting reference polygon is a valid query (ETSI 019_11_01 relates to
    # one); matching falls back to its repaired form
    "self-intersecting query polygon": (
        geo_query("Polygon", polygon([102, 16], [103, 17], [103, 16], [102, 17], [102, 16])),
        {200},
    ),
    # an unclosed ring in a geo-query is closed (ETSI 037_07_02 sends one)
    "unclosed query ring": (geo_query("Polygon", polygon([102, 16], [103, 16], [103, 17])), {200}),
    "SQL in the id parameter": (query(id="urn:x:';DROP/**/TABLE/**/entities;--"), {200}),
    # a value may hold U+0000 (tests/api/test_provision.py), so a query may look for one
    "q with a NUL": (query(q='level=="a\x00"'), {200}),
    "idPattern with a NUL": (query(idPattern="Sensor:\x00"), {200}),
}


#: bad entities in a batch: the batch answers for each (207, clause 5.6.7), and every
#: one of these must be among the errors, as problem details
BATCH_ITEMS: dict[str, Any] = {
    "a very long id": entity(id="urn:ngsi-ld:S:" + "y" * 100_000),
    "an id that is not a URI": entity(id="'; DROP TABLE entities; --"),
    "a control character in an id": entity(id="urn:ngsi-ld:S:\x07"),
    "a number for an id": entity(id=5),
    "a number for a type": entity(type=5),
    "a property without value": entity(level={"type": "Property"}),
    "an unclosed ring": entity(location={"type": "GeoProperty", "value": {
        "type": "Polygon", "coordinates": polygon([102, 16], [103, 16], [103, 17], [102, 17])}}),
    "a very long type": entity(type="T" * 5000),
    "a very long attribute name": entity(**{"a" * 5000: {"value": 1}}),
    "a string for an entity": "urn:ngsi-ld:Sensor:new",
}  # fmt: skip


# ------------------------------------------------------------------------------ the store


def dump(db_url: str) -> Any:
    """Every row of every table of the store (all tenants), as another process reads it."""
    if db_url.startswith("sqlite:"):
        path = db_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()
    url, namespace = db_url.split("?schema=")
    out: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND (table_schema = %s OR table_schema LIKE %s)"
            " ORDER BY 1, 2",
            (namespace, namespace.replace("_", "\\_") + "\\_%"),
        ).fetchall()
        for schema, table in tables:
            if table in VOLATILE:
                continue
            rows = conn.execute(
                sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table))
            ).fetchall()
            out[f"{schema}.{table}"] = sorted(repr(r) for r in rows)
    return out


def send(client: TestClient, bad: Bad) -> Any:
    kwargs: dict[str, Any] = {"params": bad.params, "headers": dict(bad.headers)}
    if bad.content is not None:
        kwargs["headers"].setdefault("Content-Type", "application/json")
        if kwargs["headers"]["Content-Type"] == "":
            del kwargs["headers"]["Content-Type"]
        kwargs["content"] = bad.content
    elif bad.json is not NOTHING:
        kwargs["content"] = orjson.dumps(bad.json)
        kwargs["headers"].setdefault("Content-Type", "application/json")
    return client.request(bad.method, B + bad.path, **kwargs)


def seed(client: TestClient) -> None:
    assert client.post(f"{B}/entityOperations/create", json=SEED).status_code == 201
    r = client.post(f"{B}/entities", json=ENTITY, headers={"NGSILD-Tenant": "kk"})
    assert r.status_code == 201, r.text
    # a subscription to a type no case writes: its status stays as it is
    quiet = {**SUB, "entities": [{"type": "Unwritten"}]}
    assert client.post(f"{B}/subscriptions", json=quiet).status_code == 201


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(client: TestClient, db_url: str) -> None:
    seed(client)
    failures: list[str] = []
    before = dump(db_url)
    for name, bad in CASES.items():
        start = time.monotonic()
        r = send(client, bad)
        took = time.monotonic() - start
        problem = ""
        if not 400 <= r.status_code < 500:
            problem = f"status {r.status_code}"
        else:
            try:
                body = r.json()
                ok = all(
                    isinstance(body.get(k), str) and body[k] for k in ("type", "title", "detail")
                )
                problem = "" if ok else f"not problem details: {r.text[:200]}"
            except ValueError:
                problem = f"not JSON: {r.text[:200]}"
        if took > TIME_LIMIT:
            problem += f" took {took:.1f} s"
        after = dump(db_url)
        if after != before:
            problem += " changed the store"
            before = after
        if problem:
            failures.append(f"{name}: {problem.strip()} ({r.status_code} {r.text[:300]})")
    assert not failures, "\n".join(failures)


def test_inputs_accepted_on_purpose_change_nothing(client: TestClient, db_url: str) -> None:
    seed(client)
    before = dump(db_url)
    for name, (bad, statuses) in ACCEPTED.items():
        start = time.monotonic()
        r = send(client, bad)
        assert r.status_code in statuses, (name, r.status_code, r.text)
        assert time.monotonic() - start < TIME_LIMIT, name
        assert dump(db_url) == before, name


@pytest.mark.parametrize("op", ["create", "upsert", "update", "merge"])
def test_bad_batch_items_are_errors_and_change_nothing(
    client: TestClient, db_url: str, op: str
) -> None:
    seed(client)
    before = dump(db_url)
    start = time.monotonic()
    r = client.post(f"{B}/entityOperations/{op}", json=list(BATCH_ITEMS.values()))
    assert time.monotonic() - start < TIME_LIMIT
    assert r.status_code == 207, r.text
    body = r.json()
    assert body["success"] == [] and len(body["errors"]) == len(BATCH_ITEMS), body
    for error in body["errors"]:
        problem = error["error"]
        assert all(isinstance(problem.get(k), str) for k in ("type", "title", "detail")), error
        assert len(problem["detail"]) < 1000  # a 100,000-character id is not echoed whole
    assert dump(db_url) == before


@pytest.mark.parametrize("name", ["catastrophic idPattern", "polynomial idPattern"])
def test_a_refused_pattern_is_refused_before_any_matching(client: TestClient, name: str) -> None:
    """The long id is there to match against: the refusal must not come from a timeout."""
    seed(client)
    start = time.monotonic()
    r = send(client, CASES[name])
    assert r.status_code == 400 and time.monotonic() - start < 0.5, r.text
