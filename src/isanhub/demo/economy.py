"""Economy: local sellers and their online channels (synthetic).

Smart Data Models has no model for online shops, so these are project types (listed
in ``city-facts.md``). Every amount of money is in baht: UN/CEFACT has no currency unit
codes, so money attributes carry no ``unitCode`` and the entity says ``currency: "THB"``.

- ``Shop``: name (th/en), ``category`` (silk, food, crafts, otop, agri, coffee, souvenir,
  fashion, beauty, home), ``channels`` (list of shopee, lazada, tiktok, facebook, line,
  market), location and address.
- ``Product``: name (th/en), ``category``, ``price`` (THB), ``currency``, ``refShop``.
- ``SalesRecord``: one per shop and channel. Daily series (times = local midnights)
  ``orders`` (integer) and ``gmv`` (THB, gross merchandise value), ``channel``,
  ``currency``, ``refShop``. The KPI engine reads ``orders``, ``gmv`` and ``refShop``.
- ``Creator`` (local micro-influencer): ``alternateName`` (handle), ``platform``
  (tiktok, facebook, instagram, youtube), ``followers``, ``engagementRate`` (0-1),
  ``niche`` (food, silkFashion, beauty, farming, lifestyle), ``language`` (ISO 639:
  "th" Thai, "tts" Isan, "nod" Northern Thai, "sou" Southern Thai, "en"),
  ``typicalFee`` (THB per post), ``currency``.
- ``LiveSellingSession``: ``refShop``, ``refCreator``, ``channel``, ``startedAt``,
  ``endedAt`` (DateTime), ``durationMinutes`` ("MIN"), ``viewers``, ``orders``, ``gmv``
  (THB), ``currency``.

Facts the patterns rely on:
- Double-day campaigns 9.9, 10.10, 11.11 (the largest) and 12.12 on the marketplaces,
  and month-end payday campaigns: ``seller-exports.md`` (metric definitions, sales
  calendar). Thai salaries are paid at the end of the month, hence the 25th-31st bump.
- Thai e-commerce grew about 14 % in 2024 (``seller-exports.md``); TikTok Shop is the
  fastest growing channel (there assumed +3 %/month, a sandbox assumption).
- Micro-influencer rates ฿3,000-15,000 per post (``seller-exports.md``); nano accounts
  (< 10k followers) ฿500-3,000 is a sandbox assumption.
- Chonnabot is Khon Kaen's silk district; Khon Kaen's Silk Festival and Phuk Siao fair
  runs about 29 Nov-10 Dec, and silk is a customary gift for Mother's Day (12 Aug)
  (Tourism Authority of Thailand event calendar).
- Phuket's tourist high season is November-April, Chiang Mai's November-February
  (Tourism Authority of Thailand).
- Products and price ranges (``data/economy-products.csv``) are typical retail prices
  seen on Thai marketplaces, rounded; shop names are invented.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from isanhub.demo.item import Item, Series, base, entity_id, near, prop, rel, when
from isanhub.demo.patterns import DAY, local_date, seasonal
from isanhub.demo.places import District
from isanhub.demo.sandbox import Context

CHANNELS = ("shopee", "lazada", "tiktok", "facebook", "line", "market")
#: the marketplaces that run the double-day campaigns
CAMPAIGN_CHANNELS = frozenset({"shopee", "lazada", "tiktok"})
LIVE_CHANNELS = ("shopee", "lazada", "tiktok", "facebook")
#: (month, day): order multiplier on the marketplaces; 11.11 is the largest
DOUBLE_DAYS = {(9, 9): 2.5, (10, 10): 3.0, (11, 11): 4.5, (12, 12): 3.5}
#: Monday..Sunday; physical markets are busiest at weekends (walking streets)
WEEKDAY = (0.92, 0.9, 0.93, 0.97, 1.05, 1.25, 1.3)
WEEKDAY_MARKET = (0.6, 0.6, 0.65, 0.7, 0.9, 1.7, 1.8)
#: relative weight of a channel in a shop's orders
CHANNEL_SHARE = {"shopee": 1.0, "lazada": 0.6, "tiktok": 0.8, "facebook": 0.6, "line": 0.35,
                 "market": 0.7}  # fmt: skip
GROWTH_FROM = date(2025, 1, 1)

LABELS = {  # category: (Thai, English) used in shop names
    "silk": ("ผ้าไหม", "Silk"), "food": ("อาหารพื้นบ้าน", "Local Food"),
    "crafts": ("หัตถกรรม", "Crafts"), "otop": ("โอท็อป", "OTOP"),
    "agri": ("ผลผลิตเกษตร", "Farm Products"), "coffee": ("กาแฟ", "Coffee"),
    "souvenir": ("ของที่ระลึก", "Souvenirs"), "fashion": ("แฟชั่น", "Fashion"),
    "beauty": ("ความงาม", "Beauty"), "home": ("ของแต่งบ้าน", "Home"),
}  # fmt: skip
WORDS = (
    ("บัวหลวง", "Bua Luang"), ("ฟ้าใส", "Fah Sai"), ("แสงทอง", "Saeng Thong"),
    ("ภูผา", "Phu Pha"), ("ทุ่งทอง", "Thung Thong"), ("ลายไทย", "Lai Thai"),
    ("ใบหม่อน", "Bai Mon"), ("ข้าวใหม่", "Khao Mai"), ("เรือนไทย", "Ruean Thai"),
    ("คำแพง", "Kham Phaeng"), ("ดาวเรือง", "Dao Rueang"), ("ชมพู", "Chomphu"),
    ("สายรุ้ง", "Sai Rung"), ("นาคา", "Naka"), ("มะลิ", "Mali"), ("ตะวัน", "Tawan"),
)  # fmt: skip
#: shop category -> the creator niche that fits it
NICHE_OF = {"silk": "silkFashion", "fashion": "silkFashion", "food": "food", "coffee": "food",
            "agri": "farming", "beauty": "beauty"}  # fmt: skip
NICHES = {"food": ("อาหาร", "Food"), "silkFashion": ("ผ้าไหมและแฟชั่น", "Silk & fashion"),
          "beauty": ("ความงาม", "Beauty"), "farming": ("เกษตร", "Farming"),
          "lifestyle": ("ไลฟ์สไตล์", "Lifestyle")}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """What a province's sellers look like."""

    abbr: str  #: handle prefix
    region: str  #: product catalogue region (economy-products.csv)
    shops: int
    creators: int
    sessions: int  #: live-selling sessions per 90 days
    orders: float  #: a shop's median orders per day, all channels
    categories: dict[str, float]
    channels: dict[str, float]  #: how likely a shop is to sell on each channel
    niches: dict[str, float]
    languages: dict[str, float]
    platforms: dict[str, float]


