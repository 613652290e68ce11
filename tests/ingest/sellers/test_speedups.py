"""The memos that make large files fast (cells.py) change no result: caught here are a
memo kept across parses, shared between columns of different rules, or remembering an
error instead of raising it again with its own row."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from isanhub.ingest.sellers import parse
from isanhub.ingest.sellers.tables import TEMPLATE_EN

from . import KEY, SHOPEE_EN, row, to_csv

BKK = timezone(timedelta(hours=7))
EN = [str(v) for v in TEMPLATE_EN.values()]


def _shopee(order: str, **more: object) -> list[object]:
    values: dict[object, object] = {
        "Order ID": order,
        "Order Status": "Completed",
        "Order Creation Date": "2026-11-11 10:15",
        "Product Name": "ผ้าไหม",
        "SKU Reference No.": "SILK-1",
        "Variation Name": "แดง",
        "Deal Price": "2",
        "Quantity": "2",
        "Commission Fee": "2",
        "Username (Buyer)": "somchai",
        "Province": "ขอนแก่น",
        "District": "ชนบท",
    }
    values.update(more)
    return row(SHOPEE_EN, values)


def test_same_cells_other_key_other_pseudonym() -> None:
    data = to_csv(SHOPEE_EN, [_shopee("1"), _shopee("2")])
    first = list(parse(io.BytesIO(data), key=KEY).lines)
    second = list(parse(io.BytesIO(data), key=b"another-key").lines)
    again = list(parse(io.BytesIO(data), key=KEY).lines)
    assert first[0].buyer == first[1].buyer == again[0].buyer
    assert second[0].buyer == second[1].buyer != first[0].buyer


def test_same_text_in_money_and_count_columns() -> None:
    # "2" is read as money in one column and as a count in another; "1.5" is fine money
    # but no count, before and after the same text was converted as money
    rows = [
        _shopee("1", **{"Deal Price": "1.5", "Quantity": "2"}),
        _shopee("2", **{"Deal Price": "2", "Quantity": "1.5"}),
        _shopee("3", **{"Deal Price": "1.5", "Quantity": "1"}),
    ]
    parsed = parse(io.BytesIO(to_csv(SHOPEE_EN, rows)), key=KEY)
    lines = list(parsed.lines)
    assert [(line.order_id, line.quantity, line.unit_price) for line in lines] == [
        ("1", 2, 1.5),
        ("3", 1, 1.5),
    ]
    assert lines[0].platform_fees == 2.0 and lines[0].gross == 3.0
    assert [p.row for p in parsed.problems] == [3]
    assert "not a whole number of units" in parsed.problems[0].message


def test_repeated_bad_cell_gives_the_same_problem_each_time() -> None:
    bad = {"Commission Fee": "12,50"}  # a decimal comma
    rows = [_shopee("1", **bad), _shopee("2"), _shopee("3", **bad), _shopee("4", **bad)]
    parsed = parse(io.BytesIO(to_csv(SHOPEE_EN, rows)), key=KEY)
    assert [line.order_id for line in parsed.lines] == ["2"]
    messages = [p.message for p in parsed.problems]
    assert [p.row for p in parsed.problems] == [2, 4, 5]
    assert messages[0] == (
        "แถว 2 / row 2: Commission Fee = '12,50': ใช้จุดคั่นทศนิยม เช่น 1,250.50 / "
        "write decimals with a point, e.g. 1,250.50"
    )
    assert messages[1:] == [
        messages[0].replace("แถว 2 / row 2", f"แถว {n} / row {n}") for n in (4, 5)
    ]


def test_same_text_names_its_own_column_in_a_problem() -> None:
    # the same bad text in two columns: each problem names the column it is in
    rows = [
        [*(["line", "A-1", "abc", "", "", "ผ้า", "", "1", "10"]), *[""] * (len(EN) - 9)],
        [*(["line", "A-2", "2026-11-11 10:00", "", "", "ผ้า", "", "1", "abc"])]
        + [""] * (len(EN) - 9),
    ]
    parsed = parse(io.BytesIO(to_csv(EN, rows)), key=KEY)
    assert list(parsed.lines) == []
    assert [p.message.split(" = ")[0] for p in parsed.problems] == [
        "แถว 2 / row 2: order_date",
        "แถว 3 / row 3: unit_price",
    ]


def test_times_in_changing_formats() -> None:
    # the format that fitted last is tried first: a file mixing formats reads each right
    cells = ["11/11/2569", "2026-11-12 09:00", "12/11/2026 08:30:00", "13 Nov 2026 07:00"]
    rows = [
        ["line", f"A-{n}", when, "", "", "ผ้า", "", "1", "10", *[""] * (len(EN) - 9)]
        for n, when in enumerate([*cells, *reversed(cells)])
    ]
    lines = list(parse(io.BytesIO(to_csv(EN, rows)), key=KEY).lines)
    expected = [
        datetime(2026, 11, 11, tzinfo=BKK),
        datetime(2026, 11, 12, 9, tzinfo=BKK),
        datetime(2026, 11, 12, 8, 30, tzinfo=BKK),
        datetime(2026, 11, 13, 7, tzinfo=BKK),
    ]
    assert [line.ordered_at for line in lines] == [*expected, *reversed(expected)]
