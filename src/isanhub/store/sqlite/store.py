"""SqliteStore: the Store contract on one SQLite file."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from isanhub.core.errors import NgsiLdError, NonexistentTenant
from isanhub.core.model import Entity
from isanhub.store import erase, history_edit, rowplan, sql, temporal
from isanhub.store.base import (
    AttributeInfo,
    HistoryEdit,
    Query,
    QueryResult,
    TypeInfo,
    WriteFn,
)
from isanhub.store.index import KIND_NAMES
from isanhub.store.outbox import ChangeWatcher, OutboxItem
from isanhub.store.residual import filter_page
from isanhub.store.rowplan import TenantWrites
from isanhub.store.sqlite import rows, security, subs
from isanhub.store.sqlite.contexts import ContextTable
from isanhub.store.sqlite.dialect import SqliteDialect
from isanhub.store.sqlite.doccache import DocCache
from isanhub.store.sqlite.schema import connect, migrate
from isanhub.store.sqlite.writer import GroupCommitWriter

_dumps = orjson.dumps
_loads = orjson.loads
log = logging.getLogger("isanhub")


class SqliteStore:
    def __init__(self, path: str, *, synchronous: str = "FULL") -> None:
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        else:
            # a private in-memory database shared by this store's connections; named by
            # a random id, not id(self): Python reuses the ids of collected objects, and
            # a new store would then open an old one's database if any of its
            # connections were still open
            path = f"file:isanhub-{uuid.uuid4().hex}?mode=memory&cache=shared"
        self.path = path
        self._sync = synchronous
        self._local = threading.local()
        self._writer: GroupCommitWriter | None = None
        self._wconn: sqlite3.Connection | None = None
        # writer-thread caches (cleared when a job fails: its inserts were rolled back)
        self._w_names: dict[str, int] = {}
        self._w_tenants: dict[str, int] = {}
        self._w_next_rid = 0
        self._w_next_hid = 0
        self._w_next_oid = 0
        self._w_version = -1  # the writer's PRAGMA data_version when the above were right
        self._others_version: int | None = None  # the same, at others_committed's last call
        self._watcher: ChangeWatcher | None = None
        # reader caches: only ever hold committed rows, names are never deleted
        self._r_names: dict[str, int] = {}
        self._r_tenants: dict[str, int] = {}
        #: commits of this store's writer so far: readers' document caches (doccache)
        #: hold nothing from before the latest
        self._epoch = 0

    # --- lifecycle -------------------------------------------------------------------
    async def open(self) -> None:
        self.open_sync()

    def open_sync(self) -> None:
        self._wconn = self._connect()
        migrate(self._wconn)
        self._writer = GroupCommitWriter(
            self._wconn, combine=self._apply_group, on_commit=self._committed
        )

    def _committed(self) -> None:
        self._epoch += 1

    def others_committed(self) -> bool:
        """Whether another program (``isanhub import`` beside the server) committed to
        the file since the last call: the writer's data_version moves only for commits
        of other connections, never for this process's own writes."""
        if self._wconn is None:
            return False
        (version,) = self._wconn.execute("PRAGMA data_version").fetchone()
        seen, self._others_version = self._others_version, version
        return seen is not None and version != seen

    async def migrate(self) -> list[str]:
        conn = self._connect()
        try:
            return migrate(conn)
        finally:
            conn.close()

    async def close(self) -> None:
        self.close_sync()

    def close_sync(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._wconn is not None:
            self._wconn.execute("PRAGMA optimize")
            self._wconn.close()
            self._wconn = None

    def _connect(self) -> sqlite3.Connection:
        conn = connect(self.path, synchronous=self._sync)
        conn.create_function("REGEXP", 2, sql.regexp, deterministic=True)
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            self._local.docs = DocCache()  # its versions are those of this connection
        return conn

    # --- names and tenants -----------------------------------------------------------
    def _name_id(self, iri: str) -> int | None:
        nid = self._r_names.get(iri)
        if nid is None:
            row = self._reader().execute("SELECT id FROM names WHERE iri = ?", (iri,)).fetchone()
            if row is None:
                return None
            nid = self._r_names[iri] = row[0]
        return nid

    def _tenant_id(self, tenant: str) -> int | None:
        if not tenant:
            return 0  # the default tenant always exists
        tid = self._r_tenants.get(tenant)
        if tid is None:
            row = (
                self._reader()
                .execute("SELECT id FROM tenants WHERE name = ?", (tenant,))
                .fetchone()
            )
            if row is None:
                return None if tenant else 0  # the default tenant always exists
            tid = self._r_tenants[tenant] = row[0]
        return tid

    def _require_tenant(self, tenant: str) -> int:
        tid = self._tenant_id(tenant)
        if tid is None:
            raise NonexistentTenant(f"tenant {tenant!r} does not exist")
        return tid

    def _w_intern(self, conn: sqlite3.Connection, iri: str) -> int:
        nid = self._w_names.get(iri)
        if nid is None:
            row = conn.execute("SELECT id FROM names WHERE iri = ?", (iri,)).fetchone()
            if row is None:
                nid = conn.execute("INSERT INTO names(iri) VALUES (?)", (iri,)).lastrowid
            else:
                nid = row[0]
            assert nid is not None
            self._w_names[iri] = nid
        return nid

    def _w_tenant(self, conn: sqlite3.Connection, tenant: str) -> int:
        if not tenant:
            return 0
        tid = self._w_tenants.get(tenant)
        if tid is None:
            row = conn.execute("SELECT id FROM tenants WHERE name = ?", (tenant,)).fetchone()
            if row is None:
                tid = conn.execute(
                    "INSERT INTO tenants(name, created_at) VALUES (?, datetime('now'))", (tenant,)
                ).lastrowid
            else:
                tid = row[0]
            assert tid is not None
            self._w_tenants[tenant] = tid
        return tid

    def _w_forget(self) -> None:
        self._w_names.clear()
        self._w_tenants.clear()
        self._w_next_rid = 0
        self._w_next_hid = 0
        self._w_next_oid = 0

    def _new_hid(self, conn: sqlite3.Connection) -> int:
        if not self._w_next_hid:
            row = conn.execute("SELECT max(hid) FROM hist_entities").fetchone()
            self._w_next_hid = (row[0] or 0) + 1
        hid = self._w_next_hid
        self._w_next_hid += 1
        return hid

    def _new_rid(self, conn: sqlite3.Connection) -> int:
        if not self._w_next_rid:
            row = conn.execute("SELECT max(rid) FROM entities").fetchone()
            self._w_next_rid = (row[0] or 0) + 1
        rid = self._w_next_rid
        self._w_next_rid += 1
        return rid

    # --- writes ----------------------------------------------------------------------
    async def write(self, tenant: str, entity_id: str, fn: WriteFn) -> Any:
        results = await self.write_many(tenant, [(entity_id, fn)])
        if isinstance(results[0], BaseException):
            raise results[0]
        return results[0]

    async def write_many(
        self, tenant: str, writes: Sequence[tuple[str, WriteFn]]
    ) -> list[Any | NgsiLdError]:
        assert self._writer is not None, "store is not open"
        try:
            return await self._writer.submit_combined((tenant, writes))  # type: ignore[no-any-return]
        except BaseException:
            self._w_forget()
            raise

    def write_many_sync(self, tenant: str, writes: Sequence[tuple[str, WriteFn]]) -> list[Any]:
        assert self._writer is not None, "store is not open"
        try:
            return self._writer.submit_sync(
                lambda conn: self._apply_group(conn, [(tenant, writes)])[0]
            )
        except BaseException:
            self._w_forget()
            raise

    def _apply_group(
        self, conn: sqlite3.Connection, items: list[tuple[str, Sequence[tuple[str, WriteFn]]]]
    ) -> list[list[Any]]:
        """Runs on the event loop, inside the group's transaction: every write of the
        group, in order (a later write sees an earlier one's result), then one pass of
        deletes and inserts per tenant."""
        # another program (isanhub import, retention, erase) may have written the file
        # since this connection's last commit: the next numbers are then read again
        (version,) = conn.execute("PRAGMA data_version").fetchone()
        if version != self._w_version:
            self._w_forget()
            self._w_version = version
        tenants: dict[str, TenantWrites] = {}
        wanted: dict[str, list[str]] = {}
        for tenant, writes in items:
            if tenant not in tenants:
                tenants[tenant] = TenantWrites(self._w_tenant_lookup(conn, tenant))
                wanted[tenant] = []
            wanted[tenant].extend(eid for eid, _ in writes)
        for tenant, ids in wanted.items():  # one look-up per tenant for the whole group
            rows.prefetch(conn, tenants[tenant], ids)
        watcher = self._watcher
        if watcher is not None:
            for tenant, tw in tenants.items():
                if watcher.watching(tenant):
                    tw.events = []
        out: list[list[Any]] = []
        for tenant, writes in items:
            tw = tenants[tenant]
            out.append([tw.apply(eid, fn, lambda: self._new_rid(conn)) for eid, fn in writes])
        notifications: list[OutboxItem] = []
        for tenant, tw in tenants.items():
            if tw.empty:
                continue
            tid = tw.tid if tw.tid is not None else self._w_tenant(conn, tenant)
            plan = rowplan.build(tw, lambda iri: self._w_intern(conn, iri))
            rows.execute(conn, tid, plan)
            rows.history(conn, tid, plan, lambda: self._new_hid(conn))
            if watcher is not None and tw.events:
                notifications += watcher.outbox(tenant, tw.events)
        if notifications:
            assert watcher is not None
            self._outbox(conn, notifications, watcher)
        return out

    def _outbox(
        self, conn: sqlite3.Connection, items: list[OutboxItem], watcher: ChangeWatcher
    ) -> None:
        """Insert the group's notifications; hand them to the watcher once committed."""
        if not self._w_next_oid:
            row = conn.execute("SELECT max(id) FROM outbox").fetchone()
            self._w_next_oid = (row[0] or 0) + 1
        subs.insert_outbox(conn, items, self._w_next_oid)
        self._w_next_oid += len(items)
        assert self._writer is not None
        self._writer.after_commit(lambda: watcher.committed(items))

    # --- subscriptions ---------------------------------------------------------------
    def set_watcher(self, watcher: ChangeWatcher | None) -> None:
        """Have ``watcher`` see every change from now on (store.outbox)."""
        self._watcher = watcher

    def subscription_table(self) -> subs.SqliteSubscriptions:
        return subs.SqliteSubscriptions(self)

    def security_table(self) -> security.SqliteSecurity:
        return security.SqliteSecurity(self)

    def _w_tenant_lookup(self, conn: sqlite3.Connection, tenant: str) -> int | None:
        """The tenant's id, or None when it does not exist yet (no write created it)."""
        tid = self._w_tenants.get(tenant) if tenant else 0
        if tid is None:
            row = conn.execute("SELECT id FROM tenants WHERE name = ?", (tenant,)).fetchone()
            tid = row[0] if row else None
        return tid

    # --- reads -----------------------------------------------------------------------
    async def get(self, tenant: str, entity_id: str) -> Entity | None:
        doc = await self.get_doc(tenant, entity_id)
        return _loads(doc) if doc is not None else None

    async def get_doc(self, tenant: str, entity_id: str) -> str | None:
        tid = self._require_tenant(tenant)
        conn = self._reader()
        cache: DocCache = self._local.docs
        key = (tid, entity_id)
        doc = cache.current(conn, self._epoch).get(key)
        if doc is None:
            row = conn.execute(
                "SELECT doc FROM entities WHERE tenant = ? AND eid = ?", key
            ).fetchone()
            if row is None:
                return None
            doc = row[0]
            cache.keep(key, doc)
        return doc

    async def get_many(self, tenant: str, entity_ids: Sequence[str]) -> dict[str, Entity]:
        tid = self._require_tenant(tenant)
        out: dict[str, Entity] = {}
        for chunk in rowplan.chunks(list(entity_ids), 500):
            marks = ",".join("?" * len(chunk))
            for eid, doc in self._reader().execute(
                f"SELECT eid, doc FROM entities WHERE tenant = ? AND eid IN ({marks})",
                (tid, *chunk),
            ):
                out[eid] = _loads(doc)
        return out

    async def query(self, tenant: str, query: Query) -> QueryResult:
        tid = self._require_tenant(tenant)
        return await asyncio.to_thread(self.query_sync, tid, query)

    def query_sync(self, tid: int, query: Query) -> QueryResult:
        plan = sql.plan_query(query, self._name_id, SqliteDialect(tid))
        if plan.empty:
            return QueryResult([], 0 if query.count else None)
        conn = self._reader()
        if plan.exact:
            rows = conn.execute(
                plan.sql + " LIMIT ? OFFSET ?", (*plan.params, query.limit, query.offset)
            ).fetchall()
            count = None
            if query.count:
                count = conn.execute(plan.count_sql, plan.count_params).fetchone()[0]
            return QueryResult([_loads(row[1]) for row in rows], count)
        return filter_page(conn.execute(plan.sql, plan.params), query, plan.id_pattern)

    async def temporal(
        self, tenant: str, tq: temporal.TemporalQuery
    ) -> tuple[list[temporal.TemporalEntity], int | None]:
        tid = self._require_tenant(tenant)

        async def run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
            return await asyncio.to_thread(lambda: self._reader().execute(sql, params).fetchall())

        async def names(ids: Sequence[int]) -> dict[int, str]:
            marks = ",".join("?" * len(ids))
            return dict(await run(f"SELECT id, iri FROM names WHERE id IN ({marks})", list(ids)))

        return await temporal.execute(tq, self._name_id, names, SqliteDialect(tid), run)

    async def edit_history(self, tenant: str, entity_id: str, edit: HistoryEdit) -> bool:
        tid = self._require_tenant(tenant)
        d = SqliteDialect(tid)
        name = self._name_id(edit.attr) if edit.attr is not None else None
        if edit.attr is not None and name is None:
            return False

        def job(conn: sqlite3.Connection) -> bool:
            row = conn.execute(*history_edit.hid_of(entity_id, d)).fetchone()
            if row is None:
                return False
            changed = 0
            for sql_text, params in history_edit.edit_statements(edit, row[0], name, d):
                changed += conn.execute(sql_text, params).rowcount
            return changed > 0

        assert self._writer is not None, "store is not open"
        return bool(await self._writer.submit(job))

    async def purge_history(
        self,
        tenant: str,
        before: int,
        *,
        types: list[str] | None = None,
        except_types: Sequence[str] = (),
        dry_run: bool = False,
    ) -> int:
        tid = self._tenant_id(tenant)
        if tid is None:
            return 0
        type_ids = (
            None if types is None else [i for i in map(self._name_id, types) if i is not None]
        )
        if type_ids == []:
            return 0
        excluded = [i for i in map(self._name_id, except_types) if i is not None]
        steps = history_edit.purge_statements(
            before, type_ids, excluded, SqliteDialect(tid), dry_run=dry_run
        )

        def job(conn: sqlite3.Connection) -> int:
            first = conn.execute(*steps[0])
            removed = first.fetchone()[0] if dry_run else first.rowcount
            for sql_text, params in steps[1:]:
                conn.execute(sql_text, params)
            return int(removed)

        assert self._writer is not None, "store is not open"
        return int(await self._writer.submit(job))

    async def find_history(
        self,
        tenant: str,
        texts: Sequence[str] = (),
        *,
        ids: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        attrs: Sequence[str] | None = None,
    ) -> list[erase.HistoryHit]:
        tid = self._tenant_id(tenant)
        type_ids = None if types is None else [i for i in map(self._name_id, types) if i]
        names = None if attrs is None else [i for i in map(self._name_id, attrs) if i]
        if tid is None or any(x is not None and not x for x in (ids, type_ids, names)):
            return []
        d = SqliteDialect(tid)
        query = erase.find_statement(d, "instr({doc}, ?) > 0", texts, ids, type_ids, names)

        def read() -> list[erase.HistoryHit]:
            conn = self._reader()
            rows = conn.execute(*query).fetchall()
            hids = sorted({r[0] for r in rows})
            by_hid: dict[int, list[int]] = {}
            for start in range(0, len(hids), 500):
                for hid, t in conn.execute(*erase.types_statement(d, hids[start : start + 500])):
                    by_hid.setdefault(hid, []).append(t)
            wanted = sorted({r[3] for r in rows}.union(*by_hid.values()))
            iris: dict[int, str] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                iris.update(conn.execute(f"SELECT id, iri FROM names WHERE id IN ({marks})", chunk))
            types_of = {h: [iris[t] for t in ts] for h, ts in by_hid.items()}
            return erase.hits(rows, types_of, iris)

        return await asyncio.to_thread(read)

    async def scrub(self) -> None:
        """Deleted rows are zeroed in the file as they go (secure_delete, schema.connect);
        their older copies in the write-ahead log go with a checkpoint that truncates it."""
        if self.path.startswith("file:isanhub-"):  # in memory: no file
            return

        def checkpoint() -> bool:
            conn = self._connect()
            try:
                busy = 1
                for _ in range(3):  # each waits up to busy_timeout for the writer, readers
                    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    if not busy:
                        break
                    time.sleep(0.1)
                return not busy
            finally:
                conn.close()

        if not await asyncio.to_thread(checkpoint):
            log.warning("erasure: the write-ahead log could not be truncated (busy readers)")

    async def types(self, tenant: str) -> list[TypeInfo]:
        tid = self._require_tenant(tenant)
        return await asyncio.to_thread(self._types_sync, tid)

    def _types_sync(self, tid: int) -> list[TypeInfo]:
        conn = self._reader()
        out: dict[int, TypeInfo] = {}
        for type_id, iri, n in conn.execute(
            "SELECT t.type, n.iri, count(*) FROM entity_types t JOIN names n ON n.id = t.type"
            " WHERE t.tenant = ? GROUP BY t.type ORDER BY n.iri",
            (tid,),
        ):
            out[type_id] = TypeInfo(iri, n, {})
        for type_id, attr_iri, kind in conn.execute(
            "SELECT DISTINCT t.type, n.iri, a.kind FROM entity_types t"
            " JOIN attrs a ON a.rid = t.rid JOIN names n ON n.id = a.name WHERE t.tenant = ?",
            (tid,),
        ):
            kinds = out[type_id].attrs.setdefault(attr_iri, [])
            name = KIND_NAMES.get(kind, "Property")
            if name not in kinds:
                kinds.append(name)
        return list(out.values())

    async def attributes(self, tenant: str) -> list[AttributeInfo]:
        tid = self._require_tenant(tenant)
        return await asyncio.to_thread(self._attributes_sync, tid)

    def _attributes_sync(self, tid: int) -> list[AttributeInfo]:
        conn = self._reader()
        out: dict[str, AttributeInfo] = {}
        for iri, n in conn.execute(
            "SELECT n.iri, count(DISTINCT a.rid) FROM attrs a JOIN entities e ON e.rid = a.rid"
            " JOIN names n ON n.id = a.name WHERE e.tenant = ? GROUP BY a.name ORDER BY n.iri",
            (tid,),
        ):
            out[iri] = AttributeInfo(iri, n, [], [])
        for iri, kind in conn.execute(
            "SELECT DISTINCT n.iri, a.kind FROM attrs a JOIN entities e ON e.rid = a.rid"
            " JOIN names n ON n.id = a.name WHERE e.tenant = ?",
            (tid,),
        ):
            out[iri].attr_types.append(KIND_NAMES.get(kind, "Property"))
        for iri, type_iri in conn.execute(
            "SELECT DISTINCT n.iri, tn.iri FROM attrs a JOIN entity_types t ON t.rid = a.rid"
            " JOIN names n ON n.id = a.name JOIN names tn ON tn.id = t.type WHERE t.tenant = ?",
            (tid,),
        ):
            out[iri].entity_types.append(type_iri)
        return list(out.values())

    async def tenants(self) -> list[str]:
        return [r[0] for r in self._reader().execute("SELECT name FROM tenants ORDER BY name")]

    async def tenant_exists(self, tenant: str) -> bool:
        return self._tenant_id(tenant) is not None

    def context_backend(self) -> ContextTable:
        """The table of hosted and cached @contexts (ContextStoreBackend)."""
        return ContextTable(self)
