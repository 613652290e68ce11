"""File import: rows of a file, through a mapping, into entities and their history.

An import has two passes. The check pass reads the whole file once: it converts every
cell, collects every row error (with the line, row or feature number the user sees),
and groups the rows of each entity within a chunk of rows; the groups of each chunk are
spilled to a temporary file. A file with any error is rejected and nothing is written;
whatever would make the write pass fail (a time outside the years 1000-9999, an id cell
with no value) is a row error here, so the write pass meets only what it can write.
The write pass turns the spilled groups into Items (an entity and its measured
attributes as series) and hands them to the loader (isanhub.ingest.load). Neither pass
holds the file in memory: what grows with it is the spill on disk and the set of
distinct entity ids (to tell created from updated). A dry run is the check pass alone.
(NGSI-LD files are read again in the write pass instead: their entities need no work.)

With a time column, the attributes marked ``history`` (numbers, by default) become
series: one instance per row at its time, and the entity's current value is the latest.
Other attributes take the value of the entity's latest row in each chunk, with that
row's time as observedAt. Without a time column every row is the entity's current state
(later rows win).
"""

from __future__ import annotations

import marshal
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from isanhub.core.errors import BadRequestData, NgsiLdError, NonexistentTenant
from isanhub.core.model import Terms, expand_entity, is_uri, now_iso
from isanhub.ingest.cells import (
    IdError,
    converter,
    id_maker,
    object_maker,
    time_parser,
    to_number,
)
from isanhub.ingest.items import Item, Series, iso
from isanhub.ingest.json_readers import GEOMETRY, geometry
from isanhub.ingest.load import load
from isanhub.ingest.mapping import Mapping
from isanhub.ingest.readers import BadRow, FileProblem, Reader, detect_format, reader_class
from isanhub.store.base import Store

MAX_ERRORS = 100  #: row errors listed in a report (all are counted)
CHUNK_ROWS = 100_000  #: rows grouped into items at a time (bounds the write pass's memory)
ENTITY_BATCH = 500  #: ids per existence check, entities per NGSI-LD load
Resolve = Callable[[Any], Awaitable[Terms]]


class Progress:
    """What an import reports while it runs (the CLI draws a bar; this draws nothing)."""

    def phase(self, name: str, total: int | None, unit: str) -> None: ...
    def update(self, done: int) -> None: ...
    def close(self) -> None: ...


