"""``isanhub agri INSIGHT|refresh``: farmer insight on the command line, as text tables or
the API's JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from isanhub.insight.agri.registry import INSIGHTS
from isanhub.settings import Settings
from isanhub.store.base import run_on_store

EPILOG = """\
insights / ข้อมูลเชิงลึก:
{insights}

examples / ตัวอย่าง:
  isanhub agri refresh
  isanhub agri prices --province "Khon Kaen" --crop rice
  isanhub agri outlook --province "Khon Kaen" --weeks 6 --json
  isanhub agri alerts --province "Khon Kaen"
  isanhub agri plan --province "Khon Kaen" --district "Chum Phae"

Province and district are English names, as in the entities' address. Every figure is
defined in docs/farmers.md.
exit status: 0 done, 2 usage error.
"""


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:  # type: ignore[type-arg]
    listing = "\n".join(f"  {i.name:<11} {i.th}\n  {'':<11} {i.en}" for i in INSIGHTS.values())
    p = sub.add_parser(
        "agri",
        help="farmer insight: prices, weather, parcels, drones / ข้อมูลเชิงลึกสำหรับเกษตรกร",
        description="Crop prices and their outlook, rainfall against normal with drought and "
        "flood alerts, parcels on the crop calendar and expected harvests, the drone "
        "community's work and plan, production and income per district. "
        "ราคาพืชผลและแนวโน้ม ฝนเทียบค่าปกติ เตือนภัยแล้งและน้ำท่วม แปลงตามปฏิทินเพาะปลูก "
        "งานของชุมชนโดรน ผลผลิตและรายได้รายอำเภอ",
        epilog=EPILOG.format(insights=listing),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("insight", choices=[*INSIGHTS, "refresh"], metavar="INSIGHT|refresh",
                   help="an insight below, or refresh: rebuild the snapshot now")  # fmt: skip
    p.add_argument("--province", help='English name, e.g. "Khon Kaen" / จังหวัด')
    p.add_argument("--district", help='English name, e.g. "Chum Phae" / อำเภอ')
    p.add_argument("--crop", help="rice, cassava, sugarcane, maize or a crop id / พืช")
    p.add_argument("--weeks", type=int, default=8, help="horizon of outlooks and plans (8)")
    p.add_argument("--at", type=_time,
                   help="the local date or time that counts as now (default: the snapshot's)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the API's JSON answer")
    p.add_argument("--rows", type=int, default=20, help="rows per table in text (20)")
    p.add_argument("--lang", choices=("th", "en"), default="th", help="names in text (th)")
    p.add_argument("--tenant", default="", help="tenant (default: the default tenant)")
    p.add_argument("--db", help=f"database URL [env ISANHUB_DB] (default {defaults.db})")
    p.add_argument("--agri", help="snapshot folder [env ISANHUB_AGRI]")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _time(text: str) -> Any:
    from isanhub.insight.agri.fields import asked  # shapely loads only for an agri command

    try:
        return asked(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date or time: {text!r} (e.g. 2026-11-24 or 2026-11-24T08:00) / วันเวลาไม่ถูกต้อง"
        ) from None


def run(args: argparse.Namespace) -> int:
    from isanhub.insight.agri.service import Agri

    settings = Settings.from_env(db=args.db, agri=args.agri)
    if not 1 <= args.weeks <= 52:
        print("isanhub agri: --weeks is 1 to 52", file=sys.stderr)
        return 2

    async def work(store: Any) -> Any:
        agri = Agri.of(settings, store)
        try:
            if args.insight == "refresh":
                return await agri.refresh(args.tenant, progress=_bar(args))
            return await agri.answer(
                args.tenant, args.insight, now=args.at, province=args.province,
                district=args.district, crop=args.crop, weeks=args.weeks,
            )  # fmt: skip
        finally:
            agri.close()

    got = run_on_store(settings.db, work)
    if args.insight == "refresh":
        rows = ", ".join(f"{k} {v:,}" for k, v in got.rows.items())
        print(f"snapshot taken {got.taken_at} in {got.seconds:.1f} s / สร้างข้อมูลแล้ว: {rows}")
    elif args.json:
        sys.stdout.write(orjson.dumps(got, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        info = INSIGHTS[args.insight]
        print(f"{info.th}\n{info.en}\n")
        print("\n".join(text(got, args.rows, hide=_hidden(args.lang))))
    return 0


def _bar(args: argparse.Namespace) -> Any:
    if args.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(unit=" rows", unit_scale=True, file=sys.stderr, leave=False)
    seen: dict[str, int] = {}

    def progress(table: str, rows: int) -> None:
        bar.set_description(f"อ่าน/reading {table}")
        bar.update(rows - seen.get(table, 0))
        seen[table] = rows

    return progress


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | dict):
        return f"[{len(value)}]"
    return str(value)


def _hidden(lang: str) -> frozenset[str]:
    """Columns a table in text leaves out: ids, and names in the other language."""
    other = "en" if lang == "th" else "th"
    return frozenset({"id", f"name_{other}", f"name{other.title()}"})


def text(data: Any, rows: int, indent: str = "", hide: frozenset[str] = frozenset()) -> list[str]:
    """Any answer as text: scalars as "name: value", lists of objects as tables (their
    scalar members, and those of nested objects, as columns), nested objects indented."""
    out: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(f"{indent}{key}:")
            out.extend(text(value, rows, indent + "  ", hide))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{indent}{key} ({len(value):,}):")
            out.extend(_table(value, rows, indent + "  ", hide))
        else:
            shown = ", ".join(_cell(v) for v in value) if isinstance(value, list) else _cell(value)
            out.append(f"{indent}{key}: {shown}")
    return out


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    """Scalar members, and those of nested objects one level down as "name.member"."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(v, list | dict):
                    out[f"{key}.{k}"] = v
        elif not isinstance(value, list):
            out[key] = value
    return out


def _table(items: list[dict[str, Any]], rows: int, indent: str, hide: frozenset[str]) -> list[str]:
    flat = [_flat(item) for item in items[:rows]]
    cols = [c for c in dict.fromkeys(k for f in flat for k in f) if c.rsplit(".")[-1] not in hide]
    cells = [[_cell(f.get(c)) for c in cols] for f in flat]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    line = lambda r: indent + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True))  # noqa: E731
    out = [line(cols), *(line(r) for r in cells)]
    if len(items) > rows:
        out.append(f"{indent}… {len(items) - rows:,} more / และอีก (--rows, --json)")
    return out
