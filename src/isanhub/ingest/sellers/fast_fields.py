"""What the fast path's parsers share (fast.py reads the file): amounts, totals, times,
statuses, places, line ids and order-level amounts, each computed over whole columns as
build.py and cells.py compute it for one row, to the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from isanhub.ingest.mapping import BANGKOK
from isanhub.ingest.sellers import places as place_names
from isanhub.ingest.sellers.fast import Columns, Fallback, take
from isanhub.ingest.sellers.lines import CANCELLED, RETURNED, map_status
from isanhub.ingest.sellers.values import count, money, text, when

INT32 = 2**31 - 1  #: the lake's quantities are int32
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class TimeLayout:
    """How an export writes its times, for reading them with Arrow: a regular
    expression a cell must match whole (years 1000-2399, Common Era), Arrow's strptime
    format, and where each part sits in the text (to refuse what Arrow rolls over)."""

    pattern: str
    format: str
    parts: tuple[tuple[str, int], ...]  #: (month|day|hour|minute|second, offset)


_CE = r"(1[0-9]{3}|2[0-3][0-9]{2})"
SHOPEE_TIME = TimeLayout(
    rf"^{_CE}-[0-9]{{2}}-[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}$",
    "%Y-%m-%d %H:%M",
    (("month", 5), ("day", 8), ("hour", 11), ("minute", 14)),
)
TIKTOK_TIME = TimeLayout(
    rf"^[0-9]{{2}}/[0-9]{{2}}/{_CE} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}$",
    "%d/%m/%Y %H:%M:%S",
    (("day", 0), ("month", 3), ("hour", 11), ("minute", 14), ("second", 17)),
)
_PARTS = {"month": pc.month, "day": pc.day, "hour": pc.hour, "minute": pc.minute,
          "second": pc.second}  # fmt: skip


def amount(cols: Columns, field: str) -> np.ndarray:
    """build.amount: abs(money or 0)."""
    return np.abs(np.nan_to_num(cols.numbers(field, money), nan=0.0))


def total(cols: Columns, fields: tuple[str, ...]) -> np.ndarray:
    """Cells.total: the rounded sum of the fields the file has, in their order (NaN
    when it has none)."""
    present = [f for f in fields if cols.has(f)]
    if not present:
        return np.full(cols.n, np.nan)
    acc = np.zeros(cols.n)
    for f in present:
        acc = acc + amount(cols, f)
    return py_round(acc)


def plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """shopee._plus: None when both are, else the rounded sum (None read as 0)."""
    both = np.isnan(a) & np.isnan(b)
    out = py_round(np.nan_to_num(a, nan=0.0) + np.nan_to_num(b, nan=0.0))
    return np.where(both, np.nan, out)


def _local_us(value: str) -> float:
    found = when(value, "")
    if found is None:
        raise Fallback("a line without its date")
    local = found.astimezone(BANGKOK).replace(tzinfo=None)
    return float((local - EPOCH) // timedelta(microseconds=1))


def times(cols: Columns, field: str, layout: TimeLayout) -> pa.Array:
    """values.when of every cell, as local time. Cells written exactly in the export's
    own layout are read by Arrow (values.when reads them as those very fields in Thai
    time); every other cell goes through values.when."""
    raw = cols.raw(field)
    usual = pc.match_substring_regex(raw, layout.pattern)
    parsed = pc.strptime(raw, format=layout.format, unit="us", error_is_null=True)
    # Arrow rolls impossible dates over (30 February → 2 March): a cell counts as read
    # only when each part of the time is the cell's own
    example = pc.strftime(pa.scalar(datetime(2000, 1, 1), pa.timestamp("us")), layout.format)
    shaped = pc.if_else(usual, raw, example)
    quick = pc.and_(usual, pc.is_valid(parsed))
    for part, start in layout.parts:
        written = pc.cast(pc.utf8_slice_codeunits(shaped, start, start + 2), pa.int64())
        quick = pc.and_(quick, pc.equal(pc.cast(_PARTS[part](parsed), pa.int64()), written))
    quick = pc.fill_null(quick, False).to_numpy(zero_copy_only=False)
    out = pc.cast(pc.fill_null(parsed, 0), pa.int64()).to_numpy(zero_copy_only=False)
    out = out.astype(np.float64)
    if not quick.all():
        rest_rows = np.flatnonzero(~quick)
        index, done = cols._unique(raw.take(pa.array(rest_rows)), _local_us)
        out[rest_rows] = np.array(done, dtype=np.float64)[index]
    return pa.array(out.astype(np.int64), pa.int64()).cast(pa.timestamp("us"))


def money_array(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def status(cols: Columns, field: str, quantity: np.ndarray, returned: np.ndarray) -> pa.Array:
    """map_status of the text; a line whose units all came back is returned."""
    mapped = cols.strings(field, lambda v: map_status(text(v)))
    back = (quantity > 0) & (quantity <= returned)
    back = back & pc.not_equal(mapped, CANCELLED).to_numpy(zero_copy_only=False)
    return pc.if_else(pa.array(back), RETURNED, mapped)


def places(
    cols: Columns, provinces: Sequence[str], districts: Sequence[str]
) -> dict[str, pa.Array]:
    """Cells.locate of the province cells, then the district cells, in that order of
    trust: the six place columns of the lake."""
    split = len(provinces)
    index, found = cols.objects(
        (*provinces, *districts),
        lambda *cells: place_names.locate(
            tuple(text(c) for c in cells[:split]), tuple(text(c) for c in cells[split:])
        ),
    )
    out = {}
    for name, at in (("province", 0), ("district", 1)):
        level = [f[at] for f in found]
        out[f"{name}_code"] = take(index, [p.code if p else None for p in level], pa.string())
        out[f"{name}_th"] = take(index, [p.name_th if p else None for p in level], pa.string())
        out[f"{name}_en"] = take(index, [p.name_en if p else None for p in level], pa.string())
    return out


def py_round(x: np.ndarray, digits: int = 2) -> np.ndarray:
    """Python's round() of each value; NaN stays NaN. A value already on the grid
    (rint(x·10ᵈ)/10ᵈ == x: the double nearest a number of that many decimals) is its own
    round(); the others, where numpy's rounding may differ from Python's at halves, are
    rounded by Python once per distinct value."""
    scale = 10.0**digits
    out = x.copy()
    off = ~np.isnan(x) & (np.rint(x * scale) / scale != x)
    if off.any():
        uniques, back = np.unique(x[off], return_inverse=True)
        out[off] = np.array([round(float(u), digits) for u in uniques])[back]
    return out


def rest(x: np.ndarray) -> np.ndarray:
    """build.rest: an order-level amount on the order's other lines (0, or None)."""
    return np.where(np.isnan(x), np.nan, 0.0)


