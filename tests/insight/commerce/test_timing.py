"""timing(): heatmap, best slots, campaigns and paydays against plain Python."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from isanhub.insight.commerce.timing import timing

from . import connect, line

CAMPAIGNS = {(9, 9), (10, 10), (11, 11), (12, 12)}


def is_campaign(d: date) -> bool:
    return (d.month, d.day) in CAMPAIGNS


def is_payday(d: date) -> bool:
    return d.day >= 25 or d.day == 1


def _div(a: float | None, b: float | None, digits: int = 4) -> float | None:
    return None if a is None or not b else round(a / b, digits)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _money(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def reference(lines: list[dict[str, Any]], as_of: date) -> dict[str, Any]:
    orders: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for x in lines:
        orders.setdefault((x["channel"], x["order_id"]), []).append(x)
    heatmap = [[0] * 24 for _ in range(7)]
    daily: dict[date, list[float]] = {}
    if lines:
        first = min(x["ordered_at"] for x in lines).date()
        last = min(max(x["ordered_at"] for x in lines).date(), as_of)
    for xs in orders.values():
        sold = [x for x in xs if x["status"] != "cancelled"]
        when = min(x["ordered_at"] for x in xs)
        if not sold or not first <= when.date() <= last:
            continue
        heatmap[when.weekday()][when.hour] += 1
        day = daily.setdefault(when.date(), [0, 0.0])
        day[0] += 1
        day[1] += sum(x["gross"] or 0 for x in sold)
    cells = [(heatmap[w][h], w, h) for w in range(7) for h in range(24) if heatmap[w][h]]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)] if lines else []
    gmv = {d: daily.get(d, [0, 0.0])[1] for d in days}
    campaigns = []
    for d in days:
        if is_campaign(d):
            before = [d - timedelta(weeks=w) for w in range(1, 5)]
            base = _mean(
                [gmv[b] for b in before if b in gmv and not is_campaign(b) and not is_payday(b)]
            )
            campaigns.append(
                {
                    "day": d.isoformat(),
                    "name": f"{d.month}.{d.day}",
                    "orders": daily.get(d, [0, 0.0])[0],
                    "gmv": round(gmv[d], 2),
                    "baselineGmv": _money(base),
                    "lift": _div(gmv[d], base),
                }
            )
    pay = _mean([gmv[d] for d in days if is_payday(d) and not is_campaign(d)])
    other = _mean([gmv[d] for d in days if not is_payday(d) and not is_campaign(d)])
    return {
        "heatmap": heatmap,
        "bestSlots": [{"weekday": w, "hour": h, "orders": n} for n, w, h in cells[:5]],
        "campaigns": campaigns,
        "payday": {
            "gmvPerDay": _money(pay),
            "otherGmvPerDay": _money(other),
            "lift": _div(pay, other),
        },
    }


def shop_lines() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def order(when: datetime, price: float = 100.0, **more: Any) -> None:
        out.append(line(order_id=f"o{len(out)}", ordered_at=when, unit_price=price, **more))

    order(datetime(2026, 10, 5, 8))  # first line of the period, a Monday
    order(datetime(2026, 10, 10, 20), 250.0)  # 10.10, no baseline day in the period
    order(datetime(2026, 10, 14, 20), 0.0)  # 11.11 baseline: a zero day ...
    order(datetime(2026, 10, 21, 20), 100.0)  # ... 100 ...
    order(datetime(2026, 10, 28, 20), 5000.0)  # ... a payday, left out ...
    order(datetime(2026, 11, 1, 9), 300.0)  # the 1st is a payday
    order(datetime(2026, 11, 4, 20), 200.0)  # ... and 200 -> baseline 100
    # 11.11: a two-line order timed by its first line, one more order, a cancelled one
    out.append(
        line(
            order_id="m", line_id="m1", ordered_at=datetime(2026, 11, 11, 20, 30), unit_price=120.0
        )
    )
    out.append(
        line(
            order_id="m",
            line_id="m2",
            ordered_at=datetime(2026, 11, 11, 19, 59),
            unit_price=80.0,
            status="cancelled",
            order_level=False,
        )
    )
    order(datetime(2026, 11, 11, 21), 100.0, channel="lazada")
    order(datetime(2026, 11, 11, 21), 999.0, status="cancelled")
    order(datetime(2026, 11, 25, 21), 400.0)  # a payday
    return out


def test_timing_every_field() -> None:
    lines = shop_lines()
    got = timing(connect(lines), date(2026, 11, 25))
    assert got == reference(lines, date(2026, 11, 25))
    assert got["heatmap"][2][19] == 1  # 11.11 order m, timed by its first line (19:59)
    assert got["heatmap"][2][20] == 4  # Wednesdays 14, 21, 28 Oct and 4 Nov at 20:00
    assert sum(map(sum, got["heatmap"])) == 10  # 12 lines, 11 orders, 1 cancelled
    assert got["bestSlots"] == [
        {"weekday": 2, "hour": 20, "orders": 4},
        {"weekday": 2, "hour": 21, "orders": 2},  # lazada on 11.11 and 25 Nov
        {"weekday": 0, "hour": 8, "orders": 1},  # ties: earlier weekday, then hour
        {"weekday": 2, "hour": 19, "orders": 1},
        {"weekday": 5, "hour": 20, "orders": 1},
    ]
    assert got["campaigns"] == [
        {
            "day": "2026-10-10",
            "name": "10.10",
            "orders": 1,
            "gmv": 250.0,
            "baselineGmv": None,
            "lift": None,
        },
        {
            "day": "2026-11-11",
            "name": "11.11",
            "orders": 2,
            "gmv": 220.0,
            "baselineGmv": 100.0,
            "lift": 2.2,
        },
    ]
    # 52 days, 2 campaign days out; paydays 25-31 Oct, 1 Nov, 25 Nov: 5700 over 9 days
    assert got["payday"] == {"gmvPerDay": 633.33, "otherGmvPerDay": 9.76, "lift": 64.9167}


def test_as_of_cuts_the_period_and_zero_baseline() -> None:
    lines = [
        line(order_id="a", ordered_at=datetime(2026, 11, 4, 10), unit_price=0.0),
        line(order_id="b", ordered_at=datetime(2026, 11, 11, 10)),
        line(order_id="c", ordered_at=datetime(2026, 12, 12, 10)),  # after as_of
    ]
    got = timing(connect(lines), date(2026, 11, 30))
    assert got == reference(lines, date(2026, 11, 30))
    assert got["campaigns"] == [
        {
            "day": "2026-11-11",
            "name": "11.11",
            "orders": 1,
            "gmv": 100.0,
            "baselineGmv": 0.0,
            "lift": None,
        },
    ]
    assert sum(map(sum, got["heatmap"])) == 2


def test_cancelled_only_and_empty() -> None:
    empty = {
        "heatmap": [[0] * 24 for _ in range(7)],
        "bestSlots": [],
        "campaigns": [],
        "payday": {"gmvPerDay": None, "otherGmvPerDay": None, "lift": None},
    }
    assert timing(connect([]), date(2026, 11, 11)) == empty
    cancelled = [line(status="cancelled", ordered_at=datetime(2026, 11, 10, 9))]
    got = timing(connect(cancelled), date(2026, 11, 11))
    assert got == reference(cancelled, date(2026, 11, 11))
    assert got["heatmap"] == empty["heatmap"] and got["bestSlots"] == []
    # one ordinary day without a sold order: a known 0, no payday day at all
    assert got["payday"] == {"gmvPerDay": None, "otherGmvPerDay": 0.0, "lift": None}
