"""Retention of history: rules, precedence, and ``isanhub retention`` on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub import retention
from isanhub.api.app import create_app
from isanhub.cli import main

B = "/ngsi-ld/v1"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def monthly(eid: str, kind: str) -> dict[str, object]:
    """72 monthly readings, 2020-01-15 to 2025-12-15."""
    values = [
        {
            "type": "Property",
            "value": m,
            "observedAt": f"{2020 + m // 12}-{m % 12 + 1:02d}-15T00:00:00Z",
        }
        for m in range(72)
    ]
    return {"id": eid, "type": kind, "v": values}


def test_rules_parse_and_the_most_specific_wins() -> None:
    rules = retention.parse(
        " *=P5Y , type:Sensor=P30D, tenant:kk/type:Sensor=PT12H ", lambda t: "x:" + t
    )
    assert [(r.tenant, r.type, r.months, r.micros) for r in rules] == [
        (None, None, 60, 0),
        (None, "x:Sensor", 0, 30 * 86_400_000_000),
        ("kk", "x:Sensor", 0, 12 * 3_600_000_000),
    ]
    assert [r.rank for r in rules] == [0, 2, 3]
    assert rules[0].cutoff(NOW) == int(datetime(2021, 11, 24, 12, tzinfo=UTC).timestamp() * 1e6)
    for bad in ("P5Y", "*=5 years", "*=P0D", "planet:earth=P1Y", "*=P1MT1H"):
        with pytest.raises(ValueError):
            retention.parse(bad, str)


def test_retention_removes_what_the_rules_no_longer_keep(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as client:
        for eid, kind in (("urn:ngsi-ld:AirQualityObserved:1", "AirQualityObserved"),
                          ("urn:ngsi-ld:WeatherObserved:1", "WeatherObserved")):  # fmt: skip
            assert client.post(f"{B}/temporal/entities", json=monthly(eid, kind)).status_code == 201
    rules = "*=P3Y, type:WeatherObserved=P1Y"
    assert main(["retention", "--db", db_url, "--rules", rules, "--dry-run"]) == 0
    assert "would remove 118 instances in all" in capsys.readouterr().out
    assert main(["retention", "--db", db_url, "--rules", rules]) == 0
    out = capsys.readouterr().out
    assert "*=P3Y: removed 47 instances" in out and "WeatherObserved=P1Y: removed 71" in out
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as client:
        air = client.get(f"{B}/temporal/entities/urn:ngsi-ld:AirQualityObserved:1").json()
        weather = client.get(f"{B}/temporal/entities/urn:ngsi-ld:WeatherObserved:1").json()
    assert air["v"][0]["observedAt"] == "2023-12-15T00:00:00Z" and len(air["v"]) == 25
    assert [i["value"] for i in weather["v"]] == [71]
    assert main(["retention", "--db", db_url, "--rules", rules]) == 0
    assert "removed 0 instances in all" in capsys.readouterr().out
    assert main(["retention", "--db", db_url, "--rules", "nonsense"]) == 2
