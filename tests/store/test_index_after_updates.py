"""Queries see exactly the current state after every kind of change: the index rows of
changed attributes, types and geometries are rewritten, the others kept."""

from __future__ import annotations

from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
EID = "urn:ngsi-ld:WeatherObserved:KKN-1"
KHON_KAEN = [102.84, 16.44]
UDON = [102.79, 17.41]


def _ids(client: TestClient, **params: str) -> list[str]:
    r = client.get(f"{B}/entities", params={"type": "WeatherObserved", **params})
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()]


def _near(point: list[float]) -> dict[str, str]:
    return {
        "georel": "near;maxDistance==2000",
        "geometry": "Point",
        "coordinates": f"[{point[0]},{point[1]}]",
    }


def test_queries_follow_appends_updates_and_deletes(client: TestClient) -> None:
    entity = {
        "id": EID,
        "type": "WeatherObserved",
        "temperature": {"type": "Property", "value": 10},
        "station": {"type": "Property", "value": "KKN"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": KHON_KAEN}},
    }
    assert client.post(f"{B}/entities", json=entity).status_code == 201
    assert _ids(client, q="temperature<20") == [EID]
    assert _ids(client, **_near(KHON_KAEN)) == [EID]

    change = {
        "temperature": {"type": "Property", "value": 30},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": UDON}},
    }
    assert client.post(f"{B}/entities/{EID}/attrs", json=change).status_code == 204
    assert _ids(client, q="temperature<20") == []
    assert _ids(client, q="temperature>20") == [EID]
    assert _ids(client, q='station=="KKN"') == [EID]  # untouched attribute still indexed
    assert _ids(client, **_near(KHON_KAEN)) == []
    assert _ids(client, **_near(UDON)) == [EID]

    r = client.patch(f"{B}/entities/{EID}/attrs", json={"type": "Sensor"})
    assert r.status_code in (204, 207), r.text
    r = client.get(f"{B}/entities", params={"type": "Sensor"})
    assert [e["id"] for e in r.json()] == [EID]

    assert client.delete(f"{B}/entities/{EID}/attrs/station").status_code == 204
    assert _ids(client, q="station") == []
    assert _ids(client, q="temperature") == [EID]
    r = client.get(f"{B}/attributes")
    assert "station" not in r.json()["attributeList"]


def test_a_replaced_entity_is_found_by_its_new_type_only(client: TestClient) -> None:
    entity = {"id": EID, "type": "WeatherObserved", "temperature": {"type": "Property", "value": 1}}
    assert client.post(f"{B}/entities", json=entity).status_code == 201
    new = {"type": "WeatherForecast", "temperature": {"type": "Property", "value": 2}}
    assert client.put(f"{B}/entities/{EID}", json=new).status_code == 204
    assert _ids(client) == []
    r = client.get(f"{B}/entities", params={"type": "WeatherForecast", "q": "temperature==2"})
    assert [e["id"] for e in r.json()] == [EID]
    assert "WeatherObserved" not in client.get(f"{B}/types").json()["typeList"]
