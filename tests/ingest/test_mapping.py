"""The mapping file: every problem reported at once, ids as URIs, cells as values."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isanhub.core.model import is_uri
from isanhub.ingest.cells import (
    IdError,
    id_maker,
    slug,
    time_parser,
    to_boolean,
    to_integer,
    to_number,
)
from isanhub.ingest.mapping import MappingError, TimeSpec, load_mapping

AIR = """
type = "AirQualityObserved"
id = "urn:ngsi-ld:AirQualityObserved:{station}"
time = { column = "time" }
location = { lat = "lat", lon = "lon" }
[attributes]
pm25 = { column = "PM2.5", type = "number", unit = "GQ", required = true }
name = { column = "ชื่อสถานี", type = "text" }
[static]
dataProvider = "Khon Kaen Municipality"
"""


def test_a_toml_mapping_and_its_json_twin_are_the_same_mapping() -> None:
    toml = load_mapping(AIR, "air.toml")
    json = load_mapping(
        """{"type": "AirQualityObserved", "id": "urn:ngsi-ld:AirQualityObserved:{station}",
        "time": {"column": "time"}, "location": {"lat": "lat", "lon": "lon"},
        "attributes": {"pm25": {"column": "PM2.5", "type": "number", "unit": "GQ",
        "required": true}, "name": {"column": "ชื่อสถานี", "type": "text"}},
        "static": {"dataProvider": "Khon Kaen Municipality"}}""",
        "air.json",
    )
    assert toml.attributes == json.attributes
    assert toml.columns() == ["station", "time", "lat", "lon", "PM2.5", "ชื่อสถานี"]
    pm25, name = toml.attributes
    assert (pm25.history, pm25.required, pm25.unit) == (True, True, "GQ")
    assert (name.history, name.required) == (False, False)  # text is not history by default
    assert toml.static["dataProvider"] == {"type": "Property", "value": "Khon Kaen Municipality"}


def test_every_problem_of_a_mapping_is_reported_at_once() -> None:
    bad = """
type = "Air Quality"
id = "not a uri {station}"
colour = "blue"
[attributes]
pm25 = { type = "float", unit = "µg/m3" }
id = { column = "x" }
"""
    with pytest.raises(MappingError) as err:
        load_mapping(bad, "bad.toml")
    text = str(err.value)
    assert text.startswith("bad.toml: ")
    for part in ("colour: unknown key", "type:", "id:", "'float' is not one of", "UN/CEFACT",
                 "attributes.id: 'id' is reserved"):  # fmt: skip
        assert part in text, part
    assert len(err.value.problems) >= 6


def test_a_mapping_that_is_not_toml_says_so() -> None:
    with pytest.raises(MappingError, match="not valid TOML or JSON"):
        load_mapping("type = ", "m.toml")


def test_tables_need_a_type_and_an_id() -> None:
    m = load_mapping('context = "https://example.org/ctx.jsonld"', "m.toml")
    with pytest.raises(MappingError, match="type is required; id is required"):
        m.require_table()


# --- slugs and ids --------------------------------------------------------------------------

_KEPT = "-_.~"


@given(st.text())
def test_a_slug_keeps_letters_marks_and_digits_and_nothing_that_breaks_a_uri(text: str) -> None:
    s = slug(text)
    assert all(ch in _KEPT or unicodedata.category(ch)[0] in "LMN" for ch in s)
    assert not s.startswith("-") and not s.endswith("-")
    assert slug(s) == s  # a slug is its own slug
    if s:
        assert is_uri(f"urn:ngsi-ld:AirQualityObserved:{s}")


def test_thai_names_keep_their_vowels_and_tones_in_ids() -> None:
    assert slug("สถานีขอนแก่น 1") == "สถานีขอนแก่น-1"
    assert slug("  KKN/01 (เมือง) ") == "KKN-01-เมือง"
    assert slug(101.0) == "101"  # a code typed into a spreadsheet cell


@given(st.lists(st.text(min_size=1), min_size=2, max_size=2))
def test_an_id_template_fills_each_placeholder_with_its_slug(cells: list[str]) -> None:
    make = id_maker("urn:ngsi-ld:Parcel:{district}:{plot no}", ["district", "plot no"])
    if not all(slug(c) for c in cells):
        with pytest.raises(ValueError, match="no usable text for the id"):
            make(tuple(cells))
        return
    eid = make(tuple(cells))
    assert eid == f"urn:ngsi-ld:Parcel:{slug(cells[0])}:{slug(cells[1])}"
    assert is_uri(eid)


# --- numbers, booleans, times ---------------------------------------------------------------


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(0, 99))
def test_numbers_with_thousands_separators_read_as_their_value(n: int, cents: int) -> None:
    grouped = f"{n:,}.{cents:02d}"
    assert to_number(grouped) == pytest.approx(float(f"{n}.{cents:02d}"))
    assert to_number(f" {n} ") == n


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_written_by_python_reads_back_exactly(x: float) -> None:
    assert to_number(repr(x)) == x


@pytest.mark.parametrize("text", ["abc", "1,2,3", "12,5", "nan", "inf", "-Infinity", "1e999"])
def test_what_is_not_a_finite_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="number"):
        to_number(text)


def test_thai_digits_and_whole_numbers() -> None:
    assert to_number("๑๒.๕") == 12.5
    assert to_integer("3.0") == 3
    with pytest.raises(ValueError, match="not a whole number"):
        to_integer("3.5")
    assert to_boolean("ใช่") is True and to_boolean("No") is False
    with pytest.raises(ValueError, match="not true/false"):
        to_boolean("maybe")


def _utc(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def test_times_without_an_offset_are_bangkok_time() -> None:
    parse = time_parser(load_mapping('time = "t"', "m").time or TimeSpec("t"))
    assert _utc(parse("2025-03-01 08:00")) == "2025-03-01T01:00:00+00:00"
    assert _utc(parse("2025-03-01T08:00:00Z")) == "2025-03-01T08:00:00+00:00"
    assert _utc(parse("2025-03-01T08:00:00+09:00")) == "2025-02-28T23:00:00+00:00"
    with pytest.raises(ValueError, match="ISO 8601"):
        parse("01/03/2025")


def test_a_time_format_a_zone_and_the_buddhist_era() -> None:
    m = load_mapping(
        'time = { column = "t", format = "%d/%m/%Y %H:%M", era = "buddhist", timezone = "UTC" }',
        "m",
    )
    assert m.time is not None
    parse = time_parser(m.time)
    # 29 Feb 2567 BE is 29 Feb 2024, a leap day (2567 itself is not a leap year number)
    assert _utc(parse("29/02/2567 10:30")) == "2024-02-29T10:30:00+00:00"
    unix = load_mapping('time = { column = "t", format = "unix_ms" }', "m").time
    assert unix is not None
    assert _utc(time_parser(unix)("1735689600000")) == "2025-01-01T00:00:00+00:00"


def test_times_outside_the_years_1000_to_9999_are_refused() -> None:
    unix = time_parser(TimeSpec("t", "unix"))
    iso = time_parser(TimeSpec("t", None, UTC))
    assert _utc(iso("1000-01-01T00:00")) == "1000-01-01T00:00:00+00:00"
    assert _utc(iso("9999-12-31T23:59:59")) == "9999-12-31T23:59:59+00:00"
    for parse, cell in (
        (unix, "99999999999999"),
        (unix, "-1e300"),
        (iso, "0999-12-31T23:59:59"),
        (iso, "9999-12-31T23:59:59-00:01"),
        (time_parser(TimeSpec("t")), "0001-01-01T00:00"),  # Bangkok: before year 1 in UTC
        (time_parser(TimeSpec("t")), datetime(1000, 1, 1)),  # an XLSX date cell
    ):
        with pytest.raises(ValueError, match="out of range"):
            parse(cell)


def test_datetime_attributes_have_a_format_a_zone_and_an_era() -> None:
    m = load_mapping(
        """
