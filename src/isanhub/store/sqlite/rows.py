"""A group's RowPlan (store.rowplan) executed on the SQLite tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

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


def history(conn: sqlite3.Connection, tid: int, plan: RowPlan, new_hid: Callable[[], int]) -> None:
    """Record the plan's history rows (store.history) for tenant ``tid``; ``new_hid``
    numbers entities seen for the first time."""
    ids = plan.history_ids()
    if not ids:
        return
    hids: dict[str, int] = {}
    for chunk in chunks(ids, 500):
        marks = ",".join("?" * len(chunk))
        hids.update(
            conn.execute(
                f"SELECT eid, hid FROM hist_entities WHERE tenant = ? AND eid IN ({marks})",
                (tid, *chunk),
            ).fetchall()
        )
    run = conn.executemany
    new = [(new_hid(), tid, eid) for eid in ids if eid not in hids]
    fresh = {eid for _hid, _tid, eid in new}
    if new:
        run("INSERT INTO hist_entities(hid, tenant, eid) VALUES (?,?,?)", new)
        hids.update((eid, hid) for hid, _tid, eid in new)
    if plan.hist_created:
        run(
            "UPDATE hist_entities SET deleted_at = NULL WHERE hid = ? AND deleted_at IS NOT NULL",
            [(hids[e],) for e in plan.hist_created],
        )
    if plan.hist_deleted:
        run(
            "UPDATE hist_entities SET deleted_at = ? WHERE hid = ?",
            [(when, hids[e]) for e, when in plan.hist_deleted],
        )
    if plan.hist_types:
        run(
            "INSERT OR IGNORE INTO hist_types(tenant, type, hid) VALUES (?,?,?)",
            [(tid, t, hids[e]) for e, t in plan.hist_types],
        )
    replace = [r for r in plan.hist_replace if r[0] not in fresh]  # a new history has none
    if replace:
        replace = _may_replace(conn, replace, hids)
    if replace:
        run(
            "DELETE FROM instances WHERE hid = ? AND name = ? AND dataset IS ? AND t = ?"
            " AND observed AND NOT deleted",
            [(hids[e], n, ds, t) for e, n, ds, t in replace],
        )
    if plan.history:
        run(
            "INSERT INTO instances(hid, name, dataset, t, observed, created, modified, deleted,"
            " num, val, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (hids[r.eid], name, r.dataset, r.t, r.observed, r.created, r.created,
                 r.deleted, r.num, r.val, r.doc)
                for r, name in plan.history
            ],
        )  # fmt: skip


def _may_replace(
    conn: sqlite3.Connection,
    replace: list[tuple[str, int, str | None, int]],
    hids: dict[str, int],
) -> list[tuple[str, int, str | None, int]]:
    """The instances among ``replace`` that may have a recorded twin: none is later than
    everything recorded for its attribute (the common case of new readings), and one
    index seek per attribute tells, instead of one DELETE per instance."""
    latest: dict[tuple[int, int], int] = {}
    for e, n, _ds, _t in replace:
        key = (hids[e], n)
        if key not in latest:
            row = conn.execute(
                "SELECT t FROM instances WHERE hid = ? AND name = ? ORDER BY t DESC LIMIT 1", key
            ).fetchone()
            latest[key] = -(1 << 62) if row is None else row[0]
    return [r for r in replace if r[3] <= latest[(hids[r[0]], r[1])]]
