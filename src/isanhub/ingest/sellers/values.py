"""Cell values of seller exports: money, counts, times and plain text.

Exports are edited in Excel and saved again, so one column may hold numbers, text with
thousands separators ("1,250.00"), a currency sign, or floats where text was meant
(phones, postcodes). Each function takes any cell and returns a clean value, None for
an empty cell, or raises BadValue with a Thai + English reason for the row's problem.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from isanhub.ingest.mapping import BANGKOK  # Thailand has no summer time

_EMPTY = {"", "-", "--", "n/a", "na", "null", "none"}
_MONEY_NOISE = re.compile(r"[\s,，\u00a0\u202f฿]|thb|บาท", re.IGNORECASE)
_CURRENCY = re.compile(r"฿|thb|บาท", re.IGNORECASE)
# "1 250,50" / "1.250,50": a decimal comma (European Excel), which would read as 125050
_DECIMAL_COMMA = re.compile(r"[,，]\d{2}$")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_SATANG = Decimal("0.01")
_TOO_MUCH = Decimal("1e12")  # no order line is a trillion baht: a shifted or broken cell
_SHOWN = 12  # characters of a bad cell shown in a message (it may hold buyer data)
_LONG_DIGITS = re.compile(r"\d{9,}")  # phones, ids, account numbers
# Formats the platforms write, most frequent first (Shopee, TikTok, Lazada, templates).
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d %b %Y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
)
_last_format = _TIME_FORMATS[0]  # see _strptime
_BUDDHIST_FROM = 2400  # a year this large is พ.ศ. (CE + 543); no order is that far ahead
# พ.ศ. years are turned into CE in the text, before parsing: 29/02/2567 is a real day
# (2024) that strptime would refuse as a day of the year 2567.
_BUDDHIST_YEAR = re.compile(r"(?<!\d)(2[4-9]\d\d)(?!\d)")
# The two formats nearly every export uses (Shopee, TikTok), in ASCII digits exactly as
# the format writes them: read by slicing, many times faster than strptime. A text they
# fit gives what strptime gives; one that datetime() refuses goes through strptime.
_SHOPEE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")
_TIKTOK_TIME = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}")


class BadValue(ValueError):
    """A cell that cannot be read as what its column holds."""

    def __init__(self, column: str, value: Any, th: str, en: str) -> None:
        self.column = column
        super().__init__(f"{column} = {shown(value)}: {th} / {en}")


def shown(value: Any) -> str:
    """A cell as a message may show it: runs of 9 or more digits masked (phones, ids)
    and cut to 12 characters, so a problem never repeats a buyer's name or phone."""
    masked = _LONG_DIGITS.sub(lambda m: "•" * len(m[0]), text(value))
    if len(masked) > _SHOWN:
        masked = masked[:_SHOWN] + "…"
    return repr(masked)


def text(value: Any) -> str:
    """A cell as stripped text; floats that are whole numbers lose their ".0" (a phone
    or postcode typed into Excel comes back as 812345678.0)."""
    if type(value) is str:  # nearly every cell: the checks below cannot apply
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_empty(value: Any) -> bool:
    return text(value).lower() in _EMPTY


def money(value: Any, column: str = "") -> float | None:
    """Baht rounded to satang; None when empty. Accepts "1,250.50", "1，250", "฿99",
    accounting "(20)", "−20" (Unicode minus) and a trailing minus "20-". Refuses a
    decimal comma ("1 250,50") and amounts of a trillion baht or more."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise BadValue(column, value, "ไม่ใช่จำนวนเงิน", "not an amount of money")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        written = text(value).translate(_MINUS)
        if _DECIMAL_COMMA.search(_CURRENCY.sub("", written).strip().rstrip("-)").strip()):
            raise BadValue(
                column,
                value,
                "ใช้จุดคั่นทศนิยม เช่น 1,250.50",
                "write decimals with a point, e.g. 1,250.50",
            )
        raw = _MONEY_NOISE.sub("", written)
        negative = raw.startswith("(") and raw.endswith(")")  # accounting style
        raw = raw.strip("()") if negative else raw
        if len(raw) > 1 and raw.endswith("-") and raw[0] not in "+-":  # "1,250.00-"
            negative, raw = True, raw[:-1]
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise BadValue(column, value, "ไม่ใช่จำนวนเงิน", "not an amount of money") from None
        if negative:
            amount = -amount
    if not amount.is_finite():
        raise BadValue(column, value, "ไม่ใช่จำนวนเงิน", "not an amount of money")
    if abs(amount) >= _TOO_MUCH:
        raise BadValue(column, value, "จำนวนเงินมากเกินไป", "too large an amount")
    return float(amount.quantize(_SATANG, rounding=ROUND_HALF_UP))


def count(value: Any, column: str = "") -> int | None:
    """A whole count of units; None when empty. "2.0" and "1,000" are fine, "1.5" is not."""
    amount = money(value, column)
    if amount is None:
        return None
    if not float(amount).is_integer() or amount < 0:
        raise BadValue(column, value, "ไม่ใช่จำนวนเต็ม", "not a whole number of units")
    return int(amount)


def when(value: Any, column: str = "") -> datetime | None:
    """An aware datetime; times written without an offset are Thai time (+07:00).
    Buddhist Era years (2569) are turned into CE."""
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, date):
        found = datetime.combine(value, time())
    else:
        raw = _BUDDHIST_YEAR.sub(lambda m: str(int(m[1]) - 543), " ".join(text(value).split()))
        found = _quick_time(raw) or _strptime(raw, column, value)
    if found.year >= _BUDDHIST_FROM:  # a date cell typed in พ.ศ.
        try:
            found = found.replace(year=found.year - 543)
        except ValueError:  # 29 February of a year that is not a leap year in CE
            raise BadValue(column, value, "ไม่มีวันนี้", "no such day") from None
    return found if found.tzinfo else found.replace(tzinfo=BANGKOK)


def _quick_time(raw: str) -> datetime | None:
    """The Shopee or TikTok time in raw, None when raw is neither (or no real time)."""
    try:
        if _SHOPEE_TIME.fullmatch(raw):
            return datetime(
                int(raw[:4]), int(raw[5:7]), int(raw[8:10]), int(raw[11:13]), int(raw[14:])
            )
        if _TIKTOK_TIME.fullmatch(raw):
            return datetime(
                int(raw[6:10]),
                int(raw[3:5]),
                int(raw[:2]),
                int(raw[11:13]),
                int(raw[14:16]),
                int(raw[17:]),
            )
    except ValueError:  # 31 February, hour 24: strptime decides (and refuses)
        return None
    return None


def _strptime(raw: str, column: str, value: Any) -> datetime:
    # No text fits two of the formats (their separators differ, each must use the whole
    # text), so the one that fitted the last time is tried first: a file writes all its
    # times one way, and each format that does not fit costs as much as the one that does.
    global _last_format
    for fmt in (_last_format, *(f for f in _TIME_FORMATS if f != _last_format)):
        try:
            found = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        _last_format = fmt
        return found
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise BadValue(column, value, "อ่านวันเวลาไม่ได้", "not a date and time") from None
