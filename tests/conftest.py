"""Shared fixtures: an app on a fresh store per test, called in-process.

Every test that takes ``settings`` or ``client`` runs twice: on a fresh SQLite file and
on a fresh hub (its own schemas) in the PostgreSQL at ``ISANHUB_TEST_POSTGRES``
(default: the local server, database isanhub_test, created when missing). Without a
reachable PostgreSQL with PostGIS, the PostgreSQL half skips and says why."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from starlette.testclient import TestClient

from isanhub.api.app import create_app
from isanhub.settings import Settings
from servers import Broker

CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
PG_URL = os.environ.get(
    "ISANHUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/isanhub_test"
)
_hubs = itertools.count()


@functools.cache
def postgres_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None (creates the test database)."""
    base, _, dbname = PG_URL.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL with PostGIS needed at {PG_URL}: {first}"
    return None


def drop_hub(namespace: str) -> None:
    """Drop every schema of a test hub."""
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
            (namespace, namespace.replace("_", "\\_") + "\\_%"),
        ).fetchall()
        for (name,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@contextlib.contextmanager
def postgres_hub() -> Iterator[str]:
    """The URL of a fresh, empty hub in the test PostgreSQL, dropped afterwards (skips
    the test when there is no PostgreSQL with PostGIS)."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    namespace = f"test{os.getpid()}_{next(_hubs)}"
    try:
        yield f"{PG_URL}?schema={namespace}"
    finally:
        drop_hub(namespace)


def hub_rows(db_url: str, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables`` in a store, read as another process would (on PostgreSQL,
    the rows of every tenant schema of the hub, by table)."""
    if db_url.startswith("sqlite:"):
        conn = sqlite3.connect(f"file:{db_url.removeprefix('sqlite:///')}?mode=ro", uri=True)
        try:
            return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}
        finally:
            conn.close()
    url, namespace = db_url.split("?schema=")
    out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in tables}
    with psycopg.connect(url) as conn:
        schemas = [namespace] + [
            r[0]
            for r in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1",
                (namespace.replace("_", "\\_") + "\\_%",),
            )
        ]
        for schema in schemas:
            for t in tables:
                exists = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".{t}',)).fetchone()
                if exists and exists[0]:
                    query = sql.SQL("SELECT * FROM {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(t)
                    )
                    out[t] += [(schema, *row) for row in conn.execute(query)]
    return {t: sorted(rows, key=repr) for t, rows in out.items()}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a fresh, empty hub in the test PostgreSQL (dropped afterwards)."""
    with postgres_hub() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store on each backend."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'hub.db'}"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "db": f"sqlite:///{tmp_path / 'hub.db'}",
        "allow_private_contexts": True,
        "context_timeout": 2.0,
        "auth": "open",  # access control has its own tests (tests/security)
        "allow_private_endpoints": True,  # the receivers of the tests are local
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, db=db_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as c:
        yield c


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test means a missing service: that is a failure, not a pass."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every service must be present")
        session.exitstatus = 1


@pytest.fixture
def brokers() -> Iterator[list[Broker]]:
    """Real ``isanhub serve`` processes a test starts (tests/servers.py); stopped after it."""
    started: list[Broker] = []
    yield started
    for broker in started:
        broker.stop()
