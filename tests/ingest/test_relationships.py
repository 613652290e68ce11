"""Relationship attributes of a mapping: a column's cell, or a template filled with the
row's cells like the id, becomes a Relationship's object; anything that does not make a
URI is a row error of the check pass, never a crash and never a bad entity."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isanhub.core.model import is_uri
from isanhub.ingest.cells import IdError, object_maker, slug
from isanhub.ingest.importer import Report
from isanhub.ingest.mapping import MappingError, load_mapping
from isanhub.store.base import Store

from .test_importer import V, run_import, with_store

JOBS = """
type = "DroneSprayingJob"
id = "urn:ngsi-ld:DroneSprayingJob:{job}"
[attributes]
refUnmannedAerialVehicle = { column = "drone", type = "relationship", object = "urn:ngsi-ld:UnmannedAerialVehicle:{drone}" }
hasAgriParcel = { type = "relationship", object = "urn:ngsi-ld:AgriParcel:{parcel}" }
refAgriParcelOperation = { column = "operation", type = "relationship" }
"""  # noqa: E501


def rel(entity: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [{k: i[k] for k in ("type", "object")} for i in entity["attrs"][V + name]]


def imported(data: str, mapping: str = JOBS, name: str = "jobs.csv") -> tuple[Report, Any]:
    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, name, mapping)
        got = await store.get_many("", [f"urn:ngsi-ld:DroneSprayingJob:{n}" for n in (1, 2, 3)])
        return report, got

    result: tuple[Report, Any] = with_store(run)
    return result


def test_a_template_and_a_uri_cell_become_relationships() -> None:
    report, got = imported(
        "job,drone,parcel,operation\n1,UAV 01,CP/0001,urn:ngsi-ld:AgriParcelOperation:OP-1\n"
    )
    assert report.status == "imported", report.errors
    job = got["urn:ngsi-ld:DroneSprayingJob:1"]
    assert rel(job, "refUnmannedAerialVehicle") == [
        {"type": "Relationship", "object": "urn:ngsi-ld:UnmannedAerialVehicle:UAV-01"}
    ]
    # without `column`, a template of one placeholder reads that column
    assert rel(job, "hasAgriParcel") == [
        {"type": "Relationship", "object": "urn:ngsi-ld:AgriParcel:CP-0001"}
    ]
    assert rel(job, "refAgriParcelOperation") == [
        {"type": "Relationship", "object": "urn:ngsi-ld:AgriParcelOperation:OP-1"}
    ]


def test_thai_cells_keep_their_vowels_and_tones_in_the_object() -> None:
    mapping = """
type = "AgriParcel"
id = "urn:ngsi-ld:AgriParcel:{แปลง}"
[attributes]
belongsTo = { column = "กลุ่ม", type = "relationship", object = "urn:ngsi-ld:AgriFarm:{อำเภอ}:{กลุ่ม}" }
"""  # noqa: E501
    data = "แปลง,อำเภอ,กลุ่ม\nP1,ชุมแพ,กลุ่มนาแปลงใหญ่ บ้านหนองไผ่\n"

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "p.csv", mapping)
        return report, await store.get_many("", ["urn:ngsi-ld:AgriParcel:P1"])

    report, got = with_store(run)
    assert report.status == "imported", report.errors
    want = "urn:ngsi-ld:AgriFarm:ชุมแพ:กลุ่มนาแปลงใหญ่-บ้านหนองไผ่"
    assert want == f"urn:ngsi-ld:AgriFarm:{slug('ชุมแพ')}:{slug('กลุ่มนาแปลงใหญ่ บ้านหนองไผ่')}"
    assert rel(got["urn:ngsi-ld:AgriParcel:P1"], "belongsTo")[0]["object"] == want


def test_an_empty_or_missing_cell_leaves_the_relationship_out() -> None:
    report, got = imported("job,drone,parcel,operation\n1,,CP1,NA\n2,UAV1,CP1, - \n3,UAV1,CP1,\n")
    assert report.status == "imported", report.errors
    assert set(got) == {f"urn:ngsi-ld:DroneSprayingJob:{n}" for n in (1, 2, 3)}
    for n in (1, 2, 3):
        assert V + "refAgriParcelOperation" not in got[f"urn:ngsi-ld:DroneSprayingJob:{n}"]["attrs"]
    assert V + "refUnmannedAerialVehicle" not in got["urn:ngsi-ld:DroneSprayingJob:1"]["attrs"]


def test_a_required_relationship_without_a_value_is_a_row_error() -> None:
    mapping = JOBS.replace('object = "urn:ngsi-ld:AgriParcel:{parcel}"',
                           'object = "urn:ngsi-ld:AgriParcel:{parcel}", required = true')  # fmt: skip
    report, got = imported("job,drone,parcel,operation\n1,UAV1,,\n", mapping)
    assert report.status == "rejected" and not got
    assert report.errors == [
        {"line": 2, "column": "parcel", "value": "", "reason": "a value is required"}
    ]


def test_a_cell_that_is_not_a_uri_is_a_row_error_with_line_column_and_value() -> None:
    report, got = imported(
        "job,drone,parcel,operation\n"
        "1,UAV1,CP1,urn:ngsi-ld:AgriParcelOperation:OP-1\n"
        "2,UAV1,CP1,OP 2\n"
        "3,UAV1,CP1,<urn:x>\n"
    )
    assert report.status == "rejected" and not got  # nothing written
    assert [(e["line"], e["column"], e["value"]) for e in report.errors] == [
        (3, "operation", "OP 2"),
        (4, "operation", "<urn:x>"),
    ]
    assert all(e["reason"].startswith("not a URI") for e in report.errors)


def test_a_template_cell_without_a_value_names_its_own_column() -> None:
    mapping = """
