"""/temporal/entities writes: create or add to an entity's history, append attributes,
delete an entity's or an attribute's history, modify or delete one instance.

History and current state are one store: instances posted here are recorded as they
are, and the current entity takes, per attribute and datasetId, the most recent of
them (so that q and geo-queries, which look at the current state, see it)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.attrs import attr_deletion
from isanhub.api.hub import BASE, Hub
from isanhub.core import temporal as shapes
from isanhub.core.errors import BadRequestData, ResourceNotFound
from isanhub.core.model import (
    Entity,
    Instance,
    check_name,
    check_uri,
    expand_instance,
    now_iso,
)
from isanhub.core.update import delete_attr
from isanhub.store.base import Change, HistoryEdit
from isanhub.store.history import INSTANCE_PREFIX, SCOPE_IRI


async def _instances(request: Request, hub: Hub, *, require_type: bool) -> tuple[Any, ...]:
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    now = now_iso()
    return (*shapes.expand_temporal(body.data, terms, now=now, require_type=require_type), now)


def _records(attrs: dict[str, list[Instance]], scope: list[str] | None) -> list[tuple[str, Any]]:
    out = [(iri, inst) for iri, instances in attrs.items() for inst in instances]
    if scope is not None:
        out.append((SCOPE_IRI, {"type": "Property", "value": scope}))
    return out


async def create(hub: Hub, request: Request) -> Response:
    """POST /temporal/entities: 201 for a new entity, 204 when it existed."""
    eid, types, scope, attrs, now = await _instances(request, hub, require_type=True)
    if eid is None:
        raise BadRequestData("the temporal entity needs an id")

    def write(current: Entity | None) -> Change:
        entity = current or {"id": eid, "type": [], "createdAt": now, "attrs": {}}
        entity["type"] = list(dict.fromkeys([*entity["type"], *types]))
        entity["modifiedAt"] = now
        if scope is not None:
            entity["scope"] = scope
        shapes.merge_latest(entity, attrs)
        return Change(entity, result=current is None, record=_records(attrs, scope))

    created = await hub.store.write(http.tenant_of(request), eid, write)
    if created:
        return http.created(f"{BASE}/temporal/entities/{eid}")
    return http.no_content()


async def append(hub: Hub, request: Request) -> Response:
    """POST /temporal/entities/{id}/attrs: more instances for an existing entity."""
    eid = check_uri(request.path_params["entity_id"], "entity id")
    _id, types, scope, attrs, now = await _instances(request, hub, require_type=False)

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        current["type"] = list(dict.fromkeys([*current["type"], *types]))
        current["modifiedAt"] = now
        shapes.merge_latest(current, attrs)
        return Change(current, record=_records(attrs, scope))

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


async def delete(hub: Hub, request: Request) -> Response:
    """DELETE /temporal/entities/{id}: the entity and its whole history."""
    eid = check_uri(request.path_params["entity_id"], "entity id")
    tenant = await hub.read_tenant(request)

    def write(current: Entity | None) -> Change:
        return Change(None, result=current is not None, unchanged=current is None)

    existed = await hub.store.write(tenant, eid, write)
    had_history = await hub.store.edit_history(tenant, eid, HistoryEdit())
    if not existed and not had_history:
        raise ResourceNotFound(f"entity {eid} not found")
    return http.no_content()


async def delete_attr_history(hub: Hub, request: Request) -> Response:
    """DELETE /temporal/entities/{id}/attrs/{attr}: the default instances' history, one
    datasetId's (datasetId=), or all (deleteAll=true); the current state follows."""
    target = await attr_deletion(hub, request)
    eid, name, iri, tenant = target.entity_id, target.name, target.iri, target.tenant
    dataset, delete_all = target.dataset_id, target.delete_all
    now = now_iso()

    def write(current: Entity | None) -> Change:
        if current is None or iri not in current["attrs"]:
            return Change(current, result=False, unchanged=True)
        try:
            delete_attr(current, iri, now, name, dataset_id=dataset, delete_all=delete_all)
        except ResourceNotFound:
            return Change(current, result=False, unchanged=True)
        return Change(current, result=True)

    in_current = await hub.store.write(tenant, eid, write)
    datasets = None if delete_all else frozenset({dataset})
    in_history = await hub.store.edit_history(tenant, eid, HistoryEdit(attr=iri, datasets=datasets))
    if not in_current and not in_history:
        raise ResourceNotFound(f"entity {eid} has no attribute {name} to delete")
    return http.no_content()


def _instance_number(text: str) -> int:
    check_uri(text, "instanceId")
    number = text.removeprefix(INSTANCE_PREFIX)
    if number == text or not number.isdigit():
        raise ResourceNotFound(f"no instance {text}")
    return int(number)


async def modify_instance(hub: Hub, request: Request) -> Response:
    """PATCH /temporal/entities/{id}/attrs/{attr}/{instanceId}: replace one instance,
    which keeps its instanceId."""
    eid = check_uri(request.path_params["entity_id"], "entity id")
    name = check_name(request.path_params["attr_id"])
    iid = _instance_number(request.path_params["instance_id"])
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    tenant = await hub.read_tenant(request)
    now = now_iso()
    instance = expand_instance(name, body.data, terms, now=now)
    edit = HistoryEdit(attr=terms.expand_attr(name), instance=iid, replacement=instance)
    if not await hub.store.edit_history(tenant, eid, edit):
        raise ResourceNotFound(f"no instance {request.path_params['instance_id']} of {name}")
    return http.no_content()


async def delete_instance(hub: Hub, request: Request) -> Response:
    """DELETE /temporal/entities/{id}/attrs/{attr}/{instanceId}."""
    eid = check_uri(request.path_params["entity_id"], "entity id")
    name = check_name(request.path_params["attr_id"])
    iid = _instance_number(request.path_params["instance_id"])
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    edit = HistoryEdit(attr=terms.expand_attr(name), instance=iid)
    if not await hub.store.edit_history(tenant, eid, edit):
        raise ResourceNotFound(f"no instance {request.path_params['instance_id']} of {name}")
    return http.no_content()


async def missing_part(hub: Hub, request: Request) -> Response:
    """A temporal path whose entity id or attribute name is empty."""
    raise BadRequestData("the entity id or attribute name is missing from the path")
