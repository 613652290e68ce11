"""The application factory: routes of every API area, one error handler, lifespan.

Handlers are plain ``async def handler(hub, request) -> Response`` functions; Starlette
is only the adapter that routes to them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from isanhub import __version__
from isanhub.api import attrs, batch, contexts, discovery, entities, http
from isanhub.api.hub import BASE, Hub
from isanhub.core.context import ContextResolver
from isanhub.core.errors import (
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NgsiLdError,
    ResourceNotFound,
)
from isanhub.settings import Settings
from isanhub.store.base import Store, open_store

log = logging.getLogger("isanhub")
Handler = Callable[[Hub, Request], Awaitable[Response]]

#: (path below /ngsi-ld/v1, method, handler); the order matters only for shared prefixes
ROUTES: list[tuple[str, str, Handler]] = [
    ("/entities", "POST", entities.create),
    ("/entities", "GET", entities.query),
    ("/entities/{entity_id}", "GET", entities.retrieve),
    ("/entities/{entity_id}", "PUT", entities.replace),
    ("/entities/{entity_id}", "PATCH", entities.merge),
    ("/entities/{entity_id}", "DELETE", entities.delete),
    ("/entities/{entity_id}/attrs", "POST", attrs.append),
    ("/entities/{entity_id}/attrs", "PATCH", attrs.update),
    ("/entities/{entity_id}/attrs/{attr_id}", "PATCH", attrs.partial),
    ("/entities/{entity_id}/attrs/{attr_id}", "PUT", attrs.replace),
    ("/entities/{entity_id}/attrs/{attr_id}", "DELETE", attrs.delete),
    ("/entityOperations/create", "POST", batch.create),
    ("/entityOperations/upsert", "POST", batch.upsert),
    ("/entityOperations/update", "POST", batch.update),
    ("/entityOperations/merge", "POST", batch.merge),
    ("/entityOperations/delete", "POST", batch.delete),
    ("/entityOperations/query", "POST", batch.query),
    ("/types", "GET", discovery.types),
    ("/types/{type}", "GET", discovery.type_info),
    ("/attributes", "GET", discovery.attributes),
    ("/attributes/{attr}", "GET", discovery.attribute_info),
    ("/jsonldContexts", "POST", contexts.add),
    ("/jsonldContexts", "GET", contexts.list_all),
    ("/jsonldContexts/{context_id:path}", "GET", contexts.serve),
    ("/jsonldContexts/{context_id:path}", "DELETE", contexts.delete),
]


def _endpoint(hub: Hub, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(hub, request)

    endpoint.__name__ = handler.__module__.rsplit(".", 1)[-1] + "_" + handler.__name__
    return endpoint


def _routes(hub: Hub) -> list[Route]:
    by_path: dict[str, dict[str, Handler]] = {}
    for path, method, handler in ROUTES:
        by_path.setdefault(path, {})[method] = handler
    routes = []
    for path, methods in by_path.items():
        for method, handler in methods.items():
            routes.append(Route(BASE + path, _endpoint(hub, handler), methods=[method]))
    return routes


def problem_response(err: NgsiLdError) -> Response:
    return http.json_response(err.problem(), err.status)


async def _on_ngsi_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NgsiLdError)
    return problem_response(exc)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return problem_response(ResourceNotFound(f"no resource at {request.url.path}"))
    if exc.status_code == 405:
        return problem_response(
            MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        )
    return problem_response(InvalidRequest(str(exc.detail)))


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(InternalError("the broker failed to handle this request"))


def create_app(settings: Settings | None = None, store: Store | None = None) -> Starlette:
    """The ASGI application. Without ``store``, one is opened from ``settings.db``."""
    settings = settings or Settings.from_env()
    store = store or open_store(settings.db, synchronous=settings.sqlite_synchronous)
    resolver = ContextResolver(
        core_url=settings.core_context,
        public_base=settings.base_url,
        backend=store.context_backend(),
        allow_private=settings.allow_private_contexts,
        timeout=settings.context_timeout,
        max_bytes=settings.context_max_bytes,
    )
    hub = Hub(settings, store, resolver)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await resolver.aclose()
            await store.close()

    async def version(request: Request) -> Response:
        return http.json_response({"name": "isanhub", "version": __version__})

    app = Starlette(
        routes=[*_routes(hub), Route("/version", version)],
        lifespan=lifespan,
        exception_handlers={
            NgsiLdError: _on_ngsi_error,
            HTTPException: _on_http_error,
            Exception: _on_crash,
        },
    )
    app.state.hub = hub
    return app