_ISAN_CH = {
    "facebook": 0.75,
    "shopee": 0.7,
    "tiktok": 0.6,
    "line": 0.5,
    "market": 0.6,
    "lazada": 0.3,
}
_CITY_CH = {
    "shopee": 0.8,
    "lazada": 0.6,
    "tiktok": 0.6,
    "facebook": 0.5,
    "line": 0.4,
    "market": 0.3,
}
_PLATFORMS = {"tiktok": 0.45, "facebook": 0.3, "instagram": 0.15, "youtube": 0.1}
PROFILES = {
    "khon-kaen": Profile("kk", "isan", 120, 40, 150, 3.0,
                         {"silk": 25, "food": 25, "crafts": 15, "otop": 15, "agri": 20}, _ISAN_CH,
                         {"food": 3, "silkFashion": 2, "farming": 2, "lifestyle": 2, "beauty": 1},
                         {"tts": .65, "th": .35}, _PLATFORMS),
    "nakhon-ratchasima": Profile("korat", "isan", 15, 8, 20, 3.0,
                                 {"silk": 25, "food": 30, "crafts": 20, "agri": 25}, _ISAN_CH,
                                 {"food": 3, "silkFashion": 2, "farming": 2, "lifestyle": 2},
                                 {"tts": .6, "th": .4}, _PLATFORMS),
    "chiang-mai": Profile("cnx", "north", 15, 8, 20, 4.0,
                          {"crafts": 35, "coffee": 30, "food": 15, "fashion": 20}, _CITY_CH,
                          {"food": 3, "lifestyle": 3, "silkFashion": 1, "farming": 1},
                          {"nod": .4, "th": .45, "en": .15}, _PLATFORMS),
    "phuket": Profile("hkt", "south", 15, 8, 20, 4.0,
                      {"souvenir": 40, "food": 35, "beauty": 10, "fashion": 15}, _CITY_CH,
                      {"food": 3, "lifestyle": 3, "beauty": 2},
                      {"th": .5, "sou": .25, "en": .25}, {**_PLATFORMS, "instagram": .3}),
    "chon-buri": Profile("chon", "east", 15, 8, 20, 4.0,
                         {"food": 50, "agri": 20, "fashion": 15, "home": 15}, _CITY_CH,
                         {"food": 3, "lifestyle": 2, "beauty": 1}, {"th": .95, "en": .05},
                         _PLATFORMS),
    "bangkok": Profile("bkk", "central", 15, 8, 20, 6.0,
                       {"fashion": 25, "beauty": 25, "food": 20, "home": 15, "crafts": 15},
                       _CITY_CH, {"beauty": 3, "lifestyle": 3, "food": 2, "silkFashion": 2},
                       {"th": .9, "en": .1}, _PLATFORMS),
}  # fmt: skip


