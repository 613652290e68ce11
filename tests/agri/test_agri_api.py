"""/hub/v1/agri: the insights over HTTP (in process), the snapshot's freshness, bad
parameters, tenants, and access."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_snapshot import entities, history

from conftest import make_settings
from isanhub.api.app import create_app
from isanhub.insight.agri.registry import INSIGHTS

B, A = "/ngsi-ld/v1", "/hub/v1/agri"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, kpi_interval=0)
    with TestClient(create_app(settings)) as c:
        assert c.post(f"{B}/entityOperations/upsert", json=entities()).status_code == 201
        for te in history():
            assert c.post(f"{B}/temporal/entities", json=te).status_code == 201
        yield c


def test_index_lists_every_insight_and_the_snapshot(hub: TestClient) -> None:
    r = hub.get(A)
    assert r.status_code == 200
    assert [i["name"] for i in r.json()["insights"]] == list(INSIGHTS)
    assert r.json()["snapshot"] is None  # nothing asked yet
    r = hub.post(f"{A}/refresh")
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert rows["parcels"] == 1 and rows["prices"] == 3 * 365 and rows["weather"] == 4
    assert hub.get(A).json()["snapshot"]["rows"] == rows


@pytest.mark.parametrize("name", list(INSIGHTS))
def test_every_insight_answers_with_what_was_asked(hub: TestClient, name: str) -> None:
    r = hub.get(f"{A}/{name}", params={"province": "Khon Kaen", "at": "2026-11-24T08:00:00"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["insight"] == name and body["province"] == "Khon Kaen"
    assert body["now"] == "2026-11-24T08:00:00" and body["takenAt"]


def test_now_defaults_to_when_the_snapshot_was_taken(hub: TestClient) -> None:
    body = hub.get(f"{A}/parcels").json()
    assert body["now"] == body["takenAt"]
    r = hub.get(f"{A}/parcels", params={"at": "2026-11-24T00:00:00Z"})
    assert r.json()["now"] == "2026-11-24T07:00:00"  # UTC read as Bangkok time


def test_a_stale_snapshot_is_rebuilt_after_answering(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, kpi_interval=0, agri_refresh=0)
    with TestClient(create_app(settings)) as c:
        c.post(f"{B}/entityOperations/upsert", json=entities())
        first = c.get(f"{A}/parcels").json()["takenAt"]
        time.sleep(1.1)
        c.get(f"{A}/parcels")  # answers from the old one, starts a rebuild
        deadline = time.monotonic() + 10
        while c.get(A).json()["snapshot"]["takenAt"] == first:
            assert time.monotonic() < deadline, "no rebuild"
            time.sleep(0.1)


@pytest.mark.parametrize("query", [
    {"weeks": "0"}, {"weeks": "53"}, {"weeks": "x"}, {"at": "yesterday"},
    {"at": "0001-01-01"}, {"province": "x" * 201}, {"district": "a\nb"},
])  # fmt: skip
def test_bad_parameters_are_400(hub: TestClient, query: dict[str, str]) -> None:
    r = hub.get(f"{A}/prices", params=query)
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("BadRequestData")


def test_unknown_insight_and_tenant(hub: TestClient) -> None:
    r = hub.get(f"{A}/weather-magic")
    assert r.status_code == 404 and "prices" in r.json()["detail"]
    r = hub.get(f"{A}/prices", headers={"NGSILD-Tenant": "nobody"})
    assert r.status_code == 404 and r.json()["type"].endswith("NonexistentTenant")


def test_refresh_takes_no_body(hub: TestClient) -> None:
    r = hub.post(f"{A}/refresh", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
