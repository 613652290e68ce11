"""Subscriptions and the outbox in the hub's shared schema (store.outbox), so every
process on the database sees the same subscriptions and one of them delivers."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from psycopg import AsyncConnection, errors

from isanhub.core.errors import AlreadyExists, ResourceNotFound
from isanhub.store.outbox import Listener, OutboxItem, StoredSubscription
from isanhub.store.postgres import schema

if TYPE_CHECKING:
    from isanhub.store.postgres.store import PostgresStore

_ITEM = "id, tenant, sid, eid, payload, created"
log = logging.getLogger("isanhub.notify")


def channel(ns: str) -> str:
    """The LISTEN/NOTIFY channel on which writers tell the delivering process."""
    return f"{ns}_outbox"


def subs_channel(ns: str) -> str:
    """The channel on which a subscription change tells every process."""
    return f"{ns}_subscriptions"


#: a process that has not said it is alive for this long is not waited for
MEMBER_TTL = "5 seconds"
#: how long a subscription change waits at most for the other processes
BARRIER_WAIT = 2.0


async def version(conn: AsyncConnection, q: str) -> int:
    cur = await conn.execute(f"SELECT version FROM {q}subscription_version")
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def load(conn: AsyncConnection, q: str) -> list[tuple[str, dict[str, Any]]]:
    cur = await conn.execute(f"SELECT tenant, doc FROM {q}subscriptions ORDER BY seq")
    return [(t, orjson.loads(d)) for t, d in await cur.fetchall()]


async def insert_outbox(
    conn: AsyncConnection, q: str, ns: str, items: list[OutboxItem], *, leading: bool
) -> None:
    """Insert the rows in the caller's transaction; unless this process delivers, tell
    the one that does (NOTIFY is sent at commit). Their ids come from the table's
    sequence: the deliverer reads rows from the table even when it wrote them itself
    (notify.reader), which keeps each entity's notifications in commit order whichever
    process wrote them."""
    await conn.execute(
        f"INSERT INTO {q}outbox(tenant, sid, eid, payload, created) SELECT * FROM unnest("
        "%b::text[], %b::text[], %b::text[], %b::bytea[], %b::float8[])",  # binary: no escaping
        (
            [i.tenant for i in items],
            [i.sid for i in items],
            [i.eid for i in items],
            [i.payload for i in items],
            [i.created for i in items],
        ),
    )
    if not leading:
        await conn.execute("SELECT pg_notify(%s, '')", (channel(ns),))


class PgSubscriptions:
    """The SubscriptionTable of a PostgresStore."""

    shared = True

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._q = store._q

    async def _bump(self, conn: AsyncConnection, tenant: str, sid: str) -> int:
        """The next version, announced to every process at commit."""
        cur = await conn.execute(
            f"UPDATE {self._q}subscription_version SET version = version + 1 RETURNING version"
        )
        row = await cur.fetchone()
        assert row is not None
        news = orjson.dumps({"v": row[0], "t": tenant, "s": sid}).decode()
        await conn.execute("SELECT pg_notify(%s, %s)", (subs_channel(self._store.ns), news))
        return int(row[0])

    async def load(self) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        async with self._store._connection() as conn, conn.transaction():
            return await version(conn, self._q), await load(conn, self._q)

    async def version(self) -> int:
        async with self._store._connection() as conn:
            return await version(conn, self._q)

    async def put(self, tenant: str, doc: dict[str, Any], *, create: bool) -> int:
        text = orjson.dumps(doc).decode()
        async with self._store._connection() as conn, conn.transaction():
            if create:
                try:
                    async with conn.transaction():
                        await conn.execute(
                            f"INSERT INTO {self._q}subscriptions(tenant, sid, doc)"
                            " VALUES (%s, %s, %s)",
                            (tenant, doc["id"], text),
                        )
                except errors.UniqueViolation:
                    raise AlreadyExists(f"subscription {doc['id']} already exists") from None
            else:
                cur = await conn.execute(
                    f"UPDATE {self._q}subscriptions SET doc = %s WHERE tenant = %s AND sid = %s",
                    (text, tenant, doc["id"]),
                )
                if not cur.rowcount:
                    raise ResourceNotFound(f"subscription {doc['id']} not found")
            return await self._bump(conn, tenant, doc["id"])

    async def delete(self, tenant: str, sid: str) -> int | None:
        async with self._store._connection() as conn, conn.transaction():
            cur = await conn.execute(
                f"DELETE FROM {self._q}subscriptions WHERE tenant = %s AND sid = %s",
                (tenant, sid),
            )
            if not cur.rowcount:
                return None
            await conn.execute(
                f"DELETE FROM {self._q}outbox WHERE tenant = %s AND sid = %s", (tenant, sid)
            )
            return await self._bump(conn, tenant, sid)

    async def get(self, tenant: str, sid: str) -> StoredSubscription | None:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"SELECT doc, status FROM {self._q}subscriptions WHERE tenant = %s AND sid = %s",
                (tenant, sid),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        return StoredSubscription(tenant, orjson.loads(row[0]), orjson.loads(row[1]))

    async def page(
        self, tenant: str, limit: int, offset: int
    ) -> tuple[list[StoredSubscription], int]:
        async with self._store._connection() as conn, conn.transaction():
            cur = await conn.execute(
                f"SELECT doc, status FROM {self._q}subscriptions WHERE tenant = %s"
                " ORDER BY seq LIMIT %s OFFSET %s",
                (tenant, limit, offset),
            )
            rows = await cur.fetchall()
            cur = await conn.execute(
                f"SELECT count(*) FROM {self._q}subscriptions WHERE tenant = %s", (tenant,)
            )
            total = await cur.fetchone()
        subs = [StoredSubscription(tenant, orjson.loads(d), orjson.loads(s)) for d, s in rows]
        return subs, int(total[0]) if total else 0

    async def pending(
        self, after: int = 0, upto: int | None = None, also: Sequence[int] = ()
    ) -> list[OutboxItem]:
        async with self._store._connection() as conn:
            cur = await conn.execute(
                f"SELECT {_ITEM} FROM {self._q}outbox WHERE (id > %s AND id <= %s)"
                " OR id = ANY(%s::bigint[]) ORDER BY id",
                (after, upto if upto is not None else 2**63 - 1, list(also)),
            )
            rows = await cur.fetchall()
        return [OutboxItem(t, s, e, bytes(p), c, i) for i, t, s, e, p, c in rows]

    async def settle(self, done: list[int], statuses: list[StoredSubscription]) -> None:
        async with self._store._connection() as conn, conn.transaction():
            if done:
                await conn.execute(
                    f"DELETE FROM {self._q}outbox WHERE id = ANY(%b::bigint[])", (done,)
                )
            if statuses:  # one statement: a busy leader settles hundreds at a time
                await conn.execute(
                    f"UPDATE {self._q}subscriptions s SET status = u.status FROM unnest("
                    "%b::text[], %b::text[], %b::text[]) AS u(tenant, sid, status)"
                    " WHERE s.tenant = u.tenant AND s.sid = u.sid",
                    (
                        [s.tenant for s in statuses],
                        [s.doc["id"] for s in statuses],
                        [orjson.dumps(s.status).decode() for s in statuses],
                    ),
                )

    async def barrier(self, version: int) -> None:
        deadline = time.monotonic() + BARRIER_WAIT
        while True:
            async with self._store._connection() as conn:
                cur = await conn.execute(
                    f"SELECT count(*) FROM {self._q}notify_members WHERE version < %s"
                    f" AND heartbeat > now() - interval '{MEMBER_TTL}'",
                    (version,),
                )
                row = await cur.fetchone()
            if not row or not row[0]:
                return
            if time.monotonic() > deadline:
                log.warning(
                    "%d process(es) did not confirm subscription version %d", row[0], version
                )
                return
            await asyncio.sleep(0.005)

    async def lead(self, listener: Listener) -> None:
        """One connection of this process's own LISTENs for subscription changes (and,
        while it delivers, for outbox rows), says every second that the process is alive
        and which subscriptions' version it holds, and tries for the delivering role: a
        session advisory lock, which PostgreSQL releases if the process dies, so that
        another takes over within a second."""
        key = schema.lock_key(self._store.ns, "notify")
        member = uuid.uuid4().hex
        members = f"{self._q}notify_members"
        while True:
            leading = False
            try:
                async with await AsyncConnection.connect(
                    self._store.conninfo,
                    autocommit=True,
                    # a dead peer must end the session here as it does on the server
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=3,
                ) as conn:
                    await conn.execute(f'LISTEN "{subs_channel(self._store.ns)}"')
                    await conn.execute(f'LISTEN "{channel(self._store.ns)}"')
                    held = await listener.changed(0, None, None)  # missed while deaf
                    listener.listening(True)
                    said = 0.0
                    while True:
                        if time.monotonic() - said >= 0.9:  # about every second
                            await conn.execute(
                                f"INSERT INTO {members} VALUES (%s, %s, now()) ON CONFLICT (id)"
                                " DO UPDATE SET version = excluded.version, heartbeat = now()",
                                (member, held),
                            )
                            said = time.monotonic()
                            if not leading:
                                cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))
                                row = await cur.fetchone()
                                if row and row[0]:
                                    leading = True
                                    await listener.became(True)
                        rows_written = False
                        # collected first: the generator holds the connection, and the
                        # statements below on it would wait for it for ever
                        notes = [n async for n in conn.notifies(timeout=1.0, stop_after=1)]
                        for note in notes:
                            if note.channel == subs_channel(self._store.ns):
                                news = orjson.loads(note.payload)
                                held = await listener.changed(news["v"], news["t"], news["s"])
                                await conn.execute(
                                    f"UPDATE {members} SET version = %s WHERE id = %s",
                                    (held, member),
                                )
                            else:
                                rows_written = True
                        if leading or rows_written:
                            listener.wake()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the connection broke: try again
                log.warning("notification connection lost; reconnecting")
            finally:
                listener.listening(False)
            if leading:
                await listener.became(False)
            await asyncio.sleep(1.0)
