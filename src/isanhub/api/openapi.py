"""The OpenAPI 3.1 description of the NGSI-LD API this broker serves.

Served at ``GET /ngsi-ld/v1/openapi.json`` for startups and client generators, and used by
the test suite to fuzz every operation. It documents what this broker accepts; the normative
reference stays ETSI GS CIM 009 (the clause numbers in the summaries). Operations and
parameters are tables below, so that adding a route is adding one block.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from isanhub import __version__
from isanhub.core.subscription_check import ACCEPTS, FORMATS, TRIGGERS

BASE = "/ngsi-ld/v1"
JSON_TYPES = ("application/json", "application/ld+json")
MERGE_PATCH = "application/merge-patch+json"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
REASONS = {
    200: "OK",
    201: "Created (Location names the new resource)",
    206: "Partial Content: a page of instances; Content-Range gives its time range",
    204: "No Content",
    207: "Multi-Status: some items failed, see the body",
    400: "BadRequestData or InvalidRequest",
    403: "TooManyResults (limit above the maximum)",
    404: "ResourceNotFound, or NonexistentTenant for a tenant never written",
    405: "MethodNotAllowed",
    406: "NotAcceptable: no supported type in Accept",
    409: "AlreadyExists",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType: use application/json or application/ld+json",
    503: "LdContextNotAvailable: a @context URL could not be retrieved",
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _s(name: str) -> dict[str, str]:
    return _ref("schemas", name)


def _arr(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _obj(description: str, props: dict[str, Any], *required: str, **extra: Any) -> dict[str, Any]:
    out = {"type": "object", "description": description, "properties": props, **extra}
    return {**out, "required": list(required)} if required else out


_STR: dict[str, Any] = {"type": "string"}
_URI: dict[str, Any] = {"type": "string", "format": "uri"}
_NAME: dict[str, Any] = {"type": "string", "minLength": 1}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
_ANY_ATTR = {"anyOf": [_s("Attribute"), _arr(_s("Attribute"))]}
#: attribute type -> its value member and that member's schema
_MEMBERS: dict[str, tuple[str, dict[str, Any]]] = {
    "Property": ("value", {"description": "Any JSON value"}),
    "Relationship": ("object", {"anyOf": [_URI, _arr(_URI)]}),
    "GeoProperty": ("value", {"type": "object", "description": "A GeoJSON geometry"}),
    "LanguageProperty": ("languageMap", {"type": "object", "additionalProperties": _STR}),
    "VocabProperty": ("vocab", {"anyOf": [_NAME, _arr(_NAME)]}),
    "ListProperty": ("valueList", {"type": "array"}),
    "ListRelationship": ("objectList", _arr(_URI)),
    "JsonProperty": ("json", {"description": "A JSON value kept as it is"}),
}


def _attribute(kind: str, member: str, schema: dict[str, Any]) -> dict[str, Any]:
    props = {"type": {"const": kind}, member: schema, "datasetId": _URI, "observedAt": _TIME}
    if kind == "Property":
        props["unitCode"] = _STR
    if kind in ("Relationship", "ListRelationship"):
        props["objectType"] = _STR
    props |= {"createdAt": {**_TIME, "readOnly": True}, "modifiedAt": {**_TIME, "readOnly": True}}
    sub = {"type": "object", "description": "A sub-attribute"}
    return _obj(kind, props, "type", member, additionalProperties=sub)


_LD = {"description": "Only with Content-Type application/ld+json"}
_BOOL = {"type": "boolean"}

SCHEMAS: dict[str, Any] = {
    "ProblemDetails": _obj(
        "An NGSI-LD error (RFC 7807 problem details, clause 5.5.2).",
        {
            "type": {**_URI, "description": "https://uri.etsi.org/ngsi-ld/errors/<ErrorType>"},
            "title": _STR,
            "detail": _STR,
        },
        "type",
        "title",
        "detail",
    ),
    "Attribute": {
        "description": "One attribute instance, normalized (clause 4.5): its type and the one "
        "value member of that type. Members not listed are sub-attributes.",
        "anyOf": [_attribute(kind, member, schema) for kind, (member, schema) in _MEMBERS.items()],
    },
    "Entity": _obj(
        "An entity (clause 5.2.4). Every other member is an attribute: one instance, or an "
        "array of instances with distinct datasetIds. Responses use the representation asked "
        "for (normalized, concise or keyValues).",
        {
            "id": _URI,
            "type": {"anyOf": [_NAME, _arr(_NAME, minItems=1)]},
            "scope": {"anyOf": [_NAME, _arr(_NAME)]},
            "@context": _LD,
        },
        "id",
        "type",
        additionalProperties=_ANY_ATTR,
    ),
    "Attributes": _obj("Attributes of an entity, by name.", {}, additionalProperties=_ANY_ATTR),
    "TemporalEntity": _obj(
        "A temporal entity (clause 4.5.9): every other member is an attribute given as an "
        "array of instances, its history (several may share a datasetId).",
        {
            "id": _URI,
            "type": {"anyOf": [_NAME, _arr(_NAME, minItems=1)]},
            "scope": {"anyOf": [_NAME, _arr(_NAME)]},
            "@context": _LD,
        },
        additionalProperties={"anyOf": [_s("Attribute"), _arr(_s("Attribute"))]},
    ),
    "BatchOperationResult": _obj(
        "Clause 5.2.16: the ids that succeeded and an error per failed entity.",
        {
            "success": _arr(_URI),
            "errors": _arr(
                _obj(
                    "",
                    {
                        # the id as the item gave it (maybe not a URI: that is the error),
                        # or null when it gave none
                        "entityId": {"type": ["string", "null"]},
                        "error": _s("ProblemDetails"),
                    },
                )
            ),
        },
    ),
    "Query": _obj(
        "Clause 5.2.23: the body of POST /entityOperations/query.",
        {
            "type": {"const": "Query"},
            "entities": _arr(
                _obj("EntitySelector", {"id": _URI, "idPattern": _STR, "type": _NAME}, "type"),
                minItems=1,
            ),
            "attrs": _arr(_NAME),
            "q": _STR,
            "geoQ": _obj(
                "A geo-query: geometry, coordinates (array or JSON text), georel, geoproperty",
                {
                    "geometry": _STR,
                    "coordinates": {"anyOf": [{"type": "array"}, _STR]},
                    "georel": _STR,
                    "geoproperty": _STR,
                },
            ),
            "lang": _STR,
            "@context": _LD,
        },
        "type",
    ),
    "Subscription": _obj(
        "Clause 5.2.12: what to notify (entities, watchedAttributes, notificationTrigger, q,"
        " geoQ, scopeQ), when (throttling, timeInterval, expiresAt, isActive) and where"
        " (notification.endpoint: http, https, mqtt or mqtts)",
        {
            "id": _URI,
            "type": {"const": "Subscription"},
            "subscriptionName": _STR,
            "description": _STR,
            "entities": _arr(
                _obj(
                    "An entity selector",
                    {"id": _URI, "idPattern": _STR, "type": _STR},
                    "type",
                ),
                minItems=1,
            ),
            "watchedAttributes": _arr(_NAME, minItems=1),
            "notificationTrigger": _arr({"enum": list(TRIGGERS)}, minItems=1),
            "q": _STR,
            "scopeQ": _STR,
            "geoQ": {"type": "object"},
            "timeInterval": {"type": "number", "exclusiveMinimum": 0},
            "throttling": {"type": "number", "exclusiveMinimum": 0},
            "expiresAt": _TIME,
            "isActive": _BOOL,
            "lang": _STR,
            "jsonldContext": _URI,
            "notification": _obj(
                "What a notification carries and where it goes",
                {
                    "attributes": _arr(_NAME, minItems=1),
                    "format": {"enum": list(FORMATS)},
                    "showChanges": _BOOL,
                    "sysAttrs": _BOOL,
                    "endpoint": _obj(
                        "The receiver",
                        {
                            "uri": _URI,
                            "accept": {"enum": list(ACCEPTS)},
                            "receiverInfo": _arr({"type": "object"}),
                            "notifierInfo": _arr({"type": "object"}),
                        },
                        "uri",
                    ),
                },
                "endpoint",
            ),
            "@context": _LD,
        },
        "type",
        "notification",
    ),
    "EntityTypeList": _obj(
        "Clause 5.2.24: the names of every entity type held.",
        {"id": _URI, "type": {"const": "EntityTypeList"}, "typeList": _arr(_STR)},
    ),
    "AttributeList": _obj(
        "Clause 5.2.27: the names of every attribute held.",
        {"id": _URI, "type": {"const": "AttributeList"}, "attributeList": _arr(_STR)},
    ),
}

#: schemas of bodies and responses named in the operation table
_BODIES: dict[str, Any] = {
    "Entity": _s("Entity"),
    "Entities": _arr(_s("Entity")),
    # answers are in the representation asked for (options, format, pick, omit), which
    # only the normalized one without pick/omit matches Entity exactly
    "OneShown": {"type": "object", "description": "An entity as asked for (Entity, normalized)"},
    "Shown": _arr({"type": "object", "description": "An entity as asked for"}),
    "Attribute": _s("Attribute"),
    "Attributes": _s("Attributes"),
    "Query": _s("Query"),
    "TemporalEntity": _s("TemporalEntity"),
    "Ids": _arr(_URI, minItems=1),
    "Batch": _s("BatchOperationResult"),
    "Types": {"anyOf": [_s("EntityTypeList"), _arr({"type": "object"})]},
    "Attrs": {"anyOf": [_s("AttributeList"), _arr({"type": "object"})]},
    "Object": {"type": "object"},
    "Objects": _arr({"type": "object"}),
    "Context": {"type": "object", "required": ["@context"]},
    "Contexts": _arr({"anyOf": [_URI, {"type": "object"}]}, description="URLs, or details"),
    "Subscription": _s("Subscription"),
    "Subscriptions": _arr(_s("Subscription")),
    "SubscriptionPatch": {"type": "object"},
}

# METHOD path  [Tag]  summary
#     params: names of parameters below (@x expands a group)
#     body: schema name | ok: status[=schema name] ... | errors: statuses (problem details)
_OPERATIONS = """
POST /entities  [Entities]  Create an entity (5.6.1)
    params: @headers | body: Entity | ok: 201 | errors: 400 409 415 503
