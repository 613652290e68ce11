"""The ``products`` section of the seller report: best sellers per channel, products
rising and falling, and good sellers missing from a channel.

Why: a seller sees at a glance what sells where, what is picking up or fading (to
restock or to promote), and which products that sell well on one channel are not even
listed on another channel the shop already uses: the cheapest sales to add.

A product is the SKU when the export gives one, else the product title; its shown
title is the smallest title its lines carry (deterministic). Lines with neither are
left out. Units are units on sold lines; windows are local dates ending on ``as_of``,
inclusive.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from isanhub.insight.commerce.sql import PRODUCT, SKU, SOLD, money, ratio, total

TOP = 10  #: products per ranking and per list of movers
MOVER_WINDOW = 28  #: days in each window of rising/falling
MIN_MOVER_UNITS = 5  #: units in one window to be a mover
MISSING_WINDOW = 90  #: days looked at for products missing on a channel
MIN_MISSING_UNITS = 5  #: units on one channel to be worth listing elsewhere


def _names(keys: str) -> str:
    """SQL CTE ``names``: the SKU and shown title of the products in CTE ``keys``."""
    return (
        f"names AS (SELECT {PRODUCT} AS key, min({SKU}) AS sku, min(product) AS product "
        f"FROM lines WHERE {PRODUCT} IN (SELECT key FROM {keys}) GROUP BY ALL)"
    )


_RANKING = f"""
WITH p AS (
    SELECT channel, {PRODUCT} AS key, coalesce(sum(quantity), 0) AS units, {total("gross")} AS gmv
    FROM lines WHERE {SOLD} GROUP BY channel, key HAVING key IS NOT NULL
),
top AS MATERIALIZED (
    SELECT * FROM p
    QUALIFY row_number() OVER (PARTITION BY channel ORDER BY gmv DESC, key) <= {TOP}
),
{_names("top")},
orders AS (
    SELECT channel, {PRODUCT} AS key, count(DISTINCT order_id) AS orders
    FROM lines WHERE {SOLD} AND (channel, {PRODUCT}) IN (SELECT (channel, key) FROM top)
    GROUP BY ALL
)
SELECT t.channel, n.sku, n.product, t.units, t.gmv, o.orders
FROM top t JOIN names n USING (key) JOIN orders o USING (channel, key)
ORDER BY t.channel, t.gmv DESC, t.key
"""

_MOVERS = f"""
WITH m AS (
    SELECT {PRODUCT} AS key,
           coalesce(sum(quantity) FILTER (WHERE ordered_at >= $recent), 0) AS recent,
           coalesce(sum(quantity) FILTER (WHERE ordered_at < $recent), 0) AS before
    FROM lines
    WHERE {SOLD} AND ordered_at >= $start AND ordered_at < $end
    GROUP BY ALL HAVING key IS NOT NULL AND greatest(recent, before) >= {MIN_MOVER_UNITS}
),
rising AS (
    SELECT 'rising' AS side, * FROM m WHERE recent > before
    ORDER BY before = 0 DESC, (recent - before) / before DESC, recent DESC, key LIMIT {TOP}
),
falling AS (
    SELECT 'falling' AS side, * FROM m WHERE recent < before
    ORDER BY (recent - before) / before, before DESC, key LIMIT {TOP}
),
x AS MATERIALIZED (
    SELECT *, row_number() OVER () AS i FROM rising
    UNION ALL SELECT *, row_number() OVER () AS i FROM falling
),
{_names("x")}
SELECT x.side, n.sku, n.product, x.recent, x.before
FROM x JOIN names n USING (key) ORDER BY x.side, x.i
"""

_MISSING = f"""
WITH w AS MATERIALIZED (
    SELECT channel, {PRODUCT} AS key, {SOLD} AS sold, quantity
    FROM lines WHERE ordered_at >= $start AND ordered_at < $end
),
active AS (SELECT DISTINCT channel FROM w WHERE sold),
pc AS (
    SELECT key, channel, bool_or(sold) AS sold,
           coalesce(sum(quantity) FILTER (WHERE sold), 0) AS units
    FROM w WHERE key IS NOT NULL GROUP BY ALL
),
cand AS (
    SELECT key, sum(units) AS units, list(channel ORDER BY channel) FILTER (WHERE sold) AS sold_on
    FROM pc GROUP BY key HAVING max(units) >= {MIN_MISSING_UNITS}
),
miss AS MATERIALIZED (
    SELECT c.key, list(a.channel ORDER BY a.channel) AS missing_on
    FROM cand c CROSS JOIN active a
    ANTI JOIN pc ON pc.key = c.key AND pc.channel = a.channel
    GROUP BY c.key
),
{_names("miss")}
SELECT n.sku, n.product, c.sold_on, m.missing_on, c.units
FROM cand c JOIN miss m USING (key) JOIN names n USING (key)
ORDER BY c.units DESC, c.key
"""


def products(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    """The ``products`` section: ``{"ranking", "rising", "falling", "missing"}``.

    - ``ranking``: channel → up to 10 products by GMV over all sold lines (ties: the
      product key), each ``{sku, product, units, gmv, orders}`` with ``orders`` the sold
      orders holding the product; every channel of the shop has a list, maybe empty.
    - ``rising`` / ``falling``: units sold in the 28 days ending on ``as_of``
      (``unitsRecent``) against the 28 days before (``unitsBefore``), for products with
      at least 5 units in one window; ``change`` = (recent − before) ÷ before, None for a
      product new in the recent window (listed first under rising). Rising sorts by
      change, highest first, falling by change, lowest first; then by units and key.
    - ``missing``: products with at least 5 units sold on one channel in the 90 days
      ending on ``as_of`` and no line at all in those days on another channel that sold
      something in those days: ``{sku, product, soldOn, missingOn, units}`` (units over
      all channels), by units, highest first.
    """
    ranking: dict[str, list[dict[str, Any]]] = {
        channel: []
        for (channel,) in con.execute("SELECT DISTINCT channel FROM lines ORDER BY 1").fetchall()
    }
    for channel, sku, product, units, gmv, orders in con.execute(_RANKING).fetchall():
        ranking[channel].append(
            {
                "sku": sku,
                "product": product,
                "units": int(units),
                "gmv": money(gmv),
                "orders": orders,
            }
        )

    movers: dict[str, list[dict[str, Any]]] = {"rising": [], "falling": []}
    recent = as_of - timedelta(days=MOVER_WINDOW - 1)
    end = as_of + timedelta(days=1)
    params = {"end": end, "recent": recent, "start": recent - timedelta(days=MOVER_WINDOW)}
    for side, sku, product, units_recent, units_before in con.execute(_MOVERS, params).fetchall():
        movers[side].append(
            {
                "sku": sku,
                "product": product,
                "unitsRecent": int(units_recent),
                "unitsBefore": int(units_before),
                "change": ratio(units_recent - units_before, units_before),
            }
        )

    start = as_of - timedelta(days=MISSING_WINDOW - 1)
    missing = [
        {
            "sku": sku,
            "product": product,
            "soldOn": sold_on,
            "missingOn": missing_on,
            "units": int(units),
        }
        for sku, product, sold_on, missing_on, units in con.execute(
            _MISSING, {"end": end, "start": start}
        ).fetchall()
    ]
    return {"ranking": ranking, **movers, "missing": missing}
