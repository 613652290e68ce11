"""The default read path (served from rendered bodies) always reflects the stored entity
and the request's @context."""

from __future__ import annotations

from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
EID = "urn:ngsi-ld:AirQualityObserved:KKU-01"


def _link(url: str) -> dict[str, str]:
    return {
        "Link": f'<{url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    }


def test_a_read_after_a_write_shows_the_write(client: TestClient) -> None:
    entity = {"id": EID, "type": "AirQualityObserved", "pm25": {"type": "Property", "value": 41}}
    assert client.post(f"{B}/entities", json=entity).status_code == 201
    assert client.get(f"{B}/entities/{EID}").json()["pm25"]["value"] == 41
    for value in (42, 43, 41):  # back to an earlier value: still the newest document
        r = client.patch(
            f"{B}/entities/{EID}/attrs", json={"pm25": {"type": "Property", "value": value}}
        )
        assert r.status_code == 204
        assert client.get(f"{B}/entities/{EID}").json()["pm25"]["value"] == value
    assert client.delete(f"{B}/entities/{EID}").status_code == 204
    assert client.get(f"{B}/entities/{EID}").status_code == 404


def test_the_same_entity_read_with_another_context_is_compacted_with_it(
    client: TestClient,
) -> None:
    entity = {"id": EID, "type": "AirQualityObserved", "pm25": {"type": "Property", "value": 41}}
    assert client.post(f"{B}/entities", json=entity).status_code == 201
    r = client.post(
        f"{B}/jsonldContexts",
        json={
            "@context": {
                "pm25": "https://uri.etsi.org/ngsi-ld/default-context/pm25",
                "AQ": "https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved",
            }
        },
    )
    assert r.status_code == 201
    url = (
        "http://testserver" + r.headers["location"]
        if r.headers["location"].startswith("/")
        else r.headers["location"]
    )
    plain = client.get(f"{B}/entities/{EID}").json()
    assert plain["type"] == "AirQualityObserved"
    aliased = client.get(f"{B}/entities/{EID}", headers=_link(url))
    assert aliased.status_code == 200, aliased.text
    assert aliased.json()["type"] == "AQ"
    assert client.get(f"{B}/entities/{EID}").json()["type"] == "AirQualityObserved"
