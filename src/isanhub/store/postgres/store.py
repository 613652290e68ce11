"""PostgresStore: the Store contract on PostgreSQL 15+ with PostGIS.

Several API processes may share one database and behave as one broker:

- a write locks the rows of the entities it reads (``SELECT ... FOR UPDATE``) and
  applies its functions to what is committed, so concurrent PATCHes of one entity
  never lose an update; two creations of the same new entity meet at the unique key
  and the loser retries the whole group against the winner's state;
- creation order comes from one shared sequence; names and tenants are rows every
  process can read; a count and its page come from one snapshot.

A write returns once its transaction committed (``synchronous_commit`` on, PostgreSQL's
default): an acknowledged write survives a crash of the API process or of the server.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from psycopg import AsyncConnection, errors
from psycopg.types.string import TextLoader
from psycopg_pool import AsyncConnectionPool

from isanhub.core.errors import NgsiLdError, NonexistentTenant
from isanhub.core.model import Entity
from isanhub.store import rowplan, sql
from isanhub.store.base import (
    AttributeInfo,
    Query,
    QueryResult,
    TypeInfo,
    WriteFn,
)
from isanhub.store.index import KIND_NAMES
from isanhub.store.outbox import ChangeWatcher, OutboxItem
from isanhub.store.postgres import rows, schema, security, subs
from isanhub.store.postgres.contexts import PgContextTable
from isanhub.store.postgres.dialect import PostgresDialect
from isanhub.store.postgres.history import PgHistory
from isanhub.store.residual import PageFilter

_loads = orjson.loads
#: conflicts between concurrent writers that a retry resolves
_RETRY = (errors.DeadlockDetected, errors.SerializationFailure, errors.UniqueViolation)
_ATTEMPTS = 10
#: a caller's writes into one tenant, and the future its results go to
_Pending = tuple[str, Sequence[tuple[str, WriteFn]], "asyncio.Future[list[Any]]"]


def split_url(url: str) -> tuple[str, str]:
    """(libpq connection URI, hub namespace) of ``postgresql://...?schema=NS``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ns = next((v for k, v in query if k == "schema"), "isanhub")
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, rest, "")), schema.check_namespace(ns)


async def _configure(conn: AsyncConnection) -> None:
    # documents come back as text: orjson decodes faster, and equal texts can be cached
    conn.adapters.register_loader("json", TextLoader)


