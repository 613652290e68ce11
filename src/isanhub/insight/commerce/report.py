"""The seller report: every insight of one shop, as the JSON documented field by field
in docs/seller-report.md, and its HTML and PDF pages.

Each section is one function of its own module over the lake's DuckDB views; this
module only decides the day the report is as of, gathers the sections, and reads the
city's creators (Creator and LiveSellingSession entities) from the store.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from isanhub.core.render import View, render_entity
from isanhub.core.termmap import core_term_map
from isanhub.insight.commerce import (
    LANGS,
    advice,
    buyers,
    channels,
    creators,
    kinds,
    outlook,
    price,
    products,
    timing,
    words,
)
from isanhub.store.base import Query, Store

_PAGE = 1000
_KEY_VALUES = View(fmt="keyValues")


def period(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """Local dates of the shop's first and last order line."""
    row = con.execute(
        "SELECT CAST(min(ordered_at) AS DATE), CAST(max(ordered_at) AS DATE) FROM lines"
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    tenant: str,
    shop: str,
    meta: dict[str, Any],
    as_of: date | None = None,
    lang: str = "th",
    people: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], []),
    tiers: dict[str, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """The report of the shop whose lines ``con`` shows (Lake.connect). ``people`` are
    the city's Creator and LiveSellingSession entities in keyValues form."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    first, last = period(con)
    day = as_of or last or date.today()
    lines = con.execute("SELECT count(*) FROM lines").fetchone()
    kind = kinds.main_kind(con)
    report: dict[str, Any] = {
        "shop": {"tenant": tenant, "id": shop, "name": meta.get("name", shop)},
        "asOf": day.isoformat(),
        "period": {
            "from": first.isoformat() if first else None,
            "to": last.isoformat() if last else None,
        },
        "lang": lang,
        "lines": lines[0] if lines else 0,
        "currency": "THB",
        "channels": channels.channels(con),
        "products": products.products(con, day),
        "time": timing.timing(con, day),
        "buyers": buyers.buyers(con),
        "price": price.price(con, tenant=tenant, shop=shop, as_of=day),
        "outlook": outlook.outlook(con, day),
        "words": words.words(con, tenant=tenant, shop=shop, as_of=day),
        "creators": creators.creators(
            people[0],
            people[1],
            kind=kind or "other",
            province_code=meta.get("province_code"),
            tiers=tiers,
            lang=lang,
        ),
    }
    report["advice"] = advice.advice(report, lang)
    return report


async def city_people(
    store: Store, tenant: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Creator and LiveSellingSession entities of the city's tenant, keyValues."""
    terms = core_term_map()
    found: list[list[dict[str, Any]]] = []
    for kind in ("Creator", "LiveSellingSession"):
        entities: list[dict[str, Any]] = []
        types = [frozenset([terms.expand_type(kind)])]
        while True:
            q = Query(types=types, limit=_PAGE, offset=len(entities))
            page = (await store.query(tenant, q)).entities
            entities.extend(render_entity(e, terms, _KEY_VALUES) for e in page)
            if len(page) < _PAGE:
                break
        found.append(entities)
    return found[0], found[1]
