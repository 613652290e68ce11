"""/jsonldContexts (clause 5.13) over HTTP: add, serve, list, delete, and using a hosted
@context in requests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
import pytest
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
ERR = "https://uri.etsi.org/ngsi-ld/errors/"
CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
CTX_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
DOC = {"@context": {"A1": "urn:ngsi-ld:attributes:A1", "A2": "urn:ngsi-ld:attributes:A2"}}


def problem(resp: Any, status: int, kind: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.json()["type"] == ERR + kind


def add(client: TestClient, body: bytes = orjson.dumps(DOC)) -> str:
    resp = client.post(
        f"{B}/jsonldContexts", content=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.text
    assert resp.content == b""
    return resp.headers["location"]


def test_add_answers_the_path_of_the_new_context(client: TestClient) -> None:
    location = add(client)
    assert location.startswith(f"{B}/jsonldContexts/")
    local_id = location.rsplit("/", 1)[1]
    # the Location can be followed as it is, and its last segment is the localId
    for path in (location, f"{B}/jsonldContexts/{local_id}"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/json"
        assert resp.json() == DOC


def test_details_of_a_hosted_context(client: TestClient) -> None:
    local_id = add(client).rsplit("/", 1)[1]
    resp = client.get(f"{B}/jsonldContexts/{local_id}?details=true")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    details = resp.json()
    assert details["kind"] == "Hosted"
    assert details["localId"] == local_id
    assert details["URL"] == f"http://127.0.0.1:1026{B}/jsonldContexts/{local_id}"
    assert set(details) <= {"URL", "localId", "kind", "createdAt", "lastUsage", "numberOfHits"}
    # the URL can be served too, URL-encoded as a path segment
    assert client.get(f"{B}/jsonldContexts/{quote(details['URL'], safe='')}").json() == DOC


def test_serve_as_json_ld_when_asked(client: TestClient) -> None:
    location = add(client)
    resp = client.get(location, headers={"Accept": "application/ld+json"})
    assert resp.headers["content-type"] == "application/ld+json"
    problem(client.get(location, headers={"Accept": "text/html"}), 406, "NotAcceptable")


def test_a_hosted_context_is_usable_in_link_headers(client: TestClient) -> None:
    location = add(client)
    url = client.get(f"{location}?details=true").json()["URL"]
    link = {"Link": f"<{url}>; {CTX_REL}"}
    entity = {"id": "urn:ngsi-ld:T:1", "type": "T", "A1": {"type": "Property", "value": 1}}
    assert client.post(f"{B}/entities", json=entity, headers=link).status_code == 201
    # without the context A1 is the full IRI; with it, the short term
    plain = client.get(f"{B}/entities/urn:ngsi-ld:T:1").json()
    assert "urn:ngsi-ld:attributes:A1" in plain
    assert "A1" in client.get(f"{B}/entities/urn:ngsi-ld:T:1", headers=link).json()


@pytest.mark.parametrize(
    "body",
    [
        b'{"A1": "urn:ngsi-ld:attributes:A1"\n "A2": "urn:ngsi-ld:attributes:A2"}',  # not JSON
        b"",
        b'{"A1": "urn:ngsi-ld:attributes:A1"}',  # no @context member
        b'"just a string"',
    ],
)
def test_add_rejects_bad_bodies_as_invalid_request(client: TestClient, body: bytes) -> None:
    resp = client.post(
        f"{B}/jsonldContexts", content=body, headers={"Content-Type": "application/json"}
    )
    problem(resp, 400, "InvalidRequest")


def test_add_needs_a_json_media_type(client: TestClient) -> None:
    resp = client.post(f"{B}/jsonldContexts", content=b"{}", headers={"Content-Type": "text/plain"})
    problem(resp, 415, "UnsupportedMediaType")


def test_list_and_delete(client: TestClient) -> None:
    location = add(client)
    local_id = location.rsplit("/", 1)[1]
    urls = client.get(f"{B}/jsonldContexts").json()
    assert CORE in urls and any(u.endswith(local_id) for u in urls)
    hosted = client.get(f"{B}/jsonldContexts?details=true&kind=Hosted").json()
    assert [d["localId"] for d in hosted] == [local_id]
    assert client.delete(location).status_code == 204
    problem(client.get(location), 404, "ResourceNotFound")
    problem(client.delete(location), 404, "ResourceNotFound")


def test_unknown_parameter_on_contexts(client: TestClient) -> None:
    problem(client.get(f"{B}/jsonldContexts?detail=true"), 400, "InvalidRequest")


def test_add_rejects_malformed_context_urls(client: TestClient) -> None:
    resp = client.post(
        f"{B}/jsonldContexts",
        content=b'{"@context": ["http://[::1/broken.jsonld"]}',
        headers={"Content-Type": "application/json"},
    )
    problem(resp, 400, "BadRequestData")
