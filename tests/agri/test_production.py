"""Insight "production" against plain Python over the same known rows: the season's
parcels, tonnes, and income with the exact price used (the crop's latest farm-gate price
in the province, else its family's), per crop, district and area."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from snapdata import snapshot_of
from test_harvest import YIELD, rows
from test_parcels import KINDS, asked, crop_id, crop_rows, family

from isanhub.insight.agri import production
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 11, 24, 18, 30)
KK, NR = "Khon Kaen", "Nakhon Ratchasima"


def price(i: str, prov: str, key: str | None, at: datetime, value: float, **kw: Any) -> dict:  # type: ignore[type-arg]
    return {"id": i, "province": prov, "crop_id": key and crop_id(prov, key),
            "commodity": kw.pop("commodity", key), "price_type": kw.pop("kind", "farmGate"),
            "unit": kw.pop("unit", "THB/kg"), "at": at, "price": value, "name_en": i, **kw}  # fmt: skip


PRICES = [
    price("kk-jasmine", KK, "kdml105", NOW - timedelta(days=2), 15.0),
    price("kk-jasmine", KK, "kdml105", NOW - timedelta(days=1), 15.5),  # the latest before now
    price("kk-jasmine", KK, "kdml105", NOW + timedelta(hours=1), 99.0),  # after now: not yet
    price("talaad-thai", KK, "kdml105", NOW - timedelta(hours=1), 20.0, kind="wholesale"),
    # a rice price by commodity only: the newest rice price, so RD6 falls back to it
    price("kk-paddy", KK, None, NOW - timedelta(hours=12), 14.0, commodity="rice"),
    price("kk-cassava", KK, "cassava", NOW - timedelta(days=3), 3000.0, unit="THB/t"),
    price("nr-cassava", NR, "cassava", NOW - timedelta(days=5), 2.9),
    price("nr-maize", NR, "maize", NOW - timedelta(days=5), 11.0),  # not Khon Kaen's maize
]


def in_season(r: dict[str, Any]) -> bool:
    planted = r["planted_at"]
    recent = planted is not None and NOW - timedelta(days=365) < planted <= NOW
    return r["status"] is not None or recent


def price_of(r: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """(rule, price row) for a parcel, by the documented rule, in plain Python."""
    gate = [p for p in PRICES if p["price_type"] == "farmGate" and p["at"] <= NOW
            and p["province"] == r["province"]]  # fmt: skip

    def latest(found: list[dict[str, Any]]) -> dict[str, Any] | None:
        return min(found, key=lambda p: (-p["at"].timestamp(), p["id"])) if found else None

    own = latest([p for p in gate if p["crop_id"] == r["crop_id"]])
    if own:
        return "crop", own
    fam = family(r)
    kin = latest([p for p in gate if (family(p) if p["crop_id"] else p["commodity"]) == fam])
    return ("family", kin) if kin else (None, None)


def thb_kg(p: dict[str, Any]) -> float:
    return p["price"] / 1000 if p["unit"] == "THB/t" else p["price"]


def figures(mine: list[dict[str, Any]]) -> dict[str, Any]:
    tonnes = income = unpriced = 0.0
    known = priced = False
    for r in mine:
        if family(r) not in YIELD:
            continue
        t = (r["area_rai"] or 0) * YIELD[family(r)] / 1000
        tonnes, known = tonnes + t, True
        _rule, p = price_of(r)
        if p is None:
            unpriced += t
        else:
            income, priced = income + t * 1000 * thb_kg(p), True
    return {
        "farms": len({r["farm"] for r in mine if r["farm"]}), "parcels": len(mine),
        "rai": sum(r["area_rai"] or 0 for r in mine), "tonnes": tonnes if known else None,
        "incomeThb": income if priced else None, "tonnesWithoutPrice": unpriced,
    }  # fmt: skip


def check(block: dict[str, Any], mine: list[dict[str, Any]]) -> None:
    want = figures(mine)
    for key in ("farms", "parcels"):
        assert block[key] == want[key], key
    for key, tol in (("rai", 0.051), ("tonnes", 0.051), ("incomeThb", 0.51),
                     ("tonnesWithoutPrice", 0.051)):  # fmt: skip
        expected = want[key]
        assert block[key] == (None if expected is None else pytest.approx(expected, abs=tol)), key
    if want["incomeThb"] is not None:
        assert block["incomeMillionThb"] == pytest.approx(want["incomeThb"] / 1e6, abs=5e-4)


EDGES = [  # the season's edges, in Khon Kaen district "Edge"
    ("in-364", None, NOW - timedelta(days=364)),
    ("out-366", None, NOW - timedelta(days=366)),
    ("out-never", None, None),
    ("in-standing", "growing", None),
    ("out-future", None, NOW + timedelta(days=1)),
    ("out-365", None, NOW - timedelta(days=365)),  # the season is the 365 days up to now
    ("in-now", None, NOW),
]


def parcel_rows() -> list[dict[str, Any]]:
    edge = [{"id": i, "farm": "edge-farm", "province": KK, "district": "Edge",
             "crop_id": crop_id(KK, "kdml105"), "status": s, "area_rai": 5.0, "planted_at": t}
            for i, s, t in EDGES]  # fmt: skip
    return rows(600, seed=5) + edge


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, Any]]]:
    got = parcel_rows()
    con = snapshot_of(tmp_path_factory.mktemp("pr"), parcels=got, crops=crop_rows(), prices=PRICES)
    return con, got


@pytest.mark.parametrize(
    "ask",
    [Ask(NOW), Ask(NOW, province=KK), Ask(NOW, province=KK, district="Ban Phai"),
     Ask(NOW, crop="rice"), Ask(NOW, province=NR, crop="cassava")],
    ids=lambda a: f"{a.province}-{a.district}-{a.crop}",
)  # fmt: skip
def test_tonnes_and_income_match_plain_python(data: Any, ask: Ask) -> None:
    con, all_rows = data
    season = [r for r in asked(all_rows, ask) if in_season(r)]
    got = production.insight(con, ask)
    check(got["total"], season)
    assert got["season"]["parcelsOutsideSeason"] == len(asked(all_rows, ask)) - len(season)
    by_district, by_province = defaultdict(list), defaultdict(list)
    for r in season:
        by_district[(r["province"], r["district"])].append(r)
        by_province[r["province"]].append(r)
    assert [p["province"] for p in got["provinces"]] == sorted(by_province)
    for block in got["provinces"]:
        check(block, by_province[block["province"]])
    assert {(d["province"], d["district"]) for d in got["districts"]} == set(by_district)
    for block in got["districts"]:
        here = by_district[(block["province"], block["district"])]
        check(block, here)
        assert {c["id"] for c in block["crops"]} == {r["crop_id"] for r in here}
        for crop in block["crops"]:
            check(crop, [r for r in here if r["crop_id"] == crop["id"]])


def test_the_season_edges(data: Any) -> None:
    con, _rows = data
    got = production.insight(con, Ask(NOW, province=KK, district="Edge"))
    assert got["total"]["parcels"] == 3  # planted 364 days ago or now, and standing undated
    assert got["season"]["parcelsOutsideSeason"] == 4
    assert got["season"]["from"] == "2025-11-24T18:30:00"
    assert got["total"]["farms"] == 1
    assert got["total"]["tonnes"] == pytest.approx(3 * 5 * 0.37, abs=0.051)
    assert got["total"]["incomeThb"] == round(3 * 5 * 370 * 15.5)


def test_the_price_used_is_said_with_its_rule_and_date(data: Any) -> None:
    con, _rows = data
    got = production.insight(con, Ask(NOW, province=KK))
    used = {p["cropId"].rsplit(":", 1)[1]: p for p in got["prices"]}
    assert set(used) == set(KINDS)  # every crop of the season, priced or not
    jasmine = used["kdml105"]
    assert (jasmine["rule"], jasmine["priceId"]) == ("crop", "kk-jasmine")
    assert jasmine["thbPerKg"] == 15.5
    assert jasmine["at"] == (NOW - timedelta(days=1)).isoformat()
    glutinous = used["rd6"]  # no RD6 price: the newest farm-gate rice price in the province
    assert (glutinous["rule"], glutinous["priceId"]) == ("family", "kk-paddy")
    assert glutinous["thbPerKg"] == 14.0
    assert glutinous["priceCropId"] is None and glutinous["nameEn"] == "Glutinous rice RD6"
    assert used["cassava"]["thbPerKg"] == 3.0 and used["cassava"]["rule"] == "crop"  # per tonne
    for unpriced in ("maize", "sugarcane", "durian"):  # Nakhon Ratchasima's maize is not ours
        assert used[unpriced]["rule"] is None and used[unpriced]["thbPerKg"] is None
    assert got["total"]["tonnesWithoutPrice"] > 0


def test_province_income_is_the_unrounded_total(data: Any) -> None:
    con, all_rows = data
    want = figures([r for r in all_rows if r["province"] == KK and in_season(r)])["incomeThb"]
    assert production.province_income(con, NOW, KK) == pytest.approx(want, rel=1e-12)
    assert production.province_income(con, NOW, "Phuket") is None


def test_no_price_means_no_income(tmp_path: Path) -> None:
    parcels = [{"id": "a", "farm": "f", "province": KK, "district": "D", "status": "growing",
                "crop_id": crop_id(KK, "sugarcane"), "area_rai": 2.0}]  # fmt: skip
    got = production.insight(snapshot_of(tmp_path, parcels=parcels, crops=crop_rows()), Ask(NOW))
    assert got["total"]["tonnes"] == 22.0 and got["total"]["incomeThb"] is None
    assert got["total"]["tonnesWithoutPrice"] == 22.0
