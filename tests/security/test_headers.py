"""The security headers every response carries, API and pages, errors included; and no
caching of what answers a request with credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keyed import keyed_hub
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
ROOM = {"id": "urn:ngsi-ld:Room:1", "type": "Room", "temperature": {"value": 21}}
EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def hardened(r: Any) -> None:
    for name, value in EVERYWHERE.items():
        assert r.headers.get_list(name) == [value], (r.request.url, name, r.headers)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{B}/entities/urn:ngsi-ld:Room:1", 200),  # the hottest path (JSONBody)
        ("HEAD", f"{B}/entities/urn:ngsi-ld:Room:1", 200),
        ("GET", f"{B}/entities?type=Room", 200),
        ("GET", f"{B}/entities/urn:ngsi-ld:Room:2", 404),  # problem details
        ("GET", f"{B}/nowhere", 404),
        ("PUT", f"{B}/entities", 405),
        ("GET", f"{B}/entities?type=Room&bogus=1", 400),  # refused before routing
        ("DELETE", f"{B}/entities/urn:ngsi-ld:Room:9", 404),
        ("GET", "/version", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/hub/v1/scorecard", 200),
        ("GET", "/static/app.css", 200),
        ("GET", "/", 200),
        ("GET", "/explore", 200),
    ],
)
def test_every_response_carries_the_headers(
    client: TestClient, method: str, path: str, status: int
) -> None:
    client.post(f"{B}/entities", json=ROOM)
    r = client.request(method, path)
    assert r.status_code == status, r.text
    hardened(r)
    assert "cache-control" not in r.headers or "no-store" not in r.headers["cache-control"]


def test_writes_and_empty_answers_carry_them(client: TestClient) -> None:
    r = client.post(f"{B}/entities", json=ROOM)
    assert r.status_code == 201
    hardened(r)
    r = client.patch(f"{B}/entities/urn:ngsi-ld:Room:1/attrs", json={"temperature": {"value": 2}})
    assert r.status_code == 204
    hardened(r)


def test_pages_cannot_be_framed(client: TestClient) -> None:
    for path in ("/", "/explore", "/sellers", "/farmers"):
        r = client.get(path)
        assert r.status_code == 200, path
        hardened(r)
        csp = r.headers.get_list("content-security-policy")
        assert len(csp) == 1 and "frame-ancestors 'none'" in csp[0], csp
        assert "default-src 'self'" in csp[0]


def test_no_store_when_the_request_has_credentials(tmp_path: Path) -> None:
    with keyed_hub(tmp_path, f"sqlite:///{tmp_path / 'hub.db'}") as hub:
        provider = hub.key("", "provider")
        client = hub.client
        r = client.post(f"{B}/entities", json=ROOM, headers=provider)
        assert r.status_code == 201, r.text
        for headers in (provider, {"X-API-Key": provider["Authorization"].split()[1]}):
            r = client.get(f"{B}/entities/urn:ngsi-ld:Room:1", headers=headers)
            assert r.status_code == 200, r.text
            assert r.headers.get_list("cache-control") == ["no-store"]
            hardened(r)
        # a refused credential too: the answer is about that credential
        r = client.get(f"{B}/entities/urn:ngsi-ld:Room:1", headers={"X-API-Key": "ihk_nope"})
        assert r.status_code == 401
        assert r.headers.get_list("cache-control") == ["no-store"]
        hardened(r)
        # no credential: open data may be cached
        r = client.get("/version")
        assert "cache-control" not in r.headers
        hardened(r)
