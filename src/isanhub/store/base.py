"""The Store contract: what every storage backend (SQLite, PostgreSQL) provides.

Entities are held in the normal form (isanhub/core/normal_form.md). Writes are functions
applied to the stored entity inside the backend's write transaction, so read-modify-write
operations (append, merge, partial update) are atomic without the API knowing how the
backend locks. A write call returns only after its transaction is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from isanhub.core.context import ContextStoreBackend
from isanhub.core.errors import NgsiLdError
from isanhub.core.geo import GeoQuery
from isanhub.core.model import Entity

if TYPE_CHECKING:
    from isanhub.store.erase import HistoryHit
    from isanhub.store.outbox import ChangeWatcher, SubscriptionTable
    from isanhub.store.security import SecurityTable
    from isanhub.store.temporal import TemporalEntity, TemporalQuery

#: One type expression in disjunctive normal form: any group matches when the entity
#: has every type of that group (``A,B`` = [{A},{B}], ``A;B`` = [{A,B}]).
TypeDNF = list[frozenset[str]]


@dataclass
class Change:
    """What a write function decided: the entity's new state (None deletes it) and a
    result handed back to the caller unchanged."""

    entity: Entity | None
    result: Any = None
    unchanged: bool = False  # true: nothing to write (e.g. noOverwrite skipped everything)
    #: history (the temporal API): the instances (attribute IRI, instance) to record,
    #: instead of what differs between the stored and the new state; each replaces a
    #: recorded instance of the same attribute, datasetId and observedAt
    record: list[tuple[str, dict[str, Any]]] | None = None


@dataclass(frozen=True)
class HistoryEdit:
    """A change of recorded history (the temporal API): the whole entity's (no
    ``attr``), one attribute's instances of some datasetIds (None: all), or one instance
    (``instance``: its number), deleted or replaced by ``replacement``."""

    attr: str | None = None
    datasets: frozenset[str | None] | None = None
    instance: int | None = None
    replacement: dict[str, Any] | None = None


#: A write: receives the stored entity (or None) and returns the Change to commit;
#: raising an NgsiLdError aborts this write only and reaches the caller.
WriteFn = Callable[[Entity | None], Change]
T = TypeVar("T")


@dataclass
class Query:
    """An entity query, with every name already expanded to its IRI."""

    types: TypeDNF | None = None
    ids: Sequence[str] | None = None
    id_pattern: str | None = None
    attrs: frozenset[str] | None = None  # entities having at least one of these
    q: Any = None  # isanhub.core.qlang AST with expanded names
    geo: GeoQuery | None = None  # geoproperty expanded
    scope_q: Any = None
    limit: int = 20
    offset: int = 0
    count: bool = False
    #: sort keys, each (path, descending): path[0] is id/type/createdAt/modifiedAt or an
    #: attribute IRI, later items sub-attribute IRIs or metadata names; None: creation order
    order_by: Sequence[tuple[tuple[str, ...], bool]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class QueryResult:
    entities: list[Entity]
    count: int | None = None


@dataclass
class AttributeInfo:
    """Discovery: one attribute over a tenant's whole store."""

    iri: str
    count: int  # number of entities that have it
    attr_types: list[str]  # Property, Relationship, ...
    entity_types: list[str]  # expanded IRIs of the entity types that have it


@dataclass
class TypeInfo:
    """Discovery: one entity type over a tenant's whole store."""

    iri: str
    count: int  # number of entities of this type
    attrs: dict[str, list[str]]  # attribute IRI -> its attribute types


