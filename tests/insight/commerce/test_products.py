"""products(): rankings, movers and missing products against plain Python."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from isanhub.insight.commerce.products import products

from . import connect, line

AS_OF = date(2026, 11, 11)


def key(x: dict[str, Any]) -> str | None:
    return x["sku"] or x["product"] or None


def names(lines: list[dict[str, Any]], k: str) -> dict[str, Any]:
    own = [x for x in lines if key(x) == k]
    skus = [x["sku"] for x in own if x["sku"]]
    return {"sku": min(skus) if skus else None, "product": min(x["product"] for x in own)}


def within(x: dict[str, Any], first: date, last: date) -> bool:
    return first <= x["ordered_at"].date() <= last


def reference(lines: list[dict[str, Any]], as_of: date) -> dict[str, Any]:
    sold = [x for x in lines if x["status"] != "cancelled" and key(x)]
    ranking: dict[str, list[dict[str, Any]]] = {}
    for channel in sorted({x["channel"] for x in lines}):
        per: dict[str, list[dict[str, Any]]] = {}
        for x in sold:
            if x["channel"] == channel:
                per.setdefault(key(x), []).append(x)  # type: ignore[arg-type]
        rows = [(sum(x["gross"] for x in xs), k, xs) for k, xs in per.items()]
        rows.sort(key=lambda r: (-r[0], r[1]))
        ranking[channel] = [
            {
                **names(lines, k),
                "units": sum(x["quantity"] for x in xs),
                "gmv": round(gmv, 2),
                "orders": len({x["order_id"] for x in xs}),
            }
            for gmv, k, xs in rows[:10]
        ]

    recent_from = as_of - timedelta(days=27)
    before_from = recent_from - timedelta(days=28)
    units: dict[str, list[int]] = {}
    for x in sold:
        if within(x, recent_from, as_of):
            units.setdefault(key(x), [0, 0])[0] += x["quantity"]  # type: ignore[arg-type]
        elif within(x, before_from, recent_from - timedelta(days=1)):
            units.setdefault(key(x), [0, 0])[1] += x["quantity"]  # type: ignore[arg-type]
    movers = [(k, r, b) for k, (r, b) in units.items() if max(r, b) >= 5]

    def entry(k: str, r: int, b: int) -> dict[str, Any]:
        change = None if b == 0 else round((r - b) / b, 4)
        return {**names(lines, k), "unitsRecent": r, "unitsBefore": b, "change": change}

    rising = sorted(
        (m for m in movers if m[1] > m[2]),
        key=lambda m: (m[2] != 0, -((m[1] - m[2]) / m[2]) if m[2] else 0, -m[1], m[0]),
    )
    falling = sorted(
        (m for m in movers if m[1] < m[2]), key=lambda m: ((m[1] - m[2]) / m[2], -m[2], m[0])
    )

    start = as_of - timedelta(days=89)
    window = [x for x in lines if key(x) and within(x, start, as_of)]
    active = {x["channel"] for x in window if x["status"] != "cancelled"}
    missing = []
    for k in {key(x) for x in window}:
        own = [x for x in window if key(x) == k]
        per_channel: dict[str, int] = {}
        for x in own:
            if x["status"] != "cancelled":
                per_channel[x["channel"]] = per_channel.get(x["channel"], 0) + x["quantity"]
        listed = {x["channel"] for x in own}
        if per_channel and max(per_channel.values()) >= 5 and active - listed:
            missing.append(
                (
                    -sum(per_channel.values()),
                    k,
                    {
                        **names(lines, k),  # type: ignore[arg-type]
                        "soldOn": sorted(per_channel),
                        "missingOn": sorted(active - listed),
                        "units": sum(per_channel.values()),
                    },
                )
            )
    missing.sort(key=lambda m: (m[0], m[1]))
    return {
        "ranking": ranking,
        "rising": [entry(*m) for m in rising[:10]],
        "falling": [entry(*m) for m in falling[:10]],
        "missing": [m[2] for m in missing],
    }


def at(d: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute)


def mover_lines() -> list[dict[str, Any]]:
    recent, before = AS_OF - timedelta(days=3), AS_OF - timedelta(days=40)
    out = []

    def add(sku: str, when: datetime, qty: int, **more: Any) -> None:
        out.append(
            line(
                sku=sku,
                product=f"title {sku}",
                order_id=f"{sku}{len(out)}",
                ordered_at=when,
                quantity=qty,
                **more,
            )
        )

    add("A", at(recent), 10)
    add("A", at(before), 5)
    add("B", at(AS_OF, 23, 59), 6)  # new: last minute of as_of is in the window
    add("B", at(AS_OF + timedelta(days=1), 0, 0), 50)  # after as_of: ignored
    add("C", at(date(2026, 10, 15), 0, 0), 2)  # first minute of the recent window
    add("C", at(date(2026, 10, 14), 23, 59), 8)  # last minute of the window before
    add("D", at(recent), 3)
    add("D", at(before), 3)
    add("E", at(recent), 5)
    add("E", at(before), 5)
    add("F", at(date(2026, 9, 16)), 40)  # before both windows
    add("G", at(recent), 9, status="cancelled")  # cancelled units do not count
    add("H", at(recent), 4)
    add("H", at(before), 1, status="returned", returned_quantity=1)  # returned: still sold
    return out


def test_movers() -> None:
    lines = mover_lines()
    got = products(connect(lines), AS_OF)
    assert got == reference(lines, AS_OF)
    assert [(m["sku"], m["unitsRecent"], m["unitsBefore"], m["change"]) for m in got["rising"]] == [
        ("B", 6, 0, None),
        ("A", 10, 5, 1.0),
    ]
    assert got["falling"] == [
        {"sku": "C", "product": "title C", "unitsRecent": 2, "unitsBefore": 8, "change": -0.75}
    ]


def test_ranking_ties_limit_and_orders() -> None:
    lines = [
        line(sku=f"P{i:02d}", product=f"p{i}", order_id=f"o{i}", unit_price=100.0 + i)
        for i in range(12)
    ]
    lines += [
        # two lines of one order, the same product in two variations: one order
        line(sku="P11", product="p11", variation="red", order_id="m", line_id="m1"),
        line(sku="P11", product="p11", variation="blue", order_id="m", line_id="m2"),
        line(sku="P11", order_id="x", status="cancelled", quantity=50),
        # ties on GMV: by key; a title-only product (empty SKU)
        line(channel="lazada", sku="", product="Zed", order_id="z"),
        line(channel="lazada", sku="Bee", product="Bee title", order_id="b"),
        line(channel="tiktok", order_id="t", status="cancelled"),
    ]
    got = products(connect(lines), AS_OF)
    assert got == reference(lines, AS_OF)
    shopee = got["ranking"]["shopee"]
    assert len(shopee) == 10
    assert shopee[0] == {"sku": "P11", "product": "p11", "units": 3, "gmv": 311.0, "orders": 2}
    assert [r["sku"] for r in shopee][-1] == "P02"
    assert got["ranking"]["lazada"] == [
        {"sku": "Bee", "product": "Bee title", "units": 1, "gmv": 100.0, "orders": 1},
        {"sku": None, "product": "Zed", "units": 1, "gmv": 100.0, "orders": 1},
    ]
    assert got["ranking"]["tiktok"] == []


def test_missing_on_a_channel() -> None:
    day = at(AS_OF - timedelta(days=10))
    lines = [
        line(sku="P", order_id="p1", quantity=6, ordered_at=day),
        line(sku="Q", order_id="q1", quantity=5, ordered_at=day),
        line(channel="lazada", sku="Q", order_id="q2", status="cancelled", ordered_at=day),
        line(sku="R", order_id="r1", quantity=3, ordered_at=day),
        line(channel="lazada", sku="R", order_id="r2", quantity=3, ordered_at=day),
        line(channel="lazada", sku="S", order_id="s1", quantity=6, ordered_at=day),
        line(
            channel="lazada",
            sku="S",
            order_id="s2",
            quantity=1,
            ordered_at=at(AS_OF - timedelta(days=90)),
        ),  # outside the 90 days
        line(sku="S", order_id="s3", quantity=9, ordered_at=at(AS_OF - timedelta(days=200))),
        line(channel="tiktok", sku="T", order_id="t1", status="cancelled", ordered_at=day),
        line(channel="facebook", sku="P", order_id="f1", ordered_at=at(date(2025, 1, 1))),
    ]
    got = products(connect(lines), AS_OF)
    assert got == reference(lines, AS_OF)
    assert [(m["sku"], m["soldOn"], m["missingOn"], m["units"]) for m in got["missing"]] == [
        ("P", ["shopee"], ["lazada"], 6),
        ("S", ["lazada"], ["shopee"], 6),
    ]


def test_empty() -> None:
    assert products(connect([]), AS_OF) == {
        "ranking": {},
        "rising": [],
        "falling": [],
        "missing": [],
    }
