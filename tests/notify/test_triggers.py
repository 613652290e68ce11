"""Which changes notify a subscription, and what the notification says (ETSI GS CIM 009
v1.8 clauses 5.2.12, 5.2.14, 5.11): created through the API, received by a real HTTP
receiver, on both backends.

"Nothing arrives" is checked with a sentinel where one exists: a later change the same
subscription does send. Its notifications go out in order, so once the sentinel's has
arrived, an unwanted earlier one would have too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from notify.receivers import HttpReceiver, Received

B = "/ngsi-ld/v1"
CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
EX = "https://example.org/"
NULL = "urn:ngsi-ld:null"
KHON_KAEN = [102.8359, 16.4419]
BANGKOK = [100.5018, 13.7563]
UDON_THANI = [102.7870, 17.4138]
AROUND_KHON_KAEN = [
    [[102.80, 16.40], [102.88, 16.40], [102.88, 16.48], [102.80, 16.48], [102.80, 16.40]]
]
QUIET = 0.6  # seconds to wait where no sentinel can show that nothing was sent


@pytest.fixture
def rx() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        yield receiver


def subscribe(client: TestClient, uri: str, **extra: Any) -> str:
    body: dict[str, Any] = {
        "type": "Subscription",
        "entities": [{"type": "Sensor"}],
        "notification": {"endpoint": {"uri": uri}},
        **extra,
    }
    if "notification" in extra:
        body["notification"] = {"endpoint": {"uri": uri}, **extra["notification"]}
    r = client.post(f"{B}/subscriptions", json=body)
    assert r.status_code == 201, r.text
    return str(r.headers["location"].removeprefix(f"{B}/subscriptions/"))


def sensor(i: int | str, level: int = 0, **attrs: Any) -> dict[str, Any]:
    return {
        "id": f"urn:ngsi-ld:Sensor:{i}",
        "type": "Sensor",
        "level": {"type": "Property", "value": level, "unitCode": "CMT"},
        **attrs,
    }


def at(coordinates: list[float]) -> dict[str, Any]:
    return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": coordinates}}


def create(client: TestClient, entity: dict[str, Any]) -> None:
    r = client.post(f"{B}/entities", json=entity)
    assert r.status_code == 201, r.text


def patch(client: TestClient, i: int | str, **attrs: Any) -> None:
    body = {k: {"type": "Property", "value": v} for k, v in attrs.items()}
    r = client.patch(f"{B}/entities/urn:ngsi-ld:Sensor:{i}/attrs", json=body)
    assert r.status_code == 204, r.text


def delete_entity(client: TestClient, i: int | str) -> None:
    r = client.delete(f"{B}/entities/urn:ngsi-ld:Sensor:{i}")
    assert r.status_code == 204, r.text


def data(received: list[Received]) -> list[dict[str, Any]]:
    """Every entity notified, in arrival order."""
    return [e for note in received for e in note.json["data"]]


def ids(received: list[Received]) -> list[str]:
    return [e["id"] for e in data(received)]


def wait_data(rx: HttpReceiver, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Waits until ``n`` entities were notified in all, then a moment for any extra."""
    deadline = time.monotonic() + timeout
    while len(data(rx.received)) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.15)
    return data(rx.received)


# ----------------------------------------------------------------------------- triggers


def test_default_triggers_notify_creation_and_update_not_deletion(
    client: TestClient, rx: HttpReceiver
) -> None:
    sid = subscribe(client, rx.url)
    body = client.get(f"{B}/subscriptions/{sid}").json()
    assert body["notificationTrigger"] == ["attributeCreated", "attributeUpdated"]
    create(client, sensor(1, 5))
    patch(client, 1, level=6)
    got = wait_data(rx, 2)
    assert [(e["id"], e["level"]["value"]) for e in got] == [
        ("urn:ngsi-ld:Sensor:1", 5),
        ("urn:ngsi-ld:Sensor:1", 6),
    ]
    delete_entity(client, 1)
    create(client, sensor(2, 7))  # the sentinel
    got = wait_data(rx, 3)
    assert [(e["id"], e["level"]["value"]) for e in got[2:]] == [("urn:ngsi-ld:Sensor:2", 7)]
    assert all("deletedAt" not in e for e in got)


