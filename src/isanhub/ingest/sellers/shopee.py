"""Shopee Thailand order exports (Thai or English headers): one row per SKU line.

Order-level amounts (vouchers, coins, fees, shipping) repeat on every row of an order;
they are taken from the order's first row only. The product discount Shopee pays
(ส่วนลดจาก Shopee / Shopee Rebate) belongs to the row. The seller's shipping cost is
estimated as the estimated fee less what the buyer and Shopee paid, plus return
shipping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from isanhub.ingest.sellers import places
from isanhub.ingest.sellers.build import (
    Tracker,
    amount,
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

_SELLER_DISCOUNTS = ("seller_voucher", "seller_coin_cashback", "seller_bundle")
_PLATFORM_DISCOUNTS = ("shopee_voucher", "shopee_bundle", "coins")
_FEES = ("commission", "transaction_fee", "service_fee")


def _shipping_seller(row: Row) -> float | None:
    if money(row["estimated_shipping"]) is None:
        return None
    paid = amount(row, "buyer_shipping") + amount(row, "shipping_rebate")
    cost = max(0.0, amount(row, "estimated_shipping") - paid) + amount(row, "reverse_shipping")
    return round(cost, 2)


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    tracker = Tracker("shopee")

    def make(row: Row) -> OrderLine:
        order_id = required_text(row, "order_id", "order_id / หมายเลขคำสั่งซื้อ")
        status_text = text(row["status"])
        quantity = count(row["quantity"], "quantity / จำนวน")
        if quantity is None:
            raise BadValue(
                "quantity / จำนวน", row["quantity"], "ต้องมีจำนวน", "a quantity is required"
            )
        returned = count(row["returned_quantity"], "returned_quantity") or 0
        status = map_status(status_text)
        if status != CANCELLED and 0 < quantity <= returned:
            status = RETURNED  # the whole line came back
        sku = text(row["sku"]) or text(row["parent_sku"])
        variation = text(row["variation"])
        price = money(row["deal_price"], "deal_price / ราคาขาย")
        first = tracker.first(order_id)
        own = amount(row, "shopee_rebate") if row.has("shopee_rebate") else None
        platform = total(row, *_PLATFORM_DISCOUNTS) if first else 0.0
        if own is not None or platform is not None:
            platform = round((own or 0.0) + (platform or 0.0), 2)
        province, district = places.locate(
            [text(row["province"])], [text(row[f]) for f in ("district", "city", "town")]
        )
        return OrderLine(
            channel="shopee",
            order_id=order_id,
            line_id=tracker.line_id(order_id, sku, variation),
            status=status,
            status_text=status_text,
            ordered_at=required_time(row, "ordered_at", "ordered_at / วันที่ทำการสั่งซื้อ"),
            sku=sku,
            product=text(row["product"]),
            variation=variation,
            quantity=quantity,
            unit_price=price,
            gross=times(quantity, price),
            seller_discount=total(row, *_SELLER_DISCOUNTS) if first else 0.0,
            platform_discount=platform,
            platform_fees=total(row, *_FEES) if first else 0.0,
            shipping_buyer=total(row, "buyer_shipping") if first else 0.0,
            shipping_seller=_shipping_seller(row) if first else 0.0,
            returned_quantity=returned,
            refund=None,  # the order export has no refund amount
            buyer=pseudonym(
                key,
                username=text(row["username"]),
                name=text(row["receiver"]),
                phone=text(row["phone"]),
                channel="shopee",
            ),
            province=province,
            district=district,
            order_level=first,
            row=row.number,
        )

    return guarded(rows, problems, make)
