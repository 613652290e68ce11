"""Behaviour common to every endpoint (clause 6.3): URI parameters, media types, Accept
negotiation, Link headers, and problem details on every error path."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from isanhub.api.app import create_app
from isanhub.settings import Settings

B = "/ngsi-ld/v1"
ERR = "https://uri.etsi.org/ngsi-ld/errors/"
CTX_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
ENTITY = {
    "id": "urn:ngsi-ld:Vehicle:A1",
    "type": "Vehicle",
    "brandName": {"type": "Property", "value": "Mercedes"},
}


def problem(resp: Any, status: int, kind: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert body["type"] == ERR + kind
    assert body["title"] and body["detail"]
    return body


def create(client: TestClient, entity: dict[str, Any] = ENTITY) -> None:
    assert client.post(f"{B}/entities", json=entity).status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/entities"),
        ("GET", "/entities?type=Building"),
        ("GET", "/types"),
        ("DELETE", "/entities"),  # even where the operation does not exist
        ("GET", "/subscriptions"),
        ("POST", "/temporal/entities"),
    ],
)
def test_unknown_uri_parameter_is_an_invalid_request(
    client: TestClient, method: str, path: str
) -> None:
    sep = "&" if "?" in path else "?"
    resp = client.request(
        method,
        f"{B}{path}{sep}invalidParams=invalidValue",
        json=ENTITY,
        headers={"Content-Type": "application/ld+json"},
    )
    body = problem(resp, 400, "InvalidRequest")
    assert "invalidParams" in body["detail"]


def test_known_uri_parameters_pass(client: TestClient) -> None:
    create(client)
    resp = client.get(f"{B}/entities?type=Vehicle&limit=5&offset=0&count=true&options=keyValues")
    assert resp.status_code == 200
    assert resp.json() == [{"id": ENTITY["id"], "type": "Vehicle", "brandName": "Mercedes"}]


@pytest.mark.parametrize(
    "path",
    [
        "/entities/urn:ngsi-ld:Vehicle:nope",  # checked before the entity is looked up
        "/entities?type=Vehicle",
        "/types",
        "/jsonldContexts",
        "/subscriptions/urn:ngsi-ld:Subscription:nope",
        "/temporal/entities?type=Vehicle",
    ],
)
def test_unacceptable_accept_is_406(client: TestClient, path: str) -> None:
    resp = client.get(B + path, headers={"Accept": "application/xml"})
    problem(resp, 406, "NotAcceptable")


@pytest.mark.parametrize(
    "path", ["/types", "/subscriptions/urn:ngsi-ld:Subscription:x", "/temporal/entities"]
)
def test_geojson_only_where_entities_are_returned(client: TestClient, path: str) -> None:
    problem(client.get(B + path, headers={"Accept": "application/geo+json"}), 406, "NotAcceptable")


def test_geojson_on_entities(client: TestClient) -> None:
    create(client)
    resp = client.get(f"{B}/entities/{ENTITY['id']}", headers={"Accept": "application/geo+json"})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/geo+json"


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/ld+json", "application/ld+json"),
        ("application/xml, application/ld+json;q=0.5", "application/ld+json"),
        ("application/json;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
        ("text/html, */*;q=0.1", "application/json"),
        ("*/*, application/json;q=0", "application/ld+json"),  # the specific range wins
    ],
)
def test_accept_negotiation(client: TestClient, accept: str | None, media: str) -> None:
    create(client)
    headers = {"Accept": accept} if accept else {}
    resp = client.get(f"{B}/entities/{ENTITY['id']}", headers=headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == media
    if media == "application/json":
        assert resp.headers["link"]
    else:
        assert "@context" in resp.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/entities"),
        ("PATCH", "/entities/urn:ngsi-ld:Vehicle:A1/attrs/speed"),
        ("POST", "/entityOperations/create"),
        ("PATCH", "/subscriptions/urn:ngsi-ld:Subscription:x"),
        ("POST", "/subscriptions"),
        ("POST", "/temporal/entities"),
        ("POST", "/jsonldContexts"),
    ],
)
def test_unsupported_content_type_is_415(client: TestClient, method: str, path: str) -> None:
    resp = client.request(
        method, B + path, content=b"<entity/>", headers={"Content-Type": "application/xml"}
    )
    problem(resp, 415, "UnsupportedMediaType")


def test_merge_patch_is_not_for_post(client: TestClient) -> None:
    resp = client.post(
        f"{B}/entities",
        json=ENTITY,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    problem(resp, 415, "UnsupportedMediaType")


@pytest.mark.parametrize(
    "path", ["/entities/urn:ngsi-ld:Vehicle:A1/attrs/brandName", "/entities/urn:ngsi-ld:Vehicle:A1"]
)
def test_patch_accepts_merge_patch_json(client: TestClient, path: str) -> None:
    create(client)
    body = {"value": "BMW"} if path.endswith("brandName") else {"brandName": {"value": "BMW"}}
    resp = client.patch(
        B + path, json=body, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert resp.status_code == 204, resp.text
    got = client.get(f"{B}/entities/{ENTITY['id']}?options=keyValues").json()
    assert got["brandName"] == "BMW"


def test_invalid_json_body_is_an_invalid_request(client: TestClient) -> None:
    resp = client.post(
        f"{B}/entities",
        content=b'{"id": "x" "type": "T"}',
        headers={"Content-Type": "application/json"},
    )
    problem(resp, 400, "InvalidRequest")


@pytest.mark.parametrize(
    "link",
    [
        '<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"',
        "<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld>;rel=http://www.w3.org/ns/json-ld#context",
        '</next?offset=2>; rel="next", <https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld>; rel="http://www.w3.org/ns/json-ld#context"',
        '</next?offset=2>; rel="next"',  # no context link: the core context
    ],
)
def test_link_header_forms(client: TestClient, link: str) -> None:
    create(client)
    resp = client.get(f"{B}/entities/{ENTITY['id']}", headers={"Link": link})
    assert resp.status_code == 200, resp.text
    assert "brandName" in resp.json()


def test_context_link_among_several_link_headers(client: TestClient) -> None:
    create(client)
    custom = {"@context": {"brand": "https://uri.etsi.org/ngsi-ld/default-context/brandName"}}
    resp = client.post(
        f"{B}/jsonldContexts", json=custom, headers={"Content-Type": "application/json"}
    )
    url = client.get(resp.headers["location"] + "?details=true").json()["URL"]
    headers = [("Link", '</x>; rel="next"'), ("Link", f"<{url}>; {CTX_REL}")]
    got = client.get(f"{B}/entities/{ENTITY['id']}", headers=headers)
    assert got.status_code == 200
    assert "brand" in got.json()  # the second header's context was applied


@pytest.mark.parametrize(
    "link",
    [
        "https://example.org/ctx.jsonld",  # no angle brackets
        f"<>; {CTX_REL}",
        f"<https://a.example/c1.jsonld>; {CTX_REL}, <https://a.example/c2.jsonld>; {CTX_REL}",
        f"<https://a.example/c1.jsonld>; {CTX_REL} garbage",
    ],
)
def test_malformed_link_header_is_bad_request_data(client: TestClient, link: str) -> None:
    problem(client.get(f"{B}/entities?type=T", headers={"Link": link}), 400, "BadRequestData")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8087http://127.0.0.1:8087/api/v1/context.jsonld",  # invalid port
        "http://127.0.0.1:9/nothing-listens-here.jsonld",
        "http://127.0.0.1:99999999999/port-out-of-range.jsonld",
        "http://[::1/broken.jsonld",
        "http:///no-host.jsonld",
        "ftp://example.org/ctx.jsonld",
    ],
)
def test_bad_context_urls_are_clean_problems(client: TestClient, url: str) -> None:
    for resp in (
        client.get(f"{B}/entities?type=T", headers={"Link": f"<{url}>; {CTX_REL}"}),
        client.post(
            f"{B}/entities",
            json={**ENTITY, "@context": url},
            headers={"Content-Type": "application/ld+json"},
        ),
    ):
        assert resp.status_code in (400, 503), resp.text
        body = resp.json()
        assert body["type"] in (ERR + "BadRequestData", ERR + "LdContextNotAvailable")
        assert body["title"] and body["detail"]


def test_unreachable_context_is_503(client: TestClient) -> None:
    resp = client.post(
        f"{B}/entities",
        json={**ENTITY, "@context": "http://127.0.0.1:9/ctx.jsonld"},
        headers={"Content-Type": "application/ld+json"},
    )
    problem(resp, 503, "LdContextNotAvailable")


def test_any_failure_to_fetch_a_context_is_503(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the network stack did something odd")

    monkeypatch.setattr("isanhub.core.context.download", broken)
    with TestClient(create_app(settings)) as client:
        resp = client.get(
            f"{B}/entities?type=T",
            headers={"Link": f"<http://127.0.0.1:9/odd.jsonld>; {CTX_REL}"},
        )
    problem(resp, 503, "LdContextNotAvailable")


def test_unexpected_exception_is_internal_error_problem(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings)

    async def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.state.hub.store, "get_doc", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get(f"{B}/entities/urn:ngsi-ld:Vehicle:A1")
    body = problem(resp, 500, "InternalError")
    assert "disk on fire" not in body["detail"]  # no internals leak to clients


def test_unknown_path_and_method_are_problems(client: TestClient) -> None:
    problem(client.get(f"{B}/nothing-here"), 404, "ResourceNotFound")
    problem(client.put(f"{B}/entities", json={}), 405, "MethodNotAllowed")
