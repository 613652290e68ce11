"""The fast path for large CSV exports gives exactly the row parser's lines, or falls
back to it: compared on generated Shopee files, clean and messy."""

from __future__ import annotations

import io
import random
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isanhub.ingest.sellers import fast, fast_fields, fast_shopee, parse
from isanhub.insight.commerce.imports import _columns
from isanhub.insight.commerce.schema import LINE

from . import KEY, SHOPEE_EN, SHOPEE_TH, row, to_csv

COMPARED = [f for f in LINE.names if f not in ("tenant", "shop", "source", "imported_at", "kind")]
MONEY = ["", "-", "1,250.00", "(20)", "฿99", "THB 1,200.00", "1.5", "2", "0", "20-", "−5",
         " 3 ", "12.345", "0.005"]  # fmt: skip
DATES = ["2026-11-11 10:15", "2026-11-11 00:05", "2569-11-11 10:15", "2025-02-28 23:59",
         " 2026-11-11  10:15 ", "2026-11-11T10:00:00+0700", "12/11/2026 08:30:00"]  # fmt: skip
STATUSES = ["สำเร็จแล้ว", "ยกเลิกแล้ว", "Completed", "Cancelled", "คืนสินค้า/คืนเงิน",
            "ที่ต้องจัดส่ง", "ผู้ซื้อได้รับสินค้าแล้ว และสามารถขอคืนเงิน/คืนสินค้าได้จนถึง 2026-11-20",
            "Return/Refund", "การจัดส่งไม่สำเร็จ"]  # fmt: skip
PLACES = [("จังหวัดขอนแก่น", "อำเภอชนบท"), ("ขอนแก่น", "อ.เมือง"), ("กรุงเทพมหานคร", "เขตบางรัก"),
          ("Khon Kaen", "Chonnabot District"), ("", ""), ("zzz", "yyy")]  # fmt: skip
TITLES = ['ผ้าไหม "มัดหมี่", ลายนาค', "ปลาร้า\nบอง", "  กระติบ  ", "Coffee, roasted", "ข้าว"]
TH = {
    "order": "หมายเลขคำสั่งซื้อ", "status": "สถานะการสั่งซื้อ", "user": "ชื่อผู้ใช้ (ผู้ซื้อ)",
    "date": "วันที่ทำการสั่งซื้อ", "product": "ชื่อสินค้า", "parent": "เลขอ้างอิง Parent SKU",
    "sku": "เลขอ้างอิง SKU (SKU Reference No.)", "variation": "ชื่อตัวเลือก", "price": "ราคาขาย",
    "qty": "จำนวน", "returned": "จำนวนที่ส่งคืน", "receiver": "ชื่อผู้รับ",
    "phone": "หมายเลขโทรศัพท์", "province": ("จังหวัด", 1), "district": ("เขต/อำเภอ", 1),
}  # fmt: skip
EN = {
    "order": "Order ID", "status": "Order Status", "user": "Username (Buyer)",
    "date": "Order Creation Date", "product": "Product Name", "parent": "Parent SKU Reference No.",
    "sku": "SKU Reference No.", "variation": "Variation Name", "price": "Deal Price",
    "qty": "Quantity", "returned": "Returned quantity", "receiver": "Receiver Name",
    "phone": "Phone Number", "province": "Province", "district": "District",
}  # fmt: skip
AMOUNTS_TH = ["ส่วนลดจาก Shopee", "โค้ดส่วนลดชำระโดยผู้ขาย", "ค่าคอมมิชชั่น", "Transaction Fee",
              "ค่าบริการ", "ค่าจัดส่งที่ชำระโดยผู้ซื้อ", "ค่าจัดส่งที่ Shopee ออกให้โดยประมาณ",
              "ค่าจัดส่งโดยประมาณ", "ค่าจัดส่งสินค้าคืน", "ส่วนลดจากการใช้เหรียญ"]  # fmt: skip
AMOUNTS_EN = ["Seller Discount", "Shopee Rebate", "Commission Fee", "Transaction Fee",
              "Service Fee", "Buyer Paid Shipping Fee", "Shipping Rebate Estimate",
              "Estimated Shipping Fee", "Reverse Shipping Fee", "Shopee Voucher", "Seller Voucher"]  # fmt: skip


