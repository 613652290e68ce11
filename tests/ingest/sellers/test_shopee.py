"""Shopee Thailand exports: Thai XLSX (sheet orders), English CSV, cp874 CSV."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from isanhub.ingest.sellers import parse

from . import KEY, SHOPEE_EN, SHOPEE_TH, row, to_csv, to_xlsx

BKK = timezone(timedelta(hours=7))
SENTENCE = "ผู้ซื้อได้รับสินค้าแล้ว และสามารถขอคืนเงิน/คืนสินค้าได้จนถึง 2026-11-20"


def _th(order: str, status: str, sku: str, qty: Any, price: Any, **more: Any) -> list[Any]:
    values = {
        "หมายเลขคำสั่งซื้อ": order,
        "สถานะการสั่งซื้อ": status,
        "ชื่อผู้ใช้ (ผู้ซื้อ)": "somchai.silk",
        "วันที่ทำการสั่งซื้อ": "2026-11-11 00:05",
        "ชื่อสินค้า": f"ผ้าไหม {sku}",
        "เลขอ้างอิง SKU (SKU Reference No.)": sku,
        "ชื่อตัวเลือก": "สีแดง",
        "ราคาตั้งต้น": "1,500.00",
        "ราคาขาย": price,
        "จำนวน": qty,
        "จำนวนที่ส่งคืน": 0,
        "ส่วนลดจาก Shopee": 10,
        "โค้ดส่วนลดชำระโดยผู้ขาย": 50,
        "โค้ดส่วนลดชำระโดย Shopee (เช่น โค้ดจากโปรแกรม ร้านโค้ดคุ้ม, โค้ดส่วนลด Shopee, โค้ดส่วนลด Shopee Mall)": 30,
        "ส่วนลดจากการใช้เหรียญ": 5,
        "ค่าคอมมิชชั่น": "64.20",
        "Transaction Fee": "32.10",
        "ค่าบริการ": "21.40",
        "ค่าจัดส่งที่ชำระโดยผู้ซื้อ": 40,
        "ค่าจัดส่งที่ Shopee ออกให้โดยประมาณ": 20,
        "ค่าจัดส่งโดยประมาณ": 75,
        "ชื่อผู้รับ": "สมชาย ใจดี",
        "หมายเลขโทรศัพท์": "0812345678",
        "ที่อยู่ในการจัดส่ง": "99/1 หมู่ 3 ถนนมิตรภาพ",
        ("จังหวัด", 1): "จังหวัดขอนแก่น",
        ("เขต/อำเภอ", 1): "อำเภอชนบท",
        ("จังหวัด", 2): "กรุงเทพมหานคร",
        ("เขต/อำเภอ", 2): "เขตบางรัก",
    }
    values.update(more)
    return row(SHOPEE_TH, values)


def _thai_rows() -> list[list[Any]]:
    return [
        _th("2611110001", "สำเร็จแล้ว", "SILK-01", 2, "1,250.00"),
        _th("2611110001", "สำเร็จแล้ว", "SILK-02", "1", 990.5),
        _th("2611110002", "ยกเลิกแล้ว", "SILK-01", 1, 1250),
        _th("2611110003", SENTENCE, "SILK-03", 1, 300),
        _th("2611110004", "ที่ต้องจัดส่ง", "SILK-03", 3, 300, **{"จำนวนที่ส่งคืน": 0}),
        _th("2611110005", "คืนสินค้า/คืนเงิน", "SILK-03", 1, 300, **{"จำนวนที่ส่งคืน": 1}),
    ]


def test_thai_xlsx_every_field() -> None:
    data = to_xlsx(SHOPEE_TH, _thai_rows(), sheet="orders", before="summary")
    parsed = parse(io.BytesIO(data), key=KEY)
    assert parsed.format == "shopee-th"
    lines = list(parsed.lines)
    assert parsed.problems == []
    assert len(lines) == 6
    a, b, c, d, e, f = lines
    assert a.channel == "shopee" and a.order_id == "2611110001"
    assert a.line_id == "shopee|2611110001|SILK-01|สีแดง|1"
    assert (a.status, a.status_text) == ("completed", "สำเร็จแล้ว")
    assert a.ordered_at == datetime(2026, 11, 11, 0, 5, tzinfo=BKK)
    assert (a.sku, a.product, a.variation) == ("SILK-01", "ผ้าไหม SILK-01", "สีแดง")
    assert (a.quantity, a.unit_price, a.gross) == (2, 1250.0, 2500.0)
    assert a.seller_discount == 50.0
    assert a.platform_discount == 45.0  # 10 on the line + 30 voucher + 5 coins
    assert a.platform_fees == 117.7
    assert a.shipping_buyer == 40.0
    assert a.shipping_seller == 15.0  # 75 estimated - 40 buyer - 20 Shopee
    assert (a.returned_quantity, a.refund) == (0, None)
    assert a.province is not None and a.province.code == "40"
    assert a.province.name_th == "ขอนแก่น" and a.province.name_en == "Khon Kaen"
    assert a.district is not None and a.district.code == "4018"
    assert a.district.name_en == "Chonnabot"
    assert a.order_level and a.row == 2  # the spreadsheet row under the header
    # the order's second line: its own prices, no repeat of the order's amounts
    assert (b.quantity, b.unit_price, b.gross) == (1, 990.5, 990.5)
    assert not b.order_level
    assert (b.seller_discount, b.platform_fees, b.shipping_buyer) == (0.0, 0.0, 0.0)
    assert b.platform_discount == 10.0
    assert b.buyer == a.buyer and a.buyer is not None and len(a.buyer) == 16
    assert c.status == "cancelled"
    assert (d.status, d.status_text) == ("completed", SENTENCE)
    assert e.status == "in_progress"
    assert (f.status, f.returned_quantity) == ("returned", 1)


def test_order_totals_not_double_counted() -> None:
    lines = list(parse(io.BytesIO(to_xlsx(SHOPEE_TH, _thai_rows())), key=KEY).lines)
    first_order = [x for x in lines if x.order_id == "2611110001"]
    assert sum(x.platform_fees or 0 for x in first_order) == pytest.approx(117.7)
    assert sum(x.shipping_buyer or 0 for x in first_order) == 40.0
    assert sum(x.seller_discount or 0 for x in first_order) == 50.0
    assert sum(x.gross or 0 for x in first_order) == 3490.5


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp874", "utf-8"])
def test_thai_csv_encodings(encoding: str) -> None:
    parsed = parse(io.BytesIO(to_csv(SHOPEE_TH, _thai_rows(), encoding)), key=KEY)
    assert parsed.format == "shopee-th"
    lines = list(parsed.lines)
    assert [x.quantity for x in lines] == [2, 1, 1, 1, 3, 1]
    assert lines[0].product == "ผ้าไหม SILK-01" and lines[0].row == 2
    assert lines[0].district is not None and lines[0].district.code == "4018"


def test_english_csv(tmp_path: Any) -> None:
    values = {
        "Order ID": "2611120009",
        "Order Status": "Completed",
        "Order Creation Date": "2026-11-12 13:45",
        "Product Name": "Khit pillow",
        "SKU Reference No.": "",
        "Parent SKU Reference No.": "PILLOW",
        "Variation Name": "",
        "Deal Price": "450",
        "Quantity": "2",
        "Returned quantity": "",
        "Shopee Rebate": "",
        "Commission Fee": "27",
        "Transaction Fee": "13.5",
        "Service Fee": "",
        "Buyer Paid Shipping Fee": "0",
        "Username (Buyer)": "nok_buyer",
        "Receiver Name": "Nok",
        "Phone Number": "66891234567",
        "Province": "Khon Kaen",
        "District": "Mueang Khon Kaen",
        "Town": "Nai Mueang",
    }
    path = tmp_path / "Order.all.20261101_20261130.csv"
    path.write_bytes(to_csv(SHOPEE_EN, [row(SHOPEE_EN, values)]))
    parsed = parse(path, key=KEY)
    assert parsed.format == "shopee-en"
    (line,) = list(parsed.lines)
    assert (line.sku, line.quantity, line.gross, line.platform_fees) == ("PILLOW", 2, 900.0, 40.5)
    assert line.shipping_seller is None  # no estimated shipping fee in this file
    assert line.district is not None and line.district.code == "4001"
    assert line.ordered_at == datetime(2026, 11, 12, 13, 45, tzinfo=BKK)


def test_overlapping_reimport_gives_the_same_line_ids() -> None:
    rows = _thai_rows()
    november = list(parse(io.BytesIO(to_xlsx(SHOPEE_TH, rows[:4])), key=KEY).lines)
    overlap = list(parse(io.BytesIO(to_csv(SHOPEE_TH, rows[2:] + rows[:2])), key=KEY).lines)
    first = {x.line_id: x for x in november}
    again = {x.line_id: x for x in overlap}
    assert set(first) & set(again) == set(first)
    for line_id, line in first.items():
        assert again[line_id].gross == line.gross and again[line_id].buyer == line.buyer


def test_bad_rows_are_problems_with_row_numbers() -> None:
    rows = [
        _th("1", "สำเร็จแล้ว", "A", 1, 100),
        _th("2", "สำเร็จแล้ว", "A", "หนึ่ง", 100),
        _th("3", "สำเร็จแล้ว", "A", 1, 100, **{"วันที่ทำการสั่งซื้อ": "เมื่อวาน"}),
        _th("", "สำเร็จแล้ว", "A", 1, 100),
    ]
    parsed = parse(io.BytesIO(to_csv(SHOPEE_TH, rows)), key=KEY)
    assert [x.order_id for x in parsed.lines] == ["1"]
    assert [p.row for p in parsed.problems] == [3, 4, 5]
    assert "แถว 3 / row 3" in parsed.problems[0].message
    assert "วันที่ทำการสั่งซื้อ" in parsed.problems[1].message
