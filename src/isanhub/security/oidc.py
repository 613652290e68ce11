"""OpenID Connect bearer tokens from the city's identity provider (Keycloak, Azure AD,
ThaID-backed providers...), verified with public keys from configuration.

No network call is made per request, nor at start: the operator saves the provider's
JWKS document (or PEM public keys) to a file. Only asymmetric algorithms are accepted,
so a token can never be signed with a public key taken for an HMAC secret, and ``none``
never passes. A verified token is remembered until it expires, so a client that sends
the same token on every request pays for one signature check.

Roles come from a claim listing "tenant:role" strings ("khonkaen:provider", "*:admin");
"tenant:role+personal" also grants reading personal data in clear. A dotted claim name
("realm_access.roles") reaches into nested claims, as Keycloak writes them.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.x509 import load_pem_x509_certificate

from isanhub.core.errors import Unauthorized
from isanhub.security.principal import Principal, Role
from isanhub.settings import Settings

ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="isanhub", error="invalid_token"'}
_CACHE_MAX = 10_000
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.S)
LEEWAY = 30  #: seconds of clock difference tolerated between the provider and the hub


def load_keys(path: str) -> dict[str | None, Any]:
    """Public keys by key id (None: keys without one) from a JWKS file or PEM file."""
    text = Path(path).read_text()
    found: dict[str | None, Any] = {}
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        for jwk in data.get("keys", [data]):
            if jwk.get("use", "sig") != "sig" or jwk.get("kty") == "oct":
                continue  # encryption keys and shared secrets are not signature keys
            found[jwk.get("kid")] = jwt.PyJWK(jwk).key
    else:  # PEM: public keys or certificates; the first one signs tokens without a kid
        for m in _PEM.finditer(text):
            raw = (m.group(0) + "\n").encode()
            load = load_pem_x509_certificate if m.group(1) == "CERTIFICATE" else None
            key = load(raw).public_key() if load else load_pem_public_key(raw)
            found.setdefault(None, key)
    if not found:
        raise ValueError(f"ISANHUB_OIDC_KEYS: no signature key in {path}")
    return found


def parse_roles(values: Any) -> tuple[dict[str, Role], bool]:
    """("tenant:role[+personal]", ...) -> roles by tenant, and whether personal data is
    granted; entries of other applications are ignored."""
    roles: dict[str, Role] = {}
    personal = False
    if isinstance(values, str):
        values = values.split()
    for value in values if isinstance(values, list) else []:
        if not isinstance(value, str) or ":" not in value:
            continue
        tenant, _, role = value.rpartition(":")
        role, plus, grant = role.partition("+")
        try:
            parsed = Role.parse(role)
        except ValueError:
            continue
        if parsed > roles.get(tenant, Role.PUBLIC):
            roles[tenant] = parsed
        personal = personal or (plus == "+" and grant == "personal")
    return roles, personal


class OidcVerifier:
    def __init__(
        self, issuer: str, audience: str, keys: dict[str | None, Any], roles_claim: str
    ) -> None:
        self.issuer = issuer
        self.audience = audience or None
        self.keys = keys
        self.roles_claim = roles_claim.split(".")
        self._seen: dict[str, tuple[Principal, float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcVerifier:
        if not settings.oidc_keys:
            raise ValueError(
                "ISANHUB_OIDC_ISSUER is set but ISANHUB_OIDC_KEYS is not: save the provider's"
                " JWKS (its jwks_uri) to a file and name it there"
            )
        return cls(
            settings.oidc_issuer,
            settings.oidc_audience,
            load_keys(settings.oidc_keys),
            settings.oidc_roles_claim,
        )

    def principal(self, token: str) -> Principal:
        now = time.time()
        seen = self._seen.get(token)
        if seen is not None and seen[1] > now:
            return seen[0]
        claims = self._verify(token)
        value: Any = claims
        for part in self.roles_claim:
            value = value.get(part) if isinstance(value, dict) else None
        roles, personal = parse_roles(value)
        principal = Principal(
            who=f"oidc:{claims['sub']}",
            roles=roles,
            personal=personal,
            purpose=str(claims.get("purpose", "")),
            name=str(claims.get("preferred_username") or claims.get("name") or claims["sub"]),
        )
        if len(self._seen) >= _CACHE_MAX:
            self._seen.clear()
        self._seen[token] = (principal, float(claims["exp"]))
        return principal

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            key = self.keys.get(kid) if kid in self.keys else self.keys.get(None)
            if key is None:
                raise Unauthorized(f"token signed with an unknown key {kid!r}", headers=_CHALLENGE)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}", headers=_CHALLENGE) from None
        return claims
