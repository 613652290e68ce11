"""SQL generation for entity queries, shared by the SQL backends.

A query becomes one SELECT over ``entities`` that narrows candidates with indexes (types,
ids, attribute values, bounding boxes) and returns them in creation order. What SQL cannot
decide exactly (most of ``q``, exact geometry relations) is left as a *residual* that the
backend evaluates on the decoded documents, so results are always exact and SQL only
makes them fast. ``Plan.exact`` tells the backend it may page and count in SQL.

The text is written once, with ``?`` placeholders, over four tables (``entities``,
``entity_types``, ``attrs``, ``geo``); a backend's ``Dialect`` says only what differs:
where a tenant's tables are, how a regular expression, a JSON member or a bounding box
is written, and how values are bound.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from isanhub.core import qlang
from isanhub.core.errors import TooComplexQuery
from isanhub.core.geo import GeoQuery
from isanhub.store.base import Query
from isanhub.store.index import indexable_text

#: resolves an IRI to its interned integer id, or None when the store has never seen it
NameId = Callable[[str], int | None]
#: a path into the stored document: member names and list positions
DocPath = tuple[str | int, ...]

_NUM_OPS = {"==": "=", "!=": None, ">": ">", ">=": ">=", "<": "<", "<=": "<="}


class Dialect:
    """What one backend writes differently, for one tenant. Methods return SQL with
    ``?`` placeholders and the parameters they bind."""

    def table(self, name: str) -> str:
        """The tenant's table ``name`` (entities, entity_types, attrs, geo)."""
        return name

    def tenant(self, alias: str, *, hint: bool = False) -> tuple[str, list[Any]]:
        """The condition restricting ``alias`` to the tenant ('' when the tables hold one
        tenant only). ``hint``: the condition must not drive the scan."""
        return "", []

    def regexp(self, column: str, pattern: str) -> tuple[str, list[Any]] | None:
        """``column`` matches the Python regex ``pattern``; None: decide in Python."""
        return None

    def member(self, path: DocPath) -> tuple[str, list[Any]]:
        """A member of the document ``e.doc``, comparable for ORDER BY, NULL when absent."""
        raise NotImplementedError

    def has_scope(self) -> str:
        """True for documents that may have a scope (a superset is fine)."""
        raise NotImplementedError

    def geo_candidates(self, name_id: int, geoq: GeoQuery, box: Any) -> tuple[str, list[Any]]:
        """A SELECT of the rids whose geometry ``name_id`` may satisfy ``geoq`` (its
        candidate bounding box is ``box``)."""
        raise NotImplementedError

    def month_number(self, column: str) -> str:
        """The calendar month (UTC) of a time column (µs since 1970) as 12 * year +
        month - 1, for aggregation periods in months."""
        raise NotImplementedError

    def value(self, v: Any) -> Any:
        """An attribute value as the ``attrs.val`` column binds it."""
        return v

    def finish(self, sql: str) -> str:
        """The statement in the driver's placeholder style."""
        return sql


@dataclass
class Plan:
    sql: str
    params: list[Any]
    exact: bool  # no residual: SQL alone decides membership
    empty: bool = False  # a name the store never saw: nothing can match
    count_sql: str = ""
    count_params: list[Any] = field(default_factory=list)
    #: idPattern the dialect could not write in SQL: checked on the candidates
    id_pattern: str | None = None


#: q comparisons pushed into SQL at most (the rest are left to the evaluator): SQLite
#: limits the depth of an expression tree
MAX_PUSHDOWN = 16
MAX_TYPE_TERMS = 400  #: type names in a type expression (in DNF) at most
MAX_IDS = 10_000  #: entity ids in one query at most (each is a bound parameter)
_INT64 = (-(2**63), 2**63 - 1)


