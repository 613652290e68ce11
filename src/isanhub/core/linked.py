"""Linked entity retrieval (ETSI GS CIM 009 clause 4.5.23): ``join=inline`` puts the
entity a Relationship points to inside it (``entity``), ``join=flat`` appends the linked
entities to the result; ``joinLevel`` says how many hops to follow.

Linked entities are fetched level by level with one ``get_many`` per level (queries and
notifications give the store's, for their tenant); nested
pick/omit (``locatedAt{id,name}``) select their members, and only relationships that
survive the projection are followed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from isanhub.core.model import Entity, Instance
from isanhub.core.projection import keeps, nested
from isanhub.core.render import CompactTerms, Linker, View, render_entity

#: the entities among these ids that exist, by id (a store's get_many for one tenant)
GetMany = Callable[[list[str]], Awaitable[dict[str, Entity]]]


def _objects(inst: Instance) -> list[str]:
    if inst["type"] == "Relationship":
        obj = inst.get("object")
        return [o for o in (obj if isinstance(obj, list) else [obj]) if isinstance(o, str)]
    if inst["type"] == "ListRelationship":
        items = inst.get("objectList") or []
        return [o if isinstance(o, str) else o.get("object") for o in items if o]
    return []


def _sub_view(view: View, iri: str) -> View:
    pick, omit = nested(iri, view.pick, view.omit)
    return dataclasses.replace(view, pick=pick, omit=omit, attrs=None, dataset_ids=None)


def _links(entity: Entity, view: View) -> Iterator[tuple[str, View]]:
    """(linked entity id, the view it is rendered with) for each followed relationship."""
    for iri, instances in entity["attrs"].items():
        if view.attrs is not None and iri not in view.attrs:
            continue
        if not keeps(iri, view.pick, view.omit):
            continue
        sub = None
        for inst in instances:
            if view.dataset_ids is not None and inst.get("datasetId") not in view.dataset_ids:
                continue
            for oid in _objects(inst):
                sub = sub or _sub_view(view, iri)
                yield oid, sub


async def fetch(get_many: GetMany, roots: list[Entity], view: View) -> dict[str, Entity]:
    """The entities reachable from ``roots`` within ``view.join_level`` hops, by id."""
    cache: dict[str, Entity] = {e["id"]: e for e in roots}
    frontier = [(e, view) for e in roots]
    seen: set[tuple[str, int, int]] = set()  # (id, projection) pairs already followed
    for _ in range(view.join_level):
        pending: dict[tuple[str, int, int], tuple[str, View]] = {}
        for entity, v in frontier:
            for oid, sub in _links(entity, v):
                key = (oid, id(sub.pick), id(sub.omit))
                if key not in seen:
                    seen.add(key)
                    pending[key] = (oid, sub)
        missing = list({oid for oid, _ in pending.values() if oid not in cache})
        if missing:
            cache.update(await get_many(missing))
        frontier = [(cache[oid], sub) for oid, sub in pending.values() if oid in cache]
        if not frontier:
            break
    return cache


def render(
    entities: list[Entity], terms: CompactTerms, view: View, cache: dict[str, Entity]
) -> list[dict[str, Any]]:
    """The rendered entities; with join=flat followed by the linked ones (each once)."""
    if view.join == "inline":
        return [
            render_entity(e, terms, view, _inline(terms, view, cache, (e["id"],))) for e in entities
        ]
    out = [render_entity(e, terms, view) for e in entities]
    if view.join != "flat":
        return out
    seen = {e["id"] for e in entities}
    frontier = [(e, view) for e in entities]
    for _ in range(view.join_level):
        following: list[tuple[Entity, View]] = []
        for entity, v in frontier:
            for oid, sub in _links(entity, v):
                linked = cache.get(oid)
                if linked is None or oid in seen:
                    continue
                seen.add(oid)
                rendered = render_entity(linked, terms, sub)
                if rendered:
                    out.append(rendered)
                following.append((linked, sub))
        frontier = following
    return out


def _inline(
    terms: CompactTerms, view: View, cache: dict[str, Entity], path: tuple[str, ...]
) -> Linker:
    """Renders the entity a relationship points to, down to joinLevel; an entity already
    on the path from the root (a cycle) is not inlined again."""

    def link(iri: str, oid: str) -> Any:
        linked = cache.get(oid)
        if linked is None or len(path) > view.join_level or oid in path:
            return None
        sub = _sub_view(view, iri)
        return render_entity(linked, terms, sub, _inline(terms, sub, cache, (*path, oid))) or None

    return link
