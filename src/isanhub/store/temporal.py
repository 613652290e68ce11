"""Queries of the history (store.history), shared by the SQL backends: the statements,
and what is done with their rows.

A temporal query runs in three steps, each one statement:

1. ``candidates``: the entities whose history matches the type and id filters, in
   creation order, with their current document (q, geo-queries and scopeQ are decided
   on the current state, in Python, as for ordinary queries);
2. ``instances``: for a chunk of candidates, the instances in the time window, at most
   ``lastN`` or one page per attribute (a window function), oldest first;
3. ``buckets`` instead of 2 for aggregated values: one row per entity, attribute and
   period, computed by GROUP BY in the database.

The backend runs the statements; everything else is here.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any

import orjson

from isanhub.core import qlang, scopeq
from isanhub.core.model import Entity
from isanhub.store.base import Query
from isanhub.store.history import INSTANCE_PREFIX, month_number, month_start
from isanhub.store.sql import Dialect, NameId, regexp

_loads = orjson.loads
#: the column of each time property, and the extra condition it brings
TIME_COLUMNS = {
    "observedAt": ("t", "NOT i.deleted"),
    "createdAt": ("created", "NOT i.deleted"),
    "modifiedAt": ("modified", "NOT i.deleted"),
    "deletedAt": ("t", "i.deleted"),
}
METHODS = ("totalCount", "distinctCount", "sum", "avg", "min", "max", "stddev", "sumsq")


@dataclass(frozen=True)
class Aggregation:
    """aggregatedValues: the methods, and the period (``months`` for calendar periods,
    else ``period`` microseconds)."""

    methods: tuple[str, ...]
    period: int = 0
    months: int = 0


@dataclass
class TemporalQuery:
    """A query of the history, every name expanded, times in µs since 1970 UTC."""

    entities: Query  #: types, ids, idPattern, q, geo, scopeQ, paging, orderBy
    attrs: frozenset[str] | None = None  #: the attributes whose instances are wanted
    dataset_ids: frozenset[str | None] | None = None
    timeproperty: str = "observedAt"
    timerel: str | None = None  #: before | after | between
    time_at: int | None = None
    end_time_at: int | None = None
    last_n: int | None = None
    page: int | None = None  #: instances per attribute before the answer is paginated
    aggregation: Aggregation | None = None


@dataclass
class Candidate:
    hid: int
    eid: str
    doc: Entity | None  #: the current state; None once deleted


@dataclass
class TemporalEntity:
    """One entity's history: its instances (dicts in normal form plus ``instanceId``,
    and the system times) or buckets per attribute."""

    hid: int
    id: str
    types: list[str] = field(default_factory=list)
    attrs: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    #: aggregated values: attribute -> method -> [[value, start µs, end µs], ...]
    buckets: dict[Any, dict[str, list[list[Any]]]] = field(default_factory=dict)
    #: attributes whose page filled (pagination), with their instance times (µs)
    full: dict[Any, list[int]] = field(default_factory=dict)


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (?, ...)`` and its parameters."""
    return f"{column} IN ({','.join('?' * len(values))})", list(values)


def candidates(tq: TemporalQuery, name_id: NameId, d: Dialect) -> tuple[str, list[Any]] | None:
    """SELECT hid, eid, current document of the entities matching types and ids (None:
    nothing can match)."""
    q = tq.entities
    where: list[str] = []
    params: list[Any] = []
    cond, p = d.tenant("h")
    if cond:
        where.append(cond)
        params += p
    if q.ids:
        sql, p = in_list("h.eid", q.ids)
        where.append(sql)
        params += p
    if q.types:
        ors = []
        for group in q.types:
            ids = [name_id(t) for t in group]
            if any(i is None for i in ids):
                continue
            ands = []
            for i in ids:
                cond, p = d.tenant("ht")
                ands.append(
                    f"EXISTS (SELECT 1 FROM {d.table('hist_types')} ht WHERE ht.hid = h.hid"
                    f" AND ht.type = ?{' AND ' + cond if cond else ''})"
                )
                params += [i, *p]
            ors.append("(" + " AND ".join(ands) + ")")
        if not ors:
            return None
        where.append("(" + " OR ".join(ors) + ")")
    cond, p = d.tenant("e")
    join = f"e.eid = h.eid{' AND ' + cond if cond else ''}"
    params = p + params
    return d.finish(
        f"SELECT h.hid, h.eid, e.doc FROM {d.table('hist_entities')} h"
        f" LEFT JOIN {d.table('entities')} e ON {join}"
        f" WHERE {' AND '.join(where) or 'TRUE'} ORDER BY h.hid"
    ), params


