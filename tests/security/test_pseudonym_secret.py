"""The hub's pseudonym secret is one per hub, whichever process makes it first: every
process of a hub must turn the same person into the same pseudonym."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

from isanhub.security.personal import KEY_SETTING, pseudonym_key
from isanhub.store.base import Store, open_store

#: a process that waits for a common start time, then reads (or makes) the secret
MAKE = """
import asyncio, sys, time
from isanhub.security.personal import pseudonym_key
from isanhub.store.base import open_store

async def main():
    store = open_store(sys.argv[1])
    await store.open()
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
    print((await pseudonym_key(store.security_table())).hex())
    await store.close()

asyncio.run(main())
"""


class SeenBeforeTheOtherWrote:
    """A process's view of the settings when it looked before another process stored
    the secret: its first read finds nothing."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.reads = 0

    async def get_setting(self, name: str) -> str | None:
        self.reads += 1
        return None if self.reads == 1 else await self.table.get_setting(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


async def _opened(url: str) -> Store:
    store = open_store(url)
    await store.open()
    return store


def test_a_late_process_takes_the_secret_already_stored(db_url: str) -> None:
    async def run() -> None:
        first, second = await _opened(db_url), await _opened(db_url)
        try:
            made = await pseudonym_key(first.security_table())
            late = SeenBeforeTheOtherWrote(second.security_table())
            assert await pseudonym_key(late) == made  # type: ignore[arg-type]
            assert late.reads == 1  # it did not just read again: its insert answered
            assert await pseudonym_key(first.security_table()) == made
            stored = await second.security_table().get_setting(KEY_SETTING)
            assert stored == made.hex()
        finally:
            await first.close()
            await second.close()

    asyncio.run(run())


def test_the_first_value_of_a_setting_stays_until_it_is_put(db_url: str) -> None:
    async def run() -> None:
        store = await _opened(db_url)
        try:
            table = store.security_table()
            assert await table.setting_or_put("colour", "blue") == "blue"
            assert await table.setting_or_put("colour", "red") == "blue"
            await table.put_setting("colour", "green")  # an explicit put still replaces
            assert await table.setting_or_put("colour", "red") == "green"
        finally:
            await store.close()

    asyncio.run(run())


def test_processes_starting_together_on_a_new_hub_agree(db_url: str) -> None:
    start = time.time() + 3.0  # every process has opened its store by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MAKE, db_url, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _out, err in outputs]
    secrets = {out.strip() for out, _err in outputs}
    assert len(secrets) == 1 and len(secrets.pop()) == 64
