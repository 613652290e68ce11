"""From the entity normal form to what a client asked for: compacted, in one of the
NGSI-LD representations (normalized, concise, keyValues/simplified), with options.

Compaction is a dictionary look-up per name (the term map memoises), never JSON-LD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from isanhub.core.model import VALUE_MEMBER, Entity, Instance


class CompactTerms(Protocol):
    def compact_attr(self, iri: str) -> str: ...
    def compact_type(self, iri: str) -> str: ...
    def compact_vocab_value(self, iri: str) -> str: ...


@dataclass(frozen=True)
class View:
    """How an entity is rendered: representation, projection and options."""

    fmt: str = "normalized"  # normalized | concise | keyValues
    sys_attrs: bool = False
    attrs: frozenset[str] | None = None  # expanded IRIs to keep (attrs= / pick)
    pick: frozenset[str] | None = None  # compacted member names to keep
    omit: frozenset[str] | None = None  # compacted member names to drop
    lang: str | None = None


NORMALIZED = View()


def render_entity(entity: Entity, terms: CompactTerms, view: View = NORMALIZED) -> dict[str, Any]:
    types = [terms.compact_type(t) for t in entity["type"]]
    out: dict[str, Any] = {"id": entity["id"], "type": types[0] if len(types) == 1 else types}
    if "scope" in entity:
        s = entity["scope"]
        out["scope"] = s[0] if len(s) == 1 else s
    if view.sys_attrs and view.fmt != "keyValues":
        out["createdAt"] = entity["createdAt"]
        out["modifiedAt"] = entity["modifiedAt"]
    for iri, instances in entity["attrs"].items():
        if view.attrs is not None and iri not in view.attrs:
            continue
        name = terms.compact_attr(iri)
        if view.fmt == "keyValues":
            out[name] = _key_value(_default(instances), terms, view)
            continue
        rendered = [_instance(i, terms, view) for i in instances]
        out[name] = rendered[0] if len(rendered) == 1 else rendered
    if view.pick is not None:
        out = {k: v for k, v in out.items() if k in view.pick}
    if view.omit is not None:
        out = {k: v for k, v in out.items() if k not in view.omit}
    return out


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
        return terms.compact_vocab_value(val)
    return val


def _pick_lang(lang_map: dict[str, Any], lang: str) -> tuple[str, Any]:
    if lang in lang_map:
        return lang, lang_map[lang]
    for candidate in ("en", "@none"):
        if candidate in lang_map:
            return candidate, lang_map[candidate]
    first = next(iter(lang_map))
    return first, lang_map[first]


def _key_value(inst: Instance, terms: CompactTerms, view: View) -> Any:
    if inst["type"] == "LanguageProperty" and view.lang and view.lang != "*":
        return _pick_lang(inst["languageMap"], view.lang)[1]
    val = _value(inst, terms)
    if inst["type"] == "LanguageProperty":
        return {"languageMap": val}
    if inst["type"] == "VocabProperty":
        return {"vocab": val}
    if inst["type"] == "ListProperty":
        return {"valueList": val}
    if inst["type"] == "JsonProperty":
        return {"json": val}
    return val


def _instance(inst: Instance, terms: CompactTerms, view: View) -> Any:
    kind = inst["type"]
    member = VALUE_MEMBER.get(kind, "value")
    out: dict[str, Any] = {"type": kind}
    if kind == "LanguageProperty" and view.lang and view.lang != "*":
        chosen, text = _pick_lang(inst["languageMap"], view.lang)
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
    if view.fmt == "concise":
        return _concise(out)
    return out


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
    eid = props.pop("id")
    geometry = None
    for inst in entity["attrs"].get(geoproperty, []):
        if inst["type"] == "GeoProperty":
            geometry = inst["value"]
            break
    return {"id": eid, "type": "Feature", "geometry": geometry, "properties": props}