def test_entity_created_updated_deleted(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(
        client, rx.url, notificationTrigger=["entityCreated", "entityUpdated", "entityDeleted"]
    )
    create(client, sensor(1, 5))
    patch(client, 1, level=6)
    delete_entity(client, 1)
    got = wait_data(rx, 3)
    assert len(got) == 3, got
    assert got[0]["level"]["value"] == 5
    assert got[1]["level"]["value"] == 6
    assert set(got[2]) == {"id", "type", "deletedAt"}
    assert got[2]["id"] == "urn:ngsi-ld:Sensor:1"
    assert got[2]["type"] == "Sensor"
    assert got[2]["deletedAt"].endswith("Z")


def test_entity_created_only(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, notificationTrigger=["entityCreated"])
    create(client, sensor(1, 5))
    patch(client, 1, level=6)
    delete_entity(client, 1)
    create(client, sensor(2, 7))  # the sentinel
    got = wait_data(rx, 2)
    assert [(e["id"], e["level"]["value"]) for e in got] == [
        ("urn:ngsi-ld:Sensor:1", 5),
        ("urn:ngsi-ld:Sensor:2", 7),
    ]


def test_attribute_deleted_sends_the_null(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, notificationTrigger=["attributeDeleted"])
    create(client, sensor(1, 5, battery={"type": "Property", "value": 80}))
    patch(client, 1, level=6)
    r = client.delete(f"{B}/entities/urn:ngsi-ld:Sensor:1/attrs/battery")
    assert r.status_code == 204, r.text
    got = wait_data(rx, 1)
    assert len(got) == 1, got  # neither the creation nor the update
    assert got[0]["id"] == "urn:ngsi-ld:Sensor:1"
    assert got[0]["battery"]["type"] == "Property"
    assert got[0]["battery"]["value"] == NULL


def test_watched_attributes(client: TestClient, rx: HttpReceiver) -> None:
    create(client, sensor(1, 5, battery={"type": "Property", "value": 80}))
    subscribe(client, rx.url, watchedAttributes=["level"])
    patch(client, 1, battery=79)  # not watched
    patch(client, 1, battery=78)
    patch(client, 1, level=6)  # watched: the sentinel
    got = wait_data(rx, 1)
    assert len(got) == 1, got
    assert got[0]["level"]["value"] == 6
    assert got[0]["battery"]["value"] == 78  # the notification shows the whole entity


def test_q_notifies_only_matching_entities(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, q="level>10")
    create(client, sensor("low", 5))
    create(client, sensor("high", 50))
    patch(client, "low", level=3)  # still below
    patch(client, "low", level=20)  # now matches
    got = wait_data(rx, 2)
    assert [(e["id"], e["level"]["value"]) for e in got] == [
        ("urn:ngsi-ld:Sensor:high", 50),
        ("urn:ngsi-ld:Sensor:low", 20),
    ]


def test_geoq_within_and_near(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(
        client,
        rx.url_for("/within"),
        geoQ={"geometry": "Polygon", "coordinates": AROUND_KHON_KAEN, "georel": "within"},
    )
    subscribe(
        client,
        rx.url_for("/near"),
        geoQ={"geometry": "Point", "coordinates": KHON_KAEN, "georel": "near;maxDistance==20000"},
    )
    create(client, sensor("bangkok", 1, location=at(BANGKOK)))
    create(client, sensor("udon", 2, location=at(UDON_THANI)))
    create(client, sensor("nowhere", 3))  # no location at all
    create(client, sensor("khonkaen", 4, location=at(KHON_KAEN)))
    wait_data(rx, 2)
    by_path = {
        p: [e["id"] for n in rx.received if n.path == p for e in n.json["data"]]
        for p in ("/within", "/near")
    }
    assert by_path == {
        "/within": ["urn:ngsi-ld:Sensor:khonkaen"],
        "/near": ["urn:ngsi-ld:Sensor:khonkaen"],
    }
    assert len(rx.received) == 2


def test_id_pattern(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, entities=[{"type": "Sensor", "idPattern": "^urn:ngsi-ld:Sensor:kk-"}])
    create(client, sensor("bkk-1"))
    create(client, sensor("xkk-2"))
    create(client, sensor("kk-1"))
    assert [e["id"] for e in wait_data(rx, 1)] == ["urn:ngsi-ld:Sensor:kk-1"]


def test_entity_id_and_other_types_are_not_selected(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, entities=[{"type": "Sensor", "id": "urn:ngsi-ld:Sensor:2"}])
    create(client, sensor(1))
    create(client, {**sensor(2), "type": "Gauge"})  # the right id, another type
    r = client.delete(f"{B}/entities/urn:ngsi-ld:Sensor:2")
    assert r.status_code == 204
    create(client, sensor(2, 9))
    assert [(e["id"], e["type"]) for e in wait_data(rx, 1)] == [("urn:ngsi-ld:Sensor:2", "Sensor")]


def test_paused_sends_nothing_and_resumed_sends_again(client: TestClient, rx: HttpReceiver) -> None:
    create(client, sensor(1, 0))
    sid = subscribe(client, rx.url, isActive=False)
    assert client.get(f"{B}/subscriptions/{sid}").json()["status"] == "paused"
    patch(client, 1, level=1)
    create(client, sensor(2, 2))
    time.sleep(QUIET)
    assert rx.received == []
    r = client.patch(f"{B}/subscriptions/{sid}", json={"isActive": True})
    assert r.status_code == 204, r.text
    patch(client, 1, level=3)
    got = wait_data(rx, 1)
    assert [(e["id"], e["level"]["value"]) for e in got] == [("urn:ngsi-ld:Sensor:1", 3)]
    assert client.get(f"{B}/subscriptions/{sid}").json()["status"] == "active"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_expired_subscription_sends_nothing(client: TestClient, rx: HttpReceiver) -> None:
    expiry = datetime.now(UTC) + timedelta(seconds=2)
    sid = subscribe(client, rx.url, expiresAt=_iso(expiry))
    create(client, sensor(1, 0))
    assert [e["level"]["value"] for e in wait_data(rx, 1)] == [0]
    assert client.get(f"{B}/subscriptions/{sid}").json()["status"] == "active"
    time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()) + 0.2)
    patch(client, 1, level=1)
    create(client, sensor(2, 2))
    time.sleep(QUIET)
    assert len(data(rx.received)) == 1
    body = client.get(f"{B}/subscriptions/{sid}").json()
    assert body["status"] == "expired"
    assert body["expiresAt"] == _iso(expiry)


