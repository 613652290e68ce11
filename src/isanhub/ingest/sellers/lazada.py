"""Lazada Seller Center order exports (camelCase or legacy Title Case headers).

Lazada writes one row per unit and no quantity: the rows of one (order number, seller
SKU) that ended the same way are added up into one line whose quantity is their count.
Units of one SKU that ended differently are separate lines: the cancelled units (failed
deliveries included) are one line, the returned units another, the rest (completed or
still in progress) the line whose id has no suffix. Every amount is per unit, so they
are summed, never taken once. This needs the whole file's units grouped before the
first line is given (rows of one order are not always adjacent); what is held is one
small accumulator per line, not the rows. The export does not split the discount
Lazada pays, and has no fees: those stay None, as does any amount whose column the
file lacks (older exports have no Seller Discount Total).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from isanhub.ingest.sellers.build import Tracker
from isanhub.ingest.sellers.cells import Cells
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import (
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    RETURNED,
    OrderLine,
    Problem,
)
from isanhub.ingest.sellers.values import BadValue, text

#: the groups a SKU's units fall in, by status, and the suffix of their line id
_CLASS = {COMPLETED: "", IN_PROGRESS: "", CANCELLED: "cancelled", RETURNED: "returned"}


@dataclass
class _Units:
    """The units of one line so far."""

    first: OrderLine
    statuses: list[tuple[str, str]] = field(default_factory=list)
    gross: float = 0.0
    priced: bool = False
    seller: float | None = None
    shipping: float | None = None
    refund: float | None = None
    earliest: datetime | None = None


def _add(sum_: float | None, value: float | None) -> float | None:
    """A running sum that stays None while the file has no such column."""
    if value is None:
        return sum_
    return round((sum_ or 0.0) + value, 2)


def _unit(row: Row, cells: Cells) -> OrderLine:
    """One unit row as a line of quantity 1."""
    order_id = cells.required_text(row, "order_number")
    status_text = text(row["status"])
    status = cells.status(status_text)
    unit_price = cells.price(row, "unit_price", status)
    ordered_at = cells.required_time(row, "ordered_at")
    # the bundle discount alone is not the seller's discount: unknown without the total
    seller = (
        cells.total(row, "seller_discount", "bundle_discount")
        if row.has("seller_discount")
        else None
    )
    shipping = cells.total(row, "shipping_fee")
    refund = cells.total(row, "refund")
    province, district = cells.locate(
        (text(row["region"]), text(row["address3"]), text(row["city"])),
        (text(row["city"]), text(row["address4"]), text(row["address5"])),
    )
    return OrderLine(
        channel="lazada",
        order_id=order_id,
        line_id="",
        status=status,
        status_text=status_text,
        ordered_at=ordered_at,
        sku=text(row["sku"]) or text(row["lazada_sku"]),
        product=text(row["product"]),
        variation=text(row["variation"]),
        quantity=1,
        unit_price=unit_price,
        gross=unit_price,
        seller_discount=seller,
        platform_discount=None,
        platform_fees=None,
        shipping_buyer=shipping,
        shipping_seller=None,
        returned_quantity=1 if status == RETURNED else 0,
        refund=refund,
        buyer=cells.buyer(
            name=text(row["customer"]) or text(row["shipping_name"]),
            phone=text(row["phone"]),
            channel="lazada",
        ),
        province=province,
        district=district,
        order_level=False,
        row=row.number,
    )


def _line(units: _Units, tracker: Tracker, order_level: bool) -> OrderLine:
    first = units.first
    statuses = {s for s, _ in units.statuses}
    if len(statuses) == 1:
        status, status_text = units.statuses[0]
    else:  # completed and in-progress units: the line is done when every unit is
        status = IN_PROGRESS if IN_PROGRESS in statuses else COMPLETED
        status_text = ", ".join(dict.fromkeys(t for _, t in units.statuses))
    quantity = len(units.statuses)
    gross = round(units.gross, 2) if units.priced else None
    suffix = _CLASS[first.status]
    return replace(
        first,
        line_id=tracker.line_id(first.order_id, first.sku, *([suffix] if suffix else [])),
        status=status,
        status_text=status_text,
        ordered_at=units.earliest or first.ordered_at,
        quantity=quantity,
        unit_price=None if gross is None else round(gross / quantity, 2),
        gross=gross,
        seller_discount=units.seller,
        shipping_buyer=units.shipping,
        returned_quantity=sum(1 for s, _ in units.statuses if s == RETURNED),
        refund=units.refund,
        order_level=order_level,
    )


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    groups: dict[tuple[str, str, str], _Units] = {}
    cells = Cells(key)
    for row in rows:
        try:
            unit = _unit(row, cells)
        except BadValue as exc:
            problems.append(Problem(row.number, f"แถว {row.number} / row {row.number}: {exc}"))
            continue
        units = groups.setdefault((unit.order_id, unit.sku, _CLASS[unit.status]), _Units(unit))
        units.statuses.append((unit.status, unit.status_text))
        if unit.gross is not None:
            units.gross += unit.gross
            units.priced = True
        units.seller = _add(units.seller, unit.seller_discount)
        units.shipping = _add(units.shipping, unit.shipping_buyer)
        units.refund = _add(units.refund, unit.refund)
        if units.earliest is None or unit.ordered_at < units.earliest:
            units.earliest = unit.ordered_at
    # the order's first line that is neither cancelled nor returned marks the order (its
    # first line if all are): Lazada has no order-level amounts, only the mark
    marked: dict[str, tuple[str, str, str]] = {}
    for group_key in groups:
        order_id = group_key[0]
        if order_id not in marked or (
            _CLASS[groups[marked[order_id]].first.status] and not group_key[2]
        ):
            marked[order_id] = group_key
    tracker = Tracker("lazada")
    for group_key, units in groups.items():
        yield _line(units, tracker, marked[group_key[0]] == group_key)
