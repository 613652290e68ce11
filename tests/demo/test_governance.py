"""The sandbox's governance data: citizens' issue reports and how fast they are fixed."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from statistics import median, quantiles
from typing import Any

from isanhub.demo import governance
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock
from isanhub.demo.places import BY_KEY, PROVINCES
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import open_store

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
END = datetime(2026, 11, 20, 9, tzinfo=UTC)
DAY = 86400


def items(
    province: str = "khon-kaen", end: datetime = END, days: int = 90, seed: int = 7
) -> list[Item]:
    return list(governance.generate(Context(seed, Clock(end, days), BY_KEY[province])))


def at(e: dict[str, Any], attr: str) -> float:
    return datetime.fromisoformat(e[attr]["value"]["@value"]).timestamp()


def test_reports_per_province_with_their_sdm_attributes() -> None:
    clock = Clock(END, 90)
    counts = {}
    for province in PROVINCES:
        got = [i.entity for i in items(province.key)]
        counts[province.key] = len(got)
        for e in got:
            assert e["type"] == "IssueReporting" and e["category"]["value"] in governance.CATEGORIES
            created = at(e, "dateCreated")
            assert clock.start <= created < clock.after.timestamp()
            status = e["resolutionStatus"]["value"]
            assert status in {"Open", "InProgress", "Closed"}
            # a resolution time exists exactly when the report is closed, and after it was made
            assert ("dateResolved" in e) == (status == "Closed")
            if status == "Closed":
                assert created < at(e, "dateResolved") <= clock.after.timestamp()
        assert len({e["reportId"]["value"] for e in got}) == len(got)
    assert 500 <= counts.pop("khon-kaen") <= 750
    assert all(120 <= n <= 330 for n in counts.values()), counts
    assert max(counts, key=lambda k: counts[k]) == "bangkok"


def test_resolution_takes_days_with_a_long_tail() -> None:
    got = [i.entity for i in items()]
    # reports old enough that (almost) all were closed: the spans are not cut short
    old = [e for e in got if at(e, "dateCreated") < END.timestamp() - 45 * DAY]
    spans = [
        (at(e, "dateResolved") - at(e, "dateCreated")) / DAY for e in old if "dateResolved" in e
    ]
    assert 3 <= median(spans) <= 7, median(spans)
    assert quantiles(spans, n=10)[-1] > 2.5 * median(spans)  # the long tail
    stuck = sum("dateResolved" not in e for e in old) / len(old)
    assert 0.01 < stuck < 0.1
    recent = [e for e in got if at(e, "dateCreated") > END.timestamp() - DAY]
    assert any(e["resolutionStatus"]["value"] != "Closed" for e in recent)


def test_rainy_season_brings_flood_and_waste_reports() -> None:
    def counts(end: datetime) -> Counter[str]:
        return Counter(i.entity["category"]["value"] for i in items(end=end))

    # mid-January to mid-April is dry; mid-July to mid-October the wettest
    dry, wet = counts(datetime(2026, 4, 15, tzinfo=UTC)), counts(datetime(2026, 10, 15, tzinfo=UTC))
    assert wet["flooding"] > 2.5 * dry["flooding"]
    assert wet["drainage"] > 1.4 * dry["drainage"] and wet["waste"] > dry["waste"]
    assert wet.total() > dry.total()


def test_same_seed_same_reports_whatever_the_window() -> None:
    first = items("phuket")
    assert [i.entity for i in first] == [i.entity for i in items("phuket")]
    assert [i.entity for i in first] != [i.entity for i in items("phuket", seed=8)]
    later = {i.id: i.entity for i in items("phuket", end=END + timedelta(days=4, hours=9))}
    shared = [i.entity for i in first if i.id in later]
    assert len(shared) > 0.85 * len(first)
    for e in shared:
        other = later[e["id"]]
        assert other["dateCreated"] == e["dateCreated"] and other["category"] == e["category"]
        if "dateResolved" in e:  # closed stays closed, at the same time
            assert other["dateResolved"] == e["dateResolved"]


def test_reports_load_into_a_store() -> None:
    got = items("phuket", days=10)
    closed = next(i for i in got if "dateResolved" in i.entity)

    async def run() -> tuple[Any, dict[str, Any]]:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            return await load(store, "", got), await store.get("", closed.id)
        finally:
            await store.close()

    stats, report = asyncio.run(run())
    assert stats.errors == [] and stats.created == len(got)
    assert report["type"] == [VOCAB + "IssueReporting"]
    assert report["attrs"][VOCAB + "resolutionStatus"][0]["value"] == "Closed"
    assert (
        report["attrs"][VOCAB + "dateResolved"][0]["value"]
        == closed.entity["dateResolved"]["value"]
    )
