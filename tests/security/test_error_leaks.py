"""An unexpected failure answers 500 problem details that say nothing of the broker's
insides: no traceback, no file path, no exception message."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
from psycopg import sql
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
SECRET = "0812345678"


def no_insides(r: Any) -> None:
    assert r.status_code == 500, r.text
    assert r.headers["content-type"].split(";")[0] == "application/json"
    body = r.json()
    assert set(body) == {"type", "title", "detail"}, body
    assert body["type"] == "https://uri.etsi.org/ngsi-ld/errors/InternalError"
    text = r.text
    for leak in ("Traceback", 'File "', ".py", "/src/", "site-packages", "line ", SECRET):
        assert leak not in text, (leak, text)
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_failing_handler_answers_500_without_insides(client: TestClient) -> None:
    async def failing(request: Request) -> Response:
        raise RuntimeError(f"cannot open /home/hub/src/isanhub/secret.py for {SECRET}")

    async def failing_late(request: Request) -> Response:
        {}[SECRET]  # a KeyError deep in a handler
        raise AssertionError("unreachable")

    router = client.app.router  # type: ignore[attr-defined]
    router.add(f"{B}/boom", "GET", failing)
    router.add("/hub/v1/boom", "POST", failing_late)
    no_insides(client.get(f"{B}/boom"))
    no_insides(client.post("/hub/v1/boom", json={}))
    assert client.get("/version").status_code == 200  # and the broker goes on


def test_a_broken_store_answers_500_without_insides(client: TestClient, db_url: str) -> None:
    """The entities table gone under a running broker: the database's own error (which
    names tables and repeats the query) stays in the log."""
    room = {"id": f"urn:ngsi-ld:Room:{SECRET}", "type": "Room"}
    assert client.post(f"{B}/entities", json=room).status_code == 201
    if db_url.startswith("sqlite:"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        conn.execute("DROP TABLE entities")
        conn.commit()
        conn.close()
    else:
        url, schema = db_url.split("?schema=")
        with psycopg.connect(url, autocommit=True) as pg:
            found = pg.execute(
                "SELECT table_schema FROM information_schema.tables"
                " WHERE table_name = 'entities' AND table_schema LIKE %s",
                (schema.replace("_", "\\_") + "%",),
            ).fetchall()
            assert found
            for (name,) in found:
                table = sql.Identifier(name, "entities")
                pg.execute(sql.SQL("DROP TABLE {} CASCADE").format(table))
    no_insides(client.get(f"{B}/entities/urn:ngsi-ld:Room:{SECRET}"))
    no_insides(client.get(f"{B}/entities", params={"type": "Room", "q": f'name=="{SECRET}"'}))
