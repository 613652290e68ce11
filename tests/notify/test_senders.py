"""Delivery of one notification over HTTP and MQTT, against real receivers and a real
Mosquitto: what arrives, and how failures are reported to the dispatcher."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson
import pytest

from isanhub.notify.senders import DeliveryError, Senders, Target
from notify.receivers import (
    HttpReceiver,
    MosquittoProcess,
    MqttSubscriber,
    free_port,
    skip_without_mosquitto,
)

NOTIFICATION = {
    "id": "urn:ngsi-ld:Notification:0001",
    "type": "Notification",
    "subscriptionId": "urn:ngsi-ld:Subscription:kk-air",
    "notifiedAt": "2025-01-01T00:00:00.000Z",
    "data": [{"id": "urn:ngsi-ld:AirQualityObserved:KKU", "type": "AirQualityObserved",
              "pm25": {"type": "Property", "value": 41.5}, "name": {"type": "Property", "value": "ขอนแก่น"}}],
}  # fmt: skip
BODY = orjson.dumps(NOTIFICATION)
JSON = {"Content-Type": "application/json"}


def run(make: Callable[[Senders], Awaitable[Any]], **kwargs: Any) -> Any:
    """Run `make(senders)` in a fresh loop, closing the senders afterwards."""

    async def go() -> Any:
        senders = Senders(**kwargs)
        try:
            return await make(senders)
        finally:
            await senders.close()

    return asyncio.run(go())


def fails(target: Target, **kwargs: Any) -> tuple[DeliveryError, float]:
    """The DeliveryError one send raises, and how long it took to come."""
    start = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        run(lambda s: s.send(target, BODY, JSON), **kwargs)
    return caught.value, time.monotonic() - start


@pytest.fixture
def rx() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def sub() -> Iterator[MqttSubscriber]:
    skip_without_mosquitto()
    with MqttSubscriber() as subscriber:
        yield subscriber


# -- HTTP ---------------------------------------------------------------------------


def test_http_post_carries_body_headers_and_receiver_info(rx: HttpReceiver) -> None:
    link = '<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    target = Target(
        rx.url_for("/hooks/air?tenant=kk"),
        receiver_info=(("X-Auth-Token", "s3cret"), ("Content-Type", "text/plain")),
    )
    run(lambda s: s.send(target, BODY, {"Content-Type": "application/json", "Link": link}))
    [got] = rx.wait_for(1, 5)
    assert (got.method, got.path) == ("POST", "/hooks/air?tenant=kk")
    assert got.body == BODY and got.json == NOTIFICATION
    assert got.headers["Link"] == link
    assert got.headers["X-Auth-Token"] == "s3cret"
    # receiverInfo cannot relabel the body.
    assert got.headers["Content-Type"] == "application/json"


def test_http_content_type_falls_back_to_accept(rx: HttpReceiver) -> None:
    target = Target(rx.url, accept="application/ld+json")
    run(lambda s: s.send(target, BODY, {}))
    assert rx.wait_for(1, 5)[0].headers["Content-Type"] == "application/ld+json"


def test_http_503_is_retryable_with_its_status_then_delivery_resumes(rx: HttpReceiver) -> None:
    rx.respond_with(503, times=1)

    async def twice(s: Senders) -> DeliveryError:
        with pytest.raises(DeliveryError) as caught:
            await s.send(Target(rx.url), BODY, JSON)
        await s.send(Target(rx.url), BODY, JSON)  # the receiver is back to 200
        return caught.value

    err = run(twice)
    assert (err.status, err.retryable, err.reason) == (503, True, "HTTP 503")
    assert len(rx.wait_for(2, 5)) == 2


def test_http_4xx_is_an_error_too(rx: HttpReceiver) -> None:
    rx.respond_with(404)
    err, _ = fails(Target(rx.url))
    assert err.status == 404 and err.retryable


def test_http_closed_port_fails_fast_and_retryable() -> None:
    err, took = fails(Target(f"http://127.0.0.1:{free_port()}/notify"))
    assert err.retryable and err.status is None
    assert "refused" in err.reason
    assert took < 1.0


def test_http_slow_receiver_times_out(rx: HttpReceiver) -> None:
    rx.delay = 3.0
    err, took = fails(Target(rx.url), timeout=0.5)
    assert err.retryable and err.reason == "timeout after 0.5 s"
    assert took < 2.0


def test_http_receiver_down_for_a_while(rx: HttpReceiver) -> None:
    async def scenario(s: Senders) -> DeliveryError:
        await s.send(Target(rx.url), BODY, JSON)  # leaves a pooled connection behind
        await asyncio.to_thread(rx.stop)
        with pytest.raises(DeliveryError) as caught:
            await s.send(Target(rx.url), BODY, JSON)
        await asyncio.to_thread(rx.start)
        await s.send(Target(rx.url), BODY, JSON)  # same port, fresh connection
        return caught.value

    err = run(scenario)
    assert err.retryable
    assert len(rx.wait_for(2, 5)) == 2


def test_http_sequential_sends_reuse_one_connection(rx: HttpReceiver) -> None:
    async def twenty(s: Senders) -> None:
        for _ in range(20):
            await s.send(Target(rx.url), BODY, JSON)

    run(twenty)
    assert len({r.peer_port for r in rx.wait_for(20, 5)}) == 1


def test_http_many_concurrent_sends_all_arrive_within_the_pool(rx: HttpReceiver) -> None:
    async def burst(s: Senders) -> None:
        bodies = [orjson.dumps({**NOTIFICATION, "id": f"urn:n:{i}"}) for i in range(500)]
        await asyncio.gather(*(s.send(Target(rx.url), b, JSON) for b in bodies))

    run(burst, max_connections_per_host=8)
    got = rx.wait_for(500, 10)
    assert sorted(r.json["id"] for r in got) == sorted(f"urn:n:{i}" for i in range(500))
    assert len({r.peer_port for r in got}) <= 8


def test_one_senders_serves_successive_event_loops(rx: HttpReceiver) -> None:
    senders = Senders()

    async def send_and_close() -> None:
        await senders.send(Target(rx.url), BODY, JSON)
        await senders.close()  # a later send, in this loop or another, connects anew

    for _ in range(2):
        asyncio.run(send_and_close())
    assert len(rx.wait_for(2, 5)) == 2


@pytest.mark.parametrize("uri", ["ftp://example.org/x", "mailto:ops@example.org", "no-scheme"])
def test_unsupported_scheme_is_not_retryable(uri: str) -> None:
    err, _ = fails(Target(uri))
    assert not err.retryable and "scheme" in err.reason


def test_malformed_http_uri_is_not_retryable() -> None:
    err, _ = fails(Target("http://[::1/notify"))
    assert not err.retryable


# -- MQTT ---------------------------------------------------------------------------


def test_mqtt_message_wraps_metadata_and_body(sub: MqttSubscriber) -> None:
    target = Target(sub.uri(), receiver_info=(("fiware-service", "khonkaen"),))
    run(lambda s: s.send(target, BODY, {"Content-Type": "application/json"}))
    [msg] = sub.wait_for(1, 5)
    assert msg.topic == sub.topic and msg.qos == 0  # QoS 0 unless notifierInfo says
    assert msg.payload == {
        "metadata": {"Content-Type": "application/json", "fiware-service": "khonkaen"},
        "body": NOTIFICATION,
    }


@pytest.mark.parametrize("version", ["mqtt3.1.1", "mqtt5.0"])
@pytest.mark.parametrize("qos", ["1", "2"])
def test_mqtt_qos_and_version_from_notifier_info(
    sub: MqttSubscriber, version: str, qos: str
) -> None:
    info = (("MQTT-Version", version), ("MQTT-QoS", qos))
    run(lambda s: s.send(Target(sub.uri(), notifier_info=info), BODY, JSON))
    [msg] = sub.wait_for(1, 5)
    assert msg.qos == int(qos) and msg.payload["body"] == NOTIFICATION


def test_mqtt_connects_with_the_credentials_in_the_uri(sub: MqttSubscriber) -> None:
    run(lambda s: s.send(Target(sub.uri(userinfo="alice:s3cret")), BODY, JSON))
    assert sub.wait_for(1, 5)[0].payload["body"] == NOTIFICATION


def test_mqtt_sends_the_uri_credentials_decoded() -> None:
    """A stand-in broker that reads the CONNECT packet shows what the broker is told."""

    async def scenario(s: Senders) -> bytes:
        packets: asyncio.Queue[bytes] = asyncio.Queue()

        async def first_packet(reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            packets.put_nowait(await reader.read(1024))
            w.close()

        server = await asyncio.start_server(first_packet, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            with pytest.raises(DeliveryError):
                await s.send(Target(f"mqtt://al%40ice:p%3Ass@127.0.0.1:{port}/t"), BODY, JSON)
            return await packets.get()

    user, password = connect_credentials(run(scenario, timeout=1))
    assert (user, password) == ("al@ice", "p:ss")


def connect_credentials(packet: bytes) -> tuple[str, str]:
    """Username and password from an MQTT 3.1.1 CONNECT packet."""
    assert packet[0] == 0x10, "not a CONNECT"
    pos = 1
    while packet[pos] & 0x80:  # the remaining length is a varint
        pos += 1
    pos += 1 + 2 + 4  # protocol name "MQTT", length-prefixed
    flags, pos = packet[pos + 1], pos + 4  # level, flags, keep-alive
    assert flags & 0xC0 == 0xC0, "no username/password flags"
    fields = []
    while pos < len(packet):
        size = int.from_bytes(packet[pos : pos + 2], "big")
        fields.append(packet[pos + 2 : pos + 2 + size].decode())
        pos += 2 + size
    return fields[-2], fields[-1]  # client id first, will (none here) between


def test_mqtt_broker_down_is_retryable_and_quick() -> None:
    err, took = fails(Target("mqtt://127.0.0.1:1/isanhub/notify"))
    assert err.retryable and err.reason.startswith("MQTT broker unreachable")
    assert took < 1.0


@pytest.mark.parametrize(
    "target",
    [
        Target("mqtt://127.0.0.1:1883/"),  # no topic
        Target("mqtt://127.0.0.1:1883/a/+/b"),  # wildcard
        Target("mqtt://127.0.0.1:1883/t", notifier_info=(("MQTT-QoS", "3"),)),
        Target("mqtt://127.0.0.1:1883/t", notifier_info=(("MQTT-Version", "mqtt3.1"),)),
        Target("mqtt://127.0.0.1:99999/t"),  # no such port
    ],
)
def test_mqtt_malformed_endpoint_is_not_retryable(target: Target) -> None:
    err, _ = fails(target)
    assert not err.retryable


def test_mqtt_many_concurrent_sends_all_arrive(sub: MqttSubscriber) -> None:
    info = (("MQTT-QoS", "1"),)

    async def burst(s: Senders) -> None:
        bodies = [orjson.dumps({**NOTIFICATION, "id": f"urn:n:{i}"}) for i in range(500)]
        target = Target(sub.uri(), notifier_info=info)
        await asyncio.gather(*(s.send(target, b, JSON) for b in bodies))

    run(burst)
    got = sub.wait_for(500, 10)
    assert sorted(m.payload["body"]["id"] for m in got) == sorted(f"urn:n:{i}" for i in range(500))


@pytest.fixture
def broker() -> Iterator[MosquittoProcess]:
    skip_without_mosquitto()  # the shared one shows the binary is meant to be here
    with MosquittoProcess() as process:
        yield process


def test_mqtt_reconnects_after_the_broker_restarts(broker: MosquittoProcess) -> None:

    async def scenario(s: Senders) -> None:
        for round_ in range(2):
            with MqttSubscriber(port=broker.port) as sub:
                target = Target(sub.uri(), notifier_info=(("MQTT-QoS", "1"),))
                await s.send(target, BODY, JSON)
                await sub.wait_for_async(1, 5)
            if round_ == 0:
                await asyncio.to_thread(broker.restart)  # drops the sender's connection

    run(scenario)


def test_mqtt_broker_down_for_a_while(broker: MosquittoProcess) -> None:
    async def scenario(s: Senders) -> DeliveryError:
        target = Target(f"mqtt://127.0.0.1:{broker.port}/isanhub/t")
        await s.send(target, BODY, JSON)
        await asyncio.to_thread(broker.stop)
        with pytest.raises(DeliveryError) as caught:
            await s.send(target, BODY, JSON)
        await asyncio.to_thread(broker.start)
        await s.send(target, BODY, JSON)
        return caught.value

    err = run(scenario)
    assert err.retryable and "unreachable" in err.reason


def test_http_timeout_counts_the_receiver_not_the_queue_behind_a_burst(rx: HttpReceiver) -> None:
    rx.delay = 0.2  # each answer within the timeout, the burst as a whole beyond it

    async def burst(s: Senders) -> None:
        await asyncio.gather(*(s.send(Target(rx.url), BODY, JSON) for _ in range(12)))

    run(burst, timeout=0.5, max_connections_per_host=2)
    assert len(rx.wait_for(12, 5)) == 12
