"""The prices insight against a plain-Python calculation over the same rows: a seasonal
series with noise and gaps, a series under a year, the ±3-day windows, the province and
crop filters and the farm-gate / wholesale spread on common days."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import fmean
from typing import Any

import pytest
from snapdata import snapshot_of

from isanhub.insight.agri import prices
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 11, 24, 12, 0)
KK, NR, PT = "Khon Kaen", "Nakhon Ratchasima", "Pathum Thani"
CROPS = [
    {"id": "crop:kdml", "name_th": "ข้าวหอมมะลิ", "name_en": "Jasmine rice", "family": "rice"},
    {"id": "crop:rd6", "name_th": "ข้าวเหนียว", "name_en": "Glutinous rice", "family": "rice"},
    {"id": "crop:cassava", "name_th": "มันสำปะหลัง", "name_en": "Cassava", "family": "cassava"},
]
#: id -> (commodity, crop, price type, province, first day, level)
SERIES = {
    "kk-kdml-gate": ("kdml105", "crop:kdml", "farmGate", KK, date(2022, 1, 1), 15.9),
    "kk-kdml-sale": ("kdml105", "crop:kdml", "wholesale", PT, date(2022, 3, 1), 17.8),
    "kk-rd6-gate": ("rd6", "crop:rd6", "farmGate", KK, date(2024, 2, 1), 13.85),
    "kk-cassava-gate": ("cassava", "crop:cassava", "farmGate", KK, date(2026, 6, 1), 3.02),
    "nr-kdml-gate": ("kdml105", "crop:kdml", "farmGate", NR, date(2023, 5, 1), 15.7),
    "kk-kdml-retail": ("kdml105", "crop:kdml", "retail", KK, date(2025, 1, 1), 30.0),
}


def row(sid: str, at: datetime, price: float) -> dict[str, Any]:
    commodity, crop, kind, province, _first, _level = SERIES[sid]
    return {"id": sid, "commodity": commodity, "crop_id": crop, "price_type": kind,
            "market": f"{province} {kind}", "unit": "THB/kg", "province": province,
            "district": "Mueang", "name_th": f"ราคา {sid}", "name_en": f"Price {sid}",
            "at": at, "price": price}  # fmt: skip


#: (series, day) -> a price set by hand at the edges of the windows: the spread's last
#: common day is 2026-11-22; 30 and 365 days before it fall out of its windows, 29 and
#: 364 in; ties of the gate's lowest and highest prices (the most recent day counts)
EDGES = {
    ("kk-kdml-gate", date(2026, 11, 22)): 15.2, ("kk-kdml-sale", date(2026, 11, 22)): 17.0,
    ("kk-kdml-gate", date(2026, 10, 23)): 15.0, ("kk-kdml-sale", date(2026, 10, 23)): 30.0,
    ("kk-kdml-gate", date(2026, 10, 24)): 15.0, ("kk-kdml-sale", date(2026, 10, 24)): 16.0,
    ("kk-kdml-gate", date(2025, 11, 22)): 15.0, ("kk-kdml-sale", date(2025, 11, 22)): 99.0,
    ("kk-kdml-gate", date(2025, 11, 23)): 15.0, ("kk-kdml-sale", date(2025, 11, 23)): 1.0,
    ("kk-kdml-gate", date(2026, 2, 10)): 5.0, ("kk-kdml-gate", date(2026, 3, 10)): 5.0,
    ("kk-kdml-gate", date(2026, 4, 10)): 40.0, ("kk-kdml-gate", date(2026, 5, 10)): 40.0,
}  # fmt: skip


def rows() -> list[dict[str, Any]]:
    rng = random.Random(11)
    out = []
    for sid, (_c, _crop, kind, _p, first, level) in SERIES.items():
        day = first
        while day <= date(2026, 11, 23):
            doy = day.timetuple().tm_yday
            dip = 0.14 * math.exp(-0.5 * (min(abs(doy - 330), 365 - abs(doy - 330)) / 25) ** 2)
            noise = 0.03 if kind == "wholesale" else 0.01  # the spread varies day by day
            price = round(level * (1 - dip) * (1 + rng.gauss(0, noise)), 2)
            # gaps: random days, and 2025-11-24..30 for the gate (most of last year's window)
            skip = rng.random() < 0.1 or (
                sid == "kk-kdml-gate" and date(2025, 11, 24) <= day <= date(2025, 11, 30)
            )
            if sid == "kk-kdml-sale" and day > date(2026, 11, 22):
                skip = True  # the wholesale series ends earlier: the last common day
            if sid == "kk-rd6-gate" and day.toordinal() % 3:
                skip = True  # every third day only
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
            if (sid, day) in EDGES:
                out.append(row(sid, at, EDGES[sid, day]))
            elif not skip:
                out.append(row(sid, at, price))
                if rng.random() < 0.05:  # a second row the same day: the day's mean counts
                    out.append(row(sid, at + timedelta(hours=5), round(price * 1.01, 2)))
            day += timedelta(days=1)
    out.append(row("kk-kdml-gate", datetime(2026, 11, 24, 15), 99.0))  # after now: left out
    out.append(row("kk-kdml-gate", datetime(2026, 11, 24, 9), 15.0))
    return out


def by_day(rows: list[dict[str, Any]]) -> dict[str, dict[date, float]]:
    got: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["at"] <= NOW:
            got[r["id"]][r["at"].date()].append(r["price"])
    return {sid: {d: fmean(v) for d, v in days.items()} for sid, days in got.items()}


def around(days: dict[date, float], when: date) -> float | None:
    near = [p for d, p in days.items() if abs((d - when).days) <= 3]
    return fmean(near) if near else None


def change(now: float, then: float | None) -> dict[str, Any] | None:
    if then is None:
        return None
    return {"from": then, "thb": now - then, "pct": (now - then) / then * 100}


def expected(days: dict[date, float]) -> dict[str, Any]:
    last = max(days)
    price = days[last]
    year_ago = last.replace(year=last.year - 1)
    ly = around(days, year_ago)
    recent = [(p, d) for d, p in days.items() if (last - d).days < 365]
    lo = min(recent, key=lambda x: (x[0], -x[1].toordinal()))
    hi = max(recent, key=lambda x: (x[0], x[1].toordinal()))
    monday = last - timedelta(days=last.weekday())
    weeks: dict[date, list[float]] = defaultdict(list)
    for d, p in days.items():
        week = d - timedelta(days=d.weekday())
        if (monday - week).days <= 7 * 51:
            weeks[week].append(p)
    return {
        "latest": {"date": last.isoformat(), "price": price},
        "lastYear": {"date": year_ago.isoformat(), "price": ly},
        "yoyPct": None if ly is None else (price - ly) / ly * 100,
        "change30d": change(price, around(days, last - timedelta(days=30))),
        "change365d": change(price, around(days, last - timedelta(days=365))),
        "min365": {"date": lo[1].isoformat(), "price": lo[0]},
        "max365": {"date": hi[1].isoformat(), "price": hi[0]},
        "weekly": [
            {"weekStart": w.isoformat(), "price": fmean(v)} for w, v in sorted(weeks.items())
        ],  # fmt: skip
    }


def spread(gate: dict[date, float], sale: dict[date, float]) -> dict[str, Any]:
    common = sorted(set(gate) & set(sale))
    last = common[-1]

    def mean(span: int) -> dict[str, Any]:
        days = [d for d in common if (last - d).days < span]
        thb = [sale[d] - gate[d] for d in days]
        pct = [(sale[d] - gate[d]) / gate[d] * 100 for d in days]
        return {"thb": fmean(thb), "pct": fmean(pct), "days": len(days)}

    f, w = gate[last], sale[last]
    return {
        "latest": {"date": last.isoformat(), "farmGate": f, "wholesale": w,
                   "thb": w - f, "pct": (w - f) / f * 100},
        "mean30d": mean(30), "mean365d": mean(365),
    }  # fmt: skip


def same(got: Any, want: Any, key: str = "") -> bool:
    """``got`` (rounded by the insight) equals ``want`` (exact) to its rounding: 0.01 THB,
    0.1 % (so a sum in another order cannot flip a digit and fail the test)."""
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(same(got[k], want[k], k) for k in want)
        )
    if isinstance(want, list):
        return len(got) == len(want) and all(
            same(g, w, key) for g, w in zip(got, want, strict=True)
        )
    if isinstance(want, float) and not isinstance(got, str):
        return (
            got is not None and abs(got - want) <= (0.05 if "pct" in key.lower() else 0.005) + 1e-9
        )
    return bool(got == want)


FIGURES = ("latest", "lastYear", "yoyPct", "change30d", "change365d", "min365", "max365", "weekly")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, dict[date, float]]]:
    table = rows()
    con = snapshot_of(Path(tmp_path_factory.mktemp("prices")), prices=table, crops=CROPS)
    return con, by_day(table)


def test_every_figure_matches_a_plain_python_calculation(data: Any) -> None:
    con, days = data
    got = prices.insight(con, Ask(now=NOW, province=KK))
    ids = [s["id"] for s in got["series"]]
    assert ids == ["kk-cassava-gate", "kk-kdml-gate", "kk-kdml-sale", "kk-rd6-gate"]
    for s in got["series"]:
        assert same({k: s[k] for k in FIGURES}, expected(days[s["id"]])), s["id"]
    gate = next(s for s in got["series"] if s["id"] == "kk-kdml-gate")
    assert gate["latest"] == {"date": "2026-11-24", "price": 15.0}  # the 15:00 row is after now
    assert gate["lastYear"]["price"] is not None  # a gap of a week, the window still hits
    assert gate["family"] == "rice" and gate["name_en"] == "Price kk-kdml-gate"
    assert len(gate["weekly"]) == 52 and gate["weekly"][-1]["weekStart"] == "2026-11-23"
    assert gate["min365"] == {"date": "2026-03-10", "price": 5.0}
    assert gate["max365"] == {"date": "2026-05-10", "price": 40.0}


def test_a_series_under_a_year_has_no_last_year(data: Any) -> None:
    con, days = data
    got = prices.insight(con, Ask(now=NOW, province=KK, crop="cassava"))
    [s] = got["series"]
    assert s["lastYear"]["price"] is None and s["yoyPct"] is None and s["change365d"] is None
    assert same(s["change30d"], expected(days["kk-cassava-gate"])["change30d"])
    assert s["change30d"] is not None
    assert got["spreads"] == []  # no wholesale cassava


def test_spread_on_common_days(data: Any) -> None:
    con, days = data
    got = prices.insight(con, Ask(now=NOW, province=KK))
    [sp] = got["spreads"]
    assert sp["farmGate"]["id"] == "kk-kdml-gate" and sp["wholesale"]["id"] == "kk-kdml-sale"
    assert sp["name_en"] == "Jasmine rice" and sp["commodity"] == "kdml105"
    want = spread(days["kk-kdml-gate"], days["kk-kdml-sale"])
    assert same({k: sp[k] for k in want}, want)
    assert sp["latest"] == {"date": "2026-11-22", "farmGate": 15.2, "wholesale": 17.0,
                            "thb": 1.8, "pct": 11.8}  # fmt: skip


def test_province_and_crop_filters(data: Any) -> None:
    con, _ = data

    def ids(**kw: Any) -> list[str]:
        return sorted(s["id"] for s in prices.insight(con, Ask(now=NOW, **kw))["series"])

    assert ids(province=NR) == ["kk-kdml-sale", "nr-kdml-gate"]  # wholesale is national
    assert ids() == sorted(set(SERIES) - {"kk-kdml-retail"})
    assert ids(province=KK, crop="rice") == ["kk-kdml-gate", "kk-kdml-sale", "kk-rd6-gate"]
    assert ids(province=KK, crop="kdml105") == ["kk-kdml-gate", "kk-kdml-sale"]
    assert ids(province=KK, district="Elsewhere", crop="rd6") == ["kk-rd6-gate"]
    everywhere = prices.insight(con, Ask(now=NOW, crop="kdml105"))["spreads"]
    assert sorted(s["farmGate"]["id"] for s in everywhere) == ["kk-kdml-gate", "nr-kdml-gate"]


def test_now_in_the_past_sees_only_what_was_known(data: Any) -> None:
    con, days = data
    then = datetime(2025, 6, 30, 23, 0)
    got = prices.insight(con, Ask(now=then, province=KK, crop="rd6"))
    [s] = got["series"]
    known = {d: p for d, p in days["kk-rd6-gate"].items() if d <= then.date()}
    assert same({k: s[k] for k in FIGURES}, expected(known))
