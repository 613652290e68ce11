"""The temporal evolution of entities, shared by the SQL backends: which attribute
instances a change records, and the row each becomes.

Every write that changes an attribute instance records the new instance (with its
``observedAt``, and the ``modifiedAt`` of the change as the time it was recorded); an
instance that disappears is recorded as deleted. History is keyed by entity id, not by
the current entity row, so it outlives a deleted entity until it is deleted itself
(``DELETE /temporal/entities/{id}``) or retention removes it.

Times are integers (microseconds since 1970 UTC): ranges, ordering and aggregation
periods are integer arithmetic in SQL on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from isanhub.core.model import NULL_URI, VALUE_MEMBER, Entity
from isanhub.core.update import SCOPE_IRI

_dumps = orjson.dumps
INSTANCE_PREFIX = "urn:ngsi-ld:instance:"
NULL = NULL_URI
#: the value a deletion records, by attribute type (NGSI-LD Null in each one's shape)
_DELETED_VALUE: dict[str, Any] = {
    "LanguageProperty": {"@none": NULL},
    "ListProperty": [NULL],
    "ListRelationship": [NULL],
}


@lru_cache(maxsize=4096)
def to_us(iso: str) -> int:
    """An ISO 8601 date-time as microseconds since 1970 UTC (no zone: UTC)."""
    t = datetime.fromisoformat(iso)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def month_number(us: int) -> int:
    """The calendar month (UTC) holding ``us``, counted from year 0 (12 * year + month - 1)."""
    d = datetime.fromtimestamp(us / 1_000_000, UTC)
    return d.year * 12 + d.month - 1


def month_start(number: int) -> int:
    """When month ``number`` (see month_number) starts, in µs; after the year 9999, the
    end of time as datetime knows it."""
    if number >= 10_000 * 12:
        return int(datetime.max.replace(tzinfo=UTC).timestamp() * 1_000_000)
    return int(datetime(number // 12, number % 12 + 1, 1, tzinfo=UTC).timestamp()) * 1_000_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InstanceRow(NamedTuple):
    """One recorded attribute instance (or the deletion of one); a tuple because a batch
    makes thousands of them."""

    eid: str
    name: str  #: attribute IRI
    dataset: str | None
    t: int  #: observedAt if the instance has one, else when it was recorded (µs)
    observed: bool
    created: int  #: when it was recorded (µs)
    num: float | None  #: the value when it is a number (aggregations)
    val: str | None  #: the value as JSON (distinctCount); None for a deletion
    doc: str  #: the instance as JSON, without system attributes
    deleted: bool = False


_new_row = tuple.__new__


def instance_row(eid: str, name: str, inst: dict[str, Any], recorded: str) -> InstanceRow:
    """The row recording ``inst`` of attribute ``name``, changed at ``recorded``.
    (Runs once per instance ingested: kept lean.)"""
    get = inst.get
    modified = get("modifiedAt")
    created = to_us(modified or recorded)
    observed = get("observedAt")
    kind = get("type")
    value = get("value") if kind == "Property" else get(VALUE_MEMBER.get(kind or "", "value"))
    num: float | None = None
    # not bool (type(True) is bool), infinities, NaN or huge ints
    if (type(value) is float or type(value) is int) and -1e308 < value < 1e308:
        num = float(value)
    if modified is not None or "createdAt" in inst:
        inst = inst.copy()  # a copy and two deletions: faster than a comprehension
        inst.pop("createdAt", None)
        inst.pop("modifiedAt", None)
    has_time = type(observed) is str
    # tuple.__new__, not InstanceRow(...): a NamedTuple's own __new__ is Python code,
    # a tenth of the time of a bulk load
    return _new_row(
        InstanceRow,
        (
            eid,
            name,
            inst.get("datasetId"),
            to_us(observed) if has_time else created,
            has_time,
            created,
            num,
            _dumps(value).decode(),
            _dumps(inst).decode(),
            False,
        ),
    )


def deletion_row(eid: str, name: str, inst: dict[str, Any], when: str) -> InstanceRow:
    """The row recording that an instance was deleted at ``when`` (its value is the
    NGSI-LD Null of its type; a deleted scope is an empty list)."""
    us = to_us(when)
    kind = inst.get("type", "Property")
    value = [] if name == SCOPE_IRI else _DELETED_VALUE.get(kind, NULL)
    doc: dict[str, Any] = {"type": kind, VALUE_MEMBER.get(kind, "value"): value, "deletedAt": when}
    if "datasetId" in inst:
        doc["datasetId"] = inst["datasetId"]
    return InstanceRow(eid, name, inst.get("datasetId"), us, False, us, None, None,
                       _dumps(doc).decode(), deleted=True)  # fmt: skip


def changes(old: Entity | None, new: Entity | None, when: str) -> Iterator[InstanceRow]:
    """The instances a change from ``old`` to ``new`` records: every instance of a new
    entity, the new or changed instances of a changed one, and deleted instances (a
    deleted entity is marked as such, its attributes are not recorded one by one)."""
    if new is None:
        return
    eid = new["id"]
    new_attrs = _with_scope(new)
    if not old:  # a new entity: every instance, without comparing (batches are mostly new)
        for iri, after in new_attrs.items():
            for inst in after:
                yield instance_row(eid, iri, inst, when)
        return
    old_attrs = _with_scope(old)
    for iri, after in new_attrs.items():
        before = old_attrs.get(iri)
        if before == after:
            continue
        previous = {i.get("datasetId"): i for i in before or ()}
        for inst in after:
            if previous.get(inst.get("datasetId")) != inst:
                yield instance_row(eid, iri, inst, when)
        kept = {i.get("datasetId") for i in after}
        for dataset, inst in previous.items():
            if dataset not in kept:
                yield deletion_row(eid, iri, inst, when)
    for iri, before in old_attrs.items():
        if iri not in new_attrs:
            for inst in before:
                yield deletion_row(eid, iri, inst, when)


def _with_scope(entity: Entity) -> dict[str, Any]:
    """The entity's attributes, with its scope as one more (history records it too)."""
    if "scope" not in entity:
        return entity["attrs"]  # type: ignore[no-any-return]
    # no timestamps: an unchanged scope must compare equal (it is recorded at the change)
    scope = {"type": "Property", "value": entity["scope"]}
    return {**entity["attrs"], SCOPE_IRI: [scope]}
