"""/hub/v1/keys and /hub/v1/open: the API keys of a tenant and its open-data policy,
managed by the tenant's admins (``isanhub keys`` does the same from the command line).

A tenant's admin manages the keys of that tenant; an admin of every tenant ("*")
manages all keys, including other admins of every tenant.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData, Forbidden, ResourceNotFound
from isanhub.security import keys
from isanhub.security.guard import open_setting
from isanhub.security.principal import ANY_TENANT, Role
from isanhub.security.subscriber import subscriber_of


def _all_tenants(hub: Hub, request: Request) -> bool:
    return hub.access(request).principal.role_in(ANY_TENANT) is Role.ADMIN


async def list_keys(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/keys: the keys of the request's tenant (every key for an admin of
    every tenant), never their secrets."""
    tenant = http.tenant_of(request)
    everything = _all_tenants(hub, request)
    found = await hub.store.security_table().list_keys()
    return http.json_response([keys.shown(k) for k in found if everything or k.tenant == tenant])


async def create_key(hub: Hub, request: Request) -> Response:
    """POST /hub/v1/keys {"role", "name", "purpose", "personalData", "rate", "tenant"}:
    201 with the key, shown this once."""
    body = (await http.object_body(request, "a key")).data
    unknown = set(body) - {"role", "name", "purpose", "personalData", "rate", "tenant"}
    if unknown:
        raise BadRequestData(f"unknown member(s) of a key: {', '.join(sorted(unknown))}")
    tenant = body.get("tenant", http.tenant_of(request))
    if not isinstance(tenant, str):
        raise BadRequestData("tenant must be a string")
    if tenant != http.tenant_of(request) and not _all_tenants(hub, request):
        raise Forbidden("a tenant's admin makes keys for that tenant only")
    role = body.get("role")
    personal = body.get("personalData", False)
    rate = body.get("rate", 0)
    if (
        not isinstance(role, str)
        or not isinstance(personal, bool)
        or isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not all(isinstance(body.get(n, ""), str) for n in ("name", "purpose"))
    ):
        raise BadRequestData(
            "a key needs role (admin, provider or consumer); name and purpose are strings,"
            " personalData a boolean, rate a number"
        )
    try:
        token, record = keys.new_key(
            tenant,
            role,
            personal=personal,
            name=body.get("name", ""),
            purpose=body.get("purpose", ""),
            rate=float(rate),
        )
    except ValueError as exc:
        raise BadRequestData(str(exc)) from None
    await hub.store.security_table().put_key(record)
    return http.json_response({**keys.shown(record), "key": token}, 201)


async def revoke_key(hub: Hub, request: Request) -> Response:
    """DELETE /hub/v1/keys/{id}: the key stops working (within seconds on every process)."""
    key_id = request.path_params["key_id"]
    table = hub.store.security_table()
    record = await table.get_key(key_id)
    if record is None or (
        record.tenant != http.tenant_of(request) and not _all_tenants(hub, request)
    ):
        raise ResourceNotFound(f"no key {key_id} in this tenant")
    await table.revoke_key(key_id, datetime.now(UTC).isoformat(timespec="seconds"))
    if hub.guard is not None:
        hub.guard.forget(key_id)
    await pause_subscriptions(hub, f"key:{key_id}")
    return http.no_content()


async def pause_subscriptions(hub: Hub, who: str) -> int:
    """Pause (isActive false) the subscriptions ``who`` made: a revoked key must stop
    receiving data, whichever way it asked for it. An admin can resume them."""
    if hub.notifier is None:
        return 0
    _, every = await hub.store.subscription_table().load()
    paused = 0
    for tenant, doc in every:
        if subscriber_of(doc).who == who and doc.get("isActive", True):
            await hub.notifier.update(tenant, {**doc, "isActive": False})
            paused += 1
    return paused


async def read_open(hub: Hub, request: Request) -> Response:
    """GET /hub/v1/open: the entity types of the tenant anyone may read ("*": all)."""
    tenant = http.tenant_of(request)
    raw = await hub.store.security_table().get_setting(open_setting(tenant))
    _, terms = await hub.read_terms(request)
    types = orjson.loads(raw) if raw else []
    return http.json_response({"types": [t if t == "*" else terms.compact_type(t) for t in types]})


async def set_open(hub: Hub, request: Request) -> Response:
    """PUT /hub/v1/open {"types": [...]}: mark entity types open data ([] closes all)."""
    body = await http.object_body(request, "an open-data policy")
    types = body.data.get("types")
    if set(body.data) != {"types"} or not isinstance(types, list):
        raise BadRequestData('the body is {"types": [entity type, ...]} ("*": every type)')
    if not all(isinstance(t, str) and t for t in types):
        raise BadRequestData("every type is a non-empty string")
    terms = await hub.terms(body.context)
    expanded = sorted({t if t == "*" else terms.expand_type(t) for t in types})
    tenant = http.tenant_of(request)
    await hub.store.security_table().put_setting(
        open_setting(tenant), orjson.dumps(expanded).decode()
    )
    if hub.guard is not None:
        hub.guard.forget_policy(tenant)
    return http.no_content()
