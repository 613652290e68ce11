"""The application factory: the routes of every API area and the lifespan.

Handlers are plain ``async def handler(hub, request) -> Response`` functions; the
dispatcher in ``asgi.py`` routes to them and renders every error as problem details.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from isanhub import __version__, logs
from isanhub.api import (
    admin,
    agri,
    attrs,
    audit,
    batch,
    contexts,
    discovery,
    entities,
    erasure,
    http,
    imports,
    openapi_platform,
    purge,
    scorecard,
    sellers,
    session,
    subscriptions,
    temporal,
    temporal_write,
)
from isanhub.api.asgi import App, Router
from isanhub.api.hub import BASE, Hub
from isanhub.api.precheck import RequestChecks
from isanhub.core.context import ContextResolver
from isanhub.insight.scorecard import run_every
from isanhub.notify.service import Notifier
from isanhub.security.guard import Guard
from isanhub.security.personal import load_classification, load_privacy
from isanhub.security.principal import Action
from isanhub.settings import Settings
from isanhub.store.base import Store, open_store

log = logging.getLogger("isanhub")
Handler = Callable[[Hub, Request], Awaitable[Response]]

#: (path below /ngsi-ld/v1, method, handler); the order matters only for shared prefixes
ROUTES: list[tuple[str, str, Handler]] = [
    ("/entities", "POST", entities.create),
    ("/entities", "GET", entities.query),
    ("/entities", "DELETE", purge.purge),
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
    ("/types/{type:path}", "GET", discovery.type_info),
    ("/attributes", "GET", discovery.attributes),
    ("/attributes/{attr:path}", "GET", discovery.attribute_info),
    ("/temporal/entities", "GET", temporal.query),
    ("/temporal/entities", "POST", temporal_write.create),
    ("/temporal/entities/{entity_id}", "GET", temporal.retrieve),
    ("/temporal/entities/{entity_id}", "DELETE", temporal_write.delete),
    ("/temporal/entities/{entity_id}/attrs", "POST", temporal_write.append),
    (
        "/temporal/entities/{entity_id}/attrs/{attr_id}",
        "DELETE",
        temporal_write.delete_attr_history,
    ),
    (
        "/temporal/entities/{entity_id}/attrs/{attr_id}/{instance_id}",
        "PATCH",
        temporal_write.modify_instance,
    ),
    (
        "/temporal/entities/{entity_id}/attrs/{attr_id}/{instance_id}",
        "DELETE",
        temporal_write.delete_instance,
    ),
    ("/temporal/entityOperations/query", "POST", temporal.query_post),
    ("/subscriptions", "POST", subscriptions.create),
    ("/subscriptions", "GET", subscriptions.query),
    ("/subscriptions/{subscription_id}", "GET", subscriptions.retrieve),
    ("/subscriptions/{subscription_id}", "PATCH", subscriptions.update),
    ("/subscriptions/{subscription_id}", "DELETE", subscriptions.delete),
    ("/jsonldContexts", "POST", contexts.add),
    ("/jsonldContexts", "GET", contexts.list_all),
    ("/jsonldContexts/{context_id:path}", "GET", contexts.serve),
    ("/jsonldContexts/{context_id:path}", "DELETE", contexts.delete),
]

#: Paths whose entity id is empty answer 400 BadRequestData, not 404 or 405. They are no
#: operations of their own (so not in ROUTES); /entities/ keeps serving GET and POST.
_EMPTY_ENTITY_ID: list[tuple[str, str, Handler]] = [
    ("/subscriptions/", "POST", subscriptions.create),  # clients that end with a slash
    ("/subscriptions/", "GET", subscriptions.query),
    ("/entities/", "GET", entities.query),
    ("/entities/", "POST", entities.create),
    *[("/entities/", m, attrs.missing_entity_id) for m in ("PUT", "PATCH")],
    # DELETE /entities/ is a purge: without a query it is a bad request all the same
    ("/entities/", "DELETE", purge.purge),
    *[("/entities//attrs", m, attrs.missing_entity_id) for m in ("POST", "PATCH")],
    *[("/entities//attrs/{a}", m, attrs.missing_entity_id) for m in ("PATCH", "PUT", "DELETE")],
    ("/temporal/entities//attrs", "POST", temporal_write.missing_part),
    ("/temporal/entities//attrs/{a}", "DELETE", temporal_write.missing_part),
    *[
        ("/temporal/entities//attrs/{a}/{i}", m, temporal_write.missing_part)
        for m in ("PATCH", "DELETE")
    ],
    # an empty attribute name: DELETE is a bad request, PATCH names no resource (405)
    ("/temporal/entities/{e}/attrs//{i}", "DELETE", temporal_write.missing_part),
]


def _endpoint(hub: Hub, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(hub, request)

    return endpoint


def action_of(path: str, method: str) -> Action:
    """What an NGSI-LD endpoint does, for access control: subscriptions need a consumer
    (never the public), reads and queries a consumer or open data, the rest a provider."""
    if path.startswith("/subscriptions"):
        return Action.SUBSCRIBE
    if method in ("GET", "HEAD") or path.endswith("/entityOperations/query"):
        return Action.READ
    return Action.WRITE


#: the platform's own endpoints below /hub/v1: (path, method, handler, action)
HUB_ROUTES: list[tuple[str, str, Handler, Action]] = [
    ("/import", "POST", imports.upload, Action.WRITE),
    ("/scorecard", "GET", scorecard.read, Action.READ),
    ("/agri", "GET", agri.index, Action.READ),
    ("/agri/refresh", "POST", agri.refresh, Action.WRITE),
    ("/agri/{insight}", "GET", agri.read, Action.READ),
    ("/kpi/compute", "POST", scorecard.compute, Action.WRITE),
    ("/sellers", "GET", sellers.shops, Action.READ),
    ("/sellers/{shop}/import", "POST", sellers.upload, Action.WRITE),
    ("/sellers/{shop}/report", "GET", sellers.report, Action.READ),
    ("/keys", "GET", admin.list_keys, Action.ADMIN),
    ("/keys", "POST", admin.create_key, Action.ADMIN),
    ("/keys/{key_id}", "DELETE", admin.revoke_key, Action.ADMIN),
    ("/open", "GET", admin.read_open, Action.ADMIN),
    ("/open", "PUT", admin.set_open, Action.ADMIN),
    ("/audit", "GET", audit.read, Action.ADMIN),
    ("/erasure", "POST", erasure.erase, Action.ADMIN),
    ("/session", "GET", session.whoami, Action.NONE),
    ("/session", "POST", session.sign_in, Action.NONE),
    ("/session", "DELETE", session.sign_out, Action.NONE),
]


def build_router(hub: Hub) -> Router:
    router = Router()
    for path, method, handler in [*ROUTES, *_EMPTY_ENTITY_ID]:
        router.add(BASE + path, method, _endpoint(hub, handler), action_of(path, method))
    for path, method, handler, action in HUB_ROUTES:
        router.add("/hub/v1" + path, method, _endpoint(hub, handler), action)
    return router


def oidc_verifier(settings: Settings) -> object | None:
    """The verifier of OpenID Connect tokens, when an issuer is configured."""
    if not settings.oidc_issuer:
        return None
    from isanhub.security.oidc import OidcVerifier

    return OidcVerifier.from_settings(settings)


async def announce(settings: Settings, guard: Guard) -> None:
    """Say at start how access works: open mode, or how to make the first admin key."""
    if guard.open:
        log.warning(
            "open mode (ISANHUB_AUTH=open): no keys are checked and every client is an"
            " admin; served on %s only. Set ISANHUB_AUTH=keys before opening it to a network."
            " / โหมดเปิด: ไม่ตรวจกุญแจ ทุกคนเป็นผู้ดูแล ให้บริการเฉพาะเครื่องนี้",
            settings.host,
        )
    elif not await guard.table.count_keys() and not settings.oidc_issuer:
        log.warning(
            "no API keys yet: only open data can be read. Create the first admin key with:"
            "  isanhub keys create --tenant '*' --role admin --name <your name>"
            " / ยังไม่มีกุญแจ API: สร้างกุญแจผู้ดูแลคนแรกด้วยคำสั่งข้างต้น"
        )


def create_served_app(settings: Settings | None = None) -> App:
    """The application as ``isanhub serve`` runs it, in each worker process: create_app,
    then every object alive at start-up (the imported libraries, the route table, the
    built-in contexts) set aside from the garbage collector. They never become garbage,
    but each full collection walked all of them: a request allocating a large answer
    (an hourly aggregation over a year, 8,760 periods) then paused for tens of ms."""
    app = create_app(settings)
    gc.collect()
    gc.freeze()
    return app


def create_app(settings: Settings | None = None, store: Store | None = None) -> App:
    """The ASGI application. Without ``store``, one is opened from ``settings.db``."""
    settings = settings or Settings.from_env()
    store = store or open_store(
        settings.db, synchronous=settings.sqlite_synchronous, pool_size=settings.pg_pool_size
    )
    resolver = ContextResolver(
        core_url=settings.core_context,
        public_base=settings.base_url,
        backend=store.context_backend(),
        allow_private=settings.allow_private_contexts,
        timeout=settings.context_timeout,
        max_bytes=settings.context_max_bytes,
    )
    # in this process (each worker builds its own app): the access log, on or off
    logs.ACCESS.setLevel(logs.access_level(settings.access_log, settings.log_level))
    guard = Guard(
        store.security_table(),
        mode=settings.auth,
        verifier=oidc_verifier(settings),
        rate=settings.rate_limit,
        public_rate=settings.public_rate_limit,
    )
    hub = Hub(settings, store, resolver, guard)
    classification = load_classification(settings.personal_data)  # a bad file stops here

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[None]:
        await store.open()
        await announce(settings, guard)
        hub.privacy = await load_privacy(store.security_table(), classification)
        hub.notifier = Notifier(settings, store, resolver, hub.privacy)
        await hub.notifier.start()
        kpis = None
        if settings.kpi_interval > 0:
            kpis = asyncio.create_task(run_every(store, settings.kpi_interval))
        try:
            yield
        finally:
            if kpis is not None:
                kpis.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await kpis
            await hub.notifier.close()
            if hub.agri is not None:  # a snapshot build must not outlive the store
                await hub.agri.aclose()
            await resolver.aclose()
            await store.close()

    async def version(request: Request) -> Response:
        return http.json_response({"name": "isanhub", "version": __version__})

    router = build_router(hub)
    router.add("/version", "GET", version)
    router.add(BASE + "/openapi.json", "GET", openapi_platform.serve_ngsi_ld)
    router.add("/openapi.json", "GET", openapi_platform.serve)
    from isanhub.web.routes import add_routes  # Jinja2 loads with the first page

    add_routes(router, lambda handler: _endpoint(hub, handler))
    app = App(router, RequestChecks(base=BASE), lifespan, guard)
    app.state.hub = hub
    return app
