"""``isanhub seller import|report``: a seller's order exports in, their report out."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from isanhub.insight.commerce import FORMATS, LANGS
from isanhub.settings import Settings
from isanhub.store.base import open_store

if TYPE_CHECKING:
    from isanhub.insight.commerce.service import Sellers

IMPORTED, DUPLICATE = "imported", "duplicate"  # statuses of imports.FileResult

EPILOG = """\
examples / ตัวอย่าง:
  isanhub seller import Order.all.20261101_20261130.xlsx --shop silk-chonnabot \\
      --name "ผ้าไหมบ้านโนนข่า" --province ขอนแก่น --district ชนบท
  isanhub seller import lazada.csv tiktok.csv line-orders.xlsx --shop silk-chonnabot
  isanhub seller report --shop silk-chonnabot --format pdf --out report.pdf
  isanhub seller report --shop silk-chonnabot --format json --lang en

Formats and the template for Facebook, LINE, chat and market sales: docs/seller-formats.md.
Every figure of the report: docs/seller-report.md.
exit status: 0 done, 1 a file was rejected (nothing of it saved), 2 usage error.
"""


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "seller",
        help="seller insight: import order exports, make the report / ข้อมูลเชิงลึกสำหรับร้านค้า",
        description="Import the order files sellers download from Shopee, Lazada and TikTok "
        "Shop (and the template for Facebook, LINE, chat and markets), then learn which "
        "channel earns, what sells when, at what price, and with which local creator. "
        "นำเข้าไฟล์คำสั่งซื้อ แล้วดูว่าช่องทางไหนได้กำไรจริง ขายอะไรได้ช่วงไหน ราคาเท่าไร "
        "และครีเอเตอร์ท้องถิ่นคนไหนเหมาะ",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="seller_command", metavar="import|report")
    imp = actions.add_parser("import", help="import order files / นำเข้าไฟล์คำสั่งซื้อ")
    imp.add_argument("files", nargs="+", metavar="FILE", help="CSV or XLSX exports / ไฟล์")
    _common(imp, defaults)
    imp.add_argument("--name", help="the shop's name / ชื่อร้าน")
    imp.add_argument("--province", help="the shop's province, e.g. ขอนแก่น / จังหวัดของร้าน")
    imp.add_argument("--district", help="the shop's district, e.g. ชนบท / อำเภอของร้าน")
    imp.add_argument("--category", help="silk, food, crafts, coffee, agri… / ประเภทร้าน")
    imp.add_argument(
        "--keep-good-rows",
        action="store_true",
        help="save a file's readable rows even when some rows cannot be read "
        "(default: such a file is rejected whole) / บันทึกแถวที่อ่านได้",
    )
    imp.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    imp.add_argument("--json", action="store_true", help="print the JSON import report")
    rep = actions.add_parser("report", help="the shop's report / รายงานของร้าน")
    _common(rep, defaults)
    rep.add_argument("--format", choices=FORMATS, default="json", help="default json")
    rep.add_argument("--lang", choices=LANGS, default="th", help="default th (Thai)")
    rep.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: last order)")
    rep.add_argument("--out", "-o", help="write to this file (default: standard output)")


def _common(p: argparse.ArgumentParser, defaults: Settings) -> None:
    p.add_argument("--shop", required=True, help="the shop's id, e.g. silk-chonnabot / รหัสร้าน")
    p.add_argument("--tenant", default="", help="the seller's tenant (default: default tenant)")
    p.add_argument("--db", help=f"database URL [env ISANHUB_DB] (default {defaults.db})")
    p.add_argument("--lake", help="folder of the seller lake [env ISANHUB_LAKE]")


def run(args: argparse.Namespace) -> int:
    if args.seller_command not in ("import", "report"):
        print("isanhub seller: say import or report (isanhub seller --help)", file=sys.stderr)
        return 2
    # imported here: DuckDB and the insights load only when a seller command runs
    from isanhub.insight.commerce.lake import BadName
    from isanhub.insight.commerce.service import UnknownShop

    settings = Settings.from_env(db=args.db, lake=args.lake)
    try:
        if args.seller_command == "import":
            return asyncio.run(_import(settings, args))
        return asyncio.run(_report(settings, args))
    except (BadName, UnknownShop, ValueError, OSError) as exc:
        print(f"isanhub seller: {exc}", file=sys.stderr)
        return 2


async def _with_service(settings: Settings, work: Any) -> Any:
    from isanhub.insight.commerce.service import Sellers

    store = open_store(settings.db, synchronous=settings.sqlite_synchronous)
    await store.open()
    try:
        return await work(Sellers.of(settings, store))
    finally:
        await store.close()


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"isanhub seller: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    from isanhub.insight.commerce.service import place_meta

    meta = place_meta(args.province, args.district)
    meta |= {k: v for k, v in (("name", args.name), ("category", args.category)) if v}
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit=" lines", unit_scale=True, desc="อ่าน/read", file=sys.stderr, leave=False)
    files = [(open(f, "rb"), Path(f).name) for f in args.files]  # noqa: SIM115
    try:
        out = await _with_service(
            settings,
            lambda s: s.import_files(
                args.tenant,
                args.shop,
                files,
                meta=meta,
                keep_good_rows=args.keep_good_rows,
                progress=bar.update if bar is not None else None,
                phase=(lambda name: _phase(bar, name)) if bar is not None else None,
            ),
        )
    finally:
        for fh, _ in files:
            fh.close()
        if bar is not None:
            bar.close()
    if args.json:
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(summary(out))
    return 0 if all(f["status"] in (IMPORTED, DUPLICATE) for f in out["files"]) else 1


def _phase(bar: Any, name: str) -> None:
    """The progress bar's label: which file is read, then the entities being written."""
    if name == "entities":
        bar.set_description("บันทึกเอนทิตี/writing entities")
    else:
        bar.set_description(f"อ่าน/reading {name.removeprefix('read ')}")


