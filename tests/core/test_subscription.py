"""Tests of the subscription model: validation, stored form, PATCH, rendering, state.

Payloads follow the ETSI NGSI-LD test suite (data/subscriptions/*) where one exists.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isanhub.core import qlang
from isanhub.core.errors import BadRequestData
from isanhub.core.subscription import (
    compile_q,
    parse_subscription,
    patch_subscription,
    render_subscription,
    subscription_state,
)
from isanhub.core.termmap import (
    CORE_DOCUMENT,
    DEFAULT_CORE_URL,
    EMPTY_DOC,
    STUB_URLS,
    TermMap,
    core_term_map,
    process_context,
)

TS = "https://ngsi-ld-test-suite/context#"
DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"
NOW = "2026-03-01T12:00:00.000000Z"
LATER = "2026-03-02T12:00:00.000000Z"
CTX: list[Any] = [
    {
        "Building": TS + "Building",
        "Vehicle": TS + "Vehicle",
        "Tower": TS + "Tower",
        "name": TS + "name",
        "subCategory": TS + "subCategory",
        "airQualityLevel": TS + "airQualityLevel",
        "locatedAt": TS + "locatedAt",
        "ex": "http://example.org/",
    },
    DEFAULT_CORE_URL,
]


def term_map(context: list[Any]) -> TermMap:
    docs = {DEFAULT_CORE_URL: CORE_DOCUMENT, **dict.fromkeys(STUB_URLS, EMPTY_DOC)}
    return TermMap(process_context(context, docs, 8), context=context)


TERMS = term_map(CTX)
CORE = core_term_map()


def etsi_subscription(**extra: Any) -> dict[str, Any]:
    """data/subscriptions/subscription.jsonld"""
    body: dict[str, Any] = {
        "id": "urn:ngsi-ld:Subscription:randomUUID",
        "type": "Subscription",
        "timeInterval": 5,
        "entities": [{"type": "Building"}],
        "notification": {
            "format": "keyValues",
            "endpoint": {"uri": "http://localhost:1111/notify", "accept": "application/json"},
        },
        "@context": CTX,
    }
    body.update(extra)
    return body


def minimal(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "Subscription",
        "entities": [{"type": "Building"}],
        "notification": {"endpoint": {"uri": "http://localhost:1111/notify"}},
    }
    body.update(extra)
    return body


def parse(body: dict[str, Any], terms: TermMap = TERMS, context: Any = CTX) -> dict[str, Any]:
    return parse_subscription(body, terms, context=context, now=NOW)


def render(stored: dict[str, Any], terms: TermMap = TERMS, **kw: Any) -> dict[str, Any]:
    kw.setdefault("status", {})
    return render_subscription(stored, terms, **kw)


def patch(stored: dict[str, Any], fragment: dict[str, Any], now: str = LATER) -> dict[str, Any]:
    return patch_subscription(stored, fragment, TERMS, context=None, now=now)


# --- parse: the stored form and its defaults ---------------------------------------------------


def test_stored_form_of_the_etsi_subscription() -> None:
    stored = parse(etsi_subscription())
    assert stored == {
        "id": "urn:ngsi-ld:Subscription:randomUUID",
        "type": "Subscription",
        "timeInterval": 5,
        "entities": [{"type": TS + "Building"}],
        "notification": {
            "format": "keyValues",
            "endpoint": {"uri": "http://localhost:1111/notify", "accept": "application/json"},
            "showChanges": False,
            "sysAttrs": False,
        },
        "notificationTrigger": ["attributeCreated", "attributeUpdated"],
        "isActive": True,
        "@context": CTX,
        "createdAt": NOW,
        "modifiedAt": NOW,
    }


def test_defaults_and_generated_id() -> None:
    stored = parse(minimal(), CORE, context=None)
    assert stored["id"].startswith("urn:ngsi-ld:Subscription:")
    assert len(stored["id"].rsplit(":", 1)[1]) == 32
    assert stored["notificationTrigger"] == ["attributeCreated", "attributeUpdated"]
    assert stored["isActive"] is True
    assert stored["notification"] == {
        "endpoint": {"uri": "http://localhost:1111/notify", "accept": "application/json"},
        "format": "normalized",
        "showChanges": False,
        "sysAttrs": False,
    }
    assert stored["@context"] is None
    assert stored["entities"] == [{"type": DEFAULT + "Building"}]


def test_two_subscriptions_get_different_ids() -> None:
    assert parse(minimal())["id"] != parse(minimal())["id"]


def test_null_members_count_as_absent() -> None:
    # data/subscriptions/subscription-building-entities-active.json
    stored = parse(minimal(expiresAt=None, isActive=True))
    assert "expiresAt" not in stored


def test_read_only_members_are_ignored() -> None:
    body = minimal(status="expired", createdAt="2000-01-01T00:00:00Z")
    body["notification"] = {**body["notification"], "timesSent": 4, "status": "failed"}
    stored = parse(body)
    assert stored["createdAt"] == NOW
    assert "timesSent" not in stored["notification"]
    assert "status" not in stored


def test_all_optional_members() -> None:
    body = minimal(
        subscriptionName="air",
        description="air quality",
        entities=[
            {"type": "(Building|Tower);ex:Thing", "idPattern": "^urn:.*"},
            {"type": TS + "Vehicle", "id": "urn:ngsi-ld:Vehicle:1"},
        ],
        watchedAttributes=["name", "ex:speed"],
        notificationTrigger=["entityCreated", "attributeDeleted", "entityCreated"],
        q="airQualityLevel>3",
        geoQ={
            "geometry": "Point",
            "coordinates": "[100.1,16.4]",
            "georel": "near;maxDistance==500",
        },
        scopeQ="/Isan/#",
        lang="th",
        csf="brandName!=Mercedes",
        throttling=2.5,
        expiresAt="2030-01-01T00:00:00Z",
        isActive=False,
        datasetId=["urn:ngsi-ld:Dataset:a", "@none"],
        jsonldContext="https://example.org/ctx.jsonld",
        notification={
            "attributes": ["name", "locatedAt"],
            "format": "concise",
            "showChanges": True,
            "sysAttrs": True,
            "join": "inline",
            "joinLevel": 2,
            "endpoint": {
                "uri": "mqtts://user:pw@broker.example.org:8883/topic",
                "accept": "application/ld+json",
                "receiverInfo": [{"key": "X-Key", "value": "v"}],
                "notifierInfo": [{"key": "MQTT-QoS", "value": "1"}],
                "timeout": 5,
            },
        },
    )
    stored = parse(body)
    assert stored["entities"] == [
        {"type": f"({TS}Building|{TS}Tower);http://example.org/Thing", "idPattern": "^urn:.*"},
        {"type": TS + "Vehicle", "id": "urn:ngsi-ld:Vehicle:1"},
    ]
    assert stored["watchedAttributes"] == [TS + "name", "http://example.org/speed"]
    assert stored["notificationTrigger"] == ["entityCreated", "attributeDeleted"]
    assert stored["q"] == "airQualityLevel>3"
    assert stored["qExpanded"] == TS + "airQualityLevel>3"
    assert stored["geoQ"]["coordinates"] == "[100.1,16.4]"  # kept as given
    assert stored["notification"]["attributes"] == [TS + "name", TS + "locatedAt"]
    assert stored["notification"]["endpoint"]["notifierInfo"] == [{"key": "MQTT-QoS", "value": "1"}]
    rendered = render(stored)
    for key in ("subscriptionName", "scopeQ", "lang", "csf", "throttling", "expiresAt"):
        assert rendered[key] == body[key]
    assert rendered["entities"][0]["type"] == "(Building|Tower);ex:Thing"
    assert rendered["notification"]["attributes"] == ["name", "locatedAt"]
    assert rendered["isActive"] is False
    assert rendered["status"] == "paused"


@pytest.mark.parametrize("fmt", ["normalized", "keyValues", "simplified", "concise"])
def test_formats(fmt: str) -> None:
    body = minimal()
    body["notification"]["format"] = fmt
    assert parse(body)["notification"]["format"] == fmt


@pytest.mark.parametrize("uri", ["http://h/n", "https://h:8443/n?x=1", "mqtt://h/t", "MQTTS://h/t"])
def test_endpoint_schemes(uri: str) -> None:
    body = minimal(notification={"endpoint": {"uri": uri}})
    assert parse(body)["notification"]["endpoint"]["uri"] == uri


def test_watched_attributes_alone_are_enough() -> None:
    body = minimal(watchedAttributes=["name"])
    del body["entities"]
    assert parse(body)["watchedAttributes"] == [TS + "name"]


def test_full_iri_with_fragment_is_a_valid_name() -> None:
    # data/subscriptions/subscription-building-entities-active-default-context.jsonld
    body = minimal(entities=[{"type": TS + "Building"}])
    body["notification"]["attributes"] = [TS + "airQualityLevel"]
    stored = parse(body, CORE, context=None)
    assert stored["entities"] == [{"type": TS + "Building"}]
    assert render(stored, TERMS)["notification"]["attributes"] == ["airQualityLevel"]


# --- parse: one rule each ----------------------------------------------------------------------


def _without(key: str) -> dict[str, Any]:
    body = minimal()
    del body[key]
    return body


def _notification(**members: Any) -> dict[str, Any]:
    return minimal(notification={"endpoint": {"uri": "http://h/n"}, **members})


def _endpoint(**members: Any) -> dict[str, Any]:
    return minimal(notification={"endpoint": {"uri": "http://h/n", **members}})


INVALID: list[tuple[str, Any, str]] = [
    ("not an object", ["x"], "JSON object"),
    ("empty (ETSI 028_02_02)", {}, "type"),
    ("type missing", _without("type"), "type"),
    ("wrong type", minimal(type="Subscriptions"), "type"),
    ("invalid id (ETSI 028_03_01)", minimal(id="invalidId"), "id"),
    ("empty id (ETSI 028_03_02)", minimal(id=""), "id"),
    ("no entities nor watchedAttributes", _without("entities"), "entities"),
    ("notification missing", _without("notification"), "notification"),
    ("unknown member", minimal(entity=[{"type": "Building"}]), "entity"),
    ("entities not a list", minimal(entities={"type": "Building"}), "entities"),
    ("entities empty", minimal(entities=[]), "entities"),
    ("selector not an object", minimal(entities=["Building"]), "entities[0]"),
    ("selector without type", minimal(entities=[{"id": "urn:a:b"}]), "entities[0]"),
    ("selector unknown member", minimal(entities=[{"type": "B", "ids": "x"}]), "ids"),
    ("selector bad id", minimal(entities=[{"type": "B", "id": "nope"}]), "entities[0].id"),
    ("selector bad idPattern", minimal(entities=[{"type": "B", "idPattern": "("}]), "idPattern"),
    ("selector bad type expression", minimal(entities=[{"type": "(A|B"}]), "entities[0].type"),
    ("selector type keyword", minimal(entities=[{"type": "type"}]), "entities[0].type"),
    ("selector type with space", minimal(entities=[{"type": "A B"}]), "entities[0].type"),
    ("watchedAttributes empty", minimal(watchedAttributes=[]), "watchedAttributes"),
    ("watchedAttributes not names", minimal(watchedAttributes=[1]), "watchedAttributes"),
    ("trigger unknown", minimal(notificationTrigger=["entityChanged"]), "notificationTrigger"),
    ("trigger empty", minimal(notificationTrigger=[]), "notificationTrigger"),
    ("trigger a string", minimal(notificationTrigger="entityCreated"), "notificationTrigger"),
    ("q syntax", minimal(q="name=="), "q"),
    ("q not a string", minimal(q=5), "q"),
    ("geoQ incomplete", minimal(geoQ={"geometry": "Point", "georel": "near"}), "geoQ"),
    (
        "geoQ bad georel",
        minimal(geoQ={"geometry": "Point", "coordinates": [1, 2], "georel": "nearby"}),
        "geoQ",
    ),
    ("geoQ unknown member", minimal(geoQ={"geometry": "Point", "coords": [1, 2]}), "geoQ"),
    ("scopeQ", minimal(scopeQ="Madrid"), "scopeQ"),
    ("lang empty", minimal(lang=""), "lang"),
    ("description not text", minimal(description=3), "description"),
    ("timeInterval zero", minimal(timeInterval=0), "timeInterval"),
    ("timeInterval text", minimal(timeInterval="5"), "timeInterval"),
    ("throttling negative (ETSI 028_05_02)", minimal(throttling=-30), "throttling"),
    ("throttling bool", minimal(throttling=True), "throttling"),
    (
        "throttling with timeInterval (ETSI 028_05_01)",
        minimal(timeInterval=10, throttling=30),
        "throttling",
    ),
    (
        "timeInterval with watchedAttributes",
        minimal(timeInterval=10, watchedAttributes=["name"]),
        "timeInterval",
    ),
    ("expiresAt not a date", minimal(expiresAt="tomorrow"), "expiresAt"),
    ("expiresAt impossible date", minimal(expiresAt="2030-13-45T00:00:00Z"), "expiresAt"),
    ("expiresAt in the past", minimal(expiresAt="2020-08-01T22:07:00Z"), "expiresAt"),
    ("isActive text", minimal(isActive="true"), "isActive"),
    ("datasetId not a URI", minimal(datasetId=["french"]), "datasetId"),
    ("datasetId empty", minimal(datasetId=[]), "datasetId"),
    (
        "jsonldContext not a URL (ETSI 028_07_01)",
        minimal(jsonldContext="unknownContext"),
        "jsonldContext",
    ),
    ("jsonldContext urn", minimal(jsonldContext="urn:x:y"), "jsonldContext"),
    ("notification not an object", minimal(notification="http://h/n"), "notification"),
    ("endpoint missing", minimal(notification={"format": "keyValues"}), "endpoint"),
    ("endpoint not an object", minimal(notification={"endpoint": "http://h"}), "endpoint"),
    (
        "endpoint uri missing",
        minimal(notification={"endpoint": {"accept": "application/json"}}),
        "uri",
    ),
    ("endpoint uri relative", minimal(notification={"endpoint": {"uri": "/notify"}}), "uri"),
    ("endpoint uri ftp", minimal(notification={"endpoint": {"uri": "ftp://h/x"}}), "uri"),
    ("endpoint uri no host", minimal(notification={"endpoint": {"uri": "http:/x"}}), "uri"),
    (
        "endpoint uri bad port",
        minimal(notification={"endpoint": {"uri": "http://h:99999/"}}),
        "uri",
    ),
    ("endpoint uri with space", minimal(notification={"endpoint": {"uri": "http://h/a b"}}), "uri"),
    ("endpoint accept", _endpoint(accept="text/plain"), "accept"),
    ("endpoint unknown member", _endpoint(headers={}), "endpoint"),
    ("receiverInfo not a list", _endpoint(receiverInfo={"key": "a", "value": "b"}), "receiverInfo"),
    ("receiverInfo bad pair", _endpoint(receiverInfo=[{"key": "a"}]), "receiverInfo"),
    (
        "receiverInfo framing header",
        _endpoint(receiverInfo=[{"key": "Content-Length", "value": "5"}]),
        "receiverInfo",
    ),
    (
        "receiverInfo header injection",
        _endpoint(receiverInfo=[{"key": "X-A", "value": "a\r\nHost: evil"}]),
        "receiverInfo",
    ),
    (
        "receiverInfo bad name",
        _endpoint(receiverInfo=[{"key": "A B", "value": "x"}]),
        "receiverInfo",
    ),
    (
        "receiverInfo number value",
        _endpoint(receiverInfo=[{"key": "a", "value": 1}]),
        "receiverInfo",
    ),
    ("notifierInfo empty key", _endpoint(notifierInfo=[{"key": "", "value": "b"}]), "notifierInfo"),
    ("endpoint timeout", _endpoint(timeout=-1), "timeout"),
    ("format unknown", _notification(format="flat"), "format"),
    ("showChanges text", _notification(showChanges="yes"), "showChanges"),
    ("sysAttrs number", _notification(sysAttrs=1), "sysAttrs"),
    ("attributes empty", _notification(attributes=[]), "attributes"),
    ("attributes keyword", _notification(attributes=["@id"]), "attributes"),
    ("join unknown", _notification(join="deep"), "join"),
    ("joinLevel zero", _notification(joinLevel=0), "joinLevel"),
    ("joinLevel float", _notification(joinLevel=1.5), "joinLevel"),
    ("notification unknown member", _notification(attrs=["name"]), "attrs"),
    ("pick and omit overlap (ETSI 028_08_01)", _notification(pick=["id"], omit=["id"]), "pick"),
    ("pick and attributes (ETSI 028_08_02)", _notification(pick=["id"], attributes=["id"]), "pick"),
    (
        "omit and attributes (ETSI 028_08_03)",
        _notification(omit=["name"], attributes=["name"]),
        "omit",
    ),
    ("pick empty", _notification(pick=[]), "pick"),
]


@pytest.mark.parametrize(
    ("body", "member"), [(b, m) for _, b, m in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid(body: Any, member: str) -> None:
    with pytest.raises(BadRequestData) as info:
        parse(body)
    assert member in info.value.detail


def test_pick_and_omit_without_overlap() -> None:
    stored = parse(_notification(pick=["id", "name"], omit=["type", "locatedAt"]))
    assert stored["notification"]["pick"] == ["id", TS + "name"]
    assert render(stored)["notification"]["omit"] == ["type", "locatedAt"]


# --- q -----------------------------------------------------------------------------------------


def test_q_expanded_round_trips_and_is_url_decoded() -> None:
    # data/subscriptions/subscription-building-entities-active-watchedAttributes-query.jsonld
    stored = parse(minimal(q='name=="Eiffel%20Tower";ex:speed>3'))
    assert stored["q"] == 'name=="Eiffel%20Tower";ex:speed>3'
    assert stored["qExpanded"] == f'{TS}name=="Eiffel Tower";http://example.org/speed>3'
    node = compile_q(stored)
    assert node == qlang.map_attrs(
        qlang.parse('name=="Eiffel Tower";ex:speed>3'), TERMS.expand_attr
    )


def test_q_with_expanded_sub_attributes_is_stored_expanded() -> None:
    # a path of two full IRIs is written <iri>.<iri>: every process compiles it alone
    stored = parse(minimal(q="name.subCategory==1|name.observedAt>2020-01-01T00:00:00Z"))
    assert stored["qExpanded"].startswith(f"<{TS}name>.<{TS}subCategory>==1")
    node = compile_q(stored)
    assert isinstance(node, qlang.Or)
    assert node.items[0].path == qlang.Path(TS + "name", (TS + "subCategory",))
    assert node.items[1].path == qlang.Path(TS + "name", ("observedAt",))


def test_compile_q_without_q() -> None:
    assert compile_q(parse(minimal())) is None


# --- render ------------------------------------------------------------------------------------


def test_render_matches_the_etsi_expectation() -> None:
    # data/subscriptions/expectations/subscription-028-01.jsonld, as compared by ETSI 028_01
    expected = {
        "id": "urn:ngsi-ld:Subscription:randomUUID",
        "type": "Subscription",
        "timeInterval": 5,
        "entities": [{"type": "Building"}],
        "notification": {
            "format": "keyValues",
            "endpoint": {"uri": "http://localhost:1111/notify", "accept": "application/json"},
        },
        "status": "active",
        "notificationTrigger": ["attributeCreated", "attributeUpdated"],
    }
    assert render(parse(etsi_subscription())) == expected


def test_render_inactive_like_etsi_031_01() -> None:
    body = etsi_subscription(isActive=False)
    del body["timeInterval"]
    rendered = render(parse(body))
    assert rendered["isActive"] is False
    assert rendered["status"] == "paused"


def test_render_with_the_core_context_shows_full_iris() -> None:
    # ETSI 029_05_02: read without a context, the type is the expanded IRI
    stored = parse(minimal(watchedAttributes=["name", "ex:speed", "location"]))
    rendered = render(stored, CORE)
    assert rendered["entities"] == [{"type": TS + "Building"}]
    assert rendered["watchedAttributes"] == [TS + "name", "http://example.org/speed", "location"]


def test_render_with_another_context_uses_its_terms() -> None:
    other = term_map([{"Bldg": TS + "Building", "nm": TS + "name"}, DEFAULT_CORE_URL])
    rendered = render(parse(minimal(watchedAttributes=["name"])), other)
    assert rendered["entities"] == [{"type": "Bldg"}]
    assert rendered["watchedAttributes"] == ["nm"]


def test_q_is_recompacted_for_a_reader_with_another_context() -> None:
    stored = parse(minimal(q='name=="Eiffel%20Tower"'))
    assert render(stored)["q"] == 'name=="Eiffel%20Tower"'  # the subscriber's own text
    assert render(stored, CORE)["q"] == TS + 'name=="Eiffel Tower"'
    core_sub = parse(minimal(q="temperature>20"), CORE, context=None)
    assert render(core_sub, CORE)["q"] == "temperature>20"
    assert render(core_sub, TERMS)["q"] == "temperature>20"  # core terms are shared


def test_round_trip_with_the_core_context() -> None:
    body = minimal(
        watchedAttributes=["temperature"],
        geoQ={
            "geometry": "Point",
            "coordinates": [1, 2],
            "georel": "near;maxDistance==10",
            "geoproperty": "location",
        },
    )
    stored = parse(body, CORE, context=None)
    assert stored["entities"] == [{"type": DEFAULT + "Building"}]
    assert stored["geoQ"]["geoproperty"] == "https://uri.etsi.org/ngsi-ld/location"
    rendered = render(stored, CORE)
    assert rendered["entities"] == body["entities"]
    assert rendered["watchedAttributes"] == ["temperature"]
    assert rendered["geoQ"] == body["geoQ"]


def test_render_delivery_status_and_sys_attrs() -> None:
    stored = parse(minimal())
    status = {"timesSent": 3, "timesFailed": 1, "lastFailure": NOW, "status": "failed", "x": 1}
    rendered = render(stored, status=status, sys_attrs=True)
    assert rendered["notification"]["timesSent"] == 3
    assert rendered["notification"]["status"] == "failed"
    assert rendered["notification"]["lastFailure"] == NOW
    assert "lastSuccess" not in rendered["notification"]
    assert "x" not in rendered["notification"]
    assert rendered["createdAt"] == rendered["modifiedAt"] == NOW
    assert "createdAt" not in render(stored)
    assert "@context" not in rendered


def test_render_does_not_share_state_with_stored() -> None:
    stored = parse(minimal())
    render(stored)["notification"]["endpoint"]["uri"] = "http://other/"
    assert stored["notification"]["endpoint"]["uri"] == "http://localhost:1111/notify"


# --- state -------------------------------------------------------------------------------------


def test_states() -> None:
    stored = parse(minimal(expiresAt="2026-03-01T13:00:00Z"))
    assert subscription_state(stored, NOW) == "active"
    assert subscription_state(stored, "2026-03-01T13:00:00Z") == "expired"
    paused = {**stored, "isActive": False}
    assert subscription_state(paused, NOW) == "paused"
    assert subscription_state(paused, LATER) == "expired"  # expiry wins over isActive
    assert subscription_state({**stored, "expiresAt": "2026-03-01T20:00:00+07:00"}, NOW) == "active"
    del stored["expiresAt"]
    assert subscription_state(stored, "2999-01-01T00:00:00Z") == "active"
    assert render(parse(minimal(expiresAt="2099-01-01T00:00:00Z")))["status"] == "active"


# --- patch -------------------------------------------------------------------------------------


def test_patch_replaces_notification_like_etsi_029_06() -> None:
    stored = parse(etsi_subscription())
    before = copy.deepcopy(stored)
    fragment = {
        "type": "Subscription",
        "notification": {
            "format": "keyValues",
            "endpoint": {
                "uri": "http://my.second.endpoint.org/notify",
                "accept": "application/json",
            },
        },
    }
    updated = patch(stored, fragment)
    assert stored == before  # not mutated
    assert updated["notification"]["endpoint"]["uri"] == "http://my.second.endpoint.org/notify"
    assert updated["modifiedAt"] == LATER
    assert updated["createdAt"] == NOW
    assert updated["@context"] == CTX  # kept when the PATCH comes with the core context


def test_patch_entities_expands_with_the_request_context_like_etsi_029_05() -> None:
    stored = parse(etsi_subscription())
    updated = patch(stored, {"type": "Subscription", "entities": [{"type": "Vehicle"}]})
    assert updated["entities"] == [{"type": TS + "Vehicle"}]
    assert render(updated)["entities"] == [{"type": "Vehicle"}]
    assert render(updated, CORE)["entities"] == [{"type": TS + "Vehicle"}]


def test_patch_merges_notification_members() -> None:
    stored = parse(_notification(attributes=["name"], sysAttrs=True))
    fragment = {"notification": {"format": "concise", "endpoint": {"uri": "https://h/x"}}}
    merged = patch(stored, fragment)["notification"]
    assert merged["attributes"] == [TS + "name"]
    assert merged["sysAttrs"] is True
    assert merged["format"] == "concise"
    assert merged["endpoint"] == {"uri": "https://h/x", "accept": "application/json"}
    fragment = {
        "notification": {"attributes": None, "sysAttrs": None, "endpoint": {"uri": "https://h/x"}}
    }
    reset = patch(stored, fragment)["notification"]
    assert "attributes" not in reset
    assert reset["sysAttrs"] is False  # back to the default


@pytest.mark.parametrize(
    ("fragment", "member"),
    [
        ({"notification": {"format": "keyValues"}}, "endpoint"),  # ETSI 029_03
        (
            {"type": "Subscription", "notification": {"format": "keyValues", "endpoint": None}},
            "endpoint",
        ),  # 029_04
        ({"type": "Subscription", "expiresAt": "2020-08-01T22:07:00Z"}, "expiresAt"),  # 029_11
        ({"notification": None}, "notification"),
        ({"type": None}, "type"),
        ({"id": "urn:ngsi-ld:Subscription:other"}, "id"),
        ({"type": "Entity"}, "type"),
        ({"watchedAttributes": ["name"]}, "timeInterval"),  # re-validated as a whole
        ({"throttling": 3}, "throttling"),
        ({"entities": None}, "entities"),
        ({"entities": []}, "entities"),
        ({"timeInterval": -1}, "timeInterval"),
        ({"bogus": 1}, "bogus"),
        (
            {"notification": {"endpoint": {"uri": "http://h/"}, "pick": ["id"], "omit": ["id"]}},
            "pick",
        ),
    ],
)
def test_patch_invalid(fragment: dict[str, Any], member: str) -> None:
    stored = parse(etsi_subscription())
    with pytest.raises(BadRequestData) as info:
        patch(stored, fragment)
    assert member in info.value.detail


def test_patch_not_a_dict() -> None:
    with pytest.raises(BadRequestData):
        patch(parse(minimal()), ["x"])  # type: ignore[arg-type]


def test_patch_same_id_and_read_only_members_are_accepted() -> None:
    stored = parse(etsi_subscription())
    updated = patch(stored, {"id": stored["id"], "status": "paused", "createdAt": "x"})
    assert updated["createdAt"] == NOW
    assert updated["id"] == stored["id"]


def test_patch_null_removes_optional_members() -> None:
    stored = parse(minimal(q="name==1", throttling=3, isActive=False, description="d"))
    assert "qExpanded" in stored
    updated = patch(stored, {"q": None, "throttling": None, "isActive": None, "description": None})
    for key in ("q", "qExpanded", "throttling", "description"):
        assert key not in updated
    assert updated["isActive"] is True


def test_patch_new_q_replaces_q_expanded() -> None:
    stored = parse(minimal(q="name==1"))
    updated = patch(stored, {"q": "name.subCategory==2"})
    assert updated["q"] == "name.subCategory==2"
    assert updated["qExpanded"] == f"<{TS}name>.<{TS}subCategory>==2"


def test_patch_context_replaced_when_given() -> None:
    stored = parse(minimal(), CORE, context=None)
    updated = patch_subscription(stored, {"isActive": False}, TERMS, context=CTX, now=LATER)
    assert updated["@context"] == CTX


def test_patch_states_like_etsi_029_07_to_029_10() -> None:
    inactive = parse(minimal(isActive=False))
    assert subscription_state(inactive, LATER) == "paused"
    assert (
        subscription_state(patch(inactive, {"type": "Subscription", "isActive": True}), LATER)
        == "active"
    )
    both = patch(
        inactive, {"type": "Subscription", "isActive": True, "expiresAt": "2030-08-01T22:07:00Z"}
    )
    assert subscription_state(both, LATER) == "active"
    active = parse(minimal())
    assert subscription_state(patch(active, {"isActive": False}), LATER) == "paused"
    # 029_10: expires soon, expires, then a new expiresAt in the future revives it
    soon = patch(active, {"expiresAt": "2026-03-02T12:00:05Z"})
    after = "2026-03-02T12:00:15Z"
    assert subscription_state(soon, after) == "expired"
    # a PATCH that does not touch expiresAt is still accepted once it has passed
    still = patch(soon, {"isActive": True}, now=after)
    assert subscription_state(still, after) == "expired"
    revived = patch(soon, {"type": "Subscription", "expiresAt": "2030-08-01T22:07:00Z"}, now=after)
    assert subscription_state(revived, after) == "active"


# --- property: parse -> render -> parse is stable --------------------------------------------

TERM_NAMES = ["Building", "Vehicle", "Tower", "name", "subCategory", "airQualityLevel", "locatedAt"]
names_st = st.one_of(
    st.sampled_from(TERM_NAMES),
    st.from_regex(r"ex:[a-z][a-zA-Z0-9]{0,8}", fullmatch=True),
    st.from_regex(r"[a-z][a-zA-Z0-9]{0,8}", fullmatch=True),  # under the core @vocab
    st.builds(lambda s: TS + s, st.from_regex(r"[A-Za-z][a-z]{0,6}", fullmatch=True)),
).filter(lambda n: not CORE.is_core_term(n))  # core terms (type, location...) are not free names
type_expr_st = st.one_of(
    names_st,
    st.lists(names_st, min_size=2, max_size=3).map(lambda ns: "(" + "|".join(ns) + ")"),
    st.lists(names_st, min_size=2, max_size=3).map(";".join),
)
selector_st = st.fixed_dictionaries(
    {"type": type_expr_st},
    optional={
        "id": st.from_regex(r"urn:ngsi-ld:[A-Z][a-z]{1,5}:[0-9]{1,4}", fullmatch=True),
        "idPattern": st.sampled_from(["^urn:.*", "Building:[0-9]+$"]),
    },
)
endpoint_st = st.fixed_dictionaries(
    {"uri": st.sampled_from(["http://h/n", "https://h:8443/n", "mqtt://b/t"])},
    optional={
        "accept": st.sampled_from(["application/json", "application/ld+json"]),
        "receiverInfo": st.lists(
            st.fixed_dictionaries(
                {
                    "key": st.sampled_from(["A", "B"]),
                    # what a header value can carry (others are refused, see below)
                    "value": st.text(
                        st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=5
                    ),
                }
            ),
            min_size=1,
            max_size=2,
        ),
    },
)
notification_st = st.fixed_dictionaries(
    {"endpoint": endpoint_st},
    optional={
        "attributes": st.lists(names_st, min_size=1, max_size=3),
        "format": st.sampled_from(["normalized", "keyValues", "simplified", "concise"]),
        "showChanges": st.booleans(),
        "sysAttrs": st.booleans(),
    },
)


@st.composite
def subscriptions(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "Subscription", "notification": draw(notification_st)}
    if draw(st.booleans()):
        body["entities"] = draw(st.lists(selector_st, min_size=1, max_size=3))
    periodic = draw(st.booleans())
    if not periodic or "entities" not in body:
        body["watchedAttributes"] = draw(st.lists(names_st, min_size=1, max_size=3))
        if draw(st.booleans()):
            body["throttling"] = draw(st.integers(1, 100))
    else:
        body["timeInterval"] = draw(st.floats(0.5, 1000))
    optional = {
        "subscriptionName": st.text(min_size=1, max_size=8).filter(str.strip),
        "notificationTrigger": st.lists(
            st.sampled_from(["entityCreated", "attributeDeleted"]), min_size=1, unique=True
        ),
        "q": st.sampled_from(
            ["name==1", 'airQualityLevel>2;name~="a.*"', "ex:speed|!name", "name.subCategory==3"]
        ),
        "geoQ": st.just(
            {
                "geometry": "Point",
                "coordinates": [100.8, 16.4],
                "georel": "near;maxDistance==5",
                "geoproperty": "location",
            }
        ),
        "scopeQ": st.sampled_from(["/Isan/#", "/a/+;/b"]),
        "isActive": st.booleans(),
        "expiresAt": st.sampled_from(["2030-01-01T00:00:00Z", "2027-05-05T05:05:05.123Z"]),
        "datasetId": st.lists(
            st.sampled_from(["urn:ngsi-ld:Dataset:a", "@none"]), min_size=1, unique=True
        ),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=subscriptions(), reader_is_core=st.booleans())
def test_parse_render_parse_round_trip(body: dict[str, Any], reader_is_core: bool) -> None:
    # read with the writer's context or the core one: either way the names expand back
    reader = CORE if reader_is_core else TERMS
    stored = parse(body)
    context = CTX if reader is TERMS else None
    again = parse(render(stored, reader, status={"timesSent": 1}), reader, context=context)
    if reader is CORE:
        # the q text is recompacted for the core reader (same meaning, other names)
        assert again.pop("q", None) is not None or "q" not in stored
        stored = {k: v for k, v in stored.items() if k not in ("q", "@context")}
        assert again.pop("@context") is None
    assert again == stored
