"""Personal data on the read side: masked for readers without the permission in every
representation, in clear and audited for readers with it, never filtered on by those
who may not read it (security.mask, security.reading, api.privacy). Both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from city import (
    BUILDING_ID,
    PERSON,
    PERSON_ID,
    REPORT_ID,
    SECRETS,
    B,
    D,
    assert_masked,
    city,
    who,
)
from starlette.testclient import TestClient

from conftest import hub_rows, make_settings
from isanhub.api.app import create_app

GEOJSON = {"Accept": "application/geo+json"}


def _problem(r: Any, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["type"].endswith("/" + kind), body
    return body


def test_readers_without_the_permission_see_personal_data_masked_everywhere(
    tmp_path: Path, db_url: str
) -> None:
    with city(tmp_path, db_url) as c:
        get, post = c.client.get, c.client.post
        reader = c.key("consumer")
        r = c.client.patch(
            f"{B}/entities/{PERSON_ID}/attrs",
            json={"telephone": {"type": "Property", "value": "0899999999"}},
            headers=c.provider,
        )
        assert r.status_code == 204, r.text

        # GET /entities/{id}: the cached default view, twice, and a non-default one
        for _ in range(2):
            body = get(f"{B}/entities/{PERSON_ID}", headers=reader).json()
            assert body["email"] == {"type": "Property", "value": "***"}
            assert body["name"]["value"].startswith("pseudonym:")
            assert body["birthDate"]["value"] == "1980"
            assert body["location"]["value"] == {"type": "Point", "coordinates": [102.84, 16.44]}
            assert body["occupation"]["value"] == "silk weaver"  # not personal
        pseudonym = body["name"]["value"]
        shown = []
        shown.append(get(f"{B}/entities/{PERSON_ID}?options=keyValues", headers=reader))
        shown.append(get(f"{B}/entities/{PERSON_ID}?options=sysAttrs", headers=reader))
        shown.append(get(f"{B}/entities/{PERSON_ID}", headers={**reader, **GEOJSON}))
        # queries, the query operation, GeoJSON, joins
        shown.append(get(f"{B}/entities?type=Person", headers=reader))
        shown.append(get(f"{B}/entities?type=Person&options=concise", headers=reader))
        query = {"type": "Query", "entities": [{"type": "Person"}]}
        shown.append(post(f"{B}/entityOperations/query", json=query, headers=reader))
        shown.append(get(f"{B}/entities?type=Person", headers={**reader, **GEOJSON}))
        inline = get(f"{B}/entities/{BUILDING_ID}?join=inline", headers=reader)
        shown.append(inline)
        flat = get(f"{B}/entities?type=Building&join=flat", headers=reader)
        shown.append(flat)
        shown.append(get(f"{B}/entities/{REPORT_ID}", headers=reader))
        # the history: every instance, every shape
        t = f"{B}/temporal/entities"
        shown.append(get(f"{t}/{PERSON_ID}", headers=reader))
        shown.append(get(f"{t}/{PERSON_ID}?options=temporalValues", headers=reader))
        shown.append(get(f"{t}?type=Person", headers=reader))
        shown.append(post(f"{B}/temporal/entityOperations/query", json=query, headers=reader))
        for r in shown:
            assert r.status_code == 200, r.text
            assert_masked(r.text)
        kv = shown[0].json()
        assert kv["email"] == "***" and kv["occupation"] == "silk weaver"
        assert shown[2].json()["geometry"] == {"type": "Point", "coordinates": [102.84, 16.44]}
        assert inline.json()["owner"]["entity"]["email"]["value"] == "***"
        assert {e["id"] for e in flat.json()} == {BUILDING_ID, PERSON_ID}
        history = shown[10].json()
        assert [i["value"] for i in history["telephone"]] == ["***", "***"]
        # the same person has the same pseudonym on every entity
        assert shown[9].json()["reporterName"]["value"] == pseudonym
        assert shown[9].json()["contactPoint"]["value"] == "***"
        assert c.audit() == []  # nothing was read in clear


def test_a_reader_with_the_permission_sees_clear_values_and_is_audited(
    tmp_path: Path, db_url: str
) -> None:
    with city(tmp_path, db_url) as c:
        get = c.client.get
        officer = c.key("consumer", personal=True, purpose="disease surveillance")
        asked = {**officer, "Isanhub-Purpose": "welfare payment"}
        for n in range(2):  # the cached path is audited on every read
            body = get(f"{B}/entities/{PERSON_ID}", headers=asked).json()
            assert body["email"]["value"] == "somchai@example.co.th"
            assert body["location"]["value"]["coordinates"] == [102.83512, 16.44178]
            # durable before the response: another connection reads the record already
            assert len(hub_rows(db_url, ("audit_log",))["audit_log"]) == n + 1
        records = c.audit()
        assert len(records) == 2
        first = records[0]
        assert first["who"] == who(officer) and first["tenant"] == "khonkaen"
        assert first["action"] == "GET /ngsi-ld/v1/entities/{entity_id}"
        assert first["purpose"] == "welfare payment"
        assert first["entities"] == [PERSON_ID]
        assert set(first["attrs"]) >= {D + "email", D + "name", D + "telephone"}
        assert D + "occupation" not in first["attrs"]
        assert first["at"].endswith("Z") and records[0]["seq"] > records[1]["seq"]
        assert not any(s in str(first) for s in SECRETS)  # who read what, never the values

        r = get(
            f"{B}/entities?type=Person,Building&q=name==%22Somchai%20Jaidee%22", headers=officer
        )
        assert r.status_code == 200 and [e["id"] for e in r.json()] == [PERSON_ID]
        r = get(f"{B}/temporal/entities/{PERSON_ID}", headers=officer)
        assert r.json()["email"][0]["value"] == "somchai@example.co.th"
        newest = c.audit(limit=2)
        assert [x["action"] for x in newest] == [
            "GET /ngsi-ld/v1/temporal/entities/{entity_id}",
            "GET /ngsi-ld/v1/entities",
        ]
        assert newest[1]["purpose"] == "disease surveillance"  # the key's, none was asked
        assert "Somchai" not in newest[1]["action"]  # never the query string

        # reads that show no personal data in clear write nothing
        before = len(c.audit())
        assert get(f"{B}/entities/{BUILDING_ID}", headers=officer).status_code == 200
        assert get(f"{B}/entities/{PERSON_ID}?pick=id,occupation", headers=officer).json() == {
            "id": PERSON_ID,
            "occupation": {"type": "Property", "value": "silk weaver"},
        }
        assert get(f"{B}/entities?type=Building", headers=officer).status_code == 200
        reader = c.key("consumer")
        assert get(f"{B}/entities/{PERSON_ID}", headers=reader).status_code == 200
        assert len(c.audit()) == before


def test_the_audit_log_api(tmp_path: Path, db_url: str) -> None:
    with city(tmp_path, db_url) as c:
        a = c.key("consumer", personal=True)
        b = c.key("consumer", personal=True)
        for headers, eid in ((a, PERSON_ID), (b, PERSON_ID), (a, REPORT_ID), (a, BUILDING_ID)):
            assert c.client.get(f"{B}/entities/{eid}", headers=headers).status_code == 200
        r = c.client.get("/hub/v1/audit", params={"who": who(a)}, headers=c.admin)
        assert r.headers["NGSILD-Results-Count"] == "2"
        assert [x["entities"] for x in r.json()] == [[REPORT_ID], [PERSON_ID]]  # newest first
        assert len(c.audit(entity=PERSON_ID)) == 2
        assert len(c.audit(entity=REPORT_ID, who=who(b))) == 0
        page = c.client.get("/hub/v1/audit?limit=1&offset=1", headers=c.admin)
        assert page.headers["NGSILD-Results-Count"] == "3" and len(page.json()) == 1
        assert c.audit(since="2999-01-01") == [] and len(c.audit(until="2999-01-01")) == 3
        assert len(c.audit(since="2000-01-01T07:00:00+07:00")) == 3
        _problem(
            c.client.get("/hub/v1/audit?since=yesterday", headers=c.admin), 400, "BadRequestData"
        )
        # admins only, and each tenant's admin its own tenant's log
        _problem(c.client.get("/hub/v1/audit", headers=a), 403, "Forbidden")
        other = c.key("admin", tenant="phuket")
        assert c.client.get("/hub/v1/audit", headers=other).json() == []


def test_filtering_or_sorting_on_personal_data_needs_the_permission(
    tmp_path: Path, db_url: str
) -> None:
    with city(tmp_path, db_url) as c:
        get = c.client.get
        reader = c.key("consumer")
        email = 'q=email=="somchai@example.co.th"'
        for url in (
            f"{B}/entities?type=Person&{email}",
            f"{B}/entities?type=Person&q=name~=%22Som.*%22",
            f"{B}/entities?type=Person&orderBy=birthDate",
            f"{B}/entities?type=Person&georel=near;maxDistance==100&geometry=Point"
            "&coordinates=[102.835,16.441]",
            f"{B}/entities?{email}",  # no type: personal on some type is enough
            f"{B}/temporal/entities?type=Person&{email}",
        ):
            body = _problem(get(url, headers=reader), 403, "Forbidden")
            assert "personal data" in body["detail"], body
        query = {"type": "Query", "entities": [{"type": "Person"}], "q": "telephone==0812345678"}
        _problem(
            c.client.post(f"{B}/entityOperations/query", json=query, headers=reader),
            403,
            "Forbidden",
        )
        # what is not personal, or not on these types, stays open to filtering
        for url in (
            f"{B}/entities?type=Person&q=occupation==%22silk%20weaver%22",
            f"{B}/entities?type=Person&q=email",  # existence only, as attrs=email says
            f"{B}/entities?type=Building&q=name==%22Khon%20Kaen%20City%20Hall%22",
            f"{B}/entities?type=Person&orderBy=occupation",
        ):
            r = get(url, headers=reader)
            assert r.status_code == 200 and len(r.json()) == 1, (url, r.text)
            assert_masked(r.text)
        # a reader with the permission filters as it likes (and is audited)
        officer = c.key("consumer", personal=True)
        r = get(f"{B}/entities?type=Person&{email}", headers=officer)
        assert r.status_code == 200 and r.json()[0]["id"] == PERSON_ID


def test_open_mode_reads_are_audited_as_open(tmp_path: Path, db_url: str) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as client:
        assert client.post(f"{B}/entities", json=PERSON).status_code == 201
        body = client.get(f"{B}/entities/{PERSON_ID}").json()
        assert body["email"]["value"] == "somchai@example.co.th"
        (record,) = client.get("/hub/v1/audit").json()
        assert record["who"] == "open" and record["purpose"] == "open mode"
        assert record["tenant"] == ""
        tenant = {"NGSILD-Tenant": "khonkaen"}
        assert client.post(f"{B}/entities", json=PERSON, headers=tenant).status_code == 201
        assert client.get(f"{B}/entities/{PERSON_ID}", headers=tenant).status_code == 200
        (record,) = client.get("/hub/v1/audit", headers=tenant).json()
        assert record["tenant"] == "khonkaen" and record["who"] == "open"
