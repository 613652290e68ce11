"""Validation of the members of an NGSI-LD Subscription (ETSI GS CIM 009 clause 5.2.12).

Each ``*_member`` function checks one member as a client sends it and returns its stored
value, with names expanded by the request's term map; ``check_whole`` checks the rules
between members once a subscription is complete (after a create or a merge by PATCH).
:mod:`isanhub.core.subscription` assembles them. Every error is a ``BadRequestData``
naming the member at fault.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from isanhub.core import qlang, scopeq
from isanhub.core.errors import BadRequestData
from isanhub.core.geo import GeoQuery
from isanhub.core.id_pattern import compile_id_pattern
from isanhub.core.model import check_uri, is_datetime, is_uri
from isanhub.core.termmap import TermMap
from isanhub.core.typeexpr import parse_types

TRIGGERS = (
    "entityCreated",
    "entityUpdated",
    "entityDeleted",
    "attributeCreated",
    "attributeUpdated",
    "attributeDeleted",
)
#: clause 5.2.12 default, also what the ETSI expectation files show (e.g. subscription-028-01)
DEFAULT_TRIGGERS = ("attributeCreated", "attributeUpdated")
#: "simplified" is the spec's synonym of "keyValues" (ETSI 046_25 and 046_29 send it)
FORMATS = ("normalized", "keyValues", "simplified", "concise")
#: application/geo+json is not offered: notifications are entities, not features, here
ACCEPTS = ("application/json", "application/ld+json")
SCHEMES = ("http", "https", "mqtt", "mqtts")
JOINS = ("flat", "inline", "@none")
#: pick/omit may name these entity members, which are keywords rather than attributes
ENTITY_MEMBERS = frozenset({"id", "type", "scope"})
#: members the broker computes: a client sending them back (GET then PATCH) is ignored
READ_ONLY = frozenset({"status", "createdAt", "modifiedAt", "@context", "qExpanded"})
NOTIFICATION_READ_ONLY = frozenset(
    {"status", "timesSent", "timesFailed", "lastNotification", "lastSuccess", "lastFailure"}
)
ENDPOINT_MEMBERS = frozenset(
    {"uri", "accept", "receiverInfo", "notifierInfo", "timeout", "cooldown"}
)

_BAD_NAME = re.compile(r"[\s\x00-\x1f\x7f]")
_TYPE_NAME = re.compile(r"[^(),;|\s]+")


def bad(member: str, problem: str) -> BadRequestData:
    return BadRequestData(f"Invalid subscription member {member}: {problem}")


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ----------------------------------------------------------------------------- scalars


def text(value: Any, member: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(member, f"must be a non-empty string, got {_brief(value)}")
    return value


def flag(value: Any, member: str) -> bool:
    if not isinstance(value, bool):
        raise bad(member, f"must be true or false, got {_brief(value)}")
    return value


def positive_number(value: Any, member: str) -> int | float:
    # bool is an int in Python; JSON true is not a number
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise bad(member, f"must be a number greater than 0, got {_brief(value)}")
    return value  # type: ignore[no-any-return]


def instant(value: str) -> datetime:
    """An ISO date-time (already checked with is_datetime) as an aware datetime; UTC if bare."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def future_datetime(value: Any, member: str, now: str) -> str:
    if not is_datetime(value):
        raise bad(member, f"must be an ISO 8601 date-time, got {_brief(value)}")
    # clause 5.8.1/5.8.2 (ETSI 029_11): an expiry in the past is refused
    if instant(value) <= instant(now):
        raise bad(member, f"{value} is not in the future")
    return value  # type: ignore[no-any-return]


