"""channels(): every field against a plain-Python calculation over the same lines."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from isanhub.insight.commerce.channels import channels

from . import connect, line

COSTS = {
    "platformFees": "platform_fees",
    "sellerDiscounts": "seller_discount",
    "shippingSeller": "shipping_seller",
    "refunds": "refund",
}


def _div(a: float, b: float, digits: int = 4) -> float | None:
    return None if not b else round(a / b, digits)


def reference(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The channels section computed line by line, independently of the module's SQL."""
    rows = []
    for channel in sorted({x["channel"] for x in lines}):
        own = [x for x in lines if x["channel"] == channel]
        sold = [x for x in own if x["status"] != "cancelled"]
        orders = {x["order_id"] for x in sold}
        every = {x["order_id"] for x in own}
        returned = {
            x["order_id"]
            for x in sold
            if x["status"] == "returned" or (x["returned_quantity"] or 0) > 0
        }
        gmv = sum(x["gross"] or 0 for x in sold)
        costs = {k: sum(x[c] or 0 for x in own) for k, c in COSTS.items()}
        net = gmv - sum(costs.values())
        rows.append(
            {
                "channel": channel,
                "orders": len(orders),
                "cancelledOrders": len(every) - len(orders),
                "units": sum(x["quantity"] for x in sold),
                "gmv": round(gmv, 2),
                "aov": _div(gmv, len(orders), 2),
                "cancellationRate": _div(len(every) - len(orders), len(every)),
                "returnRate": _div(len(returned), len(orders)),
                **{k: round(v, 2) for k, v in costs.items()},
                "netRevenue": round(net, 2),
                "netPerBaht": _div(net, gmv),
                "feesKnown": any(x["platform_fees"] is not None for x in own),
            }
        )
    rows.sort(key=lambda r: (-r["netRevenue"], r["channel"]))
    good = [r for r in rows if r["orders"] >= 10 and r["netPerBaht"] is not None]
    good.sort(key=lambda r: (-r["netPerBaht"], r["channel"]))
    return {"rows": rows, "best": good[0]["channel"] if good else None}


def shop_lines() -> list[dict[str, Any]]:
    return [
        # shopee o1: two lines, the order-level fee, voucher and shipping on the first
        line(
            order_id="o1",
            quantity=2,
            platform_fees=30.0,
            seller_discount=10.0,
            shipping_seller=25.0,
        ),
        line(order_id="o1", sku="SILK-02", line_id="s-o1-2", unit_price=250.0, order_level=False),
        # shopee o2: cancelled only, but its fee was charged
        line(order_id="o2", status="cancelled", platform_fees=5.0),
        # shopee o3: one unit of two returned and refunded
        line(order_id="o3", status="returned", quantity=2, returned_quantity=1, refund=100.0),
        # lazada: fees unknown (NULL everywhere)
        line(channel="lazada", order_id="L1", unit_price=300.0, platform_fees=None),
        line(channel="lazada", order_id="L2", status="cancelled", platform_fees=None),
        # tiktok: 10 orders at 100, fee 10 each -> net per baht 0.9
        *[line(channel="tiktok", order_id=f"T{i}", platform_fees=10.0) for i in range(10)],
        # facebook: 10 orders at 100, fee 10 each, same net as tiktok -> tie by name
        *[line(channel="facebook", order_id=f"F{i}", platform_fees=10.0) for i in range(10)],
    ]


def test_channels_every_field() -> None:
    lines = shop_lines()
    got = channels(connect(lines))
    assert got == reference(lines)
    by = {r["channel"]: r for r in got["rows"]}
    assert by["shopee"] == {
        "channel": "shopee",
        "orders": 2,
        "cancelledOrders": 1,
        "units": 5,
        "gmv": 650.0,
        "aov": 325.0,
        "cancellationRate": 0.3333,
        "returnRate": 0.5,
        "platformFees": 35.0,
        "sellerDiscounts": 10.0,
        "shippingSeller": 25.0,
        "refunds": 100.0,
        "netRevenue": 480.0,
        "netPerBaht": 0.7385,
        "feesKnown": True,
    }
    assert by["lazada"]["feesKnown"] is False
    assert by["lazada"]["platformFees"] == 0.0
    assert by["lazada"]["cancellationRate"] == 0.5
    assert by["tiktok"]["netRevenue"] == by["facebook"]["netRevenue"] == 900.0
    # ties on net revenue and on net per baht go to the first name
    assert [r["channel"] for r in got["rows"]] == ["facebook", "tiktok", "shopee", "lazada"]
    assert got["best"] == "facebook"


def test_best_needs_ten_orders_and_cancelled_only_channel() -> None:
    lines = [
        line(order_id="a"),
        line(channel="line", order_id="c", status="cancelled", platform_fees=None),
    ]
    got = channels(connect(lines))
    assert got["best"] is None
    row = next(r for r in got["rows"] if r["channel"] == "line")
    assert row["orders"] == 0 and row["cancelledOrders"] == 1
    assert row["gmv"] == 0.0 and row["aov"] is None and row["returnRate"] is None
    assert row["netPerBaht"] is None and row["cancellationRate"] == 1.0
    assert got == reference(lines)


def test_empty() -> None:
    assert channels(connect([])) == {"rows": [], "best": None}


money = st.one_of(st.none(), st.integers(0, 4000).map(lambda c: c / 4))


@st.composite
def random_lines(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(0, 30))):
        out.append(
            line(
                channel=draw(st.sampled_from(["shopee", "lazada", "tiktok"])),
                order_id=f"o{draw(st.integers(0, 8))}",
                line_id=f"l{i}",
                status=draw(st.sampled_from(["completed", "cancelled", "returned", "shipping"])),
                quantity=draw(st.integers(1, 5)),
                unit_price=draw(st.integers(0, 2000).map(lambda c: c / 4)),
                platform_fees=draw(money),
                seller_discount=draw(money),
                shipping_seller=draw(money),
                refund=draw(money),
                returned_quantity=draw(st.integers(0, 1)),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(random_lines())
def test_channels_property(lines: list[dict[str, Any]]) -> None:
    got = channels(connect(lines))
    want = reference(lines)
    assert got == want
    for row in got["rows"]:
        assert row["netRevenue"] == round(
            row["gmv"]
            - row["platformFees"]
            - row["sellerDiscounts"]
            - row["shippingSeller"]
            - row["refunds"],
            2,
        )
