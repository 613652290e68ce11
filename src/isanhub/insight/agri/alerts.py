"""Insight "alerts": flood and drought alerts per district, from the rain of each weather
station (rain.py) and the state of each river gauge. Every alert has a level (watch,
warning), a code, the figures that triggered it and its rule in words.

Rules (thresholds below, in one place):
- Rain in 24 h, by the Thai Meteorological Department's categories (light 0.1-10.0 mm,
  moderate 10.1-35.0, heavy 35.1-90.0, very heavy >= 90.1): heavy -> flood watch
  ``heavyRain24h``, very heavy -> flood warning ``veryHeavyRain24h``. Totals are
  compared at the 0.1 mm the categories are written in.
- Rain in 7 days >= 2 x its normal and >= 150 mm -> flood warning ``wetWeek`` (soaked
  ground and full streams: the next storm runs off).
- River gauges: status alert (or level >= its alert level) -> flood watch
  ``riverAlert``; status danger (or level >= its danger level) -> flood warning
  ``riverDanger``. The level is checked too, in case the status lags the reading.
- Drought, rainy season (May-October, when rain-fed rice, cassava and cane depend on
  rain): 30-day rain < 50 % of normal -> watch ``dryMonth``, < 25 % -> warning
  ``veryDryMonth``; >= 15 consecutive days without a rainy day (>= 1 mm) -> warning
  ``drySpell`` (a two-week break in the rains, the "ฝนทิ้งช่วง" farmers fear after
  transplanting).
- Drought, dry season (November-April): a 30-day total below half of a normal of a few
  millimetres says nothing, and two weeks without rain is the rule (Khon Kaen has one or
  two rainy days a month from November to February), so only a long dry spell counts:
  >= 45 days without a rainy day, in a stretch of the year when the province normally
  has >= 3 rainy days in that many days -> watch ``longDrySpell``. This fires when the
  early rains of March-April (land preparation, cassava and cane planting) or Phuket's
  November rains fail, not through every normal Isan winter. Without normals for the
  province the spell alone counts.
- Drought rules need the 30-day window >= 90 % complete: missing hours read as no rain
  and would raise false drought alerts; flood rules use whatever was measured (gaps can
  only make them late, never false).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb

from isanhub.insight.agri import normals, rain
from isanhub.insight.agri.ask import Ask

HEAVY_24H_MM = 35.1  #: TMD "heavy rain" in 24 h starts here
VERY_HEAVY_24H_MM = 90.1  #: TMD "very heavy rain" in 24 h starts here
WET_WEEK_RATIO = 2.0  #: 7-day rain against its normal ...
WET_WEEK_MM = 150.0  #: ... and at least this much
RAINY_SEASON = frozenset(range(5, 11))  #: May-October
DRY_MONTH_RATIO = 0.5  #: rainy season, 30-day rain below this share of normal: watch
VERY_DRY_MONTH_RATIO = 0.25  #: ... below this share: warning
DRY_SPELL_DAYS = 15  #: rainy season, days without a rainy day: warning
DRY_SEASON_SPELL_DAYS = 45  #: dry season, days without a rainy day: watch ...
DRY_SEASON_NORMAL_RAIN_DAYS = 3.0  #: ... when normally this many rainy days fall in them
MIN_COVERAGE = 0.9  #: share of the 30-day hours the drought rules need

LEVELS = ("none", "watch", "warning")

RULES = {
    "heavyRain24h": f"24-hour rain >= {HEAVY_24H_MM} mm (TMD heavy rain)",
    "veryHeavyRain24h": f"24-hour rain >= {VERY_HEAVY_24H_MM} mm (TMD very heavy rain)",
    "wetWeek": f"7-day rain >= {WET_WEEK_RATIO:g} x normal and >= {WET_WEEK_MM:g} mm",
    "riverAlert": "gauge status alert, or level >= alert level",
    "riverDanger": "gauge status danger, or level >= danger level",
    "dryMonth": f"rainy season, 30-day rain < {DRY_MONTH_RATIO:.0%} of normal",
    "veryDryMonth": f"rainy season, 30-day rain < {VERY_DRY_MONTH_RATIO:.0%} of normal",
    "drySpell": f"rainy season, >= {DRY_SPELL_DAYS} days without a rainy day (>= 1 mm)",
    "longDrySpell": f"dry season, >= {DRY_SEASON_SPELL_DAYS} days without a rainy day while "
    f"the province normally has >= {DRY_SEASON_NORMAL_RAIN_DAYS:g} rainy days in as many days",
}

_GAUGES = """
SELECT id, province, district, river, level_m, alert_m, danger_m, status, observed_at
FROM levels l WHERE {where} ORDER BY province, district, id"""


def _alert(kind: str, level: str, code: str, src: dict[str, Any], figures: dict[str, Any],
           source: str) -> dict[str, Any]:  # fmt: skip
    return {
        "kind": kind, "level": level, "code": code, "province": src["province"],
        "district": src["district"], "source": {"type": source, "id": src["id"]},
        "figures": figures, "rule": RULES[code],
    }  # fmt: skip


def _flood(st: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    day, week = st["rain"]["24h"], st["rain"]["7d"]
    mm = day["rainMm"]  # already at 0.1 mm
    figures = {"rain24hMm": mm, "hours": day["hours"], "expectedHours": day["expectedHours"]}
    if mm is not None and mm >= VERY_HEAVY_24H_MM:
        out.append(_alert("flood", "warning", "veryHeavyRain24h", st, figures, "station"))
    elif mm is not None and mm >= HEAVY_24H_MM:
        out.append(_alert("flood", "watch", "heavyRain24h", st, figures, "station"))
    mm, normal = week["rainMm"], week["normalMm"]
    if mm is not None and normal and mm >= WET_WEEK_RATIO * normal and mm >= WET_WEEK_MM:
        figures = {"rain7dMm": mm, "normalMm": normal, "normalSource": week["normalSource"]}
        out.append(_alert("flood", "warning", "wetWeek", st, figures, "station"))
    return out


def _drought(st: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    month = st["rain"]["30d"]
    if month["rainMm"] is None or month["hours"] < MIN_COVERAGE * month["expectedHours"]:
        return []
    out = []
    dry = st["daysSinceRain"]
    spell = {"daysSinceRain": dry, "lastRainyDay": st["lastRainyDay"]}
    if now.month in RAINY_SEASON:
        mm, normal = month["rainMm"], month["normalMm"]
        if normal:
            share = mm / normal
            figures = {"rain30dMm": mm, "normalMm": normal,
                       "normalSource": month["normalSource"], "share": round(share, 2)}  # fmt: skip
            if share < VERY_DRY_MONTH_RATIO:
                out.append(_alert("drought", "warning", "veryDryMonth", st, figures, "station"))
            elif share < DRY_MONTH_RATIO:
                out.append(_alert("drought", "watch", "dryMonth", st, figures, "station"))
        if dry is not None and dry >= DRY_SPELL_DAYS:
            out.append(_alert("drought", "warning", "drySpell", st, spell, "station"))
    elif dry is not None and dry >= DRY_SEASON_SPELL_DAYS:
        today = datetime.combine(now.date(), datetime.min.time())
        expected = normals.window(st["province"], today - timedelta(days=dry), today,
                                  "rain_days")  # fmt: skip
        if expected is None or expected >= DRY_SEASON_NORMAL_RAIN_DAYS:
            spell["normalRainDays"] = None if expected is None else round(expected, 1)
            out.append(_alert("drought", "watch", "longDrySpell", st, spell, "station"))
    return out


def _gauge(g: dict[str, Any]) -> list[dict[str, Any]]:
    level, alert, danger, status = g["levelM"], g["alertM"], g["dangerM"], g["status"]
    figures = {k: g[k] for k in ("river", "levelM", "alertM", "dangerM", "status", "observedAt")}
    above = level is not None and danger is not None and level >= danger
    if status == "danger" or above:
        return [_alert("flood", "warning", "riverDanger", g, figures, "gauge")]
    if status == "alert" or (level is not None and alert is not None and level >= alert):
        return [_alert("flood", "watch", "riverAlert", g, figures, "gauge")]
    return []


def _worst(alerts: list[dict[str, Any]]) -> str:
    return max((a["level"] for a in alerts), key=LEVELS.index, default="none")


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    where, params = ask.where("l")
    gauges = [
        {"id": r[0], "province": r[1], "district": r[2], "river": r[3], "levelM": r[4],
         "alertM": r[5], "dangerM": r[6], "status": r[7],
         "observedAt": None if r[8] is None else r[8].isoformat()}
        for r in con.execute(_GAUGES.format(where=where), params).fetchall()
    ]  # fmt: skip
    stations = rain.stations(con, ask)
    alerts = [a for st in stations for a in (*_flood(st), *_drought(st, ask.now))]
    alerts += [a for g in gauges for a in _gauge(g)]
    places = sorted({(s["province"] or "", s["district"] or "") for s in (*stations, *gauges)})
    districts = []
    for province, district in places:
        mine = [
            a for a in alerts if (a["province"] or "", a["district"] or "") == (province, district)
        ]
        districts.append({
            "province": province or None, "district": district or None,
            "level": _worst(mine), "flood": _worst([a for a in mine if a["kind"] == "flood"]),
            "drought": _worst([a for a in mine if a["kind"] == "drought"]),
            "alerts": len(mine),
        })  # fmt: skip
    return {
        "insight": "alerts", "now": ask.now.isoformat(),
        "season": "rainy" if ask.now.month in RAINY_SEASON else "dry",
        "province": ask.province, "district": ask.district,
        "alerts": alerts, "districts": districts,
        "level": _worst(alerts),
    }  # fmt: skip
