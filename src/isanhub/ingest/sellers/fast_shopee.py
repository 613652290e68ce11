"""Shopee exports on the fast path (fast.py): shopee.py's make(), column by column.

Every field is computed as shopee.py computes it for one row; the order of the sums and
the roundings is the same, so the columns equal the row parser's lines exactly (the
tests check it on generated files). Anything shopee.py would report as a problem makes
the file fall back to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from isanhub.ingest.sellers.fast import Columns, Fallback, take
from isanhub.ingest.sellers.fast_fields import (
    SHOPEE_TIME,
    amount,
    basics,
    line_columns,
    money_array,
    places,
    plus,
    py_round,
    rest,
    settled,
    times,
    total,
)
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.shopee import _FEES, _PLATFORM_DISCOUNTS, _SELLER_DISCOUNTS
from isanhub.ingest.sellers.values import money, text


def columns(cols: Columns, key: bytes) -> dict[str, Any]:
    """The lake's columns of a Shopee export (every LINE field but kind and those the
    importer adds)."""
    n = cols.n
    orders = cols.strings("order_id")
    if pc.any(pc.equal(orders, "")).as_py():
        raise Fallback("an order without its id")
    b = basics(cols, "parent_sku", "deal_price")
    own = amount(cols, "shopee_rebate") if cols.has("shopee_rebate") else np.full(n, np.nan)
    platform = total(cols, _PLATFORM_DISCOUNTS)
    seller = total(cols, _SELLER_DISCOUNTS)
    fees = total(cols, _FEES)
    shipping_buyer = total(cols, ("buyer_shipping",))
    # shopee._shipping_seller: the estimated fee less what the buyer and Shopee paid
    estimated = cols.numbers("estimated_shipping", money)
    paid = amount(cols, "buyer_shipping") + amount(cols, "shipping_rebate")
    cost = np.maximum(0.0, amount(cols, "estimated_shipping") - paid)
    shipping_seller = py_round(cost + amount(cols, "reverse_shipping"))
    shipping_seller = np.where(np.isnan(estimated), np.nan, shipping_seller)
    buyer_index, buyers = cols.objects(
        ("username", "receiver", "phone"),
        lambda u, r, p: pseudonym(
            key, username=text(u), name=text(r), phone=text(p), channel="shopee"
        ),
    )
    level = settled(orders, b)

    def once(x: np.ndarray) -> pa.Array:
        """An order-level amount: on the order's chosen line, rest() on the others."""
        return money_array(np.where(level, x, rest(x)))

    return {
        **line_columns(
            cols,
            "shopee",
            orders,
            b,
            times(cols, "ordered_at", SHOPEE_TIME),
            level,
            take(buyer_index, buyers, pa.string()),
        ),
        "seller_discount": once(seller),
        "platform_discount": money_array(
            np.where(level, plus(own, platform), plus(own, rest(platform)))
        ),
        "platform_fees": once(fees),
        "shipping_buyer": once(shipping_buyer),
        "shipping_seller": once(shipping_seller),
        "refund": pa.nulls(n, pa.float64()),
        **places(cols, ("province",), ("district", "city", "town")),
    }
