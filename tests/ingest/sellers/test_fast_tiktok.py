"""The fast path for TikTok Shop exports gives exactly the row parser's lines, or falls
back to it: compared on generated files, clean and messy (the description row, orders
that come back apart from their rows, Buddhist-era and other date layouts, quoted
commas and newlines, empty and absent optional columns)."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from isanhub.ingest.sellers import fast, fast_tiktok, parse
from isanhub.ingest.sellers.parse import parse_fast
from isanhub.insight.commerce.imports import _columns

from . import KEY, TIKTOK, row, to_csv
from .test_fast import same

MONEY = ["", "-", "THB 1,200.00", "(20)", "฿99", "1.5", "2", "0", "20-", "−5", " 3 ",
         "12.345", "0.005", "1,250.00"]  # fmt: skip
DATES = ["11/11/2026 20:30:15", "01/02/2026 00:00:00", "11/11/2569 20:30:15",
         "29/02/2567 10:00:00", " 11/11/2026  20:30:15 ", "11/11/2026 20:30", "11/11/2026",
         "2026-11-11 10:15", "2026-11-11T10:00:00+0700", "31/12/1999 23:59:59",
         "28/02/2025 23:59:59"]  # fmt: skip
STATUSES = ["Completed", "Cancelled", "To ship", "Shipped", "Delivered", "Unpaid",
            "Return/Refund", "ยกเลิกแล้ว", "สำเร็จแล้ว", "Delivery failed"]  # fmt: skip
PLACES = [("Khon Kaen", "Chonnabot", ""), ("ขอนแก่น", "อำเภอชนบท", ""), ("Bangkok", "Bang Rak", ""),
          ("Khon Kaen", "", "Chonnabot"), ("", "", ""), ("zzz", "yyy", "xxx")]  # fmt: skip
TITLES = ['ผ้าไหม "มัดหมี่", ลายนาค', "ปลาร้า\nบอง", "  กระติบ  ", "Coffee, roasted", "ข้าว"]
AMOUNTS = ["SKU Platform Discount", "SKU Seller Discount", "Shipping Fee After Discount",
           "Shipping Fee Seller Discount", "Shipping Fee Platform Discount",
           "Payment platform discount", "Order Refund Amount"]  # fmt: skip
#: optional columns a file may lack (older exports, trimmed by the seller)
OPTIONAL = ["SKU ID", "Sku Quantity of return", "Shipping Fee Seller Discount",
            "Payment platform discount", "Order Refund Amount", "Phone #", "District",
            "Buyer Username", "SKU Platform Discount"]  # fmt: skip
DESCRIPTION = {"Order ID": "Platform unique order ID.", "Quantity": "SKU sold quantity",
               "Created Time": "Order created time.", "SKU Unit Original Price": "Unit price",
               "Sku Quantity of return": "Returned qty"}  # fmt: skip


def header(absent: tuple[str, ...] = (), city: bool = False) -> list[str]:
    return [h for h in TIKTOK if h not in absent] + (["City"] if city else [])


def export(seed: int, head: list[str], rows: int = 1500) -> list[list[Any]]:
    """Rows of a TikTok export: the description row second (and again later for some
    seeds), then lines of orders, now and then an earlier order again."""
    rng = random.Random(seed)

    def put(cells: dict[str, Any]) -> list[Any]:
        return row(head, {k: v for k, v in cells.items() if k in head})

    out = [put(DESCRIPTION)]
    top = 0
    while len(out) < rows:
        if rng.random() < 0.8 or not top:
            top += 1
            order = top
        else:
            order = rng.randint(1, top)
        when, status = rng.choice(DATES), rng.choice(STATUSES)
        user = rng.choice(["rice.lover", "malee_k", "", "ลูกค้า1"])
        province, district, city = rng.choice(PLACES)
        for _ in range(rng.choice([1, 1, 2, 3])):
            qty = rng.choice(["1", "2", "3", "1,000"])
            cells: dict[str, Any] = {
                "Order ID": f"5760{order:08d}", "Order Status": status,
                "SKU ID": rng.choice(["17290001", "", "17290002"]),
                "Seller SKU": rng.choice(["RICE-5", "RICE-1", "", "RICE-5"]),
                "Product Name": rng.choice(TITLES),
                "Variation": rng.choice(["ถุง", "", "แดง, 2 ม."]),
                "Quantity": qty, "Sku Quantity of return": rng.choice(["0", "", "1", qty]),
                "SKU Unit Original Price": rng.choice(["THB 1,200.00", "260", "฿300", " 45 ",
                                                       "990.5"]),
                "Created Time": when, "Buyer Username": user,
                "Recipient": rng.choice(["Anong K.", "", "สมชาย ใจดี"]),
                "Phone #": rng.choice(["(+66)81*****78", "", "0812345678"]),
                "Province": province, "District": district, "City": city,
            }  # fmt: skip
            for amount in AMOUNTS:
                if rng.random() < 0.8:
                    cells[amount] = rng.choice(MONEY)
            out.append(put(cells))
        if seed % 2 and rng.random() < 0.01:
            out.append(put(DESCRIPTION))  # a description row between orders' rows
    return out


def both(data: bytes) -> tuple[dict[str, Any] | None, dict[str, list[Any]], int]:
    """(the fast path's columns or None when it fell back, the row parser's, problems)."""
    parsed = parse(io.BytesIO(data), key=KEY, name="orders.csv")
    lines = list(parsed.lines)
    found = parse_fast(io.BytesIO(data), key=KEY, name="orders.csv")
    if found is not None:
        assert found[0] == parsed.format == "tiktok"
    return (found[1] if found else None), _columns(lines), len(parsed.problems)


CASES = [
    (0, (), False, "utf-8-sig"),
    (1, (), True, "utf-8-sig"),
    (2, (), False, "cp874"),
    (3, tuple(OPTIONAL), False, "utf-8"),
    (4, ("SKU ID", "Order Refund Amount", "Phone #"), True, "utf-8-sig"),
    (5, ("District", "Payment platform discount"), False, "utf-8"),
]


@pytest.mark.parametrize(("seed", "absent", "city", "encoding"), CASES)
def test_the_fast_path_gives_the_row_parsers_lines(
    seed: int, absent: tuple[str, ...], city: bool, encoding: str
) -> None:
    head = header(absent, city)
    rows = export(seed, head)
    if encoding == "cp874":
        rows = [[str(c).replace("−", "-") for c in r] for r in rows]
    got, want, problems = both(to_csv(head, rows, encoding=encoding))
    assert problems == 0, "the generated files are clean"
    assert got is not None, "a clean file should take the fast path"
    same(got, want)


def test_the_description_row_does_not_split_an_order_or_count_for_its_ids() -> None:
    line = {"Order ID": "576000000111", "Order Status": "Completed", "Seller SKU": "RICE-5",
            "Product Name": "ข้าว", "Variation": "ถุง", "Quantity": "1",
            "SKU Unit Original Price": "100", "Created Time": "11/11/2026 20:30:15",
            "Shipping Fee After Discount": "25", "Shipping Fee Seller Discount": "10"}  # fmt: skip
    cancelled = line | {"Order Status": "Cancelled"}
    rows = [row(TIKTOK, r) for r in (DESCRIPTION, cancelled, DESCRIPTION, line, line)]
    got, want, problems = both(to_csv(TIKTOK, rows))
    assert problems == 0 and got is not None
    same(got, want)
    assert want["order_level"] == [False, True, False]
    assert want["line_id"][-1] == "tiktok|576000000111|RICE-5|ถุง|3"


def test_only_the_description_row() -> None:
    got, want, problems = both(to_csv(TIKTOK, [row(TIKTOK, DESCRIPTION)]))
    assert problems == 0 and got is not None and want["line_id"] == []
    same(got, want)


@pytest.mark.parametrize(
    ("column", "bad"),
    [("SKU Unit Original Price", "12,50"), ("Quantity", "1.5"), ("Quantity", ""),
     ("Created Time", "31/02/2026 10:00:00"), ("Created Time", "garbage"), ("Created Time", ""),
     ("Created Time", "11/11/2026 24:00:00"), ("Created Time", "11/11/2026 10:00:60"),
     ("Created Time", "00/11/2026 10:00:00"), ("Created Time", "29/02/2569 10:00:00"),
     ("Order ID", ""), ("Order ID", "  "), ("SKU Seller Discount", "abc"),
     ("Shipping Fee After Discount", "1e12"), ("Sku Quantity of return", "-1"),
     ("Order Refund Amount", "nan")],
)  # fmt: skip
def test_a_cell_the_row_parser_refuses_sends_the_file_to_it(column: str, bad: str) -> None:
    rows = export(11, header(), rows=300)
    rows[150][TIKTOK.index(column)] = bad
    rows[150][TIKTOK.index("Order Status")] = "Completed"  # a price is required
    got, _want, problems = both(to_csv(TIKTOK, rows))
    assert problems >= 1 and got is None


def test_a_bad_cell_on_the_description_row_is_not_read() -> None:
    rows = export(12, header(), rows=100)
    rows[0][TIKTOK.index("Created Time")] = "garbage"
    rows[0][TIKTOK.index("SKU Seller Discount")] = "abc"
    got, want, problems = both(to_csv(TIKTOK, rows))
    assert problems == 0 and got is not None
    same(got, want)


def test_a_row_of_another_width_falls_back() -> None:
    data = to_csv(TIKTOK, export(13, header(), rows=50)) + b"1,2,3\n"
    with pytest.raises(fast.Fallback):
        fast_tiktok.columns(fast.read(io.BytesIO(data), "orders.csv"), KEY)
