"""SQL generation for entity queries, shared by the SQL backends.

A query becomes one SELECT over ``entities`` that narrows candidates with indexes (types,
ids, attribute values, bounding boxes) and returns them in creation order. What SQL cannot
decide exactly (most of ``q``, exact geometry relations) is left as a *residual* that the
backend evaluates on the decoded documents, so results are always exact and SQL only
makes them fast. ``Plan.exact`` tells the backend it may page and count in SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from isanhub.core import qlang
from isanhub.core.errors import TooComplexQuery
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
    count_params: list[Any] = field(default_factory=list)
    residual: list[Callable[[dict[str, Any]], bool]] = field(default_factory=list)


#: q comparisons pushed into SQL at most (the rest are left to the evaluator): SQLite
#: limits the depth of an expression tree
MAX_PUSHDOWN = 16
MAX_TYPE_TERMS = 400  #: type names in a type expression (in DNF) at most
MAX_IDS = 10_000  #: entity ids in one query at most (each is a bound parameter)
_INT64 = (-(2**63), 2**63 - 1)


def _is_number(v: Any) -> bool:
    """A number SQLite can bind (ints beyond 64 bits are left to the evaluator)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return not isinstance(v, int) or _INT64[0] <= v <= _INT64[1]


def _pushdown(node: Any, name_id: NameId, where: list[str], params: list[Any]) -> bool:
    """Add index conditions for the simple comparisons of ``node``: a superset of the
    matches. True when they decide the whole q exactly (only existence tests).

    The attribute rows hold scalar Property values and Relationship objects; an instance
    whose value is not indexed (compound values, LanguageProperty, ...) has a NULL row,
    which always passes here so that the evaluator decides."""
    triples = qlang.simple_comparisons(node) if node is not None else None
    if triples is None:
        return False
    exact = len(triples) <= MAX_PUSHDOWN
    for attr, op, value in triples[:MAX_PUSHDOWN]:
        nid = name_id(attr)
        if nid is None:
            where.append("0")
            return True
        base = "EXISTS (SELECT 1 FROM attrs a WHERE a.rid = e.rid AND a.name = ?"
        params.append(nid)
        if op == "exists":
            where.append(base + ")")
            continue
        exact = False
        sql_op = _NUM_OPS.get(op)
        if _is_number(value) and sql_op:
            where.append(base + f" AND (a.val IS NULL OR a.val {sql_op} ?))")
            params.append(value)
        elif (
            op == "=="
            and isinstance(value, qlang.Range)
            and _is_number(value.low)
            and _is_number(value.high)
        ):
            where.append(base + " AND (a.val IS NULL OR a.val BETWEEN ? AND ?))")
            params.extend((value.low, value.high))
        elif op == "==" and isinstance(value, str):
            where.append(base + " AND (a.val IS NULL OR a.val = ?))")
            params.append(value)
        elif (
            op == "=="
            and isinstance(value, tuple)
            and all(_is_number(v) or isinstance(v, str) for v in value)
        ):
            where.append(base + f" AND (a.val IS NULL OR a.val IN ({','.join('?' * len(value))})))")
            params.extend(value)
        else:
            where.append(base + ")")  # the attribute must at least exist
    return exact


def _json_path(path: tuple[str, ...]) -> str:
    """The JSON path of an orderBy member in the stored document (first instance)."""
    out = f'$.attrs."{path[0]}"[0]'
    for name in path[1:]:
        if name in qlang.METADATA:
            return out + "." + name
        out += f'.attrs."{name}"'
    return out