def test_throttling_batches_a_burst_and_loses_nothing(client: TestClient, rx: HttpReceiver) -> None:
    create(client, sensor(1, 0))
    subscribe(client, rx.url, throttling=1)
    started = time.monotonic()
    for v in range(1, 6):
        patch(client, 1, level=v)
    assert time.monotonic() - started < 1.0, "the burst must fit in one throttling period"
    deadline = time.monotonic() + 2.5  # two throttling periods and some slack
    while time.monotonic() < deadline and len(data(rx.received)) < 5:
        time.sleep(0.02)
    notes = rx.received
    assert [e["level"]["value"] for e in data(notes)] == [1, 2, 3, 4, 5]
    assert len(notes) < 5
    gaps = [b.at - a.at for a, b in zip(notes, notes[1:], strict=False)]
    assert all(g >= 0.9 for g in gaps), gaps


def test_throttling_batches_a_burst_of_several_entities(
    client: TestClient, rx: HttpReceiver
) -> None:
    for i in range(5):
        create(client, sensor(i, 0))
    subscribe(client, rx.url, throttling=1)
    for i in range(5):
        patch(client, i, level=i + 1)
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline and len(data(rx.received)) < 5:
        time.sleep(0.02)
    notes = rx.received
    assert sorted((e["id"], e["level"]["value"]) for e in data(notes)) == [
        (f"urn:ngsi-ld:Sensor:{i}", i + 1) for i in range(5)
    ]
    assert len(notes) <= 2
    gaps = [b.at - a.at for a, b in zip(notes, notes[1:], strict=False)]
    assert all(g >= 0.9 for g in gaps), gaps


