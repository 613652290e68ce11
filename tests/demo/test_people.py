"""The sandbox's people data: digital-skills courses."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from isanhub.demo import people
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock
from isanhub.demo.places import BY_KEY, PROVINCES
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.store.base import open_store

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
END = datetime(2026, 11, 20, 9, tzinfo=UTC)


def items(
    province: str = "khon-kaen", end: datetime = END, days: int = 90, seed: int = 7
) -> list[Item]:
    return list(people.generate(Context(seed, Clock(end, days), BY_KEY[province])))


def at(e: dict[str, Any], attr: str) -> float:
    return datetime.fromisoformat(e[attr]["value"]["@value"]).timestamp()


def test_courses_in_a_90_day_window() -> None:
    clock = Clock(END, 90)
    start, after = clock.start, clock.after.timestamp()
    for province in PROVINCES:
        got = [i.entity for i in items(province.key)]
        assert all(i["type"] == "TrainingProgram" for i in got)
        inside = [e for e in got if at(e, "startDate") < after]
        expected = 40 if province.key == "khon-kaen" else 10
        assert 0.8 * expected <= len(inside) <= 1.2 * expected, (province.key, len(inside))
        for e in got:
            begins, ends = at(e, "startDate"), at(e, "endDate")
            assert start <= begins < after + people.AHEAD_DAYS * 86400 and begins < ends
            assert e["courseMode"]["value"] in {"onsite", "online"}
            assert e["topic"]["value"] in people.TOPICS
            assert set(e["organizer"]["languageMap"]) == {"th", "en"}
            enrolled = e["participants"]["value"]
            assert enrolled >= 10
            if ends <= after:
                assert e["courseStatus"]["value"] == "completed"
                assert 0.4 * enrolled <= e["completed"]["value"] <= enrolled
            else:  # nobody has graduated from a course still running or to come
                assert "completed" not in e
                assert e["courseStatus"]["value"] == ("ongoing" if begins <= after else "planned")


def test_topics_follow_the_province() -> None:
    def topics(province: str) -> Counter[str]:
        out: Counter[str] = Counter()
        for n in range(4):  # a year
            out.update(
                i.entity["topic"]["value"] for i in items(province, END - timedelta(days=91 * n))
            )
        return out

    khon_kaen, phuket = topics("khon-kaen"), topics("phuket")
    assert (
        khon_kaen["dronePilot"] > 0
        and khon_kaen["onlineSelling"] > 0
        and khon_kaen["digitalTourism"] == 0
    )
    assert phuket["digitalTourism"] > 0 and phuket["dronePilot"] == 0
    drones = [
        i.entity for i in items("khon-kaen", days=365) if i.entity["topic"]["value"] == "dronePilot"
    ]
    assert drones and all(e["courseMode"]["value"] == "onsite" for e in drones)
    assert all("1 Tambon 1 Digital" in e["organizer"]["languageMap"]["en"] for e in drones)


def test_even_a_short_demo_shows_courses_everywhere() -> None:
    for province in PROVINCES:
        assert items(province.key, days=3), province.key


def test_same_seed_same_courses_whatever_the_window() -> None:
    first = items()
    assert [i.entity for i in first] == [i.entity for i in items()]
    assert [i.entity for i in first] != [i.entity for i in items(seed=8)]
    later = {i.id: i.entity for i in items(end=END + timedelta(days=10, hours=3))}
    after = Clock(END, 90).after.timestamp()
    shared = [i.entity for i in first if i.id in later]
    assert len(shared) > 25
    for e in shared:
        if at(e, "endDate") <= after:  # over in both windows: nothing differs
            assert later[e["id"]] == e
        assert later[e["id"]]["participants"] == e["participants"]


def test_courses_load_into_a_store() -> None:
    got = items("chon-buri")

    async def run() -> tuple[Any, dict[str, Any]]:
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            return await load(store, "", got), await store.get("", got[0].id)
        finally:
            await store.close()

    stats, course = asyncio.run(run())
    assert stats.errors == [] and stats.created == len(got)
    assert course["type"] == [VOCAB + "TrainingProgram"]
    start = course["attrs"][VOCAB + "startDate"][0]["value"]
    assert start == got[0].entity["startDate"]["value"]
    assert (
        course["attrs"][VOCAB + "participants"][0]["value"]
        == got[0].entity["participants"]["value"]
    )
