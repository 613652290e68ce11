"""Province and district of a shipping address, as DOPA codes with Thai and English names.

Exports write places many ways: "จังหวัดขอนแก่น", "ขอนแก่น", "Khon Kaen", "อ.ชนบท",
"เขตบางรัก", "Chonnabot/ ชนบท" (Lazada), "อ.เมือง" for the capital district,
"กรุงเทพฯ", "Bang Rak District". Names are compared after the same clean-up geothai uses
(case, spaces, dots, hyphens, the abbreviation mark ฯ and the level word before or, in
English, after the name dropped). A name that matches nothing gives None, never an exception: an
unknown place must not reject an order. Nothing below the district is kept (privacy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import geothai

from isanhub.ingest.sellers.lines import Place

_PREFIX = re.compile(r"^(?:จังหวัด|อำเภอ|กิ่งอำเภอ|เขต|province|district|amphoe|khet)")
_SHORT = re.compile(r"^\s*(?:จ|อ|ข)\.\s*")
_SUFFIX = re.compile(r"(?:district|khet|amphoe|province)$")
_MARKS = re.compile(r"[\s.'’ฯ-]")
_ALIASES = {"กทม": "10", "กรุงเทพ": "10", "bkk": "10", "อยุธยา": "14", "ayutthaya": "14"}
_CAPITAL = ("เมือง", "mueang", "muang")


def _key(name: str) -> str:
    return _SUFFIX.sub("", _PREFIX.sub("", _MARKS.sub("", _SHORT.sub("", name).lower())))


def _parts(value: str) -> list[str]:
    """The names in a cell: Lazada writes "English/ ไทย", others one name."""
    return [p for p in (s.strip() for s in re.split(r"[/,，]", value)) if p]


@cache
def _provinces() -> dict[str, Place]:
    found: dict[str, Place] = {}
    for p in geothai.provinces():
        place = Place(p.code, p.name_th, p.name_en)
        for name in (p.name_th, p.name_en, "กรุงเทพมหานคร" if p.code == "10" else p.name_th):
            found[_key(name)] = place
    for alias, code in _ALIASES.items():
        known = geothai.province(code)
        if known is not None:
            found[alias] = Place(known.code, known.name_th, known.name_en)
    return found


@cache
def _districts(province_code: str) -> dict[str, Place]:
    found: dict[str, Place] = {}
    for d in geothai.districts(province_code):
        place = Place(d.code, d.name_th, d.name_en)
        for name in (d.name_th, d.name_en):
            found[_key(name)] = place
        if d.code.endswith("01") and province_code != "10":  # the capital: "อ.เมือง"
            for name in _CAPITAL:
                found[name] = place
    return found


def province(values: Iterable[str]) -> Place | None:
    """The first of the values (cells, in order of trust) that names a province."""
    table = _provinces()
    for value in values:
        for part in _parts(value or ""):
            if (found := table.get(_key(part))) is not None:
                return found
    return None


def district(province_place: Place | None, values: Iterable[str]) -> Place | None:
    """The first value that names a district of the province (None without a province:
    district names repeat across provinces)."""
    if province_place is None:
        return None
    table = _districts(province_place.code)
    for value in values:
        for part in _parts(value or ""):
            if (found := table.get(_key(part))) is not None:
                return found
    return None


def locate(provinces: Iterable[str], districts: Iterable[str]) -> tuple[Place | None, Place | None]:
    """(province, district) from the candidate cells of each."""
    found = province(provinces)
    return found, district(found, districts)
