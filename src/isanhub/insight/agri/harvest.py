"""Insight "harvest": what will come off the fields, when and where. Over the parcels
not yet harvested (those with a cropStatus: a crop in the field), per district and crop:
the earliest, median and latest expected harvest date, rai and estimated tonnes; per
week of the next ``ask.weeks`` weeks the rai and tonnes due, with the overdue, the later
and the undated apart; and the yield estimate per district.

A parcel's expected date is its expectedHarvestAt, else its planting date plus the
growing days of its family (crops.FACTS); ``dateSource`` counts which. Tonnes are rai ×
the family's typical yield per rai (crops.FACTS, OAE averages): an estimate for planning
transport, labour and drones, not a forecast of this field's yield. Crops of an unknown
family count in rai but have no tonnes.

Weeks are counted in whole local days from the day of ``now``: week 0 is today and the
six days after it, week k the days today + 7k … today + 7k + 6. A date before today is
overdue (the crop is still standing past its date), at today + 7 × weeks or after is
later. The median is the lower median (an actual expected date of a parcel).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from isanhub.insight.agri.ask import Ask
from isanhub.insight.agri.crops import FACTS, YIELD_SOURCE, names, parcels_sql

OVERDUE, UNDATED = -1, -2  #: week numbers of the buckets outside the weeks ahead


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    sql, params = parcels_sql(ask)
    today = ask.now.date()
    standing = f"""WITH f AS (SELECT *, CAST(expected_at AS DATE) AS due,
                          area_rai * yield_kg_rai / 1000 AS tonnes
                   FROM ({sql}) WHERE status IS NOT NULL)"""
    windows = con.execute(
        f"""{standing}
        SELECT GROUPING(province, district) > 0, GROUPING(family) > 0,
               province, district, family, crop_id, any_value(name_th), any_value(name_en),
               count(*), coalesce(sum(area_rai), 0), sum(tonnes), min(due),
               quantile_disc(due, 0.5), max(due), count(expected_harvest_at),
               count(due) - count(expected_harvest_at)
        FROM f
        GROUP BY GROUPING SETS ((province, district, family, crop_id), (province, district),
                                (family), ())
        ORDER BY province, district, family, crop_id""",
        params,
    ).fetchall()
    weeks = _weeks(con, standing, params, today, ask.weeks)
    total: dict[str, Any] = {}
    families: list[dict[str, Any]] = []
    districts: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for no_place, no_family, prov, dist, fam, crop, th, en, *figures in windows:
        row = _window(*figures)
        if no_place and no_family:
            total = row
        elif no_place:
            families.append({"family": fam, **names(fam), **row})
        else:
            # a district's crop rows come before its total (NULLs sort last)
            district = districts.setdefault((prov, dist), {"province": prov, "district": dist})
            if no_family:
                crops = district.pop("crops", [])
                district.update(row, crops=sorted(crops, key=lambda b: -b["rai"]))
            else:
                crop_row = {"id": crop, "family": fam, **names(fam, th, en), **row}
                district.setdefault("crops", []).append(crop_row)
    return {
        "asOf": ask.now.isoformat(timespec="seconds"),
        "area": {"province": ask.province, "district": ask.district, "crop": ask.crop},
        "total": total or _window(0, 0.0, None, None, None, None, 0, 0),
        "crops": sorted(families, key=lambda b: -b["rai"]),
        "districts": list(districts.values()),
        **weeks,
        "yieldKgPerRai": {f: x.yield_kg_rai for f, x in FACTS.items()},
        "yieldSource": YIELD_SOURCE,
    }


def _window(
    parcels: int, rai: float, tonnes: float | None, first: date | None, median: date | None,
    last: date | None, given: int, grown: int,
) -> dict[str, Any]:  # fmt: skip
    return {
        "parcels": parcels, "rai": round(rai, 1), "tonnes": _t(tonnes),
        "earliest": _iso(first), "median": _iso(median), "latest": _iso(last),
        "dateSource": {"expectedHarvestAt": given, "plantedPlusGrowingDays": grown},
    }  # fmt: skip


def _weeks(
    con: duckdb.DuckDBPyConnection, standing: str, params: list[object], today: date, n: int
) -> dict[str, Any]:
    """The weekly buckets (every week listed, empty ones too) and the three others."""
    rows = con.execute(
        f"""{standing}, w AS (
            SELECT *, CASE WHEN due IS NULL THEN {UNDATED} WHEN due < ?::DATE THEN {OVERDUE}
                           ELSE least((due - ?::DATE) // 7, ?) END AS week
            FROM f)
        SELECT GROUPING(family) > 0, week, family, count(*), coalesce(sum(area_rai), 0),
               sum(tonnes)
        FROM w GROUP BY GROUPING SETS ((week, family), (week)) ORDER BY week, family""",
        [*params, today, today, n],
    ).fetchall()
    buckets: dict[int, dict[str, Any]] = {}
    for whole, week, fam, parcels, rai, tonnes in rows:
        figures = {"parcels": parcels, "rai": round(rai, 1), "tonnes": _t(tonnes)}
        bucket = buckets.setdefault(week, {"crops": []})
        if whole:
            bucket.update(figures)
        else:
            bucket["crops"].append({"family": fam, **names(fam), **figures})

    def get(week: int) -> dict[str, Any]:
        got = buckets.get(week, {"crops": []})
        empty = {"parcels": 0, "rai": 0.0, "tonnes": 0.0}
        return {**empty, **{k: v for k, v in got.items() if k != "crops"}, "crops": got["crops"]}

    weeks = [
        {"week": k, "from": (today + timedelta(7 * k)).isoformat(),
         "to": (today + timedelta(7 * k + 6)).isoformat(), **get(k)}
        for k in range(n)
    ]  # fmt: skip
    later = {"from": (today + timedelta(7 * n)).isoformat(), **get(n)}
    return {"weeks": weeks, "overdue": get(OVERDUE), "later": later, "undated": get(UNDATED)}


def _t(tonnes: float | None) -> float | None:
    return None if tonnes is None else round(tonnes, 1)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()
