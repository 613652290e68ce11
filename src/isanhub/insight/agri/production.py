"""Insight "production": this season's output and its farm-gate value, for cooperatives
and the province: per district and crop the tonnes and the income estimate, totals per
district, per province and for the asked area, with the farms and parcels behind them.

The current season is each parcel's current crop cycle, counted once: a parcel is in
the season when it has a crop in the field (a cropStatus) or its last planting
(lastPlantedAt) falls in the 365 days up to ``now``, so a crop harvested in the past year
counts and a parcel idle for over a year does not. Rice planted in July and cut in
November, and cassava or cane planted in April and cut the next February, are both this
season's from planting until they are planted again.

Tonnes are rai × the family's typical yield per rai (crops.FACTS). Income is tonnes ×
the price of the crop: the latest farm-gate price at or before ``now`` of that crop
(``prices.crop_id`` = ``parcels.crop_id``) in the parcel's province; failing that, the
latest farm-gate price of any crop of the same family in the province. Each answer lists
the prices used, which rule chose them and their dates. Tonnes without a price count in
tonnes but not in income (``tonnesWithoutPrice``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from isanhub.insight.agri.ask import Ask
from isanhub.insight.agri.crops import FACTS, names, parcels_sql
from isanhub.insight.agri.fields import Fields, local_us
from isanhub.insight.agri.rows import crop, parcel, price_rows
from isanhub.insight.agri.snapshot import TABLES
from isanhub.insight.citydata import DAY_US, ProvinceData
from isanhub.store.base import Query

SEASON_DAYS = 365
_FAMILIES = ", ".join(f"'{f}'" for f in FACTS)  # constants of crops.py, not input
# a price given per tonne is turned to THB/kg, the unit of the sandbox and most OAE series
_THB_KG = "CASE WHEN lower(pr.unit) IN ('thb/t', 'thb/tonne', 'thb/ton') THEN pr.price / 1000 \
ELSE pr.price END"


# a season parcel and the price of its crop (IS NOT DISTINCT FROM: a parcel without a crop
# or province still finds its own row of ``used``)
_SAME = " AND ".join(f"u.{k} IS NOT DISTINCT FROM s.{k}" for k in ("province", "crop_id"))


def _sql(ask: Ask) -> tuple[str, list[object]]:
    """CTEs ``asked`` (the asked parcels with tonnes and ``in_season``), ``season`` (those
    in the season) and ``used`` (per province and crop of those, the price chosen)."""
    parcels, params = parcels_sql(ask)
    sql = f"""
    WITH asked AS (
        SELECT *, area_rai * yield_kg_rai / 1000 AS tonnes,
               coalesce(status IS NOT NULL OR (planted_at > ? AND planted_at <= ?), FALSE)
                   AS in_season
        FROM ({parcels})),
    season AS (SELECT * FROM asked WHERE in_season),
    gate AS (
        SELECT pr.province, pr.crop_id, pr.id, pr.commodity, pr.name_th, pr.name_en, pr.at,
               coalesce(c.family, CASE WHEN pr.commodity IN ({_FAMILIES})
                                       THEN pr.commodity END) AS family,
               {_THB_KG} AS thb_kg
        FROM prices pr LEFT JOIN crops c ON c.id = pr.crop_id
        WHERE pr.price_type = 'farmGate' AND pr.price IS NOT NULL AND pr.at <= ?),
    by_crop AS (SELECT * FROM gate WHERE crop_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY province, crop_id ORDER BY "at" DESC, id) = 1),
    by_family AS (SELECT * FROM gate WHERE family IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY province, family ORDER BY "at" DESC, id) = 1),
    used AS (
        SELECT k.*, CASE WHEN pc.id IS NOT NULL THEN 'crop'
                         WHEN pf.id IS NOT NULL THEN 'family' END AS rule,
               coalesce(pc.thb_kg, pf.thb_kg) AS thb_kg, coalesce(pc.at, pf.at) AS price_at,
               coalesce(pc.id, pf.id) AS price_id, coalesce(pc.crop_id, pf.crop_id) AS price_crop,
               coalesce(pc.name_en, pf.name_en) AS price_name_en,
               coalesce(pc.name_th, pf.name_th) AS price_name_th
        FROM (SELECT DISTINCT province, crop_id, family, name_th, name_en FROM season) k
        LEFT JOIN by_crop pc ON pc.province = k.province AND pc.crop_id = k.crop_id
        LEFT JOIN by_family pf ON pf.province = k.province AND pf.family = k.family)"""
    since = ask.now - timedelta(days=SEASON_DAYS)
    return sql, [since, ask.now, *params, ask.now]  # in the order they appear


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    sql, params = _sql(ask)
    rows = con.execute(
        f"""{sql}
        SELECT GROUPING(s.province) > 0, GROUPING(s.district) > 0, GROUPING(s.crop_id) > 0,
               s.province, s.district, s.family, s.crop_id, any_value(s.name_th),
               any_value(s.name_en), count(DISTINCT s.farm), count(*),
               coalesce(sum(s.area_rai), 0), sum(s.tonnes), sum(s.tonnes * 1000 * u.thb_kg),
               sum(s.tonnes) FILTER (WHERE u.thb_kg IS NULL)
        FROM season s JOIN used u ON {_SAME}
        GROUP BY GROUPING SETS ((s.province, s.district, s.family, s.crop_id),
                                (s.province, s.district), (s.province), ())
        ORDER BY s.province, s.district, s.family, s.crop_id""",
        params,
    ).fetchall()
    prices = con.execute(f"{sql} SELECT * FROM used ORDER BY province, family, crop_id", params)
    cols = [d[0] for d in prices.description]
    used = [dict(zip(cols, r, strict=True)) for r in prices.fetchall()]
    outside = con.execute(f"{sql} SELECT count(*) FILTER (NOT in_season) FROM asked", params)
    out_of_season = outside.fetchone()
    total: dict[str, Any] = _figures(0, 0, 0.0, None, None, None)
    provinces: list[dict[str, Any]] = []
    districts: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for no_province, no_district, no_crop, prov, dist, fam, cid, th, en, *figures in rows:
        row = _figures(*figures)
        if no_province:
            total = row
            continue
        if no_district:
            provinces.append({"province": prov, **row})
            continue
        # crop rows come before their district's total (NULLs sort last)
        district = districts.setdefault((prov, dist), {"province": prov, "district": dist})
        if no_crop:
            crops = district.pop("crops", [])
            district.update(row, crops=sorted(crops, key=lambda b: -(b["incomeThb"] or 0)))
        else:
            crop_row = {"id": cid, "family": fam, **names(fam, th, en), **row}
            district.setdefault("crops", []).append(crop_row)
    return {
        "asOf": ask.now.isoformat(timespec="seconds"),
        "area": {"province": ask.province, "district": ask.district, "crop": ask.crop},
        "season": {
            "from": (ask.now - timedelta(days=SEASON_DAYS)).isoformat(timespec="seconds"),
            "to": ask.now.isoformat(timespec="seconds"),
            "rule": "parcels with a crop in the field, or planted in the 365 days up to now",
            "parcelsOutsideSeason": out_of_season[0] if out_of_season else 0,
        },
        "total": total,
        "provinces": provinces,
        "districts": list(districts.values()),
        "prices": [_price(u) for u in used],
    }


def _figures(
    farms: int, parcels: int, rai: float, tonnes: float | None, income: float | None,
    unpriced: float | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "farms": farms, "parcels": parcels, "rai": round(rai, 1),
        "tonnes": None if tonnes is None else round(tonnes, 1),
        "incomeThb": None if income is None else round(income),
        "incomeMillionThb": None if income is None else round(income / 1e6, 3),
        "tonnesWithoutPrice": round(unpriced or 0.0, 1),
    }  # fmt: skip


def _price(u: dict[str, Any]) -> dict[str, Any]:
    at: datetime | None = u["price_at"]
    return {
        "province": u["province"], "cropId": u["crop_id"], "family": u["family"],
        **names(u["family"], u["name_th"], u["name_en"]), "rule": u["rule"],
        "thbPerKg": u["thb_kg"], "at": None if at is None else at.isoformat(timespec="seconds"),
        "priceId": u["price_id"], "priceCropId": u["price_crop"],
        "priceName": {"th": u["price_name_th"], "en": u["price_name_en"]},
    }  # fmt: skip


def province_income(con: duckdb.DuckDBPyConnection, now: datetime, province: str) -> float | None:
    """This season's estimated crop income of ``province`` in THB, unrounded (None: no
    parcels, or none of their crops has a price)."""
    sql, params = _sql(Ask(now=now, province=province))
    got = con.execute(
        f"{sql} SELECT sum(s.tonnes * 1000 * u.thb_kg) FROM season s JOIN used u ON {_SAME}",
        params,
    ).fetchone()
    return None if got is None or got[0] is None else float(got[0])


#: the parcels of every province as of one computation: (store, tenant, T, table); the
#: store itself is held, so that another store can never be taken for it
_PARCELS: list[tuple[Any, str, int, pa.Table]] = []


async def _all_parcels(d: ProvinceData, f: Fields) -> pa.Table:
    """Every parcel of the tenant as a table, read once per computation and shared by its
    provinces (columnar: 100,000 parcels stay a few MB between computations). Why not
    ``d.entities``: paging a query filtered by province decodes every entity before each
    page's offset again (35.7 s for 100,000 parcels); paging by type alone reads each
    once (2.3 s)."""
    for store, tenant, end, table in _PARCELS:
        if store is d.store and tenant == d.tenant and end == d.end_us:
            return table
    pages: list[pa.Table] = []
    types = [frozenset([f.terms.expand_type("AgriParcel")])]
    read = 0
    while True:
        q = Query(types=types, limit=1000, offset=read)
        page = (await d.store.query(d.tenant, q)).entities
        pages.append(pa.Table.from_pylist([parcel(f, e) for e in page], schema=TABLES["parcels"]))
        read += len(page)
        if len(page) < 1000:
            break
    got = pa.concat_tables(pages)
    _PARCELS[:] = [(d.store, d.tenant, d.end_us, got)]  # the previous computation is done
    return got


async def scorecard_income(d: ProvinceData) -> float | None:
    """The scorecard's crop-income (THB million) as of the end of ``d``'s window: the same
    calculation over the province's entities in the store, put in an in-memory DuckDB
    (the KPI engine reads the store, not the snapshot, so it runs without one). Parcels
    are a current state: read once per computation, for the last day only. The price is
    the mean farm-gate price of its latest day with data before T."""
    f = Fields(d.terms)
    parcels = await _all_parcels(d, f)
    if parcels.num_rows == 0:
        return None
    daily = await d.daily("CropPrice", "price")
    start = d.end_us - d.days * DAY_US
    prices = []
    for e in await d.entities("CropPrice"):
        days = daily.values.get(e["id"]) or []
        series = [(local_us(start + n * DAY_US), got["avg"])
                  for n, got in enumerate(days) if got and "avg" in got]  # fmt: skip
        prices += price_rows(f, e, {"price": series})
    tables = {
        "parcels": parcels, "crops": [crop(f, e) for e in await d.entities("AgriCrop")],
        "prices": prices,
    }  # fmt: skip
    con = duckdb.connect()
    for name, schema in TABLES.items():
        rows = tables.get(name, [])
        table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=schema)
        con.register(f"_{name}", table)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}")
    try:
        income = province_income(con, local_us(d.end_us), d.region)
    finally:
        con.close()
    return None if income is None else income / 1e6
