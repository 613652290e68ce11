"""SQL fragments and rounding shared by the commerce insights.

Why: "sold", "product" and "money" must mean the same in every report section
(definitions in schema.py and docs/seller-report.md). Money is summed as DECIMAL(18, 2),
exactly and in any thread order, so that totals and the rankings built on them are
deterministic; Python only rounds the few aggregated figures that come back.
"""

from __future__ import annotations

from typing import Any

#: a line is sold unless cancelled (a NULL status is not a cancellation)
SOLD = "(status IS DISTINCT FROM 'cancelled')"
#: the SKU when the export gives one
SKU = "nullif(sku, '')"
#: product identity: the SKU, else the product title (variations count as one product)
PRODUCT = f"coalesce({SKU}, nullif(product, ''))"
#: the local (Asia/Bangkok) date of a line
DAY = "CAST(ordered_at AS DATE)"


def total(column: str, where: str = "TRUE") -> str:
    """SQL for the exact sum of a money column over the lines matching ``where``; NULL
    amounts count as 0, and no line at all gives 0."""
    return f"coalesce(sum(coalesce({column}, 0)::DECIMAL(18, 2)) FILTER (WHERE {where}), 0)"


def money(value: Any) -> float | None:
    """Baht rounded to satang; None stays None."""
    return None if value is None else round(float(value), 2)


def ratio(part: Any, whole: Any, digits: int = 4) -> float | None:
    """``part / whole`` rounded to ``digits`` decimals; None when it cannot be computed."""
    if part is None or whole is None or whole == 0:
        return None
    return round(float(part) / float(whole), digits)
