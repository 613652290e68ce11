"""What every channel parser shares: row errors, line ids, order-level amounts once.

A row that cannot be read becomes a Problem with its row number and is left out; the
rest of the file still parses (the caller decides whether a file with problems is
kept). Messages name columns as the file's header writes them (cells.py reads the
values). Line ids are built from what identifies a line in the export itself, so the
same order exported twice (overlapping date ranges) gives the same ids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import CANCELLED, RETURNED, OrderLine, Problem
from isanhub.ingest.sellers.values import BadValue

T = TypeVar("T")


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
    rows: Iterable[Row], problems: list[Problem], make: Callable[[Row], T | None]
) -> Iterator[T]:
    """What make gives for each row; a row that raises BadValue becomes a Problem."""
    for row in rows:
        try:
            line = make(row)
        except BadValue as exc:
            problems.append(Problem(row.number, f"แถว {row.number} / row {row.number}: {exc}"))
            continue
        if line is not None:
            yield line


def times(quantity: int, price: float | None) -> float | None:
    return None if price is None else round(quantity * price, 2)


def rest(value: float | None) -> float | None:
    """An order-level amount on the order's other lines: 0, or None where the file does
    not have the column at all."""
    return None if value is None else 0.0


class Draft:
    """A line read from a row, with and without its order's own amounts: which of the
    order's lines carries them is decided once the order's adjacent rows are read. Only
    the line chosen is made (an OrderLine costs more to make than a row to read)."""

    __slots__ = ("bare", "fields")

    def __init__(self, fields: dict[str, Any], bare: dict[str, Any]) -> None:
        self.fields = fields  #: the line with the order-level amounts (order_level True)
        self.bare = bare  #: what differs without them (order_level False)

    @property
    def order_id(self) -> str:
        return self.fields["order_id"]  # type: ignore[no-any-return]

    @property
    def status(self) -> str:
        return self.fields["status"]  # type: ignore[no-any-return]

    def line(self, full: bool) -> OrderLine:
        return OrderLine(**self.fields) if full else OrderLine(**{**self.fields, **self.bare})


def _settle(group: list[Draft], tracker: Tracker) -> Iterator[OrderLine]:
    chosen = -1
    if tracker.first(group[0].order_id):
        live = (i for i, d in enumerate(group) if d.status not in (CANCELLED, RETURNED))
        chosen = next(live, 0)
    for i, draft in enumerate(group):
        yield draft.line(i == chosen)


def settled(drafts: Iterable[Draft], tracker: Tracker) -> Iterator[OrderLine]:
    """The lines, order-level amounts on one line per order: among the order's adjacent
    rows, the first line neither cancelled nor returned (the first line if all are).
    Rows of an order that come back later, apart from its first rows, give lines
    without them. Only the rows of one order are held at a time."""
    group: list[Draft] = []
    for draft in drafts:
        if group and draft.order_id != group[0].order_id:
            yield from _settle(group, tracker)
            group = []
        group.append(draft)
    if group:
        yield from _settle(group, tracker)