def keep(tq: TemporalQuery, eid: str, doc: Entity | None) -> bool:
    """Whether a candidate passes idPattern, q, geo and scopeQ (on its current state)."""
    q = tq.entities
    if q.id_pattern and not regexp(q.id_pattern, eid):
        return False
    if q.q is None and q.geo is None and q.scope_q is None:
        return True
    if doc is None:
        return False
    if q.q is not None and not qlang.evaluate(q.q, doc):
        return False
    if q.geo is not None and not any(
        inst["type"] == "GeoProperty" and q.geo.matches(inst["value"])
        for inst in doc["attrs"].get(q.geo.geoproperty, [])
    ):
        return False
    return q.scope_q is None or scopeq.matches(q.scope_q, doc.get("scope"))


def _window(tq: TemporalQuery, column: str) -> tuple[str, list[Any]]:
    """The time condition of the query on ``column``."""
    if tq.timerel == "before":
        return f"i.{column} < ?", [tq.time_at]
    if tq.timerel == "after":
        return f"i.{column} >= ?", [tq.time_at]
    if tq.timerel == "between":
        return f"i.{column} >= ? AND i.{column} < ?", [tq.time_at, tq.end_time_at]
    return "", []


def _filters(
    tq: TemporalQuery, hids: Sequence[int], names: Sequence[int] | None
) -> tuple[list[str], list[Any], str]:
    column, extra = TIME_COLUMNS[tq.timeproperty]
    sql, params = in_list("i.hid", hids)
    where = [sql, extra]
    if names is not None:
        sql, p = in_list("i.name", names)
        where.append(sql)
        params += p
    if tq.dataset_ids is not None:
        named = [x for x in tq.dataset_ids if x is not None]
        ors = []
        if named:
            sql, p = in_list("i.dataset", named)
            ors.append(sql)
            params += p
        if None in tq.dataset_ids:
            ors.append("i.dataset IS NULL")
        where.append("(" + " OR ".join(ors) + ")")
    sql, p = _window(tq, column)
    if sql:
        where.append(sql)
        params += p
    return where, params, column


def instances(
    tq: TemporalQuery, hids: Sequence[int], names: Sequence[int] | None, d: Dialect
) -> tuple[str, list[Any]]:
    """SELECT hid, name, iid, t, created, modified, deleted, doc of the instances of the
    candidates ``hids`` (attributes ``names``, None: all) in the window: at most lastN
    (the newest) or one page (the oldest, or the newest with lastN) per attribute."""
    where, params, column = _filters(tq, hids, names)
    cols = "i.hid, i.name, i.iid, i.t, i.created, i.modified, i.deleted, i.doc"
    limit = _limit(tq)
    source = f"{d.table('instances')} i WHERE {' AND '.join(where)}"
    if limit is None:
        return d.finish(
            f"SELECT {cols} FROM {source} ORDER BY i.hid, i.name, i.{column}, i.iid"
        ), params
    order = f"i.{column} DESC, i.iid DESC" if tq.last_n is not None else f"i.{column}, i.iid"
    return d.finish(
        f"SELECT hid, name, iid, t, created, modified, deleted, doc FROM (SELECT {cols},"
        f" i.{column} AS at, row_number() OVER (PARTITION BY i.hid, i.name ORDER BY {order})"
        f" AS rn FROM {source}) AS i WHERE rn <= ? ORDER BY hid, name, at, iid"
    ), [*params, limit + 1 if _paged(tq) else limit]  # one more: is the page full?


#: the SQL aggregates each method needs (by column name; shared ones are computed once)
_AGGREGATES = {
    "totalCount": ("n",),
    "distinctCount": ("distinct",),
    "sum": ("sum", "numbers"),
    "avg": ("avg",),
    "min": ("min", "min_val"),
    "max": ("max", "max_val"),
    "stddev": ("sum", "squares", "numbers"),
    "sumsq": ("squares", "numbers"),
}
_COLUMNS = {
    "n": "count(*)",
    "distinct": "count(DISTINCT i.val)",
    "sum": "sum(i.num)",
    "avg": "avg(i.num)",
    "min": "min(i.num)",
    "max": "max(i.num)",
    # min and max of other values: texts (names, dates) only, not objects such as geometries
    "min_val": "min(CASE WHEN substr(i.val, 1, 1) = '\"' THEN i.val END)",
    "max_val": "max(CASE WHEN substr(i.val, 1, 1) = '\"' THEN i.val END)",
    "squares": "sum(i.num * i.num)",
    "numbers": "count(i.num)",
}