def export(seed: int, thai: bool, rows: int = 1500) -> list[list[Any]]:
    rng = random.Random(seed)
    names, header = (TH, SHOPEE_TH) if thai else (EN, SHOPEE_EN)
    out = []
    top = 0
    while len(out) < rows:
        # mostly a new order; now and then an earlier one again, apart from its rows
        if rng.random() < 0.8 or not top:
            top += 1
            order = top
        else:
            order = rng.randint(1, top)
        when, status = rng.choice(DATES), rng.choice(STATUSES)
        user = rng.choice(["somchai.silk", "malee_k", "", "ลูกค้า1"])
        province, district = rng.choice(PLACES)
        for _ in range(rng.choice([1, 1, 2, 3])):
            qty = rng.choice(["1", "2", "3", "1,000"])
            cells: dict[Any, Any] = {
                names["order"]: f"26{order:06d}", names["status"]: status,
                names["user"]: user, names["date"]: when,
                names["product"]: rng.choice(TITLES), names["parent"]: rng.choice(["P1", ""]),
                names["sku"]: rng.choice(["S1", "S2", "", "S1"]),
                names["variation"]: rng.choice(["แดง", "", "ฟ้า, 2 ม."]),
                names["price"]: rng.choice(["1,250.00", "990.5", "฿300", " 45 "]),
                names["qty"]: qty, names["returned"]: rng.choice(["0", "", "1", qty]),
                names["receiver"]: rng.choice(["สมชาย ใจดี", "", "Malee"]),
                names["phone"]: rng.choice(["0812345678", "", "+66812345678", "812345678.0"]),
                names["province"]: province, names["district"]: district,
            }  # fmt: skip
            for amount in AMOUNTS_TH if thai else AMOUNTS_EN:
                if rng.random() < 0.8:
                    cells[amount] = rng.choice(MONEY)
            out.append(row(header, cells))
    return out


def both(data: bytes) -> tuple[dict[str, Any] | None, dict[str, list[Any]], int]:
    """(the fast path's columns or None when it fell back, the row parser's, problems)."""
    parsed = parse(io.BytesIO(data), key=KEY, name="orders.csv")
    lines = list(parsed.lines)
    try:
        got: dict[str, Any] | None = fast_shopee.columns(
            fast.read(io.BytesIO(data), "orders.csv"), KEY
        )
    except fast.Fallback:
        got = None
    return got, _columns(lines), len(parsed.problems)


def same(got: dict[str, Any], want: dict[str, list[Any]]) -> None:
    for name in COMPARED:
        column = got[name]
        mine = column.to_pylist() if hasattr(column, "to_pylist") else list(column)
        theirs = pa.array(want[name], LINE.field(name).type).to_pylist()
        assert mine == theirs, name


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("thai", [True, False], ids=["thai", "english"])
def test_the_fast_path_gives_the_row_parsers_lines(seed: int, thai: bool) -> None:
    header = SHOPEE_TH if thai else SHOPEE_EN
    rows = export(seed, thai)
    encoding = "cp874" if seed % 3 == 2 and thai else "utf-8-sig"
    if encoding == "cp874":
        rows = [[str(c).replace("−", "-") for c in r] for r in rows]
    got, want, problems = both(to_csv(header, rows, encoding=encoding))
    if problems:
        assert got is None  # the row parser words the problems
        return
    assert got is not None, "a clean file should take the fast path"
    same(got, want)


@pytest.mark.parametrize(
    ("column", "bad"),
    [("Deal Price", "12,50"), ("Quantity", "1.5"), ("Order Creation Date", "2026-02-30 10:00"),
     ("Order ID", ""), ("Order Creation Date", "garbage"), ("Commission Fee", "abc"),
     ("Order Creation Date", "2026-11-11 24:00"), ("Order Creation Date", "2026-04-31 10:00"),
     ("Order Creation Date", "2026-11-00 10:00"), ("Order Creation Date", "2026-11-11 10:60")],
)  # fmt: skip
def test_a_cell_the_row_parser_refuses_sends_the_file_to_it(column: str, bad: str) -> None:
    rows = export(11, thai=False, rows=300)
    rows[150][SHOPEE_EN.index(column)] = bad
    got, _want, problems = both(to_csv(SHOPEE_EN, rows))
    assert problems >= 1 and got is None


def test_rows_of_another_width_and_xlsx_fall_back() -> None:
    rows = export(12, thai=False, rows=50)
    data = to_csv(SHOPEE_EN, rows) + b"1,2,3\n"
    with pytest.raises(fast.Fallback):
        fast.read(io.BytesIO(data), "orders.csv")
    with pytest.raises(fast.Fallback):
        fast.read(io.BytesIO(b"PK\x03\x04rest"), "orders.xlsx")


@given(st.lists(st.one_of(
    st.floats(min_value=-1e11, max_value=1e11, allow_nan=False),
    st.integers(0, 10**9).map(lambda k: k / 1000),  # halves in the third decimal
    st.integers(0, 10**9).map(lambda k: k / 100),
), max_size=50))  # fmt: skip
def test_py_round_is_pythons_round(values: list[float]) -> None:
    got = fast_fields.py_round(np.array(values, dtype=np.float64))
    assert got.tolist() == [round(v, 2) for v in values]


def test_a_count_the_lake_cannot_hold_goes_to_the_row_parser() -> None:
    rows = export(13, thai=False, rows=20)
    rows[5][SHOPEE_EN.index("Quantity")] = "3,000,000,000"
    with pytest.raises(fast.Fallback):
        fast_shopee.columns(fast.read(io.BytesIO(to_csv(SHOPEE_EN, rows)), "o.csv"), KEY)
