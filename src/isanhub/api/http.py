"""HTTP plumbing shared by every API area: media types, the @context of a request
(Link header or body), tenants, JSON bodies and responses."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from isanhub.core.errors import (
    BadRequestData,
    InvalidRequest,
    NgsiLdError,
    NotAcceptable,
    PayloadTooLarge,
    UnsupportedMediaType,
)

JSON = "application/json"
JSONLD = "application/ld+json"
GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"

_LINK_TARGET = re.compile(r"\s*<([^>]*)>")
_LINK_PARAM = re.compile(
    r'\s*;\s*([A-Za-z0-9!#$&+\-.^_`|~*]+)\s*(?:=\s*(?:"([^"]*)"|([^\s;,"]*)))?'
)
_LINK_SEP = re.compile(r"\s*(?:,|$)")
_TENANT = re.compile(r"^[A-Za-z0-9_\-.:/]{1,128}$")


@dataclass(frozen=True)
class Body:
    """A parsed request body and the @context it came with."""

    data: Any
    context: Any  # None (core only), a URL, an inline object or a list


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def header(request: Request, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case, as ASGI servers give names).

    The request's raw header list read directly: starlette's Headers decodes every
    name on each look-up, and the hottest reads look up three headers."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def link_context(request: Request) -> str | None:
    """The @context URL of the Link header with the JSON-LD context relation, if any.

    Links with other relations are ignored; a header that is not a Link list, or more
    than one JSON-LD context link, is bad request data (clause 6.3.5).
    """
    values = [value for key, value in request.scope["headers"] if key == b"link"]
    if not values:
        return None
    return _context_of_links(b", ".join(values).decode("latin-1"))


@functools.lru_cache(maxsize=256)  # clients send the same Link header on every request
def _context_of_links(text: str) -> str | None:
    if not text.strip():
        return None
    found: list[str] = []
    for target, params in parse_links(text):
        rels = params.get("rel", "").split()
        if CONTEXT_REL in rels:
            found.append(target)
    if len(found) > 1:
        raise BadRequestData("more than one JSON-LD context Link header")
    if found and not found[0]:
        raise BadRequestData("the JSON-LD context Link header has an empty URL")
    return found[0] if found else None


def parse_links(header: str) -> list[tuple[str, dict[str, str]]]:
    """RFC 8288 link-values as (target, {param: value}); BadRequestData if malformed."""
    links: list[tuple[str, dict[str, str]]] = []
    pos, end = 0, len(header)
    while True:
        pos = end - len(header[pos:].lstrip(" \t,"))  # empty list elements are allowed
        if pos == end:
            return links
        m = _LINK_TARGET.match(header, pos)
        if m is None:
            raise BadRequestData(f"invalid Link header: {header!r}")
        target, pos = m.group(1).strip(), m.end()
        params: dict[str, str] = {}
        while (p := _LINK_PARAM.match(header, pos)) is not None:
            value = p.group(2) if p.group(2) is not None else (p.group(3) or "")
            params.setdefault(p.group(1).lower(), value.strip())
            pos = p.end()
        sep = _LINK_SEP.match(header, pos)
        if sep is None:
            raise BadRequestData(f"invalid Link header: {header!r}")
        pos = sep.end()
        links.append((target, params))


def accept(request: Request, allowed: tuple[str, ...] = (JSON, JSONLD)) -> str:
    """Content negotiation on the request's Accept header (see :func:`negotiate`)."""
    return negotiate(header(request, b"accept"), allowed)


def negotiate(header: str | None, allowed: tuple[str, ...] = (JSON, JSONLD)) -> str:
    """The media type of ``allowed`` that an Accept header prefers; NotAcceptable if none.

    Each type takes the q-value of the most specific range naming it (RFC 9110, 12.5.1);
    the highest q wins, then the range listed first, then the order of ``allowed``. No
    (or an empty) header accepts anything and gives ``allowed[0]``.
    """
    if header is None or not header.strip():
        return allowed[0]
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f[:2].lower() == "q=":
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0]:
            ranges.append((fields[0].lower(), q))
    best: tuple[tuple[float, int, int], str] | None = None
    for index, mtype in enumerate(allowed):
        match: tuple[int, float, int] | None = None  # (specificity, q, position)
        for position, (mrange, q) in enumerate(ranges):
            if mrange == mtype:
                specificity = 2
            elif mrange == mtype.split("/")[0] + "/*":
                specificity = 1
            elif mrange == "*/*":
                specificity = 0
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, q, position)
        if match is not None and match[1] > 0:
            key = (match[1], -match[2], -index)
            if best is None or key > best[0]:
                best = (key, mtype)
    if best is None:
        raise NotAcceptable(
            f"none of the media types in Accept ({header}) is available here; "
            f"use {' or '.join(allowed)}"
        )
    return best[1]