@dataclass
class Shop:
    n: int
    id: str
    district: District
    at: tuple[float, float]
    category: str
    name_th: str
    name_en: str
    channels: list[str]
    products: list[tuple[str, str, float]]  #: (Thai name, English name, price THB)
    orders: float  #: mean orders per day over all its channels
    aov: float  #: average order value, THB


@dataclass
class Creator:
    id: str
    niche: str
    platform: str
    followers: int


@cache
def catalogue() -> dict[tuple[str, str], list[tuple[str, str, float, float]]]:
    """(region, category) -> products (Thai, English, min price, max price)."""
    out: dict[tuple[str, str], list[tuple[str, str, float, float]]] = {}
    text = resources.files("isanhub.demo").joinpath("data/economy-products.csv")
    with text.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault((r["region"], r["category"]), []).append(
                (r["name_th"], r["name_en"], float(r["price_min"]), float(r["price_max"]))
            )
    return out


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's method; normal approximation for large means)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _price(x: float) -> float:
    """A shop price as Thai sellers write them: 199, 1,490."""
    return float(round(x / 10) * 10 - 1 if x < 1000 else round(x / 100) * 100 - 10)


def _district(rng: random.Random, districts: tuple[District, ...], category: str) -> District:
    """The seat district (first) sells most; silk shops cluster in Chonnabot (4018)."""
    weights = [8.0 if n == 0 else 1.0 for n in range(len(districts))]
    for n, d in enumerate(districts):
        if d.code == "4018":
            weights[n] = 40.0 if category == "silk" else 2.0
        elif d.code in ("4005", "4010"):  # Chum Phae and Ban Phai, the other towns
            weights[n] = 2.0
    return rng.choices(districts, weights)[0]


def shops(ctx: Context) -> list[Shop]:
    """The province's shops (the same list for every window)."""
    prof = PROFILES[ctx.province.key]
    out, names = [], set()
    for n in range(prof.shops):
        rng = ctx.noise("shop", n).rng("static")
        category = pick(rng, prof.categories)
        district = _district(rng, ctx.districts, category)
        words = rng.sample(WORDS, len(WORDS))
        label_th, label_en = LABELS[category]
        word = next((w for w in words if (w, district.code, category) not in names), words[0])
        names.add((word, district.code, category))
        k = rng.choice((2, 2, 3, 3, 4))
        pool = dict(prof.channels)
        channels = []
        for _ in range(k):
            channels.append(pick(rng, pool))
            del pool[channels[-1]]
        options = catalogue().get((prof.region, category), []) + catalogue().get(
            ("any", category), []
        )
        chosen = rng.sample(options, min(len(options), rng.randint(3, 5)))
        products = [(th, en, _price(rng.uniform(lo, hi))) for th, en, lo, hi in chosen]
        mean_price = sum(p for _, _, p in products) / len(products)
        out.append(Shop(
            n, entity_id("Shop", district, n), district, near(rng, district, 5.0), category,
            f"ร้าน{label_th}{word[0]} {district.name_th}", f"{word[1]} {label_en}, {district.name_en}",
            channels, products, min(80.0, max(0.15, prof.orders * math.exp(rng.gauss(0, 0.9)))),
            mean_price * rng.uniform(1.0, 1.5),
        ))  # fmt: skip
    return out


def _campaign(day: date) -> float:
    if (got := DOUBLE_DAYS.get((day.month, day.day))) is not None:
        return got
    if (day.month, day.day + 1) in DOUBLE_DAYS:
        return 1.3  # the countdown day
    if (day.month, day.day - 1) in DOUBLE_DAYS:
        return 1.2  # the campaign's second day
    return 1.0


