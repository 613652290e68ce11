"""Readers of import files: rows of cells, streamed, with the position a user sees.

One reader per format, found by name in ``FORMATS`` (``reader_class``): ``csv`` (any
delimiter, UTF-8, UTF-8 with BOM, UTF-16 or Windows-874), ``xlsx`` (openpyxl in read-only
mode: rows stream from the zip), and in ``isanhub.ingest.json_readers`` ``geojson``
(FeatureCollection) and ``ngsild`` (NGSI-LD entities). Every reader reads its file again
from the start on each call of ``rows()``: an import reads a file twice (check, then
write) and never holds it in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from isanhub.ingest.mapping import Mapping

_SAMPLE = 1 << 16
_GEOJSON_TYPE = re.compile(rb'"type"\s*:\s*"Feature(Collection)?"')
_DELIMITERS = ",;\t|"
csv.field_size_limit(16 << 20)  # a cell may hold a long GeoJSON or text; not unbounded


class FileProblem(Exception):
    """The file cannot be read (at all, or beyond a point): the import is rejected."""

    def __init__(self, reason: str, position: int | None = None, column: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.position = position
        self.column = column


class BadRow:
    """A row that cannot be taken apart (e.g. more values than the header has columns)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Reader:
    """A file of rows. ``select(columns)`` gives the index of each column in the cells
    that ``rows()`` yields as ``(position, cells)`` (a sequence; a dict for NGSI-LD
    entities; BadRow for a malformed row); the position is the line (CSV), the
    spreadsheet row (XLSX), or the index of the feature or entity (JSON)."""

    format: ClassVar[str]
    locator: ClassVar[str] = "line"  #: what a position counts, named so in reports
    unit: ClassVar[str] = "B"  #: what done() and total count: bytes or rows

    def __init__(self, file: IO[bytes], mapping: Mapping, sheet: str | None = None) -> None:
        self.file = file
        self.mapping = mapping
        self.sheet = sheet or mapping.sheet
        file.seek(0, io.SEEK_END)
        self.total: int | None = file.tell()
        file.seek(0)

    def info(self) -> dict[str, Any]:
        """What the reader found out about the file (encoding, delimiter, sheet)."""
        return {}

    def select(self, columns: list[str]) -> list[int]:
        raise NotImplementedError

    def rows(self) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def unseen(self) -> list[str]:
        """Selected columns that no row had (free-form formats only: a likely typo)."""
        return []

    def done(self) -> int:
        """Progress of the current rows() pass, in ``unit``."""
        return self.file.tell()

    def close(self) -> None:
        """Release what the reader holds (the file itself belongs to the caller)."""


class Table(Reader):
    """A reader whose first non-empty row names the columns."""

    header: list[str]

    def select(self, columns: list[str]) -> list[int]:
        index: dict[str, int] = {}
        for n, name in enumerate(self.header):
            index.setdefault(name, n)  # a repeated header: the first column of that name
        missing = [c for c in columns if c not in index]
        if missing:
            have = ", ".join(repr(h) for h in self.header if h)
            raise FileProblem(
                f"no column {', '.join(map(repr, missing))} in the header; the file has: {have}",
                1,
                missing[0],
            )
        return [index[c] for c in columns]


def detect_encoding(file: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) or UTF-16 by their marks; a file that is not valid
    UTF-8 throughout is taken as Windows-874 (cp874, Thai Windows and TIS-620 files).
    Decoding the whole file costs little next to parsing it, and guessing from a sample
    would fail half-way through a large file."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := file.read(1 << 20):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp874"
    finally:
        file.seek(0)
    return "utf-8"


