"""The check every request passes before its handler: who is asking (an API key, an
OpenID Connect token, or no one), whether their role in the request's tenant allows
the endpoint's action, and whether they are within their rate.

What it decides travels with the request as an ``Access`` (``request.scope["access"]``):
the handlers read it to show the public only open data and to mask personal data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from isanhub.core.errors import Forbidden, TooManyRequests, Unauthorized
from isanhub.security import keys
from isanhub.security.principal import ANONYMOUS, OPEN, Action, Principal, Role
from isanhub.store.security import KeyRecord, SecurityTable

#: seconds a key's record, a tenant's open-data policy, are trusted before re-reading
#: (so a revocation by another process or the CLI applies within this time)
CACHE_SECONDS = 5.0
_CACHE_MAX = 10_000
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="isanhub"'}


#: the cookie the pages' sign-in sets (api.session): HttpOnly, SameSite=Strict
COOKIE = "isanhub_key"


def _cookie_key(header: bytes) -> str:
    """The key in a Cookie header's sign-in cookie, if it has one."""
    for part in header.decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value.strip()
    return ""


def open_setting(tenant: str) -> str:
    """The name under which a tenant's open-data policy is stored."""
    return f"open:{tenant}"


@dataclass(frozen=True)
class Access:
    """What one request may see and do."""

    principal: Principal
    tenant: str
    role: Role
    #: None: every entity of the tenant; else only entities of these types (IRIs; "*"
    #: for all), the tenant's open data, as the public sees it
    open_types: frozenset[str] | None = None

    @property
    def personal(self) -> bool:
        """Whether personal data is shown in clear (and the read audited)."""
        return self.principal.personal and self.role >= Role.CONSUMER and self.open_types is None

    def sees_type(self, types: Iterable[str]) -> bool:
        """Whether an entity of ``types`` is visible."""
        if self.open_types is None or "*" in self.open_types:
            return True
        return any(t in self.open_types for t in types)


OPEN_ACCESS = Access(OPEN, "", Role.ADMIN)
#: the least role of each action (Action.least, looked up instead of computed)
LEAST = {a: a.least for a in Action}


class _Bucket:
    __slots__ = ("level", "at")

    def __init__(self, level: float, at: float) -> None:
        self.level = level
        self.at = at


