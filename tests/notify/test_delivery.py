"""Notifications reach real receivers: all of them, in order per entity, after an
outage of the receiver, after a crash of the server, and a dead endpoint delays no one
else. Both backends; real HTTP receivers and the local Mosquitto."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from notify.receivers import HttpReceiver, MqttSubscriber, skip_without_mosquitto
from servers import Broker, needs_isanhub

B = "/ngsi-ld/v1"


def subscribe(client: Any, uri: str, **extra: Any) -> str:
    body: dict[str, Any] = {
        "type": "Subscription",
        "entities": [{"type": "Sensor"}],
        "notification": {"endpoint": {"uri": uri}},
        **extra,
    }
    r = client.post(f"{B}/subscriptions", json=body)
    assert r.status_code == 201, r.text
    return str(r.headers["location"].rsplit("/", 1)[1])


def create(client: Any, n: int, value: int = 0) -> None:
    r = client.post(
        f"{B}/entityOperations/upsert",
        json=[
            {
                "id": f"urn:ngsi-ld:Sensor:{i}",
                "type": "Sensor",
                "level": {"type": "Property", "value": value},
            }
            for i in range(n)
        ],
    )
    assert r.status_code in (201, 204), r.text


def set_level(client: Any, i: int, value: int) -> None:
    r = client.patch(
        f"{B}/entities/urn:ngsi-ld:Sensor:{i}/attrs",
        json={"level": {"type": "Property", "value": value}},
    )
    assert r.status_code == 204, r.text


def levels(received: list[Any]) -> dict[str, list[int]]:
    """The values each entity was notified with, in arrival order."""
    out: dict[str, list[int]] = defaultdict(list)
    for note in received:
        body = note.json if hasattr(note, "json") else note
        for entity in body["data"]:
            out[entity["id"]].append(entity["level"]["value"])
    return out


def test_every_change_arrives_in_order_per_entity(client: TestClient) -> None:
    with HttpReceiver() as rx:
        create(client, 4)
        subscribe(client, rx.url)
        errors: list[BaseException] = []

        def writer(i: int) -> None:
            try:
                for v in range(1, 51):
                    set_level(client, i, v)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            got = levels(rx.received)
            if all(len(got[f"urn:ngsi-ld:Sensor:{i}"]) >= 50 for i in range(4)):
                break
            time.sleep(0.05)
        got = levels(rx.received)
        for i in range(4):
            assert got[f"urn:ngsi-ld:Sensor:{i}"] == list(range(1, 51))
        for note in rx.received:
            assert note.json["type"] == "Notification"
            assert note.headers["content-type"] == "application/json"


def test_a_receiver_that_was_down_gets_everything_once_back(client: TestClient) -> None:
    with HttpReceiver() as rx:
        create(client, 1)
        sid = subscribe(client, rx.url)
        rx.stop()
        for v in range(1, 21):
            set_level(client, 0, v)
        time.sleep(1.0)
        status = client.get(f"{B}/subscriptions/{sid}").json()["notification"]
        assert status["status"] == "failed"
        assert status["timesFailed"] >= 1
        assert status.get("pending", 0) == 20
        rx.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(levels(rx.received)["urn:ngsi-ld:Sensor:0"]) < 20:
            time.sleep(0.05)
        assert levels(rx.received)["urn:ngsi-ld:Sensor:0"] == list(range(1, 21))
        time.sleep(0.2)
        status = client.get(f"{B}/subscriptions/{sid}").json()["notification"]
        assert status["status"] == "ok"
        assert "pending" not in status


def test_a_dead_endpoint_does_not_slow_the_others(client: TestClient) -> None:
    with HttpReceiver() as slow, HttpReceiver() as fast:
        slow.delay = 3.0  # answers, but only after 3 s each
        create(client, 1)
        subscribe(client, slow.url)
        subscribe(client, "http://127.0.0.1:9/never")  # nothing listens: refused
        subscribe(client, fast.url)
        started = time.monotonic()
        for v in range(1, 11):
            set_level(client, 0, v)
        fast.wait_for(10, 5)
        assert time.monotonic() - started < 1.5
        assert levels(fast.received)["urn:ngsi-ld:Sensor:0"] == list(range(1, 11))


def test_mqtt_endpoint_gets_the_notifications(client: TestClient) -> None:
    skip_without_mosquitto()
    with MqttSubscriber("isanhub/test/levels") as sub:
        create(client, 1)
        subscribe(
            client,
            sub.uri(),
            notification={
                "endpoint": {
                    "uri": sub.uri(),
                    "notifierInfo": [
                        {"key": "MQTT-Version", "value": "mqtt5.0"},
                        {"key": "MQTT-QoS", "value": "1"},
                    ],
                    "receiverInfo": [{"key": "X-City", "value": "khonkaen"}],
                }
            },
        )
        for v in range(1, 6):
            set_level(client, 0, v)
        messages = sub.wait_for(5, 10)
        bodies = [m.payload["body"] for m in messages]
        assert [b["data"][0]["level"]["value"] for b in bodies] == [1, 2, 3, 4, 5]
        assert messages[0].payload["metadata"]["X-City"] == "khonkaen"
        assert messages[0].qos == 1


@needs_isanhub
def test_notifications_pending_at_a_crash_are_sent_after_the_restart(
    db_url: str, tmp_path: Path
) -> None:
    db = db_url
    with HttpReceiver() as rx:
        broker = Broker(db, tmp_path / "broker.log")
        try:
            subscribe(httpx.Client(base_url=broker.base), rx.url)
            create(httpx.Client(base_url=broker.base), 1)  # attributeCreated: value 0
            rx.wait_for(1, 5)
            time.sleep(0.3)  # its delivery recorded (every 50 ms), else it is sent again
            rx.stop()
            with httpx.Client(base_url=broker.base) as c:
                for v in range(1, 11):
                    set_level(c, 0, v)
            broker.kill()  # SIGKILL with 10 notifications undelivered
            rx.start()
            time.sleep(0.5)
            assert len(rx.received) == 1
            broker = Broker(db, tmp_path / "broker.log")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(rx.received) < 11:
                time.sleep(0.05)
            assert levels(rx.received)["urn:ngsi-ld:Sensor:0"] == list(range(0, 11))
        finally:
            broker.stop()


@needs_isanhub
def test_several_processes_on_postgres_send_each_change_once(
    postgres_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    with HttpReceiver() as rx:
        first = Broker(postgres_url, tmp_path / "b1.log")
        brokers.append(first)
        second = Broker(postgres_url, tmp_path / "b2.log")
        brokers.append(second)
        with httpx.Client(base_url=first.base) as a, httpx.Client(base_url=second.base) as b:
            create(a, 2)
            subscribe(a, rx.url)  # created through one, matched by both
            for v in range(1, 41):
                set_level(a if v % 2 else b, v % 2, v)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and sum(map(len, levels(rx.received).values())) < 40:
            time.sleep(0.05)
        time.sleep(1.0)  # duplicates would arrive meanwhile
        got = levels(rx.received)
        assert got["urn:ngsi-ld:Sensor:1"] == list(range(1, 41, 2))
        assert got["urn:ngsi-ld:Sensor:0"] == list(range(2, 41, 2))


@needs_isanhub
def test_when_the_delivering_process_dies_another_takes_over(
    postgres_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    with HttpReceiver() as rx:
        first = Broker(postgres_url, tmp_path / "b1.log")  # starts first: it delivers
        brokers.append(first)
        time.sleep(0.5)
        second = Broker(postgres_url, tmp_path / "b2.log")
        brokers.append(second)
        with httpx.Client(base_url=second.base) as c:
            subscribe(c, rx.url)
            create(c, 1)  # attributeCreated: 0
            rx.wait_for(1, 5)
            time.sleep(0.3)
            rx.stop()
            for v in range(1, 11):
                set_level(c, 0, v)
        first.kill()  # the deliverer dies with 10 notifications pending
        rx.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(rx.received) < 11:
            time.sleep(0.05)
        assert levels(rx.received)["urn:ngsi-ld:Sensor:0"] == list(range(0, 11))


def test_endpoint_timeout_and_cooldown_are_kept(client: TestClient) -> None:
    with HttpReceiver() as rx:
        rx.delay = 1.0  # answers too late for the endpoint's 200 ms
        endpoint = {"uri": rx.url, "timeout": 200, "cooldown": 1500}
        sid = subscribe(client, rx.url, notification={"endpoint": endpoint})
        create(client, 1)
        first, second = rx.wait_for(2, 6)[:2]
        assert second.at - first.at >= 1.6  # 0.2 s timeout, then at least 1.5 s cooldown
        status = client.get(f"{B}/subscriptions/{sid}").json()["notification"]
        assert status["status"] == "failed"
        assert status["lastFailureReason"] == "timeout after 0.2 s"
