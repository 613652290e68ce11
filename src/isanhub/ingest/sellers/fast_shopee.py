"""Shopee exports on the fast path (fast.py): shopee.py's make(), column by column.

Every field is computed as shopee.py computes it for one row; the order of the sums and
the roundings is the same, so the columns equal the row parser's lines exactly (the
tests check it on generated files). Anything shopee.py would report as a problem makes
the file fall back to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from isanhub.ingest.sellers import places
from isanhub.ingest.sellers.fast import (
    Columns,
    Fallback,
    occurrences,
    order_level,
    py_round,
    rest,
    take,
)
from isanhub.ingest.sellers.lines import CANCELLED, RETURNED, map_status
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.shopee import _FEES, _PLATFORM_DISCOUNTS, _SELLER_DISCOUNTS
from isanhub.ingest.sellers.values import count, money, text, when

BKK = timezone(timedelta(hours=7))
EPOCH = datetime(1970, 1, 1)
_USUAL = r"^(1[0-9]{3}|2[0-3][0-9]{2})-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$"  # see _times


def _amount(cols: Columns, field: str) -> np.ndarray:
    """build.amount: abs(money or 0)."""
    return np.abs(np.nan_to_num(cols.numbers(field, money), nan=0.0))


def _total(cols: Columns, fields: tuple[str, ...]) -> np.ndarray:
    """Cells.total: the rounded sum of the fields the file has, in their order (NaN
    when it has none)."""
    present = [f for f in fields if cols.has(f)]
    if not present:
        return np.full(cols.n, np.nan)
    acc = np.zeros(cols.n)
    for f in present:
        acc = acc + _amount(cols, f)
    return py_round(acc)


def _plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """shopee._plus: None when both are, else the rounded sum (None read as 0)."""
    both = np.isnan(a) & np.isnan(b)
    out = py_round(np.nan_to_num(a, nan=0.0) + np.nan_to_num(b, nan=0.0))
    return np.where(both, np.nan, out)


def _local_us(value: str) -> float:
    found = when(value, "")
    if found is None:
        raise Fallback("a line without its date")
    local = found.astimezone(BKK).replace(tzinfo=None)
    return float((local - EPOCH) // timedelta(microseconds=1))


def _times(cols: Columns) -> pa.Array:
    """values.when of every cell, as local time. Cells written exactly as Shopee writes
    them (YYYY-MM-DD HH:MM, a Common Era year) are read by Arrow: values.when reads them
    as those very fields in Thai time; every other cell goes through values.when."""
    raw = cols.raw("ordered_at")
    usual = pc.match_substring_regex(raw, _USUAL)
    parsed = pc.strptime(raw, format="%Y-%m-%d %H:%M", unit="us", error_is_null=True)
    # Arrow rolls impossible dates over (30 February → 2 March): a cell counts as read
    # only when the time's month, day, hour and minute are the cell's own
    shaped = pc.if_else(usual, raw, "2000-01-01 00:00")
    quick = pc.and_(usual, pc.is_valid(parsed))
    for part, start in ((pc.month, 5), (pc.day, 8), (pc.hour, 11), (pc.minute, 14)):
        written = pc.cast(pc.utf8_slice_codeunits(shaped, start, start + 2), pa.int64())
        quick = pc.and_(quick, pc.equal(pc.cast(part(parsed), pa.int64()), written))
    quick = pc.fill_null(quick, False).to_numpy(zero_copy_only=False)
    out = pc.cast(pc.fill_null(parsed, 0), pa.int64()).to_numpy(zero_copy_only=False)
    out = out.astype(np.float64)
    if not quick.all():
        rest_rows = np.flatnonzero(~quick)
        index, done = cols._unique(raw.take(pa.array(rest_rows)), _local_us)
        out[rest_rows] = np.array(done, dtype=np.float64)[index]
    return pa.array(out.astype(np.int64), pa.int64()).cast(pa.timestamp("us"))


def _money_array(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def _status(cols: Columns, quantity: np.ndarray, returned: np.ndarray) -> pa.Array:
    """map_status of the text; a line whose units all came back is returned."""
    mapped = cols.strings("status", lambda v: map_status(text(v)))
    back = (quantity > 0) & (quantity <= returned)
    back = back & pc.not_equal(mapped, CANCELLED).to_numpy(zero_copy_only=False)
    return pc.if_else(pa.array(back), RETURNED, mapped)


def _places(cols: Columns) -> dict[str, pa.Array]:
    index, found = cols.objects(
        ("province", "district", "city", "town"),
        lambda p, d, c, t: places.locate((text(p),), (text(d), text(c), text(t))),
    )
    out = {}
    for name, at in (("province", 0), ("district", 1)):
        level = [f[at] for f in found]
        out[f"{name}_code"] = take(index, [p.code if p else None for p in level], pa.string())
        out[f"{name}_th"] = take(index, [p.name_th if p else None for p in level], pa.string())
        out[f"{name}_en"] = take(index, [p.name_en if p else None for p in level], pa.string())
    return out


def columns(cols: Columns, key: bytes) -> dict[str, Any]:
    """The lake's columns of a Shopee export (every LINE field but kind and those the
    importer adds)."""
    n = cols.n
    orders = cols.strings("order_id")
    if pc.any(pc.equal(orders, "")).as_py():
        raise Fallback("an order without its id")
    quantity = cols.numbers("quantity", count)
    if np.isnan(quantity).any():
        raise Fallback("a line without its quantity")
    returned = np.nan_to_num(cols.numbers("returned_quantity", count), nan=0.0)
    status = _status(cols, quantity, returned)
    sku_text = cols.strings("sku")
    sku = pc.if_else(pc.equal(sku_text, ""), cols.strings("parent_sku"), sku_text)
    variation = cols.strings("variation")
    price = cols.numbers("deal_price", money)
    cancelled = pc.equal(status, CANCELLED).to_numpy(zero_copy_only=False)
    if np.any(np.isnan(price) & ~cancelled):
        raise Fallback("a sold line without its price")
    for part in (orders, sku, variation):
        if pc.any(pc.match_substring(part, "|")).as_py():
            raise Fallback("a '|' in an order id, SKU or variation: ids need the row parser")
    gross = py_round(quantity * price)
    own = _amount(cols, "shopee_rebate") if cols.has("shopee_rebate") else np.full(n, np.nan)
    platform = _total(cols, _PLATFORM_DISCOUNTS)
    seller = _total(cols, _SELLER_DISCOUNTS)
    fees = _total(cols, _FEES)
    shipping_buyer = _total(cols, ("buyer_shipping",))
    estimated = cols.numbers("estimated_shipping", money)
    paid = _amount(cols, "buyer_shipping") + _amount(cols, "shipping_rebate")
    cost = np.maximum(0.0, _amount(cols, "estimated_shipping") - paid)
    shipping_seller = py_round(cost + _amount(cols, "reverse_shipping"))
    shipping_seller = np.where(np.isnan(estimated), np.nan, shipping_seller)
    buyer_index, buyers = cols.objects(
        ("username", "receiver", "phone"),
        lambda u, r, p: pseudonym(
            key, username=text(u), name=text(r), phone=text(p), channel="shopee"
        ),
    )
    line_key = pc.binary_join_element_wise(orders, sku, variation, "|")
    nth = pa.array(occurrences(line_key)).cast(pa.string())
    line_ids = pc.binary_join_element_wise(pa.scalar("shopee"), line_key, nth, "|")
    alive = pc.invert(pc.is_in(status, pa.array([CANCELLED, RETURNED])))
    level = order_level(orders, alive.to_numpy(zero_copy_only=False))
    return {
        "channel": pa.repeat(pa.scalar("shopee", pa.string()), n),
        "order_id": orders,
        "line_id": line_ids,
        "status": status,
        "ordered_at": _times(cols),
        "sku": sku,
        "product": cols.strings("product"),
        "variation": variation,
        "quantity": pa.array(quantity.astype(np.int32)),
        "unit_price": _money_array(price),
        "gross": _money_array(gross),
        "seller_discount": _money_array(np.where(level, seller, rest(seller))),
        "platform_discount": _money_array(
            np.where(level, _plus(own, platform), _plus(own, rest(platform)))
        ),
        "platform_fees": _money_array(np.where(level, fees, rest(fees))),
        "shipping_buyer": _money_array(np.where(level, shipping_buyer, rest(shipping_buyer))),
        "shipping_seller": _money_array(np.where(level, shipping_seller, rest(shipping_seller))),
        "returned_quantity": pa.array(returned.astype(np.int32)),
        "refund": pa.nulls(n, pa.float64()),
        "buyer": take(buyer_index, buyers, pa.string()),
        "order_level": pa.array(level, pa.bool_()),
        **_places(cols),
    }
