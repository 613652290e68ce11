"""Tests of isanhub.notify.content: the Notification body and headers built from a
subscription and change events. Expected shapes follow ETSI GS CIM 009 clause 5.2.1/5.2.14
and the conformance suite's expectation files (046_xx), cited per test."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from isanhub.core.model import NULL_URI, Entity, expand_entity
from isanhub.core.termmap import (
    CORE_DOCUMENT,
    DEFAULT_CORE_URL,
    EMPTY_DOC,
    STUB_URLS,
    TermMap,
    core_term_map,
    process_context,
)
from isanhub.notify.content import Event, notification, parse_lang

T0, T1, NOW = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"
CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
CTX_URL = "https://example.org/isan.jsonld"
OTHER_URL = "https://example.org/other.jsonld"
EX = "https://example.org/"
CTX_DOC = {"@context": {t: EX + t for t in ("Shop", "name", "owner", "street", "kind", "stock")}}
LINK = '<{}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def term_map(context: Any) -> TermMap:
    """A term map as the resolver builds one (user entries, then the core), offline."""
    entries = context if isinstance(context, list) else [context]
    docs = {
        DEFAULT_CORE_URL: CORE_DOCUMENT,
        CTX_URL: CTX_DOC,
        OTHER_URL: {"@context": {}},
        **dict.fromkeys(STUB_URLS, EMPTY_DOC),
    }
    active = process_context([*entries, DEFAULT_CORE_URL], docs, 8)
    urls = tuple(e for e in entries if isinstance(e, str))
    return TermMap(active, context=context, urls=urls)


TERMS = term_map(CTX_URL)


def shop(now: str = T0, **attrs: Any) -> Entity:
    base: dict[str, Any] = {
        "id": "urn:ngsi-ld:Shop:1",
        "type": "Shop",
        "name": {"type": "Property", "value": "Somtam Nua"},
        "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:A"},
        "street": {
            "type": "LanguageProperty",
            "languageMap": {"th": "ถนนมิตรภาพ", "en": "Mittraphap Rd"},
        },
        "kind": {"type": "VocabProperty", "vocab": "restaurant"},
    }
    base.update(attrs)
    return expand_entity({k: v for k, v in base.items() if v is not None}, TERMS, now=now)


def sub(**params: Any) -> dict[str, Any]:
    top: dict[str, Any] = {k: params.pop(k) for k in ("lang", "watchedAttributes") if k in params}
    endpoint = {"uri": "http://receiver/notify", "accept": params.pop("accept", "application/json")}
    return {
        "id": "urn:ngsi-ld:Subscription:s1",
        **top,
        "notification": {**params, "endpoint": endpoint},
    }


def notify(
    s: dict[str, Any], *events: Event, terms: TermMap = TERMS
) -> tuple[dict[str, Any], dict[str, str]]:
    body, headers = notification(s, terms, events, now=NOW, core_context=CORE)
    return orjson.loads(body), headers


def one(s: dict[str, Any], event: Event) -> dict[str, Any]:
    entity: dict[str, Any] = notify(s, event)[0]["data"][0]
    return entity


CREATED = Event("entityCreated", None, shop())
RENAMED = Event("attributeUpdated", shop(), shop(T1, name={"type": "Property", "value": "Nua"}))


def test_notification_members_and_events_in_order() -> None:
    other = shop(id="urn:ngsi-ld:Shop:2")
    body, _ = notify(sub(format="keyValues"), CREATED, Event("entityUpdated", other, other))
    assert body["id"].startswith("urn:ngsi-ld:Notification:") and len(body["id"]) == 57
    assert (body["type"], body["subscriptionId"], body["notifiedAt"]) == (
        "Notification",
        "urn:ngsi-ld:Subscription:s1",
        NOW,
    )
    assert [e["id"] for e in body["data"]] == ["urn:ngsi-ld:Shop:1", "urn:ngsi-ld:Shop:2"]
    given, _ = notification(
        sub(), TERMS, [CREATED], now=NOW, notification_id="urn:x:1", core_context=CORE
    )
    assert orjson.loads(given)["id"] == "urn:x:1"


def test_formats() -> None:
    assert one(sub(format="keyValues"), CREATED) == {
        "id": "urn:ngsi-ld:Shop:1",
        "type": "Shop",
        "name": "Somtam Nua",
        "owner": "urn:ngsi-ld:Person:A",
        "street": {"languageMap": {"th": "ถนนมิตรภาพ", "en": "Mittraphap Rd"}},
        "kind": {"vocab": "restaurant"},
    }
    normalized = one(sub(), CREATED)
    assert normalized["name"] == {"type": "Property", "value": "Somtam Nua"}
    assert normalized["owner"] == {"type": "Relationship", "object": "urn:ngsi-ld:Person:A"}
    concise = one(sub(format="concise"), CREATED)
    assert concise["name"] == "Somtam Nua"
    assert concise["owner"] == {"object": "urn:ngsi-ld:Person:A"}


def test_attributes_projection_and_sys_attrs() -> None:
    picked = one(sub(attributes=[EX + "name"]), CREATED)
    assert picked == {"id": "urn:ngsi-ld:Shop:1", "type": "Shop", "name": picked["name"]}
    normalized = one(sub(sysAttrs=True), CREATED)
    assert (normalized["createdAt"], normalized["name"]["modifiedAt"]) == (T0, T0)
    # 046_17: keyValues with sysAttrs carries the entity's system attributes too
    kv = one(sub(format="keyValues", sysAttrs=True), CREATED)
    assert (kv["createdAt"], kv["modifiedAt"], kv["name"]) == (T0, T0, "Somtam Nua")
    assert "createdAt" not in one(sub(), CREATED)


def test_lang_picks_one_language() -> None:
    assert parse_lang("en;q=0.5, th") == ("th", "en") and parse_lang(" ") is None
    assert one(sub(lang="th"), CREATED)["street"] == {
        "type": "Property",
        "value": "ถนนมิตรภาพ",
        "lang": "th",
    }
    assert one(sub(lang="de,en", format="keyValues"), CREATED)["street"] == "Mittraphap Rd"


def test_show_changes_property_and_relationship() -> None:
    moved = shop(
        T1,
        name={"type": "Property", "value": "Nua"},
        owner={"type": "Relationship", "object": "urn:ngsi-ld:Person:B"},
    )
    entity = one(sub(showChanges=True), Event("entityUpdated", shop(), moved))
    # 046_31: previousValue / previousObject beside the new value; unchanged ones untouched
    assert entity["name"] == {"type": "Property", "value": "Nua", "previousValue": "Somtam Nua"}
    assert entity["owner"] == {
        "type": "Relationship",
        "object": "urn:ngsi-ld:Person:B",
        "previousObject": "urn:ngsi-ld:Person:A",
    }
    assert entity["kind"] == {"type": "VocabProperty", "vocab": "restaurant"}
    assert one(sub(showChanges=True, format="concise"), RENAMED)["name"] == {
        "value": "Nua",
        "previousValue": "Somtam Nua",
    }
    # 046_33: vocab values are compacted like the current one
    recat = Event(
        "attributeUpdated", shop(), shop(T1, kind={"type": "VocabProperty", "vocab": "cafe"})
    )
    assert one(sub(showChanges=True), recat)["kind"]["previousVocab"] == "restaurant"


def test_no_previous_values_without_a_change_or_in_key_values() -> None:
    assert (
        "previousValue" not in orjson.dumps(one(sub(showChanges=True), CREATED)).decode()
    )  # 046_40
    assert one(sub(), RENAMED)["name"] == {"type": "Property", "value": "Nua"}
    # the spec forbids showChanges with keyValues: plain values
    assert one(sub(showChanges=True, format="keyValues"), RENAMED)["name"] == "Nua"


def test_entity_deleted_is_id_type_and_deleted_at() -> None:
    gone = Event("entityDeleted", shop(), None)
    assert one(sub(format="keyValues"), gone) == {  # 046_21_01
        "id": "urn:ngsi-ld:Shop:1",
        "type": "Shop",
        "deletedAt": NOW,
    }
    with_sys = one(sub(format="keyValues", sysAttrs=True), gone)  # 046_21_02
    assert list(with_sys) == ["id", "type", "createdAt", "modifiedAt", "deletedAt"]
    assert one(sub(attributes=[EX + "name"]), gone) == {
        "id": "urn:ngsi-ld:Shop:1",
        "type": "Shop",
        "deletedAt": NOW,
    }


def test_entity_deleted_with_show_changes_lists_previous_values() -> None:
    entity = one(sub(showChanges=True), Event("entityDeleted", shop(), None))  # 046_37
    assert entity["deletedAt"] == NOW
    assert entity["name"] == {"type": "Property", "value": NULL_URI, "previousValue": "Somtam Nua"}
    assert entity["owner"] == {
        "type": "Relationship",
        "object": NULL_URI,
        "previousObject": "urn:ngsi-ld:Person:A",
    }
    assert entity["street"] == {
        "type": "LanguageProperty",
        "languageMap": NULL_URI,
        "previousLanguageMap": {"th": "ถนนมิตรภาพ", "en": "Mittraphap Rd"},
    }
    assert entity["kind"] == {
        "type": "VocabProperty",
        "vocab": NULL_URI,
        "previousVocab": "restaurant",
    }


def test_attribute_deleted_shows_the_null() -> None:
    s = sub(watchedAttributes=[EX + "name", EX + "street"])
    entity = one(s, Event("attributeDeleted", shop(), shop(T1, name=None)))
    assert entity["name"] == {"type": "Property", "value": NULL_URI}  # 046_22_04
    assert entity["owner"] == {"type": "Relationship", "object": "urn:ngsi-ld:Person:A"}
    street = one(s, Event("attributeDeleted", shop(), shop(T1, street=None)))["street"]
    assert street == {"type": "LanguageProperty", "languageMap": {"@none": NULL_URI}}  # 046_22_11
    kv = one(sub(format="keyValues"), Event("attributeDeleted", shop(), shop(T1, owner=None)))
    assert kv["owner"] == NULL_URI  # 046_22_01
    # an entity deletion deletes the watched attributes: only those are shown (046_22_12)
    on_delete = one(sub(watchedAttributes=[EX + "name"]), Event("attributeDeleted", shop(), None))
    assert on_delete == {
        "id": "urn:ngsi-ld:Shop:1",
        "type": "Shop",
        "deletedAt": NOW,
        "name": {"type": "Property", "value": NULL_URI},
    }


def test_attribute_deleted_with_sys_attrs_and_show_changes() -> None:
    event = Event("attributeDeleted", shop(), shop(T1, owner=None))
    assert one(sub(sysAttrs=True), event)["owner"] == {  # 046_22_05
        "type": "Relationship",
        "object": NULL_URI,
        "createdAt": T0,
        "modifiedAt": T0,
        "deletedAt": NOW,
    }
    assert one(sub(showChanges=True), event)["owner"] == {  # 046_34_02
        "type": "Relationship",
        "object": NULL_URI,
        "previousObject": "urn:ngsi-ld:Person:A",
    }
    assert one(
        sub(showChanges=True, format="concise"),
        Event("attributeDeleted", shop(), shop(T1, name=None)),
    )["name"] == {"value": NULL_URI, "previousValue": "Somtam Nua"}


def test_deleted_dataset_instance() -> None:
    both = [
        {"type": "Property", "value": 5},
        {"type": "Property", "value": 7, "datasetId": "urn:ds:b"},
    ]
    event = Event("attributeDeleted", shop(stock=both), shop(T1, stock=both[0]))
    # 046_22_06: the remaining instances and the deleted one, by datasetId
    assert one(sub(), event)["stock"] == [
        {"type": "Property", "value": 5},
        {"type": "Property", "value": NULL_URI, "datasetId": "urn:ds:b"},
    ]
    # 046_22_08: deleting every instance gives one Null
    all_gone = Event("attributeDeleted", shop(stock=both), shop(T1))
    assert one(sub(), all_gone)["stock"] == {"type": "Property", "value": NULL_URI}


@pytest.mark.parametrize(
    ("context", "link"),
    [
        (CTX_URL, CTX_URL),  # a custom context URL
        ([CTX_URL], CTX_URL),  # 046_10: a one-URL list names that URL
        ([CTX_URL, OTHER_URL], CORE),  # no single URL: the core context stands in
        ({"name": EX + "name"}, CORE),  # inline
    ],
)
def test_json_has_a_link_header(context: Any, link: str) -> None:
    body, headers = notify(sub(), CREATED, terms=term_map(context))
    assert headers == {"Content-Type": "application/json", "Link": LINK.format(link)}
    assert "@context" not in body and "@context" not in body["data"][0]


def test_json_with_the_core_context() -> None:
    body, headers = notify(sub(), CREATED, terms=core_term_map())
    assert headers["Link"] == LINK.format(DEFAULT_CORE_URL)
    assert body["data"][0]["type"] == EX + "Shop"  # not a core term: stays an IRI


@pytest.mark.parametrize("context", [CTX_URL, [CTX_URL, OTHER_URL], {"name": EX + "name"}])
def test_json_ld_has_the_context_in_the_body(context: Any) -> None:
    body, headers = notify(sub(accept="application/ld+json"), CREATED, terms=term_map(context))
    assert headers == {"Content-Type": "application/ld+json"}  # 046_14: no Link
    assert body["@context"] == context and body["data"][0]["@context"] == context


def test_json_ld_falls_back_to_the_core_context() -> None:
    docs = {DEFAULT_CORE_URL: CORE_DOCUMENT, **dict.fromkeys(STUB_URLS, EMPTY_DOC)}
    nameless = TermMap(process_context([DEFAULT_CORE_URL], docs, 8))  # names no context
    body, _ = notify(sub(accept="application/ld+json"), CREATED, terms=nameless)
    assert body["@context"] == CORE and body["data"][0]["@context"] == CORE
