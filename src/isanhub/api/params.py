"""Query parameters of the entity API: from strings to a store Query and a render View.

GET /entities and POST /entityOperations/query share this module, so a filter means
the same thing whichever way it arrives.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from isanhub.core import projection, qlang, scopeq, typeexpr
from isanhub.core.context import TermMap
from isanhub.core.errors import BadRequestData, InvalidRequest, TooManyResults
from isanhub.core.geo import GeoQuery
from isanhub.core.id_pattern import compile_id_pattern
from isanhub.core.model import check_uri
from isanhub.core.render import View
from isanhub.settings import Settings
from isanhub.store.base import Query

FORMATS = {"normalized", "concise", "keyvalues", "simplified"}
READ_OPTIONS = FORMATS | {"sysattrs"}
#: names that are entity members, never attributes (attrs=id,type is an error)
RESERVED_ATTRS = {"id", "type", "@id", "@type", "@context"}
JOINS = {"flat", "inline", "@none"}
MAX_JOIN_LEVEL = 32  #: deeper linked entity retrieval is refused (each level is a fetch)
MAX_INT = 2**63 - 1  #: what SQLite can bind
#: entity members orderBy can name directly
ORDER_MEMBERS = {"id", "type", "createdAt", "modifiedAt"}

_ATTR_NAME = re.compile(r"^[^\s<>\"'=;()\[\]\\{}]+$")
_LANG_TAG = re.compile(r"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$")


def split_list(value: str | None) -> list[str]:
    if value is None:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def check_attr_names(names: Sequence[str]) -> list[str]:
    """Attribute names of attrs=: terms or IRIs, never entity members such as id."""
    for name in names:
        if not isinstance(name, str) or name in RESERVED_ATTRS or not _ATTR_NAME.match(name):
            raise BadRequestData(f"invalid attribute name {name!r} in attrs")
    return list(names)


def view_from(
    options: set[str],
    attrs: Sequence[str],
    pick: str | Sequence[str] | None,
    omit: str | Sequence[str] | None,
    lang: str | None,
    terms: TermMap,
    *,
    fmt: str | None = None,
    dataset_ids: str | Sequence[str] | None = None,
    join: str | None = None,
    join_level: str | int | None = None,
) -> View:
    """The representation asked for by format/options, attrs, pick, omit, lang, datasetId
    and join/joinLevel. ``fmt`` (the format parameter) wins over options."""
    opts = {o.lower() for o in options}
    for o in opts:
        if o not in READ_OPTIONS:
            raise InvalidRequest(f"unknown option {o!r}")
    reps = opts & FORMATS
    if fmt is not None:
        if fmt.lower() not in FORMATS:
            raise InvalidRequest(f"unknown format {fmt!r}")
        reps = {fmt.lower()}
    elif len(reps) > 1 and not reps <= {"keyvalues", "simplified"}:
        raise BadRequestData("options name more than one representation")
    rep = "normalized"
    if reps & {"keyvalues", "simplified"}:
        rep = "keyValues"
    elif "concise" in reps:
        rep = "concise"
    pick_tree = _projection(pick, "pick", terms)
    omit_tree = _projection(omit, "omit", terms)
    if pick_tree is not None and omit_tree is not None:
        raise BadRequestData("pick and omit cannot be used together")
    if attrs and (pick_tree is not None or omit_tree is not None):
        raise BadRequestData("attrs cannot be used together with pick or omit")
    check_attr_names(attrs)
    return View(
        fmt=rep,
        sys_attrs="sysattrs" in opts,
        attrs=frozenset(terms.expand_attr(a) for a in attrs) if attrs else None,
        pick=pick_tree,
        omit=omit_tree,
        lang=parse_lang(lang),
        dataset_ids=_dataset_ids(dataset_ids),
        join=_join(join),
        join_level=_join_level(join_level),
    )


def view_of_query(
    options: set[str], params: Mapping[str, Any], url_params: Mapping[str, Any], terms: TermMap
) -> View:
    """The representation of POST /entityOperations/query: members of the (flattened)
    Query body, else the URL parameters of the same name."""

    def get(key: str) -> Any:
        value = params.get(key)
        return url_params.get(key) if value is None else value

    return view_from(
        options,
        params.get("attrs") or [],
        get("pick"),
        get("omit"),
        get("lang"),
        terms,
        dataset_ids=get("datasetId"),
        join=get("join"),
        join_level=get("joinLevel"),
    )


def _projection(
    value: str | Sequence[str] | None, what: str, terms: TermMap
) -> projection.Projection | None:
    if value is None or (not isinstance(value, str) and not value):
        return None
    text = value if isinstance(value, str) else ",".join(value)
    return projection.expand(projection.parse(text, what), terms.expand_attr)


def parse_lang(value: str | None) -> tuple[str, ...] | None:
    """The lang parameter (Accept-Language syntax) as tags, most preferred first."""
    if value is None or not value.strip():
        return None
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(value.split(",")):
        fields = [f.strip() for f in part.split(";")]
        tag, q = fields[0], 1.0
        for f in fields[1:]:
            if not f.startswith("q="):
                raise BadRequestData(f"invalid lang {value!r}")
            try:
                q = float(f[2:])
            except ValueError:
                raise BadRequestData(f"invalid lang {value!r}") from None
        if not _LANG_TAG.match(tag):
            raise BadRequestData(f"invalid lang {value!r}")
        if q > 0:
            ranked.append((-q, n, tag))
    return tuple(tag for _q, _n, tag in sorted(ranked)) or None


def _dataset_ids(value: str | Sequence[str] | None) -> frozenset[str | None] | None:
    if value is None:
        return None
    out: set[str | None] = set()
    for ds in split_list(value) if isinstance(value, str) else value:
        out.add(None if ds == "@none" else check_uri(ds, "datasetId"))
    return frozenset(out) if out else None


def _join(value: str | None) -> str | None:
    if value is None or value == "@none":
        return None
    if value not in JOINS:
        raise BadRequestData(f"join must be flat, inline or @none, got {value!r}")
    return value


def _join_level(value: str | int | None) -> int:
    level = _int(value, 1, "joinLevel")
    if not 1 <= level <= MAX_JOIN_LEVEL:
        raise BadRequestData(f"joinLevel must be between 1 and {MAX_JOIN_LEVEL}")
    return level


def query_from(
    params: Mapping[str, Any], terms: TermMap, settings: Settings, *, require_filter: bool
) -> Query:
    """A store Query from flat parameters (GET query string or a Query body, flattened)."""
    types = params.get("type")
    ids = split_list(params.get("id")) if isinstance(params.get("id"), str) else params.get("id")
    for eid in ids or []:
        check_uri(eid, "id")
    id_pattern = params.get("idPattern")
    if id_pattern is not None:
        compile_id_pattern(id_pattern)  # valid, and bounded in cost (core.id_pattern)
    attrs = params.get("attrs")
    attrs = check_attr_names(split_list(attrs) if isinstance(attrs, str) else attrs or [])
    q_text = params.get("q")
    geo = params.get("geoQ")
    if geo is None:
        geo = GeoQuery.from_params(
            params.get("georel"),
            params.get("geometry"),
            params.get("coordinates"),
            params.get("geoproperty"),
        )
    if require_filter and not (types or attrs or q_text or geo):
        raise BadRequestData("give at least one of type, attrs, q or a geo-query")
    limit = _int(params.get("limit"), settings.default_limit, "limit")
    offset = _int(params.get("offset"), 0, "offset")
    count = params.get("count") in (True, "true")
    if params.get("count") not in (None, True, False, "true", "false"):
        raise BadRequestData("count must be true or false")
    if limit > settings.max_limit:
        raise TooManyResults(f"limit {limit} is above the maximum of {settings.max_limit}")
    if limit == 0 and not count:
        raise BadRequestData("limit=0 is only allowed together with count=true")
    q_ast = None
    if q_text:
        q_ast = qlang.map_attrs(qlang.parse(q_text), terms.expand_attr)
    if geo is not None:
        geo = dataclasses.replace(geo, geoproperty=terms.expand_attr(geo.geoproperty))
    scope_text = params.get("scopeQ")
    if scope_text is not None and not isinstance(scope_text, str):
        raise BadRequestData("scopeQ must be a string")
    order_by = params.get("orderBy")
    return Query(
        types=typeexpr.parse_types(types, terms.expand_type) if types else None,
        ids=ids or None,
        id_pattern=id_pattern,
        attrs=frozenset(terms.expand_attr(a) for a in attrs) if attrs else None,
        q=q_ast,
        geo=geo,
        scope_q=scopeq.parse(scope_text) if scope_text else None,
        limit=limit,
        offset=offset,
        count=count,
        order_by=parse_order_by(order_by, terms) if order_by else None,
    )


def parse_order_by(text: str, terms: TermMap) -> list[tuple[tuple[str, ...], bool]]:
    """orderBy=member[.sub...][;asc|;desc],...: (path with expanded names, descending)."""
    out: list[tuple[tuple[str, ...], bool]] = []
    for item in text.split(","):
        name, _, direction = item.strip().partition(";")
        if direction not in ("", "asc", "desc") or not name or '"' in name:
            raise BadRequestData(f"invalid orderBy {text!r}")
        head, rest = name, ""
        if "://" in name:  # a full IRI: its dots up to the last / or # are its own
            cut = max(name.rfind("/"), name.rfind("#")) + 1
            head, _, rest = name[cut:].partition(".")
            head = name[:cut] + head
        else:
            head, _, rest = name.partition(".")
        parts = [head, *(rest.split(".") if rest else [])]
        if not all(parts):
            raise BadRequestData(f"invalid orderBy {text!r}")
        path = [parts[0] if parts[0] in ORDER_MEMBERS else terms.expand_attr(parts[0])]
        if path[0] in ORDER_MEMBERS and len(parts) > 1:
            raise BadRequestData(f"invalid orderBy {text!r}: {parts[0]} has no members")
        path += [p if p in qlang.METADATA else terms.expand_attr(p) for p in parts[1:]]
        out.append((tuple(path), direction == "desc"))
    return out


def _int(value: Any, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise BadRequestData(f"{name} must be an integer, got {value!r}") from None
    if n < 0:
        raise BadRequestData(f"{name} must not be negative")
    if n > MAX_INT:
        raise BadRequestData(f"{name} is too large")
    return n


def flatten_query_body(body: Any) -> dict[str, Any]:
    """POST /entityOperations/query: the Query data type (clause 5.2.23) as flat params."""
    if not isinstance(body, dict):
        raise BadRequestData("a Query must be a JSON object")
    if body.get("type") not in (None, "Query"):
        raise BadRequestData("the Query body must have type 'Query'")
    out: dict[str, Any] = {}
    entities = body.get("entities")
    if entities is not None:
        if not isinstance(entities, list) or not entities:
            raise BadRequestData("entities must be a non-empty array of EntitySelectors")
        types: list[str] = []
        ids: list[str] = []
        for sel in entities:
            if not isinstance(sel, dict) or not isinstance(sel.get("type"), str):
                raise BadRequestData("every EntitySelector needs a type (a type expression)")
            types.append(sel["type"])
            if "id" in sel:
                ids.append(sel["id"])
            if "idPattern" in sel:
                out["idPattern"] = sel["idPattern"]
        out["type"] = ",".join(f"({t})" if any(c in t for c in ",;|") else t for t in types)
        if ids:
            out["id"] = ids
    attrs = body.get("attrs")
    if attrs is not None:
        if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
            raise BadRequestData("attrs must be an array of attribute names")
        out["attrs"] = attrs
    if "q" in body:
        out["q"] = body["q"]
    if "geoQ" in body:
        if not isinstance(body["geoQ"], dict):
            raise BadRequestData("geoQ must be an object")
        out["geoQ"] = GeoQuery.from_json(body["geoQ"])
    if "lang" in body:
        out["lang"] = body["lang"]
    if isinstance(body.get("scopeQ"), str):
        out["scopeQ"] = body["scopeQ"]
    for key in ("join", "joinLevel", "datasetId", "pick", "omit"):
        if key in body:
            out[key] = body[key]
    if not any(k in out for k in ("type", "attrs", "q", "geoQ")):
        raise BadRequestData("a Query needs entities, attrs, q or geoQ")
    for key in ("temporalQ", "csf", "scopeQ"):
        if key in body and not isinstance(body[key], str | dict):
            raise InvalidRequest(f"{key} has the wrong type")
    return out
