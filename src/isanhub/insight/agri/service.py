"""What the command line and the API share for farmer insight: keeping each tenant's
snapshot fresh enough, and answering an insight over it.

Freshness: a request finds the served snapshot; when none exists it builds one and
waits; when it is older than ``agri_refresh`` seconds it answers from it at once and
starts one rebuild in the background (stale-while-revalidate). A lock file per tenant
keeps several server processes from building the same snapshot at the same time.
DuckDB runs in a worker thread, so the server keeps answering other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from isanhub.insight.agri.ask import Ask
from isanhub.insight.agri.extract import Progress, build
from isanhub.insight.agri.registry import INSIGHTS
from isanhub.insight.agri.snapshot import Meta, Snapshot, connect
from isanhub.settings import Settings
from isanhub.store.base import Store

log = logging.getLogger("isanhub.agri")


@dataclass
class Agri:
    """The farmer insight of one hub (one per process)."""

    store: Store
    root: str
    refresh_s: int = 600
    _building: dict[str, asyncio.Task[Meta]] = field(default_factory=dict)
    _cons: dict[Path, duckdb.DuckDBPyConnection] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings, store: Store) -> Agri:
        return cls(store, settings.agri_dir, settings.agri_refresh)

    def snapshot(self, tenant: str) -> Snapshot:
        return Snapshot(self.root, tenant)

    async def refresh(self, tenant: str, progress: Progress | None = None) -> Meta:
        """Build a new snapshot now (joining a build already running in this process)."""
        task = self._building.get(tenant)
        if task is None or task.done():
            task = asyncio.create_task(self._build(tenant, progress))
            self._building[tenant] = task
        return await asyncio.shield(task)

    async def _build(self, tenant: str, progress: Progress | None) -> Meta:
        snap = self.snapshot(tenant)
        snap.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(snap.folder / "build.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            # another process building: wait for it, then serve what it built
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            age = snap.age()
            meta = snap.meta()
            if meta is not None and age is not None and age < 1.0:
                return meta
            return await build(self.store, tenant, snap, progress=progress)
        finally:
            os.close(fd)  # closing releases the lock

    async def fresh(self, tenant: str) -> Snapshot:
        """The tenant's snapshot, built first when there is none, rebuilt in the
        background when older than the refresh interval."""
        snap = self.snapshot(tenant)
        age = snap.age()
        if age is None:
            await self.refresh(tenant)
        elif age > self.refresh_s:
            task = self._building.get(tenant)
            if task is None or task.done():
                self._building[tenant] = t = asyncio.create_task(self._build(tenant, None))
                t.add_done_callback(_log_failure)
        return snap

    def _connection(self, snap: Snapshot) -> tuple[duckdb.DuckDBPyConnection, Meta | None]:
        """A cursor over the served generation (one DuckDB database per generation)."""
        gen = snap.current()
        meta = snap.meta()
        if gen is None:
            return connect(None), None
        con = self._cons.get(gen)
        if con is None:
            for old in [g for g in self._cons if g.parent == gen.parent]:
                self._cons.pop(old).close()
            con = self._cons[gen] = connect(gen)
        return con.cursor(), meta

    async def answer(
        self, tenant: str, name: str, *, now: datetime | None = None, **params: Any
    ) -> dict[str, Any]:
        """Insight ``name`` over the tenant's snapshot, asked with ``params`` (the fields
        of Ask); ``now`` defaults to the time the snapshot was taken."""
        insight = INSIGHTS[name]
        snap = await self.fresh(tenant)

        def run() -> dict[str, Any]:
            con, meta = self._connection(snap)
            try:
                taken = datetime.fromisoformat(meta.taken_at) if meta else datetime.now()
                asked = Ask(now=now or taken, **params)
                body = insight.run(con, asked)
            finally:
                con.close()
            head = {
                "insight": name,
                "takenAt": meta.taken_at if meta else None,
                "now": asked.now.isoformat(timespec="seconds"),
                "province": asked.province, "district": asked.district, "crop": asked.crop,
            }  # fmt: skip
            return head | body

        return await asyncio.to_thread(run)

    async def aclose(self) -> None:
        """Stop builds under way (a half-built generation is never served) and close."""
        for task in self._building.values():
            task.cancel()
        for task in self._building.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._building.clear()
        self.close()

    def close(self) -> None:
        for con in self._cons.values():
            con.close()
        self._cons.clear()


def _log_failure(task: asyncio.Task[Meta]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("farmer-insight snapshot failed: %s", task.exception())
