"""TikTok Shop Seller Center order exports: one row per SKU line, English headers.

SKU-level prices and discounts belong to the row; shipping, its discounts, the payment
discount and the refund are per order and taken from the order's first row. The export
has no platform fees (they are in the settlement report). Its CSV has a second row that
describes the columns: a row whose order id is not an id (has spaces) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from isanhub.ingest.sellers import places
from isanhub.ingest.sellers.build import (
    Tracker,
    guarded,
    required_text,
    required_time,
    times,
    total,
)
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import CANCELLED, RETURNED, OrderLine, Problem, map_status
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.values import BadValue, count, money, text


def _plus(line: float | None, order: float | None) -> float | None:
    if line is None and order is None:
        return None
    return round((line or 0.0) + (order or 0.0), 2)


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    tracker = Tracker("tiktok")

    def make(row: Row) -> OrderLine | None:
        order_id = required_text(row, "order_id", "Order ID")
        if len(order_id.split()) > 1:
            return None  # the column descriptions row
        quantity = count(row["quantity"], "Quantity")
        if quantity is None:
            raise BadValue("Quantity", row["quantity"], "ต้องมีจำนวน", "a quantity is required")
        returned = count(row["returned_quantity"], "Sku Quantity of return") or 0
        status_text = text(row["status"])
        status = map_status(status_text)
        if status != CANCELLED and 0 < quantity <= returned:
            status = RETURNED
        sku = text(row["sku"]) or text(row["sku_id"])
        variation = text(row["variation"])
        price = money(row["unit_price"], "SKU Unit Original Price")
        first = tracker.first(order_id)
        seller = total(row, "seller_discount")
        platform = total(row, "platform_discount")
        if first:
            seller = _plus(seller, total(row, "shipping_seller_discount"))
            platform = _plus(
                platform, total(row, "shipping_platform_discount", "payment_platform_discount")
            )
        province, district = places.locate(
            [text(row["province"])], [text(row["district"]), text(row["city"])]
        )
        return OrderLine(
            channel="tiktok",
            order_id=order_id,
            line_id=tracker.line_id(order_id, sku, variation),
            status=status,
            status_text=status_text,
            ordered_at=required_time(row, "ordered_at", "Created Time"),
            sku=sku,
            product=text(row["product"]),
            variation=variation,
            quantity=quantity,
            unit_price=price,
            gross=times(quantity, price),
            seller_discount=seller,
            platform_discount=platform,
            platform_fees=None,
            shipping_buyer=total(row, "shipping_after") if first else 0.0,
            shipping_seller=None,
            returned_quantity=returned,
            refund=(total(row, "refund") if first else 0.0) if row.has("refund") else None,
            buyer=pseudonym(
                key,
                username=text(row["username"]),
                name=text(row["recipient"]),
                phone=text(row["phone"]),
                channel="tiktok",
            ),
            province=province,
            district=district,
            order_level=first,
            row=row.number,
        )

    return guarded(rows, problems, make)
