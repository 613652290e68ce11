"""The content of one notification: the Notification body and its HTTP headers.

A pure function of a subscription, its term map and the change events that triggered it
(ETSI GS CIM 009 clauses 5.2.14 Notification, 5.2.12 Subscription, 5.8 and 5.11). Each
event becomes one entity of ``data``, rendered like a query result (``render_entity``)
and then patched where a notification differs from a query:

* deleted attributes (or attribute instances) appear with the NGSI-LD Null as their
  value (clause 5.2.1: ``"urn:ngsi-ld:null"``, ``{"@none": "urn:ngsi-ld:null"}`` for a
  languageMap), a deleted entity as its id, type and ``deletedAt``;
* with ``showChanges`` every instance that existed before and changed carries the
  previous value as ``previousValue``/``previousObject``/``previousLanguageMap``/...
  (never in keyValues, where the spec forbids showChanges).

Where the spec leaves the shape open, the ETSI conformance suite's expectation files
(data/subscriptions/expectations, tests 046_21, 046_22, 046_31-046_41) decide.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from isanhub.core import linked
from isanhub.core.model import NULL_URI, VALUE_MEMBER, Entity, Instance
from isanhub.core.render import View, pick_lang, render_entity, render_instance
from isanhub.core.termmap import TermMap

#: the member carrying an instance's previous value, per attribute type (showChanges)
PREVIOUS_MEMBER = {
    "Property": "previousValue",
    "GeoProperty": "previousValue",
    "Relationship": "previousObject",
    "LanguageProperty": "previousLanguageMap",
    "VocabProperty": "previousVocab",
    "ListProperty": "previousValueList",
    "ListRelationship": "previousObjectList",
    "JsonProperty": "previousJson",
}
_HEAD = ("id", "type", "scope", "createdAt", "modifiedAt")


@dataclass(frozen=True)
class Event:
    trigger: str | None  # entityCreated ... attributeDeleted; None for periodic notifications
    before: Entity | None  # the stored state before the change (None when created)
    after: Entity | None  # the state after (None when the entity was deleted)


JSON = "application/json"
JSONLD = "application/ld+json"


def link_header(url: str) -> str:
    """A Link header naming a JSON-LD @context (clause 6.3.5), as the API writes it."""
    return f'<{url}>; rel="http://www.w3.org/ns/json-ld#context"; type="{JSONLD}"'


#: the notification formats a subscription may name, as render.View calls them
_FORMATS = {"normalized": "normalized", "concise": "concise", "keyValues": "keyValues"}
_FORMATS["simplified"] = "keyValues"


def notification(
    sub: dict[str, Any],
    terms: TermMap,
    events: Sequence[Event],
    *,
    now: str,
    notification_id: str | None = None,
    core_context: str,
    linked_entities: dict[str, Entity] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The Notification (id urn:ngsi-ld:Notification:<uuid4 hex> unless given, type
    "Notification", subscriptionId, notifiedAt=now, data=[one entity per event, in
    order]) as JSON bytes, and its headers: Content-Type per endpoint.accept; for JSON a
    Link header naming the context, for JSON-LD an "@context" member in the body."""
    params = sub.get("notification") or {}
    view = view_of(sub)
    # the spec forbids showChanges with keyValues: there is no place for a previous value
    show_changes = bool(params.get("showChanges")) and view.fmt != "keyValues"
    watched = sub.get("watchedAttributes")
    if view.join and not show_changes and all(ev.after is not None for ev in events):
        # linked entities (046_23-30): rendered as a query with join renders them
        after = [ev.after for ev in events if ev.after is not None]
        data = linked.render(after, terms, view, linked_entities or {})
    else:
        data = [_entity(ev, terms, view, now, show_changes, watched) for ev in events]
    body: dict[str, Any] = {
        "id": notification_id or f"urn:ngsi-ld:Notification:{uuid.uuid4().hex}",
        "type": "Notification",
        "subscriptionId": sub["id"],
        "notifiedAt": now,
        "data": data,
    }
    accept = (params.get("endpoint") or {}).get("accept") or JSON
    if accept == JSONLD:
        # The top-level @context makes the Notification itself JSON-LD; the suite (046_14,
        # 046_20) also wants it on every entity, as in a JSON-LD query response.
        ctx = terms.context if terms.context is not None else core_context
        body["@context"] = ctx
        for entity in data:
            entity["@context"] = ctx
        return orjson.dumps(body), {"Content-Type": JSONLD}
    # A Link header names one document: an inline or multi-entry context has no URL of its
    # own, so (like API responses, hub.link_for) the core context stands in. A subscriber
    # who needs its terms gives a jsonldContext URL (clause 5.2.12) or asks for JSON-LD.
    link = terms.link_url or core_context
    return orjson.dumps(body), {"Content-Type": JSON, "Link": link_header(link)}


