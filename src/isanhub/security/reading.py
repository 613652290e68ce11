"""What one reader sees of the entities a response or a notification carries: only the
entity types open to it (the public), personal attributes masked unless it may read
them in clear, and, when it may, which personal attributes it was shown (the audit).

A reader without the permission may not filter or sort on a personal attribute either:
a comparison in ``q`` (or an ``orderBy``, a geo-query on a personal GeoProperty) would
tell its value however well the response masks it. Existence tests stay allowed, as
``attrs=`` tells as much.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from isanhub.core import qlang
from isanhub.core.errors import Forbidden
from isanhub.core.model import Entity
from isanhub.core.projection import keeps
from isanhub.core.render import View
from isanhub.security.mask import mask_entity, mask_temporal, personal_attrs, temporal_attrs
from isanhub.security.personal import Privacy
from isanhub.store.base import Query, TypeDNF
from isanhub.store.temporal import TemporalEntity

#: a type no entity has (an IRI of this hub's own): matches nothing
NO_TYPE = "urn:isanhub:no-type"


def _denied(iri: str, how: str) -> Forbidden:
    return Forbidden(
        f"{iri} is personal data: {how} it needs a key or token that may read personal data"
    )


def _q_attrs(node: qlang.Node) -> Iterable[str]:
    """The attributes whose values ``q`` compares or matches."""
    if isinstance(node, qlang.And | qlang.Or):
        for item in node.items:
            yield from _q_attrs(item)
    elif isinstance(node, qlang.Compare | qlang.Match):
        yield node.path.attr


def open_dnf(types: TypeDNF | None, open_types: frozenset[str]) -> TypeDNF:
    """A type expression narrowed to entities with at least one open type: a group
    with an open type stays; another becomes one group per open type (the entity has
    every type of the group and that one)."""
    out: TypeDNF = []
    if types is None:
        out = [frozenset({t}) for t in sorted(open_types)]
    for group in types or ():
        if group & open_types:
            out.append(group)
        else:
            out.extend(group | {t} for t in sorted(open_types))
    # an empty expression would mean "any type" to the store: name one nothing has
    return out or [frozenset({NO_TYPE})]


def type_scope(types: TypeDNF | None) -> frozenset[str] | None:
    """Every type a type expression names (None: any type)."""
    return frozenset().union(*types) if types else None


class Reading:
    """The entities one reader is shown; ``read`` collects, when it may read personal
    data in clear, the personal attributes it was shown of each entity."""

    def __init__(
        self, privacy: Privacy, *, clear: bool, open_types: frozenset[str] | None = None
    ) -> None:
        self.privacy = privacy
        self.classification = privacy.classification
        self.clear = clear
        #: None: every type; else the open types ("*": all of them)
        self.open_types = None if open_types is None or "*" in open_types else open_types
        self.read: dict[str, set[str]] = {}

    def visible(self, types: Iterable[str]) -> bool:
        return self.open_types is None or any(t in self.open_types for t in types)

    # --- queries -----------------------------------------------------------------------
    def restrict(self, query: Query) -> Query:
        """The query the reader may run: narrowed to the open types for the public;
        Forbidden when it filters or sorts on a personal attribute it may not read."""
        if self.open_types is not None:
            query = dataclasses.replace(query, types=open_dnf(query.types, self.open_types))
        if not self.clear:
            geoproperty = query.geo.geoproperty if query.geo is not None else None
            self.check_filters(query.q, query.order_by, geoproperty, type_scope(query.types))
        return query

    def check_filters(
        self,
        q: qlang.Node | None,
        order_by: Any,
        geoproperty: str | None,
        types: frozenset[str] | None,
    ) -> None:
        """Forbidden when q compares, orderBy sorts by or a geo-query tests a personal
        attribute of ``types`` (None: of any type) and the reader may not read it."""
        personal = self.classification.attrs_for(types)
        if not personal or self.clear:
            return
        if q is not None:
            for attr in _q_attrs(q):
                if attr in personal:
                    raise _denied(attr, "filtering on")
        for path, _desc in order_by or ():
            if path[0] in personal:
                raise _denied(path[0], "sorting by")
        if geoproperty is not None and geoproperty in personal:
            raise _denied(geoproperty, "a geo-query on")

    # --- entities ----------------------------------------------------------------------
    def entity(self, entity: Entity, view: View | None = None) -> Entity | None:
        """The entity as shown (None: not visible to this reader). ``view`` narrows what
        counts as read to the attributes it renders."""
        if self.open_types is not None and not self.visible(entity["type"]):
            return None
        if not self.clear:
            return mask_entity(entity, self.classification, self.privacy.key)[0]
        self._note(entity["id"], personal_attrs(entity, self.classification), view)
        return entity

    def entities(self, entities: list[Entity], view: View | None = None) -> list[Entity]:
        return [s for e in entities if (s := self.entity(e, view)) is not None]

    def linked(self, found: dict[str, Entity]) -> dict[str, Entity]:
        """Linked entities (joins) as shown; invisible ones are as if absent."""
        return {k: s for k, e in found.items() if (s := self.entity(e)) is not None}

    def temporal(self, te: TemporalEntity, view: View | None = None) -> TemporalEntity | None:
        if self.open_types is not None and not self.visible(te.types):
            return None
        if not self.clear:
            return mask_temporal(te, self.classification, self.privacy.key)[0]
        self._note(te.id, temporal_attrs(te, self.classification), view)
        return te

    def _note(self, eid: str, attrs: tuple[str, ...], view: View | None) -> None:
        if not attrs:
            return
        if view is not None:
            attrs = tuple(
                a
                for a in attrs
                if (view.attrs is None or a in view.attrs) and keeps(a, view.pick, view.omit)
            )
            if not attrs:
                return
        self.read.setdefault(eid, set()).update(attrs)
