"""A small ASGI dispatcher: routes to the handlers, runs the request checks, renders
every error as problem details.

It replaces a general-purpose router and middleware stack on the hot path: a route is
found with one dictionary look-up on the path's first segment and one regular
expression, and there is exactly one try/except between the server and a handler.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.precheck import RequestChecks
from isanhub.core.errors import InternalError, MethodNotAllowed, NgsiLdError, ResourceNotFound
from isanhub.logs import ACCESS
from isanhub.security.guard import OPEN_ACCESS, Guard
from isanhub.security.principal import Action

log = logging.getLogger("isanhub")

Endpoint = Callable[[Request], Awaitable[Response]]
Scope = dict[str, Any]
_PARAM = re.compile(r"\{(\w+)(?::path)?\}")

#: headers every response carries, unless it sets its own (docs/security.md): browsers
#: must not guess a content type from the body, send this origin's URLs to other sites,
#: or show a response inside another site's frame
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
#: header names a response may set itself, which the dispatcher then leaves alone
_OWN = frozenset([*(name for name, _ in SECURITY_HEADERS), b"cache-control"])
#: and a response to a request with credentials, which may hold what only its caller may
#: see, is kept by no cache (a browser's or a proxy's)
NO_STORE = (b"cache-control", b"no-store")
_CREDENTIALS = frozenset({b"authorization", b"x-api-key"})
_ANONYMOUS = frozenset({"anonymous", "open"})  # principals that hold no credential
_INFO = logging.INFO


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
        self.actions: dict[str, Action] = {}

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

    def add(
        self, template: str, method: str, endpoint: Endpoint, action: Action = Action.NONE
    ) -> None:
        """``action`` is what the endpoint does, for access control (security.guard)."""
        path = self._by_template.get(template)
        if path is None:
            path = self._by_template[template] = _Path(template)
            if path.static:
                self._static[template] = path
            else:
                self._dynamic.append(path)
        path.methods[method] = endpoint
        path.actions[method] = action

    def routes(self) -> list[tuple[str, str, Action]]:
        """Every (template, method, action) registered: what the OpenAPI document covers."""
        return [(t, m, a) for t, p in self._by_template.items() for m, a in p.actions.items()]

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
        guard: Guard | None = None,
    ) -> None:
        self.router = router
        self.checks = checks
        self.guard = guard  #: None: every request may do everything (tests of parts)
        self.lifespan = lifespan
        self.state: Any = type("State", (), {})()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            start = time.perf_counter()
            response = await self._handle(scope, receive)
            _harden(scope, response)
            await response(scope, receive, send)
            if ACCESS.isEnabledFor(_INFO):
                _access_line(scope, response.status_code, start)
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
            verb = "GET" if method == "HEAD" else method
            endpoint = route.methods.get(verb)
            if endpoint is None:
                response = http.problem_response(
                    MethodNotAllowed(f"{method} is not allowed on {path}")
                )
                response.headers["Allow"] = route.allow
                return response
            scope["access"] = (
                OPEN_ACCESS
                if self.guard is None
                else await self.guard.check(scope, route.actions[verb])
            )
            scope["path_params"] = params
            scope["route"] = route.template  # what the audit log names (api.privacy)
            scope["app"] = self
            request = Request(scope, receive)
            return await endpoint(request)
        except NgsiLdError as err:
            return http.problem_response(err)
        except Exception:
            # the route template, not the path: an entity id can be personal data
            log.exception("unhandled error on %s %s", method, scope.get("route", "(no route)"))
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


def _harden(scope: Scope, response: Response) -> None:
    """Add SECURITY_HEADERS (and NO_STORE) to a response, each unless already there."""
    raw = response.raw_headers
    for name, _ in raw:
        if name in _OWN:
            break
    else:  # the usual case, a loop and no set: this runs for every response
        raw.extend(SECURITY_HEADERS)
        if _with_credentials(scope):
            raw.append(NO_STORE)
        return
    names = {name for name, _ in raw}
    raw.extend(h for h in SECURITY_HEADERS if h[0] not in names)
    if b"cache-control" not in names and _with_credentials(scope):
        raw.append(NO_STORE)


def _with_credentials(scope: Scope) -> bool:
    """Whether the request came with a credential: a header, or the pages' sign-in cookie
    (which the guard turned into a principal)."""
    access = scope.get("access")
    if access is not None and access.principal.who not in _ANONYMOUS:
        return True
    for name, _ in scope["headers"]:  # noqa: SIM110 - no generator: every request runs this
        if name in _CREDENTIALS:
            return True
    return False


def _access_line(scope: Scope, status: int, start: float) -> None:
    """One access log line (isanhub.logs): the route template, never the path or the
    query string, which can hold personal values."""
    route = scope.get("route", "-")
    ms = round((time.perf_counter() - start) * 1000, 2)
    access = scope.get("access")
    who = access.principal.who if access is not None else "-"
    tenant = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"ngsild-tenant"), "")
    fields = {
        "method": scope["method"],
        "route": route,
        "status": status,
        "duration_ms": ms,
        "principal": who,
        "tenant": tenant,
    }
    args = (scope["method"], route, status, ms, who, tenant or "-")
    # makeRecord and handle, not info(): that would look up the caller's frame for every
    # request (a quarter of the cost of a line), and says nothing an access line needs
    ACCESS.handle(
        ACCESS.makeRecord(
            ACCESS.name, _INFO, __file__, 0, "%s %s %d %.2f ms %s %s", args, None, extra=fields
        )
    )
