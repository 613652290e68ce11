"""The SQLite side of the shared query text: every tenant in one set of tables."""

from __future__ import annotations

from typing import Any

from isanhub.core.geo import GeoQuery
from isanhub.store.sql import Dialect, DocPath


def json_path(path: DocPath) -> str:
    """A document path as SQLite's JSON path ($.attrs."iri"[0].value)."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f'."{p}"' for p in path)


class SqliteDialect(Dialect):
    def __init__(self, tenant_id: int) -> None:
        self.tid = tenant_id

    def tenant(self, alias: str, *, hint: bool = False) -> tuple[str, list[Any]]:
        # a unary + keeps SQLite from driving the scan with the (tenant, eid) index
        return f"{'+' if hint else ''}{alias}.tenant = ?", [self.tid]

    def regexp(self, column: str, pattern: str) -> tuple[str, list[Any]]:
        return f"{column} REGEXP ?", [pattern]  # sql.regexp, registered per connection

    def member(self, path: DocPath) -> tuple[str, list[Any]]:
        return "json_extract(e.doc, ?)", [json_path(path)]

    def has_scope(self) -> str:
        return "json_extract(e.doc, '$.scope') IS NOT NULL"

    def geo_candidates(self, name_id: int, geoq: GeoQuery, box: Any) -> tuple[str, list[Any]]:
        return (
            "SELECT rid FROM geo WHERE name = ? AND maxx >= ? AND minx <= ? AND maxy >= ?"
            " AND miny <= ?",
            [name_id, box[0], box[2], box[1], box[3]],
        )

    def month_number(self, column: str) -> str:
        moment = f"{column} / 1000000, 'unixepoch'"
        return (
            f"(CAST(strftime('%Y', {moment}) AS INTEGER) * 12"
            f" + CAST(strftime('%m', {moment}) AS INTEGER) - 1)"
        )
