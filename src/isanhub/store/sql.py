"""SQL generation for entity queries, shared by the SQL backends.

A query becomes one SELECT over ``entities`` that narrows candidates with indexes (types,
ids, attribute values, bounding boxes) and returns them in creation order. What SQL cannot
decide exactly (most of ``q``, exact geometry relations) is left as a *residual* that the
backend evaluates on the decoded documents, so results are always exact and SQL only
makes them fast. ``Plan.exact`` tells the backend it may page and count in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from isanhub.core import qlang
from isanhub.store.base import Query

#: resolves an IRI to its interned integer id, or None when the store has never seen it
NameId = Callable[[str], int | None]

_NUM_OPS = {"==": "=", "!=": None, ">": ">", ">=": ">=", "<": "<", "<=": "<="}


@dataclass
class Plan:
    sql: str
    params: list[Any]
    exact: bool  # no residual: SQL alone decides membership
    empty: bool = False  # a name the store never saw: nothing can match
    count_sql: str = ""
    residual: list[Callable[[dict[str, Any]], bool]] = field(default_factory=list)


def _types_clause(query: Query, tenant: int, name_id: NameId, params: list[Any]) -> str | None:
    """SQL returning the rids of entities matching the type expression (None: no filter)."""
    if not query.types:
        return None
    groups: list[str] = []
    for group in query.types:
        ids = [name_id(t) for t in group]
        if any(i is None for i in ids):
            continue  # an unknown type: this group matches nothing
        parts = []
        for i in ids:
            parts.append("SELECT rid FROM entity_types WHERE tenant = ? AND type = ?")
            params.extend((tenant, i))
        groups.append(" INTERSECT ".join(parts))
    if not groups:
        return ""
    return " UNION ".join(groups)


def _pushdown(node: Any, name_id: NameId, where: list[str], params: list[Any]) -> bool:
    """Add index conditions for the simple comparisons of ``node``; True when they decide
    the whole q exactly (numbers compared, or strings tested for equality)."""
    triples = qlang.simple_comparisons(node) if node is not None else None
    if triples is None:
        return False
    exact = True
    for attr, op, value in triples:
        nid = name_id(attr)
        if nid is None:
            where.append("0")
            return True
        base = "EXISTS (SELECT 1 FROM attrs a WHERE a.rid = e.rid AND a.name = ?"
        if op == "exists":
            where.append(base + ")")
            params.append(nid)
        elif isinstance(value, int | float) and not isinstance(value, bool) and _NUM_OPS.get(op):
            where.append(base + f" AND a.val {_NUM_OPS[op]} ? AND typeof(a.val) IN ('integer','real'))")
            params.extend((nid, value))
        elif op == "range" and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            where.append(base + " AND a.val BETWEEN ? AND ? AND typeof(a.val) IN ('integer','real'))")
            params.extend((nid, value[0], value[1]))
        elif op == "==" and isinstance(value, str):
            where.append(base + " AND a.val = ?)")
            params.extend((nid, value))
        else:
            where.append(base + ")")  # the attribute must at least exist
            params.append(nid)
            exact = False
    return exact


def plan_query(query: Query, tenant: int, name_id: NameId) -> Plan:
    """Build the candidate SELECT (rid, doc) for ``query`` in tenant ``tenant``."""
    params: list[Any] = []
    where = ["e.tenant = ?"]
    params.append(tenant)
    exact = True
    types_sql = _types_clause(query, tenant, name_id, params)
    if types_sql == "":
        return Plan("", [], exact=True, empty=True)
    if types_sql:
        where.append(f"e.rid IN ({types_sql})")
    if query.ids:
        where.append(f"e.eid IN ({','.join('?' * len(query.ids))})")
        params.extend(query.ids)
    if query.id_pattern:
        where.append("e.eid REGEXP ?")
        params.append(query.id_pattern)
    if query.attrs:
        ids = [i for i in (name_id(a) for a in query.attrs) if i is not None]
        if not ids:
            return Plan("", [], exact=True, empty=True)
        where.append(
            f"EXISTS (SELECT 1 FROM attrs a WHERE a.rid = e.rid AND a.name IN ({','.join('?' * len(ids))}))"
        )
        params.extend(ids)
    if query.q is not None and not _pushdown(query.q, name_id, where, params):
        exact = False
    if query.geo is not None:
        exact = False
        gid = name_id(query.geo.geoproperty)
        if gid is None:
            return Plan("", [], exact=True, empty=True)
        box = query.geo.candidate_bbox()
        sub = "SELECT rid FROM geo WHERE name = ?"
        params.append(gid)
        if box is not None:
            sub += " AND maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?"
            params.extend((box[0], box[2], box[1], box[3]))
        where.append(f"e.rid IN ({sub})")
    if query.scope_q is not None:
        exact = False
    cond = " AND ".join(where)
    return Plan(
        sql=f"SELECT e.rid, e.doc FROM entities e WHERE {cond} ORDER BY e.rid",
        params=params,
        exact=exact,
        count_sql=f"SELECT count(*) FROM entities e WHERE {cond}",
    )


def regexp(pattern: str, value: str | None) -> bool:
    """The REGEXP function SQLite lacks; idPattern is a Python-compatible regex."""
    if value is None:
        return False
    return _compiled(pattern).search(value) is not None


_cache: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    p = _cache.get(pattern)
    if p is None:
        if len(_cache) > 256:
            _cache.clear()
        p = _cache[pattern] = re.compile(pattern)
    return p
