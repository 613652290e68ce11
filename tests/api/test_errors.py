"""Every NGSI-LD error type the API can raise, reached through HTTP: its status, the
problem details shape and the content type (DESIGN decision 6)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from isanhub.core import errors
from isanhub.core.errors import NgsiLdError

B = "/ngsi-ld/v1"
SHOP = {"id": "urn:ngsi-ld:Shop:1", "type": "Shop", "name": {"type": "Property", "value": "x"}}
LINK = '<{}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
#: error types no request can produce: they are defensive (InternalError is a crash,
#: which the fuzz test shows never happens) or for features not built yet
NOT_REACHABLE = {"InternalError", "OperationNotSupported"}

#: reached with access control on, their shape checked in tests/security/test_access.py
ACCESS_ERRORS = {"Unauthorized", "Forbidden", "TooManyRequests"}


def _closed_port() -> int:
    """A local port nothing listens on: fetching a @context there fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


UNREACHABLE = f"http://127.0.0.1:{_closed_port()}/ngsi-ld/contexts/shop.jsonld"


@dataclass
class Case:
    error: type[NgsiLdError]
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    setup: list[tuple[str, str, Any]] = field(default_factory=list)


CASES: dict[str, Case] = {
    "BadRequestData: id is not a URI": Case(
        errors.BadRequestData, "POST", "/entities", {"id": "shop 1", "type": "Shop"}
    ),
    "BadRequestData: attribute without value": Case(
        errors.BadRequestData, "POST", "/entities", {**SHOP, "a": {"type": "Property"}}
    ),
    "BadRequestData: query without filter": Case(errors.BadRequestData, "GET", "/entities"),
    "BadRequestData: bad q": Case(errors.BadRequestData, "GET", "/entities?q=price>>"),
    "BadRequestData: bad limit": Case(errors.BadRequestData, "GET", "/entities?type=S&limit=x"),
    "BadRequestData: invalid tenant": Case(
        errors.BadRequestData, "GET", "/types", headers={"NGSILD-Tenant": "no such!"}
    ),
    "InvalidRequest: body is not JSON": Case(
        errors.InvalidRequest, "POST", "/entities", content=b'{"id": "urn:x:1",'
    ),
    "InvalidRequest: empty body": Case(errors.InvalidRequest, "POST", "/entities", content=b""),
    "ResourceNotFound: entity": Case(errors.ResourceNotFound, "GET", "/entities/urn:ngsi-ld:X:0"),
    "ResourceNotFound: attribute": Case(
        errors.ResourceNotFound,
        "DELETE",
        "/entities/urn:ngsi-ld:Shop:1/attrs/colour",
        setup=[("POST", "/entities", SHOP)],
    ),
    "ResourceNotFound: type": Case(errors.ResourceNotFound, "GET", "/types/Nothing"),
    "ResourceNotFound: no such path": Case(errors.ResourceNotFound, "GET", "/entitiez"),
    "AlreadyExists": Case(
        errors.AlreadyExists, "POST", "/entities", SHOP, setup=[("POST", "/entities", SHOP)]
    ),
    "NonexistentTenant": Case(
        errors.NonexistentTenant, "GET", "/entities?type=Shop", headers={"NGSILD-Tenant": "nobody"}
    ),
    "TooManyResults": Case(errors.TooManyResults, "GET", "/entities?type=Shop&limit=100000"),
    "TooComplexQuery": Case(
        errors.TooComplexQuery, "GET", "/entities?q=" + "|".join(f"a{i}==1" for i in range(101))
    ),
    "LdContextNotAvailable: Link header": Case(
        errors.LdContextNotAvailable,
        "GET",
        "/entities?type=Shop",
        headers={"Link": LINK.format(UNREACHABLE)},
    ),
    "LdContextNotAvailable: ld+json body": Case(
        errors.LdContextNotAvailable,
        "POST",
        "/entities",
        content=f'{{"id": "urn:x:1", "type": "Shop", "@context": "{UNREACHABLE}"}}'.encode(),
        headers={"Content-Type": "application/ld+json"},
    ),
    "NotAcceptable": Case(errors.NotAcceptable, "GET", "/types", headers={"Accept": "text/html"}),
    "UnsupportedMediaType": Case(
        errors.UnsupportedMediaType,
        "POST",
        "/entities",
        content=b'{"id": "urn:x:1", "type": "Shop"}',
        headers={"Content-Type": "text/plain"},
    ),
    "PayloadTooLarge": Case(
        errors.PayloadTooLarge, "POST", "/entities", content=b" " * (32 * 1024 * 1024 + 1)
    ),
    "MethodNotAllowed": Case(errors.MethodNotAllowed, "PUT", "/entities"),
    "MethodNotAllowed: batch": Case(errors.MethodNotAllowed, "GET", "/entityOperations/create"),
}


def send(client: TestClient, case: Case) -> Any:
    for method, path, body in case.setup:
        assert client.request(method, B + path, json=body).status_code < 300
    headers = dict(case.headers)
    if case.content is not None:
        headers.setdefault("Content-Type", "application/json")
        return client.request(case.method, B + case.path, content=case.content, headers=headers)
    return client.request(case.method, B + case.path, json=case.json, headers=headers)


@pytest.mark.parametrize("name", list(CASES))
def test_error_is_problem_details(client: TestClient, name: str) -> None:
    case = CASES[name]
    r = send(client, case)
    assert r.status_code == case.error.status, r.text
    assert r.headers["content-type"].split(";")[0] == "application/json"
    body = r.json()
    assert body["type"] == case.error().type_uri
    assert body["type"].startswith("https://uri.etsi.org/ngsi-ld/errors/")
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]


def test_the_table_covers_every_error_type() -> None:
    found: list[type[NgsiLdError]] = []
    todo = [NgsiLdError]
    while todo:
        found += (subs := todo.pop().__subclasses__())
        todo += subs
    kinds = {cls.kind for cls in found if cls.__module__ == errors.__name__}
    covered = {case.error.kind for case in CASES.values()} | ACCESS_ERRORS
    assert kinds - NOT_REACHABLE == covered


def test_method_not_allowed_names_the_allowed_methods(client: TestClient) -> None:
    r = client.put(f"{B}/entities")
    assert r.status_code == 405
    # RFC 9110 15.5.6: a 405 response MUST carry Allow
    assert {m.strip() for m in r.headers["allow"].split(",")} >= {"GET", "POST"}
