"""Forecasts of short weekly unit series, pure numpy (used by outlook.py).

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


def _run(
    y: Floats, m: int, a: Floats, b: Floats, p: Floats, g: Floats
) -> tuple[Floats, Floats, Floats, Floats]:
    """One-step errors (grid × weeks) and final level, trend, season of every grid point."""
    size = len(a)
    if m:
        first = float(y[:m].mean())
        level = np.full(size, first)
        trend = np.full(size, (float(y[m : 2 * m].mean()) - first) / m)
        season = np.tile(y[:m] - first, (size, 1))
    else:
        level, trend, season = np.full(size, y[0]), np.zeros(size), np.zeros((size, 1))
    errors = np.empty((size, len(y)))
    for t, value in enumerate(y):
        s = season[:, t % m] if m else 0.0
        errors[:, t] = value - (level + p * trend + s)
        new_level = a * (value - s) + (1 - a) * (level + p * trend)
        trend = b * (new_level - level) + (1 - b) * p * trend
        if m:
            season[:, t % m] = g * (value - new_level) + (1 - g) * s
        level = new_level
    return errors, level, trend, season


def smoothing(history: Floats, horizon: int, seasonal: bool | None = None) -> Forecast:
    """The model's forecast; ``seasonal`` defaults to having two years of history."""
    y = np.asarray(history, dtype=float)
    if seasonal is None:
        seasonal = len(y) >= 2 * SEASON
    m = SEASON if seasonal else 0
    axes = (_ALPHA, _BETA, _PHI, _GAMMA if seasonal else (0.0,))
    a, b, p, g = (axis.ravel() for axis in np.meshgrid(*axes, indexing="ij"))
    errors, level, trend, season = _run(y, m, a, b, p, g)
    start = m if seasonal else 1  # the first year (first week) fitted itself
    best = int(np.argmin((errors[:, start:] ** 2).sum(axis=1)))
    steps = np.arange(1, horizon + 1)
    points = level[best] + np.cumsum(p[best] ** steps) * trend[best]
    if seasonal:
        points = points + season[best, (len(y) + steps - 1) % m]
    spread = Z80 * _rms(errors[best, start:]) * np.sqrt(steps)
    method = "holt-winters" if seasonal else "damped-holt"
    return Forecast(method, np.maximum(points, 0.0), spread)


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
