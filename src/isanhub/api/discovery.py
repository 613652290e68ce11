"""/types and /attributes: what the store holds, over all of it (clause 5.7.5–5.7.10)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http, privacy
from isanhub.api.hub import Hub
from isanhub.core.errors import ResourceNotFound


def _respond(hub: Hub, request: Request, body: Any, context: Any) -> Response:
    media = http.accept(request)
    if media == http.JSONLD:
        ctx = hub.response_context(context)
        if isinstance(body, list):
            for item in body:
                item["@context"] = ctx
        else:
            body["@context"] = ctx
        return http.json_response(body, media=media)
    return http.json_response(body, headers={"Link": hub.link_for(context)})


async def types(hub: Hub, request: Request) -> Response:
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    infos = privacy.visible_types(request, await hub.store.types(tenant))
    if http.flag(request, "details"):
        body: Any = [
            {
                "id": t.iri,
                "type": "EntityType",
                "typeName": terms.compact_type(t.iri),
                "attributeNames": sorted(terms.compact_attr(a) for a in t.attrs),
            }
            for t in infos
        ]
    else:
        body = {
            "id": f"urn:ngsi-ld:EntityTypeList:{uuid.uuid4()}",
            "type": "EntityTypeList",
            "typeList": sorted(terms.compact_type(t.iri) for t in infos),
        }
    return _respond(hub, request, body, context)


async def type_info(hub: Hub, request: Request) -> Response:
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    name = request.path_params["type"]
    if not name:  # /types/ (the route takes IRIs with slashes, so it also sees this)
        return await types(hub, request)
    iri = terms.expand_type(name)
    infos = privacy.visible_types(request, await hub.store.types(tenant))
    info = next((t for t in infos if t.iri == iri), None)
    if info is None:
        raise ResourceNotFound(f"no entity of type {name}")
    body = {
        "id": iri,
        "type": "EntityTypeInfo",
        "typeName": terms.compact_type(iri),
        "entityCount": info.count,
        "attributeDetails": [
            {
                "id": a,
                "type": "Attribute",
                "attributeName": terms.compact_attr(a),
                "attributeTypes": kinds,
            }
            for a, kinds in sorted(info.attrs.items())
        ],
    }
    return _respond(hub, request, body, context)


async def attributes(hub: Hub, request: Request) -> Response:
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    infos = privacy.visible_attributes(request, await hub.store.attributes(tenant))
    if http.flag(request, "details"):
        body: Any = [
            {
                "id": a.iri,
                "type": "Attribute",
                "attributeName": terms.compact_attr(a.iri),
                "typeNames": sorted(terms.compact_type(t) for t in a.entity_types),
            }
            for a in infos
        ]
    else:
        body = {
            "id": f"urn:ngsi-ld:AttributeList:{uuid.uuid4()}",
            "type": "AttributeList",
            "attributeList": sorted(terms.compact_attr(a.iri) for a in infos),
        }
    return _respond(hub, request, body, context)


async def attribute_info(hub: Hub, request: Request) -> Response:
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    name = request.path_params["attr"]
    if not name:
        return await attributes(hub, request)
    iri = terms.expand_attr(name)
    infos = privacy.visible_attributes(request, await hub.store.attributes(tenant))
    info = next((a for a in infos if a.iri == iri), None)
    if info is None:
        raise ResourceNotFound(f"no attribute named {name}")
    body = {
        "id": iri,
        "type": "Attribute",
        "attributeName": terms.compact_attr(iri),
        "attributeCount": await privacy.attribute_count(hub, request, tenant, info),
        "attributeTypes": sorted(info.attr_types),
        "typeNames": sorted(terms.compact_type(t) for t in info.entity_types),
    }
    return _respond(hub, request, body, context)
