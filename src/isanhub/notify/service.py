"""The notifier: the subscriptions of every tenant, compiled, matched against every
write (the store's ChangeWatcher), and delivered by the process that leads.

It owns the process's copy of the subscriptions. Changes through this process update
it at once; changes by other processes on the same PostgreSQL database arrive through
the table's ``lead`` (this is its Listener), and are acknowledged only once every live
process holds them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson

from isanhub.core import linked
from isanhub.core.context import ContextResolver
from isanhub.core.model import now_iso
from isanhub.notify import periodic
from isanhub.notify.content import Event, notification, view_of
from isanhub.notify.dispatch import Dispatcher
from isanhub.notify.endpoint_check import check_endpoint
from isanhub.notify.match import Index, Watch, attribute_changes, compile_watch
from isanhub.notify.reader import OutboxReader
from isanhub.notify.senders import Senders, Target
from isanhub.security.personal import Privacy, load_classification, load_privacy
from isanhub.security.subscriber import shield
from isanhub.settings import Settings
from isanhub.store.base import Store
from isanhub.store.outbox import ChangeEvent, OutboxItem, StoredSubscription, payload

log = logging.getLogger("isanhub.notify")


class Notifier:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        contexts: ContextResolver,
        privacy: Privacy | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.contexts = contexts
        self.privacy = privacy  #: personal data (security.personal); loaded at start if None
        self.table = store.subscription_table()
        self.senders = Senders(
            timeout=settings.notify_timeout, allow_private=settings.private_endpoints
        )
        self.dispatcher = Dispatcher(
            self.table,
            self._deliver,
            batch=settings.notify_batch,
            max_backoff=settings.notify_max_backoff,
            throttle=self._throttle,
            cooldown=self._cooldown,
        )
        self.version = -1
        self.leading = False
        self.trusted = False  # until the table's lead() hears other processes' changes
        self._indexes: dict[str, Index] = {}
        # SQLite: one process wrote every row and hands them over at commit; PostgreSQL:
        # the leader reads committed rows from the table (notify.reader)
        self._handoff = not self.table.shared
        self._reader = OutboxReader(self.table, self.dispatcher.known)
        self._reading: asyncio.Task[None] | None = None
        self._read_again = False
        self._check_version = False
        self._lead: asyncio.Task[None] | None = None
        self._periodic = periodic.Schedule(self)

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self, *, deliver: bool = True) -> None:
        """Match every write of this process from now on; with ``deliver`` False (a
        program beside the server, such as ``isanhub import``) only match: the
        notifications wait in the outbox for the server, which delivers them."""
        if self.privacy is None:
            classification = load_classification(self.settings.personal_data)
            self.privacy = await load_privacy(self.store.security_table(), classification)
        await self._reload()
        self.store.set_watcher(self)
        if deliver:
            self._lead = asyncio.ensure_future(self.table.lead(self))

    async def close(self) -> None:
        self.store.set_watcher(None)
        if self._lead is not None:
            self._lead.cancel()
            await asyncio.gather(self._lead, return_exceptions=True)
        self._periodic.stop()
        if self._reading is not None:
            await asyncio.gather(self._reading, return_exceptions=True)
        await self.dispatcher.close()
        await self.senders.close()

    # --- the table's Listener --------------------------------------------------------
    def listening(self, on: bool) -> None:
        self.trusted = on

    async def changed(self, version: int, tenant: str | None, sid: str | None) -> int:
        if version and version <= self.version:
            return self.version  # this process made the change, or heard it already
        if version == self.version + 1 and tenant is not None and sid is not None:
            found = await self.table.get(tenant, sid)  # one subscription, not all
            index = self._indexes.setdefault(tenant, Index())
            if found is None:
                index.remove(sid)
            else:
                index.add(compile_watch(tenant, found.doc))
            self.version = version
            if self.leading:
                self._periodic.sync(self.watches())
        else:
            await self._reload()
        return self.version

    def wake(self) -> None:
        """Another process wrote outbox rows, or a second passed."""
        if not self.trusted:  # then it may also have changed subscriptions unheard
            self._check_version = True
        self._wake()

    async def became(self, leading: bool) -> None:
        if not leading:
            self.leading = False
            self.dispatcher.reset()
            self._periodic.stop()
            return
        while True:  # what is pending must be loaded, however long the store is away
            try:
                await self._reload()
                if self._handoff:
                    self.leading = True  # commits from now on are handed over
                    self.dispatcher.push(await self.table.pending())
                else:
                    self._reader.reset()
                    self.dispatcher.push(await self._reader.new_rows())
                    self.leading = True
                break
            except Exception:  # noqa: BLE001
                log.exception("could not load the pending notifications; retrying")
                self.leading = False
                await asyncio.sleep(1.0)
        self._periodic.sync(self.watches())

    def _wake(self) -> None:
        if not self.leading:
            return
        if self._reading is not None and not self._reading.done():
            self._read_again = True  # the read under way may have started too early
            return
        self._reading = asyncio.ensure_future(self._read())

    async def _reload(self) -> None:
        """Load every subscription again (another process changed some)."""
        self.replace(*await self.table.load())

    async def _read(self) -> None:
        """PostgreSQL: deliver what was committed since the last read (notify.reader)."""
        while True:
            self._read_again = False
            try:
                # this process's own writes checked the version in their transaction
                if self._check_version:
                    self._check_version = False
                    if await self.table.version() != self.version:
                        await self._reload()
                rows = await self._reader.new_rows()
                if self.leading:  # not if this process lost the role meanwhile
                    self.dispatcher.push(rows)
            except Exception:  # noqa: BLE001 - the next wake reads them
                log.exception("could not read the outbox")
            if not self._read_again:
                return

    # --- ChangeWatcher -----------------------------------------------------------------
    def watching(self, tenant: str) -> bool:
        return bool(self._indexes.get(tenant))

    def outbox(self, tenant: str, events: list[ChangeEvent]) -> list[OutboxItem]:
        index = self._indexes.get(tenant)
        if index is None:
            return []
        now = time.time()
        out: list[OutboxItem] = []
        loads = orjson.loads
        for eid, before_text, after_text in events:
            state_text = after_text if after_text is not None else before_text
            assert state_text is not None  # a change has a state before or after
            state = loads(state_text)
            candidates = index.candidates(state)
            if not candidates:
                continue  # the common case in a busy tenant: decode one text only
            after = state if after_text is not None else None
            before = loads(before_text) if before_text is not None else None
            changes = attribute_changes(before, after)
            for w in candidates:
                if not w.live(now):
                    continue
                trigger = w.trigger(before, after, changes)
                if trigger is not None:
                    out.append(
                        OutboxItem(
                            tenant, w.id, eid, payload(trigger, before_text, after_text), now
                        )
                    )
        return out

    def committed(self, items: list[OutboxItem]) -> None:
        if self._handoff:
            if self.leading:
                self.dispatcher.push(items)
        else:
            self._wake()

    def replace(self, version: int, subscriptions: list[tuple[str, dict[str, Any]]]) -> None:
        indexes: dict[str, Index] = {}
        for tenant, doc in subscriptions:
            try:
                w = compile_watch(tenant, doc)
            except Exception:  # noqa: BLE001 - one bad document must not stop the others
                log.exception("subscription %s cannot be compiled; ignored", doc.get("id"))
                continue
            indexes.setdefault(tenant, Index()).add(w)
        self._indexes = indexes
        self.version = version
        if self.leading:
            self._periodic.sync(self.watches())

    def watches(self) -> list[Watch]:
        return [w for index in self._indexes.values() for w in index.all.values()]

    def watch(self, tenant: str, sid: str) -> Watch | None:
        index = self._indexes.get(tenant)
        return index.all.get(sid) if index is not None else None

    # --- changes through the API -------------------------------------------------------
    async def _changed(
        self, version: int, tenant: str, doc: dict[str, Any] | None, sid: str
    ) -> None:
        if version <= self.version:
            return  # the listener heard of this change (its NOTIFY) before we got here
        if version != self.version + 1:  # another process changed some too: reload all
            await self._reload()
            return
        index = self._indexes.setdefault(tenant, Index())
        if doc is None:
            index.remove(sid)
        else:
            index.add(compile_watch(tenant, doc))
        self.version = version
        if self.leading:
            self._periodic.sync(self.watches())

    async def create(self, tenant: str, doc: dict[str, Any]) -> None:
        compile_watch(tenant, doc)  # fails here, before anything is stored
        await check_endpoint(doc, self.settings.private_endpoints)
        version = await self.table.put(tenant, doc, create=True)
        await self._changed(version, tenant, doc, doc["id"])
        await self.table.barrier(version)  # every process matches with it from now on

    async def update(self, tenant: str, doc: dict[str, Any]) -> None:
        compile_watch(tenant, doc)
        await check_endpoint(doc, self.settings.private_endpoints)
        version = await self.table.put(tenant, doc, create=False)
        await self._changed(version, tenant, doc, doc["id"])
        await self.table.barrier(version)

    async def delete(self, tenant: str, sid: str) -> bool:
        version = await self.table.delete(tenant, sid)
        if version is None:
            return False
        self.dispatcher.forget(tenant, sid)
        await self._changed(version, tenant, None, sid)
        await self.table.barrier(version)
        return True

    async def get(self, tenant: str, sid: str) -> StoredSubscription | None:
        found = await self.table.get(tenant, sid)
        if found is not None:
            self._fresh_status(found)
        return found

    async def page(
        self, tenant: str, limit: int, offset: int
    ) -> tuple[list[StoredSubscription], int]:
        subs, total = await self.table.page(tenant, limit, offset)
        for s in subs:
            self._fresh_status(s)
        return subs, total

    def _fresh_status(self, s: StoredSubscription) -> None:
        live = self.dispatcher.status(s.tenant, s.doc["id"])
        if live is not None:
            s.status = live

    # --- delivery ----------------------------------------------------------------------
    def _throttle(self, tenant: str, sid: str) -> float:
        w = self.watch(tenant, sid)
        return float(w.doc.get("throttling") or 0) if w is not None else 0.0

    def _cooldown(self, tenant: str, sid: str) -> float:
        """endpoint.cooldown (milliseconds): the least wait after a failure, in seconds."""
        w = self.watch(tenant, sid)
        endpoint = w.doc["notification"]["endpoint"] if w is not None else {}
        return float(endpoint.get("cooldown") or 0) / 1000

    async def _deliver(self, tenant: str, sid: str, items: list[OutboxItem]) -> bool:
        w = self.watch(tenant, sid)
        if w is None and await self.table.version() != self.version:
            await self._reload()  # another process's new subscription
            w = self.watch(tenant, sid)
        if w is None:
            return False  # deleted meanwhile: its notifications went with it
        events = []
        for item in items:
            p = orjson.loads(item.payload)
            events.append(Event(p["trigger"], p["before"], p["after"]))
        await self.send(w, events)
        return True

    async def send(self, w: Watch, events: list[Event]) -> None:
        """Render and send one notification of ``events`` (raises DeliveryError)."""
        doc = w.doc
        terms = await self.contexts.resolve(doc.get("jsonldContext") or doc.get("@context"))
        view = view_of(doc)
        cache = None
        if view.join:
            tenant, store = w.tenant, self.store

            async def get_many(ids: list[str]) -> dict[str, Any]:
                return await store.get_many(tenant, ids)

            roots = [ev.after for ev in events if ev.after is not None]
            cache = await linked.fetch(get_many, roots, view)
        if self.privacy is not None:  # masked unless its subscriber may read them (audited)
            events, cache = await shield(
                self.privacy, self.store.security_table(), w.tenant, doc, events, cache
            )
        body, headers = notification(
            doc,
            terms,
            events,
            now=now_iso(),
            core_context=self.settings.core_context,
            linked_entities=cache,
        )
        await self.senders.send(target_of(doc), body, headers)


def target_of(doc: dict[str, Any]) -> Target:
    endpoint = doc["notification"]["endpoint"]

    def pairs(key: str) -> tuple[tuple[str, str], ...]:
        return tuple((p["key"], p["value"]) for p in endpoint.get(key) or ())

    return Target(
        uri=endpoint["uri"],
        accept=endpoint.get("accept") or "application/json",
        receiver_info=pairs("receiverInfo"),
        notifier_info=pairs("notifierInfo"),
        timeout=endpoint["timeout"] / 1000 if endpoint.get("timeout") else None,
    )
