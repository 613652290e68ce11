"""The OpenAPI description of the platform's own endpoints below /hub/v1.

Beside the NGSI-LD operations (api.openapi), these are what isanhub adds: file imports,
the scorecard, sellers, API keys, the open-data policy, the audit log and erasure. The
request and response shapes follow the handlers (api.imports, api.scorecard, api.sellers,
api.admin, api.audit, api.erasure); errors are the same problem details as NGSI-LD.
api.openapi_platform joins both into the document served at /openapi.json.
"""

from __future__ import annotations

from typing import Any

from isanhub.api.openapi_hub_schemas import (
    BOOL,
    HUB,
    INT,
    JSON,
    JSONLD,
    MULTIPART,
    SHOP_NAME,
    STR,
    array,
    obj,
    ref,
    schema,
)
from isanhub.ingest.readers import FORMATS as IMPORT_FORMATS
from isanhub.insight.agri.registry import INSIGHTS
from isanhub.insight.commerce import FORMATS as REPORT_FORMATS
from isanhub.insight.commerce import LANGS
from isanhub.insight.scorecard import pilot_provinces


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
    "insight": _path(
        "insight", {"enum": list(INSIGHTS)}, "The insight (docs/farmers.md)", "prices"
    ),
    "agriProvince": _query("province", STR, "Only this province (English name, as in address)"),
    "agriDistrict": _query("district", STR, "Only this district (English name)"),
    "agriCrop": _query("crop", STR, "Only this crop: rice, cassava, sugarcane, maize or a crop id"),
    "weeks": _query(
        "weeks", {"type": "integer", "minimum": 1, "maximum": 52}, "Horizon in weeks (default 8)"
    ),
    "at": _query("at", STR, "The local date or time that counts as now (ISO 8601)"),
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
            "GET",
            "/agri",
            "Farmers",
            "The farmer insights and the snapshot they read (docs/farmers.md)",
            ok={"200": _ok("The insights", _json("AgriIndex"))},
            errors=("404",),
        ),
        _operation(
            "GET",
            "/agri/{insight}",
            "Farmers",
            "One farmer insight: prices, outlook, rain, alerts, parcels, harvest, drones, plan, "
            "production (docs/farmers.md)",
            params=("insight", "agriProvince", "agriDistrict", "agriCrop", "weeks", "at"),
            ok={"200": _ok("The insight", _json("AgriAnswer"))},
            errors=("404",),
        ),
        _operation(
            "POST",
            "/agri/refresh",
            "Farmers",
            "Rebuild the farmer-insight snapshot of the tenant now",
            ok={"200": _ok("What the new snapshot holds", _json("AgriSnapshot"))},
            errors=("404", "415"),
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
