"""The shop's orders as NGSI-LD entities, and the city's anonymous share of them.

In the seller's tenant (the seller's data belongs to the seller): one ``Shop``, one
``Product`` per product (SKU, else title) and one ``SalesRecord`` per product and
channel whose daily series ``orders``, ``units`` and ``gmv`` (sold lines, local
midnights) are the history, the same types the sandbox uses, so the standard API, the
temporal API and the scorecard read them like any other. After an import only the days
the file touched are written again (loading replaces an instance at the same time).

In the city's tenant (setting ``city_tenant``): one ``SalesRecord`` per province,
``urn:ngsi-ld:SalesRecord:sellers:<province code>``, whose daily ``orders`` and ``gmv``
sum the imported shops of that province, published for a day only when at least
MIN_SELLERS shops sold that day, so that no shop's figures can be read from it. The
economy KPIs add it to the province's online sales.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import duckdb

from isanhub.ingest.items import Item, Series, prop, rel
from isanhub.ingest.load import LoadStats, load
from isanhub.ingest.mapping import BANGKOK
from isanhub.insight.commerce.lake import Lake
from isanhub.insight.commerce.schema import MIN_SELLERS
from isanhub.store.base import Store

PROVIDER = "seller-import"
_OFFSET = 7 * 3600  #: Bangkok is UTC+7: a local midnight is this many seconds before UTC's
_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=BANGKOK).timestamp())


def product_key(sku: str, title: str) -> str:
    """A product's part of an entity id: the SKU when it is id-safe, else a digest."""
    if sku and _SAFE.match(sku):
        return sku
    return "h" + hashlib.sha256((sku or title).encode("utf-8")).hexdigest()[:16]


def _address(meta: dict[str, Any]) -> dict[str, Any] | None:
    address = {"addressCountry": "TH"}
    if meta.get("province_en"):
        address["addressRegion"] = meta["province_en"]
    if meta.get("district_en"):
        address["addressLocality"] = meta["district_en"]
    if meta.get("district_code"):
        address["districtCode"] = meta["district_code"]
    return prop(address) if len(address) > 1 else None


def shop_items(
    con: duckdb.DuckDBPyConnection, shop: str, meta: dict[str, Any], since: date | None
) -> Iterator[Item]:
    """The shop, its products and their daily sales from ``since`` on (all if None)."""
    shop_id = f"urn:ngsi-ld:Shop:{shop}"
    channels = [
        r[0] for r in con.execute("SELECT DISTINCT channel FROM lines ORDER BY 1").fetchall()
    ]
    entity: dict[str, Any] = {"id": shop_id, "type": "Shop", "name": prop(meta.get("name", shop))}
    entity |= {"channels": prop(channels), "dataProvider": prop(PROVIDER)}
    if meta.get("category"):
        entity["category"] = prop(meta["category"])
    if address := _address(meta):
        entity["address"] = address
    yield Item(entity)
    products = con.execute(
        """SELECT coalesce(nullif(sku, ''), product) AS pk, any_value(sku), arg_max(product, ordered_at),
                  arg_max(kind, ordered_at), median(unit_price) FILTER (WHERE status <> 'cancelled'),
                  list(DISTINCT channel ORDER BY channel)
           FROM lines GROUP BY pk ORDER BY pk"""
    ).fetchall()
    for pk, sku, title, kind, price, sold_on in products:
        pid = f"urn:ngsi-ld:Product:{shop}:{product_key(sku or '', pk)}"
        product = {"id": pid, "type": "Product", "name": prop(title), "refShop": rel(shop_id)}
        product |= {"category": prop(kind), "channels": prop(sold_on), "currency": prop("THB")}
        if sku:
            product["sku"] = prop(sku)
        if price is not None:
            product["price"] = prop(round(float(price), 2))
        yield Item(product)
    yield from _sales(con, shop, shop_id, since)


