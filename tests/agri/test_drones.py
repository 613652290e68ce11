"""The drones insight against a plain-Python count over the same rows: monthly buckets
at month boundaries, per-drone and per-pilot sums, time saved, the due window."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from snapdata import snapshot_of

from isanhub.insight.agri import drones
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 11, 24, 12, 0)
KK, NR = "Khon Kaen", "Nakhon Ratchasima"
DRONES = [{"id": f"uav:{n}", "province": KK if n in (0, 1, 2, 3, 6) else NR, "district": "Mueang",
           "lat": 16.4, "lon": 102.8, "name_en": f"Drone {n}", "name_th": f"โดรน {n}"}
          for n in range(7)]  # fmt: skip
IDLE = "uav:6"  #: a Khon Kaen drone without jobs


def job(n: int, at: datetime, **kw: Any) -> dict[str, Any]:
    row = {"id": f"job:{n}", "drone_id": f"uav:{n % 6}", "province": KK if n % 6 < 4 else NR,
           "district": "Mueang", "pilot": f"P{n % 5}", "area_rai": 5.0 + n % 17,
           "fee": (5.0 + n % 17) * 50, "duration_min": 2.0 * (5 + n % 17) + 10,
           "started_at": at, "ended_at": at + timedelta(minutes=2 * (5 + n % 17) + 10),
           "status": "finished"}  # fmt: skip
    return row | kw


def jobs() -> list[dict[str, Any]]:
    rng = random.Random(5)
    span = int((datetime(2026, 12, 31) - datetime(2025, 10, 1)).total_seconds())
    rows = [job(n, datetime(2025, 10, 1) + timedelta(seconds=rng.randrange(span)))
            for n in range(400)]  # fmt: skip
    edges = [datetime(2025, 11, 30, 23, 59, 59), datetime(2025, 12, 1), datetime(2026, 1, 31,
             23, 59), datetime(2026, 2, 1), NOW - timedelta(seconds=1), NOW]  # fmt: skip
    rows += [job(1000 + k, t) for k, t in enumerate(edges)]
    rows += [
        job(2000, datetime(2026, 5, 3), status="cancelled"),
        job(2001, datetime(2026, 5, 4), duration_min=None),  # minutes from start to end
        job(2002, datetime(2026, 5, 5), duration_min=None, ended_at=None),  # unknown
        job(2003, datetime(2026, 5, 6), fee=None, pilot=None, status=None),
    ]
    return rows


def expected(rows: list[dict[str, Any]], province: str) -> dict[str, Any]:
    first = datetime(2025, 12, 1)
    kept = [r for r in rows if r["province"] == province and first <= r["started_at"] < NOW
            and r["status"] not in ("cancelled", "failed")]  # fmt: skip
    months: dict[str, list[float]] = {}
    for k in range(12):
        y, m = divmod(2025 * 12 + 11 + k, 12)
        months[f"{y}-{m + 1:02d}"] = [0, 0.0, 0.0, 0.0]
    drone: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    pilot: dict[str | None, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    saved = [0, 0.0, 0.0]
    for r in kept:
        minutes = r["duration_min"]
        if minutes is None and r["ended_at"] is not None:
            minutes = (r["ended_at"] - r["started_at"]).total_seconds() / 60
        add = (1, r["area_rai"], r["fee"] or 0.0, (minutes or 0.0) / 60)
        for acc in (months[r["started_at"].strftime("%Y-%m")], drone[r["drone_id"]],
                    pilot[r["pilot"]]):  # fmt: skip
            for i, v in enumerate(add):
                acc[i] += v
        if minutes is not None:
            saved = [saved[0] + 1, saved[1] + r["area_rai"], saved[2] + minutes]
    return {"months": months, "drones": drone, "pilots": pilot, "saved": saved}


def same(got: dict[str, Any], want: list[float]) -> None:
    assert got["jobs"] == want[0]
    assert got["rai"] == pytest.approx(want[1], abs=0.051)
    assert got["revenue"] == pytest.approx(want[2], abs=0.006)
    assert got["hours"] == pytest.approx(want[3], abs=0.051)


@pytest.mark.parametrize("province", [KK, NR])
def test_jobs_figures_match_a_plain_count(tmp_path: Path, province: str) -> None:
    rows = jobs()
    con = snapshot_of(tmp_path, drones=DRONES, jobs=rows)
    got = drones.insight(con, Ask(now=NOW, province=province))
    want = expected(rows, province)
    assert [m["month"] for m in got["months"]] == list(want["months"])
    assert got["months"][0]["month"] == "2025-12" and got["months"][-1]["month"] == "2026-11"
    for m in got["months"]:
        same(m, want["months"][m["month"]])
    idle = {IDLE: [0, 0.0, 0.0, 0.0]} if province == KK else {}
    if idle:  # listed after the drones that flew
        assert got["drones"][-1]["id"] == IDLE
    assert {d["id"] for d in got["drones"]} == set(want["drones"]) | set(idle)
    for d in got["drones"]:
        same(d, (want["drones"] | idle)[d["id"]])
        assert d["name_en"] == f"Drone {d['id'][-1]}"
    assert {p["pilot"] for p in got["pilots"]} == set(want["pilots"])
    for p in got["pilots"]:
        same(p, want["pilots"][p["pilot"]])
    total = [sum(m[i] for m in want["months"].values()) for i in range(4)]
    same(got["totals"], total)
    n, rai, minutes = want["saved"]
    saved = got["timeSaved"]
    assert saved["jobs"] == n and saved["manualMinPerRai"] == 30
    assert saved["manualHours"] == pytest.approx(rai * 30 / 60, abs=0.051)
    assert saved["droneHours"] == pytest.approx(minutes / 60, abs=0.051)
    assert saved["savedHours"] == pytest.approx((rai * 30 - minutes) / 60, abs=0.051)
    assert saved["savedHours"] > 0.8 * saved["manualHours"]  # ~2 against ~30 min a rai


def test_month_edges(tmp_path: Path) -> None:
    rows = [job(k, t) for k, t in enumerate((datetime(2025, 11, 30, 23, 59, 59),
            datetime(2025, 12, 1), datetime(2026, 3, 31, 23, 59, 59), datetime(2026, 4, 1),
            NOW - timedelta(microseconds=1), NOW))]  # fmt: skip
    con = snapshot_of(tmp_path, jobs=[r | {"drone_id": "uav:0", "province": KK} for r in rows])
    got = {m["month"]: m["jobs"] for m in drones.insight(con, Ask(now=NOW))["months"]}
    assert got["2025-12"] == 1 and got["2026-03"] == 1 and got["2026-04"] == 1
    assert got["2026-11"] == 1 and sum(got.values()) == 4


def op(n: int, start: datetime | None, **kw: Any) -> dict[str, Any]:
    row = {"id": f"op:{n}", "parcel_id": f"parcel:{n % 7}", "province": KK, "district": "Phon",
           "type": "pesticide", "status": "planned", "planned_start": start,
           "planned_end": None if start is None else start + timedelta(hours=2),
           "started_at": None, "lat": 16.4, "lon": 102.8}  # fmt: skip
    return row | kw


def test_due_next_week_is_open_drone_work_booked_in_the_window(tmp_path: Path) -> None:
    week = NOW + timedelta(days=7)
    ops = [
        op(0, NOW),  # the first instant is in
        op(1, week - timedelta(seconds=1), type="fertiliser", status=None),
        op(2, week),  # the window is half-open
        op(3, NOW - timedelta(seconds=1)),
        op(4, NOW + timedelta(days=2), type="water"),
        op(5, NOW + timedelta(days=2), type="inspection"),
        op(6, NOW + timedelta(days=2), started_at=NOW),
        op(7, NOW + timedelta(days=2), status="finished"),
        op(8, NOW + timedelta(days=3), status="scheduled"),
        op(9, NOW + timedelta(days=3), province=NR),
        op(10, NOW + timedelta(days=1), district="Mueang"),
        op(11, None),
    ]
    parcels = [{"id": f"parcel:{k}", "area_rai": 2.5 * k + 1, "lat": 16.4, "lon": 102.8}
               for k in range(7)]  # fmt: skip
    con = snapshot_of(tmp_path, operations=ops, parcels=parcels)
    due = drones.insight(con, Ask(now=NOW, province=KK))["due"]
    assert [d["operation"] for d in due["listed"]] == ["op:0", "op:10", "op:8", "op:1"]
    assert due["operations"] == 4 and due["parcels"] == len({n % 7 for n in (0, 1, 8, 10)})
    rai = {f"parcel:{k}": 2.5 * k + 1 for k in range(7)}
    assert due["rai"] == pytest.approx(sum(rai[f"parcel:{n % 7}"] for n in (0, 1, 8, 10)))
    assert due["listed"][0]["date"] == "2026-11-24" and due["listed"][-1]["date"] == "2026-12-01"
    assert due["listed"][1]["rai"] == rai["parcel:3"]
    phon = drones.insight(con, Ask(now=NOW, province=KK, district="Phon"))["due"]
    assert [d["operation"] for d in phon["listed"]] == ["op:0", "op:8", "op:1"]


def test_empty_snapshot_answers_zeros(tmp_path: Path) -> None:
    got = drones.insight(snapshot_of(tmp_path), Ask(now=NOW, province=KK))
    assert len(got["months"]) == 12 and got["totals"]["jobs"] == 0
    assert got["drones"] == [] and got["pilots"] == [] and got["due"]["operations"] == 0
    assert got["timeSaved"]["savedHours"] == 0
