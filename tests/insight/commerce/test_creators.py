"""The creators section: tiers, the score against a plain calculation with the documented
weights, attributes in keyValues and normalised form or missing, and the sandbox's own
Creator and LiveSellingSession entities."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from isanhub.demo import economy
from isanhub.demo.patterns import Clock
from isanhub.demo.places import BY_KEY
from isanhub.demo.sandbox import Context
from isanhub.insight.commerce.creators import creators
from isanhub.insight.commerce.kinds import FIT


def creator(n: int, **given: Any) -> dict[str, Any]:
    """A Creator in keyValues form, as the store renders it (name: a languageMap)."""
    out = {
        "id": f"urn:ngsi-ld:Creator:khon-kaen:4018:{n}",
        "type": "Creator",
        "name": {"languageMap": {"th": f"ครีเอเตอร์ {n}", "en": f"Creator {n}"}},
        "address": {"addressCountry": "TH", "addressRegion": "Khon Kaen",
                    "addressLocality": "Chonnabot", "districtCode": "4018"},
        "alternateName": f"@kk.c{n:02d}", "platform": "tiktok", "followers": 20_000 + n,
        "engagementRate": 0.05, "niche": "silkFashion", "language": "tts",
        "typicalFee": 4000.0, "currency": "THB",
    }  # fmt: skip
    out.update(given)
    return out


def session(who: int, gmv: float | None) -> dict[str, Any]:
    return {"id": f"s{who}-{gmv}", "type": "LiveSellingSession",
            "refCreator": f"urn:ngsi-ld:Creator:khon-kaen:4018:{who}", "gmv": gmv}  # fmt: skip


def score(fit: float, rate: float, top_rate: float, local: bool, gmv: float, top: float) -> float:
    """The documented score, computed here by hand."""
    eng = rate / top_rate if top_rate else 0.0
    past = math.log1p(gmv) / math.log1p(top) if top else 0.0
    return round(0.40 * fit + 0.25 * eng + 0.20 * local + 0.15 * past, 4)


def test_score_against_a_plain_calculation() -> None:
    people = [
        creator(0),  # fits silk, local, past sessions
        creator(1, niche="food", engagementRate=0.10),  # engaged, fits less
        creator(2, address={"addressRegion": "Bangkok", "districtCode": "1001"}),
        creator(3, niche="lifestyle", engagementRate=0.02),
    ]
    sessions = [session(0, 1000.0), session(0, 500.0), session(1, 99.5), session(3, None)]
    got = creators(people, sessions, kind="silk", province_code="40")
    assert got["tiers"] == {"micro": [10_000, 100_000]} and got["kind"] == "silk"
    want = {
        people[0]["id"]: score(1.0, 0.05, 0.10, True, 1500.0, 1500.0),
        people[1]["id"]: score(FIT["silk"].get("food", 0.0), 0.10, 0.10, True, 99.5, 1500.0),
        people[2]["id"]: score(1.0, 0.05, 0.10, False, 0.0, 1500.0),
        people[3]["id"]: score(0.5, 0.02, 0.10, True, 0.0, 1500.0),
    }
    assert {r["id"]: r["score"] for r in got["rows"]} == want
    assert [r["id"] for r in got["rows"]] == sorted(want, key=lambda i: (-want[i], i))
    first = got["rows"][0]
    assert first == {
        "id": people[0]["id"], "handle": "@kk.c00", "name": "ครีเอเตอร์ 0", "platform": "tiktok",
        "followers": 20_000, "tier": "micro", "engagementRate": 0.05, "niche": "silkFashion",
        "province": "40", "fit": 1.0, "pastGmv": 1500.0, "typicalFee": 4000.0,
        "score": want[people[0]["id"]],
    }  # fmt: skip
    by_id = {r["id"]: r for r in got["rows"]}
    assert by_id[people[2]["id"]]["province"] == "10"
    assert by_id[people[3]["id"]]["pastGmv"] is None  # a session without a gmv
    assert all(0 <= r["score"] <= 1 for r in got["rows"])


def test_tiers_bound_the_followers() -> None:
    people = [creator(n, followers=f) for n, f in enumerate([9_999, 10_000, 99_999, 100_000])]
    got = creators(people, [], kind="silk", province_code="40")
    assert sorted(r["followers"] for r in got["rows"]) == [10_000, 99_999]
    tiers = {"nano": (1_000, 10_000), "micro": (10_000, 100_000)}
    got = creators(people, [], kind="silk", province_code="40", tiers=tiers)
    assert {r["followers"]: r["tier"] for r in got["rows"]} == {
        9_999: "nano", 10_000: "micro", 99_999: "micro"
    }  # fmt: skip
    assert got["tiers"] == {"nano": [1_000, 10_000], "micro": [10_000, 100_000]}
    with pytest.raises(ValueError):
        creators(people, [], kind="silk", province_code="40", tiers={"bad": (10, 5)})


def test_top_ten_by_score_then_id() -> None:
    people = [creator(n) for n in range(15)]  # all equal
    rows = creators(people, [], kind="silk", province_code=None)["rows"]
    assert [r["id"] for r in rows] == sorted(p["id"] for p in people)[:10]
    assert all(r["score"] == rows[0]["score"] for r in rows)


def test_missing_and_normalised_attributes() -> None:
    bare = {"id": "urn:ngsi-ld:Creator:x:1", "type": "Creator", "followers": 50_000}
    normalised = {
        "id": "urn:ngsi-ld:Creator:x:2", "type": "Creator",
        "name": {"type": "LanguageProperty", "languageMap": {"th": "ชื่อ", "en": "Name"}},
        "followers": {"type": "Property", "value": 30_000},
        "niche": {"type": "Property", "value": "silkFashion"},
        "address": {"type": "Property", "value": {"addressRegion": "Khon Kaen"}},
    }  # fmt: skip
    strange = {"id": "urn:ngsi-ld:Creator:x:3", "followers": "many", "niche": 7}
    not_creator = {"id": "urn:ngsi-ld:Shop:x:4", "type": "Shop", "followers": 50_000}
    sessions: list[dict[str, Any]] = [
        {"refCreator": {"type": "Relationship", "object": bare["id"]}, "gmv": 10.0},
        {"gmv": 5.0},
        {"refCreator": bare["id"], "gmv": "x"},
    ]
    got = creators([bare, normalised, strange, not_creator], sessions, kind="silk",
                   province_code="40", lang="en")  # fmt: skip
    rows = {r["id"]: r for r in got["rows"]}
    assert set(rows) == {bare["id"], normalised["id"]}
    assert rows[bare["id"]] | {"score": None} == {
        "id": bare["id"], "handle": None, "name": None, "platform": None, "followers": 50_000,
        "tier": "micro", "engagementRate": None, "niche": None, "province": None, "fit": 0.0,
        "pastGmv": 10.0, "typicalFee": None, "score": None,
    }  # fmt: skip
    assert rows[bare["id"]]["score"] == 0.15  # only its past GMV, the best there is
    assert rows[normalised["id"]]["name"] == "Name"
    assert rows[normalised["id"]]["province"] == "40"  # from the region's name
    assert rows[normalised["id"]]["score"] == 0.6  # fit and local
    assert creators([], [], kind="silk", province_code="40")["rows"] == []


def _key_values(entity: dict[str, Any]) -> dict[str, Any]:
    """keyValues as the store renders it: values, relationship objects, languageMaps."""
    out: dict[str, Any] = {}
    for k, v in entity.items():
        if isinstance(v, dict) and v.get("type") == "LanguageProperty":
            out[k] = {"languageMap": v["languageMap"]}
        elif isinstance(v, dict) and "type" in v and k not in ("type",):
            out[k] = v.get("object", v.get("value"))
        else:
            out[k] = v
    return out


def test_the_sandbox_creators() -> None:
    clock = Clock(datetime(2026, 11, 20, 9, tzinfo=UTC), days=90)
    items = list(economy.generate(Context(2026, clock, BY_KEY["khon-kaen"])))
    people = [_key_values(i.entity) for i in items if i.entity["type"] == "Creator"]
    sessions = [_key_values(i.entity) for i in items if i.entity["type"] == "LiveSellingSession"]
    assert people and sessions
    got = creators(people, sessions, kind="silk", province_code="40", lang="en")
    micro = [p for p in people if 10_000 <= p["followers"] < 100_000]
    assert len(got["rows"]) == min(10, len(micro))
    totals: dict[str, float] = {}
    for s in sessions:
        totals[s["refCreator"]] = totals.get(s["refCreator"], 0.0) + s["gmv"]
    for r in got["rows"]:
        assert r["province"] == "40" and "creator" in r["name"]
        assert r["pastGmv"] == (round(totals[r["id"]], 2) if r["id"] in totals else None)
        assert 10_000 <= r["followers"] < 100_000
    scores = [r["score"] for r in got["rows"]]
    assert scores == sorted(scores, reverse=True)
    # the silk ranking starts with the silk & fashion creators
    assert got["rows"][0]["niche"] == "silkFashion"
