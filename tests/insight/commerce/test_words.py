"""The words section against a plain-Python calculation on the same lines (best sellers by
cumulative GMV, words counted per product and per shop), the tokeniser's clean-up, and
the privacy rules: market words need five other shops selling the kind, count each shop
once, need three shops per word, and never include the shop's own titles."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from isanhub.insight.commerce.words import keep, words, words_of

from . import SHOP_ID, TENANT, connect, line

AS_OF = date(2026, 11, 20)
START, END = datetime(2026, 8, 23), datetime(2026, 11, 21)


def _sold(x: dict[str, Any]) -> bool:
    return x["status"] != "cancelled" and START <= x["ordered_at"] < END


def _best(lines: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Best sellers of one shop's lines: product key -> its titles."""
    gmv: dict[str, float] = defaultdict(float)
    titles: dict[str, set[str]] = defaultdict(set)
    for x in filter(_sold, lines):
        key = x["sku"] or x["product"]
        gmv[key] += x["gross"]
        titles[key].add(x["product"])
    total, above, out = sum(gmv.values()), 0.0, {}
    for key in sorted(gmv, key=lambda k: (-gmv[k], k)):
        if gmv[key] > 0 and above < 0.8 * total:
            out[key] = titles[key]
        above += gmv[key]
    return out


def _words(titles: set[str]) -> set[str]:
    return set().union(*(words_of(t) for t in titles))


def _ranked(counts: dict[str, int], total: int, least: int) -> list[dict[str, Any]]:
    top = sorted((w for w in counts if counts[w] >= least), key=lambda w: (-counts[w], w))[:20]
    return [{"word": w, "count": counts[w], "share": round(counts[w] / total, 4)} for w in top]


def expected(own: list[dict[str, Any]], others: list[dict[str, Any]]) -> dict[str, Any]:
    """The section computed in plain Python."""
    best = _best(own)
    kind = {x["sku"] or x["product"]: x["kind"] for x in sorted(own, key=lambda x: x["ordered_at"])}
    counts: dict[str, int] = defaultdict(int)
    for titles in best.values():
        for w in _words(titles):
            counts[w] += 1
    out: dict[str, Any] = {"best": _ranked(counts, len(best), 1), "market": None}
    out |= {"missing": [], "suggestions": []}
    sellers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for x in filter(_sold, others):
        sellers[x["kind"]].add((x["tenant"], x["shop"]))
    pool = {kind[k] for k in best if len(sellers[kind[k]]) >= 5}
    if not pool:
        return out
    by_shop: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for x in others:
        if x["kind"] in pool:
            by_shop[x["tenant"], x["shop"]].append(x)
    shops_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for who, lines in by_shop.items():
        for titles in _best(lines).values():
            for w in _words(titles):
                shops_of[w].add(who)
    with_best = {who for who, lines in by_shop.items() if _best(lines)}
    out["market"] = _ranked({w: len(s) for w, s in shops_of.items()}, len(with_best), 3)
    mine = _words({x["product"] for x in own})
    out["missing"] = [m["word"] for m in out["market"] if m["word"] not in mine]
    return out


def _lines(who: int | None, products: list[tuple[str, float]], **given: Any) -> list[dict]:
    """One line per (title, gross) of shop ``who`` (None: the reported shop)."""
    shop = {} if who is None else {"tenant": f"t{who}", "shop": f"shop{who}"}
    return [
        line(**{"sku": None, "product": title, "order_id": f"{who}-{i}", "unit_price": gmv,
                "ordered_at": datetime(2026, 11, 1, 10, i % 60), **shop, **given})
        for i, (title, gmv) in enumerate(products)
    ]  # fmt: skip


OWN = _lines(
    None,
    [
        ("ผ้าไหมมัดหมี่ลายนาค", 500.0),
        ("กระเป๋าผ้าไหม ของขวัญ", 300.0),
        ("ผ้าพันคอไหม สีแดง", 150.0),  # 800 above: not a best seller
        ("ผ้าไหม ของขวัญ วันแม่", 50.0),
    ],
)


def _market(k: int = 5) -> list[dict[str, Any]]:
    shops = [
        [("ผ้าไหม ลายขิด ของฝาก", 900.0), ("ผ้าไหม สวยงาม พรีเมียม", 800.0)],
        [("ผ้าไหม ลายนาค ชนบท", 700.0), ("ผ้าไหม สวยงาม พรีเมียม", 200.0)],
        [("ผ้าไหม ลายขิด ของฝาก", 1000.0), ("ผ้าไหม ลายดอก พรีเมียม", 10.0)],  # a small one
        [("ผ้าไหม ลายนาค ของฝาก", 400.0), ("ผ้าไหม ของขวัญ วันแม่", 300.0)],
        [("ผ้าไหมมัดหมี่ลายนาค", 100.0), ("ผ้าไหม ของขวัญ วันแม่", 100.0)],
        [("ผ้าไหม ลายขิด ชนบท", 100.0)],
    ]
    return [x for n, products in enumerate(shops[:k]) for x in _lines(n, products)]


