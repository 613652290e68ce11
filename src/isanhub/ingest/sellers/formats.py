"""The export formats, told apart by their columns, and the rows read through them.

Each format lists the columns it reads under field names the parsers use, once per
header variant (Shopee Thai and English, Lazada camelCase and Title Case…). A column
may have alternatives (older exports renamed some); one ending in "*" matches any
header that starts with it (Shopee's long voucher header changed its example list).
Headers are compared without case and with spaces collapsed; where a header repeats
(Shopee's shipping and tax-invoice addresses) the first column wins: the shipping one.

A file is the variant whose required columns are all present (the one using the most
of its columns if several are). Otherwise UnknownFormat names the variant that came
closest and exactly the columns it lacks, in Thai and English.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from isanhub.ingest.sellers import tables
from isanhub.ingest.sellers.tables import Spec


@dataclass(frozen=True)
class Variant:
    name: str  #: e.g. "shopee-th"
    channel: str  #: the module that reads it: shopee, lazada, tiktok, template
    title: str  #: for messages
    columns: Mapping[str, Spec]  #: field -> header (or alternatives)
    required: tuple[str, ...]


class UnknownFormat(ValueError):
    """No format fits the header: nothing is read from the file."""

    def __init__(self, closest: Variant, missing: list[str]) -> None:
        self.closest = closest
        self.missing = missing
        names = ", ".join(missing)
        super().__init__(
            f"ไม่รู้จักรูปแบบไฟล์: ใกล้เคียงที่สุดคือ {closest.title} แต่ขาดคอลัมน์ {names} / "
            f"unrecognised file: closest is {closest.title}, missing columns: {names}"
        )


def _norm(header: Any) -> str:
    return " ".join(str(header or "").replace("\ufeff", "").split()).casefold()


def _alternatives(spec: Spec) -> tuple[str, ...]:
    return (spec,) if isinstance(spec, str) else spec


def _find(spec: Spec, index: dict[str, int]) -> int | None:
    for alt in _alternatives(spec):
        if alt.endswith("*"):
            start = _norm(alt[:-1])
            hits = [i for h, i in index.items() if h.startswith(start)]
            if hits:
                return min(hits)
        elif (i := index.get(_norm(alt))) is not None:
            return i
    return None


class Row:
    """One row's cells read by field name; absent fields read as None."""

    __slots__ = ("cells", "names", "number", "positions")

    def __init__(
        self,
        number: int,
        cells: Sequence[Any],
        positions: dict[str, int],
        names: dict[str, str] | None = None,
    ) -> None:
        self.number = number
        self.cells = cells
        self.positions = positions
        self.names = names or {}

    def column(self, field: str) -> str:
        """The column's name as the seller sees it in the file (the format's own name
        when the file lacks the column): what messages about the cell call it."""
        return self.names.get(field, field)

    def __getitem__(self, field: str) -> Any:
        # the one path of every cell read: a missing field or a short row is the exception
        try:
            return self.cells[self.positions[field]]
        except (KeyError, IndexError):
            return None

    def has(self, field: str) -> bool:
        return field in self.positions


@dataclass(frozen=True)
class Layout:
    """A variant fitted to a file's header: where each of its fields is."""

    variant: Variant
    positions: dict[str, int]
    names: dict[str, str] = dataclasses.field(default_factory=dict)  #: field -> header text

    def row(self, number: int, cells: Sequence[Any]) -> Row:
        return Row(number, cells, self.positions, self.names)


def names(variant: Variant, header: Sequence[Any], positions: dict[str, int]) -> dict[str, str]:
    """Each field's column name: the file's own header text where the file has it, else
    the format's current name."""
    found = {f: _alternatives(spec)[0].rstrip("*") for f, spec in variant.columns.items()}
    for f, i in positions.items():
        if shown := " ".join(str(header[i] or "").replace("\ufeff", "").split()):
            found[f] = shown
    return found


def fit(variant: Variant, header: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    """(positions of the fields found, headers of the required fields missing)."""
    index: dict[str, int] = {}
    for n, h in enumerate(header):
        index.setdefault(_norm(h), n)
    positions: dict[str, int] = {}
    for field, spec in variant.columns.items():
        if (i := _find(spec, index)) is not None:
            positions[field] = i
    missing = [_alternatives(variant.columns[f])[0] for f in variant.required if f not in positions]
    return positions, missing


def detect(header: Sequence[Any], variants: Sequence[Variant] | None = None) -> Layout:
    """The layout of the variant the header belongs to; UnknownFormat if none."""
    best: tuple[tuple[float, int, bool], Variant, list[str]] | None = None
    fits: list[tuple[int, Layout]] = []
    for variant in variants or VARIANTS:
        positions, missing = fit(variant, header)
        if not missing:
            layout = Layout(variant, positions, names(variant, header, positions))
            fits.append((len(positions), layout))
        # the share of required columns lacking, then the most columns found; a file like
        # none of them is pointed to the template, the one a seller can fill by hand
        rank = (
            len(missing) / len(variant.required),
            -len(positions),
            variant.channel != "template",
        )
        if best is None or rank < best[0]:
            best = (rank, variant, missing)
    if fits:
        return max(fits, key=lambda f: f[0])[1]
    assert best is not None
    raise UnknownFormat(best[1], best[2])


VARIANTS: tuple[Variant, ...] = tuple(
    Variant(name, channel, title, columns, required)
    for name, channel, title, columns, required in tables.TABLE
)
