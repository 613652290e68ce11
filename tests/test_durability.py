"""Nothing acknowledged is ever lost (DESIGN decision 5), tested on a real process.

Several threads write to an ``isanhub serve`` process (single creates and batch upserts),
the process is killed with SIGKILL in the middle, and a new process on the same database
must hold every write that was answered 2xx, complete and exact, no entity that is a mix
of two writes, and no batch half applied. The rounds share one database, so each restart
also recovers what the earlier kills left behind. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from servers import Broker, needs_isanhub

B = "/ngsi-ld/v1"
THREADS = 6
BATCH = 20
#: seconds of writing (from the first acknowledged write) before the kill, one round each
KILL_DELAYS = (0.05, 0.25, 0.5, 0.8)
pytestmark = needs_isanhub


def payload(eid: str, stamp: str, n: int) -> dict[str, Any]:
    """An entity whose every attribute carries the stamp of the request that wrote it."""
    return {
        "id": eid,
        "type": "Durable",
        "stamp": {"type": "Property", "value": stamp},
        "n": {"type": "Property", "value": n, "unitCode": "C62"},
        "doc": {"type": "Property", "value": {"stamp": stamp, "words": ["ขอนแก่น", n, None]}},
        "where": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [102.8 + n % 97 / 1000, 16.4]},
        },
        "ownedBy": {"type": "Relationship", "object": f"urn:ngsi-ld:Owner:{stamp}"},
        "tags": [
            {"type": "Property", "value": stamp, "datasetId": "urn:ngsi-ld:Dataset:a"},
            {"type": "Property", "value": n, "datasetId": "urn:ngsi-ld:Dataset:b"},
        ],
    }


def canonical(entity: dict[str, Any]) -> dict[str, Any]:
    """Multi-instance attributes in datasetId order, so equal entities compare equal."""
    out = dict(entity)
    for key, value in out.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = sorted(value, key=lambda i: i.get("datasetId", ""))
    return out


@dataclass
class Writer:
    """One client thread: its requests in order, and which were acknowledged."""

    round: int
    number: int
    base: str
    sent: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)  # kind, bodies
    acked: int = 0  # sent[:acked] were answered 2xx; sent[acked] (if any) was in flight
    unexpected: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event, writing: threading.Event) -> None:
        with httpx.Client(base_url=self.base, timeout=10.0) as client:
            k = 0
            while not stop.is_set():
                stamp = f"r{self.round}-t{self.number}-k{k}"
                n = self.round * 100_000 + self.number * 10_000 + k
                if k % 2 == 0:
                    eid = f"urn:ngsi-ld:Durable:r{self.round}-t{self.number}-c{k}"
                    kind, bodies = "create", [payload(eid, stamp, n)]
                else:
                    prefix = f"urn:ngsi-ld:Durable:r{self.round}-t{self.number}-b"
                    kind = "upsert"
                    bodies = [payload(f"{prefix}{j}", stamp, n) for j in range(BATCH)]
                self.sent.append((kind, bodies))
                try:
                    if kind == "create":
                        r = client.post(f"{B}/entities", json=bodies[0])
                    else:
                        r = client.post(f"{B}/entityOperations/upsert", json=bodies)
                except httpx.HTTPError:
                    return  # the broker is gone: this request stays unacknowledged
                if r.status_code not in (201, 204):
                    self.unexpected.append(f"{kind} {stamp}: {r.status_code} {r.text[:200]}")
                    return
                self.acked += 1
                writing.set()
                k += 1

    def expected(self) -> tuple[dict[str, list[dict[str, Any]]], set[str]]:
        """Per entity id, the versions it may hold now; and the ids that must exist.

        An id holds its last acknowledged version, or the version of the request that was
        in flight at the kill (committed but not answered), nothing else.
        """
        may: dict[str, list[dict[str, Any]]] = {}
        must: set[str] = set()
        for i, (_kind, bodies) in enumerate(self.sent):
            for body in bodies:
                if i < self.acked:
                    may[body["id"]] = [body]  # replaces every earlier version
                    must.add(body["id"])
                else:
                    may.setdefault(body["id"], []).append(body)
        return may, must


def check(stored: dict[str, dict[str, Any]], writers: list[Writer], log: str) -> None:
    may: dict[str, list[dict[str, Any]]] = {}
    must: set[str] = set()
    for w in writers:
        w_may, w_must = w.expected()
        may.update(w_may)
        must |= w_must
    lost = sorted(must - set(stored))
    assert not lost, f"{len(lost)} acknowledged entities lost, e.g. {lost[:3]}\n{log}"
    unknown = sorted(set(stored) - set(may))
    assert not unknown, f"entities nobody wrote: {unknown[:3]}"
    for eid, entity in stored.items():
        versions = [canonical(v) for v in may[eid]]
        assert canonical(entity) in versions, f"{eid} is not what one request wrote: {entity}"
    # a batch is one transaction: its entities all hold the same request's version
    for w in writers:
        stamps = {
            stored[eid]["stamp"]["value"]
            for eid in stored
            if eid.startswith(f"urn:ngsi-ld:Durable:r{w.round}-t{w.number}-b")
        }
        assert len(stamps) <= 1, f"a batch was half applied: {stamps}"


def test_acknowledged_writes_survive_sigkill(
    db_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    db = db_url
    writers: list[Writer] = []
    for round_no, delay in enumerate(KILL_DELAYS):
        broker = Broker(db, tmp_path / "broker.log")
        brokers.append(broker)
        check(broker.entities(), writers, broker.tail())  # what the earlier kills left
        stop, writing = threading.Event(), threading.Event()
        new = [Writer(round_no, t, broker.base) for t in range(THREADS)]
        threads = [threading.Thread(target=w.run, args=(stop, writing)) for w in new]
        for t in threads:
            t.start()
        assert writing.wait(15), f"no write was acknowledged: {broker.tail()}"
        time.sleep(delay)
        broker.kill()
        stop.set()
        for t in threads:
            t.join(15)
        writers += new
        assert not [u for w in new for u in w.unexpected], [u for w in new for u in w.unexpected]
        assert sum(w.acked for w in new) > 0, f"nothing was acknowledged in round {round_no}"
    broker = Broker(db, tmp_path / "broker.log")
    brokers.append(broker)
    check(broker.entities(), writers, broker.tail())
