"""A real server with ISANHUB_LOG_FORMAT=json: every line it writes is a JSON object, one
access line per request names the route template, and no personal value a request
carried (in its path, its query or its body) reaches the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson

from servers import Broker, needs_isanhub

B = "/ngsi-ld/v1"
PHONE = "0812345678"


@needs_isanhub
def test_json_logs_carry_no_personal_values(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    broker = Broker(
        f"sqlite:///{tmp_path / 'hub.db'}",
        log,
        "--log-level",
        "info",
        env={"ISANHUB_LOG_FORMAT": "json", "ISANHUB_ACCESS_LOG": "true"},
    )
    try:
        with httpx.Client(base_url=broker.base, timeout=10) as c:
            person = {
                "id": f"urn:ngsi-ld:Person:{PHONE}",
                "type": "Person",
                "telephone": {"type": "Property", "value": PHONE},
            }
            assert c.post(f"{B}/entities", json=person).status_code == 201
            r = c.get(f"{B}/entities", params={"type": "Person", "q": f'telephone=="{PHONE}"'})
            assert r.status_code == 200 and len(r.json()) == 1
            assert c.get(f"{B}/entities/urn:ngsi-ld:Person:{PHONE}").status_code == 200
            # errors, each with the value somewhere
            bad_q = {"type": "Person", "q": f'telephone=="{PHONE}"&&'}
            assert c.get(f"{B}/entities", params=bad_q).status_code == 400
            assert c.get(f"{B}/entities/urn:ngsi-ld:Person:9{PHONE}").status_code == 404
            broken = f'{{"id": "urn:ngsi-ld:Person:{PHONE}", "telephone": "{PHONE}"'.encode()
            r = c.post(
                f"{B}/entities", content=broken, headers={"Content-Type": "application/json"}
            )
            assert r.status_code == 400
            r = c.post(f"{B}/entities", json=person)  # already exists
            assert r.status_code == 409
            r = c.get(f"{B}/entities", params={"type": "Person"}, headers={"NGSILD-Tenant": "kk"})
            assert r.status_code == 404
    finally:
        broker.stop()
    text = log.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    records: list[dict[str, Any]] = []
    for line in lines:
        record = orjson.loads(line)  # every line: one JSON object
        assert isinstance(record, dict), line
        assert {"time", "level", "logger", "message"} <= set(record), line
        records.append(record)
    assert PHONE not in text
    access = [r for r in records if r["logger"] == "isanhub.access"]
    assert {"method", "route", "status", "duration_ms", "principal", "tenant"} <= set(access[0])
    seen = {(r["method"], r["route"], r["status"]) for r in access}
    assert ("GET", f"{B}/entities/{{entity_id}}", 200) in seen
    assert ("GET", f"{B}/entities/{{entity_id}}", 404) in seen
    assert ("GET", f"{B}/entities", 400) in seen
    assert ("POST", f"{B}/entities", 409) in seen
    assert all(r["principal"] == "open" for r in access)
    assert any(r["tenant"] == "kk" for r in access)
    assert all(isinstance(r["duration_ms"], float | int) for r in access)
    assert any("Isan Digital Hub" in r["message"] for r in records)  # the banner too
