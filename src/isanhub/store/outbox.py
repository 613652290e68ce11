"""The durable outbox of notifications, and the subscriptions it serves: what every
backend stores for them, and how the notification layer hooks into entity writes.

A backend that has a ``ChangeWatcher`` hands it the changes of every write group inside
the group's transaction; the watcher answers with the outbox rows those changes
trigger, and the backend inserts them in that same transaction. So a change is
committed together with its notifications or not at all: a crash after the commit
loses nothing (the rows are delivered after the restart), a crash before it leaves no
notification of a change that never happened. Once committed, the rows are handed to
the watcher again (``committed``) for immediate delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

#: one change of one entity within a write group: (entity id, its stored JSON text
#: before, after); None before: created, None after: deleted
ChangeEvent = tuple[str, str | None, str | None]


@dataclass
class OutboxItem:
    """One notification to deliver: a change of ``eid`` matched by subscription ``sid``.
    ``payload`` is JSON text {"trigger", "before", "after"} (the entity's stored
    documents), rendered only at delivery, with the subscription's settings then."""

    tenant: str
    sid: str
    eid: str
    payload: bytes
    created: float  # seconds since 1970, when the change was committed
    id: int = 0  # the row's id, set by the backend; ordered by commit within an entity


def payload(trigger: str, before: str | None, after: str | None) -> bytes:
    """An outbox payload from the stored texts, without decoding and encoding them."""
    return b"".join(
        (
            b'{"trigger":"',
            trigger.encode(),
            b'","before":',
            before.encode() if before is not None else b"null",
            b',"after":',
            after.encode() if after is not None else b"null",
            b"}",
        )
    )


class ChangeWatcher(Protocol):
    """The notification layer, as the backends see it."""

    #: the version of the subscriptions the watcher matches with; a backend whose
    #: stored version differs (another process changed a subscription) calls ``replace``
    version: int
    #: whether this process delivers the notifications (the one leader among several
    #: processes on one database); the others tell it when they wrote rows
    leading: bool
    #: whether this process hears of other processes' subscription changes as they
    #: happen (Listener.changed); while it does not, writes check ``version`` instead
    trusted: bool

    def watching(self, tenant: str) -> bool:
        """Whether any subscription could match a change in ``tenant`` (if not, the
        backend does not even keep the changes' texts)."""

    def outbox(self, tenant: str, events: list[ChangeEvent]) -> list[OutboxItem]:
        """The notifications the changes of one group in ``tenant`` trigger."""

    def committed(self, items: list[OutboxItem]) -> None:
        """Rows just committed: on SQLite with their ids, for delivery without a database
        read; on PostgreSQL a signal to read the table (notify.reader)."""

    def replace(self, version: int, subscriptions: list[tuple[str, dict[str, Any]]]) -> None:
        """Match with these subscriptions (tenant, stored form) from now on."""


@dataclass
class StoredSubscription:
    tenant: str
    doc: dict[str, Any]  # the stored form (isanhub.core.subscription)
    status: dict[str, Any]  # delivery status: timesSent, lastSuccess, …


class SubscriptionTable(Protocol):
    """Subscriptions and the outbox in a backend. Every subscription change increments
    one version number, so that each process can tell its copy is out of date."""

    #: whether other processes may write the same store (PostgreSQL): the delivering
    #: process then reads the outbox rather than being handed its rows at commit
    shared: bool

    async def load(self) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        """The version and every subscription (tenant, stored form)."""

    async def version(self) -> int:
        """The version alone: whether a copy of the subscriptions is still current."""

    async def put(self, tenant: str, doc: dict[str, Any], *, create: bool) -> int:
        """Store a subscription (AlreadyExists when ``create`` and the id is taken,
        ResourceNotFound when not ``create`` and it is missing); the new version."""

    async def delete(self, tenant: str, sid: str) -> int | None:
        """Remove a subscription and its pending notifications; the new version, None
        when there was no such subscription."""

    async def get(self, tenant: str, sid: str) -> StoredSubscription | None: ...

    async def page(
        self, tenant: str, limit: int, offset: int
    ) -> tuple[list[StoredSubscription], int]:
        """One page of the tenant's subscriptions in creation order, and their number."""

    async def pending(
        self, after: int = 0, upto: int | None = None, also: Sequence[int] = ()
    ) -> list[OutboxItem]:
        """The notifications not delivered yet with an id above ``after`` (and at most
        ``upto``), and those of the ids ``also``, in id order."""

    async def settle(self, done: list[int], statuses: list[StoredSubscription]) -> None:
        """In one transaction: remove the delivered rows ``done`` and store the delivery
        status of the subscriptions in ``statuses`` (only their ``status`` is written)."""

    async def lead(self, listener: Listener) -> None:
        """Run for the life of the process (until cancelled): take the delivering role
        when no other process holds it, and tell ``listener`` what other processes do."""

    async def barrier(self, version: int) -> None:
        """Wait (briefly) until every live process holds subscriptions of ``version`` or
        newer: a subscription change is acknowledged only once every process matches
        with it."""


class Listener(Protocol):
    """What the table's ``lead`` reports to the notifier."""

    async def became(self, leading: bool) -> None:
        """This process now delivers (True), or no longer does (False)."""

    def wake(self) -> None:
        """Another process wrote outbox rows, or a second passed: read the outbox."""

    async def changed(self, version: int, tenant: str | None, sid: str | None) -> int:
        """Another process changed subscription ``sid`` (None: unknown, reload all),
        making ``version``; the version this process now holds."""

    def listening(self, on: bool) -> None:
        """Whether changes by other processes are heard (``changed``) from now on."""
