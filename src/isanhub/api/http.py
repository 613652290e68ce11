"""HTTP plumbing shared by every API area: media types, the @context of a request
(Link header or body), tenants, JSON bodies and responses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from isanhub.core.errors import (
    BadRequestData,
    InvalidRequest,
    NotAcceptable,
    UnsupportedMediaType,
)

JSON = "application/json"
JSONLD = "application/ld+json"
GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"

_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
_TENANT = re.compile(r"^[A-Za-z0-9_\-.:/]{1,128}$")


@dataclass(frozen=True)
class Body:
    """A parsed request body and the @context it came with."""

    data: Any
    context: Any  # None (core only), a URL, an inline object or a list


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def link_context(request: Request) -> str | None:
    """The @context URL of a Link header with the JSON-LD context relation, if any."""
    header = request.headers.get("link")
    if not header:
        return None
    for m in _LINK.finditer(header):
        params = m.group(2) or ""
        if "rel" in params and CONTEXT_REL in params:
            return m.group(1).strip()
    raise BadRequestData("Link header without a JSON-LD context relation")


def accept(request: Request, allowed: tuple[str, ...] = (JSON, JSONLD)) -> str:
    """Content negotiation on Accept; the first allowed type wins ties (application/json)."""
    header = request.headers.get("accept")
    if not header:
        return allowed[0]
    best: tuple[float, int, str] | None = None
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        candidates = allowed if mt in ("*/*", "application/*") else (mt,)
        for cand in candidates:
            if cand in allowed:
                rank = (q, -order - (allowed.index(cand) / 10 if mt.endswith("*") else 0), cand)
                if best is None or rank[:2] > best[:2]:
                    best = rank
                break
    if best is None:
        raise NotAcceptable(f"none of the accepted media types is supported: {header}")
    return best[2]


async def read_body(request: Request, *, merge_patch: bool = False) -> Body:
    """Parse a JSON or JSON-LD body and find its @context (body for ld+json, else Link)."""
    ctype = media_type(request.headers.get("content-type"))
    allowed = (JSON, JSONLD, MERGE_PATCH) if merge_patch else (JSON, JSONLD)
    if ctype not in allowed:
        raise UnsupportedMediaType(
            f"Content-Type {ctype or '(none)'} is not supported; use application/json "
            "or application/ld+json"
        )
    raw = await request.body()
    if not raw:
        raise InvalidRequest("the request body is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the request body is not valid JSON: {exc}") from None
    return Body(data, body_context(request, ctype, data))


def body_context(request: Request, ctype: str, data: Any) -> Any:
    if ctype == JSONLD:
        items = data if isinstance(data, list) else [data]
        contexts = [x.get("@context") for x in items if isinstance(x, dict)]
        if not contexts or any(c is None for c in contexts):
            raise BadRequestData("application/ld+json bodies must carry an @context")
        if request.headers.get("link") and link_context(request):
            raise BadRequestData("a Link @context header is not allowed with application/ld+json")
        return contexts[0]
    items = data if isinstance(data, list) else [data]
    if any(isinstance(x, dict) and "@context" in x for x in items):
        raise BadRequestData("@context in an application/json body: use application/ld+json")
    return link_context(request)


def tenant_of(request: Request) -> str:
    name = request.headers.get("ngsild-tenant")
    if not name:
        return ""
    if not _TENANT.match(name):
        raise BadRequestData(f"invalid tenant name {name!r}")
    return name


def json_response(
    data: Any,
    status: int = 200,
    *,
    media: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=media, headers=headers)


def no_content(headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=204, headers=headers)


def link_header(url: str) -> str:
    return f'<{url}>; rel="{CONTEXT_REL}"; type="{JSONLD}"'


def flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadRequestData(f"{name} must be true or false, got {value!r}")


def int_param(request: Request, name: str, default: int, *, minimum: int = 0) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        n = int(value)
    except ValueError:
        raise BadRequestData(f"{name} must be an integer, got {value!r}") from None
    if n < minimum:
        raise BadRequestData(f"{name} must be at least {minimum}, got {n}")
    return n


def options(request: Request) -> set[str]:
    """The comma-separated values of ``options`` (and ``format``), lower-cased."""
    out: set[str] = set()
    for key in ("options", "format"):
        for value in request.query_params.getlist(key):
            out.update(v.strip() for v in value.split(",") if v.strip())
    return out
