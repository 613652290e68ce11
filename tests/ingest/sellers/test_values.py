"""Cells: money, counts, times and statuses (hypothesis for numbers and dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isanhub.ingest.sellers import STATUSES, map_status
from isanhub.ingest.sellers.values import BadValue, count, money, text, when

BKK = timezone(timedelta(hours=7))


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_money_with_thousands_separators(amount: Decimal) -> None:
    assert money(f"{amount:,.2f}") == float(amount)
    assert money(f"฿{amount:,}") == float(amount)
    assert money(float(amount)) == float(amount)
    assert money(str(amount)) == float(amount)


@given(st.integers(min_value=0, max_value=10**7))
def test_counts(n: int) -> None:
    assert count(n) == count(f"{n:,}") == count(float(n)) == count(f"{n}.0") == n


@pytest.mark.parametrize("bad", ["abc", "1.2.3", True, "nan", "inf"])
def test_bad_money(bad: object) -> None:
    with pytest.raises(BadValue):
        money(bad, "x")


@pytest.mark.parametrize("empty", [None, "", "  ", "-"])
def test_empty_cells(empty: object) -> None:
    assert money(empty) is None and count(empty) is None and when(empty) is None


def test_money_details() -> None:
    assert money("1,234.565") == 1234.57  # satang, half up
    assert money("(20.00)") == -20.0
    assert money("THB 1,200.00") == 1200.0
    with pytest.raises(BadValue):
        count("1.5")
    assert text(40180.0) == "40180" and text(812345678.0) == "812345678"


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)))
def test_platform_time_formats(moment: datetime) -> None:
    minute = moment.replace(second=0, microsecond=0)
    second = moment.replace(microsecond=0)
    assert when(minute.strftime("%Y-%m-%d %H:%M")) == minute.replace(tzinfo=BKK)  # Shopee
    assert when(second.strftime("%d/%m/%Y %H:%M:%S")) == second.replace(tzinfo=BKK)  # TikTok
    assert when(second) == second.replace(tzinfo=BKK)  # an XLSX date cell
    aware = second.replace(tzinfo=UTC)
    assert when(aware.isoformat()) == aware


def test_buddhist_years_and_bad_dates() -> None:
    assert when("11/11/2569") == datetime(2026, 11, 11, tzinfo=BKK)
    assert when("29/02/2567 08:00") == datetime(2024, 2, 29, 8, tzinfo=BKK)
    assert when("2569-11-11 10:15") == datetime(2026, 11, 11, 10, 15, tzinfo=BKK)
    with pytest.raises(BadValue):
        when("31/02/2026 10:00:00", "Created Time")
    assert when(datetime(2569, 11, 11, 9, 0)) == datetime(2026, 11, 11, 9, tzinfo=BKK)
    with pytest.raises(BadValue):
        when(datetime(2568, 2, 29), "วันที่สั่งซื้อ")  # 2025 has no 29 February


@pytest.mark.parametrize(
    ("original", "status"),
    [
        ("สำเร็จแล้ว", "completed"),
        ("จัดส่งสำเร็จแล้ว", "completed"),
        ("ผู้ซื้อได้รับสินค้าแล้ว และสามารถขอคืนเงิน/คืนสินค้าได้จนถึง 2026-11-20", "completed"),
        ("ยกเลิกแล้ว", "cancelled"),
        ("คืนสินค้า/คืนเงิน", "returned"),
        ("ยังไม่ชำระ", "in_progress"),
        ("ที่ต้องจัดส่ง", "in_progress"),
        ("การจัดส่ง", "in_progress"),
        ("Completed", "completed"),
        ("Cancelled", "cancelled"),
        ("canceled", "cancelled"),
        ("delivered", "completed"),
        ("returned", "returned"),
        ("To ship", "in_progress"),
        ("", "in_progress"),
        ("ขายแล้ว", "completed"),
    ],
)
def test_status_mapping(original: str, status: str) -> None:
    assert map_status(original) == status


@given(st.text())
def test_status_always_in_vocabulary(original: str) -> None:
    assert map_status(original) in STATUSES


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_buddhist_dates_round_trip(day: date) -> None:
    written = f"{day.day:02d}/{day.month:02d}/{day.year + 543}"
    assert when(written) == datetime(day.year, day.month, day.day, tzinfo=BKK)
