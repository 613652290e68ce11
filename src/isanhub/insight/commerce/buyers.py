"""The ``buyers`` section of the seller report: where the shop's buyers live and how
many come back.

Why: an Isan shop wants to know whether it sells to its own region or to Bangkok and
the rest of the country (for shipping, ads and local live selling), and whether its
buyers return. Places come from the shipping address the exports give, as DOPA codes
with Thai and English names; buyers are keyed pseudonyms, never names or phones.

Only sold orders count (one ``order_id`` on one channel with at least one line not
cancelled). An order's province, district and buyer are the smallest non-empty codes
on its lines (they are the same on every line in practice); a place's names are the
smallest names its lines carry, so the output is deterministic.
"""

from __future__ import annotations

from typing import Any

import duckdb

from isanhub.insight.commerce.sql import SOLD, money, ratio, total

TOP_DISTRICTS = 20
ISAN = (30, 49)  #: DOPA province codes of Isan's 20 provinces, inclusive

_SQL = f"""
WITH o AS MATERIALIZED (
    SELECT min(nullif(province_code, '')) AS province,
           min(nullif(district_code, '')) AS district,
           min(nullif(buyer, '')) AS buyer,
           {total("gross", SOLD)} AS gmv
    FROM lines GROUP BY channel, order_id HAVING bool_or({SOLD})
),
p AS MATERIALIZED (
    SELECT province, count(*) AS orders, sum(gmv) AS gmv,
           coalesce(try_cast(province AS INTEGER) BETWEEN $isan_from AND $isan_to, false)
               AS isan
    FROM o WHERE province IS NOT NULL GROUP BY ALL
),
d AS MATERIALIZED (
    SELECT district, count(*) AS orders FROM o WHERE district IS NOT NULL GROUP BY ALL
    ORDER BY orders DESC, district LIMIT {TOP_DISTRICTS}
),
pnames AS (
    SELECT province_code AS province, min(province_th) AS th, min(province_en) AS en
    FROM lines WHERE province_code IN (SELECT province FROM p) GROUP BY ALL
),
dnames AS (
    SELECT district_code AS district, min(district_th) AS th, min(district_en) AS en,
           min(province_th) AS province_th
    FROM lines WHERE district_code IN (SELECT district FROM d) GROUP BY ALL
),
b AS (SELECT buyer, count(*) AS orders FROM o WHERE buyer IS NOT NULL GROUP BY ALL)
SELECT
    (SELECT list({{'code': p.province, 'nameTh': n.th, 'nameEn': n.en, 'orders': p.orders,
                   'gmv': p.gmv, 'isan': p.isan}} ORDER BY p.orders DESC, p.province)
     FROM p JOIN pnames n USING (province)) AS provinces,
    (SELECT list({{'code': d.district, 'nameTh': n.th, 'nameEn': n.en,
                   'provinceTh': n.province_th, 'orders': d.orders}}
                 ORDER BY d.orders DESC, d.district)
     FROM d JOIN dnames n USING (district)) AS districts,
    (SELECT sum(orders) FILTER (WHERE isan) FROM p) AS isan_orders,
    (SELECT sum(orders) FROM p) AS known_orders,
    (SELECT count(*) FROM o WHERE province IS NULL) AS unknown,
    (SELECT count(*) FROM b) AS buyers,
    (SELECT count(*) FILTER (WHERE orders >= 2) FROM b) AS repeat_buyers
"""


def buyers(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The ``buyers`` section.

    - ``provinces``: ``{code, nameTh, nameEn, orders, gmv, isan}`` per known province,
      by sold orders, highest first (ties: code); ``gmv`` is the GMV of those orders,
      ``isan`` whether the DOPA code is 30–49.
    - ``districts``: up to 20 ``{code, nameTh, nameEn, provinceTh, orders}`` the same way.
    - ``isanShare``: sold orders to Isan ÷ sold orders with a known province (None
      when none is known); ``unknownPlace``: sold orders without a province.
    - ``buyers``: distinct buyer pseudonyms among sold orders; ``repeatBuyers``: those
      with 2 or more sold orders; ``repeatRate`` = repeatBuyers ÷ buyers (None when no
      buyer is known).
    """
    params = {"isan_from": ISAN[0], "isan_to": ISAN[1]}
    row = con.execute(_SQL, params).fetchone()
    assert row is not None  # an aggregate query always returns one row
    provinces, districts, isan_orders, known, unknown, n_buyers, repeat = row
    return {
        "provinces": [{**p, "gmv": money(p["gmv"])} for p in provinces or []],
        "districts": [dict(d) for d in districts or []],
        "isanShare": ratio(isan_orders or 0, known),
        "unknownPlace": unknown,
        "buyers": n_buyers,
        "repeatBuyers": repeat,
        "repeatRate": ratio(repeat, n_buyers),
    }
