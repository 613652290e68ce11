"""The OpenAPI description of the platform's own endpoints below /hub/v1.

Beside the NGSI-LD operations (api.openapi), these are what isanhub adds: file imports,
the scorecard, sellers, API keys, the open-data policy, the audit log and erasure. The
request and response shapes follow the handlers (api.imports, api.scorecard, api.sellers,
api.admin, api.audit, api.erasure); errors are the same problem details as NGSI-LD.
api.openapi_platform joins both into the document served at /openapi.json.
"""

from __future__ import annotations

from typing import Any

from isanhub.ingest.readers import FORMATS as IMPORT_FORMATS
from isanhub.insight.commerce import FORMATS as REPORT_FORMATS
from isanhub.insight.commerce import LANGS
from isanhub.insight.kpis import DIMENSIONS
from isanhub.insight.scorecard import pilot_provinces
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
            "who": {**STR, "description": "key:<id>, oidc:<issuer>#<subject>, anonymous"},
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


def _query(name: str, schema_: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema_, "description": description}


def _path(name: str, schema_: dict[str, Any], description: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema_,
        "description": description,
        "example": example,
    }


PARAMETERS: dict[str, Any] = {
    "dryRun": _query("dryRun", BOOL, "Check only: nothing is written"),
    "importFormat": _query(
        "format", {"enum": list(IMPORT_FORMATS)}, "The file's format (default: its extension)"
    ),
    "sheet": _query("sheet", STR, "XLSX: the sheet to read (default: the first)"),
    "province": _query(
        "province", {"enum": [a.key for a in pilot_provinces()]}, "One pilot province only"
    ),
    "lang": _query("lang", {"enum": list(LANGS)}, "Language of names and texts (default th)"),
    "backfill": _query(
        "backfill", {"type": "integer", "minimum": 0, "maximum": 366}, "Also the N days before"
    ),
    "shop": _path(
        "shop", {"type": "string", "pattern": SHOP_NAME}, "The shop's name", "silk-khonkaen"
    ),
    "keepGoodRows": _query(
        "keepGoodRows", BOOL, "Save the readable rows of a file some rows of which are not"
    ),
    "reportFormat": _query("format", {"enum": list(REPORT_FORMATS)}, "json (default), html or pdf"),
    "asOf": _query("asOf", {"type": "string", "format": "date"}, "The report's day"),
    "keyId": _path("key_id", {"type": "string", "minLength": 1}, "The key's id", "3f9a0c51d2e4"),
    "who": _query("who", STR, "Only reads by this principal (key:<id>, …)"),
    "entity": _query("entity", STR, "Only reads of this entity id"),
    "since": _query("since", STR, "Only records at or after (ISO 8601 date or date-time)"),
    "until": _query("until", STR, "Only records before (ISO 8601 date or date-time)"),
    "auditLimit": _query(
        "limit", {"type": "integer", "minimum": 0, "maximum": 1000}, "Page size (default 100)"
    ),
    "auditOffset": _query("offset", INT, "Records to skip"),
}

#: problem-details responses of every /hub/v1 operation that reads the tenant header
_TENANT_ERRORS = ("400",)


def _json(name_or_schema: str | dict[str, Any], *types: str) -> dict[str, Any]:
    s = schema(name_or_schema) if isinstance(name_or_schema, str) else name_or_schema
    return {t: {"schema": s} for t in (types or (JSON,))}


def _operation(
    method: str,
    path: str,
    tag: str,
    summary: str,
    *,
    params: tuple[str, ...] = (),
    body: dict[str, Any] | None = None,
    ok: dict[str, Any],
    errors: tuple[str, ...] = (),
    description: str = "",
    tenant: bool = True,
) -> tuple[str, str, dict[str, Any]]:
    """(path, method, operation); ``errors`` are problem-details statuses (E<status>);
    ``tenant``: whether the operation acts in the tenant of NGSILD-Tenant (400 when
    that names no valid tenant)."""
    responses: dict[str, Any] = dict(ok)
    for code in (*(_TENANT_ERRORS if tenant else ()), *errors):
        responses.setdefault(code, ref("responses", f"E{code}"))
    names = ("tenant", *params) if tenant else params
    op: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "operationId": "hub_" + method.lower() + "_" + path.strip("/").replace("/", "_"),
        "parameters": [ref("parameters", p) for p in names],
        "responses": responses,
    }
    op["operationId"] = op["operationId"].replace("{", "").replace("}", "")
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return HUB + path, method.lower(), op


def _ok(description: str, content: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, **extra}
    if content is not None:
        out["content"] = content
    return out


