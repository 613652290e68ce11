"""Finding recorded history for the erasure of a data subject (security.erasure), shared
by the SQL backends.

The temporal API reads history by entity, attribute and time; an erasure has to find
instances by what they hold (a telephone number, the id a Relationship points at),
wherever they are. That is a scan of the tenant's instances with a substring test on
each instance's JSON document: slow beside an indexed read, but erasures are rare and
an index on every value of history would cost every write. The substring test is a
prefilter: the caller decides on the parsed document (a number may occur inside a
longer one, a text as a member name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from isanhub.store.sql import Dialect
from isanhub.store.temporal import in_list


@dataclass(frozen=True)
class HistoryHit:
    """One recorded attribute instance that a history search found."""

    eid: str
    types: tuple[str, ...]  #: every type the entity ever had (IRIs)
    attr: str  #: the attribute's IRI
    instance: int  #: its number (the instanceId's suffix; HistoryEdit.instance)
    recorded: int  #: when it was recorded (µs since 1970)
    deleted: bool  #: the record of a deletion (no value)
    doc: str  #: the instance as JSON
    gone: str | None  #: when the entity was deleted (ISO 8601); None while it exists


def find_statement(
    d: Dialect,
    contains: str,
    texts: Sequence[str],
    ids: Sequence[str] | None,
    type_ids: Sequence[int] | None,
    name_ids: Sequence[int] | None,
) -> tuple[str, list[Any]]:
    """SELECT hid, eid, deleted_at, name, iid, created, deleted, doc of the instances of
    the entities ``ids`` of any of ``type_ids`` and attributes ``name_ids`` (None: any)
    whose document contains one of ``texts`` (none: every instance). ``contains`` is
    the backend's test of a document holding a text, with ``{doc}`` and ``?``."""
    where: list[str] = []
    cond, params = d.tenant("h")
    if cond:
        where.append(cond)
    if ids is not None:
        sql, p = in_list("h.eid", ids)
        where.append(sql)
        params += p
    if type_ids is not None:
        sql, p = in_list("ht.type", type_ids)
        where.append(
            f"EXISTS (SELECT 1 FROM {d.table('hist_types')} ht WHERE ht.hid = h.hid AND {sql})"
        )
        params += p
    if name_ids is not None:
        sql, p = in_list("i.name", name_ids)
        where.append(sql)
        params += p
    if texts:
        where.append("(" + " OR ".join(contains.format(doc="i.doc") for _ in texts) + ")")
        params += list(texts)
    return d.finish(
        "SELECT h.hid, h.eid, h.deleted_at, i.name, i.iid, i.created, i.deleted, i.doc"
        f" FROM {d.table('instances')} i JOIN {d.table('hist_entities')} h ON h.hid = i.hid"
        f" WHERE {' AND '.join(where) or 'TRUE'} ORDER BY h.hid, i.name, i.iid"
    ), params


def types_statement(d: Dialect, hids: Sequence[int]) -> tuple[str, list[Any]]:
    """SELECT hid, type of the history entities ``hids``."""
    sql, params = in_list("ht.hid", hids)
    cond, p = d.tenant("ht")
    return d.finish(
        f"SELECT ht.hid, ht.type FROM {d.table('hist_types')} ht WHERE {sql}"
        f"{' AND ' + cond if cond else ''}"
    ), params + p


def hits(
    rows: Sequence[Sequence[Any]], types: dict[int, list[str]], iris: dict[int, str]
) -> list[HistoryHit]:
    """The rows of find_statement as HistoryHits (``types``: type IRIs by hid, ``iris``:
    every name id's IRI)."""
    return [
        HistoryHit(
            eid=eid,
            types=tuple(sorted(types.get(hid, ()))),
            attr=iris[name],
            instance=int(iid),
            recorded=int(created),
            deleted=bool(deleted),
            doc=doc,
            gone=gone,
        )
        for hid, eid, gone, name, iid, created, deleted, doc in rows
    ]
