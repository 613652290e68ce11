"""The OpenAPI 3.1 document of the whole platform, served at ``GET /openapi.json``.

It joins the NGSI-LD operations (api.openapi, below /ngsi-ld/v1), the platform's own
(api.openapi_hub, below /hub/v1), /version, this document, the pages and their static
files. Who may call each operation comes from the router itself (the action every route
is registered with, security.principal.Action), so the document's security cannot drift
from what the guard enforces:

- NONE: no credentials (``security: []``; one that is sent and not valid is ignored);
- READ: a consumer's key or token, or none at all for a tenant's open data;
- SUBSCRIBE, WRITE, ADMIN: a key or token with that role in the tenant.

``GET /ngsi-ld/v1/openapi.json`` serves the NGSI-LD part of the same document, with its
paths relative to the /ngsi-ld/v1 server as before.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http, openapi, openapi_hub, openapi_hub_schemas
from isanhub.security.guard import COOKIE
from isanhub.security.principal import Action

BASE = openapi.BASE
#: (template, METHOD, action) of a registered route (api.asgi.Router.routes)
Route = tuple[str, str, Action]
_PARAM = re.compile(r"\{[^}]*\}")

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "API key (ihk_…) or OpenID Connect JWT",
        "description": "Authorization: Bearer <API key or OpenID Connect access token>. "
        "Keys are made with `isanhub keys create` or POST /hub/v1/keys; tokens are "
        "accepted when ISANHUB_OIDC_ISSUER is set (docs/security.md).",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The same API key, for clients that cannot set Authorization",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "The pages' sign-in (POST /hub/v1/session): the API key in an "
        "HttpOnly, SameSite=Strict cookie, read only when no header carries a credential",
    },
}
_CREDENTIALS: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}, {"cookie": []}]
#: what each action asks of a client; {} (an empty requirement) is "no credentials"
SECURITY: dict[Action, list[dict[str, list[str]]]] = {
    Action.NONE: [],
    Action.READ: [{}, *_CREDENTIALS],
    Action.SUBSCRIBE: _CREDENTIALS,
    Action.WRITE: _CREDENTIALS,
    Action.ADMIN: _CREDENTIALS,
}
_ROLE = {
    Action.READ: "a consumer (or anyone, for a tenant's open data)",
    Action.SUBSCRIBE: "a consumer",
    Action.WRITE: "a provider",
    Action.ADMIN: "an admin",
}
#: access-control responses, beside those of api.openapi (E403 now has two meanings)
ACCESS_RESPONSES = {
    "E401": (
        "Unauthorized: a credential is needed and none was sent, or the one sent is not "
        "valid (malformed, unknown, revoked, expired). WWW-Authenticate says how. (Where "
        "none is needed, an invalid one is ignored.)",
        {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm"}},
    ),
    "E403": (
        "Forbidden: the credential's role in the tenant does not allow this; or "
        "TooManyResults (limit above the maximum) or TooComplexQuery",
        {},
    ),
    "E429": (
        "TooManyRequests: over the rate of the key (or of the client address, without "
        "one); Retry-After gives the seconds to wait",
        {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
    ),
}


def _key(path: str, method: str) -> tuple[str, str]:
    """Paths compared whatever their parameters are called: /a/{x} is /a/{y}."""
    return _PARAM.sub("{}", path), method.upper()


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _other_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """/version, /openapi.json, the pages and /static/{path}."""
    from isanhub.web import assets, pages  # Jinja2 loads only when the document is built

    meta: list[tuple[str, str, dict[str, Any]]] = [
        (
            "/version",
            "get",
            {
                "tags": ["Meta"],
                "summary": "The running software's name and version",
                "operationId": "get_version",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": openapi_hub_schemas.schema("Version")}
                        },
                    }
                },
            },
        ),
        (
            "/openapi.json",
            "get",
            {
                "tags": ["Meta"],
                "summary": "This document: every endpoint of the platform",
                "operationId": "get_platform_openapi",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
        ),
    ]
    lang = {
        "name": "lang",
        "in": "query",
        "description": "th or en (remembered in a cookie); default Thai",
        "schema": {"enum": ["th", "en"]},
    }
    for page, path in pages.PATHS.items():
        op = {
            "tags": ["Pages"],
            "summary": f"The {page} page (HTML; its script reads the APIs)",
            "operationId": f"page_{page}",
            "parameters": [lang],
            "responses": {"200": _html("The page")},
        }
        meta.append((path, "get", op))
    static = {
        "tags": ["Pages"],
        "summary": "A script, style, image or font of the pages (from the package only)",
        "operationId": "get_static",
        "parameters": [
            {
                "name": "path",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1},
                "example": "app.js",
            },
            {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {
                "description": "The file, with a strong ETag",
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {kind.split(";")[0]: {} for kind in assets.TYPES.values()},
            },
            "304": {"description": "Not modified (If-None-Match named its ETag)"},
            "404": openapi_hub_schemas.ref("responses", "E404"),
        },
    }
    meta.append(("/static/{path}", "get", static))
    return meta


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every documented (full path, method, operation) of the platform, as written (before
    access control is added from the router)."""
    ngsi = [(BASE + path, method, op) for path, method, op in openapi.operations()]
    return [*ngsi, *openapi_hub.operations(), *_other_operations()]


