"""Insight "alerts": each rule firing at its threshold and not just below it, over known
rows, with the triggering figures checked against plain Python."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from snapdata import snapshot_of

from isanhub.insight.agri import alerts, normals
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 8, 20, 14, 30)  # rainy season
H = timedelta(hours=1)
D = timedelta(days=1)


def end_of(now: datetime) -> datetime:
    return now.replace(minute=0)


def station(sid: str, now: datetime, rain: dict[datetime, float], days: int = 31,
            province: str = "Khon Kaen", hours: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Hourly rows of the ``hours`` (default ``days`` x 24) hours before ``now``'s hour,
    dry but for ``rain``; the district is the station id."""
    end = end_of(now)
    n = hours if hours is not None else days * 24
    return [{"id": sid, "province": province, "district": sid, "lat": 16.4, "lon": 102.8,
             "at": end - k * H, "rain_mm": rain.get(end - k * H, 0.0), "temp_c": 27.0}
            for k in range(1, n + 1)]  # fmt: skip


def history(sid: str, now: datetime, mm: float, years: int = 3) -> list[dict[str, Any]]:
    """Earlier years whose 30-day window ending at ``now``'s anniversary had ``mm``."""
    rows = []
    for k in range(1, years + 1):
        then = now.replace(year=now.year - k)
        rows += station(sid, then, {end_of(then) - (36 * i + 5) * H: mm / 20 for i in range(20)})
    return rows


def spread(now: datetime, total: float, times: list[timedelta]) -> dict[datetime, float]:
    """``total`` mm over the hours ``end - t``, in 0.1 mm amounts, the last one the rest."""
    each = round(total / len(times), 1)
    amounts = [each] * (len(times) - 1) + [round(total - each * (len(times) - 1), 1)]
    return {end_of(now) - t: a for t, a in zip(times, amounts, strict=True)}


def codes(answer: dict[str, Any], district: str) -> dict[str, str]:
    return {a["code"]: a["level"] for a in answer["alerts"] if a["district"] == district}


def test_24_hour_rain_follows_tmd_heavy_and_very_heavy(tmp_path: Path) -> None:
    end = end_of(NOW)
    cases = {"r350": 35.0, "r351": 35.1, "r900": 90.0, "r901": 90.1}
    rows = []
    for sid, mm in cases.items():  # two hours, one right at the window's start
        rows += station(sid, NOW, {end - 24 * H: round(mm - 20.0, 1), end - 2 * H: 20.0})
    rows += station("outside", NOW, {end - 25 * H: 95.0})  # an hour too early
    got = alerts.insight(snapshot_of(tmp_path, weather=rows), Ask(now=NOW))
    for sid in [*cases, "outside"]:
        mm = round(sum(r["rain_mm"] for r in rows if r["id"] == sid
                       and end - 24 * H <= r["at"] < end), 1)  # fmt: skip
        flood = {c: v for c, v in codes(got, sid).items() if c.endswith("24h")}
        expect = ({"veryHeavyRain24h": "warning"} if mm >= 90.1 else
                  {"heavyRain24h": "watch"} if mm >= 35.1 else {})  # fmt: skip
        assert flood == expect, sid
        for a in got["alerts"]:
            if a["district"] == sid and a["code"] in expect:
                assert a["figures"]["rain24hMm"] == mm
                assert a["figures"]["hours"] == 24 and a["rule"] == alerts.RULES[a["code"]]
    assert codes(got, "r351")["heavyRain24h"] == "watch"
    assert codes(got, "r901")["veryHeavyRain24h"] == "warning"
    assert "heavyRain24h" not in codes(got, "r350")


