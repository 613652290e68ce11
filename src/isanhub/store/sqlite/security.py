"""Keys, the audit log and hub settings in the store's SQLite file (store.security).

Writes go through the group-commit writer, so an audit record is durable before the
read it records is answered."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from isanhub.core.errors import AlreadyExists
from isanhub.store.security import (
    AUDIT_COLUMNS,
    KEY_COLUMNS,
    AuditFilter,
    AuditRecord,
    KeyRecord,
    audit_from_row,
    audit_row,
    audit_where,
    key_from_row,
    key_row,
)

if TYPE_CHECKING:
    from isanhub.store.sqlite.store import SqliteStore


class SqliteSecurity:
    """The SecurityTable of a SqliteStore."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    async def _write(self, job: Any) -> Any:
        writer = self._store._writer
        assert writer is not None, "store is not open"
        return await writer.submit(job)

    def _read(self) -> sqlite3.Connection:
        return self._store._reader()

    async def put_key(self, key: KeyRecord) -> None:
        def job(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO api_keys({KEY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,NULL)",
                    (*key_row(key), key.created),
                )
            except sqlite3.IntegrityError:
                raise AlreadyExists(f"key {key.id} already exists") from None

        await self._write(job)

    async def get_key(self, key_id: str) -> KeyRecord | None:
        row = (
            self._read()
            .execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?", (key_id,))
            .fetchone()
        )
        return key_from_row(row) if row else None

    async def list_keys(self) -> list[KeyRecord]:
        rows = self._read().execute(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created, id")
        return [key_from_row(r) for r in rows]

    async def revoke_key(self, key_id: str, at: str) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE api_keys SET revoked = coalesce(revoked, ?) WHERE id = ?", (at, key_id)
            )
            return cur.rowcount > 0

        return bool(await self._write(job))

    async def count_keys(self) -> int:
        row = self._read().execute("SELECT count(*) FROM api_keys WHERE revoked IS NULL").fetchone()
        return int(row[0])

    async def audit(self, records: Sequence[AuditRecord]) -> None:
        rows = [audit_row(r) for r in records]

        def job(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO audit_log(at, who, tenant, action, purpose, entities, attrs)"
                " VALUES (?,?,?,?,?,?,?)",
                rows,
            )

        if rows:
            await self._write(job)

    async def audit_query(self, where: AuditFilter) -> tuple[list[AuditRecord], int]:
        clause, args = audit_where(where, "?", "instr")
        conn = self._read()
        rows = conn.execute(
            f"SELECT {AUDIT_COLUMNS} FROM audit_log{clause} ORDER BY seq DESC LIMIT ? OFFSET ?",
            (*args, where.limit, where.offset),
        ).fetchall()
        (total,) = conn.execute(f"SELECT count(*) FROM audit_log{clause}", args).fetchone()
        return [audit_from_row(r) for r in rows], int(total)

    async def get_setting(self, name: str) -> str | None:
        row = (
            self._read()
            .execute("SELECT value FROM hub_settings WHERE name = ?", (name,))
            .fetchone()
        )
        return str(row[0]) if row else None

    async def put_setting(self, name: str, value: str) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO hub_settings(name, value) VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

        await self._write(job)

    async def setting_or_put(self, name: str, value: str) -> str:
        def job(conn: sqlite3.Connection) -> str:
            (stored,) = conn.execute(
                "INSERT INTO hub_settings(name, value) VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = value RETURNING value",
                (name, value),
            ).fetchone()
            return str(stored)

        return await self._write(job)  # type: ignore[no-any-return]
