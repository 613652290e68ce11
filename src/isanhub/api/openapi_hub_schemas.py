"""The shapes of the /hub/v1 endpoints in the OpenAPI document: the named schemas
(components) and the small builders api.openapi_hub writes its operations with."""

from __future__ import annotations

from typing import Any

from isanhub.insight.commerce import LANGS
from isanhub.insight.kpis import DIMENSIONS
from isanhub.security.principal import Role

HUB = "/hub/v1"
JSON = "application/json"
JSONLD = "application/ld+json"
MULTIPART = "multipart/form-data"


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def schema(name: str) -> dict[str, str]:
    return ref("schemas", name)


def array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def obj(description: str, props: dict[str, Any], *required: str, **extra: Any) -> dict[str, Any]:
    out = {"type": "object", "description": description, "properties": props, **extra}
    return {**out, "required": list(required)} if required else out


STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer", "minimum": 0}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
#: shop names of the seller lake (insight.commerce.lake.check_name)
SHOP_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ROLES = [r.name.lower() for r in Role if r is not Role.PUBLIC]

_KPI = obj(
    "A KPI's latest value in one province",
    {
        "key": STR,
        "id": {"type": "string", "format": "uri"},
        "name": STR,
        "value": {"type": "number"},
        "unit": STR,
        "observedAt": TIME,
        "target": {"type": ["number", "null"]},
        "better": {"enum": ["higher", "lower"]},
        "meetsTarget": {"type": ["boolean", "null"]},
        "weekAgo": {"type": ["number", "null"]},
        "change": {"type": ["number", "null"]},
    },
    "key",
    "value",
)
_KEY_PROPS: dict[str, Any] = {
    "id": {**STR, "description": "12 hex digits: the key reads ihk_<id>_<secret>"},
    "tenant": {**STR, "description": 'The tenant it acts in; "*": every tenant'},
    "role": {"enum": ROLES},
    "personalData": {**BOOL, "description": "May read personal data in clear (audited)"},
    "name": STR,
    "purpose": STR,
    "rate": {"type": "number", "minimum": 0},
    "created": TIME,
    "revoked": {**TIME, "description": "When it was revoked; absent while valid"},
}

