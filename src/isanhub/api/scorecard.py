"""/hub/v1/scorecard and /hub/v1/kpi/compute: the smart-city scorecard of the pilot
provinces, and its recomputation on demand (the server also recomputes it on a
schedule, ISANHUB_KPI_INTERVAL)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData, UnsupportedMediaType
from isanhub.insight import board, scorecard
from isanhub.insight.scorecard import pilot_provinces


async def read(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/scorecard[?province=khon-kaen][&lang=th|en]"""
    province = request.query_params.get("province")
    if province is not None and province not in {a.key for a in pilot_provinces()}:
        keys = ", ".join(a.key for a in pilot_provinces())
        raise BadRequestData(f"unknown province {province!r}: one of {keys}")
    lang = request.query_params.get("lang", "th")
    if lang not in ("th", "en"):
        raise BadRequestData("lang must be th or en")
    body = await board.scorecard(hub.store, await hub.read_tenant(request), province, lang)
    return http.json_response(body, 200)


async def compute(hub: Hub, request: Request) -> Response:
    """POST /hub/v1/kpi/compute[?backfill=N]: recompute now; the number of values."""
    ctype = http.media_type(request.headers.get("content-type"))
    if ctype and ctype != http.JSON:  # no body is read: a form or a file is a mistake
        raise UnsupportedMediaType(
            f"Content-Type {ctype} is not supported: this request takes no body (or {http.JSON})"
        )
    backfill = http.int_param(request, "backfill", 0)
    if backfill > 366:
        raise BadRequestData("backfill is at most 366 days")
    stats = await scorecard.compute(hub.store, await hub.read_tenant(request), backfill=backfill)
    return http.json_response(
        {"values": stats.instances, "kpis": stats.created + stats.updated}, 200
    )