def test_time_interval_notifies_the_current_state_periodically(
    client: TestClient, rx: HttpReceiver
) -> None:
    create(client, sensor(1, 42))
    create(client, sensor(2, 43))
    sid = subscribe(client, rx.url, timeInterval=1)
    assert client.get(f"{B}/subscriptions/{sid}").json()["timeInterval"] == 1
    notes = rx.wait_for(2, 3.5)
    assert notes[1].at - notes[0].at == pytest.approx(1.0, abs=0.4)
    for note in notes[:2]:
        assert note.json["subscriptionId"] == sid
        got = {e["id"]: e["level"]["value"] for e in note.json["data"]}
        assert got == {"urn:ngsi-ld:Sensor:1": 42, "urn:ngsi-ld:Sensor:2": 43}
    patch(client, 1, level=44)  # periodic: changes are not sent on their own
    before = len(rx.received)
    note = rx.wait_for(before + 1, 2)[before]
    assert {e["id"]: e["level"]["value"] for e in note.json["data"]}["urn:ngsi-ld:Sensor:1"] == 44
    deadline = time.monotonic() + 2
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = client.get(f"{B}/subscriptions/{sid}").json()["notification"]
        if status.get("timesSent", 0) >= 2:
            break
        time.sleep(0.05)
    assert status["timesSent"] >= 2 and status["status"] == "ok"


# ----------------------------------------------------------------------------- content


def test_notification_envelope_and_json_headers(client: TestClient, rx: HttpReceiver) -> None:
    sid = subscribe(client, rx.url)
    create(client, sensor(1, 5))
    patch(client, 1, level=6)
    notes = rx.wait_for(2, 5)
    for note in notes:
        body = note.json
        assert note.method == "POST" and note.path == "/notify"
        assert body["id"].startswith("urn:ngsi-ld:Notification:")
        assert body["type"] == "Notification"
        assert body["subscriptionId"] == sid
        assert body["notifiedAt"].endswith("Z")
        datetime.fromisoformat(body["notifiedAt"].replace("Z", "+00:00"))
        assert note.headers["content-type"].startswith("application/json")
        assert CORE in note.headers["link"]
        assert "@context" not in body
        assert [e["id"] for e in body["data"]] == ["urn:ngsi-ld:Sensor:1"]
    assert [n.json["data"][0]["level"]["value"] for n in notes] == [5, 6]
    assert notes[0].json["data"][0]["level"]["unitCode"] == "CMT"
    assert notes[0].json["id"] != notes[1].json["id"]


