"""The price section against a plain-Python calculation on the same lines, and the
privacy rule: a market figure needs at least five other shops, counted as shops (not
lines), never counting the shop itself."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from isanhub.insight.commerce.price import price

from . import SHOP_ID, TENANT, connect, line

AS_OF = date(2026, 11, 20)
START = datetime(2026, 8, 23)  # the first moment of the 90 days ending AS_OF


def _report(own: list[dict[str, Any]], others: list[dict[str, Any]], **kw: Any) -> dict:
    shops = kw.pop("shops", ())
    return price(connect(own, others, shops), tenant=TENANT, shop=SHOP_ID, as_of=AS_OF, **kw)


def _shop_lines(n: int, prices: list[float], kind: str = "silk", **given: Any) -> list[dict]:
    """Lines of another shop ``n`` (tenant "t{n}"), one per price."""
    return [
        line(**{"tenant": f"t{n}", "shop": f"shop{n}", "order_id": f"{n}-{i}", "unit_price": p,
                "kind": kind, "ordered_at": datetime(2026, 11, 1 + i % 19, 10), **given})
        for i, p in enumerate(prices)
    ]  # fmt: skip


def _expected(prices: list[float]) -> dict[str, float]:
    """median, p25, p75 by linear interpolation (statistics 'inclusive')."""
    p25, median, p75 = statistics.quantiles(prices, n=4, method="inclusive")
    return {"median": round(median, 2), "p25": round(p25, 2), "p75": round(p75, 2)}


def _medians(lines: list[dict[str, Any]]) -> list[float]:
    """One price per other shop: the median of its lines' unit prices."""
    per_shop: dict[tuple[str, str], list[float]] = {}
    for x in lines:
        per_shop.setdefault((x["tenant"], x["shop"]), []).append(x["unit_price"])
    return [statistics.median(v) for v in per_shop.values()]


def _others(k: int, kind: str = "silk") -> list[dict[str, Any]]:
    return [x for n in range(k) for x in _shop_lines(n, [300.0 + 37 * n, 410.0 + 11 * n], kind)]


def test_figures_match_a_plain_calculation() -> None:
    own = [line(order_id=f"o{i}", unit_price=p) for i, p in enumerate([250.0, 100.0, 180.0])]
    others = _others(6)
    # none of these may count: cancelled, too old, after as_of, another kind, no price
    noise = [
        *_shop_lines(0, [5.0], status="cancelled"),
        *_shop_lines(1, [9999.0], ordered_at=START - timedelta(seconds=1)),
        *_shop_lines(2, [9999.0], ordered_at=datetime(2026, 11, 21)),
        *_shop_lines(3, [1.0], kind="food"),
        *_shop_lines(4, [None]),  # type: ignore[list-item]
    ]
    edge = _shop_lines(5, [333.0], ordered_at=START) + _shop_lines(
        6, [444.0], ordered_at=datetime(2026, 11, 20, 23, 59)
    )
    section = _report(own, others + noise + edge)
    assert section["minSellers"] == 5
    (row,) = section["rows"]
    assert row["sku"] == "SILK-01" and row["kind"] == "silk"
    assert row["price"] == statistics.median([250.0, 100.0, 180.0])
    market_prices = _medians(others + edge)
    assert row["market"] == {"scope": "platform", "sellers": 7, **_expected(market_prices)}
    assert row["position"] == "below"  # 180 < p25


def test_exactly_four_other_shops_show_nothing_five_do() -> None:
    own = [line()]
    four = _report(own, _others(4))["rows"][0]
    assert four["market"] is None and four["position"] is None
    five = _report(own, _others(5))["rows"][0]
    assert five["market"]["sellers"] == 5
    assert five["market"] == {
        "scope": "platform",
        "sellers": 5,
        **_expected(_medians(_others(5))),
    }


def test_a_shop_with_many_lines_counts_once() -> None:
    big = _shop_lines(0, [float(p) for p in range(100, 400)])
    three = [x for n in (1, 2, 3) for x in _shop_lines(n, [500.0])]
    assert _report([line()], big + three)["rows"][0]["market"] is None
    four = three + _shop_lines(4, [500.0])
    assert _report([line()], big + four)["rows"][0]["market"]["sellers"] == 5
    # the same shop id under another tenant is another shop
    twin = _shop_lines(0, [500.0])
    for x in twin:
        x["tenant"] = "someone-else"
    assert _report([line()], big + three + twin)["rows"][0]["market"]["sellers"] == 5


