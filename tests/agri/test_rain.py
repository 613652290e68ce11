"""Insight "rain": every figure against a plain-Python calculation over the same rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from snapdata import snapshot_of

from isanhub.insight.agri import normals, rain
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 8, 20, 14, 30)
END = datetime(2026, 8, 20, 14)  # the last complete hour ends here
H = timedelta(hours=1)


def row(sid: str, at: datetime, mm: float | None, province: str = "Khon Kaen",
        district: str = "Mueang Khon Kaen", temp: float | None = 28.0) -> dict[str, Any]:  # fmt: skip
    return {"id": sid, "province": province, "district": district, "lat": 16.4, "lon": 102.8,
            "at": at, "rain_mm": mm, "temp_c": temp}  # fmt: skip


def hours(sid: str, start: datetime, n: int, rng: random.Random, **kw: Any) -> list[dict]:  # type: ignore[type-arg]
    return [row(sid, start + k * H, round(rng.choice((0, 0, 0, 0.4, 2.5)), 1), **kw)
            for k in range(n)]  # fmt: skip


def total(rows: list[dict[str, Any]], sid: str, start: datetime, end: datetime) -> tuple:  # type: ignore[type-arg]
    mine = [
        r for r in rows if r["id"] == sid and start <= r["at"] < end and r["rain_mm"] is not None
    ]
    return len(mine), round(sum(r["rain_mm"] for r in mine), 1)


def by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in answer["stations"]}


def test_windows_end_at_the_last_complete_hour_and_count_gaps(tmp_path: Path) -> None:
    rng = random.Random(1)
    rows = hours("a", END - 40 * 24 * H, 40 * 24, rng)
    rows = [r for r in rows if r["at"] != END - 5 * H and r["at"] != END - 100 * H]  # gaps
    for r in rows:  # the boundaries: just inside 24 h, just outside
        if r["at"] == END - 24 * H:
            r["rain_mm"] = 7.0
        if r["at"] == END - 25 * H:
            r["rain_mm"] = 11.0
    rows.append(row("a", END, 50.0))  # the hour in progress: not counted
    rows.append(row("a", END - 3 * H, None, temp=30.5))  # no rain reading: a gap
    rows = [r for r in rows if not (r["at"] == END - 3 * H and r["rain_mm"] is not None)]
    got = by_id(rain.insight(snapshot_of(tmp_path, weather=rows), Ask(now=NOW)))["a"]
    for name, span in (("24h", 24), ("7d", 168), ("30d", 720)):
        w = got["rain"][name]
        n, mm = total(rows, "a", END - span * H, END)
        assert (w["hours"], w["rainMm"], w["expectedHours"]) == (n, mm, span)
        assert w["from"] == (END - span * H).isoformat() and w["to"] == END.isoformat()
    assert got["rain"]["24h"]["hours"] == 22  # two hours missing
    assert got["rain"]["7d"]["hours"] == 165
    day = total(rows, "a", END - 24 * H, END)[1]
    assert day >= 7.0 and total(rows, "a", END - 25 * H, END)[1] == round(day + 11.0, 1)
    # the latest temperature, whatever the rain: the in-progress hour's reading counts
    assert got["temperature"] == {"at": END.isoformat(), "tempC": 28.0}


def test_station_normal_needs_three_complete_earlier_years(tmp_path: Path) -> None:
    rng = random.Random(2)
    rows: list[dict[str, Any]] = []
    for sid, years, broken in (("three", 3, None), ("two", 2, None), ("four", 4, 2)):
        for k in range(years + 1):
            end = END.replace(year=END.year - k)
            chunk = hours(sid, end - 32 * 24 * H, 33 * 24, rng)
            if k == broken:  # 80 hours out: this year's 30-day window 89 % complete
                gap = end - 20 * 24 * H
                chunk = [r for r in chunk if not gap <= r["at"] < gap + 80 * H]
            rows += chunk
    got = by_id(rain.insight(snapshot_of(tmp_path, weather=rows), Ask(now=NOW)))
    for sid, years in (("three", 3), ("four", 4)):
        for name, span in (("24h", 24), ("7d", 168), ("30d", 720)):
            w = got[sid]["rain"][name]
            past = []
            for k in range(1, years + 1):
                end = END.replace(year=END.year - k)
                n, mm = total(rows, sid, end - span * H, end)
                if n >= 0.9 * span:
                    past.append(sum(r["rain_mm"] for r in rows if r["id"] == sid
                                    and end - span * H <= r["at"] < end))  # fmt: skip
            expect = sum(past) / len(past)
            assert w["normalSource"] == "station"
            assert w["normalYears"] == len(past)
            assert w["normalMm"] == round(expect, 1)
            ratio = round(w["rainMm"] / expect, 2) if expect >= 1 else None
            assert w["ratio"] == ratio
            assert w["category"] == rain.category(ratio)
    assert got["four"]["rain"]["30d"]["normalYears"] == 3  # the broken year left out
    assert got["four"]["rain"]["24h"]["normalYears"] == 4
    w = got["two"]["rain"]["30d"]  # two earlier years: the province's climate instead
    clim = normals.window("Khon Kaen", END - 720 * H, END)
    assert clim is not None
    assert (w["normalSource"], w["normalYears"], w["normalMm"]) == ("climate", None, round(clim, 1))
    assert w["ratio"] == round(w["rainMm"] / clim, 2)


@pytest.mark.parametrize(("ratio", "name"), [
    (0.0, "dry"), (0.4, "dry"), (0.41, "belowNormal"), (0.8, "belowNormal"), (0.81, "normal"),
    (1.19, "normal"), (1.2, "aboveNormal"), (1.59, "aboveNormal"), (1.6, "wet"), (None, None),
])  # fmt: skip
def test_categories_follow_the_departure_bands(ratio: float | None, name: str | None) -> None:
    assert rain.category(ratio) == name


def test_unknown_province_and_tiny_normals_give_no_ratio(tmp_path: Path) -> None:
    rows = [row("x", END - k * H, 0.5, province="Atlantis") for k in range(1, 25)]
    dec = datetime(2026, 12, 20, 14)  # December in Khon Kaen: ~0.1 mm a day
    rows += [row("k", dec - k * H, 0.0) for k in range(1, 25)]
    con = snapshot_of(tmp_path, weather=rows)
    w = by_id(rain.insight(con, Ask(now=NOW)))["x"]["rain"]["24h"]
    assert (w["rainMm"], w["normalMm"], w["normalSource"], w["ratio"]) == (12.0, None, None, None)
    w = by_id(rain.insight(con, Ask(now=dec)))["k"]["rain"]["24h"]
    assert w["normalSource"] == "climate" and w["normalMm"] < 1
    assert (w["ratio"], w["category"]) == (None, None)
    w = by_id(rain.insight(con, Ask(now=dec)))["k"]["rain"]["30d"]
    assert w["normalMm"] >= 1  # late November's rain still counts over 30 days
    assert (w["hours"], w["rainMm"], w["ratio"], w["category"]) == (24, 0.0, 0.0, "dry")


def test_days_since_the_last_day_with_one_millimetre(tmp_path: Path) -> None:
    day = datetime(2026, 8, 1)
    rows = [row("a", day - 30 * 24 * H + k * H, 0.0) for k in range(50 * 24)]
    for r in rows:
        if r["at"] in (datetime(2026, 8, 10, 3), datetime(2026, 8, 10, 22)):
            r["rain_mm"] = 0.5  # two halves make a rainy day
        if r["at"] == datetime(2026, 8, 14, 12):
            r["rain_mm"] = 0.9  # not a rainy day
    con = snapshot_of(tmp_path, weather=rows)
    got = by_id(rain.insight(con, Ask(now=NOW)))["a"]
    daily: dict[Any, float] = {}
    for r in rows:
        if r["at"] < END:
            daily[r["at"].date()] = daily.get(r["at"].date(), 0.0) + r["rain_mm"]
    last = max(d for d, mm in daily.items() if round(mm, 1) >= 1.0)
    assert got["lastRainyDay"] == last.isoformat() == "2026-08-10"
    assert got["daysSinceRain"] == (NOW.date() - last).days == 10
    # no rainy day at all: the dry spell is at least the days of data
    before = by_id(rain.insight(con, Ask(now=datetime(2026, 8, 5, 9))))["a"]
    assert before["lastRainyDay"] is None
    assert before["daysSinceRain"] == (datetime(2026, 8, 5) - rows[0]["at"]).days


def test_outlook_takes_the_latest_issue_known_now(tmp_path: Path) -> None:
    def fc(
        issued: datetime, day: int, mm: float, p: float, district: str = "Mueang Khon Kaen"
    ) -> dict:  # type: ignore[type-arg]
        start = datetime(2026, 8, day)
        return {"id": f"f{issued:%d%H}-{day}", "province": "Khon Kaen", "district": district,
                "issued_at": issued, "valid_from": start, "valid_to": start + 24 * H,
                "rain_mm": mm, "rain_probability": p, "temp_max_c": 33.0, "temp_min_c": 24.0}  # fmt: skip

    old, new, later = datetime(2026, 8, 19, 6), datetime(2026, 8, 20, 6), datetime(2026, 8, 20, 18)
    forecasts = [fc(new, d, 2.0 * (d - 20), 0.5 + 0.05 * (d - 20)) for d in range(21, 29)]
    forecasts += [fc(old, 22, 99.0, 0.99), fc(later, 23, 77.0, 0.99), fc(new, 20, 5.0, 0.9),
                  fc(new, 21, 40.0, 0.9, "Ban Phai")]  # fmt: skip
    rows = [row("a", END - H, 1.0)]
    con = snapshot_of(tmp_path, weather=rows, forecasts=forecasts)
    out = by_id(rain.insight(con, Ask(now=NOW)))["a"]["outlook"]
    # next 7 days: valid from in [now, now + 7 d): the 21st to the 27th, latest issue <= now
    kept = [f for f in forecasts if f["issued_at"] == new and f["district"] == "Mueang Khon Kaen"
            and NOW <= f["valid_from"] < NOW + 7 * 24 * H]  # fmt: skip
    assert [d["date"] for d in out["daily"]] == [f"2026-08-{d}" for d in range(21, 28)]
    assert out["days"] == 7 and out["issuedAt"] == new.isoformat()
    assert out["rainMm"] == round(sum(f["rain_mm"] for f in kept), 1) == 56.0
    likely = [f["valid_from"].date().isoformat() for f in kept if f["rain_probability"] >= 0.6]
    # the 21st at 55 % is not likely, the 22nd at 60 % is
    assert out["likelyRainDays"] == likely == [f"2026-08-{d}" for d in range(22, 28)]
    assert by_id(rain.insight(con, Ask(now=datetime(2026, 8, 29))))["a"]["outlook"] is None


def test_province_and_district_filters(tmp_path: Path) -> None:
    rows = [row("kk", END - H, 3.0), row("bp", END - H, 4.0, district="Ban Phai"),
            row("nr", END - H, 5.0, province="Nakhon Ratchasima", district="Pak Chong")]  # fmt: skip
    con = snapshot_of(tmp_path, weather=rows)
    assert set(by_id(rain.insight(con, Ask(now=NOW)))) == {"kk", "bp", "nr"}
    kk = rain.insight(con, Ask(now=NOW, province="Khon Kaen"))
    assert [s["id"] for s in kk["stations"]] == ["bp", "kk"]  # by district
    one = rain.insight(con, Ask(now=NOW, province="Khon Kaen", district="Ban Phai"))
    assert [(s["id"], s["rain"]["24h"]["rainMm"]) for s in one["stations"]] == [("bp", 4.0)]
    assert rain.insight(con, Ask(now=NOW, province="Phuket"))["stations"] == []
