"""The sandbox's local sellers: shops, products, daily sales per channel, creators and
live selling, with the sales calendar a seller would recognise."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import median

from isanhub.demo import economy
from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, local_date, local_hour
from isanhub.demo.places import BY_KEY
from isanhub.demo.sandbox import Context
from isanhub.ingest.load import load
from isanhub.insight.citydata import ProvinceData
from isanhub.insight.kpis import BY_KEY as KPI
from isanhub.store.base import open_store

END = datetime(2026, 12, 20, 12, tzinfo=UTC)
CLOCK = Clock.ending(END)
VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


def city(province: str = "khon-kaen", clock: Clock = CLOCK, seed: int = 2026) -> list[Item]:
    return list(economy.generate(Context(seed, clock, BY_KEY[province])))


def of(items: list[Item], kind: str) -> list[Item]:
    return [i for i in items if i.entity["type"] == kind]


def value(item: Item, attr: str) -> object:
    a = item.entity[attr]
    return a.get("object", a.get("value"))


def daily_gmv(items: list[Item]) -> dict[date, float]:
    out: dict[date, float] = defaultdict(float)
    for rec in of(items, "SalesRecord"):
        (gmv,) = (s for s in rec.series if s.attr == "gmv")
        for t, v in zip(gmv.times, gmv.values, strict=True):
            out[local_date(t)] += v
    return out


def test_khon_kaen_has_its_sellers_with_products_and_a_record_per_channel() -> None:
    items = city()
    shops = {s.id: s for s in of(items, "Shop")}
    assert len(shops) == 120
    assert len(of(items, "Creator")) == 40
    for s in shops.values():
        names = s.entity["name"]["languageMap"]
        assert names["th"] and names["en"] and names["th"] != names["en"]
        assert 2 <= len(value(s, "channels")) <= 4  # type: ignore[arg-type]
        assert set(value(s, "channels")) <= set(economy.CHANNELS)  # type: ignore[arg-type]
        assert s.entity["address"]["value"]["addressRegion"] == "Khon Kaen"
    products = Counter(value(p, "refShop") for p in of(items, "Product"))
    assert set(products) == set(shops) and set(products.values()) <= {3, 4, 5}
    for p in of(items, "Product"):
        assert value(p, "price") > 0 and value(p, "currency") == "THB"  # type: ignore[operator]
    records = of(items, "SalesRecord")
    by_shop = defaultdict(set)
    for r in records:
        by_shop[value(r, "refShop")].add(value(r, "channel"))
        assert value(r, "currency") == "THB"
        assert [s.attr for s in r.series] == ["orders", "gmv"]
        assert all(s.times == CLOCK.days_list and s.unit is None for s in r.series)
        assert "unitCode" not in r.entity["gmv"]
    assert {k: sorted(v) for k, v in by_shop.items()} == {
        k: sorted(value(s, "channels"))
        for k, s in shops.items()  # type: ignore[arg-type]
    }
    silk = Counter(s.entity["address"]["value"]["addressLocality"] for s in shops.values()
                   if value(s, "category") == "silk")  # fmt: skip
    assert silk.most_common(1)[0][0] == "Chonnabot"


def test_light_provinces_sell_what_they_are_known_for() -> None:
    phuket = Counter(value(s, "category") for s in of(city("phuket"), "Shop"))
    chiang_mai = Counter(value(s, "category") for s in of(city("chiang-mai"), "Shop"))
    assert sum(phuket.values()) == sum(chiang_mai.values()) == 15
    assert phuket["souvenir"] >= 3 and "silk" not in phuket
    assert chiang_mai["coffee"] + chiang_mai["crafts"] >= 6


def test_double_days_weekends_and_paydays_sell_more() -> None:
    gmv = daily_gmv(city())
    ordinary = {d: v for d, v in gmv.items() if d.day < 24 and d.day not in (8, 9, 10, 11, 12, 13)}
    weekdays = [v for d, v in ordinary.items() if d.weekday() < 4]
    weekends = [v for d, v in ordinary.items() if d.weekday() >= 5]
    assert gmv[date(2026, 11, 11)] > 2 * median(weekdays)
    assert gmv[date(2026, 11, 11)] > gmv[date(2026, 11, 4)] * 2  # the Wednesday before
    assert median(weekends) > 1.15 * median(weekdays)
    payday = [v for d, v in gmv.items() if d.day >= 25 and d.weekday() < 4]
    assert median(payday) > median(weekdays)


def test_tiktok_grows_faster_than_the_other_channels() -> None:
    def orders(year: int) -> Counter[str]:
        out: Counter[str] = Counter()
        clock = Clock.ending(datetime(year, 3, 31, 12, tzinfo=UTC), days=30)
        for r in of(city(clock=clock), "SalesRecord"):
            out[str(value(r, "channel"))] += sum(r.series[0].values)
        return out

    before, after = orders(2025), orders(2026)
    tiktok = after["tiktok"] / before["tiktok"]
    assert tiktok > 1.25
    assert tiktok > after["shopee"] / before["shopee"] + 0.1
    assert tiktok > after["facebook"] / before["facebook"] + 0.1


def test_small_shops_have_days_without_orders_and_no_sales_then() -> None:
    records = of(city(), "SalesRecord")
    quiet = 0
    for r in records:
        orders, gmv = r.series
        assert all(isinstance(n, int) and n >= 0 for n in orders.values)
        assert all((n == 0) == (g == 0) for n, g in zip(orders.values, gmv.values, strict=True))
        quiet += orders.values.count(0) >= 20
    assert 0 < quiet < len(records)


def test_creators_are_local_micro_influencers() -> None:
    creators = of(city(), "Creator")
    for c in creators:
        assert 1000 <= value(c, "followers") <= 100_000  # type: ignore[operator]
        assert 0 < value(c, "engagementRate") < 1  # type: ignore[operator]
        assert value(c, "platform") in {"tiktok", "facebook", "instagram", "youtube"}
        assert value(c, "niche") in economy.NICHES
        assert 500 * 0.8 <= value(c, "typicalFee") <= 15_000 * 1.2  # type: ignore[operator]
        assert str(value(c, "alternateName")).startswith("@kk.")
    languages = Counter(value(c, "language") for c in creators)
    assert languages["tts"] > languages["th"] > 0  # Isan first in Khon Kaen
    assert {value(c, "language") for c in of(city("chiang-mai"), "Creator")} <= {"nod", "th", "en"}


def test_live_selling_sessions_happen_in_the_window_in_the_evening() -> None:
    items = city()
    ids = {i.id for i in items}
    sessions = of(items, "LiveSellingSession")
    assert 100 <= len(sessions) <= 260
    assert 8 <= len(of(city("phuket"), "LiveSellingSession")) <= 45
    start, after = CLOCK.start, int(CLOCK.after.timestamp())
    evening = 0
    for s in sessions:
        t = int(datetime.fromisoformat(s.entity["startedAt"]["value"]["@value"]).timestamp())
        assert start <= t < after
        evening += local_hour(t) >= 19
        assert value(s, "refShop") in ids and value(s, "refCreator") in ids
        assert s.entity["durationMinutes"]["unitCode"] == "MIN"
        assert 0 <= value(s, "orders") <= value(s, "viewers")  # type: ignore[operator]
    assert evening > 0.7 * len(sessions)


def test_same_seed_same_sales_and_overlapping_windows_agree() -> None:
    first = city()
    assert [(i.entity, i.series) for i in first] == [(i.entity, i.series) for i in city()]
    other = city(seed=7)
    assert daily_gmv(other) != daily_gmv(first)
    earlier = Clock.ending(END - timedelta(days=20))
    shifted = city(clock=earlier)
    a, b = daily_gmv(first), daily_gmv(shifted)
    shared = set(a) & set(b)
    assert len(shared) == 70 and all(a[d] == b[d] for d in shared)
    cut = earlier.after.isoformat().replace("+00:00", "Z")

    def sessions(items: list[Item]) -> dict[str, object]:
        return {i.id: i.entity for i in of(items, "LiveSellingSession")
                if CLOCK.start <= int(datetime.fromisoformat(
                    i.entity["startedAt"]["value"]["@value"]).timestamp())
                and i.entity["startedAt"]["value"]["@value"] < cut}  # fmt: skip

    assert sessions(first) == sessions(shifted) and sessions(first)


def test_sales_load_and_feed_the_economy_kpis() -> None:
    items = city()

    async def run() -> tuple[dict | None, float | None, float | None]:  # type: ignore[type-arg]
        store = open_store("sqlite:///:memory:")
        await store.open()
        try:
            stats = await load(store, "", items)
            assert stats.errors == [] and stats.created == len(items)
            shop = await store.get("", of(items, "Shop")[0].id)
            data = ProvinceData(store, "", "Khon Kaen", 1_802_000, CLOCK.after, 90)
            gmv = await KPI["ecommerce-gmv"].compute(data, 89)
            active = await KPI["active-shops"].compute(data, 89)
            return shop, gmv, active
        finally:
            await store.close()

    shop, gmv, active = asyncio.run(run())
    assert shop is not None and VOCAB + "channels" in shop["attrs"]
    after = int(CLOCK.after.timestamp())
    expected = sum(
        v
        for r in of(items, "SalesRecord")
        for t, v in zip(r.series[1].times, r.series[1].values, strict=True)
        if after - 30 * 86400 <= t < after
    )
    assert gmv is not None and abs(gmv - expected) < 0.01 * expected
    assert active is not None and 50 < active <= 100
