"""The crop-income KPI computed independently, in plain Python, from sandbox items (not
from the store, the snapshot or the insight's SQL): the season's parcels × the typical
yield of their crop family × the latest farm-gate price of their crop in the province,
else of their family, as of T."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from isanhub.demo.item import Item

DAY = 86_400
#: the documented yields (kg per rai), written out again
YIELD = {"rice": 370, "cassava": 3400, "sugarcane": 11000, "maize": 680}
GENUS = {"Oryza": "rice", "Manihot": "cassava", "Saccharum": "sugarcane", "Zea": "maize"}


def _v(item: Item, name: str) -> Any:
    attr = item.entity.get(name)
    if attr is None:
        return None
    value = attr.get("value", attr.get("object"))
    return value.get("@value") if isinstance(value, dict) and "@value" in value else value


def _epoch(text: str | None) -> int | None:
    from datetime import datetime

    return None if text is None else int(datetime.fromisoformat(text).timestamp())


def _region(item: Item) -> str:
    return str(item.entity["address"]["value"]["addressRegion"])


def crop_income(items: list[Item], t: int, region: str) -> float | None:
    """THB million as of ``t`` (epoch s) in ``region``; None without parcels or prices."""
    by: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        if "address" in it.entity and _region(it) == region:
            by[it.entity["type"]].append(it)
    family = {c.id: GENUS.get(str(_v(c, "alternateName")).split()[0]) for c in by["AgriCrop"]}
    # each farm-gate price: the mean of its latest day (a whole day ending a multiple of
    # 24 h before t) with values before t
    prices = []  # (day start, price id, crop id, family, THB/kg)
    for p in by["CropPrice"]:
        if _v(p, "priceType") != "farmGate":
            continue
        s = next(s for s in p.series if s.attr == "price")
        seen = [(x, v) for x, v in zip(s.times, s.values, strict=True) if x < t and v is not None]
        if not seen:
            continue
        last = max(x for x, _v in seen)
        start = t - ((t - 1 - last) // DAY + 1) * DAY
        value = fmean(v for x, v in seen if start <= x < start + DAY)
        crop = _v(p, "refAgriCrop")
        prices.append((start, p.id, crop, family.get(crop), value))
    if not by["AgriParcel"]:
        return None
    income, priced = 0.0, False
    for parcel in by["AgriParcel"]:
        planted = _epoch(_v(parcel, "lastPlantedAt"))
        recent = planted is not None and t - 365 * DAY < planted <= t
        if _v(parcel, "cropStatus") is None and not recent:
            continue
        crop = _v(parcel, "hasAgriCrop")
        fam = family.get(crop)
        if fam not in YIELD:
            continue
        tonnes = _v(parcel, "areaRai") * YIELD[fam] / 1000
        found = [x for x in prices if x[2] == crop] or [x for x in prices if x[3] == fam]
        if found:
            best = min(found, key=lambda x: (-x[0], x[1]))  # latest day, then the first id
            income, priced = income + tonnes * 1000 * best[4], True
    return income / 1e6 if priced else None
