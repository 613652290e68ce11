"""Cells to values: what the kinds of a mapping (mapping.py) mean, and ids and
relationship objects made from templates. Each converter takes a cell (text from CSV; a
number, date or text from XLSX and GeoJSON) and returns the value, None when the cell
means "no value", or raises ValueError(reason)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson

from isanhub.core.model import is_uri
from isanhub.ingest.items import iso
from isanhub.ingest.mapping import _PLACEHOLDER, Attribute, TimeSpec

_TRUE = {"true", "yes", "y", "1", "t", "จริง", "ใช่"}
_FALSE = {"false", "no", "n", "0", "f", "เท็จ", "ไม่", "ไม่ใช่"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_BE_YEAR = re.compile(r"(?<!\d)(2[4-6]\d\d)(?!\d)")  # Buddhist Era years 2400-2699
_INF = float("inf")
#: the times an import accepts, as epoch seconds: 1000-01-01T00:00:00Z to
#: 9999-12-31T23:59:59Z. Outside them a time has no ISO 8601 text the store takes
#: (Python's datetime ends at year 9999, and strftime writes no four-digit year before
#: 1000 on glibc), so the check pass refuses it rather than the write pass failing on it.
T_MIN = int(datetime(1000, 1, 1, tzinfo=UTC).timestamp())
T_MAX = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
OUT_OF_RANGE = "out of range: a time must fall in the years 1000 to 9999 (UTC)"


def to_number(cell: Any) -> float | None:
    if type(cell) is str:
        try:
            v = float(cell)  # also Thai digits (๑๒.๕): float() reads any Unicode digit
        except ValueError:
            text = cell.strip()
            if not text:
                return None
            if not _THOUSANDS.match(text):
                raise ValueError("not a number") from None
            v = float(text.replace(",", ""))
    elif type(cell) in (int, float):
        v = float(cell)
    else:
        raise ValueError("not a number")
    if not -_INF < v < _INF:  # NaN fails both comparisons
        raise ValueError("not a finite number")
    return v


def to_integer(cell: Any) -> int | None:
    v = to_number(cell)
    if v is None:
        return None
    if not v.is_integer():
        raise ValueError("not a whole number")
    return int(v)


def to_text(cell: Any) -> str | None:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # a code typed into a spreadsheet: 101, not 101.0
    text = (cell.isoformat() if isinstance(cell, date) else str(cell)).strip()
    return text or None


def to_boolean(cell: Any) -> bool | None:
    if isinstance(cell, bool):
        return cell
    text = str(cell).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not true/false (true, false, yes, no, 1, 0, จริง, เท็จ)")


def to_json(cell: Any) -> Any:
    if not isinstance(cell, str):
        return cell
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError:
        raise ValueError("not valid JSON") from None


def time_parser(spec: TimeSpec) -> Callable[[Any], int]:
    """A function from a cell to epoch seconds (ValueError with the reason if it is not
    a time, or not one within T_MIN..T_MAX). Results are cached: a file repeats the same
    times for every station."""
    cache: dict[Any, int] = {}
    fmt, zone = spec.format, spec.zone

    def parse(cell: Any) -> int:
        if isinstance(cell, datetime):
            t = cell
        elif isinstance(cell, date):
            t = datetime(cell.year, cell.month, cell.day)
        elif fmt in ("unix", "unix_ms"):
            n = to_number(cell)
            if n is None:
                raise ValueError("no time")
            return _in_range(int(n / 1000 if fmt == "unix_ms" else n))
        else:
            text = str(cell).strip()
            if spec.buddhist:
                text = _BE_YEAR.sub(lambda m: str(int(m.group(1)) - 543), text, count=1)
            try:
                if fmt is None:
                    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
                else:
                    t = datetime.strptime(text, fmt)
            except ValueError:
                want = "an ISO 8601 time (2025-01-31T08:00)" if fmt is None else f"format {fmt}"
                raise ValueError(f"not a time in {want}") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=zone)
        try:
            return _in_range(int(t.timestamp()))
        except OverflowError:  # defensive: no time beyond the calendar gets through
            raise ValueError(OUT_OF_RANGE) from None

    def cached(cell: Any) -> int:
        t = cache.get(cell)
        if t is None:
            t = parse(cell)
            if len(cache) > 100_000:
                cache.clear()
            cache[cell] = t
        return t

    return cached


def _in_range(t: int) -> int:
    if not T_MIN <= t <= T_MAX:
        raise ValueError(OUT_OF_RANGE)
    return t


def datetime_value(spec: TimeSpec) -> Callable[[Any], Any]:
    """The converter of a datetime attribute's cells: a DateTime value in UTC."""
    parse = time_parser(spec)

    def convert(cell: Any) -> Any:
        return {"@type": "DateTime", "@value": iso(parse(cell))}

    return convert


