"""Tenants (NGSILD-Tenant): isolated from each other, created by the first write, and
reported as NonexistentTenant when read before that."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
SHARED_ID = "urn:ngsi-ld:Shop:shared-01"


def tenant(name: str) -> dict[str, str]:
    return {"NGSILD-Tenant": name} if name else {}


def shop(eid: str, kind: str, price: int) -> dict[str, Any]:
    return {
        "id": eid,
        "type": kind,
        "price": {"type": "Property", "value": price},
        f"{kind.lower()}Only": {"type": "Property", "value": True},
    }


@pytest.fixture
def two(client: TestClient) -> TestClient:
    """Tenant khonkaen holds Silk shops, tenant phuket Pearl shops; both have SHARED_ID."""
    for name, kind, price in (("khonkaen", "Silk", 100), ("phuket", "Pearl", 900)):
        batch = [shop(SHARED_ID, kind, price), shop(f"urn:ngsi-ld:Shop:{name}-1", kind, price)]
        r = client.post(f"{B}/entityOperations/create", json=batch, headers=tenant(name))
        assert r.status_code == 201, r.text
    return client


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(e["id"] for e in response.json())


def assert_error(response: Any, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["type"] == ERRORS + kind, body
    assert body["title"] and body["detail"]


def test_same_id_in_two_tenants_are_two_entities(two: TestClient) -> None:
    for name, kind, price in (("khonkaen", "Silk", 100), ("phuket", "Pearl", 900)):
        r = two.get(f"{B}/entities/{SHARED_ID}", headers=tenant(name))
        assert r.status_code == 200
        assert r.json()["type"] == kind
        assert r.json()["price"]["value"] == price
    # the default tenant is a tenant too: it has neither
    assert_error(two.get(f"{B}/entities/{SHARED_ID}"), 404, "ResourceNotFound")


def test_an_entity_of_one_tenant_is_not_found_in_another(two: TestClient) -> None:
    r = two.get(f"{B}/entities/urn:ngsi-ld:Shop:phuket-1", headers=tenant("khonkaen"))
    assert_error(r, 404, "ResourceNotFound")
    r = two.patch(
        f"{B}/entities/urn:ngsi-ld:Shop:phuket-1/attrs",
        json={"price": {"type": "Property", "value": 1}},
        headers=tenant("khonkaen"),
    )
    assert_error(r, 404, "ResourceNotFound")
    r = two.get(f"{B}/entities/urn:ngsi-ld:Shop:phuket-1", headers=tenant("phuket"))
    assert r.json()["price"]["value"] == 900


def test_queries_see_one_tenant_only(two: TestClient) -> None:
    local = {"local": "true"}
    assert ids(two.get(f"{B}/entities", params=local, headers=tenant("khonkaen"))) == [
        "urn:ngsi-ld:Shop:khonkaen-1",
        SHARED_ID,
    ]
    r = two.get(f"{B}/entities", params={"type": "Pearl"}, headers=tenant("khonkaen"))
    assert ids(r) == []
    r = two.get(f"{B}/entities", params={"q": "price>500"}, headers=tenant("khonkaen"))
    assert ids(r) == []
    r = two.get(f"{B}/entities", params={"q": "price>500"}, headers=tenant("phuket"))
    assert ids(r) == ["urn:ngsi-ld:Shop:phuket-1", SHARED_ID]
    r = two.get(
        f"{B}/entities",
        params={"id": SHARED_ID, "count": "true", "local": "true"},
        headers=tenant("phuket"),
    )
    assert r.headers["NGSILD-Results-Count"] == "1"
    body = {"type": "Query", "entities": [{"type": "Silk"}, {"type": "Pearl"}]}
    r = two.post(f"{B}/entityOperations/query", json=body, headers=tenant("phuket"))
    assert {e["type"] for e in r.json()} == {"Pearl"}
    assert ids(two.get(f"{B}/entities", params=local)) == []


def test_types_and_attributes_are_per_tenant(two: TestClient) -> None:
    r = two.get(f"{B}/types", headers=tenant("khonkaen"))
    assert r.json()["typeList"] == ["Silk"]
    r = two.get(f"{B}/attributes", headers=tenant("phuket"))
    assert r.json()["attributeList"] == ["pearlOnly", "price"]
    r = two.get(f"{B}/types", params={"details": "true"}, headers=tenant("phuket"))
    assert [t["typeName"] for t in r.json()] == ["Pearl"]
    assert r.json()[0]["attributeNames"] == ["pearlOnly", "price"]
    r = two.get(f"{B}/types/Silk", headers=tenant("khonkaen"))
    assert r.json()["entityCount"] == 2
    assert_error(two.get(f"{B}/types/Silk", headers=tenant("phuket")), 404, "ResourceNotFound")
    r = two.get(f"{B}/attributes/price", headers=tenant("khonkaen"))
    assert r.json()["attributeCount"] == 2
    assert r.json()["typeNames"] == ["Silk"]
    r = two.get(f"{B}/attributes/silkOnly", headers=tenant("phuket"))
    assert_error(r, 404, "ResourceNotFound")
    assert two.get(f"{B}/types").json()["typeList"] == []


def test_batch_delete_touches_one_tenant_only(two: TestClient) -> None:
    body = [SHARED_ID, "urn:ngsi-ld:Shop:phuket-1"]
    r = two.post(f"{B}/entityOperations/delete", json=body, headers=tenant("khonkaen"))
    assert r.status_code == 207, r.text
    assert r.json()["success"] == [SHARED_ID]
    assert [e["entityId"] for e in r.json()["errors"]] == ["urn:ngsi-ld:Shop:phuket-1"]
    assert r.json()["errors"][0]["error"]["type"] == ERRORS + "ResourceNotFound"
    assert ids(two.get(f"{B}/entities", params={"local": "true"}, headers=tenant("phuket"))) == [
        "urn:ngsi-ld:Shop:phuket-1",
        SHARED_ID,
    ]
    r = two.get(f"{B}/entities", params={"local": "true"}, headers=tenant("khonkaen"))
    assert ids(r) == ["urn:ngsi-ld:Shop:khonkaen-1"]


def test_entity_delete_touches_one_tenant_only(two: TestClient) -> None:
    assert two.delete(f"{B}/entities/{SHARED_ID}", headers=tenant("phuket")).status_code == 204
    assert two.get(f"{B}/entities/{SHARED_ID}", headers=tenant("khonkaen")).status_code == 200
    r = two.delete(f"{B}/entities/{SHARED_ID}")
    assert_error(r, 404, "ResourceNotFound")


@pytest.mark.parametrize(
    "write",
    [
        ("POST", "/entities", {"id": "urn:ngsi-ld:Farm:1", "type": "Farm"}, 201),
        ("POST", "/entityOperations/create", [{"id": "urn:ngsi-ld:Farm:1", "type": "Farm"}], 201),
        ("POST", "/entityOperations/upsert", [{"id": "urn:ngsi-ld:Farm:1", "type": "Farm"}], 201),
    ],
    ids=["create", "batch-create", "batch-upsert"],
)
def test_a_tenant_is_created_by_its_first_write(client: TestClient, write: Any) -> None:
    method, path, body, status = write
    hdr = tenant("chiangmai")
    assert_error(client.get(f"{B}/types", headers=hdr), 404, "NonexistentTenant")
    assert client.request(method, B + path, json=body, headers=hdr).status_code == status
    assert client.get(f"{B}/types", headers=hdr).json()["typeList"] == ["Farm"]
    assert ids(client.get(f"{B}/entities", params={"type": "Farm"}, headers=hdr)) == [
        "urn:ngsi-ld:Farm:1"
    ]
    # and only that tenant: the default one saw nothing
    assert client.get(f"{B}/types").json()["typeList"] == []


def test_a_rejected_first_write_creates_no_tenant(client: TestClient) -> None:
    hdr = tenant("chonburi")
    r = client.post(f"{B}/entities", json={"id": "not a uri", "type": "Farm"}, headers=hdr)
    assert_error(r, 400, "BadRequestData")
    r = client.post(f"{B}/entityOperations/create", json=[{"id": "bad"}], headers=hdr)
    assert r.status_code in (207, 400)
    assert_error(client.get(f"{B}/types", headers=hdr), 404, "NonexistentTenant")


UNKNOWN_TENANT_READS = [
    ("GET", "/entities/urn:ngsi-ld:Shop:1", None),
    ("GET", "/entities?type=Shop", None),
    ("GET", "/entities?local=true", None),
    ("GET", "/types", None),
    ("GET", "/types?details=true", None),
    ("GET", "/types/Shop", None),
    ("GET", "/attributes", None),
    ("GET", "/attributes?details=true", None),
    ("GET", "/attributes/price", None),
    ("POST", "/entityOperations/query", {"type": "Query", "entities": [{"type": "Shop"}]}),
]


@pytest.mark.parametrize("method,path,body", UNKNOWN_TENANT_READS)
def test_reading_an_unknown_tenant_is_nonexistent_tenant(
    two: TestClient, method: str, path: str, body: Any
) -> None:
    r = two.request(method, B + path, json=body, headers=tenant("bangkok"))
    assert_error(r, 404, "NonexistentTenant")


@pytest.mark.parametrize(
    "name", ["two words", "x" * 129, "semi;colon", "quote'", "back\\slash", "a,b", "<tag>"]
)
@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/types", None),
        ("GET", "/entities?type=Shop", None),
        ("POST", "/entities", {"id": "urn:ngsi-ld:Shop:9", "type": "Shop"}),
        ("POST", "/entityOperations/upsert", [{"id": "urn:ngsi-ld:Shop:9", "type": "Shop"}]),
        ("POST", "/entityOperations/delete", ["urn:ngsi-ld:Shop:9"]),
        ("DELETE", "/entities/urn:ngsi-ld:Shop:9", None),
    ],
)
def test_an_invalid_tenant_name_is_bad_request(
    client: TestClient, name: str, method: str, path: str, body: Any
) -> None:
    r = client.request(method, B + path, json=body, headers=tenant(name))
    assert_error(r, 400, "BadRequestData")
    assert client.get(f"{B}/entities", params={"local": "true"}).json() == []