GET /entities  [Entities]  Query entities (5.7.2): give type, id, idPattern, attrs, q, a geo-query, or local=true
    params: @headers type id idPattern attrs q scopeQ @geo @view geometryProperty @page local | ok: 200=Shown | errors: 400 403 404 406 503
DELETE /entities  [Entities]  Purge entities (5.6.21): delete every entity the query selects, or with drop/keep only some attributes
    params: @headers type id idPattern q scopeQ @geo local keep drop | ok: 204 | errors: 400 403 404
GET /entities/{entityId}  [Entities]  Retrieve an entity (5.7.1)
    params: entityId @headers type attrs @view geometryProperty | ok: 200=OneShown | errors: 400 404 406 503
PUT /entities/{entityId}  [Entities]  Replace an entity (5.6.18)
    params: entityId @headers | body: Entity | ok: 204 | errors: 400 404 415 503
PATCH /entities/{entityId}  [Entities]  Merge into an entity (5.6.17); a null value deletes an attribute
    params: entityId @headers | body: Attributes+merge | ok: 204 | errors: 400 404 415 503
DELETE /entities/{entityId}  [Entities]  Delete an entity (5.6.6)
    params: entityId tenant | ok: 204 | errors: 400 404
POST /entities/{entityId}/attrs  [Attributes]  Append attributes (5.6.3); options=noOverwrite keeps existing ones
    params: entityId @headers options | body: Attributes | ok: 204 207 | errors: 400 404 415 503
