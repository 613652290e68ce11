"""From client JSON to the entity normal form (see normal_form.md), with validation.

Everything a client sends passes through ``expand_entity`` or ``expand_attributes``: bad
input raises ``BadRequestData`` here, before anything reaches the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from isanhub.core import geo
from isanhub.core.errors import BadRequestData

Entity = dict[str, Any]
Instance = dict[str, Any]

ATTR_TYPES = (
    "Property",
    "Relationship",
    "GeoProperty",
    "LanguageProperty",
    "VocabProperty",
    "ListProperty",
    "ListRelationship",
    "JsonProperty",
)
#: the member holding the value, per attribute type
VALUE_MEMBER = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "VocabProperty": "vocab",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
    "JsonProperty": "json",
}
#: concise input: which member implies which type (order matters: first match wins)
_INFER = (
    ("object", "Relationship"),
    ("languageMap", "LanguageProperty"),
    ("vocab", "VocabProperty"),
    ("valueList", "ListProperty"),
    ("objectList", "ListRelationship"),
    ("json", "JsonProperty"),
    ("value", "Property"),
)
META_MEMBERS = {"datasetId", "observedAt", "unitCode", "objectType", "createdAt", "modifiedAt"}
#: members of an instance that are never sub-attributes
RESERVED = (
    set(VALUE_MEMBER.values())
    | META_MEMBERS
    | {"type", "@context", "lang", "deletedAt", "instanceId", "previousValue"}
)
ENTITY_RESERVED = {
    "id",
    "@id",
    "type",
    "@type",
    "@context",
    "scope",
    "createdAt",
    "modifiedAt",
    "deletedAt",
}
# every GeoJSON geometry name, so that a concise geometry value is recognised as one and
# then gets geo.validate_geometry's clear error when its type is not allowed
GEO_TYPES = geo.GEOMETRY_TYPES | {"GeometryCollection"}
NULL_URI = "urn:ngsi-ld:null"

# control characters (U+0000 above all, which PostgreSQL cannot store) are never valid
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]*$")
_SCOPE = re.compile(r"^/[^\s/\x00-\x1f\x7f]+(/[^\s/\x00-\x1f\x7f]+)*$")
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f<>\"'=;()\[\]\\&?#,]+$")
#: longest URI (entity id, type and attribute IRI, relationship object, datasetId) and
#: name, in UTF-8 bytes: PostgreSQL keeps ids and names in B-tree indexes, whose entries
#: hold at most 2,704 bytes (a longer one failed the write), and URIs of over 2,000
#: characters travel badly in URLs and headers anyway
MAX_URI_BYTES = 2048
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")


class Terms(Protocol):
    """What the model needs of a JSON-LD term map (isanhub.core.context.TermMap)."""

    def expand_attr(self, term: str) -> str: ...
    def expand_type(self, term: str) -> str: ...
    def expand_vocab_value(self, value: str) -> str: ...


def now_iso() -> str:
    """The current UTC time in the broker's system-attribute format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_uri(value: Any) -> bool:
    return isinstance(value, str) and _short(value) and bool(_URI.match(value))


def _short(text: str) -> bool:
    """At most MAX_URI_BYTES in UTF-8 (encoded only when it could be more)."""
    return len(text) <= MAX_URI_BYTES // 4 or len(text.encode()) <= MAX_URI_BYTES


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + f"... ({len(text):,} characters)"


def check_uri(value: Any, what: str) -> str:
    if not is_uri(value):
        if isinstance(value, str) and not _short(value):
            raise BadRequestData(f"{what} is longer than {MAX_URI_BYTES:,} bytes")
        raise BadRequestData(f"{what} must be a URI, got {_brief(value)}")
    return value


def is_datetime(value: Any) -> bool:
    """An ISO 8601 date-time with a real date (the pattern alone lets 2026-13-45 through)."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_VALID_NAMES: set[str] = set()  # names already checked: most payloads repeat a few names


def check_name(name: Any, what: str = "attribute name") -> str:
    if name in _VALID_NAMES:
        return name  # type: ignore[no-any-return]
    # a leading "@" is reserved for JSON-LD keywords
    if not isinstance(name, str) or not _NAME.match(name) or name.startswith("@"):
        raise BadRequestData(f"invalid {what}: {_brief(name)}")
    if not _short(name):
        raise BadRequestData(f"invalid {what}: longer than {MAX_URI_BYTES:,} bytes")
    if len(_VALID_NAMES) < 100_000:
        _VALID_NAMES.add(name)
    return name


def expand_types(raw: Any, terms: Terms) -> list[str]:
    """The entity's type(s), expanded; a string or a non-empty list of strings."""
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(t, str) and t for t in items):
        raise BadRequestData("entity type must be a non-empty string or list of strings")
    out: list[str] = []
    for t in items:
        iri = terms.expand_type(check_name(t, "entity type"))
        if not is_uri(iri):
            # e.g. "type", which the core context maps to the keyword @type
            raise BadRequestData(f"invalid entity type {t!r}: it does not expand to an IRI")
        if iri not in out:
            out.append(iri)
    return out