def bucket_columns(methods: Sequence[str]) -> list[str]:
    """The aggregate columns (names of _COLUMNS) the methods need, in a fixed order."""
    wanted = {c for m in methods for c in _AGGREGATES[m]}
    return [c for c in _COLUMNS if c in wanted]


def buckets(
    tq: TemporalQuery,
    hids: Sequence[int],
    names: Sequence[int] | None,
    origin: int,
    d: Dialect,
) -> tuple[str, list[Any]]:
    """SELECT hid, name, period number, the newest time in it, then the aggregates the
    methods need (bucket_columns): one row per entity, attribute and period that has
    instances."""
    assert tq.aggregation is not None
    where, params, column = _filters(tq, hids, names)
    if tq.aggregation.months:
        bucket = f"({d.month_number(f'i.{column}')} - ?) / ?"
        bparams = [month_number(origin), tq.aggregation.months]
    else:
        bucket = f"(i.{column} - ?) / ?"
        bparams = [origin, tq.aggregation.period]
    aggregates = ", ".join(_COLUMNS[c] for c in bucket_columns(tq.aggregation.methods))
    return d.finish(
        f"SELECT i.hid, i.name, {bucket} AS b, max(i.{column}), {aggregates}"
        f" FROM {d.table('instances')} i WHERE {' AND '.join(where)}"
        " GROUP BY i.hid, i.name, b ORDER BY i.hid, i.name, b"
    ), [*bparams, *params]


def oldest(
    tq: TemporalQuery, hids: Sequence[int], names: Sequence[int] | None, d: Dialect
) -> tuple[str, list[Any]]:
    """SELECT the time of the oldest instance in the window (the default origin of
    aggregation periods)."""
    where, params, column = _filters(tq, hids, names)
    return d.finish(
        f"SELECT min(i.{column}) FROM {d.table('instances')} i WHERE {' AND '.join(where)}"
    ), params


def instance_dict(row: Sequence[Any], iid_prefix: str) -> dict[str, Any]:
    """An instance row as the instance (normal form) plus instanceId and system times."""
    _hid, _name, iid, t, created, modified, _deleted, doc = row[:8]
    inst: dict[str, Any] = _loads(doc)
    inst["instanceId"] = f"{iid_prefix}{iid}"
    inst["_t"] = t
    inst["_created"] = created
    inst["_modified"] = modified
    return inst


def sort_key(order_by: Sequence[tuple[tuple[str, ...], bool]]) -> Callable[[Candidate], Any]:
    """A sort key of candidates for orderBy, on their current state (missing last)."""

    def member(c: Candidate, path: tuple[str, ...]) -> Any:
        doc = c.doc or {}
        if path[0] == "id":
            return c.eid
        if path[0] in ("createdAt", "modifiedAt"):
            return doc.get(path[0])
        if path[0] == "type":
            return (doc.get("type") or [None])[0]
        node: Any = (doc.get("attrs", {}).get(path[0]) or [None])[0]
        for name in path[1:]:
            if node is None:
                return None
            if name in qlang.METADATA:
                return node.get(name)
            node = node.get("attrs", {}).get(name)
        if node is None:
            return None
        for m in ("value", "object", "vocab"):
            if m in node:
                return node[m]
        return None

    def key(c: Candidate) -> Any:
        out: list[tuple[int, int, Any]] = []
        for path, desc in order_by:
            v = member(c, path)
            rank = 0 if isinstance(v, int | float) and not isinstance(v, bool) else 1
            if v is None or not isinstance(v, int | float | str) or isinstance(v, bool):
                out.append((2, 0, ""))  # missing (or not orderable): last either way
                continue
            out.append((0, -rank if desc else rank, _Desc(v) if desc else v))
        return tuple(out)

    return key


