"""The PostgreSQL side of the shared query text: a schema per tenant, jsonb values,
PostGIS geometries, POSIX regular expressions where they mean what Python's do."""

from __future__ import annotations

import re
from typing import Any

from psycopg.types.json import Jsonb

from isanhub.core.geo import GeoQuery
from isanhub.store.sql import Dialect, DocPath

#: constructs whose meaning differs between Python's re and PostgreSQL's regular
#: expressions (\b is a backspace there, (?P<..>) and possessive quantifiers do not
#: exist, [: starts a class name, {,n} is an error): such idPatterns are checked in Python
_NOT_PORTABLE = re.compile(r"\\[A-Za-z0-9](?<![dDwWsS])|\(\?(?!:)|\[:|\[\[|\{,|[*+?}]\+")


def portable(pattern: str) -> bool:
    """True when PostgreSQL's ``~`` matches ``pattern`` as Python's re.search does."""
    return _NOT_PORTABLE.search(pattern) is None and "\n" not in pattern and "\x00" not in pattern


class PostgresDialect(Dialect):
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._prefix = '"' + schema.replace('"', '""') + '".'

    def table(self, name: str) -> str:
        return self._prefix + name

    def regexp(self, column: str, pattern: str) -> tuple[str, list[Any]] | None:
        return (f"{column} ~ ?", [pattern]) if portable(pattern) else None

    def member(self, path: DocPath) -> tuple[str, list[Any]]:
        # JSON null sorts as absent, as it does in SQLite
        return "nullif((e.doc #> ?)::jsonb, 'null'::jsonb)", [[str(p) for p in path]]

    def has_scope(self) -> str:
        return "(e.doc -> 'scope') IS NOT NULL"

    def geo_candidates(self, name_id: int, geoq: GeoQuery, box: Any) -> tuple[str, list[Any]]:
        return (
            f"SELECT rid FROM {self.table('geo')} WHERE name = ?"
            " AND g && ST_MakeEnvelope(?, ?, ?, ?, 4326)",
            [name_id, box[0], box[1], box[2], box[3]],
        )

    def month_number(self, column: str) -> str:
        moment = f"(to_timestamp({column} / 1000000.0) AT TIME ZONE 'UTC')"
        return f"(extract(year from {moment})::int * 12 + extract(month from {moment})::int - 1)"

    def value(self, v: Any) -> Any:
        return Jsonb(v)

    def finish(self, sql: str) -> str:
        return sql.replace("?", "%s")
