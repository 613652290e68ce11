"""Notification delivery over HTTP(S): one POST per notification.

One aiohttp ClientSession (with its keep-alive pool) serves the whole process, because
opening a TCP (and TLS) connection per notification costs more than sending it. aiohttp
was chosen over httpx.AsyncClient by measurement, 2,000 POSTs to a local receiver in
another process: sequential ~5,500/s against ~1,850/s, concurrent ~12,500/s against
~650/s (both clients pooled, 32 connections).

The session belongs to an event loop, so it is made lazily inside the running loop, and
made again if the sender finds itself in another loop (as when tests call asyncio.run
more than once with one sender).

Unless private endpoints are allowed, the connector refuses non-public addresses where
it connects (isanhub.netguard): its resolver drops them from what a name resolves to,
and its socket factory checks the address of every socket it opens, so neither an IP
address in the URI nor a name that resolves differently after the subscription was
checked (DNS rebinding) reaches the broker's own network.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from isanhub import netguard
from isanhub.notify.senders import DeliveryError, Target


class HttpSender:
    """POSTs notifications. Redirects are not followed: an endpoint answers for itself,
    and re-POSTing a body wherever a 3xx points would surprise both sides."""

    def __init__(
        self, *, timeout: float, max_connections_per_host: int, allow_private: bool = True
    ) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._per_host = max_connections_per_host
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # One slot per pooled connection. Holding a slot before the request starts
        # means the timeout measures the receiver alone: aiohttp's own pool queue
        # would count the wait behind a burst of other notifications against it.
        self._slots: dict[tuple[str, str | None, int | None], asyncio.Semaphore] = {}

    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            # A session left behind by a loop that has ended cannot be closed from
            # here; dropping it is all that can be done, its sockets died with it.
            connector = aiohttp.TCPConnector(
                limit=0,  # no global cap: the per-host one is what protects receivers
                limit_per_host=self._per_host,
                keepalive_timeout=30,
                enable_cleanup_closed=True,
                **({} if self._allow_private else public_only()),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self._timeout, connect=self._timeout),
                # No cookie jar: one receiver's cookies must not reach another.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._loop = loop
            self._slots.clear()  # semaphores belong to the loop too
        return self._session

    async def send(self, target: Target, body: bytes, headers: dict[str, str]) -> None:
        # receiverInfo adds headers; it does not override those that describe the
        # body (Content-Type, Link), which would otherwise lie about the payload.
        merged = dict(target.receiver_info)
        merged.update(headers)
        if not any(k.lower() == "content-type" for k in merged):
            merged["Content-Type"] = target.accept
        try:
            session, url = self._client(), URL(target.uri)
            key = (url.scheme, url.host, url.port)
            slot = self._slots.get(key) or self._slots.setdefault(
                key, asyncio.Semaphore(self._per_host)
            )
            async with (
                slot,
                session.post(url, data=body, headers=merged, allow_redirects=False) as resp,
            ):
                # Reading the (usually empty) answer lets the connection go back
                # to the pool instead of being closed half-read.
                await resp.read()
                status = resp.status
        except TimeoutError:
            raise DeliveryError(f"timeout after {self._timeout:g} s") from None
        except ValueError as exc:  # aiohttp.InvalidURL, or yarl refusing the URI
            raise DeliveryError(f"malformed endpoint URI: {exc}", retryable=False) from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, netguard.RefusedAddress):
                # only a change of the endpoint (or of the setting) can help
                raise DeliveryError(netguard.refused_text(exc.os_error), retryable=False) from None
            raise DeliveryError(_connect_reason(exc)) from None
        except aiohttp.ServerDisconnectedError:
            raise DeliveryError("receiver closed the connection without answering") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"HTTP client error: {exc}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status}", status=status)

    async def close(self) -> None:
        if self._session is not None and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None


def _connect_reason(exc: aiohttp.ClientConnectorError) -> str:
    where = f"{exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve {exc.host}"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS failure with {where}: {exc.os_error}"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"connection refused by {where}"
    return f"cannot connect to {where}: {exc.os_error}"


class PublicResolver(AbstractResolver):
    """aiohttp's resolver, keeping only the public addresses a name resolves to
    (RefusedAddress when none is left)."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        public = [r for r in found if _public(r["host"])]
        if not public and found:
            netguard.check_ip(found[0]["host"], host)  # raises: says which address
        return public

    async def close(self) -> None:
        await self._inner.close()


def _public(address: str) -> bool:
    ip = netguard.parse_ip(address)
    return ip is not None and netguard.is_public(ip)


def public_only() -> dict[str, Any]:
    """The TCPConnector arguments that keep it to public addresses."""
    return {"resolver": PublicResolver(), "socket_factory": netguard.public_socket}
