"""Looking up and formatting the report's texts: Thai first, English second.

Every visible word goes through :func:`t`, so the HTML, the PDF and the advice say the
same thing in the same language. Numbers use Arabic digits with thousands separators
(what Thai sellers see on Shopee and in their bank apps); dates use the Buddhist-era
year in Thai. ``None`` is formatted as a dash: a figure that cannot be computed is
never shown as 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from isanhub.insight.commerce.catalogue import TEXTS

LANGS = ("th", "en")
DASH = "—"
BE_OFFSET = 543  #: Buddhist era = Gregorian year + 543


def check_lang(lang: str) -> int:
    """Index of ``lang`` in the catalogue's tuples; an unknown language is a caller bug."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return LANGS.index(lang)


def t(key: str, lang: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in; a missing key raises KeyError.

    Raising (rather than showing the key) makes a forgotten translation fail the tests
    instead of reaching a seller's printout.
    """
    text = TEXTS[key][check_lang(lang)]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in TEXTS


def name(prefix: str, value: str | None, lang: str) -> str:
    """The translated name of a code from the data (channel, platform, kind, tier).

    Codes come from other modules and sellers' files, so an unknown one is shown as it
    is rather than breaking the report.
    """
    if value is None or value == "":
        return DASH
    key = f"{prefix}.{value}"
    return t(key, lang) if key in TEXTS else str(value)


def channel(value: str | None, lang: str) -> str:
    return name("channel", value, lang)


def kind(value: str | None, lang: str) -> str:
    """The name of a kind of product: the catalogue's ``kind.<id>`` if any, else the Thai
    and English names kinds.py gives its kinds, else the code itself."""
    if value and not has(f"kind.{value}"):
        try:
            from isanhub.insight.commerce.kinds import KINDS
        except ImportError:  # kinds.py is optional for rendering
            KINDS = {}
        known = KINDS.get(value)
        if known is not None:
            return str(known.th if lang == "th" else known.en)
    return name("kind", value, lang)


def weekday(index: int, lang: str, short: bool = False) -> str:
    return t(f"weekday{'_short' if short else ''}.{int(index) % 7}", lang)


def slot(weekday_index: int, hour: int, lang: str) -> str:
    """A one-hour slot, e.g. "ศุกร์ 20:00–21:00 น." / "Friday 20:00–21:00"."""
    end = (int(hour) + 1) % 24
    return t(
        "slot",
        lang,
        day=weekday(weekday_index, lang),
        start=f"{int(hour):02d}:00",
        end=f"{end:02d}:00",
    )


def join(items: Iterable[str], lang: str) -> str:
    """ "a, b และ c" / "a, b and c"."""
    parts = [p for p in items if p]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return t("list.and", lang, a=", ".join(parts[:-1]), b=parts[-1])


def num(value: float | int | None, digits: int = 0) -> str:
    """1234.5 -> "1,235" (digits=0) or "1,234.50" (digits=2); None -> dash."""
    if value is None:
        return DASH
    return f"{value:,.{digits}f}"


def baht(value: float | int | None, digits: int = 2) -> str:
    """1234.5 -> "฿1,234.50"; negative amounts keep their sign in front: "-฿12.00"."""
    if value is None:
        return DASH
    sign = "-" if value < 0 else ""
    return f"{sign}฿{abs(value):,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.8234 -> "82.3%"."""
    if value is None:
        return DASH
    return f"{value * 100:,.{digits}f}%"


def change(value: float | None, lang: str, signed: bool = True) -> str:
    """A relative change: 1.5 -> "+150%"; None (new product) -> "ใหม่" / "new"."""
    if value is None:
        return t("common.new", lang)
    text = f"{abs(value) * 100:,.0f}%"
    if not signed:
        return text
    return ("+" if value >= 0 else "-") + text


def times(value: float | None, lang: str) -> str:
    """A ratio such as a campaign lift: 2.35 -> "2.4 เท่า" / "2.4×"."""
    if value is None:
        return DASH
    return t("unit.times", lang, x=f"{value:,.1f}")


def to_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def day(value: date | datetime | str | None, lang: str, year: bool = True) -> str:
    """ "11 พ.ย. 2569" (Buddhist era) in Thai, "11 Nov 2026" in English; None -> dash."""
    d = to_date(value)
    if d is None:
        return DASH
    text = f"{d.day} {t(f'month.{d.month}', lang)}"
    if not year:
        return text
    return f"{text} {d.year + BE_OFFSET if lang == 'th' else d.year}"


def buyer_notes(section: dict[str, Any], lang: str) -> list[str]:
    """The sentences about a shop's buyers both reports print: how many came back, and
    the share from Isan."""
    notes = []
    if section.get("buyers"):
        notes.append(
            t(
                "note.repeat",
                lang,
                buyers=num(section["buyers"]),
                repeat=num(section.get("repeatBuyers")),
                rate=pct(section.get("repeatRate")),
            )
        )
    if section.get("isanShare") is not None:
        notes.append(t("note.isan_share", lang, share=pct(section["isanShare"])))
    return notes
