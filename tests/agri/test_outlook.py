"""The outlook insight against an independent recomputation over the same rows: weekly
means ending on the last day, gap weeks, the rolling-origin backtest (the shared model
refitted at every origin, the seasonal-naive by hand), the rule choosing what is shown,
intervals, the horizon clamp and the filters."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import fmean
from typing import Any

import numpy as np
import pytest
from snapdata import snapshot_of

from isanhub.insight.agri import outlook
from isanhub.insight.agri.ask import Ask
from isanhub.insight.forecast import Z80, smoothing

NOW = datetime(2026, 11, 24, 12, 0)
LAST = date(2026, 11, 23)
KK, NR = "Khon Kaen", "Nakhon Ratchasima"
#: whole weeks (counted back from the last day) without a price in the seasonal series
GAP_WEEKS = (10, 31)


def row(
    sid: str, day: date, price: float, kind: str = "farmGate", province: str = KK
) -> dict[str, Any]:
    commodity = {"kdml": "kdml105"}.get(sid.split("-")[1], sid.split("-")[1])
    return {"id": sid, "commodity": commodity, "crop_id": None, "price_type": kind,
            "market": "m", "unit": "THB/kg", "province": province, "district": "Mueang",
            "name_th": f"ราคา {sid}", "name_en": f"Price {sid}",
            "at": datetime.combine(day, datetime.min.time()) + timedelta(hours=8),
            "price": round(price, 2)}  # fmt: skip


def seasonal_rows() -> list[dict[str, Any]]:
    """Four years of a harvest dip every November, a rising trend and 1 % noise."""
    rng = random.Random(3)
    out = []
    for n in range(4 * 365):
        day = LAST - timedelta(days=n)
        if (LAST - day).days // 7 in GAP_WEEKS:
            continue
        doy = day.timetuple().tm_yday
        dip = math.exp(-0.5 * (min(abs(doy - 330), 365 - abs(doy - 330)) / 25) ** 2)
        trend = 1 + 0.06 * (day - LAST).days / 365
        out.append(row("kk-kdml-gate", day, 15.9 * trend * (1 - 0.2 * dip) * rng.gauss(1, 0.01)))
    return out


def walk_rows(seed: int) -> list[dict[str, Any]]:
    """A random walk over 300 days (43 weeks: the naive is last week's price)."""
    rng = random.Random(seed)
    price, out = 3.0, []
    for n in range(300):
        price *= math.exp(rng.gauss(0, 0.02))
        out.append(row("kk-cassava-gate", LAST - timedelta(days=299 - n), price))
    return out


def others() -> list[dict[str, Any]]:
    short = [row("kk-maize-gate", LAST - timedelta(days=n), 11.6) for n in range(60)]
    nr = [row("nr-kdml-gate", LAST - timedelta(days=n), 15.0, province=NR) for n in range(400)]
    sale = [row("pt-kdml-sale", LAST - timedelta(days=n), 17.0, "wholesale", "Pathum Thani")
            for n in range(400)]  # fmt: skip
    return short + nr + sale


def weekly(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Weekly means (7 days ending on the last day), oldest first; gaps linearly filled."""
    days: dict[date, list[float]] = defaultdict(list)
    for r in rows:
        days[r["at"].date()].append(r["price"])
    last = max(days)
    weeks: dict[int, list[float]] = defaultdict(list)
    for d, v in days.items():
        weeks[(last - d).days // 7].append(fmean(v))
    n = max(weeks) + 1
    y, seen = [fmean(weeks[n - 1 - i]) if n - 1 - i in weeks else None for i in range(n)], []
    for i, v in enumerate(y):
        seen.append(v is not None)
        if v is None:  # between the nearest seen weeks on either side
            lo = max(j for j in range(i) if y[j] is not None)
            hi = min(j for j in range(i, n) if y[j] is not None)
            y[i] = y[lo] + (y[hi] - y[lo]) * (i - lo) / (hi - lo)  # type: ignore[operator]
    return np.array(y, dtype=float), np.array(seen)


def backtest(y: np.ndarray, seen: np.ndarray, weeks: int) -> tuple[int, float, float]:
    """Origins, MAPE of the model refitted at each origin, MAPE of the seasonal naive."""
    n, model, naive = len(y), [], []
    starts = [o for o in range(n - weeks, -1, -4) if o >= n - 52 and o >= 12]
    for o in starts:
        fit = smoothing(y[:o], weeks).units
        for h in range(weeks):
            if seen[o + h]:
                actual = y[o + h]
                base = y[o - 52 + h] if o >= 52 else y[o - 1]
                model.append(abs(fit[h] - actual) / actual)
                naive.append(abs(base - actual) / actual)
    return len(starts), 100 * fmean(model), 100 * fmean(naive)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Any:
    rows = seasonal_rows() + walk_rows(WALK_SEED) + others()
    return snapshot_of(Path(tmp_path_factory.mktemp("outlook")), prices=rows)


WALK_SEED = 4  #: a walk on which the model loses to the naive


def series(con: Any, sid: str, **kw: Any) -> dict[str, Any]:
    got = outlook.insight(con, Ask(now=NOW, province=KK, **kw))
    return next(s for s in got["series"] if s["id"] == sid)


@pytest.mark.parametrize("weeks", [4, 8])
def test_seasonal_series_backtest_matches_refitting_at_every_origin(con: Any, weeks: int) -> None:
    s = series(con, "kk-kdml-gate", weeks=weeks)
    y, seen = weekly(seasonal_rows())
    origins, mape_model, mape_naive = backtest(y, seen, weeks)
    assert s["weeksOfHistory"] == len(y) == 209 and s["filledWeeks"] == len(GAP_WEEKS)
    bt = s["backtest"]
    assert bt["origins"] == origins == (13 if weeks == 4 else 12)
    assert bt["mapeModel"] == pytest.approx(mape_model, abs=0.005)
    assert bt["mapeNaive"] == pytest.approx(mape_naive, abs=0.005)
    assert bt["skill"] == pytest.approx(1 - mape_model / mape_naive, abs=0.0005)
    assert mape_model < mape_naive  # a trend the seasonal naive misses: the model wins
    assert s["model"] == s["method"] == "holt-winters" and s["shown"] == "model"
    assert "note" not in s
    want = smoothing(y, weeks)
    for h, p in enumerate(s["forecast"]):
        start = LAST + timedelta(days=7 * h + 1)
        assert (p["weekStart"], p["weekEnd"]) == (str(start), str(start + timedelta(days=6)))
        assert p["price"] == pytest.approx(want.units[h], abs=0.005)
        assert p["high"] - p["price"] == pytest.approx(want.spread[h], abs=0.011)
        assert p["low"] < p["price"] < p["high"]


def test_random_walk_the_naive_wins_and_is_shown(con: Any) -> None:
    s = series(con, "kk-cassava-gate", weeks=6)
    y, seen = weekly(walk_rows(WALK_SEED))
    origins, mape_model, mape_naive = backtest(y, seen, 6)
    bt = s["backtest"]
    assert (bt["origins"], len(y)) == (origins, 43) and origins == 7
    assert bt["mapeModel"] == pytest.approx(mape_model, abs=0.005)
    assert bt["mapeNaive"] == pytest.approx(mape_naive, abs=0.005)
    assert mape_model >= mape_naive and bt["skill"] <= 0
    assert s["model"] == "damped-holt" and (s["method"], s["shown"]) == ("naive", "naive")
    assert "did not beat" in s["note"] and s["note_th"]
    width = Z80 * math.sqrt(np.mean(np.diff(y) ** 2))  # the last-week naive's interval
    for h, p in enumerate(s["forecast"], start=1):
        assert p["price"] == round(y[-1], 2)
        assert p["high"] - p["price"] == pytest.approx(width * math.sqrt(h), abs=0.011)
        assert p["low"] <= p["price"] <= p["high"]


def test_too_short_a_series_has_a_reason_and_no_forecast(con: Any) -> None:
    s = series(con, "kk-maize-gate")
    assert s["weeksOfHistory"] == 9 and s["forecast"] == [] and s["method"] is None
    assert "12" in s["reason"] and s["reason_th"]


def test_horizon_is_clamped_to_four_to_eight_weeks(con: Any) -> None:
    for asked, used in ((1, 4), (4, 4), (6, 6), (8, 8), (20, 8)):
        got = outlook.insight(con, Ask(now=NOW, province=KK, crop="kdml105", weeks=asked))
        assert got["weeks"] == used
        assert [len(s["forecast"]) for s in got["series"]] == [used]


def test_only_farm_gate_of_the_asked_province_and_crop(con: Any) -> None:
    def ids(**kw: Any) -> list[str]:
        return [s["id"] for s in outlook.insight(con, Ask(now=NOW, **kw))["series"]]

    assert ids(province=KK) == ["kk-cassava-gate", "kk-kdml-gate", "kk-maize-gate"]
    assert ids(province=NR) == ["nr-kdml-gate"]
    assert ids(crop="kdml105") == ["kk-kdml-gate", "nr-kdml-gate"]
    assert ids(province=KK, crop="rice") == []  # no crop rows: the family is unknown
