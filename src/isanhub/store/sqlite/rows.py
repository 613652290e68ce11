"""A group's RowPlan (store.rowplan) executed on the SQLite tables."""

from __future__ import annotations

import sqlite3

from isanhub.core import geo
from isanhub.store.rowplan import RowPlan, TenantWrites, chunks
from isanhub.store.sqlite.schema import GEO_SLOTS


def prefetch(conn: sqlite3.Connection, tw: TenantWrites, ids: list[str]) -> None:
    """Read the stored state of the entities ``ids`` that the group has not read yet."""
    if tw.tid is None:
        return
    for chunk in chunks(tw.missing(ids), 500):
        marks = ",".join("?" * len(chunk))
        for rid, eid, doc in conn.execute(
            f"SELECT rid, eid, doc FROM entities WHERE tenant = ? AND eid IN ({marks})",
            (tw.tid, *chunk),
        ):
            tw.stored(rid, eid, doc)


def execute(conn: sqlite3.Connection, tid: int, plan: RowPlan) -> None:
    """Apply ``plan`` to the tables of tenant ``tid``: deletes first, then inserts."""
    run = conn.executemany
    if plan.gone:
        run("DELETE FROM entities WHERE rid = ?", [(r,) for r in plan.gone])
        run("DELETE FROM attrs WHERE rid = ?", [(r,) for r in plan.gone])
    if plan.drop_types:
        run(
            "DELETE FROM entity_types WHERE tenant = ? AND type = ? AND rid = ?",
            [(tid, t, r) for t, r in plan.drop_types],
        )
    if plan.drop_attrs:
        run("DELETE FROM attrs WHERE rid = ? AND name = ?", plan.drop_attrs)
    if plan.drop_geo:  # the R-tree is keyed by gid = rid * GEO_SLOTS + ordinal only
        gids = [(r * GEO_SLOTS + n,) for r, count in plan.drop_geo for n in range(count)]
        run("DELETE FROM geo WHERE gid = ?", gids)
    if plan.new_entities:
        run(
            "INSERT INTO entities(rid, tenant, eid, doc) VALUES (?,?,?,?)",
            [(r, tid, eid, doc) for r, eid, doc in plan.new_entities],
        )
    if plan.new_docs:
        run("UPDATE entities SET doc = ? WHERE rid = ?", plan.new_docs)
    if plan.add_types:
        run(
            "INSERT OR IGNORE INTO entity_types(tenant, type, rid) VALUES (?,?,?)",
            [(tid, t, r) for t, r in plan.add_types],
        )
    if plan.add_attrs:
        run("INSERT INTO attrs(rid, name, seq, kind, val) VALUES (?,?,?,?,?)", plan.add_attrs)
    if plan.add_geo:
        boxes = []
        for rid, n, name, value in plan.add_geo:
            if n < GEO_SLOTS:
                b = geo.bbox_of(value, validated=True)
                boxes.append((rid * GEO_SLOTS + n, b[0], b[2], b[1], b[3], rid, name))
        run("INSERT INTO geo(gid, minx, maxx, miny, maxy, rid, name) VALUES (?,?,?,?,?,?,?)", boxes)
