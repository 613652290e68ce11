"""Delivery of the outbox: one queue per subscription, each with its own task.

A queue sends its notifications in outbox order (so each entity's changes arrive in
the order they happened) and waits for each to be accepted before the next. A failing
endpoint therefore holds up only its own subscription's queue: it is retried with a
backoff that doubles from 0.5 s up to ``max_backoff``, its notifications stay in the
outbox meanwhile, and the subscription's status says ``failed`` with the reason.
When a queue has a backlog (after an outage, or under throttling), up to ``batch``
changes of distinct entities go in one notification.

Delivered rows and the subscriptions' status reach the store in batches, every
``SETTLE_EVERY`` seconds: a crash in between only means those notifications are sent
again after the restart (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from isanhub.core.model import now_iso
from isanhub.notify.senders import DeliveryError
from isanhub.store.outbox import OutboxItem, StoredSubscription, SubscriptionTable

log = logging.getLogger("isanhub.notify")
SETTLE_EVERY = 0.05

#: sends one notification of these outbox items (same subscription), raising
#: DeliveryError; None when the subscription no longer exists (items dropped)
Send = Callable[[str, str, list[OutboxItem]], Awaitable[bool]]


@dataclass
class _Queue:
    tenant: str
    sid: str
    items: deque[OutboxItem] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None
    status: dict[str, Any] | None = None  # loaded from the store on first use
    failures: int = 0
    next_at: float = 0.0  # monotonic: not before (throttling)


class Dispatcher:
    def __init__(
        self,
        table: SubscriptionTable,
        send: Send,
        *,
        batch: int = 64,
        max_backoff: float = 60.0,
        throttle: Callable[[str, str], float] = lambda tenant, sid: 0.0,
        cooldown: Callable[[str, str], float] = lambda tenant, sid: 0.0,
    ) -> None:
        self._table = table
        self._send = send
        self._batch = max(1, batch)
        self._max_backoff = max_backoff
        self._throttle = throttle
        self._cooldown = cooldown
        self._queues: dict[tuple[str, str], _Queue] = {}
        self._ids: set[int] = set()  # rows queued, or delivered and not yet settled
        self._done: list[int] = []
        self._dirty: dict[tuple[str, str], _Queue] = {}
        self._settler: asyncio.Task[None] | None = None
        self._recording: set[asyncio.Task[None]] = set()
        self._closed = False

    # --- intake ------------------------------------------------------------------------
    def push(self, items: list[OutboxItem]) -> None:
        """Queue committed outbox rows (any order; each queue keeps id order)."""
        touched: set[tuple[str, str]] = set()
        items = [i for i in items if i.id not in self._ids]  # read again by a sweep
        self._ids.update(i.id for i in items)
        for item in items:
            key = (item.tenant, item.sid)
            q = self._queues.get(key)
            if q is None:
                q = self._queues[key] = _Queue(item.tenant, item.sid)
            if q.items and q.items[-1].id > item.id:
                touched.add(key)  # arrived out of order (claimed from the table late)
            q.items.append(item)
        for key in touched:
            q = self._queues[key]
            q.items = deque(sorted(q.items, key=lambda i: i.id))
        for key in {(i.tenant, i.sid) for i in items}:
            self._wake(self._queues[key])

    def known(self, row_id: int) -> bool:
        """Whether an outbox row is queued here, or delivered and not yet settled."""
        return row_id in self._ids

    def forget(self, tenant: str, sid: str) -> None:
        """A deleted subscription: drop its queue (its rows were deleted with it)."""
        q = self._queues.pop((tenant, sid), None)
        if q is not None:
            self._ids.difference_update(i.id for i in q.items)
            if q.task is not None:
                q.task.cancel()
        self._dirty.pop((tenant, sid), None)

    def status(self, tenant: str, sid: str) -> dict[str, Any] | None:
        """The delivery status as this process knows it, fresher than the store's."""
        q = self._queues.get((tenant, sid))
        return dict(q.status) if q is not None and q.status is not None else None

    def pending(self, tenant: str, sid: str) -> int:
        q = self._queues.get((tenant, sid))
        return len(q.items) if q is not None else 0

    def record(self, tenant: str, sid: str, error: str | None) -> None:
        """Count a notification sent outside the queues (periodic ones)."""
        q = self._queues.get((tenant, sid))
        if q is None:
            q = self._queues[(tenant, sid)] = _Queue(tenant, sid)
        task = asyncio.ensure_future(self._record_later(q, error))
        self._recording.add(task)  # a reference until done: the loop keeps only weak ones
        task.add_done_callback(self._recording.discard)

    async def _record_later(self, q: _Queue, error: str | None) -> None:
        await self._load_status(q)
        self._note(q, error)
        self._settle_soon()

    # --- delivery ----------------------------------------------------------------------
    def _wake(self, q: _Queue) -> None:
        if self._closed or (q.task is not None and not q.task.done()):
            return
        q.task = asyncio.ensure_future(self._drain(q))
        self._settle_soon()

    def _settle_soon(self) -> None:
        if self._settler is None or self._settler.done():
            self._settler = asyncio.ensure_future(self._settle_loop())

    async def _load_status(self, q: _Queue) -> None:
        if q.status is None:
            stored = await self._table.get(q.tenant, q.sid)
            q.status = dict(stored.status) if stored is not None else {}

    async def _drain(self, q: _Queue) -> None:
        while q.status is None and not self._closed:
            try:
                await self._load_status(q)
            except Exception:  # noqa: BLE001 - the store is unreachable: try again
                log.exception("could not read the status of %s", q.sid)
                await asyncio.sleep(1.0)
        while q.items and not self._closed:
            wait = q.next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            batch = self._take(q)
            try:
                exists = await self._send(q.tenant, q.sid, batch)
            except DeliveryError as exc:
                self._note(q, exc.reason)
                q.failures += 1
                delay = min(self._max_backoff, 0.5 * 2 ** (q.failures - 1))
                if not exc.retryable:  # only a change of the subscription can help
                    delay = self._max_backoff
                delay = max(delay, self._cooldown(q.tenant, q.sid))
                log.warning("notification of %s failed (%s); retry in %.1f s", q.sid, exc, delay)
                q.next_at = time.monotonic() + delay
                continue
            except Exception:  # noqa: BLE001 - a bug must not stop the queue for good
                log.exception("notification of %s could not be built", q.sid)
                q.failures += 1
                q.next_at = time.monotonic() + min(self._max_backoff, 0.5 * 2**q.failures)
                continue
            # by id, not from the head: rows claimed meanwhile may have been sorted in
            # ahead of the batch (another entity's change committed later with a lower id)
            sent = {i.id for i in batch}
            if all(q.items[n].id == item.id for n, item in enumerate(batch)):
                for _ in batch:  # the usual case: the batch is still the head
                    q.items.popleft()
            else:
                q.items = deque(i for i in q.items if i.id not in sent)
            self._done.extend(sent)
            if exists:
                q.failures = 0
                self._note(q, None)
                q.next_at = time.monotonic() + self._throttle(q.tenant, q.sid)

    def _take(self, q: _Queue) -> list[OutboxItem]:
        """The head of the queue, at most ``batch`` changes: of distinct entities, except
        under throttling, where a notification carries every change of its period (one
        entity's changes in order) rather than one change per period."""
        batch: list[OutboxItem] = []
        seen: set[str] = set()
        repeats = self._throttle(q.tenant, q.sid) > 0
        for item in q.items:
            if (item.eid in seen and not repeats) or len(batch) == self._batch:
                break
            seen.add(item.eid)
            batch.append(item)
        return batch

    def _note(self, q: _Queue, error: str | None) -> None:
        status = q.status if q.status is not None else {}
        now = now_iso()
        status["lastNotification"] = now
        if error is None:
            status["timesSent"] = status.get("timesSent", 0) + 1
            status["lastSuccess"] = now
            status["status"] = "ok"
            status.pop("lastFailureReason", None)
        else:
            status["timesFailed"] = status.get("timesFailed", 0) + 1
            status["lastFailure"] = now
            status["status"] = "failed"
            status["lastFailureReason"] = error
        q.status = status
        self._dirty[(q.tenant, q.sid)] = q

    # --- settling ----------------------------------------------------------------------
    async def _settle_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(SETTLE_EVERY)
            await self.settle()
            if not self._done and not self._dirty and not self._busy():
                return

    def _busy(self) -> bool:
        return any(q.items for q in self._queues.values())

    async def settle(self) -> None:
        """Write what was delivered and the status of the subscriptions it touched."""
        if not self._done and not self._dirty:
            return
        done, self._done = self._done, []
        dirty, self._dirty = self._dirty, {}
        statuses = [
            StoredSubscription(q.tenant, {"id": q.sid}, dict(q.status or {}))
            for q in dirty.values()
        ]
        try:
            await self._table.settle(done, statuses)
        except Exception:  # noqa: BLE001 - try again with the next batch
            log.exception("could not record delivered notifications; retrying")
            self._done = done + self._done
            self._dirty = {**dirty, **self._dirty}
            return
        self._ids.difference_update(done)

    def reset(self) -> None:
        """Stop delivering (another process took over): drop every queue."""
        for q in self._queues.values():
            if q.task is not None:
                q.task.cancel()
        self._queues.clear()
        self._ids.clear()

    async def close(self) -> None:
        self._closed = True
        tasks = [q.task for q in self._queues.values() if q.task is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._settler is not None:
            self._settler.cancel()
            await asyncio.gather(self._settler, return_exceptions=True)
        await self.settle()
