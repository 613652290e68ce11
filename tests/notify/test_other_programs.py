"""Writes by another program on the hub's database while a server runs (``isanhub
import`` beside ``isanhub serve``): subscribers are notified of them, and the server's
own writes go on working."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from notify.receivers import HttpReceiver
from notify.test_delivery import levels, subscribe
from servers import ISANHUB, Broker, needs_isanhub

B = "/ngsi-ld/v1"


def sensor(i: int, level: int) -> dict[str, object]:
    return {
        "id": f"urn:ngsi-ld:Sensor:{i}",
        "type": "Sensor",
        "level": {"type": "Property", "value": level},
    }


def wait_for_changes(rx: HttpReceiver, n: int, timeout: float = 10) -> None:
    """Until ``n`` entity changes arrived (one notification may carry several)."""
    deadline = time.monotonic() + timeout
    while sum(map(len, levels(rx.snapshot()).values())) < n:
        assert time.monotonic() < deadline, levels(rx.snapshot())
        time.sleep(0.05)


def run_import(db: str, path: Path, *options: str) -> None:
    """``isanhub import`` as its own process, on the hub's defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}
    done = subprocess.run(
        [str(ISANHUB), "import", str(path), "--db", db, "--quiet", *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@contextlib.contextmanager
def subscribed(
    db_url: str, tmp_path: Path, brokers: list[Broker]
) -> Iterator[tuple[Broker, HttpReceiver, httpx.Client, str]]:
    """A server, a receiver, a client of the server and a subscription to every Sensor."""
    with HttpReceiver() as rx:
        broker = Broker(db_url, tmp_path / "broker.log")
        brokers.append(broker)
        with httpx.Client(base_url=broker.base) as c:
            yield broker, rx, c, subscribe(c, rx.url)


@needs_isanhub
def test_an_import_beside_the_server_is_notified_and_the_server_keeps_writing(
    db_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    with subscribed(db_url, tmp_path, brokers) as (broker, rx, c, sid):
        # the server writes first, so that it holds its next row numbers in memory
        r = c.post(f"{B}/entities", json=sensor(0, 1))
        assert r.status_code == 201, r.text
        readings = tmp_path / "sensors.json"
        readings.write_text(json.dumps([sensor(1, 10), sensor(2, 20), sensor(0, 2)]))
        run_import(db_url, readings)
        wait_for_changes(rx, 4)
        # the server's next writes number their rows after the import's
        r = c.post(f"{B}/entities", json=sensor(3, 30))
        assert r.status_code == 201, r.text
        level = {"level": sensor(1, 11)["level"]}
        r = c.patch(f"{B}/entities/urn:ngsi-ld:Sensor:1/attrs", json=level)
        assert r.status_code == 204, r.text
        history = c.get(f"{B}/temporal/entities/urn:ngsi-ld:Sensor:1", params={"attrs": "level"})
        assert [i["value"] for i in history.json()["level"]] == [10, 11]
        wait_for_changes(rx, 6)
        time.sleep(1.5)  # a second look at the outbox must not send them again
        assert levels(rx.snapshot()) == {
            "urn:ngsi-ld:Sensor:0": [1, 2],
            "urn:ngsi-ld:Sensor:1": [10, 11],
            "urn:ngsi-ld:Sensor:2": [20],
            "urn:ngsi-ld:Sensor:3": [30],
        }
        status = c.get(f"{B}/subscriptions/{sid}").json()["notification"]
        assert status["timesSent"] == len(rx.snapshot()) and not status.get("timesFailed")
    assert "Traceback" not in broker.tail()


@needs_isanhub
def test_a_dry_run_import_notifies_nobody(
    db_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    with subscribed(db_url, tmp_path, brokers) as (_broker, rx, _c, _sid):
        readings = tmp_path / "sensors.json"
        readings.write_text(json.dumps([sensor(1, 10)]))
        run_import(db_url, readings, "--dry-run")
        time.sleep(2.5)  # more than the server's second between two looks
        assert rx.snapshot() == []
