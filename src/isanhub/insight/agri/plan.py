"""Insight "plan": which drone sprays which due parcel on which day of the next week.

The due work is the set of ``drones.due_sql``: drone-able operations booked to start in
[now, now + ``PLAN_DAYS``). Each goes to at most one drone, on its due day or a later day
of the window, never to a drone more than ``MAX_KM`` away, and no drone takes more rai
on a day than its capacity: its ``capacity_rai_day`` (the entity's dailyCapacityRai),
else ``DEFAULT_RAI_DAY``. Drones of the whole asked province serve a district's parcels
(the next district's drone is a neighbour), as if their days were free for it.

Heuristic (greedy with regret): candidate pairs come from SQL (a bounding box, then
haversine), at most ``CANDIDATES`` nearest per parcel. Parcels go in order of due day
(earliest first), then fewest drones in range, then largest regret (how much farther
the second-nearest drone is than the nearest: the parcels that lose most by missing
their nearest drone choose first), then largest area. Each takes the nearest candidate
with room on its due day, else on the first later day that has one. Parcels that found
no room among truncated candidates get, after the pass, every drone in range and a
second try, so a parcel is left out only when every drone in range was full on every
allowed day (or the parcel is larger than any of their days).

Distances are from the drone's base (its location) to the parcel, one way.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import duckdb

from isanhub.insight.agri.ask import Ask
from isanhub.insight.agri.drones import due_sql

PLAN_DAYS = 7
MAX_KM = 30.0  #: farthest a community drone travels to a field (a half-hour drive)
MIN_PER_RAI = 2.0  #: city-facts: spraying takes ~2 min per rai by drone
WORK_HOURS = 6.0  #: spraying hours a day: early morning and late afternoon, low wind
DEFAULT_RAI_DAY = WORK_HOURS * 60 / MIN_PER_RAI  #: 180 rai, for drones without a figure
CANDIDATES = 12  #: nearest drones per parcel in the first pass
EARTH_KM = 6371.0088  #: mean Earth radius
KM_PER_DEG = EARTH_KM * math.pi / 180


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _pairs_sql(due: str, drones_where: str, only: bool) -> str:
    """(operation, drone, km, drones in range, rank) within MAX_KM; the box keeps the join
    small (its longitude span uses the band's edge nearer the pole, so it never cuts
    off a pair the haversine would keep)."""
    deg = MAX_KM / KM_PER_DEG
    return f"""
        WITH due AS ({due}), d AS (SELECT id, lat, lon FROM drones d
                                   WHERE {drones_where} AND lat IS NOT NULL AND lon IS NOT NULL),
        pairs AS (
            SELECT due.id AS op, d.id AS drone,
                   2 * {EARTH_KM} * asin(least(1, sqrt(
                       pow(sin(radians(d.lat - due.lat) / 2), 2) + cos(radians(due.lat))
                       * cos(radians(d.lat)) * pow(sin(radians(d.lon - due.lon) / 2), 2)))) AS km
            FROM due JOIN d ON abs(d.lat - due.lat) <= {deg}
             AND abs(d.lon - due.lon)
                 <= {deg} / greatest(cos(radians(least(89, abs(due.lat) + {deg}))), 0.01)
            WHERE {"due.id IN (SELECT unnest(?))" if only else "TRUE"})
        SELECT op, drone, km, count(*) OVER (PARTITION BY op),
               row_number() OVER (PARTITION BY op ORDER BY km, drone) AS k
        FROM pairs WHERE km <= {MAX_KM}"""


@dataclasses.dataclass
class _Due:
    id: str
    parcel: str | None
    due: date
    rai: float | None
    located: bool
    cands: list[tuple[float, str]] = dataclasses.field(default_factory=list)  #: (km, drone)
    in_range: int = 0


def insight(con: duckdb.DuckDBPyConnection, ask: Ask, days: int = PLAN_DAYS) -> dict[str, Any]:
    end = ask.now + timedelta(days=days)
    first, last = ask.now.date(), (end - timedelta(microseconds=1)).date()
    due, params = due_sql(ask, ask.now, end)
    dw, dparams = dataclasses.replace(ask, district=None).where("d")
    caps = {i: (float(c) if c and c > 0 else DEFAULT_RAI_DAY, bool(c and c > 0), en)
            for i, c, en in con.execute(
                f"SELECT id, capacity_rai_day, name_en FROM drones d WHERE {dw}", dparams
            ).fetchall()}  # fmt: skip
    work = {
        i: _Due(i, p, t.date(), a, lat is not None and lon is not None)
        for i, p, _k, _d, t, a, lat, lon in con.execute(due, params).fetchall()
    }
    pairs = _pairs_sql(due, dw, only=False)
    for op, drone, km, n, _k in con.execute(
        f"SELECT * FROM ({pairs}) WHERE k <= {CANDIDATES}", params + dparams
    ).fetchall():
        work[op].cands.append((km, drone))
        work[op].in_range = n
    left: dict[tuple[str, date], float] = {}
    placed: dict[str, tuple[str, date, float]] = {}

    def place(w: _Due) -> None:
        rai = w.rai or 0.0
        w.cands.sort()
        for k in range((last - w.due).days + 1):
            day = w.due + timedelta(days=k)
            for km, drone in w.cands:
                room = left.setdefault((drone, day), caps[drone][0])
                if room >= rai:
                    left[drone, day] = room - rai
                    placed[w.id] = (drone, day, km)
                    return

    def order(w: _Due) -> tuple[Any, ...]:  # nearest minus second: the most negative first
        kms = sorted(km for km, _ in w.cands) + [MAX_KM * 2, MAX_KM * 2]
        return (w.due, w.in_range, kms[0] - kms[1], -(w.rai or 0), w.id)

    todo = sorted((w for w in work.values() if w.cands and w.rai and w.rai > 0), key=order)
    for w in todo:
        place(w)
    retry = [w for w in todo if w.id not in placed and w.in_range > len(w.cands)]
    if retry:
        for w in retry:
            w.cands = []
        every = _pairs_sql(due, dw, only=True)
        for op, drone, km, _n, _k in con.execute(
            every, params + dparams + [[w.id for w in retry]]
        ).fetchall():
            work[op].cands.append((km, drone))
        for w in retry:
            place(w)
    return _answer(ask, first, last, work, placed, caps)


def _reason(w: _Due, caps: dict[str, tuple[float, bool, str]]) -> str:
    if not w.located:
        return "no location"
    if not w.rai or w.rai <= 0:
        return "no area"
    if not w.cands:
        return "no drone within range"
    if all(caps[d][0] < w.rai for _, d in w.cands):
        return "larger than a drone's day"
    return "capacity full"


def _answer(ask: Ask, first: date, last: date, work: dict[str, _Due],
            placed: dict[str, tuple[str, date, float]],
            caps: dict[str, tuple[float, bool, str]]) -> dict[str, Any]:  # fmt: skip
    by_drone: dict[str, dict[date, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for oid, (drone, day, km) in placed.items():
        w = work[oid]
        by_drone[drone][day].append({
            "operation": oid, "parcel": w.parcel, "rai": round(w.rai or 0, 1),
            "km": round(km, 2), "due": w.due.isoformat(), "date": day.isoformat(),
        })  # fmt: skip
    drones = []
    for drone, plan in sorted(by_drone.items()):
        cap, given, name = caps[drone]
        out_days: list[dict[str, Any]] = []
        for day, rows in sorted(plan.items()):
            rows.sort(key=lambda r: (r["km"], r["operation"]))
            rai = sum(work[r["operation"]].rai or 0 for r in rows)
            out_days.append({"date": day.isoformat(), "rai": round(rai, 1),
                             "capacity": round(cap, 1), "load": round(rai / cap, 3),
                             "parcels": rows})  # fmt: skip
        drones.append({
            "id": drone, "name_en": name, "capacityRaiDay": round(cap, 1),
            "capacitySource": "dailyCapacityRai" if given else "default",
            "parcels": sum(len(d["parcels"]) for d in out_days),
            "rai": round(sum(d["rai"] for d in out_days), 1),
            "km": round(sum(r["km"] for d in out_days for r in d["parcels"]), 1),
            "days": out_days,
        })  # fmt: skip
    unassigned: list[dict[str, Any]] = [
        {"operation": w.id, "parcel": w.parcel, "rai": None if w.rai is None else round(w.rai, 1),
         "due": w.due.isoformat(), "reason": _reason(w, caps),
         "nearestKm": round(min(w.cands)[0], 2) if w.cands else None}
        for w in sorted(work.values(), key=lambda w: (w.due, w.id)) if w.id not in placed
    ]  # fmt: skip
    return {
        "asOf": ask.now.isoformat(),
        "area": {"province": ask.province, "district": ask.district},
        "window": {"from": first.isoformat(), "to": last.isoformat()},
        "assumptions": {
            "maxKm": MAX_KM,
            "minPerRai": MIN_PER_RAI,
            "workHours": WORK_HOURS,
            "defaultCapacityRaiDay": DEFAULT_RAI_DAY,
        },  # fmt: skip
        "totals": {
            "due": len(work),
            "dueRai": round(sum(w.rai or 0 for w in work.values()), 1),
            "assigned": len(placed),
            "assignedRai": round(sum(work[o].rai or 0 for o in placed), 1),
            "km": round(sum(km for _, _, km in placed.values()), 1),
            "unassigned": len(unassigned),
            "unassignedRai": round(sum((u["rai"] or 0.0 for u in unassigned), 0.0), 1),
            "drones": len(caps),
            "dronesUsed": len(drones),
        },  # fmt: skip
        "drones": drones,
        "unassigned": unassigned,
    }
