"""PostgreSQL for ``python -m bench --backend postgres``: the database the brokers run in
(isanhub_bench on the local server), a fresh hub namespace per server, dropped with its
tenants' schemas when the server stops, and scratch schemas for the raw PostgreSQL limits.

Every broker gets its own namespace (``?schema=b1a2b3c4``) so that runs never see each
other's entities, and its connections carry an application name made from it (PGAPPNAME,
read by libpq) so that the ones a killed server left behind can be ended before the drop.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "isanhub_bench"
URL = f"{SERVER}/{DATABASE}"

# the schemas of a hub: its own (ns) and one per tenant (ns_default, ns_t_...)
_HUB_SCHEMAS = "nspname = %(ns)s OR starts_with(nspname, %(ns)s || '_')"


def ensure_database() -> None:
    """Create the database isanhub_bench unless it exists."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def fresh_namespace(prefix: str = "b") -> str:
    """A new schema name: a letter and 8 hex digits (the broker allows 20 of a-z0-9_)."""
    return prefix + secrets.token_hex(4)


def hub_url(ns: str) -> str:
    return f"{URL}?schema={ns}"


def app_name(ns: str) -> str:
    return f"isanhub-bench-{ns}"


def connect() -> psycopg.Connection:
    """An autocommit connection to isanhub_bench that reads json columns as text, as the
    broker's do (no parsing into Python objects that a server would only serialise again)."""
    conn = psycopg.connect(URL, autocommit=True)
    conn.adapters.register_loader("json", TextLoader)
    return conn


def drop_namespace(ns: str) -> None:
    """End the connections a server left behind, then drop its schema and every schema
    named ``ns_...`` (its tenants')."""
    with connect() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()",
            (app_name(ns),),
        )
        names = conn.execute(f"SELECT nspname FROM pg_namespace WHERE {_HUB_SCHEMAS}", {"ns": ns})
        for (name,) in names.fetchall():
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def backend_pids(ns: str) -> list[int]:
    """The PostgreSQL server processes serving the connections of the hub ``ns``."""
    with connect() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (app_name(ns),)
        ).fetchall()
    return [pid for (pid,) in rows]


def namespace_bytes(ns: str) -> int:
    """Bytes on disk of the tables of a hub's schemas, with their indexes and TOAST."""
    with connect() as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE c.relkind IN ('r', 'm', 'p') AND ({_HUB_SCHEMAS})",
            {"ns": ns},
        ).fetchone()
    return int(row[0]) if row else 0


def server_version() -> str:
    """PostgreSQL's and PostGIS's versions, for the machine section of the results."""
    ensure_database()
    with connect() as conn:
        row = conn.execute("SHOW server_version").fetchone()
        version = row[0] if row else "unknown"
        found = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
    return f"{version}, PostGIS {found[0] if found else 'not available'}"


@contextmanager
def scratch_schema() -> Iterator[psycopg.Connection]:
    """A connection working in a new, empty schema (PostGIS from public on the search
    path), with synchronous_commit on as the broker has it; the schema is dropped after."""
    ensure_database()
    ns = fresh_namespace("r")
    with connect() as conn:
        # the broker creates the extension too, but a raw limit may run before any broker
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(ns)))
        try:
            conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(ns)))
            conn.execute("SET synchronous_commit = on")
            yield conn
        finally:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(ns)))
