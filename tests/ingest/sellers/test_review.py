"""Regressions from the review of the seller parsers: order-level amounts after a
rejected row, Lazada units that ended differently, status words, template statuses,
money edge cases, absent columns, row problem messages, places, and prices."""

from __future__ import annotations

import io
from typing import Any

import pytest

from isanhub.ingest.sellers import map_status, parse, places
from isanhub.ingest.sellers.tables import TEMPLATE_TH
from isanhub.ingest.sellers.values import BadValue, money

from . import KEY, LAZADA_CAMEL, LAZADA_TITLE, SHOPEE_TH, TIKTOK, row, to_csv
from .test_lazada import _camel
from .test_shopee import _th
from .test_tiktok import _line

TH = [str(v) for v in TEMPLATE_TH.values()]


def _lines(header: list[str], rows: list[list[Any]]) -> tuple[list[Any], list[str]]:
    parsed = parse(io.BytesIO(to_csv(header, rows)), key=KEY)
    lines = list(parsed.lines)
    return lines, [p.message for p in parsed.problems]


# 1. a rejected first row must not take the order's amounts with it


def test_shopee_order_amounts_survive_a_rejected_first_row() -> None:
    rows = [
        _th("O1", "สำเร็จแล้ว", "A", 1, 100, **{"วันที่ทำการสั่งซื้อ": "11-11-2026"}),
        _th("O1", "สำเร็จแล้ว", "B", 1, 100),
    ]
    lines, problems = _lines(SHOPEE_TH, rows)
    assert len(problems) == 1 and len(lines) == 1
    (b,) = lines
    assert b.order_level
    assert (b.platform_fees, b.seller_discount, b.shipping_buyer) == (117.7, 50.0, 40.0)
    assert b.line_id == "shopee|O1|B|สีแดง|1"


def test_tiktok_order_amounts_survive_a_rejected_first_row() -> None:
    rows = [_line("576001", "A", **{"Created Time": "2026/13/11"}), _line("576001", "B")]
    lines, problems = _lines(TIKTOK, rows)
    assert len(problems) == 1
    (b,) = lines
    assert b.order_level
    assert (b.shipping_buyer, b.seller_discount, b.platform_discount) == (25.0, 110.0, 42.0)


# 2. Lazada: units of one SKU that ended differently are different lines


def test_lazada_cancelled_units_are_not_in_the_completed_line() -> None:
    rows = [
        _camel(1, "L1", "S", "delivered"),
        _camel(2, "L1", "S", "delivered"),
        _camel(3, "L1", "S", "canceled"),
    ]
    lines, _ = _lines(LAZADA_CAMEL, rows)
    done, gone = lines
    assert (done.status, done.quantity, done.gross, done.seller_discount) == (
        "completed",
        2,
        700.0,
        40.0,
    )
    assert (gone.status, gone.quantity, gone.gross) == ("cancelled", 1, 350.0)
    assert done.line_id == "lazada|L1|S|1"
    assert gone.line_id == "lazada|L1|S|cancelled|1"
    assert done.order_level and not gone.order_level


def test_lazada_canceled_and_shipped_are_two_lines() -> None:
    rows = [_camel(1, "L2", "S", "canceled"), _camel(2, "L2", "S", "shipped")]
    lines, _ = _lines(LAZADA_CAMEL, rows)
    assert sorted((x.status, x.quantity, x.gross) for x in lines) == [
        ("cancelled", 1, 350.0),
        ("in_progress", 1, 350.0),
    ]
    # the order is marked on the line that may still sell
    assert [x.order_level for x in lines if x.status == "in_progress"] == [True]


# 3. failures and negations


@pytest.mark.parametrize(
    ("original", "status"),
    [
        ("การจัดส่งไม่สำเร็จ", "cancelled"),
        ("ไม่สำเร็จ", "cancelled"),
        ("Not delivered", "cancelled"),
        ("Undelivered", "cancelled"),
        ("shipped_back", "cancelled"),
        ("shipped_back_success", "cancelled"),
        ("failed_delivery", "cancelled"),
        ("Delivery failed", "cancelled"),
        (
            "The buyer has received the order and can request return/refund until 2026-11-20",
            "completed",
        ),
        ("Buyer has received the order", "completed"),
        ("delivered", "completed"),
        ("Return/Refund", "returned"),
        ("Cancellation requested", "cancelled"),
        ("shipped", "in_progress"),
    ],
)
def test_status_failures_and_negations(original: str, status: str) -> None:
    assert map_status(original) == status


