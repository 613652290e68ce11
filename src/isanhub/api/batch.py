"""/entityOperations: batch create, upsert, update, merge, delete and query (clause 5.6.7+).

A batch is one store transaction; every entity gets its own success or error
(BatchOperationResult, 207 when any failed). An invalid entity never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.entities import respond_query
from isanhub.api.hub import Hub
from isanhub.api.params import flatten_query_body, query_from, view_from
from isanhub.core.errors import AlreadyExists, BadRequestData, NgsiLdError, ResourceNotFound
from isanhub.core.model import Entity, check_uri, expand_attributes, expand_entity, now_iso
from isanhub.core.update import append_attrs, merge_entity, replace_entity
from isanhub.store.base import Change, WriteFn

MAX_BATCH = 10_000


async def _entities(request: Request, hub: Hub) -> list[Any]:
    body = await http.read_body(request)
    if not isinstance(body.data, list):
        raise BadRequestData("a batch body must be a JSON array")
    if not body.data:
        raise BadRequestData("a batch body must not be empty")
    if len(body.data) > MAX_BATCH:
        raise BadRequestData(f"at most {MAX_BATCH} entities per batch")
    ctype = http.media_type(request.headers.get("content-type"))
    link = body.context if ctype != http.JSONLD else None
    out = []
    for item in body.data:
        ctx = item.get("@context") if ctype == http.JSONLD and isinstance(item, dict) else link
        out.append((item, ctx))
    return out


def _outcome(results: list[Any], ids: list[str | None], created_status: int) -> Response:
    errors = []
    success = []
    for eid, res in zip(ids, results, strict=True):
        if isinstance(res, NgsiLdError):
            errors.append({"entityId": eid, "error": res.problem()})
        elif res is not False:
            success.append(eid)
    if errors:
        return http.json_response({"success": success, "errors": errors}, 207)
    if created_status == 201:
        return http.json_response(success, 201)
    return http.no_content()


async def _run(
    hub: Hub,
    request: Request,
    make: Callable[[Any, Any, str], tuple[str, WriteFn]],
    created_status: int,
) -> tuple[list[Any], list[str | None]]:
    items = await _entities(request, hub)
    now = now_iso()
    writes: list[tuple[str, WriteFn]] = []
    slots: list[int] = []
    results: list[Any] = [None] * len(items)
    ids: list[str | None] = []
    for i, (item, ctx) in enumerate(items):
        ids.append(item.get("id") if isinstance(item, dict) else None)
        try:
            terms = await hub.terms(ctx)
            writes.append(make(item, terms, now))
            slots.append(i)
        except NgsiLdError as exc:
            results[i] = exc
    if writes:
        done = await hub.store.write_many(http.tenant_of(request), writes)
        for slot, res in zip(slots, done, strict=True):
            results[slot] = res
    return results, ids


async def create(hub: Hub, request: Request) -> Response:
    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        entity = expand_entity(item, terms, now=now)

        def write(current: Entity | None) -> Change:
            if current is not None:
                raise AlreadyExists(f"entity {entity['id']} already exists")
            return Change(entity, True)

        return entity["id"], write

    results, ids = await _run(hub, request, make, 201)
    return _outcome(results, ids, 201)


async def upsert(hub: Hub, request: Request) -> Response:
    opts = http.options(request)
    if "update" in opts and "replace" in opts:
        raise BadRequestData("options update and replace exclude each other")
    mode_update = "update" in opts

    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        entity = expand_entity(item, terms, now=now)

        def write(current: Entity | None) -> Change:
            if current is None:
                return Change(entity, "created")
            if mode_update:
                append_attrs(current, entity["attrs"], now)
                current["type"] = list(dict.fromkeys(current["type"] + entity["type"]))
                return Change(current, "updated")
            return Change(replace_entity(current, entity), "updated")

        return entity["id"], write

    results, ids = await _run(hub, request, make, 201)
    failed = any(isinstance(r, NgsiLdError) for r in results)
    if failed:
        return _outcome(results, ids, 201)
    created = [eid for eid, r in zip(ids, results, strict=True) if r == "created"]
    if created:
        return http.json_response(created, 201)
    return http.no_content()


async def update(hub: Hub, request: Request) -> Response:
    no_overwrite = "noOverwrite" in http.options(request) or "nooverwrite" in http.options(request)

    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        if not isinstance(item, dict):
            raise BadRequestData("every batch item must be an entity object")
        eid = check_uri(item.get("id"), "entity id")
        attrs = expand_attributes(item, terms, now=now)

        def write(current: Entity | None) -> Change:
            if current is None:
                raise ResourceNotFound(f"entity {eid} not found")
            updated, not_updated = append_attrs(current, attrs, now, no_overwrite=no_overwrite)
            return Change(current, True, unchanged=not updated)

        return eid, write

    results, ids = await _run(hub, request, make, 204)
    return _outcome(results, ids, 204)


async def merge(hub: Hub, request: Request) -> Response:
    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        if not isinstance(item, dict):
            raise BadRequestData("every batch item must be an entity object")
        eid = check_uri(item.get("id"), "entity id")
        attrs = expand_attributes(item, terms, now=now, allow_null=True)

        def write(current: Entity | None) -> Change:
            if current is None:
                raise ResourceNotFound(f"entity {eid} not found")
            merge_entity(current, attrs, now)
            return Change(current, True)

        return eid, write

    results, ids = await _run(hub, request, make, 204)
    return _outcome(results, ids, 204)


async def delete(hub: Hub, request: Request) -> Response:
    body = await http.read_body(request)
    if not isinstance(body.data, list) or not body.data:
        raise BadRequestData("a batch delete body must be a non-empty array of entity ids")
    ids: list[str | None] = []
    writes: list[tuple[str, WriteFn]] = []
    slots: list[int] = []
    results: list[Any] = [None] * len(body.data)
    for i, eid in enumerate(body.data):
        ids.append(eid if isinstance(eid, str) else None)
        try:
            check_uri(eid, "entity id")
        except NgsiLdError as exc:
            results[i] = exc
            continue

        def write(current: Entity | None, eid: str = eid) -> Change:
            if current is None:
                raise ResourceNotFound(f"entity {eid} not found")
            return Change(None, True)

        writes.append((eid, write))
        slots.append(i)
    tenant = http.tenant_of(request)
    if writes:
        if tenant and not await hub.store.tenant_exists(tenant):
            done: list[Any] = [ResourceNotFound(f"entity {e} not found") for e, _ in writes]
        else:
            done = await hub.store.write_many(tenant, writes)
        for slot, res in zip(slots, done, strict=True):
            results[slot] = res
    return _outcome(results, ids, 204)


async def query(hub: Hub, request: Request) -> Response:
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    tenant = await hub.read_tenant(request)
    params = flatten_query_body(body.data)
    qp = request.query_params
    for key in ("limit", "offset"):
        if key in qp:
            params[key] = qp[key]
    if "count" in qp:
        params["count"] = http.flag(request, "count")
    q = query_from(params, terms, hub.settings, require_filter=False)
    attrs = params.get("attrs") or []
    view = view_from(http.options(request), attrs, [], [], params.get("lang"), terms)
    return await respond_query(hub, request, tenant, q, view, terms, body.context)
