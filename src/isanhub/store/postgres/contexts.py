"""Hosted and cached @contexts (/jsonldContexts), kept in the hub's shared schema, so
every API process on the database sees the same ones."""

from __future__ import annotations

import builtins
import threading
from typing import Any

import psycopg
from psycopg import sql

from isanhub.core.context import ContextRecord

_COLUMNS = "id, url, body, kind, created_at"


class PgContextTable:
    """The ContextStoreBackend of the PostgreSQL store: one small connection of its own
    (the resolver's calls are synchronous and rare: contexts are cached as term maps)."""

    def __init__(self, conninfo: str, ns: str) -> None:
        self._conninfo = conninfo
        self._table = sql.SQL("{}.contexts").format(sql.Identifier(ns))
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def _run(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
            cur = self._conn.execute(sql.SQL(query).format(t=self._table), params)
            return cur.fetchall() if cur.description else []

    def put(self, id: str, url: str, body: bytes, kind: str, created_at: str) -> None:
        self._run(
            f"INSERT INTO {{t}}({_COLUMNS}) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO"
            " UPDATE SET url = excluded.url, body = excluded.body, kind = excluded.kind,"
            " created_at = excluded.created_at",
            (id, url, body, kind, created_at),
        )

    def get(self, id: str) -> ContextRecord | None:
        rows = self._run(f"SELECT {_COLUMNS} FROM {{t}} WHERE id = %s", (id,))
        return _record(rows[0]) if rows else None

    def delete(self, id: str) -> bool:
        return bool(self._run("DELETE FROM {t} WHERE id = %s RETURNING id", (id,)))

    def list(self) -> builtins.list[ContextRecord]:
        return [
            _record(r) for r in self._run(f"SELECT {_COLUMNS} FROM {{t}} ORDER BY created_at, id")
        ]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _record(row: tuple[Any, ...]) -> ContextRecord:
    id, url, body, kind, created_at = row
    return ContextRecord(str(id), str(url), bytes(body), str(kind), str(created_at))
