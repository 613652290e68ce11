"""The seller template on the fast path (fast.py): template.py's make(), column by column.

Sellers fill the template by hand, so unlike the platform exports the channel is a
cell of each row, and template.py keeps one Tracker per channel: a line id counts
repeats of (channel, order, SKU or product, variation), and an order's first row
*of its channel* carries order_level. Both are computed here over the whole file with
the channel as the first part of the key, which is the same thing (a channel name
holds no "|"). The template has no order-level amounts: each row's amounts are its own,
so nothing moves between rows as in build.settled.

Every other field is computed as template.py computes it for one row, with the same
conversions once per distinct cell; anything template.py would report as a problem (an
unknown channel, an empty order id, a bad amount or date…) makes the file fall back to
it, which words the problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from isanhub.ingest.sellers.fast import Columns, Fallback, take
from isanhub.ingest.sellers.fast_fields import (
    SHOPEE_TIME,
    money_array,
    occurrences,
    places,
    py_round,
    times,
    total,
    units,
)
from isanhub.ingest.sellers.lines import CANCELLED, COMPLETED, RETURNED, map_status
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.template import channel_of
from isanhub.ingest.sellers.values import is_empty, money, text


def _channel(value: str) -> str:
    """Cells.required_text then channel_of: an empty or unknown channel is a problem."""
    if not text(value):
        raise Fallback("a line without its channel")
    return channel_of(text(value))


def _status(value: str) -> str:
    """What a seller writes by hand: empty (or "-") is a sale, else map_status."""
    written = text(value)
    return COMPLETED if is_empty(written) else map_status(written)


def _has_bar(*parts: pa.Array) -> bool:
    return any(pc.any(pc.match_substring(p, "|")).as_py() for p in parts)


def columns(cols: Columns, key: bytes) -> dict[str, Any]:
    """The lake's columns of a seller template (every LINE field but kind and those the
    importer adds)."""
    n = cols.n
    channel = cols.strings("channel", _channel)
    orders = cols.strings("order_id")
    if pc.any(pc.equal(orders, "")).as_py():
        raise Fallback("an order without its id")
    quantity = units(cols, "quantity")
    if np.isnan(quantity).any():
        raise Fallback("a line without its quantity")
    returned = np.nan_to_num(units(cols, "returned_quantity"), nan=0.0)
    state = cols.strings("status", _status)
    back = (quantity > 0) & (quantity <= returned)
    back &= pc.not_equal(state, CANCELLED).to_numpy(zero_copy_only=False)
    state = pc.if_else(pa.array(back), RETURNED, state)
    sku = cols.strings("sku")
    product = cols.strings("product")
    variation = cols.strings("variation")
    price = cols.numbers("unit_price", money)
    cancelled = pc.equal(state, CANCELLED).to_numpy(zero_copy_only=False)
    if np.any(np.isnan(price) & ~cancelled):
        raise Fallback("a sold line without its price")
    ordered_at = times(cols, "ordered_at", SHOPEE_TIME)
    # Tracker.line_id per channel: channel|order|SKU or product|variation|n
    part = pc.if_else(pc.equal(sku, ""), product, sku)
    if _has_bar(orders, part, variation):
        raise Fallback("a '|' in an order id, SKU, product or variation: ids need the row parser")
    line_key = pc.binary_join_element_wise(channel, orders, part, variation, "|")
    nth = pa.array(occurrences(line_key)).cast(pa.string())
    # Tracker.first per channel: the first row of each (channel, order) in the file
    first = occurrences(pc.binary_join_element_wise(channel, orders, "|")) == 1
    buyer_index, buyers = cols.objects(
        ("customer", "phone", "channel"),
        lambda c, p, ch: pseudonym(key, name=text(c), phone=text(p), channel=_channel(ch)),
    )
    return {
        "channel": channel,
        "order_id": orders,
        "line_id": pc.binary_join_element_wise(line_key, nth, "|"),
        "status": state,
        "ordered_at": ordered_at,
        "sku": sku,
        "product": product,
        "variation": variation,
        "quantity": pa.array(quantity.astype(np.int32)),
        "unit_price": money_array(price),
        "gross": money_array(py_round(quantity * price)),
        "seller_discount": money_array(total(cols, ("discount",))),
        "platform_discount": pa.array(np.zeros(n), pa.float64()),  # no platform in between
        "platform_fees": money_array(total(cols, ("fees",))),
        "shipping_buyer": money_array(total(cols, ("shipping_buyer",))),
        "shipping_seller": money_array(total(cols, ("shipping_seller",))),
        "returned_quantity": pa.array(returned.astype(np.int32)),
        "refund": money_array(total(cols, ("refund",))),
        "buyer": take(buyer_index, buyers, pa.string()),
        "order_level": pa.array(first, pa.bool_()),
        **places(cols, ("province",), ("district",)),
    }
