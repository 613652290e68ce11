"""What a loader writes: NGSI-LD entities (normalized, compact names) and the history
of their measured attributes as series. The sandbox generator and the file importer
both produce these; ``isanhub.ingest.load`` writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=16384)
def iso(t: int) -> str:
    """UTC ISO 8601 text of epoch seconds (cached: loads repeat the same hours)."""
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")  # years padded


@dataclass(slots=True)
class Series:
    """The history of one attribute: values at epoch seconds (None: missing)."""

    attr: str
    times: list[int]
    values: list[Any]
    unit: str | None = None  #: UN/CEFACT unit code, e.g. "GQ" (µg/m³)

    def last(self) -> tuple[int, Any] | None:
        """The most recent value that is not missing, with its time."""
        for t, v in zip(reversed(self.times), reversed(self.values), strict=True):
            if v is not None:
                return t, v
        return None


@dataclass(slots=True)
class Item:
    """One entity and the history of its measured attributes."""

    entity: dict[str, Any]
    series: list[Series] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.entity["id"])

    def finish(self) -> Item:
        """Give the entity the latest value of each series (its current state)."""
        for s in self.series:
            latest = s.last()
            if latest is not None:
                inst: dict[str, Any] = {"type": "Property", "value": latest[1]}
                if s.unit:
                    inst["unitCode"] = s.unit
                inst["observedAt"] = iso(latest[0])
                self.entity[s.attr] = inst
        return self


def prop(value: Any, unit: str | None = None, *, observed_at: int | None = None) -> dict[str, Any]:
    """A Property in normalized form (with a UN/CEFACT unit and an observedAt, epoch s)."""
    out: dict[str, Any] = {"type": "Property", "value": value}
    if unit:
        out["unitCode"] = unit
    if observed_at is not None:
        out["observedAt"] = iso(observed_at)
    return out


def rel(target: str | list[str]) -> dict[str, Any]:
    """A Relationship in normalized form."""
    return {"type": "Relationship", "object": target}
