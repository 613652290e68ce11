"""/jsonldContexts: host, list, serve and delete @contexts (clause 5.13), so that a city
with no Internet access can still give its clients resolvable context URLs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
import orjson

from isanhub.core.errors import BadRequestData, UnsupportedMediaType


async def add(hub: Hub, request: Request) -> Response:
    ctype = http.media_type(request.headers.get("content-type"))
    if ctype not in (http.JSON, http.JSONLD):
        raise UnsupportedMediaType(f"Content-Type {ctype or '(none)'} is not supported")
    body = await request.body()
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequestData(f"the body is not valid JSON: {exc}") from None
    _local_id, url = hub.contexts.add_hosted(document)
    return Response(status_code=201, headers={"Location": url})


async def list_all(hub: Hub, request: Request) -> Response:
    details = http.flag(request, "details")
    kind = request.query_params.get("kind")
    return http.json_response(hub.contexts.list_contexts(details=details, kind=kind))


async def serve(hub: Hub, request: Request) -> Response:
    details = http.flag(request, "details")
    body = hub.contexts.serve(request.path_params["context_id"], details=details)
    media = http.JSON if details else http.JSONLD
    if not details and http.accept(request, (http.JSONLD, http.JSON)) == http.JSON:
        media = http.JSON
    return http.json_response(body, media=media)


async def delete(hub: Hub, request: Request) -> Response:
    reload = http.flag(request, "reload")
    await hub.contexts.delete(request.path_params["context_id"], reload=reload)
    return http.no_content()