SCHEMAS: dict[str, Any] = {
    "ImportReport": obj(
        "What an import did (isanhub.ingest.importer): 200 imported or a dry run that "
        "passed, 400 rejected (nothing written, see errors), 500 failed while writing.",
        {
            "status": {"enum": ["imported", "dry-run", "rejected", "failed"]},
            "file": STR,
            "format": STR,
            "tenant": STR,
            "dryRun": BOOL,
            "rows": INT,
            "entities": obj("", {"created": INT, "updated": INT}),
            "instances": INT,
            "history": {"description": "Attributes kept as history"},
            "errorCount": INT,
            "errors": array({"description": "One problem of a row: where and why"}),
            "errorsTruncated": BOOL,
            "seconds": {"type": "number"},
        },
        "status",
    ),
    "SellerImport": obj(
        "The import of a seller's exports: each file is imported whole or not at all.",
        {
            "tenant": STR,
            "shop": STR,
            "files": array(schema("SellerFile")),
            "entities": obj("The shop's NGSI-LD entities written", {}),
            "city": obj("The anonymous sums added to the city's scorecard", {}),
        },
        "tenant",
        "shop",
        "files",
    ),
    "SellerFile": obj(
        "What became of one export (insight.commerce.imports): imported, rejected (the "
        "message says why, in Thai and English) or a duplicate of one imported before",
        {
            "file": STR,
            "status": {"enum": ["imported", "rejected", "duplicate"]},
            "format": {"type": ["string", "null"], "description": "The marketplace export"},
            "lines": INT,
            "message": STR,
            "problems": array(STR),
        },
        "file",
        "status",
    ),
    "Shop": obj(
        "A shop of the tenant, its details and the files it imported",
        {"shop": STR, "imports": array({"type": "object"})},
        "shop",
        "imports",
    ),
    "SellerReport": obj(
        "The seller's report (docs/seller-report.md): channels, products, timing, buyers, "
        "price, outlook, words, creators and advice, as of a day",
        {
            "shop": obj("", {"tenant": STR, "id": STR, "name": STR}),
            "asOf": {"type": "string", "format": "date"},
            "lang": {"enum": list(LANGS)},
        },
        "shop",
        "asOf",
    ),
    "Scorecard": obj(
        "The smart-city scorecard: per pilot province, the latest value of each KPI by "
        "dimension, its target and its change over 7 days",
        {
            "dimensions": array({"enum": list(DIMENSIONS)}),
            "provinces": array(
                obj(
                    "One province",
                    {
                        "key": STR,
                        "name": STR,
                        "population": {"type": ["integer", "null"]},
                        "dimensions": {"type": "object", "additionalProperties": array(_KPI)},
                    },
                    "key",
                    "dimensions",
                )
            ),
        },
        "dimensions",
        "provinces",
    ),
    "AgriSnapshot": obj(
        "A farmer-insight snapshot: when it was taken (Asia/Bangkok), how long it took, "
        "its rows per table",
        {
            "takenAt": STR,
            "buildSeconds": {"type": "number"},
            "rows": {"type": "object", "additionalProperties": INT},
        },
        "takenAt",
        "rows",
    ),
    "AgriIndex": obj(
        "The farmer insights, and the snapshot they read (null before the first)",
        {
            "insights": array(obj("", {"name": STR, "th": STR, "en": STR}, "name")),
            "snapshot": {"anyOf": [schema("AgriSnapshot"), {"type": "null"}]},
        },
        "insights",
    ),
    "AgriAnswer": obj(
        "One insight's answer: what was asked, when its data was taken, and the insight's "
        "own members (docs/farmers.md)",
        {
            "insight": STR,
            "takenAt": {"type": ["string", "null"]},
            "now": STR,
            "province": {"type": ["string", "null"]},
            "district": {"type": ["string", "null"]},
            "crop": {"type": ["string", "null"]},
        },
        "insight",
        "now",
        additionalProperties=True,
    ),
    "KpiComputation": obj(
        "What a recomputation wrote",
        {"values": {**INT, "description": "KPI values (history instances)"}, "kpis": INT},
        "values",
        "kpis",
    ),
    "Key": obj("An API key as listed: never its secret", _KEY_PROPS, "id", "tenant", "role"),
    "NewKey": obj(
        "A key just made: the only time its secret is shown",
        {**_KEY_PROPS, "key": {**STR, "description": "ihk_<id>_<secret>: send it as a bearer"}},
        "id",
        "tenant",
        "role",
        "key",
    ),
    "KeyRequest": obj(
        "A key to make",
        {
            "role": {"enum": ROLES},
            "tenant": {
                **STR,
                "description": 'Default: the NGSILD-Tenant of the request; "*" (every '
                "tenant) only for an admin of every tenant",
            },
            "name": {**STR, "description": "Who holds it"},
            "purpose": {**STR, "description": "The purpose the audit log records by default"},
            "personalData": BOOL,
            "rate": {
                "type": "number",
                "minimum": 0,
                "description": "Requests a second (0: the hub's)",
            },
        },
        "role",
        additionalProperties=False,
    ),
    "OpenData": obj(
        "The entity types of a tenant anyone may read without a key",
        {"types": array({"type": "string", "minLength": 1}, description='"*": every type')},
        "types",
        additionalProperties=False,
    ),
    "AuditRecord": obj(
        "One read of personal data in clear",
        {
            "seq": INT,
            "at": TIME,
            "who": {**STR, "description": "key:<id>, oidc:<issuer>#<subject>, open"},
            "tenant": STR,
            "action": {**STR, "description": "GET /ngsi-ld/v1/entities/{id}, notification, …"},
            "purpose": STR,
            "entities": array(STR),
            "attrs": array(STR, description="The personal attributes read (IRIs)"),
        },
        "seq",
        "at",
        "who",
        "tenant",
        "action",
    ),
    "ErasureRequest": obj(
        "Whose data to erase (PDPA section 33): an entity (the data subject), and/or values "
        "of personal attributes that identify a person wherever they appear; at least one",
        {
            "entity": {
                "type": "string",
                "format": "uri",
                "description": "The data subject's entity id",
            },
            "values": array(
                {"type": "string", "minLength": 1, "maxLength": 1000},
                maxItems=100,
                description="Values to remove wherever they appear",
            ),
            "dryRun": {**BOOL, "description": "Report what would go, change nothing"},
            "@context": {"description": "Only with Content-Type application/ld+json"},
        },
        additionalProperties=False,
    ),
    "ErasureReport": obj(
        "What an erasure removed (or would remove, on a dry run)",
        {
            "subject": {**STR, "description": "The entity id and how many values, never them"},
            "entitiesDeleted": array(STR),
            "attributesRemoved": {
                "type": "object",
                "description": "Entity id -> attributes removed",
                "additionalProperties": array(STR),
            },
            "relationshipsRemoved": {
                "type": "object",
                "description": "Entity id -> relationships that pointed at the subject",
                "additionalProperties": array(STR),
            },
            "historyInstancesRemoved": INT,
            "at": TIME,
            "dryRun": BOOL,
            "complete": {
                **BOOL,
                "description": "False when the subject's data was still being written after"
                " five searches: erase again once those writes stop",
            },
        },
        "subject",
        "entitiesDeleted",
        "attributesRemoved",
        "relationshipsRemoved",
        "historyInstancesRemoved",
        "at",
    ),
    "Version": obj("The running software", {"name": {"const": "isanhub"}, "version": STR}),
    "Session": obj(
        "Who requests act as: in open mode everyone is an admin; with keys, the key's (or "
        "token's) principal, or anonymous",
        {
            "mode": {"enum": ["open", "keys"]},
            "who": {**STR, "description": "key:<id>, oidc:<subject>, anonymous"},
            "name": STR,
            "roles": {
                "type": "object",
                "description": 'Tenant ("*": every tenant) -> role',
                "additionalProperties": {"enum": ROLES},
            },
            "personalData": BOOL,
        },
        "mode",
    ),
    "SignIn": obj(
        "The API key to sign the pages in with",
        {"key": {"type": "string", "minLength": 1, "description": "ihk_<id>_<secret>"}},
        "key",
    ),
}
