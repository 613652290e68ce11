"""The audit log of personal data read in clear: one record per response (or
notification) that showed personal attributes to a reader allowed to see them.

The record is written, and durable, before the response leaves: a read that cannot be
recorded fails rather than goes unrecorded. What a record holds says who read what and
why, never the values read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from isanhub.core.errors import BadRequestData
from isanhub.core.model import is_datetime, now_iso
from isanhub.security.principal import Principal
from isanhub.store.security import AuditFilter, AuditRecord, SecurityTable

PURPOSE_HEADER = b"isanhub-purpose"  #: the request header naming the purpose of a read
MAX_PURPOSE = 200  #: characters of a purpose kept
MAX_LIMIT = 1000  #: records in one page of the audit log at most
MAX_OFFSET = 2**63 - 1  #: what the databases can bind


def purpose_of(headers: Iterable[tuple[bytes, bytes]], principal: Principal) -> str:
    """The purpose a request names (``Isanhub-Purpose``, UTF-8, cut to 200 characters),
    else the one its key or token was given."""
    for name, value in headers:
        if name == PURPOSE_HEADER:
            text = " ".join(value.decode("utf-8", "replace").split())
            if text:
                return text[:MAX_PURPOSE]
    return principal.purpose


def record(
    *,
    who: str,
    tenant: str,
    action: str,
    purpose: str,
    read: Mapping[str, Iterable[str]],
    at: str | None = None,
) -> AuditRecord:
    """One record of ``read`` (entity id -> the personal attributes shown of it)."""
    return AuditRecord(
        at=at or now_iso(),
        who=who,
        tenant=tenant,
        action=action,
        purpose=purpose,
        entities=tuple(read),
        attrs=tuple(sorted({a for attrs in read.values() for a in attrs})),
    )


async def write(table: SecurityTable, records: Sequence[AuditRecord]) -> None:
    """Append records (durable on return)."""
    if records:
        await table.audit(records)


def utc_time(value: str | None, name: str) -> str | None:
    """A since/until bound in the format of the records' ``at`` (so that comparing the
    texts compares the instants), or BadRequestData."""
    if value is None or value == "":
        return None
    text = value if "T" in value else value + "T00:00:00Z"
    if not is_datetime(text):
        raise BadRequestData(f"{name} must be an ISO 8601 date or date-time, got {value!r}")
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_filter(
    *,
    tenant: str | None,
    who: str | None = None,
    entity: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditFilter:
    if not 0 <= limit <= MAX_LIMIT:
        raise BadRequestData(f"limit must be between 0 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise BadRequestData(f"offset must be between 0 and {MAX_OFFSET}")
    return AuditFilter(
        tenant=tenant,
        who=who or None,
        entity=entity or None,
        since=utc_time(since, "since"),
        until=utc_time(until, "until"),
        limit=limit,
        offset=offset,
    )


def shown(r: AuditRecord) -> dict[str, object]:
    """A record as the API and the CLI print it."""
    return {
        "seq": r.seq,
        "at": r.at,
        "who": r.who,
        "tenant": r.tenant,
        "action": r.action,
        "purpose": r.purpose,
        "entities": list(r.entities),
        "attrs": list(r.attrs),
    }
