"""NGSI-LD problem details: one exception hierarchy, found by class, rendered by one handler.

Each error carries the HTTP status and the problem type URI of ETSI GS CIM 009 (clause 5.5.2).
Raise them anywhere below the API; the application turns them into
``application/json`` bodies with ``type``, ``title``, ``detail``.
"""

from __future__ import annotations

from typing import Any

_BASE = "https://uri.etsi.org/ngsi-ld/errors/"


class NgsiLdError(Exception):
    """Base class: a problem with an HTTP status and an NGSI-LD error type."""

    status = 500
    kind = "InternalError"
    title = "Internal error"

    def __init__(
        self, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra
        self.headers = headers  #: HTTP headers the response carries (WWW-Authenticate, …)

    @property
    def type_uri(self) -> str:
        return _BASE + self.kind

    def problem(self) -> dict[str, Any]:
        """The problem-details body (RFC 7807 shape used by NGSI-LD)."""
        body: dict[str, Any] = {"type": self.type_uri, "title": self.title, "detail": self.detail}
        body.update(self.extra)
        return body


class InvalidRequest(NgsiLdError):
    status, kind, title = 400, "InvalidRequest", "Invalid request"


class BadRequestData(NgsiLdError):
    status, kind, title = 400, "BadRequestData", "Bad request data"


class PayloadTooLarge(NgsiLdError):
    status, kind, title = 413, "PayloadTooLarge", "Payload too large"


class LdContextNotAvailable(NgsiLdError):
    status, kind, title = 503, "LdContextNotAvailable", "JSON-LD context not available"


class ResourceNotFound(NgsiLdError):
    status, kind, title = 404, "ResourceNotFound", "Resource not found"


class NonexistentTenant(NgsiLdError):
    status, kind, title = 404, "NonexistentTenant", "Tenant does not exist"


class AlreadyExists(NgsiLdError):
    status, kind, title = 409, "AlreadyExists", "Already exists"


class OperationNotSupported(NgsiLdError):
    status, kind, title = 422, "OperationNotSupported", "Operation not supported"


class TooManyResults(NgsiLdError):
    status, kind, title = 403, "TooManyResults", "Too many results"


class TooComplexQuery(NgsiLdError):
    status, kind, title = 403, "TooComplexQuery", "Query too complex"


# 406 and 415 have no error type in the spec's table; like Scorpio and Stellio, their
# problem types are named after the HTTP status.
class NotAcceptable(NgsiLdError):
    status, kind, title = 406, "NotAcceptable", "Not acceptable"


class UnsupportedMediaType(NgsiLdError):
    status, kind, title = 415, "UnsupportedMediaType", "Unsupported media type"


# Access control has no error type in the spec's table either: named after the status.
class Unauthorized(NgsiLdError):
    status, kind, title = 401, "Unauthorized", "Unauthorized"


class Forbidden(NgsiLdError):
    status, kind, title = 403, "Forbidden", "Forbidden"


class TooManyRequests(NgsiLdError):
    status, kind, title = 429, "TooManyRequests", "Too many requests"


class MethodNotAllowed(NgsiLdError):
    status, kind, title = 405, "MethodNotAllowed", "Method not allowed"


class InternalError(NgsiLdError):
    status, kind, title = 500, "InternalError", "Internal error"
