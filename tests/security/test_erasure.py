"""The erasure of a data subject (POST /hub/v1/erasure, ``isanhub erase``) and the
retention of personal data (``isanhub retention --personal-rules``), on both backends:
what the API shows afterwards, and what is left in the database's tables and files."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from keyed import keyed_hub
from starlette.testclient import TestClient

from conftest import hub_rows, make_settings
from isanhub.api.app import create_app
from isanhub.cli import main
from isanhub.core.model import expand_entity, now_iso
from isanhub.core.termmap import core_term_map
from isanhub.security.erasure import ROUNDS, Report, Subject, erase
from isanhub.security.personal import load_classification
from isanhub.store.base import Change, Store, open_store

B = "/ngsi-ld/v1"
T = f"{B}/temporal/entities"
PERSON = "urn:ngsi-ld:Person:123"
OTHER = "urn:ngsi-ld:Person:999"
PHONE = "0812345678"
D = "https://uri.etsi.org/ngsi-ld/default-context/"
#: everything the subject's data holds that no other entity does (erased everywhere)
SECRETS = [PHONE, "สมชาย ใจดี", "somchai@example.org", "somchai.j@example.org", "0822222222"]
#: entities the erasure must leave byte for byte as they were
UNTOUCHED = ["urn:ngsi-ld:IssueReporting:2", "urn:ngsi-ld:AirQualityObserved:1"]


def prop(value: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value}


def rel(target: str) -> dict[str, Any]:
    return {"type": "Relationship", "object": target}


def city(c: TestClient) -> None:
    """A person, reports and a household about them, and data about others: every
    entity created, then changed, so that history holds several instances."""

    def post(entity: dict[str, Any]) -> None:
        assert c.post(f"{B}/entities", json=entity).status_code == 201

    def patch(eid: str, attrs: dict[str, Any]) -> None:
        assert c.patch(f"{B}/entities/{eid}/attrs", json=attrs).status_code == 204

    post({"id": PERSON, "type": "Person", "name": prop("สมชาย ใจดี"),
          "telephone": prop(PHONE), "email": prop("somchai@example.org")})  # fmt: skip
    patch(PERSON, {"email": prop("somchai.j@example.org")})
    report = "urn:ngsi-ld:IssueReporting:1"
    post({"id": report, "type": "IssueReporting", "description": prop("pothole, Mittraphap Rd"),
          "telephone": prop(PHONE), "reporter": rel(PERSON), "status": prop("open")})  # fmt: skip
    patch(report, {"status": prop("in progress")})
    patch(report, {"status": prop("done")})
    post({"id": "urn:ngsi-ld:IssueReporting:2", "type": "IssueReporting",
          "description": prop("broken street light"), "telephone": prop("0811111111"),
          "reporter": rel(OTHER)})  # fmt: skip
    # the number was the subject's once: found in history only
    post({"id": "urn:ngsi-ld:IssueReporting:3", "type": "IssueReporting",
          "description": prop("flooded soi"), "telephone": prop(PHONE)})  # fmt: skip
    patch("urn:ngsi-ld:IssueReporting:3", {"telephone": prop("0822222222")})
    # not a classified type: only its relationships to the subject go
    post({"id": "urn:ngsi-ld:Household:1", "type": "Household", "head": rel(PERSON),
          "members": {"type": "ListRelationship", "objectList": [PERSON, OTHER]},
          "district": prop("Mueang Khon Kaen")})  # fmt: skip
    patch("urn:ngsi-ld:Household:1", {"head": rel(OTHER)})
    post({"id": "urn:ngsi-ld:AirQualityObserved:1", "type": "AirQualityObserved",
          "pm25": prop(41.5)})  # fmt: skip
    patch("urn:ngsi-ld:AirQualityObserved:1", {"pm25": prop(38)})


def snapshot(c: TestClient, eid: str) -> tuple[bytes, bytes]:
    """An entity's document and its whole history, as the API answers them."""
    return c.get(f"{B}/entities/{eid}").content, c.get(f"{T}/{eid}").content


