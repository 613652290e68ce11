"""JSON-LD round trips of whole entities (core.model expands, core.render compacts).

test_context.py checks single terms; here generated entities of every attribute type,
with sub-attributes, several instances (datasetIds), relationships with objectType,
vocabulary values, types and names that are terms, compact IRIs or full IRIs, are
expanded with a term map and compacted back with the same one: the result is the
entity the client sent. With the core context, and with a context of the client's own
(terms, prefixes); the names expand as JSON-LD (pyld) expands them.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from isanhub.core.context import ContextResolver, TermMap
from isanhub.core.model import ENTITY_RESERVED, NULL_URI, RESERVED, expand_entity
from isanhub.core.render import View, render_entity
from isanhub.core.termmap import (
    CORE_DOCUMENT,
    DEFAULT_CORE_URL,
    EMPTY_DOC,
    STUB_URLS,
    core_term_map,
)

NOW = "2024-05-01T08:00:00Z"
#: a client's own @context: terms, prefixes, a term that is a compact IRI of a prefix
CUSTOM = {
    "ex": "https://example.org/ns#",
    "schema": "https://schema.org/",
    "speed": "ex:speed",
    "Car": "ex:Car",
    "brand": "schema:brand",
    "Electric": "ex:Electric",
}
WORD = st.from_regex(r"[a-z][A-Za-z0-9_]{0,8}", fullmatch=True)
NAMES = st.one_of(
    WORD,
    st.sampled_from(["speed", "brand", "location", "name", "Car", "Electric"]),
    st.builds(lambda p, w: f"{p}:{w}", st.sampled_from(["ex", "schema"]), WORD),
    st.builds(lambda w: f"https://other.example/{w}", WORD),
)
URIS = st.from_regex(r"urn:ngsi-ld:[A-Z][a-z]{0,5}:[a-z0-9-]{1,8}", fullmatch=True)
JSON_KEYS = st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(lambda k: k != "type")
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8).filter(lambda s: s != NULL_URI),
)
JSON = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(JSON_KEYS, kids, max_size=3),
    max_leaves=6,
)
POINTS = st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(
    lambda p: {"type": "Point", "coordinates": list(p)}
)
TIMES = st.sampled_from(["2024-01-02T03:04:05Z", "2023-12-31T23:59:59.250Z"])


@functools.cache
def custom_term_map() -> TermMap:
    async def resolve() -> TermMap:
        resolver = ContextResolver(public_base="http://broker.invalid")
        try:
            return await resolver.resolve(CUSTOM)
        finally:
            await resolver.aclose()

    return asyncio.run(resolve())


TERM_MAPS = st.sampled_from(["core", "custom"])


def term_map(which: str) -> TermMap:
    return core_term_map() if which == "core" else custom_term_map()


def names(terms: TermMap, reserved: set[str]) -> st.SearchStrategy[str]:
    """Names a client may use that this term map compacts back to themselves (a compact
    IRI whose term is shorter, ex:speed, comes back as that term: not generated)."""
    return NAMES.filter(
        lambda n: n not in reserved and terms.compact_attr(terms.expand_attr(n)) == n
    )


@st.composite
def instances(draw: st.DrawFn, terms: TermMap, sub: bool = True) -> dict[str, Any]:
    """One attribute instance in normalized form, as a client writes it."""
    kind = draw(
        st.sampled_from(
            [
                "Property",
                "Relationship",
                "GeoProperty",
                "LanguageProperty",
                "VocabProperty",
                "ListProperty",
                "ListRelationship",
                "JsonProperty",
            ]
        )
    )
    types = names(terms, ENTITY_RESERVED)
    member, value = {
        "Property": lambda: ("value", draw(JSON)),
        "Relationship": lambda: ("object", draw(URIS | st.lists(URIS, min_size=1, max_size=3))),
        "GeoProperty": lambda: ("value", draw(POINTS)),
        "LanguageProperty": lambda: (
            "languageMap",
            draw(st.dictionaries(st.sampled_from(["en", "th", "fr-CA"]), st.text(max_size=6))),
        ),
        "VocabProperty": lambda: (
            "vocab",
            draw(types | st.lists(types, min_size=1, max_size=3, unique=True)),
        ),
        "ListProperty": lambda: ("valueList", draw(st.lists(JSON, max_size=3))),
        "ListRelationship": lambda: ("objectList", draw(st.lists(URIS, max_size=3))),
        "JsonProperty": lambda: ("json", draw(JSON)),
    }[kind]()
    if kind == "Property" and isinstance(value, dict):
        value.pop("type", None)  # {"type": "Point", ...} would be a GeoProperty
    inst: dict[str, Any] = {"type": kind, member: value}
    if draw(st.booleans()):
        inst["observedAt"] = draw(TIMES)
    if kind == "Property" and draw(st.booleans()):
        inst["unitCode"] = draw(st.sampled_from(["CEL", "MTR", "KMH"]))
    if kind in ("Relationship", "ListRelationship") and draw(st.booleans()):
        inst["objectType"] = draw(types)
    if sub:
        subs = draw(st.dictionaries(names(terms, RESERVED), instances(terms, False), max_size=2))
        inst.update(subs)
    return inst


@st.composite
def attributes(draw: st.DrawFn, terms: TermMap) -> Any:
    """One instance, or several with distinct datasetIds (one may have none)."""
    if draw(st.integers(0, 3)):
        return draw(instances(terms))
    ids = draw(
        st.lists(st.sampled_from(["a", "b", "c", None]), min_size=2, max_size=3, unique=True)
    )
    out = []
    for i in ids:
        inst = draw(instances(terms))
        if i is not None:
            inst["datasetId"] = f"urn:ngsi-ld:Dataset:{i}"
        out.append(inst)
    return out


@st.composite
def entities(draw: st.DrawFn, terms: TermMap) -> dict[str, Any]:
    types = names(terms, ENTITY_RESERVED)
    entity: dict[str, Any] = {
        "id": draw(URIS),
        "type": draw(types | st.lists(types, min_size=2, max_size=3, unique=True)),
    }
    if draw(st.booleans()):
        entity["scope"] = draw(st.sampled_from(["/Khonkaen", ["/Khonkaen/Mueang", "/Isan"]]))
    entity.update(
        draw(st.dictionaries(names(terms, ENTITY_RESERVED), attributes(terms), max_size=4))
    )
    return entity


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(TERM_MAPS, st.data())
@SETTINGS
def test_expand_then_compact_is_the_entity(which: str, data: st.DataObject) -> None:
    terms = term_map(which)
    entity = data.draw(entities(terms))
    stored = expand_entity(entity, terms, now=NOW)
    assert render_entity(stored, terms) == entity
    # the general renderer (options, projections) agrees with the short one
    assert render_entity(stored, terms, View(fmt="normalized", pick=None)) == entity


@given(TERM_MAPS, st.data())
@SETTINGS
def test_the_concise_form_expands_to_the_same_entity(which: str, data: st.DataObject) -> None:
    terms = term_map(which)
    stored = expand_entity(data.draw(entities(terms)), terms, now=NOW)
    concise = render_entity(stored, terms, View(fmt="concise"))
    assert expand_entity(concise, terms, now=NOW) == stored


@functools.cache
def _pyld_options() -> dict[str, Any]:
    docs = {DEFAULT_CORE_URL: CORE_DOCUMENT, **dict.fromkeys(STUB_URLS, EMPTY_DOC)}

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        # never the network: the core context as packaged, its scoped ones as the broker
        # stands them in (core.termmap)
        return {"contextUrl": None, "documentUrl": url, "document": docs[url]}

    return {"documentLoader": loader}


@given(TERM_MAPS, st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_names_expand_as_json_ld_does(which: str, data: st.DataObject) -> None:
    terms = term_map(which)
    attrs = data.draw(st.lists(names(terms, ENTITY_RESERVED), min_size=1, max_size=4, unique=True))
    kind = data.draw(names(terms, ENTITY_RESERVED))
    context = DEFAULT_CORE_URL if which == "core" else [CUSTOM, DEFAULT_CORE_URL]
    doc = {"@context": context, "id": "urn:ngsi-ld:T:1", "type": kind}
    doc.update({a: {"type": "Property", "value": 1} for a in attrs})
    [expanded] = jsonld.expand(doc, _pyld_options())
    assert expanded["@type"] == [terms.expand_type(kind)]
    assert set(expanded) - {"@id", "@type"} == {terms.expand_attr(a) for a in attrs}
