"""Which subscriptions a change triggers, and with which trigger (clause 5.11).

A subscription is compiled once (``Watch``) from its stored form. For a change of one
entity (its state before and after), ``trigger`` names the notificationTrigger it fires,
or None: the entity must be selected (``entities``: type, id, idPattern), the change
must touch a watched attribute (``watchedAttributes``, when given), and the entity must
satisfy ``q``, ``geoQ`` and ``scopeQ`` (the state after the change; the state before
for a deletion).

``Index`` finds the candidates of a change without trying every subscription: by entity
id, by entity type, or among those that select any entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from isanhub.core import qlang, scopeq, typeexpr
from isanhub.core.geo import GeoQuery
from isanhub.core.model import Entity
from isanhub.core.subscription import compile_q

#: the GeoProperty a geoQ without geoproperty is about (stored names are expanded IRIs)
LOCATION = "https://uri.etsi.org/ngsi-ld/location"

#: triggers in the order one is chosen when a change fits several: one notification per
#: change and subscription, named by its most specific trigger
_ORDER = (
    "entityCreated",
    "entityDeleted",
    "attributeCreated",
    "attributeDeleted",
    "attributeUpdated",
    "entityUpdated",
)


@dataclass(frozen=True)
class Selector:
    types: typeexpr.DNF
    id: str | None
    pattern: re.Pattern[str] | None

    def selects(self, entity: Entity) -> bool:
        if self.id is not None and entity["id"] != self.id:
            return False
        if self.pattern is not None and not self.pattern.match(entity["id"]):
            return False
        have = set(entity["type"])
        return any(group <= have for group in self.types)


@dataclass
class Watch:
    """A subscription compiled for matching."""

    tenant: str
    id: str
    doc: dict[str, Any]
    selectors: list[Selector]  # empty: every entity
    watched: frozenset[str] | None
    triggers: frozenset[str]
    q: Any
    geo: GeoQuery | None
    scope: Any
    periodic: bool
    active: bool
    expires: float | None  # seconds since 1970

    def live(self, now: float) -> bool:
        return self.active and not self.periodic and (self.expires is None or now < self.expires)

    def trigger(
        self, before: Entity | None, after: Entity | None, changes: Changes | None = None
    ) -> str | None:
        """The trigger this change fires for this subscription, or None (``changes``:
        the attributes it changed, computed once for every candidate)."""
        state = after if after is not None else before
        assert state is not None
        if self.selectors and not any(s.selects(state) for s in self.selectors):
            return None
        fired = self._fired(before, after, changes or attribute_changes(before, after))
        if not fired:
            return None
        if self.q is not None and not qlang.evaluate(self.q, state):
            return None
        if self.geo is not None and not self.geo.matches_entity(state):
            return None
        if self.scope is not None and not scopeq.matches(self.scope, state.get("scope")):
            return None
        return fired

    def _fired(self, before: Entity | None, after: Entity | None, changes: Changes) -> str | None:
        old = before["attrs"] if before is not None else {}
        watched = self.watched
        created, deleted, updated = changes
        if watched is not None:
            created = [a for a in created if a in watched]
            deleted = [a for a in deleted if a in watched]
            updated = [a for a in updated if a in watched]
        happened = {
            "entityCreated": before is None and (watched is None or bool(created)),
            "entityDeleted": after is None and (watched is None or any(a in watched for a in old)),
            "attributeCreated": bool(created),
            "attributeDeleted": bool(deleted),
            "attributeUpdated": bool(updated),
            "entityUpdated": before is not None
            and after is not None
            and bool(created or deleted or updated or (watched is None and before != after)),
        }
        for name in _ORDER:
            if happened[name] and name in self.triggers:
                return name
        return None


#: the attributes a change created, deleted and updated
Changes = tuple[list[str], list[str], list[str]]


def attribute_changes(before: Entity | None, after: Entity | None) -> Changes:
    old = before["attrs"] if before is not None else {}
    new = after["attrs"] if after is not None else {}
    created = [a for a in new if a not in old]
    # an attribute is deleted when it goes, or when one of its instances (datasetId) goes
    # while others stay; a deleted entity deletes them all
    deleted = [a for a in old if a not in new or _instance_gone(old[a], new[a])]
    updated = [a for a in new if a in old and new[a] != old[a] and a not in deleted]
    return created, deleted, updated


def _instance_gone(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    kept = {i.get("datasetId") for i in after}
    return any(i.get("datasetId") not in kept for i in before)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def compile_watch(tenant: str, doc: dict[str, Any]) -> Watch:
    """The Watch of a stored subscription (isanhub.core.subscription's stored form)."""
    selectors = [
        Selector(
            typeexpr.parse_types(sel["type"]),
            sel.get("id"),
            re.compile(sel["idPattern"]) if sel.get("idPattern") else None,
        )
        for sel in doc.get("entities") or ()
    ]
    geo = None
    if doc.get("geoQ"):
        g = doc["geoQ"]
        geo = GeoQuery.build(
            g["georel"], g["geometry"], g["coordinates"], g.get("geoproperty") or LOCATION
        )
    watched = doc.get("watchedAttributes")
    q = compile_q(doc)
    return Watch(
        tenant=tenant,
        id=doc["id"],
        doc=doc,
        selectors=selectors,
        watched=frozenset(watched) if watched else None,
        triggers=frozenset(doc.get("notificationTrigger") or ()),
        q=q,
        geo=geo,
        scope=scopeq.parse(doc["scopeQ"]) if doc.get("scopeQ") else None,
        periodic=bool(doc.get("timeInterval")),
        active=doc.get("isActive", True) is not False,
        expires=_epoch(doc["expiresAt"]) if doc.get("expiresAt") else None,
    )


class Index:
    """The compiled subscriptions of one tenant, by what they select."""

    def __init__(self, watches: Iterable[Watch] = ()) -> None:
        self.by_id: dict[str, dict[str, Watch]] = {}
        self.by_type: dict[str, dict[str, Watch]] = {}
        self.any: dict[str, Watch] = {}
        self.all: dict[str, Watch] = {}
        for w in watches:
            self.add(w)

    def add(self, w: Watch) -> None:
        self.remove(w.id)
        self.all[w.id] = w
        if not w.selectors:
            self.any[w.id] = w
        for sel in w.selectors:
            if sel.id is not None:
                self.by_id.setdefault(sel.id, {})[w.id] = w
            else:  # an entity with every type of a group has its first one
                for group in sel.types:
                    self.by_type.setdefault(min(group), {})[w.id] = w

    def remove(self, sid: str) -> None:
        if self.all.pop(sid, None) is None:
            return
        self.any.pop(sid, None)
        for table in (self.by_id, self.by_type):
            for key in [k for k, ws in table.items() if ws.pop(sid, None) and not ws]:
                del table[key]

    def candidates(self, state: Entity) -> list[Watch]:
        seen: dict[str, Watch] = dict(self.any)
        seen.update(self.by_id.get(state["id"], {}))
        for t in state["type"]:
            seen.update(self.by_type.get(t, {}))
        return list(seen.values())