def view_of(sub: dict[str, Any]) -> View:
    """How the subscription's notifications render entities: format, attributes or
    pick/omit, sysAttrs, lang, datasetId and join (linked_entities: core.linked.fetch
    with this view)."""
    params = sub.get("notification") or {}
    attrs = params.get("attributes")
    datasets = sub.get("datasetId")
    return View(
        fmt=_FORMATS.get(params.get("format") or "normalized", "normalized"),
        sys_attrs=bool(params.get("sysAttrs")),
        attrs=frozenset(attrs) if attrs else None,
        pick=dict.fromkeys(params["pick"]) if params.get("pick") else None,
        omit=dict.fromkeys(params["omit"]) if params.get("omit") else None,
        lang=parse_lang(sub.get("lang")),
        dataset_ids=(
            frozenset(None if d == "@none" else d for d in datasets) if datasets else None
        ),
        join=params.get("join") if params.get("join") in ("flat", "inline") else None,
        join_level=int(params.get("joinLevel") or 1),
    )


def parse_lang(text: str | None) -> tuple[str, ...] | None:
    """The subscription's lang (Accept-Language syntax, checked when it was stored) as
    tags, most preferred first. Kept here so that notify needs no request parsing."""
    if not text or not text.strip():
        return None
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(text.split(",")):
        tag, _, q = part.partition(";")
        weight = float(q.strip()[2:]) if q.strip().startswith("q=") else 1.0
        if tag.strip() and weight > 0:
            ranked.append((-weight, n, tag.strip()))
    return tuple(tag for _w, _n, tag in sorted(ranked)) or None


def _entity(
    ev: Event,
    terms: TermMap,
    view: View,
    now: str,
    show_changes: bool,
    watched: list[str] | None,
) -> dict[str, Any]:
    current = ev.after if ev.after is not None else ev.before
    if current is None:
        raise ValueError("an event needs a before or an after state")
    rendered = render_entity(ev.after or {**current, "attrs": {}}, terms, view)
    out = {k: rendered.pop(k) for k in _HEAD if k in rendered}
    if view.sys_attrs:
        # render_entity leaves them out of keyValues; the suite wants them (046_17, 046_21_02)
        out.update({k: current[k] for k in ("createdAt", "modifiedAt") if k in current})
    if ev.after is None:
        out["deletedAt"] = now
    out.update(rendered)

    after_attrs = ev.after["attrs"] if ev.after is not None else {}
    for iri, old in (ev.before["attrs"] if ev.before is not None else {}).items():
        if view.attrs is not None and iri not in view.attrs:
            continue
        new = after_attrs.get(iri, [])
        kept = {i.get("datasetId") for i in new}
        gone = [i for i in old if i.get("datasetId") not in kept]
        # Deletions are shown to attributeDeleted subscriptions (for their watched
        # attributes: an entity deletion deletes them all, 046_22_12) and, with their
        # previous values, to showChanges ones; an entityDeleted notification is otherwise
        # just id, type and deletedAt (046_21_01).
        if not (show_changes or (ev.trigger == "attributeDeleted" and iri in (watched or [iri]))):
            gone = []
        previous = {i.get("datasetId"): i for i in old} if show_changes else {}
        if not gone and not any(_changed_from(previous.get(i.get("datasetId")), i) for i in new):
            continue
        name = terms.compact_attr(iri)
        if view.fmt == "keyValues":
            if not new:
                out[name] = NULL_URI
            continue
        shown = [_changed(i, previous.get(i.get("datasetId")), terms, view) for i in new]
        if not new and not show_changes:
            # the whole attribute went: one Null stands for it (046_22_08, deleteAll); with
            # showChanges every instance keeps its own previous value
            gone = [next((i for i in gone if "datasetId" not in i), gone[0])]
        null_map = ev.after is not None
        shown += [_deleted(i, terms, view, now, show_changes, null_map) for i in gone]
        out[name] = shown[0] if len(shown) == 1 else shown
    return out