def views(c: TestClient) -> list[str]:
    """Every way of reading the tenant the erasure must leave without the subject."""
    types = "IssueReporting,Household,Person,AirQualityObserved"
    out = []
    for path, params in [
        (f"{B}/entities", {"type": types, "limit": "1000"}),
        (f"{B}/entities", {"type": "IssueReporting", "q": f'telephone=="{PHONE}"'}),
        (f"{B}/entities", {"type": "IssueReporting", "q": f"reporter=={PERSON}"}),
        (f"{B}/entities", {"type": "Household", "q": f"members=={PERSON}"}),
        (f"{B}/entities", {"type": "Household", "q": f"head=={PERSON}"}),
        (T, {"type": types}),
        (T, {"type": types, "lastN": "1"}),
        (T, {"type": types, "options": "temporalValues"}),
        (
            T,
            {
                "type": types,
                "options": "aggregatedValues",
                "aggrMethods": "totalCount,distinctCount,min,max",
            },
        ),  # fmt: skip
        (
            T,
            {
                "type": types,
                "timeproperty": "modifiedAt",
                "timerel": "after",
                "timeAt": "2000-01-01T00:00:00Z",
            },
        ),  # fmt: skip
    ]:
        r = c.get(path, params=params)
        assert r.status_code in (200, 206), r.text
        out.append(r.text)
    return out


def tables(db_url: str) -> tuple[str, ...]:
    """Every table of the store (on PostgreSQL: of the hub's schemas)."""
    if db_url.startswith("sqlite:"):
        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return tuple(name for (name,) in rows)
    url, namespace = db_url.split("?schema=")
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid ="
            " c.relnamespace WHERE c.relkind IN ('r', 'p') AND (n.nspname = %s OR n.nspname"
            " LIKE %s)",
            (namespace, namespace.replace("_", "\\_") + "\\_%"),
        ).fetchall()
    return tuple(name for (name,) in rows)


def _text(cell: Any) -> str:
    if isinstance(cell, bytes | memoryview):
        return bytes(cell).decode("utf-8", "replace")
    if isinstance(cell, dict | list):
        return json.dumps(cell, ensure_ascii=False)
    return str(cell)


def rows_holding(db_url: str, needle: str) -> dict[str, int]:
    """Per table, the rows with a cell holding ``needle``, read as another process would."""
    found: dict[str, int] = {}
    for table, rows in hub_rows(db_url, tables(db_url)).items():
        n = sum(any(needle in _text(cell) for cell in row) for row in rows)
        if n:
            found[table] = n
    return found


def dump(db_url: str) -> dict[str, list[str]]:
    """Every row but the audit log's (which records dry runs and reads) and the
    subscriptions' (their delivery status changes as the notifier retries)."""
    return {
        t: [repr(r) for r in rows]
        for t, rows in hub_rows(db_url, tables(db_url)).items()
        if t not in ("audit_log", "subscriptions")
    }


