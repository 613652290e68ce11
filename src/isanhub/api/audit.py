"""GET /hub/v1/audit: the audit log of a tenant's personal data read in clear, for its
admins (``isanhub audit`` reads it from the command line).

The tenant is the request's (NGSILD-Tenant), as for every admin endpoint: an admin of
one tenant never sees another's log.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.security import audit as audit_log


async def read(hub: Hub, request: Request) -> Response:
    """``?who=&entity=&since=&until=&limit=&offset=``: records newest first, and their
    number in NGSILD-Results-Count."""
    qp = request.query_params
    where = audit_log.audit_filter(
        tenant=http.tenant_of(request),
        who=qp.get("who"),
        entity=qp.get("entity"),
        since=qp.get("since"),
        until=qp.get("until"),
        limit=http.int_param(request, "limit", 100),
        offset=http.int_param(request, "offset", 0),
    )
    records, total = await hub.store.security_table().audit_query(where)
    return http.json_response(
        [audit_log.shown(r) for r in records], headers={"NGSILD-Results-Count": str(total)}
    )
