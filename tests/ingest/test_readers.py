"""Readers: what the user wrote comes back cell for cell, at the line the user sees."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import openpyxl
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isanhub.ingest import json_readers
from isanhub.ingest.json_readers import GEOMETRY, GeoJsonReader, NgsiLdReader
from isanhub.ingest.mapping import Mapping
from isanhub.ingest.readers import BadRow, CsvReader, FileProblem, XlsxReader, detect_format

THAI = "กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอฮะาิีึืุูเแโใไ่้๊๋ั็์"
#: header names: letters only, so that the delimiter found is the one used
names = st.text(alphabet="abcdefghxyz" + THAI, min_size=1, max_size=8)
#: cells: anything a spreadsheet user types, delimiters, quotes and line breaks included
cells = st.text(alphabet="abc 123.,;|\t\"'\n-" + THAI, max_size=12)


def _csv_bytes(rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(names, min_size=2, max_size=5, unique=True),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp874", "utf-16"]),
)
def test_csv_round_trip(header: list[str], data: Any, delimiter: str, encoding: str) -> None:
    rows = data.draw(
        st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=6)
    )
    rows = [r for r in rows if any(r)]  # csv writes an all-empty one-cell row as a blank line
    raw = _csv_bytes([header, *rows], delimiter, encoding)
    # cp874 text that happens to be valid UTF-8 cannot be told apart: say which it is
    mapping = Mapping("m", encoding=encoding if encoding == "cp874" else None)
    reader = CsvReader(io.BytesIO(raw), mapping)
    assert reader.header == header
    assert reader.delimiter == delimiter
    got = list(reader.rows())
    assert [list(c) for _, c in got] == rows
    # each row starts on the line after the previous one ended (cells may hold newlines)
    line = 2
    for (pos, _), row in zip(got, rows, strict=True):
        assert pos == line
        line += 1 + sum(c.count("\n") for c in row)


def test_windows_874_and_bom_files_are_recognised() -> None:
    rows = [["สถานี", "ค่าฝุ่น"], ["ขอนแก่น", "35.5"]]
    cp874 = CsvReader(io.BytesIO(_csv_bytes(rows, ",", "cp874")), Mapping("m"))
    assert cp874.encoding == "cp874" and cp874.header == ["สถานี", "ค่าฝุ่น"]
    assert [c for _, c in cp874.rows()] == [["ขอนแก่น", "35.5"]]
    bom = CsvReader(io.BytesIO(_csv_bytes(rows, ";", "utf-8-sig")), Mapping("m"))
    assert (bom.encoding, bom.delimiter, bom.header[0]) == ("utf-8-sig", ";", "สถานี")


def test_a_file_in_the_wrong_encoding_is_refused_with_its_line() -> None:
    good = "a,b\n" + "".join(f"{n},สอง\n" for n in range(5000))  # past the first block
    raw = good.encode() + "3,สอง\n".encode("cp874") + b"4,4\n"
    reader = CsvReader(io.BytesIO(raw), Mapping("m", encoding="utf-8"))
    with pytest.raises(FileProblem, match='not utf-8 text at line 5002.*encoding = "cp874"'):
        list(reader.rows())


def test_short_rows_are_padded_and_long_rows_are_bad() -> None:
    raw = b"a,b,c\n1,2\n1,2,3,,\n1,2,3,4\n\n5,6,7\n"
    got = list(CsvReader(io.BytesIO(raw), Mapping("m")).rows())
    assert got[0] == (2, ["1", "2", ""])
    assert got[1][1] == ["1", "2", "3", "", ""]  # empty extras are harmless
    assert got[2][0] == 4 and isinstance(got[2][1], BadRow)
    assert "4 values but the header has 3 columns" in got[2][1].reason
    assert got[3] == (6, ["5", "6", "7"])  # the blank line 5 is skipped, still counted


def test_a_missing_column_is_named_with_the_columns_the_file_has() -> None:
    reader = CsvReader(io.BytesIO(b"station,time\n"), Mapping("m"))
    with pytest.raises(
        FileProblem, match="no column 'pm25' in the header; the file has: 'station'"
    ):
        reader.select(["station", "pm25"])


def _xlsx(sheets: dict[str, list[list[Any]]], start_row: int = 1) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r, row in enumerate(rows, start=start_row):
            for c, value in enumerate(row, start=1):
                ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_xlsx_rows_stream_with_the_row_numbers_excel_shows() -> None:
    when = datetime(2025, 1, 1, 8, 0)
    data = _xlsx(
        {
            "notes": [["ignore me"]],
            "ข้อมูล": [
                ["station", "time", "pm25"],
                [101, when, 12.5],
                [None, None, None],
                ["KKN", when, "13"],
            ],
        },  # fmt: skip
        start_row=3,
    )
    reader = XlsxReader(data, Mapping("m"), sheet="ข้อมูล")
    assert reader.header == ["station", "time", "pm25"]
    assert reader.select(["pm25", "station"]) == [2, 0]
    assert list(reader.rows()) == [(4, (101, when, 12.5)), (6, ("KKN", when, "13"))]
    assert reader.info() == {"sheet": "ข้อมูล"}
    reader.close()
    with pytest.raises(FileProblem, match="no sheet 'x'; the workbook has: notes, ข้อมูล"):
        XlsxReader(data, Mapping("m"), sheet="x")


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(FileProblem, match="XLSX"):
        XlsxReader(io.BytesIO(b"PK\x03\x04 not really a zip"), Mapping("m"))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(alphabet='ab"\\{}[],: ' + THAI),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=100)
@given(
    props=st.lists(st.dictionaries(st.sampled_from(["a", "b", "ชื่อ"]), json_values), max_size=5),
    indent=st.booleans(),
    block=st.integers(1, 40),
)
def test_geojson_features_stream_in_any_block_size(
    props: list[dict[str, Any]], indent: bool, block: int
) -> None:
    features = [
        {"type": "Feature", "id": n, "geometry": {"type": "Point", "coordinates": [102.8, 16.4]},
         "properties": p}
        for n, p in enumerate(props)
    ]  # fmt: skip
    # "type" after "features": a writer may put the members in any order
    doc = {"features": features, "type": "FeatureCollection", "name": "x"}
    raw = orjson.dumps(doc, option=orjson.OPT_INDENT_2 if indent else 0)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(json_readers, "_BLOCK", block)  # many refills of the buffer
        reader = GeoJsonReader(io.BytesIO(raw), Mapping("m"))
        reader.select(["a", "ชื่อ", "@id", GEOMETRY])
        got = list(reader.rows())
    assert got == [
        (n, [p.get("a"), p.get("ชื่อ"), n, {"type": "Point", "coordinates": [102.8, 16.4]}])
        for n, p in enumerate(props)
    ]


def test_geojson_that_is_no_feature_collection_is_refused() -> None:
    reader = GeoJsonReader(io.BytesIO(b'{"type": "Topology", "objects": {}}'), Mapping("m"))
    with pytest.raises(FileProblem, match="FeatureCollection"):
        list(reader.rows())
    broken = GeoJsonReader(
        io.BytesIO(b'{"type": "FeatureCollection", "features": [{}, {'), Mapping("m")
    )
    with pytest.raises(FileProblem, match="invalid JSON") as err:
        list(broken.rows())
    assert err.value.position == 1  # the second feature


def test_ngsild_files_hold_an_array_or_one_entity() -> None:
    one = NgsiLdReader(io.BytesIO(b'{"id": "urn:a", "type": "T"}'), Mapping("m"))
    assert list(one.rows()) == [(0, {"id": "urn:a", "type": "T"})]
    many = NgsiLdReader(io.BytesIO(b'[{"id": "urn:a", "type": "T"}, 3]'), Mapping("m"))
    got = list(many.rows())
    assert got[0] == (0, {"id": "urn:a", "type": "T"}) and isinstance(got[1][1], BadRow)


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        ("a.csv", b"x,y", "csv"),
        ("a.TSV", b"x\ty", "csv"),
        ("a.xlsx", b"PK\x03\x04", "xlsx"),
        ("upload", b"PK\x03\x04", "xlsx"),
        ("a.geojson", b"{", "geojson"),
        ("a.json", b'{"type": "FeatureCollection"', "geojson"),
        ("a.json", b'[{"id": "urn:x"', "ngsild"),
        ("a.json", b'[{"id": "urn:x", "type": "FeatureOfInterest"', "ngsild"),
        ("a.pdf", b"%PDF", None),
    ],
)
def test_formats_are_told_by_name_then_content(name: str, head: bytes, fmt: str | None) -> None:
    assert detect_format(name, head) == fmt