PATCH /entities/{entityId}/attrs  [Attributes]  Update existing attributes (5.6.2)
    params: entityId @headers | body: Attributes | ok: 204 207 | errors: 400 404 415 503
PATCH /entities/{entityId}/attrs/{attrId}  [Attributes]  Partially update one attribute (5.6.4)
    params: entityId attrId @headers | body: Attribute | ok: 204 | errors: 400 404 415 503
PUT /entities/{entityId}/attrs/{attrId}  [Attributes]  Replace one attribute (5.6.19)
    params: entityId attrId @headers | body: Attribute | ok: 204 | errors: 400 404 415 503
DELETE /entities/{entityId}/attrs/{attrId}  [Attributes]  Delete an attribute: one datasetId, or all instances (5.6.5)
    params: entityId attrId @headers datasetId deleteAll | ok: 204 | errors: 400 404 503
POST /entityOperations/create  [Batch]  Create many entities (5.6.7)
    params: @headers | body: Entities | ok: 201=Ids 207=Batch | errors: 400 415
POST /entityOperations/upsert  [Batch]  Create or replace many entities (5.6.8); options=update merges instead
    params: @headers options | body: Entities | ok: 201=Ids 204 207=Batch | errors: 400 415
POST /entityOperations/update  [Batch]  Update attributes of many entities (5.6.9); options=noOverwrite
    params: @headers options | body: Entities | ok: 204 207=Batch | errors: 400 415
