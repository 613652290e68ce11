"""TikTok Shop exports on the fast path (fast.py): tiktok.py's make(), column by column.

Every field is computed as tiktok.py computes it for one row, with the sums and the
roundings in the same order, so the columns equal the row parser's lines exactly (the
tests check it on generated files). The row whose order id has spaces (the column
descriptions) is skipped by make(): it is taken out of the columns before anything else
is read, as its cells are never converted and it neither counts for line ids nor splits
an order's adjacent rows. Anything tiktok.py would report as a problem makes the file
fall back to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from isanhub.ingest.sellers.fast import Columns, Fallback, take
from isanhub.ingest.sellers.fast_fields import (
    TIKTOK_TIME,
    basics,
    line_columns,
    money_array,
    places,
    plus,
    rest,
    settled,
    times,
    total,
)
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.values import text


def _orders(cols: Columns) -> tuple[np.ndarray, pa.Array]:
    """Which rows make() skips, an order id of more than one word (its str.split), and
    the order ids as text: once per distinct cell. An empty order id (no word) is a
    problem the row parser words."""
    index, texts = cols._unique(cols.raw("order_id"), text)
    words = np.array([len(t.split()) for t in texts], dtype=np.int64)
    if (words == 0).any():
        raise Fallback("an order without its id")
    return words[index] > 1, take(index, texts, pa.string())


def columns(cols: Columns, key: bytes) -> dict[str, Any]:
    """The lake's columns of a TikTok Shop export (every LINE field but kind and those
    the importer adds)."""
    skipped, orders = _orders(cols)
    if skipped.any():
        cols = cols.filter(~skipped)
        orders = orders.filter(pa.array(~skipped))
    n = cols.n
    b = basics(cols, "sku_id", "unit_price")
    seller = total(cols, ("seller_discount",))
    platform = total(cols, ("platform_discount",))
    order_seller = total(cols, ("shipping_seller_discount",))
    order_platform = total(cols, ("shipping_platform_discount", "payment_platform_discount"))
    shipping = total(cols, ("shipping_after",))
    refund = total(cols, ("refund",))
    buyer_index, buyers = cols.objects(
        ("username", "recipient", "phone"),
        lambda u, r, p: pseudonym(
            key, username=text(u), name=text(r), phone=text(p), channel="tiktok"
        ),
    )
    level = settled(orders, b)

    def pick(full: np.ndarray, bare: np.ndarray) -> pa.Array:
        """tiktok.py's Draft: ``full`` on the order's chosen line, ``bare`` on the others."""
        return money_array(np.where(level, full, bare))

    return {
        **line_columns(
            cols,
            "tiktok",
            orders,
            b,
            times(cols, "ordered_at", TIKTOK_TIME),
            level,
            take(buyer_index, buyers, pa.string()),
        ),
        # the SKU's own discount on every line, the order's (shipping, payment) on one
        "seller_discount": pick(plus(seller, order_seller), seller),
        "platform_discount": pick(plus(platform, order_platform), platform),
        "platform_fees": pa.nulls(n, pa.float64()),
        "shipping_buyer": pick(shipping, rest(shipping)),
        "shipping_seller": pa.nulls(n, pa.float64()),
        "refund": pick(refund, rest(refund)),
        **places(cols, ("province",), ("district", "city")),
    }