@dataclass
class Report:
    """The outcome of importing one file (docs/import.md, "The report")."""

    file: str
    format: str
    locator: str = "line"
    status: str = "rejected"  #: imported | dry-run | rejected | failed
    dry_run: bool = False
    tenant: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    instances: int = 0
    history: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    info: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def error(self, position: int | None, column: str | None, value: Any, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            err: dict[str, Any] = {self.locator: position, "column": column}
            if value is not None:
                if not isinstance(value, (str, int, float, bool)):
                    value = str(value)
                err["value"] = value[:200] if isinstance(value, str) else value
            err["reason"] = reason
            self.errors.append(err)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "file": self.file,
            "format": self.format,
            **self.info,
            "tenant": self.tenant,
            "dryRun": self.dry_run,
            "rows": self.rows,
            "entities": {"created": self.created, "updated": self.updated},
            "instances": self.instances,
            "history": self.history,
            "errorCount": self.error_count,
            "errors": self.errors,
            "errorsTruncated": self.error_count > len(self.errors),
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class _Group:
    """The rows of one entity within a chunk: times, a column per history attribute,
    and the values of the other attributes at the latest row."""

    times: list[int]
    cols: list[list[Any]]
    t: int = -(1 << 62)
    state: dict[str, Any] = field(default_factory=dict)


class FileImport:
    """One file: ``await check()`` then, unless rejected or a dry run, ``await write()``."""

    def __init__(
        self,
        file: IO[bytes],
        name: str,
        mapping: Mapping,
        resolve: Resolve,
        *,
        fmt: str | None = None,
        sheet: str | None = None,
        tenant: str = "",
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> None:
        """Opens the reader. A file that cannot be read gives a rejected report at
        check(); a mapping without what the format needs raises MappingError."""
        file.seek(0)
        fmt = fmt or detect_format(name, file.read(512))
        file.seek(0)
        if fmt is not None and fmt != "ngsild":
            mapping.require_table()
        self.mapping = mapping
        self.resolve = resolve
        self.store_tenant = tenant
        self.progress = progress or Progress()
        self.report = Report(name, fmt or "unknown", dry_run=dry_run, tenant=tenant)
        self.reader: Reader | None = None
        self._seen: set[str] = set()  #: entity ids met, for created/updated
        self._unchecked: list[str] = []
        self._written: set[str] = set()  #: entities given their static attributes
        self._spilled: IO[bytes] | None = None  #: the check pass's groups, for writing
        try:
            if fmt is None:
                raise FileProblem(
                    f"cannot tell the format of {name}: give csv, xlsx, geojson or ngsild"
                )
            self.reader = reader_class(fmt)(file, mapping, sheet)
            self.report.locator = self.reader.locator
            self.report.info = self.reader.info()
            if fmt != "ngsild":
                self._compile()
        except FileProblem as exc:
            self.report.error(exc.position, exc.column, None, exc.reason)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self._spilled is not None:
            self._spilled.close()

    def _rows(self) -> Iterator[tuple[int, Any]]:
        assert self.reader is not None, "check() rejects a file without a reader"
        return self.reader.rows()

    # --- the mapping against the file's columns -------------------------------------------

    def _compile(self) -> None:
        assert self.reader is not None
        m = self.mapping
        wanted = m.columns()
        use_geometry = self.reader.format == "geojson" and m.location is None
        if use_geometry:
            wanted.append(GEOMETRY)
        index = dict(zip(wanted, self.reader.select(wanted), strict=True))
        self.id_cols = m.id_columns()
        self.id_idx = [index[c] for c in self.id_cols]
        self.make_id = id_maker(m.id or "", self.id_cols, m.missing)
        self.time_idx = index[m.time.column] if m.time else -1
        self.parse_time = time_parser(m.time) if m.time else None
        self.loc_idx = (index[m.location[0]], index[m.location[1]]) if m.location else None
        self.geo_idx = index[GEOMETRY] if use_geometry else -1
        # a relationship's object may take several cells: its converter reads the whole row
        self.attrs = [
            (a, index[a.column], converter(a))
            if a.kind != "relationship"
            else (a, index[a.column], object_maker(a, index, m.missing))
            for a in m.attributes
        ]
        self.history = [x for x in self.attrs if x[0].history]
        self.state = [x for x in self.attrs if not x[0].history]
        self.report.history = [a.name for a, _, _ in self.history]

    def _new_id(self, key: Any, ids: dict[Any, str]) -> str:
        """The id of an id-cell key not met yet (ValueError with the reason if none)."""
        eid = self.make_id(key if type(key) is tuple else (key,))
        if not is_uri(eid):
            raise ValueError(f"{eid!r} is not a URI")
        if len(ids) > 100_000:  # bounded: an id is made again when it comes back
            ids.clear()
        ids[key] = eid
        return eid

    # --- the check pass ---------------------------------------------------------------------

    async def check(self, store: Store) -> Report:
        """Read the whole file, convert every cell, count what would be written."""
        started = time.perf_counter()
        report = self.report
        if self.reader is None or report.error_count:
            report.status = "rejected"
            return report
        self.progress.phase("check", self.reader.total, self.reader.unit)
        try:
            if report.format == "ngsild":
                await self._check_entities(store)
            else:
                await self._check_rows(store)
            for column in self.reader.unseen():
                report.error(None, column, None, "no row has this column")
        except FileProblem as exc:
            report.error(exc.position, exc.column, None, exc.reason)
        except NgsiLdError as exc:  # an @context that cannot be resolved
            report.error(None, None, None, exc.detail)
        if not report.error_count:
            await self._existence(store, final=True)
        self.progress.close()
        report.status = "rejected" if report.error_count else "dry-run"
        report.seconds = time.perf_counter() - started
        return report

    def _met(self, eid: str) -> None:
        if eid not in self._seen:
            self._seen.add(eid)
            self._unchecked.append(eid)

    async def _existence(self, store: Store, final: bool = False) -> None:
        """Count the entities met so far as created or updated (one look-up per id)."""
        if self.report.error_count:
            self._unchecked.clear()  # rejected: the counts will not be reported
        while len(self._unchecked) >= ENTITY_BATCH or (final and self._unchecked):
            batch = self._unchecked[:ENTITY_BATCH]
            del self._unchecked[:ENTITY_BATCH]
            try:
                found = await store.get_many(self.store_tenant, batch)
            except NonexistentTenant:  # a tenant's first import: everything is new
                found = {}
            self.report.updated += len(found)
            self.report.created += len(batch) - len(found)

    async def _check_rows(self, store: Store) -> None:
        """Check every row and group the rows of each entity per chunk; the groups of a
        chunk go to the spill while no error has been met (afterwards only checking
        matters). One loop does both: a cell is converted once per import."""
        report, missing, reader = self.report, self.mapping.missing, self.reader
        assert reader is not None
        ids: dict[Any, str] = {}
        one_id = self.id_idx[0] if len(self.id_idx) == 1 else -1
        time_idx, parse_time = self.time_idx, self.parse_time
        time_col = self.mapping.time.column if self.mapping.time else None
        history = [(a.column, a.required, i, conv) for a, i, conv in self.history]
        state = [
            (a.name, a.unit, a.column, a.required, i, conv, a.kind == "relationship")
            for a, i, conv in self.state
        ]
        located = self.loc_idx is not None or self.geo_idx >= 0
        width = len(history)
        spill = None if report.dry_run else self._spill()
        groups: dict[str, _Group] = {}
        rows = instances = chunk_rows = 0
        t = 0
        for pos, cells in self._rows():
            rows += 1
            if not rows & 4095:
                self.progress.update(reader.done())
                if len(self._unchecked) >= ENTITY_BATCH:
                    await self._existence(store)
            if type(cells) is BadRow:
                report.error(pos, None, None, cells.reason)
                continue
            try:
                key = cells[one_id] if one_id >= 0 else tuple(cells[i] for i in self.id_idx)
                eid = ids.get(key) or self._new_id(key, ids)
            except TypeError:  # a JSON cell (list, object) as an id
                report.error(pos, ",".join(self.id_cols), None, "not text or a number")
                continue
            except IdError as exc:  # an empty or missing cell, or one that makes no slug
                report.error(pos, exc.column, exc.value, str(exc))
                continue
            except ValueError as exc:  # the id is not a URI
                report.error(pos, ",".join(self.id_cols), None, str(exc))
                continue
            if eid not in self._seen:
                self._seen.add(eid)
                self._unchecked.append(eid)
            if parse_time is not None:
                cell = cells[time_idx]
                try:
                    if cell is None or (type(cell) is str and cell in missing):
                        raise ValueError("no time")
                    t = parse_time(cell)
                except ValueError as exc:
                    report.error(pos, time_col, cell, str(exc))
                    continue
            g = groups.get(eid)
            if g is None:
                g = groups[eid] = _Group([], [[] for _ in range(width)])
            if width:
                g.times.append(t)
                for col, (column, required, i, conv) in zip(g.cols, history, strict=True):
                    cell = cells[i]
                    value = None
                    if cell is not None and not (type(cell) is str and cell in missing):
                        try:
                            value = conv(cell)
                        except ValueError as exc:
                            report.error(pos, column, cell, str(exc))
                            col.append(None)
                            continue
                    if value is not None:
                        instances += 1
                    elif required:
                        report.error(pos, column, cell, "a value is required")
                    col.append(value)
            latest = t >= g.t
            if latest:
                g.t = t
            for name, unit, column, required, i, conv, rel in state:
                cell = cells[i]
                value = None
                if cell is not None and not (type(cell) is str and cell in missing):
                    try:
                        value = conv(cells) if rel else conv(cell)
                    except IdError as exc:  # a relationship: the template's cell at fault
                        report.error(pos, exc.column, exc.value, str(exc))
                        continue
                    except ValueError as exc:
                        report.error(pos, column, cell, str(exc))
                        continue
                if value is not None:
                    if latest:
                        g.state[name] = (
                            {"type": "Relationship", "object": value} if rel else _prop(value, unit)
                        )
                elif required:
                    report.error(pos, column, cell, "a value is required")
            if located and (loc := self._location(pos, cells)) is not None and latest:
                g.state["location"] = loc
            chunk_rows += 1
            if chunk_rows == CHUNK_ROWS:
                self._spill_chunk(spill, groups, chunk_rows)
                groups, chunk_rows = {}, 0
        self._spill_chunk(spill, groups, chunk_rows)
        report.rows, report.instances = rows, instances

    def _spill(self) -> IO[bytes]:
        # deleted when closed (close()), or by the system if the process dies
        self._spilled = tempfile.TemporaryFile(prefix="isanhub-import-")  # noqa: SIM115
        return self._spilled

    def _spill_chunk(self, spill: IO[bytes] | None, groups: dict[str, _Group], n: int) -> None:
        """Keep a chunk's groups for the write pass (marshal: plain values, fast)."""
        if spill is None or self.report.error_count or not n:
            return  # a dry run, or a file already rejected: nothing will be written
        marshal.dump(
            (n, [(eid, g.times, g.cols, g.t, g.state) for eid, g in groups.items()]), spill
        )

    def _location(self, pos: int, cells: Any) -> dict[str, Any] | None:
        """The row's location attribute; None when it has none or it is wrong (an error)."""
        missing = self.mapping.missing
        try:
            if self.geo_idx >= 0:
                g = cells[self.geo_idx]
                return None if g is None else {"type": "GeoProperty", "value": geometry(g)}
            assert self.loc_idx is not None
            lat_cell, lon_cell = cells[self.loc_idx[0]], cells[self.loc_idx[1]]
            if any(c is None or (type(c) is str and c in missing) for c in (lat_cell, lon_cell)):
                return None
            lat, lon = to_number(lat_cell), to_number(lon_cell)
            if lat is None or lon is None:
                return None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"latitude {lat} / longitude {lon} is outside the Earth")
        except ValueError as exc:
            cols = self.mapping.location or ("geometry", "")
            self.report.error(pos, ",".join(c for c in cols if c), None, str(exc))
            return None
        return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}}

    async def _check_entities(self, store: Store) -> None:
        report, now, reader = self.report, now_iso(), self.reader
        assert reader is not None
        context_default = self.mapping.context
        static = self.mapping.static
        unusable: dict[bytes, str] = {}  # @contexts that failed: not fetched again
        rows = 0
        for pos, entity in self._rows():
            rows += 1
            if not rows & 1023:
                self.progress.update(reader.done())
                if len(self._unchecked) >= ENTITY_BATCH:
                    await self._existence(store)
            if type(entity) is BadRow:
                report.error(pos, None, None, entity.reason)
                continue
            context = entity.get("@context", context_default)
            key = orjson.dumps(context)
            try:
                if key in unusable:
                    raise BadRequestData(unusable[key])
                terms = await self.resolve(context)
            except NgsiLdError as exc:
                unusable[key] = exc.detail
                report.error(pos, "@context", None, exc.detail)
                continue
            try:
                expand_entity({**entity, **static}, terms, now=now)
            except BadRequestData as exc:
                report.error(pos, None, entity.get("id"), exc.detail)
                continue
            self._met(entity["id"])
        report.rows = rows

    async def run(self, store: Store) -> Report:
        """Check, then write unless the file is rejected or this is a dry run."""
        report = await self.check(store)
        if report.status == "dry-run" and not report.dry_run:
            report = await self.write(store)
        return report

    # --- the write pass ---------------------------------------------------------------------

    async def write(self, store: Store) -> Report:
        """Write what check() accepted (call it only after a check without errors)."""
        started = time.perf_counter()
        report = self.report
        self.progress.phase("write", report.rows, "rows")
        failed: list[tuple[str, str]] = []
        try:
            if report.format == "ngsild":
                failed = await self._write_entities(store)
            else:
                terms = await self.resolve(self.mapping.context)
                stats = await load(store, self.store_tenant, self._items(), terms=terms)
                failed = stats.errors
        except FileProblem as exc:  # only an NGSI-LD file is read again
            failed = [("", f"the file changed while it was imported: {exc.reason}")]
        self.progress.close()
        for eid, why in failed:
            report.error(None, None, eid, why)
        report.status = "failed" if failed else "imported"
        report.seconds += time.perf_counter() - started
        return report

    def _items(self) -> Iterator[Item]:
        """The spilled groups as items, a chunk at a time."""
        timed = self.parse_time is not None
        kind, static = self.mapping.type, self.mapping.static
        names = [(a.name, a.unit) for a, _i, _c in self.history]
        spill = self._spilled
        assert spill is not None, "write() after a check() that was not a dry run"
        spill.seek(0)
        done = 0
        while True:
            try:
                n, groups = marshal.load(spill)
            except EOFError:
                return
            for eid, times, cols, t, state in groups:
                entity: dict[str, Any] = {"id": eid, "type": kind}
                if eid not in self._written:  # once per import: the entity keeps them
                    self._written.add(eid)
                    entity.update(static)
                at = iso(t) if timed else None
                for name, attr in state.items():
                    entity[name] = {**attr, "observedAt": at} if at else attr
                if len(set(times)) < len(times):  # a time given twice: its last row wins
                    keep = sorted({when: k for k, when in enumerate(times)}.values())
                    times = [times[k] for k in keep]
                    cols = [[col[k] for k in keep] for col in cols]
                series = [
                    Series(name, times, col, unit)
                    for (name, unit), col in zip(names, cols, strict=True)
                    if col.count(None) < len(col)
                ]
                yield Item(entity, series)
            done += n
            self.progress.update(done)

    async def _write_entities(self, store: Store) -> list[tuple[str, str]]:
        """NGSI-LD entities, loaded in batches that share one @context."""
        failed: list[tuple[str, str]] = []
        batch: list[Item] = []
        batch_key: bytes | None = None
        batch_context: Any = None
        static, default = self.mapping.static, self.mapping.context
        done = 0

        async def flush() -> None:
            nonlocal batch
            if batch:
                terms = await self.resolve(batch_context)
                stats = await load(store, self.store_tenant, batch, terms=terms)
                failed.extend(stats.errors)
                self.progress.update(done)
            batch = []

        for _pos, entity in self._rows():
            if type(entity) is BadRow:
                raise FileProblem(entity.reason)
            context = entity.get("@context", default)
            key = orjson.dumps(context)
            if key != batch_key or len(batch) >= ENTITY_BATCH:
                await flush()
                batch_key, batch_context = key, context
            body = {k: v for k, v in entity.items() if k != "@context"}
            batch.append(Item({**body, **static}))
            done += 1
        await flush()
        return failed


def _prop(value: Any, unit: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Property", "value": value}
    if unit:
        out["unitCode"] = unit
    return out
