"""How a group of entity writes reaches the SQLite tables: which stored entities it
read, and the rows to delete, insert or rewrite once the whole group has been applied."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from isanhub.core.errors import NgsiLdError
from isanhub.core.model import Entity
from isanhub.store.base import Change, WriteFn
from isanhub.store.index import attr_values, geo_boxes
from isanhub.store.sqlite.schema import GEO_SLOTS

#: the interned integer id of a name (type or attribute IRI), created when new
Intern = Callable[[sqlite3.Connection, str], int]
_dumps = orjson.dumps
_loads = orjson.loads


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class TenantWrites:
    """The writes of one group into one tenant: the stored entities they read, and the
    rows to delete and insert once the whole group has been applied."""

    def __init__(self, tid: int | None) -> None:
        self.tid = tid
        # eid -> (rid, entity, its stored text or None when this group wrote it)
        self.existing: dict[str, tuple[int, Entity, str | None] | None] = {}
        # rid -> the stored text of an entity whose rows change: write functions change
        # the entity they are given in place, so the old state is decoded again from this
        self.removed: dict[int, str] = {}
        self.inserts: dict[int, tuple[str, Entity]] = {}  # rid -> (eid, entity to write)

    def prefetch(self, conn: sqlite3.Connection, ids: list[str]) -> None:
        if self.tid is None:
            return
        wanted = [eid for eid in dict.fromkeys(ids) if eid not in self.existing]
        for chunk in chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for rid, eid, doc in conn.execute(
                f"SELECT rid, eid, doc FROM entities WHERE tenant = ? AND eid IN ({marks})",
                (self.tid, *chunk),
            ):
                self.existing[eid] = (rid, _loads(doc), doc)

    def apply(self, eid: str, fn: WriteFn, new_rid: Callable[[], int]) -> Any:
        held = self.existing.get(eid)
        try:
            change: Change = fn(held[1] if held else None)
        except NgsiLdError as exc:
            return exc
        if change.unchanged:
            return change.result
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
        self.existing[eid] = (rid, change.entity, None)
        return change.result


def delete_rows(
    conn: sqlite3.Connection, tid: int, removed: dict[int, Entity], intern: Intern
) -> None:
    """Remove every row of entities that are gone."""
    if not removed:
        return
    conn.executemany("DELETE FROM entities WHERE rid = ?", [(r,) for r in removed])
    conn.executemany("DELETE FROM attrs WHERE rid = ?", [(r,) for r in removed])
    type_rows = []
    geo_rows: list[tuple[int]] = []
    for rid, old in removed.items():
        for t in old["type"]:
            nid = intern(conn, t)
            type_rows.append((tid, nid, rid))
        n_geo = sum(i["type"] == "GeoProperty" for insts in old["attrs"].values() for i in insts)
        geo_rows.extend((rid * GEO_SLOTS + n,) for n in range(min(n_geo, GEO_SLOTS)))
    conn.executemany(
        "DELETE FROM entity_types WHERE tenant = ? AND type = ? AND rid = ?", type_rows
    )
    if geo_rows:
        conn.executemany("DELETE FROM geo WHERE gid = ?", geo_rows)


def update_rows(
    conn: sqlite3.Connection,
    tid: int,
    changed: list[tuple[int, Entity, str, Entity]],
    intern: Intern,
) -> None:
    """Rewrite only what changed: the document, and the index rows of the attributes
    (types, geometries) that differ. An append of two attributes to a large entity
    touches two attributes' rows, not the entity's whole index."""
    if not changed:
        return
    docs: list[tuple[str, int]] = []
    drop_attrs: list[tuple[int, int]] = []
    add_attrs: list[tuple[int, int, int, int, Any]] = []
    drop_types: list[tuple[int, int, int]] = []
    add_types: list[tuple[int, int, int]] = []
    geo_redo: dict[int, tuple[Entity, Entity]] = {}
    for rid, old, _eid, new in changed:
        docs.append((_dumps(new).decode(), rid))
        if old["type"] != new["type"]:
            drop_types.extend((tid, intern(conn, t), rid) for t in old["type"])
            add_types.extend((tid, intern(conn, t), rid) for t in new["type"])
        old_attrs, new_attrs = old["attrs"], new["attrs"]
        for iri in old_attrs.keys() | new_attrs.keys():
            before, after = old_attrs.get(iri), new_attrs.get(iri)
            if before == after:
                continue
            nid = intern(conn, iri)
            drop_attrs.append((rid, nid))
            if after:
                rows = attr_values({"attrs": {iri: after}})
                add_attrs.extend(
                    (rid, nid, seq, kind, val) for seq, (_i, kind, val) in enumerate(rows)
                )
            if any(i["type"] == "GeoProperty" for i in (before or []) + (after or [])):
                geo_redo[rid] = (old, new)
    conn.executemany("UPDATE entities SET doc = ? WHERE rid = ?", docs)
    if drop_types:
        conn.executemany(
            "DELETE FROM entity_types WHERE tenant = ? AND type = ? AND rid = ?", drop_types
        )
        conn.executemany(
            "INSERT OR IGNORE INTO entity_types(tenant, type, rid) VALUES (?,?,?)", add_types
        )
    conn.executemany("DELETE FROM attrs WHERE rid = ? AND name = ?", drop_attrs)
    conn.executemany("INSERT INTO attrs(rid, name, seq, kind, val) VALUES (?,?,?,?,?)", add_attrs)
    for rid, (old, new) in geo_redo.items():
        n_old = sum(i["type"] == "GeoProperty" for v in old["attrs"].values() for i in v)
        conn.executemany(
            "DELETE FROM geo WHERE gid = ?",
            [(rid * GEO_SLOTS + n,) for n in range(min(n_old, GEO_SLOTS))],
        )
        conn.executemany(
            "INSERT INTO geo(gid, minx, maxx, miny, maxy, rid, name) VALUES (?,?,?,?,?,?,?)",
            [
                (rid * GEO_SLOTS + n, b[0], b[2], b[1], b[3], rid, intern(conn, iri))
                for n, (iri, b) in enumerate(geo_boxes(new))
                if n < GEO_SLOTS
            ],
        )


def insert_rows(
    conn: sqlite3.Connection, tid: int, inserts: dict[int, tuple[str, Entity]], intern: Intern
) -> None:
    """Write every row of new entities."""
    if not inserts:
        return
    ent_rows = []
    type_rows = []
    attr_rows = []
    geo_rows = []
    for rid, (eid, entity) in inserts.items():
        ent_rows.append((rid, tid, eid, _dumps(entity).decode()))
        for t in entity["type"]:
            type_rows.append((tid, intern(conn, t), rid))
        for seq, (iri, kind, val) in enumerate(attr_values(entity)):
            attr_rows.append((rid, intern(conn, iri), seq, kind, val))
        for n, (iri, box) in enumerate(geo_boxes(entity)):
            if n < GEO_SLOTS:
                geo_rows.append(
                    (
                        rid * GEO_SLOTS + n,
                        box[0],
                        box[2],
                        box[1],
                        box[3],
                        rid,
                        intern(conn, iri),
                    )
                )
    conn.executemany("INSERT INTO entities(rid, tenant, eid, doc) VALUES (?,?,?,?)", ent_rows)
    conn.executemany(
        "INSERT OR IGNORE INTO entity_types(tenant, type, rid) VALUES (?,?,?)", type_rows
    )
    conn.executemany("INSERT INTO attrs(rid, name, seq, kind, val) VALUES (?,?,?,?,?)", attr_rows)
    if geo_rows:
        conn.executemany(
            "INSERT INTO geo(gid, minx, maxx, miny, maxy, rid, name) VALUES (?,?,?,?,?,?,?)",
            geo_rows,
        )
