"""``isanhub import``: load CSV, XLSX, GeoJSON or NGSI-LD JSON files into the hub.

Every file is checked whole before anything is written; if any file has an error,
nothing is written at all (exit 1). The command works offline: @contexts come from the
mapping (inline), the NGSI-LD core context, or those the hub's database already holds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import orjson

from isanhub.core.context import ContextResolver
from isanhub.core.context_fetch import FetchError
from isanhub.ingest.importer import FileImport, Progress, Report
from isanhub.ingest.mapping import NO_MAPPING, Mapping, MappingError, load_mapping
from isanhub.ingest.readers import FORMATS
from isanhub.notify.service import Notifier
from isanhub.settings import Settings
from isanhub.store.base import Store, open_store

EPILOG = """\
examples / ตัวอย่าง:
  isanhub import readings.csv --mapping air.toml --dry-run     # check only, write nothing
  isanhub import readings.csv --mapping air.toml --tenant khonkaen
  isanhub import stations.xlsx --sheet "สถานี" --mapping stations.toml
  isanhub import parcels.geojson --mapping parcels.toml --json
  isanhub import entities.jsonld                              # NGSI-LD: no mapping needed

exit status: 0 imported (or dry run passed), 1 rejected or failed, 2 usage error.
The mapping file is described in docs/import.md.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import",
        help="import CSV, XLSX, GeoJSON or NGSI-LD files / นำเข้าข้อมูลจากไฟล์",
        description="Turn the rows of data files into NGSI-LD entities and their history, "
        "following a mapping file (TOML or JSON). Every row is checked first: errors are "
        "listed with their line numbers and nothing is written. "
        "แปลงแถวในไฟล์เป็นเอนทิตี NGSI-LD ตามไฟล์ mapping ตรวจทุกแถวก่อนบันทึก "
        "ถ้ามีข้อผิดพลาดจะไม่บันทึกอะไรเลย",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="files to import / ไฟล์ที่จะนำเข้า")
    p.add_argument("--mapping", "-m", help="mapping file, TOML or JSON (optional for NGSI-LD JSON)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check and report what would change, write nothing / ตรวจอย่างเดียว ไม่บันทึก",
    )
    p.add_argument("--tenant", default="", help="NGSI-LD tenant (default: the default tenant)")
    p.add_argument(
        "--db",
        help="database URL: sqlite:///relative/path.db, sqlite:////absolute/path.db or "
        "postgresql://user@host:5432/database [env ISANHUB_DB] "
        f"(default {Settings().db})",
    )
    p.add_argument("--format", choices=FORMATS, help="file format (default: from the name)")
    p.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the JSON report(s)")


class OfflineContexts(ContextResolver):
    """The command line resolves @contexts without the network: a remote one must be
    held by the hub already (hosted, or cached by the server)."""

    async def _download(self, url: str) -> bytes:
        raise FetchError(
            "isanhub import works offline: put the @context inline in the mapping, or "
            "host it first (POST /ngsi-ld/v1/jsonldContexts), or import over HTTP "
            "(POST /hub/v1/import)"
        )


