"""/subscriptions: create, retrieve, query, update and delete (clause 5.8).

The subscription model (validation, defaults, stored form) is ``core.subscription``;
matching and delivery are the notifier's (``notify.service``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http, privacy
from isanhub.api.hub import BASE, Hub
from isanhub.core.errors import (
    BadRequestData,
    NonexistentTenant,
    ResourceNotFound,
    TooManyResults,
)
from isanhub.core.model import check_uri, now_iso
from isanhub.core.subscription import parse_subscription, patch_subscription, render_subscription
from isanhub.notify.service import Notifier
from isanhub.security.principal import Role
from isanhub.security.subscriber import subscriber_of
from isanhub.store.outbox import StoredSubscription


def _notifier(hub: Hub) -> Notifier:
    assert hub.notifier is not None, "the notifier is not running"
    return hub.notifier


def _sid(request: Request) -> str:
    return check_uri(request.path_params["subscription_id"], "subscription id")


async def _body(request: Request) -> http.Body:
    return await http.object_body(request, "one subscription")


async def create(hub: Hub, request: Request) -> Response:
    body = await _body(request)
    terms = await hub.terms(body.context)
    doc = parse_subscription(body.data, terms, context=body.context, now=now_iso())
    await privacy.stamp_subscription(hub, request, doc)  # who, and personal data or not
    await _check_context(hub, doc, body.context)
    await _notifier(hub).create(http.tenant_of(request), doc)
    return http.created(f"{BASE}/subscriptions/{quote(doc['id'], safe=':/')}")


async def _check_context(hub: Hub, doc: dict[str, Any], context: Any) -> None:
    """The context notifications will be compacted with must be at hand now, not at the
    first notification: LdContextNotAvailable (503) otherwise. A subscriber's context
    that is no single URL (several, or inline) is hosted as an ImplicitlyCreated context
    and named by ``jsonldContext`` (clause 5.2.12): a notification's Link header can name
    one URL only."""
    if doc.get("jsonldContext"):
        await hub.terms(doc["jsonldContext"])
    elif context is not None and not _single_url(context):
        doc["jsonldContext"] = hub.contexts.add_implicit(context)[1]


def _single_url(context: Any) -> bool:
    items = context if isinstance(context, list) else [context]
    return len(items) == 1 and isinstance(items[0], str)


def _sees_all(hub: Hub, request: Request) -> bool:
    """Admins (and open mode) manage every subscription of the tenant; consumers and
    providers only their own, so no one can read another's endpoint and its credentials
    or redirect another's notifications."""
    return hub.access(request).role >= Role.ADMIN


def _owned(hub: Hub, request: Request, s: StoredSubscription) -> bool:
    return _sees_all(hub, request) or subscriber_of(s.doc).who == hub.access(request).principal.who


async def _stored(hub: Hub, request: Request, sid: str) -> StoredSubscription:
    found = await _notifier(hub).get(http.tenant_of(request), sid)
    if found is None or not _owned(hub, request, found):
        raise ResourceNotFound(f"subscription {sid} not found")  # another's: as if absent
    return found


def _respond(
    hub: Hub, request: Request, body: Any, context: Any, headers: dict[str, str] | None = None
) -> Response:
    media = http.accept(request)
    headers = dict(headers or {})
    if media == http.JSONLD:
        ctx = hub.response_context(context)
        for item in body if isinstance(body, list) else [body]:
            item["@context"] = ctx
    elif "Link" in headers:  # page links: the context link goes first
        headers["Link"] = hub.link_for(context) + ", " + headers["Link"]
    else:
        headers["Link"] = hub.link_for(context)
    return http.json_response(body, media=media, headers=headers)


def _sys_attrs(request: Request) -> bool:
    return "sysattrs" in {o.lower() for o in http.options(request)}


async def retrieve(hub: Hub, request: Request) -> Response:
    sid = _sid(request)
    context, terms = await hub.read_terms(request)
    found = await _stored(hub, request, sid)
    body = _render(hub, found, terms, sys_attrs=_sys_attrs(request))
    return _respond(hub, request, body, context)


def _render(hub: Hub, s: StoredSubscription, terms: Any, *, sys_attrs: bool) -> dict[str, Any]:
    status = dict(s.status)
    pending = _notifier(hub).dispatcher.pending(s.tenant, s.doc["id"])
    if pending:
        status["pending"] = pending
    return render_subscription(s.doc, terms, status=status, sys_attrs=sys_attrs)


async def query(hub: Hub, request: Request) -> Response:
    settings = hub.settings
    count = http.flag(request, "count")
    limit = http.int_param(request, "limit", settings.default_limit)
    offset = http.int_param(request, "offset", 0)
    if limit > settings.max_limit:
        raise TooManyResults(f"limit {limit} is above the maximum of {settings.max_limit}")
    if limit == 0 and not count:
        raise BadRequestData("limit=0 is only allowed together with count=true")
    tenant = http.tenant_of(request)
    context, terms = await hub.read_terms(request)
    if _sees_all(hub, request):
        subs, total = await _notifier(hub).page(tenant, limit, offset)
    else:  # a tenant has few subscriptions: read them all, keep the caller's, then page
        every, _ = await _notifier(hub).page(tenant, 2**31 - 1, 0)
        mine = [s for s in every if _owned(hub, request, s)]
        subs, total = mine[offset : offset + limit], len(mine)
    if tenant and not total and not await hub.store.tenant_exists(tenant):
        raise NonexistentTenant(f"tenant {tenant!r} does not exist")
    sys_attrs = _sys_attrs(request)
    body = [_render(hub, s, terms, sys_attrs=sys_attrs) for s in subs]
    headers = {"NGSILD-Results-Count": str(total)} if count else {}
    pages = _page_links(limit, offset, total)
    if pages:
        headers["Link"] = pages
    return _respond(hub, request, body, context, headers)


def _page_links(limit: int, offset: int, total: int) -> str:
    """Links to the previous and next pages (clause 6.3.13), relative to the API, written
    without spaces as the conformance suite compares them."""
    if limit == 0:
        return ""
    links = []
    if offset > 0:
        before = max(0, offset - limit)
        links.append(
            f'<{BASE}/subscriptions?limit={limit}&offset={before}>;rel="prev";type="{http.JSONLD}"'
        )
    if offset + limit < total:
        links.append(
            f'<{BASE}/subscriptions?limit={limit}&offset={offset + limit}>;rel="next";'
            f'type="{http.JSONLD}"'
        )
    return ", ".join(links)


async def update(hub: Hub, request: Request) -> Response:
    sid = _sid(request)
    body = await _body(request)
    terms = await hub.terms(body.context)
    found = await _stored(hub, request, sid)
    doc = patch_subscription(found.doc, body.data, terms, context=body.context, now=now_iso())
    await privacy.stamp_subscription(hub, request, doc, before=found.doc)
    await _check_context(hub, doc, body.context)
    await _notifier(hub).update(http.tenant_of(request), doc)
    return http.no_content()


async def delete(hub: Hub, request: Request) -> Response:
    sid = _sid(request)
    await _stored(hub, request, sid)  # exists, and is the caller's to delete
    if not await _notifier(hub).delete(http.tenant_of(request), sid):
        raise ResourceNotFound(f"subscription {sid} not found")
    return http.no_content()
