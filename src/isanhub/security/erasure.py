"""The erasure of a data subject (PDPA section 33): everything a tenant holds about one
person, in its current state and in its history, found and removed, with a report.

A subject is named by its entity (``urn:ngsi-ld:Person:123``: the entity goes with all
its history, and every Relationship or ListRelationship of another entity that points
at it, now or in history) and/or by values that identify the person (a telephone
number, an email address): every entity whose personal attribute (security.personal's
classification) holds one of them, now or in any recorded instance, loses all its
personal attributes, current and recorded, since they describe that person.

Values are looked for in personal attributes only: a telephone number in a free-text
description is not found. They are matched exactly (text for text, at any depth of the
value), and they are never written anywhere: not in the audit log, not in log lines.

The search and the removal are separate transactions, so a write of the same person's
data can land between them. After removing, the erasure therefore searches again, and
removes again, until a search finds nothing (``complete``) or ``ROUNDS`` searches found
something: everything acknowledged before its last search is gone when it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from isanhub.core.qlang import Compare, Path
from isanhub.security.personal import Classification
from isanhub.security.removal import Removal, apply, holds, points_at
from isanhub.store.base import Query, Store, matching
from isanhub.store.security import AuditRecord

log = logging.getLogger("isanhub.security")
ROUNDS = 5  #: searches after which an erasure that still finds data gives up (complete=False)


@dataclass(frozen=True)
class Subject:
    """Whom to erase: an entity id, values of personal attributes, or both."""

    entity: str | None = None
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """For reports and logs: the entity id and how many values, never the values."""
        parts = [self.entity] if self.entity else []
        if self.values:
            parts.append(f"{len(self.values)} value{'s' if len(self.values) > 1 else ''}")
        return " + ".join(parts)


@dataclass
class Report:
    """What an erasure removed (or, on a dry run, would remove). Attribute IRIs."""

    subject: str
    entities_deleted: list[str]
    attributes_removed: dict[str, list[str]]
    relationships_removed: dict[str, list[str]]
    history_instances_removed: int
    at: str
    dry_run: bool
    #: False when writes of the subject's data kept arriving for ROUNDS searches
    complete: bool = True

    def as_json(self, compact: Callable[[str], str] = str) -> dict[str, Any]:
        """The report as the API and ``isanhub erase --json`` give it (``compact``: how
        attribute IRIs are shown)."""

        def names(by_entity: dict[str, list[str]]) -> dict[str, list[str]]:
            return {eid: [compact(a) for a in attrs] for eid, attrs in by_entity.items()}

        return {
            "subject": self.subject,
            "entitiesDeleted": self.entities_deleted,
            "attributesRemoved": names(self.attributes_removed),
            "relationshipsRemoved": names(self.relationships_removed),
            "historyInstancesRemoved": self.history_instances_removed,
            "at": self.at,
            "dryRun": self.dry_run,
            "complete": self.complete,
        }


async def erase(
    store: Store,
    tenant: str,
    subject: Subject,
    classification: Classification,
    *,
    dry_run: bool = False,
    who: str = "",
    purpose: str = "",
) -> Report:
    """Find (and unless ``dry_run`` remove) the subject's data in ``tenant``; record the
    erasure in the audit log (entity ids and attribute IRIs, not the values)."""
    if not subject.entity and not subject.values:
        raise ValueError("an erasure needs an entity id or at least one value")
    at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    found = await _find(store, tenant, subject, classification)
    searches = 1
    if dry_run:
        removal, found = found, Removal()
    else:
        removal = Removal()
        while found and searches < ROUNDS:
            await apply(store, tenant, found)
            removal.merge(found)
            found = await _find(store, tenant, subject, classification)
            searches += 1
        if found:  # still arriving: removed too, but the next search may find more
            await apply(store, tenant, found)
            removal.merge(found)
            log.warning(
                "erasure in tenant %r: the subject's data was still being written after %d"
                " searches; erase again once those writes stop",
                tenant,
                searches,
            )
    report = _report(subject, removal, at, dry_run)
    report.complete = not found
    touched = {a for attrs in report.attributes_removed.values() for a in attrs}
    touched.update(a for attrs in report.relationships_removed.values() for a in attrs)
    await store.security_table().audit(
        [
            AuditRecord(
                at=at,
                who=who,
                tenant=tenant,
                action="erasure (dry run)" if dry_run else "erasure",
                purpose=purpose,
                entities=tuple(sorted(removal.affected())),
                attrs=tuple(sorted(touched)),
            )
        ]
    )
    log.info(
        "erasure%s in tenant %r by %s: %d entities deleted, %d changed, %d recorded instances",
        " (dry run)" if dry_run else "",
        tenant,
        who,
        len(report.entities_deleted),
        len(removal.affected() - removal.delete),
        report.history_instances_removed,
    )
    return report


async def _find(
    store: Store, tenant: str, subject: Subject, classification: Classification
) -> Removal:
    """Everything of the subject that the tenant holds now."""
    removal = Removal()
    if await store.tenant_exists(tenant):
        if subject.entity:
            await _find_entity(store, tenant, subject.entity, removal)
        if subject.values:
            await _find_values(store, tenant, subject.values, classification, removal)
    return removal


def _report(subject: Subject, removal: Removal, at: str, dry_run: bool) -> Report:
    relationships: dict[str, set[str]] = {e: set(a) for e, a in removal.pointers.items()}
    for eid, by_attr in removal.instances.items():
        relationships.setdefault(eid, set()).update(by_attr)
    return Report(
        subject=subject.describe(),
        entities_deleted=sorted(removal.delete),
        attributes_removed={
            e: sorted(a) for e, a in sorted(removal.attrs.items()) if e not in removal.delete
        },
        relationships_removed={
            e: sorted(a) for e, a in sorted(relationships.items()) if e not in removal.delete
        },
        history_instances_removed=len(removal.recorded),
        at=at,
        dry_run=dry_run,
    )


async def _find_entity(store: Store, tenant: str, eid: str, removal: Removal) -> None:
    """The subject's entity and its history, and the relationships pointing at it."""
    removal.target = eid
    own = await store.find_history(tenant, ids=[eid])
    if own or await store.get(tenant, eid) is not None:
        removal.delete.add(eid)
        removal.recorded.update((eid, hit.instance) for hit in own)
    for info in await store.attributes(tenant):
        if not {"Relationship", "ListRelationship"} & set(info.attr_types):
            continue
        # the value index finds the entities whose relationship names the subject
        async for e in matching(store, tenant, Query(q=Compare(Path(info.iri), "==", eid))):
            if e["id"] != eid and any(points_at(i, eid) for i in e["attrs"].get(info.iri, [])):
                removal.pointers.setdefault(e["id"], set()).add(info.iri)
    for hit in await store.find_history(tenant, [orjson.dumps(eid).decode()]):
        if hit.eid != eid and not hit.deleted and points_at(orjson.loads(hit.doc), eid):
            removal.instances.setdefault(hit.eid, {}).setdefault(hit.attr, set()).add(hit.instance)
            removal.recorded.add((hit.eid, hit.instance))


