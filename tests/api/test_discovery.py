"""Discovery: /types and /attributes (clauses 5.7.5-5.7.10) as a client sees them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
ERR = "https://uri.etsi.org/ngsi-ld/errors/"
DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"


@pytest.fixture
def filled(client: TestClient) -> TestClient:
    for n in (1, 2):
        entity: dict[str, Any] = {
            "id": f"urn:ngsi-ld:Building:{n}",
            "type": "Building",
            "name": {"type": "Property", "value": "Eiffel"},
            "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Paris"},
        }
        assert client.post(f"{B}/entities", json=entity).status_code == 201
    return client


def test_type_list_with_and_without_trailing_slash(filled: TestClient) -> None:
    for path in ("/types", "/types/"):
        r = filled.get(B + path)
        assert r.status_code == 200
        assert r.json()["type"] == "EntityTypeList"
        assert r.json()["typeList"] == ["Building"]
        assert "rel=" in r.headers["Link"]


def test_type_info_by_name_or_expanded_iri(filled: TestClient) -> None:
    for name in ("Building", quote(DEFAULT + "Building", safe="")):
        r = filled.get(f"{B}/types/{name}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["typeName"] == "Building" and body["entityCount"] == 2
        names = {a["attributeName"]: a["attributeTypes"] for a in body["attributeDetails"]}
        assert names == {"name": ["Property"], "locatedAt": ["Relationship"]}


def test_attribute_info_by_name_or_expanded_iri(filled: TestClient) -> None:
    for name in ("name", quote(DEFAULT + "name", safe="")):
        r = filled.get(f"{B}/attributes/{name}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["attributeName"] == "name" and body["attributeCount"] == 2
        assert body["typeNames"] == ["Building"]
    r = filled.get(f"{B}/attributes/")
    assert r.json()["attributeList"] == ["locatedAt", "name"]


def test_unknown_type_or_attribute_is_not_found(filled: TestClient) -> None:
    for path in ("/types/Nothing", "/attributes/nothing"):
        r = filled.get(B + path)
        assert r.status_code == 404
        assert r.json()["type"] == ERR + "ResourceNotFound"


def test_details_and_json_ld(filled: TestClient) -> None:
    r = filled.get(f"{B}/types", params={"details": "true"})
    assert r.json()[0]["attributeNames"] == ["locatedAt", "name"]
    r = filled.get(
        f"{B}/attributes", params={"details": "true"}, headers={"Accept": "application/ld+json"}
    )
    assert r.headers["content-type"].startswith("application/ld+json")
    assert all("@context" in a for a in r.json())