def expand_entity(payload: Any, terms: Terms, *, now: str, require_id: bool = True) -> Entity:
    """Validate a client entity and return it in normal form, timestamps set to ``now``."""
    if not isinstance(payload, dict):
        raise BadRequestData("an entity must be a JSON object")
    eid = payload.get("id", payload.get("@id"))
    if require_id or eid is not None:
        check_uri(eid, "entity id")
    raw_type = payload.get("type", payload.get("@type"))
    if raw_type is None:
        raise BadRequestData("entity type is missing")
    entity: Entity = {"id": eid, "type": expand_types(raw_type, terms)}
    if "scope" in payload:
        entity["scope"] = expand_scope(payload["scope"])
    entity["createdAt"] = now
    entity["modifiedAt"] = now
    entity["attrs"] = expand_attributes(payload, terms, now=now)
    return entity


@dataclass
class Fragment:
    """An entity fragment (the body of append, update and merge): attributes plus the
    entity-level members a fragment may change."""

    attrs: dict[str, list[Instance]] = field(default_factory=dict)
    types: list[str] | None = None  # expanded types to add
    scope: list[str] | None = None  # new scope; [] is an NGSI-LD Null (delete the scope)


def expand_fragment(
    payload: Any,
    terms: Terms,
    *,
    now: str,
    entity_id: str | None = None,
    allow_null: bool = False,
) -> Fragment:
    """Validate an entity fragment; an ``id`` in it must name ``entity_id``."""
    if not isinstance(payload, dict):
        raise BadRequestData("an entity fragment must be a JSON object")
    eid = payload.get("id", payload.get("@id"))
    if eid is not None and eid != entity_id:
        raise BadRequestData(f"the fragment's id {eid!r} differs from the target entity")
    frag = Fragment(expand_attributes(payload, terms, now=now, allow_null=allow_null))
    raw_type = payload.get("type", payload.get("@type"))
    if raw_type is not None:
        frag.types = expand_types(raw_type, terms)
    if "scope" in payload:
        raw = payload["scope"]
        frag.scope = [] if raw == NULL_URI and allow_null else expand_scope(raw)
    return frag