POST /entityOperations/merge  [Batch]  Merge into many entities (5.6.20)
    params: @headers | body: Entities | ok: 204 207=Batch | errors: 400 415
POST /entityOperations/delete  [Batch]  Delete many entities by id (5.6.10)
    params: tenant | body: Ids | ok: 204 207=Batch | errors: 400 415
POST /entityOperations/query  [Batch]  Query entities with a Query body (5.7.2)
    params: @headers options format @page | body: Query | ok: 200=Shown | errors: 400 403 404 406 415 503
GET /types  [Discovery]  List entity types (5.7.5); details=true adds their attributes
    params: @headers details | ok: 200=Types | errors: 400 404 406 503
GET /types/{type}  [Discovery]  Describe one entity type: entity count and attributes (5.7.7)
    params: typeName @headers | ok: 200=Object | errors: 400 404 406 503
GET /attributes  [Discovery]  List attributes (5.7.8); details=true adds their entity types
    params: @headers details | ok: 200=Attrs | errors: 400 404 406 503
GET /attributes/{attr}  [Discovery]  Describe one attribute: count, attribute and entity types (5.7.10)
    params: attrName @headers | ok: 200=Object | errors: 400 404 406 503
POST /jsonldContexts  [@contexts]  Host a @context document (5.13.2); Location gives its URL
    params: | body: Context | ok: 201 | errors: 400 415
GET /jsonldContexts  [@contexts]  List the @contexts this broker holds (5.13.3)
    params: details kind | ok: 200=Contexts | errors: 400
GET /jsonldContexts/{contextId}  [@contexts]  Serve a @context, or its details (5.13.4)
    params: contextId details | ok: 200=Object | errors: 400 404 406
DELETE /jsonldContexts/{contextId}  [@contexts]  Delete a @context, or reload=true a cached one (5.13.5)
    params: contextId reload | ok: 204 | errors: 400 404 503
POST /subscriptions  [Subscriptions]  Create a subscription (5.8.1); Location gives its URL
    params: @headers | body: Subscription | ok: 201 | errors: 400 409 415 503
GET /subscriptions  [Subscriptions]  Query subscriptions (5.8.4), with their delivery status
    params: @headers @page options | ok: 200=Subscriptions | errors: 400 403 404 406 503
GET /subscriptions/{subscriptionId}  [Subscriptions]  Retrieve a subscription (5.8.3), with its delivery status
    params: subscriptionId @headers options | ok: 200=Subscription | errors: 400 404 406 503
