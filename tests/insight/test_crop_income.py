"""The economy KPI crop-income against the independent calculation of cropincome.py on
the sandbox's Khon Kaen farmland, with one crop's price taken away so that its parcels
are priced by their family's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from isanhub.demo import sandbox
from isanhub.demo.places import BY_KEY
from isanhub.ingest.load import load
from isanhub.insight import scorecard
from isanhub.insight.kpis import BY_KEY as KPIS
from isanhub.store.base import open_store

from .cropincome import crop_income
from .test_scorecard import AT, CLOCK, T


def test_crop_income_matches_an_independent_calculation(tmp_path: Any) -> None:
    place, other = BY_KEY["khon-kaen"], BY_KEY["nakhon-ratchasima"]
    # two provinces in one store: each KPI counts only its own parcels, though the
    # parcels of both are read once and shared by the computation
    items = list(sandbox.generate(2026, CLOCK, [place, other], ["agriculture"]))
    # no RD6 price: RD6 parcels take the latest farm-gate rice price (KDML105's)
    rd6 = [it for it in items if it.entity["type"] == "CropPrice"
           and it.entity["commodity"]["value"] == "rd6"]  # fmt: skip
    assert rd6
    items = [it for it in items if it not in rd6]
    without = [it for it in items if not (it.entity["type"] == "AgriParcel"
               and it.entity["hasAgriCrop"]["object"].endswith(":rd6"))]  # fmt: skip
    want = crop_income(items, T, "Khon Kaen")
    assert want is not None and want > 1  # THB million
    assert crop_income(without, T, "Khon Kaen") != pytest.approx(want)  # RD6 counts
    want_other = crop_income(items, T, "Nakhon Ratchasima")
    assert want_other is not None and want_other != pytest.approx(want)
    areas = {a.key: a for a in scorecard.pilot_provinces()}

    async def run() -> tuple[dict[str, list[float | None]], dict[str, list[float | None]]]:
        store = open_store(f"sqlite:///{tmp_path / 'kpi.db'}")
        await store.open()
        try:
            assert not (await load(store, "", items)).errors
            kk = await scorecard.values(store, "", areas["khon-kaen"], AT, 3)
            return kk, await scorecard.values(store, "", areas["nakhon-ratchasima"], AT, 3)
        finally:
            await store.close()

    values, others = asyncio.run(run())
    assert others["crop-income"][2] == pytest.approx(want_other, rel=1e-9)
    got = values["crop-income"]
    # a current state: the last day only (its history builds as it is recomputed)
    assert got[:2] == [None, None]
    assert got[2] == pytest.approx(want, rel=1e-9)
    kpi = KPIS["crop-income"]
    assert (kpi.dimension, kpi.unit, kpi.window) == ("economy", "THB million", 0)
