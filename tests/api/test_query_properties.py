"""Whatever q or geo-query a client sends, the whole stack answers it or refuses it as
the client's fault: never 5xx (the parsers, the store's compiled queries, the geometry
library and the database between them).

core/test_q_text.py and core/test_geoq_valid.py check the parsers alone; here the text
goes through HTTP, the request checks, the parsers and the query against stored
entities, as GET parameters and as the body of POST /entityOperations/query.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app

B = "/ngsi-ld/v1"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
SHOPS = [
    {
        "id": f"urn:ngsi-ld:Shop:{i}",
        "type": "Shop",
        "name": {"type": "Property", "value": f"shop {i}", "observedAt": "2024-01-01T00:00:00Z"},
        "rating": {"type": "Property", "value": i * 1.5, "unitCode": "P1"},
        "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:somchai"},
        "opened": {"type": "Property", "value": {"@type": "Date", "@value": "2020-01-0" + str(i)}},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [102.8 + i / 10, 16.4]},
        },
    }
    for i in range(1, 4)
]
#: what a refused query may answer: 400 (BadRequestData, InvalidRequest), 403
#: (TooComplexQuery); 200 when it is a query
ANSWERS = {200, 400, 403}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp: Path = tmp_path_factory.mktemp("queries")
    app = create_app(make_settings(tmp))
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post(f"{B}/entityOperations/upsert", json=SHOPS).status_code == 201
        yield c


def check(r: Any) -> None:
    assert r.status_code in ANSWERS, (r.status_code, r.text)
    if r.status_code >= 400:
        body = r.json()
        assert body["type"].startswith(ERRORS) and body["title"] and body["detail"], body


Q_FRAGMENTS = [
    *'ab;|()[]!=<>~ .,"\\',
    "name",
    "rating",
    "owner",
    "opened",
    "name.observedAt",
    "rating.unitCode",
    "==",
    "!=",
    ">=",
    "<",
    "~=",
    "..",
    "1",
    "-2.5e3",
    "1e999",
    str(2**70),
    '"shop 1"',
    '"(a+)+"',
    "urn:ngsi-ld:Person:somchai",
    "2020-01-02",
    "2024-01-01T00:00:00Z",
    "12:00:00Z",
    "<https://x.org/p>",
    "[k]",
]
Q_TEXT = st.one_of(
    st.lists(st.sampled_from(Q_FRAGMENTS), max_size=16).map("".join),
    st.text(alphabet=string.printable, max_size=60),
    st.text(max_size=30),
)


@given(Q_TEXT)
@SETTINGS
def test_any_q_is_answered_or_refused(client: TestClient, q: str) -> None:
    check(client.get(f"{B}/entities", params={"type": "Shop", "q": q}))
    body = {"type": "Query", "entities": [{"type": "Shop"}], "q": q}
    check(client.post(f"{B}/entityOperations/query", json=body))


NUMBERS = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-(2**70), 2**70),
    st.sampled_from([180, -180, 90, -90, 180.0000001, 0, -0.0]),
)
#: coordinates as JSON: nested arrays of numbers (often of the right depth), and worse
COORDINATES = st.one_of(
    st.recursive(NUMBERS, lambda kids: st.lists(kids, min_size=0, max_size=5), max_leaves=24).map(
        json.dumps
    ),
    st.lists(st.lists(NUMBERS, min_size=2, max_size=3), min_size=1, max_size=6).map(json.dumps),
    st.lists(st.lists(NUMBERS, min_size=2, max_size=2), min_size=3, max_size=6).map(
        lambda ring: json.dumps([[*ring, ring[0]]])
    ),
    st.text(max_size=30),
    st.sampled_from(["[NaN,1]", "[Infinity,0]", "[1e999,0]", "[[[", "[]", "null", "{}"]),
)
GEOMETRIES = st.sampled_from(
    ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "Box", ""]
)
GEORELS = st.one_of(
    st.sampled_from(["within", "contains", "intersects", "overlaps", "disjoint", "equals", "near"]),
    st.builds(
        lambda w, d: f"near;{w}=={d}",
        st.sampled_from(["maxDistance", "minDistance"]),
        st.one_of(NUMBERS.filter(math.isfinite).map(str), st.sampled_from(["1e999", "-1", "x"])),
    ),
)


@given(GEORELS, GEOMETRIES, COORDINATES)
@SETTINGS
def test_any_geo_query_is_answered_or_refused(
    client: TestClient, georel: str, geometry: str, coordinates: str
) -> None:
    geo = {"georel": georel, "geometry": geometry, "coordinates": coordinates}
    check(client.get(f"{B}/entities", params={"type": "Shop", **geo}))
    check(client.get(f"{B}/temporal/entities", params={"type": "Shop", **geo}))
    try:
        parsed: Any = json.loads(coordinates)
    except ValueError:
        parsed = coordinates
    body = {"type": "Query", "geoQ": {**geo, "coordinates": parsed}}
    # json.dumps writes NaN and Infinity as they were parsed (not JSON: refused as such)
    headers = {"Content-Type": "application/json"}
    check(client.post(f"{B}/entityOperations/query", content=json.dumps(body), headers=headers))
