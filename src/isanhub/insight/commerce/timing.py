"""The ``time`` section of the seller report: when buyers order, and what double-day
campaigns and paydays are worth.

Why: sellers choose when to go live, when to push a promotion and whether a 11.11
campaign paid off. Thai buyers spend around payday (the 25th to the 1st) and on the
platforms' double days (9.9, 10.10, 11.11, 12.12); this section measures both against
ordinary days of the same shop.

An order (one ``order_id`` on one channel) happens at the ``ordered_at`` of its first
line, in local Bangkok time; only sold orders (at least one line not cancelled) count,
with the GMV of their sold lines. The period runs from the first order line's date to
the last one's, or to ``as_of`` when that is earlier; days without orders count as 0.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from isanhub.insight.commerce.sql import SOLD, money, ratio, total

BEST_SLOTS = 5
BASELINE_WEEKS = 4

_CAMPAIGN = "(month(day) IN (9, 10, 11, 12) AND day(day) = month(day))"
_PAYDAY = "(day(day) >= 25 OR day(day) = 1)"

_SQL = f"""
WITH bounds AS (
    SELECT min(ordered_at)::DATE AS d0, least(max(ordered_at)::DATE, $as_of) AS d1
    FROM lines
),
o AS MATERIALIZED (
    SELECT min(ordered_at) AS ts, {total("gross", SOLD)} AS gmv
    FROM lines GROUP BY channel, order_id HAVING bool_or({SOLD})
),
placed AS MATERIALIZED (
    SELECT o.* FROM o, bounds WHERE o.ts::DATE BETWEEN bounds.d0 AND bounds.d1
),
cells AS (
    SELECT isodow(ts) - 1 AS weekday, hour(ts) AS hour, count(*) AS orders
    FROM placed GROUP BY ALL
),
cal AS MATERIALIZED (
    SELECT d.day, coalesce(x.orders, 0) AS orders, coalesce(x.gmv, 0) AS gmv,
           {_CAMPAIGN} AS campaign, {_PAYDAY} AS payday
    FROM (SELECT range::DATE AS day FROM bounds, range(bounds.d0, bounds.d1 + 1,
          INTERVAL 1 DAY)) d
    LEFT JOIN (SELECT ts::DATE AS day, count(*) AS orders, sum(gmv) AS gmv
               FROM placed GROUP BY ALL) x USING (day)
)
SELECT
    (SELECT list({{'weekday': weekday, 'hour': hour, 'orders': orders}}
                 ORDER BY weekday, hour) FROM cells) AS cells,
    (SELECT list({{'day': c.day, 'orders': c.orders, 'gmv': c.gmv,
                  'baseline': (SELECT avg(b.gmv) FROM cal b
                               WHERE (c.day - b.day) IN (7, 14, 21, 28)
                                 AND NOT b.campaign AND NOT b.payday)}}
                 ORDER BY c.day) FROM cal c WHERE c.campaign) AS campaigns,
    (SELECT avg(gmv) FILTER (WHERE payday) FROM cal WHERE NOT campaign) AS payday,
    (SELECT avg(gmv) FILTER (WHERE NOT payday) FROM cal WHERE NOT campaign) AS other
"""


def timing(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    """The ``time`` section: ``{"heatmap", "bestSlots", "campaigns", "payday"}``.

    - ``heatmap``: 7 lists (weekday, 0 = Monday) of 24 integers (local hour): sold
      orders placed in that slot.
    - ``bestSlots``: the 5 busiest non-empty cells ``{weekday, hour, orders}``, most
      orders first (ties: earlier weekday, then earlier hour).
    - ``campaigns``: each 9.9, 10.10, 11.11 and 12.12 in the period,
      ``{day, name, orders, gmv, baselineGmv, lift}``: ``baselineGmv`` is the mean
      daily GMV of the same weekday 1 to 4 weeks before, within the period, leaving out
      campaign days and payday days (None when no such day), ``lift`` =
      gmv ÷ baselineGmv (None without a baseline or when it is 0).
    - ``payday``: ``{gmvPerDay, otherGmvPerDay, lift}``: mean daily GMV on payday days
      (the 25th to the end of the month, and the 1st) and on the other days of the
      period, campaign days left out of both; ``lift`` = gmvPerDay ÷ otherGmvPerDay.
    """
    cells, campaigns, payday, other = con.execute(_SQL, {"as_of": as_of}).fetchone() or (
        None,
        None,
        None,
        None,
    )
    heatmap = [[0] * 24 for _ in range(7)]
    for cell in cells or []:
        heatmap[cell["weekday"]][cell["hour"]] = cell["orders"]
    slots = sorted(cells or [], key=lambda c: (-c["orders"], c["weekday"], c["hour"]))
    return {
        "heatmap": heatmap,
        "bestSlots": [dict(c) for c in slots[:BEST_SLOTS]],
        "campaigns": [
            {
                "day": c["day"].isoformat(),
                "name": f"{c['day'].month}.{c['day'].day}",
                "orders": c["orders"],
                "gmv": money(c["gmv"]),
                "baselineGmv": money(c["baseline"]),
                "lift": ratio(c["gmv"], c["baseline"]),
            }
            for c in campaigns or []
        ],
        "payday": {
            "gmvPerDay": money(payday),
            "otherGmvPerDay": money(other),
            "lift": ratio(payday, other),
        },
    }
