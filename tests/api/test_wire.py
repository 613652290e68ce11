"""Responses leave in one write (api.wire), and every kind of response still arrives
whole: tested on ``isanhub serve`` over real sockets, and on the held head itself."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from isanhub.api.wire import HeldHead
from servers import Broker, needs_isanhub

ROOM = b'{"id":"urn:ngsi-ld:Room:1","type":"Room","t":{"type":"Property","value":21}}'


class _Socket:
    """What a transport was asked to send, write by write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def _held() -> tuple[HeldHead, _Socket]:
    sock = _Socket()
    return HeldHead(sock), sock  # type: ignore[arg-type]


def test_a_head_and_its_body_leave_together() -> None:
    held, sock = _held()
    held.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert sock.writes == []
    held.write(b"{}")
    held.write(b"more")
    assert sock.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", b"more"]
    assert held.get_extra_info("peername") == "info:peername"  # the rest is the transport's


def test_a_head_without_a_body_leaves_on_flush_or_close() -> None:
    held, sock = _held()
    held.write(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n")  # a HEAD response
    held.flush()
    held.flush()
    assert sock.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n"]
    held.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    held.close()
    assert sock.writes[-1] == b"HTTP/1.1 204 No Content\r\n\r\n" and sock.closed


def test_interim_heads_and_bodies_are_never_held() -> None:
    held, sock = _held()
    held.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    held.write(b"HTTP/1.1 body text that ends like a head\r\n")
    assert len(sock.writes) == 2


def _exchange(port: int, request: bytes, *, responses: int = 1, timeout: float = 2.0) -> bytes:
    """Send raw bytes, read until ``responses`` complete responses came (by their
    Content-Length; none for HEAD), or fail after ``timeout`` seconds (less than the
    server's 5 s keep-alive: a response held back must not arrive by the closing)."""
    no_body = request.startswith(b"HEAD ")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while data.count(b"HTTP/1.1 ") < responses or not _complete(data, responses, no_body):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def _complete(data: bytes, responses: int, no_body: bool) -> bool:
    rest = data
    for _ in range(responses):
        head, sep, rest = rest.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if no_body:
            length = 0
        if len(rest) < length:
            return False
        rest = rest[length:]
    return True


@needs_isanhub
def test_every_kind_of_response_arrives_whole(tmp_path: Path) -> None:
    broker = Broker(f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "log")
    try:
        port = broker.port
        post = (
            b"POST /ngsi-ld/v1/entities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
            b"\r\nContent-Length: %d\r\n\r\n" % len(ROOM) + ROOM
        )
        created = _exchange(port, post)
        assert created.startswith(b"HTTP/1.1 201 ") and b"\r\nlocation: " in created.lower()
        get = b"GET /ngsi-ld/v1/entities/urn:ngsi-ld:Room:1 HTTP/1.1\r\nHost: x\r\n\r\n"
        got = _exchange(port, get)
        assert got.startswith(b"HTTP/1.1 200 ") and got.endswith(b"}")
        # a HEAD response writes no body: its head must still leave
        head = _exchange(port, get.replace(b"GET", b"HEAD", 1))
        assert head.startswith(b"HTTP/1.1 200 ") and head.endswith(b"\r\n\r\n")
        # pipelined: both answered, in order, on one connection
        two = _exchange(port, get + get.replace(b"Room:1", b"Room:2"), responses=2)
        assert two.startswith(b"HTTP/1.1 200 ") and b"HTTP/1.1 404 " in two
        # a client that waits for 100 Continue before sending its body gets it
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            body = b'{"t":{"type":"Property","value":22}}'
            s.sendall(
                b"PATCH /ngsi-ld/v1/entities/urn:ngsi-ld:Room:1/attrs HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body)
            )
            assert s.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(body)
            assert s.recv(1024).startswith(b"HTTP/1.1 204 ")
        assert b'"value":22' in _exchange(port, get)
    finally:
        broker.stop()


def test_the_protocol_is_uvicorns_with_a_held_head() -> None:
    """The server really uses it (cli.serve), on a real socket pair."""
    from isanhub.api.wire import OneWriteProtocol

    async def main() -> bytes:
        async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"2")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b"ok"})

        import uvicorn

        config = uvicorn.Config(app, http=OneWriteProtocol, port=0, lifespan="off")
        server = uvicorn.Server(config)
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(
            lambda: OneWriteProtocol(config, server.server_state, {}, loop), "127.0.0.1", 0
        )
        port = srv.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = await asyncio.wait_for(reader.read(4096), 5)
        writer.close()
        srv.close()
        return data

    data = asyncio.run(main())
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"\r\n\r\nok")


@pytest.mark.parametrize("status", [b"100", b"101", b"103"])
def test_no_interim_status_is_held(status: bytes) -> None:
    held, sock = _held()
    held.write(b"HTTP/1.1 " + status + b" Whatever\r\n\r\n")
    assert sock.writes
