"""What access control costs: GET one entity (as bench get_one) with an API key, and
with an OpenID Connect token, against the same server run in open mode (no checks).

Target: authentication and authorisation cost under 10 % of the GET-entity throughput.
Two measures, the same modes alternating, three times each, the best of each counting:

- judged: the application's own CPU time per GET, called in this process without a
  server (bench._inproc). It leaves out uvicorn's share of a request, so the cost it
  shows is a larger part than the part of the whole throughput; and it moves far less
  than rates over HTTP when a virtual machine's neighbours take CPU time;
- printed beside it: requests/s under wrk against a real server, and responses per
  server CPU second, which on a shared virtual machine move by 20-30 % between runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from typing import Any

import httpx

from bench._common import Result, say
from bench._data import entity_id, load
from bench._server import BASE, Server, _isanhub_command, on_postgres
from bench._wrk import measure

TITLE = "GET one entity with a key / a token (vs open mode)"
MAX_COST = 0.10
ROUNDS = 3  #: alternating runs of each; the best of each counts
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


def _rate(srv: Server, headers: dict[str, str], seconds: int) -> tuple[float, float]:
    """(requests/s, responses per server CPU second)."""
    path = f"{BASE}/entities/{entity_id(42)}"
    script = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    result = measure(srv, srv.url + path, script, seconds=seconds, connections=64)
    if result.failed:
        raise RuntimeError(f"{result.failed} requests failed")
    return result.rate, result.ok_per_cpu_s


async def _key_headers(store: Any) -> list[tuple[bytes, bytes]]:
    from isanhub.security import keys

    token, record = keys.new_key("*", "admin")
    await store.security_table().put_key(record)
    return [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]


def _inproc(quick: bool) -> dict[str, float]:
    """Best CPU µs per GET of each mode, in process (alternating, ROUNDS times)."""
    import asyncio

    from bench._data import batch
    from bench._inproc import cpu_per_get

    entity = batch(42, 1)[0]
    body = json.dumps(entity).encode()
    path = f"{BASE}/entities/{entity['id']}"
    n = 5_000 if quick else 30_000

    async def plain(store: Any) -> list[tuple[bytes, bytes]]:
        return [(b"host", b"127.0.0.1")]

    best = {"open": float("inf"), "key": float("inf")}
    for _ in range(ROUNDS):
        for name, mode, prepare in (("open", "open", plain), ("key", "keys", _key_headers)):
            us = asyncio.run(cpu_per_get(mode, prepare, path, body, n))
            say(f"  in process, {name}: {us:.1f} µs CPU per GET")
            best[name] = min(best[name], us)
    return best


def run(quick: bool) -> list[Result]:
    if on_postgres():
        say("  auth: measured on SQLite only (the check does not touch the database)")
    seconds = 3 if quick else 10
    folder = tempfile.mkdtemp(prefix="isanhub-bench-auth-")
    token = _token(folder)
    best: dict[str, float] = {"open": 0.0, "key": 0.0, "token": 0.0}
    per_cpu: dict[str, float] = {"open": 0.0, "key": 0.0, "token": 0.0}
    for _ in range(ROUNDS):
        for mode in ("open", "keys"):
            srv, key = _server(mode, folder)
            with srv:
                load(srv.url, 1000, headers=key)
                ways = {"open": {}} if mode == "open" else {
                    "key": key, "token": {"Authorization": "Bearer " + token}}  # fmt: skip
                for name, headers in ways.items():
                    r = httpx.get(srv.url + f"{BASE}/entities/{entity_id(42)}", headers=headers)
                    r.raise_for_status()
                    rate, cpu = _rate(srv, headers, seconds)
                    say(f"  {name}: {rate:,.0f} req/s, {cpu:,.0f} per server CPU second")
                    best[name] = max(best[name], rate)
                    per_cpu[name] = max(per_cpu[name], cpu)
    app = _inproc(quick)
    app_cost = app["key"] / app["open"] - 1
    results = [
        Result(
            bench="auth",
            name="GET one entity with an API key: the application's CPU per request",
            figure=app["key"],
            unit="µs",
            limit=app["open"],
            limit_name="the same application in open mode (no checks)",
            kind="cost",
            target=f"costs < {MAX_COST:.0%} more",
            passed=app_cost < MAX_COST,
            details={"cost": round(app_cost, 4), "runs": ROUNDS},
        )
    ]
    for name, what in (("key", "an API key"), ("token", "an OpenID Connect token (RS256)")):
        cost = 1 - per_cpu[name] / per_cpu["open"]
        results.append(
            Result(
                bench="auth",
                name=f"GET one entity with {what}, per server CPU second",
                figure=per_cpu[name],
                unit="req/CPU-s",
                limit=per_cpu["open"],
                limit_name="the same server in open mode (no checks)",
                kind="rate",
                target=f"costs < {MAX_COST:.0%} of the open rate",
                passed=cost < MAX_COST,
                details={
                    "cost": round(cost, 4),
                    "seconds": seconds,
                    "runs": ROUNDS,
                    "rate": round(best[name]),
                    "open_rate": round(best["open"]),
                },
            )
        )
    return results
