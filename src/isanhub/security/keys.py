"""API keys: made, read and checked.

A key reads ``ihk_<id>_<secret>``: the id (12 hex digits) finds the record, the secret
(32 random bytes) proves it. Only the secret's SHA-256 is stored. A slow password hash
is not needed: the secret is random and 256 bits long, so its hash cannot be reversed
by guessing, and a fast hash keeps checking a key far below a request's own cost.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from isanhub.security.principal import ANY_TENANT, Principal, Role
from isanhub.store.security import KeyRecord

PREFIX = "ihk_"
_TOKEN = re.compile(r"ihk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})\Z")
_TENANT = re.compile(r"[A-Za-z0-9_\-]{1,64}\Z")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(
    tenant: str,
    role: str,
    *,
    personal: bool = False,
    name: str = "",
    purpose: str = "",
    rate: float = 0.0,
) -> tuple[str, KeyRecord]:
    """A new key: (the token to hand out once, the record to store)."""
    parsed = Role.parse(role)
    if parsed is Role.PUBLIC:
        raise ValueError("a key for the public is not needed: open data needs no key")
    if tenant != ANY_TENANT and tenant and not _TENANT.match(tenant):
        raise ValueError(f"invalid tenant name {tenant!r}")
    if rate < 0:
        raise ValueError("the rate must be 0 (the hub's default) or more requests per second")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    record = KeyRecord(
        id=key_id,
        hash=_hash(secret),
        tenant=tenant,
        role=parsed.name.lower(),
        personal=personal,
        name=name,
        purpose=purpose,
        rate=rate,
        created=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
    return f"{PREFIX}{key_id}_{secret}", record


def split(token: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key, else None."""
    m = _TOKEN.match(token)
    return (m.group(1), m.group(2)) if m else None


def verify(record: KeyRecord, secret: str) -> bool:
    return not record.revoked and hmac.compare_digest(record.hash, _hash(secret))


def principal(record: KeyRecord) -> Principal:
    return Principal(
        who=f"key:{record.id}",
        roles={record.tenant: Role.parse(record.role)},
        personal=record.personal,
        purpose=record.purpose,
        rate=record.rate,
        name=record.name,
    )


def shown(record: KeyRecord) -> dict[str, object]:
    """A key as listed (never its hash)."""
    out: dict[str, object] = {
        "id": record.id,
        "tenant": record.tenant,
        "role": record.role,
        "personalData": record.personal,
        "name": record.name,
        "purpose": record.purpose,
        "rate": record.rate,
        "created": record.created,
    }
    if record.revoked:
        out["revoked"] = record.revoked
    return out
