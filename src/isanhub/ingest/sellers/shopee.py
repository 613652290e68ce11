"""Shopee Thailand order exports (Thai or English headers): one row per SKU line.

Order-level amounts (vouchers, coins, fees, shipping) repeat on every row of an order;
they are put on one line of the order only (see build.settled: the first line neither
cancelled nor returned, of the rows that were read). The product discount Shopee pays
(ส่วนลดจาก Shopee / Shopee Rebate) belongs to the row. The seller's shipping cost is
estimated as the estimated fee less what the buyer and Shopee paid, plus return
shipping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from isanhub.ingest.sellers.build import Draft, Tracker, guarded, rest, settled, times
from isanhub.ingest.sellers.cells import Cells
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import CANCELLED, RETURNED, OrderLine, Problem
from isanhub.ingest.sellers.values import text

_SELLER_DISCOUNTS = ("seller_voucher", "seller_coin_cashback", "seller_bundle")
_PLATFORM_DISCOUNTS = ("shopee_voucher", "shopee_bundle", "coins")
_FEES = ("commission", "transaction_fee", "service_fee")


def _shipping_seller(cells: Cells, row: Row) -> float | None:
    if cells.money(row, "estimated_shipping") is None:
        return None
    paid = cells.amount(row, "buyer_shipping") + cells.amount(row, "shipping_rebate")
    cost = max(0.0, cells.amount(row, "estimated_shipping") - paid)
    return round(cost + cells.amount(row, "reverse_shipping"), 2)


def _plus(line: float | None, order: float | None) -> float | None:
    if line is None and order is None:
        return None
    return round((line or 0.0) + (order or 0.0), 2)


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    tracker = Tracker("shopee")
    cells = Cells(key)

    def make(row: Row) -> Draft:
        # everything that can fail is read before the line takes an id
        order_id = cells.required_text(row, "order_id")
        status_text = text(row["status"])
        quantity = cells.required_count(row, "quantity")
        returned = cells.count(row, "returned_quantity") or 0
        status = cells.status(status_text)
        if status != CANCELLED and 0 < quantity <= returned:
            status = RETURNED  # the whole line came back
        sku = text(row["sku"]) or text(row["parent_sku"])
        variation = text(row["variation"])
        unit_price = cells.price(row, "deal_price", status)
        ordered_at = cells.required_time(row, "ordered_at")
        own = cells.amount(row, "shopee_rebate") if row.has("shopee_rebate") else None
        platform = cells.total(row, *_PLATFORM_DISCOUNTS)
        seller = cells.total(row, *_SELLER_DISCOUNTS)
        fees = cells.total(row, *_FEES)
        shipping_buyer = cells.total(row, "buyer_shipping")
        shipping_seller = _shipping_seller(cells, row)
        province, district = cells.locate(
            (text(row["province"]),), (text(row["district"]), text(row["city"]), text(row["town"]))
        )
        full = dict(
            channel="shopee",
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
            seller_discount=seller,
            platform_discount=_plus(own, platform),
            platform_fees=fees,
            shipping_buyer=shipping_buyer,
            shipping_seller=shipping_seller,
            returned_quantity=returned,
            refund=None,  # the order export has no refund amount
            buyer=cells.buyer(
                username=text(row["username"]),
                name=text(row["receiver"]),
                phone=text(row["phone"]),
                channel="shopee",
            ),
            province=province,
            district=district,
            order_level=True,
            row=row.number,
        )
        bare = dict(
            seller_discount=rest(seller),
            platform_discount=_plus(own, rest(platform)),
            platform_fees=rest(fees),
            shipping_buyer=rest(shipping_buyer),
            shipping_seller=rest(shipping_seller),
            order_level=False,
        )
        return Draft(full, bare)

    return settled(guarded(rows, problems, make), tracker)
