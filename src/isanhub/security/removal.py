"""Removing personal data from a tenant's current state and history: the part shared by
the erasure of a data subject (security.erasure) and the retention of personal data
(security.personal_retention). Both first decide what goes (a ``Removal``), then this
module applies it through the Store contract.

Order matters: the current state is written first, then history is edited, so that the
record the writes leave (an entity's deletion) is removed with the rest. The writes
record no history of their own (``Change.record`` empty): the instances they remove are
gone, not marked as deleted at the time of the erasure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from isanhub.core.model import VALUE_MEMBER, Entity, now_iso
from isanhub.store.base import Change, HistoryEdit, Store, WriteFn

_RELATIONSHIPS = ("Relationship", "ListRelationship")
_CHUNK = 500  #: entities written per transaction
_EDITS = 64  #: history edits under way at once (SQLite commits them as one group)


@dataclass
class Removal:
    """What goes from one tenant. Attribute sets hold IRIs."""

    #: the entity that relationships must no longer point at (the erased subject)
    target: str | None = None
    #: entities deleted, with all their history
    delete: set[str] = field(default_factory=set)
    #: per entity, attributes removed from the current state and from all of history
    attrs: dict[str, set[str]] = field(default_factory=dict)
    #: per entity, relationships whose current instances pointing at ``target`` go
    pointers: dict[str, set[str]] = field(default_factory=dict)
    #: per entity and attribute, recorded instances removed one by one (their numbers)
    instances: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    #: the recorded instances all this removes from history: (entity id, number)
    recorded: set[tuple[str, int]] = field(default_factory=set)

    def affected(self) -> set[str]:
        return self.delete | set(self.attrs) | set(self.pointers) | set(self.instances)

    def merge(self, other: Removal) -> None:
        """Add what ``other`` removes to this one (rounds of one erasure)."""
        self.target = self.target or other.target
        self.delete |= other.delete
        for mine, theirs in ((self.attrs, other.attrs), (self.pointers, other.pointers)):
            for eid, attrs in theirs.items():
                mine.setdefault(eid, set()).update(attrs)
        for eid, by_attr in other.instances.items():
            for attr, numbers in by_attr.items():
                self.instances.setdefault(eid, {}).setdefault(attr, set()).update(numbers)
        self.recorded |= other.recorded

    def __bool__(self) -> bool:
        return bool(self.affected())


def points_at(inst: dict[str, Any], target: str) -> bool:
    """Whether a Relationship or ListRelationship instance has ``target`` as an object."""
    kind = inst.get("type")
    if kind == "Relationship":
        obj = inst.get("object")
        return obj == target or (isinstance(obj, list) and target in obj)
    if kind == "ListRelationship":
        items = inst.get("objectList") or []
        return any(
            o == target or (isinstance(o, dict) and o.get("object") == target) for o in items
        )
    return False


def holds(inst: dict[str, Any], values: set[str]) -> bool:
    """Whether one of ``values`` is a text of the instance's value (at any depth: in a
    list, an object's members, a language map) or of one of its sub-attributes'."""
    member = VALUE_MEMBER.get(inst.get("type", ""), "value")
    if _texts_hold(inst.get(member), values):
        return True
    subs = inst.get("attrs")
    if isinstance(subs, dict):
        for sub in subs.values():
            for s in sub if isinstance(sub, list) else [sub]:
                if isinstance(s, dict) and holds(s, values):
                    return True
    return False


def _texts_hold(node: Any, values: set[str]) -> bool:
    if isinstance(node, str):
        return node in values
    if isinstance(node, list):
        return any(_texts_hold(n, values) for n in node)
    if isinstance(node, dict):
        return any(_texts_hold(n, values) for n in node.values())
    return False


def _strip(removal: Removal, eid: str) -> WriteFn:
    """The write removing from entity ``eid`` what ``removal`` says (nothing when it
    changed since and holds none of it any more)."""
    gone = removal.attrs.get(eid, set())
    pointers = removal.pointers.get(eid, set())
    target = removal.target

    def write(current: Entity | None) -> Change:
        if current is None:
            return Change(None, unchanged=True)
        attrs = current["attrs"]
        changed = False
        for iri in gone & attrs.keys():
            del attrs[iri]
            changed = True
        for iri in pointers & attrs.keys():
            if target is None:
                continue
            kept = [i for i in attrs[iri] if not points_at(i, target)]
            if len(kept) != len(attrs[iri]):
                changed = True
                if kept:
                    attrs[iri] = kept
                else:
                    del attrs[iri]
        if not changed:
            return Change(current, unchanged=True)
        current["modifiedAt"] = now_iso()
        return Change(current, record=[])

    return write


def _delete(current: Entity | None) -> Change:
    return Change(None) if current is not None else Change(None, unchanged=True)


async def apply(store: Store, tenant: str, removal: Removal) -> None:
    """Remove what ``removal`` says from the tenant: current state, history, pending
    notifications about the affected entities; then have the backend scrub its files."""
    writes: list[tuple[str, WriteFn]] = [(eid, _delete) for eid in sorted(removal.delete)]
    changed = (set(removal.attrs) | set(removal.pointers)) - removal.delete
    writes += [(eid, _strip(removal, eid)) for eid in sorted(changed)]
    for start in range(0, len(writes), _CHUNK):
        for result in await store.write_many(tenant, writes[start : start + _CHUNK]):
            if isinstance(result, BaseException):
                raise result
    edits: list[tuple[str, HistoryEdit]] = [(eid, HistoryEdit()) for eid in sorted(removal.delete)]
    for eid, attrs in sorted(removal.attrs.items()):
        if eid not in removal.delete:
            edits += [(eid, HistoryEdit(attr=a)) for a in sorted(attrs)]
    for eid, by_attr in sorted(removal.instances.items()):
        if eid in removal.delete:
            continue
        for attr, numbers in sorted(by_attr.items()):
            if attr not in removal.attrs.get(eid, ()):
                edits += [(eid, HistoryEdit(attr=attr, instance=n)) for n in sorted(numbers)]
    for start in range(0, len(edits), _EDITS):
        batch = edits[start : start + _EDITS]
        await asyncio.gather(*(store.edit_history(tenant, eid, e) for eid, e in batch))
    await drop_pending(store, tenant, removal.affected())
    await store.scrub()


async def drop_pending(store: Store, tenant: str, eids: Iterable[str]) -> int:
    """Remove the notifications not delivered yet about ``eids`` (their payloads hold the
    entities' documents, before and after each change), including those the removal's
    own writes just triggered; how many."""
    wanted = set(eids)
    table = store.subscription_table()
    pending = await table.pending()
    done = [item.id for item in pending if item.tenant == tenant and item.eid in wanted]
    if done:
        await table.settle(done, [])
    return len(done)