def test_the_shops_own_lines_never_enter_its_market() -> None:
    own = [line(order_id=f"o{i}", unit_price=p) for i, p in enumerate([1.0, 2.0, 99999.0] * 50)]
    others = _others(5)
    row = _report(own, others)["rows"][0]
    assert row["market"]["sellers"] == 5
    assert row["market"] == {
        "scope": "platform",
        "sellers": 5,
        **_expected(_medians(others)),
    }
    # own lines alone (the shop on another channel) are no market
    assert _report(own, [line(channel="lazada", order_id="x")])["rows"][0]["market"] is None


def test_min_sellers_below_five_is_refused() -> None:
    with pytest.raises(ValueError):
        _report([line()], _others(5), min_sellers=4)
    assert _report([line()], _others(5), min_sellers=6)["rows"][0]["market"] is None
    assert _report([line()], _others(6), min_sellers=6)["rows"][0]["market"]["sellers"] == 6


def _places(province: dict[int, str]) -> list[dict[str, Any]]:
    own = {"tenant": TENANT, "shop": SHOP_ID, "province_code": "40"}
    return [own] + [
        {"tenant": f"t{n}", "shop": f"shop{n}", "province_code": code}
        for n, code in province.items()
    ]


def test_province_scope_when_five_local_shops_else_platform() -> None:
    local = [x for n in range(5) for x in _shop_lines(n, [200.0 + n, 260.0 + n])]
    far = [x for n in range(5, 8) for x in _shop_lines(n, [900.0 + n])]
    shops = _places({**dict.fromkeys(range(5), "40"), **dict.fromkeys(range(5, 8), "10")})
    row = _report([line(unit_price=150.0)], local + far, shops=shops)["rows"][0]
    want = _expected(_medians(local))
    assert row["market"] == {"scope": "province", "sellers": 5, **want}
    assert row["position"] == "below"
    # four local shops: the platform, all eight shops
    shops = _places({**dict.fromkeys(range(4), "40"), **dict.fromkeys(range(4, 8), "10")})
    row = _report([line(unit_price=150.0)], local + far, shops=shops)["rows"][0]
    want = _expected(_medians(local + far))
    assert row["market"] == {"scope": "platform", "sellers": 8, **want}


def test_rows_are_the_top_products_by_gmv_with_their_median() -> None:
    own = []
    for k in range(25):  # product k sells k + 1 units at prices around 100 + k
        for i in range(k + 1):
            at = datetime(2026, 11, 1, 0, i)
            own.append(line(sku=f"P{k:02d}", product=f"ผ้าไหม {k}", order_id=f"{k}-{i}",
                            unit_price=100.0 + k + (i % 3), ordered_at=at))  # fmt: skip
    own.append(line(sku="P24", product="ผ้าไหม ชื่อใหม่", order_id="late",
                    unit_price=124.0, ordered_at=datetime(2026, 11, 2)))  # fmt: skip
    own.append(line(sku="OLD", order_id="old", unit_price=10**6, ordered_at=datetime(2026, 1, 1)))
    rows = _report(own, [])["rows"]
    assert [r["sku"] for r in rows] == [f"P{k:02d}" for k in range(24, 4, -1)]
    assert rows[0]["product"] == "ผ้าไหม ชื่อใหม่"  # the latest title
    for r in rows:
        k = int(r["sku"][1:])
        prices = [x["unit_price"] for x in own if x["sku"] == r["sku"]]
        assert r["price"] == round(statistics.median(prices), 2), k
        assert r["market"] is None


def test_a_shop_with_many_lines_cannot_make_the_market_its_own() -> None:
    big = _shop_lines(0, [100.0] * 300)
    four = [x for n in (1, 2, 3, 4) for x in _shop_lines(n, [500.0])]
    market = _report([line(unit_price=450.0)], big + four)["rows"][0]["market"]
    assert market == {"scope": "platform", "sellers": 5, "median": 500.0, "p25": 500.0,
                      "p75": 500.0}  # fmt: skip
