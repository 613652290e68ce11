"""The temporal representation of entities (clause 4.5.9 and following): what clients
send to /temporal/entities, and the three shapes answered (normalized, simplified
``temporalValues``, ``aggregatedValues``), with the pagination of instances.

Instances arrive here as the store reads them: the instance in normal form plus
``instanceId`` and its times in microseconds (``_t``: observedAt, else when recorded;
``_created``; ``_modified``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from isanhub.core.errors import BadRequestData
from isanhub.core.model import (
    ENTITY_RESERVED,
    VALUE_MEMBER,
    Entity,
    Instance,
    Terms,
    check_name,
    check_uri,
    expand_instance,
    expand_scope,
    expand_types,
)
from isanhub.core.render import CompactTerms, View, render_instance

#: the member holding the list of [value, time] pairs in the simplified form, by type
SIMPLIFIED_KEY = {
    "Property": "values",
    "GeoProperty": "values",
    "Relationship": "objects",
    "LanguageProperty": "languageMaps",
    "JsonProperty": "jsons",
    "VocabProperty": "vocabs",
    "ListProperty": "valueLists",
    "ListRelationship": "objectLists",
}
_TIME_MEMBER = {
    "observedAt": "_t",
    "createdAt": "_created",
    "modifiedAt": "_modified",
    "deletedAt": "_t",
}
_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


class TemporalEntityLike(Protocol):
    id: str
    types: list[str]
    attrs: dict[Any, list[dict[str, Any]]]
    buckets: dict[Any, dict[str, list[list[Any]]]]


_EPOCH = datetime(1970, 1, 1)  # naive UTC: isoformat() then needs no zone to strip


_DAY_US = 86_400_000_000
#: day number since 1970 -> "YYYY-MM-DDT": the calendar is the costly part of a label
_DAYS: dict[int, str] = {}


def iso(us: int) -> str:
    """Microseconds since 1970 as ISO 8601 UTC, without a fraction when it is zero (an
    hourly aggregation over a year labels 8,761 period bounds: the date of each day is
    formatted once, the time of day with integer arithmetic)."""
    day, rest = divmod(us, _DAY_US)
    date = _DAYS.get(day)
    if date is None:
        try:
            date = (_EPOCH + timedelta(days=day)).date().isoformat() + "T"
        except OverflowError:  # a period ending after the year 9999
            return "9999-12-31T23:59:59.999999Z"
        if len(_DAYS) >= 100_000:
            _DAYS.clear()
        _DAYS[day] = date
    seconds, fraction = divmod(rest, 1_000_000)
    minutes, s = divmod(seconds, 60)
    h, m = divmod(minutes, 60)
    if fraction:
        return f"{date}{h:02d}:{m:02d}:{s:02d}.{fraction:06d}".rstrip("0") + "Z"
    return f"{date}{h:02d}:{m:02d}:{s:02d}Z"


def parse_duration(text: str) -> tuple[int, int]:
    """An ISO 8601 duration as (months, microseconds); only one of them may be set."""
    m = _DURATION.match(text or "")
    if not m or text in ("P", "PT") or text.endswith("T"):
        raise BadRequestData(f"aggrPeriodDuration must be an ISO 8601 duration, got {text!r}")
    y, mo, w, d, h, mi, s = m.groups()
    months = int(y or 0) * 12 + int(mo or 0)
    seconds = (int(w or 0) * 7 + int(d or 0)) * 86_400 + int(h or 0) * 3_600 + int(mi or 0) * 60
    micros = seconds * 1_000_000 + round(float(s or 0) * 1_000_000)
    if months and micros:
        raise BadRequestData("aggrPeriodDuration cannot mix years or months with days or times")
    if months > 12 * 1000 or micros > 366_000 * 86_400_000_000:
        raise BadRequestData("aggrPeriodDuration is longer than a thousand years")
    return months, micros


def expand_temporal(
    payload: Any, terms: Terms, *, now: str, require_type: bool = True
) -> tuple[str | None, list[str], list[str] | None, dict[str, list[Instance]]]:
    """A temporal entity (or fragment) from a client: (id, types, scope, instances by
    attribute IRI). Unlike an entity, an attribute may hold several instances of one
    datasetId: they are its history."""
    if not isinstance(payload, dict):
        raise BadRequestData("a temporal entity must be a JSON object")
    eid = payload.get("id", payload.get("@id"))
    if eid is not None:
        check_uri(eid, "entity id")
    raw_type = payload.get("type", payload.get("@type"))
    if raw_type is None and require_type:
        raise BadRequestData("entity type is missing")
    types = expand_types(raw_type, terms) if raw_type is not None else []
    scope = expand_scope(payload["scope"]) if "scope" in payload else None
    attrs: dict[str, list[Instance]] = {}
    for name, raw in payload.items():
        if name in ENTITY_RESERVED:
            continue
        iri = terms.expand_attr(check_name(name))
        items = (
            raw
            if isinstance(raw, list) and raw and all(isinstance(x, dict) for x in raw)
            else [raw]
        )
        attrs[iri] = [expand_instance(name, x, terms, now=now) for x in items]
    return eid, types, scope, attrs


@lru_cache(maxsize=8192)
def _instant(text: str) -> float:
    """Seconds since 1970 of an observedAt (validated on the way in; no zone: UTC)."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


