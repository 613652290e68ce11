"""What the app mounts for the pages: one route per page and the static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from isanhub.api.asgi import Router
from isanhub.web import assets, pages


def add_routes(router: Router, bind: Callable[[Any], Callable[..., Awaitable[Any]]]) -> None:
    """``bind(handler)`` adapts a ``(hub, request)`` handler to the router (app.py)."""
    for page, path in pages.PATHS.items():
        router.add(path, "GET", bind(pages.handler(page)))
    router.add("/static/{path:path}", "GET", assets.serve)
