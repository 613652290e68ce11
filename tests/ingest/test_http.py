"""POST /hub/v1/import: every format, history readable through the temporal API, and
problem details for what is not an import (on SQLite and PostgreSQL, as every API test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app

from .samples import AIR_CSV, AIR_MAPPING, SAMPLES, Sample

B = "/ngsi-ld/v1"
KK = {"NGSILD-Tenant": "khonkaen"}


def post(client: Any, sample: Sample, query: str = "", data: bytes | None = None) -> Any:
    form = {} if sample.mapping is None else {"mapping": sample.mapping}
    files = {"file": (sample.name, data if data is not None else sample.data)}
    return client.post(f"/hub/v1/import{query}", files=files, data=form, headers=KK)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.fmt for s in SAMPLES])
def test_every_format_imports_over_http(client: Any, sample: Sample) -> None:
    r = post(client, sample, "?dryRun=true")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dry-run" and r.json()["entities"]["created"] == 1
    assert client.get(f"{B}/entities/{sample.entity_id}", headers=KK).status_code == 404
    r = post(client, sample)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "imported" and r.json()["instances"] == sample.instances
    got = client.get(f"{B}/entities/{sample.entity_id}", headers=KK)
    assert got.status_code == 200 and got.json()[sample.attr]["value"] == sample.current
    if sample.history is not None:
        history = client.get(f"{B}/temporal/entities/{sample.entity_id}", headers=KK).json()
        assert [i["value"] for i in history[sample.attr]] == sample.history
        # 07:00 in Bangkok (the file's times have no offset) is midnight UTC
        assert history[sample.attr][0]["observedAt"] == "2025-01-01T00:00:00Z"


def _history(client: Any, eid: str) -> list[tuple[str, float]]:
    doc = client.get(f"{B}/temporal/entities/{eid}", headers=KK).json()
    return sorted((i["observedAt"], i["value"]) for i in doc["pm25"])


def test_importing_a_file_again_does_not_duplicate_history(client: Any) -> None:
    csv = SAMPLES[0]
    eid = csv.entity_id
    assert post(client, csv).status_code == 200
    first = _history(client, eid)
    again = post(client, csv).json()
    assert again["entities"] == {"created": 0, "updated": 1}
    assert _history(client, eid) == first and len(first) == 3
    # a corrected value at a time already recorded replaces it; a new time adds one
    fix = AIR_CSV.replace("32,25.5", "33,25.5") + "KKN 01,2025-01-01T10:00,20,28\n"
    assert post(client, csv, data=fix.encode()).status_code == 200
    assert [v for _, v in _history(client, eid)] == [30.5, 33.0, 28.5, 20.0]


def test_a_rejected_file_answers_400_with_the_report_and_writes_nothing(client: Any) -> None:
    bad = AIR_CSV + "KKN 02,2025-01-01T07:00,abc,24\nKKN 03,not a time,1,2\n"
    r = post(client, SAMPLES[0], data=bad.encode())
    assert r.status_code == 400
    report = r.json()
    assert report["status"] == "rejected" and report["errorCount"] == 2
    assert report["errors"][0] == {
        "line": 5,
        "column": "pm25",
        "value": "abc",
        "reason": "not a number",
    }
    assert report["errors"][1]["line"] == 6 and report["errors"][1]["column"] == "time"
    # nothing at all was written: the tenant was not even created
    r = client.get(f"{B}/entities/{SAMPLES[0].entity_id}", headers=KK)
    assert r.status_code == 404 and r.json()["type"].endswith("NonexistentTenant")


def test_a_time_out_of_range_answers_400_not_500(client: Any) -> None:
    mapping = AIR_MAPPING.replace('time = "time"', 'time = { column = "time", format = "unix" }')
    data = "station,time,pm25,temperature\nKKN 01,1735689600,1,2\nKKN 02,99999999999999,3,4\n"
    r = client.post(
        "/hub/v1/import",
        files={"file": ("a.csv", data.encode())},
        data={"mapping": mapping},
        headers=KK,
    )
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [
        {
            "line": 3,
            "column": "time",
            "value": "99999999999999",
            "reason": "out of range: a time must fall in the years 1000 to 9999 (UTC)",
        }
    ]
    r = client.get(f"{B}/entities/{SAMPLES[0].entity_id}", headers=KK)
    assert r.status_code == 404


def test_requests_that_are_not_imports_get_problem_details(client: Any) -> None:
    r = client.post("/hub/v1/import", content=b"a,b\n", headers={"Content-Type": "text/csv"})
    assert r.status_code == 415 and r.json()["type"].endswith("UnsupportedMediaType")
    r = client.post("/hub/v1/import", data={"mapping": AIR_MAPPING}, files={"other": ("x", b"")})
    assert r.status_code == 400 and "no 'file' part" in r.json()["detail"]
    r = client.post(
        "/hub/v1/import", files={"file": ("a.csv", AIR_CSV.encode())}, data={"mapping": "type ="}
    )
    assert r.status_code == 400 and "not valid TOML or JSON" in r.json()["detail"]
    r = client.post("/hub/v1/import", files={"file": ("a.csv", AIR_CSV.encode())})
    assert r.status_code == 400 and "type is required" in r.json()["detail"]
    r = client.post("/hub/v1/import?format=pdf", files={"file": ("a.csv", b"")})
    assert r.status_code == 400 and "unknown format" in r.json()["detail"]
    r = client.post("/hub/v1/import?dryRun=perhaps", files={"file": ("a.csv", b"")})
    assert r.status_code == 400 and r.json()["title"] == "Bad request data"
    r = client.post(
        "/hub/v1/import", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert r.status_code == 400 and "invalid multipart body" in r.json()["detail"]


def test_an_upload_over_the_limit_is_refused_with_413(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, import_max_bytes=2000)
    with TestClient(create_app(settings)) as client:
        big = AIR_CSV + "KKN 01,2025-01-02T07:00,30.5,24\n" * 100
        r = post(client, SAMPLES[0], data=big.encode())
        assert r.status_code == 413 and r.json()["type"].endswith("PayloadTooLarge")
        assert post(client, SAMPLES[0]).status_code == 200  # a small one still goes in


def test_a_chunked_upload_over_the_limit_is_refused_as_it_arrives(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, import_max_bytes=2000)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        + AIR_CSV.encode() * 100
        + b"\r\n--b--\r\n"
    )

    def chunks() -> Any:
        for n in range(0, len(body), 500):
            yield body[n : n + 500]

    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/hub/v1/import",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413


def test_history_and_state_are_right_across_chunks_and_row_orders(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from isanhub.ingest import importer

    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)  # every two rows a chunk, a write
    rows = [
        ("2025-01-01T09:00", 3, 27),  # the latest, in the first chunk
        ("2025-01-01T07:00", 1, 25),
        ("2025-01-01T08:00", 2, 26),
        ("2025-01-01T08:00", 2.5, 26),  # the same time again: the later row wins
        ("2025-01-01T06:00", 0, 24),
    ]
    csv = "station,time,pm25,temperature\n" + "".join(f"KKN 01,{t},{pm},{c}\n" for t, pm, c in rows)
    r = post(client, SAMPLES[0], data=csv.encode())
    assert r.status_code == 200 and r.json()["rows"] == 5, r.text
    eid = SAMPLES[0].entity_id
    assert [v for _, v in _history(client, eid)] == [0, 1, 2.5, 3]
    now = client.get(f"{B}/entities/{eid}", headers=KK).json()
    assert now["pm25"]["value"] == 3 and now["pm25"]["observedAt"] == "2025-01-01T02:00:00Z"
    assert now["dataProvider"]["value"] == "Khon Kaen Municipality"
