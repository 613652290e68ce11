"""A subscription's right to personal data: recorded in its stored document when it is
made (or changed), applied to each of its notifications.

Notifications are sent long after the request that asked for them, by whichever
process delivers, with no key at hand: so the subscription keeps who set it up, whether
they may read personal data in clear, and the purpose they gave. A change by a reader
without the permission takes the permission away (they could otherwise point a
subscription of somebody else's to their own endpoint). A subscription without the
record (made before it existed) is masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from isanhub.core import typeexpr
from isanhub.core.model import Entity, now_iso
from isanhub.core.subscription import compile_q
from isanhub.notify.content import Event
from isanhub.notify.match import LOCATION
from isanhub.security import audit
from isanhub.security.personal import Privacy
from isanhub.security.reading import Reading
from isanhub.store.security import SecurityTable

#: the member of a stored subscription holding its access (never rendered to clients)
MEMBER = "_access"


@dataclass(frozen=True)
class Subscriber:
    who: str
    personal: bool
    purpose: str


def subscriber_of(doc: dict[str, Any]) -> Subscriber:
    given = doc.get(MEMBER)
    if not isinstance(given, dict):
        return Subscriber("", False, "")
    return Subscriber(
        str(given.get("who") or ""), given.get("personal") is True, str(given.get("purpose") or "")
    )


def stamp(doc: dict[str, Any], reader: Subscriber, *, before: dict[str, Any] | None = None) -> None:
    """Record ``reader`` in a subscription being created (``before`` None) or changed:
    a change keeps the permission only when both the one who had set it up and the
    one changing it have it."""
    personal = reader.personal
    if before is not None:
        personal = personal and subscriber_of(before).personal
    doc[MEMBER] = {"who": reader.who, "personal": personal, "purpose": reader.purpose}


def check(privacy: Privacy, doc: dict[str, Any], reader: Subscriber) -> None:
    """Forbidden when a subscriber without the permission filters on a personal
    attribute (q, or geoQ on a personal GeoProperty): a notification would tell that the
    value matched."""
    if reader.personal:
        return
    selectors = doc.get("entities") or []
    types: frozenset[str] | None = None
    if selectors and all(sel.get("type") for sel in selectors):
        groups = [g for sel in selectors for g in typeexpr.parse_types(sel["type"])]
        types = frozenset().union(*groups)
    geo = doc.get("geoQ")
    geoproperty = (geo.get("geoproperty") or LOCATION) if isinstance(geo, dict) else None
    Reading(privacy, clear=False).check_filters(compile_q(doc), None, geoproperty, types)


async def shield(
    privacy: Privacy,
    table: SecurityTable,
    tenant: str,
    doc: dict[str, Any],
    events: list[Event],
    linked: dict[str, Entity] | None,
) -> tuple[list[Event], dict[str, Entity] | None]:
    """The events (and linked entities) as the subscription may see them; when they
    show personal data in clear, the audit record is written first."""
    sub = subscriber_of(doc)
    reading = Reading(privacy, clear=sub.personal)
    # the state before a change is shown only as previous values (showChanges)
    previous = bool((doc.get("notification") or {}).get("showChanges")) or not sub.personal

    def shown(e: Entity | None, counted: bool = True) -> Entity | None:
        return None if e is None else reading.entity(e) if counted else e

    out = [Event(ev.trigger, shown(ev.before, previous), shown(ev.after)) for ev in events]
    if linked is not None:
        linked = reading.linked(linked)
    if reading.read:
        rec = audit.record(
            who=sub.who,
            tenant=tenant,
            action=f"notification {doc['id']}",
            purpose=sub.purpose,
            read=reading.read,
            at=now_iso(),
        )
        await audit.write(table, [rec])
    return out, linked