PATCH /subscriptions/{subscriptionId}  [Subscriptions]  Update a subscription (5.8.2): the members given replace the stored ones
    params: subscriptionId @headers | body: SubscriptionPatch | ok: 204 | errors: 400 404 415 503
DELETE /subscriptions/{subscriptionId}  [Subscriptions]  Delete a subscription and its pending notifications (5.8.5)
    params: subscriptionId tenant | ok: 204 | errors: 400 404
POST /temporal/entities  [Temporal]  Create a temporal entity, or add instances to one (5.6.11): 201 new, 204 existing
    params: @headers | body: TemporalEntity | ok: 201 204 | errors: 400 415 503
GET /temporal/entities  [Temporal]  Query the history of entities (5.7.4): instances in a time window
    params: @headers type id idPattern attrs q @geo @time @tview datasetId @page local | ok: 200=Objects 206=Objects | errors: 400 403 404 406 503
GET /temporal/entities/{entityId}  [Temporal]  Retrieve the history of an entity (5.7.3)
    params: entityId @headers attrs @time @tview datasetId | ok: 200=Object 206=Object | errors: 400 404 406 503
DELETE /temporal/entities/{entityId}  [Temporal]  Delete an entity and its whole history (5.6.16)
    params: entityId tenant | ok: 204 | errors: 400 404
POST /temporal/entities/{entityId}/attrs  [Temporal]  Add attribute instances to a history (5.6.12)
    params: entityId @headers | body: TemporalEntity | ok: 204 | errors: 400 404 415 503
DELETE /temporal/entities/{entityId}/attrs/{attrId}  [Temporal]  Delete an attribute's history: default instances, one datasetId, or all (5.6.13)
    params: entityId attrId @headers datasetId deleteAll | ok: 204 | errors: 400 404 503
PATCH /temporal/entities/{entityId}/attrs/{attrId}/{instanceId}  [Temporal]  Replace one recorded instance (5.6.14)
    params: entityId attrId instanceId @headers | body: Attribute | ok: 204 | errors: 400 404 415 503
DELETE /temporal/entities/{entityId}/attrs/{attrId}/{instanceId}  [Temporal]  Delete one recorded instance (5.6.15)
    params: entityId attrId instanceId @headers | ok: 204 | errors: 400 404 503
POST /temporal/entityOperations/query  [Temporal]  Query histories with a Query body and its temporalQ (5.7.4)
    params: @headers options format @page lastN | body: Query | ok: 200=Objects 206=Objects | errors: 400 403 404 406 415 503
GET /openapi.json  [Meta]  This document
    params: | ok: 200=Object | errors:
