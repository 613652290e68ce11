"""/hub/v1/sellers: a seller's order exports in, the seller's report out.

- ``POST /hub/v1/sellers/{shop}/import``: ``multipart/form-data`` with one or more
  ``file`` parts (CSV or XLSX exports) and optional fields ``name``, ``province``,
  ``district``, ``category`` describing the shop; ``?keepGoodRows=true`` saves a file's
  readable rows when some cannot be read. The answer is the import report: 200 when no
  file was rejected, 400 when every file was, 207 when some were (each file is whole
  or not at all).
- ``GET /hub/v1/sellers/{shop}/report?format=json|html|pdf&lang=th|en&asOf=YYYY-MM-DD``.
- ``GET /hub/v1/sellers``: the tenant's shops with their imports.

The tenant is the NGSILD-Tenant header: a shop's lines, entities and report stay in it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.api.imports import multipart
from isanhub.core.errors import BadRequestData, ResourceNotFound
from isanhub.insight.commerce import FORMATS, LANGS

MAX_FILES = 20
_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
_META = ("name", "category")


def _service(hub: Hub) -> Any:
    from isanhub.insight.commerce.service import Sellers  # DuckDB loads on first use

    return Sellers.of(hub.settings, hub.store)


def _shop(request: Request) -> str:
    from isanhub.insight.commerce.lake import BadName, check_name

    try:
        return check_name(request.path_params["shop"], "shop")
    except BadName as exc:
        raise BadRequestData(str(exc)) from None


async def upload(hub: Hub, request: Request) -> Response:
    """POST /hub/v1/sellers/{shop}/import[?keepGoodRows=true]"""
    from isanhub.insight.commerce.service import place_meta

    tenant, shop = http.tenant_of(request), _shop(request)
    keep = http.flag(request, "keepGoodRows")
    form = await multipart(hub, request, "one or more 'file' parts", max_files=MAX_FILES)
    try:
        files = [p for p in form.getlist("file") if isinstance(p, UploadFile)]
        if not files:
            raise BadRequestData("no 'file' part: send each export as a file part named 'file'")
        fields = {k: form.get(k) for k in ("province", "district", *_META)}
        if any(v is not None and not isinstance(v, str) for v in fields.values()):
            raise BadRequestData("name, province, district and category are text fields")
        try:
            meta = place_meta(fields["province"], fields["district"])
        except ValueError as exc:
            raise BadRequestData(str(exc)) from None
        meta |= {k: fields[k] for k in _META if fields[k]}
        out = await _service(hub).import_files(
            tenant,
            shop,
            [(f.file, f.filename or "upload") for f in files],
            meta=meta,
            keep_good_rows=keep,
        )
    finally:
        await form.close()
    rejected = sum(f["status"] == "rejected" for f in out["files"])
    status = 200 if not rejected else 400 if rejected == len(out["files"]) else 207
    return http.json_response(out, status)


async def report(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/sellers/{shop}/report[?format=json|html|pdf][&lang=th|en][&asOf=DATE]"""
    from isanhub.insight.commerce.service import UnknownShop

    tenant, shop = http.tenant_of(request), _shop(request)
    params = request.query_params
    fmt, lang = params.get("format", "json"), params.get("lang", "th")
    if fmt not in FORMATS:
        raise BadRequestData(f"format must be one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise BadRequestData(f"lang must be one of {', '.join(LANGS)}")
    as_of = None
    if "asOf" in params:
        try:
            as_of = date.fromisoformat(params["asOf"])
        except ValueError:
            raise BadRequestData("asOf must be a date, YYYY-MM-DD") from None
    sellers = _service(hub)
    try:
        built = await sellers.report(tenant, shop, lang=lang, as_of=as_of)
    except UnknownShop as exc:
        raise ResourceNotFound(str(exc)) from None
    if fmt == "json":
        return http.json_response(built)
    body = await sellers.render(built, fmt, lang)
    headers = {}
    if fmt == "pdf":
        headers["Content-Disposition"] = f'inline; filename="{shop}-{built["asOf"]}.pdf"'
    return Response(body, media_type=_MEDIA[fmt], headers=headers)


async def shops(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/sellers: the tenant's shops, their details and imported files."""
    tenant = http.tenant_of(request)
    lake = _service(hub).lake
    out = [
        {"shop": s, **(lake.shop(t, s) or {}), "imports": lake.imports(t, s)}
        for t, s in lake.shops()
        if t == tenant
    ]
    return http.json_response(out)
