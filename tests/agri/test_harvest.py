"""Insight "harvest" against plain Python over the same known rows: expected dates from
expectedHarvestAt or planting + growing days, windows per district and crop, weekly
buckets at their boundaries, tonnes from the yields per rai."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median_low
from typing import Any

import pytest
from snapdata import snapshot_of
from test_parcels import KINDS, PLACES, asked, crop_id, crop_rows, family

from isanhub.insight.agri import harvest
from isanhub.insight.agri.ask import Ask

NOW = datetime(2026, 11, 24, 18, 30)  # evening: a harvest due this morning is not overdue
TODAY = NOW.date()
#: the documented figures, written out again: kg per rai and growing days
YIELD = {"rice": 370, "cassava": 3400, "sugarcane": 11000, "maize": 680}
GROW = {"rice": 130, "cassava": 300, "sugarcane": 300, "maize": 120}


def rows(n: int = 500, seed: int = 11) -> list[dict[str, Any]]:
    r = random.Random(seed)
    out = []
    for i in range(n):
        prov = r.choice(list(PLACES))
        key = r.choice(list(KINDS))
        planted = NOW - timedelta(days=r.randint(0, 330), hours=r.randint(0, 23))
        given = r.random() < 0.6
        due = NOW + timedelta(days=r.randint(-20, 100), hours=r.randint(-12, 12))
        out.append({
            "id": f"p{i}", "farm": f"f{i % 23}", "province": prov,
            "district": r.choice(PLACES[prov]), "crop_id": crop_id(prov, key),
            "status": r.choice(("growing", "maturing", "readyForHarvesting", None)),
            "area_rai": round(r.uniform(1, 30), 1),
            "planted_at": None if i % 31 == 0 else planted,
            "expected_harvest_at": due if given else None,
        })  # fmt: skip
    return out


def expected_date(row: dict[str, Any]) -> date | None:
    if row["expected_harvest_at"] is not None:
        return row["expected_harvest_at"].date()
    fam = family(row)
    if row["planted_at"] is None or fam not in GROW:
        return None
    return (row["planted_at"] + timedelta(days=GROW[fam])).date()


def tonnes(rows: list[dict[str, Any]]) -> float | None:
    known = [r["area_rai"] * YIELD[family(r)] / 1000 for r in rows if family(r) in YIELD]
    return sum(known) if known else None


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, Any]]]:
    got = rows()
    return snapshot_of(tmp_path_factory.mktemp("h"), parcels=got, crops=crop_rows()), got


def check(block: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    dates = sorted(d for r in rows if (d := expected_date(r)) is not None)
    assert block["parcels"] == len(rows)
    assert block["rai"] == pytest.approx(sum(r["area_rai"] for r in rows), abs=0.051)
    want = tonnes(rows)
    assert block["tonnes"] == (None if want is None else pytest.approx(want, abs=0.051))
    iso = [d.isoformat() for d in (dates[0], median_low(dates), dates[-1])] if dates else [None] * 3
    assert [block["earliest"], block["median"], block["latest"]] == iso
    given = sum(r["expected_harvest_at"] is not None for r in rows)
    assert block["dateSource"] == {"expectedHarvestAt": given,
                                   "plantedPlusGrowingDays": len(dates) - given}  # fmt: skip


@pytest.mark.parametrize(
    "ask",
    [Ask(NOW), Ask(NOW, province="Khon Kaen"), Ask(NOW, province="Khon Kaen", district="Chum Phae"),
     Ask(NOW, crop="cassava"), Ask(NOW, crop=crop_id("Nakhon Ratchasima", "rd6"))],
    ids=lambda a: f"{a.province}-{a.district}-{a.crop}",
)  # fmt: skip
def test_windows_and_yields_match_plain_python(data: Any, ask: Ask) -> None:
    con, all_rows = data
    standing = [r for r in asked(all_rows, ask) if r["status"] is not None]
    assert standing
    got = harvest.insight(con, ask)
    check(got["total"], standing)
    by_family = defaultdict(list)
    by_district = defaultdict(list)
    for r in standing:
        by_family[family(r)].append(r)
        by_district[(r["province"], r["district"])].append(r)
    assert {b["family"] for b in got["crops"]} == set(by_family)
    for block in got["crops"]:
        check(block, by_family[block["family"]])
    assert {(d["province"], d["district"]) for d in got["districts"]} == set(by_district)
    for block in got["districts"]:
        here = by_district[(block["province"], block["district"])]
        check(block, here)
        assert {c["id"] for c in block["crops"]} == {r["crop_id"] for r in here}
        for crop in block["crops"]:
            check(crop, [r for r in here if r["crop_id"] == crop["id"]])


def test_weekly_buckets_match_plain_python(data: Any) -> None:
    con, all_rows = data
    ask = Ask(NOW, province="Khon Kaen", weeks=6)
    standing = [r for r in asked(all_rows, ask) if r["status"] is not None]
    buckets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in standing:
        d = expected_date(r)
        if d is None:
            buckets["undated"].append(r)
        elif d < TODAY:
            buckets["overdue"].append(r)
        elif d >= TODAY + timedelta(days=42):
            buckets["later"].append(r)
        else:
            buckets[f"w{(d - TODAY).days // 7}"].append(r)
    got = harvest.insight(con, ask)
    assert len(got["weeks"]) == 6
    named = {f"w{w['week']}": w for w in got["weeks"]} | {
        k: got[k] for k in ("overdue", "later", "undated")
    }
    assert all(buckets[k] for k in ("overdue", "later", "undated", "w0", "w5"))
    for key, block in named.items():
        mine = buckets[key]
        assert block["parcels"] == len(mine), key
        assert block["rai"] == pytest.approx(sum(r["area_rai"] for r in mine), abs=0.051), key
        assert block["tonnes"] == pytest.approx(tonnes(mine) or 0.0, abs=0.051), key
        fams = defaultdict(list)
        for r in mine:
            fams[family(r)].append(r)
        assert {c["family"]: c["parcels"] for c in block["crops"]} == {
            f: len(v) for f, v in fams.items()
        }, key


def test_bucket_boundaries_and_the_growing_days(tmp_path: Path) -> None:
    kk = "Khon Kaen"

    def row(i: str, key: str, due: datetime | None, planted: datetime | None = None) -> dict:  # type: ignore[type-arg]
        return {"id": i, "province": kk, "district": "D", "crop_id": crop_id(kk, key),
                "status": "growing", "area_rai": 10.0, "planted_at": planted,
                "expected_harvest_at": due}  # fmt: skip

    midnight = datetime(2026, 11, 24)
    parcels = [
        row("today-early", "kdml105", midnight + timedelta(hours=6)),  # week 0 despite 06:00
        row("yesterday-late", "kdml105", midnight - timedelta(minutes=1)),  # overdue
        row("day6-late", "cassava", midnight + timedelta(days=6, hours=23, minutes=59)),  # week 0
        row("day7", "cassava", midnight + timedelta(days=7)),  # week 1
        row("last-week-end", "maize", midnight + timedelta(days=13, hours=20)),  # week 1
        row("later", "maize", midnight + timedelta(days=14)),  # later (weeks=2)
        # no expected date: planted + growing days (rice 130, sugarcane 300)
        row("rice-grown", "rd6", None, datetime(2026, 7, 20, 8)),  # 2026-11-27: week 0
        row("cane-grown", "sugarcane", None, datetime(2026, 2, 1)),  # 2026-11-28: week 0
        row("undated", "sugarcane", None, None),
        row("unknown-crop", "durian", None, datetime(2026, 7, 20)),  # no growing days
        {**row("fallow", "kdml105", midnight + timedelta(days=1)), "status": None},
    ]
    con = snapshot_of(tmp_path, parcels=parcels, crops=crop_rows())
    got = harvest.insight(con, Ask(NOW, province=kk, weeks=2))
    w0, w1 = got["weeks"]
    dates = (w0["from"], w0["to"], w1["from"], w1["to"])
    assert dates == ("2026-11-24", "2026-11-30", "2026-12-01", "2026-12-07")
    assert w0["parcels"] == 4 and w1["parcels"] == 2
    assert got["overdue"]["parcels"] == 1 and got["later"]["parcels"] == 1
    assert got["later"]["from"] == "2026-12-08"
    assert got["undated"]["parcels"] == 2  # no date, and a crop without growing days
    # tonnes: 10 rai × kg per rai / 1000 per parcel; the unknown crop has none
    assert w0["tonnes"] == pytest.approx(3.7 + 34 + 3.7 + 110)
    assert got["undated"]["tonnes"] == pytest.approx(110)
    assert got["total"]["parcels"] == 10  # the fallow parcel is not standing
    assert got["total"]["tonnes"] == pytest.approx(3.7 * 3 + 34 * 2 + 6.8 * 2 + 110 * 2)
    district = got["districts"][0]
    rd6 = next(c for c in district["crops"] if c["id"].endswith(":rd6"))
    assert rd6["earliest"] == rd6["latest"] == "2026-11-27"
    assert rd6["dateSource"] == {"expectedHarvestAt": 0, "plantedPlusGrowingDays": 1}
    cane = next(c for c in district["crops"] if c["id"].endswith(":sugarcane"))
    assert (cane["earliest"], cane["parcels"]) == ("2026-11-28", 2)
    assert cane["nameEn"] == "Sugarcane" and cane["family"] == "sugarcane"


def test_nothing_standing_answers_empty_weeks(tmp_path: Path) -> None:
    got = harvest.insight(snapshot_of(tmp_path), Ask(NOW, weeks=3))
    assert got["total"]["parcels"] == 0 and got["total"]["tonnes"] is None
    assert [w["parcels"] for w in got["weeks"]] == [0, 0, 0]
    assert got["districts"] == [] and got["crops"] == []