type = "AgriParcel"
id = "urn:ngsi-ld:AgriParcel:{parcel}"
[attributes]
belongsTo = { column = "farm", type = "relationship", object = "urn:ngsi-ld:AgriFarm:{district}:{farm}" }
"""  # noqa: E501

    async def run(store: Store) -> Report:
        return await run_import(store, "parcel,district,farm\nP1,NA,G1\nP2,***,G2\n", "p.csv",
                                mapping)  # fmt: skip

    report = with_store(run)
    assert report.status == "rejected"
    assert [(e["line"], e["column"], e.get("value"), e["reason"]) for e in report.errors] == [
        (2, "district", "NA", "no value for the object in column 'district'"),
        (3, "district", "***", "no usable text for the object from column 'district'"),
    ]


def test_a_json_cell_is_a_row_error() -> None:
    mapping = """
type = "AgriParcel"
id = "urn:ngsi-ld:AgriParcel:{code}"
[attributes]
belongsTo = { column = "farm", type = "relationship", object = "urn:ngsi-ld:AgriFarm:{farm}" }
hasAgriCrop = { column = "crop", type = "relationship" }
"""
    point = {"type": "Point", "coordinates": [102.1, 16.5]}
    features = [
        {"type": "Feature", "geometry": point, "properties": {"code": "P1", "farm": ["G1"]}},
        {"type": "Feature", "geometry": point, "properties": {"code": "P2", "crop": {"a": 1}}},
        {"type": "Feature", "geometry": point, "properties": {"code": "P3", "farm": "G3",
                                                               "crop": "urn:ngsi-ld:AgriCrop:x"}},
    ]  # fmt: skip
    data = orjson.dumps({"type": "FeatureCollection", "features": features})

    async def run(store: Store) -> Report:
        return await run_import(store, data, "p.geojson", mapping)

    report = with_store(run)
    assert [(e["feature"], e["column"], e["reason"]) for e in report.errors] == [
        (0, "farm", "not text or a number"),
        (1, "crop", "not text or a number"),
    ]


def test_relationships_are_current_state_even_with_a_time_column() -> None:
    mapping = """
type = "CropPrice"
id = "urn:ngsi-ld:CropPrice:{commodity}"
time = "date"
[attributes]
price = { type = "number" }
refAgriCrop = { type = "relationship", object = "urn:ngsi-ld:AgriCrop:{crop}" }
"""
    data = "date,commodity,crop,price\n2025-01-13,kdml105,rice-b,15.4\n2025-01-06,kdml105,rice-a,15.3\n"

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "p.csv", mapping)
        return report, await store.get_many("", ["urn:ngsi-ld:CropPrice:kdml105"])

    report, got = with_store(run)
    assert report.status == "imported", report.errors
    assert report.history == ["price"] and report.instances == 2
    [inst] = got["urn:ngsi-ld:CropPrice:kdml105"]["attrs"][V + "refAgriCrop"]
    # the latest row's object (not the last line's), observed at that row's time
    assert inst["object"] == "urn:ngsi-ld:AgriCrop:rice-b"
    assert inst["observedAt"] == "2025-01-12T17:00:00Z"


def test_a_template_column_missing_from_the_header_rejects_the_file() -> None:
    mapping = JOBS.replace("{drone}", "{drone code}")
    report, got = imported("job,drone,parcel,operation\n1,UAV1,CP1,\n", mapping)
    assert report.status == "rejected" and not got
    assert report.errors[0]["column"] == "drone code"
    assert "no column 'drone code' in the header" in report.errors[0]["reason"]


# --- the mapping --------------------------------------------------------------------------


def test_the_mapping_reads_the_object_template_and_its_columns() -> None:
    m = load_mapping(JOBS, "jobs.toml")
    drone, parcel, operation = m.attributes
    assert (drone.kind, drone.column, drone.object) == (
        "relationship", "drone", "urn:ngsi-ld:UnmannedAerialVehicle:{drone}",
    )  # fmt: skip
    assert (parcel.column, parcel.object_columns()) == ("parcel", ["parcel"])
    assert (operation.column, operation.object, operation.object_columns()) == (
        "operation", None, ["operation"],
    )  # fmt: skip
    assert not any(a.history for a in m.attributes)
    assert m.columns() == ["job", "drone", "parcel", "operation"]


def test_every_problem_of_a_relationship_mapping_is_reported_at_once() -> None:
    bad = """
