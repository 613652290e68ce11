"""The ``outlook`` section: 8-week forecasts of units sold, each with its own backtest.

What: weekly units sold per product (the SKU, else the title) × channel, weeks starting on
Monday (``ordered_at`` is local Bangkok time, so they are the seller's weeks), the last week
being the one containing ``as_of`` (counted as complete; lines after ``as_of`` are left
out). Units are the ``quantity`` of sold lines (status not ``cancelled``), returns not taken
off, as ``units`` everywhere in the report. A series runs from the week of its first sale to
the week of ``as_of``, weeks without a sale counted as 0.

Which series: at least 16 weekly values (first sale in the 16th week before the week of
``as_of`` or earlier) and units sold in the last 26 weeks; the 10 with the most such units,
ties by product then channel.

Why a backtest: a model is worth showing only if it forecasts better than the obvious guess.
The model (forecast.py: Holt–Winters with a 52-week season when the history before the
backtest has two years, else damped Holt) and the naive forecast (same week last year, else
last week) are both fitted on the history before the last ``horizon`` weeks and scored by
their mean absolute error on those weeks; ``skill`` = 1 − maeModel / maeNaive (``null`` when
maeNaive is 0, the naive being perfect). ``shown`` is ``model`` only when maeModel < maeNaive;
otherwise the naive forecast is shown, and ``method`` still names the model that lost. A
series with fewer than 8 weeks before the backtest has no backtest (nulls) and shows the
naive. The shown forecast is then refitted on the whole history, with an 80 % interval from
its in-sample one-step errors (forecast.py), low clipped at 0; units rounded to 0.1.

Performance: DuckDB aggregates and selects; only the chosen weekly rows reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import numpy as np

from isanhub.insight.forecast import SEASON, Forecast, mae, naive, smoothing

SERIES, MIN_WEEKS, RECENT_WEEKS, MIN_TRAIN = 10, 16, 26, 8
WEEK = timedelta(weeks=1)

_SQL = """
WITH weekly AS MATERIALIZED (
    SELECT
        CASE WHEN coalesce(sku, '') <> '' THEN sku ELSE product END AS key,
        channel,
        CAST(date_trunc('week', ordered_at) AS DATE) AS week,
        CAST(sum(coalesce(quantity, 0)) AS BIGINT) AS units,
        arg_max(product, ordered_at) AS title,
        bool_or(coalesce(sku, '') <> '') AS has_sku
    FROM lines
    WHERE coalesce(status, '') <> 'cancelled' AND ordered_at < $end
        AND coalesce(nullif(sku, ''), product, '') <> ''
    GROUP BY ALL
),
chosen AS (
    SELECT key, channel, min(week) AS first_week, arg_max(title, week) AS title,
        bool_or(has_sku) AS has_sku,
        coalesce(sum(units) FILTER (WHERE week >= $recent), 0) AS recent
    FROM weekly
    GROUP BY key, channel
    HAVING min(week) <= $oldest AND recent > 0
    ORDER BY recent DESC, key, channel
    LIMIT $limit
)
SELECT c.key, c.channel, c.title, c.has_sku, c.first_week, w.week, w.units
FROM chosen AS c JOIN weekly AS w USING (key, channel)
ORDER BY c.recent DESC, c.key, c.channel, w.week
"""


@dataclass
class Series:
    sku: str | None
    product: str
    channel: str
    first_week: date
    units: list[int]  #: one per week from first_week to the week of as_of, gaps as 0


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_series(con: duckdb.DuckDBPyConnection, as_of: date, limit: int = SERIES) -> list[Series]:
    """The chosen series, most units in the last 26 weeks first, gaps filled with 0."""
    last = week_of(as_of)
    params = {
        "end": datetime.combine(as_of + timedelta(days=1), time()),
        "recent": last - (RECENT_WEEKS - 1) * WEEK,
        "oldest": last - (MIN_WEEKS - 1) * WEEK,
        "limit": limit,
    }
    chosen: dict[tuple[str, str], Series] = {}
    for key, channel, title, has_sku, first, week, units in con.execute(_SQL, params).fetchall():
        if (key, channel) not in chosen:
            length = (last - first).days // 7 + 1
            chosen[key, channel] = Series(
                key if has_sku else None, title or key, channel, first, [0] * length
            )
        chosen[key, channel].units[(week - first).days // 7] = int(units)
    return list(chosen.values())


def _backtest(y: np.ndarray, horizon: int) -> tuple[dict[str, Any], bool, bool]:
    """The backtest section, whether the model won, whether the model is seasonal."""
    train, actual = y[: len(y) - horizon], y[len(y) - horizon :]
    if horizon < 1 or len(train) < MIN_TRAIN:
        empty = {"weeks": 0, "maeModel": None, "maeNaive": None, "skill": None}
        return empty, False, len(y) >= 2 * SEASON
    model = smoothing(train, horizon)
    mae_model, mae_naive = mae(model.units, actual), mae(naive(train, horizon).units, actual)
    skill = None if mae_naive == 0 else round(1 - mae_model / mae_naive, 3)
    section = {
        "weeks": horizon,
        "maeModel": round(mae_model, 2),
        "maeNaive": round(mae_naive, 2),
        "skill": skill,
    }
    return section, mae_model < mae_naive, model.method == "holt-winters"


def _one(s: Series, last: date, horizon: int) -> dict[str, Any]:
    y = np.asarray(s.units, dtype=float)
    backtest, model_wins, seasonal = _backtest(y, horizon)
    model = smoothing(y, horizon, seasonal=seasonal)
    shown: Forecast = model if model_wins else naive(y, horizon)
    starts = [last - k * WEEK for k in range(RECENT_WEEKS - 1, -1, -1)]
    offset = len(y) - RECENT_WEEKS
    forecast = []
    for h, (point, spread) in enumerate(zip(shown.units, shown.spread, strict=True), start=1):
        forecast.append(
            {
                "weekStart": (last + h * WEEK).isoformat(),
                "units": round(float(point), 1),
                "low": max(0.0, round(float(point - spread), 1)),
                "high": round(float(point + spread), 1),
            }
        )
    return {
        "sku": s.sku,
        "product": s.product,
        "channel": s.channel,
        "history": [
            {"weekStart": w.isoformat(), "units": s.units[offset + i] if offset + i >= 0 else 0}
            for i, w in enumerate(starts)
        ],
        "method": model.method,
        "backtest": backtest,
        "shown": "model" if model_wins else "naive",
        "forecast": forecast,
    }


def outlook(con: duckdb.DuckDBPyConnection, as_of: date, horizon: int = 8) -> dict[str, Any]:
    """The ``outlook`` section of the seller report (docs/seller-report.md) as of a day."""
    last = week_of(as_of)
    return {
        "horizonWeeks": horizon,
        "series": [_one(s, last, horizon) for s in weekly_series(con, as_of)],
    }
