"""The PostgreSQL outbox reader against real concurrent transactions: a row that commits
after a higher id was read is still delivered, in time or by the sweep."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from psycopg import AsyncConnection

from isanhub.notify import reader as reader_module
from isanhub.notify.reader import OutboxReader
from isanhub.store.base import open_store
from isanhub.store.postgres import PostgresStore


async def _begin_insert(store: PostgresStore, eid: str) -> AsyncConnection[Any]:
    """A transaction that inserted one outbox row and is still open."""
    conn = await AsyncConnection.connect(store.conninfo)
    await conn.execute(
        f"INSERT INTO {store._q}outbox(tenant, sid, eid, payload, created)"
        " VALUES ('', 'urn:s', %s, '{}', 0)",
        (eid,),
    )
    return conn


def _eids(rows: list[Any]) -> list[str]:
    return [r.eid for r in rows]


def test_rows_committed_late_are_read(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def run() -> None:
        store = open_store(postgres_url)
        await store.open()
        assert isinstance(store, PostgresStore)
        known: set[int] = set()
        reader = OutboxReader(store.subscription_table(), known.__contains__)
        try:
            first = await _begin_insert(store, "first")
            await first.commit()
            assert _eids(await reader.new_rows()) == ["first"]
            slow = await _begin_insert(store, "a")  # takes the lower id, commits last
            fast = await _begin_insert(store, "b")
            await fast.commit()
            assert _eids(await reader.new_rows()) == ["b"]
            await slow.commit()
            assert _eids(await reader.new_rows()) == ["a"]  # the gap held the mark back
            assert _eids(await reader.new_rows()) == []  # nothing twice

            # a rolled-back transaction leaves a gap for good: given up after GAP_WAIT
            gone = await _begin_insert(store, "never")
            await gone.rollback()
            late = await _begin_insert(store, "late")  # open while its gap is given up
            done = await _begin_insert(store, "c")
            await done.commit()
            monkeypatch.setattr(reader_module, "GAP_WAIT", 0.0)
            assert _eids(await reader.new_rows()) == ["c"]
            await reader.new_rows()  # the gaps are now older than GAP_WAIT: given up
            await late.commit()
            assert _eids(await reader.new_rows()) == []  # below the mark: not seen yet
            monkeypatch.setattr(reader_module, "SWEEP_EVERY", 0.0)
            # the dispatcher holds every row but "late", which it never saw
            pending = await store.subscription_table().pending()
            known.update(r.id for r in pending if r.eid != "late")
            assert _eids(await reader.new_rows()) == ["late"]  # the sweep finds it
            for conn in (first, slow, fast, gone, late, done):
                await conn.close()
        finally:
            await store.close()

    asyncio.run(run())
