"""Several API processes on one PostgreSQL database behave as one broker: concurrent
changes to one entity through different processes are never lost, and counts and pages
agree whichever process answers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

from servers import B, Broker, needs_isanhub

pytestmark = needs_isanhub

THREADS = 8
APPENDS = 15  #: appends per thread, each of its own attribute


def two_brokers(postgres_url: str, tmp_path: Path, brokers: list[Broker]) -> list[Broker]:
    for n in range(2):
        brokers.append(Broker(postgres_url, tmp_path / f"broker{n}.log"))
    return brokers


def test_concurrent_appends_through_two_processes_lose_nothing(
    postgres_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    a, b = two_brokers(postgres_url, tmp_path, brokers)
    eid = "urn:ngsi-ld:Counter:shared"
    r = httpx.post(f"{a.base}{B}/entities", json={"id": eid, "type": "Counter"})
    assert r.status_code == 201, r.text
    failures: list[str] = []

    def append(thread: int) -> None:
        with httpx.Client(timeout=30) as client:
            for k in range(APPENDS):
                base = (a, b)[(thread + k) % 2].base  # alternate between the processes
                attr = {f"t{thread}k{k}": {"type": "Property", "value": k}}
                r = client.post(f"{base}{B}/entities/{eid}/attrs", json=attr)
                if r.status_code != 204:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                # a partial update of one shared attribute, also read-modify-write
                r = client.patch(
                    f"{base}{B}/entities/{eid}/attrs",
                    json={"last": {"type": "Property", "value": f"t{thread}k{k}"}},
                )
                if r.status_code != 204:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=append, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures[:3]
    for broker in (a, b):
        entity = httpx.get(f"{broker.base}{B}/entities/{eid}").json()
        appended = {k for k in entity if k not in ("id", "type", "last")}
        want = {f"t{t}k{k}" for t in range(THREADS) for k in range(APPENDS)}
        assert appended == want, f"lost updates: {sorted(want - appended)[:5]}"
        assert entity["last"]["value"] in want


def test_pages_and_counts_agree_across_processes(
    postgres_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    a, b = two_brokers(postgres_url, tmp_path, brokers)

    def create(broker: Broker, start: int) -> None:
        with httpx.Client(timeout=30) as client:
            for n in range(start, start + 150, 25):
                batch: list[dict[str, Any]] = [
                    {"id": f"urn:ngsi-ld:Shop:{i:04d}", "type": "Shop",
                     "rank": {"type": "Property", "value": i}}
                    for i in range(n, n + 25)
                ]  # fmt: skip
                r = client.post(f"{broker.base}{B}/entityOperations/create", json=batch)
                assert r.status_code == 201, r.text

    writers = [
        threading.Thread(target=create, args=(a, 0)),
        threading.Thread(target=create, args=(b, 150)),
    ]
    for t in writers:
        t.start()
    for t in writers:
        t.join(60)
    seen: list[str] = []
    counts = set()
    for page in range(6):  # 300 entities, pages of 50, from alternating processes
        broker = (a, b)[page % 2]
        r = httpx.get(
            f"{broker.base}{B}/entities",
            params={"type": "Shop", "limit": 50, "offset": page * 50, "count": "true"},
        )
        assert r.status_code == 200, r.text
        counts.add(r.headers["NGSILD-Results-Count"])
        seen += [e["id"] for e in r.json()]
    assert counts == {"300"}
    assert len(seen) == 300 and len(set(seen)) == 300  # no gaps, no duplicates
    # the same q answered by either process, and its count
    for broker in (a, b):
        r = httpx.get(
            f"{broker.base}{B}/entities",
            params={"type": "Shop", "q": "rank>=250", "count": "true", "limit": 100},
        )
        assert r.headers["NGSILD-Results-Count"] == "50"
        assert sorted(e["rank"]["value"] for e in r.json()) == list(range(250, 300))


def test_what_one_process_writes_the_other_serves(
    postgres_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    a, b = two_brokers(postgres_url, tmp_path, brokers)
    tenant = {"NGSILD-Tenant": "khonkaen"}
    entity = {"id": "urn:ngsi-ld:Parking:1", "type": "OffStreetParking"}
    assert httpx.post(f"{a.base}{B}/entities", json=entity, headers=tenant).status_code == 201
    r = httpx.get(f"{b.base}{B}/entities/urn:ngsi-ld:Parking:1", headers=tenant)
    assert r.status_code == 200 and r.json()["type"] == "OffStreetParking"
    # a hosted @context added through one process is served by the other
    ctx = {"@context": {"free": "https://example.org/parking#free"}}
    r = httpx.post(f"{a.base}{B}/jsonldContexts", json=ctx)
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    path = location[location.index(B) :]
    r = httpx.get(f"{b.base}{path}")
    assert r.status_code == 200 and r.json() == ctx
    # the tenant and its types exist for both; a deletion through one is seen by the other
    r = httpx.get(f"{b.base}{B}/types", headers=tenant)
    assert r.status_code == 200 and r.json()["typeList"] == ["OffStreetParking"]
    assert (
        httpx.delete(f"{b.base}{B}/entities/urn:ngsi-ld:Parking:1", headers=tenant).status_code
        == 204
    )
    r = httpx.get(f"{a.base}{B}/entities/urn:ngsi-ld:Parking:1", headers=tenant)
    assert r.status_code == 404


def test_serve_workers_share_one_port(
    postgres_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    broker = Broker(postgres_url, tmp_path / "workers.log", "--workers", "2")
    brokers.append(broker)
    for n in range(40):  # a new connection each time: either worker may take it
        body = {"id": f"urn:ngsi-ld:Streetlight:{n}", "type": "Streetlight"}
        assert httpx.post(f"{broker.base}{B}/entities", json=body).status_code == 201
        r = httpx.get(f"{broker.base}{B}/entities", params={"type": "Streetlight", "count": "true"})
        assert r.headers["NGSILD-Results-Count"] == str(n + 1)
