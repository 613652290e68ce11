"""Real notification receivers for tests: an HTTP server and an MQTT subscriber.

Both run on their own thread, so a test can drive them the same way whether it is a
plain sync test or runs an event loop via `asyncio.run`: the sync `wait_for` blocks the
calling thread, `wait_for_async` sleeps cooperatively so the loop's senders keep going.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import orjson
import paho.mqtt.client as paho
from aiohttp import web
from multidict import CIMultiDict
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = ("127.0.0.1", 1883)


def mosquitto_available(host: str = MOSQUITTO[0], port: int = MOSQUITTO[1]) -> bool:
    """True when something accepts TCP on the broker's address (a cheap, 0.5 s probe)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A TCP port nothing listens on right now (for 'receiver down' and private servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def skip_without_mosquitto() -> None:
    """Skip the calling test, saying why, when the local Mosquitto is not running."""
    import pytest

    if not mosquitto_available():
        pytest.skip("Mosquitto is not reachable on 127.0.0.1:1883 (apt-get install mosquitto)")


@dataclass(frozen=True)
class Received:
    """One request as the HTTP receiver saw it."""

    method: str
    path: str
    headers: Mapping[str, str]  # case-insensitive, as HTTP headers are
    body: bytes
    json: Any  # the parsed body, or None when it is not JSON
    at: float  # time.monotonic() on arrival
    peer_port: int  # the client's port: one value per TCP connection, so pooling shows


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


class _Recorder:
    """An ordered log with blocking and async waits; shared by both receivers."""

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._cond = threading.Condition()

    def add(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def snapshot(self) -> list[Any]:
        with self._cond:
            return list(self._items)

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def wait_for(self, n: int, timeout: float) -> list[Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) >= n, timeout):
                raise TimeoutError(f"{len(self._items)} of {n} arrived within {timeout} s")
            return list(self._items)

    async def wait_for_async(self, n: int, timeout: float) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.snapshot()) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.snapshot())} of {n} arrived within {timeout} s")
            await asyncio.sleep(0.005)
        return self.snapshot()


class HttpReceiver(_Recorder):
    """An aiohttp server on 127.0.0.1 (a free port, kept across stop/start) that records
    every request and answers 200, or what `respond_with` and `delay` say."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """``tls``: serve HTTPS with this context (at https://localhost:port)."""
        super().__init__()
        self.port = 0
        self.tls = tls
        self.delay = 0.0  # seconds to wait before answering each request
        self._status = 200
        self._times: int | None = None  # how many more requests get _status; None: all
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._runner: web.AppRunner | None = None

    # -- knobs ---------------------------------------------------------------------
    def respond_with(self, status: int, times: int | None = None) -> None:
        """Answer `status` to the next `times` requests (None: until changed), then 200."""
        with self._cond:
            self._status, self._times = status, times

    @property
    def url(self) -> str:
        return self.url_for("/notify")

    def url_for(self, path: str) -> str:
        if self.tls is not None:  # the name the test certificates are for
            return f"https://localhost:{self.port}{path}"
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def received(self) -> list[Received]:
        return self.snapshot()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> HttpReceiver:
        self._call(self._start())
        return self

    def stop(self) -> None:
        """Close the listener and every open connection: the receiver is down."""
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> HttpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, coro: Any) -> Any:
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(10)

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, "127.0.0.1", self.port, reuse_address=True, ssl_context=self.tls
        )
        await site.start()
        if not self.port:  # first start: remember the port the OS picked
            sock = site._server.sockets[0]  # type: ignore[union-attr]
            self.port = sock.getsockname()[1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.add(
            Received(
                method=request.method,
                path=request.path_qs,
                headers=CIMultiDict(request.headers),
                body=body,
                json=_parse(body),
                at=time.monotonic(),
                peer_port=(request.transport.get_extra_info("peername") or ("", 0))[1]
                if request.transport
                else 0,
            )
        )
        with self._cond:
            status = self._status
            if self._times is not None:
                self._times -= 1
                if self._times <= 0:
                    self._status, self._times = 200, None
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=status)


@dataclass(frozen=True)
class MqttMessage:
    """One message as the MQTT subscriber got it."""

    topic: str
    payload: Any  # parsed JSON, or None
    raw: bytes
    qos: int
    at: float


class MqttSubscriber(_Recorder):
    """A paho-mqtt client on its own thread, subscribed (QoS 2, so each message keeps the
    QoS it was published with) to `topic` on the local Mosquitto, recording messages."""

    def __init__(
        self, topic: str | None = None, host: str = MOSQUITTO[0], port: int = MOSQUITTO[1]
    ):
        super().__init__()
        self.topic = topic or f"isanhub-test/{uuid.uuid4().hex}"
        self.host, self.port = host, port
        self._subscribed = threading.Event()
        self._client = paho.Client(CallbackAPIVersion.VERSION2)
        self._client.on_connect = lambda c, *_: c.subscribe(self.topic, qos=2)
        self._client.on_subscribe = lambda *_: self._subscribed.set()
        self._client.on_message = self._on_message

    def uri(self, scheme: str = "mqtt", userinfo: str = "") -> str:
        """The endpoint URI a subscription would name to reach this subscriber."""
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}{self.host}:{self.port}/{self.topic}"

    @property
    def received(self) -> list[MqttMessage]:
        return self.snapshot()

    def start(self) -> MqttSubscriber:
        self._client.connect(self.host, self.port)
        self._client.loop_start()
        if not self._subscribed.wait(5):
            raise TimeoutError(f"no SUBACK for {self.topic} within 5 s")
        return self

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> MqttSubscriber:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_message(self, _c: Any, _u: Any, msg: paho.MQTTMessage) -> None:
        raw = bytes(msg.payload)
        self.add(MqttMessage(msg.topic, _parse(raw), raw, msg.qos, time.monotonic()))


class MosquittoProcess:
    """A Mosquitto of the test's own on a free port, for taking a broker down and up
    again without disturbing the shared one on 1883."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MosquittoProcess:
        self._proc = subprocess.Popen(
            [self._binary, "-p", str(self.port)], stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 5
        while not mosquitto_available(MOSQUITTO[0], self.port):
            if time.monotonic() > deadline:
                raise TimeoutError(f"mosquitto -p {self.port} did not start within 5 s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(5)
            self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> MosquittoProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
