"""``isanhub demo``: a fresh sandbox city served within a minute, the same for a seed."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from isanhub.cli import main
from isanhub.demo import sandbox
from isanhub.demo.patterns import Clock
from isanhub.demo.places import BY_KEY, PROVINCES
from servers import ISANHUB, needs_isanhub

#: one data model per dimension that every pilot province has
EVERY_DIMENSION = {
    "environment": "AirQualityObserved",
    "mobility": "TrafficFlowObserved",
    "energy": "Streetlight",
    "living": "PointOfInterest",
    "people": "TrainingProgram",
    "governance": "IssueReporting",
    "economy": "Shop",
    "agriculture": "AgriParcel",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@needs_isanhub
def test_demo_serves_every_dimension_of_every_province(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISANHUB_")}
    log = tmp_path / "demo.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ISANHUB), "demo", "--days", "3", "--port", str(port), "--db", f"sqlite:///{db}"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() - started < 60, "no answer within 60 s: " + log.read_text()
            try:
                if httpx.get(base + "/version", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        for province in PROVINCES:
            for dimension, kind in EVERY_DIMENSION.items():
                r = httpx.get(
                    f"{base}/ngsi-ld/v1/entities",
                    params={"type": kind, "q": f'address[addressRegion]=="{province.name_en}"',
                            "limit": 1, "count": "true"},
                )  # fmt: skip
                assert r.status_code == 200, r.text
                count = int(r.headers["NGSILD-Results-Count"])
                assert count > 0, f"no {kind} ({dimension}) in {province.name_en}"
        card = httpx.get(base + "/hub/v1/scorecard", params={"province": "khon-kaen"}).json()
        dims = card["provinces"][0]["dimensions"]
        assert all(dims[d] for d in ("environment", "mobility", "energy", "living")), dims
        text = log.read_text()
        assert "synthetic" in text and "/ngsi-ld/v1" in text
    finally:
        proc.terminate()
        proc.wait(10)


def test_same_seed_same_city_other_seed_other_city() -> None:
    clock = Clock.ending(datetime(2026, 11, 20, 12, tzinfo=UTC), days=2)
    few = [BY_KEY["khon-kaen"], BY_KEY["phuket"]]

    def city(seed: int) -> list[object]:
        return [(i.entity, i.series) for i in sandbox.generate(seed, clock, few)]

    first = city(1)
    assert first == city(1)
    assert first != city(2)


def test_demo_keeps_a_database_it_did_not_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "city.db"
    precious.write_bytes(b"not a demo")
    assert main(["demo", "--no-serve", "--db", f"sqlite:///{precious}"]) == 1
    assert "not a demo database" in capsys.readouterr().err
    assert precious.read_bytes() == b"not a demo"


def test_kpi_command_computes_and_names_a_missing_tenant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'city.db'}"
    assert main(["demo", "--no-serve", "--days", "2", "--db", db]) == 0
    capsys.readouterr()
    assert main(["kpi", "--db", db, "--backfill", "1"]) == 0
    assert "KPI values computed" in capsys.readouterr().out
    assert main(["kpi", "--db", db, "--tenant", "nowhere"]) == 1
    assert "tenant 'nowhere' does not exist" in capsys.readouterr().err


def test_demo_says_at_once_when_its_port_is_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "demo.db"
        assert main(["demo", "--port", str(port), "--db", f"sqlite:///{db}"]) == 1
    assert "Address already in use" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing built for a server that could not start
