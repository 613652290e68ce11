"""The SQLite schema. One file, WAL journal; names (types, attributes) are interned to
integers so the index rows stay small and the write path stays fast."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 4

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
-- one row per entity: the document in normal form (JSON text), its first type for the
-- common single-type query, and its rowid (rid) as the stable creation order
CREATE TABLE IF NOT EXISTS entities (
  rid INTEGER PRIMARY KEY,
  tenant INTEGER NOT NULL,
  eid TEXT NOT NULL,
  doc TEXT NOT NULL,
  UNIQUE (tenant, eid));
-- every type of every entity, clustered by (tenant, type, rid) for type queries in order
CREATE TABLE IF NOT EXISTS entity_types (
  tenant INTEGER NOT NULL, type INTEGER NOT NULL, rid INTEGER NOT NULL,
  PRIMARY KEY (tenant, type, rid)) WITHOUT ROWID;
-- one row per attribute value (at least one per instance, val NULL when not scalar)
CREATE TABLE IF NOT EXISTS attrs (
  rid INTEGER NOT NULL, name INTEGER NOT NULL, seq INTEGER NOT NULL,
  kind INTEGER NOT NULL, val,  -- no declared type: values keep their own type
  PRIMARY KEY (rid, name, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attrs_by_value ON attrs (name, val);
-- bounding boxes of GeoProperty values; gid = rid * 1024 + ordinal within the entity
CREATE VIRTUAL TABLE IF NOT EXISTS geo USING rtree (
  gid, minx, maxx, miny, maxy, +rid INTEGER, +name INTEGER);
-- hosted and cached JSON-LD contexts (/jsonldContexts)
CREATE TABLE IF NOT EXISTS contexts (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, body BLOB NOT NULL, kind TEXT NOT NULL,
  created_at TEXT NOT NULL);
"""

GEO_SLOTS = 1024


def connect(path: str, *, synchronous: str = "FULL", readonly: bool = False) -> sqlite3.Connection:
    """A connection with the pragmas every connection of the store needs."""
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, cached_statements=256
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache per connection
    conn.execute("PRAGMA mmap_size=268435456")
    conn.execute("PRAGMA busy_timeout=10000")
    # deleted and overwritten content is zeroed, not left in free space of the file: an
    # erased value must not be readable from it (Debian's build defaults to this; no
    # measurable cost on updates, about a quarter more time on deletions of entities)
    conn.execute("PRAGMA secure_delete=ON")
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    return conn


HISTORY = """
-- the temporal evolution (store.history): entities by id, even once deleted
CREATE TABLE IF NOT EXISTS hist_entities (
  hid INTEGER PRIMARY KEY, tenant INTEGER NOT NULL, eid TEXT NOT NULL, deleted_at TEXT,
  UNIQUE (tenant, eid));
CREATE TABLE IF NOT EXISTS hist_types (
  tenant INTEGER NOT NULL, type INTEGER NOT NULL, hid INTEGER NOT NULL,
  PRIMARY KEY (tenant, type, hid)) WITHOUT ROWID;
-- one row per recorded attribute instance (iid never reused: it is the instanceId);
-- times in microseconds since 1970 UTC; t is
-- observedAt when the instance has one, else when it was recorded
CREATE TABLE IF NOT EXISTS instances (
  iid INTEGER PRIMARY KEY AUTOINCREMENT, hid INTEGER NOT NULL, name INTEGER NOT NULL, dataset TEXT,
  t INTEGER NOT NULL, observed INTEGER NOT NULL, created INTEGER NOT NULL,
  modified INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, num REAL, val TEXT,
  doc TEXT NOT NULL);
-- the one index: every read and edit names the entity and the attribute
CREATE INDEX IF NOT EXISTS instances_by_time ON instances (hid, name, t);
"""

SUBSCRIPTIONS = """
-- subscriptions (isanhub.core.subscription's stored form) and their delivery status;
-- seq is the creation order of query pages
CREATE TABLE IF NOT EXISTS subscriptions (
  seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, sid TEXT NOT NULL, doc TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT '{}', UNIQUE (tenant, sid));
-- the durable outbox: one row per notification to deliver, written in the transaction
-- of the change that triggered it, removed once delivered
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, sid TEXT NOT NULL, eid TEXT NOT NULL,
  payload BLOB NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_by_subscription ON outbox (tenant, sid);
INSERT OR IGNORE INTO meta(key, value) VALUES ('subscriptions_version', '0');
"""

SECURITY = """
-- API keys (store.security): the secret only as its SHA-256; revoked keys are kept so
-- that the audit log's names stay meaningful
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL, tenant TEXT NOT NULL, role TEXT NOT NULL,
  personal INTEGER NOT NULL, name TEXT NOT NULL, purpose TEXT NOT NULL, rate REAL NOT NULL,
  created TEXT NOT NULL, revoked TEXT);
-- every read that returned personal data in clear: who, when, what, for which purpose
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, tenant TEXT NOT NULL,
  action TEXT NOT NULL, purpose TEXT NOT NULL, entities TEXT NOT NULL, attrs TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_tenant ON audit_log (tenant, at);
-- small settings of the hub (each tenant's open-data policy, the pseudonym secret)
CREATE TABLE IF NOT EXISTS hub_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: (version, title, script): the versioned steps from an empty file to SCHEMA_VERSION
MIGRATIONS = [
    (1, "entities, their types, the attribute-value index, geometries, @contexts", DDL),
    (2, "history: attribute instances by entity, attribute and time", HISTORY),
    (3, "subscriptions and the outbox of notifications", SUBSCRIPTIONS),
    (4, "API keys, the audit log of personal-data reads, hub settings", SECURITY),
]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Bring the file to SCHEMA_VERSION; the steps applied ("version: title")."""
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema {current} is newer than this isanhub ({SCHEMA_VERSION}); upgrade"
        )
    applied = []
    for version, title, script in MIGRATIONS:
        if version > current:
            conn.executescript(script)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(version),),
            )
            applied.append(f"{version}: {title}")
    return applied