class _Desc:
    """Reverses the order of one value inside an ascending sort key."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.v < self.v)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v


#: runs one statement: its rows
Run = Callable[[str, list[Any]], Awaitable[list[tuple[Any, ...]]]]
#: the IRIs of interned name ids
Names = Callable[[Sequence[int]], Awaitable[dict[int, str]]]
CHUNK = 500  #: candidates whose instances are read with one statement


async def execute(
    tq: TemporalQuery, name_id: NameId, names: Names, d: Dialect, run: Run
) -> tuple[list[TemporalEntity], int | None]:
    """The page of entities (with instances or buckets) a temporal query asks for, and
    their number when ``count`` is asked; entities without instances in the window are
    left out."""
    found = candidates(tq, name_id, d)
    if found is None:
        return [], 0 if tq.entities.count else None
    attr_ids: list[int] | None = None
    if tq.attrs is not None:
        attr_ids = [i for i in (name_id(a) for a in tq.attrs) if i is not None]
        if not attr_ids:
            return [], 0 if tq.entities.count else None
    rows = await run(*found)
    pool = [Candidate(hid, eid, _loads(doc) if doc else None) for hid, eid, doc in rows]
    pool = [c for c in pool if keep(tq, c.eid, c.doc)]
    if tq.entities.order_by:
        pool.sort(key=sort_key(tq.entities.order_by))
    q = tq.entities
    wanted = None if q.count else q.offset + q.limit
    out: list[TemporalEntity] = []
    matched = 0
    for start in range(0, len(pool), CHUNK):
        chunk = pool[start : start + CHUNK]
        by_hid = await _read(tq, chunk, attr_ids, d, run)
        for c in chunk:
            got = by_hid.get(c.hid)
            if got is None:
                continue
            matched += 1
            if q.offset < matched <= q.offset + q.limit:
                out.append(got)
        if wanted is not None and matched >= wanted:
            break
    await _name(out, names, d, run)
    return out, matched if q.count else None


async def _read(
    tq: TemporalQuery, chunk: list[Candidate], attr_ids: list[int] | None, d: Dialect, run: Run
) -> dict[int, TemporalEntity]:
    """The history of a chunk of candidates, by hid (absent: nothing in the window).
    Attribute keys are name ids here; ``_name`` turns them into IRIs."""
    hids = [c.hid for c in chunk]
    eids = {c.hid: c.eid for c in chunk}
    out: dict[int, TemporalEntity] = {}
    agg = tq.aggregation
    if agg is not None:
        columns = bucket_columns(agg.methods)
        origin = tq.time_at if tq.timerel in ("after", "between") else None
        if origin is None:
            (first,) = await run(*oldest(tq, hids, attr_ids, d))
            if first[0] is None:
                return out
            origin = int(first[0])
        whole = agg.period >= WHOLE
        getters = _getters(agg.methods, columns)
        key: tuple[int, int] | None = None
        lists: list[list[list[Any]]] = []
        for row in await run(*buckets(tq, hids, attr_ids, origin, d)):
            hid, name, b = row[0], row[1], int(row[2])
            if (hid, name) != key:  # rows come by entity and attribute: look up once each
                key = (hid, name)
                te = out.get(hid)
                if te is None:
                    te = out[hid] = TemporalEntity(hid, eids[hid])
                per = te.buckets.setdefault(name, {})
                lists = [per.setdefault(method, []) for method, _ in getters]
            if agg.months:
                start, end = _period(agg, origin, b)
            else:
                start = origin + b * agg.period
                end = (_window_end(tq) or int(row[3])) if whole else start + agg.period
            for (_method, get), values in zip(getters, lists, strict=True):
                value = get(row)
                if value is not _NONE:
                    values.append([value, start, end])
        for te in out.values():  # methods without any value (sum of strings) are left out
            filled = {n: {m: v for m, v in per.items() if v} for n, per in te.buckets.items()}
            te.buckets = {n: per for n, per in filled.items() if per}
        return out
    paged = _paged(tq)
    for row in await run(*instances(tq, hids, attr_ids, d)):
        hid, name = row[0], row[1]
        te = out.get(hid)
        if te is None:
            te = out[hid] = TemporalEntity(hid, eids[hid])
        te.attrs.setdefault(name, []).append(instance_dict(row, INSTANCE_PREFIX))
    if paged:
        at = {"created": "_created", "modified": "_modified"}.get(
            TIME_COLUMNS[tq.timeproperty][0], "_t"
        )
        for te in out.values():
            for name, insts in te.attrs.items():
                if len(insts) > (tq.page or 0):
                    te.attrs[name] = kept = _full_page(insts, at, newest=tq.last_n is not None)
                    te.full[name] = [i[at] for i in kept]
    return out


def _limit(tq: TemporalQuery) -> int | None:
    """Instances per attribute read at most: lastN, or the page when it is smaller."""
    return tq.last_n if tq.page is None else min(tq.page, tq.last_n or tq.page)


def _paged(tq: TemporalQuery) -> bool:
    """Whether the page, not lastN, bounds the instances read (then one more is read, to
    know whether the page is full)."""
    return tq.page is not None and _limit(tq) == tq.page


def _full_page(insts: list[dict[str, Any]], at: str, *, newest: bool) -> list[dict[str, Any]]:
    """A full page without the one instance read beyond it, nor the instances sharing
    its time: the next page starts at that time, so nothing falls between two pages
    (oldest first; with lastN, the newest ones)."""
    extra, kept = (insts[0], insts[1:]) if newest else (insts[-1], insts[:-1])
    shared = [i for i in kept if i[at] != extra[at]]
    return shared or kept  # all at one time: that time's page cannot be split


def _period(agg: Aggregation, origin: int, b: int) -> tuple[int, int]:
    """Start and end (µs) of period number ``b`` from ``origin``: calendar months from the
    origin's month, or fixed periods from the origin itself."""
    if agg.months:
        first = month_number(origin) + b * agg.months
        return month_start(first), month_start(first + agg.months)
    start = origin + b * agg.period
    return start, start + agg.period


