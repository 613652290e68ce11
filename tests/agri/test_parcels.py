"""Insight "parcels" against plain-Python counts over the same known rows: stages with
fallow, rai and shares per crop and district, the filters, and the crop calendar."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from snapdata import snapshot_of

from isanhub.insight.agri import parcels
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 11, 24, 12, 0)
PLACES = {"Khon Kaen": ("Mueang Khon Kaen", "Chum Phae", "Ban Phai"),
          "Nakhon Ratchasima": ("Pak Chong", "Sikhio")}  # fmt: skip
#: key -> (family, English name); "durian" is a crop no family knows
KINDS = {"kdml105": ("rice", "Jasmine rice KDML105"), "rd6": ("rice", "Glutinous rice RD6"),
         "cassava": ("cassava", "Cassava"), "sugarcane": ("sugarcane", "Sugarcane"),
         "maize": ("maize", "Feed maize"), "durian": (None, "Durian")}  # fmt: skip
STATUSES = ("seeded", "justBorn", "growing", "maturing", "readyForHarvesting", None, None)


def crop_id(province: str, key: str) -> str:
    return f"urn:ngsi-ld:AgriCrop:{province.lower().replace(' ', '-')}:x:{key}"


def crop_rows() -> list[dict[str, Any]]:
    return [
        {"id": crop_id(p, k), "province": p, "name_th": f"th-{k}", "name_en": en, "family": fam}
        for p in PLACES for k, (fam, en) in KINDS.items()
    ]  # fmt: skip


def parcel_rows(n: int = 400, seed: int = 7) -> list[dict[str, Any]]:
    r = random.Random(seed)
    rows = []
    for i in range(n):
        prov = r.choice(list(PLACES))
        key = r.choice(list(KINDS))
        planted = NOW - timedelta(days=r.randint(10, 300))
        rows.append({
            "id": f"p{i}", "farm": f"f{i % 37}", "province": prov,
            "district": r.choice(PLACES[prov]),
            "crop_id": None if i % 53 == 0 else crop_id(prov, key),
            "status": r.choice(STATUSES),
            "area_rai": None if i % 41 == 0 else round(r.uniform(1, 30), 1),
            "planted_at": planted, "expected_harvest_at": planted + timedelta(days=120),
        })  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, Any]]]:
    rows = parcel_rows()
    return snapshot_of(tmp_path_factory.mktemp("p"), parcels=rows, crops=crop_rows()), rows


def family(row: dict[str, Any]) -> str:
    key = (row["crop_id"] or ":none").rsplit(":", 1)[1]
    return (KINDS.get(key, (None, ""))[0]) or "other"


def expected(rows: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    """stage -> (parcels, rai), fallow for no status, every stage present."""
    out: dict[str, list[float]] = {s: [0, 0.0] for s in parcels.ORDER}
    for row in rows:
        got = out[row["status"] or "fallow"]
        got[0] += 1
        got[1] += row["area_rai"] or 0.0
    return {s: (int(n), rai) for s, (n, rai) in out.items()}


def check(block: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    want = expected(rows)
    total_rai = sum(rai for _n, rai in want.values())
    assert block["parcels"] == len(rows)
    assert block["rai"] == pytest.approx(total_rai, abs=0.051)
    for stage, (n, rai) in want.items():
        got = block["stages"][stage]
        assert got["parcels"] == n, stage
        assert got["rai"] == pytest.approx(rai, abs=0.051), stage
        assert got["raiSharePct"] == pytest.approx(100 * rai / total_rai, abs=0.051), stage


def asked(rows: list[dict[str, Any]], ask: Ask) -> list[dict[str, Any]]:
    """The rows an ask selects, written out without SQL."""
    out = []
    for row in rows:
        if ask.province and row["province"] != ask.province:
            continue
        if ask.district and row["district"] != ask.district:
            continue
        if ask.crop:
            cid = row["crop_id"] or ""
            fam = family(row) if row["crop_id"] else None
            if ask.crop not in (fam, cid) and not cid.endswith(":" + ask.crop):
                continue
        out.append(row)
    return out


ASKS = [
    Ask(NOW),
    Ask(NOW, province="Khon Kaen"),
    Ask(NOW, province="Khon Kaen", district="Chum Phae"),
    Ask(NOW, crop="rice"),
    Ask(NOW, province="Nakhon Ratchasima", crop="cassava"),
    Ask(NOW, crop="kdml105"),  # a commodity key: kdml105 of both provinces
    Ask(NOW, crop=crop_id("Khon Kaen", "rd6")),  # a crop id: Khon Kaen's only
]


@pytest.mark.parametrize("ask", ASKS, ids=lambda a: f"{a.province}-{a.district}-{a.crop}")
def test_stages_per_area_crop_and_district_match_plain_counts(data: Any, ask: Ask) -> None:
    con, rows = data
    got = parcels.insight(con, ask)
    mine = asked(rows, ask)
    assert mine, "the ask must select some rows for the test to mean anything"
    check(got["total"], mine)
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_crop: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    by_district: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in mine:
        by_family[family(row)].append(row)
        by_crop[row["crop_id"]].append(row)
        by_district[(row["province"], row["district"])].append(row)
    assert {b["family"] for b in got["crops"]} == set(by_family)
    for block in got["crops"]:
        check(block, by_family[block["family"]])
        for sub in block["crops"]:
            check(sub, by_crop[sub["id"]])
    assert {(b["province"], b["district"]) for b in got["districts"]} == set(by_district)
    for block in got["districts"]:
        here = by_district[(block["province"], block["district"])]
        check(block, here)
        for fam_block in block["crops"]:
            check(fam_block, [r for r in here if family(r) == fam_block["family"]])
            for sub in fam_block["crops"]:
                check(sub, [r for r in here if r["crop_id"] == sub["id"]])


def test_names_and_unknown_crops(data: Any) -> None:
    con, rows = data
    got = parcels.insight(con, Ask(NOW, province="Khon Kaen"))
    rice = next(b for b in got["crops"] if b["family"] == "rice")
    assert (rice["nameTh"], rice["nameEn"]) == ("ข้าว", "Rice")
    jasmine = next(c for c in rice["crops"] if c["id"].endswith("kdml105"))
    assert (jasmine["nameTh"], jasmine["nameEn"]) == ("th-kdml105", "Jasmine rice KDML105")
    other = next(b for b in got["crops"] if b["family"] == "other")  # durian and no crop
    assert {c["id"] for c in other["crops"]} == {None, crop_id("Khon Kaen", "durian")}
    assert other["nameEn"] == "Other"


def test_fallow_is_counted_and_an_empty_area_answers_zero(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "province": "Khon Kaen", "district": "D", "crop_id": crop_id("Khon Kaen",
         "cassava"), "status": None, "area_rai": 10.0},
        {"id": "b", "province": "Khon Kaen", "district": "D", "crop_id": crop_id("Khon Kaen",
         "cassava"), "status": "growing", "area_rai": 30.0},
    ]  # fmt: skip
    con = snapshot_of(tmp_path, parcels=rows, crops=crop_rows())
    got = parcels.insight(con, Ask(NOW, province="Khon Kaen"))["total"]
    assert got["parcels"] == 2 and got["rai"] == 40.0
    assert got["stages"]["fallow"] == {"parcels": 1, "rai": 10.0, "raiSharePct": 25.0}
    assert got["stages"]["growing"]["raiSharePct"] == 75.0
    none = parcels.insight(con, Ask(NOW, province="Phuket"))
    assert none["total"]["parcels"] == 0 and none["crops"] == none["districts"] == []
    assert none["total"]["stages"]["fallow"]["raiSharePct"] is None


@pytest.mark.parametrize(
    "day, phases",
    [
        ("2026-11-24", {"rice": ["harvest"], "cassava": ["harvest"], "maize": ["offSeason"],
                        "sugarcane": ["growing"]}),
        ("2026-09-10", {"rice": ["growing"], "cassava": ["growing"], "maize": ["harvest"],
                        "sugarcane": ["growing"]}),
        ("2027-04-02", {"rice": ["offSeason"], "cassava": ["planting", "harvest"],
                        "maize": ["planting"], "sugarcane": ["planting", "harvest"]}),
        ("2027-07-01", {"rice": ["planting"], "cassava": ["growing"], "maize": ["growing"],
                        "sugarcane": ["growing"]}),
    ],
)  # fmt: skip
def test_where_now_falls_on_the_calendar(
    tmp_path: Path, day: str, phases: dict[str, list[str]]
) -> None:
    con = snapshot_of(tmp_path)
    got = parcels.insight(con, Ask(datetime.fromisoformat(day) + timedelta(hours=9)))
    assert {c["family"]: c["now"]["phases"] for c in got["calendar"]} == phases


def test_calendar_windows_and_days_to_start(tmp_path: Path) -> None:
    con = snapshot_of(tmp_path)
    cal = {c["family"]: c for c in parcels.insight(con, Ask(NOW))["calendar"]}
    assert cal["rice"]["planting"] == {"months": [6, 7, 8], "starts": "2027-06-01",
                                       "daysToStart": 189}  # fmt: skip
    assert cal["rice"]["harvest"] == {"months": [10, 11, 12], "starts": "2026-10-01",
                                      "daysToStart": 0}  # fmt: skip
    assert cal["sugarcane"]["harvest"]["starts"] == "2026-12-01"
    assert cal["sugarcane"]["harvest"]["daysToStart"] == 7
    assert cal["maize"]["planting"]["starts"] == "2027-04-01"
    # a window running over New Year started in the year before
    april = {c["family"]: c for c in parcels.insight(con, Ask(datetime(2027, 4, 2)))["calendar"]}
    assert april["cassava"]["harvest"]["starts"] == "2026-11-01"
    assert april["cassava"]["planting"]["starts"] == "2027-03-01"
    # asked for a crop: its family's calendar only
    rice = parcels.insight(con, Ask(NOW, crop="rice"))["calendar"]
    assert [c["family"] for c in rice] == ["rice"]
