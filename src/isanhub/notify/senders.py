"""Delivery of one notification to one endpoint: the `Senders` facade.

The dispatcher hands over a serialised notification and a `Target`; `Senders.send`
returns once the receiver has it, or raises `DeliveryError`, whose `retryable` tells the
dispatcher whether trying again later can help. Retrying, backoff and bookkeeping are the
dispatcher's; this layer delivers exactly once per call, over a transport picked by the
URI scheme, and keeps its connections open between calls.

A `Senders` belongs to one event loop at a time; it is not for use from other threads.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


class DeliveryError(Exception):
    """A notification that did not arrive. `retryable` False only when retrying cannot help
    (e.g. unsupported URI scheme, malformed endpoint); `reason` short human text (e.g.
    'HTTP 503', 'connection refused', 'timeout after 5 s')."""

    def __init__(self, reason: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status  # the HTTP status when the receiver answered, else None


@dataclass(frozen=True)
class Target:
    """Where and how to deliver: the subscription's notification.endpoint."""

    uri: str  # http://, https://, mqtt://, mqtts://
    accept: str = "application/json"  # endpoint.accept: application/json or application/ld+json
    # endpoint.receiverInfo: extra headers (HTTP) / metadata entries (MQTT)
    receiver_info: tuple[tuple[str, str], ...] = ()
    # endpoint.notifierInfo: MQTT-Version ("mqtt3.1.1" default, or "mqtt5.0"),
    # MQTT-QoS ("0" default, "1", "2")
    notifier_info: tuple[tuple[str, str], ...] = ()
    # endpoint.timeout: seconds (the API's milliseconds / 1000) this endpoint has to
    # accept a notification, when shorter than the notifier's own timeout
    timeout: float | None = None


class Senders:
    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_connections_per_host: int = 32,
        allow_private: bool = True,
    ) -> None:
        """``allow_private`` False: endpoints on non-public addresses are refused where
        the connection is made (isanhub.netguard); the notifier passes the operator's
        setting (Settings.allow_private_endpoints, off by default)."""
        # Imported here: both transports import DeliveryError and Target from this module.
        from isanhub.notify.http import HttpSender
        from isanhub.notify.mqtt import MqttSender

        self._http = HttpSender(
            timeout=timeout,
            max_connections_per_host=max_connections_per_host,
            allow_private=allow_private,
        )
        self._mqtt = MqttSender(timeout=timeout, allow_private=allow_private)

    async def send(self, target: Target, body: bytes, headers: dict[str, str]) -> None:
        """Deliver once; return when the receiver accepted it (HTTP 2xx; MQTT: published,
        with PUBACK/PUBCOMP for QoS 1/2); raise DeliveryError otherwise. `body` is the
        notification JSON already serialised; `headers` are Content-Type (and Link when
        JSON-LD context goes by header) etc."""
        scheme = target.uri.partition(":")[0].lower()
        if scheme in ("http", "https"):
            sending = self._http.send(target, body, headers)
        elif scheme in ("mqtt", "mqtts"):
            sending = self._mqtt.send(target, body, headers)
        else:
            raise DeliveryError(f"unsupported endpoint URI scheme: {scheme!r}", retryable=False)
        if target.timeout is None:
            await sending
            return
        try:
            await asyncio.wait_for(sending, target.timeout)
        except TimeoutError:
            raise DeliveryError(f"timeout after {target.timeout:g} s") from None

    async def close(self) -> None:
        """Close pooled HTTP connections and disconnect MQTT clients. Sends still under
        way fail; a later send opens new connections."""
        await self._http.close()
        await self._mqtt.close()
