"""Entities a failed write left behind are written by the next import, even of a file
that was already imported: nothing the lake holds stays out of the standard API."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from conftest import make_settings
from ingest.sellers import to_csv
from isanhub.insight.commerce import entities
from isanhub.insight.commerce.service import Sellers
from isanhub.store.base import Query, open_store

from .test_api import orders
from .test_import import TEMPLATE


def test_entities_left_unwritten_are_written_by_the_next_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, lake=str(tmp_path / "lake"))
    data = to_csv(TEMPLATE, orders())
    real = entities.load

    async def store_down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the store is down")

    async def run() -> tuple[list[str], list[dict[str, Any]], int]:
        store = open_store(settings.db)
        await store.open()
        try:
            sellers = Sellers.of(settings, store)
            monkeypatch.setattr(entities, "load", store_down)
            with pytest.raises(ConnectionError):
                await sellers.import_files("t1", "s1", [(io.BytesIO(data), "a.csv")])
            log = sellers.lake.imports("t1", "s1")
            monkeypatch.setattr(entities, "load", real)
            again = await sellers.import_files("t1", "s1", [(io.BytesIO(data), "a.csv")])
            found = await store.query("t1", Query(limit=1000))
            return (
                [f["status"] for f in again["files"]],
                log + sellers.lake.imports("t1", "s1"),
                len(found.entities),
            )
        finally:
            await store.close()

    statuses, log, count = asyncio.run(run())
    assert statuses == ["duplicate"]
    assert [r["published"] for r in log] == [False, True]
    assert count == 1 + 2 + 3  # the shop, its products, their sales per channel
