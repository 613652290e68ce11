"""The exact part of a query that SQL cannot decide (q, geometry relations, scopeQ, an
idPattern the backend cannot write), evaluated in Python on the candidate rows a SQL
backend selected; shared by backends."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from isanhub.core import qlang, scopeq
from isanhub.core.model import Entity
from isanhub.store.base import Query, QueryResult
from isanhub.store.sql import regexp

_loads = orjson.loads


class PageFilter:
    """Collects one page (and the count, if asked) from candidate rows (rid, doc, ...)
    fed in the order the page must have; ``feed`` says when no more rows are needed."""

    def __init__(self, query: Query, id_pattern: str | None = None) -> None:
        self.query = query
        self.id_pattern = id_pattern
        self.page: list[Entity] = []
        self.matched = 0

    def passes(self, entity: Entity) -> bool:
        query = self.query
        if self.id_pattern is not None and not regexp(self.id_pattern, entity["id"]):
            return False
        if query.q is not None and not qlang.evaluate(query.q, entity):
            return False
        if query.geo is not None and not query.geo.matches_entity(entity):
            return False
        return query.scope_q is None or scopeq.matches(query.scope_q, entity.get("scope"))

    def feed(self, rows: Iterable[tuple[Any, ...]]) -> bool:
        """Take candidate rows; True once the page is full and no count is wanted."""
        skip, want, count = self.query.offset, self.query.limit, self.query.count
        page = self.page
        for row in rows:
            entity = _loads(row[1])
            if not self.passes(entity):
                continue
            self.matched += 1
            if self.matched > skip and len(page) < want:
                page.append(entity)
            elif len(page) >= want and not count:
                return True
        return False

    def result(self) -> QueryResult:
        return QueryResult(self.page, self.matched if self.query.count else None)


def filter_page(
    rows: Iterable[tuple[Any, ...]], query: Query, id_pattern: str | None = None
) -> QueryResult:
    """One page of the candidate rows that pass the exact tests (see PageFilter)."""
    f = PageFilter(query, id_pattern)
    f.feed(rows)
    return f.result()
