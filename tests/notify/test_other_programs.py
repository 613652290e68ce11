"""Writes by another program on the hub's database while a server runs (``isanhub
import`` beside ``isanhub serve``): subscribers are notified of them, and the server's
own writes go on working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


def run_import(db: str, path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}
    done = subprocess.run(
        [str(ISANHUB), "import", str(path), "--db", db, "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@needs_isanhub
def test_an_import_beside_the_server_is_notified_and_the_server_keeps_writing(
    db_url: str, tmp_path: Path, brokers: list[Broker]
) -> None:
    with HttpReceiver() as rx:
        broker = Broker(db_url, tmp_path / "broker.log")
        brokers.append(broker)
        with httpx.Client(base_url=broker.base) as c:
            r = c.post(f"{B}/entities", json=sensor(0, 1))
            assert r.status_code == 201, r.text
            sid = subscribe(c, rx.url)  # created by the server, after it started
            readings = tmp_path / "sensors.json"
            readings.write_text(json.dumps([sensor(1, 10), sensor(2, 20), sensor(0, 2)]))
            run_import(db_url, readings)
            wait_for_changes(rx, 3)
            # the server's next writes number their rows after the import's
            for i, level in ((3, 30), (1, 11)):
                body = sensor(i, level)
                if i == 3:
                    r = c.post(f"{B}/entities", json=body)
                else:
                    r = c.patch(f"{B}/entities/{body['id']}/attrs", json={"level": body["level"]})
                assert r.status_code in (201, 204), r.text
            history = c.get(
                f"{B}/temporal/entities/urn:ngsi-ld:Sensor:1", params={"attrs": "level"}
            )
            assert [i["value"] for i in history.json()["level"]] == [10, 11]
            wait_for_changes(rx, 5)
            time.sleep(1.5)  # a second look at the outbox must not send them again
            got = levels(rx.snapshot())
            assert got == {
                "urn:ngsi-ld:Sensor:0": [2],
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
    with HttpReceiver() as rx:
        broker = Broker(db_url, tmp_path / "broker.log")
        brokers.append(broker)
        with httpx.Client(base_url=broker.base) as c:
            subscribe(c, rx.url)
        readings = tmp_path / "sensors.json"
        readings.write_text(json.dumps([sensor(1, 10)]))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}
        done = subprocess.run(
            [sys.executable, "-m", "isanhub.cli", "import", str(readings), "--db", db_url,
             "--dry-run", "--quiet"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        time.sleep(2.5)  # more than the server's second between two looks
        assert rx.snapshot() == []