def _changed(inst: Instance, before: Instance | None, terms: TermMap, view: View) -> Any:
    """An instance as rendered, with its previous value if it changed (showChanges)."""
    rendered = render_instance(inst, terms, view)
    if before is None or not _changed_from(before, inst):
        return rendered
    kind = before["type"]
    value = _compact(kind, before.get(VALUE_MEMBER[kind]), terms)
    if kind == "LanguageProperty" and view.lang and inst["type"] == kind:
        # rendered for one language as a Property: the previous text in that language
        return _add(rendered, inst, {"previousValue": pick_lang(value, view.lang)[1]})
    return _add(rendered, inst, {PREVIOUS_MEMBER[kind]: value})


def _deleted(
    inst: Instance, terms: TermMap, view: View, now: str, show_changes: bool, null_map: bool
) -> Any:
    """A deleted instance: its type, datasetId and the NGSI-LD Null (clause 5.2.1)."""
    kind = inst["type"]
    null: Any = NULL_URI
    if kind == "LanguageProperty" and null_map:
        # Clause 5.2.1 and 046_22_11/046_34_04 give {"@none": null}; for a deleted entity
        # the suite expects the bare Null (046_37), so that case follows it.
        null = {"@none": NULL_URI}
    gone: Instance = {"type": kind, VALUE_MEMBER[kind]: null}
    gone.update({k: inst[k] for k in ("datasetId", "createdAt", "modifiedAt") if k in inst})
    # no language choice for a Null: pick_lang needs a real languageMap
    rendered = render_instance(gone, terms, dataclasses.replace(view, lang=None))
    extra: dict[str, Any] = {}
    if show_changes:
        extra[PREVIOUS_MEMBER[kind]] = _compact(kind, inst.get(VALUE_MEMBER[kind]), terms)
    if view.sys_attrs:
        extra["deletedAt"] = now  # 046_22_05, 046_22_13
    return _add(rendered, gone, extra)


def _changed_from(before: Instance | None, inst: Instance) -> bool:
    """Whether an instance's content changed. The store re-stamps modifiedAt on any write
    (and a replace re-creates every instance), so timestamps alone are no change."""
    return before is not None and _content(before) != _content(inst)


def _content(inst: Instance) -> Instance:
    out = {k: v for k, v in inst.items() if k not in ("createdAt", "modifiedAt", "attrs")}
    if "attrs" in inst:
        out["attrs"] = {iri: _content(sub) for iri, sub in inst["attrs"].items()}
    return out


def _compact(kind: str, value: Any, terms: TermMap) -> Any:
    """A value compacted as render does: only vocab values are terms."""
    if kind != "VocabProperty":
        return value
    if isinstance(value, list):
        return [terms.compact_vocab_value(v) for v in value]
    return terms.compact_vocab_value(str(value))


def _add(rendered: Any, inst: Instance, extra: dict[str, Any]) -> Any:
    """Members added to a rendered instance; a concise bare value becomes {"value": ...}."""
    if not extra:
        return rendered
    bare = inst["type"] in ("Property", "GeoProperty") and not (
        isinstance(rendered, dict) and "value" in rendered
    )
    out = {"value": rendered} if bare else rendered
    out.update(extra)
    return out
