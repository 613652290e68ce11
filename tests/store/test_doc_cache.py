"""Reads of one entity by id are answered from memory when repeated (store.sqlite.doccache),
and are never older than the file: not after a write of this process, not after a write
of another connection or process, not across event loops."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson

from isanhub.core.model import Entity
from isanhub.store.base import Change
from isanhub.store.sqlite import doccache
from isanhub.store.sqlite.store import SqliteStore
from servers import B, Broker, needs_isanhub

EID = "urn:ngsi-ld:Shop:silk"


def _shop(value: Any, *, extra: str = "") -> Entity:
    attrs = {"https://uri.etsi.org/ngsi-ld/default-context/stock": [
        {"type": "Property", "value": value}
    ]}  # fmt: skip
    if extra:
        attrs["https://uri.etsi.org/ngsi-ld/default-context/note"] = [
            {"type": "Property", "value": extra}
        ]
    return {
        "id": EID,
        "type": ["https://uri.etsi.org/ngsi-ld/default-context/Shop"],
        "attrs": attrs,
        "createdAt": "2026-11-24T00:00:00Z",
        "modifiedAt": "2026-11-24T00:00:00Z",
    }


async def _put(store: SqliteStore, entity: Entity | None) -> None:
    await store.write("", EID, lambda current: Change(entity))


def _stock(doc: str | None) -> Any:
    assert doc is not None
    return orjson.loads(doc)["attrs"]["https://uri.etsi.org/ngsi-ld/default-context/stock"][0][
        "value"
    ]


def test_a_write_of_this_store_is_read_at_once_even_in_the_same_turn(tmp_path: Path) -> None:
    async def run() -> list[Any]:
        store = SqliteStore(str(tmp_path / "h.db"))
        await store.open()
        seen = []
        for value in range(5):
            await _put(store, _shop(value))
            # twice: the second read comes from the cache, and must be the same
            seen.append(
                (_stock(await store.get_doc("", EID)), _stock(await store.get_doc("", EID)))
            )
        await _put(store, None)
        seen.append(await store.get_doc("", EID))
        await store.close()
        return seen

    assert asyncio.run(run()) == [(v, v) for v in range(5)] + [None]


def test_a_commit_in_the_same_turn_of_the_loop_is_read_at_once(tmp_path: Path) -> None:
    """No await between the reads and the commit: only this store's own count of its
    commits can tell the cache is stale (data_version is asked once per turn)."""

    async def run() -> list[Any]:
        store = SqliteStore(str(tmp_path / "h.db"))
        await store.open()
        await _put(store, _shop(1))
        seen = [_stock(await store.get_doc("", EID))]
        store.write_many_sync("", [(EID, lambda current: Change(_shop(2)))])
        seen.append(_stock(await store.get_doc("", EID)))
        await store.close()
        return seen

    assert asyncio.run(run()) == [1, 2]


def test_repeated_reads_come_from_memory(tmp_path: Path) -> None:
    async def run() -> tuple[str | None, str | None, int]:
        store = SqliteStore(str(tmp_path / "h.db"))
        await store.open()
        await _put(store, _shop(1))
        first = await store.get_doc("", EID)
        cached = len(store._local.docs.docs)
        second = await store.get_doc("", EID)
        await store.close()
        return first, second, cached

    first, second, cached = asyncio.run(run())
    assert cached == 1
    assert second is first  # the same object: no read from the file


def test_a_commit_of_another_connection_is_seen_from_the_next_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "h.db")

    async def run() -> list[Any]:
        reader, other = SqliteStore(path), SqliteStore(path)
        await reader.open()
        await other.open()
        await _put(reader, _shop(1))
        seen = [_stock(await reader.get_doc("", EID))]
        await _put(other, _shop(2))  # another connection: the reader's epoch is unchanged
        await asyncio.sleep(0)
        seen.append(_stock(await reader.get_doc("", EID)))
        await _put(other, None)
        await asyncio.sleep(0)
        seen.append(await reader.get_doc("", EID))
        await reader.close()
        await other.close()
        return seen

    assert asyncio.run(run()) == [1, 2, None]


def test_a_new_event_loop_asks_the_file_again(tmp_path: Path) -> None:
    """A loop closed before its turn ended must not leave the next loop's reads
    trusting the cache."""
    path = str(tmp_path / "h.db")
    reader, other = SqliteStore(path), SqliteStore(path)
    reader.open_sync()
    other.open_sync()

    async def read() -> Any:
        return _stock(await reader.get_doc("", EID))

    async def write(value: int) -> None:
        await _put(other, _shop(value))

    asyncio.run(write(1))
    first = asyncio.run(read())
    asyncio.run(write(2))
    second = asyncio.run(read())
    reader.close_sync()
    other.close_sync()
    assert (first, second) == (1, 2)


def test_large_documents_are_not_kept_and_the_budget_holds(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(doccache, "MAX_BYTES", 3000)

    async def run() -> tuple[int, int, list[int]]:
        store = SqliteStore(str(tmp_path / "h.db"))
        await store.open()
        await _put(store, _shop(1, extra="x" * (doccache.MAX_DOC + 1)))
        await store.get_doc("", EID)
        large = len(store._local.docs.docs)
        ids = [f"urn:ngsi-ld:Shop:{n}" for n in range(20)]
        for eid in ids:
            entity = {**_shop(0), "id": eid}
            await store.write("", eid, lambda current, e=entity: Change(e))
        sizes = []
        for eid in ids:  # no write between the reads: each one is kept
            await store.get_doc("", eid)
            sizes.append(store._local.docs._bytes)
        await store.close()
        return large, max(sizes), sizes

    large, most, _sizes = asyncio.run(run())
    assert large == 0
    assert 0 < most <= 3000


@needs_isanhub
def test_a_broker_sees_what_another_process_wrote(tmp_path: Path, brokers: list[Broker]) -> None:
    """The broker answers the same entity many times (from its cache), then a separate
    process changes the file: the broker's next answer has the change."""
    db = tmp_path / "h.db"
    broker = Broker(f"sqlite:///{db}", tmp_path / "broker.log")
    brokers.append(broker)
    url = f"{broker.base}{B}/entities/{EID}"
    entity = {"id": EID, "type": "Shop", "stock": {"type": "Property", "value": 1}}
    assert httpx.post(f"{broker.base}{B}/entities", json=entity).status_code == 201
    for _ in range(20):
        assert httpx.get(url).json()["stock"]["value"] == 1
    script = (
        "import asyncio, sys\n"
        "from isanhub.store.sqlite.store import SqliteStore\n"
        "from isanhub.store.base import Change\n"
        "async def main():\n"
        "    s = SqliteStore(sys.argv[1]); await s.open()\n"
        "    def bump(cur):\n"
        "        cur['attrs']['https://uri.etsi.org/ngsi-ld/default-context/stock'][0]['value'] = 2\n"
        "        return Change(cur)\n"
        "    await s.write('', sys.argv[2], bump); await s.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db), EID], check=True, timeout=60)
    assert httpx.get(url).json()["stock"]["value"] == 2
