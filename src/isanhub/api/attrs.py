"""/entities/{id}/attrs: append, update, partial update, replace, delete (clause 5.6)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData, InvalidRequest, ResourceNotFound
from isanhub.core.model import (
    NULL_URI,
    Entity,
    Fragment,
    Instance,
    check_name,
    check_uri,
    expand_fragment,
    expand_instances,
    now_iso,
)
from isanhub.core.update import (
    SCOPE_IRI,
    Outcome,
    append_fragment,
    delete_attr,
    partial_update,
    replace_attr,
    update_fragment,
)
from isanhub.store.base import Change


def _ids(request: Request) -> tuple[str, str]:
    eid = check_uri(request.path_params["entity_id"], "entity id")
    return eid, request.path_params.get("attr_id", "")


def _result(outcome: Outcome) -> Response:
    """204, or 207 with an UpdateResult naming attributes by their expanded IRIs (the
    body has no @context to compact them with)."""
    if not outcome.not_updated:
        return http.no_content()
    body = {
        "updated": outcome.updated,
        "notUpdated": [{"attributeName": i, "reason": r} for i, r in outcome.not_updated],
    }
    return http.json_response(body, 207)


async def _fragment(
    request: Request, hub: Hub, eid: str, *, allow_null: bool
) -> tuple[Fragment, str]:
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    now = now_iso()
    frag = expand_fragment(body.data, terms, now=now, entity_id=eid, allow_null=allow_null)
    return frag, now


async def append(hub: Hub, request: Request) -> Response:
    eid, _ = _ids(request)
    frag, now = await _fragment(request, hub, eid, allow_null=False)
    opts = http.options(request)
    no_overwrite = "noOverwrite" in opts or "nooverwrite" in opts

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        outcome = append_fragment(current, frag, now, no_overwrite=no_overwrite)
        return Change(current, outcome, unchanged=not outcome.changed)

    outcome = await hub.store.write(http.tenant_of(request), eid, write)
    return _result(outcome)


async def update(hub: Hub, request: Request) -> Response:
    eid, _ = _ids(request)
    frag, now = await _fragment(request, hub, eid, allow_null=True)

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        outcome = update_fragment(current, frag, now)
        return Change(current, outcome, unchanged=not outcome.changed)

    outcome = await hub.store.write(http.tenant_of(request), eid, write)
    return _result(outcome)


async def _one_attr(
    request: Request, hub: Hub, *, fragment: bool
) -> tuple[str, str, str, list[Instance], str]:
    eid, name = _ids(request)
    check_name(name)
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    iri = terms.expand_attr(name)
    if iri == SCOPE_IRI:
        raise BadRequestData("scope is not an attribute: change it through /attrs")
    if body.data == NULL_URI:
        raise InvalidRequest("an attribute body cannot be an NGSI-LD Null")
    if not isinstance(body.data, dict | list):
        raise BadRequestData("the body must be an attribute (a JSON object)")
    now = now_iso()
    instances = expand_instances(
        name, body.data, terms, now=now, allow_null=True, fragment=fragment
    )
    return eid, name, iri, instances, now


async def partial(hub: Hub, request: Request) -> Response:
    eid, name, iri, instances, now = await _one_attr(request, hub, fragment=True)

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        partial_update(current, iri, instances, now, name)
        return Change(current)

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


async def replace(hub: Hub, request: Request) -> Response:
    eid, name, iri, instances, now = await _one_attr(request, hub, fragment=False)
    if any(i.get("type") == "Null" for i in instances):
        raise BadRequestData("an attribute cannot be replaced by null")

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        replace_attr(current, iri, instances, now, name)
        return Change(current)

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


@dataclass(frozen=True)
class AttrDeletion:
    """What DELETE .../attrs/{attrId} names (here and in the temporal API)."""

    entity_id: str
    name: str
    iri: str
    tenant: str
    dataset_id: str | None
    delete_all: bool


async def attr_deletion(hub: Hub, request: Request) -> AttrDeletion:
    eid, name = _ids(request)
    check_name(name)
    _context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    dataset_id = request.query_params.get("datasetId")
    if dataset_id is not None:
        check_uri(dataset_id, "datasetId")
    return AttrDeletion(
        eid, name, terms.expand_attr(name), tenant, dataset_id, http.flag(request, "deleteAll")
    )


async def delete(hub: Hub, request: Request) -> Response:
    target = await attr_deletion(hub, request)
    eid, name, iri = target.entity_id, target.name, target.iri
    dataset_id, delete_all = target.dataset_id, target.delete_all
    tenant = target.tenant
    now = now_iso()

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        delete_attr(current, iri, now, name, dataset_id=dataset_id, delete_all=delete_all)
        return Change(current)

    await hub.store.write(tenant, eid, write)
    return http.no_content()


async def missing_entity_id(hub: Hub, request: Request) -> Response:
    """A route whose entity id is empty (``/entities/`` or ``/entities//attrs``)."""
    raise BadRequestData("the entity id is missing from the path")
