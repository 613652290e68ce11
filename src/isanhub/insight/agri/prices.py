"""Insight "prices": where each crop price stands against last year, and the spread
between what the farmer gets (farm-gate) and the wholesale market.

Which prices: CropPrice series (``prices``) recorded up to ``ask.now``; farm-gate
(``price_type`` 'farmGate') of the asked province (farm-gate prices are provincial, so the
district is not used), wholesale ('wholesale', e.g. Talaad Thai) of any province, being
national; of the asked crop, a family (rice, cassava, ... by the price's ``crop_id``) or a
commodity key (kdml105). Other price types are left out.

Definitions, per series: a day's price is the mean of the day's rows (normally one);
``latest`` the last day with a price. "The price around day D" is the mean of the day
prices within ±3 days of D (null when there is none), so that a gap or one odd day does
not make the comparison. ``lastYear``: around the same date one year earlier (29 Feb: 28
Feb); ``yoyPct`` the change from it in %. ``change30d`` and ``change365d``: from the price
around 30 and 365 days before the latest day (THB and %). ``min365`` and ``max365``: the
lowest and highest day price of the 365 days ending on the latest day (ties: the most
recent day). ``weekly``: the mean day price per ISO week (Monday to Sunday) of the 52 weeks
up to the week of the latest day, the last one possibly partial, weeks without a price
left out.

Spread, per farm-gate series and wholesale series of the same commodity, over the days
when both have a price ("common days"): ``latest`` on the last common day, wholesale minus
farm-gate in THB/kg and in % of farm-gate; ``mean30d`` and ``mean365d`` the mean of the
daily spreads (THB/kg and %) over the common days among the 30 and 365 days ending on the
last common day, with the number of days counted; named after the crop (``crops``), else
the farm-gate series.

Performance: DuckDB computes every figure; Python receives one row per series, 52 weekly
rows per series and one row per spread.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import duckdb

from isanhub.insight.agri.ask import Ask

FARM_GATE, WHOLESALE = "farmGate", "wholesale"
AROUND = 3  #: days either side of a date whose prices "the price around it" averages
WEEKS = 52
#: a series' fixed attributes, as in the ``prices`` table
ATTRS = ("commodity", "price_type", "market", "grade", "unit", "province", "district",
         "name_th", "name_en")  # fmt: skip


def selection(ask: Ask, wholesale: bool = True) -> tuple[str, list[object]]:
    """SQL of the asked price rows (alias ``p``, with the crop family ``family``) and its
    parameters: farm-gate of the asked province, wholesale too when ``wholesale``."""
    where, params = replace(ask, district=None).where("p")
    kinds = f"(p.price_type = '{FARM_GATE}' AND {where})"
    if wholesale:
        kinds = f"({kinds} OR p.price_type = '{WHOLESALE}')"
    crop = "TRUE"
    if ask.crop:
        crop = "(c.family = ? OR p.commodity = ?)"
        params += [ask.crop, ask.crop]
    sql = f"""SELECT p.*, c.family, c.name_th AS crop_th, c.name_en AS crop_en
        FROM prices p LEFT JOIN crops c ON c.id = p.crop_id
        WHERE {kinds} AND {crop} AND p.at <= ? AND isfinite(p.price)"""
    return sql, [*params, ask.now]


def _with(ask: Ask) -> tuple[str, list[object]]:
    """The CTEs ``sel`` (asked rows), ``d`` (day prices), ``l`` (each series' last day)."""
    rows, params = selection(ask)
    sql = f"""WITH sel AS MATERIALIZED ({rows}),
        d AS MATERIALIZED (
            SELECT id, CAST(sel.at AS DATE) AS day, avg(price) AS price FROM sel GROUP BY 1, 2),
        l AS (SELECT id, max(day) AS day FROM d GROUP BY 1)"""
    return sql, params


def _around(days: str) -> str:
    return f"avg(d.price) FILTER (WHERE d.day BETWEEN {days} - {AROUND} AND {days} + {AROUND})"


_STATS = f"""
SELECT l.id, l.day,
    any_value(d.price) FILTER (WHERE d.day = l.day),
    {_around("CAST(l.day - INTERVAL 1 YEAR AS DATE)")},
    {_around("l.day - 30")}, {_around("l.day - 365")},
    arg_min(d.day, {{'p': d.price, 'ago': l.day - d.day}}) FILTER (WHERE d.day > l.day - 365),
    min(d.price) FILTER (WHERE d.day > l.day - 365),
    arg_max(d.day, {{'p': d.price, 'd': d.day}}) FILTER (WHERE d.day > l.day - 365),
    max(d.price) FILTER (WHERE d.day > l.day - 365)
FROM l JOIN d ON d.id = l.id AND d.day >= l.day - 366 - {AROUND + 1}
GROUP BY l.id, l.day"""

EXTRA = ("family", "crop_th", "crop_en")  #: from the crop of a series
_META = ", ".join(f"arg_max({a}, sel.at)" for a in (*ATTRS, *EXTRA))

_WEEKLY = f"""
SELECT d.id, CAST(date_trunc('week', d.day) AS DATE) AS week, avg(d.price)
FROM d JOIN l ON l.id = d.id
WHERE d.day >= CAST(date_trunc('week', l.day) AS DATE) - {7 * (WEEKS - 1)}
GROUP BY 1, 2 ORDER BY 1, 2"""

_SPREADS = f"""
, kind AS (SELECT id, arg_max(price_type, sel.at) AS type, arg_max(commodity, sel.at) AS commodity
    FROM sel GROUP BY 1),
common AS (
    SELECT f.id AS gate, w.id AS sale, fd.day, fd.price AS fp, wd.price AS wp,
        wd.price - fd.price AS thb, (wd.price - fd.price) / fd.price * 100 AS pct
    FROM kind f JOIN kind w ON w.commodity = f.commodity
    JOIN d fd ON fd.id = f.id JOIN d wd ON wd.id = w.id AND wd.day = fd.day
    WHERE f.type = '{FARM_GATE}' AND w.type = '{WHOLESALE}' AND fd.price <> 0),
last AS (SELECT gate, sale, max(day) AS day FROM common GROUP BY 1, 2)
SELECT c.gate, c.sale, t.day,
    any_value(c.fp) FILTER (WHERE c.day = t.day), any_value(c.wp) FILTER (WHERE c.day = t.day),
    avg(c.thb) FILTER (WHERE c.day > t.day - 30), avg(c.pct) FILTER (WHERE c.day > t.day - 30),
    count(*) FILTER (WHERE c.day > t.day - 30),
    avg(c.thb), avg(c.pct), count(*)
FROM common c JOIN last t USING (gate, sale)
WHERE c.day > t.day - 365
GROUP BY 1, 2, 3 ORDER BY 1, 2"""


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits) + 0.0  # + 0.0: no "-0.0" in answers


