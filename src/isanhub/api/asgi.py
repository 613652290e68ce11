"""A small ASGI dispatcher: routes to the handlers, runs the request checks, renders
every error as problem details.

It replaces a general-purpose router and middleware stack on the hot path: a route is
found with one dictionary look-up on the path's first segment and one regular
expression, and there is exactly one try/except between the server and a handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.precheck import RequestChecks
from isanhub.core.errors import InternalError, MethodNotAllowed, NgsiLdError, ResourceNotFound

log = logging.getLogger("isanhub")

Endpoint = Callable[[Request], Awaitable[Response]]
Scope = dict[str, Any]
_PARAM = re.compile(r"\{(\w+)(?::path)?\}")


class _Path:
    """One path template with its handlers by method."""

    def __init__(self, template: str) -> None:
        self.template = template
        pattern = ""
        pos = 0
        for m in _PARAM.finditer(template):
            pattern += re.escape(template[pos : m.start()])
            pattern += (
                f"(?P<{m.group(1)}>.*)" if ":path" in m.group(0) else f"(?P<{m.group(1)}>[^/]+)"
            )
            pos = m.end()
        pattern += re.escape(template[pos:])
        self.regex = re.compile(pattern + r"\Z")
        self.static = "{" not in template
        self.methods: dict[str, Endpoint] = {}

    @property
    def allow(self) -> str:
        methods = set(self.methods)
        if "GET" in methods:
            methods.add("HEAD")
        return ", ".join(sorted(methods))


class Router:
    """Path templates (``/entities/{entity_id}``, ``{name:path}`` spans slashes)."""

    def __init__(self) -> None:
        self._static: dict[str, _Path] = {}
        self._dynamic: list[_Path] = []
        self._by_template: dict[str, _Path] = {}

    def add(self, template: str, method: str, endpoint: Endpoint) -> None:
        path = self._by_template.get(template)
        if path is None:
            path = self._by_template[template] = _Path(template)
            if path.static:
                self._static[template] = path
            else:
                self._dynamic.append(path)
        path.methods[method] = endpoint

    def match(self, path: str) -> tuple[_Path, dict[str, str]] | None:
        found = self._static.get(path)
        if found is not None:
            return found, {}
        for candidate in self._dynamic:
            m = candidate.regex.match(path)
            if m is not None:
                return candidate, m.groupdict()
        if path.endswith("/") and len(path) > 1:  # a trailing slash names the same resource
            return self.match(path[:-1])
        return None


class App:
    """The ASGI application object."""

    def __init__(
        self,
        router: Router,
        checks: RequestChecks,
        lifespan: Callable[[App], AbstractAsyncContextManager[None]],
    ) -> None:
        self.router = router
        self.checks = checks
        self.lifespan = lifespan
        self.state: Any = type("State", (), {})()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            response = await self._handle(scope, receive)
            await response(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _handle(self, scope: Scope, receive: Any) -> Response:
        method = scope["method"]
        path = scope["path"]
        request = None
        try:
            if path.startswith(self.checks.prefix):
                self.checks.check(scope)
            found = self.router.match(path)
            if found is None:
                raise ResourceNotFound(f"no resource at {path}")
            route, params = found
            endpoint = route.methods.get("GET" if method == "HEAD" else method)
            if endpoint is None:
                response = http.problem_response(
                    MethodNotAllowed(f"{method} is not allowed on {path}")
                )
                response.headers["Allow"] = route.allow
                return response
            scope["path_params"] = params
            scope["app"] = self
            request = Request(scope, receive)
            return await endpoint(request)
        except NgsiLdError as err:
            return http.problem_response(err)
        except Exception:
            log.exception("unhandled error on %s %s", method, path)
            return http.problem_response(InternalError("the broker failed to handle this request"))

    async def _lifespan(self, receive: Any, send: Any) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        ctx = self.lifespan(self)
        try:
            await ctx.__aenter__()
        except Exception as exc:
            log.exception("start-up failed")
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        try:
            await ctx.__aexit__(None, None, None)
        except Exception as exc:
            log.exception("shut-down failed")
            await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})
