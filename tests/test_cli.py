"""The ``isanhub`` command: ``migrate`` on both backends, and ``serve --workers``."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conftest import PG_URL
from isanhub.cli import main


def test_migrate_creates_then_has_nothing_to_do(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--db", db_url]) == 0
    first = capsys.readouterr().out
    assert "applied 1: entities" in first and "schema up to date" in first
    assert main(["migrate", "--db", db_url]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_migrate_refuses_a_newer_schema(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--db", postgres_url]) == 0
    url, namespace = postgres_url.split("?schema=")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.migrations(version, title) VALUES (99, 'from the future')"
            ).format(sql.Identifier(namespace))
        )
    assert main(["migrate", "--db", postgres_url]) == 1
    err = capsys.readouterr().err
    assert "newer than this isanhub" in err


def test_migrate_hides_the_password_in_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--db", "postgresql://hub:s3cret@127.0.0.1:1/city"]) == 1
    err = capsys.readouterr().err
    assert "s3cret" not in err and "hub:***@127.0.0.1:1/city" in err


def test_workers_need_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["serve", "--workers", "2", "--db", "sqlite:///var/x.db"])
    assert exit.value.code == 2
    assert "--workers needs a PostgreSQL database" in capsys.readouterr().err


def test_migrate_says_what_to_do_without_postgis(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database where the broker's role may not create PostGIS: a clear message."""
    base = PG_URL.rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'isanhub_plain'").fetchone():
            conn.execute("CREATE ROLE isanhub_plain LOGIN")
        conn.execute("DROP DATABASE IF EXISTS isanhub_no_postgis")
        conn.execute("CREATE DATABASE isanhub_no_postgis OWNER isanhub_plain")
    try:
        host = base.split("@", 1)[1]
        assert (
            main(["migrate", "--db", f"postgresql://isanhub_plain@{host}/isanhub_no_postgis"]) == 1
        )
        err = capsys.readouterr().err
        assert "PostGIS is not available" in err and "CREATE EXTENSION postgis" in err
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS isanhub_no_postgis")


def test_the_served_app_sets_its_start_up_objects_aside(tmp_path: Path) -> None:
    """isanhub serve's app: the garbage collector no longer walks what was alive at start
    (each full collection paused large answers for tens of ms)."""
    import gc

    from conftest import make_settings
    from isanhub.api.app import create_served_app

    gc.unfreeze()
    try:
        app = create_served_app(make_settings(tmp_path))
        assert gc.get_freeze_count() > 10_000
        assert app.state.hub is not None
    finally:
        gc.unfreeze()
