"""Changes of recorded history, shared by the SQL backends: the temporal API's deletions
and instance replacements (HistoryEdit), and retention's purge."""

from __future__ import annotations

from typing import Any

from isanhub.store.base import HistoryEdit
from isanhub.store.history import instance_row
from isanhub.store.sql import Dialect
from isanhub.store.temporal import in_list


def hid_of(eid: str, d: Dialect) -> tuple[str, list[Any]]:
    """SELECT the history number of an entity."""
    cond, p = d.tenant("h")
    return d.finish(
        f"SELECT h.hid FROM {d.table('hist_entities')} h WHERE h.eid = ?"
        f"{' AND ' + cond if cond else ''}"
    ), [eid, *p]


def edit_statements(
    edit: HistoryEdit, hid: int, name: int | None, d: Dialect
) -> list[tuple[str, list[Any]]]:
    """The statements of a HistoryEdit on entity ``hid`` (``name``: the attribute's id);
    the edit changed something when they changed at least one row."""
    instances = d.table("instances")
    if edit.attr is None:
        return [
            (d.finish(f"DELETE FROM {instances} WHERE hid = ?"), [hid]),
            (d.finish(f"DELETE FROM {d.table('hist_types')} WHERE hid = ?"), [hid]),
            (d.finish(f"DELETE FROM {d.table('hist_entities')} WHERE hid = ?"), [hid]),
        ]
    where = "hid = ? AND name = ?"
    params: list[Any] = [hid, name]
    if edit.instance is not None:
        where += " AND iid = ?"
        params.append(edit.instance)
    elif edit.datasets is not None:
        ors = [
            f"dataset IN ({','.join('?' * len(named))})"
            for named in [[x for x in edit.datasets if x]]
            if named
        ]
        params += [x for x in edit.datasets if x]
        if None in edit.datasets:
            ors.append("dataset IS NULL")
        where += f" AND ({' OR '.join(ors)})"
    if edit.replacement is None:
        return [(d.finish(f"DELETE FROM {instances} WHERE {where}"), params)]
    assert edit.attr is not None
    row = instance_row("", edit.attr, edit.replacement, edit.replacement["modifiedAt"])
    return [
        (
            d.finish(
                f"UPDATE {instances} SET doc = ?, t = ?, observed = ?, modified = ?, num = ?,"
                f" val = ? WHERE {where}"
            ),
            [row.doc, row.t, row.observed, row.created, row.num, row.val, *params],
        )
    ]


def purge_statements(
    before: int, type_ids: list[int] | None, except_ids: list[int], d: Dialect, *, dry_run: bool
) -> list[tuple[str, list[Any]]]:
    """Retention: the statements removing the instances older than ``before`` of the
    tenant's entities of ``type_ids`` (None: any) but none of ``except_ids``. The first
    one's row count (its count(*) with ``dry_run``) is the number of instances removed;
    the others drop what deleted entities left with no history."""
    types = d.table("hist_types")
    cond, params = d.tenant("h")
    where = [cond] if cond else []
    if type_ids is not None:
        sql, p = in_list("ht.type", type_ids)
        where.append(f"EXISTS (SELECT 1 FROM {types} ht WHERE ht.hid = h.hid AND {sql})")
        params += p
    if except_ids:
        sql, p = in_list("ht.type", except_ids)
        where.append(f"NOT EXISTS (SELECT 1 FROM {types} ht WHERE ht.hid = h.hid AND {sql})")
        params += p
    chosen = f"SELECT h.hid FROM {d.table('hist_entities')} h WHERE {' AND '.join(where) or 'TRUE'}"
    old = f"FROM {d.table('instances')} WHERE t < ? AND hid IN ({chosen})"
    if dry_run:
        return [(d.finish(f"SELECT count(*) {old}"), [before, *params])]
    empty = (
        f"SELECT h.hid FROM {d.table('hist_entities')} h WHERE h.deleted_at IS NOT NULL AND NOT"
        f" EXISTS (SELECT 1 FROM {d.table('instances')} i WHERE i.hid = h.hid)"
    )
    return [
        (d.finish(f"DELETE {old}"), [before, *params]),
        (d.finish(f"DELETE FROM {types} WHERE hid IN ({empty})"), []),
        (d.finish(f"DELETE FROM {d.table('hist_entities')} WHERE hid IN ({empty})"), []),
    ]