def occurrences(keys: pa.Array) -> np.ndarray:
    """For each row, how many rows before it (plus one) have the same key: the ``n`` of
    build.Tracker.line_id."""
    ids = keys.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    if len(ids) == 0 or np.bincount(ids).max() == 1:
        return np.ones(len(ids), dtype=np.int64)  # every key once: the usual export
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(ids)), 0))
    n = np.empty(len(ids), dtype=np.int64)
    n[order] = np.arange(len(ids)) - first + 1
    return n


def order_level(orders: pa.Array, alive: np.ndarray) -> np.ndarray:
    """build.settled: in the first run of adjacent rows of each order, the first line
    neither cancelled nor returned (the run's first line if all are) carries the
    order's amounts; later runs of the same order carry none."""
    size = len(orders)
    if size == 0:
        return np.zeros(0, dtype=bool)
    ids = orders.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    position = np.arange(size)
    run_start = np.r_[True, ids[1:] != ids[:-1]]
    starts = position[run_start]
    run = np.cumsum(run_start) - 1
    _, first_seen = np.unique(ids, return_index=True)
    first_run = starts == first_seen[ids[starts]]
    candidate = np.where(alive, position, size)
    chosen = np.minimum.reduceat(candidate, starts)
    chosen = np.where(chosen == size, starts, chosen)
    return first_run[run] & (position == chosen[run])


