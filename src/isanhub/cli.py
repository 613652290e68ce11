"""The ``isanhub`` command: run the platform, migrate its database, check its version.

แพลตฟอร์มข้อมูลเมืองเปิด Isan Digital Hub — พิมพ์ ``isanhub --help`` เพื่อดูคำสั่งทั้งหมด
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import logging.config
import os
import sys
from typing import Any

from isanhub import __version__
from isanhub.ingest import cli as ingest_cli
from isanhub.settings import Settings

DESCRIPTION = """\
Isan Digital Hub — the open city data platform of the Digital Khon Kaen Sandbox.
แพลตฟอร์มข้อมูลเมืองแบบเปิดของ Digital Khon Kaen Sandbox

It serves the standard NGSI-LD API (ETSI GS CIM 009) at /ngsi-ld/v1 on port 1026.
Every option can also be set by an environment variable ISANHUB_<NAME>, e.g.
ISANHUB_DB=sqlite:///data/city.db; a flag wins over the variable.
"""

EPILOG = """\
examples / ตัวอย่าง:
  isanhub demo                               # the Khon Kaen sandbox city, built and served
  isanhub serve                              # http://127.0.0.1:1026, data in ./var/isanhub.db
  isanhub keys create --tenant '*' --role admin --name "City data team"   # first admin key
  isanhub serve --host 0.0.0.0 --db sqlite:///data/khonkaen.db
  isanhub migrate --db postgresql://hub@db.example:5432/city     # create or upgrade the schema
  isanhub serve --workers 4 --db postgresql://hub@db.example:5432/city
  isanhub import readings.csv --mapping air.toml --dry-run     # check a file, write nothing
  curl -H "Authorization: Bearer $KEY" http://127.0.0.1:1026/ngsi-ld/v1/types
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isanhub",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"isanhub {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="run the NGSI-LD broker / เริ่มให้บริการ NGSI-LD API",
        description="Run the NGSI-LD context broker (one process).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    defaults = Settings()
    serve.add_argument(
        "--host", help=f"address to listen on [env ISANHUB_HOST] (default {defaults.host})"
    )
    serve.add_argument(
        "--port", type=int, help=f"port [env ISANHUB_PORT] (default {defaults.port})"
    )
    _db_option(serve, defaults)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the port (PostgreSQL only: SQLite has one writer)",
    )
    serve.add_argument(
        "--public-url",
        help="URL clients use to reach this broker, for hosted @context links "
        "[env ISANHUB_PUBLIC_URL] (default http://HOST:PORT)",
    )
    serve.add_argument(
        "--allow-private-contexts",
        action="store_true",
        default=None,
        help="allow fetching @contexts from private or loopback addresses "
        "[env ISANHUB_ALLOW_PRIVATE_CONTEXTS]",
    )
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    migrate = sub.add_parser(
        "migrate",
        help="create or upgrade the database schema / สร้างหรือปรับปรุงโครงสร้างฐานข้อมูล",
        description="Create the database schema, or bring it to this version of isanhub. "
        "`serve` does the same at start-up; run this before rolling out a new version to "
        "several API processes. Safe to run again and from several machines at once.",
    )
    _db_option(migrate, defaults)
    keep = sub.add_parser(
        "retention",
        help="remove history older than the retention rules / ลบประวัติข้อมูลที่เก่าเกินกำหนด",
        description="Remove recorded attribute instances older than the retention rules "
        "allow. Rules: TARGET=DURATION separated by commas, TARGET being *, tenant:NAME, "
        "type:NAME or tenant:NAME/type:NAME, DURATION an ISO 8601 duration (P30D, P1Y); the "
        "most specific rule wins; entities no rule names keep their history. Run it daily, "
        "e.g. from cron or a systemd timer.",
        epilog="example: isanhub retention --rules '*=P5Y, type:AirQualityObserved=P2Y' --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _db_option(keep, defaults)
    keep.add_argument("--rules", help="retention rules [env ISANHUB_RETENTION]")
    keep.add_argument(
        "--personal-rules",
        help="rules of the same form for personal data: an entity not modified for that long"
        " loses its personal attributes, now and in history [env ISANHUB_PERSONAL_RETENTION]",
    )
    keep.add_argument("--dry-run", action="store_true", help="count what would be removed")
    from isanhub.demo import run as demo

    demo.add_parsers(sub, defaults)
    ingest_cli.add_parser(sub)
    from isanhub.insight.commerce import cli as seller_cli

    seller_cli.add_parser(sub, defaults)
    from isanhub.insight.agri import cli as agri_cli

    agri_cli.add_parser(sub, defaults)
    from isanhub.security import cli as security_cli

    security_cli.add_parsers(sub, defaults)
    from isanhub.security import erase_cli

    erase_cli.add_parser(sub, defaults)
    from isanhub.security import audit_cli

    audit_cli.add_parser(sub, defaults)
    return parser


def _db_option(parser: argparse.ArgumentParser, defaults: Settings) -> None:
    parser.add_argument(
        "--db",
        help="database URL: sqlite:///relative/path.db, sqlite:////absolute/path.db or "
        "postgresql://user@host:5432/database[?schema=NAME] "
        f"[env ISANHUB_DB] (default {defaults.db})",
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return migrate(Settings.from_env(db=args.db))
    if args.command == "retention":
        return retention(
            Settings.from_env(
                db=args.db, retention=args.rules, personal_retention=args.personal_rules
            ),
            args.dry_run,
        )
    if args.command in ("demo", "kpi"):
        from isanhub.demo import run as demo

        return demo.demo(args) if args.command == "demo" else demo.kpi(args)
    if args.command == "import":
        return ingest_cli.run(args)
    if args.command == "seller":
        from isanhub.insight.commerce import cli as seller_cli

        return seller_cli.run(args)
    if args.command == "agri":
        from isanhub.insight.agri import cli as agri_cli

        return agri_cli.run(args)
    if args.command == "audit":
        from isanhub.security import audit_cli

        return audit_cli.run(args)
    if args.command == "erase":
        from isanhub.security import erase_cli

        return erase_cli.run(args)
    if args.command in ("keys", "open"):
        from isanhub.security import cli as security_cli

        return (
            security_cli.run_keys(args) if args.command == "keys" else security_cli.run_open(args)
        )
    if args.command != "serve":
        parser.print_help()
        return 0
    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        db=args.db,
        public_url=args.public_url,
        allow_private_contexts=args.allow_private_contexts,
        log_level=args.log_level,
    )
    if why_not := open_mode_refused(settings):
        parser.error(why_not)
    if settings.log_format not in ("text", "json"):
        parser.error(f"ISANHUB_LOG_FORMAT is text or json, not {settings.log_format!r}")
    if args.workers > 1 and not settings.db.startswith(("postgresql:", "postgres:")):
        parser.error("--workers needs a PostgreSQL database: SQLite allows one writing process")
    return serve(settings, workers=args.workers)


def open_mode_refused(settings: Settings) -> str:
    """Why the server may not start in open mode (empty: it may): without keys, anyone
    who reaches the server is an admin, so it listens on this machine only."""
    if settings.auth != "open":
        return ""
    try:
        loopback = ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        loopback = settings.host == "localhost"
    if loopback:
        return ""
    return (
        f"open mode (ISANHUB_AUTH=open) serves on a loopback address only, not {settings.host};"
        " use ISANHUB_AUTH=keys with API keys (isanhub keys create --help)"
        " / โหมดเปิดให้บริการได้เฉพาะ localhost"
    )


def migrate(settings: Settings) -> int:
    import asyncio

    from isanhub.store.base import open_store

    store = open_store(settings.db)
    try:
        applied = asyncio.run(store.migrate())
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        print(f"isanhub migrate: {settings.db_display}: {exc}", file=sys.stderr)
        return 1
    for title in applied:
        print(f"applied {title}")
    print(f"{settings.db_display}: schema up to date" + ("" if applied else " (nothing to do)"))
    return 0


def retention(settings: Settings, dry_run: bool) -> int:
    from isanhub import retention as keep
    from isanhub.core.termmap import core_term_map
    from isanhub.store.base import Store, run_on_store

    try:
        rules = keep.parse(settings.retention, core_term_map().expand_type)
    except ValueError as exc:
        print(f"isanhub retention: {exc}", file=sys.stderr)
        return 2
    from isanhub.security import erase_cli  # personal data: --personal-rules

    if not rules:
        if settings.personal_retention.strip():
            return erase_cli.run_retention(settings, dry_run)
        print("isanhub retention: no rules (give --rules or ISANHUB_RETENTION): nothing removed")
        return 0

    async def run(store: Store) -> list[keep.Removed]:
        return await keep.apply(store, rules, dry_run=dry_run)

    try:
        removed = run_on_store(settings.db, run)
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        print(f"isanhub retention: {settings.db_display}: {exc}", file=sys.stderr)
        return 1
    verb = "would remove" if dry_run else "removed"
    for r in removed:
        print(f"tenant {r.tenant or '(default)'}: {r.rule}: {verb} {r.instances:,} instances")
    total = sum(r.instances for r in removed)
    print(f"{verb} {total:,} instances in all")
    return erase_cli.run_retention(settings, dry_run)


def serve(settings: Settings, workers: int = 1) -> int:
    import uvicorn

    from isanhub import logs
    from isanhub.api.app import create_served_app
    from isanhub.api.wire import OneWriteProtocol

    banner = (
        f"Isan Digital Hub {__version__}: NGSI-LD API at {settings.base_url}/ngsi-ld/v1 "
        f"(data: {settings.db_display}{f', {workers} processes' if workers > 1 else ''})"
    )
    log_config = None
    if settings.log_format == "json":  # every line a JSON object, uvicorn's too
        log_config = logs.config("json", settings.log_level, settings.access_log)
        logging.config.dictConfig(log_config)
        logging.getLogger("isanhub").info(banner)
    else:
        logging.basicConfig(level=settings.log_level.upper(), format=logs.TEXT_FORMAT)
        print(banner, flush=True)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,  # the dispatcher's own (isanhub.access) names no paths
        "loop": "auto",
        "http": OneWriteProtocol,  # uvicorn's httptools protocol, one write a response
        "proxy_headers": False,  # the broker reads no client address: skip the rewrite
    }
    if log_config is not None:
        options["log_config"] = log_config  # applied again in each worker process
    if workers > 1:
        # each worker builds its app from the environment: hand the settings down
        os.environ.update(settings.to_env())
        uvicorn.run("isanhub.api.app:create_served_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_served_app(settings), **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
