"""/hub/v1/agri: farmer insight over the tenant's agriculture data.

- ``GET /hub/v1/agri``: the insights and the snapshot they read (when it was taken).
- ``GET /hub/v1/agri/{insight}?province=&district=&crop=&weeks=&at=``: one insight;
  ``province`` and ``district`` are English names as in the entities' ``address``,
  ``crop`` a crop family (rice, cassava, sugarcane, maize) or a crop id or commodity,
  ``weeks`` the horizon of outlooks (4-8) and plans, ``at`` the local date or time that
  counts as now (default: when the snapshot was taken).
- ``POST /hub/v1/agri/refresh``: rebuild the snapshot now; what it holds.

The tenant is the NGSILD-Tenant header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData, ResourceNotFound, UnsupportedMediaType

MAX_TEXT = 200  #: longest province, district or crop accepted


def _agri(hub: Hub) -> Any:
    from isanhub.insight.agri.service import Agri  # DuckDB loads on first use

    if hub.agri is None:
        hub.agri = Agri.of(hub.settings, hub.store)
    return hub.agri


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_TEXT or any(ord(c) < 32 for c in value):
        raise BadRequestData(f"{name} must be a name of at most {MAX_TEXT} printable characters")
    return value


def _at(request: Request) -> datetime | None:
    value = request.query_params.get("at")
    if not value:
        return None
    from isanhub.insight.agri.fields import asked

    try:
        at = asked(value)  # as local Asia/Bangkok time, like the snapshot
    except ValueError:
        raise BadRequestData(f"at must be a date or time (ISO 8601), not {value!r}") from None
    if not 1900 <= at.year <= 2200:
        raise BadRequestData("at must be between the years 1900 and 2200")
    return at


async def index(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/agri"""
    from isanhub.insight.agri.registry import INSIGHTS

    tenant = await hub.read_tenant(request)
    meta = _agri(hub).snapshot(tenant).meta()
    body = {
        "insights": [{"name": i.name, "th": i.th, "en": i.en} for i in INSIGHTS.values()],
        "snapshot": meta.json() if meta else None,
    }
    return http.json_response(body, 200)


async def read(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/agri/{insight}"""
    from isanhub.insight.agri.registry import INSIGHTS

    name = request.path_params["insight"]
    if name not in INSIGHTS:
        raise ResourceNotFound(f"no insight {name!r}: one of {', '.join(INSIGHTS)}")
    weeks = http.int_param(request, "weeks", 8, minimum=1)
    if weeks > 52:
        raise BadRequestData("weeks is at most 52")
    params = {k: _text(request, k) for k in ("province", "district", "crop")}
    tenant = await hub.read_tenant(request)
    body = await _agri(hub).answer(tenant, name, now=_at(request), weeks=weeks, **params)
    return http.json_response(body, 200)


async def refresh(hub: Hub, request: Request) -> Response:
    """POST /hub/v1/agri/refresh"""
    ctype = http.media_type(request.headers.get("content-type"))
    if ctype and ctype != http.JSON:  # no body is read
        raise UnsupportedMediaType(
            f"Content-Type {ctype} is not supported: this request takes no body (or {http.JSON})"
        )
    tenant = await hub.read_tenant(request)
    meta = await _agri(hub).refresh(tenant)
    return http.json_response(meta.json(), 200)
