"""The seller template for orders sold through Facebook, LINE, chat or at markets.

These channels have no export, so sellers fill a sheet with Thai or English headers
(docs/seller-formats.md lists them). One row per product of an order; every amount is
the row's own (write an order's shipping on one of its rows only). An empty status is a
completed sale: that is what a seller records by hand.
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
from isanhub.ingest.sellers.lines import COMPLETED, OrderLine, Problem, map_status
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.values import BadValue, count, money, text

CHANNEL_NAMES = {
    "facebook": "facebook",
    "fb": "facebook",
    "เฟซบุ๊ก": "facebook",
    "เฟสบุ๊ค": "facebook",
    "line": "line",
    "ไลน์": "line",
    "chat": "chat",
    "แชท": "chat",
    "market": "market",
    "ตลาด": "market",
    "ตลาดนัด": "market",
}


def channel_of(value: str) -> str:
    found = CHANNEL_NAMES.get(value.strip().casefold())
    if found is None:
        raise BadValue(
            "channel / ช่องทาง",
            value,
            "ใช้ facebook, line, chat หรือ market (เฟซบุ๊ก, ไลน์, แชท, ตลาด)",
            "use facebook, line, chat or market",
        )
    return found


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    trackers: dict[str, Tracker] = {}

    def make(row: Row) -> OrderLine:
        channel = channel_of(required_text(row, "channel", "channel / ช่องทาง"))
        tracker = trackers.setdefault(channel, Tracker(channel))
        order_id = required_text(row, "order_id", "order_id / เลขที่คำสั่งซื้อ")
        quantity = count(row["quantity"], "quantity / จำนวน")
        if quantity is None:
            raise BadValue(
                "quantity / จำนวน", row["quantity"], "ต้องมีจำนวน", "a quantity is required"
            )
        status_text = text(row["status"])
        sku = text(row["sku"])
        variation = text(row["variation"])
        price = money(row["unit_price"], "unit_price / ราคาต่อชิ้น")
        province, district = places.locate([text(row["province"])], [text(row["district"])])
        return OrderLine(
            channel=channel,
            order_id=order_id,
            line_id=tracker.line_id(order_id, sku or text(row["product"]), variation),
            status=map_status(status_text) if status_text else COMPLETED,
            status_text=status_text,
            ordered_at=required_time(row, "ordered_at", "order_date / วันที่สั่งซื้อ"),
            sku=sku,
            product=text(row["product"]),
            variation=variation,
            quantity=quantity,
            unit_price=price,
            gross=times(quantity, price),
            seller_discount=total(row, "discount"),
            platform_discount=0.0,  # no platform in between
            platform_fees=total(row, "fees"),
            shipping_buyer=total(row, "shipping_buyer"),
            shipping_seller=total(row, "shipping_seller"),
            returned_quantity=count(row["returned_quantity"], "returned_quantity") or 0,
            refund=total(row, "refund"),
            buyer=pseudonym(
                key, name=text(row["customer"]), phone=text(row["phone"]), channel=channel
            ),
            province=province,
            district=district,
            order_level=tracker.first(order_id),
            row=row.number,
        )

    return guarded(rows, problems, make)
