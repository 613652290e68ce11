"""API keys, roles per tenant, and what each role may do (security.guard)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from keyed import keyed_hub

from isanhub.security import keys

B = "/ngsi-ld/v1"
ROOM = {
    "id": "urn:ngsi-ld:Room:1",
    "type": "Room",
    "temperature": {"type": "Property", "value": 21},
}


def _problem(r, status: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert body["type"].endswith("/" + kind) and body["title"] and body["detail"]


def test_a_key_is_stored_only_as_a_hash(tmp_path: Path) -> None:
    token, record = keys.new_key("khonkaen", "provider", name="vendor")
    key_id, secret = keys.split(token) or ("", "")
    assert key_id == record.id and secret and secret not in record.hash
    assert keys.verify(record, secret) and not keys.verify(record, secret[:-1] + "x")
    db = tmp_path / "hub.db"
    with keyed_hub(tmp_path, f"sqlite:///{db}") as hub:
        hub.key("khonkaen", "provider")
        rows = hub.client.get("/hub/v1/keys", headers=hub.key("*", "admin")).json()
    assert {r["role"] for r in rows} == {"provider", "admin"}
    assert all("hash" not in r and "key" not in r for r in rows)
    stored = sqlite3.connect(db).execute("SELECT hash FROM api_keys").fetchall()
    assert len(stored) == 2 and all(len(h) == 64 for (h,) in stored)


def test_roles_decide_what_a_key_may_do(tmp_path: Path, db_url: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        provider = {**hub.key("khonkaen", "provider"), "NGSILD-Tenant": "khonkaen"}
        consumer = {**hub.key("khonkaen", "consumer"), "NGSILD-Tenant": "khonkaen"}
        assert c.post(f"{B}/entities", json=ROOM, headers=provider).status_code == 201
        assert c.get(f"{B}/entities/{ROOM['id']}", headers=consumer).json()["id"] == ROOM["id"]
        r = c.post(f"{B}/entities/{ROOM['id']}/attrs", json={"x": 1}, headers=consumer)
        _problem(r, 403, "Forbidden")
        assert "consumer" in r.json()["detail"] and "provider" in r.json()["detail"]
        # a consumer may subscribe; a provider may not manage keys
        sub = {"type": "Subscription", "entities": [{"type": "Room"}],
               "notification": {"endpoint": {"uri": "http://127.0.0.1:9/n"}}}  # fmt: skip
        assert c.post(f"{B}/subscriptions", json=sub, headers=consumer).status_code == 201
        _problem(c.get("/hub/v1/keys", headers=provider), 403, "Forbidden")
        assert (
            c.get(f"{B}/entities/{ROOM['id']}", headers=consumer).json()["temperature"]["value"]
            == 21
        )


def test_no_key_is_401_with_a_challenge(tmp_path: Path, db_url: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        r = hub.client.get(f"{B}/types")
        _problem(r, 401, "Unauthorized")
        assert r.headers["www-authenticate"].startswith("Bearer")
        for bad in (
            "Basic dXNlcjpwYXNz",
            "Bearer ",
            "Bearer ihk_nothing",
            "Bearer ihk_" + "0" * 12 + "_" + "A" * 43,
        ):
            _problem(
                hub.client.get(f"{B}/types", headers={"Authorization": bad}), 401, "Unauthorized"
            )
        # the version and the OpenAPI document need no key
        assert hub.client.get("/version").status_code == 200


def test_an_accepted_key_is_judged_again_per_tenant_role_and_scheme(
    tmp_path: Path, db_url: str
) -> None:
    """Decisions are remembered per raw header: none of them may leak to another tenant,
    to an action that needs more, or to the same secret under another scheme."""
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        admin = {**hub.key("*", "admin"), "NGSILD-Tenant": "a"}
        assert c.post(f"{B}/entities", json=ROOM, headers=admin).status_code == 201
        consumer = hub.key("a", "consumer")
        token = consumer["Authorization"].removeprefix("Bearer ")
        for _ in range(3):  # accepted, then served from what was remembered
            assert (
                c.get(f"{B}/types", headers={**consumer, "NGSILD-Tenant": "a"}).status_code == 200
            )
        _problem(c.get(f"{B}/types", headers={**consumer, "NGSILD-Tenant": "b"}), 403, "Forbidden")
        _problem(c.get(f"{B}/types", headers=consumer), 403, "Forbidden")
        r = c.post(f"{B}/entities", json=ROOM, headers={**consumer, "NGSILD-Tenant": "a"})
        _problem(r, 403, "Forbidden")
        basic = {"Authorization": f"Basic {token}", "NGSILD-Tenant": "a"}
        _problem(c.get(f"{B}/types", headers=basic), 401, "Unauthorized")
        assert c.get(f"{B}/types", headers={**consumer, "NGSILD-Tenant": "a"}).status_code == 200


def test_a_tenant_key_does_not_reach_another_tenant(tmp_path: Path, db_url: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        a = hub.key("a", "admin")
        assert (
            c.post(f"{B}/entities", json=ROOM, headers={**a, "NGSILD-Tenant": "a"}).status_code
            == 201
        )
        for tenant in ("b", ""):
            headers = {**a, "NGSILD-Tenant": tenant} if tenant else a
            _problem(c.get(f"{B}/entities/{ROOM['id']}", headers=headers), 403, "Forbidden")
            _problem(c.post(f"{B}/entities", json=ROOM, headers=headers), 403, "Forbidden")
        # an admin of every tenant reaches both
        star = hub.key("*", "admin")
        assert (
            c.get(f"{B}/entities/{ROOM['id']}", headers={**star, "NGSILD-Tenant": "a"}).status_code
            == 200
        )


def test_a_revoked_key_stops_working(tmp_path: Path, db_url: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        admin = hub.key("*", "admin")
        made = c.post("/hub/v1/keys", json={"role": "consumer", "name": "app"}, headers=admin)
        assert made.status_code == 201, made.text
        token = made.json()["key"]
        mine = {"Authorization": f"Bearer {token}"}
        assert c.get(f"{B}/types", headers=mine).status_code == 200
        assert c.delete(f"/hub/v1/keys/{made.json()['id']}", headers=admin).status_code == 204
        _problem(c.get(f"{B}/types", headers=mine), 401, "Unauthorized")
        listed = {k["id"]: k for k in c.get("/hub/v1/keys", headers=admin).json()}
        assert "revoked" in listed[made.json()["id"]]


def test_a_tenant_admin_makes_keys_for_its_tenant_only(tmp_path: Path) -> None:
    with keyed_hub(tmp_path, f"sqlite:///{tmp_path / 'h.db'}") as hub:
        c = hub.client
        admin = {**hub.key("a", "admin"), "NGSILD-Tenant": "a"}
        ok = c.post("/hub/v1/keys", json={"role": "provider"}, headers=admin)
        assert ok.status_code == 201 and ok.json()["tenant"] == "a"
        r = c.post("/hub/v1/keys", json={"role": "provider", "tenant": "b"}, headers=admin)
        _problem(r, 403, "Forbidden")
        r = c.post("/hub/v1/keys", json={"role": "king"}, headers=admin)
        _problem(r, 400, "BadRequestData")
        r = c.post("/hub/v1/keys", json={"role": "consumer", "rate": "fast"}, headers=admin)
        _problem(r, 400, "BadRequestData")
        assert len(c.get("/hub/v1/keys", headers=admin).json()) == 2


def test_requests_over_the_rate_get_429(tmp_path: Path) -> None:
    with keyed_hub(tmp_path, f"sqlite:///{tmp_path / 'h.db'}", public_rate_limit=1.0) as hub:
        slow = hub.key("*", "consumer", rate=1.0)  # bursts of 2
        statuses = [hub.client.get(f"{B}/types", headers=slow).status_code for _ in range(4)]
        assert statuses[:2] == [200, 200] and statuses[-1] == 429
        r = hub.client.get(f"{B}/types", headers=slow)
        _problem(r, 429, "TooManyRequests")
        assert int(r.headers["retry-after"]) >= 1
        # another key has its own allowance
        assert hub.client.get(f"{B}/types", headers=hub.key("*", "consumer")).status_code == 200
        # the public is limited per address
        anon = [hub.client.get(f"{B}/types").status_code for _ in range(4)]
        assert anon[-1] == 429


def test_the_first_start_says_how_to_make_an_admin_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING"), keyed_hub(tmp_path, f"sqlite:///{tmp_path / 'h.db'}"):
        pass
    assert "isanhub keys create --tenant '*' --role admin" in caplog.text


def test_consumers_manage_only_their_own_subscriptions(tmp_path: Path, db_url: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        assert (
            c.post(f"{B}/entities", json=ROOM, headers={**hub.key("", "provider")}).status_code
            == 201
        )
        alice, bob, admin = hub.key("", "consumer"), hub.key("", "consumer"), hub.key("", "admin")
        sub = {"type": "Subscription", "entities": [{"type": "Room"}],
               "notification": {"endpoint": {"uri": "http://127.0.0.1:9/alice"}}}  # fmt: skip
        r = c.post(f"{B}/subscriptions", json=sub, headers=alice)
        assert r.status_code == 201
        url = r.headers["location"]
        assert c.get(url, headers=alice).status_code == 200
        # bob neither sees, changes nor deletes alice's subscription
        assert c.get(url, headers=bob).status_code == 404
        assert (
            c.get(f"{B}/subscriptions?count=true", headers=bob).headers["NGSILD-Results-Count"]
            == "0"
        )
        patch = {"notification": {"endpoint": {"uri": "http://127.0.0.1:9/bob"}}}
        assert c.patch(url, json=patch, headers=bob).status_code == 404
        assert c.delete(url, headers=bob).status_code == 404
        assert "alice" in c.get(url, headers=alice).text
        # the tenant's admin sees and manages every subscription
        listed = c.get(f"{B}/subscriptions?count=true", headers=admin)
        assert listed.headers["NGSILD-Results-Count"] == "1"
        assert c.delete(url, headers=admin).status_code == 204


def test_revoking_a_key_pauses_its_subscriptions(tmp_path: Path, db_url: str) -> None:
    with keyed_hub(tmp_path, db_url) as hub:
        c = hub.client
        admin = hub.key("", "admin")
        made = c.post("/hub/v1/keys", json={"role": "consumer"}, headers=admin).json()
        app = {"Authorization": f"Bearer {made['key']}"}
        sub = {"type": "Subscription", "entities": [{"type": "Room"}],
               "notification": {"endpoint": {"uri": "http://127.0.0.1:9/app"}}}  # fmt: skip
        url = c.post(f"{B}/subscriptions", json=sub, headers=app).headers["location"]
        other = c.post(f"{B}/subscriptions", json=sub, headers=admin).headers["location"]
        assert c.delete(f"/hub/v1/keys/{made['id']}", headers=admin).status_code == 204
        assert c.get(url, headers=admin).json()["status"] == "paused"
        assert c.get(other, headers=admin).json()["status"] == "active"
