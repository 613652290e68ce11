"""Periodic notifications (``timeInterval``): every interval, the current state of the
entities a subscription selects, whether or not they changed.

They are not written to the outbox: nothing is owed for an interval that passed while
the platform was down, and the next interval sends the then-current state anyway.
Only the delivering process runs them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from isanhub.notify.content import Event
from isanhub.notify.match import Selector, Watch
from isanhub.notify.senders import DeliveryError
from isanhub.store.base import Query

if TYPE_CHECKING:
    from isanhub.notify.service import Notifier

log = logging.getLogger("isanhub.notify")
#: entities in one periodic notification at most
MAX_ENTITIES = 1000


class Schedule:
    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self._tasks: dict[tuple[str, str], tuple[asyncio.Task[None], Watch]] = {}

    def sync(self, watches: list[Watch]) -> None:
        """Run a task for each periodic subscription, and only for those."""
        wanted = {(w.tenant, w.id): w for w in watches if w.periodic}
        for key, (task, w) in list(self._tasks.items()):
            # a reload compiles every subscription again: only a changed one restarts,
            # or a long interval would never come round while others change
            new = wanted.get(key)
            if new is None or new.doc != w.doc:
                task.cancel()
                del self._tasks[key]
        for key, w in wanted.items():
            if key not in self._tasks:
                self._tasks[key] = (asyncio.ensure_future(self._run(w)), w)

    def stop(self) -> None:
        for task, _w in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    async def _run(self, w: Watch) -> None:
        interval = float(w.doc["timeInterval"])
        while True:
            await asyncio.sleep(interval)
            if not w.active or (w.expires is not None and time.time() >= w.expires):
                continue
            try:
                entities = await self._select(w)
                if entities:
                    await self._notifier.send(w, [Event(None, None, e) for e in entities])
                    self._notifier.dispatcher.record(w.tenant, w.id, None)
            except DeliveryError as exc:
                self._notifier.dispatcher.record(w.tenant, w.id, exc.reason)
            except Exception:  # noqa: BLE001 - keep the schedule going
                log.exception("periodic notification of %s failed", w.id)

    async def _select(self, w: Watch) -> list[dict]:  # type: ignore[type-arg]
        store = self._notifier.store
        if not await store.tenant_exists(w.tenant):
            return []
        found: dict[str, dict] = {}  # type: ignore[type-arg]
        selectors: list[Selector | None] = list(w.selectors) or [None]
        for sel in selectors:
            query = Query(
                types=sel.types if sel is not None else None,
                ids=[sel.id] if sel is not None and sel.id is not None else None,
                id_pattern=sel.pattern.pattern if sel is not None and sel.pattern else None,
                attrs=w.watched if sel is None else None,
                q=w.q,
                geo=w.geo,
                scope_q=w.scope,
                limit=MAX_ENTITIES,
            )
            for e in (await store.query(w.tenant, query)).entities:
                found.setdefault(e["id"], e)
        return list(found.values())[:MAX_ENTITIES]
