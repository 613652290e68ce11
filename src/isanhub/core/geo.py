"""GeoJSON geometries and the NGSI-LD geo-query language (ETSI GS CIM 009 clauses 4.7.1, 4.10).

* :func:`validate_geometry` checks a GeoProperty value (RFC 7946 geometry, no GeometryCollection).
* :func:`bbox_of` gives the (minlon, minlat, maxlon, maxlat) box of a valid geometry.
* :class:`GeoQuery` parses ``georel``/``geometry``/``coordinates``/``geoproperty`` (GET parameters
  or a ``geoQ`` member) and tests an entity's GeoProperty value against it.

Topology follows the planar lon/lat reading of RFC 7946 (OGC Simple Features, as clause 4.10
mandates); ``near`` distances are geodesic metres on a sphere of the WGS84 mean radius. Every
bad input raises :class:`BadRequestData` (what the ETSI suite expects: 019_03_04, 037_03_03).
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.errors import GEOSException

from isanhub.core.errors import BadRequestData, TooComplexQuery

EARTH_RADIUS_M = 6_371_008.8
"""WGS84 mean radius (IUGG R1), metres."""

GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
GEORELS = frozenset({"near", "within", "contains", "intersects", "overlaps", "disjoint", "equals"})

Box = tuple[float, float, float, float]
_WORLD: Box = (-180.0, -90.0, 180.0, 90.0)
# near on non-point targets: edges are split to this many degrees before the metric projection.
_SEGMENT_DEG = 0.05
_MAX_DENSIFIED = 20_000
#: most positions in a geo-query's reference geometry (403 TooComplexQuery beyond): each
#: candidate entity is related to the whole of it, so its size multiplies a query's work;
#: a detailed district boundary has a few thousand
MAX_QUERY_POSITIONS = 10_000
# PositiveNumber (clause 4.10): RFC 8259 number without the minus sign, and not zero.
_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_REPR = reprlib.Repr()  # (keyword arguments only from Python 3.12)
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 3, 4, 4, 40, 40
_BAD_NAME = re.compile(r"""[\s<>"'=;()\x00-\x1f\x7f]""")


def _brief(value: Any) -> str:
    """A short repr for error details (bounded in depth and length, whatever the input)."""
    return _REPR.repr(value)


def _bad(what: str, detail: str) -> BadRequestData:
    return BadRequestData(f"{what}: {detail}")


# ----------------------------------------------------------------------------- validation


def _check_position(p: Any, what: str) -> None:
    if not isinstance(p, list | tuple) or not 2 <= len(p) <= 3:
        raise _bad(what, f"a position must be an array of 2 or 3 numbers, got {_brief(p)}")
    for n in p:
        if isinstance(n, bool) or not isinstance(n, int | float) or not math.isfinite(n):
            raise _bad(what, f"coordinates must be finite numbers, got {_brief(n)}")
    if not -180.0 <= p[0] <= 180.0:
        raise _bad(what, f"longitude {p[0]} is outside [-180, 180]")
    if not -90.0 <= p[1] <= 90.0:
        raise _bad(what, f"latitude {p[1]} is outside [-90, 90]")


def _check_list(c: Any, minimum: int, of: str, what: str) -> list[Any]:
    if not isinstance(c, list | tuple) or len(c) < minimum:
        raise _bad(what, f"expected an array of at least {minimum} {of}, got {_brief(c)}")
    return list(c)


def _check_line(c: Any, what: str) -> None:
    for p in _check_list(c, 2, "positions (LineString)", what):
        _check_position(p, what)


def _check_polygon(c: Any, what: str) -> None:
    for ring in _check_list(c, 1, "linear rings (Polygon)", what):
        for p in _check_list(ring, 4, "positions (linear ring)", what):
            _check_position(p, what)
        if list(ring[0]) != list(ring[-1]):
            raise _bad(what, "a linear ring must be closed (first and last positions equal)")


