"""The limit for HTTP benchmarks: a bare ASGI app, no framework, served by uvicorn with the
same settings as ``isanhub serve`` (src/isanhub/cli.py: loop="auto", the same HTTP
protocol (isanhub.api.wire: a response's head and body in one write), access_log=False,
log level info) and as many worker processes (--workers, like ``isanhub serve --workers``
on PostgreSQL).

GET answers with the fixed JSON body in the file named by BENCH_BARE_BODY; any other method
reads the whole request body and answers 201 with a Location (a path ending in /entities)
or 204, like the broker's create and append.

    python -m bench.bare_app --port 8000 [--workers 2]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

_DEFAULT = b'{"id":"urn:ngsi-ld:Thing:1","type":"Thing"}'
BODY = _DEFAULT
if os.environ.get("BENCH_BARE_BODY"):
    with open(os.environ["BENCH_BARE_BODY"], "rb") as _f:
        BODY = _f.read()

_GET_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
    (
        b"link",
        b"<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld>; "
        b'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"',
    ),
]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["method"] == "GET":
        await send({"type": "http.response.start", "status": 200, "headers": _GET_HEADERS})
        await send({"type": "http.response.body", "body": BODY})
        return
    more = True
    while more:  # read the whole body, as a real handler must
        message = await receive()
        more = message.get("more_body", False)
    if scope["path"].endswith("/entities"):
        status, headers = 201, [(b"location", b"/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:1")]
    else:
        status, headers = 204, []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _protocol() -> Any:
    """The broker's HTTP protocol, or uvicorn's choice for a broker from before it had one
    (python -m bench --src OLD_TREE)."""
    try:
        from isanhub.api.wire import OneWriteProtocol
    except ImportError:
        return "auto"
    return OneWriteProtocol


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    args = parser.parse_args()
    # several workers each import the app, so uvicorn needs it by name; every worker reads
    # BENCH_BARE_BODY from the environment it inherits
    target: Any = "bench.bare_app:app" if args.workers > 1 else app
    uvicorn.run(
        target,
        workers=args.workers if args.workers > 1 else None,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        loop="auto",
        http=_protocol(),
        proxy_headers=False,  # the broker reads no client address: skip the rewrite
    )


if __name__ == "__main__":
    main()
