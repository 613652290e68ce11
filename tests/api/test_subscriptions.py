"""/ngsi-ld/v1/subscriptions over HTTP (ETSI GS CIM 009 v1.8 clause 5.8): create,
retrieve, query, PATCH and DELETE, their errors, tenants, and the delivery status a
subscriber reads back. Both backends, real HTTP receivers (tests/notify/receivers.py).
What each change sends is tests/notify/test_triggers.py."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from notify.receivers import HttpReceiver

B = "/ngsi-ld/v1"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
EX = "https://example.org/"
INLINE = {"Sensor": EX + "Sensor", "level": EX + "level"}
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
DEAD = "http://127.0.0.1:9/x"  # nothing listens on the discard port: refused at once


def tenant(name: str | None) -> dict[str, str]:
    return {"NGSILD-Tenant": name} if name else {}


def subscription(uri: str = "http://127.0.0.1:9/x", **extra: Any) -> dict[str, Any]:
    return {
        "type": "Subscription",
        "entities": [{"type": "Sensor"}],
        "notification": {"endpoint": {"uri": uri}},
        **extra,
    }


def subscribe(client: TestClient, body: dict[str, Any], **headers: str) -> str:
    r = client.post(f"{B}/subscriptions", json=body, headers=headers)
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert location.startswith(f"{B}/subscriptions/")
    return location.removeprefix(f"{B}/subscriptions/")


def sensor(i: int | str, level: int = 0) -> dict[str, Any]:
    return {
        "id": f"urn:ngsi-ld:Sensor:{i}",
        "type": "Sensor",
        "level": {"type": "Property", "value": level},
    }


def create_entity(client: TestClient, entity: dict[str, Any], name: str | None = None) -> None:
    r = client.post(f"{B}/entities", json=entity, headers=tenant(name))
    assert r.status_code == 201, r.text


def set_level(client: TestClient, i: int | str, value: int, name: str | None = None) -> None:
    r = client.patch(
        f"{B}/entities/urn:ngsi-ld:Sensor:{i}/attrs",
        json={"level": {"type": "Property", "value": value}},
        headers=tenant(name),
    )
    assert r.status_code == 204, r.text


def assert_error(response: Any, status: int, kind: str) -> dict[str, Any]:
    """A problem-details body (clause 5.5.2): type URI, title, detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["type"] == ERRORS + kind, body
    assert isinstance(body["title"], str) and body["title"], body
    assert body.get("detail"), body
    return body


def listed(client: TestClient, **headers: str) -> list[str]:
    r = client.get(f"{B}/subscriptions", params={"limit": 1000}, headers=headers)
    assert r.status_code == 200, r.text
    return [s["id"] for s in r.json()]


