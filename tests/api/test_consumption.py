"""Context consumption: retrieve and query entities (clauses 5.7.1, 5.7.2, 6.4, 6.5) as a
client sees them: filters, representations, pick/omit, languages, datasetIds, scopes,
ordering, counting and linked entity retrieval (join)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
ERR = "https://uri.etsi.org/ngsi-ld/errors/"
LD = "application/ld+json"


def make(client: TestClient, *entities: dict[str, Any]) -> None:
    for entity in entities:
        r = client.post(f"{B}/entities", json=entity)
        assert r.status_code == 201, r.text


def problem(r: Any, status: int, kind: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["type"] == ERR + kind
    assert r.json()["title"]


def query(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get(f"{B}/entities", params=params)
    assert r.status_code == 200, r.text
    return list(r.json())


def ids(entities: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entities]


def building(n: int, **attrs: Any) -> dict[str, Any]:
    return {"id": f"urn:ngsi-ld:Building:{n}", "type": "Building", **attrs}


# --- minimal parameters and attrs ------------------------------------------------------


def test_query_needs_type_attrs_q_or_geo(client: TestClient) -> None:
    make(client, building(1))
    problem(
        client.get(f"{B}/entities", params={"id": "urn:ngsi-ld:Building:1"}), 400, "BadRequestData"
    )
    assert ids(query(client, id="urn:ngsi-ld:Building:1", local="true")) == [
        "urn:ngsi-ld:Building:1"
    ]
    assert ids(query(client, id="urn:ngsi-ld:Building:1", type="Building")) == [
        "urn:ngsi-ld:Building:1"
    ]


@pytest.mark.parametrize("attrs", ["id,type", "type", "na;me"])
def test_attrs_naming_entity_members_is_bad_request(client: TestClient, attrs: str) -> None:
    problem(client.get(f"{B}/entities", params={"attrs": attrs}), 400, "BadRequestData")


# --- representations -------------------------------------------------------------------


def test_format_wins_over_options(client: TestClient) -> None:
    make(client, building(1, name={"type": "Property", "value": "Eiffel"}))
    r = client.get(
        f"{B}/entities/urn:ngsi-ld:Building:1",
        params={"format": "keyValues", "options": "normalized"},
    )
    assert r.json()["name"] == "Eiffel"
    r = client.get(
        f"{B}/entities/urn:ngsi-ld:Building:1",
        params={"format": "simplified", "options": "sysAttrs"},
    )
    assert r.json()["name"] == "Eiffel"


@pytest.mark.parametrize(
    "params",
    [{"format": "invalidFormat"}, {"options": "invalidOptions"}, {"options": "keyValues,invalid"}],
)
def test_unknown_format_or_option_is_invalid_request(
    client: TestClient, params: dict[str, str]
) -> None:
    make(client, building(1))
    r = client.get(f"{B}/entities/urn:ngsi-ld:Building:1", params=params)
    problem(r, 400, "InvalidRequest")
    problem(
        client.get(f"{B}/entities", params={"type": "Building", **params}), 400, "InvalidRequest"
    )


# --- languages -------------------------------------------------------------------------

STREET = {"type": "LanguageProperty", "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}}


@pytest.mark.parametrize(
    ("lang", "text", "tag"),
    [
        ("nl", "Grote Markt", "nl"),
        ("*", "Grand Place", "fr"),
        ("de,nl;q=0.5,fr;q=0.9", "Grand Place", "fr"),
        ("fr-CH,nl;q=0.9", "Grote Markt", "nl"),
    ],
)
def test_lang_picks_one_language(client: TestClient, lang: str, text: str, tag: str) -> None:
    make(client, building(1, street=STREET))
    r = client.get(f"{B}/entities/urn:ngsi-ld:Building:1", params={"lang": lang})
    assert r.json()["street"] == {"type": "Property", "value": text, "lang": tag}
    r = client.get(
        f"{B}/entities/urn:ngsi-ld:Building:1", params={"lang": lang, "options": "keyValues"}
    )
    assert r.json()["street"] == text


def test_invalid_lang_is_bad_request(client: TestClient) -> None:
    make(client, building(1, street=STREET))
    r = client.get(f"{B}/entities/urn:ngsi-ld:Building:1", params={"lang": "fr;x=1"})
    problem(r, 400, "BadRequestData")


# --- pick and omit ---------------------------------------------------------------------


def test_pick_and_omit_on_queries(client: TestClient) -> None:
    make(
        client,
        building(
            1,
            name={"type": "Property", "value": "Eiffel"},
            height={"type": "Property", "value": 300},
        ),
        {
            "id": "urn:ngsi-ld:Vehicle:2",
            "type": "Vehicle",
            "speed": {"type": "Property", "value": 5},
        },
    )
    got = query(client, type="Building,Vehicle", pick="name")
    assert got == [{"name": {"type": "Property", "value": "Eiffel"}}]  # the vehicle has no name
    got = query(client, type="Building,Vehicle", pick="id")
    assert got == [{"id": "urn:ngsi-ld:Building:1"}, {"id": "urn:ngsi-ld:Vehicle:2"}]
    got = query(client, type="Building", omit="type,name")
    assert got == [{"id": "urn:ngsi-ld:Building:1", "height": {"type": "Property", "value": 300}}]


@pytest.mark.parametrize(
    "params",
    [
        {"pick": "name", "omit": "name"},
        {"pick": "name", "attrs": "height"},
        {"omit": "name", "attrs": "height"},
        {"pick": "id;name"},
        {"pick": "id,locatedAt{name"},
        {"pick": "id,locatedAt{{name}"},
        {"pick": "id,,name"},
        {"pick": "id,locatedAt{,name}"},
        {"pick": "id,locatedAt{}"},
    ],
)
def test_bad_pick_or_omit_is_bad_request(client: TestClient, params: dict[str, str]) -> None:
    make(client, building(1))
    problem(
        client.get(f"{B}/entities", params={"type": "Building", **params}), 400, "BadRequestData"
    )
    r = client.get(f"{B}/entities/urn:ngsi-ld:Building:1", params=params)
    problem(r, 400, "BadRequestData")


@pytest.mark.parametrize("params", [{"pick": "unknown"}, {"omit": "id,type,name"}])
def test_retrieve_with_nothing_left_is_not_found(
    client: TestClient, params: dict[str, str]
) -> None:
    make(client, building(1, name={"type": "Property", "value": "Eiffel"}))
    r = client.get(f"{B}/entities/urn:ngsi-ld:Building:1", params=params)
    problem(r, 404, "ResourceNotFound")


# --- datasetId -------------------------------------------------------------------------

NAMES = [
    {"type": "Property", "value": "Eiffel Tower"},
    {"type": "Property", "value": "Tour Eiffel", "datasetId": "urn:ngsi-ld:Dataset:fr"},
    {"type": "Property", "value": "Eiffelturm", "datasetId": "urn:ngsi-ld:Dataset:de"},
]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"datasetId": "urn:ngsi-ld:Dataset:fr"}, ["Tour Eiffel"]),
        ({"datasetId": "@none"}, ["Eiffel Tower"]),
        (
            {"datasetId": "urn:ngsi-ld:Dataset:fr,urn:ngsi-ld:Dataset:de"},
            ["Tour Eiffel", "Eiffelturm"],
        ),
        ({"datasetId": "urn:ngsi-ld:Dataset:es", "attrs": "name"}, []),
    ],
)
def test_datasetid_selects_instances(
    client: TestClient, params: dict[str, str], names: list[str]
) -> None:
    make(client, building(1, name=NAMES))
    got = query(client, type="Building", **params)[0]
    value = got.get("name", [])
    value = value if isinstance(value, list) else [value]
    assert [v["value"] for v in value] == names
    assert got["id"] == "urn:ngsi-ld:Building:1"  # the entity stays, even with no instance


# --- scopeQ ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope_q", "expected"),
    [
        ("/Madrid/Gardens/ParqueNorte", [1, 2]),
        ("/Madrid/+/ParqueNorte", [1, 2]),
        ("/Madrid/#", [1, 2]),
        ("/CompanyA/#", [2]),
        ("/#", [1, 2]),
        ("/Madrid", []),
        ("/Madrid/Gardens/ParqueNorte;/CompanyA/OrganizationB/UnitC", [2]),
        ("/Madrid/Gardens/ParqueNorte,/CompanyA/OrganizationB/UnitC", [1, 2]),
    ],
)
def test_scope_queries(client: TestClient, scope_q: str, expected: list[int]) -> None:
    make(
        client,
        building(1, scope="/Madrid/Gardens/ParqueNorte"),
        building(2, scope=["/Madrid/Gardens/ParqueNorte", "/CompanyA/OrganizationB/UnitC"]),
        building(3),
    )
    got = query(client, type="Building", scopeQ=scope_q)
    assert ids(got) == [f"urn:ngsi-ld:Building:{n}" for n in expected]


def test_bad_scope_query_is_bad_request(client: TestClient) -> None:
    problem(
        client.get(f"{B}/entities", params={"type": "B", "scopeQ": "Madrid"}), 400, "BadRequestData"
    )


# --- q: the index only narrows, the evaluator decides --------------------------------


def test_q_on_values_the_index_does_not_hold(client: TestClient) -> None:
    make(
        client,
        building(1, street=STREET, height={"type": "Property", "value": {"@value": 7}}),
        building(2, street={"type": "LanguageProperty", "languageMap": {"fr": "Rue"}}),
    )
    assert ids(query(client, type="Building", q='street=="Grote Markt"')) == [
        "urn:ngsi-ld:Building:1"
    ]
    assert ids(query(client, type="Building", q="height>5")) == ["urn:ngsi-ld:Building:1"]
    r = client.get(
        f"{B}/entities", params={"type": "Building", "q": 'street=="Rue"', "count": "true"}
    )
    assert r.headers["NGSILD-Results-Count"] == "1"


def test_q_value_lists_and_ranges(client: TestClient) -> None:
    make(client, *(building(n, height={"type": "Property", "value": n * 10}) for n in (1, 2, 3)))
    make(client, building(4, height={"type": "ListProperty", "valueList": [15, 25]}))
    got = ids(query(client, type="Building", q="height==10,30"))
    assert got == ["urn:ngsi-ld:Building:1", "urn:ngsi-ld:Building:3"]
    got = ids(query(client, type="Building", q="height==12..28"))
    assert got == ["urn:ngsi-ld:Building:2", "urn:ngsi-ld:Building:4"]
    r = client.get(f"{B}/entities", params={"type": "Building", "q": "height>12", "count": "true"})
    assert r.headers["NGSILD-Results-Count"] == "3"
    assert len(r.json()) == 3


# --- orderBy ---------------------------------------------------------------------------


def named(n: int, name: str, sub: int) -> dict[str, Any]:
    return building(
        n, name={"type": "Property", "value": name, "rank": {"type": "Property", "value": sub}}
    )


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("name", [1, 2, 3]),
        ("id", [1, 2, 3]),
        ("createdAt", [2, 1, 3]),
        ("name.createdAt", [2, 1, 3]),
        ("name.rank", [3, 1, 2]),
        ("name;desc", [3, 2, 1]),
        ("type,name;desc", [3, 2, 1]),
        ("type;asc,name.rank;desc,name;asc", [2, 1, 3]),
    ],
)
def test_order_by(client: TestClient, order_by: str, expected: list[int]) -> None:
    make(client, named(2, "B", 3), named(1, "A", 2), named(3, "C", 1))
    got = query(client, type="Building", orderBy=order_by)
    assert ids(got) == [f"urn:ngsi-ld:Building:{n}" for n in expected]
    got = query(client, type="Building", orderBy=order_by, q="name.rank>0", limit=2, offset=1)
    assert ids(got) == [f"urn:ngsi-ld:Building:{n}" for n in expected[1:]]


def test_order_by_puts_entities_without_the_member_last(client: TestClient) -> None:
    make(client, building(1), named(2, "B", 1), named(3, "A", 1))
    for direction in ("asc", "desc"):
        got = ids(query(client, type="Building", orderBy=f"name;{direction}"))
        assert got[-1] == "urn:ngsi-ld:Building:1"


def test_bad_order_by_is_bad_request(client: TestClient) -> None:
    problem(
        client.get(f"{B}/entities", params={"type": "B", "orderBy": "name;up"}),
        400,
        "BadRequestData",
    )


# --- linked entity retrieval -----------------------------------------------------------

CITY = "urn:ngsi-ld:City:Paris"
COUNTRY = "urn:ngsi-ld:Country:France"


@pytest.fixture
def linked(client: TestClient) -> TestClient:
    make(
        client,
        building(1, locatedAt={"type": "Relationship", "object": CITY}),
        {
            "id": CITY,
            "type": "City",
            "name": {"type": "Property", "value": "Paris"},
            "isInCountry": {"type": "Relationship", "object": COUNTRY},
        },
        {"id": COUNTRY, "type": "Country", "name": {"type": "Property", "value": "France"}},
    )
    return client


def retrieve(client: TestClient, **params: Any) -> Any:
    r = client.get(f"{B}/entities/urn:ngsi-ld:Building:1", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_join_inline(linked: TestClient) -> None:
    got = retrieve(linked, join="inline", pick="locatedAt")
    city = got["locatedAt"]["entity"]
    assert city["id"] == CITY and city["name"]["value"] == "Paris"
    assert "entity" not in city["isInCountry"]  # joinLevel 1
    got = retrieve(linked, join="inline", joinLevel="2", options="keyValues")
    assert got["locatedAt"]["isInCountry"] == {"id": COUNTRY, "type": "Country", "name": "France"}
    got = retrieve(linked, join="inline", options="sysAttrs")
    assert "createdAt" in got["locatedAt"]["entity"]
    assert query(linked, type="Building", join="inline")[0]["locatedAt"]["entity"]["id"] == CITY


def test_join_flat(linked: TestClient) -> None:
    got = retrieve(linked, join="flat", joinLevel="2", options="keyValues")
    assert [e["id"] for e in got] == ["urn:ngsi-ld:Building:1", CITY, COUNTRY]
    assert got[0]["locatedAt"] == CITY
    got = query(linked, type="Building,City", join="flat", joinLevel="2")
    assert ids(got) == ["urn:ngsi-ld:Building:1", CITY, COUNTRY]  # each entity once


def test_join_to_a_missing_entity_leaves_the_relationship(client: TestClient) -> None:
    make(client, building(1, locatedAt={"type": "Relationship", "object": CITY}))
    for join in ("inline", "flat"):
        got = retrieve(client, join=join)
        assert got["locatedAt"] == {"type": "Relationship", "object": CITY}


def test_join_with_nested_pick_and_omit(linked: TestClient) -> None:
    got = retrieve(linked, join="inline", joinLevel="2", pick="id,locatedAt{name,isInCountry{id}}")
    assert got == {
        "id": "urn:ngsi-ld:Building:1",
        "locatedAt": {
            "type": "Relationship",
            "object": CITY,
            "entity": {
                "name": {"type": "Property", "value": "Paris"},
                "isInCountry": {
                    "type": "Relationship",
                    "object": COUNTRY,
                    "entity": {"id": COUNTRY},
                },
            },
        },
    }
    got = retrieve(linked, join="flat", joinLevel="2", pick="id,locatedAt{id,name}")
    assert got[1] == {"id": CITY, "name": {"type": "Property", "value": "Paris"}}
    assert len(got) == 2  # isInCountry is not picked, so it is not followed
    got = retrieve(linked, join="flat", joinLevel="2", omit="type,locatedAt{name}")
    assert "type" not in got[0] and "name" not in got[1] and got[2]["name"]["value"] == "France"


def test_join_parameters_are_checked(linked: TestClient) -> None:
    r = linked.get(f"{B}/entities/urn:ngsi-ld:Building:1", params={"join": "deep"})
    problem(r, 400, "BadRequestData")
    r = linked.get(
        f"{B}/entities/urn:ngsi-ld:Building:1", params={"join": "flat", "joinLevel": "0"}
    )
    problem(r, 400, "BadRequestData")


def test_post_query_with_join(linked: TestClient) -> None:
    body = {"type": "Query", "entities": [{"type": "Building"}], "join": "inline"}
    r = linked.post(f"{B}/entityOperations/query", json=body, params={"options": "keyValues"})
    assert r.status_code == 200, r.text
    assert r.json()[0]["locatedAt"]["id"] == CITY


def test_json_ld_flat_join_gives_every_entity_a_context(linked: TestClient) -> None:
    r = linked.get(
        f"{B}/entities/urn:ngsi-ld:Building:1", params={"join": "flat"}, headers={"Accept": LD}
    )
    assert all("@context" in e for e in r.json())


def test_join_stops_at_cycles_and_caps_the_level(client: TestClient) -> None:
    a, b = "urn:ngsi-ld:Building:1", "urn:ngsi-ld:Building:2"
    make(
        client,
        building(1, near={"type": "Relationship", "object": b}),
        building(2, near={"type": "Relationship", "object": a}),
    )
    got = retrieve(client, join="inline", joinLevel="5", options="keyValues")
    assert got["near"] == {"id": b, "type": "Building", "near": a}
    got = query(client, type="Building", join="flat", joinLevel="5")
    assert ids(got) == [a, b]
    r = client.get(f"{B}/entities/{a}", params={"join": "inline", "joinLevel": "1000"})
    problem(r, 400, "BadRequestData")


def test_many_types_and_deep_type_expressions(client: TestClient) -> None:
    make(client, building(1))
    many = ",".join(f"T{n}" for n in range(300)) + ",Building"
    assert ids(query(client, type=many)) == ["urn:ngsi-ld:Building:1"]
    deep = "(" * 40 + "Building" + ")" * 40
    problem(client.get(f"{B}/entities", params={"type": deep}), 400, "BadRequestData")
    assert ids(query(client, type="(" * 30 + "Building" + ")" * 30)) == ["urn:ngsi-ld:Building:1"]


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("(Building;Parking),Tourism", [3]),
        ("Tourism,(Building;Parking)", [3]),
        ("(Building;Tourism),(Parking;Shop)", [3]),
        ("Building;Tourism", [3]),
        ("Parking|Tourism", [2, 3]),
        ("Building,Parking", [1, 2, 3]),
    ],
)
def test_type_expressions(client: TestClient, types: str, expected: list[int]) -> None:
    make(
        client,
        {"id": "urn:ngsi-ld:X:1", "type": "Building"},
        {"id": "urn:ngsi-ld:X:2", "type": "Parking"},
        {"id": "urn:ngsi-ld:X:3", "type": ["Building", "Tourism"]},
        {"id": "urn:ngsi-ld:X:4", "type": "Shop"},
    )
    assert ids(query(client, type=types)) == [f"urn:ngsi-ld:X:{n}" for n in expected]
    got = query(client, type=types, q="nothing", local="true")
    assert got == []
    got = query(client, type=types, id=",".join(f"urn:ngsi-ld:X:{n}" for n in range(1, 5)))
    assert ids(got) == [f"urn:ngsi-ld:X:{n}" for n in expected]
