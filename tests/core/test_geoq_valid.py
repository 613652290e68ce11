"""Properties of geo-queries over valid geometries of every kind (core.geo).

test_geo.py checks that garbage is refused and that matching is right; here every valid
GeoJSON geometry a client may send (all six types, 2 or 3 numbers per position, the
edges of the lon/lat ranges) is accepted: as a GeoProperty value, and as the reference
of a geo-query given as GET parameters or as a geoQ member, which round-trip.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isanhub.core.geo import GeoQuery, bbox_of, validate_geometry
from isanhub.core.model import expand_entity
from isanhub.core.termmap import core_term_map

LON = st.one_of(st.floats(-180, 180, allow_nan=False), st.sampled_from([-180.0, 180.0, 0]))
LAT = st.one_of(st.floats(-90, 90, allow_nan=False), st.sampled_from([-90.0, 90.0, 0]))
POSITIONS = st.one_of(
    st.tuples(LON, LAT).map(list),
    st.tuples(LON, LAT, st.floats(-1e4, 1e4, allow_nan=False)).map(list),  # an altitude
    st.tuples(st.integers(-180, 180), st.integers(-90, 90)).map(list),
)
LINES = st.lists(POSITIONS, min_size=2, max_size=6)
RINGS = st.lists(POSITIONS, min_size=3, max_size=6).map(lambda r: [*r, r[0]])
POLYGONS = st.lists(RINGS, min_size=1, max_size=3)
COORDINATES = {
    "Point": POSITIONS,
    "MultiPoint": st.lists(POSITIONS, min_size=1, max_size=6),
    "LineString": LINES,
    "MultiLineString": st.lists(LINES, min_size=1, max_size=3),
    "Polygon": POLYGONS,
    "MultiPolygon": st.lists(POLYGONS, min_size=1, max_size=3),
}
GEOMETRIES = st.one_of(
    [c.map(lambda c, t=t: {"type": t, "coordinates": c}) for t, c in COORDINATES.items()]
)
DISTANCES = st.one_of(
    st.integers(1, 10**7).map(str),
    st.floats(1e-3, 1e7).map(repr),
    st.sampled_from(["0.5", "1e3", "2E+4"]),
)
RELATIONS = ["within", "contains", "intersects", "overlaps", "disjoint", "equals"]


@st.composite
def georels(draw: st.DrawFn, geometry: dict[str, Any]) -> str:
    """A georel that may go with ``geometry`` (near needs a Point)."""
    rels = RELATIONS + (["near"] if geometry["type"] == "Point" else [])
    rel = draw(st.sampled_from(rels))
    if rel != "near":
        return rel
    which = draw(st.sampled_from(["maxDistance", "minDistance"]))
    return f"near;{which}=={draw(DISTANCES)}"


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(GEOMETRIES)
@SETTINGS
def test_valid_geometries_are_accepted_as_values(geometry: dict[str, Any]) -> None:
    validate_geometry(geometry)
    lon = [p[0] for p in _positions(geometry["coordinates"])]
    assert bbox_of(geometry)[0] == min(lon) and bbox_of(geometry)[2] == max(lon)
    entity = {"id": "urn:x:1", "type": "T", "where": {"type": "GeoProperty", "value": geometry}}
    stored = expand_entity(entity, core_term_map(), now="2024-01-01T00:00:00Z")
    assert next(iter(stored["attrs"].values()))[0]["value"] == geometry


@given(st.data(), GEOMETRIES, st.sampled_from([None, "location", "ex:where"]))
@SETTINGS
def test_valid_geometries_are_accepted_as_geo_queries(
    data: st.DataObject, geometry: dict[str, Any], geoproperty: str | None
) -> None:
    georel = data.draw(georels(geometry))
    coordinates = json.dumps(geometry["coordinates"])
    query = GeoQuery.from_params(georel, geometry["type"], coordinates, geoproperty)
    assert query is not None
    assert query.geojson == geometry
    assert query.geoproperty == (geoproperty or "location")
    # the geoQ member form (POST /entityOperations/query, subscriptions) says the same
    member = query.to_json()
    assert GeoQuery.from_json(member) == query
    assert GeoQuery.from_json({**member, "coordinates": coordinates}) == query
    assert GeoQuery.from_params(member["georel"], member["geometry"], coordinates) is not None
    assert query.matches(geometry) in (True, False)


#: rings left open: the last position differs from the first (else it reads as closed)
OPEN_RINGS = st.lists(POSITIONS, min_size=3, max_size=6).filter(lambda r: r[0] != r[-1])


@given(st.lists(OPEN_RINGS, min_size=1, max_size=3))
@SETTINGS
def test_polygons_written_loosely_are_the_same_query(rings: list[list[list[float]]]) -> None:
    """Unclosed rings, and a bare ring for a one-ring Polygon, are closed and wrapped."""
    closed = [[*r, r[0]] for r in rings]
    exact = GeoQuery.from_params("within", "Polygon", json.dumps(closed))
    assert exact == GeoQuery.from_params("within", "Polygon", json.dumps(rings))
    bare = GeoQuery.from_params("within", "Polygon", json.dumps(rings[0]))
    assert bare == GeoQuery.from_params("within", "Polygon", json.dumps(closed[:1]))


def _positions(c: Any) -> list[list[float]]:
    if c and isinstance(c[0], int | float):
        return [c]
    return [p for part in c for p in _positions(part)]
