"""``isanhub audit``: the audit log of personal data read in clear, from the database
(for the data protection officer; the API's GET /hub/v1/audit shows a tenant's admins
their tenant's)."""

from __future__ import annotations

import argparse
import sys

import orjson

from isanhub.core.errors import BadRequestData
from isanhub.security import audit
from isanhub.settings import Settings
from isanhub.store.base import run_on_store
from isanhub.store.security import AuditFilter, AuditRecord

_HELP = """\
examples:
  isanhub audit --tenant khonkaen --since 2026-01-01
  isanhub audit --who key:3f9a0c51d2e4 --json
  isanhub audit --entity urn:ngsi-ld:Person:0001

Each line: when (UTC), who (key:<id>, oidc:<issuer>#<subject>, open), the tenant, what
was done (the request's route, or "notification <subscription>"), the purpose, and the
entities and personal attributes shown in clear. Newest first.
"""


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:  # type: ignore[type-arg]
    a = sub.add_parser(
        "audit",
        help="who read personal data, when and why / บันทึกการเข้าถึงข้อมูลส่วนบุคคล",
        description="The audit log: every response and notification that showed personal"
        " data in clear (PDPA).",
        epilog=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument("--tenant", help="only this tenant ('' is the default tenant); default: all")
    a.add_argument("--who", help="only reads by this principal (key:<id>, oidc:..., open)")
    a.add_argument("--entity", help="only reads of this entity id")
    a.add_argument("--since", help="from this date or date-time (ISO 8601; UTC if no zone)")
    a.add_argument("--until", help="before this date or date-time")
    a.add_argument("--limit", type=int, default=100, help="records at most (default 100)")
    a.add_argument("--offset", type=int, default=0, help="skip this many newest records")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.add_argument("--db", help=f"database URL [env ISANHUB_DB] (default {defaults.db})")


def _query(db: str | None, where: AuditFilter) -> tuple[list[AuditRecord], int]:
    return run_on_store(
        Settings.from_env(db=db).db, lambda store: store.security_table().audit_query(where)
    )


def _line(r: dict[str, object]) -> str:
    entities = ", ".join(str(e) for e in r["entities"])  # type: ignore[attr-defined]
    attrs = ", ".join(str(a).rsplit("/", 1)[-1] for a in r["attrs"])  # type: ignore[attr-defined]
    tenant = r["tenant"] or "(default)"
    purpose = f"  purpose: {r['purpose']}" if r["purpose"] else ""
    return f"{r['at']}  {r['who']}  {tenant}  {r['action']}{purpose}\n    {entities}: {attrs}"


def run(args: argparse.Namespace) -> int:
    try:
        where = audit.audit_filter(
            tenant=args.tenant,
            who=args.who,
            entity=args.entity,
            since=args.since,
            until=args.until,
            limit=args.limit,
            offset=args.offset,
        )
    except BadRequestData as exc:
        print(f"isanhub audit: {exc.detail}", file=sys.stderr)
        return 2
    records, total = _query(args.db, where)
    shown = [audit.shown(r) for r in records]
    if args.json:
        print(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
        return 0
    if not shown:
        print("no personal data was read in clear" + (" (with these filters)" if total else ""))
        return 0
    for r in shown:
        print(_line(r))
    if total > len(shown):
        print(f"({len(shown)} of {total}; --offset {where.offset + len(shown)} for more)")
    return 0