def converter(attr: Attribute) -> Callable[[Any], Any]:
    """The converter of an attribute's cells (not of relationships: their object may take
    several cells of the row, see object_maker)."""
    if attr.kind == "relationship":
        raise TypeError(f"{attr.name}: a relationship's object is made by object_maker")
    if attr.kind == "datetime":
        return datetime_value(attr.time or TimeSpec(attr.column))
    return {
        "number": to_number,
        "integer": to_integer,
        "text": to_text,
        "boolean": to_boolean,
        "json": to_json,
    }[attr.kind]


# --- ids ------------------------------------------------------------------------------------


def slug(value: Any) -> str:
    """A cell as a piece of a URI: letters (any script, with their marks: Thai vowels and
    tones stay), digits and ``- _ . ~`` are kept; every other run becomes one ``-``."""
    text = unicodedata.normalize("NFC", to_text(value) or "")
    out: list[str] = []
    dash = False
    for ch in text:
        if ch in "-_.~" or unicodedata.category(ch)[0] in "LMN":
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


class IdError(ValueError):
    """A row that makes no id: the column at fault and its cell (None: nothing to show)."""

    def __init__(self, reason: str, column: str, value: Any) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value


def id_maker(
    template: str, columns: list[str], missing: frozenset[Any] = frozenset(), what: str = "id"
) -> Callable[[tuple[Any, ...]], str]:
    """A function from the cells of ``columns`` (the template's placeholders, in order) to
    the entity id (``what``: or a relationship's object); IdError when a cell is empty
    (None), one of the ``missing`` texts (trimmed: " NA" means no value too) or gives an
    empty slug."""
    pieces = _PLACEHOLDER.split(template)  # literal, column, literal, column, ..., literal

    def make(cells: tuple[Any, ...]) -> str:
        out = [pieces[0]]
        for n, cell in enumerate(cells):
            if cell is None or (
                isinstance(cell, str) and (cell in missing or cell.strip() in missing)
            ):
                shown = cell if cell and cell.strip() else None
                raise IdError(
                    f"no value for the {what} in column {columns[n]!r}", columns[n], shown
                )
            part = slug(cell)
            if not part:
                raise IdError(
                    f"no usable text for the {what} from column {columns[n]!r}", columns[n], cell
                )
            out.append(part)
            out.append(pieces[2 * n + 2])
        return "".join(out)

    return make


def object_maker(
    attr: Attribute, index: dict[str, int], missing: frozenset[Any] = frozenset()
) -> Callable[[Sequence[Any]], str | None]:
    """The converter of a relationship attribute: from a whole row (``index``: column ->
    position in it) to the object's URI. None when the attribute's own cell has no value
    (also " NA": a missing text with spaces around it, as for ids): the attribute is left
    out. IdError (a ValueError naming the column and cell at fault) when the object cannot
    be made: a template cell without a value or a slug, a cell that is not a URI."""
    own = index[attr.column]
    columns = attr.object_columns()
    at = [index[c] for c in columns]
    make = id_maker(attr.object or "", columns, missing, "object")
    cache: dict[Any, str] = {}  # a file names the same few drones and parcels again and again

    def blank(cell: Any) -> bool:
        return cell is None or (
            isinstance(cell, str) and (cell in missing or cell.strip() in missing)
        )

    def scalar(n: int, cell: Any) -> None:
        # a JSON cell of a GeoJSON property (a list, an object) names nothing
        if not isinstance(cell, str | int | float | date) or isinstance(cell, bool):
            raise IdError("not text or a number", columns[n], str(cell))

    def direct(cells: Sequence[Any]) -> str | None:
        cell = cells[own]
        if blank(cell):
            return None
        scalar(0, cell)
        uri = to_text(cell) or ""
        if not is_uri(uri):
            raise IdError(
                "not a URI (write urn:ngsi-ld:Type:code, or give object = "
                '"urn:ngsi-ld:Type:{column}" in the mapping)',
                attr.column,
                cell,
            )
        return uri

    def templated(cells: Sequence[Any]) -> str | None:
        if blank(cells[own]):
            return None
        key = tuple(cells[i] for i in at)
        for n, cell in enumerate(key):  # first: a cached True must not pass for a 1
            if not blank(cell):
                scalar(n, cell)
        uri = cache.get(key)
        if uri is not None:
            return uri
        uri = make(key)
        if not is_uri(uri):  # a template that makes URIs can still make one too long
            raise IdError(f"the object {uri[:80]!r} is not a URI", attr.column, cells[own])
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = uri
        return uri

    return direct if attr.object is None else templated
