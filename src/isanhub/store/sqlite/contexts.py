"""Hosted and cached @contexts (/jsonldContexts), kept in the store's SQLite file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isanhub.core.context import ContextRecord

if TYPE_CHECKING:
    from isanhub.store.sqlite.store import SqliteStore


class ContextTable:
    """Hosted and cached @contexts, persisted in the store's ``contexts`` table."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def _write(self, job: Any) -> None:
        writer = self._store._writer
        assert writer is not None, "store is not open"
        writer.submit_sync(job)

    def put(self, id: str, url: str, body: bytes, kind: str, created_at: str) -> None:
        self._write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO contexts(id, url, body, kind, created_at)"
                " VALUES (?,?,?,?,?)",
                (id, url, body, kind, created_at),
            )
        )

    def get(self, id: str) -> ContextRecord | None:
        row = (
            self._store._reader()
            .execute("SELECT id, url, body, kind, created_at FROM contexts WHERE id = ?", (id,))
            .fetchone()
        )
        return ContextRecord(*row) if row else None

    def delete(self, id: str) -> bool:
        found = self.get(id) is not None
        self._write(lambda c: c.execute("DELETE FROM contexts WHERE id = ?", (id,)))
        return found

    def list(self) -> list[ContextRecord]:
        rows = (
            self._store._reader()
            .execute("SELECT id, url, body, kind, created_at FROM contexts ORDER BY created_at, id")
            .fetchall()
        )
        return [ContextRecord(*r) for r in rows]
