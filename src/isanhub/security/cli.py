"""``isanhub keys`` (create, list, revoke API keys) and ``isanhub open`` (which entity
types of a tenant anyone may read), working on the database directly."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from isanhub.security import keys
from isanhub.security.guard import open_setting
from isanhub.settings import Settings
from isanhub.store.base import Store, run_on_store

_KEYS_HELP = """\
examples:
  isanhub keys create --tenant '*' --role admin --name "City data team"
  isanhub keys create --tenant khonkaen --role provider --name "Air sensors vendor"
  isanhub keys create --tenant khonkaen --role consumer --personal-data \\
      --purpose "disease surveillance" --name "Provincial health office"
  isanhub keys list
  isanhub keys revoke 3f9a0c51d2e4

Roles: admin (everything in the tenant, keys, audit log, erasure), provider (write and
read), consumer (read, query, history, subscriptions). --tenant '*' acts in every
tenant; --tenant '' is the default tenant (requests without NGSILD-Tenant).
A client sends its key as "Authorization: Bearer <key>" (or "X-API-Key: <key>").
"""


def add_parsers(sub: argparse._SubParsersAction, defaults: Settings) -> None:  # type: ignore[type-arg]
    db_help = f"database URL [env ISANHUB_DB] (default {defaults.db})"
    k = sub.add_parser(
        "keys",
        help="create, list and revoke API keys / จัดการกุญแจ API",
        description="API keys of the platform: each acts in one tenant (or every tenant)"
        " with one role. The key is shown once, when it is created; only its hash is stored.",
        epilog=_KEYS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ks = k.add_subparsers(dest="keys_command", metavar="{create,list,revoke}")
    c = ks.add_parser("create", help="make a key and print it (once)")
    c.add_argument("--tenant", required=True, help="the tenant it acts in; '*' for every tenant")
    c.add_argument("--role", required=True, choices=["admin", "provider", "consumer"])
    c.add_argument("--name", default="", help="who holds it, for people reading the lists")
    c.add_argument("--purpose", default="", help="purpose the audit log records by default")
    c.add_argument(
        "--personal-data",
        action="store_true",
        help="may read personal data in clear (every such read is audited)",
    )
    c.add_argument("--rate", type=float, default=0.0, help="requests/s (default: the hub's)")
    c.add_argument("--db", help=db_help)
    c.add_argument("--json", action="store_true", help="print the key as JSON")
    li = ks.add_parser("list", help="the keys, without their secrets")
    li.add_argument("--tenant", help="only this tenant's keys")
    li.add_argument("--db", help=db_help)
    li.add_argument("--json", action="store_true", help="print JSON")
    r = ks.add_parser("revoke", help="stop a key working (every server within 5 s)")
    r.add_argument("id", help="the key's id (the 12 hex digits after ihk_)")
    r.add_argument("--db", help=db_help)
    o = sub.add_parser(
        "open",
        help="which entity types of a tenant anyone may read / ข้อมูลเปิด",
        description="Show or set a tenant's open data: entities of these types can be read"
        " by anyone without a key (personal data stays masked).",
        epilog="examples:\n  isanhub open --tenant khonkaen --types AirQualityObserved,"
        "WeatherObserved\n  isanhub open --tenant khonkaen --types '*'\n"
        "  isanhub open --tenant khonkaen --none\n  isanhub open --tenant khonkaen",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    o.add_argument("--tenant", default="", help="the tenant (default: the default tenant)")
    o.add_argument("--types", help="comma-separated entity types (short names or IRIs); '*': all")
    o.add_argument("--none", action="store_true", help="close every type")
    o.add_argument("--db", help=db_help)


def _with_store(db: str | None, job: Callable[[Store], Awaitable[Any]]) -> Any:
    return run_on_store(Settings.from_env(db=db).db, job)


def run_keys(args: argparse.Namespace) -> int:
    if args.keys_command == "create":
        try:
            token, record = keys.new_key(
                args.tenant,
                args.role,
                personal=args.personal_data,
                name=args.name,
                purpose=args.purpose,
                rate=args.rate,
            )
        except ValueError as exc:
            print(f"isanhub keys create: {exc}", file=sys.stderr)
            return 2
        _with_store(args.db, lambda s: s.security_table().put_key(record))
        if args.json:
            print(orjson.dumps({**keys.shown(record), "key": token}).decode())
            return 0
        where = "every tenant" if record.tenant == "*" else f"tenant {record.tenant or '(default)'}"
        print(f"created key {record.id}: {record.role} in {where}"
              f"{', personal data in clear' if record.personal else ''}", file=sys.stderr)  # fmt: skip
        print("store it now, it is not shown again / เก็บกุญแจนี้ไว้ จะไม่แสดงอีก:", file=sys.stderr)
        print(token)
        return 0
    if args.keys_command == "list":
        found = _with_store(args.db, lambda s: s.security_table().list_keys())
        shown = [keys.shown(k) for k in found if args.tenant is None or k.tenant == args.tenant]
        if args.json:
            print(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
            return 0
        if not shown:
            print("no keys")
        for k in shown:
            state = f"revoked {k['revoked']}" if "revoked" in k else "valid"
            print(f"{k['id']}  {k['role']:<8}  tenant {k['tenant'] or '(default)':<16}"
                  f"  {'personal  ' if k['personalData'] else ''}{state}  {k['name']}")  # fmt: skip
        return 0
    if args.keys_command == "revoke":
        at = datetime.now(UTC).isoformat(timespec="seconds")

        async def revoke(store: Store) -> int | None:
            if not await store.security_table().revoke_key(args.id, at):
                return None
            return await _pause(store, f"key:{args.id}")

        paused = _with_store(args.db, revoke)
        if paused is None:
            print(f"isanhub keys revoke: no key {args.id}", file=sys.stderr)
            return 1
        print(f"revoked key {args.id}: servers refuse it within 5 s; {paused} of its"
              " subscriptions paused")  # fmt: skip
        return 0
    print("isanhub keys: say create, list or revoke (isanhub keys --help)", file=sys.stderr)
    return 2


async def _pause(store: Store, who: str) -> int:
    """Pause the subscriptions ``who`` made (as api.admin.pause_subscriptions does for a
    running server; servers on PostgreSQL hear of it at once, a SQLite server within
    about a second, when it sees that another program committed)."""
    from isanhub.security.subscriber import subscriber_of

    table = store.subscription_table()
    _, every = await table.load()
    paused = 0
    for tenant, doc in every:
        if subscriber_of(doc).who == who and doc.get("isActive", True):
            await table.put(tenant, {**doc, "isActive": False}, create=False)
            paused += 1
    return paused


def run_open(args: argparse.Namespace) -> int:
    from isanhub.core.termmap import core_term_map

    terms = core_term_map()
    name = open_setting(args.tenant)
    if args.none or args.types is not None:
        wanted = [] if args.none else [t.strip() for t in args.types.split(",") if t.strip()]
        expanded = sorted({t if t == "*" else terms.expand_type(t) for t in wanted})
        text = orjson.dumps(expanded).decode()
        _with_store(args.db, lambda s: s.security_table().put_setting(name, text))
    raw = _with_store(args.db, lambda s: s.security_table().get_setting(name))
    types = orjson.loads(raw) if raw else []
    tenant = args.tenant or "(default)"
    if not types:
        print(f"tenant {tenant}: no open data (every read needs a key)")
    else:
        shown = ", ".join("*" if t == "*" else terms.compact_type(t) for t in types)
        print(f"tenant {tenant}: open to anyone: {shown}")
    return 0