def _is_number(v: Any) -> bool:
    """A number every backend can bind and compare (ints beyond 64 bits, infinities and
    NaN are left to the evaluator)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    if isinstance(v, float):
        return math.isfinite(v)
    return _INT64[0] <= v <= _INT64[1]


def _pushdown(node: Any, name_id: NameId, d: Dialect, where: list[str], params: list[Any]) -> bool:
    """Add index conditions for the simple comparisons of ``node``: a superset of the
    matches. True when they decide the whole q exactly (only existence tests).

    The attribute rows hold scalar Property values and Relationship objects; an instance
    whose value is not indexed (compound values, LanguageProperty, ...) has a NULL row,
    which always passes here so that the evaluator decides."""
    triples = qlang.simple_comparisons(node) if node is not None else None
    if triples is None:
        return False
    exact = len(triples) <= MAX_PUSHDOWN
    base = f"EXISTS (SELECT 1 FROM {d.table('attrs')} a WHERE a.rid = e.rid AND a.name = ?"
    for attr, op, value in triples[:MAX_PUSHDOWN]:
        nid = name_id(attr)
        if nid is None:
            where.append("1 = 0")
            return True
        params.append(nid)
        if op == "exists":
            where.append(base + ")")
            continue
        exact = False
        sql_op = _NUM_OPS.get(op)
        if _is_number(value) and sql_op:
            where.append(base + f" AND (a.val IS NULL OR a.val {sql_op} ?))")
            params.append(d.value(value))
        elif (
            op == "=="
            and isinstance(value, qlang.Range)
            and _is_number(value.low)
            and _is_number(value.high)
        ):
            where.append(base + " AND (a.val IS NULL OR a.val BETWEEN ? AND ?))")
            params.extend((d.value(value.low), d.value(value.high)))
        elif op == "==" and indexable_text(value):
            where.append(base + " AND (a.val IS NULL OR a.val = ?))")
            params.append(d.value(value))
        elif (
            op == "=="
            and isinstance(value, tuple)
            and all(_is_number(v) or indexable_text(v) for v in value)
        ):
            where.append(base + f" AND (a.val IS NULL OR a.val IN ({','.join('?' * len(value))})))")
            params.extend(d.value(v) for v in value)
        else:
            where.append(base + ")")  # the attribute must at least exist
    return exact


def _doc_path(path: tuple[str, ...]) -> DocPath:
    """Where an orderBy member is in the stored document (the first instance)."""
    out: list[str | int] = ["attrs", path[0], 0]
    for name in path[1:]:
        if name in qlang.METADATA:
            return (*out, name)
        out += ["attrs", name]  # a sub-attribute is one object, not a list
    return tuple(out)


_VALUE_MEMBERS = ("value", "object", "vocab")


def _order_clause(query: Query, rid: str, d: Dialect) -> tuple[str, str, list[Any]]:
    """(extra SELECT columns, ORDER BY, their parameters) for query.order_by: entities
    without the member last, then creation order. Each sort key is computed once, as a
    result column (k0, k1, ...) the ORDER BY names."""
    columns: list[str] = []
    keys: list[str] = []
    params: list[Any] = []
    for n, (path, desc) in enumerate(query.order_by or ()):
        if path[0] == "id":
            paths: list[DocPath] = []
        elif path[0] in ("type", "createdAt", "modifiedAt"):
            paths = [("type", 0) if path[0] == "type" else (path[0],)]
        elif len(path) > 1 and path[-1] in qlang.METADATA:
            paths = [_doc_path(path)]
        else:
            paths = [(*_doc_path(path), m) for m in _VALUE_MEMBERS]
        exprs = []
        for p in paths:
            expr, member_params = d.member(p)
            exprs.append(expr)
            params.extend(member_params)
        expr = "coalesce(" + ", ".join(exprs) + ", NULL)" if exprs else "e.eid"
        columns.append(f", {expr} AS k{n}")
        keys.append(f"k{n}{' DESC' if desc else ''} NULLS LAST")
    keys.append(rid)
    return "".join(columns), "ORDER BY " + ", ".join(keys), params


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


def _type_arm(d: Dialect, alias: str, test: str, tail: str = "") -> tuple[str, list[Any]]:
    cond, params = d.tenant(alias)
    where = f"{cond} AND " if cond else ""
    return f"{where}{alias}.type {test}{tail}", params


def _types_in(groups: list[list[int]], d: Dialect, rid: str) -> tuple[str, list[Any]]:
    """SQL true when the entity ``rid`` matches one of the type groups."""
    singles = [g[0] for g in groups if len(g) == 1]
    ors: list[str] = []
    params: list[Any] = []
    types = d.table("entity_types")

    def one(test: str, values: list[int]) -> str:
        cond, p = _type_arm(d, "t", test, f" AND t.rid = {rid}")
        params.extend(p + values)
        return f"EXISTS (SELECT 1 FROM {types} t WHERE {cond})"

    if singles:
        ors.append(one(f"IN ({','.join('?' * len(singles))})", singles))
    for g in groups:
        if len(g) > 1:
            ors.append("(" + " AND ".join(one("= ?", [i]) for i in g) + ")")
    return "(" + " OR ".join(ors) + ")", params


def _types_rids(groups: list[list[int]], d: Dialect) -> tuple[str, list[Any]]:
    """A SELECT of the rids of the entities matching one of the type groups."""
    singles = [g[0] for g in groups if len(g) == 1]
    arms: list[str] = []
    params: list[Any] = []
    types = d.table("entity_types")

    def one(test: str, values: list[int]) -> str:
        cond, p = _type_arm(d, "t", test)
        params.extend(p + values)
        return f"SELECT t.rid FROM {types} t WHERE {cond}"

    if singles:
        arms.append(one(f"IN ({','.join('?' * len(singles))})", singles))
    for g in groups:
        if len(g) > 1:
            # parenthesised: SQLite applies UNION and INTERSECT left to right
            both = " INTERSECT ".join(one("= ?", [i]) for i in g)
            arms.append(f"SELECT rid FROM ({both}) AS every_type")
    return " UNION ".join(arms), params


def _equality(query: Query, name_id: NameId) -> tuple[int, list[Any]] | None:
    """(attribute id, values) of an ``attr==value`` conjunct of q that can drive the
    query from the value index; None when q has none."""
    triples = qlang.simple_comparisons(query.q) if query.q is not None else None
    for attr, op, value in triples or ():
        values = value if isinstance(value, tuple) else (value,)
        if op == "==" and all(_is_number(v) or indexable_text(v) for v in values):
            nid = name_id(attr)
            if nid is not None:
                return nid, list(values)
    return None


class _Where:
    def __init__(self, dialect: Dialect) -> None:
        self.terms: list[str] = []
        self.params: list[Any] = []
        self.d = dialect

    def add(self, sql: str, *params: Any) -> None:
        if sql:
            self.terms.append(sql)
            self.params.extend(params)

    def tenant(self, alias: str, *, hint: bool = False) -> None:
        cond, params = self.d.tenant(alias, hint=hint)
        self.add(cond, *params)


def plan_query(query: Query, name_id: NameId, d: Dialect) -> Plan:
    """Build the candidate SELECT (rid, doc, sort keys...) for ``query`` in the tenant
    of the dialect ``d``.

    One source drives the scan, chosen for selectivity and so that rows come in rid
    order without sorting (a LIMIT then stops early): the ids, the spatial index for a
    geo-query, an ``attr==value`` of q (value index), a single type (entity_types is
    ordered by type then rid), several types, else the whole tenant in rid order.
    Every other filter is checked per candidate through a primary key."""
    groups = _type_groups(query, name_id)
    if groups == []:
        return Plan("", [], exact=True, empty=True)
    geo_id = name_id(query.geo.geoproperty) if query.geo is not None else None
    if query.geo is not None and geo_id is None:
        return Plan("", [], exact=True, empty=True)
    box = query.geo.candidate_bbox() if query.geo is not None else None
    equality = _equality(query, name_id) if not query.ids and box is None else None
    w = _Where(d)
    entities, types, attrs = d.table("entities"), d.table("entity_types"), d.table("attrs")
    source, rid = f"{entities} e", "e.rid"
    type_checked = False
    if query.ids and len(query.ids) > MAX_IDS:
        raise TooComplexQuery(f"at most {MAX_IDS} entity ids per query")
    if query.ids:
        w.tenant("e")
        w.add(f"e.eid IN ({','.join('?' * len(query.ids))})", *query.ids)
    elif box is not None:
        assert query.geo is not None and geo_id is not None
        w.tenant("e", hint=True)
        sub, params = d.geo_candidates(geo_id, query.geo, box)
        w.add(f"e.rid IN ({sub})", *params)
    elif equality is not None:
        nid, values = equality
        w.tenant("e", hint=True)
        w.add(
            f"e.rid IN (SELECT rid FROM {attrs} WHERE name = ? AND val IN"
            f" ({','.join('?' * len(values))}) UNION SELECT rid FROM {attrs} WHERE name = ?"
            " AND val IS NULL)",
            nid, *[d.value(v) for v in values], nid,
        )  # fmt: skip
    elif groups is not None and len(groups) == 1 and len(groups[0]) == 1:
        source, rid = f"{types} t JOIN {entities} e ON e.rid = t.rid", "t.rid"
        w.tenant("t")
        w.add("t.type = ?", groups[0][0])
        type_checked = True
    elif groups is not None:
        rids, params = _types_rids(groups, d)
        w.tenant("e", hint=True)
        w.add(f"e.rid IN ({rids})", *params)
        type_checked = True
    else:
        w.tenant("e", hint=True)
    if groups is not None and not type_checked:
        check, params = _types_in(groups, d, "e.rid")
        w.add(check, *params)
    pattern_left = None
    if query.id_pattern:
        regexp = d.regexp("e.eid", query.id_pattern)
        if regexp is None:
            pattern_left = query.id_pattern
        else:
            w.add(regexp[0], *regexp[1])
    if query.attrs:
        ids = [i for i in (name_id(a) for a in query.attrs) if i is not None]
        if not ids:
            return Plan("", [], exact=True, empty=True)
        w.add(
            f"EXISTS (SELECT 1 FROM {attrs} a WHERE a.rid = e.rid AND a.name IN"
            f" ({','.join('?' * len(ids))}))",
            *ids,
        )
    exact = (
        _pushdown(query.q, name_id, d, w.terms, w.params) if query.q is not None else True
    ) and pattern_left is None
    if query.geo is not None:
        exact = False
        if box is None:  # the evaluator decides; the entity needs the geoproperty
            w.add(f"EXISTS (SELECT 1 FROM {attrs} a WHERE a.rid = e.rid AND a.name = ?)", geo_id)
    if query.scope_q is not None:
        exact = False
        w.add(d.has_scope())
    cond = " AND ".join(w.terms) or "TRUE"
    columns, order, order_params = _order_clause(query, rid, d)
    return Plan(
        sql=d.finish(f"SELECT e.rid, e.doc{columns} FROM {source} WHERE {cond} {order}"),
        params=order_params + w.params,
        exact=exact,
        count_sql=d.finish(f"SELECT count(*) FROM {source} WHERE {cond}"),
        count_params=w.params,
        id_pattern=pattern_left,
    )


def regexp(pattern: str, value: str | None) -> bool:
    """Python's regular expression search (idPattern is a Python-compatible regex)."""
    if value is None:
        return False
    return _compiled(pattern).search(value) is not None


#: idPattern runs once per candidate row: compile each pattern once
_compiled = functools.lru_cache(maxsize=256)(re.compile)
