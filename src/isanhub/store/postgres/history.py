"""The history part of PostgresStore (store.history, store.temporal): temporal queries,
edits and purges of recorded instances, with monthly partitions dropped whole where a
purge allows, and the searches of an erasure. A mixin: the store it is part of holds
the pool, the tenants' schemas and the caches of names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from psycopg import AsyncConnection

from isanhub.store import erase, history_edit, temporal
from isanhub.store.base import HistoryEdit
from isanhub.store.history import instance_row
from isanhub.store.postgres import schema
from isanhub.store.postgres.dialect import PostgresDialect


class PgHistory:
    _names: dict[str, int]  #: name IRI -> id, committed names only
    _iris: dict[int, str]  #: name id -> IRI
    _partitions: set[str]  #: "schema/suffix" of the monthly partitions known to exist

    if TYPE_CHECKING:  # provided by PostgresStore

        def _connection(self) -> Any: ...

        async def _schema(self, conn: AsyncConnection, tenant: str) -> str | None: ...

        async def _require(self, conn: AsyncConnection, tenant: str) -> str: ...

        async def _learn(self, conn: AsyncConnection, iris: Iterable[str]) -> None: ...

        async def _iris_of(self, conn: AsyncConnection, ids: Iterable[int]) -> dict[int, str]: ...

    async def temporal(
        self, tenant: str, tq: temporal.TemporalQuery
    ) -> tuple[list[temporal.TemporalEntity], int | None]:
        async with self._connection() as conn:
            where = await self._require(conn, tenant)
            types = {t for group in tq.entities.types or () for t in group}
            await self._learn(conn, [*types, *(tq.attrs or ())])

            async def run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
                cur = await conn.execute(sql, params)
                return await cur.fetchall()

            async def names(ids: Sequence[int]) -> dict[int, str]:
                return await self._iris_of(conn, ids)

            async with conn.transaction():  # one snapshot for the whole answer
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return await temporal.execute(
                    tq, self._names.get, names, PostgresDialect(where), run
                )

    async def edit_history(self, tenant: str, entity_id: str, edit: HistoryEdit) -> bool:
        async with self._connection() as conn:
            d = PostgresDialect(await self._require(conn, tenant))
            name = None
            if edit.attr is not None:
                await self._learn(conn, [edit.attr])
                name = self._names.get(edit.attr)
                if name is None:
                    return False
            made: set[str] = set()
            async with conn.transaction():
                cur = await conn.execute(*history_edit.hid_of(entity_id, d))
                row = await cur.fetchone()
                if row is None:
                    return False
                if edit.replacement is not None:  # its time may fall in a new month
                    when = instance_row("", "", edit.replacement, edit.replacement["modifiedAt"]).t
                    made = await schema.create_partitions(conn, d.schema, [when], self._partitions)
                changed = 0
                for sql_text, params in history_edit.edit_statements(edit, row[0], name, d):
                    cur = await conn.execute(sql_text, params)
                    changed += max(cur.rowcount, 0)
            self._partitions |= made
            return changed > 0

    async def purge_history(
        self,
        tenant: str,
        before: int,
        *,
        types: list[str] | None = None,
        except_types: Sequence[str] = (),
        dry_run: bool = False,
    ) -> int:
        async with self._connection() as conn:
            where = await self._schema(conn, tenant)
            if where is None:
                return 0
            await self._learn(conn, [*(types or ()), *except_types])
            type_ids = (
                None if types is None else [self._names[t] for t in types if t in self._names]
            )
            if type_ids == []:
                return 0
            excluded = [self._names[t] for t in except_types if t in self._names]
            removed = 0
            async with conn.transaction():
                if type_ids is None and not excluded:  # whole months go at once
                    removed += await self._drop_months(conn, where, before, dry_run=dry_run)
                d = PostgresDialect(where)
                steps = history_edit.purge_statements(
                    before, type_ids, excluded, d, dry_run=dry_run
                )
                cur = await conn.execute(*steps[0])
                removed += (await cur.fetchone() or (0,))[0] if dry_run else max(cur.rowcount, 0)
                for sql_text, params in steps[1:]:
                    await conn.execute(sql_text, params)
            return int(removed)

    async def _drop_months(
        self, conn: AsyncConnection, where: str, before: int, *, dry_run: bool
    ) -> int:
        """Drop the monthly partitions that end before ``before``; their row count."""
        cur = await conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace"
            " WHERE n.nspname = %s AND p.relname = 'instances'",
            (where,),
        )
        removed = 0
        for (table,) in await cur.fetchall():
            suffix = table.removeprefix("instances_")
            start = schema.suffix_start(suffix)
            if start is None or schema.month_bounds(start)[2] > before:
                continue
            name = f'"{where}"."{table}"'
            cur = await conn.execute(f"SELECT count(*) FROM {name}")
            removed += (await cur.fetchone() or (0,))[0]
            if not dry_run:
                await conn.execute(f"DROP TABLE {name}")
                self._partitions.discard(f"{where}/{suffix}")
        return removed

    async def find_history(
        self,
        tenant: str,
        texts: Sequence[str] = (),
        *,
        ids: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        attrs: Sequence[str] | None = None,
    ) -> list[erase.HistoryHit]:
        async with self._connection() as conn:
            where = await self._schema(conn, tenant)
            if where is None:
                return []
            await self._learn(conn, [*(types or ()), *(attrs or ())])
            type_ids = (
                None if types is None else [self._names[t] for t in types if t in self._names]
            )
            names = None if attrs is None else [self._names[a] for a in attrs if a in self._names]
            if any(x is not None and not x for x in (ids, type_ids, names)):
                return []
            d = PostgresDialect(where)
            query = erase.find_statement(
                d, "strpos({doc}::text, ?) > 0", texts, ids, type_ids, names
            )
            async with conn.transaction():  # the instances and their types from one snapshot
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                rows = await (await conn.execute(*query)).fetchall()
                hids = sorted({r[0] for r in rows})
                by_hid: dict[int, list[int]] = {}
                for start in range(0, len(hids), 1000):
                    cur = await conn.execute(*erase.types_statement(d, hids[start : start + 1000]))
                    for hid, t in await cur.fetchall():
                        by_hid.setdefault(hid, []).append(t)
            await self._iris_of(conn, sorted({r[3] for r in rows}.union(*by_hid.values())))
        types_of = {h: [self._iris[t] for t in ts] for h, ts in by_hid.items()}
        return erase.hits(rows, types_of, self._iris)

    async def scrub(self) -> None:
        """Nothing to do at once: PostgreSQL keeps deleted rows as dead tuples until VACUUM
        (autovacuum, or VACUUM run by the operator) makes their space reusable; see the
        erasure section of docs/security.md."""
