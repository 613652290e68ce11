"""The ``channels`` section of the seller report: what each sales channel brings in and
what the seller keeps of it.

Why: sellers in Isan sell the same goods on Shopee, Lazada, TikTok, Facebook and LINE,
and the channel with the most sales is often not the one that pays best once platform
fees, seller-paid vouchers and shipping, and refunds are taken off. This section puts
the channels side by side on net revenue per baht of GMV.

Definitions (docs/seller-report.md, schema.py): an order is one ``order_id`` on one
channel; it is sold when at least one of its lines is not cancelled, cancelled when all
are. GMV and units are summed over sold lines; costs over all lines, whatever their
status (order-level amounts sit on one line per order, so nothing counts twice).
"""

from __future__ import annotations

from typing import Any

import duckdb

from isanhub.insight.commerce.sql import SOLD, money, ratio, total

#: a channel needs this many sold orders to be named the best one
MIN_ORDERS_FOR_BEST = 10

_RETURNED = f"({SOLD} AND (status = 'returned' OR coalesce(returned_quantity, 0) > 0))"

_SQL = f"""
SELECT
    channel,
    count(DISTINCT order_id) FILTER (WHERE {SOLD}) AS orders,
    count(DISTINCT order_id) AS all_orders,
    count(DISTINCT order_id) FILTER (WHERE {_RETURNED}) AS returned_orders,
    coalesce(sum(quantity) FILTER (WHERE {SOLD}), 0) AS units,
    {total("gross", SOLD)} AS gmv,
    {total("platform_fees")} AS fees,
    {total("seller_discount")} AS discounts,
    {total("shipping_seller")} AS shipping,
    {total("refund")} AS refunds,
    bool_or(platform_fees IS NOT NULL) AS fees_known
FROM lines
GROUP BY channel
"""


def channels(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The ``channels`` section: ``{"rows": [...], "best": channel | None}``.

    Per channel: ``orders`` (sold orders), ``cancelledOrders`` (orders with only
    cancelled lines), ``units`` and ``gmv`` over sold lines, ``aov`` = GMV ÷ sold orders,
    ``cancellationRate`` = cancelled ÷ all orders, ``returnRate`` = sold orders with a
    returned line or returned units ÷ sold orders, the costs ``platformFees``,
    ``sellerDiscounts``, ``shippingSeller``, ``refunds`` over all lines,
    ``netRevenue`` = GMV − those four costs, ``netPerBaht`` = net ÷ GMV, and
    ``feesKnown`` (false when every ``platform_fees`` of the channel is NULL). Rows are
    sorted by net revenue, highest first, then by channel name.

    ``best`` is the channel with the highest ``netPerBaht`` among channels with at least
    ``MIN_ORDERS_FOR_BEST`` sold orders (ties: the first channel name), else None.
    Money is rounded to satang, rates to 4 decimals; a figure without a denominator
    is None.
    """
    rows = []
    for r in con.execute(_SQL).fetchall():
        channel, orders, all_orders, returned, units, gmv, fees, disc, ship, refunds, known = r
        net = gmv - fees - disc - ship - refunds  # exact: DECIMAL sums
        rows.append(
            {
                "channel": channel,
                "orders": orders,
                "cancelledOrders": all_orders - orders,
                "units": int(units),
                "gmv": money(gmv),
                "aov": ratio(gmv, orders, 2),
                "cancellationRate": ratio(all_orders - orders, all_orders),
                "returnRate": ratio(returned, orders),
                "platformFees": money(fees),
                "sellerDiscounts": money(disc),
                "shippingSeller": money(ship),
                "refunds": money(refunds),
                "netRevenue": money(net),
                "netPerBaht": ratio(net, gmv),
                "feesKnown": bool(known),
            }
        )
    rows.sort(key=lambda row: (-row["netRevenue"], row["channel"] or ""))
    ranked = [
        row
        for row in rows
        if row["orders"] >= MIN_ORDERS_FOR_BEST and row["netPerBaht"] is not None
    ]
    ranked.sort(key=lambda row: (-row["netPerBaht"], row["channel"] or ""))
    return {"rows": rows, "best": ranked[0]["channel"] if ranked else None}