def test_a_wet_week_needs_twice_normal_and_150_mm(tmp_path: Path) -> None:
    days = [(24 * k + 2) * H for k in range(7)]  # one shower a day: no heavy 24 hours
    sep = datetime(2026, 9, 20, 14, 30)
    # Khon Kaen in August: twice normal is ~100 mm, so the 150 mm floor decides
    kk = normals.window("Khon Kaen", end_of(NOW) - 7 * D, end_of(NOW))
    assert kk is not None and 2 * round(kk, 1) < 149.9
    rows = station("kk1499", NOW, spread(NOW, 149.9, days))
    rows += station("kk1500", NOW, spread(NOW, 150.0, days))
    got = alerts.insight(snapshot_of(tmp_path / "kk", weather=rows), Ask(now=NOW))
    assert "wetWeek" not in codes(got, "kk1499")
    assert codes(got, "kk1500")["wetWeek"] == "warning"
    fig = next(a["figures"] for a in got["alerts"] if a["code"] == "wetWeek")
    assert fig == {"rain7dMm": 150.0, "normalMm": round(kk, 1), "normalSource": "climate"}
    # Phuket in September: twice normal is over 150 mm, so the ratio decides
    ph = normals.window("Phuket", end_of(sep) - 7 * D, end_of(sep))
    assert ph is not None
    twice = round(2 * round(ph, 1), 1)
    assert twice > 150
    rows = station("below", sep, spread(sep, twice - 0.1, days), province="Phuket")
    rows += station("at", sep, spread(sep, twice, days), province="Phuket")
    got = alerts.insight(snapshot_of(tmp_path / "ph", weather=rows), Ask(now=sep))
    assert "wetWeek" not in codes(got, "below") and codes(got, "at")["wetWeek"] == "warning"
    assert not any(c.endswith("24h") for c in codes(got, "at"))


def test_rainy_season_drought_from_the_30_day_share_of_normal(tmp_path: Path) -> None:
    often = [(24 * 6 * k + 5) * H for k in range(5)]  # a rainy day every six days
    rows = []
    for sid, mm in (("s1000", 100.0), ("s999", 99.9), ("s500", 50.0), ("s499", 49.9)):
        rows += history(sid, NOW, 200.0) + station(sid, NOW, spread(NOW, mm, often))
    got = alerts.insight(snapshot_of(tmp_path, weather=rows), Ask(now=NOW))
    assert codes(got, "s1000") == {}
    assert codes(got, "s999") == {"dryMonth": "watch"}
    assert codes(got, "s500") == {"dryMonth": "watch"}
    assert codes(got, "s499") == {"veryDryMonth": "warning"}
    fig = next(a["figures"] for a in got["alerts"] if a["district"] == "s499")
    assert fig == {"rain30dMm": 49.9, "normalMm": 200.0, "normalSource": "station",
                   "share": round(49.9 / 200.0, 2)}  # fmt: skip


def test_rainy_season_dry_spell_of_15_days(tmp_path: Path) -> None:
    end, today = end_of(NOW), datetime(2026, 8, 20)
    rows = []
    for sid, last in (("d14", 14), ("d15", 15)):
        rain = {today - (last + i) * D + 10 * H: 10.0 for i in range(15)}  # 150 mm, then dry
        rows += history(sid, NOW, 200.0) + station(sid, NOW, rain)
    got = alerts.insight(snapshot_of(tmp_path, weather=rows), Ask(now=NOW))
    assert codes(got, "d14") == {}
    assert codes(got, "d15") == {"drySpell": "warning"}
    fig = next(a["figures"] for a in got["alerts"] if a["district"] == "d15")
    assert fig == {"daysSinceRain": 15, "lastRainyDay": "2026-08-05"}
    assert (end - 30 * D) < today - 29 * D  # all of that rain inside the 30 days


def test_drought_rules_need_a_90_percent_complete_month(tmp_path: Path) -> None:
    rows = station("h647", NOW, {}, hours=647) + station("h648", NOW, {}, hours=648)
    got = alerts.insight(snapshot_of(tmp_path, weather=rows), Ask(now=NOW))
    assert codes(got, "h647") == {}
    assert codes(got, "h648") == {"veryDryMonth": "warning", "drySpell": "warning"}