# 4. template statuses


def _tpl(**values: Any) -> list[Any]:
    base = {
        "ช่องทาง": "ไลน์",
        "เลขที่คำสั่งซื้อ": "T1",
        "วันที่สั่งซื้อ": "11/11/2569",
        "ชื่อสินค้า": "ผ้าไหม",
        "จำนวน": 2,
        "ราคาต่อชิ้น": "1,500",
    }
    base.update(values)
    return row(TH, base)


def test_template_whole_quantity_returned_is_returned() -> None:
    lines, problems = _lines(TH, [_tpl(**{"จำนวนที่คืน": 2})])
    assert problems == []
    assert (lines[0].status, lines[0].returned_quantity) == ("returned", 2)
    part, _ = _lines(TH, [_tpl(**{"จำนวนที่คืน": 1})])
    assert part[0].status == "completed"


@pytest.mark.parametrize("status", ["", "-", "--"])
def test_template_dash_or_empty_status_is_completed(status: str) -> None:
    lines, _ = _lines(TH, [_tpl(**{"สถานะ": status})])
    assert lines[0].status == "completed"


# 5. very long numbers


@pytest.mark.parametrize(
    "value", ["12345678901234567890123456789", 1e30, "123456789012345678901234567890", "1e12"]
)
def test_money_too_large_is_a_bad_value(value: object) -> None:
    with pytest.raises(BadValue):
        money(value, "x")


def test_huge_price_is_a_row_problem_not_a_crash() -> None:
    lines, problems = _lines(SHOPEE_TH, [_th("O5", "สำเร็จแล้ว", "A", 1, "1" * 30)])
    assert lines == [] and len(problems) == 1


# 6. absent columns stay None


def test_lazada_legacy_absent_columns_are_none() -> None:
    header = [h for h in LAZADA_TITLE if h not in ("Shipping Fee", "Refund Amount")]
    cells = {
        "Order Number": "L9",
        "Seller SKU": "S",
        "Created at": "11 Nov 2026 09:30",
        "Unit Price": "350",
        "Item Name": "x",
        "Status": "delivered",
    }
    lines, _ = _lines(header, [row(header, cells)])
    assert (lines[0].seller_discount, lines[0].shipping_buyer, lines[0].refund) == (
        None,
        None,
        None,
    )


def test_shopee_later_lines_none_when_the_file_lacks_the_column() -> None:
    header = [
        "หมายเลขคำสั่งซื้อ",
        "สถานะการสั่งซื้อ",
        "วันที่ทำการสั่งซื้อ",
        "ชื่อสินค้า",
        "เลขอ้างอิง SKU (SKU Reference No.)",
        "ชื่อตัวเลือก",
        "ราคาขาย",
        "จำนวน",
    ]
    rows = [["O1", "สำเร็จแล้ว", "2026-11-11 00:05", "p", sku, "v", 100, 1] for sku in ("A", "B")]
    lines, _ = _lines(header, rows)
    for line in lines:
        assert line.platform_fees is None and line.seller_discount is None
        assert line.shipping_buyer is None and line.platform_discount is None


# 7. row problems


def test_problems_name_the_column_as_the_file_does() -> None:
    rows = [
        _th("O1", "สำเร็จแล้ว", "A", 1, 100, **{"ค่าคอมมิชชั่น": "6.4o"}),
        _th("O2", "สำเร็จแล้ว", "A", 1, 100, **{"ค่าจัดส่งโดยประมาณ": "n.a."}),
        _th("O3", "สำเร็จแล้ว", "A", 1, 100, **{"จำนวนที่ส่งคืน": "x"}),
    ]
    _, problems = _lines(SHOPEE_TH, rows)
    assert "ค่าคอมมิชชั่น = '6.4o'" in problems[0]
    assert "ค่าจัดส่งโดยประมาณ = 'n.a.'" in problems[1]
    assert "จำนวนที่ส่งคืน = 'x'" in problems[2]
    assert not any("commission" in p or "returned_quantity" in p for p in problems)


