"""DELETE /entities: Purge Entities (clause 5.6.21, NGSI-LD 1.9).

Deletes every entity a query selects (``type``, ``id``, ``idPattern``, ``q``,
``scopeQ``, a geo-query; ``local=true`` alone selects every entity of the tenant), or with
``drop`` only the attributes it names, with ``keep`` all but those. The entities are
those the query matched when the purge started: their ids are collected page by page
first, then changed in batches, so that dropping the attribute a ``q`` filters on does not
shift the pages under the purge. Each batch is one transaction; history records the
deletions like any other.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.api.params import check_attr_names, query_from, split_list
from isanhub.core.errors import BadRequestData
from isanhub.core.model import Entity, now_iso
from isanhub.store.base import Change, WriteFn, matching

#: the parameters that select entities (query_from reads them like Query Entities)
SELECTORS = (
    "type", "id", "idPattern", "q", "scopeQ", "georel", "geometry", "coordinates", "geoproperty",
)  # fmt: skip
BATCH = 1000  #: entities changed per transaction


async def purge(hub: Hub, request: Request) -> Response:
    _context, terms = await hub.read_terms(request)
    tenant = await hub.read_tenant(request)
    qp = request.query_params
    keep, drop = qp.get("keep"), qp.get("drop")
    if keep is not None and drop is not None:
        raise BadRequestData("keep and drop exclude each other")
    params: dict[str, Any] = {k: qp[k] for k in SELECTORS if k in qp}
    if not params and not http.flag(request, "local"):
        raise BadRequestData(
            "say which entities to purge: type, id, idPattern, q, scopeQ or a geo-query"
            " (local=true purges every entity of the tenant)"
        )
    query = query_from(params, terms, hub.settings, require_filter=False)
    names = {terms.expand_attr(a) for a in check_attr_names(split_list(keep or drop))}
    if (keep is not None or drop is not None) and not names:
        raise BadRequestData("keep and drop name at least one attribute")
    ids = [e["id"] async for e in matching(hub.store, tenant, query)]
    now = now_iso()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        await hub.store.write_many(tenant, [(eid, _write(names, keep, drop, now)) for eid in chunk])
    return http.no_content()


def _write(names: set[str], keep: str | None, drop: str | None, now: str) -> WriteFn:
    def write(current: Entity | None) -> Change:
        if current is None:  # deleted meanwhile: nothing left to purge
            return Change(None, unchanged=True)
        if keep is None and drop is None:
            return Change(None)
        attrs = current["attrs"]
        gone = [n for n in attrs if (n in names) == (drop is not None)]
        if not gone:
            return Change(current, unchanged=True)
        for name in gone:
            del attrs[name]
        current["modifiedAt"] = now
        return Change(current)

    return write
