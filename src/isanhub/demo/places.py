"""Where the sandbox is: the pilot provinces and their districts.

Sources: Khon Kaen's 26 districts and centroids from the Department of Provincial
Administration's district list (approximate centroids, ±0.1°, file ``data/
khon-kaen-districts.csv``); the other provinces' district names and codes from
``geothai`` (DOPA codes, CC-BY-4.0). Those packages carry no coordinates, so the other
provinces' districts are placed around the provincial seat (an approximation, marked as
such on every entity). Populations: registered population, DOPA, December 2023, rounded
to the thousand.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Province:
    key: str  #: short id used in entity ids, e.g. "khon-kaen"
    code: str  #: DOPA province code, e.g. "40"
    name_th: str
    name_en: str
    centroid: tuple[float, float]  #: (lat, lon) of the province polygon
    seat: tuple[float, float]  #: (lat, lon) of the provincial seat (city centre)
    population: int
    character: str  #: what the province is known for; shapes its data
    light: bool  #: generated lightly (a few districts) rather than in full


@dataclass(frozen=True)
class District:
    code: str  #: DOPA amphoe code, e.g. "4001"
    name_th: str
    name_en: str
    lat: float
    lon: float
    province: Province
    approximate: bool  #: placed around the seat, not from a surveyed centroid


PROVINCES: tuple[Province, ...] = (
    Province("khon-kaen", "40", "ขอนแก่น", "Khon Kaen", (16.409, 102.579), (16.443, 102.837),
             1_802_000, "digital sandbox, agriculture big data, silk and local products", False),
    Province("nakhon-ratchasima", "30", "นครราชสีมา", "Nakhon Ratchasima", (14.957, 102.110),
             (14.97, 102.10), 2_634_000, "agriculture and logistics gateway of Isan", True),
    Province("chiang-mai", "50", "เชียงใหม่", "Chiang Mai", (18.791, 98.728), (18.79, 98.99),
             1_797_000, "digital nomads, crafts, dry-season haze", True),
    Province("phuket", "83", "ภูเก็ต", "Phuket", (7.970, 98.346), (7.88, 98.39),
             422_000, "tourism", True),
    Province("chon-buri", "20", "ชลบุรี", "Chon Buri", (13.191, 101.203), (13.36, 100.98),
             1_595_000, "industry, ports and the Eastern Economic Corridor", True),
    Province("bangkok", "10", "กรุงเทพมหานคร", "Bangkok", (13.771, 100.622), (13.75, 100.50),
             5_471_000, "the capital: dense traffic, commerce", True),
)  # fmt: skip

BY_KEY = {p.key: p for p in PROVINCES}

#: districts generated for a province generated lightly
LIGHT_DISTRICTS = 6


@cache
def districts(province_key: str) -> tuple[District, ...]:
    """The districts of a province in the sandbox: all 26 of Khon Kaen, the first
    ``LIGHT_DISTRICTS`` (by DOPA code, the seat district first) of the others."""
    province = BY_KEY[province_key]
    if not province.light:
        text = resources.files("isanhub.demo").joinpath("data/khon-kaen-districts.csv")
        with text.open(encoding="utf-8") as fh:
            return tuple(
                District(r["amphoe_code"], r["name_th"], r["name_en"], float(r["lat"]),
                         float(r["lon"]), province, False)
                for r in csv.DictReader(fh)
            )  # fmt: skip
    import geothai  # its tables load on first use: only when a light province is built

    found = sorted(geothai.districts(province.code), key=lambda d: d.code)[:LIGHT_DISTRICTS]
    # fixed placement: the seat district at the seat, the others on a ring around it
    rng = random.Random(f"places:{province.key}")
    out = []
    for n, d in enumerate(found):
        if n == 0:
            lat, lon = province.seat
        else:
            angle = 2 * math.pi * n / (len(found) - 1) + rng.uniform(-0.3, 0.3)
            radius = rng.uniform(0.06, 0.18)
            lat = province.seat[0] + radius * math.sin(angle)
            lon = province.seat[1] + radius * math.cos(angle)
        out.append(District(d.code, d.name_th, d.name_en, round(lat, 4), round(lon, 4),
                            province, True))  # fmt: skip
    return tuple(out)
