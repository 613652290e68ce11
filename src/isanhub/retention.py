"""Retention of history: how long recorded attribute instances are kept, per tenant and
per entity type, and the pass that removes what is older (``isanhub retention``).

Rules are written ``TARGET=DURATION`` separated by commas, for example
``*=P5Y, tenant:khonkaen=P10Y, type:AirQualityObserved=P2Y``. The most specific rule
for an entity wins: tenant and type, then type, then tenant, then ``*``; an entity no
rule names keeps its whole history. An instance's age is its ``observedAt`` (or when
it was recorded, without one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from isanhub.core.errors import BadRequestData
from isanhub.core.temporal import parse_duration


@dataclass(frozen=True)
class Rule:
    tenant: str | None  #: None: every tenant
    type: str | None  #: expanded type IRI; None: every type
    months: int
    micros: int
    text: str  #: as written, for reports

    def cutoff(self, now: datetime) -> int:
        """Instances older than this (µs since 1970) are removed."""
        month = now.year * 12 + now.month - 1 - self.months
        moved = now.replace(year=month // 12, month=month % 12 + 1, day=min(now.day, 28))
        return int(moved.timestamp() * 1_000_000) - self.micros

    @property
    def rank(self) -> int:
        return (self.tenant is not None) + 2 * (self.type is not None)


def parse(text: str, expand_type: Callable[[str], str]) -> list[Rule]:
    """The rules of ``text`` (see the module's docstring); ValueError when malformed."""
    rules = []
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        target, sep, duration = item.partition("=")
        if not sep:
            raise ValueError(f"retention rule {item!r}: write TARGET=DURATION, e.g. *=P5Y")
        tenant = kind = None
        for part in target.strip().split("/"):
            key, _, name = part.partition(":")
            if part == "*":
                continue
            if key == "tenant" and name:
                tenant = name
            elif key == "type" and name:
                kind = expand_type(name)
            else:
                raise ValueError(
                    f"retention rule {item!r}: the target is *, tenant:NAME, type:NAME or tenant:NAME/type:NAME"
                )
        try:
            months, micros = parse_duration(duration.strip())
        except BadRequestData as exc:
            raise ValueError(f"retention rule {item!r}: {exc}") from None
        if not months and not micros:
            raise ValueError(f"retention rule {item!r}: the duration must not be zero")
        rules.append(Rule(tenant, kind, months, micros, item))
    return rules


@dataclass
class Removed:
    tenant: str
    rule: str
    instances: int


async def apply(
    store: Any, rules: list[Rule], *, now: datetime | None = None, dry_run: bool = False
) -> list[Removed]:
    """Remove (or with ``dry_run`` count) the instances the rules no longer keep, tenant
    by tenant; what each rule removed."""
    now = now or datetime.now(UTC)
    out = []
    for tenant in ["", *await store.tenants()]:
        mine = [r for r in rules if r.tenant in (None, tenant)]
        # per type, the most specific rule; the general rule skips the types named
        by_type: dict[str | None, Rule] = {}
        for rule in sorted(mine, key=lambda r: r.rank):
            by_type[rule.type] = rule
        named = [t for t in by_type if t is not None]
        for kind, rule in by_type.items():
            removed = await store.purge_history(
                tenant,
                rule.cutoff(now),
                types=[kind] if kind is not None else None,
                except_types=named if kind is None else [],
                dry_run=dry_run,
            )
            out.append(Removed(tenant, rule.text, removed))
    return out