def sniff_delimiter(first_line: str) -> str:
    """The candidate that splits the header line most; a comma when none does."""
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class CsvReader(Table):
    format = "csv"

    def __init__(self, file: IO[bytes], mapping: Mapping, sheet: str | None = None) -> None:
        super().__init__(file, mapping, sheet)
        self.encoding = mapping.encoding or detect_encoding(file)
        head = file.read(_SAMPLE)
        file.seek(0)
        text = head.decode(self.encoding, errors="replace")
        first = next((line for line in text.splitlines() if line.strip()), "")
        self.delimiter = mapping.delimiter or sniff_delimiter(first)
        self.header = []
        for _pos, cells in self._records():
            self.header = [str(c).strip().lstrip("\ufeff") for c in cells]
            break
        if not any(self.header):
            raise FileProblem("the file is empty: no header row", 1)

    def info(self) -> dict[str, Any]:
        return {"encoding": self.encoding, "delimiter": self.delimiter}

    def _text(self) -> io.TextIOWrapper:
        self.file.seek(0)
        return io.TextIOWrapper(self.file, encoding=self.encoding, newline="")  # type: ignore[type-var]

    def _not_text(self, exc: UnicodeDecodeError) -> FileProblem:
        line = self._bad_line()
        return FileProblem(
            f"the file is not {self.encoding} text at line {line} ({exc.reason}); set "
            'encoding in the mapping, e.g. encoding = "cp874" for Thai Windows files',
            line,
        )

    def _bad_line(self) -> int:
        """The first line that does not decode (the decoder works on blocks, so the
        error itself does not tell). Lines split at the newline byte: right for UTF-8
        and cp874, where that byte is never inside a character."""
        self.file.seek(0)
        for n, raw in enumerate(self.file, start=1):
            try:
                raw.decode(self.encoding)
            except UnicodeDecodeError:
                return n
        return 1

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """(line where the record starts, its cells), blank lines skipped."""
        text = self._text()
        reader = csv.reader(text, delimiter=self.delimiter)
        line = 1
        try:
            for cells in reader:
                if cells:
                    yield line, cells
                line = reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise self._not_text(exc) from None
        except csv.Error as exc:
            raise FileProblem(f"line {line}: the CSV cannot be read: {exc}", line) from None
        finally:
            text.detach()

    def rows(self) -> Iterator[tuple[int, Any]]:
        width = len(self.header)
        records = self._records()
        for _header in records:
            break  # the header
        for line, cells in records:
            n = len(cells)
            if n != width:
                if n < width:
                    cells.extend([""] * (width - n))  # trailing empty cells left out
                elif any(c.strip() for c in cells[width:]):
                    yield line, BadRow(f"{n} values but the header has {width} columns")
                    continue
            yield line, cells


class XlsxReader(Table):
    format = "xlsx"
    locator = "row"
    unit = "rows"

    def __init__(self, file: IO[bytes], mapping: Mapping, sheet: str | None = None) -> None:
        super().__init__(file, mapping, sheet)
        import openpyxl  # only imported when a spreadsheet is read
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            self.book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise FileProblem(f"not an XLSX workbook: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - zipfile and XML errors of damaged files
            raise FileProblem(f"not a readable XLSX workbook: {type(exc).__name__}") from None
        names = self.book.sheetnames
        if self.sheet is None:
            self.sheet = names[0]
        elif self.sheet not in names:
            self.book.close()
            raise FileProblem(f"no sheet {self.sheet!r}; the workbook has: {', '.join(names)}")
        self.ws = self.book[self.sheet]
        self.total = self.ws.max_row
        self._row = 0
        self.header = []
        self._header_row = 0
        for row, cells in self._cells():
            if any(c is not None and str(c).strip() for c in cells):
                self.header = ["" if c is None else str(c).strip() for c in cells]
                self._header_row = row
                break
        if not self.header:
            raise FileProblem(f"sheet {self.sheet!r} is empty: no header row", 1)

    def info(self) -> dict[str, Any]:
        return {"sheet": self.sheet}

    def _cells(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        # read-only sheets yield every row from row 1, empty ones included
        for row, cells in enumerate(self.ws.iter_rows(values_only=True), start=1):
            self._row = row
            yield row, cells

    def rows(self) -> Iterator[tuple[int, Any]]:
        width = len(self.header)
        for row, cells in self._cells():
            if row <= self._header_row:
                continue
            if all(c is None or (type(c) is str and not c.strip()) for c in cells):
                continue
            if len(cells) < width:
                yield row, (*cells, *([None] * (width - len(cells))))
            else:
                yield row, cells

    def done(self) -> int:
        return self._row

    def close(self) -> None:
        self.book.close()


def reader_class(fmt: str) -> type[Reader]:
    """The reader of a format name (FORMATS)."""
    if fmt in ("geojson", "ngsild"):
        from isanhub.ingest import json_readers

        return json_readers.GeoJsonReader if fmt == "geojson" else json_readers.NgsiLdReader
    return {"csv": CsvReader, "xlsx": XlsxReader}[fmt]


FORMATS = ("csv", "xlsx", "geojson", "ngsild")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".jsonld": "ngsild",
}


def detect_format(name: str, head: bytes) -> str | None:
    """The format of a file from its name, else its first bytes; None if unknown."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"  # a zip: the only zipped format read here
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"{", b"["):
        return "geojson" if _GEOJSON_TYPE.search(head) else "ngsild"
    if suffix in ("", ".dat"):
        return "csv"
    return None