def _sales(
    con: duckdb.DuckDBPyConnection, shop: str, shop_id: str, since: date | None
) -> Iterator[Item]:
    """One SalesRecord per product and channel; its series are gathered in DuckDB (a
    list per series, days in order, times as the epoch seconds of local midnights)."""
    rows = con.execute(
        """WITH daily AS (
               SELECT coalesce(nullif(sku, ''), product) AS pk, any_value(sku) AS sku, channel,
                      CAST(ordered_at AS DATE) AS day,
                      count(DISTINCT order_id) FILTER (WHERE status <> 'cancelled') AS orders,
                      coalesce(sum(quantity) FILTER (WHERE status <> 'cancelled'), 0) AS units,
                      coalesce(sum(gross) FILTER (WHERE status <> 'cancelled'), 0) AS gmv
               FROM lines WHERE ? IS NULL OR ordered_at >= ?
               GROUP BY pk, channel, day
           )
           SELECT pk, any_value(sku), channel,
                  list(CAST(epoch(CAST(day AS TIMESTAMP)) AS BIGINT) - ? ORDER BY day),
                  list(orders ORDER BY day), list(units ORDER BY day),
                  list(round(gmv, 2) ORDER BY day)
           FROM daily GROUP BY pk, channel ORDER BY pk, channel""",
        [since, since, _OFFSET],
    ).fetchall()
    for pk, sku, channel, times, orders, units, gmv in rows:
        key = product_key(sku or "", pk)
        entity = {
            "id": f"urn:ngsi-ld:SalesRecord:{shop}:{key}:{channel}",
            "type": "SalesRecord",
            "channel": prop(channel),
            "currency": prop("THB"),
            "refShop": rel(shop_id),
            "refProduct": rel(f"urn:ngsi-ld:Product:{shop}:{key}"),
            "dataProvider": prop(PROVIDER),
        }
        series = [
            Series("orders", times, orders),
            Series("units", times, [int(u) for u in units]),
            Series("gmv", times, [float(g) for g in gmv]),
        ]
        yield Item(entity, series).finish()


def city_items(lake: Lake, province_code: str, province_en: str | None) -> Iterator[Item]:
    """The province's anonymous daily sums (days with at least MIN_SELLERS shops)."""
    shops = [
        (t, s)
        for t, s in lake.shops()
        if (lake.shop(t, s) or {}).get("province_code") == province_code
    ]
    if len(shops) < MIN_SELLERS:
        return
    files = [str(lake.shop_dir(t, s) / "lines.parquet") for t, s in shops]
    con = duckdb.connect()
    try:
        rows = con.execute(
            """SELECT CAST(ordered_at AS DATE) AS day, count(DISTINCT tenant || '/' || shop),
                      count(DISTINCT tenant || '/' || shop || '/' || channel || '/' || order_id),
                      sum(gross)
               FROM read_parquet(?) WHERE status <> 'cancelled'
               GROUP BY day HAVING count(DISTINCT tenant || '/' || shop) >= ? ORDER BY day""",
            [files, MIN_SELLERS],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        return
    times = [midnight(r[0]) for r in rows]
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:SalesRecord:sellers:{province_code}",
        "type": "SalesRecord",
        "channel": prop("all"),
        "currency": prop("THB"),
        "dataProvider": prop(PROVIDER),
        "description": prop(
            f"daily sales of local shops that import their orders, summed over at least "
            f"{MIN_SELLERS} shops per day"
        ),
    }
    if province_en:
        entity["address"] = prop({"addressCountry": "TH", "addressRegion": province_en})
    series = [
        Series("orders", times, [int(r[2]) for r in rows]),
        Series("gmv", times, [round(float(r[3]), 2) for r in rows]),
        Series("contributingShops", times, [int(r[1]) for r in rows]),
    ]
    yield Item(entity, series).finish()


async def publish(
    lake: Lake, store: Store, tenant: str, shop: str, city_tenant: str, since: date | None
) -> tuple[LoadStats, LoadStats | None]:
    """Write the shop's entities into its tenant, then its province's sums into the
    city's tenant (None when the shop's province is not known)."""
    meta = lake.shop(tenant, shop) or {"name": shop}
    con = lake.connect(tenant, shop)
    try:
        own = await load(store, tenant, list(shop_items(con, shop, meta, since)))
    finally:
        con.close()
    province = meta.get("province_code")
    if not province:
        return own, None
    city = await load(store, city_tenant, list(city_items(lake, province, meta.get("province_en"))))
    return own, city
