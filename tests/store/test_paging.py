"""Paging stays exact deep into a large store: every entity appears exactly once, in
creation order, and the count is the true total."""

from __future__ import annotations

import orjson
from starlette.testclient import TestClient

B = "/ngsi-ld/v1"
N = 101_000
BATCH = 1_000


def _entity(i: int) -> dict[str, object]:
    return {
        "id": f"urn:ngsi-ld:WeatherObserved:{i:06d}",
        "type": "WeatherObserved",
        "temperature": {"type": "Property", "value": 20 + i % 15},
    }


def test_offset_past_100000_entities_is_exact(client: TestClient) -> None:
    for start in range(0, N, BATCH):
        body = orjson.dumps([_entity(i) for i in range(start, start + BATCH)])
        r = client.post(
            f"{B}/entityOperations/upsert",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 201, r.text
    r = client.get(
        f"{B}/entities",
        params={"type": "WeatherObserved", "offset": 100_995, "limit": 10, "count": "true"},
    )
    assert r.status_code == 200
    assert r.headers["NGSILD-Results-Count"] == str(N)
    assert [e["id"] for e in r.json()] == [
        f"urn:ngsi-ld:WeatherObserved:{i:06d}" for i in range(100_995, N)
    ]
    # with a q filter the page is computed after the exact filter, still in creation order
    r = client.get(
        f"{B}/entities",
        params={"type": "WeatherObserved", "q": "temperature==34", "offset": 6_700, "limit": 3},
    )
    wanted = [i for i in range(N) if 20 + i % 15 == 34][6_700:6_703]
    assert [e["id"] for e in r.json()] == [f"urn:ngsi-ld:WeatherObserved:{i:06d}" for i in wanted]
