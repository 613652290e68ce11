"""NGSI-LD subscriptions (ETSI GS CIM 009 clauses 5.2.12, 5.8): the pure model.

``parse_subscription`` validates what a client sends and returns the stored form,
``patch_subscription`` applies a PATCH fragment, ``render_subscription`` gives what a
client reads, ``subscription_state`` says whether it is active, paused or expired.

The stored form keeps names expanded (entity types, attribute names, geoproperty, pick and
omit), so any reader's @context compacts them correctly; the subscriber's own @context is
kept under "@context" for compacting notifications. Defaults are stored explicitly:
``notificationTrigger`` (attributeCreated, attributeUpdated), ``isActive`` (true),
notification ``format`` (normalized), ``showChanges`` and ``sysAttrs`` (false), endpoint
``accept`` (application/json). Member checks live in :mod:`isanhub.core.subscription_check`.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from isanhub.core import qlang
from isanhub.core import subscription_check as chk
from isanhub.core.errors import BadRequestData
from isanhub.core.model import check_uri, now_iso
from isanhub.core.termmap import CORE_CONTEXT_URLS, TermMap

__all__ = [
    "compile_q",
    "parse_subscription",
    "patch_subscription",
    "render_subscription",
    "subscription_state",
]

#: delivery-status members render_subscription copies into ``notification``
DELIVERY_STATUS = (
    "timesSent",
    "timesFailed",
    "lastNotification",
    "lastSuccess",
    "lastFailure",
    "lastFailureReason",  # why the last try failed, while it keeps failing
    "pending",  # notifications waiting for the endpoint
    "status",
)
#: members that cannot be removed (set to null) by a PATCH
_MANDATORY = frozenset({"id", "type", "notification"})


def _member(key: str, value: Any, terms: TermMap, now: str) -> dict[str, Any]:
    """One top-level member checked, as the stored members it becomes (q gives two)."""
    if key == "entities":
        return {key: chk.entities_member(value, terms)}
    if key == "watchedAttributes":
        return {key: chk.names(value, key, terms.expand_attr)}
    if key == "notificationTrigger":
        return {key: chk.triggers_member(value)}
    if key == "q":
        return chk.q_member(value, terms)
    if key == "geoQ":
        return {key: chk.geoq_member(value, terms)}
    if key == "scopeQ":
        return {key: chk.scopeq_member(value)}
    if key in ("subscriptionName", "description", "lang", "csf"):
        return {key: chk.text(value, key)}
    if key in ("timeInterval", "throttling"):
        return {key: chk.positive_number(value, key)}
    if key == "expiresAt":
        return {key: chk.future_datetime(value, key, now)}
    if key == "isActive":
        return {key: chk.flag(value, key)}
    if key == "datasetId":
        return {key: chk.dataset_ids_member(value)}
    if key == "jsonldContext":
        return {key: chk.absolute_url(value, key, ("http", "https"))}
    raise chk.bad(key, "is not a Subscription member")


def _check_type(value: Any) -> None:
    if value != "Subscription":
        raise chk.bad("type", f'must be "Subscription", got {value!r}')


def _complete(sub: dict[str, Any]) -> dict[str, Any]:
    """Fill in the defaults, then check the rules between members."""
    sub.setdefault("notificationTrigger", list(chk.DEFAULT_TRIGGERS))
    sub.setdefault("isActive", True)
    notification = sub.get("notification")
    if isinstance(notification, dict):
        notification.setdefault("format", "normalized")
        notification.setdefault("showChanges", False)
        notification.setdefault("sysAttrs", False)
    chk.check_whole(sub)
    return sub


def parse_subscription(
    body: dict[str, Any], terms: TermMap, *, context: Any, now: str
) -> dict[str, Any]:
    """Validate a client's Subscription and return its stored form (see the module doc).

    ``context`` is the request's @context (None for the core context); an "@context"
    member of ``body`` is ignored. Raises BadRequestData naming the member at fault."""
    if not isinstance(body, dict):
        raise BadRequestData("A subscription must be a JSON object")
    if "type" not in body:
        raise chk.bad("type", 'is missing (it must be "Subscription")')
    _check_type(body["type"])
    sid = body.get("id")
    sub: dict[str, Any] = {
        # "" is a given id, hence invalid (ETSI 028_03_02); only an absent id is generated
        "id": f"urn:ngsi-ld:Subscription:{uuid.uuid4().hex}"
        if sid is None
        else check_uri(sid, "subscription id"),
        "type": "Subscription",
    }
    notification: dict[str, Any] | None = None
    for key, value in body.items():
        if key in ("id", "type") or key in chk.READ_ONLY or value is None:
            continue  # null is "not given" (ETSI sends "expiresAt": null)
        if key == "notification":
            given = chk.notification_members(value, terms)
            notification = {k: v for k, v in given.items() if v is not None}
        else:
            sub.update(_member(key, value, terms, now))
    if notification is None:
        raise chk.bad("notification", "is missing")
    sub["notification"] = notification
    sub["@context"] = context
    sub["createdAt"] = sub["modifiedAt"] = now
    return _complete(sub)


def patch_subscription(
    stored: dict[str, Any], fragment: dict[str, Any], terms: TermMap, *, context: Any, now: str
) -> dict[str, Any]:
    """The stored subscription updated with a PATCH fragment (clause 5.8.2); ``stored`` is
    left as it is.

    Top-level members replace the stored ones; null removes an optional member (id, type,
    notification cannot be removed). ``notification`` is merged member by member (null
    removes one; ``endpoint`` is replaced whole and cannot be removed), but a fragment's
    notification must name its endpoint: ETSI 029_03 refuses {"notification": {"format":
    "keyValues"}}. ``expiresAt`` is checked against ``now`` only when the fragment sets
    it, so a PATCH can revive an expired subscription. A fragment's names are expanded with
    ``terms``; when ``context`` is not None it becomes the subscription's "@context"."""
    if not isinstance(fragment, dict):
        raise BadRequestData("A subscription fragment must be a JSON object")
    sub = copy.deepcopy(stored)
    for key, value in fragment.items():
        if key == "id":
            if value != stored["id"]:
                raise chk.bad("id", "cannot be changed")
        elif key == "type":
            _check_type(value)
        elif key in chk.READ_ONLY:
            continue
        elif value is None:
            if key in _MANDATORY:
                raise chk.bad(key, "is mandatory and cannot be removed")
            sub.pop(key, None)
            if key == "q":
                sub.pop("qExpanded", None)
        elif key == "notification":
            given = chk.notification_members(value, terms)
            if given.get("endpoint") is None:
                raise chk.bad("notification.endpoint", "is missing or null")
            merged = sub["notification"]
            for k, v in given.items():
                if v is None:
                    merged.pop(k, None)  # back to its default, if it has one
                else:
                    merged[k] = v
        else:
            sub.update(_member(key, value, terms, now))  # a new q brings its qExpanded
    if context is not None:
        sub["@context"] = context
    sub["modifiedAt"] = now
    return _complete(sub)