def line_ids(channel: str, orders: pa.Array, sku: pa.Array, variation: pa.Array) -> pa.Array:
    """build.Tracker.line_id of every row: channel|order|sku|variation|n."""
    for part in (orders, sku, variation):
        if pc.any(pc.match_substring(part, "|")).as_py():
            raise Fallback("a '|' in an order id, SKU or variation: ids need the row parser")
    key = pc.binary_join_element_wise(orders, sku, variation, "|")
    nth = pa.array(occurrences(key)).cast(pa.string())
    return pc.binary_join_element_wise(pa.scalar(channel), key, nth, "|")


def units(cols: Columns, field: str) -> np.ndarray:
    """values.count of every cell (NaN when empty); Fallback for a count the lake's
    int32 column cannot hold (the row path fails on it too, and a silent wrap-around
    would be worse)."""
    found = cols.numbers(field, count)
    if np.any(found > INT32):
        raise Fallback(f"{field} too large for the lake")
    return found


@dataclass(frozen=True)
class Basics:
    """What every platform export's line starts with (see basics)."""

    quantity: np.ndarray
    returned: np.ndarray
    state: pa.Array
    sku: pa.Array
    variation: pa.Array
    price: np.ndarray


def basics(cols: Columns, sku_fallback: str, price_field: str) -> Basics:
    """The quantity (required), returned units, status (returned when every unit came
    back), SKU (else ``sku_fallback``), variation and unit price (required unless the
    line was cancelled), as the platform parsers read them first."""
    quantity = units(cols, "quantity")
    if np.isnan(quantity).any():
        raise Fallback("a line without its quantity")
    returned = np.nan_to_num(units(cols, "returned_quantity"), nan=0.0)
    state = status(cols, "status", quantity, returned)
    sku_text = cols.strings("sku")
    sku = pc.if_else(pc.equal(sku_text, ""), cols.strings(sku_fallback), sku_text)
    price = cols.numbers(price_field, money)
    cancelled = pc.equal(state, CANCELLED).to_numpy(zero_copy_only=False)
    if np.any(np.isnan(price) & ~cancelled):
        raise Fallback("a sold line without its price")
    return Basics(quantity, returned, state, sku, cols.strings("variation"), price)


def settled(orders: pa.Array, b: Basics) -> np.ndarray:
    """order_level over lines neither cancelled nor returned."""
    alive = pc.invert(pc.is_in(b.state, pa.array([CANCELLED, RETURNED])))
    return order_level(orders, alive.to_numpy(zero_copy_only=False))


def line_columns(
    cols: Columns,
    channel: str,
    orders: pa.Array,
    b: Basics,
    ordered_at: pa.Array,
    level: np.ndarray,
    buyer: pa.Array,
) -> dict[str, pa.Array]:
    """The lake columns every platform export fills the same way: which line, what was
    sold, at what price and how many came back (the amounts differ by platform)."""
    return {
        "channel": pa.repeat(pa.scalar(channel, pa.string()), cols.n),
        "order_id": orders,
        "line_id": line_ids(channel, orders, b.sku, b.variation),
        "status": b.state,
        "ordered_at": ordered_at,
        "sku": b.sku,
        "product": cols.strings("product"),
        "variation": b.variation,
        "quantity": pa.array(b.quantity.astype(np.int32)),
        "unit_price": money_array(b.price),
        "gross": money_array(py_round(b.quantity * b.price)),
        "returned_quantity": pa.array(b.returned.astype(np.int32)),
        "buyer": buyer,
        "order_level": pa.array(level, pa.bool_()),
    }