def _section(own: list[dict[str, Any]], others: list[dict[str, Any]], **kw: Any) -> dict:
    return words(connect(own, others), tenant=TENANT, shop=SHOP_ID, as_of=AS_OF, **kw)


def test_tokens_are_cleaned() -> None:
    assert words_of("ผ้าไหมมัดหมี่ลายนาค") == {"ผ้าไหม", "มัดหมี่", "ลาย", "นาค"}
    assert words_of("ไส้กรอกอีสาน (500 ก.)") == {"ไส้กรอก", "อีสาน"}
    assert words_of("Silk SCARF, 2XL 100% 250g") == {"silk", "scarf"}
    assert words_of("ผ้าไหม และ ของขวัญ ที่ ดี") >= {"ผ้าไหม", "ของขวัญ"}
    assert not words_of("และ ที่ 12 ๑๒ !! - x 3 เมตร กก.")
    for token in ("(2", "500", "ก.", "!!", "a", "kg", "XL", "5kg", "เมตร", "และ", "the"):
        assert keep(token) is None, token
    assert keep("(Silk)") == "silk"


def test_against_a_plain_calculation() -> None:
    others = _market()
    got = _section(OWN, others)
    want = expected(OWN, others)
    assert got["best"] == want["best"]
    assert {w["word"] for w in got["best"]} == {
        "ผ้าไหม", "มัดหมี่", "ลาย", "นาค", "กระเป๋า", "ของขวัญ"
    }  # fmt: skip
    assert got["best"][0] == {"word": "ผ้าไหม", "count": 2, "share": 1.0}
    assert got["market"] == want["market"]
    assert got["missing"] == want["missing"]
    assert {m["word"]: m["count"] for m in got["market"]} == {
        "ผ้าไหม": 5, "ลาย": 5, "นาค": 3, "ของฝาก": 3
    }  # fmt: skip
    assert got["missing"] == ["ของฝาก"]
    assert got["suggestions"] == [
        {"sku": None, "product": "ผ้าไหมมัดหมี่ลายนาค", "add": ["ของฝาก"]},
        {"sku": None, "product": "กระเป๋าผ้าไหม ของขวัญ", "add": ["ลาย", "ของฝาก", "นาค"]},
    ]


def test_privacy_thresholds() -> None:
    # four other shops: no market at all
    four = _section(OWN, _market(4))
    assert four["market"] is None and four["missing"] == [] and four["suggestions"] == []
    assert four["best"] == expected(OWN, _market(4))["best"]
    # "พรีเมียม": shop 0 and shop 1 (shop 2's use is not a best seller): two shops, hidden;
    # "วันแม่": shops 3 and 4 plus the shop itself: its own title does not count
    words_shown = {m["word"] for m in _section(OWN, _market(5))["market"]}
    assert "พรีเมียม" not in words_shown and "วันแม่" not in words_shown
    # many products of one shop using a word count once
    many = _lines(0, [(f"ผ้าไหม สวยงาม รุ่น{n}", 100.0) for n in range(30)])
    rest = [x for x in _market(5) if x["tenant"] in ("t2", "t3", "t4")]
    two = many + _lines(1, [("ผ้าไหม สวยงาม", 100.0)]) + rest
    assert "สวยงาม" not in {m["word"] for m in _section(OWN, two)["market"]}
    three = two + _lines(5, [("ผ้าไหม สวยงาม", 100.0)])
    shown = {m["word"]: m["count"] for m in _section(OWN, three)["market"]}
    assert shown["สวยงาม"] == 3 and shown["ผ้าไหม"] == 6
    with pytest.raises(ValueError):
        _section(OWN, _market(), min_sellers=4)


def test_only_kinds_five_other_shops_sell_and_only_the_window() -> None:
    food = [x for n in range(10, 16) for x in _lines(n, [("ปลาร้าบอง ของฝาก", 100.0)], kind="food")]
    assert _section(OWN, food)["market"] is None  # others sell food, the shop silk
    own = OWN + _lines(None, [("ปลาร้าบอง แม่บุญ", 2000.0)], kind="food", order_id="f")
    got, want = _section(own, _market(5) + food), expected(own, _market(5) + food)
    assert (got["best"], got["market"], got["missing"]) == (
        want["best"], want["market"], want["missing"]
    )  # fmt: skip
    assert {m["word"] for m in got["market"]} >= {"ปลาร้า", "บอง"}
    # old and cancelled lines count for nothing
    old = [x | {"ordered_at": START - timedelta(minutes=1)} for x in _market(5)]
    assert _section(OWN, old)["market"] is None
    cancelled = [x | {"status": "cancelled"} for x in _market(5)]
    assert _section(OWN, cancelled)["market"] is None
    assert _section(OWN + old, [])["best"] == expected(OWN, [])["best"]
