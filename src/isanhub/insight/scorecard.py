"""The KPI engine: computes the scorecard of each province and stores every KPI as a
``KeyPerformanceIndicator`` entity (Smart Data Models) whose ``kpiValue`` keeps its
history, so the standard API answers both "what is it now" and "how did it move".

A computation is "as of" an instant T (the last full hour by default). ``backfill``
days also computes the KPIs at T - 1 day, T - 2 days, … from the history already
stored, so a new city has trends at once. Recomputing at the same T replaces the
values (an instance at the same observedAt), so the engine may run as often as asked,
from several processes, without duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any

from isanhub.ingest.items import Item, Series
from isanhub.ingest.load import LoadStats, load
from isanhub.insight.citydata import ProvinceData
from isanhub.insight.kpis import KPIS, Kpi
from isanhub.store.base import Store

log = logging.getLogger("isanhub.kpi")

SOURCE = "Isan Digital Hub KPI engine"
THAI = timedelta(hours=7)  # Thailand keeps UTC+7 all year
#: days of history read before the first day computed (KPIs over 30 days, growth over 60)
LOOKBACK = 60


@dataclass(frozen=True)
class Area:
    """A province the scorecard covers."""

    key: str
    name_en: str
    name_th: str
    population: int
    seat: tuple[float, float]  #: (lat, lon)


def pilot_provinces() -> list[Area]:
    from isanhub.demo.places import PROVINCES

    return [Area(p.key, p.name_en, p.name_th, p.population, p.seat) for p in PROVINCES]


def kpi_id(area: Area, kpi: Kpi) -> str:
    return f"urn:ngsi-ld:KeyPerformanceIndicator:{area.key}:{kpi.key}"


def as_of(now: datetime | None = None) -> datetime:
    """The instant a computation at ``now`` is as of: the last Thai midnight (UTC+7), so
    that a KPI's day is a whole local day, the one before it, as daily figures are
    reported; recomputing during the day replaces that day's value."""
    local = (now or datetime.now(UTC)).astimezone(UTC) + THAI
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - THAI


async def values(
    store: Store, tenant: str, area: Area, at: datetime, days: int, since: datetime | None = None
) -> dict[str, list[float | None]]:
    """Each KPI of ``area`` at T - (days - 1) … T, one day apart (None: no data, or a
    window reaching before ``since``, when the data starts)."""
    data = ProvinceData(store, tenant, area.name_en, area.population, at, days + LOOKBACK)
    out: dict[str, list[float | None]] = {}
    first = 0
    for kpi in KPIS:
        if since is not None:  # the first day whose whole window has data
            first = max(0, ceil((since - at).total_seconds() / 86_400 + days - 1 + kpi.window))
        out[kpi.key] = [
            await kpi.compute(data, LOOKBACK + day) if day >= first else None for day in range(days)
        ]
    return out


def _entity(area: Area, kpi: Kpi, at: datetime, days: int) -> dict[str, Any]:
    lat, lon = area.seat
    target = (
        ""
        if kpi.target is None
        else f"{'≤' if kpi.better == 'lower' else '≥'} {kpi.target:g} {kpi.unit}"
    )
    entity: dict[str, Any] = {
        "id": "",
        "type": "KeyPerformanceIndicator",
        "name": {"type": "LanguageProperty", "languageMap": {"en": kpi.name_en, "th": kpi.name_th}},
        "kpiKey": {"type": "Property", "value": kpi.key},
        "dimension": {"type": "Property", "value": kpi.dimension},
        "category": {"type": "Property", "value": ["quantitative"]},
        "calculationFormula": {"type": "Property", "value": kpi.formula},
        "calculationFrequency": {"type": "Property", "value": "daily"},
        "calculationMethod": {"type": "Property", "value": "automatic"},
        "calculationPeriod": {"type": "Property", "value": {
            "from": (at - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "to": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }},
        "unit": {"type": "Property", "value": kpi.unit},
        "betterWhen": {"type": "Property", "value": kpi.better},
        "provider": {"type": "Property", "value": SOURCE},
        "address": {"type": "Property", "value": {
            "addressCountry": "TH", "addressRegion": area.name_en,
        }},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }  # fmt: skip
    if kpi.target is not None:
        entity["businessTarget"] = {"type": "Property", "value": target}
        entity["targetValue"] = {"type": "Property", "value": kpi.target}
        entity["targetSource"] = {"type": "Property", "value": kpi.target_source}
    entity["id"] = kpi_id(area, kpi)
    return entity


async def compute(
    store: Store,
    tenant: str = "",
    *,
    at: datetime | None = None,
    backfill: int = 0,
    areas: Sequence[Area] | None = None,
    progress: Callable[[Area], None] | None = None,
    since: datetime | None = None,
) -> LoadStats:
    """Compute every KPI of every area as of T = ``as_of(at)`` (default now) and, with
    ``backfill`` = n, as of the n days before it too, leaving out the days whose window
    reaches before ``since`` (when known: the start of the data); store them. KPIs
    without data in an area are not stored for it."""
    at = as_of(at)
    days = backfill + 1
    items: list[Item] = []
    for area in areas or pilot_provinces():
        got = await values(store, tenant, area, at, days, since)
        times = [int((at - timedelta(days=days - 1 - n)).timestamp()) for n in range(days)]
        for kpi in KPIS:
            series = got[kpi.key]
            if all(v is None for v in series):
                continue
            rounded = [None if v is None else round(v, 4) for v in series]
            item = Item(
                _entity(area, kpi, at, days), [Series("kpiValue", times, rounded, kpi.unit_code)]
            )
            items.append(item.finish())
        if progress:
            progress(area)
    return await load(store, tenant, items)


async def run_every(store: Store, seconds: float) -> None:
    """Recompute the scorecard of every tenant every ``seconds`` (a background task of
    the server; with several processes each recomputes, to the same values)."""
    while True:
        await asyncio.sleep(seconds)
        for tenant in ["", *await store.tenants()]:
            try:
                if tenant and not await store.tenant_exists(tenant):
                    continue
                stats = await compute(store, tenant)
                log.info("KPIs of tenant %r recomputed: %d values", tenant, stats.instances)
            except Exception:  # logged; the next interval tries again
                log.exception("KPI computation failed for tenant %r", tenant)