class Store(Protocol):
    """The storage contract. Every method takes the tenant first ('' is the default
    tenant). Reads of a tenant that was never written raise NonexistentTenant."""

    async def open(self) -> None:
        """Create or migrate the schema, start background writers."""

    async def close(self) -> None:
        """Flush pending writes, stop writers, close connections."""

    async def migrate(self) -> list[str]:
        """Create or upgrade the schema without opening the store for requests; the
        migrations applied ("version: title"), none when it was up to date."""

    async def get(self, tenant: str, entity_id: str) -> Entity | None:
        """One entity by id, or None."""

    async def get_doc(self, tenant: str, entity_id: str) -> str | None:
        """One entity's stored document (its normal form as JSON text), or None: equal
        texts are equal entities, so callers may cache what they derive from it."""

    async def get_many(self, tenant: str, entity_ids: Sequence[str]) -> dict[str, Entity]:
        """The entities among ``entity_ids`` that exist, by id."""

    async def write(self, tenant: str, entity_id: str, fn: WriteFn) -> Any:
        """Apply one write function atomically; returns its Change.result (durable when
        this returns) or raises the NgsiLdError it raised (nothing written)."""

    async def write_many(
        self, tenant: str, writes: Sequence[tuple[str, WriteFn]]
    ) -> list[Any | NgsiLdError]:
        """Apply many writes in one transaction; per write its result or its error.
        A failing write changes nothing; the others still apply."""

    async def query(self, tenant: str, query: Query) -> QueryResult:
        """Entities matching ``query`` in a stable order (creation order), one page."""

    async def temporal(
        self, tenant: str, query: TemporalQuery
    ) -> tuple[list[TemporalEntity], int | None]:
        """History (store.temporal): the page of entities with their instances, or their
        aggregated values, and their number when ``count`` is asked."""

    async def edit_history(self, tenant: str, entity_id: str, edit: HistoryEdit) -> bool:
        """Delete or replace recorded history; False when there was nothing to change."""

    async def purge_history(
        self,
        tenant: str,
        before: int,
        *,
        types: list[str] | None = None,
        except_types: Sequence[str] = (),
        dry_run: bool = False,
    ) -> int:
        """Retention: remove the instances older than ``before`` (µs since 1970) of the
        entities of ``types`` (None: any) but of none of ``except_types``; how many
        (counted only, with ``dry_run``)."""

    async def find_history(
        self,
        tenant: str,
        texts: Sequence[str] = (),
        *,
        ids: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        attrs: Sequence[str] | None = None,
    ) -> list[HistoryHit]:
        """Erasure (security.erasure, store.erase): the recorded instances of the entities
        ``ids``, of any of ``types``, of the attributes ``attrs`` (None: any), whose JSON
        document contains one of ``texts`` (none: every instance); none for a tenant that
        does not exist. A scan of the tenant's history, not for the request path."""

    async def scrub(self) -> None:
        """After an erasure: remove the older copies of deleted rows from the database's
        files where the backend can do so at once (SQLite: truncate the write-ahead log;
        PostgreSQL: nothing, VACUUM reclaims dead rows)."""

    async def types(self, tenant: str) -> list[TypeInfo]:
        """Every entity type in the tenant, with its attributes."""

    async def attributes(self, tenant: str) -> list[AttributeInfo]:
        """Every attribute in the tenant, with counts and the types that carry it."""

    async def tenants(self) -> list[str]:
        """Names of the tenants that exist."""

    async def tenant_exists(self, tenant: str) -> bool: ...

    def context_backend(self) -> ContextStoreBackend:
        """Persistence for hosted and cached @contexts (/jsonldContexts)."""

    def subscription_table(self) -> SubscriptionTable:
        """Subscriptions and the outbox of their notifications (store.outbox)."""

    def security_table(self) -> SecurityTable:
        """API keys, the audit log and hub settings (store.security)."""

    def set_watcher(self, watcher: ChangeWatcher | None) -> None:
        """Have ``watcher`` see the changes of every write from now on, in the write's
        transaction (store.outbox)."""


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL (sqlite:///relative.db, sqlite:////absolute.db), ""
    for an in-memory database (sqlite:///:memory:), None for any other URL."""
    if not url.startswith("sqlite:"):
        return None
    path = url.removeprefix("sqlite:").removeprefix("//").removeprefix("/")
    return "" if path == ":memory:" else path


def open_store(url: str, *, synchronous: str = "FULL", pool_size: int = 10) -> Store:
    """The backend for a database URL: sqlite:///path (or :memory:) or
    postgresql://user@host:port/database[?schema=name]. ``synchronous`` is SQLite's
    durability setting; ``pool_size`` the PostgreSQL connections of this process."""
    path = sqlite_file(url)
    if path is not None:
        from isanhub.store.sqlite import SqliteStore

        return SqliteStore(path or ":memory:", synchronous=synchronous)
    if url.startswith(("postgresql:", "postgres:")):
        from isanhub.store.postgres import PostgresStore

        return PostgresStore(url, pool_size=pool_size)
    raise ValueError(
        f"unsupported database URL {url!r}: use sqlite:///path/to/file.db"
        " or postgresql://user@host:5432/database"
    )


def run_on_store(url: str, job: Callable[[Store], Awaitable[T]]) -> T:
    """Open the store at ``url``, run ``job`` on it, close it: what each command-line
    action that works on the database directly does (asyncio.run: not in a loop)."""

    async def run() -> T:
        store = open_store(url)
        await store.open()
        try:
            return await job(store)
        finally:
            await store.close()

    return asyncio.run(run())


MATCHING_PAGE = 1000  #: entities read per query when going through every match


async def matching(store: Store, tenant: str, query: Query) -> AsyncIterator[Entity]:
    """Every entity matching ``query``, a page of MATCHING_PAGE at a time (the query's
    limit and offset are set here; its other members select)."""
    query.limit, query.offset = MATCHING_PAGE, 0
    while True:
        page = (await store.query(tenant, query)).entities
        for entity in page:
            yield entity
        if len(page) < MATCHING_PAGE:
            return
        query.offset += MATCHING_PAGE
