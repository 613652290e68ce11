"""Personal data and the public's view in the API handlers: the Reading of a request
(security.reading), its audit record, the access a subscription records, and what
discovery (/types, /attributes) shows the public.

Every handler that returns entities makes one Reading from the request's Access, shows
what it returns through it, and awaits ``audit`` before returning the response.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.security import audit as audit_log
from isanhub.security import subscriber
from isanhub.security.personal import Privacy, load_classification, load_privacy
from isanhub.security.reading import Reading, open_dnf
from isanhub.store.base import AttributeInfo, Query, TypeInfo


async def privacy_of(hub: Hub) -> Privacy:
    """The hub's policy (loaded with the application; here too for hubs built without)."""
    if hub.privacy is None:
        classification = load_classification(hub.settings.personal_data)
        hub.privacy = await load_privacy(hub.store.security_table(), classification)
    return hub.privacy


async def reading(hub: Hub, request: Request) -> Reading:
    access = hub.access(request)
    return Reading(await privacy_of(hub), clear=access.personal, open_types=access.open_types)


def action_of(request: Request) -> str:
    """What the audit log says was done: the method and the route's template (never
    the query string, which may hold personal values)."""
    scope = request.scope
    return f"{scope['method']} {scope.get('route') or scope['path']}"


async def audit(hub: Hub, request: Request, read: dict[str, Any]) -> None:
    """Record, durably, what a response showed in clear (nothing when it showed no
    personal data)."""
    if not read:
        return
    access = hub.access(request)
    rec = audit_log.record(
        who=access.principal.who,
        tenant=http.tenant_of(request),  # open mode's Access names no tenant
        action=action_of(request),
        purpose=audit_log.purpose_of(request.scope["headers"], access.principal),
        read=read,
    )
    await audit_log.write(hub.store.security_table(), [rec])


async def stamp_subscription(
    hub: Hub, request: Request, doc: dict[str, Any], before: dict[str, Any] | None = None
) -> None:
    """Record in a subscription who set it up and whether it may carry personal data
    in clear; Forbidden when it filters on personal data its subscriber may not read."""
    access = hub.access(request)
    reader = subscriber.Subscriber(
        access.principal.who,
        access.personal,
        audit_log.purpose_of(request.scope["headers"], access.principal),
    )
    subscriber.check(await privacy_of(hub), doc, reader)
    subscriber.stamp(doc, reader, before=before)


# --- discovery: the public sees the open types only --------------------------------------
def open_types(request: Request) -> frozenset[str] | None:
    """The types the reader is limited to; None: every type."""
    types = Hub.access(request).open_types
    return None if types is None or "*" in types else types


def visible_types(request: Request, infos: list[TypeInfo]) -> list[TypeInfo]:
    allowed = open_types(request)
    return infos if allowed is None else [t for t in infos if t.iri in allowed]


def visible_attributes(request: Request, infos: list[AttributeInfo]) -> list[AttributeInfo]:
    """The attributes of visible types, each naming only its visible types."""
    allowed = open_types(request)
    if allowed is None:
        return infos
    out = []
    for a in infos:
        types = [t for t in a.entity_types if t in allowed]
        if types:
            out.append(AttributeInfo(a.iri, a.count, a.attr_types, types))
    return out


async def attribute_count(hub: Hub, request: Request, tenant: str, info: AttributeInfo) -> int:
    """How many entities have the attribute, counting only visible ones."""
    allowed = open_types(request)
    if allowed is None:
        return info.count
    query = Query(types=open_dnf(None, allowed), attrs=frozenset({info.iri}), limit=0, count=True)
    return (await hub.store.query(tenant, query)).count or 0
