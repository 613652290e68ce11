"""The authorisation matrix: every endpoint of the platform × every role × a key of
the request's own tenant or of another one, with the status each must get, and proof
that refused requests changed nothing and that no tenant sees another's data."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from keyed import Keyring, keyed_hub

from isanhub.security.principal import Action, Role

B = "/ngsi-ld/v1"
ROOM = {
    "id": "urn:ngsi-ld:Room:1",
    "type": "Room",
    "temperature": {"type": "Property", "value": 21},
}
#: a value for each path parameter of the route templates
PARAMS = {
    "entity_id": "urn:ngsi-ld:Room:1",
    "attr_id": "temperature",
    "instance_id": "urn:ngsi-ld:Instance:1",
    "subscription_id": "urn:ngsi-ld:Subscription:1",
    "context_id": "urn:ngsi-ld:Context:1",
    "type": "Room",
    "attr": "temperature",
    "shop": "silk",
    "insight": "parcels",
    "key_id": "000000000000",
    "path": "common.js",
    "e": "urn:ngsi-ld:Room:1",
    "a": "temperature",
    "i": "urn:ngsi-ld:Instance:1",
}
#: who asks: (name, tenant of the key or None for no key, role)
WHO = [
    ("anonymous", None, None),
    ("consumer", "a", "consumer"),
    ("provider", "a", "provider"),
    ("admin", "a", "admin"),
    ("admin of every tenant", "*", "admin"),
    ("consumer of b", "b", "consumer"),
    ("provider of b", "b", "provider"),
    ("admin of b", "b", "admin"),
]


def _routes(hub: Keyring) -> list[tuple[str, str, Action]]:
    router = hub.client.app.router  # type: ignore[attr-defined]
    out = []
    for template, path in router._by_template.items():
        for method, action in path.actions.items():
            url = re.sub(r"\{(\w+)(?::path)?\}", lambda m: PARAMS[m.group(1)], template)
            out.append((url, method, action))
    return out


def _expected(action: Action, tenant: str | None, role: str | None) -> str:
    if action is Action.NONE:
        return "pass"
    if tenant is None:
        return "401"
    held = Role.parse(role or "") if tenant in ("a", "*") else Role.PUBLIC
    return "pass" if held >= action.least else "403"


def _dump(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"')))) for t in tables
                if t not in ("api_keys", "audit_log")]  # fmt: skip


def test_every_endpoint_every_role(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    with keyed_hub(tmp_path, f"sqlite:///{db}", rate_limit=0, public_rate_limit=0) as hub:
        c = hub.client
        assert (
            c.post(
                f"{B}/entities",
                json=ROOM,
                headers={**hub.key("a", "provider"), "NGSILD-Tenant": "a"},
            ).status_code
            == 201
        )
        routes = _routes(hub)
        assert len(routes) > 60  # the NGSI-LD API, /hub/v1, pages and files
        checked = 0
        for name, tenant, role in WHO:
            headers = {"NGSILD-Tenant": "a"}
            if tenant is not None:
                headers.update(hub.key(tenant, role or ""))
            before = _dump(db)
            for url, method, action in routes:
                want = _expected(action, tenant, role)
                kwargs: dict[str, Any] = {"headers": headers}
                if method in ("POST", "PUT", "PATCH"):
                    kwargs["json"] = {}
                r = c.request(method, url, **kwargs)
                if want == "pass":
                    assert r.status_code not in (401, 403) and r.status_code < 500, (
                        name, method, url, r.status_code, r.text[:200])  # fmt: skip
                else:
                    assert r.status_code == int(want), (
                        name,
                        method,
                        url,
                        r.status_code,
                        r.text[:200],
                    )
                    assert r.json()["type"].endswith(
                        "/Unauthorized" if want == "401" else "/Forbidden"
                    )
                checked += 1
            if role in (None, "consumer") or tenant == "b":
                # nothing refused changed anything (consumers' subscriptions aside)
                after = _dump(db)
                if role == "consumer" and tenant == "a":
                    after = [x for x in after if x[0] != "subscriptions"]
                    before = [x for x in before if x[0] != "subscriptions"]
                assert after == before, name
        assert checked == len(routes) * len(WHO)


@pytest.mark.parametrize("role", ["consumer", "provider", "admin"])
def test_no_tenant_reads_or_writes_another(tmp_path: Path, db_url: str, role: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        a = {**hub.key("a", "admin"), "NGSILD-Tenant": "a"}
        assert c.post(f"{B}/entities", json=ROOM, headers=a).status_code == 201
        b_key = hub.key("b", role)
        b_home = {**b_key, "NGSILD-Tenant": "b"}
        if role != "consumer":  # tenant b exists once it has data
            other = {**ROOM, "id": "urn:ngsi-ld:Room:b"}
            assert c.post(f"{B}/entities", json=other, headers=b_home).status_code == 201
        # in its own tenant, b finds none of a's data
        r = c.get(f"{B}/entities?type=Room", headers=b_home)
        assert ROOM["id"] not in r.text
        assert c.get(f"{B}/entities/{ROOM['id']}", headers=b_home).status_code == 404
        # naming tenant a does not help
        b_in_a = {**b_key, "NGSILD-Tenant": "a"}
        for method, url, body in [
            ("GET", f"{B}/entities/{ROOM['id']}", None),
            ("GET", f"{B}/entities?type=Room", None),
            (
                "POST",
                f"{B}/entityOperations/query",
                {"type": "Query", "entities": [{"type": "Room"}]},
            ),
            ("GET", f"{B}/temporal/entities/{ROOM['id']}", None),
            ("GET", f"{B}/types", None),
            ("PATCH", f"{B}/entities/{ROOM['id']}/attrs", {"temperature": 99}),
            ("DELETE", f"{B}/entities/{ROOM['id']}", None),
            ("POST", f"{B}/entityOperations/upsert", [{**ROOM, "temperature": 0}]),
        ]:
            r = c.request(method, url, json=body, headers=b_in_a)
            assert r.status_code == 403, (method, url, r.status_code)
        assert c.get(f"{B}/entities/{ROOM['id']}", headers=a).json()["temperature"]["value"] == 21