def subscription_state(stored: dict[str, Any], now: str) -> str:
    """ "expired" once expiresAt has passed (whatever isActive says), else "paused" when
    isActive is false, else "active"."""
    expires = stored.get("expiresAt")
    if expires is not None and chk.instant(expires) <= chk.instant(now):
        return "expired"
    return "active" if stored.get("isActive", True) else "paused"


def compile_q(stored: dict[str, Any]) -> qlang.Node | None:
    """The subscription's q as a tree with expanded names (from ``qExpanded``, which is
    stored with every q), None without q."""
    text = stored.get("qExpanded")
    return qlang.parse(text) if text else None


def render_subscription(
    stored: dict[str, Any], terms: TermMap, *, status: dict[str, Any], sys_attrs: bool = False
) -> dict[str, Any]:
    """The subscription as a client reads it, names compacted with ``terms``.

    ``status`` holds the delivery status (timesSent, timesFailed, lastNotification,
    lastSuccess, lastFailure, status); those present go into ``notification``. Defaults
    the client did not have to send stay out: isActive only when false, showChanges and
    sysAttrs only when true, as the ETSI suite compares bodies member for member (028_01,
    031_01). No "@context" member: the API adds it."""
    out: dict[str, Any] = {"id": stored["id"], "type": "Subscription"}
    for key in ("subscriptionName", "description"):
        if key in stored:
            out[key] = stored[key]
    if "entities" in stored:
        out["entities"] = [
            {**sel, "type": chk.map_type_names(sel["type"], terms.compact_type)}
            for sel in stored["entities"]
        ]
    if "watchedAttributes" in stored:
        out["watchedAttributes"] = [terms.compact_attr(a) for a in stored["watchedAttributes"]]
    out["notificationTrigger"] = list(stored["notificationTrigger"])
    if "q" in stored:
        out["q"] = _render_q(stored, terms)
    for key in ("timeInterval", "scopeQ", "lang", "csf", "datasetId", "expiresAt"):
        if key in stored:
            out[key] = copy.deepcopy(stored[key])
    if "geoQ" in stored:
        geoq = dict(stored["geoQ"])
        if "geoproperty" in geoq:
            geoq["geoproperty"] = terms.compact_attr(geoq["geoproperty"])
        out["geoQ"] = geoq
    if not stored.get("isActive", True):
        out["isActive"] = False
    out["notification"] = _render_notification(stored["notification"], terms, status)
    for key in ("throttling", "jsonldContext"):
        if key in stored:
            out[key] = stored[key]
    out["status"] = subscription_state(stored, now_iso())
    if sys_attrs:
        out["createdAt"] = stored["createdAt"]
        out["modifiedAt"] = stored["modifiedAt"]
    return out


def _render_q(stored: dict[str, Any], terms: TermMap) -> str:
    """q as the client wrote it for a reader with the subscriber's @context; for another
    reader, recompacted from qExpanded so that its names mean the same."""
    context = stored.get("@context")
    core = isinstance(terms.context, str) and terms.context in CORE_CONTEXT_URLS
    same = context == terms.context or (context is None and core)
    if same:
        return stored["q"]  # type: ignore[no-any-return]
    node = qlang.map_attrs(qlang.parse(stored["qExpanded"]), terms.compact_attr)
    return qlang.to_q(node)


def _render_notification(
    notification: dict[str, Any], terms: TermMap, status: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in notification.items():
        if key == "attributes":
            out[key] = [terms.compact_attr(a) for a in value]
        elif key in ("pick", "omit"):
            out[key] = [a if a in chk.ENTITY_MEMBERS else terms.compact_attr(a) for a in value]
        elif key in ("showChanges", "sysAttrs"):
            if value:
                out[key] = True
        else:
            out[key] = copy.deepcopy(value)
    for key in DELIVERY_STATUS:
        if status.get(key) is not None:
            out[key] = status[key]
    return out
