"""Reading one file's cells by field, each conversion remembered for that file only.

Exports repeat themselves: the same prices, fees, statuses and places on row after row,
order-level amounts on every row of an order, the same buyer on all of their orders.
Converting a cell text once and looking it up after is what makes a large file fast.

Every memo lives in one Cells, made by a channel parser for one parse and dropped with
it: a buyer's name, phone or address (in the keys of the buyer and place memos, or a
phone shifted into a money column) is never kept beyond the file. Only what a text
converts to is remembered, never an error: a bad cell is converted again, so its problem
names its own column and row each time. Only text cells are remembered; other cells
(numbers, dates from XLSX) are converted each time, as 1, 1.0 and True are equal keys.
Each memo is emptied when it holds _SIZE texts, so memory stays bounded whatever the
file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from isanhub.ingest.sellers import places
from isanhub.ingest.sellers.formats import Row
from isanhub.ingest.sellers.lines import CANCELLED, Place, map_status
from isanhub.ingest.sellers.pseudonym import pseudonym
from isanhub.ingest.sellers.values import BadValue, count, money, text, when

T = TypeVar("T")
_SIZE = 1 << 16
_MISSING: Any = object()


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _SIZE:
        memo.clear()
    memo[key] = value


class Cells:
    """The cells of one file's rows as the values the parsers need (see the module)."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._money: dict[str, float | None] = {}
        self._counts: dict[str, int | None] = {}
        self._times: dict[str, datetime | None] = {}
        self._statuses: dict[str, str] = {}
        self._buyers: dict[tuple[str, ...], str | None] = {}
        self._places: dict[tuple[tuple[str, ...], ...], tuple[Place | None, Place | None]] = {}
        # the fields of each total the file has: the same for all rows of a file
        self._present: dict[tuple[str, ...], tuple[str, ...]] = {}

    def _convert(
        self, memo: dict[str, T], convert: Callable[[Any, str], T], row: Row, field: str
    ) -> T:
        cell = row[field]
        if type(cell) is not str:
            return convert(cell, row.column(field))
        found = memo.get(cell, _MISSING)
        if found is _MISSING:
            found = convert(cell, row.column(field))  # a bad cell raises: not remembered
            _remember(memo, cell, found)
        return found

    def money(self, row: Row, field: str) -> float | None:
        return self._convert(self._money, money, row, field)

    def count(self, row: Row, field: str) -> int | None:
        return self._convert(self._counts, count, row, field)

    def when(self, row: Row, field: str) -> datetime | None:
        return self._convert(self._times, when, row, field)

    def status(self, status_text: str) -> str:
        """map_status of the text (a handful of distinct texts in a file)."""
        found = self._statuses.get(status_text)
        if found is None:
            found = map_status(status_text)
            _remember(self._statuses, status_text, found)
        return found

    def required_text(self, row: Row, field: str) -> str:
        value = text(row[field])
        if not value:
            raise BadValue(row.column(field), row[field], "ต้องมีค่า", "a value is required")
        return value

    def required_time(self, row: Row, field: str) -> datetime:
        found = self.when(row, field)
        if found is None:
            raise BadValue(row.column(field), row[field], "ต้องมีวันที่", "a date is required")
        return found

    def required_count(self, row: Row, field: str) -> int:
        found = self.count(row, field)
        if found is None:
            raise BadValue(row.column(field), row[field], "ต้องมีจำนวน", "a quantity is required")
        return found

    def price(self, row: Row, field: str, status: str) -> float | None:
        """The selling price of one unit: required unless the line was cancelled (a sale
        that did not happen may have no price)."""
        found = self.money(row, field)
        if found is None and status != CANCELLED:
            raise BadValue(row.column(field), row[field], "ต้องมีราคา", "a price is required")
        return found

    def amount(self, row: Row, field: str) -> float:
        """A discount or fee as a positive amount (platforms write them either sign); 0
        when empty."""
        return abs(self.money(row, field) or 0.0)

    def total(self, row: Row, *fields: str) -> float | None:
        """The sum of the fields the file has (None if it has none of them)."""
        present = self._present.get(fields)
        if present is None:
            present = self._present[fields] = tuple(f for f in fields if row.has(f))
        if not present:
            return None
        return round(sum([self.amount(row, f) for f in present]), 2)

    def buyer(
        self, *, username: str = "", name: str = "", phone: str = "", channel: str = ""
    ) -> str | None:
        """The buyer's pseudonym (see pseudonym.py), computed once per identity."""
        identity = (username, name, phone, channel)
        found = self._buyers.get(identity, _MISSING)
        if found is _MISSING:
            found = pseudonym(self.key, username=username, name=name, phone=phone, channel=channel)
            _remember(self._buyers, identity, found)
        return found  # type: ignore[no-any-return]

    def locate(
        self, provinces: tuple[str, ...], districts: tuple[str, ...]
    ) -> tuple[Place | None, Place | None]:
        """places.locate of the candidate cells, looked up once per distinct address."""
        where = (provinces, districts)
        found = self._places.get(where)
        if found is None:
            found = places.locate(provinces, districts)
            _remember(self._places, where, found)
        return found
