"""The PostgreSQL schema: one shared schema per hub, one schema per tenant, and the
versioned migrations that create and upgrade both.

Why a schema per tenant: a tenant's data can be dumped, restored, moved to another
database or dropped with one command (``pg_dump -n``, ``DROP SCHEMA``), its indexes only
hold its own rows, and no query can reach another tenant's rows by a missing condition.
One database per tenant would isolate as well but needs a connection pool per tenant;
with schemas, every API process keeps one pool for all tenants.

The shared schema (named after the hub, ``isanhub`` by default) holds what all tenants
share: the migrations applied, the registry of tenants and their schemas, the interned
names (type and attribute IRIs), the sequence that orders entities by creation, and the
hosted @contexts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from psycopg import AsyncConnection, errors, sql

from isanhub.store.history import month_number, month_start


@dataclass(frozen=True)
class Migration:
    version: int
    title: str
    shared: str = ""  #: run once in the shared schema, written with {ns}
    tenant: str = ""  #: run in every tenant's schema, written with {s}


MIGRATIONS = [
    Migration(
        1,
        "entities, their types, the attribute-value index, geometries, @contexts",
        shared="""
CREATE TABLE {ns}.tenants (
  name text PRIMARY KEY, schema text NOT NULL UNIQUE, version int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE {ns}.names (id serial PRIMARY KEY, iri text NOT NULL UNIQUE);
CREATE SEQUENCE {ns}.rids AS bigint;
CREATE TABLE {ns}.contexts (
  id text PRIMARY KEY, url text NOT NULL, body bytea NOT NULL, kind text NOT NULL,
  created_at text NOT NULL);
""",
        tenant="""
-- the document in normal form as written (json keeps the attributes' order); rid is the
-- creation order, from the shared sequence
CREATE TABLE {s}.entities (rid bigint PRIMARY KEY, eid text NOT NULL UNIQUE, doc json NOT NULL);
-- every type of every entity, ordered by type then rid for type queries in order
CREATE TABLE {s}.entity_types (type int NOT NULL, rid bigint NOT NULL, PRIMARY KEY (type, rid));
-- one row per attribute value (at least one per instance, val NULL when not scalar); jsonb
-- keeps numbers and strings apart and compares each by its own order
CREATE TABLE {s}.attrs (
  rid bigint NOT NULL, name int NOT NULL, seq int NOT NULL, kind smallint NOT NULL, val jsonb,
  PRIMARY KEY (rid, name, seq));
CREATE INDEX attrs_by_value ON {s}.attrs (name, val);
-- every GeoProperty value as a PostGIS geometry (WGS 84), under a GiST index
CREATE TABLE {s}.geo (
  rid bigint NOT NULL, n int NOT NULL, name int NOT NULL, g geometry(Geometry, 4326) NOT NULL,
  PRIMARY KEY (rid, n));
CREATE INDEX geo_by_shape ON {s}.geo USING gist (g);
""",
    ),
    Migration(
        2,
        "history: attribute instances by entity, attribute and time, partitioned by month",
        shared="""
CREATE SEQUENCE {ns}.hids AS bigint;
CREATE SEQUENCE {ns}.iids AS bigint;
""",
        tenant="""
-- the temporal evolution (store.history): entities by id, even once deleted
CREATE TABLE {s}.hist_entities (hid bigint PRIMARY KEY, eid text NOT NULL UNIQUE, deleted_at text);
CREATE TABLE {s}.hist_types (type int NOT NULL, hid bigint NOT NULL, PRIMARY KEY (type, hid));
-- one row per recorded attribute instance, times in microseconds since 1970 UTC; t is
-- observedAt when the instance has one, else when it was recorded. Partitioned by month
-- of t (partitions are created as data for a month arrives): a time range reads only its
-- months, and retention drops whole months
CREATE TABLE {s}.instances (
  iid bigint NOT NULL DEFAULT nextval('{ns}.iids'), hid bigint NOT NULL, name int NOT NULL, dataset text,
  t bigint NOT NULL, observed boolean NOT NULL, created bigint NOT NULL,
  modified bigint NOT NULL, deleted boolean NOT NULL DEFAULT false,
  num double precision, val text, doc json NOT NULL) PARTITION BY RANGE (t);
-- the one index: every read and edit names the entity and the attribute (an instance
-- number comes from the sequence; a unique index would cost every insert)
CREATE INDEX instances_by_time ON {s}.instances (hid, name, t);
""",
    ),
    Migration(
        3,
        "subscriptions and the outbox of notifications",
        shared="""
-- subscriptions (isanhub.core.subscription's stored form) and their delivery status;
-- seq is the creation order of query pages
CREATE TABLE {ns}.subscriptions (
  seq bigserial PRIMARY KEY, tenant text NOT NULL, sid text NOT NULL, doc text NOT NULL,
  status text NOT NULL DEFAULT '{{}}', UNIQUE (tenant, sid));
-- one number every subscription change increments: a process whose copy of the
-- subscriptions is older reloads them within the next write's transaction
CREATE TABLE {ns}.subscription_version (
  one boolean PRIMARY KEY DEFAULT true CHECK (one), version bigint NOT NULL);
INSERT INTO {ns}.subscription_version VALUES (true, 0);
-- the durable outbox: one row per notification to deliver, written in the transaction
-- of the change that triggered it, removed once delivered; the delivering process
-- reads it by id (notify.reader)
CREATE TABLE {ns}.outbox (
  id bigserial PRIMARY KEY, tenant text NOT NULL, sid text NOT NULL, eid text NOT NULL,
  payload bytea NOT NULL, created double precision NOT NULL);
CREATE INDEX outbox_by_subscription ON {ns}.outbox (tenant, sid);
-- the server processes on this database: the subscriptions' version each one holds,
-- and when it last said so (a subscription change waits for the live ones)
CREATE TABLE {ns}.notify_members (
  id text PRIMARY KEY, version bigint NOT NULL, heartbeat timestamptz NOT NULL);
""",
    ),
    Migration(
        4,
        "API keys, the audit log of personal-data reads, hub settings",
        shared="""
-- API keys (store.security): the secret only as its SHA-256; revoked keys are kept so
-- that the audit log's names stay meaningful
CREATE TABLE {ns}.api_keys (
  id text PRIMARY KEY, hash text NOT NULL, tenant text NOT NULL, role text NOT NULL,
  personal boolean NOT NULL, name text NOT NULL, purpose text NOT NULL,
  rate double precision NOT NULL, created text NOT NULL, revoked text);
-- every read that returned personal data in clear: who, when, what, for which purpose
CREATE TABLE {ns}.audit_log (
  seq bigserial PRIMARY KEY, at text NOT NULL, who text NOT NULL, tenant text NOT NULL,
  action text NOT NULL, purpose text NOT NULL, entities text NOT NULL, attrs text NOT NULL);
CREATE INDEX audit_by_tenant ON {ns}.audit_log (tenant, at);
-- small settings of the hub (each tenant's open-data policy, the pseudonym secret)
CREATE TABLE {ns}.hub_settings (name text PRIMARY KEY, value text NOT NULL);
""",
    ),
]

LATEST = MIGRATIONS[-1].version
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,19}")


def check_namespace(ns: str) -> str:
    """The shared schema's name: lower-case letters, digits and _, at most 20 characters
    (tenant schemas are named after it and PostgreSQL names stop at 63 bytes)."""
    if not _NAME.fullmatch(ns):
        raise ValueError(f"schema {ns!r}: use 1 to 20 of a-z, 0-9 and _, not starting with a digit")
    return ns


def tenant_schema(ns: str, tenant: str) -> str:
    """The schema of a tenant: readable where the name allows, unique by a hash."""
    if not tenant:
        return f"{ns}_default"
    slug = re.sub(r"[^a-z0-9]+", "_", tenant.lower()).strip("_")[:24]
    digest = hashlib.blake2b(tenant.encode(), digest_size=4).hexdigest()
    return f"{ns}_t_{slug}_{digest}" if slug else f"{ns}_t_{digest}"


def lock_key(*parts: str) -> int:
    """A 64-bit advisory-lock key for a name (locks are per database, so the hub's
    namespace is part of every key)."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _run(template: str, **names: str) -> sql.Composed | sql.SQL:
    return sql.SQL(template).format(**{k: sql.Identifier(v) for k, v in names.items()})


async def version(conn: AsyncConnection, ns: str) -> int:
    """The schema version of the hub ``ns`` (0: nothing created yet)."""
    cur = await conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s"
        " AND table_name = 'migrations'",
        (ns,),
    )
    if await cur.fetchone() is None:
        return 0
    cur = await conn.execute(_run("SELECT coalesce(max(version), 0) FROM {ns}.migrations", ns=ns))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _postgis(conn: AsyncConnection) -> None:
    """Create the PostGIS extension if needed, or say clearly what the operator must do."""
    try:
        async with conn.transaction():  # a savepoint: the error must not end the migration's
            await conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except (errors.InsufficientPrivilege, errors.UndefinedFile, errors.FeatureNotSupported) as exc:
        raise RuntimeError(
            f"PostGIS is not available in database {conn.info.dbname!r} ({exc.diag.message_primary}):"
            " install it (Debian: apt install postgresql-15-postgis-3) and, as a superuser, run"
            " CREATE EXTENSION postgis in that database"
        ) from exc


async def migrate(conn: AsyncConnection, ns: str) -> list[Migration]:
    """Bring the hub ``ns`` to the latest version in one transaction; the migrations
    applied. Several processes may call this at once: they take turns."""
    applied: list[Migration] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(ns, "migrate"),))
        await _postgis(conn)
        await conn.execute(_run("CREATE SCHEMA IF NOT EXISTS {ns}", ns=ns))
        await conn.execute(
            _run(
                "CREATE TABLE IF NOT EXISTS {ns}.migrations (version int PRIMARY KEY,"
                " title text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                ns=ns,
            )
        )
        current = await version(conn, ns)
        if current > LATEST:
            raise RuntimeError(
                f"database schema {current} is newer than this isanhub ({LATEST}); upgrade"
            )
        for m in MIGRATIONS:
            if m.version <= current:
                continue
            if m.shared:
                await conn.execute(_run(m.shared, ns=ns))
            if m.tenant:  # the tenants that exist move to this version (none at first)
                cur = await conn.execute(
                    _run("SELECT schema FROM {ns}.tenants WHERE version < %s", ns=ns), (m.version,)
                )
                for (schema,) in await cur.fetchall():
                    await conn.execute(_run(m.tenant, s=schema, ns=ns))
                await conn.execute(
                    _run("UPDATE {ns}.tenants SET version = %s", ns=ns), (m.version,)
                )
            await conn.execute(
                _run("INSERT INTO {ns}.migrations(version, title) VALUES (%s, %s)", ns=ns),
                (m.version, m.title),
            )
            applied.append(m)
        await create_tenant(conn, ns, "")
    return applied


async def create_tenant(conn: AsyncConnection, ns: str, tenant: str) -> str:
    """Create the tenant's schema at the latest version, unless it exists; its name.
    Runs inside the caller's transaction, so a tenant appears with its first write."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(ns, "tenant", tenant),))
    cur = await conn.execute(
        _run("SELECT schema FROM {ns}.tenants WHERE name = %s", ns=ns), (tenant,)
    )
    row = await cur.fetchone()
    if row is not None:
        return str(row[0])
    schema = tenant_schema(ns, tenant)
    await conn.execute(_run("CREATE SCHEMA {s}", s=schema))
    for m in MIGRATIONS:
        if m.tenant:
            await conn.execute(_run(m.tenant, s=schema, ns=ns))
    await conn.execute(
        _run("INSERT INTO {ns}.tenants(name, schema, version) VALUES (%s, %s, %s)", ns=ns),
        (tenant, schema, LATEST),
    )
    return schema


def month_bounds(t_us: int) -> tuple[str, int, int]:
    """(partition suffix YYYYMM, first and next month's start in µs) of the month of t."""
    n = month_number(t_us)
    return f"{n // 12:04d}{n % 12 + 1:02d}", month_start(n), month_start(n + 1)


def suffix_start(suffix: str) -> int | None:
    """The start (µs) of the month a partition suffix (YYYYMM) names; None if it is not one."""
    if len(suffix) != 6 or not suffix.isdigit() or not 1 <= int(suffix[4:]) <= 12:
        return None
    return month_start(int(suffix[:4]) * 12 + int(suffix[4:]) - 1)


_DAY = 86_400_000_000  # µs


async def create_partitions(
    conn: AsyncConnection, schema: str, times: Iterable[int], known: set[str]
) -> set[str]:
    """Create the monthly partitions of ``schema``.instances that rows at ``times`` need,
    except the ``known`` ones ("schema/YYYYMM"), inside the caller's transaction; the
    ones it made sure of (to remember once the transaction committed)."""
    made: set[str] = set()
    days = {t // _DAY for t in times}  # cheap per row; months are found per distinct day
    for t in sorted({month_bounds(day * _DAY)[1] for day in days}):
        suffix, start, end = month_bounds(t)
        key = f"{schema}/{suffix}"
        if key in known or key in made:
            continue
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "month", suffix),))
        await conn.execute(
            _run(
                "CREATE TABLE IF NOT EXISTS {s}.{p} PARTITION OF {s}.instances"
                f" FOR VALUES FROM ({start}) TO ({end})",
                s=schema,
                p=f"instances_{suffix}",
            )
        )
        made.add(key)
    return made
