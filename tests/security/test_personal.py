"""The personal-data classification (security.personal) and what readers without the
permission see of it (security.mask): pure functions, no store."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isanhub.core.render import View, render_entity
from isanhub.core.termmap import core_term_map
from isanhub.security.mask import (
    MASK,
    MASKED_URI,
    mask_entity,
    mask_temporal,
    personal_attrs,
    pseudonym,
)
from isanhub.security.personal import Classification, load_classification, parse_classification
from isanhub.store.temporal import TemporalEntity

D = "https://uri.etsi.org/ngsi-ld/default-context/"
PERSON = D + "Person"
KEY = b"k" * 32
TERMS = core_term_map()


def prop(value: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value, **extra}


def person(**attrs: Any) -> dict[str, Any]:
    return {"id": "urn:ngsi-ld:Person:1", "type": [PERSON], "attrs": attrs}


def test_the_built_in_classification_covers_people_and_citizen_reports() -> None:
    c = load_classification()
    rules = c.rules([PERSON])
    assert rules[D + "name"] == "pseudonym" and rules[D + "email"] == "mask"
    assert rules["https://schema.org/email"] == "mask"  # schema.org @contexts too
    assert rules["https://uri.etsi.org/ngsi-ld/location"] == "coarsen"
    assert c.rules([D + "IssueReporting"])[D + "contactPoint"] == "mask"
    # nothing generic: a name or a location of any other type is not personal
    assert not c.rules([D + "Building"]) and not c.rules([D + "Vehicle"])
    assert D + "name" not in c.attrs_for([D + "Building", D + "Sensor"])


def test_a_hub_can_bring_its_own_file(tmp_path: Path) -> None:
    path = tmp_path / "personal.toml"
    path.write_text(
        '[types.Patient]\nname = "omit"\n"https://example.org/hn" = "pseudonym"\n'
        '[types."*"]\ncitizenId = "pseudonym"\n'
    )
    c = load_classification(str(path))
    assert c.rules([D + "Patient"]) == {
        D + "name": "omit",
        "https://example.org/hn": "pseudonym",
        D + "citizenId": "pseudonym",
    }
    assert c.rules([D + "Building"]) == {D + "citizenId": "pseudonym"}
    assert c.attrs_for(None) == {D + "name", "https://example.org/hn", D + "citizenId"}


def test_the_strictest_method_wins_when_types_disagree() -> None:
    c = parse_classification(
        {"types": {"A": {"x": "pseudonym"}, "B": {"x": "omit"}, "C": {"x": "coarsen"}}}, "t"
    )
    assert c.rules([D + "A", D + "B"])[D + "x"] == "omit"
    assert c.rules([D + "C", D + "A"])[D + "x"] == "pseudonym"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[types.Person]\nemail = "blur"', "types.Person.email = 'blur': the method must be"),
        ("[types.Person\nemail = 1", "not valid TOML"),
        ('[people]\nemail = "mask"', "unknown key(s) people"),
        ('types = ["Person"]', "types must be tables"),
        ('vocabularies = "schema"', "vocabularies must be a list of IRIs"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="bad.toml") as err:
        load_classification(str(path))
    assert message in str(err.value)
    with pytest.raises(ValueError, match="nowhere.toml"):
        load_classification(str(tmp_path / "nowhere.toml"))


def test_a_bad_file_stops_the_start(tmp_path: Path) -> None:
    from conftest import make_settings
    from isanhub.api.app import create_app

    path = tmp_path / "bad.toml"
    path.write_text('[types.Person]\nemail = "blur"')
    with pytest.raises(ValueError, match="blur"):
        create_app(make_settings(tmp_path, personal_data=str(path)))


def test_each_method_on_each_kind_of_attribute() -> None:
    c = load_classification()
    entity = person(
        **{
            D + "name": [prop("Somchai  Jaidee")],
            D + "email": [prop("somchai@example.co.th", observedAt="2026-01-01T00:00:00Z")],
            D + "birthDate": [prop({"@type": "Date", "@value": "1980-05-12"})],
            "https://uri.etsi.org/ngsi-ld/location": [
                {
                    "type": "GeoProperty",
                    "value": {"type": "Point", "coordinates": [102.83512, 16.44178]},
                }
            ],
            D + "address": [{"type": "LanguageProperty", "languageMap": {"th": "12 ถนนมิตรภาพ"}}],
            D + "telephone": [{"type": "ListProperty", "valueList": ["0812345678", "043000000"]}],
            D + "citizenId": [{"type": "Relationship", "object": "urn:ngsi-ld:Citizen:110"}],
            D + "height": [prop(172)],
        }
    )
    before = copy.deepcopy(entity)
    masked, present = mask_entity(entity, c, KEY)
    assert entity == before  # never changed in place
    assert set(present) == set(entity["attrs"]) - {D + "height"}
    a = masked["attrs"]
    assert a[D + "name"][0]["value"] == pseudonym("somchai jaidee", KEY)
    assert a[D + "email"][0] == prop(MASK, observedAt="2026-01-01T00:00:00Z")
    assert a[D + "birthDate"][0]["value"] == "1980"
    geo = a["https://uri.etsi.org/ngsi-ld/location"][0]["value"]
    assert geo == {"type": "Point", "coordinates": [102.84, 16.44]}
    assert a[D + "address"][0]["languageMap"] == {"th": MASK}
    assert a[D + "telephone"][0]["valueList"] == [MASK, MASK]
    assert a[D + "citizenId"][0]["object"].startswith("urn:ngsi-ld:pseudonym:")
    assert a[D + "height"] is entity["attrs"][D + "height"]
    omitted = mask_entity(
        entity, parse_classification({"types": {"Person": {"email": "omit"}}}, "t"), KEY
    )
    assert D + "email" not in omitted[0]["attrs"]


def test_an_entity_without_personal_attributes_is_returned_as_it_is() -> None:
    c = load_classification()
    building = {
        "id": "urn:ngsi-ld:Building:1",
        "type": [D + "Building"],
        "attrs": {D + "name": [prop("x")]},
    }
    assert mask_entity(building, c, KEY) == (building, ())
    assert mask_entity(building, c, KEY)[0] is building
    assert personal_attrs(building, c) == ()
    assert mask_entity(person(), c, KEY)[0] is not None


def test_pseudonyms_are_stable_keyed_and_not_the_value() -> None:
    p = pseudonym("Somchai Jaidee", KEY)
    assert p == pseudonym("  somchai   JAIDEE ", KEY)  # the same person, written otherwise
    assert p != pseudonym("Somchai Jaidee", b"another hub's secret")
    assert p.startswith("pseudonym:") and len(p) == len("pseudonym:") + 16
    assert "Somchai" not in p and pseudonym(42, KEY) != pseudonym("43", KEY)


def test_a_relationship_stays_a_uri() -> None:
    c = parse_classification({"types": {"Person": {"friend": "mask", "boss": "pseudonym"}}}, "t")
    masked, _ = mask_entity(
        person(
            **{
                D + "friend": [{"type": "Relationship", "object": "urn:ngsi-ld:Person:2"}],
                D + "boss": [
                    {"type": "ListRelationship", "objectList": [{"object": "urn:ngsi-ld:Person:3"}]}
                ],
            }
        ),
        c,
        KEY,
    )
    assert masked["attrs"][D + "friend"][0]["object"] == MASKED_URI
    (item,) = masked["attrs"][D + "boss"][0]["objectList"]
    assert item["object"].startswith("urn:ngsi-ld:pseudonym:") and "Person:3" not in item["object"]


def test_histories_are_masked_instance_by_instance() -> None:
    c = load_classification()
    te = TemporalEntity(
        1,
        "urn:ngsi-ld:Person:1",
        [PERSON],
        attrs={
            D + "email": [
                {**prop("a@example.com"), "instanceId": "urn:i:1", "_t": 1},
                {**prop("b@example.com"), "instanceId": "urn:i:2", "_t": 2},
            ],
            D + "height": [{**prop(170), "instanceId": "urn:i:3", "_t": 1}],
        },
        buckets={D + "name": {"totalCount": [[2, 0, 10]], "max": [["Zed", 0, 10]]}},
    )
    masked, present = mask_temporal(te, c, KEY)
    assert present == (D + "email", D + "name")
    assert [i["value"] for i in masked.attrs[D + "email"]] == [MASK, MASK]
    assert masked.attrs[D + "email"][0]["instanceId"] == "urn:i:1"
    assert masked.buckets[D + "name"] == {"totalCount": [[2, 0, 10]], "max": [[MASK, 0, 10]]}
    assert te.attrs[D + "email"][0]["value"] == "a@example.com"  # the store's copy unchanged


# --- never a personal value in what is rendered -------------------------------------------
SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyzก-ฮ", min_size=6, max_size=20).map(
    lambda s: "S3CR3T" + s
)
PERSONAL = [D + "name", D + "email", D + "telephone", D + "address", D + "citizenId"]


def _instance(kind: str, secret: str, sub: bool) -> dict[str, Any]:
    inst: dict[str, Any]
    if kind == "Property":
        inst = prop(secret)
    elif kind == "compound":
        inst = prop({"street": secret, "n": [secret]})
    elif kind == "LanguageProperty":
        inst = {"type": "LanguageProperty", "languageMap": {"th": secret, "en": [secret]}}
    elif kind == "ListProperty":
        inst = {"type": "ListProperty", "valueList": [secret, {"x": secret}]}
    elif kind == "JsonProperty":
        inst = {"type": "JsonProperty", "json": {"k": secret}}
    elif kind == "VocabProperty":
        inst = {"type": "VocabProperty", "vocab": "urn:" + secret}
    elif kind == "Relationship":
        inst = {"type": "Relationship", "object": "urn:ngsi-ld:Person:" + secret}
    else:
        inst = {"type": "ListRelationship", "objectList": ["urn:ngsi-ld:Person:" + secret]}
    if sub:
        inst["attrs"] = {D + "note": prop(secret)}
    return inst


KINDS = ["Property", "compound", "LanguageProperty", "ListProperty", "JsonProperty",
         "VocabProperty", "Relationship", "ListRelationship"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PERSONAL),
            st.sampled_from(KINDS),
            SECRET,
            st.booleans(),
            st.sampled_from(["mask", "pseudonym", "omit", "coarsen"]),
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["normalized", "concise", "keyValues"]),
    st.booleans(),
)
def test_masking_never_leaves_a_personal_value_in_the_rendered_entity(
    items: list[tuple[str, str, str, bool, str]], fmt: str, sys_attrs: bool
) -> None:
    rules: dict[str, str] = {}
    attrs: dict[str, list[dict[str, Any]]] = {}
    secrets: list[str] = []
    for iri, kind, secret, sub, method in items:
        rules.setdefault(iri.rsplit("/", 1)[1], method)
        attrs.setdefault(iri, []).append(
            {**_instance(kind, secret, sub), "datasetId": f"urn:ds:{len(attrs.get(iri, []))}"}
        )
        secrets.append(secret)
    c = Classification({PERSON: {D + k: m for k, m in rules.items()}}, {})
    entity = person(**attrs)
    masked, present = mask_entity(entity, c, KEY)
    assert set(present) == set(attrs)
    view = View(fmt=fmt, sys_attrs=sys_attrs)
    for rendered in (render_entity(masked, TERMS, view), render_entity(masked, TERMS)):
        text = orjson.dumps(rendered).decode()
        for secret in secrets:
            assert secret.casefold() not in text.casefold()
    assert any(s in orjson.dumps(entity).decode() for s in secrets)  # the original still has them


def test_the_public_query_is_narrowed_to_open_types() -> None:
    from isanhub.security.reading import NO_TYPE, open_dnf

    a, b, c, d = "A", "B", "C", "D"
    open_ = frozenset({c, d})
    assert open_dnf(None, open_) == [frozenset({c}), frozenset({d})]
    # a group with an open type stays; another needs an open type besides its own
    assert open_dnf([frozenset({a, b}), frozenset({c})], open_) == [
        frozenset({a, b, c}),
        frozenset({a, b, d}),
        frozenset({c}),
    ]
    assert open_dnf(None, frozenset()) == [frozenset({NO_TYPE})]  # never "any type"
