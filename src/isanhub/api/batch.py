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
from isanhub.api.params import flatten_query_body, query_from, view_of_query
from isanhub.core.errors import (
    AlreadyExists,
    BadRequestData,
    NgsiLdError,
    PayloadTooLarge,
    ResourceNotFound,
)
from isanhub.core.model import Entity, Fragment, check_uri, expand_entity, expand_fragment, now_iso
from isanhub.core.update import Outcome, append_fragment, merge_fragment, replace_entity
from isanhub.store.base import Change, WriteFn


def check_size(hub: Hub, items: list[Any]) -> None:
    """At most ``max_batch`` entities in one batch, checked before anything is written.

    413 PayloadTooLarge rather than 400 BadRequestData: the request itself is valid, it
    is only more than this broker takes at once (a setting), and a client can send the
    same entities in smaller batches; 400 would say the content is wrong."""
    limit = hub.settings.max_batch
    if len(items) > limit:
        raise PayloadTooLarge(
            f"a batch holds at most {limit:,} entities (ISANHUB_MAX_BATCH), this one"
            f" {len(items):,}: send them in smaller batches"
        )


async def _entities(hub: Hub, request: Request) -> list[tuple[Any, Any]]:
    """The batch's items, each with its own @context (the item's own for ld+json, else
    the Link header's) or the error that item alone fails with."""
    body = await http.read_body(request, context=False)
    if not isinstance(body.data, list):
        raise BadRequestData("a batch body must be a JSON array")
    if not body.data:
        raise BadRequestData("a batch body must not be empty")
    check_size(hub, body.data)
    jsonld = http.media_type(request.headers.get("content-type")) == http.JSONLD
    link = http.link_context(request)
    if jsonld and link is not None:
        raise BadRequestData("a Link @context header is not allowed with application/ld+json")
    out: list[tuple[Any, Any]] = []
    for item in body.data:
        if not isinstance(item, dict):
            out.append((item, BadRequestData("every batch item must be an entity object")))
        elif jsonld and "@context" not in item:
            out.append((item, BadRequestData("application/ld+json entities need an @context")))
        elif not jsonld and "@context" in item:
            out.append((item, BadRequestData("@context in application/json: use a Link header")))
        else:
            out.append((item, item["@context"] if jsonld else link))
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
) -> tuple[list[Any], list[str | None]]:
    items = await _entities(hub, request)
    now = now_iso()
    writes: list[tuple[str, WriteFn]] = []
    slots: list[int] = []
    results: list[Any] = [None] * len(items)
    ids: list[str | None] = []
    for i, (item, ctx) in enumerate(items):
        ids.append(item.get("id") if isinstance(item, dict) else None)
        try:
            if isinstance(ctx, NgsiLdError):
                raise ctx
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

    results, ids = await _run(hub, request, make)
    return _outcome(results, ids, 201)


async def upsert(hub: Hub, request: Request) -> Response:
    opts = http.options(request)
    if "update" in opts and "replace" in opts:
        raise BadRequestData("options update and replace exclude each other")
    mode_update = "update" in opts

    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        entity = expand_entity(item, terms, now=now)
        frag = Fragment(entity["attrs"], entity["type"], entity.get("scope"))

        def write(current: Entity | None) -> Change:
            if current is None:
                return Change(entity, "created")
            if mode_update:
                append_fragment(current, frag, now)
                return Change(current, "updated")
            return Change(replace_entity(current, entity), "updated")

        return entity["id"], write

    results, ids = await _run(hub, request, make)
    failed = any(isinstance(r, NgsiLdError) for r in results)
    if failed:
        return _outcome(results, ids, 201)
    created = [eid for eid, r in zip(ids, results, strict=True) if r == "created"]
    if created:
        return http.json_response(created, 201)
    return http.no_content()


def _fragment_of(item: Any, terms: Any, now: str, *, allow_null: bool) -> tuple[str, Fragment]:
    eid = check_uri(item.get("id"), "entity id")
    return eid, expand_fragment(item, terms, now=now, entity_id=eid, allow_null=allow_null)


async def update(hub: Hub, request: Request) -> Response:
    opts = http.options(request)
    no_overwrite = "noOverwrite" in opts or "nooverwrite" in opts

    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        eid, frag = _fragment_of(item, terms, now, allow_null=False)

        def write(current: Entity | None) -> Change:
            if current is None:
                raise ResourceNotFound(f"entity {eid} not found")
            outcome = append_fragment(current, frag, now, no_overwrite=no_overwrite)
            return Change(current, _partial_error(outcome), unchanged=not outcome.changed)

        return eid, write

    results, ids = await _run(hub, request, make)
    return _outcome(results, ids, 204)


def _partial_error(outcome: Outcome) -> NgsiLdError | bool:
    """An entity whose attributes were not all updated is reported among the errors
    (its other changes are kept)."""
    if not outcome.not_updated:
        return True
    names = ", ".join(iri for iri, _ in outcome.not_updated)
    return BadRequestData(
        f"attributes not updated: {names}",
        notUpdated=[{"attributeName": i, "reason": r} for i, r in outcome.not_updated],
    )


async def merge(hub: Hub, request: Request) -> Response:
    def make(item: Any, terms: Any, now: str) -> tuple[str, WriteFn]:
        eid, frag = _fragment_of(item, terms, now, allow_null=True)

        def write(current: Entity | None) -> Change:
            if current is None:
                raise ResourceNotFound(f"entity {eid} not found")
            merge_fragment(current, frag, now)
            return Change(current, True)

        return eid, write

    results, ids = await _run(hub, request, make)
    return _outcome(results, ids, 204)


async def delete(hub: Hub, request: Request) -> Response:
    body = await http.read_body(request, context=False)
    if not isinstance(body.data, list) or not body.data:
        raise BadRequestData("a batch delete body must be a non-empty array of entity ids")
    check_size(hub, body.data)
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
    view = view_of_query(http.options(request), params, request.query_params, terms)
    return await respond_query(hub, request, tenant, q, view, terms, body.context)
