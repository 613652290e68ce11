"""Seller insight: importing 1,000,000 order lines, and the report of a seller that has
them. With --quick: 50,000 lines.

The file is a Shopee export with English headers (CSV, UTF-8 with BOM; 51 columns as in
the seller-centre file): 200 products over two years, one to three lines per order,
5 % cancelled, buyers from 50,000 accounts across 77 provinces. Six small shops are
imported first so that the market comparisons have other sellers.

1. Import: ``isanhub seller import FILE --shop bench`` in a child process, as a seller
   runs it (parse, pseudonymise, write the lake, then the shop's NGSI-LD entities and
   daily sales history into a fresh SQLite store). The figure is lines/s over the whole
   command. The limit, in the same run: DuckDB reading the same CSV (every column as
   text) and writing it as Parquet, with nothing above.
2. Report: every insight of the JSON report (report.build) for that shop, timed
   in-process on a cold start (a fresh process, the lake's Parquet files not yet read
   by it). The limit: one DuckDB scan of the shop's lines (GMV per channel).

Targets: import >= 100,000 lines/s; all insights < 2 s.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench._common import Result, say
from bench._server import _clean_env, _isanhub_command, on_postgres

TITLE = "Seller insight: import and report"
MIN_RATE = 100_000
MAX_REPORT = 2.0
PROVINCES = ["ขอนแก่น", "กรุงเทพมหานคร", "อุดรธานี", "นครราชสีมา", "มหาสารคาม", "เชียงใหม่"]
WORDS = ["ผ้าไหม", "มัดหมี่", "ลายนาค", "ผ้าขาวม้า", "แจ่วบอง", "ปลาร้า", "ข้าวหอมมะลิ",
         "กระติบ", "กาแฟ", "สบู่", "ทอมือ", "ของฝาก", "ขอนแก่น", "พรีเมียม"]  # fmt: skip


def header() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from ingest.sellers import SHOPEE_EN  # the seller-centre header, from the test builders

    return list(SHOPEE_EN)


def write_orders(path: Path, lines: int, seed: int, products: int = 200) -> None:
    """A Shopee (English) export of ``lines`` lines over two years ending 2026-11-22."""
    rng = random.Random(seed)
    cols = header()
    at = {name: i for i, name in enumerate(cols) if name not in {c for c in cols[:i]}}
    titles = [" ".join(rng.sample(WORDS, 3)) + f" {n}" for n in range(products)]
    prices = [round(rng.uniform(60, 2500), -1) for _ in range(products)]
    start = time.mktime((2024, 11, 23, 0, 0, 0, 0, 0, -1))
    span = 730 * 86400
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(cols)
        written, order = 0, 0
        while written < lines:
            order += 1
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(start + rng.random() * span))
            status = "Cancelled" if rng.random() < 0.05 else "Completed"
            buyer = f"user{rng.randrange(50_000)}"
            province = rng.choice(PROVINCES)
            for k in range(min(rng.choice((1, 1, 1, 2, 3)), lines - written)):
                p = rng.randrange(products)
                cells = [""] * len(cols)
                for name, value in (
                    ("Order ID", f"2{order:011d}"), ("Order Status", status),
                    ("Order Creation Date", when), ("Product Name", titles[p]),
                    ("SKU Reference No.", f"SKU-{p:03d}"), ("Variation Name", ""),
                    ("Original Price", prices[p]), ("Deal Price", prices[p]),
                    ("Quantity", rng.choice((1, 1, 2))), ("Username (Buyer)", buyer),
                    ("Receiver Name", "ผู้รับ ทดสอบ"), ("Phone Number", "080-000-0000"),
                    ("Province", province), ("Commission Fee", "" if k else "25.00"),
                    ("Transaction Fee", "" if k else "12.50"), ("Service Fee", "" if k else "8"),
                    ("Seller Voucher", "" if k else rng.choice(("0", "0", "20"))),
                ):  # fmt: skip
                    cells[at[name]] = str(value)
                out.writerow(cells)
                written += 1


def seller(args: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(
        [*_isanhub_command(), "seller", *args], env=env, capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"isanhub seller {args[0]} failed: {done.stderr.decode()[-2000:]}")
    return seconds, done.stdout


def raw_parquet(csv_path: Path, out: Path) -> float:
    import duckdb

    started = time.perf_counter()
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true, header = true)) "
        f"TO '{out}' (FORMAT parquet)"
    )
    return time.perf_counter() - started


REPORT_SCRIPT = """
import sys, time, json
from isanhub.insight.commerce.lake import Lake
from isanhub.insight.commerce import report
lake = Lake(sys.argv[1])
started = time.perf_counter()
con = lake.connect("", "bench")
built = report.build(con, tenant="", shop="bench", meta=lake.shop("", "bench"))
seconds = time.perf_counter() - started
started = time.perf_counter()
con.execute("SELECT channel, sum(gross) FROM lines WHERE status <> 'cancelled' GROUP BY 1").fetchall()
scan = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "scan": scan, "lines": built["lines"]}))
"""


def run(quick: bool) -> list[Result]:
    if on_postgres():
        say("seller: the lake is the same on both backends; run it without --backend")
        return []
    lines = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="isanhub-seller-") as tmp:
        root = Path(tmp)
        env = _clean_env() | {
            "ISANHUB_DB": f"sqlite:///{root / 'hub.db'}",
            "ISANHUB_LAKE": str(root / "lake"),
        }
        for n in range(6):
            small = root / f"small{n}.csv"
            write_orders(small, 2000, seed=100 + n, products=20)
            seller(["import", str(small), "--shop", f"small{n}", "--province", PROVINCES[0],
                    "--quiet"], env)  # fmt: skip
        big = root / "orders.csv"
        say(f"seller: writing {lines:,} order lines")
        write_orders(big, lines, seed=1)
        say(f"seller: importing {big.stat().st_size / 1e6:,.0f} MB")
        seconds, out = seller(
            ["import", str(big), "--shop", "bench", "--province", PROVINCES[0], "--quiet",
             "--json"], env,
        )  # fmt: skip
        report = orjson.loads(out)
        imported = report["files"][0]["lines"]
        raw = raw_parquet(big, root / "raw.parquet")
        say("seller: report")
        done = subprocess.run(
            [sys.executable, "-c", REPORT_SCRIPT, str(root / "lake")],
            env=env, capture_output=True, check=True,
        )  # fmt: skip
        timing = orjson.loads(done.stdout)
    rate, raw_rate = imported / seconds, imported / raw
    return [
        Result(
            bench="seller", name=f"isanhub seller import ({imported:,} lines, Shopee CSV)",
            figure=rate, unit="lines/s", limit=raw_rate,
            limit_name="DuckDB CSV → Parquet of the same file", kind="rate",
            target=f">= {MIN_RATE:,} lines/s", passed=rate >= MIN_RATE,
            details={"seconds": round(seconds, 2), "entities": report.get("entities")},
        ),
        Result(
            bench="seller", name=f"seller report, all insights ({timing['lines']:,} lines)",
            figure=timing["seconds"], unit="s", limit=timing["scan"],
            limit_name="one DuckDB scan of the lines", kind="cost",
            target=f"< {MAX_REPORT:.0f} s", passed=timing["seconds"] < MAX_REPORT,
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result.line())
    os._exit(0)