time = { column = "t", timezone = "UTC", era = "buddhist" }
[attributes]
a = { type = "datetime" }
b = { type = "datetime", timezone = "Asia/Bangkok", era = "common", format = "unix" }
""",
        "m",
    )
    a, b = m.attributes
    assert a.time == TimeSpec("a", None, UTC, True)  # the zone and era of the time
    assert b.time is not None and (b.time.format, b.time.buddhist) == ("unix", False)
    assert b.time.zone.utcoffset(None) == timedelta(hours=7)
    plain = load_mapping('[attributes]\nc = { type = "datetime" }', "m").attributes[0]
    assert plain.time is not None and plain.time.zone.utcoffset(None) == timedelta(hours=7)
    with pytest.raises(MappingError) as err:
        load_mapping(
            """
[attributes]
a = { type = "datetime", timezone = "Mars/Olympus", era = "thai", format = 5 }
n = { type = "number", format = "%Y", timezone = "UTC" }
""",
            "m",
        )
    assert err.value.problems == [
        "attributes.a.format: must be a non-empty string",
        "attributes.a.timezone: unknown time zone 'Mars/Olympus' (e.g. Asia/Bangkok, +07:00)",
        "attributes.a.era: must be common (ค.ศ.) or buddhist (พ.ศ.)",
        "attributes.n.format: only for datetime attributes",
        "attributes.n.timezone: only for datetime attributes",
    ]


def test_an_id_cell_that_is_empty_or_missing_makes_no_id() -> None:
    make = id_maker("urn:ngsi-ld:S:{a}:{b}", ["a", "b"], frozenset(["", "NA"]))
    assert make(("x", 1.0)) == "urn:ngsi-ld:S:x:1"
    for cells, column, value in (
        (("x", None), "b", None),
        (("NA", "y"), "a", "NA"),
        (("x", " NA"), "b", " NA"),
        (("", "y"), "a", None),
    ):
        with pytest.raises(IdError, match="no value for the id") as err:
            make(cells)
        assert (err.value.column, err.value.value) == (column, value)
    with pytest.raises(IdError, match="no usable text") as err:
        make(("x", "!!"))
    assert (err.value.column, err.value.value) == ("b", "!!")
