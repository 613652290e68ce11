"""A single writer thread with group commit.

SQLite allows one writer at a time; rather than have request handlers contend for the
lock, every write is queued to one thread that runs whatever is waiting in a single
transaction and commits once (one fsync for the group). Each job runs under a savepoint,
so a failing job rolls back alone. Callers are resumed only after the commit returned:
an acknowledged write is durable.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

Job = Callable[[sqlite3.Connection], Any]
_STOP = object()
MAX_GROUP = 256


class GroupCommitWriter:
    def __init__(self, conn: sqlite3.Connection, name: str = "isanhub-writer") -> None:
        self._conn = conn
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def submit(self, job: Job) -> Any:
        """Run ``job(conn)`` in the writer's transaction; return its result once committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._queue.put((job, fut, loop))
        return await fut

    def submit_sync(self, job: Job) -> Any:
        """The same for callers outside an event loop (CLI import, tests)."""
        done = threading.Event()
        box: list[Any] = []

        def deliver(result: Any, error: BaseException | None) -> None:
            box.append((result, error))
            done.set()

        self._queue.put((job, deliver, None))
        done.wait()
        result, error = box[0]
        if error is not None:
            raise error
        return result

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        conn = self._conn
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                group.append(nxt)
            outcomes = self._run_group(conn, group)
            for (_job, target, loop), (result, error) in zip(group, outcomes, strict=True):
                if loop is None:
                    target(result, error)
                else:
                    loop.call_soon_threadsafe(_resolve, target, result, error)
            if stop:
                return

    @staticmethod
    def _run_group(
        conn: sqlite3.Connection, group: list[Any]
    ) -> list[tuple[Any, BaseException | None]]:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job, _target, _loop in group:
                conn.execute("SAVEPOINT job")
                try:
                    outcomes.append((job(conn), None))
                    conn.execute("RELEASE job")
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((None, exc))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:  # the commit itself failed: nothing is durable
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [(None, exc)] * len(group)
        return outcomes


def _resolve(fut: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if fut.cancelled():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(result)