async def read_body(
    request: Request, *, merge_patch: bool | None = None, context: bool = True
) -> Body:
    """Parse a JSON or JSON-LD body and find its @context (body for ld+json, else Link;
    with ``context=False`` the caller does, e.g. per batch item).

    ``application/merge-patch+json`` is accepted on PATCH requests (clause 6.3.4) unless
    ``merge_patch`` says otherwise.
    """
    ctype = media_type(request.headers.get("content-type"))
    if merge_patch is None:
        merge_patch = request.method == "PATCH"
    allowed = (JSON, JSONLD, MERGE_PATCH) if merge_patch else (JSON, JSONLD)
    if ctype not in allowed:
        raise UnsupportedMediaType(
            f"Content-Type {ctype or '(none)'} is not supported; use " + " or ".join(allowed)
        )
    data = await read_json(request)
    return Body(data, body_context(request, ctype, data) if context else None)


#: the limits when the application gives none (Settings.max_body, max_json_depth)
MAX_BODY = 33_554_432
MAX_JSON_DEPTH = 100


def _limits(request: Request) -> tuple[int, int]:
    hub = getattr(request.app.state, "hub", None) if "app" in request.scope else None
    if hub is None:
        return MAX_BODY, MAX_JSON_DEPTH
    return hub.settings.max_body, hub.settings.max_json_depth


async def read_json(request: Request) -> Any:
    """The request body as JSON: at most ``max_body`` bytes (413 PayloadTooLarge, before
    reading it when Content-Length says so) nested at most ``max_json_depth`` deep
    (BadRequestData: a deeper value would fail later, when stored)."""
    max_body, max_depth = _limits(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"the body has {int(declared):,} bytes; at most {max_body:,}")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_body:
            raise PayloadTooLarge(f"the body is over {max_body:,} bytes")
    if not raw:
        raise InvalidRequest("the request body is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the request body is not valid JSON: {exc}") from None
    if _too_deep(data, max_depth):
        raise BadRequestData(f"the body nests objects and arrays over {max_depth} deep")
    return data


def _too_deep(data: Any, limit: int) -> bool:
    """Whether objects and arrays nest over ``limit`` deep; a loop, not recursion, and
    only containers are visited (scalars are most of a body)."""
    stack = [(data, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        children = node.values() if type(node) is dict else node if type(node) is list else ()
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                if depth >= limit:
                    return True
                push((child, depth + 1))
    return False


async def object_body(request: Request, what: str) -> Body:
    """A body that must be one JSON object (``what``: "one entity", "one subscription"),
    with its @context from the body (JSON-LD) or the Link header (JSON)."""
    body = await read_body(request, context=False)
    if not isinstance(body.data, dict):
        raise InvalidRequest(f"the body must be {what} (a JSON object)")
    ctype = media_type(request.headers.get("content-type"))
    return Body(body.data, body_context(request, ctype, body.data))


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
    name = header(request, b"ngsild-tenant")
    if not name:
        return ""
    if not _TENANT.match(name):
        raise BadRequestData(f"invalid tenant name {name!r}")
    return name


class JSONBody(Response):
    """A JSON response whose raw headers are built directly: the generic Response
    re-parses its headers on every construction, which shows on the hottest paths."""

    def __init__(
        self,
        body: bytes,
        status: int,
        media: str,
        headers: dict[str, str] | None,
        raw_headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        raw = [
            (b"content-type", _MEDIA_HEADER.get(media) or media.encode("latin-1")),
            (b"content-length", str(len(body)).encode("latin-1")),
            *raw_headers,
        ]
        if headers:
            raw.extend(
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            )
        self.raw_headers = raw


_MEDIA_HEADER = {
    m: m.encode() for m in ("application/json", "application/ld+json", "application/geo+json")
}


def json_response(
    data: Any,
    status: int = 200,
    *,
    media: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    return JSONBody(orjson.dumps(data), status, media, headers)


def problem_response(err: NgsiLdError) -> Response:
    """The problem-details response of an NGSI-LD error (clause 5.5.2)."""
    return json_response(err.problem(), err.status, headers=err.headers)


class Bodiless(Response):
    """A response without a body (201 with Location, 204), headers built directly."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.body = b""
        self.background = None
        raw = [] if status == 204 else [(b"content-length", b"0")]
        if headers:
            raw.extend(
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            )
        self.raw_headers = raw


def no_content(headers: dict[str, str] | None = None) -> Response:
    return Bodiless(204, headers)


def created(location: str) -> Response:
    return Bodiless(201, {"Location": location})


@functools.lru_cache(maxsize=1024)  # built once per context URL: it is on every read
def link_header(url: str) -> str:
    return f'<{url}>; rel="{CONTEXT_REL}"; type="{JSONLD}"'


@functools.lru_cache(maxsize=1024)
def link_raw(url: str) -> tuple[bytes, bytes]:
    """The Link header of ``url`` as the raw (name, value) pair a response sends."""
    return (b"link", link_header(url).encode("latin-1"))


def flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadRequestData(f"{name} must be true or false, got {value!r}")


#: the largest integer a database column holds (SQLite and PostgreSQL BIGINT)
INT64_MAX = 2**63 - 1


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
    if n > INT64_MAX:  # it would reach a query and overflow there (a 500)
        raise BadRequestData(f"{name} must be at most {INT64_MAX}, got {n}")
    return n


def options(request: Request) -> set[str]:
    """The comma-separated values of ``options`` (and ``format``), lower-cased."""
    out: set[str] = set()
    for key in ("options", "format"):
        for value in request.query_params.getlist(key):
            out.update(v.strip() for v in value.split(",") if v.strip())
    return out