def _order_clause(query: Query, rid: str) -> tuple[str, str, list[Any]]:
    """(extra SELECT columns, ORDER BY, their parameters) for query.order_by: entities
    without the member last, then creation order. Each sort key is computed once, as a
    result column (k0, k1, ...) the ORDER BY names."""
    columns: list[str] = []
    keys: list[str] = []
    params: list[Any] = []
    for n, (path, desc) in enumerate(query.order_by or ()):
        if path[0] == "id":
            paths = []
        elif path[0] in ("type", "createdAt", "modifiedAt"):
            paths = ["$.type[0]" if path[0] == "type" else "$." + path[0]]
        elif len(path) > 1 and path[-1] in qlang.METADATA:
            paths = [_json_path(path)]
        else:
            paths = [_json_path(path) + "." + m for m in _VALUE_MEMBERS]
        expr = "coalesce(" + ", ".join("json_extract(e.doc, ?)" for _ in paths) + ", NULL)"
        columns.append(f", {expr if paths else 'e.eid'} AS k{n}")
        keys.append(f"k{n} IS NULL, k{n}{' DESC' if desc else ''}")
        params.extend(paths)
    keys.append(rid)
    return "".join(columns), "ORDER BY " + ", ".join(keys), params


_VALUE_MEMBERS = ("value", "object", "vocab")


def _type_groups(query: Query, name_id: NameId) -> list[list[int]] | None:
    """The type expression as groups of interned ids (None: no type filter; an empty
    list: no group can match, a type the store never saw)."""
    if not query.types:
        return None
    if sum(len(g) for g in query.types) > MAX_TYPE_TERMS:
        raise TooComplexQuery(f"the type expression names more than {MAX_TYPE_TERMS} types")
    out = []
    for group in query.types:
        ids = [name_id(t) for t in group]
        if all(i is not None for i in ids):
            out.append([i for i in ids if i is not None])
    return out


def _types_in(groups: list[list[int]], tenant: int, rid: str) -> tuple[str, list[Any]]:
    """SQL true when the entity ``rid`` matches one of the type groups."""
    singles = [g[0] for g in groups if len(g) == 1]
    ors: list[str] = []
    params: list[Any] = []
    one = "EXISTS (SELECT 1 FROM entity_types t WHERE t.tenant = ? AND t.type {} AND t.rid = {})"
    if singles:
        ors.append(one.format(f"IN ({','.join('?' * len(singles))})", rid))
        params += [tenant, *singles]
    for g in groups:
        if len(g) > 1:
            ors.append("(" + " AND ".join(one.format("= ?", rid) for _ in g) + ")")
            params += [p for i in g for p in (tenant, i)]
    return "(" + " OR ".join(ors) + ")", params


def _types_rids(groups: list[list[int]], tenant: int) -> tuple[str, list[Any]]:
    """A SELECT of the rids of the entities matching one of the type groups."""
    singles = [g[0] for g in groups if len(g) == 1]
    arms: list[str] = []
    params: list[Any] = []
    one = "SELECT rid FROM entity_types WHERE tenant = ? AND type {}"
    if singles:
        arms.append(one.format(f"IN ({','.join('?' * len(singles))})"))
        params += [tenant, *singles]
    for g in groups:
        if len(g) > 1:
            # parenthesised: SQLite applies UNION and INTERSECT left to right
            arms.append(f"SELECT rid FROM ({' INTERSECT '.join(one.format('= ?') for _ in g)})")
            params += [p for i in g for p in (tenant, i)]
    return " UNION ".join(arms), params


def _equality(query: Query, name_id: NameId) -> tuple[int, list[Any]] | None:
    """(attribute id, values) of an ``attr==value`` conjunct of q that can drive the
    query from the value index; None when q has none."""
    triples = qlang.simple_comparisons(query.q) if query.q is not None else None
    for attr, op, value in triples or ():
        values = value if isinstance(value, tuple) else (value,)
        if op == "==" and all(_is_number(v) or isinstance(v, str) for v in values):
            nid = name_id(attr)
            if nid is not None:
                return nid, list(values)
    return None


class _Where:
    def __init__(self) -> None:
        self.terms: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.terms.append(sql)
        self.params.extend(params)


