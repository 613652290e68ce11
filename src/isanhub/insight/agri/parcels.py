"""Insight "parcels": what is in the fields now. Parcels and rai per crop (family, then
crop) and stage, for the asked area and per district; a parcel without a cropStatus is
fallow and counted as such under the crop it last grew; the crop calendar of each family
with where "now" falls.

Shares are of rai (fallow included) within the block they are in: a farmer or an office
reads "how much of the land is ready to cut", not how many plots.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from isanhub.insight.agri.ask import Ask
from isanhub.insight.agri.crops import FACTS, FALLOW, STAGE_TH, STAGES, names, parcels_sql

ORDER = (*STAGES, FALLOW)
# one pass over the parcels gives every level of the answer: the grouping id says which
# of province/district, family and crop a row is aggregated over
_SETS = """GROUPING SETS ((stage), (family, stage), (family, crop_id, stage),
    (province, district, stage), (province, district, family, stage),
    (province, district, family, crop_id, stage))"""


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    sql, params = parcels_sql(ask)
    rows = con.execute(
        f"""
        WITH p AS (SELECT *, coalesce(status, '{FALLOW}') AS stage FROM ({sql}))
        SELECT GROUPING(province, district) > 0, GROUPING(family) > 0, GROUPING(crop_id) > 0,
               province, district, family, crop_id, stage, any_value(name_th),
               any_value(name_en), count(*), coalesce(sum(area_rai), 0)
        FROM p GROUP BY {_SETS}
        ORDER BY province, district, family, crop_id""",
        params,
    ).fetchall()
    total: dict[str, Any] = _block()
    crops: dict[tuple[str | None, ...], dict[str, Any]] = {}
    districts: dict[tuple[str | None, ...], dict[str, Any]] = {}
    for no_place, no_family, no_crop, prov, dist, fam, crop, stage, th, en, n, rai in rows:
        if no_place and no_family:
            block = total
        elif no_place:
            block = crops.setdefault((fam,), _block(family=fam, **names(fam), crops={}))
            if not no_crop:
                block = block["crops"].setdefault(crop, _block(id=crop, **names(fam, th, en)))
        else:
            key = (prov, dist)
            block = districts.setdefault(key, _block(province=prov, district=dist, crops={}))
            if not no_family:
                block = block["crops"].setdefault(fam, _block(family=fam, **names(fam), crops={}))
                if not no_crop:
                    block = block["crops"].setdefault(crop, _block(id=crop, **names(fam, th, en)))
        block["stages"][stage] = {"parcels": n, "rai": rai}
    return {
        "asOf": ask.now.isoformat(timespec="seconds"),
        "area": {"province": ask.province, "district": ask.district, "crop": ask.crop},
        "stageNames": {s: {"th": STAGE_TH[s], "en": s} for s in ORDER},
        "total": _finish(total),
        "crops": sorted((_finish(b) for b in crops.values()), key=lambda b: -b["rai"]),
        "districts": [_finish(b) for b in districts.values()],
        "calendar": [
            _calendar(f, ask.now.date())
            for f in FACTS
            if not ask.crop or f in {b["family"] for b in crops.values()} or f == ask.crop
        ],
    }


def _block(**fields: Any) -> dict[str, Any]:
    return {**fields, "stages": {}}


def _finish(block: dict[str, Any]) -> dict[str, Any]:
    """Totals and shares of a block from its stage rows (at most six); its sub-blocks as
    lists, largest first."""
    got = block.pop("stages")
    parcels = sum(s["parcels"] for s in got.values())
    rai = sum(s["rai"] for s in got.values())
    stages = {}
    for stage in ORDER:
        s = got.get(stage, {"parcels": 0, "rai": 0.0})
        share = 100 * s["rai"] / rai if rai else None
        stages[stage] = {
            "parcels": s["parcels"], "rai": round(s["rai"], 1),
            "raiSharePct": None if share is None else round(share, 1),
        }  # fmt: skip
    subs = block.pop("crops", None)
    out = {**block, "parcels": parcels, "rai": round(rai, 1), "stages": stages}
    if subs is not None:
        out["crops"] = sorted((_finish(b) for b in subs.values()), key=lambda b: -b["rai"])
    return out


def _start(today: date, months: tuple[int, ...]) -> date:
    """The first day of the window of ``months`` that today is in, else of the next one."""
    if today.month in months:
        i = months.index(today.month)
        year = today.year - (months[0] > today.month)  # a window running over New Year
        return date(year, months[0], 1) if i else date(today.year, today.month, 1)
    year = today.year + (months[0] < today.month)
    return date(year, months[0], 1)


def _calendar(family: str, today: date) -> dict[str, Any]:
    f = FACTS[family]
    plant, harvest = f.plant_months, f.harvest_months
    phases = [p for p, m in (("planting", plant), ("harvest", harvest)) if today.month in m]
    if not phases:  # between the end of planting and the start of harvest: growing
        after_plant = (today.month - plant[-1]) % 12
        phases = ["growing" if after_plant < (harvest[0] - plant[-1]) % 12 else "offSeason"]
    windows = {}
    for name, months in (("planting", plant), ("harvest", harvest)):
        start = _start(today, months)
        windows[name] = {
            "months": list(months), "starts": start.isoformat(),
            "daysToStart": max(0, (start - today).days),
        }  # fmt: skip
    return {"family": family, **names(family), **windows, "now": {"month": today.month,
            "phases": phases}}  # fmt: skip
