"""The scorecard as people read it: for each province, each dimension's KPIs with their
latest value, target, whether it is met, and the change over a week; read back from the
stored KeyPerformanceIndicator entities (what any API client could read too)."""

from __future__ import annotations

from typing import Any

from isanhub.core import qlang
from isanhub.core.termmap import core_term_map
from isanhub.insight.citydata import DAY_US
from isanhub.insight.kpis import BY_KEY, DIMENSIONS
from isanhub.insight.scorecard import Area, pilot_provinces
from isanhub.store.base import Query, Store
from isanhub.store.history import to_us
from isanhub.store.temporal import TemporalQuery

KPI_TYPE = "KeyPerformanceIndicator"
TREND_DAYS = 7


def _value(entity: dict[str, Any], iri: str) -> Any:
    for inst in entity["attrs"].get(iri, ()):
        return inst.get("value", inst.get("languageMap"))
    return None


def _met(value: float, target: float | None, better: str) -> bool | None:
    if target is None:
        return None
    return value <= target if better == "lower" else value >= target


async def _series(store: Store, tenant: str, query: Query) -> dict[str, list[Any]]:
    """KPI id -> its last few (observedAt, value) of kpiValue, oldest first: enough for
    the change over ``TREND_DAYS`` days of a daily KPI."""
    iri = core_term_map().expand_attr("kpiValue")
    tq = TemporalQuery(entities=query, attrs=frozenset([iri]), last_n=TREND_DAYS + 2)
    out: dict[str, list[Any]] = {}
    for te in (await store.temporal(tenant, tq))[0]:
        out[te.id] = [(i["observedAt"], i["value"]) for i in te.attrs.get(iri, [])]
    return out


async def scorecard(
    store: Store, tenant: str = "", province: str | None = None, lang: str = "th"
) -> dict[str, Any]:
    """The scorecard of one province (its key, e.g. ``khon-kaen``) or of every pilot
    province, with each KPI's latest value and its change over ``TREND_DAYS`` days."""
    terms = core_term_map()
    areas: list[Area] = [a for a in pilot_provinces() if province in (None, a.key)]
    out: dict[str, Any] = {"provinces": [], "dimensions": list(DIMENSIONS)}
    if not areas:
        return out
    for area in areas:
        q = qlang.map_attrs(
            qlang.parse(f'address[addressRegion]=="{area.name_en}"'), terms.expand_attr
        )
        query = Query(types=[frozenset([terms.expand_type(KPI_TYPE)])], q=q, limit=1000)
        entities = (await store.query(tenant, query)).entities
        history = await _series(store, tenant, query)
        dims: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
        for e in entities:
            kpi = BY_KEY.get(str(_value(e, terms.expand_attr("kpiKey"))))
            points = history.get(e["id"]) or []
            if kpi is None or not points:
                continue
            at, value = points[-1]
            at_us = to_us(at)
            before = [v for t, v in points if to_us(t) <= at_us - TREND_DAYS * DAY_US]
            dims[kpi.dimension].append({
                "key": kpi.key,
                "id": e["id"],
                "name": kpi.name_th if lang == "th" else kpi.name_en,
                "value": value,
                "unit": kpi.unit,
                "observedAt": at,
                "target": kpi.target,
                "better": kpi.better,
                "meetsTarget": _met(value, kpi.target, kpi.better),
                "weekAgo": before[-1] if before else None,
                "change": value - before[-1] if before else None,
            })  # fmt: skip
        for rows in dims.values():
            rows.sort(key=lambda r: list(BY_KEY).index(r["key"]))
        out["provinces"].append({
            "key": area.key,
            "name": area.name_th if lang == "th" else area.name_en,
            "population": area.population,
            "dimensions": dims,
        })  # fmt: skip
    return out