def get_sub(client: TestClient, sid: str, **headers: str) -> dict[str, Any]:
    r = client.get(f"{B}/subscriptions/{sid}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def poll_status(client: TestClient, sid: str, done: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The subscription's notification member once ``done(it)`` holds (or the last seen)."""
    deadline = time.monotonic() + timeout
    while True:
        notification: dict[str, Any] = get_sub(client, sid)["notification"]
        if done(notification) or time.monotonic() > deadline:
            return notification
        time.sleep(0.05)


def values(received: list[Any]) -> list[int]:
    return [e["level"]["value"] for note in received for e in note.json["data"]]


# ----------------------------------------------------------------------------- create, read


def test_create_then_retrieve_as_json_and_json_ld(client: TestClient) -> None:
    r = client.post(f"{B}/subscriptions", json=subscription(subscriptionName="levels"))
    assert r.status_code == 201, r.text
    assert r.content == b""
    sid = r.headers["location"].removeprefix(f"{B}/subscriptions/")
    assert sid.startswith("urn:ngsi-ld:Subscription:")

    r = client.get(r.headers["location"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert CONTEXT_REL in r.headers["link"] and CORE in r.headers["link"]
    body = r.json()
    assert "@context" not in body
    assert body["id"] == sid
    assert body["type"] == "Subscription"
    assert body["subscriptionName"] == "levels"
    assert body["entities"] == [{"type": "Sensor"}]
    assert body["notificationTrigger"] == ["attributeCreated", "attributeUpdated"]
    assert body["status"] == "active"
    assert body["notification"]["format"] == "normalized"
    assert body["notification"]["endpoint"] == {"uri": DEAD, "accept": "application/json"}

    r = client.get(f"{B}/subscriptions/{sid}", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/ld+json")
    assert "link" not in r.headers
    assert r.json()["@context"] == CORE
    assert r.json()["id"] == sid


def test_a_given_id_is_kept_and_sysattrs_show_the_timestamps(client: TestClient) -> None:
    sid = subscribe(client, subscription(id="urn:ngsi-ld:Subscription:kk-levels"))
    assert sid == "urn:ngsi-ld:Subscription:kk-levels"
    body = client.get(f"{B}/subscriptions/{sid}", params={"options": "sysAttrs"}).json()
    assert body["createdAt"].endswith("Z") and body["modifiedAt"].endswith("Z")
    assert "createdAt" not in get_sub(client, sid)


def _hosted(client: TestClient, terms: dict[str, str]) -> str:
    """The URL of a context the broker hosts (clause 5.13), for Link headers."""
    r = client.post(f"{B}/jsonldContexts", json={"@context": terms})
    assert r.status_code == 201, r.text
    details = client.get(r.headers["location"], params={"details": "true"}).json()
    return str(details["URL"])


@pytest.mark.parametrize("context", [INLINE, [INLINE, CORE]], ids=["object", "list"])
def test_names_compacted_with_the_subscribers_context_full_iris_without(
    client: TestClient, context: Any
) -> None:
    body = {
        "@context": context,
        "type": "Subscription",
        "entities": [{"type": "Sensor"}],
        "watchedAttributes": ["level"],
        "q": "level>3",
        "notification": {"attributes": ["level"], "endpoint": {"uri": DEAD}},
    }
    r = client.post(
        f"{B}/subscriptions", json=body, headers={"Content-Type": "application/ld+json"}
    )
    assert r.status_code == 201, r.text
    sid = r.headers["location"].removeprefix(f"{B}/subscriptions/")

    plain = get_sub(client, sid)  # the core context only: these terms are unknown
    assert plain["entities"] == [{"type": EX + "Sensor"}]
    assert plain["watchedAttributes"] == [EX + "level"]
    assert plain["notification"]["attributes"] == [EX + "level"]
    assert plain["q"] == f"{EX}level>3"

    url = _hosted(client, INLINE)
    link = f'<{url}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
    mine = get_sub(client, sid, Link=link)
    assert mine["entities"] == [{"type": "Sensor"}]
    assert mine["watchedAttributes"] == ["level"]
    assert mine["notification"]["attributes"] == ["level"]
    assert mine["q"] == "level>3"

    r = client.get(
        f"{B}/subscriptions/{sid}", headers={"Link": link, "Accept": "application/ld+json"}
    )
    assert r.json()["@context"] == url
    assert r.json()["watchedAttributes"] == ["level"]


# ----------------------------------------------------------------------------- query


def test_query_pages_in_creation_order_with_a_count(client: TestClient) -> None:
    created = [
        subscribe(client, subscription(id=f"urn:ngsi-ld:Subscription:page-{n}")) for n in range(5)
    ]
    pages: list[list[str]] = []
    for offset in (0, 2, 4):
        r = client.get(f"{B}/subscriptions", params={"limit": 2, "offset": offset, "count": "true"})
        assert r.status_code == 200, r.text
        assert r.headers["NGSILD-Results-Count"] == "5"
        assert CONTEXT_REL in r.headers["link"]
        pages.append([s["id"] for s in r.json()])
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [sid for page in pages for sid in page] == created  # no overlap, no gap

    r = client.get(f"{B}/subscriptions", params={"limit": 0, "count": "true"})
    assert r.status_code == 200 and r.json() == []
    assert r.headers["NGSILD-Results-Count"] == "5"
    r = client.get(f"{B}/subscriptions")
    assert "NGSILD-Results-Count" not in r.headers
    assert [s["id"] for s in r.json()] == created
    r = client.get(f"{B}/subscriptions", headers={"Accept": "application/ld+json"})
    assert all(s["@context"] == CORE for s in r.json())


def test_query_limit_errors(client: TestClient) -> None:
    assert_error(client.get(f"{B}/subscriptions", params={"limit": 0}), 400, "BadRequestData")
    assert_error(client.get(f"{B}/subscriptions", params={"limit": 100000}), 403, "TooManyResults")


# ----------------------------------------------------------------------------- PATCH, DELETE


def test_patch_merges_and_pauses_then_resumes(client: TestClient) -> None:
    sid = subscribe(
        client,
        subscription(
            subscriptionName="first",
            description="Khon Kaen water levels",
            notification={
                "format": "keyValues",
                "attributes": ["level"],
                "endpoint": {"uri": DEAD},
            },
        ),
    )
    r = client.patch(f"{B}/subscriptions/{sid}", json={"subscriptionName": "second"})
    assert r.status_code == 204, r.text
    body = get_sub(client, sid)
    assert body["subscriptionName"] == "second"
    assert body["description"] == "Khon Kaen water levels"  # untouched members stay
    assert body["entities"] == [{"type": "Sensor"}]
    assert body["notification"]["format"] == "keyValues"

    r = client.patch(
        f"{B}/subscriptions/{sid}",
        json={"notification": {"format": "concise", "endpoint": {"uri": "http://127.0.0.1:9/y"}}},
    )
    assert r.status_code == 204, r.text
    notification = get_sub(client, sid)["notification"]
    assert notification["format"] == "concise"
    assert notification["attributes"] == ["level"]  # merged member by member
    assert notification["endpoint"]["uri"] == "http://127.0.0.1:9/y"

    assert client.patch(f"{B}/subscriptions/{sid}", json={"isActive": False}).status_code == 204
    body = get_sub(client, sid)
    assert body["isActive"] is False
    assert body["status"] == "paused"
    assert client.patch(f"{B}/subscriptions/{sid}", json={"isActive": True}).status_code == 204
    body = get_sub(client, sid)
    assert body["status"] == "active"
    assert body.get("isActive", True) is True

    r = client.patch(f"{B}/subscriptions/{sid}", json={"description": None})
    assert r.status_code == 204, r.text
    assert "description" not in get_sub(client, sid)


def test_patch_errors_leave_the_subscription_as_it_was(client: TestClient) -> None:
    sid = subscribe(client, subscription(subscriptionName="kept"))
    before = get_sub(client, sid)
    for fragment in (
        {"notificationTrigger": ["entityMoved"]},
        {"expiresAt": "2020-01-01T00:00:00Z"},
        {"timeInterval": 5, "watchedAttributes": ["level"]},
        {"notification": None},
        {"id": "urn:ngsi-ld:Subscription:other"},
    ):
        r = client.patch(f"{B}/subscriptions/{sid}", json=fragment)
        assert_error(r, 400, "BadRequestData")
        assert get_sub(client, sid) == before, fragment


def test_delete_then_not_found(client: TestClient) -> None:
    keep = subscribe(client, subscription())
    sid = subscribe(client, subscription())
    r = client.delete(f"{B}/subscriptions/{sid}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_error(client.get(f"{B}/subscriptions/{sid}"), 404, "ResourceNotFound")
    assert_error(client.delete(f"{B}/subscriptions/{sid}"), 404, "ResourceNotFound")
    assert listed(client) == [keep]


def test_duplicate_id_is_409_and_the_first_stays(client: TestClient) -> None:
    sid = "urn:ngsi-ld:Subscription:dup"
    subscribe(client, subscription(id=sid, subscriptionName="first"))
    r = client.post(f"{B}/subscriptions", json=subscription(id=sid, subscriptionName="second"))
    assert_error(r, 409, "AlreadyExists")
    assert listed(client) == [sid]
    assert get_sub(client, sid)["subscriptionName"] == "first"


def _without_notification() -> dict[str, Any]:
    body = subscription()
    del body["notification"]
    return body


INVALID = {
    "missing notification": _without_notification(),
    "endpoint uri not a uri": subscription("not a uri"),
    "endpoint uri without scheme": subscription("127.0.0.1:8080/notify"),
    "endpoint uri of another scheme": subscription("ftp://127.0.0.1/notify"),
    "timeInterval with watchedAttributes": subscription(
        timeInterval=10, watchedAttributes=["level"]
    ),
    "throttling with timeInterval": subscription(timeInterval=10, throttling=5),
    "expiresAt in the past": subscription(expiresAt="2020-01-01T00:00:00Z"),
    "unknown trigger": subscription(notificationTrigger=["entityCreated", "entityMoved"]),
    "wrong type": subscription(type="Subscriptions"),
    "neither entities nor watchedAttributes": {
        "type": "Subscription",
        "notification": {"endpoint": {"uri": DEAD}},
    },
    "id not a uri": subscription(id="not a uri"),
    "negative throttling": subscription(throttling=-1),
    "unknown format": subscription(notification={"format": "compact", "endpoint": {"uri": DEAD}}),
}


def test_invalid_bodies_are_400_and_store_nothing(client: TestClient) -> None:
    existing = subscribe(client, subscription())
    for name, body in INVALID.items():
        r = client.post(f"{B}/subscriptions", json=body)
        problem = assert_error(r, 400, "BadRequestData")
        assert "location" not in r.headers, name
        assert problem["detail"], name
        assert listed(client) == [existing], name


def test_a_body_that_is_not_json_is_invalid_request(client: TestClient) -> None:
    r = client.post(
        f"{B}/subscriptions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400, r.text
    assert r.json()["type"] in (ERRORS + "InvalidRequest", ERRORS + "BadRequestData")
    assert r.json()["title"]
    assert listed(client) == []


def test_unknown_id_is_404_and_an_id_that_is_not_a_uri_400(client: TestClient) -> None:
    unknown = f"{B}/subscriptions/urn:ngsi-ld:Subscription:nowhere"
    assert_error(client.get(unknown), 404, "ResourceNotFound")
    assert_error(client.patch(unknown, json={"subscriptionName": "x"}), 404, "ResourceNotFound")
    assert_error(client.delete(unknown), 404, "ResourceNotFound")
    bad = f"{B}/subscriptions/{quote('not a uri')}"
    assert_error(client.get(bad), 400, "BadRequestData")
    assert_error(client.patch(bad, json={"subscriptionName": "x"}), 400, "BadRequestData")
    assert_error(client.delete(bad), 400, "BadRequestData")
    assert listed(client) == []


# ----------------------------------------------------------------------------- tenants


def test_tenants_see_and_trigger_only_their_own_subscriptions(client: TestClient) -> None:
    create_entity(client, sensor("a-0"), "khonkaen")
    create_entity(client, sensor("b-0"), "udon")
    with HttpReceiver() as rx:
        sid = subscribe(client, subscription(rx.url), **tenant("khonkaen"))
        assert listed(client, **tenant("khonkaen")) == [sid]
        assert listed(client, **tenant("udon")) == []
        assert listed(client) == []
        other = client.get(f"{B}/subscriptions/{sid}", headers=tenant("udon"))
        assert_error(other, 404, "ResourceNotFound")
        assert_error(
            client.patch(
                f"{B}/subscriptions/{sid}", json={"isActive": False}, headers=tenant("udon")
            ),
            404,
            "ResourceNotFound",
        )
        assert_error(
            client.delete(f"{B}/subscriptions/{sid}", headers=tenant("udon")),
            404,
            "ResourceNotFound",
        )

        create_entity(client, sensor("b-1", 11), "udon")  # same type, other tenant
        set_level(client, "b-0", 12, "udon")
        create_entity(client, sensor("default", 13))  # the default tenant is another one
        set_level(client, "a-0", 1, "khonkaen")  # the sentinel: after the others
        notes = rx.wait_for(1, 5)
        time.sleep(0.3)
        notes = rx.received
        assert [e["id"] for n in notes for e in n.json["data"]] == ["urn:ngsi-ld:Sensor:a-0"]
        assert values(notes) == [1]
        assert get_sub(client, sid, **tenant("khonkaen"))["status"] == "active"


def test_same_subscription_id_in_two_tenants(client: TestClient) -> None:
    create_entity(client, sensor(0), "khonkaen")
    create_entity(client, sensor(0), "udon")
    sid = "urn:ngsi-ld:Subscription:same"
    subscribe(client, subscription(id=sid, subscriptionName="kk"), **tenant("khonkaen"))
    subscribe(client, subscription(id=sid, subscriptionName="ud"), **tenant("udon"))
    assert get_sub(client, sid, **tenant("khonkaen"))["subscriptionName"] == "kk"
    assert get_sub(client, sid, **tenant("udon"))["subscriptionName"] == "ud"
    assert client.delete(f"{B}/subscriptions/{sid}", headers=tenant("udon")).status_code == 204
    assert get_sub(client, sid, **tenant("khonkaen"))["subscriptionName"] == "kk"


# ----------------------------------------------------------------------------- status


def test_status_after_successful_deliveries(client: TestClient) -> None:
    with HttpReceiver() as rx:
        sid = subscribe(client, subscription(rx.url))
        fresh = get_sub(client, sid)["notification"]
        assert "timesSent" not in fresh and "lastNotification" not in fresh
        create_entity(client, sensor(1, 0))
        set_level(client, 1, 1)
        rx.wait_for(2, 5)
        status = poll_status(client, sid, lambda n: n.get("timesSent") == 2)
    assert status["timesSent"] == 2
    assert status["status"] == "ok"
    assert status["lastNotification"].endswith("Z")
    assert status["lastSuccess"].endswith("Z")
    assert status["lastSuccess"] == status["lastNotification"]
    for key in ("timesFailed", "lastFailure", "lastFailureReason", "pending"):
        assert key not in status, key
    assert get_sub(client, sid)["status"] == "active"


def test_failing_endpoint_shows_failed_then_a_patched_endpoint_gets_the_backlog(
    client: TestClient,
) -> None:
    sid = subscribe(client, subscription(DEAD))
    create_entity(client, sensor(1, 0))
    set_level(client, 1, 1)
    set_level(client, 1, 2)
    # on PostgreSQL the delivering process claims committed rows a moment after the commit
    status = poll_status(
        client, sid, lambda n: n.get("status") == "failed" and n.get("pending") == 3
    )
    assert status["status"] == "failed"
    assert status["timesFailed"] >= 1
    assert status["lastFailure"].endswith("Z")
    assert isinstance(status["lastFailureReason"], str) and status["lastFailureReason"]
    assert status["pending"] == 3
    assert "timesSent" not in status and "lastSuccess" not in status

    with HttpReceiver() as rx:
        r = client.patch(
            f"{B}/subscriptions/{sid}", json={"notification": {"endpoint": {"uri": rx.url}}}
        )
        assert r.status_code == 204, r.text
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and len(values(rx.received)) < 3:
            time.sleep(0.05)
        assert values(rx.received) == [0, 1, 2]
        status = poll_status(client, sid, lambda n: n.get("status") == "ok")
    assert status["status"] == "ok"
    assert status["timesSent"] >= 1
    assert "pending" not in status
    assert "lastFailureReason" not in status
    assert status["timesFailed"] >= 1  # the history stays
