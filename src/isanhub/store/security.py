"""What every backend stores for access control and personal data: API keys, the
audit log of personal-data reads, and small per-hub settings (the open-data policy of
each tenant, the pseudonym secret).

Keys are shared by every tenant and every process of a hub, so they live beside the
subscriptions in the shared part of a backend, not in a tenant's tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson


@dataclass(frozen=True)
class KeyRecord:
    """One API key as stored: its secret only as a SHA-256 hash (security.keys)."""

    id: str
    hash: str
    tenant: str  #: the tenant it acts in; "*" for every tenant
    role: str  #: admin, provider or consumer (security.principal.Role)
    personal: bool = False  #: may read personal data in clear (audited)
    name: str = ""
    purpose: str = ""  #: the purpose recorded in the audit log when a request names none
    rate: float = 0.0  #: requests per second it may make; 0: the hub's default
    created: str = ""
    revoked: str = ""  #: when it was revoked; empty while it is valid


@dataclass(frozen=True)
class AuditRecord:
    """One read that returned personal data in clear."""

    at: str  #: ISO 8601 UTC
    who: str  #: the principal (``key:<id>``, ``oidc:<subject>``, ``open``)
    tenant: str
    action: str  #: what was done: "GET /ngsi-ld/v1/entities/{id}", "notification", ...
    purpose: str
    entities: tuple[str, ...]  #: the entities whose personal attributes were read
    attrs: tuple[str, ...]  #: the personal attributes read (IRIs)
    seq: int = 0  #: the record's number, set by the backend


@dataclass
class AuditFilter:
    tenant: str | None = None
    who: str | None = None
    entity: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = 100
    offset: int = 0


class SecurityTable(Protocol):
    """Keys, audit and hub settings of one store; every method is durable on return."""

    async def put_key(self, key: KeyRecord) -> None: ...

    async def get_key(self, key_id: str) -> KeyRecord | None: ...

    async def list_keys(self) -> list[KeyRecord]: ...

    async def revoke_key(self, key_id: str, at: str) -> bool:
        """Mark the key revoked; False when there is no such key."""

    async def count_keys(self) -> int:
        """Valid (not revoked) keys."""

    async def audit(self, records: Sequence[AuditRecord]) -> None: ...

    async def audit_query(self, where: AuditFilter) -> tuple[list[AuditRecord], int]:
        """One page of records, newest first, and how many match."""

    async def get_setting(self, name: str) -> str | None: ...

    async def put_setting(self, name: str, value: str) -> None: ...

    async def setting_or_put(self, name: str, value: str) -> str:
        """The setting ``name``, stored as ``value`` first when it has none; one
        statement, so processes racing on a new hub all get the first value written."""


def key_row(k: KeyRecord) -> tuple[Any, ...]:
    return (k.id, k.hash, k.tenant, k.role, bool(k.personal), k.name, k.purpose, k.rate)


def key_from_row(row: Sequence[Any]) -> KeyRecord:
    i, h, tenant, role, personal, name, purpose, rate, created, revoked = row
    return KeyRecord(
        id=i,
        hash=h,
        tenant=tenant,
        role=role,
        personal=bool(personal),
        name=name,
        purpose=purpose,
        rate=float(rate),
        created=str(created),
        revoked=str(revoked or ""),
    )


def audit_row(r: AuditRecord) -> tuple[Any, ...]:
    """An audit record as the values of an INSERT (without its number)."""
    return (
        r.at,
        r.who,
        r.tenant,
        r.action,
        r.purpose,
        orjson.dumps(r.entities).decode(),
        orjson.dumps(r.attrs).decode(),
    )


def audit_from_row(row: Sequence[Any]) -> AuditRecord:
    seq, at, who, tenant, action, purpose, entities, attrs = row
    return AuditRecord(
        at,
        who,
        tenant,
        action,
        purpose,
        tuple(orjson.loads(entities)),
        tuple(orjson.loads(attrs)),
        seq,
    )


KEY_COLUMNS = "id, hash, tenant, role, personal, name, purpose, rate, created, revoked"
AUDIT_COLUMNS = "seq, at, who, tenant, action, purpose, entities, attrs"


def audit_where(where: AuditFilter, mark: str, find: str) -> tuple[str, list[Any]]:
    """The WHERE clause of an audit query with ``mark`` as placeholder and ``find`` the
    backend's substring function (instr, strpos), and its values.
    The entity filter is a substring test on the stored JSON list, which is exact
    because ids are written quoted."""
    parts: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("tenant", where.tenant),
        ("who", where.who),
    ):
        if value is not None:
            parts.append(f"{column} = {mark}")
            args.append(value)
    if where.since:
        parts.append(f"at >= {mark}")
        args.append(where.since)
    if where.until:
        parts.append(f"at < {mark}")
        args.append(where.until)
    if where.entity:
        parts.append(f"{find}(entities, {mark}) > 0")
        args.append('"' + where.entity.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return (" WHERE " + " AND ".join(parts)) if parts else "", args