def _season(province: str, category: str, day: date) -> float:
    doy = day.timetuple().tm_yday
    f = 1.0 + 0.2 * seasonal(doy, 358, 10)  # New Year gifts
    if category == "silk":
        f *= 1 + 0.5 * seasonal(doy, 220, 6) + 0.5 * seasonal(doy, 338, 6)
    elif category == "agri":
        f *= 1 + 0.4 * seasonal(doy, 355, 30)  # the new crop of jasmine rice
    if province == "phuket":
        f *= 0.8 + 0.4 * seasonal(doy, 15, 60)
    elif province == "chiang-mai":
        f *= 0.85 + 0.35 * seasonal(doy, 1, 45)
    return f


def day_factor(province: str, shop: Shop, channel: str, day: date) -> float:
    """How much busier than usual ``channel`` of ``shop`` is on local date ``day``."""
    f = (WEEKDAY_MARKET if channel == "market" else WEEKDAY)[day.weekday()]
    if day.day >= 25:
        f *= 1.25  # payday
    if channel in CAMPAIGN_CHANNELS:
        f *= _campaign(day)
    months = (day - GROWTH_FROM).days / 30.44
    growth = 0.03 if channel == "tiktok" else 0.011
    f *= min(2.5, max(0.5, math.exp(growth * months)))
    return f * _season(province, shop.category, day)


def _sales(ctx: Context, shop: Shop) -> Iterator[Item]:
    """One record per channel; a day's draws for all the shop's channels come from the
    shop's stream of that day."""
    share = sum(CHANNEL_SHARE[c] for c in shop.channels)
    noise = ctx.noise("sales", shop.n)
    trends = {c: ctx.noise("sales", shop.n, c) for c in shop.channels}
    orders: dict[str, list[int]] = {c: [] for c in shop.channels}
    gmv: dict[str, list[float]] = {c: [] for c in shop.channels}
    times = ctx.clock.days_list
    for t in times:
        day = local_date(t)
        rng = noise.on(day)
        for channel in shop.channels:
            mean = shop.orders * CHANNEL_SHARE[channel] / share
            lam = mean * day_factor(ctx.province.key, shop, channel, day)
            count = poisson(rng, lam * math.exp(0.3 * trends[channel].slow(t, 10)))
            discount = 0.85 if channel in CAMPAIGN_CHANNELS and _campaign(day) > 2 else 1.0
            orders[channel].append(count)
            gmv[channel].append(round(count * shop.aov * discount * rng.uniform(0.85, 1.15), 2))
    for channel in shop.channels:
        entity = base("SalesRecord", entity_id("SalesRecord", shop.district, f"{shop.n}-{channel}"),
                      shop.district, f"ยอดขาย {shop.name_th} ทาง {channel}",
                      f"{shop.name_en}: sales on {channel}", shop.at)  # fmt: skip
        entity |= {"channel": prop(channel), "currency": prop("THB"), "refShop": rel(shop.id)}
        series = [Series("orders", times, orders[channel]), Series("gmv", times, gmv[channel])]
        yield Item(entity, series).finish()


def _shop_items(shop: Shop) -> Iterator[Item]:
    entity = base("Shop", shop.id, shop.district, shop.name_th, shop.name_en, shop.at)
    entity |= {"category": prop(shop.category), "channels": prop(shop.channels)}
    yield Item(entity)
    for k, (th, en, price) in enumerate(shop.products):
        product = base("Product", entity_id("Product", shop.district, f"{shop.n}-{k}"),
                       shop.district, th, en, shop.at)  # fmt: skip
        product |= {"category": prop(shop.category), "price": prop(price),
                    "currency": prop("THB"), "refShop": rel(shop.id)}  # fmt: skip
        yield Item(product)


