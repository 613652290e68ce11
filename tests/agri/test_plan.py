"""The plan's constraints on generated cases, checked by brute force with an independent
haversine, and small cases whose best answer is obvious."""

from __future__ import annotations

import math
import tempfile
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snapdata import snapshot_of

from isanhub.insight.agri import plan
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 11, 24, 6, 0)
KK = "Khon Kaen"
LAST = date(2026, 12, 1)  # now + 7 days, exclusive, falls on this day: 8 calendar days


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance, by the spherical law of cosines (not the module's formula)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, c)))


def drone(n: int, at: tuple[float, float], cap: float | None) -> dict[str, Any]:
    return {"id": f"uav:{n}", "province": KK, "district": "Mueang", "lat": at[0],
            "lon": at[1], "capacity_rai_day": cap, "name_en": f"Drone {n}"}  # fmt: skip


def due(n: int, at: tuple[float, float], day: int) -> dict[str, Any]:
    start = datetime(2026, 11, 24 + day, 8) if day < 7 else datetime(2026, 12, 1, 5, 59)
    return {"id": f"op:{n:03d}", "parcel_id": f"parcel:{n}", "province": KK, "district": "Phon",
            "type": "pesticide", "status": "planned", "planned_start": start, "lat": at[0],
            "lon": at[1]}  # fmt: skip


def run(folder: Path, drones: list[dict[str, Any]], parcels: list[tuple[tuple[float, float],
        float, int]]) -> dict[str, Any]:  # fmt: skip
    ops = [due(n, at, day) for n, (at, _rai, day) in enumerate(parcels)]
    rows = [{"id": f"parcel:{n}", "area_rai": rai, "lat": at[0], "lon": at[1]}
            for n, (at, rai, _day) in enumerate(parcels)]  # fmt: skip
    con = snapshot_of(folder, drones=drones, operations=ops, parcels=rows)
    return plan.insight(con, Ask(now=NOW, province=KK))


def check(got: dict[str, Any], drones: list[dict[str, Any]], parcels: list[Any]) -> None:
    """Every constraint of the plan, by brute force."""
    cap = {d["id"]: d["capacity_rai_day"] or plan.DEFAULT_RAI_DAY for d in drones}
    at = {d["id"]: (d["lat"], d["lon"]) for d in drones}
    load: dict[tuple[str, str], float] = defaultdict(float)
    seen: list[str] = []
    for d in got["drones"]:
        assert d["capacityRaiDay"] == pytest.approx(cap[d["id"]])
        for day in d["days"]:
            for a in day["parcels"]:
                n = int(a["operation"].split(":")[1])
                (lat, lon), rai, due_day = parcels[n]
                seen.append(a["operation"])
                dist = km(at[d["id"]], (lat, lon))
                assert dist <= plan.MAX_KM + 1e-9 and a["km"] == pytest.approx(dist, abs=0.006)
                assert a["date"] == day["date"] and a["rai"] == rai
                due_date = NOW.date() + timedelta(days=due_day)
                assert a["due"] == due_date.isoformat()
                assert due_date.isoformat() <= a["date"] <= LAST.isoformat()
                load[d["id"], day["date"]] += rai
    assert len(seen) == len(set(seen))  # at most once
    for (d, _day), rai in load.items():
        assert rai <= cap[d] + 1e-9
    missing = {u["operation"]: u for u in got["unassigned"]}
    assert len(missing) + len(seen) == len(parcels) == got["totals"]["due"]
    assert set(missing).isdisjoint(seen)
    for oid, u in missing.items():
        (lat, lon), rai, due_day = parcels[int(oid.split(":")[1])]
        near = [d for d in at if km(at[d], (lat, lon)) <= plan.MAX_KM]
        if u["reason"] == "no drone within range":
            assert near == []
            continue
        assert near and u["reason"] in ("capacity full", "larger than a drone's day")
        first = NOW.date() + timedelta(days=due_day)
        for k in range((LAST - first).days + 1):
            day = (first + timedelta(days=k)).isoformat()
            for d in near:  # every drone in range was too full for it, every allowed day
                assert cap[d] - load[d, day] < rai - 1e-9, (oid, d, day)
    assert got["totals"]["assigned"] == len(seen)
    assert got["totals"]["km"] == pytest.approx(
        sum(a["km"] for d in got["drones"] for x in d["days"] for a in x["parcels"]), abs=0.1
    )


point = st.tuples(st.floats(16.0, 16.6), st.floats(102.5, 103.1))
cases = st.tuples(
    st.lists(st.tuples(point, st.sampled_from([None, 10.0, 25.0, 40.0, 200.0])), min_size=0,
             max_size=6),
    st.lists(st.tuples(point, st.integers(1, 300).map(lambda x: x / 10), st.integers(0, 7)),
             min_size=1, max_size=25),
    st.sampled_from([1, 2, 12]),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(cases)
def test_plan_keeps_its_constraints(case: Any) -> None:
    spots, parcels, candidates = case
    drones = [drone(n, at, cap) for n, (at, cap) in enumerate(spots)]
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        mp.setattr(plan, "CANDIDATES", candidates)  # 1 and 2 force the second pass
        check(run(Path(tmp), drones, parcels), drones, parcels)


A, B = (16.4, 102.8), (16.4, 103.05)  # 26.7 km apart


def test_parcel_with_one_drone_in_range_chooses_first(tmp_path: Path) -> None:
    # op:000 lies between the drones, nearer A; op:001 only A reaches. Taking the parcels
    # in id order, op:000 would fill A and push op:001 to the next day; the fewest-drones
    # rule gives A to op:001 and B to op:000, both on their due day.
    drones = [drone(0, A, 10.0), drone(1, B, 10.0)]
    parcels = [((16.4, 102.85), 10.0, 0), ((16.4, 102.7), 10.0, 0)]
    got = run(tmp_path, drones, parcels)
    check(got, drones, parcels)
    where = {a["operation"]: (d["id"], a["date"]) for d in got["drones"] for x in d["days"]
             for a in x["parcels"]}  # fmt: skip
    assert where == {"op:000": ("uav:1", "2026-11-24"), "op:001": ("uav:0", "2026-11-24")}
    assert got["totals"]["km"] == pytest.approx(
        km(B, parcels[0][0]) + km(A, parcels[1][0]), abs=0.02
    )


def test_full_days_push_work_later_and_then_out(tmp_path: Path) -> None:
    drones = [drone(0, A, None)]  # default: 180 rai a day
    parcels = [((16.41, 102.81), 100.0, 5)] * 5 + [((16.41, 102.81), 190.0, 0),
               ((17.5, 102.8), 5.0, 0)]  # fmt: skip
    got = run(tmp_path, drones, parcels)
    check(got, drones, parcels)
    days = [(x["date"], len(x["parcels"]), x["load"]) for x in got["drones"][0]["days"]]
    assert days == [("2026-11-29", 1, 0.556), ("2026-11-30", 1, 0.556), ("2026-12-01", 1, 0.556)]
    reasons = sorted(u["reason"] for u in got["unassigned"])
    assert reasons == ["capacity full", "capacity full", "larger than a drone's day",
                       "no drone within range"]  # fmt: skip
    assert got["drones"][0]["capacitySource"] == "default"


def test_no_drones_and_no_work(tmp_path: Path) -> None:
    got = run(tmp_path, [], [])
    assert got["totals"]["due"] == 0 and got["drones"] == [] and got["unassigned"] == []
