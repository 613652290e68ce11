"""The temporal API (/temporal/entities) and the history every change records, on both
backends."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from isanhub.api.app import create_app
from isanhub.settings import Settings

B = "/ngsi-ld/v1"
T = f"{B}/temporal/entities"
EID = "urn:ngsi-ld:AirQualityObserved:KKU-1"


def series(
    attr: str, values: list[float], start_minute: int = 3, **extra: Any
) -> list[dict[str, Any]]:
    return [
        {
            "type": "Property",
            "value": v,
            "observedAt": f"2026-01-05T{12 + (start_minute + 62 * n) // 60:02d}:{(start_minute + 62 * n) % 60:02d}:00Z",
            **extra,
        }
        for n, v in enumerate(values)
    ]


def station(eid: str = EID, **attrs: Any) -> dict[str, Any]:
    return {"id": eid, "type": "AirQualityObserved", **attrs}


@pytest.fixture
def pm(client: TestClient) -> TestClient:
    """A station with three pm25 readings (12:03, 13:05, 14:07) and two temperatures."""
    body = station(pm25=series("pm25", [42, 35.5, 61]), temperature=series("t", [31, 33]))
    r = client.post(T, json=body)
    assert r.status_code == 201 and r.text == "", r.text
    return client


def values(body: dict[str, Any], attr: str) -> list[Any]:
    return [i["value"] for i in body[attr]]


def problem(r: Any, status: int, kind: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{kind}"


def test_create_then_read_the_whole_history(pm: TestClient) -> None:
    r = pm.get(f"{T}/{EID}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["id"] == EID and body["type"] == "AirQualityObserved"
    assert values(body, "pm25") == [42, 35.5, 61]  # oldest first
    assert values(body, "temperature") == [31, 33]
    ids = {i["instanceId"] for i in body["pm25"]}
    assert len(ids) == 3 and "createdAt" not in body["pm25"][0]
    # the current state holds the latest reading of each attribute
    current = pm.get(f"{B}/entities/{EID}").json()
    assert current["pm25"]["value"] == 61 and current["temperature"]["value"] == 33


def test_posting_again_adds_and_replaces_by_observation_time(pm: TestClient) -> None:
    more = station(pm25=[{"type": "Property", "value": 44, "observedAt": "2026-01-05T12:03:00Z"},
                         {"type": "Property", "value": 70, "observedAt": "2026-01-05T15:09:00Z"}])  # fmt: skip
    r = pm.post(T, json=more)
    assert r.status_code == 204 and r.text == ""
    assert values(pm.get(f"{T}/{EID}").json(), "pm25") == [44, 35.5, 61, 70]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"timerel": "before", "timeAt": "2026-01-05T13:05:00Z"}, [42]),  # before is strict
        ({"timerel": "after", "timeAt": "2026-01-05T13:05:00Z"}, [35.5, 61]),
        (
            {
                "timerel": "between",
                "timeAt": "2026-01-05T12:00:00Z",
                "endTimeAt": "2026-01-05T14:07:00Z",
            },
            [42, 35.5],
        ),
        ({"lastN": "2"}, [35.5, 61]),
        ({"lastN": "9"}, [42, 35.5, 61]),
    ],
)
def test_time_windows_and_last_n(
    pm: TestClient, params: dict[str, str], expected: list[float]
) -> None:
    r = pm.get(f"{T}/{EID}", params={**params, "attrs": "pm25"})
    assert r.status_code == 200, r.text
    assert values(r.json(), "pm25") == expected
    assert "temperature" not in r.json()


def test_simplified_and_aggregated_values(pm: TestClient) -> None:
    simple = pm.get(f"{T}/{EID}", params={"options": "temporalValues", "attrs": "pm25"}).json()
    assert simple["pm25"] == {
        "type": "Property",
        "values": [
            [42, "2026-01-05T12:03:00Z"],
            [35.5, "2026-01-05T13:05:00Z"],
            [61, "2026-01-05T14:07:00Z"],
        ],
    }
    params = {
        "options": "aggregatedValues",
        "aggrMethods": "avg,max,totalCount",
        "aggrPeriodDuration": "PT2H",
    }
    agg = pm.get(f"{T}/{EID}", params=params).json()
    # periods start at the oldest instance: 12:03-14:03 holds 42 and 35.5, 14:03-16:03 holds 61
    assert agg["pm25"]["avg"] == [
        [38.75, "2026-01-05T12:03:00Z", "2026-01-05T14:03:00Z"],
        [61.0, "2026-01-05T14:03:00Z", "2026-01-05T16:03:00Z"],
    ]
    assert [v for v, *_ in agg["pm25"]["max"]] == [42, 61]
    assert [v for v, *_ in agg["pm25"]["totalCount"]] == [2, 1]
    whole = pm.get(
        f"{T}/{EID}", params={"options": "aggregatedValues", "aggrMethods": "min,sum,stddev"}
    )
    stats = whole.json()["pm25"]
    assert stats["min"][0][0] == 35.5 and stats["sum"][0][0] == pytest.approx(138.5)
    assert stats["stddev"][0][0] == pytest.approx(13.25, abs=0.01)  # sample standard deviation


def test_query_by_type_window_q_and_geo(client: TestClient) -> None:
    for n, (lon, pm25) in enumerate([(102.83, [12, 80]), (104.0, [90, 95])]):
        body = station(f"urn:ngsi-ld:AirQualityObserved:S{n}", pm25=series("pm25", pm25))
        body["location"] = {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [lon, 16.44]},
        }
        assert client.post(T, json=body).status_code == 201
    base = {"type": "AirQualityObserved", "timerel": "after", "timeAt": "2026-01-01T00:00:00Z"}
    r = client.get(T, params={**base, "count": "true"})
    assert r.headers["NGSILD-Results-Count"] == "2" and len(r.json()) == 2
    # q is decided on the current state (the latest reading: 80 and 95); all instances come back
    got = client.get(T, params={**base, "q": "pm25>85"}).json()
    assert [e["id"] for e in got] == ["urn:ngsi-ld:AirQualityObserved:S1"]
    assert values(got[0], "pm25") == [90, 95]
    near = {
        "georel": "near;maxDistance==5000",
        "geometry": "Point",
        "coordinates": "[102.83,16.44]",
    }
    got = client.get(T, params={**base, **near}).json()
    assert [e["id"] for e in got] == ["urn:ngsi-ld:AirQualityObserved:S0"]
    # an entity without instances in the window is left out
    late = {**base, "timeAt": "2026-01-05T13:00:00Z", "attrs": "pm25"}
    assert len(client.get(T, params=late).json()) == 2
    none = {**base, "timeAt": "2027-01-01T00:00:00Z"}
    assert client.get(T, params=none).json() == []
    body = {"type": "Query", "entities": [{"type": "AirQualityObserved"}],
            "temporalQ": {"timerel": "after", "timeAt": "2026-01-01T00:00:00Z"}}  # fmt: skip
    r = client.post(f"{B}/temporal/entityOperations/query", json=body)
    assert r.status_code == 200 and len(r.json()) == 2


def test_normal_writes_record_history_and_deletions(client: TestClient) -> None:
    entity = station(pm25={"type": "Property", "value": 10, "observedAt": "2026-02-01T00:00:00Z"})
    assert client.post(f"{B}/entities", json=entity).status_code == 201
    update = {"pm25": {"type": "Property", "value": 20, "observedAt": "2026-02-01T01:00:00Z"}}
    assert client.patch(f"{B}/entities/{EID}/attrs", json=update).status_code == 204
    append = {"no2": {"type": "Property", "value": 7}}
    assert client.post(f"{B}/entities/{EID}/attrs", json=append).status_code == 204
    # an update that changes nothing else keeps the other attributes out of the history
    history = client.get(f"{T}/{EID}").json()
    assert values(history, "pm25") == [10, 20] and values(history, "no2") == [7]
    assert client.delete(f"{B}/entities/{EID}/attrs/pm25").status_code == 204
    gone = client.get(f"{T}/{EID}", params={"timeproperty": "deletedAt"}).json()
    (tombstone,) = gone["pm25"]
    assert tombstone["value"] == "urn:ngsi-ld:null" and "deletedAt" in tombstone
    assert "no2" not in gone
    # the history outlives the entity until the temporal delete
    assert client.delete(f"{B}/entities/{EID}").status_code == 204
    assert values(client.get(f"{T}/{EID}").json(), "no2") == [7]
    assert client.delete(f"{T}/{EID}").status_code == 204
    problem(client.get(f"{T}/{EID}"), 404, "ResourceNotFound")


def test_instances_are_modified_and_deleted_by_id(pm: TestClient) -> None:
    first = pm.get(f"{T}/{EID}").json()["pm25"][0]["instanceId"]
    change = {"type": "Property", "value": 43, "observedAt": "2026-01-05T12:03:00Z"}
    assert pm.patch(f"{T}/{EID}/attrs/pm25/{first}", json=change).status_code == 204
    body = pm.get(f"{T}/{EID}").json()
    assert body["pm25"][0] == {**change, "instanceId": first}  # same id, new value
    assert pm.delete(f"{T}/{EID}/attrs/pm25/{first}").status_code == 204
    assert values(pm.get(f"{T}/{EID}").json(), "pm25") == [35.5, 61]
    r = pm.patch(f"{T}/{EID}/attrs/pm25/{first}", json=change)
    problem(r, 404, "ResourceNotFound")
    problem(pm.delete(f"{T}/{EID}/attrs/pm25/urn:ngsi-ld:other:1"), 404, "ResourceNotFound")
    problem(pm.delete(f"{T}/{EID}/attrs/pm25/notAnId"), 400, "BadRequestData")


def test_attribute_history_deletion_by_dataset(client: TestClient) -> None:
    body = station(
        pm25=[*series("pm25", [1, 2]), *series("pm25", [9], datasetId="urn:ngsi-ld:Dataset:backup")]
    )
    assert client.post(T, json=body).status_code == 201
    assert client.delete(f"{T}/{EID}/attrs/pm25").status_code == 204  # the default ones
    left = client.get(f"{T}/{EID}").json()["pm25"]
    assert [(i["value"], i.get("datasetId")) for i in left] == [(9, "urn:ngsi-ld:Dataset:backup")]
    r = client.delete(f"{T}/{EID}/attrs/pm25", params={"deleteAll": "true"})
    assert r.status_code == 204
    problem(client.get(f"{T}/{EID}", params={"attrs": "pm25"}), 404, "ResourceNotFound")
    problem(client.delete(f"{T}/{EID}/attrs/pm25"), 404, "ResourceNotFound")


@pytest.mark.parametrize(
    ("params", "status", "kind"),
    [
        ({"timerel": "after"}, 400, "BadRequestData"),
        ({"timerel": "between", "timeAt": "2026-01-05T12:00:00Z"}, 400, "BadRequestData"),
        ({"timerel": "whenever", "timeAt": "2026-01-05T12:00:00Z"}, 400, "BadRequestData"),
        ({"timeAt": "yesterday", "timerel": "after"}, 400, "BadRequestData"),
        ({"lastN": "0"}, 400, "BadRequestData"),
        ({"options": "aggregatedValues", "aggrMethods": "median"}, 400, "BadRequestData"),
        (
            {"options": "aggregatedValues", "aggrMethods": "avg", "aggrPeriodDuration": "P1MT1H"},
            400,
            "BadRequestData",
        ),
        ({"options": "nonsense"}, 400, "InvalidRequest"),
        ({"format": "nonsense"}, 400, "InvalidRequest"),
        ({"attrs": "nowhere"}, 404, "ResourceNotFound"),
        ({"pick": "pm25", "omit": "pm25"}, 400, "BadRequestData"),
    ],
)
def test_bad_reads_are_refused(
    pm: TestClient, params: dict[str, str], status: int, kind: str
) -> None:
    problem(pm.get(f"{T}/{EID}", params=params), status, kind)


def test_bad_writes_leave_the_history_as_it_was(pm: TestClient) -> None:
    before = pm.get(f"{T}/{EID}").json()
    problem(
        pm.post(T, content=b'{"id": "x",,}', headers={"Content-Type": "application/json"}),
        400,
        "InvalidRequest",
    )
    problem(pm.post(T, json={"id": "notAUri", "type": "T"}), 400, "BadRequestData")
    problem(pm.post(T, json=station(pm25=[{"type": "Property"}])), 400, "BadRequestData")
    problem(pm.post(f"{T}//attrs", json={}), 400, "BadRequestData")
    problem(
        pm.post(f"{T}/urn:ngsi-ld:AirQualityObserved:none/attrs", json={"x": series("x", [1])}),
        404,
        "ResourceNotFound",
    )
    assert pm.patch(f"{T}/{EID}/attrs//urn:ngsi-ld:instance:1", json={}).status_code == 405
    problem(pm.delete(f"{T}/{EID}/attrs//urn:ngsi-ld:instance:1"), 400, "BadRequestData")
    problem(
        pm.get(T, params={"timerel": "after", "timeAt": "2026-01-01T00:00:00Z"}),
        400,
        "BadRequestData",
    )
    assert pm.get(f"{T}/{EID}").json() == before


def test_a_large_history_comes_in_pages(tmp_path: Any, db_url: str) -> None:
    settings = Settings(db=db_url, auth="open", temporal_page=5)
    with TestClient(create_app(settings)) as client:
        readings = [
            {"type": "Property", "value": n, "observedAt": f"2026-03-01T10:{n:02d}:00Z"}
            for n in range(12)
        ]
        assert client.post(T, json=station(pm25=readings)).status_code == 201
        seen: list[int] = []
        time_at = "2026-03-01T00:00:00Z"
        while True:  # page through with the end of each Content-Range, without gaps or repeats
            r = client.get(f"{T}/{EID}", params={"timerel": "after", "timeAt": time_at})
            page = values(r.json(), "pm25")
            if r.status_code == 200:
                seen += page
                break
            assert r.status_code == 206 and len(page) == 5
            unit, _, rest = r.headers["Content-Range"].partition(" ")
            assert unit == "date-time" and rest.endswith("/*")
            seen += page
            last = r.json()["pm25"][-1]["observedAt"]
            time_at = last.replace(":00Z", ":01Z")  # just after the last instance received
        assert seen == list(range(12))
        r = client.get(f"{T}/{EID}", params={"lastN": "8"})
        assert r.status_code == 206 and r.headers["Content-Range"].endswith("/8")
        assert values(r.json(), "pm25") == [7, 8, 9, 10, 11]


def test_pages_never_split_instances_of_one_time(tmp_path: Any, db_url: str) -> None:
    """Two datasets observed at the same times: a page ends between two times, never
    between two instances of one time, so paging loses and repeats nothing."""
    settings = Settings(db=db_url, auth="open", temporal_page=5)
    with TestClient(create_app(settings)) as client:
        readings = [
            {"type": "Property", "value": n * 10 + k, "observedAt": f"2026-03-01T10:{n:02d}:00Z",
             **({"datasetId": "urn:ngsi-ld:Dataset:b"} if k else {})}
            for n in range(12) for k in range(2)
        ]  # fmt: skip
        assert client.post(T, json=station(pm25=readings)).status_code == 201
        seen: list[int] = []
        time_at = "2026-03-01T00:00:00Z"
        for _ in range(20):
            r = client.get(f"{T}/{EID}", params={"timerel": "after", "timeAt": time_at})
            page = values(r.json(), "pm25")
            assert len(page) % 2 == 0, page  # both datasets of every time, together
            seen += page
            if r.status_code == 200:
                break
            time_at = r.json()["pm25"][-1]["observedAt"].replace(":00Z", ":01Z")
        assert sorted(seen) == sorted(n * 10 + k for n in range(12) for k in range(2))


def test_replace_merge_and_batch_writes_record_history(client: TestClient) -> None:
    entity = station(pm25={"type": "Property", "value": 1, "observedAt": "2026-04-01T00:00:00Z"})
    assert client.post(f"{B}/entities", json=entity).status_code == 201
    replaced = station(pm25={"type": "Property", "value": 2, "observedAt": "2026-04-01T01:00:00Z"})
    del replaced["id"], replaced["type"]
    replaced = {"type": "AirQualityObserved", **replaced}
    assert client.put(f"{B}/entities/{EID}", json=replaced).status_code == 204
    merge = {"pm25": {"type": "Property", "value": 3, "observedAt": "2026-04-01T02:00:00Z"}}
    assert client.patch(f"{B}/entities/{EID}", json=merge).status_code == 204
    batch = [station(pm25={"type": "Property", "value": 4, "observedAt": "2026-04-01T03:00:00Z"})]
    assert client.post(f"{B}/entityOperations/upsert", json=batch).status_code == 204
    assert values(client.get(f"{T}/{EID}").json(), "pm25") == [1, 2, 3, 4]
    # a write that changes nothing records nothing
    noop = {"pm25": {"type": "Property", "value": 4, "observedAt": "2026-04-01T03:00:00Z"}}
    r = client.post(f"{B}/entities/{EID}/attrs", json=noop, params={"options": "noOverwrite"})
    assert r.status_code in (204, 207)
    assert values(client.get(f"{T}/{EID}").json(), "pm25") == [1, 2, 3, 4]


def test_a_temporal_query_body_must_be_an_object(client: TestClient) -> None:
    for body in ([], "Query", 3, {"type": "Query", "temporalQ": "after"}):
        r = client.post(f"{B}/temporal/entityOperations/query", json=body)
        problem(r, 400, "BadRequestData")


def test_dates_at_the_edges_of_time(client: TestClient) -> None:
    bad_date = [{"type": "Property", "value": 1, "observedAt": "2026-13-45T00:00:00Z"}]
    problem(client.post(T, json=station(pm25=bad_date)), 400, "BadRequestData")
    far = [
        {"type": "Property", "value": 1, "observedAt": "0001-01-01T00:00:00Z"},
        {"type": "Property", "value": 2, "observedAt": "9999-12-31T23:59:59Z"},
    ]
    assert client.post(T, json=station(pm25=far)).status_code == 201
    assert values(client.get(f"{T}/{EID}").json(), "pm25") == [1, 2]
    aggregated = {"options": "aggregatedValues", "aggrMethods": "max"}
    for period in ("P1D", "P1M", "P1000Y"):  # periods that end after the year 9999 too
        r = client.get(f"{T}/{EID}", params={**aggregated, "aggrPeriodDuration": period})
        assert r.status_code == 200, r.text
        assert [v for v, *_ in r.json()["pm25"]["max"]] == [1, 2]
    r = client.get(f"{T}/{EID}", params={**aggregated, "aggrPeriodDuration": "P1001Y"})
    problem(r, 400, "BadRequestData")
    problem(client.get(f"{T}/{EID}", params={"lastN": str(2**70)}), 400, "BadRequestData")


def test_aggregations_skip_what_cannot_be_aggregated(client: TestClient) -> None:
    body = station(
        pm25=series("pm25", [10, 20]),
        name=[
            {"type": "Property", "value": v, "observedAt": "2026-01-05T12:03:00Z"}
            for v in ("b", "a")
        ],
        location={"type": "GeoProperty", "value": {"type": "Point", "coordinates": [102.8, 16.4]}},
    )
    assert client.post(T, json=body).status_code == 201
    params = {"options": "aggregatedValues", "aggrMethods": "min,max,avg"}
    got = client.get(f"{T}/{EID}", params=params).json()
    assert "location" not in got  # a geometry has no minimum, maximum or mean
    assert [v for v, *_ in got["name"]["min"]] == ["a"] and "avg" not in got["name"]
    assert [v for v, *_ in got["pm25"]["avg"]] == [15]
