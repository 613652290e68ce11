"""Lazada Seller Center order exports (camelCase or legacy Title Case headers).

Lazada writes one row per unit and no quantity: the rows of one (order number, seller
SKU) are added up into one line whose quantity is their count. Every amount is per
unit, so they are summed, never taken once. This needs the whole file's units grouped
before the first line is given (rows of one order are not always adjacent); what is
held is one small accumulator per line, not the rows. The export does not split the
discount Lazada pays, and has no fees: those stay None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from isanhub.ingest.sellers import places
from isanhub.ingest.sellers.build import Tracker, amount, required_text, required_time
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import COMPLETED, RETURNED, OrderLine, Problem, map_status
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.values import BadValue, money, text


@dataclass
class _Units:
    """The units of one line so far."""

    first: OrderLine
    statuses: list[tuple[str, str]] = field(default_factory=list)
    gross: float = 0.0
    priced: bool = False
    seller: float = 0.0
    shipping: float = 0.0
    refund: float = 0.0
    earliest: datetime | None = None


def _unit(row: Row, key: bytes) -> OrderLine:
    """One unit row as a line of quantity 1."""
    order_id = required_text(row, "order_number", "orderNumber")
    status_text = text(row["status"])
    price = money(row["unit_price"], "unitPrice")
    province, district = places.locate(
        [text(row[f]) for f in ("region", "address3", "city")],
        [text(row[f]) for f in ("city", "address4", "address5")],
    )
    return OrderLine(
        channel="lazada",
        order_id=order_id,
        line_id="",
        status=map_status(status_text),
        status_text=status_text,
        ordered_at=required_time(row, "ordered_at", "createTime"),
        sku=text(row["sku"]) or text(row["lazada_sku"]),
        product=text(row["product"]),
        variation=text(row["variation"]),
        quantity=1,
        unit_price=price,
        gross=price,
        seller_discount=amount(row, "seller_discount") + amount(row, "bundle_discount"),
        platform_discount=None,
        platform_fees=None,
        shipping_buyer=amount(row, "shipping_fee"),
        shipping_seller=None,
        returned_quantity=1 if map_status(status_text) == RETURNED else 0,
        refund=amount(row, "refund"),
        buyer=pseudonym(
            key,
            name=text(row["customer"]) or text(row["shipping_name"]),
            phone=text(row["phone"]),
            channel="lazada",
        ),
        province=province,
        district=district,
        order_level=False,
        row=row.number,
    )


def _line(units: _Units, tracker: Tracker) -> OrderLine:
    first = units.first
    statuses = {s for s, _ in units.statuses}
    if len(statuses) == 1:
        status, status_text = units.statuses[0]
    else:  # units of one line ended differently: the sale stands if any unit completed
        status = COMPLETED if COMPLETED in statuses else units.statuses[0][0]
        status_text = ", ".join(dict.fromkeys(t for _, t in units.statuses))
    quantity = len(units.statuses)
    gross = round(units.gross, 2) if units.priced else None
    return replace(
        first,
        line_id=tracker.line_id(first.order_id, first.sku),
        status=status,
        status_text=status_text,
        ordered_at=units.earliest or first.ordered_at,
        quantity=quantity,
        unit_price=None if gross is None else round(gross / quantity, 2),
        gross=gross,
        seller_discount=round(units.seller, 2),
        shipping_buyer=round(units.shipping, 2),
        returned_quantity=sum(1 for s, _ in units.statuses if s == RETURNED),
        refund=round(units.refund, 2),
        order_level=tracker.first(first.order_id),
    )


def lines(rows: Iterable[Row], key: bytes, problems: list[Problem]) -> Iterator[OrderLine]:
    groups: dict[tuple[str, str], _Units] = {}
    for row in rows:
        try:
            unit = _unit(row, key)
        except BadValue as exc:
            problems.append(Problem(row.number, f"แถว {row.number} / row {row.number}: {exc}"))
            continue
        units = groups.setdefault((unit.order_id, unit.sku), _Units(unit))
        units.statuses.append((unit.status, unit.status_text))
        if unit.gross is not None:
            units.gross += unit.gross
            units.priced = True
        units.seller += unit.seller_discount or 0.0
        units.shipping += unit.shipping_buyer or 0.0
        units.refund += unit.refund or 0.0
        if units.earliest is None or unit.ordered_at < units.earliest:
            units.earliest = unit.ordered_at
    tracker = Tracker("lazada")
    for units in groups.values():
        yield _line(units, tracker)
