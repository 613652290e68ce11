"""Keys, the audit log and hub settings in the hub's shared schema (store.security)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from psycopg import errors

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
    from isanhub.store.postgres.store import PostgresStore


class PgSecurity:
    """The SecurityTable of a PostgresStore."""

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._q = store._q

    async def put_key(self, key: KeyRecord) -> None:
        async with self._store._connection() as conn:
            try:
                await conn.execute(
                    f"INSERT INTO {self._q}api_keys({KEY_COLUMNS})"
                    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,NULL)",
                    (*key_row(key), key.created),
                )
            except errors.UniqueViolation:
                raise AlreadyExists(f"key {key.id} already exists") from None

    async def get_key(self, key_id: str) -> KeyRecord | None:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"SELECT {KEY_COLUMNS} FROM {self._q}api_keys WHERE id = %s", (key_id,)
            )
            row = await cur.fetchone()
        return key_from_row(row) if row else None

    async def list_keys(self) -> list[KeyRecord]:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"SELECT {KEY_COLUMNS} FROM {self._q}api_keys ORDER BY created, id"
            )
            rows = await cur.fetchall()
        return [key_from_row(r) for r in rows]

    async def revoke_key(self, key_id: str, at: str) -> bool:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"UPDATE {self._q}api_keys SET revoked = coalesce(revoked, %s) WHERE id = %s",
                (at, key_id),
            )
            return cur.rowcount > 0

    async def count_keys(self) -> int:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"SELECT count(*) FROM {self._q}api_keys WHERE revoked IS NULL"
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def audit(self, records: Sequence[AuditRecord]) -> None:
        if not records:
            return
        rows = [audit_row(r) for r in records]
        async with self._store._connection() as conn, conn.cursor() as cur:
            await cur.executemany(
                f"INSERT INTO {self._q}audit_log(at, who, tenant, action, purpose, entities,"
                " attrs) VALUES (%s,%s,%s,%s,%s,%s,%s)",
                rows,
            )

    async def audit_query(self, where: AuditFilter) -> tuple[list[AuditRecord], int]:
        clause, args = audit_where(where, "%s", "strpos")
        async with self._store._connection() as conn, conn.transaction():
            cur = await conn.execute(
                f"SELECT {AUDIT_COLUMNS} FROM {self._q}audit_log{clause}"
                " ORDER BY seq DESC LIMIT %s OFFSET %s",
                (*args, where.limit, where.offset),
            )
            rows = await cur.fetchall()
            cur = await conn.execute(f"SELECT count(*) FROM {self._q}audit_log{clause}", args)
            total = await cur.fetchone()
        return [audit_from_row(r) for r in rows], int(total[0]) if total else 0

    async def get_setting(self, name: str) -> str | None:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"SELECT value FROM {self._q}hub_settings WHERE name = %s", (name,)
            )
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def put_setting(self, name: str, value: str) -> None:
        async with self._store._connection() as conn:
            await conn.execute(
                f"INSERT INTO {self._q}hub_settings(name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    async def setting_or_put(self, name: str, value: str) -> str:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"INSERT INTO {self._q}hub_settings AS s (name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET value = s.value RETURNING value",
                (name, value),
            )
            row = await cur.fetchone()
        assert row is not None  # INSERT .. ON CONFLICT DO UPDATE always returns the row
        return str(row[0])
