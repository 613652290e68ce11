"""Tests for isanhub.core.geo: GeoJSON validation and NGSI-LD geo-queries (clauses 4.7.1, 4.10).

The ETSI-mirroring cases reproduce TP/NGSI-LD .../QueryEntities/019_01_05, 019_03_04, 019_10,
019_11, TemporalEntity 021_09, ContextSource 037_03_03 and 037_07, and the geoQ payloads of
csourceSubscriptions (047_14/15), with the fixtures' coordinates.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from isanhub.core.errors import BadRequestData, InvalidRequest
from isanhub.core.geo import (
    EARTH_RADIUS_M,
    GeoQuery,
    bbox_of,
    haversine_m,
    validate_geometry,
)


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def polygon(*rings: Any) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def q(georel: str, geometry: str, coordinates: Any, geoproperty: str | None = None) -> GeoQuery:
    text = coordinates if isinstance(coordinates, str) else json.dumps(coordinates)
    result = GeoQuery.from_params(georel, geometry, text, geoproperty)
    assert result is not None
    return result


SQUARE: list[list[float]] = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
HOLE: list[list[float]] = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]

# ----------------------------------------------------------------------------- ETSI fixtures

BERLIN_POINTS = [  # building-location-attribute{,-second,-third}.jsonld
    point(13.3986, 52.5547),
    point(13.509818, 52.363457),
    point(13.215983, 52.470441),
]
BERLIN_POLYGONS = [  # building-location-polygon{,-second}.jsonld (the first one self-intersects)
    polygon(
        [
            [13.2865906, 52.5648645],
            [13.2879639, 52.5648645],
            [13.2797241, 52.4988679],
            [13.477478, 52.4712703],
            [13.5049438, 52.5373084],
            [13.2865906, 52.5648645],
        ]
    ),
    polygon(
        [
            [13.315773, 52.4757209],
            [13.339119, 52.4443421],
            [13.3892441, 52.4669371],
            [13.315773, 52.4757209],
        ]
    ),
]
P_4 = "[[[13.1616211,52.5438124],[13.597641,52.4840224],[13.5948944,52.3402782],[13.142395,52.386428],[13.1616211,52.5438124]]]"
P_EQ = "[[[13.2865906,52.5648645],[13.2879639,52.5648645],[13.2797241,52.4988679],[13.477478,52.4712703],[13.5049438,52.5373084],[13.2865906,52.5648645]]]"
P_INT = "[[[13.3456421,52.4794848],[13.3641815,52.4428773],[13.4177399,52.4730023],[13.3459854,52.479903],[13.3456421,52.4794848]]]"
P_CONT = "[[[13.3844376,52.5356966],[13.3844376,52.5356966],[13.381691,52.5123012],[13.4235764,52.5100027],[13.4331894,52.5273425],[13.3844376,52.5356966]]]"
P_NO = "[[[13.1369019,52.5198225],[13.1365585,52.5200314],[13.131752,52.4980907],[13.1832504,52.5026887],[13.1369019,52.5198225]]]"
P_WITHIN = "[[[13.3023834,52.4903066],[13.3027267,52.4905156],[13.2745743,52.465632],[13.3343124,52.4185447],[13.4311295,52.47107],[13.3023834,52.4903066]]]"


@pytest.mark.parametrize(
    ("case", "georel", "geometry", "coordinates", "expected"),
    [
        ("019_10_01", "equals", "Point", "[13.3986, 52.5547]", 1),
        ("019_10_02", "near;maxDistance==15000", "Point", "[13.388930, 52.534473]", 2),
        ("019_10_03", "near;minDistance==15000", "Point", "[13.388930, 52.534473]", 1),
        ("019_10_04", "within", "Polygon", P_4, 2),
        ("019_10_05", "disjoint", "Polygon", P_4, 1),
        ("019_10_06", "disjoint", "Point", "[13.3986, 52.5547]", 2),
        ("019_10_07", "contains", "Point", "[13.3986, 52.5547]", 1),
        ("019_10_08", "intersects", "Point", "[13.3986, 52.5547]", 1),
    ],
)
def test_etsi_019_10_point_targets(
    case: str, georel: str, geometry: str, coordinates: str, expected: int
) -> None:
    query = q(georel, geometry, coordinates)
    assert sum(query.matches(g) for g in BERLIN_POINTS) == expected, case


@pytest.mark.parametrize(
    ("case", "georel", "geometry", "coordinates", "expected"),
    [
        ("019_11_01", "equals", "Polygon", P_EQ, 1),
        ("019_11_02", "intersects", "Polygon", P_INT, 1),
        ("019_11_03", "contains", "Polygon", P_CONT, 1),
        ("019_11_04", "contains", "Polygon", P_NO, 0),
        ("019_11_05", "disjoint", "Polygon", P_NO, 2),
        ("019_11_06", "within", "Polygon", P_WITHIN, 1),
        ("019_11_07", "overlaps", "Polygon", P_INT, 1),
        ("019_11_08", "contains", "Point", "[13.3442688,52.4650045]", 1),
    ],
)
def test_etsi_019_11_polygon_targets(
    case: str, georel: str, geometry: str, coordinates: str, expected: int
) -> None:
    for g in BERLIN_POLYGONS:
        validate_geometry(g)  # self-intersecting fixture polygon is accepted on create
    query = q(georel, geometry, coordinates)
    assert sum(query.matches(g) for g in BERLIN_POLYGONS) == expected, case


def test_etsi_019_01_05_equals_point_matches_both_copies() -> None:
    query = q("equals", "Point", "[13.3986, 52.5547]")
    assert query.matches(point(13.3986, 52.5547))
    assert query.matches({"type": "Point", "coordinates": [13.3986, 52.5547, 30.0]})


def test_etsi_021_09_temporal_geoqueries() -> None:
    vehicle_b = point(2.35, 42.22)  # 2020-10-vehicle-temporal-representation-with-location
    near = q("near;maxDistance==2000", "Point", "[-8.503,41.202]")
    assert not near.matches(vehicle_b)
    within = q(
        "within",
        "Polygon",
        "[[[-13.503,47.202],[6.541, 52.961],[20.37,44.653],[9.46,32.57],[-13.503,32.57],[-13.503,47.202]]]",
        "location",
    )
    assert within.matches(vehicle_b)


def test_etsi_037_07_csource_geoqueries() -> None:
    csr_location = point(-8.521, 41.2)
    near = q("near;maxDistance==2000", "Point", "[-8.503,41.202]")
    assert near.matches(csr_location)
    # 037_07_02 sends a Polygon one nesting level short and unclosed: accepted leniently
    within = q(
        "within",
        "Polygon",
        "[[-13.503,47.202],[6.541, 52.961],[20.37,44.653],[9.46,32.57],[-15.23,21.37]]",
        "location",
    )
    assert within.geojson["coordinates"][0][0] == within.geojson["coordinates"][0][-1]
    assert within.matches(csr_location)


@pytest.mark.parametrize("with_geoproperty", [True, False])
def test_etsi_047_geoq_members(with_geoproperty: bool) -> None:
    geo_q: dict[str, Any] = {
        "georel": "near;maxDistance==2000",
        "geometry": "Point",
        "coordinates": [-8.52, 41.2],
    }
    if with_geoproperty:
        geo_q["geoproperty"] = "location"
    query = GeoQuery.from_json(geo_q)
    assert query.geoproperty == "location"
    assert query.max_distance == 2000.0 and query.min_distance is None
    assert query.matches(point(-8.521, 41.2))
    assert query.to_json() == {**geo_q, "geoproperty": "location"}
    assert GeoQuery.from_json(query.to_json()) == query


def test_etsi_019_03_04_invalid_georel_is_bad_request_data() -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_params("invalid", "Point", "[-8.503,41.202]", "location")


def test_etsi_037_03_03_georel_alone_is_bad_request_data() -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_params("within", None, None, None)


# ----------------------------------------------------------------------------- parsing


def test_no_geo_parameters_is_none() -> None:
    assert GeoQuery.from_params(None, None, None, None) is None
    assert GeoQuery.from_params("", "", "", "") is None


@pytest.mark.parametrize(
    "params",
    [
        (None, "Point", "[1,2]", None),
        ("within", "Point", None, None),
        ("within", None, "[1,2]", None),
        (None, None, "[1,2]", None),
        (None, None, None, "location"),
        ("", "Point", "[1,2]", None),
    ],
)
def test_partial_geo_parameters_are_bad_request_data(params: tuple[Any, ...]) -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_params(*params)


def test_georel_parsing() -> None:
    near = q("near;maxDistance==2000", "Point", "[8,40]")
    assert (near.georel, near.max_distance, near.min_distance) == ("near", 2000.0, None)
    assert near.georel_text == "near;maxDistance==2000"
    far = q(" near ; minDistance==12.5 ", "Point", "[8,40]")
    assert (far.georel, far.max_distance, far.min_distance) == ("near", None, 12.5)
    assert far.georel_text == "near;minDistance==12.5"
    assert q("near;maxDistance==1e3", "Point", "[8,40]").max_distance == 1000.0
    for rel in ("within", "contains", "intersects", "overlaps", "disjoint", "equals"):
        parsed = q(rel, "Polygon", [SQUARE])
        assert parsed.georel == rel == parsed.georel_text
        assert parsed.max_distance is None and parsed.min_distance is None
    assert q("within", "Polygon", [SQUARE]).geoproperty == "location"
    assert q("within", "Polygon", [SQUARE], "observationSpace").geoproperty == "observationSpace"
    iri = "https://uri.etsi.org/ngsi-ld/observationSpace"
    assert q("within", "Polygon", [SQUARE], iri).geoproperty == iri


@pytest.mark.parametrize(
    "georel",
    [
        "invalid",
        "touches",
        "Within",
        "NEAR;maxDistance==5",
        "near",
        "near;",
        "near;maxDistance==0",
        "near;maxDistance==0.0",
        "near;maxDistance==-100",
        "near;maxDistance==5;minDistance==1",
        "near;maxDistance==inf",
        "near;maxDistance==NaN",
        "near;maxDistance==1e400",
        "near;maxDistance==abc",
        "near;maxDistance==",
        "near;maxDistance=5",
        "near;maxDistance:5",
        "near;distance==5",
        "near;maxdistance==5",
        "near;maxDistance==05",
        "near;maxDistance==+5",
        "within;maxDistance==5",
        "equals;",
    ],
)
def test_bad_georel(georel: str) -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_params(georel, "Point", "[8,40]", None)


@pytest.mark.parametrize(
    ("geometry", "coordinates"),
    [
        ("point", "[8,40]"),
        ("GeometryCollection", "[]"),
        ("Circle", "[8,40]"),
        ("Feature", "[8,40]"),
        ("Point", "[8,"),
        ("Point", "8,40"),
        ("Point", "{}"),
        ("Point", '"[8,40]"'),
        ("Point", "[]"),
        ("Point", "[8]"),
        ("Point", "[8,40,1,2]"),
        ("Point", "[181,0]"),
        ("Point", "[0,-90.5]"),
        ("Point", "[true,1]"),
        ("Point", '["8","40"]'),
        ("Point", "[NaN,1]"),
        ("Point", "[Infinity,1]"),
        ("Point", "[[8,40]]"),
        ("LineString", "[[8,40]]"),
        ("LineString", "[8,40]"),
        ("MultiPoint", "[]"),
        ("Polygon", "[]"),
        ("Polygon", "[[[0,0],[1,0],[0,0]]]"),
        ("Polygon", "[[[0,0],[1,0]]]"),
        ("Polygon", "[[0,0],[1,0],[1,1],[0,200]]"),
        ("MultiPolygon", "[[[0,0],[1,0],[1,1],[0,0]]]"),
        ("MultiLineString", "[[[0,0]]]"),
        ("Point", "[" * 5000 + "]" * 5000),
    ],
)
def test_bad_geometry_or_coordinates(geometry: str, coordinates: str) -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_params("intersects", geometry, coordinates, None)


@pytest.mark.parametrize("geometry", ["MultiPoint", "LineString", "Polygon"])
def test_near_requires_a_point_reference(geometry: str) -> None:
    coords = {"MultiPoint": [[8, 40]], "LineString": [[8, 40], [9, 40]], "Polygon": [SQUARE]}
    with pytest.raises(BadRequestData):
        q("near;maxDistance==2000", geometry, coords[geometry])


@pytest.mark.parametrize("name", ["bad name", "a;b", "a=b", "(x)", 'q"uote', "tab\there"])
def test_bad_geoproperty(name: str) -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_params("within", "Polygon", json.dumps([SQUARE]), name)


def test_from_json_accepts_array_or_string_coordinates() -> None:
    a = GeoQuery.from_json({"georel": "within", "geometry": "Polygon", "coordinates": [SQUARE]})
    b = GeoQuery.from_json(
        {"georel": "within", "geometry": "Polygon", "coordinates": json.dumps([SQUARE])}
    )
    assert a == b and hash(a) == hash(b)
    assert a.geojson == {"type": "Polygon", "coordinates": [SQUARE]}
    assert shapely.equals(a.geometry, shapely.Polygon(SQUARE))


@pytest.mark.parametrize(
    "obj",
    [
        None,
        [],
        "near",
        {},
        {"georel": "within", "geometry": "Polygon"},
        {"georel": "within", "coordinates": [SQUARE]},
        {"geometry": "Polygon", "coordinates": [SQUARE]},
        {"georel": "within", "geometry": "Polygon", "coordinates": 5},
        {"georel": "within", "geometry": "Polygon", "coordinates": {"a": 1}},
        {"georel": 5, "geometry": "Polygon", "coordinates": [SQUARE]},
        {"georel": "within", "geometry": ["Polygon"], "coordinates": [SQUARE]},
        {"georel": "within", "geometry": "Polygon", "coordinates": [SQUARE], "geoproperty": 3},
        {"georel": "within", "geometry": "Polygon", "coordinates": [SQUARE], "geoproperty": ""},
    ],
)
def test_from_json_errors(obj: Any) -> None:
    with pytest.raises(BadRequestData):
        GeoQuery.from_json(obj)


# ----------------------------------------------------------------------------- validation

VALID = [
    point(8, 40),
    point(-180, -90),
    {"type": "Point", "coordinates": [8.5, 40.25, 120]},
    {"type": "MultiPoint", "coordinates": [[8, 40], [9, 41]]},
    {"type": "LineString", "coordinates": [[8, 40], [9, 41]]},
    {"type": "MultiLineString", "coordinates": [[[8, 40], [9, 41]], [[0, 0], [1, 1], [2, 0]]]},
    polygon(SQUARE),
    polygon(SQUARE, HOLE),
    {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[20, 20], [21, 20], [21, 21], [20, 20]]]]},
    {"type": "Point", "coordinates": [8, 40], "bbox": [8, 40, 8, 40]},
]


@pytest.mark.parametrize("value", VALID)
def test_valid_geometries(value: dict[str, Any]) -> None:
    validate_geometry(value)
    expected = shapely.geometry.shape(value).bounds
    assert bbox_of(value) == pytest.approx(expected)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "Point",
        [8, 40],
        {},
        {"type": "Point"},
        {"coordinates": [8, 40]},
        {"type": "point", "coordinates": [8, 40]},
        {"type": "Feature", "geometry": point(8, 40), "properties": {}},
        {"type": "GeometryCollection", "geometries": [point(8, 40)]},
        {"type": "Point", "coordinates": None},
        {"type": "Point", "coordinates": [8]},
        {"type": "Point", "coordinates": [8, 40, 1, 2]},
        {"type": "Point", "coordinates": [[8, 40]]},
        {"type": "Point", "coordinates": ["8", "40"]},
        {"type": "Point", "coordinates": [True, 40]},
        {"type": "Point", "coordinates": [float("nan"), 40]},
        {"type": "Point", "coordinates": [float("inf"), 40]},
        {"type": "Point", "coordinates": [180.0001, 40]},
        {"type": "Point", "coordinates": [8, 90.5]},
        {"type": "MultiPoint", "coordinates": []},
        {"type": "MultiPoint", "coordinates": [8, 40]},
        {"type": "LineString", "coordinates": [[8, 40]]},
        {"type": "MultiLineString", "coordinates": [[8, 40], [9, 41]]},
        {"type": "MultiLineString", "coordinates": []},
        polygon([[0, 0], [1, 0], [1, 1], [0, 1]]),  # not closed
        polygon([[0, 0], [1, 0], [0, 0]]),  # fewer than 4 positions
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": SQUARE},  # one level short
        {"type": "MultiPolygon", "coordinates": [SQUARE]},
        {"type": "MultiPolygon", "coordinates": []},
    ],
)
def test_invalid_geometries(value: Any) -> None:
    with pytest.raises(BadRequestData):
        validate_geometry(value)


def _nested(depth: int) -> Any:
    value: Any = [1, 2]
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("gtype", ["Point", "MultiPoint", "Polygon", "MultiPolygon"])
def test_deeply_nested_input_is_bad_request_data(gtype: str) -> None:
    deep = _nested(1020)  # orjson accepts up to 1024 levels
    with pytest.raises(BadRequestData):
        validate_geometry({"type": gtype, "coordinates": deep})
    with pytest.raises(BadRequestData):
        GeoQuery.from_json({"georel": "within", "geometry": gtype, "coordinates": deep})
    text = "[" * 900 + "1,2" + "]" * 900
    with pytest.raises(BadRequestData):
        GeoQuery.from_params("within", gtype, text, None)
    assert not q("within", "Polygon", [SQUARE]).matches({"type": gtype, "coordinates": deep})


def test_bbox_of_rejects_invalid() -> None:
    with pytest.raises(BadRequestData):
        bbox_of({"type": "Point", "coordinates": [200, 0]})


# ----------------------------------------------------------------------------- semantics


def test_haversine_reference_values() -> None:
    assert haversine_m(0, 0, 1, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)
    assert haversine_m(0, 0, 180, 0) == pytest.approx(EARTH_RADIUS_M * math.pi)
    assert haversine_m(13.388930, 52.534473, 13.3986, 52.5547) == pytest.approx(2342.3, abs=1)
    assert haversine_m(10, 20, 10, 20) == 0.0


def test_within() -> None:
    query = q("within", "Polygon", [SQUARE, HOLE])
    assert query.matches(point(2, 2))
    assert not query.matches(point(5, 5))  # in the hole
    assert not query.matches(point(10, 5))  # on the boundary: not within
    assert not query.matches(point(20, 5))
    assert query.matches(polygon([[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]))
    assert not query.matches(polygon([[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]]))  # spans the hole
    assert query.matches({"type": "LineString", "coordinates": [[1, 1], [2, 9]]})
    assert not query.matches({"type": "LineString", "coordinates": [[1, 1], [12, 9]]})
    assert query.matches({"type": "MultiPoint", "coordinates": [[1, 1], [9, 9]]})


def test_contains() -> None:
    by_point = q("contains", "Point", [2, 2])
    assert by_point.matches(polygon(SQUARE))
    assert not by_point.matches(polygon(SQUARE, [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]))
    assert by_point.matches(point(2, 2))
    assert not by_point.matches(point(2, 3))
    by_polygon = q("contains", "Polygon", [[[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]])
    assert by_polygon.matches(polygon(SQUARE))
    assert not by_polygon.matches(polygon([[0, 0], [1.5, 0], [1.5, 5], [0, 5], [0, 0]]))
    assert not by_polygon.matches(point(1.5, 1.5))


def test_intersects_and_disjoint() -> None:
    inter = q("intersects", "Polygon", [SQUARE])
    disj = q("disjoint", "Polygon", [SQUARE])
    cases = [
        (point(5, 5), True),
        (point(10, 10), True),  # boundary counts
        (point(11, 5), False),
        ({"type": "LineString", "coordinates": [[-5, 5], [15, 5]]}, True),
        ({"type": "LineString", "coordinates": [[-5, -5], [-1, 20]]}, False),
        (polygon([[10, 10], [12, 10], [12, 12], [10, 12], [10, 10]]), True),  # touches a corner
        (polygon([[11, 11], [12, 11], [12, 12], [11, 12], [11, 11]]), False),
        ({"type": "MultiPoint", "coordinates": [[50, 50], [5, 5]]}, True),
    ]
    for target, expected in cases:
        assert inter.matches(target) is expected, target
        assert disj.matches(target) is (not expected), target


def test_overlaps() -> None:
    query = q("overlaps", "Polygon", [SQUARE])
    assert query.matches(polygon([[5, 5], [15, 5], [15, 15], [5, 15], [5, 5]]))
    assert not query.matches(polygon([[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]))  # contained
    assert not query.matches(polygon(SQUARE))  # equal
    assert not query.matches(polygon([[20, 20], [21, 20], [21, 21], [20, 21], [20, 20]]))
    assert not query.matches(point(5, 5))  # different dimension
    multi = q("overlaps", "MultiPoint", [[1, 1], [2, 2]])
    assert multi.matches({"type": "MultiPoint", "coordinates": [[2, 2], [3, 3]]})


def test_equals() -> None:
    query = q("equals", "Polygon", [SQUARE])
    assert query.matches(polygon(SQUARE))
    rotated = [[10, 0], [10, 10], [0, 10], [0, 0], [10, 0]]
    assert query.matches(polygon(rotated))
    assert query.matches(polygon(list(reversed(SQUARE))))
    assert not query.matches(polygon([[0, 0], [10, 0], [10, 11], [0, 10], [0, 0]]))
    pt = q("equals", "Point", [8, 40])
    assert pt.matches(point(8, 40)) and pt.matches(point(8.0, 40.0))
    assert not pt.matches(point(8, 40.000001))


def test_near_points() -> None:
    max_q = q("near;maxDistance==2000", "Point", [8, 40])
    min_q = q("near;minDistance==2000", "Point", [8, 40])
    one_km_north = point(8, 40 + math.degrees(1000 / EARTH_RADIUS_M))
    three_km_east = point(8 + math.degrees(3000 / EARTH_RADIUS_M) / math.cos(math.radians(40)), 40)
    assert max_q.matches(point(8, 40)) and not min_q.matches(point(8, 40))
    assert max_q.matches(one_km_north) and not min_q.matches(one_km_north)
    assert not max_q.matches(three_km_east) and min_q.matches(three_km_east)


def test_near_extended_targets_use_the_nearest_point() -> None:
    max_q = q("near;maxDistance==2000", "Point", [8, 40])
    # polygon covering the point: distance 0
    assert max_q.matches(polygon([[7, 39], [9, 39], [9, 41], [7, 41], [7, 39]]))
    assert not q("near;minDistance==1", "Point", [8, 40]).matches(
        polygon([[7, 39], [9, 39], [9, 41], [7, 41], [7, 39]])
    )
    # a long line passing ~1.1 km north whose vertices are both ~100 km away
    dlat = math.degrees(1100 / EARTH_RADIUS_M)
    line = {"type": "LineString", "coordinates": [[6.8, 40 + dlat], [9.2, 40 + dlat]]}
    assert max_q.matches(line)
    assert not q("near;maxDistance==1000", "Point", [8, 40]).matches(line)
    assert q("near;minDistance==1000", "Point", [8, 40]).matches(line)


def test_near_nearest_point_is_metric_at_high_latitude() -> None:
    # from [0,85]: [1,85] is ~9.7 km away (1 degree of longitude), [0,85.6] ~67 km
    line = {"type": "LineString", "coordinates": [[1, 85], [0, 85.6]]}
    assert q("near;maxDistance==20000", "Point", [0, 85]).matches(line)
    assert not q("near;maxDistance==5000", "Point", [0, 85]).matches(line)
    query = q("near;maxDistance==20000", "Point", [0, 85])
    assert query.distance_m(shapely.geometry.shape(line)) == pytest.approx(
        _brute_distance(0, 85, [[1, 85], [0, 85.6]]), rel=1e-3
    )


def test_unusable_targets_do_not_match() -> None:
    for query in (
        q("within", "Polygon", [SQUARE]),
        q("disjoint", "Polygon", [SQUARE]),
        q("near;minDistance==1", "Point", [8, 40]),
        q("equals", "Point", [8, 40]),
    ):
        for target in (
            None,
            "POINT (1 1)",
            {},
            {"type": "Point"},
            {"type": "Point", "coordinates": "x"},
            {"type": "Point", "coordinates": [True, 1]},
            {"type": "Polygon", "coordinates": "x"},
            {"type": "GeometryCollection", "geometries": []},
            {"type": "Feature", "geometry": point(5, 5)},
        ):
            assert query.matches(target) is False, (query.georel, target)


def test_candidate_bbox() -> None:
    assert q("disjoint", "Polygon", [SQUARE]).candidate_bbox() is None
    assert q("near;minDistance==10", "Point", [8, 40]).candidate_bbox() is None
    for rel in ("within", "contains", "intersects", "overlaps", "equals"):
        assert q(rel, "Polygon", [SQUARE]).candidate_bbox() == (0, 0, 10, 10)
    minlon, minlat, maxlon, maxlat = q("near;maxDistance==2000", "Point", [8, 40]).candidate_bbox()  # type: ignore[misc]
    dlat = math.degrees(2000 / EARTH_RADIUS_M)
    dlon = dlat / math.cos(math.radians(40))
    # holds the exact circle, with a little slack (a few metres)
    assert 40 - dlat - 3e-4 < minlat < 40 - dlat < 40 + dlat < maxlat < 40 + dlat + 3e-4
    assert 8 - dlon - 3e-4 < minlon < 8 - dlon < 8 + dlon < maxlon < 8 + dlon + 3e-4
    # pole inside the circle: every longitude
    assert q("near;maxDistance==200000", "Point", [0, 89]).candidate_bbox()[::2] == (-180, 180)  # type: ignore[index]
    # circle across the antimeridian: one box cannot wrap, so every longitude
    assert q("near;maxDistance==50000", "Point", [179.9, 0]).candidate_bbox()[::2] == (-180, 180)  # type: ignore[index]
    assert q("near;maxDistance==1e8", "Point", [0, 0]).candidate_bbox() == (-180, -90, 180, 90)


# ----------------------------------------------------------------------------- properties

lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)
mid_lats = st.floats(-80, 80, allow_nan=False)
distances = st.floats(1.0, 5_000_000.0, allow_nan=False)


def _destination(lon: float, lat: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """Point reached from (lon, lat) going ``metres`` along the initial bearing (sphere)."""
    ang = metres / EARTH_RADIUS_M
    phi1, lam1, th = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    phi2 = math.asin(
        max(
            -1.0,
            min(
                1.0, math.sin(phi1) * math.cos(ang) + math.cos(phi1) * math.sin(ang) * math.cos(th)
            ),
        )
    )
    lam2 = lam1 + math.atan2(
        math.sin(th) * math.sin(ang) * math.cos(phi1),
        math.cos(ang) - math.sin(phi1) * math.sin(phi2),
    )
    lon2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0
    return lon2, max(-90.0, min(90.0, math.degrees(phi2)))


def _in_box(lon: float, lat: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def _brute_distance(lon0: float, lat0: float, coords: list[list[float]]) -> float:
    """Nearest haversine distance to a lon/lat polyline, by sampling then refining each edge."""
    best = math.inf
    for (x1, y1), (x2, y2) in zip(coords, coords[1:], strict=False):

        def at(t: float, x1: float = x1, y1: float = y1, x2: float = x2, y2: float = y2) -> float:
            return haversine_m(lon0, lat0, x1 + t * (x2 - x1), y1 + t * (y2 - y1))

        n = 2000
        t0 = min((i / n for i in range(n + 1)), key=at)
        lo, hi = max(0.0, t0 - 1 / n), min(1.0, t0 + 1 / n)
        best = min(best, *(at(lo + (hi - lo) * i / n) for i in range(n + 1)))
    return best


@given(lon=lons, lat=lats, d=distances, bearing=st.floats(0, 360), frac=st.floats(0, 1.5))
@settings(max_examples=400)
def test_prop_near_matches_lie_in_candidate_bbox(
    lon: float, lat: float, d: float, bearing: float, frac: float
) -> None:
    query = q(f"near;maxDistance=={d!r}", "Point", [lon, lat])
    box = query.candidate_bbox()
    assert box is not None
    tlon, tlat = _destination(lon, lat, bearing, d * frac)
    if query.matches(point(tlon, tlat)):
        assert _in_box(tlon, tlat, box)


@given(lon=lons, lat=lats, d=distances, tlon=lons, tlat=lats)
@settings(max_examples=300)
def test_prop_near_max_and_min_partition_points(
    lon: float, lat: float, d: float, tlon: float, tlat: float
) -> None:
    near = q(f"near;maxDistance=={d!r}", "Point", [lon, lat])
    far = q(f"near;minDistance=={d!r}", "Point", [lon, lat])
    target = point(tlon, tlat)
    assert near.matches(target) != far.matches(target)
    if near.matches(target):
        assert _in_box(tlon, tlat, near.candidate_bbox())  # type: ignore[arg-type]


@given(
    lon=st.floats(-170, 170),
    lat=mid_lats,
    d=st.floats(100.0, 300_000.0),
    legs=st.lists(st.tuples(st.floats(0, 360), st.floats(0, 2.0)), min_size=2, max_size=5),
)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_prop_near_lines_intersect_candidate_bbox(
    lon: float, lat: float, d: float, legs: list[tuple[float, float]]
) -> None:
    coords = [list(_destination(lon, lat, b, d * f)) for b, f in legs]
    assume(all(abs(c[0] - lon) < 90 for c in coords))  # keep clear of antimeridian wrapping
    line = {"type": "LineString", "coordinates": coords}
    query = q(f"near;maxDistance=={d!r}", "Point", [lon, lat])
    if query.matches(line):
        box = shapely.box(*query.candidate_bbox())  # type: ignore[misc]
        assert shapely.intersects(box, shapely.geometry.shape(line))


@given(
    lon=st.floats(-170, 170),
    lat=mid_lats,
    a=st.tuples(st.floats(0, 360), st.floats(1_000, 200_000)),
    b=st.tuples(st.floats(0, 360), st.floats(1_000, 200_000)),
)
@settings(max_examples=60, deadline=None)
def test_prop_distance_to_line_matches_brute_force(
    lon: float, lat: float, a: tuple[float, float], b: tuple[float, float]
) -> None:
    coords = [list(_destination(lon, lat, *a)), list(_destination(lon, lat, *b))]
    assume(all(abs(c[0] - lon) < 90 for c in coords))
    query = q("near;maxDistance==1", "Point", [lon, lat])
    got = query.distance_m(shapely.LineString(coords))
    assert got == pytest.approx(_brute_distance(lon, lat, coords), rel=5e-3, abs=5.0)


@given(
    x=st.floats(-20, 20),
    y=st.floats(-20, 20),
    box=st.tuples(st.floats(-10, 0), st.floats(-10, 0), st.floats(0.5, 10), st.floats(0.5, 10)),
)
def test_prop_point_fast_path_agrees_with_shapely(
    x: float, y: float, box: tuple[float, float, float, float]
) -> None:
    x0, y0, w, h = box
    ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
    ref = shapely.Polygon(ring)
    tgt = shapely.Point(x, y)
    expected = {
        "within": shapely.within(tgt, ref),
        "intersects": shapely.intersects(tgt, ref),
        "disjoint": shapely.disjoint(tgt, ref),
        "contains": shapely.contains(tgt, ref),
        "overlaps": shapely.overlaps(tgt, ref),
        "equals": shapely.equals(tgt, ref),
    }
    for rel, want in expected.items():
        assert q(rel, "Polygon", [ring]).matches(point(x, y)) is bool(want), rel


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
_geo_types = st.sampled_from(
    [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Feature",
    ]
)


@given(
    georel=st.none()
    | st.text(max_size=40)
    | st.sampled_from(["near;maxDistance==10", "within", "near;minDistance==1e2"]),
    geometry=st.none() | st.text(max_size=20) | _geo_types,
    coordinates=st.none() | st.text(max_size=60) | _json.map(json.dumps),
    geoproperty=st.none() | st.text(max_size=20),
)
@settings(max_examples=500, deadline=None)
def test_prop_from_params_garbage_raises_only_ngsi_errors(
    georel: str | None, geometry: str | None, coordinates: str | None, geoproperty: str | None
) -> None:
    try:
        result = GeoQuery.from_params(georel, geometry, coordinates, geoproperty)
    except (BadRequestData, InvalidRequest):
        return
    if result is not None:
        assert result.georel in {
            "near",
            "within",
            "contains",
            "intersects",
            "overlaps",
            "disjoint",
            "equals",
        }
        validate_geometry(result.geojson)
        result.candidate_bbox()
        result.matches(point(0, 0))


@given(
    obj=_json
    | st.fixed_dictionaries({"georel": _json, "geometry": _geo_types, "coordinates": _json})
)
@settings(max_examples=300, deadline=None)
def test_prop_from_json_garbage_raises_only_ngsi_errors(obj: Any) -> None:
    with contextlib.suppress(BadRequestData, InvalidRequest):
        GeoQuery.from_json(obj)


@given(value=_json | st.fixed_dictionaries({"type": _geo_types, "coordinates": _json}))
@settings(max_examples=500, deadline=None)
def test_prop_validate_geometry_garbage(value: Any) -> None:
    try:
        validate_geometry(value)
    except BadRequestData:
        return
    geom = shapely.geometry.shape(value)
    assert bbox_of(value) == pytest.approx(geom.bounds)


_positions = st.lists(st.floats(-180, 180), min_size=2, max_size=2).map(
    lambda p: [p[0], max(-90.0, min(90.0, p[1] / 2))]
)


@st.composite
def _geometries(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["Point", "MultiPoint", "LineString", "Polygon"]))
    if kind == "Point":
        return {"type": kind, "coordinates": draw(_positions)}
    pts = draw(st.lists(_positions, min_size=3, max_size=8))
    if kind == "Polygon":
        return {"type": kind, "coordinates": [[*pts, pts[0]]]}
    return {"type": kind, "coordinates": pts}


@given(geom=_geometries())
def test_prop_valid_geometries_roundtrip(geom: dict[str, Any]) -> None:
    validate_geometry(geom)
    assert bbox_of(geom) == pytest.approx(shapely.geometry.shape(geom).bounds)


@given(
    geom=_geometries(),
    rel=st.sampled_from(["within", "contains", "intersects", "overlaps", "equals"]),
    ref=_geometries(),
)
@settings(max_examples=300, deadline=None)
def test_prop_matches_imply_bbox_overlap(
    geom: dict[str, Any], rel: str, ref: dict[str, Any]
) -> None:
    query = q(rel, ref["type"], ref["coordinates"])
    if query.matches(geom):
        cb = shapely.box(*query.candidate_bbox())  # type: ignore[misc]
        assert shapely.intersects(cb, shapely.box(*bbox_of(geom)))


_QUERIES = [
    q("near;maxDistance==5000", "Point", [0, 0]),
    q("near;minDistance==5000", "Point", [0, 0]),
    q("within", "Polygon", [SQUARE]),
    q("contains", "Point", [1, 1]),
    q("intersects", "LineString", [[0, 0], [5, 5]]),
    q("overlaps", "Polygon", [SQUARE]),
    q("disjoint", "MultiPoint", [[0, 0], [5, 5]]),
    q("equals", "Polygon", [SQUARE, HOLE]),
]


@given(
    value=_json | st.fixed_dictionaries({"type": _geo_types, "coordinates": _json}) | _geometries()
)
@settings(max_examples=500, deadline=None)
def test_prop_matches_never_raises(value: Any) -> None:
    for query in _QUERIES:
        assert query.matches(value) in (True, False)
