"""The Thai calendar and seasons the sandbox follows: working days, school terms, the
rainy season, and Thai place names.

Sources: the Cabinet's yearly list of public holidays (fixed-date ones only: the lunar
holidays such as Makha Bucha move every year and are left out); the Ministry of
Education's school terms; the Thai Meteorological Department's seasons (rainy season
mid-May to mid-October in upper Thailand, May to November on the Andaman coast, wettest
in September).
"""

from __future__ import annotations

from datetime import date

from isanhub.demo.patterns import seasonal
from isanhub.demo.places import District

#: fixed-date public holidays (Cabinet list): New Year, Chakri, Songkran, Labour,
#: Coronation, Queen Suthida's and King Vajiralongkorn's birthdays, Mother's Day, King
#: Bhumibol memorial, Chulalongkorn Day, Father's Day, Constitution Day, New Year's Eve
HOLIDAYS = {
    (1, 1), (4, 6), (4, 13), (4, 14), (4, 15), (5, 1), (5, 4), (6, 3), (7, 28), (8, 12),
    (10, 13), (10, 23), (12, 5), (12, 10), (12, 31),
}  # fmt: skip


def working_day(day: date) -> bool:
    """Monday to Friday and not a fixed-date public holiday."""
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


def school_term(day: date) -> bool:
    """Inside a school semester (mid-May to September, November to mid-March)."""
    md = (day.month, day.day)
    return (5, 16) <= md <= (9, 30) or md >= (11, 1) or md <= (3, 15)


def rainy(province_key: str, doy: float) -> float:
    """How deep in the rainy season the day is, 0 (dry) to 1 (wettest)."""
    if province_key == "phuket":
        return seasonal(doy, 255, 70)
    return seasonal(doy, 235, 50)


def place_th(d: District) -> str:
    """The district's Thai name as a place name ("เขตดุสิต" is "ดุสิต" in "สำนักงานเขตดุสิต")."""
    return d.name_th.removeprefix("เขต")
