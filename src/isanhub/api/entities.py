"""/entities: create, retrieve, query, replace, merge, delete (clauses 5.6 and 5.7)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http, privacy
from isanhub.api.hub import BASE, Hub
from isanhub.api.params import query_from, split_list, view_from
from isanhub.core import linked, typeexpr
from isanhub.core.errors import AlreadyExists, BadRequestData, ResourceNotFound
from isanhub.core.model import Entity, check_uri, expand_entity, expand_fragment, now_iso
from isanhub.core.render import NORMALIZED, View, render_entity
from isanhub.core.update import merge_fragment, replace_entity
from isanhub.security.mask import mask_entity, personal_attrs
from isanhub.security.personal import Privacy
from isanhub.security.reading import Reading
from isanhub.store.base import Change


def _entity_id(request: Request) -> str:
    eid: str = request.path_params["entity_id"]
    if eid in _CHECKED_IDS:  # reads repeat ids: the URI check once per id
        return eid
    check_uri(eid, "entity id")
    if len(_CHECKED_IDS) >= _CHECKED_MAX:
        _CHECKED_IDS.clear()
    _CHECKED_IDS.add(eid)
    return eid


_CHECKED_IDS: set[str] = set()  #: entity ids of paths that passed check_uri
_CHECKED_MAX = 4096


async def _entity_body(request: Request) -> http.Body:
    """The body of a create or replace: one entity (a JSON object) and its @context."""
    return await http.object_body(request, "one entity")


async def create(hub: Hub, request: Request) -> Response:
    body = await _entity_body(request)
    terms = await hub.terms(body.context)
    entity = expand_entity(body.data, terms, now=now_iso())

    def write(current: Entity | None) -> Change:
        if current is not None:
            raise AlreadyExists(f"entity {entity['id']} already exists")
        return Change(entity)

    await hub.store.write(http.tenant_of(request), entity["id"], write)
    location = f"{BASE}/entities/{quote(entity['id'], safe=':/')}"
    return http.created(location)


_DEFAULT_VIEW = NORMALIZED
_PRODUCED = (http.JSON, http.JSONLD, http.GEOJSON)


def _view(request: Request, terms: Any) -> Any:
    if not request.scope.get("query_string"):
        return _DEFAULT_VIEW  # most reads: normalized, no projection
    qp = request.query_params
    return view_from(
        {o.strip() for v in qp.getlist("options") for o in v.split(",") if o.strip()},
        split_list(qp.get("attrs")),
        qp.get("pick"),
        qp.get("omit"),
        qp.get("lang"),
        terms,
        fmt=qp.get("format") or None,
        dataset_ids=qp.get("datasetId"),
        join=qp.get("join"),
        join_level=qp.get("joinLevel"),
    )


#: rendered default-view bodies by (stored document, term map, personal-data policy,
#: whether personal data is shown in clear): the same stored text compacted with the same
#: context for the same kind of reader is the same response. Each body is kept with the
#: entity's types (the public's view) and the personal attributes it shows in clear
#: (the audit), so a hit decodes nothing (cleared when full).
_RENDERED: dict[tuple[str, object, object, bool], tuple[bytes, list[str], tuple[str, ...]]] = {}
_RENDERED_MAX = 4096


def _default_body(
    entity: Entity, terms: Any, policy: Privacy, clear: bool
) -> tuple[bytes, list[str], tuple[str, ...]]:
    if clear:
        shown = personal_attrs(entity, policy.classification)
        return orjson.dumps(render_entity(entity, terms)), entity["type"], shown
    masked, _ = mask_entity(entity, policy.classification, policy.key)
    return orjson.dumps(render_entity(masked, terms)), entity["type"], ()


async def retrieve(hub: Hub, request: Request) -> Response:
    eid = _entity_id(request)
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    view = _view(request, terms)
    doc = await hub.store.get_doc(tenant, eid)
    if doc is None:
        raise ResourceNotFound(f"entity {eid} not found")
    if view is _DEFAULT_VIEW and http.accept(request, _PRODUCED) == http.JSON:
        # the most frequent read: served from the cache of rendered bodies
        access = hub.access(request)
        policy = hub.privacy or await privacy.privacy_of(hub)
        key = (doc, terms, policy, access.personal)
        hit = _RENDERED.get(key)
        if hit is None:
            hit = _default_body(orjson.loads(doc), terms, policy, access.personal)
            if len(_RENDERED) >= _RENDERED_MAX:
                _RENDERED.clear()
            _RENDERED[key] = hit
        body, types, shown = hit
        if access.open_types is not None and not access.sees_type(types):
            raise ResourceNotFound(f"entity {eid} not found")  # as if absent
        if shown:
            await privacy.audit(hub, request, {eid: shown})
        return http.JSONBody(body, 200, http.JSON, None, (hub.link_raw(context),))
    entity = orjson.loads(doc)
    reader = await privacy.reading(hub, request)
    if not reader.visible(entity["type"]):
        raise ResourceNotFound(f"entity {eid} not found")  # as if absent
    has_query = bool(request.scope.get("query_string"))
    wanted_type = request.query_params.get("type") if has_query else None
    if wanted_type:
        dnf = typeexpr.parse_types(wanted_type, terms.expand_type)
        if not any(g <= set(entity["type"]) for g in dnf):
            raise ResourceNotFound(f"entity {eid} is not of type {wanted_type}")
    if view.attrs is not None and not any(a in entity["attrs"] for a in view.attrs):
        raise ResourceNotFound(f"entity {eid} has none of the requested attributes")
    shown_entity = reader.entity(entity, view)
    assert shown_entity is not None  # its visibility was checked above
    rendered = await _render(hub, tenant, [shown_entity], terms, view, reader)
    if not rendered[0]:
        raise ResourceNotFound(f"nothing of entity {eid} is left after pick/omit")
    response = hub.entities_response(
        request,
        [shown_entity],
        terms,
        context,
        view,
        single=len(rendered) == 1,
        geoproperty=request.query_params.get("geometryProperty") if has_query else None,
        rendered=rendered,
    )
    await privacy.audit(hub, request, reader.read)
    return response


async def _render(
    hub: Hub, tenant: str, entities: list[Entity], terms: Any, view: View, reader: Reading
) -> list[dict[str, Any]]:
    """The entities rendered for ``view``, with their linked entities when joining
    (shown through ``reader``, as the entities themselves are)."""
    if not view.join:
        return linked.render(entities, terms, view, {})

    async def get_many(ids: list[str]) -> dict[str, Entity]:
        return reader.linked(await hub.store.get_many(tenant, ids))

    cache = await linked.fetch(get_many, entities, view)
    return linked.render(entities, terms, view, cache)


async def query(hub: Hub, request: Request) -> Response:
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    qp = request.query_params
    params: dict[str, Any] = dict(qp)
    if "count" in qp:
        params["count"] = http.flag(request, "count")
    q = query_from(params, terms, hub.settings, require_filter=not _local(request))
    view = _view(request, terms)
    return await respond_query(hub, request, tenant, q, view, terms, context)


def _local(request: Request) -> bool:
    return http.flag(request, "local")


async def respond_query(
    hub: Hub, request: Request, tenant: str, q: Any, view: Any, terms: Any, context: Any
) -> Response:
    reader = await privacy.reading(hub, request)
    q = reader.restrict(q)  # the public's types; no filtering on unreadable personal data
    if tenant and not await hub.store.tenant_exists(tenant):
        result_entities: list[Entity] = []
        count: int | None = 0 if q.count else None
    else:
        result = await hub.store.query(tenant, q)
        result_entities, count = reader.entities(result.entities, view), result.count
    headers = {}
    if count is not None:
        headers["NGSILD-Results-Count"] = str(count)
    rendered = await _render(hub, tenant, result_entities, terms, view, reader)
    if view.pick is not None or view.omit is not None:
        kept = [e for e, r in zip(result_entities, rendered, strict=False) if r]
        rendered = [r for r in rendered if r]  # entities left empty by pick/omit are dropped
        result_entities = kept
    response = hub.entities_response(
        request,
        result_entities,
        terms,
        context,
        view,
        single=False,
        headers=headers,
        geoproperty=request.query_params.get("geometryProperty"),
        rendered=rendered,
    )
    await privacy.audit(hub, request, reader.read)
    return response


async def replace(hub: Hub, request: Request) -> Response:
    eid = _entity_id(request)
    body = await _entity_body(request)
    terms = await hub.terms(body.context)
    data = body.data
    if data.get("id", eid) != eid:
        raise BadRequestData("the id in the body differs from the id in the URL")
    new = expand_entity({**data, "id": eid}, terms, now=now_iso())

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        return Change(replace_entity(current, new))

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


async def merge(hub: Hub, request: Request) -> Response:
    eid = _entity_id(request)
    body = await http.read_body(request, merge_patch=True)
    terms = await hub.terms(body.context)
    now = now_iso()
    frag = expand_fragment(body.data, terms, now=now, entity_id=eid, allow_null=True)

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        merge_fragment(current, frag, now)
        return Change(current)

    await hub.store.write(http.tenant_of(request), eid, write)
    return http.no_content()


async def delete(hub: Hub, request: Request) -> Response:
    eid = _entity_id(request)
    tenant = await hub.read_tenant(request)

    def write(current: Entity | None) -> Change:
        if current is None:
            raise ResourceNotFound(f"entity {eid} not found")
        return Change(None)

    await hub.store.write(tenant, eid, write)
    return http.no_content()
