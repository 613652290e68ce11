"""Bodies too large or nested too deep get a clear 4xx and change nothing (a nesting
deeper than the store can write used to end in a 500 after the entity was expanded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app

B = "/ngsi-ld/v1"


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture
def small(tmp_path: Path) -> Any:
    settings = make_settings(tmp_path, max_body=2_000, max_json_depth=20)
    with TestClient(create_app(settings)) as client:
        yield client


def post(client: TestClient, path: str, body: Any) -> Any:
    return client.post(
        B + path, content=orjson.dumps(body), headers={"Content-Type": "application/json"}
    )


def test_a_deep_body_is_bad_request_data_and_stores_nothing(client: TestClient) -> None:
    for depth in (150, 500, 1000):  # the last is close to what a JSON parser accepts
        value = '{"a":' * depth + "{}" + "}" * depth  # text: encoders refuse such depths
        body = f'{{"id": "urn:ngsi-ld:T:{depth}", "type": "T", "p": {{"type": "Property",'
        r = client.post(
            f"{B}/entities",
            content=f'{body} "value": {value}}}}}',
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 400, r.text
        assert r.json()["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
        assert "deep" in r.json()["detail"]
        assert client.get(f"{B}/entities/urn:ngsi-ld:T:{depth}").status_code == 404
    ok = {"id": "urn:ngsi-ld:T:ok", "type": "T", "p": {"type": "Property", "value": nested(60)}}
    assert post(client, "/entities", ok).status_code == 201  # deep compound values still fit
    assert client.get(f"{B}/entities/urn:ngsi-ld:T:ok").json()["p"]["value"] == nested(60)


def test_limits_come_from_the_settings(small: TestClient) -> None:
    r = post(small, "/entities", {"id": "urn:ngsi-ld:T:1", "type": "T", "p": nested(25)})
    assert r.status_code == 400 and "over 20 deep" in r.json()["detail"]
    big = {"id": "urn:ngsi-ld:T:2", "type": "T", "p": {"type": "Property", "value": "x" * 3000}}
    r = post(small, "/entities", big)
    assert r.status_code == 413, r.text
    assert r.json()["type"].endswith("/PayloadTooLarge") and r.json()["title"]
    for path in ("/entityOperations/upsert", "/subscriptions", "/jsonldContexts"):
        body = [big] if path.startswith("/entityOperations") else {"@context": {"x": "y" * 3000}}
        assert post(small, path, body).status_code == 413, path
    assert small.get(f"{B}/entities", params={"type": "T"}).json() == []


def test_a_body_streamed_without_content_length_is_limited_too(small: TestClient) -> None:
    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 500  # 5,000 bytes of whitespace: the size, not the JSON, is refused

    r = small.post(f"{B}/entities", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
