"""The fast path for large CSV exports: whole columns at once instead of row by row.

A million-line export read row by row spends its time in Python, once per cell. Here
the file is read by Arrow's CSV reader, each column is converted once per distinct cell
text with the very functions the row parsers use (values.money, values.when,
map_status, places.locate, pseudonym), and the per-row arithmetic runs in numpy in the
order the row parsers do it, with Python's own rounding applied per distinct result, so
that the lines are the same to the last satang.

The fast path only takes files it can read exactly as the row parser would: anything
unusual (a cell a conversion refuses, a required cell empty, a row with too many or too
few cells, a header that is not the first line, XLSX) raises Fallback, and the caller
reads the file with the row parser, which also words every problem. The tests compare
both paths on generated files, clean and messy.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Sequence
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from isanhub.ingest.readers import detect_format, sniff_delimiter
from isanhub.ingest.sellers.formats import Layout, detect
from isanhub.ingest.sellers.values import BadValue, text

_SAMPLE = 1 << 16  # bytes read to find the delimiter, as readers.CsvReader reads them
_SEP = "\x1f"  # joins the cells of a multi-column key; a cell holding it falls back


class Fallback(Exception):
    """The file needs the row parser."""


class Columns:
    """A CSV export's cells as Arrow string columns, by field name."""

    def __init__(self, layout: Layout, table: pa.Table) -> None:
        self.layout = layout
        self.n = table.num_rows
        self._table = table

    def has(self, field: str) -> bool:
        return field in self.layout.positions

    def filter(self, keep: np.ndarray) -> Columns:
        """Only the rows ``keep`` marks: the rows a row parser skips (TikTok's column
        descriptions) must be gone before line ids and order-level lines are counted.
        Columns the layout does not use are never read: they become nulls, not copies."""
        mask = pa.array(keep, pa.bool_())
        used = set(self.layout.positions.values())
        size = int(np.count_nonzero(keep))
        table = pa.table(
            [
                column.filter(mask) if i in used else pa.nulls(size, pa.string())
                for i, column in enumerate(self._table.columns)
            ],
            names=self._table.column_names,
        )
        return Columns(self.layout, table)

    def raw(self, field: str) -> pa.Array:
        """The field's cells; an absent field reads as empty cells (as Row gives None,
        and every conversion treats None and "" alike)."""
        if not self.has(field):
            return pa.repeat(pa.scalar("", pa.string()), self.n)
        return self._table.column(self.layout.positions[field]).combine_chunks()

    def _unique(
        self, array: pa.Array, convert: Callable[[str], Any]
    ) -> tuple[np.ndarray, list[Any]]:
        encoded = array.dictionary_encode()
        try:
            done = [convert(v) for v in encoded.dictionary.to_pylist()]
        except BadValue as exc:
            raise Fallback(str(exc)) from None
        return encoded.indices.to_numpy(zero_copy_only=False), done

    def strings(self, field: str, convert: Callable[[str], str | None] = text) -> pa.Array:
        """``convert`` of every cell as a string column, computed once per distinct
        text. A BadValue means the row parser must read the file (it words it)."""
        index, done = self._unique(self.raw(field), convert)
        return take(index, done, pa.string())

    def numbers(self, field: str, convert: Callable[[str], float | int | None]) -> np.ndarray:
        """``convert`` of every cell as floats, NaN for None (no amount is ever NaN:
        values.money refuses it)."""
        index, done = self._unique(self.raw(field), convert)
        return np.array([np.nan if v is None else v for v in done], dtype=np.float64)[index]

    def objects(
        self, fields: Sequence[str], convert: Callable[..., Any]
    ) -> tuple[np.ndarray, list[Any]]:
        """``convert(*cells)`` of each distinct combination of the fields' cells: the
        rows' indices into the list of results."""
        arrays = [self.raw(f) for f in fields]
        if any(pc.any(pc.match_substring(a, _SEP)).as_py() for a in arrays):
            raise Fallback("a cell holds the key separator")
        joined = pc.binary_join_element_wise(*arrays, _SEP)
        return self._unique(joined, lambda key: convert(*key.split(_SEP)))


def take(index: np.ndarray, values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """The per-row column of per-distinct ``values``."""
    return pa.array(values, kind).take(pa.array(index))


def read(file: IO[bytes], name: str) -> Columns:
    """The export's layout and columns; Fallback when it is not a CSV the fast path can
    read exactly. The encoding is decided as readers.detect_encoding decides it (a BOM,
    else UTF-8 when the whole file is valid UTF-8, else Windows-874), the delimiter as
    readers.sniff_delimiter, the header is the first non-empty record, as for the row
    parser."""
    file.seek(0)
    head = file.read(_SAMPLE)
    file.seek(0)
    if detect_format(name, head[:8]) == "xlsx":
        raise Fallback("XLSX is read row by row")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Fallback("UTF-16 is read row by row")
    for encoding in ("utf-8", "cp874"):
        try:
            table = _split(file, head, encoding)
        except pa.ArrowInvalid as exc:
            if encoding == "utf-8" and "UTF8" in str(exc):
                continue  # not UTF-8 throughout: Windows-874, as detect_encoding decides
            raise Fallback(f"Arrow cannot read the file exactly: {exc}") from None
        except UnicodeDecodeError as exc:
            raise Fallback(f"not {encoding} text: {exc}") from None
        finally:
            file.seek(0)
        break
    header = [str(c).strip().lstrip("\ufeff") for c in table.slice(0, 1).to_pylist()[0].values()]
    return Columns(detect(header), table.slice(1))


def _split(file: IO[bytes], head: bytes, encoding: str) -> pa.Table:
    """The file read in parallel blocks, which assumes no newline inside a quoted cell;
    a file that has one splits a row in two of the wrong width (every export has more
    than two columns), which Arrow refuses: it is then read again in one piece."""
    try:
        return _arrow(file, head, encoding, newlines=False)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise
    file.seek(0)
    return _arrow(file, head, encoding, newlines=True)


def _arrow(file: IO[bytes], head: bytes, encoding: str, *, newlines: bool) -> pa.Table:
    text = head.decode(encoding, errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = sniff_delimiter(first)
    # newline="": a lone \r ends a record, as in the row parser, instead of raising
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    width = len(next((r for r in records if r), []))
    names = [f"c{i}" for i in range(width)]
    return pacsv.read_csv(
        file,
        read_options=pacsv.ReadOptions(
            # UTF-8 is read natively (a BOM stays in the first header cell, stripped as
            # the row parser strips it); Windows-874 is transcoded by Python's codec
            encoding="utf8" if encoding == "utf-8" else encoding,
            column_names=names,
            block_size=1 << 24,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=newlines, ignore_empty_lines=True
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