#: an aggregation period this long is the whole window
WHOLE = 2**62


def _window_end(tq: TemporalQuery) -> int | None:
    if tq.timerel == "between":
        return tq.end_time_at
    return tq.time_at if tq.timerel == "before" else None


#: a method without a value in a period (sum of no numbers): nothing is listed
_NONE = object()


def _getters(
    methods: Sequence[str], columns: Sequence[str]
) -> list[tuple[str, Callable[[Sequence[Any]], Any]]]:
    """Per method, a function of a bucket row (columns after the 4 leading ones) giving
    its value or _NONE: an hourly aggregation over a year calls them 8,760 times."""
    at = {c: 4 + n for n, c in enumerate(columns)}
    out: list[tuple[str, Callable[[Sequence[Any]], Any]]] = []
    for m in methods:
        if m in ("totalCount", "distinctCount"):
            out.append((m, itemgetter(at["n" if m == "totalCount" else "distinct"])))
        elif m in ("min", "max"):
            out.append((m, partial(_extreme, at[m], at[f"{m}_val"])))
        elif m == "avg":
            out.append((m, partial(_present, at["avg"])))
        elif m in ("sum", "sumsq"):
            out.append(
                (m, partial(_numeric, at["sum" if m == "sum" else "squares"], at["numbers"]))
            )
        elif m == "stddev":
            out.append((m, partial(_stddev, at["sum"], at["squares"], at["numbers"])))
    return out


def _extreme(number: int, other: int, row: Sequence[Any]) -> Any:
    """min or max: of the numbers, else of the texts."""
    if row[number] is not None:
        return row[number]
    return _NONE if row[other] is None else _json(row[other])


def _present(at: int, row: Sequence[Any]) -> Any:
    return _NONE if row[at] is None else row[at]


def _numeric(at: int, numbers: int, row: Sequence[Any]) -> Any:
    return row[at] if row[numbers] else _NONE


def _stddev(total: int, squares: int, numbers: int, row: Sequence[Any]) -> Any:
    """The sample standard deviation from the sum, the sum of squares and the count."""
    n, s, q = row[numbers], row[total], row[squares]
    if not n or s is None or q is None:
        return _NONE
    return math.sqrt(max(0.0, (q - s * s / n) / (n - 1))) if n > 1 else 0.0


def _json(text: str | None) -> Any:
    return _loads(text) if text is not None else None


async def _name(out: list[TemporalEntity], names: Names, d: Dialect, run: Run) -> None:
    """Attribute name ids to IRIs, and every entity's types (all it ever had)."""
    if not out:
        return
    by_hid = {te.hid: te for te in out}
    sql, params = in_list("ht.hid", list(by_hid))
    cond, p = d.tenant("ht")
    rows = await run(
        d.finish(
            f"SELECT ht.hid, ht.type FROM {d.table('hist_types')} ht WHERE {sql}"
            f"{' AND ' + cond if cond else ''} ORDER BY ht.hid, ht.type"
        ),
        params + p,
    )
    ids = {t for _, t in rows}
    for te in out:
        ids.update(te.attrs, te.buckets)
    iris = await names(sorted(ids))
    for hid, t in rows:
        by_hid[hid].types.append(iris[t])
    for te in out:
        te.attrs = {iris[k]: v for k, v in te.attrs.items()}
        te.buckets = {iris[k]: v for k, v in te.buckets.items()}
        te.full = {iris[k]: v for k, v in te.full.items()}
