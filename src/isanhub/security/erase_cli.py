"""``isanhub erase``: erase a data subject (security.erasure) on the database directly,
and the personal-data part of ``isanhub retention`` (security.personal_retention).

Values given with ``--value`` are visible in the shell's history and to other users of
the machine (the process list) while the command runs; ``--values-from`` reads them
from a file or standard input instead.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

import orjson

from isanhub.core.model import is_uri
from isanhub.core.termmap import core_term_map
from isanhub.security import personal_retention
from isanhub.security.erasure import Report, Subject, erase
from isanhub.security.personal import load_classification
from isanhub.settings import Settings
from isanhub.store.base import Store, run_on_store

_EPILOG = """\
examples / ตัวอย่าง:
  isanhub erase --tenant khonkaen --entity urn:ngsi-ld:Person:123 --dry-run
  isanhub erase --tenant khonkaen --entity urn:ngsi-ld:Person:123
  isanhub erase --tenant khonkaen --values-from request-42.txt --json
  echo 0812345678 | isanhub erase --tenant khonkaen --values-from -

The entity goes with its history, and every relationship pointing at it. Entities whose
personal attributes (ISANHUB_PERSONAL_DATA, docs/security.md) hold one of the values
lose all their personal attributes, now and in history. The erasure is recorded in the
audit log without the values.
"""


def add_parser(sub: argparse._SubParsersAction, defaults: Settings) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "erase",
        help="erase a data subject's personal data / ลบข้อมูลส่วนบุคคลของเจ้าของข้อมูล",
        description="Erase a data subject (PDPA section 33) from one tenant: current state,"
        " history and pending notifications, and report what was removed.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--tenant", default="", help="the tenant (default: the default tenant)")
    p.add_argument("--entity", help="the data subject's entity id")
    p.add_argument(
        "--value",
        action="append",
        default=[],
        help="a value that identifies the person (telephone, email, ...); repeatable",
    )
    p.add_argument(
        "--values-from",
        metavar="FILE",
        help="read values from FILE, one per line ('-': standard input): they stay out of"
        " the shell's history and the process list",
    )
    p.add_argument("--dry-run", action="store_true", help="report only, remove nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--db", help=f"database URL [env ISANHUB_DB] (default {defaults.db})")
    p.add_argument(
        "--personal-data",
        metavar="FILE",
        help="personal-data classification [env ISANHUB_PERSONAL_DATA] (default: built in)",
    )


def _fail(message: str, thai: str, code: int = 2) -> int:
    print(f"isanhub erase: {message} / {thai}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    values = list(args.value)
    if args.values_from:
        try:
            if args.values_from == "-":
                text = sys.stdin.read()
            else:
                with open(args.values_from, encoding="utf-8") as f:
                    text = f.read()
        except OSError as exc:
            return _fail(f"{args.values_from}: {exc.strerror}", "อ่านไฟล์ค่าไม่ได้")
        values += [line.strip() for line in text.splitlines() if line.strip()]
    if not args.entity and not values:
        return _fail("give --entity and/or --value (or --values-from)", "ระบุเจ้าของข้อมูล")
    if args.entity and not is_uri(args.entity):
        return _fail("--entity must be an entity id (a URI)", "รหัสเอนทิตีไม่ถูกต้อง")
    settings = Settings.from_env(db=args.db, personal_data=args.personal_data)
    try:
        classification = load_classification(settings.personal_data)
    except ValueError as exc:
        return _fail(str(exc), "การจำแนกข้อมูลส่วนบุคคลไม่ถูกต้อง")
    subject = Subject(args.entity or None, tuple(dict.fromkeys(values)))

    async def job(store: Store) -> Report | None:
        if not await store.tenant_exists(args.tenant):
            return None
        return await erase(
            store,
            args.tenant,
            subject,
            classification,
            dry_run=args.dry_run,
            who=f"cli:{_user()}",
            purpose="isanhub erase",
        )

    try:
        report = run_on_store(settings.db, job)
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        return _fail(f"{settings.db_display}: {exc}", "ลบข้อมูลไม่สำเร็จ", 1)
    if report is None:
        return _fail(f"tenant {args.tenant!r} does not exist", "ไม่พบ tenant นี้", 1)
    compact = core_term_map().compact_attr
    if args.json:
        print(orjson.dumps(report.as_json(compact), option=orjson.OPT_INDENT_2).decode())
    else:
        _print(report, args.tenant, compact)
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (containers)
        return "unknown"


def _print(report: Report, tenant: str, compact: Any) -> None:
    doc = report.as_json(compact)
    if report.dry_run:
        print("dry run: nothing was removed / ทดลองเท่านั้น ยังไม่ได้ลบข้อมูลใด")
    print(f"tenant {tenant or '(default)'}: {report.subject} ({report.at})")
    print(f"entities deleted / เอนทิตีที่ลบ: {len(doc['entitiesDeleted'])}")
    for eid in doc["entitiesDeleted"]:
        print(f"  {eid}")
    for title, key in (
        ("personal attributes removed / แอตทริบิวต์ส่วนบุคคลที่ลบ", "attributesRemoved"),
        ("relationships removed / ความสัมพันธ์ที่ลบ", "relationshipsRemoved"),
    ):
        print(f"{title}: {len(doc[key])} entities")
        for eid, names in doc[key].items():
            print(f"  {eid}: {', '.join(names)}")
    print(f"recorded instances removed / รายการในประวัติที่ลบ: {report.history_instances_removed:,}")
    if not report.complete:
        print(
            "not complete: the subject's data was still being written; erase again once"
            " those writes stop / ยังลบไม่ครบ: ยังมีการเขียนข้อมูลของบุคคลนี้อยู่"
            " ให้สั่งลบอีกครั้งเมื่อหยุดเขียนแล้ว"
        )


def run_retention(settings: Settings, dry_run: bool) -> int:
    """The personal-data part of ``isanhub retention`` (its rules: --personal-rules,
    ISANHUB_PERSONAL_RETENTION); 0 when there are no rules."""
    if not settings.personal_retention.strip():
        return 0
    try:
        rules = personal_retention.parse(settings.personal_retention)
        classification = load_classification(settings.personal_data)
    except ValueError as exc:
        print(f"isanhub retention: {exc}", file=sys.stderr)
        return 2

    async def job(store: Store) -> list[personal_retention.Erased]:
        return await personal_retention.apply(store, rules, classification, dry_run=dry_run)

    try:
        erased = run_on_store(settings.db, job)
    except Exception as exc:  # noqa: BLE001 - a clear message, not a traceback
        print(f"isanhub retention: {settings.db_display}: {exc}", file=sys.stderr)
        return 1
    verb = "would erase" if dry_run else "erased"
    for e in erased:
        print(f"tenant {e.tenant or '(default)'}: personal {e.rule}: {verb} {e.attributes:,}"
              f" attributes of {e.entities:,} entities, {e.instances:,} recorded instances")  # fmt: skip
    entities = sum(e.entities for e in erased)
    instances = sum(e.instances for e in erased)
    print(f"{verb} the personal data of {entities:,} entities ({instances:,} recorded instances)"
          f" / ลบข้อมูลส่วนบุคคลของ {entities:,} เอนทิตี")  # fmt: skip
    return 0