def creators(ctx: Context) -> tuple[list[Creator], list[Item]]:
    prof = PROFILES[ctx.province.key]
    people, items = [], []
    for n in range(prof.creators):
        rng = ctx.noise("creator", n).rng("static")
        district = _district(rng, ctx.districts, "")
        niche, platform = pick(rng, prof.niches), pick(rng, prof.platforms)
        followers = int(10 ** rng.uniform(3, 5))
        low, high = {"tiktok": (.04, .15), "instagram": (.015, .06), "facebook": (.01, .05),
                     "youtube": (.02, .08)}[platform]  # fmt: skip
        # smaller accounts engage a larger share of their followers
        rate = rng.uniform(low, high) * (1.3 - 0.15 * (math.log10(followers) - 3))
        if followers < 10_000:
            fee = 500 + (followers - 1000) / 9000 * 2500
        else:
            fee = 3000 + (math.log10(followers) - 4) * 12_000
        eid = entity_id("Creator", district, n)
        th, en = NICHES[niche]
        entity = base("Creator", eid, district, f"ครีเอเตอร์สาย{th} {district.name_th}",
                      f"{en} creator, {district.name_en}", near(rng, district, 5.0))  # fmt: skip
        entity |= {
            "alternateName": prop(f"@{prof.abbr}.{niche.lower()}{n:02d}"),
            "platform": prop(platform), "followers": prop(followers),
            "engagementRate": prop(round(rate, 3)), "niche": prop(niche),
            "language": prop(pick(rng, prof.languages)),
            "typicalFee": prop(round(fee * rng.uniform(0.8, 1.2), -2)), "currency": prop("THB"),
        }  # fmt: skip
        people.append(Creator(eid, niche, platform, followers))
        items.append(Item(entity))
    return people, items


def _sessions(ctx: Context, shop_list: list[Shop], people: list[Creator]) -> Iterator[Item]:
    """Live-selling sessions, drawn day by day (evenings; more at weekends, paydays and
    campaigns)."""
    prof = PROFILES[ctx.province.key]
    live = [s for s in shop_list if set(s.channels) & set(LIVE_CHANNELS)]
    if not live or not people:
        return
    noise = ctx.noise("live")
    start, after = ctx.clock.start, int(ctx.clock.after.timestamp())
    for midnight in [ctx.clock.days_list[0] - DAY, *ctx.clock.days_list]:
        day = local_date(midnight)
        rng = noise.on(day)
        busy = (1.3 if day.weekday() >= 5 else 1.0) * (1.2 if day.day >= 25 else 1.0)
        busy *= _campaign(day)
        for k in range(poisson(rng, prof.sessions / 90 / 1.13 * busy)):
            shop = rng.choices(live, [s.orders for s in live])[0]
            fits = [c for c in people if c.niche == NICHE_OF.get(shop.category, "lifestyle")]
            creator = rng.choice(fits if fits and rng.random() < 0.7 else people)
            own = [c for c in shop.channels if c in LIVE_CHANNELS]
            channel = creator.platform if creator.platform in ("tiktok", "facebook") else None
            channel = channel or rng.choice(own)
            hour = rng.choices((12, 19, 20, 21), (1, 3, 4, 3))[0]
            t = midnight + hour * 3600 + rng.choice((0, 15, 30, 45)) * 60
            minutes = rng.choice((30, 45, 60, 60, 90, 90, 120, 150, 180))
            viewers = int((creator.followers * rng.uniform(0.005, 0.04) + rng.uniform(20, 200))
                          * min(busy, 3.0))  # fmt: skip
            orders = poisson(rng, viewers * rng.uniform(0.01, 0.05))
            gmv = round(orders * shop.aov * rng.uniform(0.8, 1.05), 2)
            if not start <= t < after:
                continue
            eid = entity_id("LiveSellingSession", shop.district, f"{day:%Y%m%d}-{k}")
            entity = base("LiveSellingSession", eid, shop.district, f"ไลฟ์ขายของ {shop.name_th}",
                          f"Live selling: {shop.name_en}", shop.at)  # fmt: skip
            entity |= {
                "refShop": rel(shop.id), "refCreator": rel(creator.id), "channel": prop(channel),
                "startedAt": when(t), "endedAt": when(t + minutes * 60),
                "durationMinutes": prop(minutes, "MIN"), "viewers": prop(viewers),
                "orders": prop(orders), "gmv": prop(gmv), "currency": prop("THB"),
            }  # fmt: skip
            yield Item(entity)


def generate(ctx: Context) -> Iterator[Item]:
    shop_list = shops(ctx)
    for shop in shop_list:
        yield from _shop_items(shop)
        yield from _sales(ctx, shop)
    people, items = creators(ctx)
    yield from items
    yield from _sessions(ctx, shop_list, people)
