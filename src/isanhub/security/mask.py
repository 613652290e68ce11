"""Personal attributes as a reader without the permission sees them: masked,
pseudonymised, coarsened or left out (security.personal says which, per type).

Pure functions over the entity normal form (core/normal_form.md) and the temporal
entities of the store. They never change what they are given: the stored, cached or
queued entity stays as it was, and only what differs is copied. An entity whose types
have no personal attribute is returned as it is after one look-up.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import orjson

from isanhub.core.model import NULL_URI, VALUE_MEMBER, Entity, Instance
from isanhub.security.personal import Classification
from isanhub.store.temporal import TemporalEntity

MASK = "***"  #: what a masked value reads
MASKED_URI = "urn:ngsi-ld:masked"  #: a masked Relationship's object (it must stay a URI)
PSEUDONYM = "pseudonym:"
PSEUDONYM_URI = "urn:ngsi-ld:pseudonym:"
_LENGTH = 16  #: hex digits of a pseudonym: 64 bits, collisions negligible within a city
_DATE = re.compile(r"(\d{4})-\d{2}-\d{2}")
_DATE_TYPES = ("Date", "DateTime")
#: aggregated values that say nothing of the values themselves
_COUNTS = frozenset({"totalCount"})


def pseudonym(value: Any, key: bytes) -> str:
    """``pseudonym:<16 hex>``: HMAC-SHA256 with the hub's secret of the value (text
    with its spaces and case normalised, anything else as canonical JSON), so the same
    person gets the same pseudonym on every entity and nobody without the secret can
    test a guess."""
    if isinstance(value, str):
        text = " ".join(value.split()).casefold()
    else:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM + digest[:_LENGTH]


def _uri(obj: Any, method: str, key: bytes) -> Any:
    """A relationship object: a URI stays a URI (joins and clients expect one)."""
    if obj == NULL_URI:
        return obj
    if method == "pseudonym":
        return PSEUDONYM_URI + pseudonym(obj, key).removeprefix(PSEUDONYM)
    return MASKED_URI


def _rounded(coords: Any) -> Any:
    if isinstance(coords, list):
        return [_rounded(c) for c in coords]
    if isinstance(coords, int | float) and not isinstance(coords, bool):
        return round(float(coords), 2)
    return coords


def _coarse_geometry(geometry: Any) -> Any:
    """A GeoJSON geometry with every position rounded to 2 decimals (about 1 km)."""
    if not isinstance(geometry, dict):
        return None
    out = dict(geometry)
    if "coordinates" in out:
        out["coordinates"] = _rounded(out["coordinates"])
    if "geometries" in out and isinstance(out["geometries"], list):
        out["geometries"] = [_coarse_geometry(g) for g in out["geometries"]]
    out.pop("bbox", None)
    return out


def _coarse_date(value: Any) -> Any:
    """A date or date-time as its year alone; anything else masked."""
    text = value.get("@value") if isinstance(value, dict) else value
    if isinstance(value, dict) and value.get("@type") not in _DATE_TYPES:
        return MASK
    m = _DATE.match(text) if isinstance(text, str) else None
    return m.group(1) if m else MASK


def _plain(value: Any, method: str, key: bytes) -> Any:
    """One property value (or list item) transformed."""
    if value == NULL_URI:
        return value
    if method == "pseudonym":
        return pseudonym(value, key)
    if method == "coarsen":
        return _coarse_date(value)
    return MASK


def masked_value(kind: str, value: Any, method: str, key: bytes) -> Any:
    """The value member of an instance of attribute type ``kind``, transformed."""
    if value is None or value == NULL_URI:
        return value
    if kind == "GeoProperty":
        return _coarse_geometry(value) if method == "coarsen" else None
    if kind == "Relationship":
        if isinstance(value, list):
            return [_uri(o, method, key) for o in value]
        return _uri(value, method, key)
    if kind == "ListRelationship" and isinstance(value, list):
        return [
            {**o, "object": _uri(o.get("object"), method, key)}
            if isinstance(o, dict)
            else _uri(o, method, key)
            for o in value
        ]
    if kind == "LanguageProperty" and isinstance(value, dict):
        return {
            lang: [_plain(t, method, key) for t in text]
            if isinstance(text, list)
            else _plain(text, method, key)
            for lang, text in value.items()
        }
    if kind == "ListProperty" and isinstance(value, list):
        return [_plain(v, method, key) for v in value]
    return _plain(value, method, key)


def mask_instance(inst: Instance, method: str, key: bytes) -> Instance:
    """An attribute instance (a stored or a temporal one) with its value and its
    sub-attributes' values transformed; its other members (type, datasetId,
    observedAt, unitCode, times) kept."""
    kind = inst.get("type", "Property")
    member = VALUE_MEMBER.get(kind, "value")
    out = dict(inst)
    if member in inst:
        out[member] = masked_value(kind, inst[member], method, key)
    subs = inst.get("attrs")
    if subs:
        if method == "omit":
            del out["attrs"]
        else:
            out["attrs"] = {iri: mask_instance(s, method, key) for iri, s in subs.items()}
    return out


def _masked_attrs(
    attrs: Mapping[str, list[Instance]],
    present: tuple[str, ...],
    rules: Mapping[str, str],
    key: bytes,
) -> dict[str, list[Instance]]:
    out = dict(attrs)
    for iri in present:
        method = rules[iri]
        if method == "omit":
            del out[iri]
        else:
            out[iri] = [mask_instance(i, method, key) for i in attrs[iri]]
    return out


def personal_attrs(entity: Entity, classification: Classification) -> tuple[str, ...]:
    """The personal attributes the entity holds (IRIs), none for most entities."""
    rules = classification.rules(entity["type"])
    if not rules:
        return ()
    return tuple(a for a in entity["attrs"] if a in rules)


def mask_entity(
    entity: Entity, classification: Classification, key: bytes
) -> tuple[Entity, tuple[str, ...]]:
    """(the entity as a reader without the permission sees it, the personal attributes
    it held). Without personal attributes that is the entity itself."""
    rules = classification.rules(entity["type"])
    if not rules:
        return entity, ()
    present = tuple(a for a in entity["attrs"] if a in rules)
    if not present:
        return entity, ()
    return {**entity, "attrs": _masked_attrs(entity["attrs"], present, rules, key)}, present


def temporal_attrs(te: TemporalEntity, classification: Classification) -> tuple[str, ...]:
    """The personal attributes a history answers with (instances or aggregated values)."""
    rules = classification.rules(te.types)
    if not rules:
        return ()
    found = [a for a in te.attrs if a in rules and te.attrs[a]]
    found += [a for a in te.buckets if a in rules and a not in te.attrs]
    return tuple(found)


def mask_temporal(
    te: TemporalEntity, classification: Classification, key: bytes
) -> tuple[TemporalEntity, tuple[str, ...]]:
    """A history as a reader without the permission sees it: every instance of a
    personal attribute transformed; its aggregated values masked (but totalCount),
    left out with ``omit``."""
    rules = classification.rules(te.types)
    if not rules:
        return te, ()
    present = tuple(a for a in te.attrs if a in rules)
    in_buckets = tuple(a for a in te.buckets if a in rules)
    if not present and not in_buckets:
        return te, ()
    buckets = dict(te.buckets)
    for iri in in_buckets:
        if rules[iri] == "omit":
            del buckets[iri]
            continue
        buckets[iri] = {
            method: rows
            if method in _COUNTS
            else [[None if v is None else MASK, *rest] for v, *rest in rows]
            for method, rows in te.buckets[iri].items()
        }
    full = {a: t for a, t in te.full.items() if not (a in rules and rules[a] == "omit")}
    masked = dataclasses.replace(
        te, attrs=_masked_attrs(te.attrs, present, rules, key), buckets=buckets, full=full
    )
    shown = tuple(a for a in present if te.attrs[a])
    return masked, shown + tuple(a for a in in_buckets if a not in te.attrs)
