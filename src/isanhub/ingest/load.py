"""Write items (entities and the series of their attributes) into a store, fast.

An item is expanded with a term map once; its series become recorded instances, and the
entity's current state takes each attribute's latest value. A new entity is created; an
existing one is merged (its other attributes are kept), so that loading a file twice,
or a file that continues an earlier one, leaves one entity with the whole history: an
instance at the same observedAt replaces the one recorded before rather than adding a
duplicate. Writes go in chunks through the store's grouped writes, each chunk one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from isanhub.core.errors import NgsiLdError
from isanhub.core.model import Entity, Instance, Terms, expand_entity, now_iso
from isanhub.core.temporal import merge_latest
from isanhub.core.termmap import core_term_map
from isanhub.ingest.items import Item, iso
from isanhub.store.base import Change, Store, WriteFn

#: members a change of content does not consist of
SYSTEM_TIMES = frozenset({"createdAt", "modifiedAt"})
#: a chunk is written once it holds this many instances or entities
CHUNK_INSTANCES = 50_000
CHUNK_ENTITIES = 500


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    instances: int = 0  #: recorded instances from series
    errors: list[tuple[str, str]] = field(default_factory=list)  #: (entity id, why)


@dataclass(slots=True)
class Prepared:
    """An item in normal form: the entity and the instances its series record."""

    entity: Entity
    history: dict[str, list[Instance]]
    size: int  #: number of instances in ``history``


def prepare(item: Item, terms: Terms, now: str) -> Prepared:
    """Expand and check one item (raises the NgsiLdError a client would get)."""
    entity = expand_entity(item.entity, terms, now=now)
    history: dict[str, list[Instance]] = {}
    size = 0
    for s in item.series:
        iri = terms.expand_attr(s.attr)
        out = history.setdefault(iri, [])
        unit = s.unit
        for t, v in zip(s.times, s.values, strict=True):
            if v is None:
                continue
            inst: Instance = {"type": "Property", "value": v, "observedAt": iso(t)}
            if unit:
                inst["unitCode"] = unit
            out.append(inst)
        size += len(out)
    return Prepared(entity, history, size)


def _plain(instances: list[Instance]) -> list[Instance]:
    """Instances without their system times, to compare content."""
    return [{k: v for k, v in i.items() if k not in SYSTEM_TIMES} for i in instances]


def _stamped(inst: Instance, held: list[Instance] | None, now: str) -> Instance:
    """``inst`` with its system times: createdAt kept from the instance of the same
    datasetId it replaces, modifiedAt now."""
    ds = inst.get("datasetId")
    first = next((h.get("createdAt") for h in held or () if h.get("datasetId") == ds), None)
    return {**inst, "createdAt": first or now, "modifiedAt": now}


def _merge_static(
    entity: Entity, iri: str, instances: list[Instance], now: str, record: list[Any]
) -> None:
    """Merge one attribute that has no series into a stored entity. Observed instances
    follow their observedAt (an older file does not overwrite newer values) and are
    recorded (a re-recorded instance replaces its twin); others replace the stored ones
    and are recorded only when they changed."""
    held = entity["attrs"].get(iri)
    if any("observedAt" in i for i in instances):
        merge_latest(entity, {iri: [_stamped(i, held, now) for i in instances]})
        record.extend((iri, i) for i in instances)
    elif held is None or _plain(held) != _plain(instances):
        entity["attrs"][iri] = [_stamped(i, held, now) for i in instances]
        record.extend((iri, i) for i in instances)


def _write(p: Prepared, now: str) -> WriteFn:
    def write(current: Entity | None) -> Change:
        new = p.entity
        record: list[tuple[str, Any]] = []
        if current is None:
            entity, created = new, True
            for iri in p.history:  # the latest instance becomes the current value
                entity["attrs"].pop(iri, None)
            record.extend(
                (iri, inst)
                for iri, instances in new["attrs"].items()
                if iri not in p.history
                for inst in instances
            )
        else:
            entity, created = current, False
            entity["type"] = list(dict.fromkeys([*entity["type"], *new["type"]]))
            entity["modifiedAt"] = now
            for iri, instances in new["attrs"].items():
                if iri not in p.history:
                    _merge_static(entity, iri, instances, now, record)
        attrs = entity["attrs"]
        held = {iri: list(attrs.get(iri, ())) for iri in p.history}
        merge_latest(entity, p.history)
        for iri in p.history:  # the current value carries system times, as any other
            attrs[iri] = [
                i if "modifiedAt" in i else _stamped(i, held[iri], now) for i in attrs[iri]
            ]
        record += [(iri, inst) for iri, insts in p.history.items() for inst in insts]
        return Change(entity, result=created, record=record)

    return write


async def load(
    store: Store,
    tenant: str,
    items: Iterable[Item],
    *,
    terms: Terms | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_instances: int = CHUNK_INSTANCES,
    chunk_entities: int = CHUNK_ENTITIES,
) -> LoadStats:
    """Write ``items`` (compact names expanded with ``terms``, default the core context).
    ``progress(entities, instances)`` is called after each chunk with what it wrote.
    An item that is invalid or whose write fails is reported in ``errors``; the others
    are written."""
    terms = terms or core_term_map()
    stats = LoadStats()
    writes: list[tuple[str, WriteFn]] = []
    sizes: list[int] = []
    pending = 0

    async def flush() -> None:
        nonlocal writes, sizes, pending
        if not writes:
            return
        results = await store.write_many(tenant, writes)
        for (eid, _fn), size, result in zip(writes, sizes, results, strict=True):
            if isinstance(result, NgsiLdError):
                stats.errors.append((eid, result.detail))
                continue
            stats.instances += size
            if result:
                stats.created += 1
            else:
                stats.updated += 1
        if progress:
            progress(len(writes), pending)
        writes, sizes, pending = [], [], 0

    now = now_iso()
    for item in items:
        try:
            p = prepare(item, terms, now)
        except NgsiLdError as exc:
            stats.errors.append((str(item.entity.get("id")), exc.detail))
            continue
        writes.append((p.entity["id"], _write(p, now)))
        sizes.append(p.size)
        pending += p.size
        if pending >= chunk_instances or len(writes) >= chunk_entities:
            await flush()
    await flush()
    return stats
