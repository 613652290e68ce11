"""TikTok Shop Seller Center order exports: one row per SKU line, English headers.

SKU-level prices and discounts belong to the row; shipping, its discounts, the payment
discount and the refund are per order and put on one line of the order only (see
build.settled). The export
has no platform fees (they are in the settlement report). Its CSV has a second row that
describes the columns: a row whose order id is not an id (has spaces) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from isanhub.ingest.sellers.build import Draft, Tracker, guarded, rest, settled, times
from isanhub.ingest.sellers.cells import Cells
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import CANCELLED, RETURNED, OrderLine, Problem
from isanhub.ingest.sellers.values import text


def _plus(line: float | None, order: float | None) -> float | None:
    if line is None and order is None:
        return None
    return round((line or 0.0) + (order or 0.0), 2)


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    tracker = Tracker("tiktok")
    cells = Cells(key)

    def make(row: Row) -> Draft | None:
        order_id = cells.required_text(row, "order_id")
        if len(order_id.split()) > 1:
            return None  # the column descriptions row
        # everything that can fail is read before the line takes an id
        quantity = cells.required_count(row, "quantity")
        returned = cells.count(row, "returned_quantity") or 0
        status_text = text(row["status"])
        status = cells.status(status_text)
        if status != CANCELLED and 0 < quantity <= returned:
            status = RETURNED
        sku = text(row["sku"]) or text(row["sku_id"])
        variation = text(row["variation"])
        unit_price = cells.price(row, "unit_price", status)
        ordered_at = cells.required_time(row, "ordered_at")
        seller = cells.total(row, "seller_discount")
        platform = cells.total(row, "platform_discount")
        order_seller = cells.total(row, "shipping_seller_discount")
        order_platform = cells.total(row, "shipping_platform_discount", "payment_platform_discount")
        shipping = cells.total(row, "shipping_after")
        refund = cells.total(row, "refund")
        province, district = cells.locate(
            (text(row["province"]),), (text(row["district"]), text(row["city"]))
        )
        full = dict(
            channel="tiktok",
            order_id=order_id,
            line_id=tracker.line_id(order_id, sku, variation),
            status=status,
            status_text=status_text,
            ordered_at=ordered_at,
            sku=sku,
            product=text(row["product"]),
            variation=variation,
            quantity=quantity,
            unit_price=unit_price,
            gross=times(quantity, unit_price),
            seller_discount=_plus(seller, order_seller),
            platform_discount=_plus(platform, order_platform),
            platform_fees=None,
            shipping_buyer=shipping,
            shipping_seller=None,
            returned_quantity=returned,
            refund=refund,
            buyer=cells.buyer(
                username=text(row["username"]),
                name=text(row["recipient"]),
                phone=text(row["phone"]),
                channel="tiktok",
            ),
            province=province,
            district=district,
            order_level=True,
            row=row.number,
        )
        bare = dict(
            seller_discount=seller,
            platform_discount=platform,
            shipping_buyer=rest(shipping),
            refund=rest(refund),
            order_level=False,
        )
        return Draft(full, bare)

    return settled(guarded(rows, problems, make), tracker)