class PostgresStore(PgHistory):
    def __init__(self, url: str, *, pool_size: int = 10, **_sqlite_only: Any) -> None:
        self.conninfo, self.ns = split_url(url)
        self._pool_size = max(2, pool_size)
        self._pool: AsyncConnectionPool | None = None
        self._contexts = PgContextTable(self.conninfo, self.ns)
        self._schemas: dict[str, str] = {}  # tenant -> schema (tenants are never dropped)
        self._names: dict[str, int] = {}  # committed names only
        self._partitions: set[str] = set()  # monthly history partitions known to exist
        self._iris: dict[int, str] = {}  # name id -> IRI (names are never deleted)
        self._pending: list[_Pending] = []  # writes waiting for the next group
        self._scheduled = False
        self._groups: set[asyncio.Future[None]] = set()
        self._q = f'"{self.ns}".'
        self._watcher: ChangeWatcher | None = None

    # --- lifecycle -------------------------------------------------------------------
    async def open(self) -> None:
        await self.migrate()
        self._pool = AsyncConnectionPool(
            self.conninfo,
            min_size=2,
            max_size=self._pool_size,
            kwargs={"autocommit": True},
            configure=_configure,
            open=False,
        )
        await self._pool.open(wait=True, timeout=30)

    async def migrate(self) -> list[str]:
        async with await AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            return [f"{m.version}: {m.title}" for m in await schema.migrate(conn, self.ns)]

    async def close(self) -> None:
        while self._pending or self._groups:  # let the writes under way finish
            if self._groups:
                await asyncio.wait(set(self._groups))
            else:
                await asyncio.sleep(0)  # the next group is about to start
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        self._contexts.close()

    # --- subscriptions ---------------------------------------------------------------
    def set_watcher(self, watcher: ChangeWatcher | None) -> None:
        """Have ``watcher`` see every change from now on (store.outbox)."""
        self._watcher = watcher

    def subscription_table(self) -> subs.PgSubscriptions:
        return subs.PgSubscriptions(self)

    def security_table(self) -> security.PgSecurity:
        return security.PgSecurity(self)

    def _connection(self) -> Any:
        assert self._pool is not None, "store is not open"
        return self._pool.connection()

    # --- tenants and names -----------------------------------------------------------
    async def _schema(self, conn: AsyncConnection, tenant: str) -> str | None:
        found = self._schemas.get(tenant)
        if found is None:
            cur = await conn.execute(
                f"SELECT schema FROM {self._q}tenants WHERE name = %s", (tenant,)
            )
            row = await cur.fetchone()
            if row is not None:
                found = self._schemas[tenant] = row[0]
        return found

    async def _require(self, conn: AsyncConnection, tenant: str) -> str:
        found = await self._schema(conn, tenant)
        if found is None:
            raise NonexistentTenant(f"tenant {tenant!r} does not exist")
        return found

    async def _lookup(self, conn: AsyncConnection, names: Sequence[str]) -> dict[str, int]:
        cur = await conn.execute(
            f"SELECT iri, id FROM {self._q}names WHERE iri = ANY(%s::text[])", (list(names),)
        )
        return {iri: nid for iri, nid in await cur.fetchall()}

    async def _learn(self, conn: AsyncConnection, iris: Iterable[str]) -> None:
        """Look up the ids of the names among ``iris`` this process has not seen yet."""
        missing = [n for n in iris if n not in self._names]
        if missing:
            self._names.update(await self._lookup(conn, missing))

    async def _iris_of(self, conn: AsyncConnection, ids: Iterable[int]) -> dict[int, str]:
        """The IRIs of name ids (names are never deleted: cached for good)."""
        ids = list(ids)
        unknown = [i for i in ids if i not in self._iris]
        if unknown:
            cur = await conn.execute(
                f"SELECT id, iri FROM {self._q}names WHERE id = ANY(%s::int[])", (unknown,)
            )
            self._iris.update(await cur.fetchall())
        return {i: self._iris[i] for i in ids}

    async def _name_ids(self, conn: AsyncConnection, query: Query) -> sql.NameId:
        """The name resolver for planning ``query``: one look-up for the names this
        process has not seen yet (found by planning once with every name known)."""
        wanted: set[str] = set()

        def record(iri: str) -> int:
            wanted.add(iri)
            return 0

        sql.plan_query(query, record, PostgresDialect(""))
        await self._learn(conn, wanted)
        return self._names.get

    # --- writes ----------------------------------------------------------------------
    async def write(self, tenant: str, entity_id: str, fn: WriteFn) -> Any:
        (result,) = await self.write_many(tenant, [(entity_id, fn)])
        if isinstance(result, BaseException):
            raise result
        return result

    async def write_many(
        self, tenant: str, writes: Sequence[tuple[str, WriteFn]]
    ) -> list[Any | NgsiLdError]:
        # the writes that arrive in one turn of the event loop share one transaction:
        # under load, a hundred single-entity writes cost one commit and a few round trips
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[Any]] = loop.create_future()
        self._pending.append((tenant, writes, done))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await done

    def _flush(self) -> None:
        self._scheduled = False
        group, self._pending = self._pending, []
        task = asyncio.ensure_future(self._run_group(group))
        self._groups.add(task)  # keep a reference until it is done
        task.add_done_callback(self._groups.discard)

    async def _run_group(self, group: list[_Pending]) -> None:
        try:
            outcomes = await self._write_group([(t, w) for t, w, _ in group])
        except Exception as exc:  # noqa: BLE001 - handed to every caller of the group
            if len(group) == 1:
                outcomes = [exc]
            else:  # one write's error must not fail the others: each alone, once more
                outcomes = []
                for tenant, writes, _ in group:
                    try:
                        outcomes += await self._write_group([(tenant, writes)])
                    except Exception as alone:  # noqa: BLE001
                        outcomes.append(alone)
        for (_t, _w, done), outcome in zip(group, outcomes, strict=True):
            if done.cancelled():
                continue
            if isinstance(outcome, Exception):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)

    async def _write_group(
        self, items: list[tuple[str, Sequence[tuple[str, WriteFn]]]]
    ) -> list[Any]:
        """Apply the items in one transaction, retrying the whole group on a conflict
        with another process; per item, its list of results."""
        for attempt in range(_ATTEMPTS):
            try:
                async with self._connection() as conn:
                    results, names, notifications = await self._write(conn, items)
                self._names.update(names)  # committed now
                if notifications and self._watcher is not None and self._watcher.leading:
                    self._watcher.committed(notifications)
                return results
            except _RETRY:
                if attempt == _ATTEMPTS - 1:
                    raise
                await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
        raise AssertionError("unreachable")

    async def _write(
        self, conn: AsyncConnection, items: list[tuple[str, Sequence[tuple[str, WriteFn]]]]
    ) -> tuple[list[Any], dict[str, int], list[OutboxItem]]:
        watcher = self._watcher
        notifications: list[OutboxItem] = []
        async with conn.transaction():
            if watcher is not None and not watcher.trusted:
                # deaf to other processes' subscription changes (store.postgres.subs):
                # one of them may have changed a subscription
                current = await subs.version(conn, self._q)
                if current != watcher.version:
                    watcher.replace(current, await subs.load(conn, self._q))
            wanted: dict[str, list[str]] = {}
            for tenant, writes in items:
                wanted.setdefault(tenant, []).extend(eid for eid, _ in writes)
            tenants: dict[str, rowplan.TenantWrites] = {}
            n_new = 0
            for tenant in sorted(wanted):  # tenants and ids in order: no lock cycles
                tw = tenants[tenant] = rowplan.TenantWrites(await self._schema(conn, tenant))
                if watcher is not None and watcher.watching(tenant):
                    tw.events = []
                ids = wanted[tenant]
                if tw.tid is not None:
                    cur = await conn.execute(
                        f"SELECT rid, eid, doc FROM {PostgresDialect(tw.tid).table('entities')}"
                        " WHERE eid = ANY(%s::text[]) ORDER BY eid FOR UPDATE",
                        (sorted(set(ids)),),
                    )
                    for rid, eid, doc in await cur.fetchall():
                        tw.stored(rid, eid, doc)
                # an upper bound of the new entities: missing ids, and re-creations after
                # a deletion in the same group (an id written twice)
                n_new += len(set(ids)) - len(tw.existing) + len(ids) - len(set(ids))
            new_rids = iter(await self._next_rids(conn, n_new))
            results = [
                [tenants[tenant].apply(eid, fn, lambda: next(new_rids)) for eid, fn in writes]
                for tenant, writes in items
            ]
            names: dict[str, int] = {}
            made: set[str] = set()
            for tenant, tw in tenants.items():
                if tw.empty:
                    continue
                where = tw.tid
                if where is None:
                    where = await schema.create_tenant(conn, self.ns, tenant)
                plan, new_names = await self._plan(conn, tw, names)
                names.update(new_names)
                await rows.execute(conn, where, plan)
                made |= await rows.history(conn, where, self.ns, plan, self._partitions)
                if watcher is not None and tw.events:
                    notifications += watcher.outbox(tenant, tw.events)
            if notifications:
                assert watcher is not None
                await subs.insert_outbox(
                    conn, self._q, self.ns, notifications, leading=watcher.leading
                )
        self._partitions |= made  # committed now
        return results, names, notifications

    async def _next_rids(self, conn: AsyncConnection, n: int) -> list[int]:
        if n <= 0:
            return []
        cur = await conn.execute(
            f"SELECT nextval('{self._q}rids') FROM generate_series(1, %s)", (n,)
        )
        return [r[0] for r in await cur.fetchall()]

    async def _plan(
        self, conn: AsyncConnection, tw: rowplan.TenantWrites, fresh: dict[str, int]
    ) -> tuple[rowplan.RowPlan, dict[str, int]]:
        """The group's rows, with names interned; new names are inserted in the group's
        transaction and returned, to be remembered once it committed (``fresh``: the
        names this transaction interned already)."""
        missing: set[str] = set()

        def known(iri: str) -> int:
            nid = self._names.get(iri) or fresh.get(iri)
            if nid is None:
                missing.add(iri)
                return 0
            return nid

        plan = rowplan.build(tw, known)
        if not missing:
            return plan, {}
        new = sorted(missing)  # in order, so that concurrent groups do not deadlock
        await conn.execute(
            f"INSERT INTO {self._q}names(iri) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
            (new,),
        )
        names = await self._lookup(conn, new)
        ids = {**self._names, **fresh, **names}
        return rowplan.build(tw, ids.__getitem__), names

    # --- reads -----------------------------------------------------------------------
    async def get(self, tenant: str, entity_id: str) -> Entity | None:
        doc = await self.get_doc(tenant, entity_id)
        return _loads(doc) if doc is not None else None

    async def get_doc(self, tenant: str, entity_id: str) -> str | None:
        async with self._connection() as conn:
            where = await self._require(conn, tenant)
            cur = await conn.execute(
                f"SELECT doc FROM {PostgresDialect(where).table('entities')} WHERE eid = %s",
                (entity_id,),
            )
            row = await cur.fetchone()
        return row[0] if row else None

    async def get_many(self, tenant: str, entity_ids: Sequence[str]) -> dict[str, Entity]:
        async with self._connection() as conn:
            where = await self._require(conn, tenant)
            cur = await conn.execute(
                f"SELECT eid, doc FROM {PostgresDialect(where).table('entities')}"
                " WHERE eid = ANY(%s::text[])",
                (list(entity_ids),),
            )
            return {eid: _loads(doc) for eid, doc in await cur.fetchall()}

    async def query(self, tenant: str, query: Query) -> QueryResult:
        async with self._connection() as conn:
            where = await self._require(conn, tenant)
            name_id = await self._name_ids(conn, query)
            plan = sql.plan_query(query, name_id, PostgresDialect(where))
            if plan.empty:
                return QueryResult([], 0 if query.count else None)
            # a page and its count from one snapshot, even while other processes write
            async with conn.transaction():
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if plan.exact:
                    cur = await conn.execute(
                        plan.sql + " LIMIT %s OFFSET %s", (*plan.params, query.limit, query.offset)
                    )
                    page = [_loads(row[1]) for row in await cur.fetchall()]
                    count = None
                    if query.count:
                        cur = await conn.execute(plan.count_sql, plan.count_params)
                        count = (await cur.fetchone() or (0,))[0]
                    return QueryResult(page, count)
                f = PageFilter(query, plan.id_pattern)
                batch = min(2000, max(100, 2 * (query.offset + query.limit)))
                async with conn.cursor(name="candidates") as cur:
                    await cur.execute(plan.sql, plan.params)
                    while chunk := await cur.fetchmany(batch):
                        if f.feed(chunk):
                            break
                return f.result()

    async def types(self, tenant: str) -> list[TypeInfo]:
        async with self._connection() as conn:
            d = PostgresDialect(await self._require(conn, tenant))
            types, attrs = d.table("entity_types"), d.table("attrs")
            out: dict[int, TypeInfo] = {}
            cur = await conn.execute(
                f"SELECT t.type, n.iri, count(*) FROM {types} t JOIN {self._q}names n"
                " ON n.id = t.type GROUP BY t.type, n.iri ORDER BY n.iri"
            )
            for type_id, iri, n in await cur.fetchall():
                out[type_id] = TypeInfo(iri, n, {})
            cur = await conn.execute(
                f"SELECT DISTINCT t.type, n.iri, a.kind FROM {types} t JOIN {attrs} a"
                f" ON a.rid = t.rid JOIN {self._q}names n ON n.id = a.name"
            )
            for type_id, attr_iri, kind in await cur.fetchall():
                kinds = out[type_id].attrs.setdefault(attr_iri, [])
                name = KIND_NAMES.get(kind, "Property")
                if name not in kinds:
                    kinds.append(name)
            return list(out.values())

    async def attributes(self, tenant: str) -> list[AttributeInfo]:
        async with self._connection() as conn:
            d = PostgresDialect(await self._require(conn, tenant))
            types, attrs, names = d.table("entity_types"), d.table("attrs"), f"{self._q}names"
            out: dict[str, AttributeInfo] = {}
            cur = await conn.execute(
                f"SELECT n.iri, count(DISTINCT a.rid) FROM {attrs} a JOIN {names} n"
                " ON n.id = a.name GROUP BY n.iri ORDER BY n.iri"
            )
            for iri, n in await cur.fetchall():
                out[iri] = AttributeInfo(iri, n, [], [])
            cur = await conn.execute(
                f"SELECT DISTINCT n.iri, a.kind FROM {attrs} a JOIN {names} n ON n.id = a.name"
            )
            for iri, kind in await cur.fetchall():
                out[iri].attr_types.append(KIND_NAMES.get(kind, "Property"))
            cur = await conn.execute(
                f"SELECT DISTINCT n.iri, tn.iri FROM {attrs} a JOIN {types} t ON t.rid = a.rid"
                f" JOIN {names} n ON n.id = a.name JOIN {names} tn ON tn.id = t.type"
            )
            for iri, type_iri in await cur.fetchall():
                out[iri].entity_types.append(type_iri)
            return list(out.values())

    async def tenants(self) -> list[str]:
        async with self._connection() as conn:
            cur = await conn.execute(
                f"SELECT name FROM {self._q}tenants WHERE name <> '' ORDER BY name"
            )
            return [r[0] for r in await cur.fetchall()]

    async def tenant_exists(self, tenant: str) -> bool:
        async with self._connection() as conn:
            return await self._schema(conn, tenant) is not None

    def context_backend(self) -> PgContextTable:
        return self._contexts
