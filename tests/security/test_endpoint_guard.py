"""Notification endpoints in the broker's own network are refused unless the operator
allows them (ISANHUB_ALLOW_PRIVATE_ENDPOINTS): at subscription create and update, and
again where the connection is made, against real local receivers that must receive
nothing. (With the setting on, tests/notify delivers to local receivers.)"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from keyed import keyed_hub
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub import netguard
from isanhub.api.app import create_app
from isanhub.notify.senders import DeliveryError, Senders, Target
from notify.receivers import HttpReceiver, MqttSubscriber, free_port, skip_without_mosquitto

B = "/ngsi-ld/v1"
BODY = orjson.dumps({"id": "urn:ngsi-ld:Notification:1", "type": "Notification", "data": []})
JSON = {"Content-Type": "application/json"}


def subscription(uri: str) -> dict[str, Any]:
    return {
        "type": "Subscription",
        "entities": [{"type": "Sensor"}],
        "notification": {"endpoint": {"uri": uri}},
    }


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[TestClient]:
    """The API with private endpoints refused (the default; open mode allows them, as it
    serves this machine only, so this hub checks keys and the client is an admin)."""
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    with keyed_hub(tmp_path, db, allow_private_endpoints=False) as hub:
        hub.client.headers.update(hub.key("*", "admin"))
        yield hub.client


@pytest.fixture
def rx() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        yield receiver


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:{port}/notify",
        "http://127.8.9.10:{port}/notify",
        "http://[::1]:{port}/notify",
        "http://[::ffff:127.0.0.1]:{port}/notify",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]:{port}/notify",
        "http://[64:ff9b::a00:1]/notify",  # NAT64 of 10.0.0.1
        "http://[2002:c0a8:101::1]/notify",  # 6to4 of 192.168.1.1
        "http://10.1.2.3/notify",
        "http://172.16.0.1/notify",
        "http://192.168.1.1/notify",
        "http://100.64.0.1/notify",  # shared address space (carrier NAT)
        "http://169.254.169.254/latest/meta-data",  # link-local: cloud metadata
        "http://[fe80::1]/notify",
        "http://[fd00::1]/notify",  # unique local
        "http://224.0.0.1/notify",  # multicast
        "http://[ff02::1]/notify",
        "http://0.0.0.0:{port}/notify",  # unspecified
        "http://[::]:{port}/notify",
        "http://localhost:{port}/notify",  # a name that resolves to loopback only
        "https://localhost/notify",
        "mqtt://127.0.0.1:1883/isanhub/test",
        "mqtts://localhost/isanhub/test",
    ],
)
def test_a_private_endpoint_is_refused_at_creation(guarded: TestClient, uri: str) -> None:
    uri = uri.format(port=free_port())
    r = guarded.post(f"{B}/subscriptions", json=subscription(uri))
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"].endswith("/BadRequestData")
    assert "notification.endpoint.uri" in body["detail"]
    assert "ISANHUB_ALLOW_PRIVATE_ENDPOINTS" in body["detail"]
    assert guarded.get(f"{B}/subscriptions").json() == []  # nothing stored


def test_a_private_endpoint_is_refused_at_update(guarded: TestClient) -> None:
    # a name that does not resolve (yet) is let through: the connect-time check judges it
    r = guarded.post(f"{B}/subscriptions", json=subscription("http://receiver.invalid/n"))
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    for uri in ("http://127.0.0.1:9/n", "http://localhost/n", "mqtt://[::1]/t"):
        patch = {"notification": {"endpoint": {"uri": uri}}}
        r = guarded.patch(location, json=patch)
        assert r.status_code == 400, r.text
        assert "ISANHUB_ALLOW_PRIVATE_ENDPOINTS" in r.json()["detail"]
    stored = guarded.get(location).json()
    assert stored["notification"]["endpoint"]["uri"] == "http://receiver.invalid/n"


def test_with_the_setting_on_a_local_endpoint_is_accepted(client: TestClient) -> None:
    r = client.post(f"{B}/subscriptions", json=subscription("http://127.0.0.1:9/notify"))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    assert netguard.is_public(ipaddress.ip_address(address))


def send(target: Target, **kwargs: Any) -> DeliveryError:
    """The DeliveryError one send with private endpoints refused ends in."""

    async def go() -> None:
        senders = Senders(timeout=2.0, allow_private=False, **kwargs)
        try:
            await senders.send(target, BODY, JSON)
        finally:
            await senders.close()

    with pytest.raises(DeliveryError) as caught:
        asyncio.run(go())
    return caught.value


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_the_http_connector_refuses_loopback(rx: HttpReceiver, host: str) -> None:
    """The connect-time guard, on its own: the subscription check is not involved, and
    the receiver is real and listening, yet gets nothing."""
    err = send(Target(uri=f"http://{host}:{rx.port}/notify"))
    assert not err.retryable
    assert "refused" in err.reason and "non-public address" in err.reason
    assert "ISANHUB_ALLOW_PRIVATE_ENDPOINTS" in err.reason
    time.sleep(0.2)
    assert rx.received == []


def test_the_http_connector_still_delivers_when_allowed(rx: HttpReceiver) -> None:
    async def go() -> None:
        senders = Senders(timeout=2.0, allow_private=True)
        try:
            await senders.send(Target(uri=f"http://localhost:{rx.port}/notify"), BODY, JSON)
        finally:
            await senders.close()

    asyncio.run(go())
    assert len(rx.received) == 1


def test_the_mqtt_sender_refuses_loopback() -> None:
    skip_without_mosquitto()
    topic = f"isanhub/guard/{free_port()}"
    with MqttSubscriber(topic) as sub:
        for host in ("127.0.0.1", "localhost"):
            err = send(Target(uri=f"mqtt://{host}:1883/{topic}"))
            assert not err.retryable and "refused" in err.reason, err.reason
        time.sleep(0.3)
        assert sub.received == []


def test_a_refused_delivery_is_a_failed_notification(tmp_path: Path, rx: HttpReceiver) -> None:
    """A subscription made while private endpoints were allowed, delivered after the
    operator turned them off: the delivery fails, and the subscription says why."""
    with TestClient(create_app(make_settings(tmp_path))) as client:
        r = client.post(f"{B}/subscriptions", json=subscription(rx.url))
        assert r.status_code == 201, r.text
        location = r.headers["location"]
    with keyed_hub(tmp_path, make_settings(tmp_path).db, allow_private_endpoints=False) as hub:
        client = hub.client
        client.headers.update(hub.key("*", "admin"))
        sensor = {"id": "urn:ngsi-ld:Sensor:1", "type": "Sensor", "level": {"value": 1}}
        assert client.post(f"{B}/entities", json=sensor).status_code == 201
        deadline = time.monotonic() + 10
        while True:
            notification = client.get(location).json()["notification"]
            if notification.get("lastFailureReason") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert "refused" in notification.get("lastFailureReason", ""), notification
    assert notification.get("timesFailed", 0) >= 1
    assert "lastSuccess" not in notification
    assert rx.received == []


def test_open_mode_allows_local_receivers(tmp_path: Path, rx: HttpReceiver) -> None:
    """Open mode serves this machine only (the demo): its receivers are usually local."""
    settings = make_settings(tmp_path, allow_private_endpoints=False)
    assert settings.auth == "open" and settings.private_endpoints
    with TestClient(create_app(settings)) as client:
        assert client.post(f"{B}/subscriptions", json=subscription(rx.url)).status_code == 201