async def _find_values(
    store: Store,
    tenant: str,
    values: Sequence[str],
    classification: Classification,
    removal: Removal,
) -> None:
    """The entities whose personal attributes hold one of ``values``, now or in history;
    all their personal attributes go, current and recorded."""
    personal = classification.attrs_for(None)
    if not personal:
        return
    wanted = set(values)
    matched: dict[str, set[str]] = {}  # entity id -> its types
    present = sorted(personal & {a.iri for a in await store.attributes(tenant)})
    value: Any = values[0] if len(values) == 1 else tuple(values)
    for iri in present:  # the current state, through the value index
        async for e in matching(store, tenant, Query(q=Compare(Path(iri), "==", value))):
            if iri in classification.attrs_for(e["type"]) and any(
                holds(i, wanted) for i in e["attrs"].get(iri, [])
            ):
                matched.setdefault(e["id"], set()).update(e["type"])
    needles = [orjson.dumps(v).decode() for v in values]  # as the JSON documents hold them
    for hit in await store.find_history(tenant, needles, attrs=sorted(personal)):
        if (
            not hit.deleted
            and hit.attr in classification.attrs_for(hit.types)
            and holds(orjson.loads(hit.doc), wanted)
        ):
            matched.setdefault(hit.eid, set()).update(hit.types)
    if not matched:
        return
    ids = sorted(matched)
    current = await store.get_many(tenant, ids)
    recorded: dict[str, list[Any]] = {}
    for hit in await store.find_history(tenant, ids=ids, attrs=sorted(personal)):
        recorded.setdefault(hit.eid, []).append(hit)
    for eid in ids:
        doc = current.get(eid)
        mine = classification.attrs_for(matched[eid] | set(doc["type"] if doc else ()))
        attrs = set(mine & doc["attrs"].keys()) if doc else set()
        for hit in recorded.get(eid, ()):
            if hit.attr in mine:
                attrs.add(hit.attr)
                removal.recorded.add((eid, hit.instance))
        if attrs:
            removal.attrs.setdefault(eid, set()).update(attrs)
