"""The ``price`` section: the shop's selling prices against what other shops charge for
the same kind of product, so that a seller sees at once whether a product sits below,
within or above the usual range.

Privacy comes first: ``market`` holds every shop's lines, all tenants, and only figures
made from at least ``MIN_SELLERS`` *other* shops may leave it (a shop with many lines
counts once; the shop's own lines never enter its market). Asking for fewer sellers is
refused. Each other shop contributes one price, its median for that kind (so the
quartiles are those of shops, not of lines: a shop with many lines cannot make the
market's range its own). The market of a kind is the shop's province when enough other shops of that
province sell it (the closest comparison), else the whole platform.

Everything runs in one DuckDB query per part (the shop's products, the market per kind):
the Python side only shapes the rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from isanhub.insight.commerce.schema import MIN_SELLERS

WINDOW_DAYS = 90  #: the last 90 days, ending on as_of inclusive
TOP = 20  #: products listed, by GMV

_SOLD = "status IS DISTINCT FROM 'cancelled'"

_OWN = f"""
SELECT arg_max(nullif(sku, ''), ordered_at) AS sku,
       arg_max(product, ordered_at) AS product,
       arg_max(kind, ordered_at) AS kind,
       quantile_cont(unit_price, 0.5) AS price
FROM lines
WHERE {_SOLD} AND ordered_at >= $start AND ordered_at < $end
GROUP BY coalesce(nullif(sku, ''), product)
ORDER BY sum(gross) DESC NULLS LAST, coalesce(nullif(sku, ''), product)
LIMIT {TOP}
"""

_MARKET = f"""
WITH place AS (
    SELECT tenant, shop, any_value(province_code) AS province_code
    FROM shops GROUP BY tenant, shop
),
mine AS (
    SELECT any_value(province_code) AS province_code
    FROM place WHERE tenant = $tenant AND shop = $shop
),
peers AS (
    SELECT m.kind, m.unit_price, m.tenant, m.shop,
           coalesce(p.province_code = (SELECT province_code FROM mine), false) AS local
    FROM market AS m LEFT JOIN place AS p ON p.tenant = m.tenant AND p.shop = m.shop
    WHERE m.kind IN (SELECT unnest($kinds::VARCHAR[]))
      AND m.{_SOLD} AND m.ordered_at >= $start AND m.ordered_at < $end
      AND m.unit_price IS NOT NULL AND m.shop IS NOT NULL
      AND (m.tenant IS DISTINCT FROM $tenant OR m.shop IS DISTINCT FROM $shop)
),
per_shop AS (
    SELECT kind, tenant, shop, bool_or(local) AS local,
           quantile_cont(unit_price, 0.5) AS price
    FROM peers GROUP BY kind, tenant, shop
)
SELECT kind,
       count(*) FILTER (WHERE local) AS local_sellers,
       quantile_cont(price, [0.5, 0.25, 0.75]) FILTER (WHERE local) AS local_q,
       count(*) AS sellers,
       quantile_cont(price, [0.5, 0.25, 0.75]) AS q
FROM per_shop
GROUP BY kind
"""


def window(as_of: date, days: int = WINDOW_DAYS) -> tuple[datetime, datetime]:
    """[start, end) of the ``days`` local days ending on ``as_of`` inclusive."""
    end = datetime.combine(as_of + timedelta(days=1), time())
    return end - timedelta(days=days), end


def check_min_sellers(min_sellers: int) -> None:
    """Refuse a threshold under ``MIN_SELLERS``: fewer shops could expose one seller."""
    if min_sellers < MIN_SELLERS:
        raise ValueError(f"min_sellers must be at least {MIN_SELLERS}, not {min_sellers}")


def _money(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _position(price: float | None, market: dict[str, Any] | None) -> str | None:
    """``below`` p25, ``above`` p75, else ``within``; None without a price or market."""
    if price is None or market is None:
        return None
    if price < market["p25"]:
        return "below"
    return "above" if price > market["p75"] else "within"


def price(
    con: duckdb.DuckDBPyConnection,
    *,
    tenant: str,
    shop: str,
    as_of: date,
    min_sellers: int = MIN_SELLERS,
) -> dict[str, Any]:
    """The ``price`` section (docs/seller-report.md).

    - Rows: the shop's products (SKU, else title) with a sold line in the 90 days ending
      ``as_of``, the ``TOP`` by GMV; ``sku``, ``product`` and ``kind`` from the product's
      latest line; ``price`` = median ``unit_price`` of its sold lines (one value per line).
    - Market of a kind: ``unit_price`` of the sold lines of that kind, same 90 days, of
      other shops (another (tenant, shop) pair), lines without a price left out;
      ``sellers`` = distinct other shops among them. Scope ``province`` when at least
      ``min_sellers`` of them are in the shop's province (``shops.province_code``), the
      figures then from those shops only; else ``platform`` when at least ``min_sellers``
      shops in all; else no market. ``median``, ``p25``, ``p75``: DuckDB
      ``quantile_cont`` (linear interpolation between order statistics).
    - ``position``: the shop's price against the market's p25 and p75.

    Raises ValueError when ``min_sellers`` is under ``MIN_SELLERS``.
    """
    check_min_sellers(min_sellers)
    start, end = window(as_of)
    own = con.execute(_OWN, {"start": start, "end": end}).fetchall()
    kinds = sorted({kind for _, _, kind, _ in own if kind is not None})
    markets: dict[str, dict[str, Any]] = {}
    if kinds:
        params = {"tenant": tenant, "shop": shop, "kinds": kinds, "start": start, "end": end}
        for kind, local_n, local_q, n, q in con.execute(_MARKET, params).fetchall():
            if local_n >= min_sellers:
                scope, sellers, quantiles = "province", local_n, local_q
            elif n >= min_sellers:
                scope, sellers, quantiles = "platform", n, q
            else:
                continue
            median, p25, p75 = (round(x, 2) for x in quantiles)
            markets[kind] = {
                "scope": scope,
                "sellers": sellers,
                "median": median,
                "p25": p25,
                "p75": p75,
            }
    rows = []
    for sku, product, kind, median_price in own:
        market = markets.get(kind) if kind is not None else None
        shown = _money(median_price)
        rows.append(
            {
                "sku": sku,
                "product": product,
                "kind": kind,
                "price": shown,
                "market": market,
                "position": _position(shown, market),
            }
        )
    return {"minSellers": min_sellers, "rows": rows}
