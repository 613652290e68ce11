"""Context provision: create, replace, merge and delete entities, the /attrs operations
and the batch operations (clauses 5.6 and 6.4-6.7), as a client sees them."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import CORE

B = "/ngsi-ld/v1"
ERR = "https://uri.etsi.org/ngsi-ld/errors/"
DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"
NULL = "urn:ngsi-ld:null"
LD = {"Content-Type": "application/ld+json"}
EID = "urn:ngsi-ld:Building:1"


def building(**attrs: Any) -> dict[str, Any]:
    return {"id": EID, "type": "Building", **attrs}


def make(client: TestClient, entity: dict[str, Any]) -> None:
    assert client.post(f"{B}/entities", json=entity).status_code == 201


def get(client: TestClient, eid: str = EID) -> dict[str, Any]:
    r = client.get(f"{B}/entities/{eid}")
    assert r.status_code == 200
    return dict(r.json())


def problem(r: Any, status: int, kind: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["type"] == ERR + kind
    assert body["title"]


STREET = {
    "type": "LanguageProperty",
    "languageMap": {"fr": "Avenue Gustave Eiffel", "en": "Gustave Eiffel Avenue"},
}
STREET_NULL = {"type": "LanguageProperty", "languageMap": {"@none": NULL}}


# --- create -------------------------------------------------------------------------


def test_create_with_an_array_body_is_an_invalid_request(client: TestClient) -> None:
    r = client.post(f"{B}/entities", content=b"[]", headers=LD)
    problem(r, 400, "InvalidRequest")


def test_create_with_a_type_that_is_a_keyword_is_bad_request_data(client: TestClient) -> None:
    r = client.post(f"{B}/entities", json={"id": EID, "type": "type", "@context": CORE}, headers=LD)
    problem(r, 400, "BadRequestData")
    assert client.get(f"{B}/entities/{EID}").status_code == 404


def test_attribute_names_starting_with_at_are_invalid(client: TestClient) -> None:
    make(client, building(name={"type": "Property", "value": "Eiffel"}))
    r = client.put(f"{B}/entities/{EID}/attrs/@invalid", json={"type": "Property", "value": 1})
    problem(r, 400, "BadRequestData")


# --- a missing entity id ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/entities/"),
        ("PATCH", "/entities/"),
        ("DELETE", "/entities/"),
        ("POST", "/entities//attrs/"),
        ("PATCH", "/entities//attrs"),
        ("PATCH", "/entities//attrs/speed"),
        ("PUT", "/entities//attrs/speed"),
        ("DELETE", "/entities//attrs/speed"),
    ],
)
def test_an_empty_entity_id_is_bad_request_data(client: TestClient, method: str, path: str) -> None:
    body = None if method == "DELETE" else {"speed": {"type": "Property", "value": 1}}
    r = client.request(method, B + path, json=body)
    problem(r, 400, "BadRequestData")


def test_entities_with_a_trailing_slash_still_creates_and_queries(client: TestClient) -> None:
    assert client.post(f"{B}/entities/", json=building()).status_code == 201
    r = client.get(f"{B}/entities/", params={"type": "Building"})
    assert r.status_code == 200
    assert [e["id"] for e in r.json()] == [EID]


# --- NGSI-LD Null deletes -----------------------------------------------------------


def test_merge_deletes_a_language_property_given_as_ngsi_ld_null(client: TestClient) -> None:
    make(client, building(street=STREET, name={"type": "Property", "value": "x"}))
    r = client.patch(f"{B}/entities/{EID}", json={"street": STREET_NULL})
    assert r.status_code == 204
    assert "street" not in get(client)
    assert "name" in get(client)


def test_merge_deletes_only_the_instance_with_the_given_dataset_id(client: TestClient) -> None:
    other = {**STREET, "datasetId": "urn:ngsi-ld:Dataset:02"}
    make(client, building(street=[{**STREET, "datasetId": "urn:ngsi-ld:Dataset:01"}, other]))
    patch = {"street": {**STREET_NULL, "datasetId": "urn:ngsi-ld:Dataset:01"}}
    assert client.patch(f"{B}/entities/{EID}", json=patch).status_code == 204
    assert get(client)["street"] == other


@pytest.mark.parametrize(
    ("name", "attr", "null"),
    [
        ("name", {"type": "Property", "value": "x"}, {"type": "Property", "value": NULL}),
        (
            "locatedAt",
            {"type": "Relationship", "object": "urn:ngsi-ld:City:Paris"},
            {"type": "Relationship", "object": NULL},
        ),
        ("street", STREET, STREET_NULL),
    ],
)
def test_update_attributes_deletes_attributes_given_as_ngsi_ld_null(
    client: TestClient, name: str, attr: dict[str, Any], null: dict[str, Any]
) -> None:
    make(client, building(**{name: attr, "other": {"type": "Property", "value": 1}}))
    r = client.patch(f"{B}/entities/{EID}/attrs", json={name: null})
    assert r.status_code == 204
    entity = get(client)
    assert name not in entity
    assert entity["other"]["value"] == 1


def test_partial_update_deletes_the_default_instance_given_as_null(client: TestClient) -> None:
    keep = {**STREET, "datasetId": "urn:ngsi-ld:Dataset:01"}
    make(client, building(street=[keep, STREET]))
    r = client.patch(f"{B}/entities/{EID}/attrs/street", json=STREET_NULL)
    assert r.status_code == 204
    assert get(client)["street"] == keep


def test_json_null_is_not_an_ngsi_ld_null(client: TestClient) -> None:
    make(client, building(name={"type": "Property", "value": "x"}))
    r = client.patch(f"{B}/entities/{EID}", json={"name": {"type": "Property", "value": None}})
    problem(r, 400, "BadRequestData")
    assert get(client)["name"]["value"] == "x"


# --- update entity attributes (PATCH /attrs) ---------------------------------------


def test_update_attributes_replaces_existing_and_appends_new(client: TestClient) -> None:
    make(client, building(speed={"type": "Property", "value": 1, "unitCode": "KMH"}))
    patch = {
        "speed": {"type": "Property", "value": 2},
        "isParked": {"type": "Relationship", "object": "urn:ngsi-ld:Parking:1"},
    }
    assert client.patch(f"{B}/entities/{EID}/attrs", json=patch).status_code == 204
    entity = get(client)
    assert entity["speed"] == {"type": "Property", "value": 2}
    assert entity["isParked"]["object"] == "urn:ngsi-ld:Parking:1"


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("Vehicle", ["Building", "Vehicle"]),
        (["Vehicle", "Car"], ["Building", "Vehicle", "Car"]),
        ("Building", "Building"),
        (["Vehicle", "Building"], ["Building", "Vehicle"]),
    ],
)
def test_update_attributes_adds_types(client: TestClient, types: Any, expected: Any) -> None:
    make(client, building())
    r = client.patch(f"{B}/entities/{EID}/attrs", json={"type": types})
    assert r.status_code == 204
    assert get(client)["type"] == expected


def test_update_attributes_replaces_an_existing_scope(client: TestClient) -> None:
    make(client, building(scope="/Madrid/Gardens"))
    r = client.patch(f"{B}/entities/{EID}/attrs", json={"scope": "/CompanyA/UnitC"})
    assert r.status_code == 204
    assert get(client)["scope"] == "/CompanyA/UnitC"


def test_update_attributes_does_not_add_a_scope(client: TestClient) -> None:
    make(client, building())
    r = client.patch(f"{B}/entities/{EID}/attrs", json={"scope": "/CompanyA/UnitC"})
    assert r.status_code == 207
    assert r.json()["notUpdated"][0]["attributeName"] == "https://uri.etsi.org/ngsi-ld/scope"
    assert "scope" not in get(client)


def test_update_attributes_rejects_another_entity_id(client: TestClient) -> None:
    make(client, building())
    r = client.patch(f"{B}/entities/{EID}/attrs", json={"id": "urn:ngsi-ld:Building:2"})
    problem(r, 400, "BadRequestData")


# --- append entity attributes (POST /attrs) ----------------------------------------


def test_append_replaces_the_scope(client: TestClient) -> None:
    make(client, building(scope="/Madrid/Gardens"))
    r = client.post(f"{B}/entities/{EID}/attrs", json={"scope": "/CompanyA/UnitC"})
    assert r.status_code == 204
    assert get(client)["scope"] == "/CompanyA/UnitC"


def test_append_without_overwrite_adds_to_the_scope(client: TestClient) -> None:
    make(client, building(scope="/Madrid/Gardens"))
    r = client.post(
        f"{B}/entities/{EID}/attrs",
        params={"options": "noOverwrite"},
        json={"scope": "/CompanyA/UnitC"},
    )
    assert r.status_code == 204
    assert get(client)["scope"] == ["/Madrid/Gardens", "/CompanyA/UnitC"]


def test_append_without_overwrite_reports_expanded_names(client: TestClient) -> None:
    make(client, building(speed={"type": "Property", "value": 1}))
    r = client.post(
        f"{B}/entities/{EID}/attrs",
        params={"options": "noOverwrite"},
        json={"speed": {"type": "Property", "value": 2}, "added": {"type": "Property", "value": 3}},
    )
    assert r.status_code == 207
    body = r.json()
    assert body["updated"] == [DEFAULT + "added"]
    assert [n["attributeName"] for n in body["notUpdated"]] == [DEFAULT + "speed"]
    assert all(n["reason"] for n in body["notUpdated"])
    assert get(client)["speed"]["value"] == 1


# --- partial attribute update (PATCH /attrs/{attrId}) ------------------------------

PARKED = {
    "type": "Relationship",
    "object": "urn:ngsi-ld:Parking:1",
    "observedAt": "2017-07-29T12:00:04Z",
    "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Bob"},
}


def test_partial_update_merges_a_fragment_without_type(client: TestClient) -> None:
    make(client, building(isParked=PARKED))
    fragment = {"providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Ann"}}
    r = client.patch(f"{B}/entities/{EID}/attrs/isParked", json=fragment)
    assert r.status_code == 204
    assert get(client)["isParked"] == {**PARKED, **fragment}


def test_partial_update_cannot_change_the_attribute_type(client: TestClient) -> None:
    make(client, building(speed={"type": "Property", "value": 1}))
    fragment = {"type": "Relationship", "object": "urn:ngsi-ld:Entity:01"}
    r = client.patch(f"{B}/entities/{EID}/attrs/speed", json=fragment)
    problem(r, 400, "BadRequestData")
    assert get(client)["speed"]["value"] == 1


def test_partial_update_with_an_empty_fragment_is_bad_request_data(client: TestClient) -> None:
    make(client, building(speed={"type": "Property", "value": 1}))
    problem(client.patch(f"{B}/entities/{EID}/attrs/speed", json={}), 400, "BadRequestData")


@pytest.mark.parametrize(
    ("eid", "attr"),
    [("urn:ngsi-ld:Building:unknown", "isParked"), (EID, "isParked2")],
)
def test_partial_update_of_unknown_entity_or_attribute_is_not_found(
    client: TestClient, eid: str, attr: str
) -> None:
    make(client, building(isParked=PARKED))
    fragment = {"providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Ann"}}
    r = client.patch(f"{B}/entities/{eid}/attrs/{attr}", json=fragment)
    problem(r, 404, "ResourceNotFound")


# --- delete ---------------------------------------------------------------------


def test_delete_the_scope(client: TestClient) -> None:
    make(client, building(scope="/Madrid"))
    assert client.delete(f"{B}/entities/{EID}/attrs/scope").status_code == 204
    assert "scope" not in get(client)
    problem(client.delete(f"{B}/entities/{EID}/attrs/scope"), 404, "ResourceNotFound")


# --- batch operations -------------------------------------------------------------


def test_batch_items_with_the_wrong_context_form_fail_alone(client: TestClient) -> None:
    good = {"id": "urn:ngsi-ld:Building:2", "type": "Building"}
    r = client.post(f"{B}/entityOperations/create", json=[building(**{"@context": CORE}), good])
    assert r.status_code == 207
    body = r.json()
    assert body["success"] == ["urn:ngsi-ld:Building:2"]
    assert body["errors"][0]["entityId"] == EID
    assert body["errors"][0]["error"]["type"] == ERR + "BadRequestData"
    r = client.post(f"{B}/entityOperations/create", json=[building()], headers=LD)
    assert r.status_code == 207
    assert r.json()["errors"][0]["error"]["type"] == ERR + "BadRequestData"


def test_batch_delete_needs_no_context_in_json_ld(client: TestClient) -> None:
    make(client, building())
    r = client.post(f"{B}/entityOperations/delete", json=[EID, EID], headers=LD)
    assert r.status_code == 207
    body = r.json()
    assert body["success"] == [EID]
    assert body["errors"][0]["error"]["type"] == ERR + "ResourceNotFound"


def test_batch_merge_with_json_null_fails_that_entity(client: TestClient) -> None:
    make(client, building(name={"type": "Property", "value": "x"}))
    item = building(name={"type": "Property", "value": None})
    r = client.post(f"{B}/entityOperations/merge", json=[item])
    assert r.status_code == 207
    assert r.json()["errors"][0]["error"]["type"] == ERR + "BadRequestData"


def test_batch_update_without_overwrite_reports_kept_attributes(client: TestClient) -> None:
    make(client, building(name={"type": "Property", "value": "x"}))
    item = building(name={"type": "Property", "value": "y"}, new={"type": "Property", "value": 1})
    r = client.post(f"{B}/entityOperations/update", params={"options": "noOverwrite"}, json=[item])
    assert r.status_code == 207
    assert r.json()["errors"][0]["entityId"] == EID
    entity = get(client)
    assert entity["name"]["value"] == "x"
    assert entity["new"]["value"] == 1


def test_batch_update_adds_types(client: TestClient) -> None:
    make(client, building())
    r = client.post(f"{B}/entityOperations/update", json=[{"id": EID, "type": "Vehicle"}])
    assert r.status_code == 204
    assert get(client)["type"] == ["Building", "Vehicle"]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_an_attribute_type_that_is_not_a_string_is_bad_request_data(
    client: TestClient, method: str
) -> None:
    make(client, building(speed={"type": "Property", "value": 1}))
    body = {"speed": {"type": ["Property"], "value": 2}}
    problem(client.request(method, f"{B}/entities/{EID}/attrs", json=body), 400, "BadRequestData")
    assert get(client)["speed"]["value"] == 1


def test_control_characters_are_refused_in_names_and_kept_in_values(client: TestClient) -> None:
    """U+0000 is valid JSON but no valid URI or name; PostgreSQL cannot store it in text
    columns, so ids, types and attribute names refuse it on every backend (400), while
    values keep it (the stored document holds it, the value index leaves it out)."""
    bad = [
        {"id": "urn:ngsi-ld:T:\u0000", "type": "T"},
        {"id": "urn:ngsi-ld:T:1", "type": "T\u0000x"},
        {"id": "urn:ngsi-ld:T:1", "type": "T", "a\u0001b": {"type": "Property", "value": 1}},
        {
            "id": "urn:ngsi-ld:T:1",
            "type": "T",
            "r": {"type": "Relationship", "object": "urn:x:\u0000"},
        },
    ]
    for body in bad:
        problem(client.post(f"{B}/entities", json=body), 400, "BadRequestData")
    value = "ผ้าไหม\u0000silk"
    body = {"id": "urn:ngsi-ld:T:1", "type": "T", "name": {"type": "Property", "value": value}}
    assert client.post(f"{B}/entities", json=body).status_code == 201
    assert client.get(f"{B}/entities/urn:ngsi-ld:T:1").json()["name"]["value"] == value
    for q in (f'name=="{value}"', 'name=="ผ้าไหม"', "name~=silk"):
        r = client.get(f"{B}/entities", params={"type": "T", "q": q})
        assert r.status_code == 200, r.text
        assert [e["id"] for e in r.json()] == (["urn:ngsi-ld:T:1"] if "silk" in q else []), q
    r = client.get(f"{B}/entities", params={"type": "T", "idPattern": "T:\u0000"})
    assert r.status_code == 200 and r.json() == []
