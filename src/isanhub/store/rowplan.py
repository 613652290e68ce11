"""How a group of entity writes changes the tables, shared by the SQL backends.

The write functions of a group run against the stored entities (``TenantWrites``); what
they decided becomes a ``RowPlan``: the rows each table loses and gains. A backend only
executes the plan with its own statements. An entity that changed rewrites its document
and the index rows of the attributes that differ, so an append of two attributes to a
large entity touches two attributes' rows, not the entity's whole index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from isanhub.core.errors import NgsiLdError
from isanhub.core.model import Entity, now_iso
from isanhub.store import history
from isanhub.store.base import Change, WriteFn
from isanhub.store.history import InstanceRow
from isanhub.store.index import attr_values, geo_values
from isanhub.store.outbox import ChangeEvent

#: the interned integer id of a name (type or attribute IRI)
Intern = Callable[[str], int]
_dumps = orjson.dumps
_loads = orjson.loads


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class TenantWrites:
    """The writes of one group into one tenant: the stored entities they read, and the
    entities to delete and write once the whole group has been applied."""

    def __init__(self, tid: Any) -> None:
        self.tid = tid  # the backend's handle of the tenant, None when it does not exist
        # eid -> (rid, entity, its stored text or None when this group wrote it)
        self.existing: dict[str, tuple[int, Entity, str | None] | None] = {}
        # rid -> the stored text of an entity whose rows change: write functions change
        # the entity they are given in place, so the old state is decoded again from this
        self.removed: dict[int, str] = {}
        self.inserts: dict[int, tuple[str, Entity]] = {}  # rid -> (eid, entity to write)
        self.records: dict[int, list[tuple[str, dict[str, Any]]]] = {}  # rid -> Change.record
        #: the changes one by one, for subscriptions (store.outbox); None: nobody watches.
        #: Texts, because write functions change the entity they are given in place
        self.events: list[ChangeEvent] | None = None
        self._texts: dict[str, str | None] = {}  # eid -> its text after this group's last write

    def _event(self, eid: str, held: tuple[int, Entity, str | None] | None, new: Any) -> None:
        assert self.events is not None
        before = self._texts[eid] if eid in self._texts else (held[2] if held else None)
        after = _dumps(new).decode() if new is not None else None
        self._texts[eid] = after
        if before is not None or after is not None:
            self.events.append((eid, before, after))

    def missing(self, ids: list[str]) -> list[str]:
        """The ids among ``ids`` whose stored state has not been read yet."""
        return [eid for eid in dict.fromkeys(ids) if eid not in self.existing]

    def stored(self, rid: int, eid: str, doc: str) -> None:
        """Record an entity as read from the store."""
        self.existing[eid] = (rid, _loads(doc), doc)

    def apply(self, eid: str, fn: WriteFn, new_rid: Callable[[], int]) -> Any:
        held = self.existing.get(eid)
        try:
            change: Change = fn(held[1] if held else None)
        except NgsiLdError as exc:
            return exc
        if change.unchanged:
            return change.result
        if self.events is not None:
            self._event(eid, held, change.entity)
        if held is not None:
            rid = held[0]
            if rid not in self.inserts and held[2] is not None:  # rows already stored
                self.removed.setdefault(rid, held[2])
            self.inserts.pop(rid, None)
        if change.entity is None:
            self.existing[eid] = None
            return change.result
        rid = held[0] if held is not None else new_rid()
        self.inserts[rid] = (eid, change.entity)
        if change.record is not None:
            self.records.setdefault(rid, []).extend(change.record)
        self.existing[eid] = (rid, change.entity, None)
        return change.result

    @property
    def empty(self) -> bool:
        return not self.removed and not self.inserts

    def names(self) -> set[str]:
        """Every type and attribute name the rows of this group refer to."""
        out: set[str] = set()
        for doc in self.removed.values():
            old = _loads(doc)
            out.update(old["type"], old["attrs"])
        for _eid, new in self.inserts.values():
            out.update(new["type"], new["attrs"])
        return out


@dataclass
class RowPlan:
    """The rows a group removes and adds, table by table (deletes run first)."""

    gone: list[int] = field(default_factory=list)  # rids of deleted entities
    new_entities: list[tuple[int, str, str]] = field(default_factory=list)  # rid, eid, doc
    new_docs: list[tuple[str, int]] = field(default_factory=list)  # doc, rid (changed)
    drop_types: list[tuple[int, int]] = field(default_factory=list)  # type id, rid
    add_types: list[tuple[int, int]] = field(default_factory=list)
    drop_attrs: list[tuple[int, int]] = field(default_factory=list)  # rid, name id
    add_attrs: list[tuple[int, int, int, int, Any]] = field(default_factory=list)
    #: (rid, number of geometry rows it had): rewritten or gone
    drop_geo: list[tuple[int, int]] = field(default_factory=list)
    #: (rid, ordinal within the entity, name id, GeoJSON geometry)
    add_geo: list[tuple[int, int, int, dict[str, Any]]] = field(default_factory=list)
    #: history (store.history): instances recorded, with the name id of their attribute
    history: list[tuple[InstanceRow, int]] = field(default_factory=list)
    hist_types: list[tuple[str, int]] = field(default_factory=list)  # eid, type id
    hist_deleted: list[tuple[str, str]] = field(default_factory=list)  # eid, when
    hist_created: list[str] = field(default_factory=list)  # eids (re)created
    #: recorded instances that new ones replace: (eid, name id, datasetId, observedAt µs)
    hist_replace: list[tuple[str, int, str | None, int]] = field(default_factory=list)

    def history_ids(self) -> list[str]:
        """Every entity id whose history this plan touches."""
        ids = dict.fromkeys(r.eid for r, _ in self.history)
        ids.update(dict.fromkeys(e for e, _ in self.hist_types))
        ids.update(dict.fromkeys(e for e, _ in self.hist_deleted))
        return list(ids)


def _geo_count(entity: Entity) -> int:
    return sum(i["type"] == "GeoProperty" for v in entity["attrs"].values() for i in v)


def build(tw: TenantWrites, intern: Intern) -> RowPlan:
    """The rows to delete and insert for everything ``tw`` decided."""
    plan = RowPlan()
    for rid, doc in tw.removed.items():
        old = _loads(doc)
        if rid in tw.inserts:
            _changed(plan, rid, old, tw.inserts[rid][1], intern, tw.records.get(rid))
            continue
        plan.gone.append(rid)
        plan.hist_deleted.append((old["id"], now_iso()))
        plan.drop_types.extend((intern(t), rid) for t in old["type"])
        if n_geo := _geo_count(old):
            plan.drop_geo.append((rid, n_geo))
    for rid, (eid, entity) in tw.inserts.items():
        if rid in tw.removed:
            continue
        plan.new_entities.append((rid, eid, _dumps(entity).decode()))
        plan.add_types.extend((intern(t), rid) for t in entity["type"])
        plan.hist_created.append(eid)
        plan.hist_types.extend((eid, intern(t)) for t in entity["type"])
        _record(plan, None, entity, intern, tw.records.get(rid))
        plan.add_attrs.extend(
            (rid, intern(iri), seq, kind, val)
            for seq, (iri, kind, val) in enumerate(attr_values(entity))
        )
        plan.add_geo.extend(
            (rid, n, intern(iri), value) for n, (iri, value) in enumerate(geo_values(entity))
        )
    return plan


def _changed(
    plan: RowPlan,
    rid: int,
    old: Entity,
    new: Entity,
    intern: Intern,
    records: list[tuple[str, dict[str, Any]]] | None = None,
) -> None:
    plan.new_docs.append((_dumps(new).decode(), rid))
    _record(plan, old, new, intern, records)
    if old["type"] != new["type"]:
        plan.drop_types.extend((intern(t), rid) for t in old["type"])
        plan.add_types.extend((intern(t), rid) for t in new["type"])
        plan.hist_types.extend((new["id"], intern(t)) for t in new["type"])
    old_attrs, new_attrs = old["attrs"], new["attrs"]
    geo_changed = False
    for iri in old_attrs.keys() | new_attrs.keys():
        before, after = old_attrs.get(iri), new_attrs.get(iri)
        if before == after:
            continue
        nid = intern(iri)
        plan.drop_attrs.append((rid, nid))
        if after:
            rows = attr_values({"attrs": {iri: after}})
            plan.add_attrs.extend(
                (rid, nid, seq, kind, val) for seq, (_i, kind, val) in enumerate(rows)
            )
        if any(i["type"] == "GeoProperty" for i in (before or []) + (after or [])):
            geo_changed = True
    if geo_changed:
        plan.drop_geo.append((rid, _geo_count(old)))
        plan.add_geo.extend(
            (rid, n, intern(iri), value) for n, (iri, value) in enumerate(geo_values(new))
        )


def _record(
    plan: RowPlan,
    old: Entity | None,
    new: Entity,
    intern: Intern,
    records: list[tuple[str, dict[str, Any]]] | None,
) -> None:
    when = new.get("modifiedAt") or now_iso()
    if records is None:
        plan.history.extend((row, intern(row.name)) for row in history.changes(old, new, when))
        return
    ids: dict[str, int] = {}
    eid = new["id"]
    # a loop over every instance ingested: names looked up once
    row_of, add, replaces = history.instance_row, plan.history.append, plan.hist_replace.append
    for iri, inst in records:
        nid = ids.get(iri)
        if nid is None:
            nid = ids[iri] = intern(iri)
        row = row_of(eid, iri, inst, when)
        add((row, nid))
        if row.observed:
            replaces((eid, nid, row.dataset, row.t))
