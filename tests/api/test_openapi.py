"""The platform's OpenAPI document (GET /openapi.json) against the router that serves it.

Every route an app registers must be documented, and everything documented must be
served: an endpoint added without its documentation (api.openapi, api.openapi_hub,
api.openapi_platform) fails here. The document must also be valid OpenAPI 3.1, and say
who may call each operation exactly as the guard decides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api import openapi_platform
from isanhub.api.app import create_app
from isanhub.api.asgi import App
from isanhub.security.guard import COOKIE
from isanhub.security.principal import Action

B = "/ngsi-ld/v1"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
Op = tuple[str, str]  #: (path with its parameters written {}, METHOD)


def key(path: str, method: str) -> Op:
    return re.sub(r"\{[^}]*\}", "{}", path), method.upper()


def is_alias(template: str) -> bool:
    """Templates with an empty segment (``/entities//attrs``, ``/subscriptions/``) only
    answer 400 for a missing id on behalf of the real operation (api.app
    _EMPTY_ENTITY_ID): they are no operations of their own."""
    return "//" in template or (template.endswith("/") and template != "/")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    return create_app(make_settings(tmp, auth="keys"))


def served_operations(app: App) -> dict[Op, Action]:
    """What the router serves: (template, method) -> action, walked from its table."""
    out: dict[Op, Action] = {}
    for template, path in app.router._by_template.items():
        if is_alias(template):
            continue
        for method in path.methods:
            out[key(template, method)] = path.actions[method]
    return out


def documented(doc: dict[str, Any]) -> dict[Op, dict[str, Any]]:
    return {
        key(path, method): op
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    }


@pytest.fixture(scope="module")
def client(app: App) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="module")
def doc(client: TestClient) -> dict[str, Any]:
    # served without credentials although the hub checks keys: the document is public
    r = client.get("/openapi.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    return body


def test_every_route_is_documented(app: App, doc: dict[str, Any]) -> None:
    missing = set(served_operations(app)) - set(documented(doc))
    assert not missing, f"routes without documentation: {sorted(missing)}"


def test_nothing_documented_is_missing_from_the_router(app: App, doc: dict[str, Any]) -> None:
    served = set(served_operations(app))
    written = {key(path, method) for path, method, _ in openapi_platform.operations()}
    assert not written - served, f"documented but not served: {sorted(written - served)}"
    assert set(documented(doc)) == served


def test_every_operation_says_who_may_call_it(app: App, doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKey"] == {**schemes["apiKey"], "in": "header", "name": "X-API-Key"}
    assert schemes["cookie"] == {**schemes["cookie"], "in": "cookie", "name": COOKIE}
    ops = documented(doc)
    for op_key, action in served_operations(app).items():
        op = ops[op_key]
        security = op["security"]
        assert security == openapi_platform.SECURITY[action], op_key
        refs = {code: r.get("$ref") for code, r in op["responses"].items()}
        assert refs["429"] == "#/components/responses/E429", op_key  # rates apply to all
        if action is Action.NONE:
            assert security == [], op_key
            continue
        assert refs["401"] == "#/components/responses/E401", op_key
        assert "403" in refs, op_key
        needs = [s for s in security if s]
        assert {name for s in needs for name in s} == {"bearer", "apiKey", "cookie"}, op_key
        assert ({} in security) is (action is Action.READ), op_key  # open data: no key


def test_the_pages_and_files_are_documented_as_what_they_are(doc: dict[str, Any]) -> None:
    for path in ("/", "/explore", "/sellers", "/farmers"):
        assert list(doc["paths"][path]["get"]["responses"]["200"]["content"]) == ["text/html"]
    static = doc["paths"]["/static/{path}"]["get"]["responses"]
    assert {"text/css", "text/javascript", "image/svg+xml"} <= set(static["200"]["content"])
    report = doc["paths"]["/hub/v1/sellers/{shop}/report"]["get"]["responses"]["200"]
    assert set(report["content"]) == {"application/json", "text/html", "application/pdf"}
    uploads = ("/hub/v1/import", "/hub/v1/sellers/{shop}/import")
    for path in uploads:
        body = doc["paths"][path]["post"]["requestBody"]["content"]
        assert list(body) == ["multipart/form-data"], path


def test_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.1 meta-schema
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name  # JSON Schema 2020-12


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, ref
        node = node[part]
    return node


def test_document_is_consistent(doc: dict[str, Any]) -> None:
    """What the meta-schema cannot see: references, parameters, ids, error bodies."""
    for ref in set(_refs(doc)):
        _resolve(doc, ref)
    ids = [op["operationId"] for op in documented(doc).values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    problem = "#/components/schemas/ProblemDetails"
    for path, ops in doc["paths"].items():
        in_path = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op["summary"] and op["responses"], where
            parameters = op.get("parameters", [])
            params = [_resolve(doc, p["$ref"]) if "$ref" in p else p for p in parameters]
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == in_path, where
            for p in params:
                if "example" in p:
                    assert jsonschema_rs.is_valid(p["schema"], p["example"]), (where, p)
            for code, response in op["responses"].items():
                response = _resolve(doc, response["$ref"]) if "$ref" in response else response
                assert response["description"], (where, code)
                if code.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    refs = {schema.get("$ref"), *(s.get("$ref") for s in schema.get("anyOf", []))}
                    assert problem in refs, (where, code)


def test_ngsi_ld_document_is_the_ngsi_ld_part(client: TestClient, doc: dict[str, Any]) -> None:
    r = client.get(f"{B}/openapi.json")
    assert r.status_code == 200, r.text
    part = r.json()
    assert part["servers"] == [{"url": B}]
    assert part["paths"] == {
        p.removeprefix(B): ops for p, ops in doc["paths"].items() if p.startswith(B + "/")
    }
    assert "/entities" in part["paths"] and "/subscriptions/{subscriptionId}" in part["paths"]
    assert part["components"]["securitySchemes"] == doc["components"]["securitySchemes"]
    schemathesis.openapi.from_dict(part).validate()


def test_the_documents_need_no_credentials(client: TestClient) -> None:
    for path in ("/openapi.json", f"{B}/openapi.json"):
        # a stale credential is ignored where none is needed
        r = client.get(path, headers={"Authorization": "Bearer ihk_nope"})
        assert r.status_code == 200, r.text
    r = client.get("/hub/v1/keys", headers={"Authorization": "Bearer ihk_nope"})
    assert r.status_code == 401 and r.headers["www-authenticate"]
    assert r.json()["type"].endswith("/Unauthorized")
