"""Import one seller export into the lake: parse, check, columns, merge.

A file is imported whole or not at all. It is rejected, and nothing is written, when
its format is not recognised (the message names the closest format and the columns it
lacks), when it cannot be read, when it holds no order line, or when some rows cannot
be read (each listed with its row number) unless the caller accepts leaving those rows
out. A file whose bytes were imported before for the same shop changes nothing and
says so. Messages are in Thai and English.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from isanhub.ingest.mapping import BANGKOK
from isanhub.ingest.sellers import FileProblem, OrderLine, UnknownFormat, parse
from isanhub.ingest.sellers.parse import parse_fast
from isanhub.insight.commerce.kinds import kind_of
from isanhub.insight.commerce.lake import Lake, Merge
from isanhub.insight.commerce.schema import LINE

IMPORTED, REJECTED, DUPLICATE = "imported", "rejected", "duplicate"
_CHUNK = 1 << 20
_FIELDS = [f.name for f in LINE if f.name not in ("tenant", "shop", "source", "imported_at")]
_PLACES = ("province", "district")


@dataclass
class FileResult:
    """What happened to one file; ``as_json`` is the API's and the CLI's report."""

    file: str
    status: str
    format: str | None = None
    lines: int = 0
    merge: Merge | None = None
    first_day: date | None = None  #: local date of the file's first order line
    problems: list[str] = field(default_factory=list)
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "status": self.status, "format": self.format}
        out["lines"] = self.lines
        if self.merge:
            out |= {k: v for k, v in self.merge.__dict__.items()}
        if self.message:
            out["message"] = self.message
        if self.problems:
            out["problems"] = self.problems
        return out


def unreadable(reason: str) -> str:
    """The message for a file that cannot be read at all (the readers' own advice is
    about import mappings, which sellers do not use)."""
    reason = reason.split("; set encoding")[0]
    return (
        f"อ่านไฟล์ไม่ได้ ไม่ได้บันทึกอะไร ลองดาวน์โหลดไฟล์ใหม่จากศูนย์ผู้ขาย หรือบันทึกเป็น CSV UTF-8 "
        f"/ the file cannot be read ({reason}): nothing was saved; download it again from "
        "the seller centre, or save it as CSV UTF-8"
    )


def digest(file: IO[bytes]) -> str:
    hasher = hashlib.sha256()
    while chunk := file.read(_CHUNK):
        hasher.update(chunk)
    file.seek(0)
    return hasher.hexdigest()


def _columns(lines: list[OrderLine]) -> dict[str, list[Any]]:
    """The lines as columns. Attributes are read column by column with attrgetter and
    places, kinds and local times once per distinct value: a million lines take about
    a second rather than six."""
    simple = [
        n
        for n in _FIELDS
        if n != "ordered_at" and n != "kind" and not n.startswith(("province_", "district_"))
    ]
    cols: dict[str, list[Any]] = {
        name: list(map(attrgetter(name), lines)) for name in (*simple, "product")
    }
    kinds: dict[str, str] = {p: kind_of(p) for p in set(cols["product"])}
    cols["kind"] = [kinds[p] for p in cols["product"]]
    local: dict[datetime, datetime] = {}
    stamps = []
    for at in map(attrgetter("ordered_at"), lines):
        seen = local.get(at)
        if seen is None:
            seen = local[at] = at.astimezone(BANGKOK).replace(tzinfo=None)
        stamps.append(seen)
    cols["ordered_at"] = stamps
    for level in _PLACES:
        places = list(map(attrgetter(level), lines))
        for part, pick in (("code", "code"), ("th", "name_th"), ("en", "name_en")):
            get = attrgetter(pick)
            cols[f"{level}_{part}"] = [None if p is None else get(p) for p in places]
    return cols


def table_of(lines: list[OrderLine], tenant: str, shop: str, source: str) -> pa.Table:
    cols = _columns(lines)
    n = len(lines)
    now = datetime.now(UTC).replace(tzinfo=None)
    arrays = {
        "tenant": [tenant] * n,
        "shop": [shop] * n,
        **cols,
        "source": [source] * n,
        "imported_at": [now] * n,
    }
    return pa.Table.from_pydict({name: arrays[name] for name in LINE.names}, schema=LINE)


def table_from_columns(columns: dict[str, Any], tenant: str, shop: str, source: str) -> pa.Table:
    """The lake's table of the fast path's columns (every field but kind and those
    added here)."""
    n = len(columns["line_id"])
    products = pa.array(columns["product"], pa.string()).dictionary_encode()
    kinds = pa.array([kind_of(p) for p in products.dictionary.to_pylist()], pa.string())
    now = datetime.now(UTC).replace(tzinfo=None)
    given = columns | {
        "tenant": pa.repeat(pa.scalar(tenant, pa.string()), n),
        "shop": pa.repeat(pa.scalar(shop, pa.string()), n),
        "kind": kinds.take(products.indices),
        "source": pa.repeat(pa.scalar(source, pa.string()), n),
        "imported_at": pa.repeat(pa.scalar(now, pa.timestamp("us")), n),
    }
    return pa.table({f.name: _typed(given[f.name], f.type) for f in LINE}, schema=LINE)


def _typed(values: Any, kind: pa.DataType) -> pa.Array:
    if isinstance(values, pa.Array | pa.ChunkedArray) and values.type == kind:
        return values
    return pa.array(values, kind)


def import_file(
    lake: Lake,
    tenant: str,
    shop: str,
    file: IO[bytes],
    name: str,
    *,
    keep_good_rows: bool = False,
    progress: Callable[[int], None] | None = None,
) -> FileResult:
    """Import ``file`` (its name tells CSV from XLSX only when the bytes cannot) into
    the shop's lines. ``progress(n)`` is told every 50,000 lines read."""
    source = os.path.basename(name)
    fingerprint = digest(file)
    earlier = lake.seen(tenant, shop, fingerprint)
    if earlier:
        return FileResult(
            source,
            DUPLICATE,
            earlier.get("format"),
            message=f"ไฟล์นี้นำเข้าแล้วเมื่อ {earlier['at']} ไม่มีอะไรเปลี่ยน / this file was "
            f"already imported at {earlier['at']} (same content): nothing changed",
        )
    key = lake.key(tenant)
    found = parse_fast(file, key=key, name=source)
    if found is not None and len(found[1]["line_id"]):
        table = table_from_columns(found[1], tenant, shop, source)
        if progress:
            progress(table.num_rows)
        return _write(lake, tenant, shop, fingerprint, found[0], table, [])
    try:
        parsed = parse(file, key=key, name=source)
        lines: list[OrderLine] = []
        for line in parsed.lines:
            lines.append(line)
            if progress and len(lines) % 50_000 == 0:
                progress(50_000)
    except UnknownFormat as exc:
        return FileResult(source, REJECTED, message=str(exc))
    except FileProblem as exc:
        return FileResult(source, REJECTED, message=unreadable(str(exc)))
    if progress:
        progress(len(lines) % 50_000)
    problems = [p.message for p in parsed.problems]
    if problems and not keep_good_rows:
        return FileResult(
            source,
            REJECTED,
            parsed.format,
            message=f"{len(problems)} แถวอ่านไม่ได้ ไม่ได้บันทึกอะไรจากไฟล์นี้ แก้ไขแล้วนำเข้าใหม่ / "
            f"{len(problems)} rows could not be read: nothing from this file was saved; "
            "correct them and import again",
            problems=problems,
        )
    if not lines:
        return FileResult(
            source,
            REJECTED,
            parsed.format,
            message="ไม่พบรายการสั่งซื้อในไฟล์ / the file holds no order line",
            problems=problems,
        )
    try:
        table = table_of(lines, tenant, shop, source)
    except (OverflowError, pa.ArrowInvalid):
        return FileResult(
            source,
            REJECTED,
            parsed.format,
            message="จำนวนชิ้นมากเกินไป (เกิน 2,147,483,647) / a quantity is too large "
            "(over 2,147,483,647 units): nothing from this file was saved",
        )
    return _write(lake, tenant, shop, fingerprint, parsed.format, table, problems)


def _write(
    lake: Lake,
    tenant: str,
    shop: str,
    fingerprint: str,
    fmt: str,
    table: pa.Table,
    problems: list[str],
) -> FileResult:
    """Merge the file's lines into the shop's, under its lock."""
    source = table.column("source")[0].as_py()
    record = {"file": source, "sha256": fingerprint, "format": fmt}
    record["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    first = pc.min(table.column("ordered_at")).as_py().date()
    # the shop's entities are written after the lines (service.py): "published" turns
    # true only then, so that entities a failure left unwritten are written next time
    record |= {"lines": table.num_rows, "firstDay": first.isoformat(), "published": False}
    with lake.locked(tenant, shop) as folder:
        if lake.seen(tenant, shop, fingerprint):  # imported meanwhile by another process
            return FileResult(source, DUPLICATE, fmt, message="already imported")
        merged = lake.merge(folder, table, record)
    return FileResult(source, IMPORTED, fmt, table.num_rows, merged, first, problems)
