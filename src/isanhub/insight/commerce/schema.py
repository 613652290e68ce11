"""The seller lake's columns: one row per order line, as every insight reads them.

Insights run in DuckDB over two views (see lake.py):

- ``lines``: the lines of the one shop being reported, deduplicated (the latest import of
  a line id wins);
- ``market``: the lines of every shop on the platform, all tenants, the same columns.
  Only aggregates over at least ``MIN_SELLERS`` other shops may come out of it.

and one table ``shops`` (tenant, shop, name, province_code, district_code, category).

Definitions every insight shares (docs/seller-report.md repeats them for users):

- A line is *sold* when its status is not ``cancelled`` (completed, returned and
  in-progress lines are sales that happened; returns are taken off through ``refund``).
- GMV is the sum of ``gross`` over sold lines.
- An order is the distinct ``order_id`` per ``channel``; it is *sold* when at least one
  of its lines is.
- Order-level amounts (fees, vouchers, shipping, whole-order refunds) sit on one line of
  each order (``order_level``), zero on the others: summing never counts them twice.
- Costs (``platform_fees``, ``seller_discount``, ``shipping_seller``, ``refund``) are
  summed over all lines whatever their status: a fee charged is a cost.
- NULL in a money column means the export does not say; it sums as 0 but a channel
  whose fees are all NULL reports ``feesKnown: false``.
- ``ordered_at`` is the local time in Asia/Bangkok (no zone), so hours and weekdays are
  the seller's.
"""

from __future__ import annotations

import pyarrow as pa

MIN_SELLERS = 5  #: never show a market figure made from fewer other shops than this

LINE = pa.schema(
    [
        ("tenant", pa.string()),
        ("shop", pa.string()),
        ("channel", pa.string()),
        ("order_id", pa.string()),
        ("line_id", pa.string()),
        ("status", pa.string()),
        ("ordered_at", pa.timestamp("us")),  # local Asia/Bangkok wall time
        ("sku", pa.string()),
        ("product", pa.string()),
        ("variation", pa.string()),
        ("kind", pa.string()),  # kind of product (kinds.py), for market comparisons
        ("quantity", pa.int32()),
        ("unit_price", pa.float64()),
        ("gross", pa.float64()),
        ("seller_discount", pa.float64()),
        ("platform_discount", pa.float64()),
        ("platform_fees", pa.float64()),
        ("shipping_buyer", pa.float64()),
        ("shipping_seller", pa.float64()),
        ("returned_quantity", pa.int32()),
        ("refund", pa.float64()),
        ("buyer", pa.string()),  # keyed pseudonym, never a name or phone
        ("province_code", pa.string()),
        ("province_th", pa.string()),
        ("province_en", pa.string()),
        ("district_code", pa.string()),
        ("district_th", pa.string()),
        ("district_en", pa.string()),
        ("order_level", pa.bool_()),
        ("source", pa.string()),  # the file the line came from (its name only)
        ("imported_at", pa.timestamp("us")),  # UTC
    ]
)

SHOP = pa.schema(
    [
        ("tenant", pa.string()),
        ("shop", pa.string()),
        ("name", pa.string()),
        ("province_code", pa.string()),
        ("district_code", pa.string()),
        ("category", pa.string()),
    ]
)
