"""POST /hub/v1/import: the file import of data providers, over HTTP.

``multipart/form-data`` with a ``file`` part (CSV, XLSX, GeoJSON or NGSI-LD JSON) and a
``mapping`` part (TOML or JSON text; optional for NGSI-LD JSON); ``?dryRun=true`` checks
only; ``?format=`` and ``?sheet=`` as in ``isanhub import``; the tenant is the
NGSILD-Tenant header. The answer is the import report (isanhub.ingest.importer):
200 when imported or when a dry run passed, 400 with ``"status": "rejected"`` when rows
fail (nothing written). A request that is not an import at all gets problem details:
400 (no file, bad mapping), 413 (too large), 415 (not multipart).

The upload is spooled to a temporary file (1 MB in memory, the rest on disk) and read
from there twice, like a file on the command line: memory stays bounded whatever the
size; the size itself is capped by the ``import_max_bytes`` setting (default 512 MB).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData, PayloadTooLarge, UnsupportedMediaType
from isanhub.ingest.importer import FileImport
from isanhub.ingest.mapping import NO_MAPPING, Mapping, MappingError, load_mapping
from isanhub.ingest.readers import FORMATS

MULTIPART = "multipart/form-data"
_STATUS = {"imported": 200, "dry-run": 200, "rejected": 400, "failed": 500}


async def upload(hub: Hub, request: Request) -> Response:
    """POST /hub/v1/import[?dryRun=true][&format=csv|xlsx|geojson|ngsild][&sheet=NAME]"""
    tenant = http.tenant_of(request)
    dry_run = http.flag(request, "dryRun")
    fmt = request.query_params.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise BadRequestData(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    form = await multipart(hub, request, "a 'file' part and a 'mapping' part")
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise BadRequestData("no 'file' part: send the data file as a file part named 'file'")
        mapping = await _mapping(form.get("mapping"))
        name = file.filename or "upload"
        try:
            imp = FileImport(
                file.file,
                name,
                mapping,
                hub.contexts.resolve,
                fmt=fmt,
                sheet=request.query_params.get("sheet"),
                tenant=tenant,
                dry_run=dry_run,
            )
        except MappingError as exc:
            raise BadRequestData(f"mapping {exc}") from None
        try:
            report = await imp.run(hub.store)
        finally:
            imp.close()
    finally:
        await form.close()
    return http.json_response(report.as_json(), _STATUS[report.status])


async def multipart(hub: Hub, request: Request, parts: str, max_files: int = 2) -> Any:
    """The request's multipart form, checked: its media type, then its size against the
    ``import_max_bytes`` setting (declared, then as it arrives)."""
    ctype = http.media_type(request.headers.get("content-type"))
    if ctype != MULTIPART:
        raise UnsupportedMediaType(
            f"Content-Type {ctype or '(none)'} is not supported: send {MULTIPART} with {parts}"
        )
    limit = hub.settings.import_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the upload is {int(declared):,} bytes; the limit is {limit:,}")
    return await read_form(request, limit, max_files=max_files)


async def read_form(request: Request, limit: int, max_files: int = 2, max_fields: int = 8) -> Any:
    """The multipart form, the body counted as it arrives (a chunked upload has no
    Content-Length to check first)."""
    received = 0

    async def receive() -> Any:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise PayloadTooLarge(f"the upload is over the limit of {limit:,} bytes")
        return message

    counted = Request(request.scope, receive)
    try:
        return await counted.form(max_files=max_files, max_fields=max_fields)
    except HTTPException as exc:  # starlette's answer to a malformed multipart body
        raise BadRequestData(f"invalid multipart body: {exc.detail}") from None


async def _mapping(part: Any) -> Mapping:
    if part is None:
        return Mapping(source=NO_MAPPING)
    if isinstance(part, UploadFile):
        text: bytes | str = await part.read()
        source = part.filename or "mapping"
    else:
        text, source = part, "mapping"
    try:
        return load_mapping(text, source)
    except MappingError as exc:
        raise BadRequestData(f"mapping {exc}") from None
