"""Lazada exports: one row per unit, aggregated per (order, seller SKU)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

from isanhub.ingest.sellers import parse

from . import KEY, LAZADA_CAMEL, LAZADA_TITLE, row, to_csv, to_xlsx

BKK = timezone(timedelta(hours=7))


def _camel(item: int, order: str, sku: str, status: str, **more: Any) -> list[Any]:
    values = {
        "orderItemId": item,
        "orderNumber": order,
        "sellerSku": sku,
        "lazadaSku": f"LZ-{sku}",
        "createTime": "11 Nov 2026 09:30",
        "customerName": "Malee Srisuk",
        "shippingName": "มาลี ศรีสุข",
        "shippingAddress": "12 ถนนศรีจันทร์，ในเมือง",
        "shippingPhone": 812345678.0,  # Excel ate the 0
        "shippingCity": "Chonnabot/ ชนบท",
        "shippingRegion": "Khon Kaen/ ขอนแก่น",
        "shippingPostCode": 40180.0,
        "unitPrice": "350.00",
        "paidPrice": "320.00",
        "sellerDiscountTotal": "-20.00",
        "shippingFee": "15",
        "itemName": "ปลาร้าบอง",
        "variation": "ขวดเล็ก",
        "status": status,
        "refundAmount": "0",
    }
    values.update(more)
    return row(LAZADA_CAMEL, values)


def test_units_become_one_line_with_quantity() -> None:
    rows = [
        _camel(1, "300111", "PLARA-S", "delivered"),
        _camel(2, "300111", "PLARA-L", "delivered", unitPrice="500", sellerDiscountTotal="0"),
        _camel(3, "300111", "PLARA-S", "delivered"),
        _camel(4, "300222", "PLARA-S", "canceled"),
        _camel(5, "300111", "PLARA-S", "returned", refundAmount="320"),
    ]
    parsed = parse(io.BytesIO(to_csv(LAZADA_CAMEL, rows)), key=KEY)
    assert parsed.format == "lazada"
    lines = list(parsed.lines)
    assert parsed.problems == []
    assert [(x.order_id, x.sku, x.quantity) for x in lines] == [
        ("300111", "PLARA-S", 2),
        ("300111", "PLARA-L", 1),
        ("300222", "PLARA-S", 1),
        ("300111", "PLARA-S", 1),  # the returned unit: a line of its own
    ]
    small = lines[0]
    assert small.line_id == "lazada|300111|PLARA-S|1"
    assert (small.unit_price, small.gross) == (350.0, 700.0)
    assert small.seller_discount == 40.0
    assert (small.shipping_buyer, small.refund) == (30.0, 0.0)
    assert (small.status, small.returned_quantity) == ("completed", 0)
    assert small.status_text == "delivered"
    back = lines[3]
    assert back.line_id == "lazada|300111|PLARA-S|returned|1"
    assert (back.status, back.quantity, back.returned_quantity) == ("returned", 1, 1)
    assert (back.gross, back.refund, back.order_level) == (350.0, 320.0, False)
    assert small.ordered_at == datetime(2026, 11, 11, 9, 30, tzinfo=BKK)
    assert (small.product, small.variation) == ("ปลาร้าบอง", "ขวดเล็ก")
    assert small.platform_fees is None and small.platform_discount is None
    assert small.order_level and not lines[1].order_level
    assert small.province is not None and small.province.code == "40"
    assert small.district is not None and small.district.code == "4018"
    assert lines[1].gross == 500.0 and lines[1].seller_discount == 0.0
    assert lines[2].status == "cancelled"
    assert small.buyer is not None and small.buyer == lines[2].buyer


def test_same_buyer_whatever_the_phone_cell() -> None:
    a = _camel(1, "1", "X", "delivered", shippingPhone=812345678.0)
    b = _camel(2, "2", "X", "delivered", shippingPhone="+66 81 234 5678")
    lines = list(parse(io.BytesIO(to_csv(LAZADA_CAMEL, [a, b])), key=KEY).lines)
    assert lines[0].buyer == lines[1].buyer


def test_legacy_title_case_xlsx() -> None:
    def unit(item: int, status: str) -> list[Any]:
        return row(
            LAZADA_TITLE,
            {
                "Order Item Id": item,
                "Order Number": 400500,
                "Seller SKU": "MAT-01",
                "Created at": "2026-11-10 20:15:00",
                "Customer Name": "Dao",
                "Shipping Phone Number": "0899999999",
                "Shipping City": "อ.เมือง",
                "Shipping Region": "นครราชสีมา",
                "Unit Price": 1200,
                "Paid Price": 1200,
                "Shipping Fee": 0,
                "Item Name": "เสื่อกก",
                "Variation": "",
                "Status": status,
                "Bundle Discount": "",
                "Refund Amount": "",
            },
        )

    parsed = parse(
        io.BytesIO(to_xlsx(LAZADA_TITLE, [unit(1, "shipped"), unit(2, "shipped")])), key=KEY
    )
    assert parsed.format == "lazada-legacy"
    (line,) = list(parsed.lines)
    assert (line.order_id, line.quantity, line.gross, line.status) == (
        "400500",
        2,
        2400.0,
        "in_progress",
    )
    assert line.ordered_at == datetime(2026, 11, 10, 20, 15, tzinfo=BKK)
    assert line.province is not None and line.province.code == "30"
    assert line.district is not None and line.district.code == "3001"
