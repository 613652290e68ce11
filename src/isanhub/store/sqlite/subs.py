"""Subscriptions and the outbox in the store's SQLite file (store.outbox).

Writes go through the store's group-commit writer like every other write, so they are
durable when they return and never interleave with an entity write's transaction.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from isanhub.core.errors import AlreadyExists, ResourceNotFound
from isanhub.store.outbox import Listener, OutboxItem, StoredSubscription

if TYPE_CHECKING:
    from isanhub.store.sqlite.store import SqliteStore

log = logging.getLogger("isanhub.notify")
_VERSION = "subscriptions_version"
OTHERS_EVERY = 1.0  #: seconds between two looks for other programs' commits (one PRAGMA)


def bump(conn: sqlite3.Connection) -> int:
    """Increment the subscriptions' version in the current transaction; the new one."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ?", (_VERSION,))
    return int(conn.execute("SELECT value FROM meta WHERE key = ?", (_VERSION,)).fetchone()[0])


def insert_outbox(conn: sqlite3.Connection, items: list[OutboxItem], first_id: int) -> None:
    """Insert outbox rows numbered from ``first_id`` (the caller keeps the counter)."""
    for n, item in enumerate(items):
        item.id = first_id + n
    conn.executemany(
        "INSERT INTO outbox(id, tenant, sid, eid, payload, created) VALUES (?,?,?,?,?,?)",
        [(i.id, i.tenant, i.sid, i.eid, i.payload, i.created) for i in items],
    )


class SqliteSubscriptions:
    """The SubscriptionTable of a SqliteStore."""

    shared = False

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    async def _write(self, job: Any) -> Any:
        writer = self._store._writer
        assert writer is not None, "store is not open"
        return await writer.submit(job)

    def _read(self) -> sqlite3.Connection:
        return self._store._reader()

    async def load(self) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        conn = self._read()
        version = conn.execute("SELECT value FROM meta WHERE key = ?", (_VERSION,)).fetchone()
        subs = conn.execute("SELECT tenant, doc FROM subscriptions ORDER BY seq").fetchall()
        return int(version[0]), [(t, orjson.loads(d)) for t, d in subs]

    async def version(self) -> int:
        row = self._read().execute("SELECT value FROM meta WHERE key = ?", (_VERSION,)).fetchone()
        return int(row[0])

    async def put(self, tenant: str, doc: dict[str, Any], *, create: bool) -> int:
        text = orjson.dumps(doc).decode()

        def job(conn: sqlite3.Connection) -> int:
            if create:
                try:
                    conn.execute(
                        "INSERT INTO subscriptions(tenant, sid, doc) VALUES (?,?,?)",
                        (tenant, doc["id"], text),
                    )
                except sqlite3.IntegrityError:
                    raise AlreadyExists(f"subscription {doc['id']} already exists") from None
            elif not conn.execute(
                "UPDATE subscriptions SET doc = ? WHERE tenant = ? AND sid = ?",
                (text, tenant, doc["id"]),
            ).rowcount:
                raise ResourceNotFound(f"subscription {doc['id']} not found")
            return bump(conn)

        return int(await self._write(job))

    async def delete(self, tenant: str, sid: str) -> int | None:
        def job(conn: sqlite3.Connection) -> int | None:
            where = (tenant, sid)
            if not conn.execute(
                "DELETE FROM subscriptions WHERE tenant = ? AND sid = ?", where
            ).rowcount:
                return None
            conn.execute("DELETE FROM outbox WHERE tenant = ? AND sid = ?", where)
            return bump(conn)

        result = await self._write(job)
        return None if result is None else int(result)

    async def get(self, tenant: str, sid: str) -> StoredSubscription | None:
        row = (
            self._read()
            .execute(
                "SELECT doc, status FROM subscriptions WHERE tenant = ? AND sid = ?",
                (tenant, sid),
            )
            .fetchone()
        )
        if row is None:
            return None
        return StoredSubscription(tenant, orjson.loads(row[0]), orjson.loads(row[1]))

    async def page(
        self, tenant: str, limit: int, offset: int
    ) -> tuple[list[StoredSubscription], int]:
        conn = self._read()
        rows = conn.execute(
            "SELECT doc, status FROM subscriptions WHERE tenant = ? ORDER BY seq LIMIT ? OFFSET ?",
            (tenant, limit, offset),
        ).fetchall()
        (total,) = conn.execute(
            "SELECT count(*) FROM subscriptions WHERE tenant = ?", (tenant,)
        ).fetchone()
        subs = [StoredSubscription(tenant, orjson.loads(d), orjson.loads(s)) for d, s in rows]
        return subs, int(total)

    async def pending(
        self, after: int = 0, upto: int | None = None, also: Sequence[int] = ()
    ) -> list[OutboxItem]:
        marks = ",".join("?" * len(also))
        rows = self._read().execute(
            "SELECT id, tenant, sid, eid, payload, created FROM outbox"
            f" WHERE (id > ? AND id <= ?){f' OR id IN ({marks})' if also else ''} ORDER BY id",
            (after, upto if upto is not None else 2**63 - 1, *also),
        )
        return [OutboxItem(t, s, e, bytes(p), c, i) for i, t, s, e, p, c in rows]

    async def settle(self, done: list[int], statuses: list[StoredSubscription]) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in done])
            conn.executemany(
                "UPDATE subscriptions SET status = ? WHERE tenant = ? AND sid = ?",
                [(orjson.dumps(s.status).decode(), s.tenant, s.doc["id"]) for s in statuses],
            )

        await self._write(job)

    async def lead(self, listener: Listener) -> None:
        # the server process delivers, and wrote the rows its writes match; other
        # programs writing the file (isanhub import) leave theirs in the outbox: it reads
        # them, and any subscription change, once it sees that they committed
        listener.listening(True)
        await listener.became(True)
        self._store.others_committed()
        while True:
            await asyncio.sleep(OTHERS_EVERY)
            try:
                if self._store.others_committed():
                    await listener.changed(await self.version(), None, None)
                    listener.wake()
            except sqlite3.Error:  # the file busy for longer than busy_timeout
                log.exception("could not look for other programs' writes; next in a second")

    async def barrier(self, version: int) -> None:
        return None  # one process
