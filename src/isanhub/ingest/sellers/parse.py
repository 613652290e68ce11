"""parse(): a seller's export file, whatever platform it came from, as OrderLines.

The file is read with the project's readers (CSV in UTF-8, UTF-8 with BOM, UTF-16 or
Windows-874 with any delimiter; XLSX streamed, sheet "orders" when there is one, as
Shopee names it). The format is told by the header alone, before any line is given:
a file that fits no format raises UnknownFormat (or FileProblem when it cannot be read
at all) and yields nothing, so nothing of a rejected file can be written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from isanhub.ingest.mapping import Mapping
from isanhub.ingest.readers import BadRow, CsvReader, FileProblem, Table, XlsxReader, detect_format
from isanhub.ingest.sellers import (
    fast,
    fast_shopee,
    fast_template,
    fast_tiktok,
    lazada,
    shopee,
    template,
    tiktok,
)
from isanhub.ingest.sellers.formats import Layout, Row, UnknownFormat, detect
from isanhub.ingest.sellers.lines import OrderLine, Parsed, Problem

Source = str | os.PathLike[str] | IO[bytes]
_PARSERS: dict[str, Callable[[Iterable[Row], bytes, list[Problem]], Iterator[OrderLine]]] = {
    "shopee": shopee.lines,
    "tiktok": tiktok.lines,
    "lazada": lazada.lines,
    "template": template.lines,
}
_SHEET = "orders"


def _open(file: IO[bytes], name: str) -> Table:
    head = file.read(8)
    file.seek(0)
    mapping = Mapping(source=name)
    if detect_format(name, head) != "xlsx":
        return CsvReader(file, mapping)
    reader = XlsxReader(file, mapping)
    wanted = [s for s in reader.book.sheetnames if s.strip().casefold() == _SHEET]
    if wanted and wanted[0] != reader.sheet:
        reader.close()
        reader = XlsxReader(file, mapping, sheet=wanted[0])
    return reader


def _rows(reader: Table, layout: Layout, problems: list[Problem]) -> Iterator[Row]:
    for position, cells in reader.rows():
        if isinstance(cells, BadRow):
            problems.append(Problem(position, f"แถว {position} / row {position}: {cells.reason}"))
            continue
        yield layout.row(position, cells)


def parse(source: Source, *, key: bytes, name: str | None = None) -> Parsed:
    """The format of the file and its lines (a generator: the file is read as they are
    taken, and closed at the end when parse opened it). Row problems are added to
    ``problems`` while the lines are read. ``name`` stands for the file's own name when
    ``source`` is an open file without one (an upload)."""
    if not key:
        raise ValueError("ต้องมีกุญแจลับ / a non-empty secret key is required")
    if isinstance(source, str | os.PathLike):
        owned, name = True, name or os.fspath(source)
        file: Any = open(source, "rb")  # noqa: SIM115 - closed when the lines end
    else:
        owned, file = False, source
        name = name or str(getattr(source, "name", "") or "")
    try:
        reader = _open(file, os.path.basename(name))
        try:
            layout = detect(reader.header)
        except BaseException:
            reader.close()
            raise
    except BaseException:
        if owned:
            file.close()
        raise
    problems: list[Problem] = []

    def stream() -> Iterator[OrderLine]:
        try:
            parser = _PARSERS[layout.variant.channel]
            yield from parser(_rows(reader, layout, problems), key, problems)
        finally:
            reader.close()
            if owned:
                file.close()

    return Parsed(layout.variant.name, stream(), problems)


#: the exports that have a fast path for CSV (fast.py); the others are read row by row
_FAST: dict[str, Callable[[fast.Columns, bytes], dict[str, Any]]] = {
    "shopee": fast_shopee.columns,
    "tiktok": fast_tiktok.columns,
    "template": fast_template.columns,
}


def parse_fast(file: IO[bytes], *, key: bytes, name: str) -> tuple[str, dict[str, Any]] | None:
    """The format and the lines as columns (the lake's, but kind), when the file is a
    CSV export the fast path reads exactly; None when parse() must read it (which also
    words any problem). The file is left at its start."""
    try:
        cols = fast.read(file, name)
        columns = _FAST.get(cols.layout.variant.channel)
        if columns is None:
            return None
        return cols.layout.variant.name, columns(cols, key)
    except (fast.Fallback, UnknownFormat, FileProblem):
        return None
    finally:
        file.seek(0)
