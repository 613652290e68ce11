"""Query parameters of the entity API: from strings to a store Query and a render View.

GET /entities and POST /entityOperations/query share this module, so a filter means
the same thing whichever way it arrives.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from isanhub.core import qlang, typeexpr
from isanhub.core.context import TermMap
from isanhub.core.errors import BadRequestData, InvalidRequest, TooManyResults
from isanhub.core.geo import GeoQuery
from isanhub.core.model import check_uri
from isanhub.core.render import View
from isanhub.settings import Settings
from isanhub.store.base import Query

FORMATS = {"normalized", "concise", "keyvalues", "simplified"}
KNOWN_OPTIONS = FORMATS | {"sysattrs", "noOverwrite".lower(), "replace", "update", "count"}


def split_list(value: str | None) -> list[str]:
    if value is None:
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def view_from(
    options: set[str], attrs: list[str], pick: list[str], omit: list[str], lang: str | None,
    terms: TermMap,
) -> View:
    """The representation asked for by options/format, attrs, pick, omit and lang."""
    opts = {o.lower() for o in options}
    for o in opts:
        if o not in KNOWN_OPTIONS:
            raise BadRequestData(f"unknown option {o!r}")
    fmt = "normalized"
    if opts & {"keyvalues", "simplified"}:
        fmt = "keyValues"
    elif "concise" in opts:
        fmt = "concise"
    if len(opts & FORMATS) > 1 and not opts & FORMATS <= {"keyvalues", "simplified"}:
        raise BadRequestData("options name more than one representation")
    if pick and omit:
        raise BadRequestData("pick and omit cannot be used together")
    attr_iris = frozenset(terms.expand_attr(a) for a in attrs) if attrs else None
    if pick:
        picked = {terms.expand_attr(p) for p in pick if p not in ("id", "type")}
        attr_iris = frozenset(picked) if attr_iris is None else attr_iris & picked
    if lang is not None and not re.match(r"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$", lang.split(",")[0]):
        raise BadRequestData(f"invalid lang {lang!r}")
    return View(
        fmt=fmt,
        sys_attrs="sysattrs" in opts,
        attrs=attr_iris,
        pick=frozenset(pick) if pick else None,
        omit=frozenset(omit) if omit else None,
        lang=lang.split(",")[0] if lang else None,
    )


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
        try:
            re.compile(id_pattern)
        except re.error as exc:
            raise BadRequestData(f"invalid idPattern: {exc}") from None
    attrs = split_list(params.get("attrs")) if isinstance(params.get("attrs"), str) else params.get("attrs")
    q_text = params.get("q")
    geo = params.get("geoQ")
    if geo is None:
        geo = GeoQuery.from_params(
            params.get("georel"), params.get("geometry"), params.get("coordinates"),
            params.get("geoproperty"),
        )
    if require_filter and not (types or ids or id_pattern or attrs or q_text or geo):
        raise BadRequestData(
            "give at least one of type, id, idPattern, attrs, q or a geo-query"
        )
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
    return Query(
        types=typeexpr.parse_types(types, terms.expand_type) if types else None,
        ids=ids or None,
        id_pattern=id_pattern,
        attrs=frozenset(terms.expand_attr(a) for a in attrs) if attrs else None,
        q=q_ast,
        geo=geo,
        limit=limit,
        offset=offset,
        count=count,
    )


def _int(value: Any, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise BadRequestData(f"{name} must be an integer, got {value!r}") from None
    if n < 0:
        raise BadRequestData(f"{name} must not be negative")
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
            if not isinstance(sel, dict) or "type" not in sel:
                raise BadRequestData("every EntitySelector needs a type")
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
    if not any(k in out for k in ("type", "attrs", "q", "geoQ")):
        raise BadRequestData("a Query needs entities, attrs, q or geoQ")
    for key in ("temporalQ", "csf", "scopeQ"):
        if key in body and not isinstance(body[key], str | dict):
            raise InvalidRequest(f"{key} has the wrong type")
    return out