@pytest.mark.parametrize(
    ("written", "amount"),
    [("1，250", 1250.0), ("−20", -20.0), ("1,250.00-", -1250.0), ("฿ 99-", -99.0)],
)
def test_money_full_width_comma_and_minus_signs(written: str, amount: float) -> None:
    assert money(written) == amount


@pytest.mark.parametrize("written", ["1 250,50", "1.250,50", "12,50 บาท"])
def test_money_decimal_comma_is_refused(written: str) -> None:
    with pytest.raises(BadValue):
        money(written)


def test_problems_do_not_repeat_buyer_data() -> None:
    rows = [
        _th("O3", "สำเร็จแล้ว", "A", 1, "สมชาย ใจดี 0812345678"),
        _th("O4", "สำเร็จแล้ว", "A", 1, "0812345678x"),
    ]
    _, problems = _lines(SHOPEE_TH, rows)
    assert len(problems) == 2
    for message in problems:
        assert "0812345678" not in message and "สมชาย ใจดี 0812" not in message
    assert "•••••••••" in problems[1]


# 8. places


@pytest.mark.parametrize(
    ("province", "district", "codes"),
    [
        ("กรุงเทพฯ", "บางรัก", ("10", "1004")),
        ("กรุงเทพฯ", "เขตบางรัก", ("10", "1004")),
        ("Bangkok", "Bang Rak District", ("10", "1004")),
        ("Khon Kaen", "Mueang Khon Kaen District", ("40", "4001")),
        ("Khon Kaen Province", "Chonnabot Amphoe", ("40", "4018")),
    ],
)
def test_places_abbreviation_mark_and_english_suffix(
    province: str, district: str, codes: tuple[str, str]
) -> None:
    p, d = places.locate([province], [district])
    assert (p and p.code, d and d.code) == codes


# 9. order-level amounts on a line that stands


def test_order_level_amounts_prefer_a_line_not_returned() -> None:
    rows = [
        _th("O1", "สำเร็จแล้ว", "A", 1, 100, **{"จำนวนที่ส่งคืน": 1}),
        _th("O1", "สำเร็จแล้ว", "B", 1, 100),
    ]
    a, b = _lines(SHOPEE_TH, rows)[0]
    assert (a.status, a.order_level, a.platform_fees) == ("returned", False, 0.0)
    assert (b.status, b.order_level, b.platform_fees) == ("completed", True, 117.7)
    assert (a.line_id, b.line_id) == ("shopee|O1|A|สีแดง|1", "shopee|O1|B|สีแดง|1")


def test_order_level_on_the_first_line_when_all_are_cancelled() -> None:
    rows = [_th("O1", "ยกเลิกแล้ว", "A", 1, 100), _th("O1", "ยกเลิกแล้ว", "B", 1, 100)]
    a, b = _lines(SHOPEE_TH, rows)[0]
    assert a.order_level and not b.order_level


# 10. a price is required unless the line was cancelled


def test_empty_price_is_a_problem_unless_cancelled() -> None:
    rows = [_th("O2", "สำเร็จแล้ว", "A", 2, ""), _th("O3", "ยกเลิกแล้ว", "A", 1, "")]
    lines, problems = _lines(SHOPEE_TH, rows)
    assert len(problems) == 1 and "ต้องมีราคา" in problems[0] and "a price is required" in problems[0]
    assert [(x.order_id, x.gross) for x in lines] == [("O3", None)]
    tiktok, tiktok_problems = _lines(TIKTOK, [_line("1", "A", **{"SKU Unit Original Price": ""})])
    assert tiktok == [] and "ราคา" in tiktok_problems[0]
    lazada, lazada_problems = _lines(LAZADA_CAMEL, [_camel(1, "L", "S", "delivered", unitPrice="")])
    assert lazada == [] and "unitPrice" in lazada_problems[0]
    template, template_problems = _lines(TH, [_tpl(**{"ราคาต่อชิ้น": ""})])
    assert template == [] and "ราคาต่อชิ้น" in template_problems[0]
