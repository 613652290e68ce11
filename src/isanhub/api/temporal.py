"""/temporal/entities reads: retrieve one entity's history, query histories (GET and
POST /temporal/entityOperations/query), in the normalized, simplified
(``temporalValues``) or aggregated (``aggregatedValues``) representation, with the
pagination of instances (206 and ``Content-Range``) the specification describes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http, privacy
from isanhub.api.hub import Hub
from isanhub.api.params import MAX_INT, flatten_query_body, query_from, split_list, view_from
from isanhub.core import temporal as shapes
from isanhub.core.context import TermMap
from isanhub.core.errors import BadRequestData, InvalidRequest, ResourceNotFound
from isanhub.core.model import check_uri, is_datetime
from isanhub.core.render import View
from isanhub.settings import Settings
from isanhub.store.base import Query
from isanhub.store.history import to_us
from isanhub.store.temporal import (
    METHODS,
    WHOLE,
    Aggregation,
    TemporalEntity,
    TemporalQuery,
)

SHAPES = {"temporalvalues": "temporalValues", "aggregatedvalues": "aggregatedValues"}
OPTIONS = {"temporalvalues", "aggregatedvalues", "sysattrs"}
FORMATS = {"normalized", "temporalvalues", "aggregatedvalues"}
TIME_PROPERTIES = {"observedAt", "createdAt", "modifiedAt", "deletedAt"}


def _time(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not is_datetime(value):
        raise BadRequestData(f"{name} must be an ISO 8601 date-time, got {value!r}")
    return to_us(value)


def temporal_query(
    params: Mapping[str, Any],
    options: set[str],
    terms: TermMap,
    settings: Settings,
    entities: Query,
) -> tuple[TemporalQuery, View, str]:
    """(the store's TemporalQuery, the View of attrs/pick/omit/datasetId/sysAttrs, the
    shape) from the parameters of a temporal request."""
    opts = {o.lower() for o in options}
    for o in opts:
        if o not in OPTIONS:
            raise InvalidRequest(f"unknown option {o!r}")
    fmt = params.get("format")
    if fmt is not None and str(fmt).lower() not in FORMATS:
        raise InvalidRequest(f"unknown format {fmt!r}")
    chosen = str(fmt).lower() if fmt is not None else next((o for o in opts if o in SHAPES), None)
    shape = SHAPES.get(chosen or "", "normalized")
    timerel = params.get("timerel")
    time_at, end_time_at = _time(params, "timeAt"), _time(params, "endTimeAt")
    if timerel is not None:
        if timerel not in ("before", "after", "between"):
            raise BadRequestData(f"timerel must be before, after or between, got {timerel!r}")
        if time_at is None:
            raise BadRequestData(f"timerel={timerel} needs timeAt")
        if timerel == "between" and (end_time_at is None or end_time_at <= time_at):
            raise BadRequestData("timerel=between needs an endTimeAt after timeAt")
    elif time_at is not None or end_time_at is not None:
        raise BadRequestData("timeAt and endTimeAt need timerel")
    timeproperty = params.get("timeproperty") or "observedAt"
    if timeproperty not in TIME_PROPERTIES:
        raise BadRequestData(f"timeproperty must be one of {', '.join(sorted(TIME_PROPERTIES))}")
    last_n = params.get("lastN")
    if last_n is not None:
        try:
            last_n = int(last_n)
        except (TypeError, ValueError):
            raise BadRequestData(f"lastN must be a positive integer, got {last_n!r}") from None
        if not 1 <= last_n <= MAX_INT:
            raise BadRequestData("lastN must be a positive integer below 2^63")
    aggregation = None
    if shape == "aggregatedValues":
        methods = tuple(split_list(params.get("aggrMethods")))
        if not methods or any(m not in METHODS for m in methods):
            raise BadRequestData(f"aggrMethods must name some of {', '.join(METHODS)}")
        months, period = shapes.parse_duration(params.get("aggrPeriodDuration") or "PT0S")
        aggregation = Aggregation(methods, period or (0 if months else WHOLE), months)
    attrs = params.get("attrs")
    attrs = split_list(attrs) if isinstance(attrs, str) else list(attrs or [])
    view = view_from(
        {"sysAttrs"} if "sysattrs" in opts else set(),
        attrs,
        params.get("pick"),
        params.get("omit"),
        params.get("lang"),
        terms,
        dataset_ids=params.get("datasetId"),
    )
    tq = TemporalQuery(
        entities=dataclasses.replace(entities, attrs=None),
        attrs=view.attrs,
        dataset_ids=view.dataset_ids,
        timeproperty=timeproperty,
        timerel=timerel,
        time_at=time_at,
        end_time_at=end_time_at,
        last_n=last_n,
        page=None if aggregation else settings.temporal_page,
        aggregation=aggregation,
    )
    return tq, view, shape


def _answer(
    hub: Hub,
    request: Request,
    tq: TemporalQuery,
    found: list[TemporalEntity],
    terms: TermMap,
    context: Any,
    view: View,
    shape: str,
    *,
    single: bool,
    count: int | None = None,
) -> Response:
    """Paginate, render and send (JSON or JSON-LD, by Accept)."""
    media = http.accept(request)
    headers: dict[str, str] = {}
    status = 200
    kept: frozenset[str] = frozenset()
    if shape != "aggregatedValues":
        full = [(te, iri, times) for te in found for iri, times in te.full.items()]
        kept = frozenset(iri for te in found for iri in te.attrs)
        time_key = {"createdAt": "_created", "modifiedAt": "_modified"}.get(tq.timeproperty, "_t")
        content_range = shapes.paginate(
            found,
            full,
            timerel=tq.timerel,
            time_at=tq.time_at,
            end_time_at=tq.end_time_at,
            last_n=tq.last_n,
            time_key=time_key,
        )
        if content_range is not None:
            headers["Content-Range"] = content_range
            status = 206
    rendered = [
        shapes.render(te, terms, view, shape=shape, timeproperty=tq.timeproperty, kept=kept)
        for te in found
    ]
    if single and not rendered[0]:
        raise ResourceNotFound("nothing is left of the entity after pick and omit")
    if not single:
        rendered = [r for r in rendered if r]
    if count is not None:
        headers["NGSILD-Results-Count"] = str(count)
    if media == http.JSONLD:
        for r in rendered:
            r["@context"] = hub.response_context(context)
    else:
        headers["Link"] = hub.link_for(context)
    return http.json_response(
        rendered[0] if single else rendered, status, media=media, headers=headers
    )


async def retrieve(hub: Hub, request: Request) -> Response:
    eid = check_uri(request.path_params["entity_id"], "entity id")
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    params = dict(request.query_params)
    tq, view, shape = temporal_query(
        params, http.options(request), terms, hub.settings, Query(ids=[eid], limit=1)
    )
    reader = await privacy.reading(hub, request)
    found, _ = await hub.store.temporal(tenant, tq)
    if not found:
        # the entity (or the attributes asked for) may exist, with nothing in the window
        probe = TemporalQuery(entities=tq.entities, attrs=tq.attrs, page=1, last_n=1)
        known, _ = await hub.store.temporal(tenant, probe)
        if not known or not reader.visible(known[0].types):
            what = "the attributes asked for" if tq.attrs else "a history"
            raise ResourceNotFound(f"entity {eid} has no {what}")
        found = [TemporalEntity(known[0].hid, eid, known[0].types)]
    shown = [s for te in found if (s := reader.temporal(te, view)) is not None]
    if not shown:  # a type the public may not read: as if it had no history
        what = "the attributes asked for" if tq.attrs else "a history"
        raise ResourceNotFound(f"entity {eid} has no {what}")
    response = _answer(hub, request, tq, shown, terms, context, view, shape, single=True)
    await privacy.audit(hub, request, reader.read)
    return response


async def query(hub: Hub, request: Request) -> Response:
    context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    params: dict[str, Any] = dict(request.query_params)
    if "count" in params:
        params["count"] = http.flag(request, "count")
    local = http.flag(request, "local")
    entities = query_from(params, terms, hub.settings, require_filter=not local)
    return await _query(
        hub, request, tenant, params, http.options(request), entities, terms, context
    )


async def query_post(hub: Hub, request: Request) -> Response:
    """POST /temporal/entityOperations/query: a Query body with a temporalQ."""
    body = await http.read_body(request)
    terms = await hub.terms(body.context)
    tenant = await hub.read_tenant(request)
    if not isinstance(body.data, dict):
        raise BadRequestData("a Query must be a JSON object")
    params = flatten_query_body({k: v for k, v in body.data.items() if k != "temporalQ"})
    temporal_q = body.data.get("temporalQ") or {}
    if not isinstance(temporal_q, dict):
        raise BadRequestData("temporalQ must be an object")
    params.update(temporal_q)
    for key in ("limit", "offset", "count", "format", "options", "lastN"):
        if key in request.query_params and key not in params:
            params[key] = request.query_params[key]
    if "count" in params:
        params["count"] = params["count"] in (True, "true")
    entities = query_from(params, terms, hub.settings, require_filter=False)
    options = (
        set(split_list(params.get("options")))
        if isinstance(params.get("options"), str)
        else set(params.get("options") or [])
    )
    return await _query(hub, request, tenant, params, options, entities, terms, body.context)


async def _query(
    hub: Hub,
    request: Request,
    tenant: str,
    params: Mapping[str, Any],
    options: set[str],
    entities: Query,
    terms: TermMap,
    context: Any,
) -> Response:
    reader = await privacy.reading(hub, request)
    # the public's types; no filtering on personal data the reader may not read
    entities = reader.restrict(entities)
    tq, view, shape = temporal_query(params, options, terms, hub.settings, entities)
    found: list[TemporalEntity]
    count: int | None
    if tenant and not await hub.store.tenant_exists(tenant):
        found, count = [], (0 if entities.count else None)
    else:
        found, count = await hub.store.temporal(tenant, tq)
    found = [s for te in found if (s := reader.temporal(te, view)) is not None]
    response = _answer(
        hub, request, tq, found, terms, context, view, shape, single=False, count=count
    )
    await privacy.audit(hub, request, reader.read)
    return response