_IMPORT_FORM = obj(
    "The data file and its mapping",
    {
        "file": {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
            "description": "CSV, XLSX, GeoJSON or NGSI-LD JSON",
        },
        "mapping": {
            "type": "string",
            "description": "How columns become attributes (TOML or JSON text, docs/import.md);"
            " optional for NGSI-LD JSON",
        },
    },
    "file",
)
_SELLER_FORM = obj(
    "The seller's order exports and the shop's details",
    {
        "file": array(
            {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"},
            minItems=1,
            maxItems=20,
            description="CSV or XLSX exports of a marketplace (docs/seller-formats.md)",
        ),
        "name": STR,
        "province": {**STR, "description": "Province (Thai or English name, or code)"},
        "district": STR,
        "category": STR,
    },
    "file",
)
_REPORT_400 = {
    "description": "Rejected: no file could be imported (the reports say why), or a problem",
    "content": _json({"anyOf": [schema("SellerImport"), schema("ProblemDetails")]}),
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every /hub/v1 operation: (path, method, OpenAPI operation)."""
    return [
        _operation(
            "POST",
            "/import",
            "Import",
            "Import a CSV, XLSX, GeoJSON or NGSI-LD JSON file into the tenant",
            description="The answer is the import report (docs/import.md). A request that is "
            "no import at all (no file, a bad mapping, not multipart, too large) gets problem "
            "details instead.",
            params=("dryRun", "importFormat", "sheet"),
            body={MULTIPART: {"schema": _IMPORT_FORM}},
            ok={
                "200": _ok("Imported, or a dry run that passed", _json("ImportReport")),
                "400": _ok(
                    "Rejected: rows that cannot be imported (nothing written), or a problem",
                    _json({"anyOf": [schema("ImportReport"), schema("ProblemDetails")]}),
                ),
            },
            errors=("413", "415", "503"),
        ),
        _operation(
            "GET",
            "/scorecard",
            "Insight",
            "The smart-city scorecard of the pilot provinces (docs/sandbox.md)",
            params=("province", "lang"),
            ok={"200": _ok("The scorecard", _json("Scorecard"))},
            errors=("404",),
        ),
        _operation(
            "POST",
            "/kpi/compute",
            "Insight",
            "Recompute the KPIs now (the server also does on a schedule)",
            params=("backfill",),
            ok={"200": _ok("The values written", _json("KpiComputation"))},
            errors=("404",),
        ),
        _operation(
            "GET",
            "/sellers",
            "Sellers",
            "The tenant's shops and the files they imported",
            ok={"200": _ok("The shops", _json(array(schema("Shop"))))},
        ),
        _operation(
            "POST",
            "/sellers/{shop}/import",
            "Sellers",
            "Import a seller's order exports (docs/sellers.md)",
            params=("shop", "keepGoodRows"),
            body={MULTIPART: {"schema": _SELLER_FORM}},
            ok={
                "200": _ok("Every file imported", _json("SellerImport")),
                "207": _ok("Some files imported, some rejected", _json("SellerImport")),
                "400": _REPORT_400,
            },
            errors=("413", "415"),
        ),
        _operation(
            "GET",
            "/sellers/{shop}/report",
            "Sellers",
            "The seller's report as JSON, HTML or PDF (docs/seller-report.md)",
            params=("shop", "reportFormat", "lang", "asOf"),
            ok={
                "200": _ok(
                    "The report, in the format asked for",
                    {
                        JSON: {"schema": schema("SellerReport")},
                        "text/html": {"schema": STR},
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    },
                )
            },
            errors=("404",),
        ),
        _operation(
            "GET",
            "/keys",
            "Access",
            "The tenant's API keys (every key, for an admin of every tenant), never secrets",
            ok={"200": _ok("The keys", _json(array(schema("Key"))))},
        ),
        _operation(
            "POST",
            "/keys",
            "Access",
            "Make an API key: its secret is shown in this answer only",
            body=_json("KeyRequest", JSON, JSONLD),
            ok={"201": _ok("The key, with its secret", _json("NewKey"))},
            errors=("413", "415"),
        ),
        _operation(
            "DELETE",
            "/keys/{key_id}",
            "Access",
            "Revoke a key: every server refuses it within 5 s",
            params=("keyId",),
            ok={"204": _ok("Revoked")},
            errors=("404",),
        ),
        _operation(
            "GET",
            "/open",
            "Access",
            "The tenant's open data: entity types anyone may read without a key",
            params=("link",),
            ok={"200": _ok("The open types", _json("OpenData"))},
            errors=("503",),
        ),
        _operation(
            "PUT",
            "/open",
            "Access",
            'Set the tenant\'s open data ([] closes everything, ["*"] opens every type)',
            params=("link",),
            body=_json("OpenData", JSON, JSONLD),
            ok={"204": _ok("Set")},
            errors=("413", "415", "503"),
        ),
        _operation(
            "GET",
            "/audit",
            "Access",
            "The audit log of reads of personal data in clear, newest first",
            params=("who", "entity", "since", "until", "auditLimit", "auditOffset"),
            ok={
                "200": _ok(
                    "A page of records",
                    _json(array(schema("AuditRecord"))),
                    headers={
                        "NGSILD-Results-Count": {
                            "description": "How many records match",
                            "schema": INT,
                        }
                    },
                )
            },
        ),
        _operation(
            "POST",
            "/erasure",
            "Access",
            "Erase a data subject's personal data: entity, attributes, relationships, history",
            params=("link",),
            body=_json("ErasureRequest", JSON, JSONLD),
            ok={"200": _ok("What was (or would be) removed", _json("ErasureReport"))},
            errors=("404", "413", "415", "503"),
        ),
        _operation(
            "GET",
            "/session",
            "Access",
            "Who this request acts as (the pages show it)",
            tenant=False,
            ok={"200": _ok("The principal", _json("Session"))},
        ),
        _operation(
            "POST",
            "/session",
            "Access",
            "Sign the pages in with an API key: an HttpOnly, SameSite=Strict cookie",
            description="Browsers cannot add an Authorization header to a link or a "
            "download: the cookie carries the key instead, for requests without a header.",
            tenant=False,
            body=_json("SignIn"),
            ok={
                "200": _ok(
                    "Signed in",
                    _json("Session"),
                    headers={"Set-Cookie": {"schema": STR, "description": "The sign-in cookie"}},
                )
            },
            errors=("400", "401", "413", "415"),
        ),
        _operation(
            "DELETE",
            "/session",
            "Access",
            "Sign the pages out: the cookie is forgotten",
            tenant=False,
            ok={
                "204": _ok(
                    "Signed out",
                    headers={"Set-Cookie": {"schema": STR, "description": "The expired cookie"}},
                )
            },
        ),
    ]
