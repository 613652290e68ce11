"""What access control costs: GET one entity (as bench get_one) with an API key, and
with an OpenID Connect token, against the same server run in open mode (no checks).

Target: authentication and authorisation cost under 10 % of the GET-entity throughput,
so each checked rate is at least 90 % of the open one. The open server and the checked
one are measured alternately, twice each, and the better run of each counts, so that a
slow moment of the virtual machine does not decide the ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

import httpx

from bench._common import Result, say
from bench._data import entity_id, load
from bench._server import BASE, Server, _isanhub_command, on_postgres
from bench._wrk import measure

TITLE = "GET one entity with a key / a token (vs open mode)"
MAX_COST = 0.10
ISSUER = "https://sso.example.org/realms/city"


def _db_url(srv: Server) -> str:
    return srv.argv[srv.argv.index("--db") + 1]


def _token(folder: str) -> str:
    """A JWKS file of a new RSA key in ``folder``, and a token it signs."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    with open(os.path.join(folder, "jwks.json"), "w") as f:
        json.dump({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}, f)
    claims = {
        "iss": ISSUER,
        "sub": "bench",
        "exp": int(time.time()) + 3600,
        "roles": ["*:consumer"],
    }
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": "k1"})


def _server(mode: str, folder: str) -> tuple[Server, dict[str, str]]:
    srv = Server.isanhub()
    srv.env.update({"ISANHUB_AUTH": mode, "ISANHUB_RATE_LIMIT": "0"})
    if mode == "open":
        return srv, {}
    srv.env.update({
        "ISANHUB_OIDC_ISSUER": ISSUER,
        "ISANHUB_OIDC_KEYS": os.path.join(folder, "jwks.json"),
        "ISANHUB_OIDC_ROLES_CLAIM": "roles",
    })  # fmt: skip
    made = subprocess.run(
        [*_isanhub_command(), "keys", "create", "--tenant", "*", "--role", "admin",
         "--db", _db_url(srv)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return srv, {"Authorization": "Bearer " + made.stdout.strip()}


def _rate(srv: Server, headers: dict[str, str], seconds: int) -> float:
    path = f"{BASE}/entities/{entity_id(42)}"
    script = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    result = measure(srv, srv.url + path, script, seconds=seconds, connections=64)
    if result.failed:
        raise RuntimeError(f"{result.failed} requests failed")
    return result.rate


def run(quick: bool) -> list[Result]:
    if on_postgres():
        say("  auth: measured on SQLite only (the check does not touch the database)")
    seconds = 3 if quick else 10
    folder = tempfile.mkdtemp(prefix="isanhub-bench-auth-")
    token = _token(folder)
    best: dict[str, float] = {"open": 0.0, "key": 0.0, "token": 0.0}
    for _ in range(2):
        for mode in ("open", "keys"):
            srv, key = _server(mode, folder)
            with srv:
                load(srv.url, 1000, headers=key)
                ways = {"open": {}} if mode == "open" else {
                    "key": key, "token": {"Authorization": "Bearer " + token}}  # fmt: skip
                for name, headers in ways.items():
                    r = httpx.get(srv.url + f"{BASE}/entities/{entity_id(42)}", headers=headers)
                    r.raise_for_status()
                    rate = _rate(srv, headers, seconds)
                    say(f"  {name}: {rate:,.0f} req/s")
                    best[name] = max(best[name], rate)
    results = []
    for name, what in (("key", "an API key"), ("token", "an OpenID Connect token (RS256)")):
        cost = 1 - best[name] / best["open"]
        results.append(
            Result(
                bench="auth",
                name=f"GET one entity with {what}",
                figure=best[name],
                unit="req/s",
                limit=best["open"],
                limit_name="the same server in open mode (no checks)",
                kind="rate",
                target=f"costs < {MAX_COST:.0%} of the open rate",
                passed=cost < MAX_COST,
                details={"cost": round(cost, 4), "seconds": seconds, "runs": 2},
            )
        )
    return results
