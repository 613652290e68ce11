"""TikTok Shop exports: DD/MM/YYYY times, order-level shipping once, description row."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

from isanhub.ingest.sellers import parse

from . import KEY, TIKTOK, row, to_csv

BKK = timezone(timedelta(hours=7))


def _line(order: str, sku: str, **more: Any) -> list[Any]:
    values = {
        "Order ID": order,
        "Order Status": "Completed",
        "SKU ID": "17290001",
        "Seller SKU": sku,
        "Product Name": "ข้าวหอมมะลิ 5 กก.",
        "Variation": "ถุง",
        "Quantity": "2",
        "Sku Quantity of return": "0",
        "SKU Unit Original Price": "THB 1,200.00",
        "SKU Platform Discount": "30",
        "SKU Seller Discount": "100",
        "Shipping Fee After Discount": "25",
        "Shipping Fee Seller Discount": "10",
        "Shipping Fee Platform Discount": "5",
        "Payment platform discount": "7",
        "Order Refund Amount": "0",
        "Created Time": "11/11/2026 20:30:15",
        "Buyer Username": "rice.lover",
        "Recipient": "Anong K.",
        "Phone #": "(+66)81*****78",
        "Province": "Khon Kaen",
        "District": "Chonnabot",
        "Detail Address": "55 Moo 2",
    }
    values.update(more)
    return row(TIKTOK, values)


def test_tiktok_csv() -> None:
    description = row(
        TIKTOK, {"Order ID": "Platform unique order ID.", "Quantity": "SKU sold quantity"}
    )
    rows = [
        description,
        _line("576000111", "RICE-5"),
        _line("576000111", "RICE-1", **{"Quantity": "1", "SKU Unit Original Price": "260"}),
        _line("576000222", "RICE-5", **{"Order Status": "Cancelled"}),
        _line(
            "576000333", "RICE-5", **{"Sku Quantity of return": "2", "Order Refund Amount": "2,300"}
        ),
    ]
    parsed = parse(io.BytesIO(to_csv(TIKTOK, rows)), key=KEY)
    assert parsed.format == "tiktok"
    lines = list(parsed.lines)
    assert parsed.problems == []
    a, b, c, d = lines
    assert a.channel == "tiktok" and a.line_id == "tiktok|576000111|RICE-5|ถุง|1"
    assert a.ordered_at == datetime(2026, 11, 11, 20, 30, 15, tzinfo=BKK)
    assert (a.quantity, a.unit_price, a.gross) == (2, 1200.0, 2400.0)
    assert (a.seller_discount, a.platform_discount) == (110.0, 42.0)
    assert (a.shipping_buyer, a.refund, a.platform_fees) == (25.0, 0.0, None)
    assert (b.seller_discount, b.platform_discount, b.shipping_buyer) == (100.0, 30.0, 0.0)
    assert (b.quantity, b.gross) == (1, 260.0)
    assert a.district is not None and a.district.code == "4018"
    assert c.status == "cancelled"
    assert (d.status, d.returned_quantity, d.refund) == ("returned", 2, 2300.0)
    assert a.buyer == b.buyer != None  # noqa: E711
    assert a.row == 3  # line 1 header, line 2 descriptions