def expand_scope(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    for s in items:
        # no control characters: a scope is a path of names (and U+0000 cannot be stored)
        if not isinstance(s, str) or not _SCOPE.match(s):
            raise BadRequestData(f"invalid scope: {_brief(s)}")
    return list(items)


def expand_attributes(
    payload: dict[str, Any], terms: Terms, *, now: str, allow_null: bool = False
) -> dict[str, list[Instance]]:
    """Expand every attribute member of ``payload`` (entity-level members are skipped).

    With ``allow_null`` (merge-patch and update semantics), an NGSI-LD Null (see
    ``is_null``) is kept as the marker ``{"type": "Null"}``: the caller deletes that
    attribute instance.
    """
    attrs: dict[str, list[Instance]] = {}
    for name, raw in payload.items():
        if name in ENTITY_RESERVED:
            continue
        iri = terms.expand_attr(check_name(name))
        attrs[iri] = expand_instances(name, raw, terms, now=now, allow_null=allow_null)
    return attrs


def expand_instances(
    name: str,
    raw: Any,
    terms: Terms,
    *,
    now: str,
    allow_null: bool = False,
    fragment: bool = False,
) -> list[Instance]:
    """One attribute's instances: an array of instances (multi-attribute) or one."""
    if isinstance(raw, list) and raw and all(_looks_like_instance(x) for x in raw):
        out = [
            expand_instance(name, x, terms, now=now, allow_null=allow_null, fragment=fragment)
            for x in raw
        ]
        seen: set[str | None] = set()
        for inst in out:
            ds = inst.get("datasetId")
            if ds in seen:
                raise BadRequestData(f"attribute {name!r} has two instances with datasetId {ds}")
            seen.add(ds)
        return out
    return [expand_instance(name, raw, terms, now=now, allow_null=allow_null, fragment=fragment)]


def _looks_like_instance(x: Any) -> bool:
    return isinstance(x, dict) and (x.get("type") in ATTR_TYPES or any(m in x for m, _ in _INFER))


def is_null(member: str, value: Any) -> bool:
    """An NGSI-LD Null: "urn:ngsi-ld:null" as the value member, ``{"@none":
    "urn:ngsi-ld:null"}`` as a languageMap, ``["urn:ngsi-ld:null"]`` as a list. (JSON
    null is no value at all: JSON-LD drops it, so the broker rejects it.)"""
    if value == NULL_URI:
        return True
    if member == "languageMap":
        return value == {"@none": NULL_URI}
    if member in ("valueList", "objectList"):
        return value == [NULL_URI]
    return False


def _null(raw: dict[str, Any]) -> Instance:
    inst: Instance = {"type": "Null"}
    if "datasetId" in raw:
        inst["datasetId"] = raw["datasetId"]
    return inst


def expand_instance(
    name: str,
    raw: Any,
    terms: Terms,
    *,
    now: str,
    allow_null: bool = False,
    fragment: bool = False,
) -> Instance:
    """Validate one attribute instance (normalized or concise input) into normal form.

    A ``fragment`` (partial attribute update) may leave out the type and the value: the
    result then holds only the members given, to be merged into the stored instance.
    """
    if raw is None:
        raise BadRequestData(f"attribute {name!r} is null: use {NULL_URI} to delete it")
    if raw == NULL_URI:
        if allow_null:
            return {"type": "Null"}
        raise BadRequestData(f"attribute {name!r} has a null value")
    if not isinstance(raw, dict):
        return _with_times({"type": "Property", "value": raw}, now)
    kind = raw.get("type")
    if kind is not None and not isinstance(kind, str):
        raise BadRequestData(f"the type of attribute {name!r} must be a string")
    if kind in GEO_TYPES and "coordinates" in raw or kind == "Feature":
        geo.validate_geometry(raw)
        return _with_times({"type": "GeoProperty", "value": raw}, now)
    if kind is None:
        kind = next((t for member, t in _INFER if member in raw), None)
        if kind is None and not fragment:
            raise BadRequestData(f"attribute {name!r} has no type and no value member")
        if kind == "Property" and _is_geometry(raw.get("value")):
            kind = "GeoProperty"
    inst: Instance = {}
    if kind is not None:
        if kind not in ATTR_TYPES:
            raise BadRequestData(f"attribute {name!r} has an unknown type {kind!r}")
        member = VALUE_MEMBER[kind]
        if member in raw:
            value = raw[member]
            if value is None:
                raise BadRequestData(f"attribute {name!r} has a JSON null {member}")
            if is_null(member, value):
                if allow_null:
                    return _null(raw)
                raise BadRequestData(f"attribute {name!r} has a null {member}")
            inst[member] = _check_value(name, kind, value, terms)
        elif not fragment:
            raise BadRequestData(f"{kind} {name!r} must have a {member!r} member")
        inst = {"type": kind, **inst}
    for meta in ("datasetId", "observedAt", "unitCode", "objectType"):
        if meta in raw:
            inst[meta] = _check_meta(name, meta, raw[meta], terms)
    subs: dict[str, Instance] = {}
    for key, sub in raw.items():
        if key in RESERVED:
            continue
        sub_iri = terms.expand_attr(check_name(key, "sub-attribute name"))
        subs[sub_iri] = expand_instance(key, sub, terms, now=now, allow_null=allow_null)
    if subs:
        inst["attrs"] = subs
    if not inst:
        raise BadRequestData(f"the fragment for attribute {name!r} is empty")
    return _with_times(inst, now)


def _with_times(inst: Instance, now: str) -> Instance:
    inst["createdAt"] = now
    inst["modifiedAt"] = now
    return inst


def _is_geometry(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("type"), str)
        and (value["type"] in GEO_TYPES)
    )


def _check_value(name: str, kind: str, value: Any, terms: Terms) -> Any:
    if kind == "GeoProperty":
        geo.validate_geometry(value)
    elif kind == "Relationship":
        objs = value if isinstance(value, list) else [value]
        if not objs:
            raise BadRequestData(f"Relationship {name!r} has an empty object")
        for o in objs:
            check_uri(o, f"object of Relationship {name!r}")
    elif kind == "ListRelationship":
        if not isinstance(value, list):
            raise BadRequestData(f"ListRelationship {name!r} needs an objectList array")
        for o in value:
            target = o.get("object") if isinstance(o, dict) else o
            check_uri(target, f"object of ListRelationship {name!r}")
    elif kind == "LanguageProperty":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and (isinstance(v, str) or _str_list(v)) for k, v in value.items()
        ):
            raise BadRequestData(f"LanguageProperty {name!r} needs a map of language to string")
    elif kind == "VocabProperty":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v for v in items):
            raise BadRequestData(f"VocabProperty {name!r} needs string vocab values")
        expanded = [terms.expand_vocab_value(v) for v in items]
        return expanded if isinstance(value, list) else expanded[0]
    elif kind == "ListProperty" and not isinstance(value, list):
        raise BadRequestData(f"ListProperty {name!r} needs a valueList array")
    return value


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _check_meta(name: str, meta: str, value: Any, terms: Terms) -> Any:
    if meta == "datasetId":
        return check_uri(value, f"datasetId of {name!r}")
    if meta == "observedAt":
        if not is_datetime(value):
            raise BadRequestData(f"observedAt of {name!r} must be a DateTime, got {value!r}")
        return value
    if meta == "objectType":
        return terms.expand_type(check_name(value, "objectType"))
    if not isinstance(value, str):
        raise BadRequestData(f"{meta} of {name!r} must be a string")
    return value