def _change(now: float, then: float | None) -> dict[str, Any] | None:
    if then is None:
        return None
    pct = (now - then) / then * 100 if then else None
    return {"from": _r(then), "thb": _r(now - then), "pct": _r(pct, 1)}


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    cte, params = _with(ask)
    meta = {row[0]: dict(zip((*ATTRS, *EXTRA), row[1:], strict=True)) for row in
            con.execute(f"{cte} SELECT id, {_META} FROM sel GROUP BY 1", params).fetchall()}  # fmt: skip
    weekly: dict[str, list[dict[str, Any]]] = {}
    for sid, week, price in con.execute(f"{cte} {_WEEKLY}", params).fetchall():
        weekly.setdefault(sid, []).append({"weekStart": week.isoformat(), "price": _r(price)})
    series = []
    for sid, day, price, year_ago, d30, d365, lo_day, lo, hi_day, hi in con.execute(
        f"{cte} {_STATS}", params
    ).fetchall():
        yoy = _change(price, year_ago)
        series.append({
            "id": sid, **_names(meta[sid]),
            "latest": {"date": day.isoformat(), "price": _r(price)},
            "lastYear": {"date": _year_before(day).isoformat(), "price": _r(year_ago)},
            "yoyPct": yoy and yoy["pct"],
            "change30d": _change(price, d30), "change365d": _change(price, d365),
            "min365": {"date": lo_day.isoformat(), "price": _r(lo)},
            "max365": {"date": hi_day.isoformat(), "price": _r(hi)},
            "weekly": weekly.get(sid, []),
        })  # fmt: skip
    series.sort(key=lambda s: (s["commodity"] or "", s["priceType"] != FARM_GATE,
                               s["province"] or "", s["id"]))  # fmt: skip
    spreads = []
    for gate, sale, day, fp, wp, thb30, pct30, n30, thb365, pct365, n365 in con.execute(
        f"{cte} {_SPREADS}", params
    ).fetchall():
        g = meta[gate]
        spreads.append({
            "commodity": g["commodity"], "family": g["family"],
            "name_th": g["crop_th"] or g["name_th"], "name_en": g["crop_en"] or g["name_en"],
            "farmGate": {"id": gate, "market": g["market"], "province": g["province"]},
            "wholesale": {"id": sale, "market": meta[sale]["market"]},
            "latest": {"date": day.isoformat(), "farmGate": _r(fp), "wholesale": _r(wp),
                       "thb": _r(wp - fp), "pct": _r((wp - fp) / fp * 100, 1)},
            "mean30d": {"thb": _r(thb30), "pct": _r(pct30, 1), "days": n30},
            "mean365d": {"thb": _r(thb365), "pct": _r(pct365, 1), "days": n365},
        })  # fmt: skip
    return {
        "asOf": ask.now.isoformat(),
        "area": {"province": ask.province},
        "crop": ask.crop,
        "series": series,
        "spreads": spreads,
    }


def _names(m: dict[str, Any]) -> dict[str, Any]:
    """The fixed attributes of a series, under the names the answers use."""
    return {
        "commodity": m["commodity"], "family": m["family"], "priceType": m["price_type"],
        "market": m["market"], "grade": m["grade"], "unit": m["unit"],
        "province": m["province"], "district": m["district"],
        "name_th": m["name_th"], "name_en": m["name_en"],
    }  # fmt: skip


def _year_before(day: date) -> date:
    """The same date a year earlier; 29 February gives 28 February (as DuckDB does)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