def newer(inst: Instance, held: Instance) -> bool:
    """Whether ``inst`` supersedes ``held`` in the current state: it has no observedAt
    (a plain update), ``held`` has none, or it was observed at the same time or later
    (instants compared, whatever their time zones)."""
    now, then = inst.get("observedAt"), held.get("observedAt")
    if not isinstance(now, str) or not isinstance(then, str):
        return True
    return _instant(now) >= _instant(then)


def latest(instances: Sequence[Instance]) -> list[Instance]:
    """Per datasetId, the most recent instance (by observedAt, else the last given): what
    the current state of the entity holds."""
    best: dict[str | None, Instance] = {}
    for inst in instances:
        ds = inst.get("datasetId")
        held = best.get(ds)
        if held is None or newer(inst, held):
            best[ds] = inst
    return list(best.values())


def merge_latest(entity: Entity, attrs: dict[str, list[Instance]]) -> None:
    """Give the current state each attribute's most recent instance per datasetId,
    unless it already holds a more recent one."""
    for iri, instances in attrs.items():
        held = entity["attrs"].setdefault(iri, [])
        for inst in latest(instances):
            ds = inst.get("datasetId")
            at = next((n for n, h in enumerate(held) if h.get("datasetId") == ds), None)
            if at is None:
                held.append(inst)
            elif newer(inst, held[at]):
                held[at] = inst


def _time(inst: dict[str, Any], timeproperty: str) -> str:
    if timeproperty == "deletedAt":
        return str(inst.get("deletedAt") or iso(inst["_t"]))
    if timeproperty == "observedAt" and "observedAt" in inst:
        return str(inst["observedAt"])
    return iso(inst[_TIME_MEMBER[timeproperty]])


def _normalized(inst: dict[str, Any], terms: CompactTerms, view: View) -> dict[str, Any]:
    out = render_instance(inst, terms, View(sys_attrs=False, lang=view.lang))
    if not isinstance(out, dict):
        out = {"value": out}
    out["instanceId"] = inst["instanceId"]
    if "deletedAt" in inst:
        out["deletedAt"] = inst["deletedAt"]
    if view.sys_attrs:
        out["createdAt"] = iso(inst["_created"])
        out["modifiedAt"] = iso(inst["_modified"])
    return out


