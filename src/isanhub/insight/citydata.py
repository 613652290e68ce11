"""The data a province's KPIs are computed from, read through the store contract (so
the KPI engine runs on either backend): current entities of a type, and daily
aggregates of an attribute's history computed in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from isanhub.core import qlang
from isanhub.core.model import Entity
from isanhub.core.termmap import TermMap, core_term_map
from isanhub.store.base import Query, Store
from isanhub.store.temporal import Aggregation, TemporalQuery

DAY_US = 86_400_000_000
PAGE = 1000


def us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


@dataclass
class Daily:
    """Per entity, per day of the window: {method: value} (None where no data)."""

    days: int
    values: dict[str, list[dict[str, float] | None]] = field(default_factory=dict)

    def on(self, day: int, method: str) -> list[float]:
        """The ``method`` value of every entity that has data on ``day`` (0 = the first
        day of the window, ``days - 1`` the last)."""
        out = []
        for per_day in self.values.values():
            got = per_day[day]
            if got is not None and got.get(method) is not None:
                out.append(got[method])
        return out


class ProvinceData:
    """Reads for one province (selected by ``address.addressRegion``) with a window of
    ``days`` days ending at ``end``; every read is cached."""

    def __init__(
        self, store: Store, tenant: str, region: str, population: int, end: datetime,
        days: int, terms: TermMap | None = None,
    ) -> None:  # fmt: skip
        self.store, self.tenant, self.region = store, tenant, region
        self.population = population
        self.end_us = us(end)
        self.days = days
        self.terms = terms or core_term_map()
        self._entities: dict[str, list[Entity]] = {}
        self._daily: dict[tuple[str, str], Daily] = {}
        text = f'address[addressRegion]=="{region}"'
        self._q = qlang.map_attrs(qlang.parse(text), self.terms.expand_attr)

    def attr(self, entity: Entity, name: str) -> Any:
        """The value of the default instance of attribute ``name`` (None when absent)."""
        for inst in entity["attrs"].get(self.terms.expand_attr(name), ()):
            if "datasetId" not in inst:
                value = inst.get("value", inst.get("languageMap"))
                if isinstance(value, dict) and value.get("@type") == "DateTime":
                    return value["@value"]
                return value
        return None

    def object(self, entity: Entity, name: str) -> str | None:
        """The target of the default instance of relationship ``name``."""
        for inst in entity["attrs"].get(self.terms.expand_attr(name), ()):
            if "datasetId" not in inst and isinstance(inst.get("object"), str):
                return str(inst["object"])
        return None

    async def entities(self, kind: str) -> list[Entity]:
        """Every current entity of type ``kind`` in the province."""
        got = self._entities.get(kind)
        if got is None:
            got = []
            types = [frozenset([self.terms.expand_type(kind)])]
            while True:
                q = Query(types=types, q=self._q, limit=PAGE, offset=len(got))
                page = (await self.store.query(self.tenant, q)).entities
                got.extend(page)
                if len(page) < PAGE:
                    break
            self._entities[kind] = got
        return got

    async def daily(self, kind: str, attr: str) -> Daily:
        """Daily aggregates (avg, sum, min, max, totalCount) of ``attr`` of the entities of
        type ``kind``, for each of the window's days: day ``n`` covers
        [start + n days, start + n + 1 days) where start = end - days."""
        key = (kind, attr)
        got = self._daily.get(key)
        if got is not None:
            return got
        got = Daily(self.days)
        iri = self.terms.expand_attr(attr)
        start = self.end_us - self.days * DAY_US
        methods = ("avg", "sum", "min", "max", "totalCount")
        offset = 0
        while True:
            tq = TemporalQuery(
                entities=Query(
                    types=[frozenset([self.terms.expand_type(kind)])],
                    q=self._q, limit=PAGE, offset=offset,
                ),
                attrs=frozenset([iri]),
                timerel="between",
                time_at=start,
                end_time_at=self.end_us,
                aggregation=Aggregation(methods, period=DAY_US),
            )  # fmt: skip
            page, _ = await self.store.temporal(self.tenant, tq)
            for te in page:
                per_day: list[dict[str, float] | None] = [None] * self.days
                for method, buckets in te.buckets.get(iri, {}).items():
                    for value, b_start, _b_end in buckets:
                        n = (b_start - start) // DAY_US
                        if 0 <= n < self.days and value is not None:
                            slot = per_day[n]
                            if slot is None:
                                slot = per_day[n] = {}
                            slot[method] = float(value)
                got.values[te.id] = per_day
            if len(page) < PAGE:
                break
            offset += PAGE
        self._daily[key] = got
        return got