"""

_GROUPS = {
    "@headers": "tenant link",
    "@geo": "georel geometry coordinates geoproperty",
    "@view": "options format pick omit lang",
    "@page": "limit offset count",
    "@time": "timerel timeAt endTimeAt timeproperty lastN",
    "@tview": "options format pick omit lang aggrMethods aggrPeriodDuration",
}
_OPTIONS = ["normalized", "concise", "keyValues", "simplified", "sysAttrs"]
_OPTIONS += ["noOverwrite", "replace", "update", "count", "temporalValues", "aggregatedValues"]
_FORMATS = [
    "normalized",
    "concise",
    "keyValues",
    "simplified",
    "temporalValues",
    "aggregatedValues",
]
_GEOMETRIES = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]


def _parameters(max_limit: int) -> dict[str, Any]:
    def q(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
        p = {"name": name, "in": "query", "schema": schema, "description": description}
        return {**p, "style": "form", "explode": False} if schema.get("type") == "array" else p

    def h(name: str, description: str, **schema: Any) -> dict[str, Any]:
        return {"name": name, "in": "header", "description": description, "schema": _STR | schema}

    def p(name: str, description: str, example: str) -> dict[str, Any]:
        schema = _NAME
        return {
            "name": name,
            "in": "path",
            "required": True,
            "schema": schema,
            "description": description,
            "example": example,
        }

    limit = {"type": "integer", "minimum": 0, "maximum": max_limit}
    return {
        "tenant": h(
            "NGSILD-Tenant",
            "Tenant; created by the first write into it (reads before: 404 NonexistentTenant)",
            pattern=r"^[A-Za-z0-9_\-.:/]{1,128}$",
        ),
        "link": h(
            "Link",
            "The @context of a request without one in its body: <URL>; "
            'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"',
        ),
        "entityId": p("entityId", "Entity id (a URI)", "urn:ngsi-ld:Shop:khonkaen-silk-01"),
        "attrId": p("attrId", "Attribute name (a term of the @context)", "name"),
        "typeName": p("type", "Entity type: a term or an IRI", "Shop"),
        "attrName": p("attr", "Attribute: a term or an IRI", "name"),
        "subscriptionId": p(
            "subscriptionId", "Subscription id (a URI)", "urn:ngsi-ld:Subscription:flood-chi"
        ),
        "contextId": p("contextId", "localId or URL of a @context", CORE_CONTEXT),
        "type": q("type", _STR, "Entity types: A,B (either), A;B (both), (A;B)|C"),
        "id": q("id", _arr(_URI), "Entity ids"),
        "idPattern": q("idPattern", _STR, "Regular expression on entity ids"),
        "attrs": q("attrs", _arr(_NAME), "Only these attributes (entities having one)"),
        "q": q("q", _STR, 'Query language (4.9): speed>50;brand=="Mercedes"'),
        "scopeQ": q("scopeQ", _STR, "Scope query: /KhonKaen/Muang, /KhonKaen/#, a;b, a,b"),
        "georel": q("georel", _STR, "near;maxDistance==2000, within, contains, intersects, ..."),
        "geometry": q("geometry", {"enum": _GEOMETRIES}),
        "coordinates": q("coordinates", _STR, "GeoJSON coordinates, e.g. [102.83,16.44]"),
        "geoproperty": q("geoproperty", _STR, "The GeoProperty to match (default location)"),
        "options": q("options", _arr({"enum": _OPTIONS}), "Representation and behaviour"),
        "format": q("format", {"enum": _FORMATS}, "Representation (wins over options)"),
        "pick": q("pick", _arr(_NAME), "Members to keep (id, type, attribute names)"),
        "omit": q("omit", _arr(_NAME), "Members to leave out"),
        "lang": q("lang", _STR, "Language of LanguageProperty values (BCP 47, or *)"),
        "geometryProperty": q("geometryProperty", _STR, "GeoJSON answers: the geometry to use"),
        "limit": q("limit", limit, "Page size (0 only with count=true)"),
        "offset": q("offset", {"type": "integer", "minimum": 0}, "Entities to skip"),
        "count": q("count", _BOOL, "Total in the NGSILD-Results-Count header"),
        "local": q("local", _BOOL, "This broker only; allows a query without any filter"),
        "keep": q("keep", _arr(_NAME), "Purge: delete every attribute but these"),
        "drop": q("drop", _arr(_NAME), "Purge: delete only these attributes"),
        "datasetId": q("datasetId", _URI, "The instance to delete"),
        "deleteAll": q("deleteAll", _BOOL, "Delete every instance"),
        "details": q("details", _BOOL, "Details instead of names"),
        "kind": q("kind", {"enum": ["Hosted", "Cached", "ImplicitlyCreated"]}),
        "reload": q("reload", _BOOL, "Fetch a cached @context again instead of deleting it"),
        "instanceId": p("instanceId", "A recorded instance (instanceId)", "urn:ngsi-ld:instance:1"),
        "timerel": q("timerel", {"enum": ["before", "after", "between"]}, "With timeAt"),
        "timeAt": q("timeAt", _TIME, "Start (after, between) or end (before) of the window"),
        "endTimeAt": q("endTimeAt", _TIME, "End of the window (between)"),
        "timeproperty": q(
            "timeproperty",
            {"enum": ["observedAt", "createdAt", "modifiedAt", "deletedAt"]},
            "The time the window applies to (default observedAt)",
        ),
        "lastN": q("lastN", {"type": "integer", "minimum": 1}, "The newest N instances"),
        "aggrMethods": q(
            "aggrMethods",
            _arr(
                {
                    "enum": [
                        "totalCount",
                        "distinctCount",
                        "sum",
                        "avg",
                        "min",
                        "max",
                        "stddev",
                        "sumsq",
                    ]
                }
            ),
            "aggregatedValues: the functions",
        ),
        "aggrPeriodDuration": q(
            "aggrPeriodDuration", _STR, "aggregatedValues: the period (ISO 8601: PT1H, P1D, P1M)"
        ),
    }


_HEAD = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (\S+)\s+\[([^\]]+)\]\s+(.+)$")


def _operation(head: str, spec: str) -> tuple[str, str, dict[str, Any]]:
    """(path, method, OpenAPI operation) of one block of the operation table."""
    m = _HEAD.match(head.strip())
    assert m, head
    method, path, tag, summary = m.groups()
    fields = {}
    for part in spec.split("|"):
        key, _, value = part.partition(":")
        fields[key.strip()] = value.split()
    params = [n for name in fields["params"] for n in _GROUPS.get(name, name).split()]
    responses: dict[str, Any] = {}
    for item in fields["ok"]:
        code, _, schema = item.partition("=")
        responses[code] = {"description": REASONS[int(code)]}
        if schema:
            responses[code]["content"] = {t: {"schema": _BODIES[schema]} for t in JSON_TYPES}
    for code in fields["errors"]:
        responses[code] = _ref("responses", f"E{code}")
    op: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "operationId": f"{method.lower()}_{re.sub(r'[^A-Za-z]+', '_', path).strip('_')}",
        "parameters": [_ref("parameters", n) for n in dict.fromkeys(params)],
        "responses": responses,
    }
    if "body" in fields:
        name, _, variant = fields["body"][0].partition("+")
        types = (*JSON_TYPES, MERGE_PATCH) if variant == "merge" else JSON_TYPES
        content = {t: {"schema": _BODIES[name]} for t in types}
        op["requestBody"] = {"required": True, "content": content}
        responses["413"] = _ref("responses", "E413")  # over max_body, for every body
    return path, method.lower(), op


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every documented (path below /ngsi-ld/v1, method, operation), in table order."""
    lines = [ln for ln in _OPERATIONS.splitlines() if ln.strip()]
    return [_operation(lines[i], lines[i + 1]) for i in range(0, len(lines), 2)]