def _check_geometry(value: Any, what: str) -> None:
    if not isinstance(value, dict):
        raise _bad(what, "a GeoJSON geometry must be a JSON object")
    gtype = value.get("type")
    if gtype == "GeometryCollection":
        raise _bad(what, "GeometryCollection is not allowed (clause 4.7.1)")
    if not isinstance(gtype, str) or gtype not in GEOMETRY_TYPES:
        raise _bad(what, f"unknown GeoJSON geometry type {_brief(gtype)}")
    if "coordinates" not in value:
        raise _bad(what, "missing 'coordinates'")
    c = value["coordinates"]
    if gtype == "Point":
        _check_position(c, what)
    elif gtype == "MultiPoint":
        for p in _check_list(c, 1, "positions (MultiPoint)", what):
            _check_position(p, what)
    elif gtype == "LineString":
        _check_line(c, what)
    elif gtype == "MultiLineString":
        for line in _check_list(c, 1, "LineStrings (MultiLineString)", what):
            _check_line(line, what)
    elif gtype == "Polygon":
        _check_polygon(c, what)
    else:
        for poly in _check_list(c, 1, "Polygons (MultiPolygon)", what):
            _check_polygon(poly, what)


def validate_geometry(value: Any) -> None:
    """Raise BadRequestData unless ``value`` is a GeoJSON geometry allowed in a GeoProperty.

    RFC 7946 nesting, 2-3 finite numbers per position, lon in [-180, 180], lat in [-90, 90],
    LineStrings of >= 2 positions, closed rings of >= 4 positions, non-empty Multi* arrays.
    Self-intersecting rings are accepted: the spec only says SHOULD NOT (and ETSI fixtures use one).
    """
    _check_geometry(value, "invalid GeoJSON geometry")


def _positions(c: Any) -> list[Any]:
    if c and isinstance(c[0], int | float):
        return [c]
    out: list[Any] = []
    for item in c:
        out.extend(_positions(item))
    return out


