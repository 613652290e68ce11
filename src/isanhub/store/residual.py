"""The exact part of a query that SQL cannot decide (q, geometry relations, scopeQ),
evaluated in Python on the candidate rows a SQL backend selected; shared by backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from isanhub.core import qlang, scopeq
from isanhub.core.model import Entity
from isanhub.store.base import Query, QueryResult
from isanhub.store.sql import regexp

_loads = orjson.loads


def filter_page(
    rows: Iterator[tuple[Any, ...]], query: Query, id_pattern: str | None = None
) -> QueryResult:
    """One page (and the count, if asked) of the candidate rows (rid, doc, ...) that pass
    the exact tests; rows come in the order the page must have. ``id_pattern``: an
    idPattern the SQL could not check."""
    q = query.q
    geoq = query.geo
    scope_q = query.scope_q
    skip, want = query.offset, query.limit
    page: list[Entity] = []
    matched = 0
    for row in rows:
        entity = _loads(row[1])
        if id_pattern is not None and not regexp(id_pattern, entity["id"]):
            continue
        if q is not None and not qlang.evaluate(q, entity):
            continue
        if geoq is not None and not any(
            inst["type"] == "GeoProperty" and geoq.matches(inst["value"])
            for inst in entity["attrs"].get(geoq.geoproperty, [])
        ):
            continue
        if scope_q is not None and not scopeq.matches(scope_q, entity.get("scope")):
            continue
        matched += 1
        if matched > skip and len(page) < want:
            page.append(entity)
        elif len(page) >= want and not query.count:
            break
    return QueryResult(page, matched if query.count else None)
