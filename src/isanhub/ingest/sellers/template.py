"""The seller template for orders sold through Facebook, LINE, chat or at markets.

These channels have no export, so sellers fill a sheet with Thai or English headers
(docs/seller-formats.md lists them). One row per product of an order; every amount is
the row's own (write an order's shipping on one of its rows only). An empty status (or
"-") is a completed sale: that is what a seller records by hand. A row whose whole
quantity came back is returned, as on the platforms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from isanhub.ingest.sellers.build import Tracker, guarded, times
from isanhub.ingest.sellers.cells import Cells
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import CANCELLED, COMPLETED, RETURNED, OrderLine, Problem
from isanhub.ingest.sellers.values import BadValue, is_empty, text

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


def channel_of(value: str, column: str = "channel / ช่องทาง") -> str:
    found = CHANNEL_NAMES.get(value.strip().casefold())
    if found is None:
        raise BadValue(
            column,
            value,
            "ใช้ facebook, line, chat หรือ market (เฟซบุ๊ก, ไลน์, แชท, ตลาด)",
            "use facebook, line, chat or market",
        )
    return found


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    trackers: dict[str, Tracker] = {}
    cells = Cells(key)

    def make(row: Row) -> OrderLine:
        channel = channel_of(cells.required_text(row, "channel"), row.column("channel"))
        tracker = trackers.setdefault(channel, Tracker(channel))
        order_id = cells.required_text(row, "order_id")
        quantity = cells.required_count(row, "quantity")
        returned = cells.count(row, "returned_quantity") or 0
        status_text = text(row["status"])
        status = COMPLETED if is_empty(status_text) else cells.status(status_text)
        if status != CANCELLED and 0 < quantity <= returned:
            status = RETURNED  # the whole row came back
        sku = text(row["sku"])
        variation = text(row["variation"])
        unit_price = cells.price(row, "unit_price", status)
        ordered_at = cells.required_time(row, "ordered_at")
        amounts = {
            f: cells.total(row, f)
            for f in ("discount", "fees", "shipping_buyer", "shipping_seller")
        }
        refund = cells.total(row, "refund")
        province, district = cells.locate((text(row["province"]),), (text(row["district"]),))
        return OrderLine(
            channel=channel,
            order_id=order_id,
            line_id=tracker.line_id(order_id, sku or text(row["product"]), variation),
            status=status,
            status_text=status_text,
            ordered_at=ordered_at,
            sku=sku,
            product=text(row["product"]),
            variation=variation,
            quantity=quantity,
            unit_price=unit_price,
            gross=times(quantity, unit_price),
            seller_discount=amounts["discount"],
            platform_discount=0.0,  # no platform in between
            platform_fees=amounts["fees"],
            shipping_buyer=amounts["shipping_buyer"],
            shipping_seller=amounts["shipping_seller"],
            returned_quantity=returned,
            refund=refund,
            buyer=cells.buyer(
                name=text(row["customer"]), phone=text(row["phone"]), channel=channel
            ),
            province=province,
            district=district,
            order_level=tracker.first(order_id),
            row=row.number,
        )

    return guarded(rows, problems, make)
