"""Checks every NGSI-LD request passes before it is routed (clause 6.3).

They depend only on the request line and headers, so they run ahead of any resource
look-up and apply the same way to every endpoint, including ones that do not exist
(an unknown parameter on ``DELETE /entities`` is still an invalid request):

- every URI parameter must be one the NGSI-LD API defines: 400 InvalidRequest;
- a request body must be JSON or JSON-LD (or a JSON merge patch on PATCH): 415;
- a GET must accept JSON or JSON-LD (or GeoJSON where entities are returned): 406.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import Scope

from isanhub.api import http
from isanhub.core.errors import InvalidRequest, UnsupportedMediaType

#: URI parameters defined anywhere in the NGSI-LD API (GS CIM 009 v1.8, clause 6, and
#: the v1.9 additions), by what they are for.
_PARAMETER_GROUPS = {
    "entity selection": "id type idPattern attrs q csf scopeQ datasetId local containedBy",
    "geo-query": "georel geometry coordinates geoproperty",
    "representation": "pick omit lang options format geometryProperty expandValues jsonKeys",
    "linked entities": "join joinLevel entityMap collect via",
    "order, paging and counting": "orderBy collation limit offset count",
    "attribute deletion and purge": "deleteAll keep drop observedAt",
    "temporal": "timeproperty timerel timeAt endTimeAt lastN aggrMethods aggrPeriodDuration",
    "types, attributes and @contexts": "details kind reload",
}
#: A request with a parameter outside this set is an InvalidRequest.
URI_PARAMETERS = frozenset(n for names in _PARAMETER_GROUPS.values() for n in names.split())

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_READ_METHODS = frozenset({"GET", "HEAD"})


class RequestChecks:
    """The checks above, for every request below ``base`` (the dispatcher calls
    ``check`` before routing)."""

    def __init__(self, base: str) -> None:
        self.prefix = base.rstrip("/") + "/"
        # Only Retrieve Entity and Query Entities can answer GeoJSON (clause 6.3.15).
        self._geojson = re.compile(re.escape(base.rstrip("/")) + r"/entities(?:/[^/]+)?/?")

    def check(self, scope: Scope) -> None:
        query = scope.get("query_string", b"")
        if query:
            names = {n for n, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
            unknown = sorted(names - URI_PARAMETERS)
            if unknown:
                raise InvalidRequest(f"unknown URI parameter(s): {', '.join(unknown)}")
        method = scope["method"]
        if method in _READ_METHODS and not any(k == b"accept" for k, _ in scope["headers"]):
            return  # no Accept header: JSON, always producible
        headers = Headers(scope=scope)
        if method in _BODY_METHODS:
            ctype = http.media_type(headers.get("content-type"))
            allowed: tuple[str, ...] = (http.JSON, http.JSONLD)
            if method == "PATCH":
                allowed += (http.MERGE_PATCH,)
            if ctype and ctype not in allowed:
                raise UnsupportedMediaType(
                    f"Content-Type {ctype} is not supported; use {' or '.join(allowed)}"
                )
        elif method in _READ_METHODS:
            produced: tuple[str, ...] = (http.JSON, http.JSONLD)
            if self._geojson.fullmatch(scope["path"]):
                produced += (http.GEOJSON,)
            http.negotiate(headers.get("accept"), produced)