def bbox_of(geometry: dict[str, Any], *, validated: bool = False) -> Box:
    """(minlon, minlat, maxlon, maxlat) of a geometry; checked with
    :func:`validate_geometry` first unless the caller says it already was."""
    if not validated:
        validate_geometry(geometry)
    if geometry.get("type") == "Point":
        c = geometry["coordinates"]
        return (float(c[0]), float(c[1]), float(c[0]), float(c[1]))
    pts = _positions(geometry["coordinates"])
    xs = [float(p[0]) for p in pts]
    ys = [float(p[1]) for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


# ----------------------------------------------------------------------------- distances


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def _circle_bbox(lon: float, lat: float, metres: float) -> Box:
    """Lon/lat box holding the spherical cap of radius ``metres`` around (lon, lat)."""
    ang = metres / EARTH_RADIUS_M
    if ang >= math.pi:
        return _WORLD
    dlat = math.degrees(ang)
    minlat, maxlat = lat - dlat, lat + dlat
    if minlat <= -90.0 or maxlat >= 90.0:  # the cap covers a pole: every longitude
        return (-180.0, max(minlat, -90.0), 180.0, min(maxlat, 90.0))
    # widest longitude offset of the cap (reached at the tangent latitude)
    dlon = math.degrees(math.asin(min(1.0, math.sin(ang) / math.cos(math.radians(lat)))))
    minlon, maxlon = lon - dlon, lon + dlon
    if minlon < -180.0 or maxlon > 180.0:  # wraps the antimeridian: one box cannot cut it
        return (-180.0, minlat, 180.0, maxlat)
    return (minlon, minlat, maxlon, maxlat)


# ----------------------------------------------------------------------------- parsing


def _positive_number(text: str, name: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise BadRequestData(f"{name} must be a positive number, got {_brief(text)}")
    n = float(text)
    if not math.isfinite(n) or n <= 0.0:
        raise BadRequestData(f"{name} must be a positive, non-zero, finite number")
    return n


def _parse_georel(text: Any) -> tuple[str, float | None, float | None]:
    if not isinstance(text, str):
        raise BadRequestData("georel must be a string")
    base, *mods = (part.strip() for part in text.split(";"))
    if base not in GEORELS:
        raise BadRequestData(f"invalid georel {_brief(base)} (expected one of {sorted(GEORELS)})")
    if base != "near":
        if mods:
            raise BadRequestData(f"georel {base!r} takes no modifiers")
        return base, None, None
    if len(mods) != 1:
        raise BadRequestData("near takes exactly one of maxDistance==n or minDistance==n")
    name, sep, num = mods[0].partition("==")
    name = name.strip()
    if not sep or name not in ("maxDistance", "minDistance"):
        raise BadRequestData(f"invalid near modifier {_brief(mods[0])}")
    d = _positive_number(num.strip(), name)
    return ("near", d, None) if name == "maxDistance" else ("near", None, d)


def _looks_like_position(c: Any) -> bool:
    return isinstance(c, list) and bool(c) and all(isinstance(n, int | float) for n in c)


def _close_ring(ring: Any) -> Any:
    if (
        isinstance(ring, list)
        and len(ring) >= 3
        and all(_looks_like_position(p) for p in ring)
        and ring[0] != ring[-1]
    ):
        return [*ring, ring[0]]
    return ring


def _reference_geojson(geometry: Any, coordinates: Any) -> dict[str, Any]:
    """The query's reference geometry as GeoJSON, checked like a GeoProperty value.

    Lenient on two slips seen in clients (and ETSI 037_07_02): a Polygon given as a bare ring
    (one nesting level short) and unclosed rings, which are closed.
    """
    if not isinstance(geometry, str) or geometry not in GEOMETRY_TYPES:
        raise BadRequestData(
            f"invalid geometry {_brief(geometry)} (expected one of {sorted(GEOMETRY_TYPES)})"
        )
    coords = coordinates
    if isinstance(coords, str):
        try:
            coords = json.loads(coords)
        except (ValueError, RecursionError) as exc:
            raise BadRequestData("coordinates is not a JSON array") from exc
    if not isinstance(coords, list):
        raise BadRequestData("coordinates must be a JSON array")
    if _more_positions_than(coords, MAX_QUERY_POSITIONS):
        raise TooComplexQuery(
            f"the geo-query geometry has more than {MAX_QUERY_POSITIONS:,} positions"
        )
    if geometry == "Polygon":
        if coords and _looks_like_position(coords[0]):
            coords = [coords]
        coords = [_close_ring(r) for r in coords]
    elif geometry == "MultiPolygon":
        coords = [[_close_ring(r) for r in p] if isinstance(p, list) else p for p in coords]
    value = {"type": geometry, "coordinates": coords}
    _check_geometry(value, "invalid geo-query coordinates")
    return value


def _more_positions_than(coords: list[Any], limit: int) -> bool:
    """Whether nested arrays hold over ``limit`` positions (arrays of numbers); a loop
    that stops at the limit, whatever the nesting or the size."""
    count, stack = 0, [coords]
    while stack:
        node = stack.pop()
        if node and not isinstance(node[0], list):
            count += 1
            if count > limit:
                return True
            continue
        stack.extend(item for item in node if isinstance(item, list))
    return False


def _check_geoproperty(name: Any) -> str:
    if name is None:
        return "location"
    if not isinstance(name, str) or not name or _BAD_NAME.search(name):
        raise BadRequestData(f"invalid geoproperty {_brief(name)}")
    return name


def _format_number(n: float) -> str:
    return str(int(n)) if n.is_integer() and abs(n) < 1e15 else repr(n)


@lru_cache(maxsize=8192)
def _shape_from_json(text: bytes) -> Any:
    return shapely.from_geojson(text)


def _target_shape(value: Any) -> Any:
    """Shapely geometry of a stored GeoProperty value (cached by content); None if unusable."""
    if not isinstance(value, dict):
        return None
    gtype = value.get("type")
    if not isinstance(gtype, str) or gtype not in GEOMETRY_TYPES:
        return None
    try:
        key = orjson.dumps({"type": gtype, "coordinates": value["coordinates"]})
        geom = _shape_from_json(key)
    except (KeyError, TypeError, ValueError, GEOSException, orjson.JSONEncodeError):
        return None
    return None if geom is None or geom.is_empty else geom


# ----------------------------------------------------------------------------- the query


@dataclass(frozen=True)
class GeoQuery:
    """A parsed NGSI-LD geo-query (clause 4.10). Build it with from_params or from_json."""

    georel: str
    """near | within | contains | intersects | overlaps | disjoint | equals"""
    geometry: Any
    """reference geometry (shapely, prepared)"""
    geojson: dict[str, Any] = field(compare=False)
    """reference geometry as GeoJSON"""
    geoproperty: str = "location"
    """target GeoProperty, as written by the client (the caller expands it)"""
    max_distance: float | None = None
    min_distance: float | None = None
    _bounds: Box = field(init=False, repr=False, compare=False)
    _point: tuple[float, float] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)
        b = self.geometry.bounds
        object.__setattr__(self, "_bounds", (b[0], b[1], b[2], b[3]))
        pt = None
        if self.geojson["type"] == "Point":
            c = self.geojson["coordinates"]
            pt = (float(c[0]), float(c[1]))
        object.__setattr__(self, "_point", pt)

    # -- construction

    @classmethod
    def build(
        cls, georel: Any, geometry: Any, coordinates: Any, geoproperty: Any = None
    ) -> GeoQuery:
        rel, max_d, min_d = _parse_georel(georel)
        geojson = _reference_geojson(geometry, coordinates)
        if rel == "near" and geojson["type"] != "Point":
            raise BadRequestData("georel near is only supported with a Point geometry")
        try:
            shape = shapely.from_geojson(orjson.dumps(geojson))
        except GEOSException as exc:  # pragma: no cover - validated above
            raise BadRequestData(f"invalid geo-query geometry: {exc}") from exc
        return cls(rel, shape, geojson, _check_geoproperty(geoproperty), max_d, min_d)

    @classmethod
    def from_params(
        cls,
        georel: str | None,
        geometry: str | None,
        coordinates: str | None,
        geoproperty: str | None = None,
    ) -> GeoQuery | None:
        """From GET query parameters; None when none is given, BadRequestData when some are."""
        georel, geometry, coordinates, geoproperty = (
            v if v != "" else None for v in (georel, geometry, coordinates, geoproperty)
        )
        given = [v is not None for v in (georel, geometry, coordinates)]
        if not any(given) and geoproperty is None:
            return None
        if not all(given):
            missing = [
                n
                for n, g in zip(("georel", "geometry", "coordinates"), given, strict=True)
                if not g
            ]
            raise BadRequestData(f"incomplete geo-query: missing {', '.join(missing)}")
        return cls.build(georel, geometry, coordinates, geoproperty)

    @classmethod
    def from_json(cls, obj: Any) -> GeoQuery:
        """From a ``geoQ`` member (POST /entityOperations/query, subscriptions)."""
        if not isinstance(obj, dict):
            raise BadRequestData("geoQ must be a JSON object")
        missing = [k for k in ("georel", "geometry", "coordinates") if obj.get(k) is None]
        if missing:
            raise BadRequestData(f"geoQ: missing {', '.join(missing)}")
        return cls.build(obj["georel"], obj["geometry"], obj["coordinates"], obj.get("geoproperty"))

    def to_json(self) -> dict[str, Any]:
        """The geoQ member form (coordinates as a JSON array)."""
        return {
            "georel": self.georel_text,
            "geometry": self.geojson["type"],
            "coordinates": self.geojson["coordinates"],
            "geoproperty": self.geoproperty,
        }

    @property
    def georel_text(self) -> str:
        if self.max_distance is not None:
            return f"near;maxDistance=={_format_number(self.max_distance)}"
        if self.min_distance is not None:
            return f"near;minDistance=={_format_number(self.min_distance)}"
        return self.georel

    # -- evaluation

    def candidate_bbox(self) -> Box | None:
        """A box every matching geometry's bbox intersects (R-tree pre-filter), or None."""
        if self.georel == "disjoint":
            return None
        if self.georel == "near":
            if self.max_distance is None or self._point is None:
                return None
            # slack for the projected-chord approximation of non-point targets
            return _circle_bbox(*self._point, self.max_distance * 1.0001 + 10.0)
        return self._bounds

    def matches_entity(self, entity: dict[str, Any]) -> bool:
        """Whether any value of the entity's ``geoproperty`` (normal form) satisfies it."""
        return any(
            inst["type"] == "GeoProperty" and self.matches(inst["value"])
            for inst in entity["attrs"].get(self.geoproperty, [])
        )

    def matches(self, geometry_geojson: Any) -> bool:
        """Whether an entity's GeoProperty value satisfies the query (unusable value: False)."""
        g = geometry_geojson
        if isinstance(g, dict) and g.get("type") == "Point":
            xy = self._point_xy(g.get("coordinates"))
            if xy is None:
                return False
            x, y = xy
            if self.georel == "near":
                assert self._point is not None
                return self._near_ok(haversine_m(self._point[0], self._point[1], x, y))
            if self.georel == "within":
                return bool(shapely.contains_xy(self.geometry, x, y))
            if self.georel == "intersects":
                return bool(shapely.intersects_xy(self.geometry, x, y))
            if self.georel == "disjoint":
                return not shapely.intersects_xy(self.geometry, x, y)
        target = _target_shape(g)
        if target is None:
            return False
        if self.georel == "near":
            return self._near_shape(target)
        try:
            return self._relate(self.geometry, target)
        except GEOSException:  # invalid (self-intersecting) input GEOS cannot relate
            try:
                return self._relate(shapely.make_valid(self.geometry), shapely.make_valid(target))
            except GEOSException:
                return False

    @staticmethod
    def _point_xy(c: Any) -> tuple[float, float] | None:
        if not isinstance(c, list | tuple) or len(c) < 2:
            return None
        x, y = c[0], c[1]
        if isinstance(x, bool) or isinstance(y, bool):
            return None
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            return None
        return float(x), float(y)

    def _relate(self, ref: Any, target: Any) -> bool:
        """The clause 4.10 relationship, target (entity) against reference (query)."""
        rel = self.georel
        if rel == "within":  # target within reference
            return bool(shapely.contains(ref, target))
        if rel == "contains":  # target contains reference
            return bool(shapely.within(ref, target))
        if rel == "intersects":
            return bool(shapely.intersects(ref, target))
        if rel == "disjoint":
            return not shapely.intersects(ref, target)
        if rel == "overlaps":
            return bool(shapely.overlaps(ref, target))
        return bool(shapely.equals_exact(ref, target, 0.0) or shapely.equals(ref, target))

    def _near_ok(self, metres: float) -> bool:
        if self.max_distance is not None:
            return metres <= self.max_distance
        assert self.min_distance is not None
        return metres > self.min_distance  # disjoint with the (closed) buffer

    def _near_shape(self, target: Any) -> bool:
        assert self._point is not None
        if self.max_distance is not None:
            cb = self.candidate_bbox()
            assert cb is not None
            b = target.bounds
            if b[0] > cb[2] or b[2] < cb[0] or b[1] > cb[3] or b[3] < cb[1]:
                return False
        return self._near_ok(self.distance_m(target))

    def distance_m(self, target: Any) -> float:
        """Geodesic metres from the (Point) reference to the nearest point of ``target``.

        Zero when the target covers the point; otherwise the target, its edges split into
        short pieces, is put in an azimuthal equidistant projection centred on the reference
        point (distances from the centre are exact there) and measured from the origin.
        """
        assert self._point is not None
        lon0, lat0 = self._point
        if shapely.intersects_xy(target, lon0, lat0):
            return 0.0
        if shapely.get_type_id(target) == 0:  # Point
            return haversine_m(lon0, lat0, shapely.get_x(target), shapely.get_y(target))
        lam0, phi0 = math.radians(lon0), math.radians(lat0)
        sin0, cos0 = math.sin(phi0), math.cos(phi0)

        def aeqd(xy: np.ndarray) -> np.ndarray:
            lam, phi = np.radians(xy[:, 0]), np.radians(xy[:, 1])
            dlam = lam - lam0
            cos_phi = np.cos(phi)
            a = np.sin((phi - phi0) / 2) ** 2 + cos0 * cos_phi * np.sin(dlam / 2) ** 2
            r = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
            az = np.arctan2(
                np.sin(dlam) * cos_phi, cos0 * np.sin(phi) - sin0 * cos_phi * np.cos(dlam)
            )
            return np.column_stack((r * np.sin(az), r * np.cos(az)))

        # bound the added vertices (about _MAX_DENSIFIED) however long the edges are
        step = max(_SEGMENT_DEG, float(shapely.length(target)) / _MAX_DENSIFIED)
        with np.errstate(all="ignore"):
            try:
                dense = shapely.segmentize(target, step)
            except GEOSException:  # degenerate parts (a LineString of one repeated position)
                dense = target
            projected = shapely.transform(dense, aeqd)
            return float(shapely.distance(projected, shapely.Point(0.0, 0.0)))
