"""The public's view: anyone without a key reads only the entity types a tenant marks
open, personal data always masked; the other types are as if absent. Both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from city import BUILDING_ID, PERSON_ID, REPORT_ID, TENANT, B, City, assert_masked, city

PUBLIC = {"NGSILD-Tenant": TENANT}
T = f"{B}/temporal/entities"


def _open(c: City, *types: str) -> None:
    r = c.client.put("/hub/v1/open", json={"types": list(types)}, headers=c.admin)
    assert r.status_code == 204, r.text


def _ids(r: Any) -> set[str]:
    assert r.status_code == 200, r.text
    return {e["id"] for e in r.json()}


def test_the_public_reads_open_types_only_and_personal_data_masked(
    tmp_path: Path, db_url: str
) -> None:
    with city(tmp_path, db_url) as c:
        get, post = c.client.get, c.client.post
        _open(c, "Building", "Person")
        # a closed type is as if absent, on every path to it
        absent = get(f"{B}/entities/urn:ngsi-ld:IssueReporting:nothing", headers=PUBLIC)
        for url in (
            f"{B}/entities/{REPORT_ID}",
            f"{B}/entities/{REPORT_ID}?options=keyValues",
            f"{T}/{REPORT_ID}",
            f"{B}/types/IssueReporting",
            f"{B}/attributes/category",
        ):
            r = get(url, headers=PUBLIC)
            assert r.status_code == 404 and r.json()["type"] == absent.json()["type"], url
        assert get(f"{B}/entities/{REPORT_ID}", headers=PUBLIC).json()["detail"] == (
            absent.json()["detail"].replace("nothing", "KK-1")
        )
        # queries answer open types only: named, unnamed, or mixed with closed ones
        assert _ids(get(f"{B}/entities?type=IssueReporting", headers=PUBLIC)) == set()
        assert _ids(get(f"{B}/entities?type=Building,IssueReporting", headers=PUBLIC)) == {
            BUILDING_ID
        }
        assert _ids(get(f"{B}/entities?attrs=location", headers=PUBLIC)) == {PERSON_ID}
        counted = get(f"{B}/entities?attrs=location&count=true", headers=PUBLIC)
        assert counted.headers["NGSILD-Results-Count"] == "1"
        query = {"type": "Query", "attrs": ["location", "category"]}
        assert _ids(post(f"{B}/entityOperations/query", json=query, headers=PUBLIC)) == {PERSON_ID}
        assert _ids(get(f"{T}?type=IssueReporting,Person", headers=PUBLIC)) == {PERSON_ID}
        # joins do not reach a closed type either
        r = get(f"{B}/entities/{BUILDING_ID}?join=inline", headers=PUBLIC)
        assert r.json()["owner"]["entity"]["id"] == PERSON_ID  # Person is open
        # personal data is masked for the public, whatever the key-holders may see
        for url in (f"{B}/entities/{PERSON_ID}", f"{B}/entities?type=Person", f"{T}/{PERSON_ID}"):
            r = get(url, headers=PUBLIC)
            assert r.status_code == 200, r.text
            assert_masked(r.text)
        r = get(f'{B}/entities?type=Person&q=email=="somchai@example.co.th"', headers=PUBLIC)
        assert r.status_code == 403
        # discovery lists open types and their attributes only
        types = get(f"{B}/types", headers=PUBLIC).json()["typeList"]
        assert sorted(types) == ["Building", "Person"]
        details = get(f"{B}/types?details=true", headers=PUBLIC).json()
        assert {t["typeName"] for t in details} == {"Building", "Person"}
        attrs = get(f"{B}/attributes", headers=PUBLIC).json()["attributeList"]
        assert "category" not in attrs and "reporterName" not in attrs and "email" in attrs
        location = get(f"{B}/attributes/location", headers=PUBLIC).json()
        assert location["typeNames"] == ["Person"] and location["attributeCount"] == 1
        listed = get(f"{B}/attributes?details=true", headers=PUBLIC).json()
        assert all("IssueReporting" not in a["typeNames"] for a in listed)
        assert c.audit() == []  # the public never reads personal data in clear
        # a key-holder still sees everything
        reader = c.key("consumer")
        assert len(get(f"{B}/types", headers=reader).json()["typeList"]) == 3
        assert get(f"{B}/attributes/location", headers=reader).json()["attributeCount"] == 2


def test_every_type_open_and_nothing_open(tmp_path: Path, db_url: str) -> None:
    with city(tmp_path, db_url) as c:
        get = c.client.get
        _open(c, "*")
        r = get(f"{B}/entities/{REPORT_ID}", headers=PUBLIC)
        assert r.status_code == 200 and r.json()["contactPoint"]["value"] == "***"
        assert_masked(r.text)
        assert len(get(f"{B}/types", headers=PUBLIC).json()["typeList"]) == 3
        _open(c, "Building")  # a link to a closed type is not followed
        inline = get(f"{B}/entities/{BUILDING_ID}?join=inline", headers=PUBLIC).json()
        assert inline["owner"] == {"type": "Relationship", "object": PERSON_ID}
        flat = get(f"{B}/entities?type=Building&join=flat", headers=PUBLIC)
        assert [e["id"] for e in flat.json()] == [BUILDING_ID]
        _open(c)
        assert get(f"{B}/entities/{BUILDING_ID}", headers=PUBLIC).status_code == 401