type = "DroneSprayingJob"
id = "urn:ngsi-ld:DroneSprayingJob:{job}"
time = "t"
[attributes]
fee = { type = "number", object = "urn:ngsi-ld:Fee:{fee}" }
a = { type = "relationship", object = "urn:ngsi-ld:X:{x" }
b = { type = "relationship", object = "not a uri {x}" }
c = { type = "relationship", object = "" }
d = { type = "relationship", unit = "KGM", history = true }
e = { type = "relationship", object = 5 }
"""
    with pytest.raises(MappingError) as err:
        load_mapping(bad, "bad.toml")
    problems = err.value.problems
    assert problems == [
        'attributes.fee.object: only for relationship attributes (type = "relationship")',
        "attributes.a.object: unbalanced { } in the attributes.a.object template",
        "attributes.b.object: 'not a uri {x}' does not make URIs (e.g. urn:ngsi-ld:Type:{column})",
        "attributes.c.object: must be a non-empty string",
        "attributes.d.unit: a relationship has no unit",
        "attributes.d.history: a relationship is current state, not history",
        "attributes.e.object: must be a non-empty string",
    ]


def test_relationship_is_listed_among_the_kinds_in_errors() -> None:
    with pytest.raises(MappingError, match="relationship"):
        load_mapping('type = "T"\nid = "urn:x:{a}"\n[attributes]\nb = { type = "link" }', "m")


# --- any cell: a URI or a clear row error ---------------------------------------------------

CELLS = st.one_of(
    st.text(),
    st.sampled_from(["", " ", "NA", " NA ", "-", "urn:ngsi-ld:X:1", "http://a.b/c", "a:b c"]),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
_MISSING = frozenset(["", "NA", "N/A", "n/a", "-", "null", "NULL", None])
_DIRECT = load_mapping(JOBS, "m").attributes[2]
_TEMPLATE = load_mapping(
    'type = "T"\nid = "urn:x:{a}"\n[attributes]\n'
    'r = { column = "b", type = "relationship", object = "urn:ngsi-ld:Farm:{a}:{b}" }',
    "m",
).attributes[0]


@given(st.tuples(CELLS, CELLS))
def test_any_cell_makes_a_uri_or_a_row_error(cells: tuple[Any, Any]) -> None:
    for attr in (_DIRECT, _TEMPLATE):
        convert = object_maker(attr, {"a": 0, "b": 1, "operation": 1}, _MISSING)
        try:
            got = convert(cells)
        except IdError as exc:  # what the report shows: a reason, its column, its cell
            assert str(exc) and exc.column in ("a", "b", "operation")
            continue
        if got is not None:
            assert is_uri(got)
        else:  # left out only when the attribute's own cell has no value
            own = cells[1]
            assert own is None or (isinstance(own, str) and own.strip() in _MISSING)
        if got is not None and attr is _TEMPLATE:
            a, b = cells
            assert not isinstance(a, bool | list | dict) and not isinstance(b, bool | list | dict)
            assert got == f"urn:ngsi-ld:Farm:{slug(a)}:{slug(b)}"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4))
def test_any_file_imports_valid_objects_or_reports_each_bad_row(
    rows: list[tuple[str, str]],
) -> None:
    """Through the importer: the file is imported with URI objects only, or rejected with
    one error (line, column) per bad row; it never fails or crashes."""
    mapping = """
type = "AgriParcel"
id = "urn:ngsi-ld:AgriParcel:{n}"
[attributes]
belongsTo = { column = "farm", type = "relationship", object = "urn:ngsi-ld:AgriFarm:{farm}" }
hasAgriCrop = { column = "crop", type = "relationship" }
"""
    data = _csv([["n", "farm", "crop"]] + [[str(k), f, c] for k, (f, c) in enumerate(rows)])

    async def run(store: Store) -> tuple[Report, Any]:
        report = await run_import(store, data, "p.csv", mapping)
        ids = [f"urn:ngsi-ld:AgriParcel:{k}" for k in range(len(rows))]
        return report, await store.get_many("", ids)

    report, got = with_store(run)
    assert report.status in ("imported", "rejected")
    if report.status == "imported":
        for entity in got.values():
            for name in ("belongsTo", "hasAgriCrop"):
                for inst in entity["attrs"].get(V + name, ()):
                    assert is_uri(inst["object"])
    else:
        assert not got
        for e in report.errors:
            assert isinstance(e["line"], int) and e["column"] in ("farm", "crop") and e["reason"]


def test_a_date_cell_in_a_template_is_its_iso_text() -> None:
    attr = _TEMPLATE
    convert = object_maker(attr, {"a": 0, "b": 1}, _MISSING)
    assert convert((date(2025, 1, 6), "x")) == "urn:ngsi-ld:Farm:2025-01-06:x"
