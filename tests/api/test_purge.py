"""DELETE /entities (Purge Entities, clause 5.6.21) on both backends: what a query
selects is deleted, or only the attributes drop names, or all but those keep names;
everything else stays exactly as it was, and bad requests change nothing."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from servers import all_entities

B = "/ngsi-ld/v1"


def _shop(n: int, district: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"urn:ngsi-ld:Shop:{n}",
        "type": "Shop",
        "name": {"type": "Property", "value": f"shop {n}"},
        "district": {"type": "Property", "value": district},
        "rating": {"type": "Property", "value": n % 5},
        **extra,
    }


def _store(client: TestClient, entities: list[dict[str, Any]], **headers: str) -> None:
    for start in range(0, len(entities), 1000):
        r = client.post(
            f"{B}/entityOperations/upsert", json=entities[start : start + 1000], headers=headers
        )
        assert r.status_code in (201, 204), r.text


def _all(client: TestClient, type_: str = "Shop", **headers: str) -> dict[str, dict[str, Any]]:
    return all_entities(client, type_, **headers)


def _city(client: TestClient) -> dict[str, dict[str, Any]]:
    _store(client, [_shop(n, ("Muang", "Ban Phai")[n % 2]) for n in range(10)])
    farm = {"id": "urn:ngsi-ld:AgriFarm:1", "type": "AgriFarm", "name": {"type": "Property", "value": "f"}}  # fmt: skip
    _store(client, [farm])
    return {**_all(client), **_all(client, "AgriFarm")}


def test_bad_purges_are_400_and_change_nothing(client: TestClient) -> None:
    before = _city(client)
    for params in (
        {},
        {"type": "Shop", "keep": "name", "drop": "rating"},
        {"type": "Shop", "drop": ""},
    ):
        r = client.delete(f"{B}/entities", params=params)
        assert r.status_code == 400, (params, r.text)
        assert r.json()["type"].endswith("BadRequestData")
    assert {**_all(client), **_all(client, "AgriFarm")} == before


def test_a_type_purge_deletes_that_type_only(client: TestClient) -> None:
    before = _city(client)
    r = client.delete(f"{B}/entities", params={"type": "Shop"})
    assert r.status_code == 204 and not r.content
    assert _all(client) == {}
    assert _all(client, "AgriFarm") == {k: v for k, v in before.items() if "AgriFarm" in k}


def test_q_and_id_select_what_is_deleted(client: TestClient) -> None:
    before = _city(client)
    assert client.delete(f"{B}/entities", params={"q": 'district=="Muang"'}).status_code == 204
    left = _all(client)
    assert set(left) == {f"urn:ngsi-ld:Shop:{n}" for n in range(1, 10, 2)}
    assert all(left[k] == before[k] for k in left)
    r = client.delete(f"{B}/entities", params={"type": "Shop", "id": "urn:ngsi-ld:Shop:3"})
    assert r.status_code == 204
    assert set(_all(client)) == {f"urn:ngsi-ld:Shop:{n}" for n in (1, 5, 7, 9)}


def test_local_true_purges_every_entity_of_the_tenant_only(client: TestClient) -> None:
    _city(client)
    _store(client, [_shop(1, "Muang")], **{"NGSILD-Tenant": "other"})
    assert client.delete(f"{B}/entities", params={"local": "true"}).status_code == 204
    assert _all(client) == {} and _all(client, "AgriFarm") == {}
    assert set(_all(client, **{"NGSILD-Tenant": "other"})) == {"urn:ngsi-ld:Shop:1"}
    r = client.delete(f"{B}/entities", params={"local": "true"}, headers={"NGSILD-Tenant": "none"})
    assert r.status_code == 404 and r.json()["type"].endswith("NonexistentTenant")


def test_drop_deletes_those_attributes_and_keeps_the_entities(client: TestClient) -> None:
    before = _city(client)
    r = client.delete(f"{B}/entities", params={"type": "Shop", "drop": "name,rating"})
    assert r.status_code == 204
    after = _all(client)
    assert set(after) == {k for k in before if "Shop" in k}
    for eid, entity in after.items():
        assert entity == {k: v for k, v in before[eid].items() if k not in ("name", "rating")}
    assert _all(client, "AgriFarm")["urn:ngsi-ld:AgriFarm:1"]["name"]["value"] == "f"


def test_keep_deletes_every_other_attribute(client: TestClient) -> None:
    before = _city(client)
    r = client.delete(f"{B}/entities", params={"id": "urn:ngsi-ld:Shop:4", "keep": "district"})
    assert r.status_code == 204
    after = _all(client)
    assert after["urn:ngsi-ld:Shop:4"] == {
        "id": "urn:ngsi-ld:Shop:4", "type": "Shop", "district": before["urn:ngsi-ld:Shop:4"]["district"]
    }  # fmt: skip
    assert all(after[k] == before[k] for k in after if k != "urn:ngsi-ld:Shop:4")


def test_dropping_the_attribute_q_selects_on_reaches_every_page(client: TestClient) -> None:
    """2,500 matches: the purge pages through the matches before changing any, so that
    entities leaving the query's result do not shift the pages."""
    _store(client, [_shop(n, "Muang") for n in range(2500)])
    r = client.delete(f"{B}/entities", params={"q": 'district=="Muang"', "drop": "district"})
    assert r.status_code == 204
    after = _all(client)
    assert len(after) == 2500
    assert not [e for e in after.values() if "district" in e]


def test_a_drop_is_recorded_in_history(client: TestClient) -> None:
    _city(client)
    assert client.delete(f"{B}/entities", params={"id": "urn:ngsi-ld:Shop:2", "drop": "rating"}).status_code == 204  # fmt: skip
    r = client.get(
        f"{B}/temporal/entities/urn:ngsi-ld:Shop:2",
        params={"attrs": "rating", "timeproperty": "deletedAt"},
    )
    assert r.status_code == 200, r.text
    instances = r.json()["rating"]
    assert [i["value"] for i in instances if "deletedAt" in i] == ["urn:ngsi-ld:null"]


def test_clients_ending_the_path_with_a_slash_purge_too(client: TestClient) -> None:
    before = _city(client)
    r = client.delete(f"{B}/entities/")
    assert r.status_code == 400 and r.json()["type"].endswith("BadRequestData")
    assert {**_all(client), **_all(client, "AgriFarm")} == before
    assert client.delete(f"{B}/entities/", params={"type": "AgriFarm"}).status_code == 204
    assert _all(client, "AgriFarm") == {} and len(_all(client)) == 10