def _secure(op: dict[str, Any], action: Action) -> dict[str, Any]:
    """The operation with its security and the access-control responses."""
    op = copy.deepcopy(op)
    op["security"] = SECURITY[action]
    responses = op["responses"]
    if action is not Action.NONE:
        responses["401"] = openapi_hub_schemas.ref("responses", "E401")
        responses.setdefault("403", openapi_hub_schemas.ref("responses", "E403"))
        op["description"] = (
            op.get("description", "") + f"\n\nNeeds {_ROLE[action]} in the tenant."
        ).strip()
    responses["429"] = openapi_hub_schemas.ref("responses", "E429")
    return op


@lru_cache(maxsize=8)
def document(routes: tuple[Route, ...], max_limit: int = 1000) -> dict[str, Any]:
    """The document of the operations that ``routes`` (the router's) serve; built once
    per router and max_limit (callers must not mutate it)."""
    actions = {_key(t, m): a for t, m, a in routes}
    ngsi = openapi.document(max_limit)
    paths: dict[str, Any] = {}
    for path, method, op in operations():
        action = actions.get(_key(path, method))
        if action is not None:  # documented but not served: left out
            paths.setdefault(path, {})[method] = _secure(op, action)
    components = copy.deepcopy(ngsi["components"])
    components["schemas"].update(openapi_hub_schemas.SCHEMAS)
    components["parameters"].update(openapi_hub.PARAMETERS)
    problem = {"application/json": {"schema": openapi_hub_schemas.schema("ProblemDetails")}}
    for name, (description, headers) in ACCESS_RESPONSES.items():
        response: dict[str, Any] = {"description": description, "content": problem}
        if headers:
            response["headers"] = headers
        components["responses"][name] = response
    components["securitySchemes"] = SECURITY_SCHEMES
    info = dict(ngsi["info"])
    info["title"] = "Isan Digital Hub: the platform API"
    info["summary"] = "NGSI-LD context data, imports, insight and access control"
    info["description"] = (
        ngsi["info"]["description"]
        + "\n\nAccess: send an API key or an OpenID Connect token as `Authorization: Bearer"
        " <credential>` (or a key as `X-API-Key`, or the pages' sign-in cookie). Each"
        " operation's security says who may call it: none, a consumer (or anyone, for a tenant's open data), a provider or an"
        " admin, in the tenant of the NGSILD-Tenant header. 401, 403 and 429 are problem"
        " details like every other error."
    )
    return {
        "openapi": ngsi["openapi"],
        "info": info,
        "servers": [{"url": "/"}],
        "tags": [{"name": t} for t in _tags(paths.values())],
        "security": _CREDENTIALS,
        "paths": paths,
        "components": components,
    }


def _tags(items: Iterable[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(t for ops in items for op in ops.values() for t in op["tags"]))


@lru_cache(maxsize=8)
def ngsi_ld_document(routes: tuple[Route, ...], max_limit: int = 1000) -> dict[str, Any]:
    """The NGSI-LD part of :func:`document`, its paths relative to the /ngsi-ld/v1 server."""
    whole = document(routes, max_limit)
    paths = {
        p.removeprefix(BASE): ops for p, ops in whole["paths"].items() if p.startswith(BASE + "/")
    }
    info = {**whole["info"], "title": openapi.document(max_limit)["info"]["title"]}
    return {
        **whole,
        "info": info,
        "servers": [{"url": BASE}],
        "tags": [{"name": t} for t in _tags(paths.values())],
        "paths": paths,
    }


def _routes(request: Request) -> tuple[tuple[Route, ...], int]:
    app = request.app
    hub = getattr(app.state, "hub", None)
    return tuple(app.router.routes()), hub.settings.max_limit if hub is not None else 1000


async def serve(request: Request) -> Response:
    """GET /openapi.json."""
    return http.json_response(document(*_routes(request)))


async def serve_ngsi_ld(request: Request) -> Response:
    """GET /ngsi-ld/v1/openapi.json."""
    return http.json_response(ngsi_ld_document(*_routes(request)))
