"""What a backend indexes of an entity: its types, one row per attribute value, and the
bounding boxes of its geometries. Shared by every SQL backend.

The attribute rows make ``q`` comparisons and discovery index look-ups instead of scans;
the exact semantics stay with the q evaluator (the rows pre-filter, see sql.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from isanhub.core.model import Entity

#: small integer codes of the attribute types, stored with every attribute row
KIND_CODES = {
    "Property": 1,
    "Relationship": 2,
    "GeoProperty": 3,
    "LanguageProperty": 4,
    "VocabProperty": 5,
    "ListProperty": 6,
    "ListRelationship": 7,
    "JsonProperty": 8,
}
KIND_NAMES = {v: k for k, v in KIND_CODES.items()}


def indexable_text(v: Any) -> bool:
    """A string the index holds: without U+0000, which PostgreSQL's jsonb cannot hold
    (such values get a NULL row, and the evaluator decides)."""
    return isinstance(v, str) and "\x00" not in v


def _scalar(v: Any) -> bool:
    """A value the index holds: numbers and indexable texts."""
    if isinstance(v, str):
        return indexable_text(v)
    return isinstance(v, int | float) and not isinstance(v, bool)


def _indexable(v: Any) -> Any:
    """SQLite integers are 64-bit: a larger JSON integer is indexed as a float (the
    document keeps it exact; the index only pre-filters)."""
    if isinstance(v, int) and not -(2**63) <= v < 2**63:
        try:
            return float(v)
        except OverflowError:
            return float("inf") if v > 0 else float("-inf")
    return v


def attr_values(entity: Entity) -> Iterator[tuple[str, int, Any]]:
    """(attribute IRI, kind code, value or None) rows; every instance yields at least one
    row so that existence and discovery need no document."""
    for iri, instances in entity["attrs"].items():
        for inst in instances:
            kind = inst["type"]
            code = KIND_CODES.get(kind, 0)
            vals: list[Any] = []
            if kind == "Property":
                v = inst.get("value")
                if _scalar(v):
                    vals.append(v)
                elif isinstance(v, list):
                    vals.extend(x for x in v if _scalar(x))
            elif kind == "Relationship":
                obj = inst.get("object")
                vals.extend(obj if isinstance(obj, list) else [obj])
            if not vals:
                yield iri, code, None
            else:
                for v in dict.fromkeys(vals):
                    yield iri, code, _indexable(v)


def geo_values(entity: Entity) -> Iterator[tuple[str, dict[str, Any]]]:
    """(attribute IRI, GeoJSON geometry) for every GeoProperty instance, for the spatial
    index (stored values were validated on the way in, core.model)."""
    for iri, instances in entity["attrs"].items():
        for inst in instances:
            if inst["type"] == "GeoProperty":
                yield iri, inst["value"]
