"""OpenID Connect bearer tokens, verified offline with the provider's keys (security.oidc)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app

B = "/ngsi-ld/v1"
ISSUER = "https://sso.khonkaen.go.th/realms/city"
ROOM = {"id": "urn:ngsi-ld:Room:1", "type": "Room", "t": {"type": "Property", "value": 1}}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _jwks(path: Path, *pairs: tuple[str, Any]) -> str:
    keys = []
    for kid, private in pairs:
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[
            "RS256" if isinstance(private, rsa.RSAPrivateKey) else "ES256"
        ].to_jwk(private.public_key()))  # fmt: skip
        keys.append({**jwk, "kid": kid, "use": "sig"})
    path.write_text(json.dumps({"keys": keys}))
    return str(path)


def _token(private: Any, kid: str | None, alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": "isanhub", "sub": "u-1", "iat": now, "exp": now + 300}
    body.update(claims)
    return jwt.encode(body, private, algorithm=alg, headers={"kid": kid} if kid else None)


@pytest.fixture
def client(tmp_path: Path, rsa_key: Any, ec_key: Any) -> Any:
    settings = make_settings(
        tmp_path,
        auth="keys",
        oidc_issuer=ISSUER,
        oidc_audience="isanhub",
        oidc_keys=_jwks(tmp_path / "jwks.json", ("r1", rsa_key), ("e1", ec_key)),
        oidc_roles_claim="realm_access.roles",
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _as(token: str, tenant: str = "khonkaen") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "NGSILD-Tenant": tenant}


def test_roles_come_from_the_token(client: TestClient, rsa_key: Any, ec_key: Any) -> None:
    roles = {"realm_access": {"roles": ["khonkaen:provider", "offline_access", "other:consumer"]}}
    token = _token(rsa_key, "r1", **roles)
    assert client.post(f"{B}/entities", json=ROOM, headers=_as(token)).status_code == 201
    assert client.get(f"{B}/entities/{ROOM['id']}", headers=_as(token)).status_code == 200
    assert client.post(f"{B}/entities", json=ROOM, headers=_as(token, "other")).status_code == 403
    assert client.get(f"{B}/types", headers=_as(token, "third")).status_code == 403
    # an EC key of the same provider works as well
    token = _token(ec_key, "e1", "ES256", realm_access={"roles": ["*:consumer"]})
    assert client.get(f"{B}/types", headers=_as(token)).status_code == 200
    assert client.post(f"{B}/entities", json=ROOM, headers=_as(token)).status_code == 403


@pytest.mark.parametrize(
    "change",
    ["expired", "issuer", "audience", "unknown kid", "tampered", "hs256 with public key", "none"],
)
def test_bad_tokens_are_401(client: TestClient, rsa_key: Any, change: str) -> None:
    roles = {"realm_access": {"roles": ["*:admin"]}}
    if change == "expired":
        token = _token(rsa_key, "r1", exp=int(time.time()) - 120, **roles)
    elif change == "issuer":
        token = _token(rsa_key, "r1", iss="https://evil.example", **roles)
    elif change == "audience":
        token = _token(rsa_key, "r1", aud="another-app", **roles)
    elif change == "unknown kid":
        token = _token(
            rsa.generate_private_key(public_exponent=65537, key_size=2048), "r9", **roles
        )
    elif change == "tampered":
        head, body, sig = _token(rsa_key, "r1", **roles).split(".")
        other = jwt.utils.base64url_encode(
            json.dumps(
                {"iss": ISSUER, "aud": "isanhub", "sub": "root", "exp": 9999999999, **roles}
            ).encode()  # fmt: skip
        ).decode()
        token = f"{head}.{other}.{sig}"
    elif change == "hs256 with public key":
        public = rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # the classic key confusion: an HMAC signed with the provider's public key
        head = jwt.utils.base64url_encode(b'{"alg":"HS256","kid":"r1","typ":"JWT"}')
        body = jwt.utils.base64url_encode(
            json.dumps(
                {"iss": ISSUER, "aud": "isanhub", "sub": "x", "exp": 9999999999, **roles}
            ).encode()  # fmt: skip
        )
        signed = head + b"." + body
        sig = hmac.new(public, signed, hashlib.sha256).digest()
        token = (signed + b"." + jwt.utils.base64url_encode(sig)).decode()
    else:
        token = jwt.encode(
            {"iss": ISSUER, "aud": "isanhub", "sub": "x", "exp": 9999999999, **roles},
            None,
            algorithm="none",
            headers={"kid": "r1"},
        )
    r = client.get(f"{B}/types", headers=_as(token))
    assert r.status_code == 401, r.text
    assert r.json()["type"].endswith("/Unauthorized")
    assert "invalid_token" in r.headers["www-authenticate"] or "unknown key" in r.text


def test_personal_grant_and_pem_keys(tmp_path: Path, rsa_key: Any) -> None:
    from isanhub.security.oidc import OidcVerifier, load_keys, parse_roles

    assert parse_roles(["khonkaen:consumer+personal", "x:nobody", 3]) == (
        {"khonkaen": __import__("isanhub.security.principal").security.principal.Role.CONSUMER},
        True,
    )
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    verifier = OidcVerifier(ISSUER, "", load_keys(str(pem)), "roles")
    who = verifier.principal(_token(rsa_key, None, roles=["t:provider+personal"]))
    assert who.who == "oidc:u-1" and who.personal and who.role_in("t").name == "PROVIDER"
    assert who.role_in("other").name == "PUBLIC"
