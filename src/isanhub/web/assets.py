"""GET /static/{path}: the pages' scripts, styles and images, from the package only.

Every file a page loads comes from here (no CDN, no font service): a city that runs the
platform offline gets the same pages. Files are read once and kept in memory with a
strong ETag; a path outside the folder, or a file type not listed, is not found.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import PurePosixPath

from starlette.requests import Request
from starlette.responses import Response

from isanhub.core.errors import ResourceNotFound

TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".json": "application/json",
}


@cache
def _file(path: str) -> tuple[bytes, str, str] | None:
    parts = PurePosixPath(path).parts
    if not parts or any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    kind = TYPES.get(PurePosixPath(path).suffix)
    if kind is None:
        return None
    entry = resources.files("isanhub.web").joinpath("static", *parts)
    if not entry.is_file():
        return None
    data = entry.read_bytes()
    return data, kind, '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


async def serve(request: Request) -> Response:
    found = _file(request.path_params["path"])
    if found is None:
        raise ResourceNotFound(f"no file /static/{request.path_params['path']}")
    data, kind, etag = found
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=kind, headers=headers)
