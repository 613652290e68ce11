"""The seller template's fast path gives exactly the row parser's lines, or falls back
to it: compared on generated template files (Thai and English headers, several channels
in one file, hand-written dates and amounts), clean and messy."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from isanhub.ingest.sellers import parse
from isanhub.ingest.sellers.parse import parse_fast
from isanhub.ingest.sellers.tables import TEMPLATE_EN, TEMPLATE_TH
from isanhub.insight.commerce.imports import _columns

from . import KEY, to_csv
from .test_fast import MONEY, PLACES, TITLES, same

TH = {f: str(v) for f, v in TEMPLATE_TH.items()}
EN = {f: str(v) for f, v in TEMPLATE_EN.items()}
REQUIRED = ("channel", "order_id", "ordered_at", "product", "quantity", "unit_price")
CHANNELS = ["facebook", "FB", " เฟซบุ๊ก ", "เฟสบุ๊ค", "LINE", "ไลน์", "chat", "แชท", "Market",
            "ตลาด", "ตลาดนัด"]  # fmt: skip
DATES = ["2026-11-11", "2026-11-11 14:30", "11/11/2569", "29/02/2567", "2569-11-12 09:00",
         " 2026-11-11  14:30 ", "2026-11-11 14:30:00", "12/11/2026 08:30:00", "12/11/2569 08:30",
         "2025-02-28 23:59", "2026-11-11T10:00:00+0700"]  # fmt: skip
STATUSES = ["", "", "-", "ขายแล้ว", "sold", "ยกเลิก", "cancelled", "คืนสินค้า", "returned",
            "สำเร็จ", "ไม่สำเร็จ", "รอส่ง", "N/A"]  # fmt: skip
SMALL = [EN[f] for f in ("channel", "order_id", "ordered_at", "status", "sku", "product",
                         "variation", "quantity", "unit_price", "discount")]  # fmt: skip
PRICES = [
    "1,500",
    "250",
    "฿99.50",
    "1,250.00",
    " 45 ",
    "12.345",
    "0.005",
    "THB 1,200.00",
    "(20)",
    "0",
]


def template(
    seed: int, thai: bool, rows: int = 1200, every: bool = False
) -> tuple[list[str], list[list[str]]]:
    """A template file's header and rows: orders of several channels, an order now and
    then written again further down (and the same order id on another channel), some
    optional columns absent (which ones depends on the seed)."""
    rng = random.Random(seed * 2 + thai)
    names = TH if thai else EN
    fields = [f for f in names if f in REQUIRED or rng.random() < (0.3 if seed % 4 == 3 else 0.8)]
    if every:
        fields = list(names)
    elif seed % 5 == 4:
        fields = list(REQUIRED)  # the required columns only
    if seed % 2:
        rng.shuffle(fields)
    out: list[list[str]] = []
    top = 0
    while len(out) < rows:
        if rng.random() < 0.75 or not top:
            top += 1
            order = top
        else:
            order = rng.randint(1, top)  # an earlier order again, apart from its rows
        channel = rng.choice(CHANNELS)
        when = rng.choice(DATES)
        if rng.random() < 0.3:
            when = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} " + (
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
            )
        customer = rng.choice(["ป้าแดง", "Joy", "", "ลูกค้า 1"])
        phone = rng.choice(["081-234-5678", "", "+66812345678", "812345678.0"])
        province, district = rng.choice(PLACES)
        for _ in range(rng.choice([1, 1, 2, 3])):
            status = rng.choice(STATUSES)
            qty = rng.choice(["1", "2", "3", "1,000", "2.0", "0"])
            price = rng.choice(PRICES)
            if "status" in fields and status in ("ยกเลิก", "cancelled") and rng.random() < 0.5:
                price = ""  # a sale that did not happen may have no price
            cells = {
                "channel": channel, "order_id": f"{rng.choice(['FB', 'A'])}-{order:05d}",
                "ordered_at": when, "status": status,
                "sku": rng.choice(["SILK-01", "KHIT", "", "", "SILK-01"]),
                "product": rng.choice(TITLES), "variation": rng.choice(["แดง", "", "ฟ้า, 2 ม."]),
                "quantity": qty, "unit_price": price,
                "returned_quantity": rng.choice(["", "0", "1", qty]),
                "customer": customer, "phone": phone, "province": province, "district": district,
            }  # fmt: skip
            for f in ("discount", "shipping_buyer", "shipping_seller", "fees", "refund"):
                cells[f] = rng.choice(MONEY) if rng.random() < 0.6 else ""
            out.append([cells.get(f, "") for f in fields])
    return [names[f] for f in fields], out


def both(data: bytes) -> tuple[dict[str, Any] | None, dict[str, list[Any]], int]:
    """(the fast path's columns or None when it fell back, the row parser's, problems)."""
    parsed = parse(io.BytesIO(data), key=KEY, name="orders.csv")
    lines = list(parsed.lines)
    found = parse_fast(io.BytesIO(data), key=KEY, name="orders.csv")
    if found is not None:
        assert found[0] == parsed.format
    return (found[1] if found else None), _columns(lines), len(parsed.problems)


def encoded(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    if encoding == "cp874":  # characters Windows-874 lacks, as a Thai Excel would save
        rows = [[c.replace("−", "-") for c in r] for r in rows]
    return to_csv(header, rows, encoding=encoding)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("thai", [True, False], ids=["thai", "english"])
def test_the_fast_path_gives_the_row_parsers_lines(seed: int, thai: bool) -> None:
    header, rows = template(seed, thai)
    encoding = "cp874" if thai and seed % 2 == 0 else "utf-8-sig"
    got, want, problems = both(encoded(header, rows, encoding))
    assert problems == 0
    assert got is not None, "a clean file should take the fast path"
    same(got, want)
    assert len(set(got["channel"].to_pylist())) == 4
    if TH["status"] in header or EN["status"] in header:
        assert {"completed", "cancelled", "returned", "in_progress"} <= set(want["status"])


MESS = ["", " ", "-", "ig", "tiktok", "x", "1.5", "-3", "12,50", "2026-13-01", "31/04/2569",
        "2026-11-11 25:00", "1e3", "NaN", "฿", "FB|1", "0"]  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_messy_files_take_the_fast_path_only_when_the_row_parser_has_no_problem(seed: int) -> None:
    header, rows = template(seed, thai=seed % 2 == 0, rows=400)
    rng = random.Random(seed)
    for _ in range(rng.choice([1, 2, 4])):
        rows[rng.randrange(len(rows))][rng.randrange(len(header))] = rng.choice(MESS)
    got, want, problems = both(to_csv(header, rows))
    if problems:
        assert got is None  # the row parser words the problems
    elif got is not None:
        same(got, want)


def test_the_same_order_id_on_two_channels_is_two_orders() -> None:
    rows = [
        ["facebook", "1", "2026-11-11", "", "S", "ผ้า", "", "1", "100", "5"],
        ["line", "1", "2026-11-11", "", "S", "ผ้า", "", "1", "100", "5"],
        ["fb", "1", "2026-11-11", "", "S", "ผ้า", "", "1", "100", "5"],
        ["ไลน์", "2", "11/11/2569", "-", "", "ผ้า", "", "2", "1,000", ""],
        ["LINE", "1", "2026-11-11", "", "S", "ผ้า", "", "1", "100", "5"],
    ]
    got, want, problems = both(to_csv(SMALL, rows))
    assert problems == 0 and got is not None
    same(got, want)
    assert got["order_level"].to_pylist() == [True, True, False, True, False]
    assert got["line_id"][4].as_py() == "line|1|S||2"


@pytest.mark.parametrize(
    ("field", "bad"),
    [("channel", "instagram"), ("channel", ""), ("unit_price", "12,50"), ("unit_price", "abc"),
     ("unit_price", ""), ("quantity", ""), ("quantity", "1.5"), ("ordered_at", "2026-02-30"),
     ("ordered_at", "30/02/2569"), ("ordered_at", "2026-11-11 24:00"), ("ordered_at", "garbage"),
     ("ordered_at", ""), ("order_id", " "), ("returned_quantity", "x"), ("discount", "1 250,50")],
)  # fmt: skip
def test_a_cell_the_row_parser_refuses_sends_the_file_to_it(field: str, bad: str) -> None:
    header, rows = template(1, thai=False, rows=300, every=True)
    column = header.index(EN[field])
    rows[150][column] = bad
    if field == "unit_price":  # a sold row: its price is required
        rows[150][header.index(EN["status"])] = ""
    got, _want, problems = both(to_csv(header, rows))
    assert problems >= 1 and got is None


def test_a_bar_in_a_line_id_part_falls_back() -> None:
    """Ids of parts holding "|" are ambiguous once joined: the row parser makes them."""
    rows = [
        ["chat", "7", "2026-11-11", "", "S", "ผ้า|ไหม", "", "1", "100", ""],
        ["chat", "8", "2026-11-11", "", "", "ผ้า|ไหม", "", "1", "100", ""],
    ]
    got, _want, problems = both(to_csv(SMALL, rows))
    assert problems == 0 and got is None
    rows[1][5] = "ผ้าไหม"  # the product stands for the id only when the SKU is empty
    got, want, problems = both(to_csv(SMALL, rows))
    assert problems == 0 and got is not None
    same(got, want)
    rows[0][1] = "7|1"
    got, _want, problems = both(to_csv(SMALL, rows))
    assert problems == 0 and got is None
