"""How the sandbox builds its entities: the attributes every one of them has, and
small constructors for properties, relationships, names and places. Entities use the
short names of the NGSI-LD core context (they expand to its default vocabulary), so
that a client without a Link header reads them as generated."""

from __future__ import annotations

import math
import random
from typing import Any

from isanhub.demo.places import District
from isanhub.ingest.items import Item, Series, iso, prop, rel

__all__ = [
    "Item",
    "Series",
    "base",
    "entity_id",
    "iso",
    "names",
    "near",
    "point",
    "prop",
    "rel",
    "when",
]

#: on every generated entity, so that nobody mistakes the sandbox for real records
SYNTHETIC = "Isan Digital Hub sandbox: synthetic data / ข้อมูลสังเคราะห์"


def when(t: int) -> dict[str, Any]:
    """A DateTime property value (epoch seconds)."""
    return {"type": "Property", "value": {"@type": "DateTime", "@value": iso(t)}}


def names(th: str, en: str) -> dict[str, Any]:
    """A name in Thai and English (LanguageProperty: ``lang=th`` or ``lang=en`` picks)."""
    return {"type": "LanguageProperty", "languageMap": {"th": th, "en": en}}


def point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}}


def near(rng: random.Random, district: District, km: float = 6.0) -> tuple[float, float]:
    """A point within about ``km`` of the district's centroid (lat, lon, 5 decimals)."""
    r = km * math.sqrt(rng.random()) / 111.0
    a = rng.uniform(0, 2 * math.pi)
    lat = district.lat + r * math.sin(a)
    lon = district.lon + r * math.cos(a) / math.cos(math.radians(district.lat))
    return round(lat, 5), round(lon, 5)


def entity_id(kind: str, district: District, n: int | str) -> str:
    """``urn:ngsi-ld:<Type>:<province>:<district code>:<n>``."""
    return f"urn:ngsi-ld:{kind}:{district.province.key}:{district.code}:{n}"


def base(
    kind: str,
    eid: str,
    district: District,
    name_th: str,
    name_en: str,
    at: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """The attributes every sandbox entity has: name (th/en), location, address (English
    names, so that ``q=address[addressRegion]=="Khon Kaen"`` selects a province) and the
    synthetic-data label."""
    lat, lon = at or (district.lat, district.lon)
    address: dict[str, Any] = {
        "addressCountry": "TH",
        "addressRegion": district.province.name_en,
        "addressLocality": district.name_en,
        "districtCode": district.code,
    }
    return {
        "id": eid,
        "type": kind,
        "name": names(name_th, name_en),
        "location": point(lat, lon),
        "address": prop(address),
        "dataProvider": prop(SYNTHETIC),
    }
