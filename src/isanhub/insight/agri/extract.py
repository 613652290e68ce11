"""Building a snapshot (snapshot.py) from the store, through the Store contract, so it
works on either backend: current entities page by page, history window by window, each
page written to Parquet as it arrives (memory stays bounded at any size of farmland).

Attribute names are read with the NGSI-LD core context (the default vocabulary, as the
sandbox and the importer's mappings write them) unless a term map is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from isanhub.core.termmap import TermMap
from isanhub.insight.agri.fields import BANGKOK, EPOCH, Fields
from isanhub.insight.agri.rows import CURRENT, HISTORY, series
from isanhub.insight.agri.snapshot import TABLES, Meta, Snapshot
from isanhub.store.base import Query, Store
from isanhub.store.temporal import TemporalQuery

PAGE = 1000  #: entities per page of current state
HISTORY_PAGE = 50  #: entities per page of history
#: history windows: how much time one temporal query covers (µs)
WINDOW_US = {"prices": 4 * 366 * 86_400_000_000, "weather": 92 * 86_400_000_000}

Progress = Callable[[str, int], None]  #: (table, rows written so far)


class _Writer:
    """One table's Parquet file, written a batch of rows at a time."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self.file = pq.ParquetWriter(path, schema)
        self.rows = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.file.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)

    def close(self) -> None:
        self.file.close()


async def _pages(store: Store, tenant: str, kind: str, f: Fields) -> Any:
    """Every current entity of type ``kind``, a page at a time (creation order)."""
    types = [frozenset([f.terms.expand_type(kind)])]
    offset = 0
    while True:
        page = (await store.query(tenant, Query(types=types, limit=PAGE, offset=offset))).entities
        if page:
            yield page
        if len(page) < PAGE:
            return
        offset += PAGE


async def _history(
    store: Store, tenant: str, kind: str, attrs: list[str], f: Fields, window: int
) -> Any:
    """(entity, {attr: [(local time, value)]}) for every entity of ``kind``, a window of
    time at a time, oldest first."""
    types = [frozenset([f.terms.expand_type(kind)])]
    iris = {f.iri(a): a for a in attrs}
    offset = 0
    while True:
        q = Query(types=types, limit=HISTORY_PAGE, offset=offset)
        page = (await store.query(tenant, q)).entities
        if not page:
            return
        ids = [e["id"] for e in page]
        # the span of the page's history: one aggregation per entity, then windows
        span = await store.temporal(tenant, TemporalQuery(
            entities=Query(ids=ids, limit=len(ids)), attrs=frozenset(iris),
            last_n=1,
        ))  # fmt: skip
        newest = [i["observedAt"] for te in span[0] for v in te.attrs.values() for i in v
                  if "observedAt" in i]  # fmt: skip
        first = await store.temporal(tenant, TemporalQuery(
            entities=Query(ids=ids, limit=len(ids)), attrs=frozenset(iris), page=1,
        ))  # fmt: skip
        oldest = [i["observedAt"] for te in first[0] for v in te.attrs.values() for i in v
                  if "observedAt" in i]  # fmt: skip
        by_id = {e["id"]: e for e in page}
        if newest and oldest:
            start = _us(min(oldest))
            end = _us(max(newest)) + 1
            while start < end:
                stop = min(end, start + window)
                got, _ = await store.temporal(tenant, TemporalQuery(
                    entities=Query(ids=ids, limit=len(ids)), attrs=frozenset(iris),
                    timerel="between", time_at=start, end_time_at=stop,
                ))  # fmt: skip
                for te in got:
                    values = {iris[k]: list(series(v)) for k, v in te.attrs.items() if k in iris}
                    if te.id in by_id:
                        yield by_id[te.id], values
                start = stop
        if len(page) < HISTORY_PAGE:
            return
        offset += HISTORY_PAGE


def _us(text: str) -> int:
    t = datetime.fromisoformat(text)
    t = t.replace(tzinfo=None) - (t.utcoffset() or timedelta(0))
    return (t - EPOCH) // timedelta(microseconds=1)


async def build(
    store: Store, tenant: str, snap: Snapshot, *, terms: TermMap | None = None,
    progress: Progress | None = None,
) -> Meta:  # fmt: skip
    """Write a new generation of ``tenant``'s snapshot from the store and serve it."""
    began = time.perf_counter()
    taken = datetime.now(UTC).replace(tzinfo=None) + BANGKOK
    f = Fields(terms)
    gen = snap.new_generation()
    rows: dict[str, int] = {}
    exists = await store.tenant_exists(tenant)
    for table, (kind, to_row) in CURRENT.items():
        w = _Writer(gen / f"{table}.parquet", TABLES[table])
        if exists:
            async for page in _pages(store, tenant, kind, f):
                w.add([to_row(f, e) for e in page])
                if progress:
                    progress(table, w.rows)
        w.close()
        rows[table] = w.rows
    for table, (kind, attrs, to_rows) in HISTORY.items():
        w = _Writer(gen / f"{table}.parquet", TABLES[table])
        if exists:
            async for e, values in _history(store, tenant, kind, attrs, f, WINDOW_US[table]):
                w.add(to_rows(f, e, values))
                if progress:
                    progress(table, w.rows)
        w.close()
        rows[table] = w.rows
    meta = Meta(taken.isoformat(timespec="seconds"), round(time.perf_counter() - began, 3), rows)
    snap.publish(gen, meta)
    return meta
