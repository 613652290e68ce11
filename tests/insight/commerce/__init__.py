"""Shared by the seller-insight tests: order lines as plain dicts, loaded into DuckDB the
way the lake presents them (views ``lines`` and ``market``, table ``shops``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from isanhub.insight.commerce.schema import LINE, SHOP

TENANT, SHOP_ID = "seller1", "silk-chonnabot"


def line(**given: Any) -> dict[str, Any]:
    """A completed line of one unit at 100 baht, with whatever the test gives."""
    out: dict[str, Any] = {
        "tenant": TENANT,
        "shop": SHOP_ID,
        "channel": "shopee",
        "order_id": "o1",
        "status": "completed",
        "ordered_at": datetime(2026, 11, 11, 20, 5),
        "sku": "SILK-01",
        "product": "ผ้าไหมมัดหมี่ลายนาค",
        "variation": "",
        "kind": "silk",
        "quantity": 1,
        "unit_price": 100.0,
        "seller_discount": 0.0,
        "platform_discount": 0.0,
        "platform_fees": 0.0,
        "shipping_buyer": 0.0,
        "shipping_seller": 0.0,
        "returned_quantity": 0,
        "refund": 0.0,
        "buyer": "b1",
        "province_code": "40",
        "province_th": "ขอนแก่น",
        "province_en": "Khon Kaen",
        "district_code": "4004",
        "district_th": "ชนบท",
        "district_en": "Chonnabot",
        "order_level": True,
        "source": "test.csv",
        "imported_at": datetime(2026, 11, 20),
    }
    out.update(given)
    if "gross" not in given:
        price = out["unit_price"]
        out["gross"] = None if price is None else round(out["quantity"] * price, 2)
    out.setdefault("line_id", f"{out['channel']}|{out['order_id']}|{out['sku']}|1")
    return out


def connect(
    lines: Iterable[dict[str, Any]],
    others: Iterable[dict[str, Any]] = (),
    shops: Iterable[dict[str, Any]] = (),
) -> duckdb.DuckDBPyConnection:
    """A connection with ``lines`` (the shop's lines), ``market`` (them and ``others``,
    lines of other shops) and ``shops``."""
    own = list(lines)
    con = duckdb.connect()
    own_table = pa.Table.from_pylist(own, schema=LINE)
    market_table = pa.Table.from_pylist([*own, *others], schema=LINE)
    shop_table = pa.Table.from_pylist(list(shops), schema=SHOP)
    con.register("lines_arrow", own_table)
    con.register("market_arrow", market_table)
    con.register("shops_arrow", shop_table)
    con.execute("CREATE TABLE lines AS SELECT * FROM lines_arrow")
    con.execute("CREATE TABLE market AS SELECT * FROM market_arrow")
    con.execute("CREATE TABLE shops AS SELECT * FROM shops_arrow")
    return con
