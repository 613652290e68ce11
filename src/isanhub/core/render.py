"""From the entity normal form to what a client asked for: compacted, in one of the
NGSI-LD representations (normalized, concise, keyValues/simplified), with options.

Compaction is a dictionary look-up per name (the term map memoises), never JSON-LD.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from isanhub.core.model import VALUE_MEMBER, Entity, Instance
from isanhub.core.projection import Projection, keeps


class CompactTerms(Protocol):
    def compact_attr(self, iri: str) -> str: ...
    def compact_type(self, iri: str) -> str: ...
    def compact_vocab_value(self, iri: str) -> str: ...


#: a linked-entity resolver for joins: (relationship IRI, object id) -> rendered entity
Linker = Callable[[str, str], Any]


@dataclass(frozen=True)
class View:
    """How an entity is rendered: representation, projection and options."""

    fmt: str = "normalized"  # normalized | concise | keyValues
    sys_attrs: bool = False
    attrs: frozenset[str] | None = None  # expanded IRIs to keep (attrs=)
    pick: Projection | None = None  # members to keep: core names or attribute IRIs
    omit: Projection | None = None  # members to drop
    lang: tuple[str, ...] | None = None  # language preferences, best first; "*" any
    dataset_ids: frozenset[str | None] | None = None  # instances to keep; None: default
    join: str | None = None  # "inline" | "flat": linked entity retrieval
    join_level: int = 1


NORMALIZED = View()


def render_entity(
    entity: Entity, terms: CompactTerms, view: View = NORMALIZED, linker: Linker | None = None
) -> dict[str, Any]:
    """The entity as the client asked; {} when pick/omit leave nothing."""
    if linker is None and (view is NORMALIZED or view == NORMALIZED):
        return _plain(entity, terms)
    pick, omit = view.pick, view.omit
    out: dict[str, Any] = {}
    if keeps("id", pick, omit):
        out["id"] = entity["id"]
    if keeps("type", pick, omit):
        types = [terms.compact_type(t) for t in entity["type"]]
        out["type"] = types[0] if len(types) == 1 else types
    if "scope" in entity and keeps("scope", pick, omit):
        s = entity["scope"]
        out["scope"] = s[0] if len(s) == 1 else s
    if view.sys_attrs and view.fmt != "keyValues":
        for member in ("createdAt", "modifiedAt"):
            if member in entity and keeps(member, pick, omit):
                out[member] = entity[member]
    for iri, instances in entity["attrs"].items():
        if view.attrs is not None and iri not in view.attrs:
            continue
        if not keeps(iri, pick, omit):
            continue
        if view.dataset_ids is not None:
            instances = [i for i in instances if i.get("datasetId") in view.dataset_ids]
            if not instances:
                continue
        name = terms.compact_attr(iri)
        link = _bind(linker, iri) if linker is not None else None
        if view.fmt == "keyValues":
            out[name] = _key_value(_default(instances), terms, view, link)
            continue
        rendered = [_instance(i, terms, view, link) for i in instances]
        if len(rendered) > 1 and view.fmt == "concise":
            rendered = [_concise_item(r) for r in rendered]
        out[name] = rendered[0] if len(rendered) == 1 else rendered
    return out


_NOT_SHOWN = frozenset({"createdAt", "modifiedAt", "attrs"})


def _plain(entity: Entity, terms: CompactTerms) -> dict[str, Any]:
    """The default view (normalized, no options): the most frequent read, kept short."""
    types = entity["type"]
    out: dict[str, Any] = {
        "id": entity["id"],
        "type": terms.compact_type(types[0])
        if len(types) == 1
        else [terms.compact_type(t) for t in types],
    }
    if "scope" in entity:
        s = entity["scope"]
        out["scope"] = s[0] if len(s) == 1 else s
    for iri, instances in entity["attrs"].items():
        if len(instances) == 1:
            out[terms.compact_attr(iri)] = _plain_instance(instances[0], terms)
        else:
            out[terms.compact_attr(iri)] = [_plain_instance(i, terms) for i in instances]
    return out


def _plain_instance(inst: Instance, terms: CompactTerms) -> dict[str, Any]:
    out = {k: v for k, v in inst.items() if k not in _NOT_SHOWN}
    if out["type"] == "VocabProperty":
        out["vocab"] = _value(inst, terms)
    if "objectType" in out:
        out["objectType"] = terms.compact_type(out["objectType"])
    subs = inst.get("attrs")
    if subs:
        for sub_iri, sub in subs.items():
            out[terms.compact_attr(sub_iri)] = _plain_instance(sub, terms)
    return out


def _bind(linker: Linker, iri: str) -> Callable[[str], Any]:
    return lambda obj: linker(iri, obj)


def _default(instances: list[Instance]) -> Instance:
    for inst in instances:
        if "datasetId" not in inst:
            return inst
    return instances[0]


def _value(inst: Instance, terms: CompactTerms) -> Any:
    kind = inst["type"]
    val = inst.get(VALUE_MEMBER.get(kind, "value"))
    if kind == "VocabProperty":
        if isinstance(val, list):
            return [terms.compact_vocab_value(v) for v in val]
        return terms.compact_vocab_value(str(val))
    return val


def pick_lang(lang_map: dict[str, Any], prefs: tuple[str, ...]) -> tuple[str, Any]:
    """The (language, text) of a languageMap best matching the preferences."""
    for pref in prefs:
        if pref == "*":
            first = next((k for k in lang_map if k != "@none"), None) or next(iter(lang_map))
            return first, lang_map[first]
        if pref in lang_map:
            return pref, lang_map[pref]
        low = pref.lower()
        for tag, text in lang_map.items():
            if tag.lower() == low or tag.lower().startswith(low + "-"):
                return tag, text
    for fallback in ("@none", "en"):
        if fallback in lang_map:
            return fallback, lang_map[fallback]
    first = next(iter(lang_map))
    return first, lang_map[first]


def _linked(inst: Instance, link: Callable[[str], Any] | None) -> Any:
    """The rendered linked entity (or entities) of a relationship instance, or None."""
    if link is None or inst["type"] not in ("Relationship", "ListRelationship"):
        return None
    obj = inst.get("object") if inst["type"] == "Relationship" else inst.get("objectList")
    if isinstance(obj, list):
        found = [link(o if isinstance(o, str) else o.get("object")) for o in obj]
        return found if any(f is not None for f in found) else None
    return link(obj) if isinstance(obj, str) else None


def _key_value(
    inst: Instance, terms: CompactTerms, view: View, link: Callable[[str], Any] | None
) -> Any:
    kind = inst["type"]
    if kind == "LanguageProperty" and view.lang:
        return pick_lang(inst["languageMap"], view.lang)[1]
    val = _value(inst, terms)
    linked = _linked(inst, link)
    if linked is not None:
        if isinstance(linked, list):
            return [entity or obj for entity, obj in zip(linked, val, strict=False)]
        return linked
    if kind == "LanguageProperty":
        return {"languageMap": val}
    if kind == "VocabProperty":
        return {"vocab": val}
    if kind == "ListProperty":
        return {"valueList": val}
    if kind == "JsonProperty":
        return {"json": val}
    return val


def _instance(
    inst: Instance, terms: CompactTerms, view: View, link: Callable[[str], Any] | None = None
) -> Any:
    kind = inst["type"]
    member = VALUE_MEMBER.get(kind, "value")
    out: dict[str, Any] = {"type": kind}
    if kind == "LanguageProperty" and view.lang:
        chosen, text = pick_lang(inst["languageMap"], view.lang)
        out = {"type": "Property", "value": text, "lang": chosen}
    else:
        out[member] = _value(inst, terms)
    for meta in ("datasetId", "observedAt", "unitCode"):
        if meta in inst:
            out[meta] = inst[meta]
    if "objectType" in inst:
        out["objectType"] = terms.compact_type(inst["objectType"])
    if view.sys_attrs:
        for meta in ("createdAt", "modifiedAt"):
            if meta in inst:
                out[meta] = inst[meta]
    for sub_iri, sub in inst.get("attrs", {}).items():
        out[terms.compact_attr(sub_iri)] = _instance(sub, terms, view)
    linked = _linked(inst, link)
    if linked is not None:
        out["entityList" if kind == "ListRelationship" else "entity"] = linked
    if view.fmt == "concise":
        return _concise(out)
    return out


#: one attribute instance rendered for a view (the temporal representation uses it too)
render_instance = _instance


def _concise_item(rendered: Any) -> Any:
    """One instance of several, concise: a bare value (or bare geometry) in an array
    would read back as a Property whose value is the whole array, so it keeps its value
    member ({"value": 5}; the type is still implied)."""
    if isinstance(rendered, dict) and any(m in rendered for m in _MEMBERS):
        return rendered
    return {"value": rendered}


_MEMBERS = frozenset(VALUE_MEMBER.values())


def _concise(out: dict[str, Any]) -> Any:
    """Concise form: drop the type (it is implied by the value member); a Property with
    nothing but a value becomes its bare value unless that would be ambiguous."""
    kind = out.pop("type")
    if kind == "Property" and "lang" in out:
        out["type"] = kind  # a LanguageProperty rendered for one language keeps its shape
        return out
    if kind in ("Property", "GeoProperty") and len(out) == 1:
        val = out["value"]
        if kind == "GeoProperty" or not isinstance(val, dict | list):
            return val
    return out


def geojson_feature(
    entity: Entity, terms: CompactTerms, view: View, geoproperty: str
) -> dict[str, Any]:
    """One entity as a GeoJSON Feature (Accept: application/geo+json)."""
    props = render_entity(entity, terms, view)
    eid = props.pop("id", entity["id"])
    geometry = None
    for inst in entity["attrs"].get(geoproperty, []):
        if inst["type"] == "GeoProperty":
            geometry = inst["value"]
            break
    return {"id": eid, "type": "Feature", "geometry": geometry, "properties": props}