def _simplified(instances: list[dict[str, Any]], terms: CompactTerms, timeproperty: str) -> Any:
    """One attribute in the simplified form: one object per datasetId, holding the
    [value, time] pairs; a single object when there is one datasetId."""
    groups: dict[str | None, dict[str, Any]] = {}
    for inst in instances:
        ds = inst.get("datasetId")
        kind = inst["type"]
        group = groups.get(ds)
        if group is None:
            group = groups[ds] = {"type": kind}
            if ds is not None:
                group["datasetId"] = ds
            group[SIMPLIFIED_KEY.get(kind, "values")] = []
        vm = VALUE_MEMBER.get(kind, "value")
        value = render_instance(inst, terms, View()).get(vm)
        # these kinds keep their member name, the others are bare values
        item = (
            {vm: value} if kind in ("LanguageProperty", "JsonProperty", "VocabProperty") else value
        )
        group[SIMPLIFIED_KEY.get(kind, "values")].append([item, _time(inst, timeproperty)])
    values = list(groups.values())
    return values[0] if len(values) == 1 else values


def render(
    te: TemporalEntityLike,
    terms: CompactTerms,
    view: View,
    *,
    shape: str,
    timeproperty: str = "observedAt",
    kept: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """One entity's history as the client asked: ``shape`` is normalized,
    temporalValues or aggregatedValues. Attributes in ``kept`` stay even when empty
    (emptied by pagination)."""
    from isanhub.core.projection import keeps

    out: dict[str, Any] = {}
    if keeps("id", view.pick, view.omit):
        out["id"] = te.id
    if keeps("type", view.pick, view.omit) and te.types:
        types = [terms.compact_type(t) for t in te.types]
        out["type"] = types[0] if len(types) == 1 else types
    if shape == "aggregatedValues":
        labels: dict[int, str] = {}  # a period's end is the next one's start: format once

        def label(us: int) -> str:
            text = labels.get(us)
            if text is None:
                text = labels[us] = iso(us)
            return text

        for iri, methods in te.buckets.items():
            if keeps(iri, view.pick, view.omit):
                body: dict[str, Any] = {"type": "Property"}
                for method, rows in methods.items():
                    body[method] = [[v, label(start), label(end)] for v, start, end in rows]
                out[terms.compact_attr(iri)] = body
        return out
    for iri, instances in te.attrs.items():
        if not keeps(iri, view.pick, view.omit) or (not instances and iri not in kept):
            continue
        name = terms.compact_attr(iri)
        if shape == "temporalValues":
            if instances:
                out[name] = _simplified(instances, terms, timeproperty)
            else:
                out[name] = {"type": "Property", "values": []}
        else:
            out[name] = [_normalized(i, terms, view) for i in instances]
    return out


def paginate(
    entities: Sequence[Any],
    full: Sequence[tuple[Any, Any, list[int]]],
    *,
    timerel: str | None,
    time_at: int | None,
    end_time_at: int | None,
    last_n: int | None,
    time_key: str,
) -> str | None:
    """Cut every entity's instances to the range every full page covers; the
    Content-Range header value, or None when no attribute filled its page.

    Without lastN pages run oldest first: the range ends at the earliest last instance
    of the full pages. With lastN they run newest first: it ends at the latest first
    instance. The range starts at timeAt (endTimeAt for between with lastN), else at
    the oldest (newest with lastN) instance answered."""
    if not full:
        return None
    times = [i[time_key] for te in entities for insts in te.attrs.values() for i in insts]
    if last_n is None:
        end = min(ts[-1] for _te, _a, ts in full)
        start = time_at if timerel in ("after", "between") and time_at is not None else min(times)
        inside = lambda t: t <= end  # noqa: E731
    else:
        end = max(ts[0] for _te, _a, ts in full)
        if timerel == "before" and time_at is not None:
            start = time_at
        elif timerel == "between" and end_time_at is not None:
            start = end_time_at
        else:
            start = max(times)
        inside = lambda t: t >= end  # noqa: E731
    for te in entities:
        for iri in list(te.attrs):
            te.attrs[iri] = [i for i in te.attrs[iri] if inside(i[time_key])]
    size = str(last_n) if last_n is not None else "*"
    return f"date-time {iso(start)}-{iso(end)}/{size}"