def absolute_url(value: Any, member: str, schemes: tuple[str, ...]) -> str:
    if not isinstance(value, str) or _BAD_NAME.search(value):
        raise bad(member, f"must be an absolute URI, got {_brief(value)}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise bad(member, f"{_brief(value)} is not a valid URI") from None
    if parts.scheme.lower() not in schemes or not parts.netloc:
        raise bad(member, f"must be an absolute {'/'.join(schemes)} URI, got {_brief(value)}")
    return value


# ----------------------------------------------------------------------------- names


def name(value: Any, member: str, expand: Callable[[str], str]) -> str:
    """One attribute or type name, expanded to an IRI.

    Looser than model.check_name on purpose: clients write full IRIs here, fragments
    (``#``) included, e.g. ETSI's https://ngsi-ld-test-suite/context#Building."""
    if not isinstance(value, str) or not value or _BAD_NAME.search(value):
        raise bad(member, f"invalid name {_brief(value)}")
    iri = expand(value)
    if value.startswith("@") or not is_uri(iri):
        # e.g. "type", which the core context maps to the keyword @type
        raise bad(member, f"{_brief(value)} does not expand to an IRI")
    return iri


def names(value: Any, member: str, expand: Callable[[str], str]) -> list[str]:
    if not isinstance(value, list) or not value:
        raise bad(member, "must be a non-empty array of names")
    out: list[str] = []
    for item in value:
        iri = name(item, member, expand)
        if iri not in out:
            out.append(iri)
    return out


def map_type_names(expression: str, mapper: Callable[[str], str]) -> str:
    """The type expression with each name replaced by ``mapper(name)``, spaces dropped."""
    return "".join(_TYPE_NAME.sub(lambda m: mapper(m.group()), expression).split())


def type_expression(value: Any, member: str, expand: Callable[[str], str]) -> str:
    """A type or type expression ((A|B);C, clause 4.17) with every name expanded."""
    if not isinstance(value, str) or not value.strip():
        raise bad(member, f"must be a non-empty string, got {_brief(value)}")
    try:
        # parsed as given first: "A B" must fail, not become "AB" once spaces are dropped
        parse_types(value, lambda t: name(t, member, expand))
    except BadRequestData as exc:
        raise exc if member in exc.detail else bad(member, exc.detail) from None
    return map_type_names(value, expand)


# ----------------------------------------------------------------------------- members


def entities_member(value: Any, terms: TermMap) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise bad("entities", "must be a non-empty array of entity selectors")
    out: list[dict[str, str]] = []
    for i, sel in enumerate(value):
        where = f"entities[{i}]"
        if not isinstance(sel, dict):
            raise bad(where, "must be a JSON object")
        unknown = sorted(set(sel) - {"id", "idPattern", "type"})
        if unknown:
            raise bad(where, f"unknown member(s) {', '.join(unknown)}")
        if "type" not in sel:
            raise bad(where, "type is missing")
        item = {"type": type_expression(sel["type"], f"{where}.type", terms.expand_type)}
        if sel.get("id") is not None:
            item["id"] = check_uri(sel["id"], f"subscription member {where}.id")
        if sel.get("idPattern") is not None:
            pattern = text(sel["idPattern"], f"{where}.idPattern")
            try:
                compile_id_pattern(pattern, "the pattern")  # bounded in cost
            except BadRequestData as exc:
                raise bad(f"{where}.idPattern", exc.detail) from None
            item["idPattern"] = pattern
        out.append(item)
    return out


def triggers_member(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise bad("notificationTrigger", "must be a non-empty array")
    out: list[str] = []
    for item in value:
        if item not in TRIGGERS:
            raise bad("notificationTrigger", f"{_brief(item)} is not one of {', '.join(TRIGGERS)}")
        if item not in out:
            out.append(item)
    return out


def q_member(value: Any, terms: TermMap) -> dict[str, str]:
    """``q`` as given, plus ``qExpanded``: the same query with names as IRIs, which every
    process compiles without the subscriber's @context (it must read back the same)."""
    q = text(value, "q")
    # the q of a JSON body may still be URL-encoded (ETSI 046_05: name=="Eiffel%20Tower")
    try:
        node = qlang.map_attrs(qlang.parse(unquote(q)), terms.expand_attr)
    except BadRequestData as exc:
        raise bad("q", exc.detail) from None
    expanded = qlang.to_q(node)
    try:
        same = qlang.parse(expanded) == node
    except BadRequestData:
        same = False
    if not same:
        raise bad("q", f"{_brief(q)} cannot be stored with expanded names; simplify it")
    return {"q": q, "qExpanded": expanded}


def geoq_member(value: Any, terms: TermMap) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad("geoQ", "must be a JSON object")
    unknown = sorted(set(value) - {"geometry", "coordinates", "georel", "geoproperty"})
    if unknown:
        raise bad("geoQ", f"unknown member(s) {', '.join(unknown)}")
    try:
        GeoQuery.from_json(value)
    except BadRequestData as exc:
        raise bad("geoQ", exc.detail) from None
    out = {k: value[k] for k in ("geometry", "coordinates", "georel")}
    if value.get("geoproperty") is not None:
        out["geoproperty"] = name(value["geoproperty"], "geoQ.geoproperty", terms.expand_attr)
    return out


def scopeq_member(value: Any) -> str:
    try:
        scopeq.parse(text(value, "scopeQ"))
    except BadRequestData as exc:
        raise bad("scopeQ", exc.detail) from None
    return value  # type: ignore[no-any-return]


def dataset_ids_member(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(d, str) and (d == "@none" or is_uri(d)) for d in items):
        raise bad("datasetId", "must be a URI, @none, or a non-empty array of them")
    return list(dict.fromkeys(items))


def key_values(value: Any, member: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise bad(member, "must be a non-empty array of {key, value} objects")
    for item in value:
        ok = isinstance(item, dict) and set(item) == {"key", "value"}
        if not ok or not isinstance(item["key"], str) or not item["key"]:
            raise bad(member, f"{_brief(item)} is not a {{key, value}} object")
        if not isinstance(item["value"], str):
            raise bad(member, f"the value of {item['key']!r} must be a string")
        if member.endswith("receiverInfo"):
            _header(item["key"], item["value"], member)
    return [{"key": item["key"], "value": item["value"]} for item in value]


#: an HTTP header name (RFC 9110 token) and value (visible characters, spaces, tabs)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD = re.compile(r"[\t\x20-\x7e\x80-\uffff]*")
#: headers that frame or route the request, or describe the body: the notifier's own
_RESERVED = frozenset(
    [
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
        "content-type",
        "content-encoding",
        "link",
        "expect",
    ]
)


def _header(key: str, value: str, member: str) -> None:
    """receiverInfo becomes HTTP headers: a header that would change how the request is
    framed (smuggling another one on a shared connection) or routed is refused."""
    if not _TOKEN.fullmatch(key):
        raise bad(member, f"{_brief(key)} is not a valid header name")
    if key.lower() in _RESERVED:
        raise bad(member, f"{key} is set by the notifier and cannot be given")
    if not _FIELD.fullmatch(value):
        raise bad(member, f"the value of {key} has characters a header cannot carry")


def endpoint_member(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad("notification.endpoint", "must be a JSON object")
    unknown = sorted(set(value) - ENDPOINT_MEMBERS)
    if unknown:
        raise bad("notification.endpoint", f"unknown member(s) {', '.join(unknown)}")
    if value.get("uri") is None:
        raise bad("notification.endpoint.uri", "is missing")
    out: dict[str, Any] = {"uri": absolute_url(value["uri"], "notification.endpoint.uri", SCHEMES)}
    accept = value.get("accept")
    if accept is not None and accept not in ACCEPTS:
        raise bad("notification.endpoint.accept", f"{_brief(accept)} is not one of {ACCEPTS}")
    out["accept"] = accept or ACCEPTS[0]
    for key in ("receiverInfo", "notifierInfo"):
        if value.get(key) is not None:
            out[key] = key_values(value[key], f"notification.endpoint.{key}")
    for key in ("timeout", "cooldown"):
        if value.get(key) is not None:
            out[key] = positive_number(value[key], f"notification.endpoint.{key}")
    return out


def _member_names(value: Any, member: str, expand: Callable[[str], str]) -> list[str]:
    """pick/omit: entity member names; id, type and scope stay as they are."""
    if not isinstance(value, list) or not value:
        raise bad(member, "must be a non-empty array of names")
    out = [v if v in ENTITY_MEMBERS else name(v, member, expand) for v in value]
    return list(dict.fromkeys(out))


def notification_item(key: str, value: Any, terms: TermMap) -> Any:
    """One member of ``notification`` (NotificationParams, clause 5.2.14), checked."""
    member = f"notification.{key}"
    if key == "attributes":
        return names(value, member, terms.expand_attr)
    if key in ("pick", "omit"):
        return _member_names(value, member, terms.expand_attr)
    if key == "format":
        if value not in FORMATS:
            raise bad(member, f"{_brief(value)} is not one of {', '.join(FORMATS)}")
        return value
    if key in ("showChanges", "sysAttrs"):
        return flag(value, member)
    if key == "endpoint":
        return endpoint_member(value)
    if key == "join":
        if value not in JOINS:
            raise bad(member, f"{_brief(value)} is not one of {', '.join(JOINS)}")
        return value
    if key == "joinLevel":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise bad(member, f"must be an integer of at least 1, got {_brief(value)}")
        return value
    raise bad(member, "is not a NotificationParams member")


def notification_members(value: Any, terms: TermMap) -> dict[str, Any]:
    """The members a client gave in ``notification`` (nulls kept, read-only ones dropped)."""
    if not isinstance(value, dict):
        raise bad("notification", "must be a JSON object")
    for key in ("pick", "omit"):
        # reported before the names themselves: ETSI 028_08 sends attributes ["id"]
        if value.get(key) is not None and value.get("attributes") is not None:
            raise bad(f"notification.{key}", "cannot be combined with notification.attributes")
    return {
        k: None if v is None else notification_item(k, v, terms)
        for k, v in value.items()
        if k not in NOTIFICATION_READ_ONLY
    }


# ----------------------------------------------------------------------------- the whole


def check_whole(sub: dict[str, Any]) -> None:
    """Rules between members, on the stored form (clause 5.2.12, ETSI 028_05, 028_08)."""
    if "entities" not in sub and "watchedAttributes" not in sub:
        raise bad("entities", "at least one of entities and watchedAttributes is required")
    if "timeInterval" in sub and "watchedAttributes" in sub:
        raise bad("timeInterval", "a periodic subscription cannot have watchedAttributes")
    if "timeInterval" in sub and "throttling" in sub:
        raise bad("throttling", "cannot be combined with timeInterval")
    notification = sub.get("notification")
    if not isinstance(notification, dict):
        raise bad("notification", "is missing")
    if "endpoint" not in notification:
        raise bad("notification.endpoint", "is missing")
    pick, omit = notification.get("pick"), notification.get("omit")
    for key, given in (("pick", pick), ("omit", omit)):
        if given is not None and "attributes" in notification:
            raise bad(f"notification.{key}", "cannot be combined with notification.attributes")
    if pick is not None and omit is not None and set(pick) & set(omit):
        raise bad("notification.pick", "names a member that notification.omit also names")
