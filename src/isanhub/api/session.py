"""/hub/v1/session: signing in to the pages with an API key.

Browsers cannot add an Authorization header to a link or a download, so the pages
keep the key in a cookie instead: set by the server, HttpOnly (scripts cannot read it),
SameSite=Strict (other sites' pages cannot send it, which is what stops cross-site
request forgery), Secure when the hub is reached over HTTPS. The guard reads it only
when a request carries no Authorization or X-API-Key header.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData
from isanhub.security.guard import COOKIE
from isanhub.security.principal import ANY_TENANT

#: a signed-in page stays signed in this long without a new sign-in
MAX_AGE = 12 * 3600


def _shown(hub: Hub, request: Request) -> dict[str, object]:
    access = hub.access(request)
    p = access.principal
    if hub.guard is None or hub.guard.open:
        return {"mode": "open"}
    roles = {("*" if t == ANY_TENANT else t): r.name.lower() for t, r in p.roles.items()}
    return {
        "mode": "keys",
        "who": p.who,
        "name": p.name,
        "roles": roles,
        "personalData": p.personal,
    }


async def whoami(hub: Hub, request: Request) -> Response:
    """GET: who the request acts as (anonymous when not signed in)."""
    return http.json_response(_shown(hub, request))


async def sign_in(hub: Hub, request: Request) -> Response:
    """POST {"key": "ihk_…"}: check the key, then set the cookie."""
    body = (await http.object_body(request, "a sign-in")).data
    token = body.get("key")
    if not isinstance(token, str) or not token.strip():
        raise BadRequestData('the body is {"key": "ihk_…"}')
    if hub.guard is None or hub.guard.open:
        return http.json_response({"mode": "open"})
    token = token.strip()
    principal = await hub.guard.authenticate([(b"authorization", f"Bearer {token}".encode())])
    secure = "; Secure" if request.url.scheme == "https" else ""
    cookie = f"{COOKIE}={token}; Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Strict{secure}"
    roles = {t: r.name.lower() for t, r in principal.roles.items()}
    return http.json_response(
        {"mode": "keys", "who": principal.who, "name": principal.name, "roles": roles},
        headers={"Set-Cookie": cookie},
    )


async def sign_out(hub: Hub, request: Request) -> Response:
    """DELETE: forget the cookie."""
    return http.no_content(
        {"Set-Cookie": f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"}
    )