def plan_query(query: Query, tenant: int, name_id: NameId) -> Plan:
    """Build the candidate SELECT (rid, doc, sort keys...) for ``query`` in ``tenant``.

    One source drives the scan, chosen for selectivity and so that rows come in rid
    order without sorting (a LIMIT then stops early): the ids, the R-tree box of a
    geo-query, an ``attr==value`` of q (value index), a single type (entity_types is
    clustered by type then rid), several types, else the whole tenant in rid order.
    Every other filter is checked per candidate through a primary key."""
    groups = _type_groups(query, name_id)
    if groups == []:
        return Plan("", [], exact=True, empty=True)
    geo_id = name_id(query.geo.geoproperty) if query.geo is not None else None
    if query.geo is not None and geo_id is None:
        return Plan("", [], exact=True, empty=True)
    box = query.geo.candidate_bbox() if query.geo is not None else None
    equality = _equality(query, name_id) if not query.ids and box is None else None
    w = _Where()
    source, rid = "entities e", "e.rid"
    type_checked = False
    if query.ids and len(query.ids) > MAX_IDS:
        raise TooComplexQuery(f"at most {MAX_IDS} entity ids per query")
    if query.ids:
        w.add(f"e.tenant = ? AND e.eid IN ({','.join('?' * len(query.ids))})", tenant, *query.ids)
    elif box is not None:
        w.add(
            "+e.tenant = ? AND e.rid IN (SELECT rid FROM geo WHERE name = ?"
            " AND maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?)",
            tenant, geo_id, box[0], box[2], box[1], box[3],
        )  # fmt: skip
    elif equality is not None:
        nid, values = equality
        w.add(
            f"+e.tenant = ? AND e.rid IN (SELECT rid FROM attrs WHERE name = ? AND val IN"
            f" ({','.join('?' * len(values))}) UNION SELECT rid FROM attrs WHERE name = ?"
            " AND val IS NULL)",
            tenant, nid, *values, nid,
        )  # fmt: skip
    elif groups is not None and len(groups) == 1 and len(groups[0]) == 1:
        source, rid = "entity_types t JOIN entities e ON e.rid = t.rid", "t.rid"
        w.add("t.tenant = ? AND t.type = ?", tenant, groups[0][0])
        type_checked = True
    elif groups is not None:
        rids, params = _types_rids(groups, tenant)
        w.add(f"+e.tenant = ? AND e.rid IN ({rids})", tenant, *params)
        type_checked = True
    else:
        w.add("+e.tenant = ?", tenant)
    if groups is not None and not type_checked:
        check, params = _types_in(groups, tenant, "e.rid")
        w.add(check, *params)
    if query.id_pattern:
        w.add("e.eid REGEXP ?", query.id_pattern)
    if query.attrs:
        ids = [i for i in (name_id(a) for a in query.attrs) if i is not None]
        if not ids:
            return Plan("", [], exact=True, empty=True)
        w.add(
            "EXISTS (SELECT 1 FROM attrs a WHERE a.rid = e.rid AND a.name IN"
            f" ({','.join('?' * len(ids))}))",
            *ids,
        )
    exact = _pushdown(query.q, name_id, w.terms, w.params) if query.q is not None else True
    if query.geo is not None:
        exact = False
        if box is None:  # the evaluator decides; the entity needs the geoproperty
            w.add("EXISTS (SELECT 1 FROM attrs a WHERE a.rid = e.rid AND a.name = ?)", geo_id)
    if query.scope_q is not None:
        exact = False
        w.add("json_extract(e.doc, '$.scope') IS NOT NULL")
    cond = " AND ".join(w.terms)
    columns, order, order_params = _order_clause(query, rid)
    return Plan(
        sql=f"SELECT e.rid, e.doc{columns} FROM {source} WHERE {cond} {order}",
        params=order_params + w.params,
        exact=exact,
        count_sql=f"SELECT count(*) FROM {source} WHERE {cond}",
        count_params=w.params,
    )


def regexp(pattern: str, value: str | None) -> bool:
    """The REGEXP function SQLite lacks; idPattern is a Python-compatible regex."""
    if value is None:
        return False
    return _compiled(pattern).search(value) is not None


#: idPattern runs once per candidate row: compile each pattern once
_compiled = functools.lru_cache(maxsize=256)(re.compile)
