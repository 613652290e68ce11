"""Every POST, PUT and PATCH of /hub/v1 refuses a Content-Type it does not take with
415 problem details (the NGSI-LD API's own checks are tests/api's), and the multipart
uploads keep working."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from isanhub.api.app import HUB_ROUTES

MULTIPART = {"/import", "/sellers/{shop}/import"}
WRITES = [
    (path, method) for path, method, _h, _a in HUB_ROUTES if method in ("POST", "PUT", "PATCH")
]


def url(path: str) -> str:
    return "/hub/v1" + path.replace("{shop}", "kk-silk")


@pytest.mark.parametrize(("path", "method"), WRITES)
@pytest.mark.parametrize(
    "ctype", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_a_wrong_content_type_is_415(
    client: TestClient, path: str, method: str, ctype: str
) -> None:
    r = client.request(method, url(path), content=b"key=value", headers={"Content-Type": ctype})
    assert r.status_code == 415, (path, r.text)
    body = r.json()
    assert body["type"].endswith("/UnsupportedMediaType") and body["title"] and body["detail"]
    assert ctype in body["detail"]


@pytest.mark.parametrize(
    ("path", "method"),
    [w for w in WRITES if w[0] != "/kpi/compute"],  # takes no body
)
def test_json_where_a_file_is_expected_and_a_file_where_json_is(
    client: TestClient, path: str, method: str
) -> None:
    if path in MULTIPART:
        r = client.request(method, url(path), json={"file": "x"})
    else:
        r = client.request(method, url(path), files={"file": ("x.json", b"{}")})
    assert r.status_code == 415, (path, r.text)


def test_multipart_uploads_still_work(client: TestClient) -> None:
    entities = [{"id": "urn:ngsi-ld:Shop:1", "type": "Shop", "name": {"value": "silk"}}]
    r = client.post(
        "/hub/v1/import?format=ngsild&dryRun=true",
        files={"file": ("shops.json", orjson.dumps(entities), "application/json")},
    )
    assert r.status_code == 200, r.text
    report: Any = r.json()
    assert report["status"] == "dry-run"
