"""``isanhub keys`` and ``isanhub open`` on both backends, and a real server that checks
the keys they make (revocation reaches a running server within seconds)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import pytest

from isanhub.cli import main
from notify.receivers import HttpReceiver
from servers import Broker, needs_isanhub


def test_create_list_revoke(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--tenant", "khonkaen", "--role", "provider",
                 "--name", "Air vendor", "--db", db_url]) == 0  # fmt: skip
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("ihk_") and "not shown again" in out.err
    assert main(["keys", "list", "--json", "--db", db_url]) == 0
    (listed,) = orjson.loads(capsys.readouterr().out)
    assert listed["name"] == "Air vendor" and listed["role"] == "provider"
    assert token not in str(listed) and token[16:] not in str(listed)
    assert main(["keys", "revoke", listed["id"], "--db", db_url]) == 0
    assert main(["keys", "list", "--db", db_url]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "000000000000", "--db", db_url]) == 1


def test_bad_roles_and_tenants_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    with pytest.raises(SystemExit):
        main(["keys", "create", "--tenant", "x", "--role", "root", "--db", db])
    assert main(["keys", "create", "--tenant", "bad tenant!", "--role", "admin", "--db", db]) == 2
    assert "invalid tenant" in capsys.readouterr().err


def test_open_data_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert main(["open", "--tenant", "khonkaen", "--db", db]) == 0
    assert "no open data" in capsys.readouterr().out
    assert main(["open", "--tenant", "khonkaen", "--types", "AirQualityObserved,WeatherObserved",
                 "--db", db]) == 0  # fmt: skip
    assert "AirQualityObserved, WeatherObserved" in capsys.readouterr().out
    assert main(["open", "--tenant", "khonkaen", "--none", "--db", db]) == 0
    assert "no open data" in capsys.readouterr().out


def test_open_mode_is_refused_off_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ISANHUB_AUTH", "open")
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--host", "0.0.0.0"])
    assert exc.value.code == 2
    assert "loopback" in capsys.readouterr().err


@needs_isanhub
def test_a_running_server_honours_cli_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert main(["keys", "create", "--tenant", "*", "--role", "consumer", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    key_id = token[4:16]
    assert main(["keys", "create", "--tenant", "*", "--role", "admin", "--db", db]) == 0
    admin = {"Authorization": f"Bearer {capsys.readouterr().out.strip()}"}
    broker = Broker(db, tmp_path / "log", env={"ISANHUB_AUTH": "keys"})
    try:
        url = f"{broker.base}/ngsi-ld/v1/types"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        with HttpReceiver() as rx:
            sub = {"type": "Subscription", "entities": [{"type": "Sensor"}],
                   "notification": {"endpoint": {"uri": rx.url}}}  # fmt: skip
            made = httpx.post(f"{broker.base}/ngsi-ld/v1/subscriptions", json=sub,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert made.status_code == 201, made.text
            sensor = {"id": "urn:ngsi-ld:Sensor:1", "type": "Sensor",
                      "level": {"type": "Property", "value": 1}}  # fmt: skip
            entities = f"{broker.base}/ngsi-ld/v1/entities"
            assert httpx.post(entities, json=sensor, headers=admin).status_code == 201
            rx.wait_for(1, 5)
            assert main(["keys", "revoke", key_id, "--db", db]) == 0
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                if httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401:
                    break
                time.sleep(0.25)
            else:
                raise AssertionError("the revoked key still works after 8 s")
            # the running server pauses its subscription too, not only at its next start
            time.sleep(1.5)
            level = {"level": {"type": "Property", "value": 2}}
            r = httpx.patch(f"{entities}/{sensor['id']}/attrs", json=level, headers=admin)
            assert r.status_code == 204
            time.sleep(1.0)
            assert len(rx.snapshot()) == 1
    finally:
        broker.stop()
