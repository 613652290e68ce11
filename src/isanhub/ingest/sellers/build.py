"""What every channel parser shares: row errors, line ids, order-level amounts once.

A row that cannot be read becomes a Problem with its row number and is left out; the
rest of the file still parses (the caller decides whether a file with problems is
kept). Line ids are built from what identifies a line in the export itself, so the
same order exported twice (overlapping date ranges) gives the same ids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import OrderLine, Problem
from isanhub.ingest.sellers.values import BadValue, money, text, when


class Tracker:
    """Which orders already had their first line, and how often a line key was seen."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._orders: set[str] = set()
        self._keys: Counter[tuple[str, ...]] = Counter()

    def first(self, order_id: str) -> bool:
        """True the first time an order is seen: that line carries the order's amounts."""
        if order_id in self._orders:
            return False
        self._orders.add(order_id)
        return True

    def line_id(self, order_id: str, *parts: str) -> str:
        """channel|order|parts…|n: n counts repeats of the same SKU line in an order
        (the same product listed twice), 1 for the first."""
        key = (order_id, *parts)
        self._keys[key] += 1
        return "|".join((self.channel, *key, str(self._keys[key])))


def guarded(
    rows: Iterable[Row], problems: list[Problem], make: Callable[[Row], OrderLine | None]
) -> Iterator[OrderLine]:
    """The lines made from the rows; a row that raises BadValue becomes a Problem."""
    for row in rows:
        try:
            line = make(row)
        except BadValue as exc:
            problems.append(Problem(row.number, f"แถว {row.number} / row {row.number}: {exc}"))
            continue
        if line is not None:
            yield line


def required_text(row: Row, field: str, column: str) -> str:
    value = text(row[field])
    if not value:
        raise BadValue(column, row[field], "ต้องมีค่า", "a value is required")
    return value


def required_time(row: Row, field: str, column: str) -> Any:
    found = when(row[field], column)
    if found is None:
        raise BadValue(column, row[field], "ต้องมีวันที่", "a date is required")
    return found


def amount(row: Row, field: str) -> float:
    """A discount or fee as a positive amount (platforms write them either sign); 0
    when empty."""
    return abs(money(row[field], field) or 0.0)


def total(row: Row, *fields: str) -> float | None:
    """The sum of the fields the file has (None if it has none of them)."""
    present = [f for f in fields if row.has(f)]
    if not present:
        return None
    return round(sum(amount(row, f) for f in present), 2)


def times(quantity: int, price: float | None) -> float | None:
    return None if price is None else round(quantity * price, 2)
