"""The catalogue is complete in both languages and the formats are the Thai ones."""

from __future__ import annotations

from string import Formatter

import pytest

from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.catalogue import TEXTS


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    th, en = TEXTS[key]
    assert th.strip() and en.strip()
    assert _fields(th) == _fields(en), key


def test_a_missing_key_or_language_raises() -> None:
    with pytest.raises(KeyError):
        tx.t("section.nonexistent", "th")
    with pytest.raises(ValueError):
        tx.t("section.channels", "fr")


def test_lookup_fills_values() -> None:
    assert tx.t("unit.orders", "th", n="12") == "12 คำสั่งซื้อ"
    assert tx.t("unit.orders", "en", n="12") == "12 orders"


@pytest.mark.parametrize(
    ("code", "th", "en"),
    [
        ("shopee", "ช้อปปี้", "Shopee"),
        ("lazada", "ลาซาด้า", "Lazada"),
        ("tiktok", "ติ๊กต็อก ช็อป", "TikTok Shop"),
        ("facebook", "เฟซบุ๊ก", "Facebook"),
        ("line", "ไลน์", "LINE"),
        ("chat", "แชท", "Chat"),
        ("market", "ตลาด", "Market stall"),
    ],
)
def test_channel_names(code: str, th: str, en: str) -> None:
    assert tx.channel(code, "th") == th
    assert tx.channel(code, "en") == en


def test_unknown_codes_from_data_are_shown_as_they_are() -> None:
    assert tx.channel("etsy", "th") == "etsy"
    assert tx.kind("basketry-x", "en") == "basketry-x"
    assert tx.kind("silk", "th") == "ผ้าไหม"  # kinds.py's own names
    assert tx.kind("silk", "en") == "Silk"
    assert tx.channel(None, "th") == tx.DASH


def test_money_and_rates() -> None:
    assert tx.baht(1234.5) == "฿1,234.50"
    assert tx.baht(-12) == "-฿12.00"
    assert tx.baht(1234.5, 0) == "฿1,234"
    assert tx.baht(None) == "—"
    assert tx.pct(0.8234) == "82.3%"
    assert tx.pct(None) == "—"
    assert tx.change(1.5, "th") == "+150%"
    assert tx.change(-0.4, "en") == "-40%"
    assert tx.change(None, "th") == "ใหม่"
    assert tx.times(3.2, "th") == "3.2 เท่า"
    assert tx.times(3.2, "en") == "3.2×"
    assert tx.num(4321) == "4,321"


def test_dates_use_the_buddhist_era_in_thai() -> None:
    assert tx.day("2026-11-11", "th") == "11 พ.ย. 2569"
    assert tx.day("2026-11-11", "en") == "11 Nov 2026"
    assert tx.day("2026-01-05T10:00:00", "th") == "5 ม.ค. 2569"
    assert tx.day(None, "th") == "—"


def test_weekdays_and_slots() -> None:
    assert [tx.weekday(i, "th") for i in (0, 6)] == ["จันทร์", "อาทิตย์"]
    assert tx.weekday(3, "en", short=True) == "Thu"
    assert tx.slot(4, 20, "th") == "วันศุกร์ 20:00–21:00 น."
    assert tx.slot(6, 23, "en") == "Sunday 23:00–00:00"
    assert tx.join(["a", "b", "c"], "th") == "a, b และ c"
    assert tx.join(["a"], "en") == "a"
