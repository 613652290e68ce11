"""/jsonldContexts: host, list, serve and delete @contexts (clause 5.13), so that a city
with no Internet access can still give its clients resolvable context URLs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.context import HOSTED_PATH
from isanhub.core.errors import UnsupportedMediaType


async def add(hub: Hub, request: Request) -> Response:
    ctype = http.media_type(request.headers.get("content-type"))
    if ctype not in (http.JSON, http.JSONLD):
        raise UnsupportedMediaType(f"Content-Type {ctype or '(none)'} is not supported")
    document = await http.read_json(request)
    local_id, _url = hub.contexts.add_hosted(document)
    # The Location is the path of the new resource on this broker (as for entities); the
    # absolute URL to use in Link headers is the "URL" of its details.
    return http.created(HOSTED_PATH + local_id)


async def list_all(hub: Hub, request: Request) -> Response:
    details = http.flag(request, "details")
    kind = request.query_params.get("kind")
    return http.json_response(hub.contexts.list_contexts(details=details, kind=kind))


async def serve(hub: Hub, request: Request) -> Response:
    details = http.flag(request, "details")
    # A context document is JSON-LD, but as everywhere in the API application/json is
    # the default (6.3.4); details are plain JSON.
    media = http.accept(request)
    body = hub.contexts.serve(request.path_params["context_id"], details=details)
    return http.json_response(body, media=http.JSON if details else media)


async def delete(hub: Hub, request: Request) -> Response:
    reload = http.flag(request, "reload")
    await hub.contexts.delete(request.path_params["context_id"], reload=reload)
    return http.no_content()
