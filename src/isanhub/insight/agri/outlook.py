"""Insight "outlook": where each farm-gate price is heading over the next 4-8 weeks, and
whether the forecast deserves trust.

Which series: the farm-gate CropPrice series of the asked province and crop, as in
prices.py (wholesale prices are national and left out), recorded up to ``ask.now``.

Weekly series: a day's price is the mean of its rows; a week is the 7 days ending on the
series' last day and every 7 days before (so the last week is complete), its price the
mean of its day prices; at most the last ``MAX_WEEKS`` weeks. A week without a price is
interpolated linearly between its neighbours (counted in ``filledWeeks``) and is never
scored in the backtest. Fewer than ``MIN_WEEKS`` weeks: no outlook, and a reason.

Forecast: ``weeks`` = ``ask.weeks`` clamped to 4..8. The model is the shared forecast
(insight/forecast.py): Holt-Winters with a 52-week season on at least 104 weeks, damped
Holt otherwise, with its 80 % interval; the baseline the seasonal-naive forecast (the same
week a year earlier; the last week when there is less than a year).

Backtest: origins every ``EVERY`` weeks back from ``n - weeks`` (n weeks in the series)
while the forecast weeks fall in the last 52 weeks and the history before the origin has
``MIN_WEEKS`` weeks (12 origins for 8 weeks, 13 for 4). At each origin the model (fitted as
the shared forecast would be on the history up to it) and the naive forecast predict the
next ``weeks`` weeks; MAPE = mean over all origins and weeks of |forecast − actual| /
actual × 100; ``skill`` = 1 − mapeModel / mapeNaive. The outlook shows the model only when
it was scored and mapeModel < mapeNaive; else the naive forecast, and says so.

Speed: refitting the model's grid search at every origin would cost ~6 ms per origin on
ten years of weeks, ~4 s for 50 series × 13 origins. ``forecast.smoothing_at`` gives the
same forecasts, to the bit, from one pass of the grid over the whole series (the errors
before an origin and the state at it do not depend on later weeks), the final forecast
included: one pass per series (two when early origins have under 104 weeks and need damped
Holt). Measured with 50 series of ten years of daily prices on 2 cores: ~0.4 s in all,
~45 ms of it in DuckDB. ``history`` gives the last ``HISTORY`` weekly prices for a chart
(null: no price that week).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from isanhub.insight.agri.ask import Ask
from isanhub.insight.agri.prices import selection
from isanhub.insight.forecast import SEASON, Forecast, naive, smoothing_at

MIN_WEEKS, MAX_WEEKS, EVERY, HISTORY = 12, 520, 4, 26

_SQL = """
WITH sel AS ({rows}),
d AS (SELECT id, CAST(sel.at AS DATE) AS day, avg(price) AS price FROM sel GROUP BY 1, 2),
l AS (SELECT id, max(day) AS last FROM d GROUP BY 1)
SELECT d.id, l.last, (l.last - d.day) // 7 AS k, avg(d.price)
FROM d JOIN l ON l.id = d.id
WHERE d.day > l.last - {days}
GROUP BY 1, 2, 3 ORDER BY 1, 3 DESC"""

_META = """SELECT id, arg_max(commodity, sel.at), arg_max(family, sel.at),
    arg_max(market, sel.at), arg_max(province, sel.at), arg_max(unit, sel.at),
    arg_max(name_th, sel.at), arg_max(name_en, sel.at)
FROM ({rows}) sel GROUP BY 1"""


def origins(n: int, weeks: int) -> list[int]:
    """Backtest origins (weeks of history), oldest first."""
    return [o for o in range(n - 52, n - weeks + 1) if (n - weeks - o) % EVERY == 0
            and o >= MIN_WEEKS]  # fmt: skip


def mape(forecast: np.ndarray, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(forecast - actual) / np.abs(actual)) * 100)


def backtest(y: np.ndarray, seen: np.ndarray, weeks: int) -> tuple[dict[str, Any], Forecast]:
    """The backtest section and the model's forecast from the whole series."""
    n = len(y)
    starts = origins(n, weeks)
    fits: dict[int, Forecast] = {}
    for seasonal in (False, True):  # the shared forecast's own choice at each origin
        mine = [o for o in (*starts, n) if (o >= 2 * SEASON) == seasonal]
        if mine:
            fits |= dict(zip(mine, smoothing_at(y, mine, weeks, seasonal), strict=True))
    model, base, actual = [], [], []
    for o in starts:
        scored = seen[o : o + weeks] & (y[o : o + weeks] != 0)
        model.append(fits[o].units[scored])
        base.append(naive(y[:o], weeks).units[scored])
        actual.append(y[o : o + weeks][scored])
    section: dict[str, Any] = {"origins": len(starts), "everyWeeks": EVERY, "weeks": weeks,
                               "mapeModel": None, "mapeNaive": None, "skill": None}  # fmt: skip
    if starts and sum(len(a) for a in actual):
        truth = np.concatenate(actual)
        m, b = mape(np.concatenate(model), truth), mape(np.concatenate(base), truth)
        skill = None if b == 0 else round(1 - m / b, 3)
        section |= {"mapeModel": round(m, 2), "mapeNaive": round(b, 2), "skill": skill}
        section["methods"] = sorted({fits[o].method for o in starts})
    return section, fits[n]


