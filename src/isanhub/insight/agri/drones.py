"""Insight "drones": what the spray-drone communities ("1 Tambon 1 Digital") did in the
last twelve months and what is due for them next week.

Figures, over the jobs (DroneSprayingJob) of the asked area started in the twelve
calendar months up to ``ask.now`` (the current month included, so far):
- rai sprayed, jobs and revenue (the sum of ``fee``) per month;
- per drone and per pilot: jobs, rai, revenue and hours flown (``duration_min``, else
  the time between start and end);
- time saved against spraying by hand: ``MANUAL_MIN_PER_RAI`` minutes per rai minus the
  jobs' own duration, over the jobs whose duration is known.

Due next week: operations (AgriParcelOperation) of a drone-able type (``DRONE_TYPES``)
not started yet, booked to start in [now, now + 7 days). ``plan.py`` assigns the same
set to drones.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from isanhub.insight.agri.ask import Ask

#: minutes per rai sprayed by hand with a knapsack sprayer (city-facts: "~2 min per rai
#: by drone against ~30 min by hand", the brief of the 1 Tambon 1 Digital programme)
MANUAL_MIN_PER_RAI = 30.0
#: operation types a spray drone does: it sprays pesticide and spreads granular
#: fertiliser (top dressing). Not water (irrigation needs tens of thousands of litres,
#: a tank holds 10-40), nor inspection (walked, or a camera drone) nor other (harvest).
DRONE_TYPES = ("fertiliser", "pesticide")
#: a booking counts as open in these statuses (null: none recorded)
OPEN_STATUSES = ("planned", "scheduled")
#: jobs that earned nothing and flew nothing worth counting
VOID_STATUSES = ("cancelled", "canceled", "failed")
DUE_DAYS = 7  #: "next week"
MONTHS = 12
MAX_LISTED = 500  #: due operations listed (all are counted)


def month_start(d: date, back: int = 0) -> date:
    """The first day of the month ``back`` months before the month of ``d``."""
    n = d.year * 12 + d.month - 1 - back
    return date(n // 12, n % 12 + 1, 1)


def due_sql(ask: Ask, start: datetime, end: datetime) -> tuple[str, list[object]]:
    """SQL of the drone-able operations booked to start in [start, end) and not started:
    id, parcel_id, type, description, planned_start, area_rai, lat, lon (the operation's
    place, else its parcel's)."""
    where, params = ask.where("o")
    kinds = ", ".join(f"'{t}'" for t in DRONE_TYPES)
    open_ = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    sql = f"""
        SELECT o.id, o.parcel_id, o.type, o.description, o.planned_start, p.area_rai,
               coalesce(o.lat, p.lat) AS lat, coalesce(o.lon, p.lon) AS lon
        FROM operations o LEFT JOIN parcels p ON p.id = o.parcel_id
        WHERE {where} AND o.type IN ({kinds}) AND o.started_at IS NULL
          AND (o.status IS NULL OR o.status IN ({open_}))
          AND o.planned_start >= ? AND o.planned_start < ?"""
    return sql, [*params, start, end]


def _jobs_sql(ask: Ask, start: datetime) -> tuple[str, list[object]]:
    """The counted jobs of the area and window, with ``minutes`` flown (null: unknown)."""
    where, params = ask.where("j")
    void = ", ".join(f"'{s}'" for s in VOID_STATUSES)
    sql = f"""
        SELECT j.*, coalesce(j.duration_min,
                             date_diff('second', j.started_at, j.ended_at) / 60.0) AS minutes
        FROM jobs j
        WHERE {where} AND j.started_at >= ? AND j.started_at < ?
          AND coalesce(j.status, '') NOT IN ({void})"""
    return sql, [*params, start, ask.now]


_SUMS = """count(*), coalesce(sum(area_rai), 0), coalesce(sum(fee), 0),
           coalesce(sum(minutes), 0) / 60.0"""


def _row(count: int, rai: float, revenue: float, hours: float) -> dict[str, Any]:
    return {"jobs": count, "rai": round(rai, 1), "revenue": round(revenue, 2),
            "hours": round(hours, 1)}  # fmt: skip


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    first = month_start(ask.now.date(), MONTHS - 1)
    jobs, params = _jobs_sql(ask, datetime.combine(first, datetime.min.time()))
    months: dict[date, tuple[Any, ...]] = {
        month_start(ask.now.date(), k): (0, 0.0, 0.0, 0.0) for k in range(MONTHS)
    }
    for m, *sums in con.execute(
        f"WITH j AS ({jobs}) SELECT date_trunc('month', started_at)::DATE, {_SUMS} "
        "FROM j GROUP BY 1",
        params,
    ).fetchall():
        months[m] = tuple(sums)
    drones = con.execute(
        f"""WITH j AS ({jobs}) SELECT j.drone_id, any_value(d.name_en), any_value(d.name_th),
                   {_SUMS} FROM j LEFT JOIN drones d ON d.id = j.drone_id
            GROUP BY 1 ORDER BY 5 DESC, 1""",
        params,
    ).fetchall()
    # the area's drones that flew nothing in the window are listed too (with zeros)
    flew = {d[0] for d in drones}
    dw, dparams = ask.where("d")
    drones += [(i, en, th, 0, 0.0, 0.0, 0.0) for i, en, th in con.execute(
        f"SELECT id, name_en, name_th FROM drones d WHERE {dw} ORDER BY id", dparams
    ).fetchall() if i not in flew]  # fmt: skip
    pilots = con.execute(
        f"WITH j AS ({jobs}) SELECT pilot, {_SUMS} FROM j GROUP BY 1 ORDER BY 3 DESC, 1",
        params,
    ).fetchall()
    saved = con.execute(
        f"""WITH j AS ({jobs}) SELECT count(*), coalesce(sum(area_rai), 0),
                   coalesce(sum(minutes), 0) / 60.0
            FROM j WHERE minutes IS NOT NULL AND area_rai IS NOT NULL""",
        params,
    ).fetchone()
    n, rai, flown = saved or (0, 0.0, 0.0)
    by_hand = rai * MANUAL_MIN_PER_RAI / 60
    total = [sum(m[k] for m in months.values()) for k in range(4)]
    return {
        "asOf": ask.now.isoformat(),
        "area": {"province": ask.province, "district": ask.district},
        "window": {"from": first.isoformat(), "to": ask.now.isoformat()},
        "totals": _row(*total),
        "months": [{"month": m.strftime("%Y-%m"), **_row(*v)} for m, v in sorted(months.items())],
        "drones": [
            {"id": d, "name_en": en, "name_th": th, **_row(*s)} for d, en, th, *s in drones
        ],  # fmt: skip
        "pilots": [{"pilot": p, **_row(*s)} for p, *s in pilots],
        "timeSaved": {
            "jobs": n,
            "rai": round(rai, 1),
            "manualMinPerRai": MANUAL_MIN_PER_RAI,
            "manualHours": round(by_hand, 1),
            "droneHours": round(flown, 1),
            "savedHours": round(by_hand - flown, 1),
        },  # fmt: skip
        "due": _due(con, ask),
    }


def _due(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    end = ask.now + timedelta(days=DUE_DAYS)
    sql, params = due_sql(ask, ask.now, end)
    count, rai, parcels = con.execute(
        f"SELECT count(*), coalesce(sum(area_rai), 0), count(DISTINCT parcel_id) FROM ({sql})",
        params,
    ).fetchone() or (0, 0.0, 0)
    rows = con.execute(
        f"SELECT * FROM ({sql}) ORDER BY planned_start, id LIMIT {MAX_LISTED}", params
    ).fetchall()
    return {
        "from": ask.now.isoformat(), "to": end.isoformat(), "types": list(DRONE_TYPES),
        "operations": count, "parcels": parcels, "rai": round(rai, 1),
        "listed": [
            {"operation": oid, "parcel": pid, "type": kind, "description": text,
             "date": start.date().isoformat(), "plannedStart": start.isoformat(),
             "rai": None if area is None else round(area, 1)}
            for oid, pid, kind, text, start, area, _lat, _lon in rows
        ],
    }  # fmt: skip
