"""Notification delivery over MQTT(S), per the NGSI-LD MQTT binding.

The endpoint URI is mqtt[s]://[user:password@]host[:port]/topic/path; the topic is the
path without its leading '/'. The message is JSON: {"metadata": {headers and receiverInfo
key/values}, "body": <the notification>}. endpoint.notifierInfo picks the protocol
("MQTT-Version": "mqtt3.1.1" or "mqtt5.0") and the QoS ("MQTT-QoS": "0", "1" or "2").

One connected aiomqtt client serves each (host, port, user, password, TLS, version):
a broker handshake per notification would cost more than the publish. aiomqtt lets many
publishes share one client concurrently (each waits for its own message id). It does not
reconnect by itself, so a publish that finds the connection gone gets a fresh client and
is tried once more; the failed one was never sent, so that cannot duplicate it.

Unless private endpoints are allowed, a broker's name is resolved here, every address
checked (isanhub.netguard), and the client connects to the checked address (TLS still
checks the certificate against the name), so the name cannot resolve elsewhere between
the check and the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt
import orjson

from isanhub import netguard
from isanhub.notify.senders import DeliveryError, Target

_VERSIONS = {"mqtt3.1.1": aiomqtt.ProtocolVersion.V311, "mqtt5.0": aiomqtt.ProtocolVersion.V5}
_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True)
class _Broker:
    """What identifies one connection: notifications that share it share a client."""

    host: str
    port: int
    user: str | None
    password: str | None
    tls: bool
    version: aiomqtt.ProtocolVersion


def _parse(target: Target) -> tuple[_Broker, str, int]:
    """(broker, topic, qos) from the endpoint; an endpoint no retry can fix raises."""
    try:
        url = urlsplit(target.uri)
        host, port = url.hostname, url.port or _DEFAULT_PORTS[url.scheme]
    except (ValueError, KeyError) as exc:
        raise DeliveryError(f"malformed MQTT endpoint: {exc}", retryable=False) from None
    topic = url.path[1:]
    if not host or not topic or "+" in topic or "#" in topic:
        raise DeliveryError(
            "MQTT endpoint needs a host and a topic without wildcards", retryable=False
        )
    info = {k.lower(): v for k, v in target.notifier_info}
    version = _VERSIONS.get(info.get("mqtt-version", "mqtt3.1.1").lower())
    qos = info.get("mqtt-qos", "0")
    if version is None or qos not in ("0", "1", "2"):
        raise DeliveryError(f"unsupported MQTT notifierInfo: {info}", retryable=False)
    user = unquote(url.username) if url.username is not None else None
    password = unquote(url.password) if url.password is not None else None
    return _Broker(host, port, user, password, url.scheme == "mqtts", version), topic, int(qos)


class MqttSender:
    def __init__(self, *, timeout: float, allow_private: bool = True) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._clients: dict[_Broker, aiomqtt.Client] = {}
        self._locks: dict[_Broker, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def send(self, target: Target, body: bytes, headers: dict[str, str]) -> None:
        broker, topic, qos = _parse(target)
        metadata = dict(target.receiver_info)
        metadata.update(headers)  # as over HTTP: the body's own headers win
        if not any(k.lower() == "content-type" for k in metadata):
            metadata["Content-Type"] = target.accept
        try:
            payload = orjson.dumps({"metadata": metadata, "body": orjson.loads(body)})
        except orjson.JSONDecodeError as exc:
            raise DeliveryError(f"notification body is not JSON: {exc}", retryable=False) from None
        client = await self._client(broker)
        try:
            await client.publish(topic, payload, qos=qos, timeout=self._timeout)
        except aiomqtt.MqttCodeError:
            # Refused for want of a connection (the broker went away since the last
            # send): connect anew and try once more.
            client = await self._client(broker, stale=client)
            await self._publish(client, topic, payload, qos)
        except aiomqtt.MqttError as exc:
            raise _failure(exc, self._timeout) from None

    async def _publish(self, client: aiomqtt.Client, topic: str, payload: bytes, qos: int) -> None:
        try:
            await client.publish(topic, payload, qos=qos, timeout=self._timeout)
        except aiomqtt.MqttError as exc:
            raise _failure(exc, self._timeout) from None

    async def _client(self, broker: _Broker, stale: aiomqtt.Client | None = None) -> aiomqtt.Client:
        """The connected client for `broker`, connecting (once, however many wait) if
        there is none yet or the one there is `stale`."""
        if self._loop is not asyncio.get_running_loop():
            # Clients are bound to the loop that made them; one that ended took them along.
            self._clients.clear()
            self._locks.clear()
            self._loop = asyncio.get_running_loop()
        client = self._clients.get(broker)
        if client is not None and client is not stale:
            return client
        async with self._locks.setdefault(broker, asyncio.Lock()):
            client = self._clients.get(broker)
            if client is not None and client is not stale:
                return client  # another send reconnected while this one waited
            if client is not None:
                del self._clients[broker]
                await _quietly_close(client)
            host, tls = await self._address(broker)
            client = aiomqtt.Client(
                host,
                broker.port,
                username=broker.user,
                password=broker.password,
                identifier=f"isanhub-{uuid.uuid4().hex[:16]}",
                protocol=broker.version,
                tls_context=tls,
                timeout=self._timeout,
                max_inflight_messages=100,  # paho's 20 throttles bursts of QoS 1/2
            )
            # aiomqtt warns on every publish past 10 in flight; bursts are normal here.
            client.pending_calls_threshold = 1_000_000
            try:
                await client.__aenter__()
            except aiomqtt.MqttError as exc:
                where = f"{broker.host}:{broker.port}"
                raise DeliveryError(f"MQTT broker unreachable: {where}: {exc}") from None
            self._clients[broker] = client
            return client

    async def _address(self, broker: _Broker) -> tuple[str, ssl.SSLContext | None]:
        """Where to connect for ``broker``, and the TLS context (None: plain MQTT)."""
        if self._allow_private:
            return broker.host, ssl.create_default_context() if broker.tls else None
        try:
            address = await netguard.public_address(broker.host, broker.port)
        except netguard.RefusedAddress as exc:
            raise DeliveryError(netguard.refused_text(exc), retryable=False) from None
        except (OSError, UnicodeError) as exc:
            raise DeliveryError(f"cannot resolve {broker.host}: {exc}") from None
        return address, _tls_for(broker.host) if broker.tls else None

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        if self._loop is asyncio.get_running_loop():
            await asyncio.gather(*(_quietly_close(c) for c in clients))


async def _quietly_close(client: aiomqtt.Client) -> None:
    # Closing is a courtesy to the broker: a connection that is already gone, or a
    # broker too slow to acknowledge, must not turn a close into an error.
    with contextlib.suppress(Exception):
        await client.__aexit__(None, None, None)


def _failure(exc: aiomqtt.MqttError, timeout: float) -> DeliveryError:
    if "timed out" in str(exc):
        return DeliveryError(f"timeout after {timeout:g} s waiting for the MQTT broker")
    return DeliveryError(f"MQTT publish failed: {exc}")


class _NamedTLS(ssl.SSLContext):
    """Checks the certificate against the endpoint's name while the socket goes to the
    address checked for it (paho would otherwise name the address it connects to)."""

    server_name = ""

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # type: ignore[override]
        kwargs["server_hostname"] = self.server_name
        return super().wrap_socket(*args, **kwargs)


def _tls_for(name: str) -> ssl.SSLContext:
    """What ssl.create_default_context() gives, naming ``name`` to the server."""
    context = _NamedTLS(ssl.PROTOCOL_TLS_CLIENT)
    context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    context.server_name = name
    return context