def test_json_ld_accept_puts_the_context_in_the_body(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(
        client, rx.url, notification={"endpoint": {"uri": rx.url, "accept": "application/ld+json"}}
    )
    create(client, sensor(1, 5))
    note = rx.wait_for(1, 5)[0]
    assert note.headers["content-type"].startswith("application/ld+json")
    assert "link" not in note.headers
    assert note.json["@context"] == CORE
    assert note.json["data"][0]["level"]["value"] == 5


def test_names_compacted_with_the_subscribers_inline_context(
    client: TestClient, rx: HttpReceiver
) -> None:
    context = {"Sensor": EX + "Sensor", "level": EX + "level"}
    for accept, path in (("application/json", "/json"), ("application/ld+json", "/ld")):
        body = {
            "@context": context,
            "type": "Subscription",
            "entities": [{"type": "Sensor"}],
            "notification": {"endpoint": {"uri": rx.url_for(path), "accept": accept}},
        }
        r = client.post(
            f"{B}/subscriptions", json=body, headers={"Content-Type": "application/ld+json"}
        )
        assert r.status_code == 201, r.text
    entity = {"@context": context, **sensor(1, 5)}
    r = client.post(f"{B}/entities", json=entity, headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 201, r.text
    first = {n.path: n for n in rx.wait_for(2, 5)}
    for path in ("/json", "/ld"):
        item = first[path].json["data"][0]
        assert item["type"] == "Sensor", path
        assert item["level"]["value"] == 5, path
    # an inline context is hosted (ImplicitlyCreated) and named by its URL, which the
    # JSON notification's Link header names too
    hosted = first["/ld"].json["@context"]
    assert hosted in first["/json"].headers["link"]
    served = client.get(urlsplit(hosted).path)
    assert served.status_code == 200 and served.json()["@context"] == context
    listed = client.get(f"{B}/jsonldContexts", params={"kind": "ImplicitlyCreated"}).json()
    assert hosted in listed
    # an entity written with the core context only has other names: full IRIs
    create(
        client,
        {
            "id": "urn:ngsi-ld:Sensor:2",
            "type": EX + "Sensor",
            EX + "level": {"type": "Property", "value": 6},
        },
    )
    notes = rx.wait_for(4, 5)
    assert {n.json["data"][0]["type"] for n in notes[2:]} == {"Sensor"}


@pytest.mark.parametrize("fmt", ["keyValues", "simplified", "concise"])
def test_formats_match_a_query_in_that_format(
    client: TestClient, rx: HttpReceiver, fmt: str
) -> None:
    entity = sensor(
        1,
        5,
        location=at(KHON_KAEN),
        isPartOf={"type": "Relationship", "object": "urn:ngsi-ld:River:chi"},
    )
    subscribe(client, rx.url, notification={"format": fmt})
    create(client, entity)
    got = rx.wait_for(1, 5)[0].json["data"][0]
    query_format = "keyValues" if fmt == "simplified" else fmt
    shown = client.get(f"{B}/entities/urn:ngsi-ld:Sensor:1", params={"format": query_format}).json()
    assert got == shown
    if fmt == "concise":
        assert got["level"] == {"value": 5, "unitCode": "CMT"}
        assert got["isPartOf"] == {"object": "urn:ngsi-ld:River:chi"}
    else:
        assert got["level"] == 5
        assert got["isPartOf"] == "urn:ngsi-ld:River:chi"


def test_notification_attributes_limit_the_data(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, notification={"attributes": ["level"]})
    create(client, sensor(1, 5, battery={"type": "Property", "value": 80}))
    item = rx.wait_for(1, 5)[0].json["data"][0]
    assert set(item) == {"id", "type", "level"}


def test_sys_attrs_add_the_timestamps(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url, notification={"sysAttrs": True})
    create(client, sensor(1, 5))
    patch(client, 1, level=6)
    items = [n.json["data"][0] for n in rx.wait_for(2, 5)]
    for item in items:
        assert item["createdAt"].endswith("Z") and item["modifiedAt"].endswith("Z")
        assert item["level"]["createdAt"].endswith("Z") and item["level"]["modifiedAt"].endswith(
            "Z"
        )
    assert items[1]["modifiedAt"] >= items[1]["createdAt"]
    assert items[1]["level"]["modifiedAt"] > items[0]["level"]["modifiedAt"]


def test_without_sys_attrs_no_timestamps(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(client, rx.url)
    create(client, sensor(1, 5))
    item = rx.wait_for(1, 5)[0].json["data"][0]
    assert "createdAt" not in item and "modifiedAt" not in item
    assert "createdAt" not in item["level"]


def test_show_changes_gives_the_previous_value(client: TestClient, rx: HttpReceiver) -> None:
    create(client, sensor(1, 5, battery={"type": "Property", "value": 80}))
    subscribe(client, rx.url, notification={"showChanges": True})
    patch(client, 1, level=6)
    item = rx.wait_for(1, 5)[0].json["data"][0]
    assert item["level"]["value"] == 6
    assert item["level"]["previousValue"] == 5
    assert "previousValue" not in item["battery"]  # unchanged


def test_receiver_info_arrives_as_headers(client: TestClient, rx: HttpReceiver) -> None:
    subscribe(
        client,
        rx.url,
        notification={
            "endpoint": {
                "uri": rx.url,
                "receiverInfo": [
                    {"key": "X-City", "value": "khonkaen"},
                    {"key": "Authorization", "value": "Bearer sandbox-token"},
                ],
            }
        },
    )
    create(client, sensor(1, 5))
    note = rx.wait_for(1, 5)[0]
    assert note.headers["X-City"] == "khonkaen"
    assert note.headers["Authorization"] == "Bearer sandbox-token"
