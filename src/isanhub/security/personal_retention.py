"""Retention of personal data: how long the personal attributes of an entity are kept
once the entity stops changing, per entity type (``isanhub retention`` applies it).

Rules are written like the history's (isanhub.retention), in their own setting
(``ISANHUB_PERSONAL_RETENTION``), for example ``type:IssueReporting=P1Y,
type:ServiceRequest=P2Y, *=P5Y``; the most specific rule wins, ``*`` covers every type
that has personal attributes (security.personal) and no rule of its own. An entity not
modified within its period loses all its personal attributes, in its current state and
in every recorded instance (security.removal), like an erasure; an entity that no
longer exists counts from its deletion. Other attributes, and the entity, stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from isanhub import retention
from isanhub.core.termmap import core_term_map
from isanhub.security.personal import Classification
from isanhub.security.removal import Removal
from isanhub.security.removal import apply as remove
from isanhub.store.base import Query, Store, matching
from isanhub.store.erase import HistoryHit
from isanhub.store.history import to_us
from isanhub.store.security import AuditRecord


@dataclass
class Erased:
    """What one rule erased (or would erase) in one tenant."""

    tenant: str
    rule: str
    entities: int
    attributes: int  #: attributes removed, over all these entities
    instances: int  #: recorded instances removed from history


def parse(text: str) -> list[retention.Rule]:
    """The rules of ``text``; types stay as written (``resolve`` expands them against the
    classification). ValueError when malformed."""
    return retention.parse(text, lambda name: name)


def resolve(name: str, classification: Classification) -> frozenset[str]:
    """The type IRIs a rule's type names: itself when it is an IRI, else its expansion
    with the core context and every classified type with that name (schema.org, Smart
    Data Models, ... as security.personal expands the file's names)."""
    if "://" in name:
        return frozenset({name})
    found = {core_term_map().expand_type(name)}
    found.update(t for t in classification.by_type if t.rsplit("/", 1)[-1].split("#")[-1] == name)
    return frozenset(found)


async def apply(
    store: Store,
    rules: Sequence[retention.Rule],
    classification: Classification,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[Erased]:
    """Erase (or with ``dry_run`` count) the personal data the rules no longer keep,
    tenant by tenant; what each rule erased."""
    now = now or datetime.now(UTC)
    out = []
    for tenant in ["", *await store.tenants()]:
        if not await store.tenant_exists(tenant):
            continue
        by_type: dict[str | None, retention.Rule] = {}
        for rule in sorted((r for r in rules if r.tenant in (None, tenant)), key=lambda r: r.rank):
            by_type[rule.type] = rule
        types = {k: resolve(k, classification) for k in by_type if k is not None}
        named = frozenset().union(*types.values())
        for kind, rule in by_type.items():
            removal = await stale(
                store,
                tenant,
                types.get(kind) if kind is not None else None,
                named if kind is None else frozenset(),
                rule.cutoff(now),
                classification,
            )
            attributes = sum(len(a) for a in removal.attrs.values())
            out.append(
                Erased(tenant, rule.text, len(removal.attrs), attributes, len(removal.recorded))
            )
            if removal and not dry_run:
                await remove(store, tenant, removal)
                await store.security_table().audit(
                    [
                        AuditRecord(
                            at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                            who="retention",
                            tenant=tenant,
                            action="retention of personal data",
                            purpose=rule.text,
                            entities=tuple(sorted(removal.attrs)),
                            attrs=tuple(sorted(set().union(*removal.attrs.values()))),
                        )
                    ]
                )
    return out


async def stale(
    store: Store,
    tenant: str,
    types: frozenset[str] | None,
    skip: frozenset[str],
    before: int,
    classification: Classification,
) -> Removal:
    """The personal attributes to erase from the entities of ``types`` (None: any type
    but those of ``skip``) last modified before ``before`` (µs since 1970)."""
    personal = classification.attrs_for(types)
    removal = Removal()
    if not personal:
        return removal

    def covered(entity_types: Iterable[str]) -> bool:
        held = set(entity_types)
        return bool(held & types) if types is not None else not held & skip

    groups = [frozenset({t}) for t in sorted(types)] if types is not None else None
    query = Query(types=groups, attrs=personal)
    async for e in matching(store, tenant, query):
        mine = classification.attrs_for(e["type"]) & e["attrs"].keys()
        if mine and covered(e["type"]) and _changed(e) < before:
            removal.attrs[e["id"]] = set(mine)
    found = await store.find_history(
        tenant, types=sorted(types) if types is not None else None, attrs=sorted(personal)
    )
    by_entity: dict[str, list[HistoryHit]] = {}
    for hit in found:
        by_entity.setdefault(hit.eid, []).append(hit)
    current = await store.get_many(tenant, sorted(by_entity))
    for eid, hits in by_entity.items():
        doc = current.get(eid)
        held = set(hits[0].types) | set(doc["type"] if doc else ())
        if not covered(held):
            continue
        if doc is not None:
            last = _changed(doc)
        else:  # deleted: counted from the deletion
            last = to_us(hits[0].gone) if hits[0].gone else max(h.recorded for h in hits)
        if last >= before:
            continue
        mine = classification.attrs_for(held)
        for hit in hits:
            if hit.attr in mine:
                removal.attrs.setdefault(eid, set()).add(hit.attr)
                removal.recorded.add((eid, hit.instance))
    return removal


def _changed(entity: dict[str, object]) -> int:
    """When an entity was last modified (µs); never (0) when it does not say."""
    when = entity.get("modifiedAt") or entity.get("createdAt")
    return to_us(when) if isinstance(when, str) else 0
