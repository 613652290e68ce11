"""Time labels of the temporal API (core.temporal.iso): every instant written exactly as
Python's own ISO 8601 formatting writes it, without a zero fraction, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from isanhub.core.temporal import iso

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _reference(us: int) -> str:
    text = (EPOCH + timedelta(microseconds=us)).replace(tzinfo=None).isoformat()
    return (text.rstrip("0") if "." in text else text) + "Z"  # four-digit years


LOW = (datetime(1, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
HIGH = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)


@given(st.integers(min_value=LOW, max_value=HIGH))
def test_any_instant_is_labelled_as_python_writes_it(us: int) -> None:
    assert iso(us) == _reference(us)


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(0, 24 * 3600 - 1))
def test_whole_seconds_have_no_fraction(day: int, second: int) -> None:
    us = (day * 86_400 + second) * 1_000_000
    if LOW <= us <= HIGH:
        assert iso(us) == _reference(us) and "." not in iso(us)


def test_known_labels() -> None:
    assert iso(0) == "1970-01-01T00:00:00Z"
    assert iso(1) == "1970-01-01T00:00:00.000001Z"
    assert iso(-1) == "1969-12-31T23:59:59.999999Z"
    assert iso(1_500_000) == "1970-01-01T00:00:01.5Z"
    stamp = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    assert iso((stamp - EPOCH) // timedelta(microseconds=1)) == "2026-11-24T07:30:00Z"
    assert iso(HIGH + 1) == "9999-12-31T23:59:59.999999Z"  # past the calendar: its end