class Guard:
    """Authentication, authorisation and rate limits of one application."""

    def __init__(
        self,
        table: SecurityTable,
        *,
        mode: str = "keys",
        verifier: Any = None,
        rate: float = 0.0,
        public_rate: float = 0.0,
    ) -> None:
        if mode not in ("keys", "open"):
            raise ValueError(f"ISANHUB_AUTH: {mode!r} is neither 'keys' nor 'open'")
        self.table = table
        self.open = mode == "open"
        self.verifier = verifier  #: security.oidc.OidcVerifier, when tokens are configured
        self.rate = rate
        self.public_rate = public_rate
        self._keys: dict[str, tuple[KeyRecord | None, float]] = {}
        #: verified keys and tokens -> (principal, until when it is trusted)
        self._tokens: dict[str, tuple[Principal, float]] = {}
        #: (principal, tenant) -> the Access of an allowed request, reused
        self._access: dict[tuple[str, str], Access] = {}
        #: (raw Authorization header, raw NGSILD-Tenant header) -> (the Access allowed
        #: for it, until when): the usual keyed request without decoding a header
        self._allowed: dict[tuple[bytes, bytes], tuple[Access, float]] = {}
        self._policies: dict[str, tuple[frozenset[str], float]] = {}
        self._buckets: dict[str, _Bucket] = {}

    async def check(self, scope: dict[str, Any], action: Action) -> Access:
        """The request's Access, or Unauthorized / Forbidden / TooManyRequests."""
        if self.open:
            return OPEN_ACCESS
        auth: bytes | None = None
        raw_tenant = b""
        for k, v in scope["headers"]:  # the usual request: a look-up of raw header bytes
            if k == b"authorization":
                auth = v
            elif k == b"ngsild-tenant":
                raw_tenant = v
        if auth is not None:
            seen = self._allowed.get((auth, raw_tenant))
            if seen is not None and seen[0].role >= LEAST[action] and seen[1] > time.monotonic():
                access = seen[0]
                if access.principal.rate or self.rate:  # (never anonymous here)
                    self._limit(access.principal, scope)
                return access
        return await self._check(scope, action, auth, raw_tenant)

    async def _check(
        self, scope: dict[str, Any], action: Action, auth: bytes | None, raw_tenant: bytes
    ) -> Access:
        token = tenant = ""
        bad_scheme = False
        for k, v in scope["headers"]:
            if k == b"authorization":
                scheme, _, value = v.decode("latin-1").partition(" ")
                token = value.strip()
                bad_scheme = scheme.lower() != "bearer" or not token
            elif k == b"x-api-key" and not token:
                token = v.decode("latin-1").strip()
            elif k == b"ngsild-tenant":
                tenant = v.decode("latin-1")
            elif k == b"cookie" and not token:
                token = _cookie_key(v)
        try:
            if bad_scheme:
                raise Unauthorized(
                    "use Authorization: Bearer <API key or token>", headers=_CHALLENGE
                )
            if not token:
                principal = ANONYMOUS
            else:
                seen = self._tokens.get(token)  # the usual case, without a coroutine
                if seen is not None and seen[1] > time.monotonic():
                    principal = seen[0]
                else:
                    principal = await self.principal(token)
        except Unauthorized:
            if action is not Action.NONE:
                raise
            principal = ANONYMOUS  # a stale sign-in must not break the pages themselves
        self._limit(principal, scope)
        role = principal.role_in(tenant)
        least = LEAST[action]
        if role >= least:
            access = self._access.get((principal.who, tenant))
            if access is None or access.principal is not principal:
                access = Access(principal, tenant, role)
                if len(self._access) >= _CACHE_MAX:
                    self._access.clear()
                self._access[(principal.who, tenant)] = access
            trusted = self._tokens.get(token) if auth is not None else None
            if trusted is not None and trusted[0] is principal:
                # as long as the verified token is trusted (CACHE_SECONDS at most)
                if len(self._allowed) >= _CACHE_MAX:
                    self._allowed.clear()
                self._allowed[(auth, raw_tenant)] = (access, trusted[1])  # type: ignore[index]
            return access
        if action is Action.READ and role is Role.PUBLIC:
            open_types = await self.open_types(tenant)
            if open_types:
                return Access(principal, tenant, role, open_types)
        where = f"tenant {tenant!r}" if tenant else "the default tenant"
        if principal.anonymous:
            raise Unauthorized(
                f"this needs an API key or a token with a role in {where}"
                " (Authorization: Bearer …)",
                headers=_CHALLENGE,
            )
        raise Forbidden(
            f"{principal.who} is {role.name.lower()} in {where}; this needs {least.name.lower()}"
        )

    async def authenticate(self, headers: list[tuple[bytes, bytes]]) -> Principal:
        """Who the headers name (an API key, a token, the pages' cookie), or ANONYMOUS."""
        for k, v in headers:
            if k == b"authorization":
                scheme, _, value = v.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not value.strip():
                    raise Unauthorized(
                        "use Authorization: Bearer <API key or token>", headers=_CHALLENGE
                    )
                return await self.principal(value.strip())
        for k, v in headers:
            if k == b"x-api-key":
                return await self.principal(v.decode("latin-1").strip())
        for k, v in headers:
            if k == b"cookie" and (token := _cookie_key(v)):
                return await self.principal(token)
        return ANONYMOUS

    async def principal(self, token: str) -> Principal:
        """The principal of a key or token; verified ones are remembered for a while."""
        now = time.monotonic()
        seen = self._tokens.get(token)
        if seen is not None and seen[1] > now:
            return seen[0]
        if token.startswith(keys.PREFIX):
            principal = await self._key_principal(token)
        elif self.verifier is None:
            raise Unauthorized(
                "this hub accepts no OpenID Connect tokens (ISANHUB_OIDC_ISSUER is not set)",
                headers=_CHALLENGE,
            )
        else:
            principal = self.verifier.principal(token)
        if len(self._tokens) >= _CACHE_MAX:
            self._tokens.clear()
        self._tokens[token] = (principal, now + CACHE_SECONDS)
        return principal

    async def _key_principal(self, token: str) -> Principal:
        parts = keys.split(token)
        if parts is None:
            raise Unauthorized("malformed API key", headers=_CHALLENGE)
        key_id, secret = parts
        record = await self.key(key_id)
        if record is None or not keys.verify(record, secret):
            raise Unauthorized("unknown or revoked API key", headers=_CHALLENGE)
        return keys.principal(record)

    async def key(self, key_id: str) -> KeyRecord | None:
        now = time.monotonic()
        cached = self._keys.get(key_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        record = await self.table.get_key(key_id)
        if len(self._keys) >= _CACHE_MAX:
            self._keys.clear()
        self._keys[key_id] = (record, now + CACHE_SECONDS)
        return record

    def forget(self, key_id: str) -> None:
        """Drop a key from the caches (this process revoked it)."""
        self._keys.pop(key_id, None)
        self._allowed.clear()
        who = f"key:{key_id}"
        for token in [t for t, (p, _) in self._tokens.items() if p.who == who]:
            del self._tokens[token]

    async def open_types(self, tenant: str) -> frozenset[str]:
        now = time.monotonic()
        cached = self._policies.get(tenant)
        if cached is not None and cached[1] > now:
            return cached[0]
        raw = await self.table.get_setting(open_setting(tenant))
        types = frozenset(orjson.loads(raw)) if raw else frozenset()
        self._policies[tenant] = (types, now + CACHE_SECONDS)
        return types

    def forget_policy(self, tenant: str) -> None:
        self._policies.pop(tenant, None)

    def _limit(self, principal: Principal, scope: dict[str, Any]) -> None:
        """A token bucket per principal (per client address for the public): ``rate``
        requests a second on average, bursts of twice that."""
        if principal.anonymous:
            rate = self.public_rate
            client = scope.get("client")
            name = f"addr:{client[0] if client else '?'}"
        else:
            rate = principal.rate or self.rate
            name = principal.who
        if rate <= 0:
            return
        now = time.monotonic()
        burst = 2 * rate
        bucket = self._buckets.get(name)
        if bucket is None:
            if len(self._buckets) >= _CACHE_MAX:
                self._buckets.clear()
            bucket = self._buckets[name] = _Bucket(burst, now)
        bucket.level = min(burst, bucket.level + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.level < 1:
            wait = math.ceil((1 - bucket.level) / rate)
            raise TooManyRequests(
                f"more than {rate:g} requests a second; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        bucket.level -= 1
