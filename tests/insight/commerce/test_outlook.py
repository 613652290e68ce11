"""The outlook section: weekly series, selection, model against naive, intervals."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from isanhub.insight.commerce.outlook import outlook, weekly_series
from isanhub.insight.forecast import Z80, naive

from . import connect, line

AS_OF = date(2026, 11, 26)  # a Thursday
LAST = date(2026, 11, 23)  # the Monday of its week


def week_lines(units: list[int], sku: str = "A", channel: str = "shopee", **given: Any) -> list:
    """One line per week holding that week's units, the last week being LAST's."""
    first = LAST - timedelta(weeks=len(units) - 1)
    return [
        line(
            sku=sku,
            channel=channel,
            order_id=f"{sku}{channel}{w}",
            quantity=q,
            ordered_at=datetime.combine(
                first + timedelta(weeks=w, days=w % 3), datetime.min.time()
            ),
            **given,
        )
        for w, q in enumerate(units)
        if q
    ]


def only(result: dict, sku: str = "A", channel: str = "shopee") -> dict:
    (found,) = [s for s in result["series"] if s["sku"] == sku and s["channel"] == channel]
    return found


def test_weekly_series_match_plain_python() -> None:
    rng = random.Random(7)
    rows = []
    products = [("S1", "silk scarf"), ("S2", "mat"), ("", "pillow"), (None, "basket")]
    for i in range(600):
        sku, title = rng.choice(products)
        at = datetime(2026, 3, 2) + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
        rows.append(
            line(
                sku=sku,
                product=title,
                channel=rng.choice(["shopee", "lazada"]),
                order_id=f"o{i}",
                line_id=f"l{i}",
                status=rng.choice(["completed", "completed", "returned", "cancelled", "shipping"]),
                quantity=rng.randint(1, 4),
                returned_quantity=rng.choice([0, 1]),
                ordered_at=at,
            )
        )
    # week edges: Sunday 23:59 and Monday 00:00 fall in different weeks; after as_of is out
    rows.append(
        line(sku="S1", channel="shopee", line_id="e1", ordered_at=datetime(2026, 11, 22, 23, 59))
    )
    rows.append(
        line(sku="S1", channel="shopee", line_id="e2", ordered_at=datetime(2026, 11, 23, 0, 0))
    )
    rows.append(
        line(sku="S1", channel="shopee", line_id="e3", ordered_at=datetime(2026, 11, 27, 0, 0))
    )
    expected: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r["status"] == "cancelled" or r["ordered_at"].date() > AS_OF:
            continue
        day = r["ordered_at"].date()
        expected[r["sku"] or r["product"], r["channel"]][day - timedelta(days=day.weekday())] += r[
            "quantity"
        ]
    got = weekly_series(connect(rows), AS_OF)
    assert len(got) == len(expected) == 8
    for s in got:
        weeks = expected[s.sku or s.product, s.channel]
        first = min(weeks)
        assert s.first_week == first
        span = (LAST - first).days // 7 + 1
        assert s.units == [weeks.get(first + timedelta(weeks=k), 0) for k in range(span)]
        assert s.sku in ("S1", "S2", None)
    result = outlook(connect(rows), AS_OF)
    for s in result["series"]:
        weeks = expected[s["sku"] or s["product"], s["channel"]]
        assert [h["weekStart"] for h in s["history"]] == [
            (LAST - timedelta(weeks=25 - k)).isoformat() for k in range(26)
        ]
        assert [h["units"] for h in s["history"]] == [
            weeks.get(LAST - timedelta(weeks=25 - k), 0) for k in range(26)
        ]


def seasonal_units(weeks: int, seed: int = 3) -> list[int]:
    rng = np.random.default_rng(seed)
    w = np.arange(weeks)
    return [int(round(v)) for v in 20 + 15 * np.sin(2 * np.pi * w / 52) + rng.normal(0, 2, weeks)]


def test_seasonal_series_model_beats_naive_and_tracks_the_shape() -> None:
    y = seasonal_units(156)
    s = only(outlook(connect(week_lines(y)), AS_OF))
    assert s["method"] == "holt-winters"
    bt = s["backtest"]
    naive_mae = sum(abs(y[96 + k] - y[148 + k]) for k in range(8)) / 8
    assert bt["weeks"] == 8
    assert bt["maeNaive"] == pytest.approx(naive_mae, abs=0.005)
    assert bt["maeModel"] < bt["maeNaive"]
    assert s["shown"] == "model"
    assert bt["skill"] == pytest.approx(1 - bt["maeModel"] / bt["maeNaive"], rel=0.01, abs=0.002)
    assert bt["skill"] > 0
    assert [f["weekStart"] for f in s["forecast"]] == [
        (LAST + timedelta(weeks=h)).isoformat() for h in range(1, 9)
    ]
    for h, f in enumerate(s["forecast"], start=1):
        truth = 20 + 15 * math.sin(2 * math.pi * (155 + h) / 52)
        assert f["units"] == pytest.approx(truth, abs=4)
        assert f["low"] <= f["units"] <= f["high"]
    widths = [f["high"] - f["low"] for f in s["forecast"]]
    assert widths == sorted(widths) and widths[0] > 0


@pytest.mark.parametrize("noise", [False, True])
def test_naive_wins_and_its_forecast_is_shown(noise: bool) -> None:
    rng = random.Random(11)
    pattern = [rng.randint(5, 40) for _ in range(52)]
    repeat = [p + (rng.choice([-1, 1]) if noise else 0) for p in pattern[:18]]
    y = pattern + repeat  # 70 weeks: the last 8 repeat last year's weeks (almost) exactly
    s = only(outlook(connect(week_lines(y)), AS_OF))
    assert s["method"] == "damped-holt"  # 62 weeks before the backtest: no seasonal model
    bt = s["backtest"]
    assert bt["maeNaive"] == pytest.approx(
        sum(abs(y[10 + k] - y[62 + k]) for k in range(8)) / 8, abs=0.005
    )
    assert bt["maeModel"] > bt["maeNaive"]
    assert s["shown"] == "naive"
    assert [f["units"] for f in s["forecast"]] == [float(y[18 + k]) for k in range(8)]
    if noise:
        assert bt["skill"] == pytest.approx(
            1 - bt["maeModel"] / bt["maeNaive"], rel=0.01, abs=0.002
        )
        assert bt["skill"] < 0
    else:
        assert bt["maeNaive"] == 0 and bt["skill"] is None
        # a year that repeats exactly: no one-step seasonal error, an interval of width 0
        assert all(f["low"] == f["units"] == f["high"] for f in s["forecast"])


def test_naive_baseline_by_hand() -> None:
    y = np.arange(1.0, 61.0)  # 60 weeks: 1, 2, ..., 60
    seasonal = naive(y, 54)
    assert seasonal.method == "seasonal-naive"
    assert list(seasonal.units[:3]) == [9.0, 10.0, 11.0]  # weeks 61..63 ← weeks 9..11
    assert seasonal.units[52] == 9.0 and seasonal.units[53] == 10.0  # wraps after a year
    assert seasonal.spread[0] == pytest.approx(Z80 * 52)  # every yearly difference is 52
    assert seasonal.spread[51] == pytest.approx(Z80 * 52)
    assert seasonal.spread[52] == pytest.approx(Z80 * 52 * math.sqrt(2))
    last = naive(np.array([3.0, 5.0, 7.0]), 3)
    assert last.method == "naive"
    assert list(last.units) == [7.0, 7.0, 7.0]
    assert list(last.spread) == pytest.approx([Z80 * 2 * math.sqrt(h) for h in (1, 2, 3)])
    # through the outlook: 20 weeks, the naive of the backtest is week 12 repeated
    y20 = [5, 9, 4, 8, 6, 7, 3, 9, 5, 6, 8, 11, 2, 14, 3, 12, 1, 15, 2, 13]
    s = only(outlook(connect(week_lines(y20)), AS_OF))
    assert s["backtest"]["maeNaive"] == pytest.approx(
        sum(abs(11 - v) for v in y20[12:]) / 8, abs=0.005
    )


def test_selection_rules() -> None:
    rows = []
    rows += week_lines([1] * 15, sku="SHORT")  # 15 weeks of history: out
    rows += week_lines([1] + [0] * 14 + [1], sku="EDGE")  # 16 weeks: in
    rows += week_lines([50] * 20 + [0] * 26, sku="DORMANT")  # last sold 26 weeks ago: out
    rows += week_lines([5] + [0] * 25, sku="EARLY")  # sold 25 weeks ago only: in
    rows += week_lines([90] * 30 + [1] * 26, sku="OLD")  # big long ago, 26 in the window
    for i in range(12):  # 30 + i units a week: 26 × (30 + i) in the window
        rows += week_lines([30 + i] * 20, sku=f"P{i:02d}")
    rows += week_lines([30] * 20, sku="P00", channel="lazada")  # ties P00 shopee
    rows += week_lines([30] * 20, sku="P00", channel="lazada", status="cancelled")
    rows += week_lines([32] * 20, sku="P02", channel="lazada")  # ties P02 shopee, 10th
    got = [(s["sku"], s["channel"]) for s in outlook(connect(rows), AS_OF)["series"]]
    assert got == [(f"P{i:02d}", "shopee") for i in range(11, 2, -1)] + [("P02", "lazada")]
    less = [r for r in rows if not r["sku"].startswith("P") or r["sku"] in ("P00", "P01")]
    less += week_lines([30] * 20, sku="B")  # ties both P00 series
    got = [(s["sku"], s["channel"]) for s in outlook(connect(less), AS_OF)["series"]]
    assert got == [
        ("P01", "shopee"),
        ("B", "shopee"),
        ("P00", "lazada"),  # ties are taken by product, then channel
        ("P00", "shopee"),
        ("OLD", "shopee"),
        ("EARLY", "shopee"),
        ("EDGE", "shopee"),
    ]


def test_ties_at_the_cut_and_short_history() -> None:
    rows = [
        *week_lines([3] * 20, sku="B", channel="lazada"),
        *week_lines([3] * 20, sku="A", channel="shopee"),
        *week_lines([3] * 20, sku="A", channel="lazada"),
    ]
    con = connect(rows)
    assert [(s.sku, s.channel) for s in weekly_series(con, AS_OF, limit=1)] == [("A", "lazada")]
    assert [(s.sku, s.channel) for s in weekly_series(con, AS_OF, limit=2)] == [
        ("A", "lazada"),
        ("A", "shopee"),
    ]
    # 20 weeks of history: the 26 weeks shown start with 6 weeks without sales
    history = only(outlook(con, AS_OF), "A", "shopee")["history"]
    assert [h["units"] for h in history] == [0] * 6 + [3] * 20


def test_intervals_contain_the_forecast_and_stay_above_zero() -> None:
    rng = random.Random(5)
    sparse = [rng.choice([0, 0, 0, 1, 2]) for _ in range(40)]
    sparse[0] = sparse[-1] = 1
    rows = week_lines(sparse, sku="SPARSE") + week_lines(seasonal_units(120), sku="SEASON")
    result = outlook(connect(rows), AS_OF, horizon=6)
    assert result["horizonWeeks"] == 6 and len(result["series"]) == 2
    for s in result["series"]:
        assert len(s["forecast"]) == 6
        for f in s["forecast"]:
            assert 0 <= f["low"] <= f["units"] <= f["high"]
            assert f["high"] > f["low"]
    assert any(f["low"] == 0 for f in only(result, "SPARSE")["forecast"])


def test_empty_table() -> None:
    assert outlook(connect([]), AS_OF) == {"horizonWeeks": 8, "series": []}
    # lines only after as_of are not history either
    later = [line(ordered_at=datetime(2026, 12, 1, 9, 0))]
    assert outlook(connect(later), AS_OF) == {"horizonWeeks": 8, "series": []}
