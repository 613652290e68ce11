"""Forecasts of short weekly series, pure numpy (commerce and agri outlook.py).

Models (exponential smoothing, the usual choice for a few years of weekly sales):

- ``holt-winters``: additive Holt–Winters with a 52-week season and a damped trend, used
  when the series has at least two years (104 weeks), so that each week of the year has
  been seen twice; the first year gives the initial level and seasonal terms, the second
  the initial trend.
- ``damped-holt``: damped-trend exponential smoothing (Holt) otherwise; level starts at
  the first week, trend at 0.

The smoothing parameters (alpha, beta, phi and gamma) minimise the sum of squared
one-step-ahead errors over a small grid; every grid point runs at once as numpy vectors,
so the only Python loop is over the weeks. Forecasts are clipped at 0.

``naive``: the same week 52 weeks earlier when the series has at least 52 weeks, else the
last week repeated.

80 % interval: a normal approximation, point ± 1.2816 · sigma · sqrt(k), where sigma is the
root mean square of the in-sample one-step errors of the forecast shown and k the number
of steps: the week ahead h for the models and for the last-week naive (a random walk),
ceil(h / 52) for the seasonal naive (each week of the year is its own yearly random walk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

SEASON = 52  #: weeks in a seasonal cycle
Z80 = 1.2815515655446004  #: 90 % quantile of the standard normal: ±Z80 holds 80 %

_ALPHA = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
_BETA = (0.0, 0.05, 0.1, 0.2)
_PHI = (0.8, 0.9, 0.98)
_GAMMA = (0.05, 0.1, 0.2, 0.4)


@dataclass(frozen=True)
class Forecast:
    method: str
    units: Floats  #: point forecast per week ahead, never negative
    spread: Floats  #: half-width of the 80 % interval per week ahead


def _rms(errors: Floats) -> float:
    return float(np.sqrt(np.mean(errors**2))) if errors.size else 0.0


State = tuple[Floats, Floats, Floats]  #: level, trend, season (week × grid) of the grid


def _run(
    y: Floats, m: int, a: Floats, b: Floats, p: Floats, g: Floats, keep: Sequence[int]
) -> tuple[Floats, dict[int, State]]:
    """One-step errors (grid × weeks) and the state of every grid point after the first
    ``o`` weeks, for each ``o`` in ``keep``."""
    size = len(a)
    # weeks on the first axis, grid points on the second: each week reads and writes
    # contiguous rows (half the time of columns); the arithmetic is unchanged
    if m:
        first = float(y[:m].mean())
        level = np.full(size, first)
        trend = np.full(size, (float(y[m : 2 * m].mean()) - first) / m)
        season = np.tile((y[:m] - first)[:, None], (1, size))
    else:
        level, trend, season = np.full(size, y[0]), np.zeros(size), np.zeros((1, size))
    errors = np.empty((len(y), size))
    states: dict[int, State] = {}
    wanted = set(keep)
    keep_a, keep_bp, keep_g = 1 - a, (1 - b) * p, 1 - g
    for t, value in enumerate(y):
        if t in wanted:  # level and trend are replaced below, the season is updated in place
            states[t] = (level, trend, season.copy())
        s = season[t % m] if m else 0.0
        fit = level + p * trend
        errors[t] = value - (fit + s)
        new_level = a * (value - s) + keep_a * fit
        trend = b * (new_level - level) + keep_bp * trend
        if m:
            season[t % m] = g * (value - new_level) + keep_g * s
        level = new_level
    states[len(y)] = (level, trend, season)
    # contiguous grid × weeks, so that sums over weeks add in the same order as before
    errors = np.ascontiguousarray(errors.T)
    return errors, states


def smoothing(history: Floats, horizon: int, seasonal: bool | None = None) -> Forecast:
    """The model's forecast; ``seasonal`` defaults to having two years of history."""
    y = np.asarray(history, dtype=float)
    if seasonal is None:
        seasonal = len(y) >= 2 * SEASON
    return smoothing_at(y, [len(y)], horizon, seasonal)[0]


def smoothing_at(
    history: Floats, origins: Sequence[int], horizon: int, seasonal: bool
) -> list[Forecast]:
    """``smoothing(history[:o], horizon, seasonal)`` for every origin ``o``, identical, from
    one pass of the grid over the series (a backtest at many origins for the price of one
    fit): the errors before ``o`` and the state after ``o`` weeks do not depend on later
    weeks, and the start values depend only on the first two years (the first week), so
    ``o`` must be at least 2 · SEASON when seasonal (1 otherwise)."""
    y = np.asarray(history, dtype=float)
    m = SEASON if seasonal else 0
    if any(not max(2 * m, 1) <= o <= len(y) for o in origins):
        raise ValueError(f"origins must lie in [{max(2 * m, 1)}, {len(y)}]")
    axes = (_ALPHA, _BETA, _PHI, _GAMMA if seasonal else (0.0,))
    a, b, p, g = (axis.ravel() for axis in np.meshgrid(*axes, indexing="ij"))
    errors, states = _run(y, m, a, b, p, g, origins)
    start = m if seasonal else 1  # the first year (first week) fitted itself
    steps = np.arange(1, horizon + 1)
    method = "holt-winters" if seasonal else "damped-holt"
    squares, out = errors**2, []  # squared once for every origin; sums as in one fit
    for o in origins:
        level, trend, season = states[o]
        best = int(np.argmin(squares[:, start:o].sum(axis=1)))
        points = level[best] + np.cumsum(p[best] ** steps) * trend[best]
        if seasonal:
            points = points + season[(o + steps - 1) % m, best]
        spread = Z80 * _rms(errors[best, start:o]) * np.sqrt(steps)
        out.append(Forecast(method, np.maximum(points, 0.0), spread))
    return out


def naive(history: Floats, horizon: int) -> Forecast:
    """The baseline: same week last year with 52 weeks of history, else the last week."""
    y = np.asarray(history, dtype=float)
    steps = np.arange(1, horizon + 1)
    if len(y) >= SEASON:
        points = y[len(y) - SEASON + (steps - 1) % SEASON]
        errors = y[SEASON:] - y[:-SEASON] if len(y) > SEASON else np.diff(y)
        return Forecast("seasonal-naive", points, Z80 * _rms(errors) * np.sqrt(-(-steps // SEASON)))
    points = np.full(horizon, y[-1])
    return Forecast("naive", points, Z80 * _rms(np.diff(y)) * np.sqrt(steps))


def mae(forecast: Floats, actual: Floats) -> float:
    return float(np.mean(np.abs(np.asarray(forecast) - np.asarray(actual))))
