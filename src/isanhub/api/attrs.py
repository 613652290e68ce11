"""/entities/{id}/attrs: append, update, partial update, replace, delete (clause 5.6)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData, ResourceNotFound
from isanhub.core.model import (
    Entity,
    check_name,
    check_uri,
    expand_attributes,
    expand_instances,
    now_iso,
)
from isanhub.core.update import (
    append_attrs,
    delete_attr,
    partial_update,
    replace_attr,
    update_attrs,
)
from isanhub.store.base import Change


def _ids(request: Request) -> tuple[str, str]:
    eid = check_uri(request.path_params["entity_id"], "entity id")
    return eid, request.path_params.get("attr_id", "")


def _multi_status(updated: list[str], not_updated: list[tuple[str, str]], terms: object) -> Response:
    compact = terms.compact_attr  # type: ignore[attr-defined]
    return http.json_response(
        {
            "updated": [compact(i) for i in updated],
            "notUpdated": [
                {"attributeName": compact(i), "reason": reason} for i, reason in not_updated
            ],
        },
        207,
    )


async def _attrs_body(request: Request, hub: Hub) -> tuple[dict, object, str]:
    body = await http.read_body(request)
    if not isinstance(body.data, dict):
        raise BadRequestData("the body must be a JSON object of attributes")
    for key in ("id", "type"):
        if key in body.data:
            raise BadRequestData(f"{key} cannot be changed through the attrs endpoint")
    terms = await hub.terms(body.context)
    return body.data, terms, now_iso()


async def append(hub: Hub, request: Request) -> Response:
    eid, _ = _ids(request)
    data, terms, now = await _attrs_body(request, hub)
    attrs = expand_attributes(data, terms, now=now)  # type: ignore[arg-type]
    opts = http.options(request)
    no_overwrite = "noOverwrite" in opts or "nooverwrite" in opts

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        updated, not_updated = append_attrs(current, attrs, now, no_overwrite=no_overwrite)
        return Change(current, (updated, not_updated), unchanged=not updated)

    updated, not_updated = await hub.store.write(http.tenant_of(request), eid, write)
    if not_updated:
        return _multi_status(updated, not_updated, terms)
    return http.no_content()


async def update(hub: Hub, request: Request) -> Response:
    eid, _ = _ids(request)
    data, terms, now = await _attrs_body(request, hub)
    attrs = expand_attributes(data, terms, now=now)  # type: ignore[arg-type]

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        updated, not_updated = update_attrs(current, attrs, now)
        return Change(current, (updated, not_updated), unchanged=not updated)

    updated, not_updated = await hub.store.write(http.tenant_of(request), eid, write)
    if not_updated:
        return _multi_status(updated, not_updated, terms)
    return http.no_content()


async def _one_attr(request: Request, hub: Hub) -> tuple[str, str, str, list, str]:
    eid, name = _ids(request)
    check_name(name)
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    now = now_iso()
    if not isinstance(body.data, dict | list):
        raise BadRequestData("the body must be an attribute (a JSON object)")
    instances = expand_instances(name, body.data, terms, now=now, allow_null=True)
    return eid, name, terms.expand_attr(name), instances, now


async def partial(hub: Hub, request: Request) -> Response:
    eid, name, iri, instances, now = await _one_attr(request, hub)
    # a partial update may omit the type: take the stored one
    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        partial_update(current, iri, instances, now, name)
        return Change(current)

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


async def replace(hub: Hub, request: Request) -> Response:
    eid, name, iri, instances, now = await _one_attr(request, hub)
    if any(i.get("type") == "Null" for i in instances):
        raise BadRequestData("an attribute cannot be replaced by null")

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        replace_attr(current, iri, instances, now, name)
        return Change(current)

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


async def delete(hub: Hub, request: Request) -> Response:
    eid, name = _ids(request)
    check_name(name)
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    iri = terms.expand_attr(name)
    dataset_id = request.query_params.get("datasetId")
    if dataset_id is not None:
        check_uri(dataset_id, "datasetId")
    delete_all = http.flag(request, "deleteAll")
    now = now_iso()

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        delete_attr(current, iri, now, name, dataset_id=dataset_id, delete_all=delete_all)
        return Change(current)

    await hub.store.write(tenant, eid, write)
    return http.no_content()