def file_bytes(db_url: str) -> Iterator[tuple[str, int, str]]:
    """SQLite: (needle, offset, table) of every secret and of the subject's id found in
    the bytes of the database file and its write-ahead log, once the log is
    checkpointed (the table owning the page, by the dbstat virtual table)."""
    path = Path(db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        owners = dict(conn.execute("SELECT pageno, name FROM dbstat"))
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    log = wal.read_bytes() if wal.exists() else b""
    for needle in [*SECRETS, PERSON]:
        raw = needle.encode()
        assert raw not in log, f"{needle} in the write-ahead log"
        at = data.find(raw)
        while at >= 0:
            yield needle, at, owners.get(at // size + 1, "(free)")
            at = data.find(raw, at + 1)


def erasures(db_url: str) -> list[tuple[Any, ...]]:
    """The audit log's records of erasures and their dry runs."""
    rows = hub_rows(db_url, ("audit_log",))["audit_log"]
    return [r for r in rows if any(str(cell).startswith("erasure") for cell in r)]


def erasure(c: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = c.post("/hub/v1/erasure", json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


EXPECTED = {
    "subject": f"{PERSON} + 1 value",
    "entitiesDeleted": [PERSON],
    "attributesRemoved": {
        "urn:ngsi-ld:IssueReporting:1": ["reporter", "telephone"],
        "urn:ngsi-ld:IssueReporting:3": ["telephone"],
    },
    "relationshipsRemoved": {
        "urn:ngsi-ld:Household:1": ["head", "members"],
        "urn:ngsi-ld:IssueReporting:1": ["reporter"],
    },
    # Person 4 (name, telephone, 2 emails); report 1: telephone, reporter; report 3: two
    # telephones; household: the head and the members that named the person
    "historyInstancesRemoved": 10,
    "complete": True,
}


def test_erasing_a_person_leaves_nothing_of_them(tmp_path: Path, db_url: str) -> None:
    body = {"entity": PERSON, "values": [PHONE]}
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        city(c)
        # a notification that cannot be delivered yet holds the documents it is about
        sub = {"type": "Subscription", "entities": [{"type": "IssueReporting"}],
               "notification": {"endpoint": {"uri": "http://127.0.0.1:9/down"}}}  # fmt: skip
        assert c.post(f"{B}/subscriptions", json=sub).status_code == 201
        c.patch(f"{B}/entities/urn:ngsi-ld:IssueReporting:1/attrs", json={"status": prop("ok")})
        assert rows_holding(db_url, PHONE).get("outbox")
        before = {eid: snapshot(c, eid) for eid in UNTOUCHED}
        kept = c.get(f"{T}/urn:ngsi-ld:IssueReporting:1", params={"attrs": "description,status"})
        everything = dump(db_url)
        dry = erasure(c, {**body, "dryRun": True})
        assert dry == {**EXPECTED, "at": dry["at"], "dryRun": True}
        assert dump(db_url) == everything  # a dry run changes nothing
        report = erasure(c, body)
        assert report == {**EXPECTED, "at": report["at"], "dryRun": False}
        assert report["at"].endswith("Z")
        # the API shows nothing of the subject, and everything else as it was
        for text in views(c):
            assert not [s for s in [*SECRETS, PERSON] if s in text], text
        assert c.get(f"{B}/entities/{PERSON}").status_code == 404
        assert c.get(f"{T}/{PERSON}").status_code == 404
        assert {eid: snapshot(c, eid) for eid in UNTOUCHED} == before
        after = c.get(f"{T}/urn:ngsi-ld:IssueReporting:1", params={"attrs": "description,status"})
        assert after.content == kept.content
        household = c.get(f"{B}/entities/urn:ngsi-ld:Household:1").json()
        assert household["head"]["object"] == OTHER and "members" not in household
        assert c.get(f"{B}/entities/urn:ngsi-ld:IssueReporting:3").json()["description"]
        # a second erasure finds nothing left
        again = erasure(c, body)
        assert again["entitiesDeleted"] == [] and again["historyInstancesRemoved"] == 0
    # nor do the tables: the values nowhere, the id only in the audit log
    for secret in SECRETS:
        assert rows_holding(db_url, secret) == {}, secret
    assert set(rows_holding(db_url, PERSON)) == {"audit_log"}
    audit = erasures(db_url)
    assert len(audit) == 3  # the dry run, the erasure, the second one
    erased = next(r for r in audit if "urn:ngsi-ld:IssueReporting:3" in _text(r))
    assert all(s not in _text(r) for r in audit for s in SECRETS)
    assert "https://uri.etsi.org/ngsi-ld/default-context/telephone" in _text(erased)
    if db_url.startswith("sqlite:"):  # nor the file's bytes, free pages included
        assert {(needle, table) for needle, _at, table in file_bytes(db_url)} <= {
            (PERSON, "audit_log")
        }


def test_erasure_by_values_only(tmp_path: Path, db_url: str) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        city(c)
        report = erasure(c, {"values": ["0822222222", "somchai.j@example.org"]})
        # the person and report 3 hold one of the values: all their personal data goes
        assert report["subject"] == "2 values" and report["entitiesDeleted"] == []
        assert report["attributesRemoved"] == {
            PERSON: ["email", "name", "telephone"],
            "urn:ngsi-ld:IssueReporting:3": ["telephone"],
        }
        assert report["relationshipsRemoved"] == {} and report["historyInstancesRemoved"] == 6
        person = c.get(f"{B}/entities/{PERSON}").json()
        assert set(person) == {"id", "type"}
        # the relationships to the person stay: the person was not named
        assert c.get(f"{B}/entities/urn:ngsi-ld:IssueReporting:1").json()["reporter"]
        history = c.get(f"{T}/{PERSON}")
        assert history.status_code == 404 or set(history.json()) == {"id", "type"}


def test_bad_requests_are_refused_and_change_nothing(tmp_path: Path, db_url: str) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        city(c)
        everything = dump(db_url)
        for body in [
            {},
            {"values": []},
            {"dryRun": True},
            {"entity": 5},
            {"entity": "not an id"},
            {"entity": PERSON, "values": PHONE},
            {"values": [PHONE, 5]},
            {"values": [""]},
            {"values": [PHONE] * 101},
            {"entity": PERSON, "dryRun": "no"},
            {"entity": PERSON, "telephone": PHONE},
        ]:
            r = c.post("/hub/v1/erasure", json=body)
            assert r.status_code == 400, (body, r.text)
            assert PHONE not in r.text  # a refusal does not repeat the values
        assert c.post("/hub/v1/erasure", json=[PERSON]).status_code == 400
        r = c.post("/hub/v1/erasure", content=b"{", headers={"Content-Type": "application/json"})
        assert r.status_code == 400
        r = c.post("/hub/v1/erasure", json={"entity": PERSON}, headers={"NGSILD-Tenant": "nope"})
        assert r.status_code == 404
        assert dump(db_url) == everything
        assert c.get(f"{B}/entities/{PERSON}").status_code == 200


def test_only_admins_erase(tmp_path: Path) -> None:
    with keyed_hub(tmp_path, f"sqlite:///{tmp_path / 'hub.db'}") as hub:
        c = hub.client
        writer = {**hub.key("kk", "provider"), "NGSILD-Tenant": "kk"}
        entity = {"id": PERSON, "type": "Person", "telephone": prop(PHONE)}
        assert c.post(f"{B}/entities", json=entity, headers=writer).status_code == 201
        body = {"entity": PERSON}
        assert c.post("/hub/v1/erasure", json=body, headers=writer).status_code == 403
        assert c.post("/hub/v1/erasure", json=body).status_code == 401
        admin = {**hub.key("kk", "admin"), "NGSILD-Tenant": "kk"}
        r = c.post("/hub/v1/erasure", json=body, headers=admin)
        assert r.status_code == 200 and r.json()["entitiesDeleted"] == [PERSON]
        # the tenant is the request's: the default tenant had no such person
        everyone = hub.key("*", "admin")
        assert (
            c.post("/hub/v1/erasure", json=body, headers=everyone).json()["entitiesDeleted"] == []
        )
        assert c.get(f"{B}/entities/{PERSON}", headers=writer).status_code == 404


def test_the_cli_erases_and_reports(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        city(c)
    capsys.readouterr()
    assert main(["erase", "--db", db_url, "--entity", PERSON, "--value", PHONE, "--dry-run",
                 "--json"]) == 0  # fmt: skip
    dry = json.loads(capsys.readouterr().out)
    assert dry == {**EXPECTED, "at": dry["at"], "dryRun": True}
    values = tmp_path / "values.txt"
    values.write_text(f"{PHONE}\n\n")
    assert main(["erase", "--db", db_url, "--entity", PERSON, "--values-from", str(values)]) == 0
    out = capsys.readouterr().out
    assert "entities deleted / เอนทิตีที่ลบ: 1" in out and f"  {PERSON}" in out
    assert "urn:ngsi-ld:IssueReporting:1: reporter, telephone" in out
    assert "รายการในประวัติที่ลบ: 10" in out and PHONE not in out
    for secret in SECRETS:
        assert rows_holding(db_url, secret) == {}, secret
    audit = erasures(db_url)
    assert [r for r in audit if any(str(cell).startswith("cli:") for cell in r)]
    assert main(["erase", "--db", db_url]) == 2
    assert main(["erase", "--db", db_url, "--entity", "not an id"]) == 2
    assert main(["erase", "--db", db_url, "--tenant", "nope", "--entity", PERSON]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_personal_retention_erases_only_what_is_older(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old, gone, new = (f"urn:ngsi-ld:IssueReporting:{n}" for n in ("old", "gone", "new"))
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        for eid, phone in ((old, "0891111111"), (gone, "0893333333")):
            entity = {"id": eid, "type": "IssueReporting", "description": prop("pothole"),
                      "telephone": prop(phone), "email": prop(f"{phone}@example.org")}  # fmt: skip
            assert c.post(f"{B}/entities", json=entity).status_code == 201
        c.patch(f"{B}/entities/{old}/attrs", json={"telephone": prop("0892222222")})
        assert c.delete(f"{B}/entities/{gone}").status_code == 204
        person = {"id": PERSON, "type": "Person", "telephone": prop("0894444444")}
        assert c.post(f"{B}/entities", json=person).status_code == 201
        time.sleep(2.2)  # the period of the rule below
        entity = {"id": new, "type": "IssueReporting", "telephone": prop("0895555555")}
        assert c.post(f"{B}/entities", json=entity).status_code == 201
        before = {eid: snapshot(c, eid) for eid in (new, PERSON)}
    capsys.readouterr()
    rules = "type:IssueReporting=PT2S, *=PT1H"  # the person is covered by the general rule
    assert main(["retention", "--db", db_url, "--personal-rules", rules, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "type:IssueReporting=PT2S: would erase 4 attributes of 2 entities, 5 recorded" in out
    assert "*=PT1H: would erase 0 attributes of 0 entities" in out
    for phone in ("0891111111", "0892222222", "0893333333"):
        assert rows_holding(db_url, phone), phone
    assert main(["retention", "--db", db_url, "--rules", "*=P10Y", "--personal-rules", rules]) == 0
    out = capsys.readouterr().out
    assert "removed 0 instances in all" in out  # the history's own rule: nothing that old
    assert "erased the personal data of 2 entities (5 recorded instances)" in out
    for phone in ("0891111111", "0892222222", "0893333333", "@example.org"):
        assert rows_holding(db_url, phone) == {}, phone
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        assert set(c.get(f"{B}/entities/{old}").json()) == {"id", "type", "description"}
        for eid in (old, gone):
            history = c.get(f"{T}/{eid}").json()
            assert set(history) == {"id", "type", "description"}, history
        assert {eid: snapshot(c, eid) for eid in (new, PERSON)} == before
    assert main(["retention", "--db", db_url, "--personal-rules", rules]) == 0
    assert "erased the personal data of 0 entities" in capsys.readouterr().out
    assert main(["retention", "--db", db_url, "--personal-rules", "type:X=forever"]) == 2


class WritesDuringTheSearch:
    """The hub's store, with a client writing an issue report that carries the subject's
    telephone number just after each search has read the current state (``writes``
    times): the write lands between the erasure's search and its removal."""

    def __init__(self, store: Store, writes: int) -> None:
        self.store = store
        self.left = writes
        self.written: list[str] = []

    async def get_many(self, tenant: str, ids: Any) -> Any:
        found = await self.store.get_many(tenant, ids)
        if self.left:
            self.left -= 1
            eid = f"urn:ngsi-ld:IssueReporting:late{len(self.written)}"
            entity = {"id": eid, "type": "IssueReporting", "telephone": prop(PHONE)}
            doc = expand_entity(entity, core_term_map(), now=now_iso())
            (result,) = await self.store.write_many("", [(eid, lambda _c: Change(doc, True))])
            assert not isinstance(result, BaseException)
            self.written.append(eid)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def _erase_while_writing(db_url: str, writes: int) -> tuple[Report, list[str]]:
    async def run() -> tuple[Report, list[str]]:
        store = open_store(db_url)
        await store.open()
        try:
            racing = WritesDuringTheSearch(store, writes)
            subject = Subject(entity=PERSON, values=(PHONE,))
            report = await erase(racing, "", subject, load_classification())  # type: ignore[arg-type]
            return report, racing.written
        finally:
            await store.close()

    return asyncio.run(run())


def test_a_write_landing_during_the_erasure_is_erased_too(tmp_path: Path, db_url: str) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        city(c)
    report, written = _erase_while_writing(db_url, writes=1)
    assert written == ["urn:ngsi-ld:IssueReporting:late0"]
    assert report.complete
    assert report.attributes_removed[written[0]] == [D + "telephone"]
    for secret in SECRETS:
        assert rows_holding(db_url, secret) == {}, secret


def test_an_erasure_that_keeps_finding_new_data_says_it_is_not_complete(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        city(c)
    report, written = _erase_while_writing(db_url, writes=ROUNDS + 1)
    assert len(written) == ROUNDS and not report.complete
    assert "erase again" in caplog.text and PHONE not in caplog.text
    # every report written before the last search is gone, the last one is left
    assert sorted(report.attributes_removed)[-ROUNDS + 1 :] == written[:-1]
    with TestClient(create_app(make_settings(tmp_path, db=db_url))) as c:
        assert c.get(f"{B}/entities/{written[-1]}").json()["telephone"]["value"] == PHONE
        again = erasure(c, {"values": [PHONE]})
        assert again["complete"] and list(again["attributesRemoved"]) == [written[-1]]
    assert rows_holding(db_url, PHONE) == {}
