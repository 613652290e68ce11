"""The loader's merge rules: loading again changes nothing, older files do not overwrite
newer values, current values carry their system times."""

from __future__ import annotations

import asyncio
from typing import Any

from isanhub.core.temporal import merge_latest
from isanhub.ingest.items import Item, Series
from isanhub.ingest.load import load
from isanhub.store.base import Query, open_store
from isanhub.store.temporal import TemporalQuery

V = "https://uri.etsi.org/ngsi-ld/default-context/"
EID = "urn:ngsi-ld:AirQualityObserved:kk-1"
T0 = 1_736_899_200  # 2025-01-15T00:00:00Z


def _item(hours: range, name: str = "Khon Kaen 1", observed: str | None = None) -> Item:
    label: dict[str, Any] = {"type": "Property", "value": name}
    if observed:
        label["observedAt"] = observed
    entity = {"id": EID, "type": "AirQualityObserved", "stationName": label,
              "dataProvider": {"type": "Property", "value": "PCD"}}  # fmt: skip
    times = [T0 + 3600 * h for h in hours]
    return Item(entity, [Series("pm25", times, [float(h) for h in hours], "GQ")])


def _run(*loads: list[Item]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    async def go() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            for items in loads:
                stats = await load(store, "", items)
                assert not stats.errors
            entity = await store.get("", EID)
            assert entity is not None
            tq = TemporalQuery(entities=Query(ids=[EID], limit=10))
            (te,), _ = await store.temporal("", tq)
            return entity, {str(k): v for k, v in te.attrs.items()}
        finally:
            await store.close()

    return asyncio.run(go())


def test_loading_the_same_file_again_records_nothing_new() -> None:
    _entity, once = _run([_item(range(5))])
    entity, twice = _run([_item(range(5))], [_item(range(5))])
    assert {k: len(v) for k, v in twice.items()} == {k: len(v) for k, v in once.items()}
    assert len(twice[V + "pm25"]) == 5 and len(twice[V + "dataProvider"]) == 1
    # a changed static attribute is recorded once more
    _e, changed = _run([_item(range(5))], [_item(range(5), name="Khon Kaen 1 (moved)")])
    assert len(changed[V + "stationName"]) == 2


def test_an_older_file_does_not_overwrite_newer_values() -> None:
    newer = _item(range(10, 12), name="new name", observed="2025-02-01T00:00:00Z")
    older = _item(range(0, 2), name="old name", observed="2024-12-01T00:00:00Z")
    entity, history = _run([newer], [older])
    assert entity["attrs"][V + "pm25"][0]["value"] == 11.0
    assert entity["attrs"][V + "stationName"][0]["value"] == "new name"
    assert len(history[V + "pm25"]) == 4 and len(history[V + "stationName"]) == 2


def test_current_values_carry_system_times_kept_across_loads() -> None:
    first, _h = _run([_item(range(2))])
    pm = first["attrs"][V + "pm25"][0]
    assert pm["value"] == 1.0 and "createdAt" in pm and "modifiedAt" in pm
    later, _h = _run([_item(range(2))], [_item(range(2, 4))])
    pm2 = later["attrs"][V + "pm25"][0]
    assert pm2["value"] == 3.0 and pm2["createdAt"] < pm2["modifiedAt"]


def test_latest_compares_instants_not_texts() -> None:
    entity: dict[str, Any] = {
        "attrs": {"a": [{"value": 1, "observedAt": "2025-01-15T14:00:00+07:00"}]}
    }
    merge_latest(entity, {"a": [{"value": 2, "observedAt": "2025-01-15T08:00:00Z"}]})
    assert entity["attrs"]["a"][0]["value"] == 2  # 08:00Z is an hour after 07:00Z