@lru_cache(maxsize=4)
def document(max_limit: int = 1000) -> dict[str, Any]:
    """The OpenAPI 3.1 document (built once per max_limit; callers must not mutate it)."""
    paths: dict[str, Any] = {}
    for path, method, op in operations():
        paths.setdefault(path, {})[method] = op
    problem = {"application/json": {"schema": _s("ProblemDetails")}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Isan Digital Hub: NGSI-LD API",
            "version": __version__,
            "summary": "Context data of the Digital Khon Kaen Sandbox (ETSI GS CIM 009 v1.8)",
            "description": "Names in bodies and parameters are JSON-LD terms of the request's "
            "@context: the Link header, or @context in an application/ld+json body; without "
            "one the NGSI-LD core context applies. Every error is a problem details body "
            "(application/json with type, title and detail).",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": BASE}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "parameters": _parameters(max_limit),
            "responses": {
                f"E{code}": {"description": REASONS[code], "content": problem}
                for code in (400, 403, 404, 405, 406, 409, 413, 415, 503)
            },
        },
    }


async def serve(request: Request) -> Response:
    """GET /ngsi-ld/v1/openapi.json."""
    hub = getattr(request.app.state, "hub", None)
    return JSONResponse(document(hub.settings.max_limit if hub is not None else 1000))