def _points(f: Forecast, last: date) -> list[dict[str, Any]]:
    out = []
    for h, (point, spread) in enumerate(zip(f.units, f.spread, strict=True)):
        start = last + timedelta(days=7 * h + 1)
        out.append({"weekStart": start.isoformat(), "weekEnd": (start + timedelta(6)).isoformat(),
                    "price": round(float(point), 2),
                    "low": round(max(0.0, float(point - spread)), 2),
                    "high": round(float(point + spread), 2)})  # fmt: skip
    return out


def _one(last: date, got: dict[int, float], weeks: int) -> dict[str, Any]:
    n = max(got) + 1
    k = np.arange(n - 1, -1, -1)  # oldest week first
    seen = np.array([i in got for i in k])
    known = np.flatnonzero(seen)
    y = np.interp(np.arange(n), known, [got[int(i)] for i in k[known]])
    out: dict[str, Any] = {"lastDay": last.isoformat(), "weeksOfHistory": n,
                           "filledWeeks": int(n - seen.sum())}  # fmt: skip
    out["history"] = [
        {
            "weekEnd": (last - timedelta(days=7 * int(i))).isoformat(),
            "price": round(got[int(i)], 2) if int(i) in got else None,
        }
        for i in k[-HISTORY:]
    ]
    if n < MIN_WEEKS:
        return out | {"reason": f"{n} weeks of prices; an outlook needs {MIN_WEEKS}",
                      "reason_th": f"มีราคา {n} สัปดาห์ ต้องมีอย่างน้อย {MIN_WEEKS} สัปดาห์",
                      "method": None, "forecast": []}  # fmt: skip
    section, model = backtest(y, seen, weeks)
    wins = section["mapeModel"] is not None and section["mapeModel"] < section["mapeNaive"]
    shown = model if wins else naive(y, weeks)
    out |= {"model": model.method, "backtest": section, "method": shown.method,
            "shown": "model" if wins else "naive", "forecast": _points(shown, last)}  # fmt: skip
    if not wins and section["mapeModel"] is None:
        out["note"] = f"too little history to backtest {model.method}; showing {shown.method}"
        out["note_th"] = "ข้อมูลยังสั้นเกินกว่าจะทดสอบแบบจำลองย้อนหลัง จึงแสดงการพยากรณ์อย่างง่าย"
    elif not wins:
        out["note"] = (f"{model.method} did not beat {shown.method} in the backtest, "
                       f"so the outlook shows {shown.method}")  # fmt: skip
        out["note_th"] = "แบบจำลองไม่แม่นกว่าการพยากรณ์อย่างง่ายในการทดสอบย้อนหลัง จึงแสดงแบบอย่างง่าย"
    return out


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    weeks = min(8, max(4, ask.weeks))
    rows, params = selection(ask, wholesale=False)
    series: dict[str, tuple[date, dict[int, float]]] = {}
    for sid, last, k, price in con.execute(
        _SQL.format(rows=rows, days=7 * MAX_WEEKS), params
    ).fetchall():
        series.setdefault(sid, (last, {}))[1][int(k)] = float(price)
    out = []
    for sid, commodity, family, market, province, unit, th, en in con.execute(
        _META.format(rows=rows), params
    ).fetchall():
        if sid in series:
            out.append({"id": sid, "commodity": commodity, "family": family, "market": market,
                        "province": province, "unit": unit, "name_th": th, "name_en": en,
                        **_one(*series[sid], weeks)})  # fmt: skip
    out.sort(key=lambda s: (s["commodity"] or "", s["province"] or "", s["id"]))
    return {"asOf": ask.now.isoformat(), "area": {"province": ask.province}, "crop": ask.crop,
            "weeks": weeks, "series": out}  # fmt: skip