def summary(out: dict[str, Any]) -> str:
    """A few lines per file, Thai then English."""
    lines = []
    for f in out["files"]:
        if f["status"] == IMPORTED:
            lines.append(
                f"{f['file']} ({f['format']}): นำเข้า {f['lines']:,} รายการ ใหม่ {f['new']:,} "
                f"ปรับปรุง {f['updated']:,} ซ้ำ {f['unchanged']:,} / imported {f['lines']:,} "
                f"lines: {f['new']:,} new, {f['updated']:,} updated, {f['unchanged']:,} "
                f"already there; the shop now has {f['total']:,} lines"
            )
        else:
            lines.append(f"{f['file']}: {f.get('message', f['status'])}")
        for problem in f.get("problems", [])[:20]:
            lines.append(f"  {problem}")
        if len(f.get("problems", [])) > 20:
            lines.append(f"  … {len(f['problems']) - 20:,} more / และอีก")
    if "entities" in out:
        e = out["entities"]
        lines.append(
            f"เอนทิตี / entities: {e['created']:,} created, {e['updated']:,} updated, "
            f"{e['instances']:,} daily values"
        )
    return "\n".join(lines)


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    async def work(sellers: Sellers) -> bytes:
        built = await sellers.report(args.tenant, args.shop, lang=args.lang, as_of=args.as_of)
        if args.format == "json":
            return orjson.dumps(built, option=orjson.OPT_INDENT_2) + b"\n"
        return await sellers.render(built, args.format, args.lang)

    data = await _with_service(settings, work)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"{args.out}: {len(data):,} bytes", file=sys.stderr)
    elif args.format == "pdf" and sys.stdout.isatty():
        print("isanhub seller: a PDF needs --out FILE", file=sys.stderr)
        return 2
    else:
        sys.stdout.buffer.write(data)
    return 0