def test_dry_season_counts_only_long_spells_when_rain_was_due(tmp_path: Path) -> None:
    march = datetime(2026, 3, 31, 14, 30)
    today = datetime(2026, 3, 31)
    rows = []
    for sid, spell, province in (("m44", 44, "Khon Kaen"), ("m45", 45, "Khon Kaen"),
                                 ("x45", 45, "Atlantis")):  # fmt: skip
        rows += station(sid, march, {today - spell * D + 10 * H: 5.0}, days=spell + 1,
                        province=province)  # fmt: skip
    got = alerts.insight(snapshot_of(tmp_path / "m", weather=rows), Ask(now=march))
    assert got["season"] == "dry"
    due = normals.window("Khon Kaen", today - 45 * D, today, "rain_days")
    assert due is not None and due >= 3
    assert codes(got, "m44") == {}  # nor dryMonth: no share rule in the dry season
    assert codes(got, "m45") == {"longDrySpell": "watch"}
    fig = next(a["figures"] for a in got["alerts"] if a["district"] == "m45")
    assert fig == {"daysSinceRain": 45, "lastRainyDay": "2026-02-14",
                   "normalRainDays": round(due, 1)}  # fmt: skip
    assert codes(got, "x45") == {"longDrySpell": "watch"}  # no normals: the spell alone
    # mid-winter: 60 dry days are what Khon Kaen expects, no alert
    jan, jan_day = datetime(2027, 1, 20, 14, 30), datetime(2027, 1, 20)
    rows = station("j60", jan, {jan_day - 60 * D + 10 * H: 5.0}, days=61)
    got = alerts.insight(snapshot_of(tmp_path / "j", weather=rows), Ask(now=jan))
    winter = normals.window("Khon Kaen", jan_day - 60 * D, jan_day, "rain_days")
    assert winter is not None and winter < 3 and codes(got, "j60") == {}


def gauge(gid: str, level: float, status: str, province: str = "Khon Kaen") -> dict[str, Any]:
    return {"id": gid, "province": province, "district": gid, "lat": 16.4, "lon": 102.8,
            "river": "Chi", "level_m": level, "alert_m": 5.0, "danger_m": 7.0,
            "status": status, "observed_at": NOW - H}  # fmt: skip


def test_gauges_status_and_levels(tmp_path: Path) -> None:
    levels = [gauge("low", 4.99, "normal"), gauge("atAlert", 5.0, "normal"),
              gauge("alert", 4.0, "alert"), gauge("atDanger", 7.0, "alert"),
              gauge("danger", 6.0, "danger"), gauge("nr", 8.0, "danger", "Nakhon Ratchasima")]  # fmt: skip
    con = snapshot_of(tmp_path, levels=levels)
    got = alerts.insight(con, Ask(now=NOW, province="Khon Kaen"))
    expect = {"low": {}, "atAlert": {"riverAlert": "watch"}, "alert": {"riverAlert": "watch"},
              "atDanger": {"riverDanger": "warning"}, "danger": {"riverDanger": "warning"}}  # fmt: skip
    assert {g: codes(got, g) for g in expect} == expect
    assert "nr" not in {d["district"] for d in got["districts"]}
    a = next(a for a in got["alerts"] if a["district"] == "atDanger")
    assert a["source"] == {"type": "gauge", "id": "atDanger"} and a["kind"] == "flood"
    assert a["figures"] == {"river": "Chi", "levelM": 7.0, "alertM": 5.0, "dangerM": 7.0,
                            "status": "alert", "observedAt": (NOW - H).isoformat()}  # fmt: skip
    everywhere = alerts.insight(con, Ask(now=NOW))
    assert codes(everywhere, "nr") == {"riverDanger": "warning"}


def test_district_summary_takes_the_worst_level(tmp_path: Path) -> None:
    end = end_of(NOW)
    rows = station("Ban Phai", NOW, {end - 3 * H: 40.0})  # heavy rain, a dry month
    rows += station("Quiet", NOW, spread(NOW, 400.0, [(24 * k + 5) * H for k in range(25)]))
    levels = [gauge("Ban Phai", 5.5, "alert")]
    got = alerts.insight(snapshot_of(tmp_path, weather=rows, levels=levels), Ask(now=NOW))
    by = {d["district"]: d for d in got["districts"]}
    assert codes(got, "Ban Phai") == {
        "heavyRain24h": "watch",
        "riverAlert": "watch",
        "veryDryMonth": "warning",
    }  # rained today: no spell
    assert by["Ban Phai"] == {"province": "Khon Kaen", "district": "Ban Phai",
                              "level": "warning", "flood": "watch", "drought": "warning",
                              "alerts": 3}  # fmt: skip
    assert by["Quiet"]["level"] == "none" and by["Quiet"]["alerts"] == 0
    assert got["level"] == "warning"