class Bar(Progress):
    """tqdm on stderr: bytes while checking (the row count is not known yet), rows while
    writing."""

    def __init__(self, name: str, enabled: bool) -> None:
        self.name = name
        self.enabled = enabled
        self.bar: Any = None

    def phase(self, name: str, total: int | None, unit: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        label = {"check": "ตรวจ/check", "write": "บันทึก/write"}.get(name, name)
        self.bar = tqdm(
            total=total,
            unit=unit if unit == "B" else " rows",
            unit_scale=True,
            desc=f"{self.name} {label}",
            file=sys.stderr,
            leave=False,
        )

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run(args: argparse.Namespace) -> int:
    """Run ``isanhub import``: 0 imported or dry run passed, 1 rejected, 2 usage."""
    settings = Settings.from_env(db=args.db)
    try:
        mapping = _mapping(args.mapping)
    except (OSError, MappingError) as exc:
        print(f"isanhub import: {exc}", file=sys.stderr)
        return 2
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"isanhub import: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        reports = asyncio.run(_import(settings, args, mapping))
    except MappingError as exc:
        print(f"isanhub import: {exc}", file=sys.stderr)
        return 2
    if args.json:
        docs = [r.as_json() for r in reports]
        out = docs[0] if len(docs) == 1 else docs
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        for r in reports:
            print(summary(r))
    ok = all(r.status in ("imported", "dry-run") for r in reports)
    return 0 if ok else 1


def _mapping(path: str | None) -> Mapping:
    if path is None:
        return Mapping(source=NO_MAPPING)
    return load_mapping(Path(path).read_bytes(), Path(path).name)


async def _import(settings: Settings, args: argparse.Namespace, mapping: Mapping) -> list[Report]:
    store = open_store(settings.db, synchronous=settings.sqlite_synchronous)
    await store.open()
    # the hub's subscriptions see these writes too: their notifications go into the
    # outbox with them, and the running server delivers them
    notifier = Notifier(settings, store, ContextResolver(core_url=settings.core_context))
    try:
        if not args.dry_run:
            await notifier.start(deliver=False)
        with contextlib.ExitStack() as open_files:
            contexts = OfflineContexts(
                backend=store.context_backend(), core_url=settings.core_context
            )
            show = not args.quiet and sys.stderr.isatty()
            imports = []
            for name in args.files:
                imp = FileImport(
                    open_files.enter_context(open(name, "rb")),
                    Path(name).name,
                    mapping,
                    contexts.resolve,
                    fmt=args.format,
                    sheet=args.sheet,
                    tenant=args.tenant,
                    dry_run=args.dry_run,
                    progress=Bar(Path(name).name, show),
                )
                open_files.callback(imp.close)
                imports.append(imp)
            return await _check_then_write(store, imports, args.dry_run)
    finally:
        await notifier.close()
        await store.close()


async def _check_then_write(store: Store, imports: list[FileImport], dry_run: bool) -> list[Report]:
    """Every file is checked before any is written: one bad file stops them all."""
    reports = [await imp.check(store) for imp in imports]
    if dry_run or any(r.status == "rejected" for r in reports):
        return reports
    return [await imp.write(store) for imp in imports]


def summary(r: Report) -> str:
    """A few lines for people, Thai then English."""
    where = r.locator
    head = {
        "imported": "นำเข้าแล้ว / imported",
        "dry-run": "ตรวจแล้ว ยังไม่บันทึก / dry run: nothing written",
        "rejected": "ไม่รับไฟล์ ไม่ได้บันทึกอะไร / rejected: nothing written",
        "failed": "บันทึกไม่ครบ / failed while writing",
    }[r.status]
    lines = [f"{r.file}: {head}"]
    if r.status in ("imported", "dry-run", "failed"):
        will, verb = ("จะ", "would be ") if r.status == "dry-run" else ("", "")
        lines.append(
            f"  {r.rows:,} แถว: {will}สร้างเอนทิตีใหม่ {r.created:,} {will}ปรับปรุง {r.updated:,} "
            f"ค่าย้อนหลัง {r.instances:,} ค่า"
        )
        lines.append(
            f"  {r.rows:,} rows: {r.created:,} entities {verb}created, {r.updated:,} "
            f"{verb}updated, {r.instances:,} history values ({r.seconds:.1f} s)"
        )
    if r.error_count:
        lines.append(f"  ข้อผิดพลาด {r.error_count:,} / {r.error_count:,} errors:")
        for e in r.errors[:20]:
            at = f"{where} {e[where]}" if e.get(where) is not None else "file"
            col = f", column {e['column']!r}" if e.get("column") else ""
            val = f", value {e['value']!r}" if "value" in e else ""
            lines.append(f"    {at}{col}{val}: {e['reason']}")
        more = r.error_count - min(20, len(r.errors))
        if more > 0:
            lines.append(f"    ... และอีก {more:,} / and {more:,} more (--json lists up to 100)")
    return "\n".join(lines)
